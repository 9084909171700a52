/* SPDX-License-Identifier: MIT */
/*
 * The adapter table: every adapter is complete and findable by name, and
 * the network adapters are exactly the exchanges of tests/fixtures/ (the
 * local and NATS ones have no codec, hence no fixtures).
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>

#include "tk_check.h"

/* The folders of $TK_FIXTURES: one per exchange, named after its adapter. */
static size_t
fixture_exchanges(char names[][64], size_t cap)
{
	const char *dir = getenv("TK_FIXTURES");
	char path[1024];
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;

	ck_assert_msg(dir != NULL, "TK_FIXTURES is not set");
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		ck_assert_uint_lt(n, cap);
		ck_assert_uint_lt(strlen(de->d_name), 64);
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	return n;
}

START_TEST(test_adapter_table_complete)
{
	const struct tk_adapter *const *all = tk_adapter_all();
	char fixtures[32][64];
	size_t i, network = 0, nfixtures;

	for (i = 0; all[i] != NULL; i++) {
		const struct tk_adapter *a = all[i];

		ck_assert_ptr_eq(tk_adapter_find(a->name), a);
		ck_assert_ptr_nonnull(a->native_symbol);
		ck_assert_uint_ne(a->types, 0);
		/* feed types only: bbo is tickerd's own */
		ck_assert_uint_eq(a->types & ~TK_TYPES_FEED, 0);
		ck_assert_msg(a->kind == TK_ADAPTER_NETWORK ||
		    a->kind == TK_ADAPTER_LOCAL || a->kind == TK_ADAPTER_NATS,
		    "%s: kind %d", a->name, (int)a->kind);
		if (a->kind != TK_ADAPTER_NETWORK) {
			/* sim, replay, nats: no URL, nothing to decode */
			ck_assert_ptr_null(a->default_url);
			ck_assert_ptr_null(a->subscribe);
			ck_assert_ptr_null(a->parse);
			ck_assert_ptr_null(a->ping_message);
			continue;
		}
		/* a network adapter: real TLS endpoint, codec, keep-alive */
		network++;
		ck_assert_ptr_nonnull(a->default_url);
		ck_assert_msg(strncmp(a->default_url, "wss://", 6) == 0,
		    "%s: %s", a->name, a->default_url);
		ck_assert_ptr_nonnull(a->subscribe);
		ck_assert_ptr_nonnull(a->parse);
		ck_assert_int_eq(a->ping_message != NULL,
		    a->ping_interval_s > 0);
		/* REST before connect: all of it, to a real https:// base */
		ck_assert_int_eq(a->rest_request != NULL,
		    a->default_rest_url != NULL);
		ck_assert_int_eq(a->rest_parse != NULL,
		    a->default_rest_url != NULL);
		ck_assert_int_eq(a->rest_size != NULL,
		    a->default_rest_url != NULL);
		if (a->default_rest_url != NULL)
			ck_assert_msg(strncmp(a->default_rest_url, "https://",
			    8) == 0, "%s: %s", a->name, a->default_rest_url);
	}
	/*
	 * Every exchange has its fixtures and golden ticks, and every folder
	 * of fixtures is an exchange of the table.
	 */
	nfixtures = fixture_exchanges(fixtures, 32);
	for (i = 0; i < nfixtures; i++) {
		const struct tk_adapter *a = tk_adapter_find(fixtures[i]);

		ck_assert_msg(a != NULL && a->kind == TK_ADAPTER_NETWORK,
		    "tests/fixtures/%s: not a network adapter", fixtures[i]);
	}
	ck_assert_uint_eq(network, nfixtures);
	ck_assert_uint_ge(network, 6);
	/* the adapters without a codec */
	ck_assert_int_eq(tk_test_adapter("sim")->kind, TK_ADAPTER_LOCAL);
	ck_assert_int_eq(tk_test_adapter("replay")->kind, TK_ADAPTER_LOCAL);
	ck_assert_int_eq(tk_test_adapter("nats")->kind, TK_ADAPTER_NATS);
	ck_assert_ptr_null(tk_adapter_find("nosuchexchange"));
	ck_assert_ptr_null(tk_adapter_find(""));
}
END_TEST

/* Known connection limits and keep-alives, from each exchange's docs. */
START_TEST(test_adapter_limits)
{
	const struct tk_adapter *binance = tk_test_adapter("binance");
	const struct tk_adapter *okx = tk_test_adapter("okx");
	const struct tk_adapter *bybit = tk_test_adapter("bybit");

	ck_assert_uint_eq(binance->max_connection_s, 24 * 3600);
	ck_assert_str_eq(okx->ping_message, "ping");
	ck_assert_uint_lt(okx->ping_interval_s, 30);
	ck_assert_str_eq(bybit->ping_message, "{\"op\":\"ping\"}");
	ck_assert_uint_eq(bybit->ping_interval_s, 20);
	ck_assert_ptr_nonnull(bybit->state_size);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("adapter");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_adapter_table_complete);
	tcase_add_test(tc, test_adapter_limits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
