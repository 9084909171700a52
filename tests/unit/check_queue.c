/* SPDX-License-Identifier: MIT */
/* The queue stream: FIFO, bounded drops, close/fail, start on first poll. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/queue.h>
#include <ticker/stream.h>
#include <ticker/tick.h>

#include "tk_check.h"

static struct tk_tick
tick_n(unsigned i)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", i);
	return tk_test_tick("q", id);
}

static void
push_n(struct tk_stream *q, unsigned i)
{
	struct tk_tick t = tick_n(i);

	ck_assert_int_eq(tk_queue_push(q, &t), 0);
}

static void
assert_next_n(struct tk_stream *q, struct count_waker *cw, unsigned i)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", i);
	ck_assert_stream_next_id(q, cw, id);
}

START_TEST(test_fifo_then_end)
{
	struct tk_stream *q = tk_queue_new("q", 8, NULL, NULL);
	struct count_waker cw;
	struct tk_tick t = tick_n(9);
	unsigned i;

	ck_assert_ptr_nonnull(q);
	count_waker_init(&cw);
	for (i = 0; i < 3; i++)
		push_n(q, i);
	ck_assert_uint_eq(tk_queue_len(q), 3);
	tk_queue_close(q);
	ck_assert_int_eq(tk_queue_push(q, &t), -EPIPE);
	/* Queued ticks still come out before the END. */
	for (i = 0; i < 3; i++)
		assert_next_n(q, &cw, i);
	ck_assert_stream_end(q, &cw);
	ck_assert_stream_end(q, &cw);
	ck_assert_uint_eq(tk_queue_len(q), 0);
	ck_assert_int_eq(tk_stream_error(q), 0);
	tk_stream_free(q);
}
END_TEST

/* Requested capacity -> ticks it holds (a power of two, at least 1). */
static const struct {
	size_t	 want, holds;
} caps[] = {
	{ 0, 1 }, { 1, 1 }, { 2, 2 }, { 3, 4 }, { 5, 8 }, { 8, 8 }, { 9, 16 },
};

START_TEST(test_capacity_and_drops)
{
	struct tk_stream *q = tk_queue_new("q", caps[_i].want, NULL, NULL);
	struct count_waker cw;
	struct tk_tick t = tick_n(1000);
	unsigned i;

	ck_assert_ptr_nonnull(q);
	count_waker_init(&cw);
	for (i = 0; i < caps[_i].holds; i++)
		push_n(q, i);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(tk_queue_push(q, &t), -ENOBUFS);
	ck_assert_uint_eq(tk_queue_len(q), caps[_i].holds);
	ck_assert_uint_eq(tk_queue_dropped(q), 3);
	/* Room again after one is taken; the dropped ones never appear. */
	assert_next_n(q, &cw, 0);
	push_n(q, 500);
	for (i = 1; i < caps[_i].holds; i++)
		assert_next_n(q, &cw, i);
	assert_next_n(q, &cw, 500);
	ck_assert_stream_pending(q, &cw);
	ck_assert_uint_eq(tk_queue_dropped(q), 3);
	tk_stream_free(q);
}
END_TEST

START_TEST(test_wraparound_order)
{
	struct tk_stream *q = tk_queue_new("q", 4, NULL, NULL);
	struct count_waker cw;
	unsigned in = 0, out = 0, round;

	count_waker_init(&cw);
	for (round = 0; round < 100; round++) {
		push_n(q, in++);
		push_n(q, in++);
		if (round % 2 == 0)
			push_n(q, in++);
		while (out < in)
			assert_next_n(q, &cw, out++);
		ck_assert_stream_pending(q, &cw);
	}
	ck_assert_uint_eq(tk_queue_dropped(q), 0);
	tk_stream_free(q);
}
END_TEST

START_TEST(test_fail_after_drain)
{
	struct tk_stream *q = tk_queue_new("binance", 4, NULL, NULL);
	struct count_waker cw;
	struct tk_tick t = tick_n(7);
	char why[32] = "connection reset";

	count_waker_init(&cw);
	push_n(q, 1);
	tk_queue_fail(q, -ECONNRESET, why);
	memset(why, 'x', sizeof(why) - 1);	/* the reason was copied */
	tk_queue_close(q);			/* first finish wins */
	ck_assert_int_eq(tk_queue_push(q, &t), -EPIPE);
	/* Not an error until the consumer is told so. */
	ck_assert_int_eq(tk_stream_error(q), 0);
	assert_next_n(q, &cw, 1);
	ck_assert_int_eq(tk_stream_next(q, &t, &cw.w), TK_POLL_ERROR);
	ck_assert_int_eq(tk_stream_next(q, &t, &cw.w), TK_POLL_ERROR);
	ck_assert_int_eq(tk_stream_error(q), -ECONNRESET);
	ck_assert_str_eq(tk_stream_reason(q), "connection reset");
	ck_assert_str_eq(tk_stream_name(q), "binance");
	tk_stream_free(q);
}
END_TEST

struct starter {
	struct tk_stream *q;
	int		 calls;
	unsigned	 push;		/* ticks to push from start */
	int		 close;
};

static void
starter_start(void *ud)
{
	struct starter *st = ud;
	unsigned i;

	st->calls++;
	/* Answering comes after start: tk_queue_started() already says so. */
	ck_assert_int_eq(tk_queue_started(st->q), 1);
	for (i = 0; i < st->push; i++)
		push_n(st->q, 100 + i);
	if (st->close)
		tk_queue_close(st->q);
}

START_TEST(test_start_on_first_poll)
{
	struct starter st = { .push = 2 };
	struct count_waker cw;

	count_waker_init(&cw);
	st.q = tk_queue_new("q", 4, starter_start, &st);
	ck_assert_int_eq(st.calls, 0);
	ck_assert_int_eq(tk_queue_started(st.q), 0);
	/* A producer may fill it before anyone polls: still not started. */
	push_n(st.q, 1);
	ck_assert_int_eq(st.calls, 0);
	assert_next_n(st.q, &cw, 1);
	ck_assert_int_eq(st.calls, 1);
	assert_next_n(st.q, &cw, 100);
	assert_next_n(st.q, &cw, 101);
	ck_assert_stream_pending(st.q, &cw);
	ck_assert_int_eq(st.calls, 1);
	/* Pushing from inside the poll woke nobody: nobody was parked. */
	ck_assert_int_eq(cw.woken, 0);
	tk_stream_free(st.q);
}
END_TEST

START_TEST(test_start_may_close)
{
	struct starter st = { .push = 1, .close = 1 };
	struct count_waker cw;

	count_waker_init(&cw);
	st.q = tk_queue_new("q", 4, starter_start, &st);
	assert_next_n(st.q, &cw, 100);
	ck_assert_stream_end(st.q, &cw);
	ck_assert_int_eq(st.calls, 1);
	ck_assert_int_eq(cw.woken, 0);
	tk_stream_free(st.q);
}
END_TEST

START_TEST(test_wake_once_per_park)
{
	struct tk_stream *q = tk_queue_new("q", 8, NULL, NULL);
	struct count_waker cw;

	count_waker_init(&cw);
	push_n(q, 1);			/* not parked: no wake */
	ck_assert_int_eq(cw.woken, 0);
	assert_next_n(q, &cw, 1);
	ck_assert_stream_pending(q, &cw);
	push_n(q, 2);
	push_n(q, 3);
	ck_assert_int_eq(cw.woken, 1);
	assert_next_n(q, &cw, 2);
	push_n(q, 4);			/* consumer is active */
	ck_assert_int_eq(cw.woken, 1);
	assert_next_n(q, &cw, 3);
	assert_next_n(q, &cw, 4);
	ck_assert_stream_pending(q, &cw);
	tk_queue_close(q);
	ck_assert_int_eq(cw.woken, 2);
	ck_assert_stream_end(q, &cw);
	ck_assert_int_eq(cw.woken, 2);
	tk_stream_free(q);
}
END_TEST

START_TEST(test_fail_wakes_parked)
{
	struct tk_stream *q = tk_queue_new("q", 2, NULL, NULL);
	struct count_waker cw;
	struct tk_tick t;

	count_waker_init(&cw);
	ck_assert_stream_pending(q, &cw);
	tk_queue_fail(q, -ETIMEDOUT, NULL);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_int_eq(tk_stream_next(q, &t, &cw.w), TK_POLL_ERROR);
	ck_assert_int_eq(tk_stream_error(q), -ETIMEDOUT);
	ck_assert_str_eq(tk_stream_reason(q), "");
	tk_stream_free(q);
}
END_TEST

START_TEST(test_free_with_ticks_and_null)
{
	struct tk_stream *q = tk_queue_new(NULL, 4, NULL, NULL);

	ck_assert_str_eq(tk_stream_name(q), "queue");
	push_n(q, 1);
	push_n(q, 2);
	tk_stream_free(q);
	/* The queue calls are safe on things that are not queues. */
	ck_assert_int_eq(tk_queue_push(NULL, NULL), -EINVAL);
	ck_assert_uint_eq(tk_queue_len(NULL), 0);
}
END_TEST

static Suite *
queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fifo_then_end);
	tcase_add_loop_test(tc, test_capacity_and_drops, 0,
	    sizeof(caps) / sizeof(caps[0]));
	tcase_add_test(tc, test_wraparound_order);
	tcase_add_test(tc, test_fail_after_drain);
	tcase_add_test(tc, test_start_on_first_poll);
	tcase_add_test(tc, test_start_may_close);
	tcase_add_test(tc, test_wake_once_per_park);
	tcase_add_test(tc, test_fail_wakes_parked);
	tcase_add_test(tc, test_free_with_ticks_and_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(queue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
