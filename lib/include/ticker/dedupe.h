/* SPDX-License-Identifier: MIT */
#ifndef TICKER_DEDUPE_H
#define TICKER_DEDUPE_H

/*
 * Remembers the last N trades (by symbol and trade id) so that a trade
 * seen twice is published once: across the overlap of a make-before-break
 * rotation both connections deliver the same trades, and some exchanges
 * replay the last trade after every subscribe.  Fixed memory, no
 * allocation after creation, O(1) per check.
 */

#include <stddef.h>
#include <stdint.h>

struct tk_dedupe;

/* Remembers up to @capacity trades (the oldest is forgotten first). */
struct tk_dedupe *tk_dedupe_new(size_t capacity);
void		 tk_dedupe_free(struct tk_dedupe *);	/* NULL ok */

/*
 * Returns 1 if (@symbol, @trade_id) was seen among the remembered trades,
 * else remembers it and returns 0.  An empty trade id is never a duplicate.
 */
int	tk_dedupe_seen(struct tk_dedupe *, const char *symbol,
	    const char *trade_id);

#endif
