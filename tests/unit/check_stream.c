/* SPDX-License-Identifier: MIT */
/* The stream base: sticky END/ERROR, waker bookkeeping, next_or, arrays. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/stream.h>
#include <ticker/stream_impl.h>
#include <ticker/tick.h>

#include "tk_check.h"

/*
 * A scripted stream, one step per ops->next call:
 * R ready, P pending, W wake itself then pending (a yield), Q wake itself
 * then ready, E end, X error, Z error without a reason, B a result outside
 * enum tk_poll.
 */
struct script {
	struct tk_stream base;
	const char	*steps;
	size_t		 pos;
	int		 calls;		/* ops->next calls */
	int		*freed;
};

static enum tk_poll
script_next(struct tk_stream *s, struct tk_tick *out)
{
	struct script *sc = tk_container_of(s, struct script, base);
	char id[16];
	char step;

	sc->calls++;
	step = sc->steps[sc->pos];
	if (step == '\0')
		ck_abort_msg("script %s polled past its end", sc->steps);
	sc->pos++;
	switch (step) {
	case 'Q':
		tk_stream_wake(s);
		/* FALLTHROUGH */
	case 'R':
		snprintf(id, sizeof(id), "%zu", sc->pos);
		*out = tk_test_tick("script", id);
		return TK_POLL_READY;
	case 'W':
		tk_stream_wake(s);
		return TK_POLL_PENDING;
	case 'P':
		return TK_POLL_PENDING;
	case 'E':
		return TK_POLL_END;
	case 'X':
		tk_stream_fail(s, -ECONNRESET, "%s: peer reset", s->name);
		return TK_POLL_ERROR;
	case 'Z':
		return TK_POLL_ERROR;
	default:
		return (enum tk_poll)7;
	}
}

static void
script_free(struct tk_stream *s)
{
	struct script *sc = tk_container_of(s, struct script, base);

	if (sc->freed != NULL)
		(*sc->freed)++;
	free(sc);
}

static const struct tk_stream_ops script_ops = {
	.next = script_next,
	.free = script_free,
};

static struct script *
script_new(const char *name, const char *steps)
{
	struct script *sc = calloc(1, sizeof(*sc));

	ck_assert_ptr_nonnull(sc);
	tk_stream_init(&sc->base, &script_ops, name);
	sc->steps = steps;
	return sc;
}

static struct tk_tick
tick_n(int i)
{
	char id[16];

	snprintf(id, sizeof(id), "%d", i);
	return tk_test_tick("arr", id);
}

START_TEST(test_array_order_then_end)
{
	struct tk_tick ticks[5];
	struct count_waker cw;
	struct tk_stream *s;
	int i;

	for (i = 0; i < 5; i++)
		ticks[i] = tick_n(i);
	s = tk_array_stream_new("arr", ticks, 5);
	ck_assert_ptr_nonnull(s);
	/* The array was copied: changing ours changes nothing. */
	ticks[0] = tick_n(99);
	count_waker_init(&cw);
	ck_assert_stream_next_id(s, &cw, "0");
	ck_assert_stream_next_id(s, &cw, "1");
	ck_assert_stream_next_id(s, &cw, "2");
	ck_assert_stream_next_id(s, &cw, "3");
	ck_assert_stream_next_id(s, &cw, "4");
	ck_assert_stream_end(s, &cw);
	ck_assert_stream_end(s, &cw);
	ck_assert_int_eq(cw.woken, 0);
	ck_assert_int_eq(tk_stream_error(s), 0);
	ck_assert_str_eq(tk_stream_name(s), "arr");
	tk_stream_free(s);
}
END_TEST

START_TEST(test_array_empty_and_default_name)
{
	struct count_waker cw;
	struct tk_stream *s;

	s = tk_array_stream_new(NULL, NULL, 0);
	ck_assert_ptr_nonnull(s);
	count_waker_init(&cw);
	ck_assert_str_eq(tk_stream_name(s), "array");
	ck_assert_stream_end(s, &cw);
	tk_stream_free(s);
}
END_TEST

/* END and ERROR are sticky, answered by the base without calling next. */
static const struct {
	const char	*steps;
	enum tk_poll	 last;
	int		 error;
	const char	*reason;
} sticky[] = {
	{ "E", TK_POLL_END, 0, "" },
	{ "RE", TK_POLL_END, 0, "" },
	{ "X", TK_POLL_ERROR, -ECONNRESET, "up: peer reset" },
	{ "RPX", TK_POLL_ERROR, -ECONNRESET, "up: peer reset" },
	{ "B", TK_POLL_ERROR, -EPROTO, "up: bad poll result 7" },
};

START_TEST(test_finish_is_sticky)
{
	struct script *sc = script_new("up", sticky[_i].steps);
	size_t n = strlen(sticky[_i].steps);
	struct count_waker cw;
	struct tk_tick t;
	enum tk_poll r = TK_POLL_READY;
	int i;

	count_waker_init(&cw);
	for (i = 0; i < (int)n; i++) {
		ck_assert_int_eq(tk_stream_error(&sc->base), 0);
		ck_assert_str_eq(tk_stream_reason(&sc->base), "");
		r = tk_stream_next(&sc->base, &t, &cw.w);
	}
	ck_assert_int_eq(r, sticky[_i].last);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(tk_stream_next(&sc->base, &t, &cw.w),
		    sticky[_i].last);
	ck_assert_int_eq(sc->calls, (int)n);
	ck_assert_int_eq(tk_stream_error(&sc->base), sticky[_i].error);
	ck_assert_str_eq(tk_stream_reason(&sc->base), sticky[_i].reason);
	ck_assert_ptr_null(sc->base.waker);
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_error_without_reason_is_eio)
{
	struct script *sc = script_new("up", "Z");
	struct count_waker cw;
	struct tk_tick t;

	/* An impl that returns ERROR without tk_stream_fail(). */
	count_waker_init(&cw);
	ck_assert_int_eq(tk_stream_next(&sc->base, &t, &cw.w), TK_POLL_ERROR);
	ck_assert_int_eq(tk_stream_error(&sc->base), -EIO);
	ck_assert_str_eq(tk_stream_reason(&sc->base), "up failed");
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_waker_once_per_park)
{
	struct script *sc = script_new("up", "PRPPE");
	struct count_waker cw;
	struct tk_tick t;

	count_waker_init(&cw);
	ck_assert_stream_pending(&sc->base, &cw);
	ck_assert_ptr_eq(sc->base.waker, &cw.w);
	tk_stream_wake(&sc->base);
	tk_stream_wake(&sc->base);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_ptr_null(sc->base.waker);
	ck_assert_stream_next_id(&sc->base, &cw, "2");
	tk_stream_wake(&sc->base);	/* not parked: nobody to wake */
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_stream_pending(&sc->base, &cw);
	tk_stream_wake(&sc->base);
	ck_assert_int_eq(cw.woken, 2);
	ck_assert_stream_pending(&sc->base, &cw);
	tk_stream_wake(&sc->base);
	tk_stream_wake(&sc->base);
	ck_assert_int_eq(cw.woken, 3);
	ck_assert_int_eq(tk_stream_next(&sc->base, &t, &cw.w), TK_POLL_END);
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_no_waker_after_end)
{
	struct script *sc = script_new("up", "PE");
	struct count_waker a, b;

	count_waker_init(&a);
	count_waker_init(&b);
	ck_assert_stream_pending(&sc->base, &a);
	/* A spurious poll with another waker finds the end. */
	ck_assert_stream_end(&sc->base, &b);
	ck_assert_ptr_null(sc->base.waker);
	tk_stream_wake(&sc->base);
	ck_assert_int_eq(a.woken, 0);
	ck_assert_int_eq(b.woken, 0);
	ck_assert_stream_end(&sc->base, &b);
	ck_assert_ptr_null(sc->base.waker);
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_last_waker_wins)
{
	struct script *sc = script_new("up", "PP");
	struct count_waker a, b;

	count_waker_init(&a);
	count_waker_init(&b);
	ck_assert_stream_pending(&sc->base, &a);
	ck_assert_stream_pending(&sc->base, &b);
	tk_stream_wake(&sc->base);
	ck_assert_int_eq(a.woken, 0);
	ck_assert_int_eq(b.woken, 1);
	tk_stream_free(&sc->base);
}
END_TEST

/* A stream that wakes itself inside next() and parks must not be lost. */
START_TEST(test_wake_inside_next_pending)
{
	struct script *sc = script_new("up", "WRE");
	struct count_waker cw;

	count_waker_init(&cw);
	ck_assert_stream_pending(&sc->base, &cw);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_ptr_null(sc->base.waker);
	tk_stream_wake(&sc->base);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_stream_next_id(&sc->base, &cw, "2");
	ck_assert_stream_end(&sc->base, &cw);
	tk_stream_free(&sc->base);
}
END_TEST

/* ... but one that wakes itself and answers READY wakes nobody. */
START_TEST(test_wake_inside_next_ready)
{
	struct script *sc = script_new("up", "QP");
	struct count_waker cw;

	count_waker_init(&cw);
	ck_assert_stream_next_id(&sc->base, &cw, "1");
	ck_assert_int_eq(cw.woken, 0);
	ck_assert_stream_pending(&sc->base, &cw);
	ck_assert_int_eq(cw.woken, 0);
	ck_assert_ptr_eq(sc->base.waker, &cw.w);
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_next_or_default)
{
	struct tk_tick one = tick_n(1), dflt = tk_test_tick("none", "dflt");
	struct count_waker cw;
	struct tk_stream *s;
	struct script *sc;
	struct tk_tick t;
	int i;

	count_waker_init(&cw);
	s = tk_array_stream_new("arr", &one, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tk_stream_next_or(s, &t, &dflt, &cw.w),
	    TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "1");
	for (i = 0; i < 2; i++) {
		memset(&t, 0, sizeof(t));
		ck_assert_int_eq(tk_stream_next_or(s, &t, &dflt, &cw.w),
		    TK_POLL_READY);
		ck_assert_str_eq(t.trade_id, "dflt");
		ck_assert_str_eq(t.exchange, "none");
	}
	tk_stream_free(s);

	/* PENDING and ERROR pass through untouched. */
	sc = script_new("up", "PX");
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(tk_stream_next_or(&sc->base, &t, &dflt, &cw.w),
	    TK_POLL_PENDING);
	ck_assert_int_eq(tk_stream_next_or(&sc->base, &t, &dflt, &cw.w),
	    TK_POLL_ERROR);
	ck_assert_str_eq(t.trade_id, "");
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_fail_reason_truncated)
{
	struct script *sc = script_new("up", "X");
	char big[400];
	const char *r;
	size_t n;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tk_stream_fail(&sc->base, ETIMEDOUT, "%s", big);
	sc->base.state = TK_POLL_ERROR;
	ck_assert_int_eq(tk_stream_error(&sc->base), -ETIMEDOUT);
	ck_assert_uint_eq(strlen(tk_stream_reason(&sc->base)),
	    TK_STREAM_REASON_MAX - 1);

	/* 80 two-byte characters do not fit: no half character is kept. */
	big[0] = '\0';
	for (n = 0; n < 80; n++)
		strcat(big, "\xc3\xa9");
	tk_stream_fail(&sc->base, -EINVAL, "%s", big);
	r = tk_stream_reason(&sc->base);
	n = strlen(r);
	ck_assert_uint_eq(n, TK_STREAM_REASON_MAX - 2);
	ck_assert_int_eq((unsigned char)r[n - 2], 0xc3);
	ck_assert_int_eq((unsigned char)r[n - 1], 0xa9);
	ck_assert_int_eq(tk_stream_error(&sc->base), -EINVAL);

	/* Zero is no error code: it must still read as a failure. */
	tk_stream_fail(&sc->base, 0, "why");
	ck_assert_int_lt(tk_stream_error(&sc->base), 0);
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_name_truncated)
{
	struct script *sc;
	char name[64];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	sc = script_new(name, "E");
	ck_assert_uint_eq(strlen(tk_stream_name(&sc->base)),
	    sizeof(sc->base.name) - 1);
	ck_assert_int_eq(strncmp(tk_stream_name(&sc->base), name,
	    sizeof(sc->base.name) - 1), 0);
	tk_stream_free(&sc->base);
}
END_TEST

START_TEST(test_free_null_and_once)
{
	struct script *sc = script_new("up", "P");
	struct count_waker cw;
	int freed = 0;

	tk_stream_free(NULL);
	count_waker_init(&cw);
	sc->freed = &freed;
	ck_assert_stream_pending(&sc->base, &cw);
	tk_stream_free(&sc->base);
	ck_assert_int_eq(freed, 1);
	/* The stored waker was dropped, not called. */
	ck_assert_int_eq(cw.woken, 0);
}
END_TEST

static Suite *
stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_array_order_then_end);
	tcase_add_test(tc, test_array_empty_and_default_name);
	tcase_add_loop_test(tc, test_finish_is_sticky, 0,
	    sizeof(sticky) / sizeof(sticky[0]));
	tcase_add_test(tc, test_error_without_reason_is_eio);
	tcase_add_test(tc, test_waker_once_per_park);
	tcase_add_test(tc, test_no_waker_after_end);
	tcase_add_test(tc, test_last_waker_wins);
	tcase_add_test(tc, test_wake_inside_next_pending);
	tcase_add_test(tc, test_wake_inside_next_ready);
	tcase_add_test(tc, test_next_or_default);
	tcase_add_test(tc, test_fail_reason_truncated);
	tcase_add_test(tc, test_name_truncated);
	tcase_add_test(tc, test_free_null_and_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(stream_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
