/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NATS_SINK_H
#define TICKERD_NATS_SINK_H

/*
 * The NATS sink (publish.nats): every message the merge yields, and every
 * status, also goes to a JetStream stream, for edge hosts to read.
 *
 * The loop only copies each message into a bounded queue (an SPSC ring)
 * and, when the sink's thread sleeps, writes an eventfd: no formatting,
 * no lock, no system call per tick, and never a wait.  A full queue drops
 * the message and counts it.  The sink's thread formats the subject, body
 * and Nats-Msg-Id (ticker/nats.h), publishes asynchronously with at most
 * max_pending unacknowledged, and retries what failed (a NATS node gone,
 * no stream leader yet) with the same id, so that JetStream stores it
 * once, until the duplicate window would no longer cover a retry.  It
 * creates the stream if missing.  NATS down or unreachable never stops
 * local serving: nothing is published until the stream is there, and the
 * connection is retried with backoff.
 */

#include <stdint.h>

#include <ticker/state.h>

struct tickerd;
struct tk_config;
struct tk_tick;
struct nats_sink;

/*
 * Starts publishing as td->conf.publish_nats (set) says; its values are
 * copied.  NULL with the reason logged.
 */
struct nats_sink *nats_sink_new(struct tickerd *td);

/*
 * Waits up to a second for the acknowledgments of what was published,
 * then stops and frees.  NULL ok.
 */
void	nats_sink_free(struct nats_sink *);

/* The loop: a message the merge yielded (after the publisher numbered it). */
void	nats_sink_publish(struct nats_sink *, const struct tk_tick *t);

/* The loop: a status as publisher_status() published it. */
void	nats_sink_status(struct nats_sink *, const char *exchange,
	    enum tk_state state, const char *detail);

/*
 * Reload: publish.nats is read once; a changed one (added, removed or
 * edited in @next) takes a restart, which this says in the log.
 */
void	nats_sink_reload(const struct nats_sink *, const struct tk_config *next);

struct nats_sink_stats {
	const char	*state;		/* the NATS connection */
	int		 ready;		/* the stream is there */
	uint64_t	 queued;	/* handed over by the loop */
	uint64_t	 published;	/* handed to nats.c */
	uint64_t	 acked;		/* stored (or found stored) */
	uint64_t	 duplicates;	/* ... found stored already */
	uint64_t	 retries;	/* publishes sent again */
	uint64_t	 dropped_full;	/* the queue was full */
	uint64_t	 dropped_down;	/* no stream yet, or NATS away too long */
	uint64_t	 dropped_error;	/* nats.c refused it */
	uint64_t	 expired;	/* retried until too late to dedupe */
	uint64_t	 reconnects;
	uint64_t	 pending;	/* published, not yet acknowledged */
};

void	nats_sink_get_stats(const struct nats_sink *, struct nats_sink_stats *);

#endif
