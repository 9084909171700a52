/* SPDX-License-Identifier: MIT */
#ifndef TICKER_SIM_H
#define TICKER_SIM_H

/*
 * The sim source: a random walk per symbol at a given rate, trades,
 * quotes and funding (of any symbol: it is a simulation), no network.  It is a stream; time comes from the caller so it
 * stays pure and testable.  When nothing is due, next() answers PENDING and
 * the caller, who owns the timers, arms one for tk_sim_next_due() and calls
 * tk_sim_tick() when it fires (that wakes the consumer).
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/stream.h>

typedef int64_t tk_clock_fn(void *ud);	/* µs since the Unix epoch */

struct tk_sim_conf {
	const char	*exchange;	/* name put in ticks */
	const char *const *symbols;	/* unified BASE-QUOTE */
	size_t		 nsymbols;
	double		 rate;		/* ticks per second, all symbols */
	unsigned	 types;		/* TK_TYPE_BIT set of TK_TYPES_FEED */
	uint64_t	 seed;		/* same seed, same walk */
	tk_clock_fn	*clock;
	void		*clock_ud;
};

/* Copies what it needs from @conf.  NULL on bad conf or OOM. */
struct tk_stream *tk_sim_new(const struct tk_sim_conf *conf);

/* µs time at which the next tick is due; 0 before the first poll. */
int64_t	tk_sim_next_due(const struct tk_stream *sim);

/* The caller's timer fired: wakes the consumer if a tick is now due. */
void	tk_sim_tick(struct tk_stream *sim);

#endif
