/* SPDX-License-Identifier: MIT */
/* Write pacing: the gap, the burst allowance, big batches, quiet spells. */

#include <stdint.h>
#include <stdlib.h>

#include <ticker/pace.h>

#include "tk_check.h"

START_TEST(test_gap_grows_with_clients_squared_up_to_max)
{
	ck_assert_int_eq(tk_pace_gap(0, 2000, 20000), 0);
	ck_assert_int_eq(tk_pace_gap(1, 2000, 20000), 2);
	ck_assert_int_eq(tk_pace_gap(10, 2000, 20000), 200);
	ck_assert_int_eq(tk_pace_gap(50, 2000, 20000), 5000);
	ck_assert_int_eq(tk_pace_gap(100, 2000, 20000), 20000);
	ck_assert_int_eq(tk_pace_gap(5000, 2000, 20000), 20000);
	/* no overflow with the most clients there can be */
	ck_assert_int_eq(tk_pace_gap(4000000000u, 2000, 20000), 20000);
	/* coalescing off */
	ck_assert_int_eq(tk_pace_gap(5000, 2000, 0), 0);
}
END_TEST

/* Without a gap every write is allowed, however often. */
START_TEST(test_no_gap_never_waits)
{
	struct tk_pace p = { 0 };
	int64_t now;

	for (now = 1000; now < 1010; now++) {
		ck_assert(tk_pace_may_write(&p, 0, now, 1));
		tk_pace_wrote(&p, 0, now);
	}
}
END_TEST

/*
 * A client quiet for a while may take TK_PACE_BURST writes back to back;
 * then one per gap, on schedule, however often ticks arrive.
 */
START_TEST(test_burst_then_one_per_gap)
{
	const int64_t gap = 1000;
	struct tk_pace p = { 0 };
	int64_t now = 50000;
	int i, writes = 0;

	for (i = 0; i < TK_PACE_BURST; i++) {
		ck_assert(tk_pace_may_write(&p, gap, now, 1));
		tk_pace_wrote(&p, gap, now);
	}
	ck_assert(!tk_pace_may_write(&p, gap, now, 1));
	ck_assert_int_eq(tk_pace_due(&p, gap), now + gap);
	/* a tick every 100 µs for 10 gaps: 10 writes, not 100 */
	for (i = 1; i <= 100; i++) {
		int64_t t = now + i * 100;

		if (tk_pace_may_write(&p, gap, t, 1)) {
			tk_pace_wrote(&p, gap, t);
			writes++;
		}
	}
	ck_assert_int_eq(writes, 10);
}
END_TEST

/* Ticks arriving slower than the gap, even a little early, never wait. */
START_TEST(test_slow_ticks_never_wait)
{
	const int64_t gap = 800;
	struct tk_pace p = { 0 };
	int64_t t = 1000000;
	int i;

	for (i = 0; i < 1000; i++) {
		/* every 1000 µs, with ±300 µs of jitter */
		int64_t at = t + i * 1000 + (i % 3 - 1) * 300;

		ck_assert_msg(tk_pace_may_write(&p, gap, at, 1),
		    "tick %d at %lld held back", i, (long long)at);
		tk_pace_wrote(&p, gap, at);
	}
}
END_TEST

/*
 * Clients written at different times fall due at the same times: one pass
 * writes them all, so the loop wakes once per gap, not once per client.
 */
START_TEST(test_clients_fall_due_together)
{
	const int64_t gap = 10000;
	struct tk_pace a = { 0 }, b = { 0 };
	int64_t now = 1000000;
	int i;

	/* both out of credit, then written 3.7 ms apart */
	for (i = 0; i < TK_PACE_BURST; i++) {
		tk_pace_wrote(&a, gap, now);
		tk_pace_wrote(&b, gap, now + 3700);
	}
	ck_assert_int_eq(tk_pace_due(&a, gap), tk_pace_due(&b, gap));
	/* and stay together, written whenever a tick comes */
	for (now += 20000, i = 0; i < 10; i++, now += gap + 1234) {
		ck_assert(tk_pace_may_write(&a, gap, now, 1));
		ck_assert(tk_pace_may_write(&b, gap, now, 1));
		tk_pace_wrote(&a, gap, now);
		tk_pace_wrote(&b, gap, now);
		ck_assert_int_eq(tk_pace_due(&a, gap), tk_pace_due(&b, gap));
		ck_assert_int_eq(tk_pace_due(&a, gap) % gap, 0);
	}
}
END_TEST

START_TEST(test_big_batch_goes_at_once)
{
	const int64_t gap = 10000;
	struct tk_pace p = { 0 };
	int i;

	for (i = 0; i < TK_PACE_BURST; i++)
		tk_pace_wrote(&p, gap, 0);
	ck_assert(!tk_pace_may_write(&p, gap, 1, TK_PACE_BIG - 1));
	ck_assert(tk_pace_may_write(&p, gap, 1, TK_PACE_BIG));
}
END_TEST

/*
 * A fast feed writes a client at every TK_PACE_BIG messages, far more often
 * than once per gap; when it slows down, what is left still goes out within
 * a gap, not when the schedule those writes would have run up is reached.
 */
START_TEST(test_big_writes_do_not_run_ahead)
{
	const int64_t gap = 20000;
	struct tk_pace p = { 0 };
	int64_t now = 1000000;
	int i;

	for (i = 0; i < 6000; i++, now += 1600) {	/* 20k messages/s */
		ck_assert(tk_pace_may_write(&p, gap, now, TK_PACE_BIG));
		tk_pace_wrote(&p, gap, now);
	}
	ck_assert_int_le(tk_pace_due(&p, gap), now + gap);
	ck_assert(tk_pace_may_write(&p, gap, now + gap, 1));
}
END_TEST

START_TEST(test_quiet_until)
{
	/* someone can be written now, or soon: read at once */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 1000, 0, 0, 10000, 300), 0);
	ck_assert_int_eq(tk_pace_quiet_until(1000, 500, 0, 0, 10000, 300), 0);
	ck_assert_int_eq(tk_pace_quiet_until(1000, 1200, 0, 0, 10000, 300), 0);
	ck_assert_int_eq(tk_pace_quiet_until(1000, INT64_MIN, 0, 0, 10000, 300),
	    0);
	/* until the first write is due */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, 0, 0, 10000, 300),
	    6000);
	/* at most max_us */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 90000, 0, 0, 10000, 300),
	    11000);
	/* no longer than TK_PACE_BIG messages take at the rate */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, 0,
	    TK_PACE_BIG / 1000.0, 10000, 300), 2000);
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, 0,
	    TK_PACE_BIG / 3000.0, 10000, 300), 4000);
	/* a client with 16 waiting has 32 in half the time; with 32, now */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, TK_PACE_BIG / 2,
	    TK_PACE_BIG / 2000.0, 10000, 300), 2000);
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, TK_PACE_BIG,
	    TK_PACE_BIG / 2000.0, 10000, 300), 0);
	/* a fast feed makes holding not worth it: 32 messages in 32 µs */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, 0, 1.0, 10000, 300),
	    0);
	/* a client that asked for 0 (the least cap is 0): never hold */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, 0, 0, 0, 300), 0);
	/* one that asked for 2 ms: hold no longer */
	ck_assert_int_eq(tk_pace_quiet_until(1000, 6000, 0, 0, 2000, 300),
	    3000);
}
END_TEST

/* A client's own max_delay_ms wins over the default, but never revives
 * coalescing that is off. */
START_TEST(test_cap)
{
	ck_assert_int_eq(tk_pace_cap(20000, -1), 20000);
	ck_assert_int_eq(tk_pace_cap(20000, 0), 0);
	ck_assert_int_eq(tk_pace_cap(20000, 5000), 5000);
	ck_assert_int_eq(tk_pace_cap(20000, 100000), 100000);
	ck_assert_int_eq(tk_pace_cap(0, -1), 0);
	ck_assert_int_eq(tk_pace_cap(0, 5000), 0);
	/* 100 clients: a 20 ms gap for the default, none for 0 */
	ck_assert_int_eq(tk_pace_gap(100, 2000, tk_pace_cap(20000, -1)),
	    20000);
	ck_assert_int_eq(tk_pace_gap(100, 2000, tk_pace_cap(20000, 0)), 0);
}
END_TEST

static Suite *
pace_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_gap_grows_with_clients_squared_up_to_max);
	tcase_add_test(tc, test_no_gap_never_waits);
	tcase_add_test(tc, test_burst_then_one_per_gap);
	tcase_add_test(tc, test_slow_ticks_never_wait);
	tcase_add_test(tc, test_clients_fall_due_together);
	tcase_add_test(tc, test_big_batch_goes_at_once);
	tcase_add_test(tc, test_big_writes_do_not_run_ahead);
	tcase_add_test(tc, test_quiet_until);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pace_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
