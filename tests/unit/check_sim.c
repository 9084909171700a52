/* SPDX-License-Identifier: MIT */
/* The sim source: determinism, pacing on a fake clock, tick sanity. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/sim.h>
#include <ticker/stream.h>
#include <ticker/tick.h>

#include "tk_check.h"

#define T0	INT64_C(1700000000000000)	/* µs */

struct fake_clock {
	int64_t	 now;
	int	 calls;
};

static int64_t
fake_now(void *ud)
{
	struct fake_clock *c = ud;

	c->calls++;
	return c->now;
}

static const char *const syms[] = { "BTC-USD", "ETH-USD", "SOL-USDT" };

static struct tk_sim_conf
conf_for(struct fake_clock *c, uint64_t seed, double rate, unsigned types)
{
	struct tk_sim_conf conf = {
		.exchange = "simex",
		.symbols = syms,
		.nsymbols = 3,
		.rate = rate,
		.types = types,
		.seed = seed,
		.clock = fake_now,
		.clock_ud = c,
	};

	return conf;
}

/* A decimal as a count of 10^-@scale units (the sim uses scale <= 6). */
static int64_t
units(const struct tk_dec *d, int scale)
{
	int64_t v = d->mant;
	int s;

	ck_assert_int_eq(d->valid, 1);
	ck_assert_int_le(d->scale, scale);
	/* Normalised like parsed ones: no trailing fraction zeros. */
	if (d->scale > 0)
		ck_assert_int_ne(d->mant % 10, 0);
	for (s = d->scale; s < scale; s++)
		v *= 10;
	return v;
}

enum bad { BAD_NULL, BAD_EXCHANGE, BAD_EXCHANGE_EMPTY, BAD_EXCHANGE_LONG,
	BAD_NSYMBOLS, BAD_SYMBOLS, BAD_SYMBOL_NULL, BAD_SYMBOL_LONG,
	BAD_RATE_ZERO, BAD_RATE_NEG, BAD_RATE_NAN, BAD_RATE_INF, BAD_TYPES,
	BAD_CLOCK, BAD_MAX };

START_TEST(test_bad_conf)
{
	static const char *const nullsym[] = { "BTC-USD", NULL };
	static const char *const longsym[] = {
		"BTC-USDXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" };
	struct fake_clock c = { T0, 0 };
	struct tk_sim_conf conf = conf_for(&c, 1, 10, TK_TYPES_ALL);
	struct tk_stream *s;

	/* The unmodified conf is good: each case breaks one thing. */
	s = tk_sim_new(&conf);
	ck_assert_ptr_nonnull(s);
	tk_stream_free(s);
	switch ((enum bad)_i) {
	case BAD_NULL:
		ck_assert_ptr_null(tk_sim_new(NULL));
		return;
	case BAD_EXCHANGE: conf.exchange = NULL; break;
	case BAD_EXCHANGE_EMPTY: conf.exchange = ""; break;
	case BAD_EXCHANGE_LONG:
		conf.exchange = "an-exchange-name-longer-than-32-bytes";
		break;
	case BAD_NSYMBOLS: conf.nsymbols = 0; break;
	case BAD_SYMBOLS: conf.symbols = NULL; break;
	case BAD_SYMBOL_NULL: conf.symbols = nullsym; conf.nsymbols = 2; break;
	case BAD_SYMBOL_LONG: conf.symbols = longsym; conf.nsymbols = 1; break;
	case BAD_RATE_ZERO: conf.rate = 0; break;
	case BAD_RATE_NEG: conf.rate = -5; break;
	case BAD_RATE_NAN: conf.rate = NAN; break;
	case BAD_RATE_INF: conf.rate = INFINITY; break;
	case BAD_TYPES: conf.types = 1u << 7; break;
	case BAD_CLOCK: conf.clock = NULL; break;
	case BAD_MAX: break;
	}
	ck_assert_ptr_null(tk_sim_new(&conf));
}
END_TEST

/* Pulls @n ticks, advancing the fake clock by @step_us per poll. */
static void
pull(struct tk_stream *s, struct fake_clock *c, int64_t step_us,
    struct tk_tick *out, int n)
{
	struct count_waker cw;
	int i = 0;

	count_waker_init(&cw);
	while (i < n) {
		c->now += step_us;
		if (tk_stream_next(s, &out[i], &cw.w) == TK_POLL_READY)
			i++;
	}
}

START_TEST(test_same_seed_same_ticks)
{
	struct fake_clock c1 = { T0, 0 }, c2 = { T0, 0 }, c3 = { T0, 0 };
	struct tk_sim_conf conf;
	struct tk_stream *a, *b, *d;
	struct tk_tick *ta, *tb, *td;
	int n = 500, i, differ = 0;

	conf = conf_for(&c1, 12345, 1000, TK_TYPES_ALL);
	a = tk_sim_new(&conf);
	conf = conf_for(&c2, 12345, 1000, TK_TYPES_ALL);
	b = tk_sim_new(&conf);
	conf = conf_for(&c3, 12346, 1000, TK_TYPES_ALL);
	d = tk_sim_new(&conf);
	ta = calloc((size_t)n, sizeof(*ta));
	tb = calloc((size_t)n, sizeof(*tb));
	td = calloc((size_t)n, sizeof(*td));
	pull(a, &c1, 700, ta, n);
	pull(b, &c2, 700, tb, n);
	pull(d, &c3, 700, td, n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(memcmp(&ta[i], &tb[i], sizeof(ta[i])) == 0,
		    "tick %d differs for the same seed", i);
		/* The walk itself, not just the start price, follows it. */
		differ += ta[i].type != td[i].type ||
		    strcmp(ta[i].symbol, td[i].symbol) != 0;
	}
	ck_assert_int_gt(differ, n / 4);
	free(ta);
	free(tb);
	free(td);
	tk_stream_free(a);
	tk_stream_free(b);
	tk_stream_free(d);
}
END_TEST

START_TEST(test_pacing_fake_clock)
{
	struct fake_clock c = { T0, 0 };
	struct tk_sim_conf conf = conf_for(&c, 9, 10, TK_TYPES_ALL);
	struct tk_stream *s = tk_sim_new(&conf);
	struct count_waker cw;
	struct tk_tick t;
	int n = 0;

	count_waker_init(&cw);
	/* No work, not even a clock read, before the first poll. */
	ck_assert_int_eq(c.calls, 0);
	ck_assert_int_eq(tk_sim_next_due(s), 0);
	tk_sim_tick(s);
	ck_assert_int_eq(c.calls, 0);

	/* Tick 0 is due at the first poll, tick k at T0 + k * 100 ms. */
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_int_eq(t.ts, T0);
	ck_assert_int_eq(t.recv_ts, T0);
	ck_assert_stream_pending(s, &cw);
	ck_assert_int_eq(tk_sim_next_due(s), T0 + 100000);

	c.now = T0 + 99999;
	tk_sim_tick(s);			/* not due: nobody woken */
	ck_assert_int_eq(cw.woken, 0);
	ck_assert_stream_pending(s, &cw);
	c.now = T0 + 100000;
	tk_sim_tick(s);
	tk_sim_tick(s);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_int_eq(t.ts, T0 + 100000);
	ck_assert_stream_pending(s, &cw);

	/* One second later: catch up on everything due, then wait. */
	c.now = T0 + 1000000;
	while (tk_stream_next(s, &t, &cw.w) == TK_POLL_READY) {
		ck_assert_int_eq(t.ts, c.now);
		n++;
	}
	ck_assert_int_eq(n, 9);		/* ticks 2..10: 11 in one second */
	ck_assert_int_eq(tk_sim_next_due(s), T0 + 1100000);
	tk_stream_free(s);
}
END_TEST

/* Catch-up at a rate that does not divide a second evenly. */
START_TEST(test_pacing_odd_rate)
{
	struct fake_clock c = { T0, 0 };
	struct tk_sim_conf conf = conf_for(&c, 3, 7.5, TK_TYPES_ALL);
	struct tk_stream *s = tk_sim_new(&conf);
	struct count_waker cw;
	struct tk_tick t;
	int n = 0;

	count_waker_init(&cw);
	while (tk_stream_next(s, &t, &cw.w) == TK_POLL_READY)
		n++;
	ck_assert_int_eq(n, 1);
	c.now = T0 + 4 * 1000000;	/* 4 s at 7.5/s: ticks 1..30 */
	while (tk_stream_next(s, &t, &cw.w) == TK_POLL_READY)
		n++;
	ck_assert_int_eq(n, 31);
	ck_assert_int_gt(tk_sim_next_due(s), c.now);
	ck_assert_int_le(tk_sim_next_due(s), c.now + 1000000 / 7.5 + 1);
	tk_stream_free(s);
}
END_TEST

/* Quotes, trades, funding or some of them: what every tick must look like. */
static const unsigned kinds[] = {
	TK_TYPES_ALL, TK_TYPE_BIT(TK_TICK_TRADE), TK_TYPE_BIT(TK_TICK_QUOTE),
	TK_TYPE_BIT(TK_TICK_FUNDING), TK_TYPES_FEED,
};

/* 8 hours in µs: when funding falls. */
#define FUNDING_US	(INT64_C(8) * 3600 * 1000000)

START_TEST(test_tick_sanity)
{
	struct fake_clock c = { T0, 0 };
	struct tk_sim_conf conf = conf_for(&c, 77, 1000, kinds[_i]);
	struct tk_stream *s = tk_sim_new(&conf);
	int64_t last[3] = { 0, 0, 0 }, p;
	int n = 3000, i, k, ntrade = 0, nquote = 0, nfunding = 0, moved = 0;
	struct tk_tick *t = calloc((size_t)n, sizeof(*t));
	char want[32];

	pull(s, &c, 1000, t, n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(t[i].exchange, "simex");
		for (k = 0; k < 3 && strcmp(t[i].symbol, syms[k]) != 0; k++)
			;
		ck_assert_int_lt(k, 3);
		ck_assert_int_eq(t[i].ts, t[i].recv_ts);
		ck_assert_uint_eq(t[i].seq, 0);
		if (t[i].type == TK_TICK_QUOTE) {
			ck_assert(kinds[_i] & TK_TYPE_BIT(TK_TICK_QUOTE));
			nquote++;
			/* bid < ask by at least one tick (0.01) */
			p = units(&t[i].bid, 2);
			ck_assert_int_ge(units(&t[i].ask, 2) - p, 1);
			ck_assert_int_gt(p, 0);
			ck_assert_int_gt(units(&t[i].bid_size, 3), 0);
			ck_assert_int_gt(units(&t[i].ask_size, 3), 0);
			ck_assert_int_eq(t[i].price.valid, 0);
			ck_assert_str_eq(t[i].trade_id, "");
		} else if (t[i].type == TK_TICK_FUNDING) {
			ck_assert(kinds[_i] & TK_TYPE_BIT(TK_TICK_FUNDING));
			nfunding++;
			/* the walk's price, an index near it, a small rate */
			p = units(&t[i].mark_price, 2);
			ck_assert_int_le(llabs(units(&t[i].index_price, 2) - p),
			    5);
			ck_assert_int_le(llabs(units(&t[i].rate, 6)), 100);
			ck_assert_int_gt(t[i].next_funding_ts, t[i].ts);
			ck_assert_int_le(t[i].next_funding_ts,
			    t[i].ts + FUNDING_US);
			ck_assert_int_eq(t[i].next_funding_ts % FUNDING_US, 0);
		} else {
			ck_assert_int_eq(t[i].type, TK_TICK_TRADE);
			ck_assert(kinds[_i] & TK_TYPE_BIT(TK_TICK_TRADE));
			/* trade ids count the trades: "1", "2", ... */
			snprintf(want, sizeof(want), "%d", ++ntrade);
			ck_assert_str_eq(t[i].trade_id, want);
			ck_assert(t[i].side == TK_SIDE_BUY ||
			    t[i].side == TK_SIDE_SELL);
			p = units(&t[i].price, 2);
			ck_assert_int_gt(units(&t[i].size, 4), 0);
			ck_assert_int_eq(t[i].bid.valid, 0);
		}
		/* Starts at 100..60000 and walks a few cents per step. */
		if (last[k] == 0) {
			ck_assert_int_ge(p, 10000 - 10);
			ck_assert_int_le(p, 6000000 + 10);
		} else {
			ck_assert_int_le(llabs(p - last[k]), 10);
			moved += p != last[k];
		}
		last[k] = p;
	}
	ck_assert_int_gt(moved, n / 2);
	if (kinds[_i] == TK_TYPES_ALL) {
		ck_assert_int_gt(ntrade, n / 4);
		ck_assert_int_gt(nquote, n / 4);
	}
	if (kinds[_i] == TK_TYPES_FEED) {
		ck_assert_int_gt(ntrade, n / 5);
		ck_assert_int_gt(nquote, n / 5);
		ck_assert_int_gt(nfunding, n / 5);
	}
	free(t);
	tk_stream_free(s);
}
END_TEST

/* The start price depends on the seed and the symbol. */
START_TEST(test_start_prices_spread)
{
	struct fake_clock c = { T0, 0 };
	struct tk_sim_conf conf;
	struct tk_stream *s;
	struct tk_tick t;
	struct count_waker cw;
	int64_t first[8];
	int seed, distinct = 0, j;

	count_waker_init(&cw);
	for (seed = 0; seed < 8; seed++) {
		conf = conf_for(&c, (uint64_t)seed, 1,
		    TK_TYPE_BIT(TK_TICK_TRADE));
		conf.nsymbols = 1;
		s = tk_sim_new(&conf);
		ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
		first[seed] = units(&t.price, 2);
		ck_assert_int_ge(first[seed], 10000 - 10);
		ck_assert_int_le(first[seed], 6000000 + 10);
		for (j = 0; j < seed && first[j] != first[seed]; j++)
			;
		distinct += j == seed;
		tk_stream_free(s);
	}
	ck_assert_int_ge(distinct, 7);
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_bad_conf, 0, BAD_MAX);
	tcase_add_test(tc, test_same_seed_same_ticks);
	tcase_add_test(tc, test_pacing_fake_clock);
	tcase_add_test(tc, test_pacing_odd_rate);
	tcase_add_loop_test(tc, test_tick_sanity, 0,
	    sizeof(kinds) / sizeof(kinds[0]));
	tcase_add_test(tc, test_start_prices_spread);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
