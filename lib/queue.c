/* SPDX-License-Identifier: MIT */
/* The queue stream: a fixed power-of-two ring of ticks, pushed and pulled. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <ticker/queue.h>
#include <ticker/stream_impl.h>
#include <ticker/tick.h>

struct queue {
	struct tk_stream base;
	struct tk_tick	*ring;
	size_t		 mask;		/* capacity - 1 */
	size_t		 head, tail;	/* free-running read/write counts */
	uint64_t	 dropped;
	tk_queue_start_fn *start;
	void		*ud;
	bool		 started;
	bool		 closed;	/* no more pushes */
	bool		 failed;	/* ... and ERROR instead of END */
};

static enum tk_poll queue_next(struct tk_stream *, struct tk_tick *);
static void	queue_free(struct tk_stream *);
static struct queue *to_queue(struct tk_stream *);
static const struct queue *to_cqueue(const struct tk_stream *);

static const struct tk_stream_ops queue_ops = {
	.next = queue_next,
	.free = queue_free,
};

struct tk_stream *
tk_queue_new(const char *name, size_t capacity, tk_queue_start_fn *start,
    void *ud)
{
	struct queue *q;
	size_t cap = 1;

	if (capacity > SIZE_MAX / 2 / sizeof(struct tk_tick))
		return NULL;
	while (cap < capacity)
		cap <<= 1;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	tk_stream_init(&q->base, &queue_ops, name != NULL ? name : "queue");
	q->mask = cap - 1;
	q->start = start;
	q->ud = ud;
	return &q->base;
}

int
tk_queue_push(struct tk_stream *s, const struct tk_tick *t)
{
	struct queue *q = to_queue(s);

	if (q == NULL)
		return -EINVAL;
	if (q->closed)
		return -EPIPE;
	if (q->tail - q->head > q->mask) {
		q->dropped++;
		return -ENOBUFS;
	}
	q->ring[q->tail & q->mask] = *t;
	q->tail++;
	/* No-op unless the consumer is parked on PENDING. */
	tk_stream_wake(s);
	return 0;
}

void
tk_queue_close(struct tk_stream *s)
{
	struct queue *q = to_queue(s);

	if (q == NULL || q->closed)
		return;
	q->closed = true;
	tk_stream_wake(s);
}

void
tk_queue_fail(struct tk_stream *s, int err, const char *reason)
{
	struct queue *q = to_queue(s);

	if (q == NULL || q->closed)
		return;
	q->closed = q->failed = true;
	/* The base shows it only once the consumer gets ERROR. */
	tk_stream_fail(s, err, "%s", reason != NULL ? reason : "");
	tk_stream_wake(s);
}

size_t
tk_queue_len(const struct tk_stream *s)
{
	const struct queue *q = to_cqueue(s);

	return q != NULL ? q->tail - q->head : 0;
}

uint64_t
tk_queue_dropped(const struct tk_stream *s)
{
	const struct queue *q = to_cqueue(s);

	return q != NULL ? q->dropped : 0;
}

int
tk_queue_started(const struct tk_stream *s)
{
	const struct queue *q = to_cqueue(s);

	return q != NULL && q->started;
}

static enum tk_poll
queue_next(struct tk_stream *s, struct tk_tick *out)
{
	struct queue *q = tk_container_of(s, struct queue, base);

	/* Marked first, so tk_queue_started() is already true inside it. */
	if (!q->started) {
		q->started = true;
		if (q->start != NULL)
			q->start(q->ud);
	}
	if (q->head != q->tail) {
		*out = q->ring[q->head & q->mask];
		q->head++;
		return TK_POLL_READY;
	}
	if (q->closed)
		return q->failed ? TK_POLL_ERROR : TK_POLL_END;
	return TK_POLL_PENDING;
}

static void
queue_free(struct tk_stream *s)
{
	struct queue *q = tk_container_of(s, struct queue, base);

	free(q->ring);
	free(q);
}

/*
 * The checked downcast, for the public calls.  The ops callbacks use
 * tk_container_of() directly: only queue_ops calls them, so @s is ours.
 */
static struct queue *
to_queue(struct tk_stream *s)
{
	if (s == NULL || s->ops != &queue_ops)
		return NULL;
	return tk_container_of(s, struct queue, base);
}

static const struct queue *
to_cqueue(const struct tk_stream *s)
{
	if (s == NULL || s->ops != &queue_ops)
		return NULL;
	return (const struct queue *)(const void *)s;
}
