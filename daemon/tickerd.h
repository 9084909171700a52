/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_H
#define TICKERD_H

/*
 * The daemon: one owner struct, one lws context, one poll loop.  Every
 * module is reached through struct tickerd; the only global is the
 * signal-free loop itself (signals arrive through a signalfd).
 *
 * Data path: exchange frames -> upstream (codec -> queue stream) -> merge
 * -> pump (drains the merge after each loop turn) -> publisher (serialize
 * once into a seq ring) -> clients, written from the pump or on WRITEABLE.
 */

#include <stdint.h>

#include <libwebsockets.h>

#include <ticker/config.h>
#include <ticker/stream.h>

struct publisher;
struct upstream;
struct source_local;
struct resolver;
struct recorder;
struct activation;
struct nats_sink;	/* nats: nats_sink.h */
struct nats_source;	/* nats: nats_source.h */

enum exit_code {
	EXIT_OK = 0,		/* clean stop */
	EXIT_RUNTIME = 1,	/* could not run (bind failed, ...) */
	EXIT_CONFIG = 2,	/* usage or configuration error */
};

/* One configured exchange: a network upstream or a local source. */
struct source {
	struct source		*next;
	struct tk_exchange_conf	*conf;		/* borrowed from tickerd.conf */
	struct upstream		*up;		/* network adapters */
	struct source_local	*local;		/* sim and replay: no network */
	struct nats_source	*nats;		/* nats: adapter "nats" */
	struct tk_stream	*stream;	/* its stream, owned by the merge */
};

struct pump {
	struct tk_waker		 waker;		/* handed to the merge */
	int			 scheduled;	/* a pass is due */
	int			 after_io;	/* ... once the loop has read */
	int			 rx_held;	/* upstreams not read, see pump.c */
	uint64_t		 ticks;		/* drained since start */
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
	struct source		*sources;
	struct notify		 notify;
	struct activation	*act;		/* systemd's listen fds, or NULL */
	struct nats_sink	*nats_sink;	/* nats: publish.nats, or NULL */
	lws_sorted_usec_list_t	 sul_wedge;	/* --test-wedge-after */
	int			 sigfd;
	int			 stopping;	/* SIGTERM/SIGINT seen */
	int64_t			 stop_deadline_us;
	int			 exit_code;
	int64_t			 started_us;	/* realtime µs */
};

/* main.c: clocks */
int64_t	now_realtime_us(void);
int64_t	now_mono_us(void);

/*
 * pump.c: drains the merge into the publisher.  pump_schedule() marks a
 * pass as due (from any callback); the main loop calls pump_run() after
 * every lws_service() and does not block in poll while a pass is due.
 */
void	pump_init(struct tickerd *);
void	pump_schedule(struct tickerd *);
/* The coalescing timer expired: read the exchanges again, then a pass. */
void	pump_resume(struct tickerd *);
void	pump_run(struct tickerd *);
void	pump_finish(struct tickerd *);

/* sources.c: builds the configured sources into the merge */
int	sources_start(struct tickerd *);
void	sources_stop(struct tickerd *);
/* Stops (@hold) or resumes reading every network upstream. */
void	sources_hold_rx(struct tickerd *, int hold);
/*
 * Reads, through lws, the network upstreams whose sockets have bytes
 * waiting now; never blocks.  Outside lws' callbacks only (the pump).
 */
void	sources_read_ready(struct tickerd *);
void	sources_free(struct tickerd *);
/* Reload: applies the exchanges of a validated config (see sources.c). */
int	sources_apply(struct tickerd *, struct tk_config *next);
/* The merge is about to free @stream (it ended): forget it. */
void	sources_stream_done(struct tickerd *, struct tk_stream *stream);

/* reload.c: SIGHUP */
void	reload_config(struct tickerd *);

/* ctl.c: the "sys" protocol: signalfd and other adopted raw fds */
extern const struct lws_protocols ctl_protocol;
int	ctl_adopt_signals(struct tickerd *);

#endif
