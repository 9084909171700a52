/* SPDX-License-Identifier: MIT */
/* The merge: order, fairness, isolation, add/remove while running, wakes. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/merge.h>
#include <ticker/queue.h>
#include <ticker/stream.h>
#include <ticker/stream_impl.h>
#include <ticker/tick.h>

#include "tk_check.h"

/*
 * check_merge links with -Wl,--wrap=calloc (tests/CMakeLists.txt): every
 * calloc() of the merge comes here, and the next @calloc_fail ones fail.
 */
void	*__real_calloc(size_t n, size_t size);
void	*__wrap_calloc(size_t n, size_t size);

static int calloc_fail;

void *
__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail > 0) {
		calloc_fail--;
		return NULL;
	}
	return __real_calloc(n, size);
}

/* Ticks are told apart by trade_id "<label><n>", e.g. "a0", "b12". */
static struct tk_tick
tick_of(const char *label, unsigned n)
{
	char id[32];

	snprintf(id, sizeof(id), "%s%u", label, n);
	return tk_test_tick("x", id);
}

static struct tk_stream *
array_of(const char *label, unsigned n)
{
	struct tk_tick *t = calloc(n > 0 ? n : 1, sizeof(*t));
	struct tk_stream *s;
	unsigned i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		t[i] = tick_of(label, i);
	s = tk_array_stream_new(label, t, n);
	ck_assert_ptr_nonnull(s);
	free(t);
	return s;
}

static void
push_of(struct tk_stream *q, const char *label, unsigned n)
{
	struct tk_tick t = tick_of(label, n);

	ck_assert_int_eq(tk_queue_push(q, &t), 0);
}

/* Polls until not READY, appending each trade_id and a blank to @buf. */
static enum tk_poll
drain(struct tk_stream *m, struct count_waker *cw, char *buf, size_t cap)
{
	struct tk_tick t;
	enum tk_poll r;
	size_t len;

	while ((r = tk_stream_next(m, &t, &cw->w)) == TK_POLL_READY) {
		len = strlen(buf);
		ck_assert_uint_lt(len + strlen(t.trade_id) + 1, cap);
		snprintf(buf + len, cap - len, "%s ", t.trade_id);
	}
	return r;
}

/*
 * A scripted child, one step per ops->next: R ready, W wake itself and
 * answer PENDING (a yield), E end.
 */
struct script {
	struct tk_stream base;
	const char	*steps;
	size_t		 pos;
	unsigned	 made;
};

static enum tk_poll
script_next(struct tk_stream *s, struct tk_tick *out)
{
	struct script *sc = tk_container_of(s, struct script, base);
	char step = sc->steps[sc->pos];

	ck_assert_msg(step != '\0', "script polled past its end");
	sc->pos++;
	if (step == 'R') {
		*out = tick_of("s", sc->made++);
		return TK_POLL_READY;
	}
	if (step == 'W') {
		tk_stream_wake(s);
		return TK_POLL_PENDING;
	}
	return TK_POLL_END;
}

static int script_frees;	/* script_free() calls */

static void
script_free(struct tk_stream *s)
{
	script_frees++;
	free(tk_container_of(s, struct script, base));
}

static const struct tk_stream_ops script_ops = {
	.next = script_next,
	.free = script_free,
};

static struct tk_stream *
script_new(const char *steps)
{
	struct script *sc = calloc(1, sizeof(*sc));

	ck_assert_ptr_nonnull(sc);
	tk_stream_init(&sc->base, &script_ops, "script");
	sc->steps = steps;
	return &sc->base;
}

/* What on_done saw, and what it should do to the merge while inside. */
struct done_log {
	int		 n;
	char		 name[8][32];
	enum tk_poll	 how[8];
	int		 err[8];
	char		 reason[8][TK_STREAM_REASON_MAX];
	struct tk_stream *merge;
	struct tk_stream *victim;	/* removed and freed on the 1st call */
	struct tk_stream *newcomer;	/* added on the 1st call */
	int		 remove_self_rc;
};

static void
done_record(void *ud, struct tk_stream *child, enum tk_poll how)
{
	struct done_log *d = ud;

	ck_assert_int_lt(d->n, 8);
	snprintf(d->name[d->n], sizeof(d->name[0]), "%s",
	    tk_stream_name(child));
	d->how[d->n] = how;
	d->err[d->n] = tk_stream_error(child);
	snprintf(d->reason[d->n], sizeof(d->reason[0]), "%s",
	    tk_stream_reason(child));
	if (d->n++ > 0)
		return;
	if (d->merge != NULL)
		d->remove_self_rc = tk_merge_remove(d->merge, child);
	if (d->victim != NULL) {
		ck_assert_int_eq(tk_merge_remove(d->merge, d->victim), 0);
		tk_stream_free(d->victim);
		d->victim = NULL;
	}
	if (d->newcomer != NULL) {
		ck_assert_int_eq(tk_merge_add(d->merge, d->newcomer), 0);
		d->newcomer = NULL;
	}
}

START_TEST(test_one_child_in_order)
{
	struct tk_stream *m = tk_merge_new(NULL, 0);
	struct count_waker cw;
	char got[256] = "";

	count_waker_init(&cw);
	ck_assert_str_eq(tk_stream_name(m), "merge");
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 5)), 0);
	ck_assert_uint_eq(tk_merge_count(m), 1);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, "a0 a1 a2 a3 a4 ");
	ck_assert_uint_eq(tk_merge_count(m), 0);
	tk_stream_free(m);
}
END_TEST

/* Round-robin in turns of @batch ticks. */
static const struct {
	unsigned	 batch;
	const char	*want;
} rr[] = {
	{ 1, "a0 b0 c0 a1 b1 c1 a2 b2 a3 b3 a4 " },
	{ 2, "a0 a1 b0 b1 c0 c1 a2 a3 b2 b3 a4 " },
	{ 3, "a0 a1 a2 b0 b1 b2 c0 c1 a3 a4 b3 " },
	{ 64, "a0 a1 a2 a3 a4 b0 b1 b2 b3 c0 c1 " },
};

START_TEST(test_round_robin_batches)
{
	struct tk_stream *m = tk_merge_new("m", rr[_i].batch);
	struct count_waker cw;
	char got[256] = "";

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 5)), 0);
	ck_assert_int_eq(tk_merge_add(m, array_of("b", 4)), 0);
	ck_assert_int_eq(tk_merge_add(m, array_of("c", 2)), 0);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, rr[_i].want);
	ck_assert_stream_end(m, &cw);
	tk_stream_free(m);
}
END_TEST

/* A flooding child never starves a small one, whichever came first. */
static const struct {
	unsigned	 batch;		/* 0: the default, 64 */
	int		 small_first;
} flood[] = {
	{ 0, 0 }, { 0, 1 }, { 1, 0 }, { 4, 0 }, { 16, 1 }, { 16, 0 },
};

START_TEST(test_fairness_under_flood)
{
	unsigned batch = flood[_i].batch != 0 ? flood[_i].batch : 64;
	struct tk_stream *m = tk_merge_new("m", flood[_i].batch);
	unsigned pos, nsmall = 0, nbig = 0;
	struct count_waker cw;
	struct tk_tick t;

	count_waker_init(&cw);
	if (flood[_i].small_first)
		ck_assert_int_eq(tk_merge_add(m, array_of("s", 10)), 0);
	ck_assert_int_eq(tk_merge_add(m, array_of("f", 10000)), 0);
	if (!flood[_i].small_first)
		ck_assert_int_eq(tk_merge_add(m, array_of("s", 10)), 0);
	for (pos = 0; tk_stream_next(m, &t, &cw.w) == TK_POLL_READY; pos++) {
		if (t.trade_id[0] == 'f') {
			nbig++;
			continue;
		}
		/* Item j of the small child waits j/batch+1 turns at most. */
		ck_assert_uint_lt(pos, 2 * batch * (nsmall / batch + 1));
		nsmall++;
	}
	ck_assert_uint_eq(nsmall, 10);
	ck_assert_uint_eq(nbig, 10000);
	ck_assert_stream_end(m, &cw);
	tk_stream_free(m);
}
END_TEST

/*
 * The classic bug: a merge that takes one item per child and never polls it
 * again.  1000 items trickle in, with PENDING in between.
 */
START_TEST(test_drains_trickling_child)
{
	struct tk_stream *m = tk_merge_new("m", 4);
	struct tk_stream *q = tk_queue_new("q", 16, NULL, NULL);
	struct tk_stream *quiet = tk_queue_new("quiet", 4, NULL, NULL);
	unsigned i, got = 0, parks = 0;
	struct count_waker cw;
	struct tk_tick t;
	enum tk_poll r;
	char want[32];

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, q), 0);
	ck_assert_int_eq(tk_merge_add(m, quiet), 0);
	for (i = 0; i < 1000; i++) {
		push_of(q, "q", i);
		if (i % 7 != 6 && i != 999)
			continue;
		if (parks > 0)	/* parked since the last round: woken once */
			ck_assert_int_eq(cw.woken, (int)parks);
		while ((r = tk_stream_next(m, &t, &cw.w)) == TK_POLL_READY) {
			snprintf(want, sizeof(want), "q%u", got++);
			ck_assert_str_eq(t.trade_id, want);
		}
		ck_assert_int_eq(r, TK_POLL_PENDING);
		parks++;
		ck_assert_uint_eq(got, i + 1);
	}
	ck_assert_int_eq(cw.woken, (int)parks - 1);
	tk_queue_close(q);
	tk_queue_close(quiet);
	ck_assert_int_eq(cw.woken, (int)parks);
	ck_assert_stream_end(m, &cw);
	ck_assert_uint_eq(got, 1000);
	tk_stream_free(m);
}
END_TEST

START_TEST(test_error_isolated)
{
	struct tk_stream *m = tk_merge_new("m", 2);
	struct tk_stream *a = tk_queue_new("alpha", 8, NULL, NULL);
	struct tk_stream *b = tk_queue_new("beta", 8, NULL, NULL);
	struct done_log d = { 0 };
	struct count_waker cw;
	char got[256] = "";

	count_waker_init(&cw);
	tk_merge_set_done(m, done_record, &d);
	ck_assert_int_eq(tk_merge_add(m, a), 0);
	ck_assert_int_eq(tk_merge_add(m, b), 0);
	push_of(a, "a", 0);
	push_of(b, "b", 0);
	tk_queue_fail(a, -ECONNRESET, "boom");
	push_of(b, "b", 1);
	push_of(b, "b", 2);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_PENDING);
	ck_assert_str_eq(got, "a0 b0 b1 b2 ");
	ck_assert_int_eq(d.n, 1);
	ck_assert_str_eq(d.name[0], "alpha");
	ck_assert_int_eq(d.how[0], TK_POLL_ERROR);
	ck_assert_int_eq(d.err[0], -ECONNRESET);
	ck_assert_str_eq(d.reason[0], "boom");
	ck_assert_uint_eq(tk_merge_count(m), 1);
	ck_assert_int_eq(tk_stream_error(m), 0);

	/* The survivor keeps yielding; the merge ends when it does. */
	push_of(b, "b", 3);
	tk_queue_close(b);
	got[0] = '\0';
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, "b3 ");
	ck_assert_int_eq(d.n, 2);
	ck_assert_str_eq(d.name[1], "beta");
	ck_assert_int_eq(d.how[1], TK_POLL_END);
	ck_assert_int_eq(d.err[1], 0);
	tk_stream_free(m);
}
END_TEST

START_TEST(test_child_ends_first)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct tk_stream *q = tk_queue_new("q", 8, NULL, NULL);
	struct count_waker cw;
	char got[256] = "";

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, q), 0);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 2)), 0);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_PENDING);
	ck_assert_str_eq(got, "a0 a1 ");
	ck_assert_uint_eq(tk_merge_count(m), 1);
	push_of(q, "q", 0);
	ck_assert_int_eq(cw.woken, 1);
	tk_queue_close(q);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, "a0 a1 q0 ");
	ck_assert_ptr_null(m->waker);
	tk_stream_free(m);
}
END_TEST

START_TEST(test_keep_open)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct count_waker cw;
	char got[256] = "";

	count_waker_init(&cw);
	tk_merge_keep_open(m, 1);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 1)), 0);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_PENDING);
	ck_assert_uint_eq(tk_merge_count(m), 0);
	/* A reload adds a source: the parked consumer is woken. */
	ck_assert_int_eq(tk_merge_add(m, array_of("b", 2)), 0);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_PENDING);
	ck_assert_str_eq(got, "a0 b0 b1 ");
	/* No longer kept open, and nothing left: it ends. */
	tk_merge_keep_open(m, 0);
	ck_assert_int_eq(cw.woken, 2);
	ck_assert_stream_end(m, &cw);
	ck_assert_int_eq(tk_merge_add(m, array_of("c", 1)), -EPIPE);
	ck_assert_uint_eq(tk_merge_count(m), 0);
	tk_stream_free(m);
}
END_TEST

/* Never had children / lost them by removal: not an END (see merge.h). */
START_TEST(test_empty_is_pending_not_end)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct tk_stream *q = tk_queue_new("q", 4, NULL, NULL);
	struct count_waker cw;
	char got[64] = "";

	count_waker_init(&cw);
	ck_assert_stream_pending(m, &cw);
	ck_assert_int_eq(tk_merge_add(m, q), 0);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_stream_pending(m, &cw);
	ck_assert_int_eq(tk_merge_remove(m, q), 0);
	ck_assert_stream_pending(m, &cw);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 1)), 0);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, "a0 ");
	tk_stream_free(q);
	tk_stream_free(m);
}
END_TEST

/* Removing a child in each state it can be in between two polls. */
enum rm_state { RM_QUEUED, RM_PARKED, RM_MID_BATCH, RM_RE_QUEUED };

START_TEST(test_remove_child)
{
	struct tk_stream *m = tk_merge_new("m", 4);
	struct tk_stream *a = tk_queue_new("a", 16, NULL, NULL);
	struct tk_stream *b = tk_queue_new("b", 16, NULL, NULL);
	struct count_waker cw, own;
	char got[256] = "";
	struct tk_tick t;
	unsigned i;

	count_waker_init(&cw);
	count_waker_init(&own);
	ck_assert_int_eq(tk_merge_add(m, a), 0);
	ck_assert_int_eq(tk_merge_add(m, b), 0);
	for (i = 0; i < 6; i++)
		push_of(a, "a", i);
	push_of(b, "b", 0);
	push_of(b, "b", 1);
	switch (_i) {
	case RM_QUEUED:		/* never polled: not started either */
		break;
	case RM_PARKED:
	case RM_RE_QUEUED:
		ck_assert_int_eq(drain(m, &cw, got, sizeof(got)),
		    TK_POLL_PENDING);
		ck_assert_str_eq(got, "a0 a1 a2 a3 b0 b1 a4 a5 ");
		got[0] = '\0';
		if (_i == RM_RE_QUEUED) {
			push_of(a, "a", 6);	/* woken back into the list */
			ck_assert_int_eq(cw.woken, 1);
		}
		break;
	case RM_MID_BATCH:	/* the child being served this turn */
		ck_assert_int_eq(tk_stream_next(m, &t, &cw.w), TK_POLL_READY);
		ck_assert_int_eq(tk_stream_next(m, &t, &cw.w), TK_POLL_READY);
		ck_assert_str_eq(t.trade_id, "a1");
		break;
	}
	ck_assert_int_eq(tk_merge_remove(m, a), 0);
	ck_assert_int_eq(tk_merge_remove(m, a), -ENOENT);
	ck_assert_uint_eq(tk_merge_count(m), 1);
	ck_assert_int_eq(tk_queue_started(a), _i != RM_QUEUED);
	/* The removed child no longer calls into the merge's slot. */
	push_of(a, "a", 100);
	tk_queue_close(a);
	ck_assert_ptr_null(a->waker);
	tk_queue_close(b);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_ptr_null(strchr(got, 'a'));
	ck_assert_str_eq(got, _i == RM_QUEUED || _i == RM_MID_BATCH ?
	    "b0 b1 " : "");
	/* And it is intact for its new owner. */
	ck_assert_int_eq(tk_stream_next(a, &t, &own.w), TK_POLL_READY);
	tk_stream_free(a);
	tk_stream_free(m);
}
END_TEST

START_TEST(test_remove_stranger)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct tk_stream *other = tk_merge_new("other", 0);
	struct tk_stream *s = array_of("s", 1);

	ck_assert_int_eq(tk_merge_add(other, s), 0);
	ck_assert_int_eq(tk_merge_remove(m, s), -ENOENT);
	ck_assert_int_eq(tk_merge_remove(m, NULL), -ENOENT);
	ck_assert_int_eq(tk_merge_remove(s, other), -EINVAL);
	ck_assert_int_eq(tk_merge_add(m, NULL), -EINVAL);
	ck_assert_int_eq(tk_merge_add(m, m), -EINVAL);
	ck_assert_uint_eq(tk_merge_count(other), 1);
	tk_stream_free(m);
	tk_stream_free(other);
}
END_TEST

/* -EINVAL: nothing was done, and the child is still the caller's. */
START_TEST(test_add_einval_keeps_child)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct tk_stream *not_a_merge = array_of("x", 1);
	struct tk_stream *c = script_new("E");

	script_frees = 0;
	ck_assert_int_eq(tk_merge_add(NULL, c), -EINVAL);
	ck_assert_int_eq(tk_merge_add(not_a_merge, c), -EINVAL);
	ck_assert_int_eq(tk_merge_add(m, NULL), -EINVAL);
	ck_assert_int_eq(tk_merge_add(m, m), -EINVAL);
	ck_assert_int_eq(script_frees, 0);
	ck_assert_uint_eq(tk_merge_count(m), 0);
	/* Still ours: the merge takes it now, and frees it with itself. */
	ck_assert_int_eq(tk_merge_add(m, c), 0);
	ck_assert_uint_eq(tk_merge_count(m), 1);
	tk_stream_free(m);
	ck_assert_int_eq(script_frees, 1);
	tk_stream_free(not_a_merge);
}
END_TEST

/* -EPIPE: the merge has ended, so it frees the child it cannot poll. */
START_TEST(test_add_epipe_frees_child)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct count_waker cw;

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 1)), 0);
	ck_assert_stream_next_id(m, &cw, "a0");
	ck_assert_stream_end(m, &cw);
	script_frees = 0;
	ck_assert_int_eq(tk_merge_add(m, script_new("E")), -EPIPE);
	ck_assert_int_eq(script_frees, 1);
	ck_assert_uint_eq(tk_merge_count(m), 0);
	ck_assert_stream_end(m, &cw);
	tk_stream_free(m);
}
END_TEST

/* -ENOMEM: no slot for the child, so it is freed; the merge goes on. */
START_TEST(test_add_enomem_frees_child)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct tk_stream *c = script_new("E");
	struct count_waker cw;
	char got[64] = "";

	count_waker_init(&cw);
	script_frees = 0;
	calloc_fail = 1;
	ck_assert_int_eq(tk_merge_add(m, c), -ENOMEM);
	ck_assert_int_eq(calloc_fail, 0);
	ck_assert_int_eq(script_frees, 1);
	ck_assert_uint_eq(tk_merge_count(m), 0);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 2)), 0);
	ck_assert_int_eq(drain(m, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, "a0 a1 ");
	tk_stream_free(m);
}
END_TEST

/*
 * on_done frees an object from inside the merge's own next(): it removes
 * and frees a queued sibling and adds a newcomer, which must be served.
 */
START_TEST(test_done_removes_and_adds)
{
	struct tk_stream *m = tk_merge_new("m", 1);
	struct tk_stream *b = array_of("b", 3);
	struct done_log d = { 0 };
	struct count_waker cw;
	char got[256] = "";
	enum tk_poll r;

	count_waker_init(&cw);
	d.merge = m;
	d.victim = b;
	d.newcomer = array_of("c", 2);
	d.remove_self_rc = 1;
	tk_merge_set_done(m, done_record, &d);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 1)), 0);
	ck_assert_int_eq(tk_merge_add(m, b), 0);
	/* a0, b0, then a ends: b goes, c comes. */
	r = drain(m, &cw, got, sizeof(got));
	while (r == TK_POLL_PENDING && cw.woken > 0) {
		cw.woken = 0;
		r = drain(m, &cw, got, sizeof(got));
	}
	ck_assert_int_eq(r, TK_POLL_END);
	ck_assert_str_eq(got, "a0 b0 c0 c1 ");
	ck_assert_int_eq(d.n, 2);
	ck_assert_str_eq(d.name[0], "a");
	ck_assert_str_eq(d.name[1], "c");
	/* The finishing child is no longer a child while on_done runs. */
	ck_assert_int_eq(d.remove_self_rc, -ENOENT);
	tk_stream_free(m);
}
END_TEST

/* Children that yield (wake themselves and answer PENDING) are not lost. */
START_TEST(test_self_waking_child)
{
	static const char steps[] = "RWRWWRWE";
	struct tk_stream *m = tk_merge_new("m", 0);
	struct count_waker cw;
	char got[256] = "";
	enum tk_poll r;
	int rounds = 0;

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, script_new(steps)), 0);
	ck_assert_int_eq(tk_merge_add(m, tk_queue_new("idle", 2, NULL, NULL)),
	    0);
	while ((r = drain(m, &cw, got, sizeof(got))) == TK_POLL_PENDING) {
		/* Parked with a ready child: only fine if we were woken. */
		ck_assert_int_eq(cw.woken, 1);
		cw.woken = 0;
		ck_assert_int_lt(++rounds, (int)sizeof(steps));
		if (strcmp(got, "s0 s1 s2 ") == 0)
			break;
	}
	ck_assert_str_eq(got, "s0 s1 s2 ");
	tk_stream_free(m);
}
END_TEST

/* A child that does nothing but yield cannot trap the merge in next(). */
START_TEST(test_yield_forever_is_bounded)
{
	static char steps[2001];
	struct tk_stream *m = tk_merge_new("m", 0);
	struct count_waker cw;
	int calls = 0;

	memset(steps, 'W', sizeof(steps) - 2);
	steps[sizeof(steps) - 2] = 'E';
	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, script_new(steps)), 0);
	for (;;) {
		struct tk_tick t;
		enum tk_poll r = tk_stream_next(m, &t, &cw.w);

		calls++;
		if (r == TK_POLL_END)
			break;
		ck_assert_int_eq(r, TK_POLL_PENDING);
		ck_assert_int_eq(cw.woken, 1);
		cw.woken = 0;
	}
	/* Many short calls, not one endless one. */
	ck_assert_int_gt(calls, 100);
	tk_stream_free(m);
}
END_TEST

struct pusher {
	struct tk_stream *into;
};

static void
pusher_start(void *ud)
{
	struct pusher *p = ud;

	push_of(p->into, "b", 0);
}

/* A sibling is woken while the merge is inside next(): it is served. */
START_TEST(test_wake_during_next)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct tk_stream *b = tk_queue_new("b", 4, NULL, NULL);
	struct pusher p = { .into = b };
	struct count_waker cw;
	char got[64] = "";
	enum tk_poll r;

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, b), 0);
	ck_assert_stream_pending(m, &cw);	/* b is parked */
	ck_assert_int_eq(tk_merge_add(m,
	    tk_queue_new("a", 4, pusher_start, &p)), 0);
	ck_assert_int_eq(cw.woken, 1);
	cw.woken = 0;
	/* a's start pushes into b from inside the merge's next(). */
	r = drain(m, &cw, got, sizeof(got));
	if (r == TK_POLL_PENDING && strcmp(got, "") == 0) {
		ck_assert_int_eq(cw.woken, 1);
		r = drain(m, &cw, got, sizeof(got));
	}
	ck_assert_int_eq(r, TK_POLL_PENDING);
	ck_assert_str_eq(got, "b0 ");
	tk_stream_free(m);
}
END_TEST

START_TEST(test_nested_merge_wakes_through)
{
	struct tk_stream *outer = tk_merge_new("outer", 0);
	struct tk_stream *inner = tk_merge_new("inner", 0);
	struct tk_stream *q = tk_queue_new("q", 4, NULL, NULL);
	struct count_waker cw;
	char got[64] = "";

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(inner, q), 0);
	ck_assert_int_eq(tk_merge_add(outer, inner), 0);
	ck_assert_int_eq(tk_merge_add(outer, array_of("a", 1)), 0);
	ck_assert_int_eq(drain(outer, &cw, got, sizeof(got)), TK_POLL_PENDING);
	push_of(q, "q", 0);
	push_of(q, "q", 1);
	ck_assert_int_eq(cw.woken, 1);
	tk_queue_close(q);
	ck_assert_int_eq(drain(outer, &cw, got, sizeof(got)), TK_POLL_END);
	ck_assert_str_eq(got, "a0 q0 q1 ");
	ck_assert_int_eq(cw.woken, 1);
	tk_stream_free(outer);
}
END_TEST

START_TEST(test_free_with_parked_children)
{
	struct tk_stream *m = tk_merge_new("m", 0);
	struct count_waker cw;
	struct tk_tick t;

	count_waker_init(&cw);
	ck_assert_int_eq(tk_merge_add(m, tk_queue_new("q", 4, NULL, NULL)), 0);
	ck_assert_int_eq(tk_merge_add(m, array_of("a", 3)), 0);
	/* q parks with the slot's waker, a is mid-turn: both freed. */
	ck_assert_int_eq(tk_stream_next(m, &t, &cw.w), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "a0");
	tk_stream_free(m);
	tk_stream_free(NULL);
}
END_TEST

static Suite *
merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_one_child_in_order);
	tcase_add_loop_test(tc, test_round_robin_batches, 0,
	    sizeof(rr) / sizeof(rr[0]));
	tcase_add_loop_test(tc, test_fairness_under_flood, 0,
	    sizeof(flood) / sizeof(flood[0]));
	tcase_add_test(tc, test_drains_trickling_child);
	tcase_add_test(tc, test_error_isolated);
	tcase_add_test(tc, test_child_ends_first);
	tcase_add_test(tc, test_keep_open);
	tcase_add_test(tc, test_empty_is_pending_not_end);
	tcase_add_loop_test(tc, test_remove_child, RM_QUEUED,
	    RM_RE_QUEUED + 1);
	tcase_add_test(tc, test_remove_stranger);
	tcase_add_test(tc, test_add_einval_keeps_child);
	tcase_add_test(tc, test_add_epipe_frees_child);
	tcase_add_test(tc, test_add_enomem_frees_child);
	tcase_add_test(tc, test_done_removes_and_adds);
	tcase_add_test(tc, test_self_waking_child);
	tcase_add_test(tc, test_yield_forever_is_bounded);
	tcase_add_test(tc, test_wake_during_next);
	tcase_add_test(tc, test_nested_merge_wakes_through);
	tcase_add_test(tc, test_free_with_parked_children);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(merge_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
