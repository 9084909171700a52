/* SPDX-License-Identifier: MIT */
/* Backoff windows (grow, cap, reset, jitter bounds) and the PRNG. */

#include <stdint.h>
#include <stdlib.h>

#include <ticker/backoff.h>

#include "tk_check.h"

/*
 * The window of attempt n is found exactly: rnd = w gives min + w, and
 * rnd = w + 1 wraps to min (rnd % (w + 1)).
 */
static uint32_t
window_of(const struct tk_backoff *b, uint32_t *delay_max)
{
	struct tk_backoff probe;
	uint32_t w;

	for (w = 0;; w++) {
		probe = *b;
		if (tk_backoff_next(&probe, (uint64_t)w + 1) == b->min_ms)
			break;
	}
	probe = *b;
	*delay_max = tk_backoff_next(&probe, w);
	return w;
}

static const struct {
	struct tk_backoff conf;
	uint32_t	 windows[8];
} grow[] = {
	{ { 0, 100, 1000, 0 }, { 100, 200, 400, 800, 1000, 1000, 1000, 1000 } },
	{ { 250, 50, 30000, 0 }, { 50, 100, 200, 400, 800, 1600, 3200, 6400 } },
	{ { 10, 7, 7, 0 }, { 7, 7, 7, 7, 7, 7, 7, 7 } },
	{ { 5, 0, 1000, 0 }, { 0, 0, 0, 0, 0, 0, 0, 0 } },
	{ { 0, 3, 40, 0 }, { 3, 6, 12, 24, 40, 40, 40, 40 } },
};

START_TEST(test_windows_grow_and_cap)
{
	struct tk_backoff b = grow[_i].conf;
	uint32_t w, max;
	int n;

	for (n = 0; n < 8; n++) {
		ck_assert_uint_eq(b.attempt, (unsigned)n);
		w = window_of(&b, &max);
		ck_assert_uint_eq(w, grow[_i].windows[n]);
		ck_assert_uint_eq(max, b.min_ms + w);
		/* rnd 0 gives the floor; the real call advances. */
		ck_assert_uint_eq(tk_backoff_next(&b, 0), b.min_ms);
	}
}
END_TEST

START_TEST(test_reset)
{
	struct tk_backoff b = { 0, 100, 60000, 0 };
	uint32_t max;
	int n;

	for (n = 0; n < 6; n++)
		tk_backoff_next(&b, 0);
	ck_assert_uint_eq(window_of(&b, &max), 6400);
	tk_backoff_reset(&b);
	ck_assert_uint_eq(b.attempt, 0);
	ck_assert_uint_eq(window_of(&b, &max), 100);
	ck_assert_uint_eq(b.base_ms, 100);
	ck_assert_uint_eq(b.cap_ms, 60000);
}
END_TEST

/* Huge attempt counts and sums saturate instead of wrapping. */
START_TEST(test_overflow_saturates)
{
	struct tk_backoff b = { 0, 1000, 5000, 31 };
	uint32_t max;

	ck_assert_uint_eq(window_of(&b, &max), 5000);
	b.attempt = 64;
	ck_assert_uint_eq(window_of(&b, &max), 5000);
	b.attempt = UINT32_MAX;
	tk_backoff_next(&b, 0);
	ck_assert_uint_eq(b.attempt, UINT32_MAX);
	b = (struct tk_backoff){ 3, 0, 5000, 40 };	/* 0 * 2^40 is 0 */
	ck_assert_uint_eq(window_of(&b, &max), 0);
	b = (struct tk_backoff){ UINT32_MAX - 10, 100, 100, 0 };
	ck_assert_uint_eq(tk_backoff_next(&b, 100), UINT32_MAX);
	b = (struct tk_backoff){ 0, UINT32_MAX, UINT32_MAX, 3 };
	ck_assert_uint_eq(tk_backoff_next(&b, UINT64_MAX - 1),
	    (uint32_t)((UINT64_MAX - 1) % ((uint64_t)UINT32_MAX + 1)));
}
END_TEST

START_TEST(test_jitter_within_window)
{
	struct tk_backoff b = { 500, 1000, 30000, 0 };
	uint64_t rng = 42;
	uint32_t d, lo = UINT32_MAX, hi = 0;
	int i;

	for (i = 0; i < 10000; i++) {
		if (i % 10 == 0)
			tk_backoff_reset(&b);
		d = tk_backoff_next(&b, tk_rand_next(&rng));
		ck_assert_uint_ge(d, 500);
		ck_assert_uint_le(d, 500 + 30000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* Full jitter: the spread covers most of the capped window. */
	ck_assert_uint_lt(lo, 600);
	ck_assert_uint_gt(hi, 25000);
}
END_TEST

START_TEST(test_rand_reference)
{
	/* First outputs of xorshift64* from state 1 (Vigna's constants). */
	static const uint64_t want[] = {
		UINT64_C(0x47e4ce4b896cdd1d),
		UINT64_C(0xabcfa6a8e079651d),
		UINT64_C(0xb9d10d8feb731f57),
	};
	uint64_t s = 1;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_uint_eq(tk_rand_next(&s), want[i]);
}
END_TEST

START_TEST(test_rand_seed_zero)
{
	uint64_t s = 0, a, b;
	int i;

	a = tk_rand_next(&s);
	ck_assert_uint_ne(s, 0);
	b = tk_rand_next(&s);
	ck_assert_uint_ne(a, b);
	for (i = 0; i < 1000; i++) {
		ck_assert_uint_ne(tk_rand_next(&s), 0);
		ck_assert_uint_ne(s, 0);
	}
}
END_TEST

START_TEST(test_rand_deterministic)
{
	uint64_t a = 7, b = 7, c = 8;
	int i, same = 0;

	for (i = 0; i < 100; i++) {
		uint64_t x = tk_rand_next(&a), y = tk_rand_next(&b);

		ck_assert_uint_eq(x, y);
		same += x == tk_rand_next(&c);
	}
	ck_assert_int_eq(same, 0);
}
END_TEST

static Suite *
backoff_suite(void)
{
	Suite *s = suite_create("backoff");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_windows_grow_and_cap, 0,
	    sizeof(grow) / sizeof(grow[0]));
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_overflow_saturates);
	tcase_add_test(tc, test_jitter_within_window);
	tcase_add_test(tc, test_rand_reference);
	tcase_add_test(tc, test_rand_seed_zero);
	tcase_add_test(tc, test_rand_deterministic);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(backoff_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
