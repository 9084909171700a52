/* SPDX-License-Identifier: MIT */
/* Consolidated best bid and offer: scripted quotes and outages. */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/bbo.h>
#include <ticker/decimal.h>
#include <ticker/tick.h>

#define N(a)	((int)(sizeof(a) / sizeof((a)[0])))
#define WANT_MAX 512

static struct tk_dec
dec(const char *s)
{
	struct tk_dec d = { 0, 0, 0 };

	if (s != NULL)
		ck_assert_int_eq(tk_dec_parse(s, strlen(s), &d), 0);
	return d;
}

/* A quote tick; NULL leaves a field absent (invalid). */
static struct tk_tick
quote(const char *ex, const char *sym, const char *bid, const char *bsz,
    const char *ask, const char *asz)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	ck_assert_int_eq(tk_tick_set_str(t.exchange, sizeof(t.exchange), ex,
	    strlen(ex)), 0);
	ck_assert_int_eq(tk_tick_set_str(t.symbol, sizeof(t.symbol), sym,
	    strlen(sym)), 0);
	t.bid = dec(bid);
	t.bid_size = dec(bsz);
	t.ask = dec(ask);
	t.ask_size = dec(asz);
	return t;
}

/* "PX x SIZE @ EXCHANGE" or "-" for an empty side. */
static void
side_text(char *buf, size_t cap, const struct tk_dec *px,
    const struct tk_dec *size, const char *ex)
{
	char p[TK_DEC_TEXT_MAX] = "?", s[TK_DEC_TEXT_MAX] = "?";

	if (!px->valid) {
		ck_assert(!size->valid);
		ck_assert_str_eq(ex, "");
		snprintf(buf, cap, "-");
		return;
	}
	tk_dec_format(px, p, sizeof(p));
	if (size->valid)
		tk_dec_format(size, s, sizeof(s));
	snprintf(buf, cap, "%sx%s@%s", p, s, ex);
}

/*
 * Drains the module into one line: "SYM BID / ASK[ crossed]" per bbo tick,
 * joined by "; ".  Checks what every bbo tick must be on the way.
 */
static const char *
drain(struct tk_bbo *b)
{
	static char out[WANT_MAX];
	char bid[128], ask[128];
	struct tk_tick t;
	size_t n = 0;

	out[0] = '\0';
	while (tk_bbo_next(b, &t)) {
		ck_assert_int_eq(t.type, TK_TICK_BBO);
		ck_assert_str_eq(t.exchange, "");
		ck_assert_uint_eq(t.seq, 0);
		side_text(bid, sizeof(bid), &t.bid, &t.bid_size,
		    t.bid_exchange);
		side_text(ask, sizeof(ask), &t.ask, &t.ask_size,
		    t.ask_exchange);
		n += (size_t)snprintf(out + n, sizeof(out) - n,
		    "%s%s %s / %s%s", n ? "; " : "", t.symbol, bid, ask,
		    t.crossed ? " crossed" : "");
		ck_assert_uint_lt(n, sizeof(out));
	}
	return out;
}

/* ---- scripted cases ---- */

enum op { END = 0, QUOTE, DOWN, UP };

struct step {
	enum op		 op;
	const char	*ex, *sym;
	const char	*bid, *bsz, *ask, *asz;
	const char	*want;	/* drained after the step; "" for nothing */
};

#define Q(ex, sym, b, bs, a, as, want) \
	{ QUOTE, ex, sym, b, bs, a, as, want }
#define Q1(ex, b, bs, a, as, want)	Q(ex, "BTC-USD", b, bs, a, as, want)
#define DOWN(ex, want)	{ DOWN, ex, NULL, NULL, NULL, NULL, NULL, want }
#define UP(ex, want)	{ UP, ex, NULL, NULL, NULL, NULL, NULL, want }

static const struct {
	const char	*name;
	struct step	 steps[16];
} cases[] = {
	{ "one venue", {
	    Q1("a", "100", "1", "101", "2", "BTC-USD 100x1@a / 101x2@a"),
	    /* the same again, or the same written otherwise: silent */
	    Q1("a", "100", "1", "101", "2", ""),
	    Q1("a", "100.00", "1.0", "101", "2.000", ""),
	    /* a size alone is a change */
	    Q1("a", "100", "1.5", "101", "2", "BTC-USD 100x1.5@a / 101x2@a"),
	    Q1("a", "100.5", "1.5", "101", "2",
		"BTC-USD 100.5x1.5@a / 101x2@a"),
	    Q1("a", "100.5", "1.5", "100.9", "2",
		"BTC-USD 100.5x1.5@a / 100.9x2@a"),
	} },
	{ "two venues, best from each side", {
	    Q1("a", "100", "1", "102", "1", "BTC-USD 100x1@a / 102x1@a"),
	    Q1("b", "99", "3", "101", "3", "BTC-USD 100x1@a / 101x3@b"),
	    /* b moves inside neither best: silent */
	    Q1("b", "99.5", "4", "101", "3", ""),
	    Q1("b", "100.1", "4", "101", "3", "BTC-USD 100.1x4@b / 101x3@b"),
	    /* a worse than b on both sides now: silent */
	    Q1("a", "99", "1", "103", "1", ""),
	    /* b backs off: a's quote is the best again */
	    Q1("b", "98", "4", "104", "3", "BTC-USD 99x1@a / 103x1@a"),
	    /* across the decimal scales */
	    Q1("b", "99.00000001", "1", "102.99999999", "1",
		"BTC-USD 99.00000001x1@b / 102.99999999x1@b"),
	} },
	{ "tie: first at the price keeps it", {
	    Q1("a", "100", "1", "101", "1", "BTC-USD 100x1@a / 101x1@a"),
	    /* b joins both prices with more size: a got there first */
	    Q1("b", "100", "5", "101", "5", ""),
	    /* a's size changes at the same price: it keeps its place */
	    Q1("a", "100", "2", "101", "1", "BTC-USD 100x2@a / 101x1@a"),
	    /* a leaves the bid price: b holds it */
	    Q1("a", "99.9", "2", "101", "1", "BTC-USD 100x5@b / 101x1@a"),
	    /* a comes back to it, after b: b keeps it */
	    Q1("a", "100", "2", "101", "1", ""),
	    /* b leaves the ask price, then returns behind a */
	    Q1("b", "100", "5", "101.1", "5", ""),
	    Q1("b", "100", "5", "101", "5", ""),
	    Q1("a", "100", "2", "101.2", "1", "BTC-USD 100x5@b / 101x5@b"),
	} },
	{ "crossed and locked", {
	    Q1("a", "100", "1", "101", "1", "BTC-USD 100x1@a / 101x1@a"),
	    /* b bids at a's ask: locked, not crossed */
	    Q1("b", "101", "2", "102", "2", "BTC-USD 101x2@b / 101x1@a"),
	    Q1("b", "101.5", "2", "102", "2",
		"BTC-USD 101.5x2@b / 101x1@a crossed"),
	    Q1("a", "100", "1", "101.6", "1", "BTC-USD 101.5x2@b / 101.6x1@a"),
	    /* a venue's own crossed quote is taken as it comes */
	    Q1("a", "103", "1", "102.5", "1",
		"BTC-USD 103x1@a / 102x2@b crossed"),
	} },
	{ "a stale venue drops out and comes back", {
	    Q1("a", "100", "1", "101", "1", "BTC-USD 100x1@a / 101x1@a"),
	    Q1("b", "99", "2", "102", "2", ""),
	    DOWN("a", "BTC-USD 99x2@b / 102x2@b"),
	    /* what a sends while out is ignored */
	    Q1("a", "100", "1", "101", "1", ""),
	    DOWN("b", "BTC-USD - / -"),
	    /* twice is once */
	    DOWN("b", ""),
	    /* back, but nothing known of it until its next quote */
	    UP("a", ""),
	    Q1("a", "100.2", "1", "100.8", "1",
		"BTC-USD 100.2x1@a / 100.8x1@a"),
	    UP("b", ""),
	    Q1("b", "100.3", "2", "102", "2", "BTC-USD 100.3x2@b / 100.8x1@a"),
	    UP("b", ""),
	} },
	{ "a venue that holds no best drops out silently", {
	    Q1("a", "100", "1", "101", "1", "BTC-USD 100x1@a / 101x1@a"),
	    Q1("b", "99", "2", "102", "2", ""),
	    DOWN("b", ""),
	    /* and its forgotten quote does not come back with it */
	    UP("b", ""),
	    DOWN("a", "BTC-USD - / -"),
	    /* an exchange never seen can go down and come up */
	    DOWN("c", ""),
	    Q1("c", "1", "1", "2", "2", ""),
	    UP("c", ""),
	    Q1("c", "1", "1", "2", "2", "BTC-USD 1x1@c / 2x2@c"),
	} },
	{ "quotes with a missing side", {
	    Q1("a", "100", "1", NULL, NULL, "BTC-USD 100x1@a / -"),
	    Q1("b", NULL, NULL, "101", "1", "BTC-USD 100x1@a / 101x1@b"),
	    Q1("a", NULL, NULL, NULL, NULL, "BTC-USD - / 101x1@b"),
	    /* a zero size is no quote; a missing size still is one */
	    Q1("a", "100", "0", "100.5", "0", ""),
	    Q1("a", "100", NULL, "100.5", "0", "BTC-USD 100x?@a / 101x1@b"),
	    Q1("b", NULL, NULL, NULL, NULL, "BTC-USD 100x?@a / -"),
	    Q1("a", "0", "0", NULL, NULL, "BTC-USD - / -"),
	    /* an empty book from the start says nothing */
	    Q("a", "ETH-USD", NULL, NULL, NULL, NULL, ""),
	} },
	{ "symbols are apart", {
	    Q("a", "BTC-USD", "100", "1", "101", "1",
		"BTC-USD 100x1@a / 101x1@a"),
	    Q("a", "ETH-USD", "10", "1", "11", "1", "ETH-USD 10x1@a / 11x1@a"),
	    Q("b", "ETH-USD", "10.5", "1", "11", "1",
		"ETH-USD 10.5x1@b / 11x1@a"),
	    DOWN("a", "BTC-USD - / -; ETH-USD 10.5x1@b / 11x1@b"),
	} },
};

START_TEST(test_bbo_script)
{
	const struct step *s;
	const char *got;
	struct tk_tick q;
	struct tk_bbo *b;
	int i, rc;

	b = tk_bbo_new(4, 4);
	ck_assert_ptr_nonnull(b);
	for (i = 0; cases[_i].steps[i].op != END; i++) {
		s = &cases[_i].steps[i];
		switch (s->op) {
		case QUOTE:
			q = quote(s->ex, s->sym, s->bid, s->bsz, s->ask,
			    s->asz);
			q.ts = 1000 + i;
			q.recv_ts = 2000 + i;
			rc = tk_bbo_quote(b, &q);
			break;
		case DOWN:
		case UP:
			rc = tk_bbo_exchange_state(b, s->ex, s->op == UP,
			    3000 + i);
			break;
		default:
			rc = -1;
		}
		ck_assert_msg(rc == 0, "%s, step %d: rc %d", cases[_i].name,
		    i, rc);
		got = drain(b);
		ck_assert_msg(strcmp(got, s->want) == 0,
		    "%s, step %d: got \"%s\", want \"%s\"", cases[_i].name, i,
		    got, s->want);
	}
	tk_bbo_free(b);
}
END_TEST

/* ---- the bbo tick itself ---- */

START_TEST(test_bbo_tick)
{
	struct tk_tick q, t;
	struct tk_bbo *b;
	char buf[TK_TICK_JSON_MAX];
	int n;

	b = tk_bbo_new(2, 1);
	ck_assert_ptr_nonnull(b);
	q = quote("kraken", "BTC-USDT", "37120.1", "1.50", NULL, NULL);
	q.ts = 1700000000123000;
	q.recv_ts = 1700000000124000;
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	q = quote("binance", "BTC-USDT", "37120.0", "9", "37120.2", "0.3");
	q.ts = 1700000000125000;
	q.recv_ts = 1700000000126000;
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	/* two changes before a drain give one tick: the later state */
	ck_assert(tk_bbo_next(b, &t));
	ck_assert(!tk_bbo_next(b, &t));
	ck_assert_int_eq(t.ts, 1700000000125000);
	ck_assert_int_eq(t.recv_ts, 1700000000126000);
	t.seq = 1045;
	n = tk_tick_format(&t, 0, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, "{\"type\":\"bbo\",\"symbol\":\"BTC-USDT\","
	    "\"bid\":\"37120.1\",\"bid_size\":\"1.5\","
	    "\"bid_exchange\":\"kraken\",\"ask\":\"37120.2\","
	    "\"ask_size\":\"0.3\",\"ask_exchange\":\"binance\","
	    "\"crossed\":false,\"ts\":1700000000125000,\"seq\":1045}");

	/* a drop-out is stamped with the time it was noticed */
	ck_assert_int_eq(tk_bbo_exchange_state(b, "kraken", false,
	    1700000000999000), 0);
	ck_assert(tk_bbo_next(b, &t));
	ck_assert_int_eq(t.ts, 1700000000999000);
	ck_assert_int_eq(t.recv_ts, 1700000000999000);
	ck_assert_str_eq(t.bid_exchange, "binance");
	ck_assert_str_eq(t.ask_exchange, "binance");
	ck_assert(!tk_bbo_next(b, &t));
	tk_bbo_free(b);
}
END_TEST

/* A symbol's size unit goes on its bbo ticks; another unit is refused. */
START_TEST(test_bbo_size_unit)
{
	struct tk_tick q, t;
	struct tk_bbo *b;

	b = tk_bbo_new(3, 2);
	ck_assert_ptr_nonnull(b);
	q = quote("deribit", "BTC-USD-PERP", "37000", "5000", "37001", "100");
	q.size_unit = TK_SIZE_UNIT_QUOTE;
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert(tk_bbo_next(b, &t));
	ck_assert_int_eq(t.size_unit, TK_SIZE_UNIT_QUOTE);
	q = quote("bybit", "BTC-USD-PERP", "37000.5", "1", "37001", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), -EDOM);
	ck_assert(!tk_bbo_next(b, &t));
	q.size_unit = TK_SIZE_UNIT_QUOTE;
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert(tk_bbo_next(b, &t));
	ck_assert_str_eq(t.bid_exchange, "bybit");
	ck_assert_int_eq(t.size_unit, TK_SIZE_UNIT_QUOTE);
	/* other symbols have their own unit */
	q = quote("bybit", "BTC-USDT", "37000.5", "1", "37001", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert(tk_bbo_next(b, &t));
	ck_assert_int_eq(t.size_unit, TK_SIZE_UNIT_BASE);
	tk_bbo_free(b);
}
END_TEST

/* Changed and changed back between two drains: nothing to say. */
START_TEST(test_bbo_change_back)
{
	struct tk_tick q;
	struct tk_bbo *b;

	b = tk_bbo_new(2, 2);
	ck_assert_ptr_nonnull(b);
	q = quote("a", "BTC-USD", "100", "1", "101", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert_str_eq(drain(b), "BTC-USD 100x1@a / 101x1@a");
	q = quote("b", "BTC-USD", "100.5", "1", "101", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	q = quote("b", "ETH-USD", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	q = quote("b", "BTC-USD", "99", "1", "101.5", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert_str_eq(drain(b), "ETH-USD 1x1@b / 2x1@b");
	/* and a drop-out undone by the next quote, the same */
	ck_assert_int_eq(tk_bbo_exchange_state(b, "a", false, 5), 0);
	ck_assert_int_eq(tk_bbo_exchange_state(b, "a", true, 6), 0);
	q = quote("a", "BTC-USD", "100", "1", "101", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert_str_eq(drain(b), "");
	tk_bbo_free(b);
}
END_TEST

/* ---- errors and limits ---- */

static void
bad_not_quote(struct tk_tick *q)
{
	q->type = TK_TICK_TRADE;
}

static void
bad_bbo(struct tk_tick *q)
{
	q->type = TK_TICK_BBO;
}

static void
bad_no_exchange(struct tk_tick *q)
{
	q->exchange[0] = '\0';
}

static void
bad_no_symbol(struct tk_tick *q)
{
	q->symbol[0] = '\0';
}

static void
bad_unterminated(struct tk_tick *q)
{
	memset(q->symbol, 'S', sizeof(q->symbol));
}

static void
bad_unit(struct tk_tick *q)
{
	q->size_unit = TK_SIZE_UNIT_MAX;
}

/* capacity is 2 exchanges, 2 symbols, both taken by "a"/"b", X/Y */
static void
bad_third_exchange(struct tk_tick *q)
{
	strcpy(q->exchange, "c");
}

static void
bad_third_symbol(struct tk_tick *q)
{
	strcpy(q->symbol, "Z-Z");
}

static const struct {
	void	(*edit)(struct tk_tick *);
	int	 rc;
} bad_quotes[] = {
	{ bad_not_quote, -EINVAL },
	{ bad_bbo, -EINVAL },
	{ bad_no_exchange, -EINVAL },
	{ bad_no_symbol, -EINVAL },
	{ bad_unterminated, -EINVAL },
	{ bad_unit, -EINVAL },
	{ bad_third_exchange, -ENOSPC },
	{ bad_third_symbol, -ENOSPC },
};

START_TEST(test_bbo_bad_quote)
{
	struct tk_tick q, t;
	struct tk_bbo *b;

	b = tk_bbo_new(2, 2);
	ck_assert_ptr_nonnull(b);
	q = quote("a", "X-X", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	q = quote("b", "Y-Y", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert_str_eq(drain(b), "X-X 1x1@a / 2x1@a; Y-Y 1x1@b / 2x1@b");
	/* a better quote, spoilt: refused, and nothing changes */
	q = quote("b", "X-X", "1.5", "1", "1.9", "1");
	bad_quotes[_i].edit(&q);
	ck_assert_int_eq(tk_bbo_quote(b, &q), bad_quotes[_i].rc);
	ck_assert(!tk_bbo_next(b, &t));
	/* the module still works */
	q = quote("b", "X-X", "1.5", "1", "1.9", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	ck_assert_str_eq(drain(b), "X-X 1.5x1@b / 1.9x1@b");
	tk_bbo_free(b);
}
END_TEST

START_TEST(test_bbo_bad_state)
{
	char longname[TK_NAME_MAX + 1];
	struct tk_tick q;
	struct tk_bbo *b;

	b = tk_bbo_new(1, 1);
	ck_assert_ptr_nonnull(b);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(tk_bbo_exchange_state(b, NULL, false, 0), -EINVAL);
	ck_assert_int_eq(tk_bbo_exchange_state(b, "", false, 0), -EINVAL);
	ck_assert_int_eq(tk_bbo_exchange_state(b, longname, false, 0),
	    -EINVAL);
	longname[TK_NAME_MAX - 1] = '\0';	/* 31 bytes: fits */
	ck_assert_int_eq(tk_bbo_exchange_state(b, longname, false, 0), 0);
	/* full: a new exchange cannot be remembered as out... */
	ck_assert_int_eq(tk_bbo_exchange_state(b, "b", false, 0), -ENOSPC);
	/* ...but one that is usable needs no room */
	ck_assert_int_eq(tk_bbo_exchange_state(b, "b", true, 0), 0);
	q = quote("b", "X-X", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), -ENOSPC);
	tk_bbo_free(b);
}
END_TEST

START_TEST(test_bbo_new)
{
	struct tk_tick q;
	struct tk_bbo *b;

	tk_bbo_free(NULL);
	ck_assert_ptr_null(tk_bbo_new(SIZE_MAX, 2));
	ck_assert_ptr_null(tk_bbo_new(2, SIZE_MAX));
	ck_assert_ptr_null(tk_bbo_new(SIZE_MAX / 64, SIZE_MAX / 64));
	/* zero is room for one */
	b = tk_bbo_new(0, 0);
	ck_assert_ptr_nonnull(b);
	q = quote("a", "X-X", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
	q = quote("a", "Y-Y", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), -ENOSPC);
	/* freed with a tick still queued */
	tk_bbo_free(b);
}
END_TEST

/*
 * Many symbols: exchange e quotes symbol i at bid 1000+i+e, ask 2000+i-e,
 * so the last exchange holds both bests; then it drops out.
 */
#define MANY_SYM	300
#define MANY_EX		4

START_TEST(test_bbo_many_symbols)
{
	char sym[TK_SYMBOL_MAX], ex[8], px[32], want[128], bid[64], ask[64];
	struct tk_tick q, t;
	struct tk_bbo *b;
	int i, e, n;

	b = tk_bbo_new(MANY_EX, MANY_SYM);
	ck_assert_ptr_nonnull(b);
	for (e = 0; e < MANY_EX; e++) {
		for (i = 0; i < MANY_SYM; i++) {
			snprintf(sym, sizeof(sym), "S%d-USD", i);
			snprintf(ex, sizeof(ex), "ex%d", e);
			snprintf(px, sizeof(px), "%d", 1000 + i + e);
			snprintf(bid, sizeof(bid), "%d", 2000 + i - e);
			q = quote(ex, sym, px, "1", bid, "2");
			q.ts = e * MANY_SYM + i;
			ck_assert_int_eq(tk_bbo_quote(b, &q), 0);
		}
		/* one tick per symbol, in the order they changed */
		for (i = 0; i < MANY_SYM; i++) {
			ck_assert(tk_bbo_next(b, &t));
			snprintf(sym, sizeof(sym), "S%d-USD", i);
			ck_assert_str_eq(t.symbol, sym);
			ck_assert_int_eq(t.ts, e * MANY_SYM + i);
		}
		ck_assert(!tk_bbo_next(b, &t));
	}
	q = quote("ex0", "NEW-USD", "1", "1", "2", "1");
	ck_assert_int_eq(tk_bbo_quote(b, &q), -ENOSPC);
	ck_assert_int_eq(tk_bbo_exchange_state(b, "ex3", false, 7), 0);
	for (n = 0; tk_bbo_next(b, &t); n++) {
		snprintf(bid, sizeof(bid), "%dx1@ex2", 1000 + n + 2);
		snprintf(ask, sizeof(ask), "%dx2@ex2", 2000 + n - 2);
		snprintf(want, sizeof(want), "S%d-USD", n);
		ck_assert_str_eq(t.symbol, want);
		side_text(want, sizeof(want), &t.bid, &t.bid_size,
		    t.bid_exchange);
		ck_assert_str_eq(want, bid);
		side_text(want, sizeof(want), &t.ask, &t.ask_size,
		    t.ask_exchange);
		ck_assert_str_eq(want, ask);
		ck_assert_int_eq(t.ts, 7);
	}
	ck_assert_int_eq(n, MANY_SYM);
	tk_bbo_free(b);
}
END_TEST

static Suite *
bbo_suite(void)
{
	Suite *s = suite_create("bbo");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bbo_script, 0, N(cases));
	tcase_add_test(tc, test_bbo_tick);
	tcase_add_test(tc, test_bbo_size_unit);
	tcase_add_test(tc, test_bbo_change_back);
	tcase_add_loop_test(tc, test_bbo_bad_quote, 0, N(bad_quotes));
	tcase_add_test(tc, test_bbo_bad_state);
	tcase_add_test(tc, test_bbo_new);
	tcase_add_test(tc, test_bbo_many_symbols);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(bbo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
