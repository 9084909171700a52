/* SPDX-License-Identifier: MIT */
#ifndef TICKER_SPSC_H
#define TICKER_SPSC_H

/*
 * A bounded single-producer single-consumer queue of fixed-size items, for
 * handing data from one foreign thread (a NATS delivery thread) to the
 * event loop.  Lock-free on both sides (C11 atomics); memory is allocated
 * once at creation, push and pop never allocate.
 *
 * Exactly one thread may call the producer functions and exactly one the
 * consumer functions (they may be different threads, or the same one).
 *
 * Sleeping and waking are the caller's (an eventfd, a condition): the
 * queue only says when a wake-up is owed.  The consumer, finding the queue
 * empty, calls tk_spsc_park(); if that returns true it may sleep, and the
 * next tk_spsc_push() returns true exactly so that the producer wakes it.
 * No wake-up is lost: either park() sees the new item, or push() sees the
 * parked consumer (both sides use sequentially consistent operations).
 */

#include <stdbool.h>
#include <stddef.h>

struct tk_spsc;

/*
 * @capacity items (rounded up to a power of two) of @item_size bytes each.
 * NULL on OOM or a zero argument.
 */
struct tk_spsc	*tk_spsc_new(size_t capacity, size_t item_size);
void		 tk_spsc_free(struct tk_spsc *);	/* NULL ok */

/* Producer: the slot to fill next, or NULL while the queue is full. */
void	*tk_spsc_slot(struct tk_spsc *);
/*
 * Producer: publishes the slot last returned by tk_spsc_slot().  Returns
 * true if the consumer was parked and must be woken.
 */
bool	 tk_spsc_push(struct tk_spsc *);

/* Consumer: the oldest item (valid until tk_spsc_pop()), or NULL. */
void	*tk_spsc_front(struct tk_spsc *);
/* Consumer: drops the oldest item. */
void	 tk_spsc_pop(struct tk_spsc *);
/*
 * Consumer, on finding the queue empty: true if it may now sleep until
 * woken, false if an item arrived meanwhile (take it first).
 */
bool	 tk_spsc_park(struct tk_spsc *);

/* Items queued; exact from either side's point of view, racy otherwise. */
size_t	 tk_spsc_len(struct tk_spsc *);
size_t	 tk_spsc_capacity(const struct tk_spsc *);

#endif
