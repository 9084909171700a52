/* SPDX-License-Identifier: MIT */
#ifndef TICKER_REPLAY_H
#define TICKER_REPLAY_H

/*
 * The replay source: plays back a recording (see record.h) as a stream.
 * Each line's frame goes through the adapter it was recorded with, under
 * the exchange name it was recorded with, so replayed ticks are exactly the
 * ones tickerd made live, recv_ts included.  Only the configured symbols
 * yield ticks.
 *
 * Pacing works like the sim source: time comes from the caller's clock.
 * A tick recorded at t is due at start + (t - t0) / speed, where t0 is the
 * first record's time and start the clock at the first poll.  When the next
 * tick is not yet due, next() answers PENDING and the caller, who owns the
 * timers, arms one for tk_replay_next_due() and calls tk_replay_tick() when
 * it fires.
 *
 * The file is read in chunks of at most TK_REPLAY_CHUNK bytes, one read and
 * about one chunk of lines per next() at most, so a large recording played
 * at speed 0 never stalls the event loop: when a call has done its share
 * without finding a tick, it answers PENDING and wakes its consumer at once.
 *
 * Bad lines (not a record, longer than TK_RECORD_LINE_MAX, an adapter that
 * is unknown or has no codec) and frames their adapter finds MALFORMED are
 * counted and skipped, never fatal.  A read error ends the stream with
 * ERROR.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ticker/adapter.h>
#include <ticker/sim.h>
#include <ticker/stream.h>

#define TK_REPLAY_CHUNK		(64 * 1024)	/* bytes read per next() */
#define TK_REPLAY_SPEED_MAX	1000.0
#define TK_REPLAY_FRAME_TICKS	4096	/* ticks kept from one frame */
#define TK_REPLAY_LOOP_GAP_US	1000000	/* recorded time between passes */
#define TK_REPLAY_SOURCES	64	/* (exchange, adapter) pairs */
#define TK_REPLAY_REASON_MAX	192

struct tk_replay_conf {
	const char	*name;		/* stream name; "replay" if NULL */
	const char	*path;		/* the recording */
	const char *const *symbols;	/* unified BASE-QUOTE */
	size_t		 nsymbols;
	unsigned	 types;		/* TK_TYPE_BIT set */
	double		 speed;		/* 1 recorded pace, 2 twice as fast,
					   0 as fast as the consumer pulls */
	bool		 loop;		/* start over at the end */
	tk_clock_fn	*clock;
	void		*clock_ud;
	/* Where the adapter names of lines are looked up, NULL-terminated;
	   NULL: the built-in table (tk_adapter_find()). */
	const struct tk_adapter *const *adapters;
	char		*err;		/* out: why tk_replay_new() failed */
	size_t		 errlen;
};

struct tk_replay_stats {
	uint64_t	 lines;		/* non-blank lines read, good or bad */
	uint64_t	 frames;	/* records handed to their adapter */
	uint64_t	 ticks;		/* ticks yielded */
	uint64_t	 bad_lines;	/* not a record, too long, no adapter */
	uint64_t	 bad_frames;	/* MALFORMED for their adapter */
	uint64_t	 dropped;	/* past TK_REPLAY_FRAME_TICKS a frame */
	uint64_t	 passes;	/* times the end was reached */
	/* "line N: why" for the latest bad line or frame, or "". */
	char		 last_bad[TK_REPLAY_REASON_MAX];
};

/*
 * Opens @conf->path (so that a missing file is reported now) and copies
 * what it needs from @conf; reading starts at the first poll.  Returns
 * NULL on a bad conf, an unreadable or non-regular file, or OOM, with a
 * one-line message in @conf->err.
 *
 * In loop mode the recording starts over at its end, TK_REPLAY_LOOP_GAP_US
 * of recorded time after its last record, so that due times keep growing;
 * the ticks themselves repeat unchanged (recorded ts and recv_ts).  A pass
 * that yields no tick at all ends the stream instead of looping idly.
 */
struct tk_stream *tk_replay_new(const struct tk_replay_conf *conf);

/*
 * µs time at which the next tick is due: 0 when the stream has none
 * waiting (before the first poll, or while it works through the file and
 * wakes itself), INT64_MAX once it has ended.
 */
int64_t	tk_replay_next_due(const struct tk_stream *replay);

/* The caller's timer fired: wakes the consumer if a tick is now due. */
void	tk_replay_tick(struct tk_stream *replay);

/* Copies the counters.  Returns 0, or -EINVAL if @s is not a replay. */
int	tk_replay_stats(const struct tk_stream *replay,
	    struct tk_replay_stats *out);

#endif
