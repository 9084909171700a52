/* SPDX-License-Identifier: MIT */
#ifndef TICKER_STREAM_IMPL_H
#define TICKER_STREAM_IMPL_H

/*
 * For implementers of streams only.  Embed struct tk_stream as the first
 * member of your struct and give it a const ops table.
 */

#include <stddef.h>

#include <ticker/stream.h>

#define tk_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct tk_stream_ops {
	/*
	 * Called only while the stream is live (never after END or ERROR:
	 * the base answers those itself).  To finish with an error, call
	 * tk_stream_fail() and return TK_POLL_ERROR.
	 */
	enum tk_poll	(*next)(struct tk_stream *, struct tk_tick *out);
	/* Frees the implementation; the base part needs no cleanup. */
	void		(*free)(struct tk_stream *);
};

#define TK_STREAM_REASON_MAX 160

struct tk_stream {
	const struct tk_stream_ops *ops;
	struct tk_waker	*waker;		/* stored on PENDING, cleared on wake */
	char		 name[32];
	int		 state;		/* 0 live, else TK_POLL_END/ERROR */
	int		 error;		/* -errno */
	char		 reason[TK_STREAM_REASON_MAX];
};

/* @name is copied (truncated to fit). */
void	tk_stream_init(struct tk_stream *, const struct tk_stream_ops *,
	    const char *name);
/*
 * Producer side: calls the stored waker once (if any) and forgets it.
 * Called from inside ops->next (a start callback pushing, a stream yielding)
 * it is remembered: if next() then answers PENDING, the consumer's waker is
 * called at once instead of being stored.
 */
void	tk_stream_wake(struct tk_stream *);
/* Records an error (printf-style reason); the caller returns TK_POLL_ERROR. */
void	tk_stream_fail(struct tk_stream *, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
