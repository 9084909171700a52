/* SPDX-License-Identifier: MIT */
/* The sim source: a seeded random walk per symbol, paced by a given clock. */

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/backoff.h>
#include <ticker/hash.h>
#include <ticker/sim.h>
#include <ticker/stream_impl.h>
#include <ticker/tick.h>

/* Prices are whole cents (scale 2), walked a few cents at a time. */
#define SIM_PRICE_MIN	INT64_C(10000)		/* 100.00 start */
#define SIM_PRICE_MAX	INT64_C(6000000)	/* 60000.00 start */
#define SIM_PRICE_FLOOR	INT64_C(100)		/* the walk stays >= 1.00 */
#define SIM_STEP_MAX	5			/* cents per step, up or down */
#define SIM_SPREAD_MAX	5			/* cents; at least 1 */
#define SIM_RATE_MAX	1e6			/* one tick per µs */
#define SIM_FUNDING_US	(INT64_C(8) * 3600 * 1000000)	/* every 8 h */

struct sim_symbol {
	char		 name[TK_SYMBOL_MAX];
	int64_t		 cents;		/* last price */
};

struct sim {
	struct tk_stream base;
	char		 exchange[TK_NAME_MAX];
	double		 rate;
	enum tk_tick_type kinds[TK_TICK_TYPE_MAX];	/* the types asked for */
	unsigned	 nkinds;
	uint64_t	 rng;
	uint64_t	 made;		/* ticks made; the next is #made */
	uint64_t	 trade_id;
	int64_t		 start;		/* clock at the first poll */
	bool		 started;
	tk_clock_fn	*clock;
	void		*clock_ud;
	size_t		 nsymbols;
	struct sim_symbol sym[];
};

static enum tk_poll sim_next(struct tk_stream *, struct tk_tick *);
static void	sim_free(struct tk_stream *);
static bool	conf_ok(const struct tk_sim_conf *);
static int64_t	start_price(uint64_t seed, const char *symbol);
static int64_t	due_at(const struct sim *, uint64_t k);
static void	make_tick(struct sim *, int64_t now, struct tk_tick *);
static void	make_trade(struct sim *, const struct sim_symbol *,
		    struct tk_tick *);
static void	make_quote(struct sim *, const struct sim_symbol *,
		    struct tk_tick *);
static void	make_funding(struct sim *, const struct sim_symbol *,
		    int64_t now, struct tk_tick *);
static uint64_t	rnd(struct sim *, uint64_t n);
static void	dec_set(struct tk_dec *, int64_t mant, int scale);
static struct sim *to_sim(struct tk_stream *);
static const struct sim *to_csim(const struct tk_stream *);

static const struct tk_stream_ops sim_ops = {
	.next = sim_next,
	.free = sim_free,
};

struct tk_stream *
tk_sim_new(const struct tk_sim_conf *conf)
{
	struct sim *sim;
	size_t i, n;

	if (!conf_ok(conf))
		return NULL;
	sim = calloc(1, sizeof(*sim) + conf->nsymbols * sizeof(sim->sym[0]));
	if (sim == NULL)
		return NULL;
	tk_stream_init(&sim->base, &sim_ops, conf->exchange);
	memcpy(sim->exchange, conf->exchange, strlen(conf->exchange) + 1);
	sim->rate = conf->rate;
	for (i = 0; i < TK_TICK_TYPE_MAX; i++)
		if (conf->types & TK_TYPES_FEED & TK_TYPE_BIT(i))
			sim->kinds[sim->nkinds++] = (enum tk_tick_type)i;
	sim->rng = conf->seed;
	sim->clock = conf->clock;
	sim->clock_ud = conf->clock_ud;
	sim->nsymbols = conf->nsymbols;
	for (i = 0; i < conf->nsymbols; i++) {
		n = strlen(conf->symbols[i]);
		memcpy(sim->sym[i].name, conf->symbols[i], n + 1);
		sim->sym[i].cents = start_price(conf->seed, conf->symbols[i]);
	}
	return &sim->base;
}

int64_t
tk_sim_next_due(const struct tk_stream *s)
{
	const struct sim *sim = to_csim(s);

	/* Before the first poll nothing is scheduled: due at once. */
	if (sim == NULL || !sim->started)
		return 0;
	return due_at(sim, sim->made);
}

void
tk_sim_tick(struct tk_stream *s)
{
	struct sim *sim = to_sim(s);

	if (sim == NULL || !sim->started)
		return;
	if (sim->clock(sim->clock_ud) >= due_at(sim, sim->made))
		tk_stream_wake(s);
}

/* Tick k is due at start + k/rate: everything due is READY (catch-up). */
static enum tk_poll
sim_next(struct tk_stream *s, struct tk_tick *out)
{
	struct sim *sim = tk_container_of(s, struct sim, base);
	int64_t now;

	now = sim->clock(sim->clock_ud);
	if (!sim->started) {
		sim->start = now;
		sim->started = true;
	}
	if (now < due_at(sim, sim->made))
		return TK_POLL_PENDING;
	make_tick(sim, now, out);
	sim->made++;
	return TK_POLL_READY;
}

static void
sim_free(struct tk_stream *s)
{
	free(to_sim(s));
}

static bool
conf_ok(const struct tk_sim_conf *conf)
{
	size_t i, n;

	if (conf == NULL || conf->exchange == NULL || conf->clock == NULL)
		return false;
	n = strlen(conf->exchange);
	if (n == 0 || n >= TK_NAME_MAX)
		return false;
	if (conf->symbols == NULL || conf->nsymbols == 0 ||
	    conf->nsymbols > SIZE_MAX / 2 / sizeof(struct sim_symbol))
		return false;
	for (i = 0; i < conf->nsymbols; i++) {
		if (conf->symbols[i] == NULL)
			return false;
		n = strlen(conf->symbols[i]);
		if (n == 0 || n >= TK_SYMBOL_MAX)
			return false;
	}
	if (!isfinite(conf->rate) || conf->rate <= 0 ||
	    conf->rate > SIM_RATE_MAX)
		return false;
	return (conf->types & TK_TYPES_FEED) != 0;
}

/* Plausible and stable: a function of the seed and the symbol's name. */
static int64_t
start_price(uint64_t seed, const char *symbol)
{
	uint64_t h = tk_hash_str(TK_HASH_INIT, symbol) ^ seed;

	return SIM_PRICE_MIN +
	    (int64_t)(tk_rand_next(&h) % (SIM_PRICE_MAX - SIM_PRICE_MIN + 1));
}

/* Time only, never prices, goes through double here. */
static int64_t
due_at(const struct sim *sim, uint64_t k)
{
	double off = (double)k * 1e6 / sim->rate;

	if (off >= 4e18)
		return INT64_MAX;
	return sim->start + (int64_t)off;
}

static void
make_tick(struct sim *sim, int64_t now, struct tk_tick *t)
{
	struct sim_symbol *sy = &sim->sym[rnd(sim, sim->nsymbols)];
	enum tk_tick_type type;
	int64_t step;

	step = (int64_t)rnd(sim, 2 * SIM_STEP_MAX + 1) - SIM_STEP_MAX;
	if (sy->cents + step < SIM_PRICE_FLOOR)
		step = -step;
	sy->cents += step;

	/* one of the types asked for, each as likely */
	type = sim->kinds[sim->nkinds > 1 ? rnd(sim, sim->nkinds) : 0];

	memset(t, 0, sizeof(*t));
	memcpy(t->exchange, sim->exchange, sizeof(t->exchange));
	memcpy(t->symbol, sy->name, sizeof(t->symbol));
	t->ts = t->recv_ts = now;
	if (type == TK_TICK_QUOTE)
		make_quote(sim, sy, t);
	else if (type == TK_TICK_FUNDING)
		make_funding(sim, sy, now, t);
	else
		make_trade(sim, sy, t);
}

static void
make_trade(struct sim *sim, const struct sim_symbol *sy, struct tk_tick *t)
{
	t->type = TK_TICK_TRADE;
	t->side = rnd(sim, 2) != 0 ? TK_SIDE_BUY : TK_SIDE_SELL;
	dec_set(&t->price, sy->cents, 2);
	dec_set(&t->size, 1 + (int64_t)rnd(sim, 20000), 4);	/* 0.0001-2 */
	snprintf(t->trade_id, sizeof(t->trade_id), "%" PRIu64,
	    ++sim->trade_id);
}

/* The walk's price sits inside [bid, ask); the spread is 1..5 cents. */
static void
make_quote(struct sim *sim, const struct sim_symbol *sy, struct tk_tick *t)
{
	int64_t bid, ask;

	bid = sy->cents - (int64_t)rnd(sim, 3);
	ask = bid + 1 + (int64_t)rnd(sim, SIM_SPREAD_MAX);
	t->type = TK_TICK_QUOTE;
	dec_set(&t->bid, bid, 2);
	dec_set(&t->ask, ask, 2);
	dec_set(&t->bid_size, 1 + (int64_t)rnd(sim, 5000), 3);	/* 0.001-5 */
	dec_set(&t->ask_size, 1 + (int64_t)rnd(sim, 5000), 3);
}

/*
 * Funding of a perpetual on the walk, whatever the symbol (it is a
 * simulation): the mark is the walk's price, the index within 5 cents of
 * it, the rate within ±0.0001, and funding falls every 8 hours (UTC).
 */
static void
make_funding(struct sim *sim, const struct sim_symbol *sy, int64_t now,
    struct tk_tick *t)
{
	t->type = TK_TICK_FUNDING;
	dec_set(&t->mark_price, sy->cents, 2);
	dec_set(&t->index_price, sy->cents - 5 + (int64_t)rnd(sim, 11), 2);
	dec_set(&t->rate, (int64_t)rnd(sim, 201) - 100, 6);
	t->next_funding_ts = (now / SIM_FUNDING_US + 1) * SIM_FUNDING_US;
}

/* Uniform enough in [0, n) for a simulation; n is small. */
static uint64_t
rnd(struct sim *sim, uint64_t n)
{
	return (tk_rand_next(&sim->rng) >> 11) % n;
}

/* Normalised like tk_dec_parse(): no trailing zeros in the fraction. */
static void
dec_set(struct tk_dec *d, int64_t mant, int scale)
{
	while (scale > 0 && mant % 10 == 0) {
		mant /= 10;
		scale--;
	}
	d->mant = mant;
	d->scale = (int16_t)scale;
	d->valid = 1;
}

/*
 * The checked downcast, for the public calls.  sim_next() uses
 * tk_container_of() directly: only sim_ops calls it, so @s is ours.
 */
static struct sim *
to_sim(struct tk_stream *s)
{
	if (s == NULL || s->ops != &sim_ops)
		return NULL;
	return tk_container_of(s, struct sim, base);
}

static const struct sim *
to_csim(const struct tk_stream *s)
{
	if (s == NULL || s->ops != &sim_ops)
		return NULL;
	return (const struct sim *)(const void *)s;
}
