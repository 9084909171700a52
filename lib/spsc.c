/* SPDX-License-Identifier: MIT */
/*
 * Lamport's ring with free-running indexes: the producer owns tail, the
 * consumer head; each reads the other's index only when its cached copy
 * says the ring is full (or empty).  The indexes live on separate cache
 * lines so that the two threads do not bounce one line between them.
 */

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/spsc.h>

#define LINE	64

struct tk_spsc {
	_Alignas(LINE) atomic_size_t head;	/* consumer: next to read */
	size_t		 tail_cache;		/* consumer's view of tail */
	_Alignas(LINE) atomic_size_t tail;	/* producer: next to write */
	size_t		 head_cache;		/* producer's view of head */
	_Alignas(LINE) atomic_int parked;	/* the consumer waits */
	size_t		 mask;
	size_t		 item;			/* bytes per item */
	unsigned char	*ring;
};

struct tk_spsc *
tk_spsc_new(size_t capacity, size_t item_size)
{
	struct tk_spsc *q;
	size_t cap = 1, size;

	if (capacity == 0 || item_size == 0 || capacity > SIZE_MAX / 4 ||
	    item_size > SIZE_MAX / 2 / capacity)
		return NULL;
	while (cap < capacity)
		cap <<= 1;
	/* aligned_alloc wants a multiple of the alignment */
	size = (sizeof(*q) + LINE - 1) / LINE * LINE;
	q = aligned_alloc(LINE, size);
	if (q == NULL)
		return NULL;
	memset(q, 0, size);
	q->ring = calloc(cap, item_size);
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->parked, 0);
	q->mask = cap - 1;
	q->item = item_size;
	return q;
}

void
tk_spsc_free(struct tk_spsc *q)
{
	if (q == NULL)
		return;
	free(q->ring);
	free(q);
}

void *
tk_spsc_slot(struct tk_spsc *q)
{
	size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);

	if (t - q->head_cache > q->mask) {
		q->head_cache = atomic_load_explicit(&q->head,
		    memory_order_acquire);
		if (t - q->head_cache > q->mask)
			return NULL;
	}
	return q->ring + (t & q->mask) * q->item;
}

bool
tk_spsc_push(struct tk_spsc *q)
{
	size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);

	/* seq_cst store, then seq_cst load: pairs with tk_spsc_park() */
	atomic_store(&q->tail, t + 1);
	if (atomic_load(&q->parked) == 0)
		return false;
	return atomic_exchange(&q->parked, 0) != 0;
}

void *
tk_spsc_front(struct tk_spsc *q)
{
	size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (h == q->tail_cache) {
		q->tail_cache = atomic_load_explicit(&q->tail,
		    memory_order_acquire);
		if (h == q->tail_cache)
			return NULL;
	}
	return q->ring + (h & q->mask) * q->item;
}

void
tk_spsc_pop(struct tk_spsc *q)
{
	size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);

	/* release: the producer may reuse the slot only after we read it */
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
}

bool
tk_spsc_park(struct tk_spsc *q)
{
	size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);

	atomic_store(&q->parked, 1);
	if (atomic_load(&q->tail) == h)
		return true;
	/* an item came: not parked after all (a wake may still come) */
	atomic_store(&q->parked, 0);
	return false;
}

size_t
tk_spsc_len(struct tk_spsc *q)
{
	return atomic_load(&q->tail) - atomic_load(&q->head);
}

size_t
tk_spsc_capacity(const struct tk_spsc *q)
{
	return q->mask + 1;
}
