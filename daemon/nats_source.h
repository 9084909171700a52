/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NATS_SOURCE_H
#define TICKERD_NATS_SOURCE_H

/*
 * The NATS source (an exchange entry with "adapter":"nats"): an edge host
 * reads, from a JetStream stream, what ingest hosts published, as one more
 * stream in the merge.  Its clients see the original exchange names and
 * statuses, and the edge's own seq.
 *
 * It starts at "now" plus a snapshot: the stream's last message of every
 * subject it wants (js_GetLastMsg), oldest first, then everything after
 * through an ordered consumer that starts right after the snapshot.  The
 * consumer keeps the last stream sequence delivered and, after a lost
 * connection or a failed NATS node, starts again right after it: nothing
 * lost, nothing twice, while the stream holds it.  A message the stream no
 * longer holds shows as a jump in the sequence, and a status of this
 * source says how many were missed.  A stream deleted and created again
 * numbers its messages from 1: the control thread compares the stream's
 * creation time every 2 s, and when it changed the source reads the new
 * stream from its first message, after a status that says so.
 *
 * The loop reads the socket itself (nats_loop.h) and takes the consumer's
 * messages from a synchronous subscription, so no thread stands between
 * the socket and the merge; the loop stays the only place that publishes.
 * What it has not taken yet waits in nats.c's queue (bounded), and
 * JetStream's flow control holds the rest on the server.  The snapshot,
 * read by a control thread, crosses through an SPSC ring, and the
 * thread's wake-ups through nats_loop_poke().
 */

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include <ticker/state.h>

struct tickerd;
struct tk_exchange_conf;
struct tk_stream;
struct nats_source;

/*
 * Starts reading as @conf says (copied).  *@stream goes to the merge,
 * which owns it.  NULL with the reason logged.
 */
struct nats_source *nats_source_new(struct tickerd *td,
		    const struct tk_exchange_conf *conf,
		    struct tk_stream **stream);
/* Stops reading (waits for nats.c's threads to let go) and frees. */
void		 nats_source_free(struct nats_source *);	/* NULL ok */

/*
 * Input moderation (pump.h): while @hold, the socket is not polled, as an
 * exchange's is not; a wake-up that comes anyway (the snapshot) is
 * remembered and passed on when the hold ends.
 */
void		 nats_source_hold(struct nats_source *, int hold);

/* The pump, between the steps of a flush: take what is queued now. */
void		 nats_source_read_ready(struct nats_source *);
/* Its socket as a pollfd for input (see nats_loop_rx_fd()): 1 or 0. */
size_t		 nats_source_rx_fd(const struct nats_source *,
		    struct lws_pollfd *fd);

/* What clients were last told about this source. */
enum tk_state	 nats_source_state(const struct nats_source *);

/*
 * When the last tick went into the merge (realtime µs; 0: none yet):
 * heartbeats and statuses do not count.
 */
int64_t		 nats_source_last_data_us(const struct nats_source *);

struct nats_source_stats {
	const char	*state;		/* the NATS connection */
	uint64_t	 received;	/* messages from the stream */
	uint64_t	 delivered;	/* ticks into the merge */
	uint64_t	 snapshot;	/* of those, from the start snapshot */
	uint64_t	 missed;	/* no longer in the stream */
	uint64_t	 parse_errors;
	uint64_t	 filtered;	/* symbols and types not configured */
	uint64_t	 stale_quotes;	/* older than one already delivered */
	uint64_t	 wakeups;	/* of the loop, for ticks */
	uint64_t	 reconnects;
	uint64_t	 sequence;	/* last stream sequence delivered */
	uint64_t	 lag;		/* stream messages after it */
};

void	nats_source_get_stats(const struct nats_source *,
	    struct nats_source_stats *);

/*
 * The exchanges behind this source that reported a status, for /health:
 * the @i-th name and its state as clients were told it (its ingest host's
 * last, or the source's own while that is not connected); -ENOENT past the
 * end.
 */
int	nats_source_origin(const struct nats_source *, size_t i,
	    const char **name, enum tk_state *state);

#endif
