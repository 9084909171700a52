/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_H
#define TICKERD_H

/*
 * The daemon: one owner struct, one lws context, one poll loop.  Every
 * module is reached through struct tickerd; the only globals are the
 * signal-free loop itself (signals arrive through a signalfd) and, in
 * nats_conn.c, the users of the process-wide NATS library.  This header
 * holds the owner and the state it embeds; each module's functions are in
 * that module's own header.
 *
 * Data path: exchange frames -> upstream (codec -> queue stream) -> merge
 * -> pump (drains the merge after each loop turn) -> publisher (serialize
 * once into a seq ring) -> clients, written from the pump or on WRITEABLE;
 * with publish.nats, the pump hands each tick to the NATS sink too.  A
 * NATS source is one more stream in the merge.
 */

#include <stdint.h>

#include <libwebsockets.h>

#include <ticker/config.h>
#include <ticker/stream.h>

struct publisher;
struct source;
struct resolver;
struct recorder;
struct activation;
struct nats_sink;

/* pump.c: the loop turn */
struct pump {
	struct tk_waker		 waker;		/* the merge's and the publisher's */
	int			 scheduled;	/* a pass is due */
	int			 after_io;	/* ... once the loop has read */
	int			 rx_held;	/* upstreams not read, see pump.c */
	int64_t			 held_since_us;	/* ... since (monotonic) */
	int64_t			 held_us;	/* held in all, before that */
	int			 timer_fd;	/* held writes are due, or -1 */
	int64_t			 timer_at_us;	/* armed for (monotonic), or 0 */
	uint64_t		 ticks;		/* drained since start */
	int64_t			 serviced_us;	/* last lws_service() (monotonic) */
	int			 want_write;	/* ... is due: a write waits */
	uint64_t		 polls_all;	/* lws_service()'s poll()s */
	uint64_t		 polls_sources;	/* pump_watch()'s */
};

/* notify.c: what the service manager is told, and when */
struct notify {
	int			 enabled;	/* NOTIFY_SOCKET is set */
	uint64_t		 watchdog_us;	/* WATCHDOG_USEC, or 0 */
	lws_sorted_usec_list_t	 sul_watchdog;
	lws_sorted_usec_list_t	 sul_status;
	uint64_t		 rate_ticks;	/* published at rate_us */
	int64_t			 rate_us;	/* monotonic */
	double			 ticks_per_s;
};

struct tickerd {
	struct tk_config	 conf;
	struct lws_context	*ctx;
	struct lws_vhost	*vh_client;	/* exchange connections */
	struct lws_vhost	*vh_ctl;	/* signalfd, resolver, listen fds */
	struct tk_stream	*merge;		/* owns every source stream */
	struct pump		 pump;
	struct publisher	*pub;
	struct resolver		*resolver;
	struct recorder		*recorder;	/* --record, or NULL */
	struct source		*sources;	/* config order (sources.h) */
	struct notify		 notify;
	struct activation	*act;		/* systemd's listen fds, or NULL */
	struct nats_sink	*nats_sink;	/* publish.nats, or NULL */
	lws_sorted_usec_list_t	 sul_wedge;	/* --test-wedge-after */
	int			 sigfd;
	int			 stopping;	/* SIGTERM/SIGINT seen */
	int64_t			 stop_deadline_us;
	int			 exit_code;	/* main.c's enum exit_code */
	int64_t			 started_us;	/* realtime µs */
};

#endif
