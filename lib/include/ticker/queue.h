/* SPDX-License-Identifier: MIT */
#ifndef TICKER_QUEUE_H
#define TICKER_QUEUE_H

/*
 * A queue stream: a bounded FIFO of ticks that a producer pushes into and a
 * consumer pulls from as a stream.  Exchange connections are queue streams
 * fed by the network; tests use them to script PENDING, END and errors.
 * The ring is allocated once at creation; push and next never allocate.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/stream.h>

struct tk_tick;

/*
 * Called once, on the first tk_stream_next(): a source does no work before it
 * is first polled (an upstream connects then).  It may push ticks.
 */
typedef void tk_queue_start_fn(void *ud);

/* @capacity: ticks held at most (rounded up to a power of two, >= 1). */
struct tk_stream *tk_queue_new(const char *name, size_t capacity,
		    tk_queue_start_fn *start, void *ud);

/*
 * Appends a copy of @t and wakes the consumer.  Returns 0, or -ENOBUFS when
 * the queue is full (the tick is dropped and counted), or -EPIPE after
 * close/fail.
 */
int	tk_queue_push(struct tk_stream *q, const struct tk_tick *t);

/* No more ticks: the consumer gets END after the queued ones. */
void	tk_queue_close(struct tk_stream *q);

/* Ends with an error after the queued ticks; reason is copied. */
void	tk_queue_fail(struct tk_stream *q, int err, const char *reason);

size_t		tk_queue_len(const struct tk_stream *q);
uint64_t	tk_queue_dropped(const struct tk_stream *q);
/* True once the consumer has polled it (the start callback ran). */
int		tk_queue_started(const struct tk_stream *q);

#endif
