/* SPDX-License-Identifier: MIT */
#ifndef TICKER_BACKOFF_H
#define TICKER_BACKOFF_H

/*
 * Reconnect delays: capped exponential backoff with full jitter, as a pure
 * function of the attempt number and a random value the caller supplies.
 * Delay for attempt n (0-based) is min_ms + rnd % (min(cap_ms, base_ms*2^n)+1).
 */

#include <stdint.h>

struct tk_backoff {
	uint32_t	 min_ms;	/* floor added to every delay */
	uint32_t	 base_ms;	/* window of the first retry */
	uint32_t	 cap_ms;	/* largest window */
	uint32_t	 attempt;	/* retries since the last reset */
};

/* Delay before the next attempt; advances the attempt counter. */
uint32_t	tk_backoff_next(struct tk_backoff *, uint64_t rnd);
/* A connection proved stable: start again from the first window. */
void		tk_backoff_reset(struct tk_backoff *);

/* A small fast PRNG (xorshift64*); never returns the same state for seed 0. */
uint64_t	tk_rand_next(uint64_t *state);

#endif
