/* SPDX-License-Identifier: MIT */
/* The latest-tick table behind client snapshots. */

#include <errno.h>
#include <stdlib.h>

#include <ticker/latest.h>

#include "tk_check.h"

static struct tk_tick
tick(const char *ex, const char *sym, enum tk_tick_type type, const char *id)
{
	struct tk_tick t = tk_test_tick(ex, id);

	snprintf(t.symbol, sizeof(t.symbol), "%s", sym);
	t.type = type;
	return t;
}

START_TEST(test_latest_replaces_same_key)
{
	struct tk_latest *l = tk_latest_new(4);
	struct tk_tick a = tick("binance", "BTC-USDT", TK_TICK_TRADE, "1");
	struct tk_tick b = tick("binance", "BTC-USDT", TK_TICK_TRADE, "2");
	const struct tk_tick *got;

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(tk_latest_put(l, &a), 0);
	ck_assert_int_eq(tk_latest_put(l, &b), 0);
	ck_assert_uint_eq(tk_latest_count(l), 1);
	got = tk_latest_get(l, "binance", "BTC-USDT", TK_TICK_TRADE);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got->trade_id, "2");
	tk_latest_free(l);
}
END_TEST

START_TEST(test_latest_keys_are_exchange_symbol_type)
{
	struct tk_latest *l = tk_latest_new(8);
	struct tk_tick t[] = {
		tick("binance", "BTC-USDT", TK_TICK_TRADE, "1"),
		tick("binance", "BTC-USDT", TK_TICK_QUOTE, "2"),
		tick("kraken", "BTC-USDT", TK_TICK_TRADE, "3"),
		tick("binance", "ETH-USDT", TK_TICK_TRADE, "4"),
	};
	size_t i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(tk_latest_put(l, &t[i]), 0);
	ck_assert_uint_eq(tk_latest_count(l), 4);
	/* insertion order is what clients see */
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(tk_latest_at(l, i)->trade_id, t[i].trade_id);
	ck_assert_ptr_null(tk_latest_at(l, 4));
	ck_assert_str_eq(tk_latest_get(l, "kraken", "BTC-USDT",
	    TK_TICK_TRADE)->trade_id, "3");
	ck_assert_ptr_null(tk_latest_get(l, "kraken", "BTC-USDT",
	    TK_TICK_QUOTE));
	tk_latest_free(l);
}
END_TEST

START_TEST(test_latest_full_refuses_new_keys_only)
{
	struct tk_latest *l = tk_latest_new(2);
	struct tk_tick a = tick("x", "A-B", TK_TICK_TRADE, "1");
	struct tk_tick b = tick("x", "C-D", TK_TICK_TRADE, "2");
	struct tk_tick c = tick("x", "E-F", TK_TICK_TRADE, "3");
	struct tk_tick a2 = tick("x", "A-B", TK_TICK_TRADE, "4");

	ck_assert_int_eq(tk_latest_put(l, &a), 0);
	ck_assert_int_eq(tk_latest_put(l, &b), 0);
	ck_assert_int_eq(tk_latest_put(l, &c), -ENOSPC);
	ck_assert_int_eq(tk_latest_put(l, &a2), 0);
	ck_assert_str_eq(tk_latest_get(l, "x", "A-B", TK_TICK_TRADE)->trade_id,
	    "4");
	tk_latest_free(l);
}
END_TEST

START_TEST(test_latest_drop_exchange)
{
	struct tk_latest *l = tk_latest_new(8);
	struct tk_tick t[] = {
		tick("a", "BTC-USD", TK_TICK_TRADE, "1"),
		tick("b", "BTC-USD", TK_TICK_TRADE, "2"),
		tick("a", "ETH-USD", TK_TICK_QUOTE, "3"),
		tick("b", "ETH-USD", TK_TICK_TRADE, "4"),
	};
	size_t i;

	for (i = 0; i < 4; i++)
		tk_latest_put(l, &t[i]);
	tk_latest_drop_exchange(l, "a");
	ck_assert_uint_eq(tk_latest_count(l), 2);
	ck_assert_ptr_null(tk_latest_get(l, "a", "BTC-USD", TK_TICK_TRADE));
	ck_assert_str_eq(tk_latest_get(l, "b", "ETH-USD",
	    TK_TICK_TRADE)->trade_id, "4");
	/* the freed room is usable again */
	ck_assert_int_eq(tk_latest_put(l, &t[0]), 0);
	ck_assert_uint_eq(tk_latest_count(l), 3);
	tk_latest_free(l);
}
END_TEST

START_TEST(test_latest_many_keys_collide_correctly)
{
	struct tk_latest *l = tk_latest_new(500);
	struct tk_tick t;
	char sym[16];
	int i;

	for (i = 0; i < 500; i++) {
		snprintf(sym, sizeof(sym), "S%d-USD", i);
		t = tick("ex", sym, TK_TICK_TRADE, sym);
		ck_assert_int_eq(tk_latest_put(l, &t), 0);
	}
	for (i = 0; i < 500; i++) {
		snprintf(sym, sizeof(sym), "S%d-USD", i);
		ck_assert_str_eq(tk_latest_get(l, "ex", sym,
		    TK_TICK_TRADE)->trade_id, sym);
	}
	tk_latest_free(NULL);
	tk_latest_free(l);
}
END_TEST

static Suite *
latest_suite(void)
{
	Suite *s = suite_create("latest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_latest_replaces_same_key);
	tcase_add_test(tc, test_latest_keys_are_exchange_symbol_type);
	tcase_add_test(tc, test_latest_full_refuses_new_keys_only);
	tcase_add_test(tc, test_latest_drop_exchange);
	tcase_add_test(tc, test_latest_many_keys_collide_correctly);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(latest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
