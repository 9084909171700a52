/* SPDX-License-Identifier: MIT */
#ifndef TICKER_STREAM_H
#define TICKER_STREAM_H

/*
 * The stream: C's asynchronous iterator of ticks.
 *
 * A consumer pulls with tk_stream_next().  The answer is READY (a tick was
 * written to *out), PENDING (nothing now: the stream keeps @waker and calls
 * it once when it may have a tick), END (exhausted, and it keeps answering
 * END) or ERROR (finished with a reason; it keeps answering ERROR).
 *
 * A waker only schedules work (sets a flag, arms a timer); it never calls
 * back into a stream.  A stream does no work before it is first polled.
 *
 * Ownership: whoever created a stream frees it with tk_stream_free(), unless
 * it handed it to a merge (tk_merge_add() takes ownership).  A stream must
 * never be moved in memory once handed out: streams live on the heap.
 */

#include <stddef.h>

struct tk_tick;
struct tk_stream;

enum tk_poll {
	TK_POLL_ERROR = -1,	/* tk_stream_error() and _reason() say why */
	TK_POLL_PENDING = 0,	/* nothing now; the waker will be called */
	TK_POLL_READY = 1,	/* *out filled; call again */
	TK_POLL_END = 2,	/* exhausted; sticky */
};

struct tk_waker {
	void	(*wake)(struct tk_waker *);
};

/* @waker is borrowed until it is called or the stream is freed. */
enum tk_poll	 tk_stream_next(struct tk_stream *, struct tk_tick *out,
		    struct tk_waker *waker);

/*
 * Like Python's anext(it, default): READY with the next tick, or READY with a
 * copy of *@dflt once the stream has ended.  PENDING and ERROR pass through.
 */
enum tk_poll	 tk_stream_next_or(struct tk_stream *, struct tk_tick *out,
		    const struct tk_tick *dflt, struct tk_waker *waker);

/* -errno of a stream that answered ERROR, else 0. */
int		 tk_stream_error(const struct tk_stream *);
/* Human reason of an ERROR ("" otherwise); valid while the stream lives. */
const char	*tk_stream_reason(const struct tk_stream *);
/* The name given at creation (exchange name, "merge", ...). */
const char	*tk_stream_name(const struct tk_stream *);
/* NULL-safe.  Drops a stored waker without calling it. */
void		 tk_stream_free(struct tk_stream *);

/* A finite stream over a copy of @n ticks: yields them in order, then END. */
struct tk_stream *tk_array_stream_new(const char *name,
		    const struct tk_tick *ticks, size_t n);

#endif
