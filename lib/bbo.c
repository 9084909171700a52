/* SPDX-License-Identifier: MIT */
/* Consolidated best bid and offer over exchanges, per symbol. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/bbo.h>
#include <ticker/decimal.h>
#include <ticker/hash.h>
#include <ticker/tick.h>

/*
 * One side of one exchange's quote.  @since orders arrivals at a price:
 * it is taken from the module's clock when the price changes, and kept
 * while only the size does, so the lowest @since at the best price is the
 * exchange that got there first.
 */
struct side {
	struct tk_dec	 px;		/* invalid: no quote on this side */
	struct tk_dec	 size;
	uint64_t	 since;
};

struct venue {
	struct side	 bid, ask;
};

/* The best of one side: the exchange holding it, or -1 for none. */
struct best {
	int		 ex;
	struct tk_dec	 px, size;
};

struct book {
	char		 symbol[TK_SYMBOL_MAX];
	enum tk_size_unit unit;
	struct best	 bid, ask;		/* now */
	struct best	 sent_bid, sent_ask;	/* as last yielded */
	int64_t		 ts, recv_ts;	/* of the last change of bid or ask */
	bool		 queued;
};

/*
 * Books are a dense array in arrival order with a hash index over it
 * (entries hold book+1, 0 is free).  Quotes are a matrix, one row of
 * @excap venues per book.  The queue is a ring of books with a change to
 * yield; a book is in it at most once, so it never overflows.
 */
struct tk_bbo {
	char		(*names)[TK_NAME_MAX];
	bool		*usable;
	size_t		 nex, excap;
	struct book	*books;
	size_t		 nbooks, bookcap;
	struct venue	*venues;
	uint32_t	*index;
	size_t		 mask;
	size_t		*queue;
	size_t		 qhead, qlen;
	uint64_t	 clock;
};

static int	 name_ok(const char *, size_t);
static int	 exchange_find(const struct tk_bbo *, const char *);
static int	 exchange_add(struct tk_bbo *, const char *);
static struct book *book_get(struct tk_bbo *, const char *, bool);
static void	 side_set(struct tk_bbo *, struct side *, const struct tk_dec *,
		    const struct tk_dec *);
static void	 rank(const struct tk_bbo *, const struct book *, bool,
		    struct best *);
static void	 update(struct tk_bbo *, struct book *, int64_t, int64_t);
static bool	 best_eq(const struct best *, const struct best *);
static void	 fill(const struct tk_bbo *, const struct book *,
		    struct tk_tick *);

struct tk_bbo *
tk_bbo_new(size_t nexchanges, size_t nsymbols)
{
	struct tk_bbo *b;
	size_t slots = 8;

	if (nexchanges == 0)
		nexchanges = 1;
	if (nsymbols == 0)
		nsymbols = 1;
	/* exchange indexes are ints, book indexes fit the uint32_t index */
	if (nexchanges > INT32_MAX || nsymbols > UINT32_MAX / 4 ||
	    nsymbols > SIZE_MAX / sizeof(struct venue) / nexchanges)
		return NULL;
	while (slots < nsymbols * 2)
		slots <<= 1;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->names = calloc(nexchanges, sizeof(*b->names));
	b->usable = calloc(nexchanges, sizeof(*b->usable));
	b->books = calloc(nsymbols, sizeof(*b->books));
	b->venues = calloc(nsymbols * nexchanges, sizeof(*b->venues));
	b->index = calloc(slots, sizeof(*b->index));
	b->queue = calloc(nsymbols, sizeof(*b->queue));
	if (b->names == NULL || b->usable == NULL || b->books == NULL ||
	    b->venues == NULL || b->index == NULL || b->queue == NULL) {
		tk_bbo_free(b);
		return NULL;
	}
	b->excap = nexchanges;
	b->bookcap = nsymbols;
	b->mask = slots - 1;
	return b;
}

void
tk_bbo_free(struct tk_bbo *b)
{
	if (b == NULL)
		return;
	free(b->names);
	free(b->usable);
	free(b->books);
	free(b->venues);
	free(b->index);
	free(b->queue);
	free(b);
}

int
tk_bbo_quote(struct tk_bbo *b, const struct tk_tick *q)
{
	struct book *bk;
	struct venue *v;
	int ex;

	if (q->type != TK_TICK_QUOTE ||
	    !name_ok(q->exchange, sizeof(q->exchange)) ||
	    !name_ok(q->symbol, sizeof(q->symbol)) ||
	    (unsigned)q->size_unit >= TK_SIZE_UNIT_MAX)
		return -EINVAL;
	if ((ex = exchange_find(b, q->exchange)) < 0 &&
	    (ex = exchange_add(b, q->exchange)) < 0)
		return ex;
	if (!b->usable[ex])
		return 0;
	if ((bk = book_get(b, q->symbol, false)) == NULL) {
		if ((bk = book_get(b, q->symbol, true)) == NULL)
			return -ENOSPC;
		bk->unit = q->size_unit;
	}
	if (q->size_unit != bk->unit)
		return -EDOM;
	v = &b->venues[(size_t)(bk - b->books) * b->excap + (size_t)ex];
	side_set(b, &v->bid, &q->bid, &q->bid_size);
	side_set(b, &v->ask, &q->ask, &q->ask_size);
	update(b, bk, q->ts, q->recv_ts);
	return 0;
}

int
tk_bbo_exchange_state(struct tk_bbo *b, const char *exchange, bool usable,
    int64_t now)
{
	struct book *bk;
	size_t i;
	int ex;

	if (exchange == NULL || !name_ok(exchange, TK_NAME_MAX))
		return -EINVAL;
	if ((ex = exchange_find(b, exchange)) < 0) {
		/* never seen, so nothing to drop; remember it is out */
		if (usable)
			return 0;
		if ((ex = exchange_add(b, exchange)) < 0)
			return ex;
	}
	if (b->usable[ex] == usable)
		return 0;
	b->usable[ex] = usable;
	if (usable)
		return 0;
	for (i = 0; i < b->nbooks; i++) {
		bk = &b->books[i];
		memset(&b->venues[i * b->excap + (size_t)ex], 0,
		    sizeof(struct venue));
		if (bk->bid.ex == ex || bk->ask.ex == ex)
			update(b, bk, now, now);
	}
	return 0;
}

bool
tk_bbo_next(struct tk_bbo *b, struct tk_tick *out)
{
	struct book *bk;

	while (b->qlen > 0) {
		bk = &b->books[b->queue[b->qhead]];
		b->qhead = (b->qhead + 1) % b->bookcap;
		b->qlen--;
		bk->queued = false;
		if (best_eq(&bk->bid, &bk->sent_bid) &&
		    best_eq(&bk->ask, &bk->sent_ask))
			continue;	/* changed, then changed back */
		bk->sent_bid = bk->bid;
		bk->sent_ask = bk->ask;
		fill(b, bk, out);
		return true;
	}
	return false;
}

/* Non-empty and NUL-terminated within @cap. */
static int
name_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	return n > 0 && n < cap;
}

/* Exchanges are few (the config's), so a linear scan wins. */
static int
exchange_find(const struct tk_bbo *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nex; i++)
		if (strcmp(b->names[i], name) == 0)
			return (int)i;
	return -1;
}

static int
exchange_add(struct tk_bbo *b, const char *name)
{
	if (b->nex == b->excap)
		return -ENOSPC;
	memcpy(b->names[b->nex], name, strlen(name) + 1);
	b->usable[b->nex] = true;
	return (int)b->nex++;
}

/* The book of @symbol; with @add, a new one if there is room.  Or NULL. */
static struct book *
book_get(struct tk_bbo *b, const char *symbol, bool add)
{
	size_t i = tk_hash_str(TK_HASH_INIT, symbol) & b->mask;
	struct book *bk;

	while (b->index[i] != 0) {
		bk = &b->books[b->index[i] - 1];
		if (strcmp(bk->symbol, symbol) == 0)
			return bk;
		i = (i + 1) & b->mask;
	}
	if (!add || b->nbooks == b->bookcap)
		return NULL;
	bk = &b->books[b->nbooks++];
	memcpy(bk->symbol, symbol, strlen(symbol) + 1);
	bk->bid.ex = bk->ask.ex = -1;
	bk->sent_bid.ex = bk->sent_ask.ex = -1;
	b->index[i] = (uint32_t)b->nbooks;
	return bk;
}

/* A zero size is no quote: some exchanges send 0@0 for an empty book. */
static void
side_set(struct tk_bbo *b, struct side *s, const struct tk_dec *px,
    const struct tk_dec *size)
{
	if (!px->valid || (size->valid && size->mant == 0)) {
		memset(s, 0, sizeof(*s));
		return;
	}
	if (!s->px.valid || tk_dec_cmp(&s->px, px) != 0)
		s->since = ++b->clock;
	s->px = *px;
	s->size = *size;
}

/* The best bid (@bid) or ask of @bk over the usable exchanges. */
static void
rank(const struct tk_bbo *b, const struct book *bk, bool bid,
    struct best *out)
{
	const struct venue *row = &b->venues[(size_t)(bk - b->books) *
	    b->excap];
	const struct side *s, *top = NULL;
	size_t ex;
	int c;

	out->ex = -1;
	for (ex = 0; ex < b->nex; ex++) {
		s = bid ? &row[ex].bid : &row[ex].ask;
		if (!b->usable[ex] || !s->px.valid)
			continue;
		if (top != NULL) {
			c = tk_dec_cmp(&s->px, &top->px);
			if (!bid)
				c = -c;
			if (c < 0 || (c == 0 && s->since > top->since))
				continue;
		}
		top = s;
		out->ex = (int)ex;
	}
	if (top != NULL) {
		out->px = top->px;
		out->size = top->size;
	}
}

/* Recomputes both bests; a change is stamped and queued for tk_bbo_next. */
static void
update(struct tk_bbo *b, struct book *bk, int64_t ts, int64_t recv_ts)
{
	struct best bid, ask;

	rank(b, bk, true, &bid);
	rank(b, bk, false, &ask);
	if (best_eq(&bid, &bk->bid) && best_eq(&ask, &bk->ask))
		return;
	bk->bid = bid;
	bk->ask = ask;
	bk->ts = ts;
	bk->recv_ts = recv_ts;
	if (bk->queued)
		return;
	bk->queued = true;
	b->queue[(b->qhead + b->qlen) % b->bookcap] =
	    (size_t)(bk - b->books);
	b->qlen++;
}

static bool
dec_eq(const struct tk_dec *a, const struct tk_dec *b)
{
	if (!a->valid || !b->valid)
		return a->valid == b->valid;
	return tk_dec_cmp(a, b) == 0;
}

static bool
best_eq(const struct best *a, const struct best *b)
{
	if (a->ex != b->ex)
		return false;
	return a->ex < 0 || (dec_eq(&a->px, &b->px) &&
	    dec_eq(&a->size, &b->size));
}

static void
fill(const struct tk_bbo *b, const struct book *bk, struct tk_tick *t)
{
	memset(t, 0, sizeof(*t));
	t->type = TK_TICK_BBO;
	t->size_unit = bk->unit;
	memcpy(t->symbol, bk->symbol, sizeof(t->symbol));
	if (bk->bid.ex >= 0) {
		t->bid = bk->bid.px;
		t->bid_size = bk->bid.size;
		memcpy(t->bid_exchange, b->names[bk->bid.ex],
		    sizeof(t->bid_exchange));
	}
	if (bk->ask.ex >= 0) {
		t->ask = bk->ask.px;
		t->ask_size = bk->ask.size;
		memcpy(t->ask_exchange, b->names[bk->ask.ex],
		    sizeof(t->ask_exchange));
	}
	t->crossed = bk->bid.ex >= 0 && bk->ask.ex >= 0 &&
	    tk_dec_cmp(&t->bid, &t->ask) > 0;
	t->ts = bk->ts;
	t->recv_ts = bk->recv_ts;
}
