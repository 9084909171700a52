/* SPDX-License-Identifier: MIT */
/* Symbol maps: validation, both directions, duplicates, many symbols. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>

#include "tk_check.h"

static const struct {
	const char	*s;
	int		 valid;
} symbols[] = {
	{ "BTC-USDT", 1 },
	{ "1000SATS-USDT", 1 },
	{ "A-B", 1 },
	{ "0-9", 1 },
	{ "ABCDEFGHIJKLMNO-PQRSTUVWXYZ0123", 1 },	/* 15 + 15 */
	{ "ABCDEFGHIJKLMNOP-USD", 0 },			/* base 16 */
	{ "BTC-ABCDEFGHIJKLMNOP", 0 },			/* quote 16 */
	{ "", 0 },
	{ "-", 0 },
	{ "BTC", 0 },
	{ "BTCUSDT", 0 },
	{ "BTC-", 0 },
	{ "-USDT", 0 },
	{ "BTC--USDT", 0 },
	{ "BTC-US-DT", 0 },
	{ "btc-usdt", 0 },
	{ "BTC-usdt", 0 },
	{ "BTC_USDT", 0 },
	{ "BTC/USDT", 0 },
	{ " BTC-USDT", 0 },
	{ "BTC-USDT ", 0 },
	{ "BTC-USDÉ", 0 },
	{ "BTC-US\"T", 0 },
	/* perpetual swaps: BASE-QUOTE-PERP, nothing else after the pair */
	{ "BTC-USDT-PERP", 1 },
	{ "1000PEPE-USDT-PERP", 1 },
	{ "ABCDEFGHIJKLMNO-PQRSTUVWXY-PERP", 1 },	/* 31 bytes */
	{ "ABCDEFGHIJKLMNO-PQRSTUVWXYZ-PERP", 0 },	/* 32: no room */
	{ "BTC-USDT-SWAP", 0 },
	{ "BTC-USDT-perp", 0 },
	{ "BTC-USDT-PERP-", 0 },
	{ "BTC-USDT-PERPX", 0 },
	{ "BTC-USDT--PERP", 0 },
	{ "BTC--PERP", 0 },
	{ "-USDT-PERP", 0 },
	{ "BTC-USDT-", 0 },
	{ "BTC-USDT-20261225", 0 },
};

/* A made-up exchange whose native form is "base/quote" in lower case. */
static int
slash_symbol(const char *unified, char *buf, size_t cap)
{
	size_t i, n = strlen(unified);

	if (n + 1 > cap)
		return -ENAMETOOLONG;
	for (i = 0; i <= n; i++)
		buf[i] = unified[i] == '-' ? '/' :
		    (unified[i] >= 'A' && unified[i] <= 'Z') ?
		    (char)(unified[i] - 'A' + 'a') : unified[i];
	return (int)n;
}

static int
failing_symbol(const char *unified, char *buf, size_t cap)
{
	return strcmp(unified, "BAD-ONE") == 0 ? -EINVAL :
	    slash_symbol(unified, buf, cap);
}

static const struct tk_adapter slash_adapter = {
	.name = "slash", .native_symbol = slash_symbol,
};
static const struct tk_adapter failing_adapter = {
	.name = "failing", .native_symbol = failing_symbol,
};

START_TEST(test_symbol_valid)
{
	ck_assert_msg(tk_symbol_valid(symbols[_i].s) == symbols[_i].valid,
	    "tk_symbol_valid(\"%s\") != %d", symbols[_i].s,
	    symbols[_i].valid);
}
END_TEST

START_TEST(test_symbol_market)
{
	ck_assert_int_eq(tk_symbol_market("BTC-USDT"), TK_MARKET_SPOT);
	ck_assert_int_eq(tk_symbol_market("BTC-USDT-PERP"), TK_MARKET_PERP);
	ck_assert_int_eq(tk_symbol_market("BTC-USDT-SWAP"), -EINVAL);
	ck_assert_int_eq(tk_symbol_market("BTCUSDT"), -EINVAL);
	ck_assert_int_eq(tk_symbol_market(NULL), -EINVAL);
}
END_TEST

START_TEST(test_symbol_valid_null)
{
	ck_assert(!tk_symbol_valid(NULL));
}
END_TEST

START_TEST(test_symmap_both_directions)
{
	const char *const syms[] = { "BTC-USDT", "ETH-BTC", "LRC-BTC" };
	char err[128] = "";
	struct tk_symmap *m;

	m = tk_symmap_new(&slash_adapter, syms, 3, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	ck_assert_uint_eq(tk_symmap_count(m), 3);
	/* Configured order is kept. */
	ck_assert_str_eq(tk_symmap_unified_at(m, 0), "BTC-USDT");
	ck_assert_str_eq(tk_symmap_native_at(m, 0), "btc/usdt");
	ck_assert_str_eq(tk_symmap_unified_at(m, 2), "LRC-BTC");
	ck_assert_str_eq(tk_symmap_native_at(m, 2), "lrc/btc");
	ck_assert_ptr_null(tk_symmap_unified_at(m, 3));
	ck_assert_ptr_null(tk_symmap_native_at(m, 3));

	ck_assert_str_eq(tk_symmap_to_unified(m, "eth/btc", 7), "ETH-BTC");
	ck_assert_str_eq(tk_symmap_to_unified(m, "btc/usdt", 8), "BTC-USDT");
	/* Exact and case-sensitive; the length counts, not a NUL. */
	ck_assert_ptr_null(tk_symmap_to_unified(m, "ETH/BTC", 7));
	ck_assert_ptr_null(tk_symmap_to_unified(m, "eth/bt", 6));
	ck_assert_ptr_null(tk_symmap_to_unified(m, "eth/btcx", 8));
	ck_assert_str_eq(tk_symmap_to_unified(m, "eth/btcx", 7), "ETH-BTC");
	ck_assert_ptr_null(tk_symmap_to_unified(m, "", 0));
	ck_assert_ptr_null(tk_symmap_to_unified(m, NULL, 0));
	tk_symmap_free(m);
}
END_TEST

START_TEST(test_symmap_null_and_empty)
{
	struct tk_symmap *m;

	ck_assert_uint_eq(tk_symmap_count(NULL), 0);
	ck_assert_ptr_null(tk_symmap_unified_at(NULL, 0));
	ck_assert_ptr_null(tk_symmap_to_unified(NULL, "x", 1));
	tk_symmap_free(NULL);

	m = tk_symmap_new(&slash_adapter, NULL, 0, NULL, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(tk_symmap_count(m), 0);
	ck_assert_ptr_null(tk_symmap_to_unified(m, "btc/usd", 7));
	tk_symmap_free(m);
}
END_TEST

static const struct {
	const char		*name;
	const char		*adapter;	/* adapter_named() */
	const char		*syms[3];
	size_t			 n;
	const char		*err;
} bad_maps[] = {
	{ "dup unified", "slash", { "BTC-USD", "ETH-USD", "BTC-USD" },
	    3, "duplicate symbol \"BTC-USD\"" },
	{ "dup native", "binance", { "BTC-USDT", "BTCU-SDT" }, 2,
	    "symbols \"BTC-USDT\" and \"BTCU-SDT\" have the same native "
	    "name \"BTCUSDT\"" },
	{ "invalid", "slash", { "BTC-USD", "btc-usd" }, 2,
	    "symbol \"btc-usd\": expected BASE-QUOTE, each part 1 to 15 of "
	    "A-Z and 0-9" },
	{ "null symbol", "slash", { "BTC-USD", NULL }, 2,
	    "symbol \"(null)\": expected BASE-QUOTE, each part 1 to 15 of "
	    "A-Z and 0-9" },
	{ "no native", "failing", { "BTC-USD", "BAD-ONE" }, 2,
	    "symbol \"BAD-ONE\": failing has no native form for it "
	    "(Invalid argument)" },
};

/* One of the fakes above, else the registry's adapter of that name. */
static const struct tk_adapter *
adapter_named(const char *name)
{
	if (strcmp(name, slash_adapter.name) == 0)
		return &slash_adapter;
	if (strcmp(name, failing_adapter.name) == 0)
		return &failing_adapter;
	return tk_test_adapter(name);
}

START_TEST(test_symmap_rejects)
{
	const struct tk_adapter *a = adapter_named(bad_maps[_i].adapter);
	char err[160] = "";

	ck_assert_ptr_null(tk_symmap_new(a, bad_maps[_i].syms,
	    bad_maps[_i].n, err, sizeof(err)));
	ck_assert_str_eq(err, bad_maps[_i].err);
	/* No err buffer is fine too. */
	ck_assert_ptr_null(tk_symmap_new(a, bad_maps[_i].syms,
	    bad_maps[_i].n, NULL, 0));
}
END_TEST

START_TEST(test_symmap_err_truncated)
{
	const char *const syms[] = { "BTC-USD", "BTC-USD" };
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_ptr_null(tk_symmap_new(&slash_adapter, syms, 2, err,
	    sizeof(err)));
	ck_assert_str_eq(err, "duplica");
}
END_TEST

/* Enough symbols to grow the table several times and collide often. */
START_TEST(test_symmap_many)
{
	enum { N = 3000 };
	static char names[N][TK_SYMBOL_MAX];
	const char *syms[N];
	char native[TK_SYMBOL_MAX];
	struct tk_symmap *m;
	const char *u;
	size_t i, k;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "S%zu-Q%zu", i, i % 7);
		syms[i] = names[i];
	}
	m = tk_symmap_new(tk_test_adapter("binance"), syms, N, NULL, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(tk_symmap_count(m), N);
	for (i = 0; i < N; i++) {
		snprintf(native, sizeof(native), "S%zuQ%zu", i, i % 7);
		u = tk_symmap_to_unified(m, native, strlen(native));
		ck_assert_ptr_nonnull(u);
		ck_assert_str_eq(u, names[i]);
		ck_assert_str_eq(tk_symmap_native_at(m, i), native);
		/* Prefixes share bytes with many entries but are none. */
		for (k = 1; k < strlen(native); k++)
			ck_assert_ptr_null(tk_symmap_to_unified(m, native, k));
		/* A near miss: same digits, other quote. */
		snprintf(native, sizeof(native), "S%zuQ%zu", i, i % 7 + 7);
		ck_assert_ptr_null(tk_symmap_to_unified(m, native,
		    strlen(native)));
	}
	tk_symmap_free(m);
}
END_TEST

static Suite *
symmap_suite(void)
{
	Suite *s = suite_create("symmap");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_symbol_valid, 0,
	    sizeof(symbols) / sizeof(symbols[0]));
	tcase_add_test(tc, test_symbol_valid_null);
	tcase_add_test(tc, test_symbol_market);
	tcase_add_test(tc, test_symmap_both_directions);
	tcase_add_test(tc, test_symmap_null_and_empty);
	tcase_add_loop_test(tc, test_symmap_rejects, 0,
	    sizeof(bad_maps) / sizeof(bad_maps[0]));
	tcase_add_test(tc, test_symmap_err_truncated);
	tcase_add_test(tc, test_symmap_many);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(symmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
