/* SPDX-License-Identifier: MIT */
/*
 * Key spaces and compiled filters: indices are dense and stable, and a
 * compiled filter answers exactly as tk_filter_match() does, over many
 * random filters and keys, including names outside the key space and
 * names added to it after the filter was compiled.
 */

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/config.h>
#include <ticker/filter.h>
#include <ticker/keyset.h>

#define NEX	12	/* exchange names the tests draw from */
#define NSYM	40	/* symbol names */

static char ex_names[NEX][16];
static char sym_names[NSYM][16];

static void
make_names(void)
{
	int i;

	for (i = 0; i < NEX; i++)
		snprintf(ex_names[i], sizeof(ex_names[i]), "ex%d", i);
	for (i = 0; i < NSYM; i++)
		snprintf(sym_names[i], sizeof(sym_names[i]), "S%d-USD", i);
}

static uint64_t rng = 88172645463325252u;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

START_TEST(test_keyspace_indices)
{
	struct tk_keyspace *ks = tk_keyspace_new();
	char name[32];
	int i;

	ck_assert_ptr_nonnull(ks);
	ck_assert_uint_eq(tk_keyspace_count(ks, TK_KEY_SYMBOL), 0);
	ck_assert_uint_eq(tk_keyspace_find(ks, TK_KEY_SYMBOL, "A-B"),
	    TK_KEY_NONE);
	/* enough to grow the table a few times */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "N%d-X", i);
		ck_assert_int_eq(tk_keyspace_add(ks, TK_KEY_SYMBOL, name), i);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "N%d-X", i);
		ck_assert_uint_eq(tk_keyspace_find(ks, TK_KEY_SYMBOL, name),
		    (uint32_t)i);
		ck_assert_int_eq(tk_keyspace_add(ks, TK_KEY_SYMBOL, name), i);
		ck_assert_str_eq(tk_keyspace_name(ks, TK_KEY_SYMBOL,
		    (uint32_t)i), name);
	}
	ck_assert_uint_eq(tk_keyspace_count(ks, TK_KEY_SYMBOL), 1000);
	/* the dimensions are separate */
	ck_assert_uint_eq(tk_keyspace_find(ks, TK_KEY_EXCHANGE, "N1-X"),
	    TK_KEY_NONE);
	ck_assert_int_eq(tk_keyspace_add(ks, TK_KEY_EXCHANGE, "N1-X"), 0);
	ck_assert_ptr_null(tk_keyspace_name(ks, TK_KEY_EXCHANGE, 1));
	ck_assert_int_eq(tk_keyspace_add(ks, TK_KEY_EXCHANGE, NULL), -EINVAL);
	ck_assert_int_eq(tk_keyspace_add(ks, TK_KEY_DIM_MAX, "x"), -EINVAL);
	ck_assert_uint_eq(tk_keyspace_find(NULL, TK_KEY_EXCHANGE, "x"),
	    TK_KEY_NONE);
	tk_keyspace_free(ks);
	tk_keyspace_free(NULL);
}
END_TEST

START_TEST(test_keyspace_config)
{
	static const char text[] = "{\"listen\":{\"tcp\":\"127.0.0.1:1\"},"
	    "\"exchanges\":["
	    "{\"name\":\"a\",\"adapter\":\"sim\",\"symbols\":[\"X-USD\","
	    "\"Y-USD\"]},"
	    "{\"name\":\"b\",\"adapter\":\"sim\",\"symbols\":[\"Y-USD\","
	    "\"Z-USD\"]}]}";
	struct tk_keyspace *ks = tk_keyspace_new();
	struct tk_config cf;
	char err[TK_CONFIG_ERR_MAX];

	ck_assert_int_eq(tk_config_parse(text, sizeof(text) - 1, "t.json",
	    &cf, err, sizeof(err)), 0);
	ck_assert_int_eq(tk_keyspace_add_config(ks, &cf), 0);
	ck_assert_uint_eq(tk_keyspace_count(ks, TK_KEY_EXCHANGE), 2);
	ck_assert_uint_eq(tk_keyspace_count(ks, TK_KEY_SYMBOL), 3);
	ck_assert_uint_eq(tk_keyspace_find(ks, TK_KEY_EXCHANGE, "b"), 1);
	ck_assert_uint_eq(tk_keyspace_find(ks, TK_KEY_SYMBOL, "Z-USD"), 2);
	/* a reload with the same config adds nothing */
	ck_assert_int_eq(tk_keyspace_add_config(ks, &cf), 0);
	ck_assert_uint_eq(tk_keyspace_count(ks, TK_KEY_SYMBOL), 3);
	tk_config_free(&cf);
	tk_keyspace_free(ks);
}
END_TEST

/* A comma-separated random subset of @names (n of them), or NULL. */
static char *
random_list(char names[][16], int n, int extra)
{
	static char buf[2][1024];
	static int which;
	char *b = buf[which ^= 1];
	size_t o = 0;
	int k, count;

	if (rnd(4) == 0)
		return NULL;
	count = 1 + (int)rnd(rnd(3) == 0 ? (uint32_t)n : 4);
	for (k = 0; k < count; k++)
		o += (size_t)snprintf(b + o, sizeof(buf[0]) - o, "%s%s",
		    k ? "," : "", names[rnd((uint32_t)(n + extra))]);
	return b;
}

/*
 * The key space holds the first @in of each name table when the filter
 * is compiled, and a few more afterwards; keys are drawn from all names,
 * with and without their index, and from names nobody configured.
 */
START_TEST(test_keyfilter_matches_filter)
{
	static const char *const types[] = { NULL, "trade", "quote",
		"quote,trade" };
	char exs[NEX + 2][16], syms[NSYM + 2][16];
	int round, k, ein, sin, e, s, t, want, got;
	struct tk_keyspace *ks;
	struct tk_keyfilter kf;
	struct tk_filter f;
	char err[256];
	uint32_t ei, si;

	make_names();
	memcpy(exs, ex_names, sizeof(ex_names));
	memcpy(syms, sym_names, sizeof(sym_names));
	strcpy(exs[NEX], "nowhere");
	strcpy(exs[NEX + 1], "");
	strcpy(syms[NSYM], "NO-WHERE");
	strcpy(syms[NSYM + 1], "");
	for (round = 0; round < 600; round++) {
		ks = tk_keyspace_new();
		ck_assert_ptr_nonnull(ks);
		ein = (int)rnd(NEX + 1);
		sin = (int)rnd(NSYM + 1);
		for (k = 0; k < ein; k++)
			tk_keyspace_add(ks, TK_KEY_EXCHANGE, ex_names[k]);
		for (k = 0; k < sin; k++)
			tk_keyspace_add(ks, TK_KEY_SYMBOL, sym_names[k]);
		ck_assert_int_eq(tk_filter_from_query(
		    random_list(sym_names, NSYM, 0),
		    random_list(ex_names, NEX, 0), types[rnd(4)], &f, err,
		    sizeof(err)), 0);
		ck_assert_int_eq(tk_keyfilter_compile(&f, ks, &kf), 0);
		/* a reload adds names after the compile */
		for (k = ein; k < NEX; k++)
			if (rnd(2))
				tk_keyspace_add(ks, TK_KEY_EXCHANGE,
				    ex_names[k]);
		for (k = sin; k < NSYM; k++)
			if (rnd(2))
				tk_keyspace_add(ks, TK_KEY_SYMBOL,
				    sym_names[k]);
		for (k = 0; k < 200; k++) {
			e = (int)rnd(NEX + 2);
			s = (int)rnd(NSYM + 2);
			t = (int)rnd(TK_TICK_TYPE_MAX + 1);
			ei = tk_keyspace_find(ks, TK_KEY_EXCHANGE, exs[e]);
			si = tk_keyspace_find(ks, TK_KEY_SYMBOL, syms[s]);
			want = tk_filter_match(&f, exs[e], syms[s],
			    (enum tk_tick_type)t);
			got = tk_keyfilter_match(&kf, ei, si, exs[e], syms[s],
			    (enum tk_tick_type)t);
			ck_assert_msg(got == want, "round %d: %s/%s type %d: "
			    "compiled %d, filter %d", round, exs[e], syms[s],
			    t, got, want);
			ck_assert_int_eq(tk_keyfilter_match_exchange(&kf, ei,
			    exs[e]), tk_filter_match_exchange(&f, exs[e]));
		}
		tk_keyfilter_finish(&kf);
		tk_filter_finish(&f);
		tk_keyspace_free(ks);
	}
}
END_TEST

/* A key with no exchange (TK_KEY_NONE, NULL) passes only "all". */
START_TEST(test_keyfilter_no_exchange)
{
	struct tk_keyspace *ks = tk_keyspace_new();
	struct tk_keyfilter kf;
	struct tk_filter f;
	uint32_t sym;

	tk_keyspace_add(ks, TK_KEY_EXCHANGE, "binance");
	sym = (uint32_t)tk_keyspace_add(ks, TK_KEY_SYMBOL, "BTC-USD");
	ck_assert_int_eq(tk_filter_from_query("BTC-USD", NULL, NULL, &f,
	    NULL, 0), 0);
	ck_assert_int_eq(tk_keyfilter_compile(&f, ks, &kf), 0);
	ck_assert(tk_keyfilter_match(&kf, TK_KEY_NONE, sym, NULL, "BTC-USD",
	    TK_TICK_QUOTE));
	tk_keyfilter_finish(&kf);
	tk_filter_finish(&f);
	ck_assert_int_eq(tk_filter_from_query(NULL, "binance", NULL, &f,
	    NULL, 0), 0);
	ck_assert_int_eq(tk_keyfilter_compile(&f, ks, &kf), 0);
	ck_assert(!tk_keyfilter_match(&kf, TK_KEY_NONE, sym, NULL,
	    "BTC-USD", TK_TICK_QUOTE));
	ck_assert(!tk_keyfilter_match(&kf, 0, sym, "binance", "BTC-USD",
	    TK_TICK_TYPE_MAX));
	tk_keyfilter_finish(&kf);
	tk_keyfilter_finish(&kf);
	tk_keyfilter_finish(NULL);
	tk_filter_finish(&f);
	tk_keyspace_free(ks);
}
END_TEST

START_TEST(test_keyfilter_init_matches_all)
{
	struct tk_keyfilter kf;

	tk_keyfilter_init(&kf);
	ck_assert(tk_keyfilter_match(&kf, TK_KEY_NONE, 7, "x", "A-B",
	    TK_TICK_TRADE));
	ck_assert(tk_keyfilter_match_exchange(&kf, 3, "x"));
	tk_keyfilter_finish(&kf);
}
END_TEST

static Suite *
keyset_suite(void)
{
	Suite *s = suite_create("keyset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_keyspace_indices);
	tcase_add_test(tc, test_keyspace_config);
	tcase_add_test(tc, test_keyfilter_matches_filter);
	tcase_add_test(tc, test_keyfilter_no_exchange);
	tcase_add_test(tc, test_keyfilter_init_matches_all);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(keyset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
