/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_SOURCES_H
#define TICKERD_SOURCES_H

/*
 * The configured exchanges, td->sources in config order: each one a
 * network upstream (upstream.h), a local source (source_local.h) or a
 * NATS source (nats_source.h), whose stream the merge owns.
 */

#include <ticker/state.h>

struct tickerd;
struct tk_config;
struct tk_exchange_conf;
struct tk_stream;
struct upstream;
struct source_local;
struct nats_source;

/* One configured exchange: one of the three, by its adapter's kind. */
struct source {
	struct source		*next;
	struct tk_exchange_conf	*conf;		/* borrowed from tickerd.conf */
	struct upstream		*up;		/* network adapters */
	struct source_local	*local;		/* sim and replay: no network */
	struct nats_source	*nats;		/* adapter "nats" */
	struct tk_stream	*stream;	/* its stream, owned by the merge */
};

/*
 * What clients were last told of @s, as /health and sd_notify say it: a
 * local source is connected until it ends (a finished replay).
 */
enum tk_state	source_state(const struct source *s);

/* Builds every configured source into the merge.  -1, logged. */
int	sources_start(struct tickerd *td);

/* Stops every producer; the streams stay in the merge until it goes. */
void	sources_stop(struct tickerd *td);

/* Stops (@hold) or resumes reading every network upstream. */
void	sources_hold_rx(struct tickerd *td, int hold);

/*
 * Reads, through lws, the network upstreams whose sockets have bytes
 * waiting now; never blocks.  Outside lws' callbacks only (the pump).
 */
void	sources_read_ready(struct tickerd *td);

/* Frees them (stop first). */
void	sources_free(struct tickerd *td);

/*
 * Reload: applies the exchanges of @next, a validated config, as a
 * difference (see sources.c).  0, or -1 if some could not start (logged).
 * The sources then borrow their entries from @next.
 */
int	sources_apply(struct tickerd *td, struct tk_config *next);

/* The merge is about to free @stream (it ended): forget it. */
void	sources_stream_done(struct tickerd *td, struct tk_stream *stream);

#endif
