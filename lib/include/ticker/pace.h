/* SPDX-License-Identifier: MIT */
#ifndef TICKER_PACE_H
#define TICKER_PACE_H

/*
 * Write coalescing for local clients, as pure functions of the time the
 * caller passes in (µs, any monotonic clock).
 *
 * One write to a client costs a syscall and, over loopback, the reader's
 * TCP input path: several µs whatever it carries, which one 200-byte tick
 * would pay alone.  So each client's writes are paced: with few clients
 * every tick goes out at once; with many, a client is written at most once
 * per gap, and the ticks arriving in between share that write.
 *
 * - The gap grows with the square of the number of clients N: N * N *
 *   @ns_per_client2 ns, and never exceeds @max_us, the most a tick is held
 *   back.  A few clients are barely paced (every write is cheap enough
 *   then); with many, the writes of all of them together stay below
 *   1e9 / (N * @ns_per_client2) per second, fewer the more clients there
 *   are, because each costs the same CPU.
 * - Pacing is a token bucket (GCRA): one write per gap on average, and a
 *   burst of TK_PACE_BURST after a quiet spell, so that a tick arriving a
 *   little early is not held back when the client is not busy.
 * - A client with TK_PACE_BIG messages waiting is written at once: such a
 *   write is already cheap per tick, and waiting would only add latency.
 *   However often that happens, the schedule stays at most a burst ahead,
 *   so the ticks left when the feed slows down wait a gap at most.
 * - The schedule is on a grid of the gap shared by all clients, so that
 *   they fall due together and one loop turn writes them all.
 */

#include <stdint.h>

#define TK_PACE_BURST	4	/* writes allowed back to back after a lull */
#define TK_PACE_BIG	32	/* messages waiting: written at once */

/* One client's schedule; zeroed means "never written". */
struct tk_pace {
	int64_t		 tat;	/* when the next write would be on schedule */
};

/*
 * The longest one client's ticks may be held back: its own @client_us
 * (a latency class it asked for; negative: none), else the daemon's
 * @default_us.  0 when @default_us is 0: nothing is ever held back then,
 * as there is no timer to write held ticks later.
 */
int64_t	tk_pace_cap(int64_t default_us, int64_t client_us);

/* The gap between two writes to one client; 0 when @max_us is 0. */
int64_t	tk_pace_gap(unsigned clients, int64_t ns_per_client2,
	    int64_t max_us);

/* The earliest time a write to @p may happen (with the burst allowance). */
int64_t	tk_pace_due(const struct tk_pace *p, int64_t gap);

/* Whether @p may be written at @now with @waiting messages pending. */
int	tk_pace_may_write(const struct tk_pace *p, int64_t gap, int64_t now,
	    uint64_t waiting);

/* A write to @p happened at @now. */
void	tk_pace_wrote(struct tk_pace *p, int64_t gap, int64_t now);

/*
 * Input moderation: while no client can be written before @first_due,
 * reading new ticks only wakes the loop for nothing.  Returns until when
 * reading may wait: @first_due, but no later than the client with the
 * most messages @waiting has TK_PACE_BIG at @rate (messages per µs; 0 if
 * unknown), or @max_us from @now; 0 (read at once) when that is less
 * than @min_us away.  @max_us is the least cap (tk_pace_cap()) of the
 * clients: a held frame's recv_ts is late by as much, so a client that
 * asked for 0 keeps the input from ever being held.
 */
int64_t	tk_pace_quiet_until(int64_t now, int64_t first_due, uint64_t waiting,
	    double rate, int64_t max_us, int64_t min_us);

#endif
