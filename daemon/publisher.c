/* SPDX-License-Identifier: MIT */
/*
 * The publisher: numbers and publishes ticks and statuses into the ring,
 * keeps the latest of each for snapshots, sizes its tables from the
 * config, and counts.  Clients, flushing and listeners are in client.c,
 * flush.c and listen.c (publisher_impl.h).
 */

#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/bbo.h>
#include <ticker/hist.h>
#include <ticker/keyset.h>
#include <ticker/latest.h>
#include <ticker/nats.h>
#include <ticker/replay.h>
#include <ticker/state.h>
#include <ticker/stream.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

#include "clock.h"
#include "log.h"
#include "nats_sink.h"
#include "publisher_impl.h"

#define FD_RESERVE	64		/* fds kept for exchanges, files */
#define BBO_WARN_US	(10 * 1000000)	/* bbo errors: one log line per */

static size_t snapshot_keys(const struct tk_config *);
static unsigned fd_capped_clients(const struct tk_config *);
static void	bbo_drain(struct publisher *);
static void	bbo_exchange(struct publisher *, const char *exchange,
		    enum tk_state);
static void	bbo_warn(struct publisher *, int r, const char *exchange,
		    const char *symbol);

/* Two snapshots of every configured key, at least PRIV_MIN_BYTES. */
static size_t
priv_client_max(const struct tk_config *conf)
{
	size_t n = 2 * snapshot_keys(conf) * (TK_TICK_JSON_MAX + FRAME_HDR_MAX);

	return n > PRIV_MIN_BYTES ? n : PRIV_MIN_BYTES;
}

static struct ex_stats *
ex_stats_of(struct publisher *pub, const char *name)
{
	struct ex_stats *e;
	size_t i;

	for (i = 0; i < pub->nex; i++)
		if (strcmp(pub->ex[i].name, name) == 0)
			return &pub->ex[i];
	e = realloc(pub->ex, (pub->nex + 1) * sizeof(*e));
	if (e == NULL)
		return NULL;
	pub->ex = e;
	e = &pub->ex[pub->nex++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

/* Who a tick is from, for the log: a bbo is every exchange's. */
static const char *
tick_origin(const struct tk_tick *t)
{
	return t->type == TK_TICK_BBO ? "bbo" : t->exchange;
}

/* A bbo belongs to no exchange: it is counted apart (tickerd_bbo_total). */
static void
count_tick(struct publisher *pub, const struct tk_tick *t)
{
	struct ex_stats *e;

	pub->stats.ticks++;
	if (t->type == TK_TICK_BBO) {
		pub->stats.bbo++;
		return;
	}
	if ((e = ex_stats_of(pub, t->exchange)) == NULL)
		return;
	e->ticks[t->type]++;
	e->last_tick_us = t->recv_ts;
	if (t->ts > 0 && t->ts != t->recv_ts)
		tk_hist_observe(&e->lag, t->recv_ts - t->ts);
}

/* Quotes, funding and bbo: a lagging client needs only the latest. */
static int
conflates(enum tk_tick_type type)
{
	return type == TK_TICK_QUOTE || type == TK_TICK_FUNDING ||
	    type == TK_TICK_BBO;
}

static void
publish_one(struct publisher *pub, struct tk_tick *t)
{
	struct slot *s = ring_claim(pub);
	char longer[SLOT_PAYLOAD];
	int n;

	t->seq = ++pub->seq;
	count_tick(pub, t);
	n = tk_tick_format(t, 0, (char *)s->buf + LWS_PRE, SLOT_INLINE);
	if (n < 0 && (n = tk_tick_format(t, 0, longer, sizeof(longer))) >= 0 &&
	    slot_store_big(s, longer, (size_t)n) < 0)
		n = -ENOMEM;
	if (n < 0) {
		/* never send half a tick */
		log_errx("tick from %s not published: %s", tick_origin(t),
		    strerror(-n));
		return;
	}
	s->kind = SLOT_TICK;
	s->type = t->type;
	s->recv_ts = t->recv_ts;
	s->ex_key = tk_keyspace_find(pub->keys, TK_KEY_EXCHANGE, t->exchange);
	s->sym_key = tk_keyspace_find(pub->keys, TK_KEY_SYMBOL, t->symbol);
	memcpy(s->exchange, t->exchange, sizeof(s->exchange));
	memcpy(s->symbol, t->symbol, sizeof(s->symbol));
	ring_commit(pub, s, (size_t)n);
	if (conflates(t->type))
		ring_supersede(pub, s);
	if (tk_latest_put(pub->latest, t) < 0)
		log_debug("snapshot table full, %s %s not kept",
		    tick_origin(t), t->symbol);
}

/*
 * A quote also goes to the consolidated bbo: a change of a symbol's best
 * bid or ask is published right after it, with the next seq.
 */
void
publisher_publish(struct publisher *pub, struct tk_tick *t)
{
	publish_one(pub, t);
	if (t->type != TK_TICK_QUOTE || pub->bbo == NULL)
		return;
	bbo_warn(pub, tk_bbo_quote(pub->bbo, t), t->exchange, t->symbol);
	bbo_drain(pub);
}

/* Publishes the bbo changes tk_bbo has queued. */
static void
bbo_drain(struct publisher *pub)
{
	struct tk_tick b;

	while (pub->bbo != NULL && tk_bbo_next(pub->bbo, &b))
		publish_one(pub, &b);
}

/*
 * The quotes of an exchange that is not connected (stale, reconnecting,
 * down) leave the bbo at once; the bbo changes go out after its status.
 */
static void
bbo_exchange(struct publisher *pub, const char *exchange,
    enum tk_state state)
{
	if (pub->bbo == NULL)
		return;
	bbo_warn(pub, tk_bbo_exchange_state(pub->bbo, exchange,
	    state == TK_STATE_CONNECTED, now_realtime_us()), exchange,
	    "(all symbols)");
	bbo_drain(pub);
}

/*
 * A quote the bbo could not take (more symbols than sized for, or sizes in
 * another unit than the symbol's first quote): logged at most once per
 * BBO_WARN_US, with how many went unsaid.
 */
static void
bbo_warn(struct publisher *pub, int r, const char *exchange,
    const char *symbol)
{
	int64_t now = now_mono_us();

	if (r >= 0)
		return;
	if (pub->bbo_warn_us != 0 && now - pub->bbo_warn_us < BBO_WARN_US) {
		pub->bbo_errors++;
		return;
	}
	log_warnx("bbo: %s %s left out: %s (%llu more since the last "
	    "report)", exchange, symbol, r == -EDOM ? "its sizes are in "
	    "another unit than the symbol's first quote" : r == -ENOSPC ?
	    "more exchanges or symbols than configured" : strerror(-r),
	    (unsigned long long)pub->bbo_errors);
	pub->bbo_warn_us = now;
	pub->bbo_errors = 0;
}

static struct status_entry *
status_entry(struct publisher *pub, const char *exchange)
{
	struct status_entry *e;
	size_t i;

	for (i = 0; i < pub->nstatus; i++)
		if (strcmp(pub->status[i].exchange, exchange) == 0)
			return &pub->status[i];
	e = realloc(pub->status, (pub->nstatus + 1) * sizeof(*e));
	if (e == NULL)
		return NULL;
	pub->status = e;
	e = &pub->status[pub->nstatus++];
	memset(e, 0, sizeof(*e));
	snprintf(e->exchange, sizeof(e->exchange), "%s", exchange);
	return e;
}

/*
 * gcc 12 -fanalyzer loses s->big (stored in the ring, freed when the slot
 * is reused or in publisher_free()) and reports it as leaked.
 */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
void
publisher_status(struct publisher *pub, const char *exchange,
    enum tk_state state, const char *detail)
{
	struct status_entry *e = status_entry(pub, exchange);
	struct slot *s = ring_claim(pub);
	char longer[SLOT_PAYLOAD];
	int n;

	nats_sink_status(pub->td->nats_sink, exchange, state, detail);
	n = tk_status_format(exchange, state, detail, (char *)s->buf + LWS_PRE,
	    SLOT_INLINE);
	if (n < 0 && (n = tk_status_format(exchange, state, detail, longer,
	    sizeof(longer))) >= 0 && slot_store_big(s, longer, (size_t)n) < 0)
		n = -ENOMEM;
	if (e != NULL) {
		if (e->len == 0 || e->state != state)
			e->since_us = now_realtime_us();
		e->state = state;
	}
	if (n < 0) {
		bbo_exchange(pub, exchange, state);
		return;
	}
	s->kind = SLOT_STATUS;
	s->recv_ts = now_realtime_us();
	memcpy(s->exchange, exchange, strnlen(exchange, TK_NAME_MAX - 1));
	s->exchange[strnlen(exchange, TK_NAME_MAX - 1)] = '\0';
	s->symbol[0] = '\0';
	s->ex_key = tk_keyspace_find(pub->keys, TK_KEY_EXCHANGE, s->exchange);
	s->sym_key = TK_KEY_NONE;
	ring_commit(pub, s, (size_t)n);
	if (e != NULL) {
		memcpy(e->json, slot_payload(s), (size_t)n);
		e->len = (size_t)n;
	}
	bbo_exchange(pub, exchange, state);
	pub->waker->wake(pub->waker);	/* a pump pass flushes it */
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

unsigned
publisher_shutdown(struct publisher *pub)
{
	struct client *c;

	lws_sul_cancel(&pub->sul_cull);
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		c = lws_container_of(d, struct client, node);
		client_close(c, LWS_CLOSE_STATUS_GOINGAWAY,
		    "tickerd is shutting down");
	} lws_end_foreach_dll(d);
	return (unsigned)pub->clients.count;
}

void
publisher_forget_exchange(struct publisher *pub, const char *exchange,
    const char *why)
{
	size_t i;

	publisher_status(pub, exchange, TK_STATE_DOWN, why);
	tk_latest_drop_exchange(pub->latest, exchange);
	for (i = 0; i < pub->nstatus; i++) {
		if (strcmp(pub->status[i].exchange, exchange) != 0)
			continue;
		pub->status[i] = pub->status[--pub->nstatus];
		break;
	}
}

/*
 * Room for tk_bbo_new(): the sum of the symbol lists bounds their union.
 * A replay's ticks carry the names of the exchanges it recorded, up to
 * TK_REPLAY_SOURCES of them, a NATS source's those of the exchanges its
 * ingest hosts read, up to TK_NATS_ORIGINS_MAX.
 */
static void
bbo_size(const struct tk_config *conf, size_t *nex, size_t *nsym)
{
	const struct tk_exchange_conf *e;
	size_t i;

	*nex = *nsym = 0;
	for (i = 0; i < conf->nexchanges; i++) {
		e = &conf->exchanges[i];
		*nex += strcmp(e->adapter->name, "replay") == 0 ?
		    TK_REPLAY_SOURCES : e->nats != NULL ?
		    TK_NATS_ORIGINS_MAX : 1;
		*nsym += e->nsymbols;
	}
}

/* The same best bid and ask, the same venues (times and seq aside). */
static int
bbo_same(const struct tk_tick *a, const struct tk_tick *b)
{
	char ja[TK_TICK_JSON_MAX], jb[TK_TICK_JSON_MAX];
	struct tk_tick ca = *a, cb = *b;
	int na, nb;

	ca.ts = ca.recv_ts = cb.ts = cb.recv_ts = 0;
	ca.seq = cb.seq = 0;
	na = tk_tick_format(&ca, 0, ja, sizeof(ja));
	nb = tk_tick_format(&cb, 0, jb, sizeof(jb));
	return na > 0 && na == nb && memcmp(ja, jb, (size_t)na) == 0;
}

/*
 * Reload: @bbo (new, sized for the old and the new config) takes over.  It
 * learns which exchanges are out and the quotes they made since they are
 * back, from the status and snapshot tables; only a bbo that then differs
 * from the one last published goes out.
 */
static void
bbo_rebuild(struct publisher *pub, struct tk_bbo *bbo)
{
	const struct status_entry *e;
	const struct tk_tick *t, *was;
	struct tk_tick b;
	size_t i, j;
	int published = 0;

	for (i = 0; i < pub->nstatus; i++)
		if (pub->status[i].state != TK_STATE_CONNECTED)
			tk_bbo_exchange_state(bbo, pub->status[i].exchange,
			    false, 0);
	for (i = 0; i < tk_latest_count(pub->latest); i++) {
		t = tk_latest_at(pub->latest, i);
		for (j = 0, e = NULL; j < pub->nstatus && e == NULL; j++)
			if (strcmp(pub->status[j].exchange, t->exchange) == 0)
				e = &pub->status[j];
		if (t->type == TK_TICK_QUOTE &&
		    (e == NULL || t->recv_ts >= e->since_us))
			tk_bbo_quote(bbo, t);
	}
	tk_bbo_free(pub->bbo);
	pub->bbo = bbo;
	while (tk_bbo_next(bbo, &b)) {
		was = tk_latest_get(pub->latest, "", b.symbol, TK_TICK_BBO);
		if (was == NULL || !bbo_same(was, &b)) {
			publish_one(pub, &b);
			published = 1;
		}
	}
	if (published)
		pub->waker->wake(pub->waker);	/* a pump pass flushes them */
}

/*
 * The snapshot table and the quote map are sized from the config's
 * symbols: a reload may need more room.  Ticks already known are kept.
 * New names join the key space, and every client's filter is compiled
 * again over it.
 */
int
publisher_reconfigure(struct publisher *pub, const struct tk_config *conf)
{
	size_t keys = snapshot_keys(conf), slots, i, nex, nsym, oex, osym;
	struct tk_latest *latest;
	struct quote_pos *qpos;
	struct tk_bbo *bbo;
	int r;

	if ((r = tk_keyspace_add_config(pub->keys, conf)) < 0)
		return r;
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		client_recompile(pub, lws_container_of(d, struct client,
		    node));
	} lws_end_foreach_dll(d);

	/* exchanges on their way out keep their place until they are gone */
	bbo_size(conf, &nex, &nsym);
	bbo_size(&pub->td->conf, &oex, &osym);
	bbo = tk_bbo_new(nex + oex, nsym + osym);
	latest = tk_latest_new(keys);
	for (slots = 16; slots < keys * 2; slots <<= 1)
		;
	qpos = calloc(slots, sizeof(*qpos));
	if (latest == NULL || qpos == NULL || bbo == NULL) {
		tk_latest_free(latest);
		free(qpos);
		tk_bbo_free(bbo);
		return -ENOMEM;
	}
	for (i = 0; i < tk_latest_count(pub->latest); i++)
		tk_latest_put(latest, tk_latest_at(pub->latest, i));
	tk_latest_free(pub->latest);
	pub->latest = latest;
	bbo_rebuild(pub, bbo);
	pub->priv_client_max = priv_client_max(conf);
	pub->max_clients = fd_capped_clients(conf);
	/* a fresh quote map only delays conflation by one quote per key */
	free(pub->qpos);
	pub->qpos = qpos;
	pub->qpos_mask = slots - 1;
	return 0;
}

const struct pub_stats *
publisher_stats(const struct publisher *pub)
{
	return &pub->stats;
}

int
publisher_exchange_stats(const struct publisher *pub, const char *name,
    struct pub_ex_stats *out)
{
	size_t i;

	for (i = 0; i < pub->nex; i++) {
		if (strcmp(pub->ex[i].name, name) != 0)
			continue;
		memcpy(out->ticks, pub->ex[i].ticks, sizeof(out->ticks));
		out->last_tick_us = pub->ex[i].last_tick_us;
		out->lag = &pub->ex[i].lag;
		return 0;
	}
	return -ENOENT;
}

int64_t
publisher_ring_depth(const struct publisher *pub, int64_t now_us,
    uint64_t *oldest_seq)
{
	int64_t oldest = ring_oldest_us(pub);

	*oldest_seq = ring_oldest_seq(pub);
	return oldest > 0 && now_us > oldest ? now_us - oldest : 0;
}

unsigned
publisher_clients(const struct publisher *pub)
{
	return (unsigned)pub->clients.count;
}

static size_t
snapshot_keys(const struct tk_config *conf)
{
	size_t i, keys = 0;

	for (i = 0; i < conf->nexchanges; i++)
		keys += conf->exchanges[i].nsymbols * TK_TICK_TYPE_MAX *
		    (conf->exchanges[i].nats != NULL ?	/* many exchanges */
		    TK_NATS_ORIGINS_MAX : 1);
	return keys;
}

/*
 * clients.max, lowered if the process may not open that many files: every
 * client is a descriptor, and running out of them stalls accept().  The
 * soft RLIMIT_NOFILE is first raised to the hard one.
 */
static unsigned
fd_capped_clients(const struct tk_config *conf)
{
	unsigned want = conf->clients.max_clients;
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return want;
	room = rl.rlim_cur > FD_RESERVE + HTTP_HEADROOM + 4 * conf->nexchanges ?
	    rl.rlim_cur - FD_RESERVE - HTTP_HEADROOM - 4 * conf->nexchanges : 1;
	if (want <= room)
		return want;
	log_warnx("clients.max %u is more than %llu open files allow "
	    "(RLIMIT_NOFILE); serving at most %llu clients", want,
	    (unsigned long long)rl.rlim_cur, (unsigned long long)room);
	return (unsigned)room;
}

static int
publisher_alloc(struct publisher *pub, const struct tk_config *conf)
{
	size_t slots = 64, nex, nsym;

	while (slots < conf->clients.queue_ticks)
		slots <<= 1;
	if (ring_alloc(pub, slots) < 0)
		return -ENOMEM;
	if ((pub->keys = tk_keyspace_new()) == NULL ||
	    tk_keyspace_add_config(pub->keys, conf) < 0)
		return -ENOMEM;
	pub->latest = tk_latest_new(snapshot_keys(conf));
	pub->priv_client_max = priv_client_max(conf);
	pub->max_clients = fd_capped_clients(conf);
	/*
	 * A client half a ring behind is really falling behind (not just a
	 * scheduling hiccup): from there on it gets only the latest quote of
	 * each key, which also keeps it from being lapped by quotes alone.
	 */
	pub->conflate_lag = slots / 2;
	for (slots = 16; slots < snapshot_keys(conf) * 2; slots <<= 1)
		;
	pub->qpos = calloc(slots, sizeof(*pub->qpos));
	pub->qpos_mask = slots - 1;
	bbo_size(conf, &nex, &nsym);
	pub->bbo = tk_bbo_new(nex, nsym);
	if (pub->latest == NULL || pub->qpos == NULL || pub->bbo == NULL)
		return -ENOMEM;
	return 0;
}

struct publisher *
publisher_new(struct tickerd *td, struct tk_waker *waker)
{
	const struct tk_config *conf = &td->conf;
	struct publisher *pub;

	pub = calloc(1, sizeof(*pub));
	if (pub == NULL)
		return NULL;
	pub->td = td;
	pub->waker = waker;
	session_init_epoch(pub);
	if (publisher_alloc(pub, conf) < 0) {
		log_errx("out of memory for the publisher");
		goto fail;
	}
	lws_sul_schedule(td->ctx, 0, &pub->sul_cull, client_cull, CULL_US);
	return pub;
fail:
	publisher_free(pub);
	return NULL;
}

void
publisher_free(struct publisher *pub)
{
	if (pub == NULL)
		return;
	tk_latest_free(pub->latest);
	tk_bbo_free(pub->bbo);
	tk_keyspace_free(pub->keys);
	ring_free(pub);
	free(pub->status);
	free(pub->ex);
	free(pub->qpos);
	free(pub->heads);
	free(pub);
}
