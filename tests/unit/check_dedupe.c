/* SPDX-License-Identifier: MIT */
/* The recent-trade set used to publish each trade once. */

#include <stdio.h>
#include <stdlib.h>

#include <ticker/dedupe.h>

#include "tk_check.h"

START_TEST(test_dedupe_second_sighting_is_duplicate)
{
	struct tk_dedupe *d = tk_dedupe_new(8);

	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-USD", "1"), 0);
	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-USD", "1"), 1);
	/* same id on another symbol is another trade */
	ck_assert_int_eq(tk_dedupe_seen(d, "ETH-USD", "1"), 0);
	/* symbol/id boundary is part of the key */
	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-USD1", ""), 0);
	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-US", "D1"), 0);
	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-USD", "11"), 0);
	tk_dedupe_free(d);
}
END_TEST

START_TEST(test_dedupe_empty_id_never_duplicate)
{
	struct tk_dedupe *d = tk_dedupe_new(8);

	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-USD", ""), 0);
	ck_assert_int_eq(tk_dedupe_seen(d, "BTC-USD", ""), 0);
	tk_dedupe_free(d);
}
END_TEST

/* Exactly the last @cap keys are remembered, through many evictions. */
START_TEST(test_dedupe_window_is_exact)
{
	const int cap = 100, total = 5000;
	struct tk_dedupe *d = tk_dedupe_new((size_t)cap);
	char id[16];
	int i;

	for (i = 0; i < total; i++) {
		snprintf(id, sizeof(id), "%d", i);
		ck_assert_int_eq(tk_dedupe_seen(d, "X-Y", id), 0);
	}
	/* the newest cap ids are duplicates, checked newest first so that
	 * these lookups evict nothing still to be checked */
	for (i = total - 1; i >= total - cap; i--) {
		snprintf(id, sizeof(id), "%d", i);
		ck_assert_msg(tk_dedupe_seen(d, "X-Y", id) == 1, "id %d", i);
	}
	tk_dedupe_free(d);
}
END_TEST

START_TEST(test_dedupe_forgotten_keys_are_new_again)
{
	struct tk_dedupe *d = tk_dedupe_new(4);
	char id[16];
	int i;

	for (i = 0; i < 8; i++) {
		snprintf(id, sizeof(id), "%d", i);
		tk_dedupe_seen(d, "X-Y", id);
	}
	/* 0..3 were evicted */
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "%d", i);
		ck_assert_int_eq(tk_dedupe_seen(d, "X-Y", id), 0);
	}
	tk_dedupe_free(d);
	tk_dedupe_free(NULL);
}
END_TEST

static Suite *
dedupe_suite(void)
{
	Suite *s = suite_create("dedupe");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_dedupe_second_sighting_is_duplicate);
	tcase_add_test(tc, test_dedupe_empty_id_never_duplicate);
	tcase_add_test(tc, test_dedupe_window_is_exact);
	tcase_add_test(tc, test_dedupe_forgotten_keys_are_new_again);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dedupe_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
