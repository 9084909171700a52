/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_UPSTREAM_H
#define TICKERD_UPSTREAM_H

/*
 * One exchange connection, seen by the rest of the daemon as a stream of
 * ticks (a queue stream the merge owns).  It connects when the merge first
 * polls it, subscribes after every connect, reconnects with capped
 * exponential backoff and full jitter, and publishes every state change.
 */

#include <libwebsockets.h>

#include <ticker/state.h>

struct tickerd;
struct tk_exchange_conf;
struct tk_stream;
struct upstream;

/* Protocol of the exchange connections; goes on the client vhost. */
extern const struct lws_protocols upstream_protocol;

/*
 * Creates the upstream for @conf (borrowed; must outlive it) and its
 * stream.  *@stream is handed to the caller, who gives it to the merge.
 * NULL with the reason logged.
 */
struct upstream	*upstream_new(struct tickerd *td,
		    const struct tk_exchange_conf *conf,
		    struct tk_stream **stream);

struct upstream_stats {
	enum tk_state	 state;		/* what clients were last told */
	const char	*detail;	/* ... and why; borrowed, valid until
					   the upstream's next change */
	uint64_t	 frames, ticks, parse_errors, unknown;
	uint64_t	 reconnects, rotations, duplicates, drops;
	uint64_t	 throttles, stale_events;
	int64_t		 last_data_us;	/* realtime µs of the last data, or 0 */
};

void		 upstream_get_stats(const struct upstream *,
		    struct upstream_stats *);

/*
 * Reload: the same exchange entry now lives in a new config; @conf must be
 * equal to the old one (tk_exchange_conf_equal).  NULL @up is ignored.
 */
void		 upstream_set_conf(struct upstream *,
		    const struct tk_exchange_conf *conf);

/* Stops connecting and closes the connection (if any).  Idempotent. */
void		 upstream_stop(struct upstream *);

/*
 * Stops (@hold) or resumes reading the exchange's connections, which
 * buffer in the kernel meanwhile: the pump holds them while no client can
 * be written anyway (see publisher_flush()), also with bytes already
 * waiting: they wait for the same write as the ones still to come.
 */
void		 upstream_hold_rx(struct upstream *, int hold);

/*
 * Appends the sockets of the exchange's established connections to @fds
 * (at most @max; POLLIN asked), for a read between lws' turns
 * (sources_read_ready()).  Returns how many it appended.
 */
size_t		 upstream_rx_fds(struct upstream *, struct lws_pollfd *fds,
		    size_t max);

/*
 * Connected, with no connection of it still opening (a rotation's next
 * one): all it reads comes through upstream_rx_fds()' sockets.
 */
int		 upstream_settled(const struct upstream *);

/* Frees it; stop first.  The stream is the merge's and is not touched. */
void		 upstream_free(struct upstream *);	/* NULL ok */

#endif
