/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_UPSTREAM_IMPL_H
#define TICKERD_UPSTREAM_IMPL_H

/*
 * Inside an upstream: for upstream.c and upstream_conn.c only.
 *
 *   upstream.c       the exchange: its state machine (connect, backoff,
 *                    rotation, staleness), the lws protocol callback that
 *                    drives it, and what clients are told
 *   upstream_conn.c  one WebSocket connection to it: connect, subscribe
 *                    and ping, reassemble and parse frames, close
 *
 * upstream.c calls upstream_conn.c, never the other way: a connection
 * reports what happened by its return values, and the lws callback (in
 * upstream.c) turns that into state changes.
 */

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/backoff.h>
#include <ticker/state.h>
#include <ticker/tick.h>

#include "upstream.h"

#define UPSTREAM_PROTOCOL "exchange"	/* upstream_protocol's name */

enum up_state {
	UP_IDLE,		/* not polled yet */
	UP_CONNECTING,		/* REST step, resolving or connecting */
	UP_CONNECTED,
	UP_BACKOFF,		/* waiting to retry */
	UP_STOPPED,
};

struct resolve_req;
struct rest_call;
struct tk_dedupe;
struct tk_symmap;

/* A URL, cut up once (lws_parse_uri()); the strings live in @buf. */
struct endpoint {
	char		*buf;
	const char	*scheme, *host;
	char		*path;		/* "/..." with the query, if any */
	int		 port, tls;
	char		*shown;		/* for logs and status: no query */
};

/* One WebSocket connection to the exchange. */
struct conn {
	struct upstream		*up;		/* NULL once replaced */
	struct lws		*wsi;
	struct resolve_req	*resolving;
	char			 name[TK_NAME_MAX];	/* the exchange's */
	char			 addr[64];	/* resolved numeric address */
	/* the REST step before connecting (adapter rest_*()) */
	struct rest_call	*rest_call;
	char			 rest_addr[64];	/* rest_url's host, resolved */
	unsigned		 rest_next;	/* request being made */
	struct tk_rest_request	 rest_req;
	void			*rest_data;	/* adapter->rest_size() bytes */
	int			 rest_ok;	/* every answer parsed */
	struct tk_rest_connect	 rest_conn;
	/* where this attempt connects: the REST answer's, else up->ws */
	struct endpoint		 target;
	int64_t			 ping_us;	/* application ping period */
	lws_sorted_usec_list_t	 sul_sub, sul_ping, sul_welcome;
	unsigned		 sub_next;	/* next subscribe message */
	int			 ping_owed;
	char			 reply[TK_FRAME_REPLY_MAX]; /* owed, or "" */
	int			 welcomed;	/* adapter welcome_s: greeted */
	int			 established;
	int			 got_data;
	int64_t			 established_us;	/* monotonic */
	int64_t			 last_data_us;		/* monotonic */
	char			 close_why[160];
	char			*rx;
	size_t			 rx_len, rx_cap;
	int			 rx_overflow;
	void			*codec_state;	/* adapter->state_size() */
	size_t			 codec_state_len;
};

struct upstream {
	struct tickerd		*td;
	const struct tk_exchange_conf *conf;
	struct tk_symmap	*symmap;
	struct tk_stream	*stream;	/* the merge owns it */
	struct tk_dedupe	*dedupe;
	enum up_state		 state;
	struct conn		*cur, *next;
	struct endpoint		 ws;	/* the configured url */
	struct endpoint		 rest;	/* rest_url; path is its prefix */
	lws_sorted_usec_list_t	 sul_retry, sul_sweep, sul_rotate;
	struct tk_backoff	 backoff;
	uint64_t		 rng;
	unsigned		 failures;	/* attempts since last data */
	int			 throttled;	/* last upgrade got 429/418 */
	uint32_t		 retry_after_ms; /* REST Retry-After, or 0 */
	int			 retry_now;	/* dropped as stale: no backoff */
	unsigned		 throttle_streak; /* 429/418s in a row */
	/* counters */
	uint64_t		 frames, ticks, parse_errors, unknown;
	uint64_t		 reconnects, rotations, duplicates, drops;
	uint64_t		 throttles, stale_events;
	enum tk_state		 pub_state;	/* last state clients were told */
	char			 pub_detail[256]; /* ... and why */
	int64_t			 last_data_real_us;
};

/* ---- upstream_conn.c ---- */

/* A new connection of @up, not started yet.  NULL on OOM. */
struct conn	*conn_open(struct upstream *up);

/*
 * The one way a connection ends: logs @why, stops its timers and its
 * lookup, lets go of its wsi (which lws then closes) and frees it.
 * NULL ok.  Inside its own lws callbacks, use conn_drop() instead.
 */
void	 conn_close(struct conn *c, const char *why);

/*
 * Asks lws to close the live connection; its CLIENT_CLOSED then reports
 * @why (the first reason given wins).  No-op without a wsi.
 */
void	 conn_drop(struct conn *c, const char *why);

/*
 * A replacement took over: @c no longer serves its upstream (c->up is
 * NULL from here on) and closes; conn_close() follows at once without a
 * wsi, else in lws' last callback for it.
 */
void	 conn_retire(struct conn *c, const char *why);

/* Parses @url into @ep (freed with endpoint_finish()); 0 or -errno. */
int	 endpoint_parse(struct endpoint *ep, const char *url, int http);
void	 endpoint_finish(struct endpoint *ep);

/* Where @c connects this time: its own target, else the upstream's. */
const struct endpoint *conn_target(const struct conn *c);

/*
 * The REST step.  conn_rest_request() writes request c->rest_next:
 * returns 1, 0 when there is none left (then the answers are complete
 * and the connect target set), or -errno with @err written.
 * conn_rest_answer() reads the body of that request's answer and moves
 * on: 0, or -errno with @err written.
 */
int	 conn_rest_request(struct conn *c, char *err, size_t errlen);
int	 conn_rest_answer(struct conn *c, const char *body, size_t len,
	    char *err, size_t errlen);

/* Connects to @addr, the resolved numeric address.  -1: no wsi at all. */
int	 conn_connect(struct conn *c, const char *addr);

/* CLIENT_ESTABLISHED: starts the pings and the subscribe messages. */
void	 conn_established(struct conn *c);

/* The server greeted (res->welcome): the subscriptions may go. */
void	 conn_welcome(struct conn *c);

/*
 * CLIENT_WRITEABLE: an owed reply (a frame's res->reply), else an owed
 * ping, else the next subscribe message.
 */
int	 conn_writeable(struct conn *c);

/*
 * CLIENT_RECEIVE: reassembles the message; once it is whole, records and
 * parses it (the ticks go to the upstream's stream).  Returns 1 with *@res
 * filled when a frame was parsed, 0 otherwise (more to come, or dropped).
 */
int	 conn_receive(struct conn *c, const void *in, size_t len,
	    struct tk_frame_result *res);

/* WS_PEER_INITIATED_CLOSE: the exchange's close code and reason. */
void	 conn_peer_close(struct conn *c, const unsigned char *p, size_t len);

/* CLIENT_APPEND_HANDSHAKE_HEADER: our User-Agent. */
int	 conn_handshake_header(struct lws *wsi, void *in, size_t len);

/* Stops (@hold) or resumes reading an established connection. */
void	 conn_hold_rx(struct conn *c, int hold);

/* Its socket, for a poll(); 0 if not established (NULL ok), else 1. */
size_t	 conn_rx_fd(const struct conn *c, struct lws_pollfd *fd);

#endif
