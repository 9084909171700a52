/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_SOURCES_H
#define TICKERD_SOURCES_H

#include <stdint.h>

/*
 * The configured exchanges, td->sources in config order: each one a
 * network upstream (upstream.h), a local source (source_local.h) or a
 * NATS source (nats_source.h), whose stream the merge owns.
 */

#include <libwebsockets.h>

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
 * What /health's "status" and the first word of STATUS= say: ok when
 * every source delivers, degraded when some do, down when none does.
 */
enum health {
	HEALTH_OK = 0,
	HEALTH_DEGRADED,
	HEALTH_DOWN,
};

/* "ok", "degraded", "down". */
const char	*health_name(enum health);

/*
 * A source delivers when it is connected and its last data frame came
 * within its stale_s (heartbeats and acks do not count; a connection that
 * has sent no data yet does not deliver yet).  A local source (sim,
 * replay) delivers while it runs; a replay that reached its end does not.
 * @now is realtime µs.
 */
int	source_delivering(const struct source *, int64_t now);

/*
 * The @i-th exchange behind NATS source @s (nats_source_origin()) delivers
 * when @s does, its last status was connected and its last tick came
 * within @s's stale_s.  0 past the end, or for another kind of source.
 */
int	source_origin_delivering(const struct tickerd *td,
	    const struct source *s, size_t i, int64_t now);

/*
 * Counts the sources and those delivering (a NATS source counts as the
 * exchanges behind it once it knows them); returns the health.
 */
enum health sources_health(const struct tickerd *td, int64_t now,
	    unsigned *delivering, unsigned *total);

/*
 * What clients were last told of @s: a local source is connected until it
 * ends (a finished replay).
 */
enum tk_state	source_state(const struct source *s);

/* Builds every configured source into the merge.  -1, logged. */
int	sources_start(struct tickerd *td);

/* Stops every producer; the streams stay in the merge until it goes. */
void	sources_stop(struct tickerd *td);

/*
 * Stops (@hold) or resumes reading every network upstream, and taking
 * what NATS sources have queued.
 */
void	sources_hold_rx(struct tickerd *td, int hold);

/*
 * Reads, through lws, the network upstreams whose sockets have bytes
 * waiting now, and takes what NATS sources have queued; never blocks.
 * Outside lws' callbacks only (the pump).
 */
void	sources_read_ready(struct tickerd *td);

/*
 * The sockets that bring the sources' data, for the pump to wait on them
 * alone: up to @cap of them into @fds (POLLIN), and takes what NATS
 * sources have queued.  Their count, or -1 when waiting on them would
 * miss input: a local source (its ticks come from the loop's timers), an
 * upstream still connecting, or more sockets than @cap.
 */
int	sources_rx_fds(struct tickerd *td, struct lws_pollfd *fds, size_t cap);

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
