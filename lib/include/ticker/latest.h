/* SPDX-License-Identifier: MIT */
#ifndef TICKER_LATEST_H
#define TICKER_LATEST_H

/*
 * The latest tick of each (exchange, symbol, type): what a client receives
 * as its snapshot on subscribing.  A fixed-capacity open-addressing table
 * sized from the config; updating it never allocates.  Once full, ticks
 * with a new key are not stored (and counted): keys come only from the
 * configured symbols, so the capacity is known in advance.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/tick.h>

struct tk_latest;

/* Room for @keys distinct keys.  NULL on OOM. */
struct tk_latest *tk_latest_new(size_t keys);
void		 tk_latest_free(struct tk_latest *);	/* NULL ok */

/* Stores a copy of @t as the latest of its key.  -ENOSPC when full. */
int		 tk_latest_put(struct tk_latest *, const struct tk_tick *t);

/* Latest tick for a key, or NULL. */
const struct tk_tick *tk_latest_get(const struct tk_latest *,
		    const char *exchange, const char *symbol,
		    enum tk_tick_type type);

/* Number of keys stored, and the i-th (0 <= i < count) in insertion order. */
size_t		 tk_latest_count(const struct tk_latest *);
const struct tk_tick *tk_latest_at(const struct tk_latest *, size_t i);

/* Forgets every key of @exchange (it was removed from the config). */
void		 tk_latest_drop_exchange(struct tk_latest *, const char *exchange);

#endif
