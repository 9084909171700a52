/* SPDX-License-Identifier: MIT */
/*
 * Exchange upstreams: the state machine of one exchange's connections
 * (connect, subscribe, reconnect with backoff, rotate, drop when stale)
 * and what clients are told about it.  The connections themselves are
 * upstream_conn.c's.
 *
 * An upstream owns up to two connections: `cur`, which serves, and `next`,
 * a replacement opened before a known cut (make-before-break rotation).
 * The replacement takes over once it delivers data; trades both deliver
 * during the overlap are published once.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/backoff.h>
#include <ticker/config.h>
#include <ticker/dedupe.h>
#include <ticker/queue.h>
#include <ticker/state.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

#include "clock.h"
#include "log.h"
#include "publisher.h"
#include "resolve.h"
#include "rest.h"
#include "tickerd.h"
#include "upstream.h"
#include "upstream_impl.h"

#define QUEUE_TICKS	4096		/* between two pump turns */
#define DEDUPE_TRADES	4096		/* recent trades remembered */
#define SWEEP_MAX_US	1000000
#define STABLE_US	30000000	/* backoff resets after this long up */
#define DOWN_AFTER	5		/* failed attempts before down */
#define ROTATE_EARLY_S	600		/* rotate this long before the cut */
#define THROTTLED_MIN_MS 1000		/* after HTTP 429/418 on the upgrade */
#define THROTTLED_MAX_MS 300000
#define ROTATE_RETRY_US	(5 * LWS_US_PER_SEC)
#define REST_TIMEOUT_MS	10000		/* a whole REST answer */
#define RETRY_AFTER_MAX_S 600		/* longest Retry-After honoured */

/* The state machine's own states, for the log (clients see tk_state). */
static const char *const state_names[] = {
	"idle", "connecting", "connected", "backoff", "stopped",
};

static void upstream_connect(lws_sorted_usec_list_t *);
static void rotate_start(struct upstream *, const char *why);
static void rotate_timer(lws_sorted_usec_list_t *);

static void
set_state(struct upstream *up, enum up_state st, const char *why)
{
	if (up->state != st)
		log_info("%s: %s -> %s: %s", up->conf->name,
		    state_names[up->state], state_names[st], why);
	up->state = st;
}

/* What clients see: connected, reconnecting, stale or down. */
static void
publish_status(struct upstream *up, enum tk_state state, const char *detail)
{
	up->pub_state = state;
	tk_utf8_snprintf(up->pub_detail, sizeof(up->pub_detail), "%s",
	    detail);
	if (up->td->pub != NULL)
		publisher_status(up->td->pub, up->conf->name, state, detail);
}

static void
schedule(struct upstream *up, lws_sorted_usec_list_t *sul, sul_cb_t cb,
    lws_usec_t us)
{
	lws_sul_schedule(up->td->ctx, 0, sul, cb, us);
}

/* Delay before the next attempt, honouring the exchange's throttling. */
static uint32_t
retry_delay_ms(struct upstream *up)
{
	uint32_t ms, floor;

	if (up->retry_now) {
		/* a stale link: the exchange is reachable, reconnect at once */
		up->retry_now = 0;
		return 0;
	}
	ms = tk_backoff_next(&up->backoff, tk_rand_next(&up->rng));
	/* the REST API said when to come back: not before */
	if (up->retry_after_ms > ms)
		ms = up->retry_after_ms;
	up->retry_after_ms = 0;
	if (!up->throttled) {
		up->throttle_streak = 0;
		return ms;
	}
	/*
	 * Refused with 429/418: the exchange counts our attempts, so wait
	 * at least 1 s, 2 s, 4 s ... (to THROTTLED_MAX_MS) on top of the
	 * usual backoff, for as long as it keeps refusing.
	 */
	up->throttled = 0;
	if (up->throttle_streak < 16)
		up->throttle_streak++;
	floor = THROTTLED_MIN_MS << (up->throttle_streak - 1);
	return (floor < THROTTLED_MAX_MS ? floor : THROTTLED_MAX_MS) + ms;
}

/* The serving connection is gone and no replacement is on its way. */
static void
upstream_lost(struct upstream *up, const char *why)
{
	char detail[256];
	uint32_t ms;

	up->failures++;
	up->reconnects++;
	ms = retry_delay_ms(up);
	tk_utf8_snprintf(detail, sizeof(detail), "%s; retrying in %u ms", why,
	    ms);
	set_state(up, UP_BACKOFF, detail);
	publish_status(up, up->failures >= DOWN_AFTER ? TK_STATE_DOWN :
	    TK_STATE_RECONNECTING, detail);
	schedule(up, &up->sul_retry, upstream_connect, (lws_usec_t)ms * 1000);
}

/* The replacement becomes the serving connection. */
static void
promote_next(struct upstream *up, const char *why)
{
	struct conn *old = up->cur;

	up->cur = up->next;
	up->next = NULL;
	up->rotations++;
	log_notice("%s: switched to the new connection: %s", up->conf->name,
	    why);
	if (old != NULL)
		conn_retire(old, "replaced by a new connection");
	if (up->cur->established)
		set_state(up, UP_CONNECTED, why);
	else
		set_state(up, UP_CONNECTING, why);
}

/*
 * A connection ended (failed to open, or closed): it goes, through
 * conn_close().  Only the serving one matters to clients; a failed
 * replacement is retried later.
 */
static void
on_conn_ended(struct conn *c, const char *why)
{
	struct upstream *up = c->up;
	char reason[sizeof(c->close_why)];

	/* @why may live in @c, which is freed below */
	tk_utf8_snprintf(reason, sizeof(reason), "%s",
	    c->close_why[0] != '\0' ? c->close_why : why);
	why = reason;
	c->wsi = NULL;
	if (up == NULL || up->state == UP_STOPPED || up->td->stopping) {
		if (up == NULL)
			conn_close(c, why);
		return;
	}
	if (c == up->next) {
		char msg[200];

		up->next = NULL;
		tk_utf8_snprintf(msg, sizeof(msg), "rotation failed: %s", why);
		log_warnx("%s: %s", up->conf->name, msg);
		conn_close(c, why);
		if (up->cur != NULL)
			schedule(up, &up->sul_rotate, rotate_timer,
			    ROTATE_RETRY_US);
		return;
	}
	if (c == up->cur) {
		up->cur = NULL;
		if (up->next != NULL) {
			promote_next(up, why);
			conn_close(c, why);
			return;
		}
		conn_close(c, why);
		upstream_lost(up, why);
		return;
	}
	conn_close(c, why);
}

/* The exchange's address is known (or not): connect to it. */
static void
on_resolved(void *ud, const char *addr, const char *err)
{
	struct conn *c = ud;
	char msg[200];

	c->resolving = NULL;
	if (addr == NULL) {
		tk_utf8_snprintf(msg, sizeof(msg), "cannot resolve %s: %s",
		    conn_target(c)->host, err);
		on_conn_ended(c, msg);
		return;
	}
	if (conn_connect(c, addr) < 0) {
		/* lws gives no CONNECTION_ERROR for this path. */
		on_conn_ended(c, "connect failed");
	}
}

/*
 * Starts a lookup of @host.  A numeric host completes inline, and the
 * callback may have freed @c by the time resolve_start() returns NULL.
 */
static void
conn_resolve(struct conn *c, const char *host, resolve_cb *cb)
{
	struct resolve_req *rq = resolve_start(c->up->td->resolver, host, cb,
	    c);

	if (rq != NULL)
		c->resolving = rq;
}

/* Resolves the host of the connect target off the loop. */
static void
ws_resolve(struct conn *c)
{
	conn_resolve(c, conn_target(c)->host, on_resolved);
}

/* ---- the REST step: requests before the WebSocket connect ---- */

static void rest_send(struct conn *c);

/* One line on what went wrong, naming the request. */
static void
rest_failed(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rest_failed(struct conn *c, const char *fmt, ...)
{
	char what[160], msg[sizeof(c->close_why)];
	va_list ap;

	va_start(ap, fmt);
	tk_utf8_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tk_utf8_snprintf(msg, sizeof(msg), "REST %s %.80s: %s",
	    c->rest_req.method, c->rest_req.path, what);
	log_warnx("%s: %s", c->up->conf->name, msg);
	on_conn_ended(c, msg);
}

/* Next request, or on to the WebSocket once the answers are complete. */
static void
rest_continue(struct conn *c)
{
	char err[160];
	int r = conn_rest_request(c, err, sizeof(err));

	if (r < 0) {
		log_warnx("%s: %s", c->up->conf->name, err);
		on_conn_ended(c, err);
	} else if (r > 0) {
		rest_send(c);
	} else {
		ws_resolve(c);
	}
}

/*
 * An answer: 2xx goes to the adapter; 429 and 418 throttle us (Retry-After
 * is honoured by the backoff), anything else fails the attempt.
 */
static void
on_rest_done(void *ud, int status, const char *body, size_t len,
    long retry_after_s, const char *err)
{
	struct conn *c = ud;
	struct upstream *up = c->up;
	char perr[160];

	c->rest_call = NULL;
	if (status == 0) {
		rest_failed(c, "%s", err);
		return;
	}
	if (status == 429 || status == 418) {
		up->throttled = 1;
		up->throttles++;
		if (retry_after_s > RETRY_AFTER_MAX_S)
			retry_after_s = RETRY_AFTER_MAX_S;
		up->retry_after_ms = retry_after_s > 0 ?
		    (uint32_t)retry_after_s * 1000 : 0;
		if (retry_after_s >= 0)
			rest_failed(c, "HTTP %d, retry after %ld s", status,
			    retry_after_s);
		else
			rest_failed(c, "HTTP %d", status);
		return;
	}
	if (status < 200 || status > 299) {
		rest_failed(c, "HTTP %d", status);
		return;
	}
	if (conn_rest_answer(c, body, len, perr, sizeof(perr)) < 0) {
		rest_failed(c, "%s", perr);
		return;
	}
	rest_continue(c);
}

static void
rest_send(struct conn *c)
{
	struct upstream *up = c->up;
	struct rest_target to = {
		.addr = c->rest_addr, .host = up->rest.host,
		.port = up->rest.port, .tls = up->rest.tls,
		.insecure = up->conf->insecure,
	};
	char path[TK_REST_PATH_MAX + 256];
	struct rest_call *call;

	/* rest_url's path is a prefix; "/" alone is none */
	snprintf(path, sizeof(path), "%s%s", strcmp(up->rest.path, "/") ?
	    up->rest.path : "", c->rest_req.path);
	/* NULL: on_rest_done() already ran, and @c may be gone */
	call = rest_call_start(up->td, &to, c->rest_req.method, path,
	    c->rest_req.body, REST_TIMEOUT_MS, on_rest_done, c);
	if (call != NULL)
		c->rest_call = call;
}

static void
on_rest_resolved(void *ud, const char *addr, const char *err)
{
	struct conn *c = ud;

	c->resolving = NULL;
	if (addr == NULL) {
		rest_failed(c, "cannot resolve %s: %s", c->up->rest.host, err);
		return;
	}
	snprintf(c->rest_addr, sizeof(c->rest_addr), "%s", addr);
	rest_send(c);
}

/*
 * Every attempt starts here: the adapter's REST requests first, if it
 * has any for these symbols, then resolve and connect.
 */
static void
start_connect(struct conn *c)
{
	char err[160];
	int r = conn_rest_request(c, err, sizeof(err));

	if (r < 0) {
		log_warnx("%s: %s", c->up->conf->name, err);
		on_conn_ended(c, err);
	} else if (r > 0) {
		conn_resolve(c, c->up->rest.host, on_rest_resolved);
	} else {
		ws_resolve(c);
	}
}

static void
upstream_connect(lws_sorted_usec_list_t *sul)
{
	struct upstream *up = lws_container_of(sul, struct upstream,
	    sul_retry);

	if (up->state == UP_STOPPED || up->td->stopping || up->cur != NULL)
		return;
	up->cur = conn_open(up);
	if (up->cur == NULL) {
		upstream_lost(up, "out of memory");
		return;
	}
	set_state(up, UP_CONNECTING, up->conf->url);
	start_connect(up->cur);
}

/* The merge polled the stream for the first time: go. */
static void
upstream_start(void *ud)
{
	struct upstream *up = ud;

	publish_status(up, TK_STATE_RECONNECTING, "connecting");
	schedule(up, &up->sul_retry, upstream_connect, 1);
}

/* ---- rotation ---- */

static void
rotate_timer(lws_sorted_usec_list_t *sul)
{
	struct upstream *up = lws_container_of(sul, struct upstream,
	    sul_rotate);

	rotate_start(up, "connection lifetime limit ahead");
}

/* Opens the replacement; the serving connection keeps going meanwhile. */
static void
rotate_start(struct upstream *up, const char *why)
{
	if (up->next != NULL || up->cur == NULL || up->state == UP_STOPPED ||
	    up->td->stopping)
		return;
	log_notice("%s: rotating: %s", up->conf->name, why);
	up->next = conn_open(up);
	/* gcc 12 -fanalyzer loses up->next: up came from lws_container_of() */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
	if (up->next == NULL)
		return;
#ifndef __clang__
#pragma GCC diagnostic pop
#endif
	start_connect(up->next);
}

static void
schedule_rotation(struct upstream *up)
{
	unsigned max = up->conf->adapter->max_connection_s;

	if (max == 0)
		return;
	lws_sul_schedule(up->td->ctx, 0, &up->sul_rotate, rotate_timer,
	    (lws_usec_t)(max > 2 * ROTATE_EARLY_S ? max - ROTATE_EARLY_S :
	    max / 2) * LWS_US_PER_SEC);
}

/* The connection is up: it subscribes; clients hear of the serving one. */
static void
on_established(struct conn *c)
{
	struct upstream *up = c->up;
	char detail[200];

	conn_established(c);
	if (c == up->next) {
		log_info("%s: new connection up, waiting for its data",
		    up->conf->name);
		return;
	}
	tk_utf8_snprintf(detail, sizeof(detail), "connected to %s",
	    conn_target(c)->shown);
	set_state(up, UP_CONNECTED, detail);
	publish_status(up, TK_STATE_CONNECTED, detail);
	schedule_rotation(up);
}

/* ---- receiving ---- */

/* The connection delivers: a replacement takes over from here. */
static void
on_data(struct conn *c)
{
	struct upstream *up = c->up;

	c->last_data_us = now_mono_us();
	up->last_data_real_us = now_realtime_us();
	if (c->got_data)
		return;
	c->got_data = 1;
	up->failures = 0;
	if (c == up->next) {
		promote_next(up, "the new connection delivers data");
		publish_status(up, TK_STATE_CONNECTED,
		    "rotated to a new connection");
		schedule_rotation(up);
	}
}

/* A frame was parsed: what it says about the connection. */
static void
on_frame(struct conn *c, const struct tk_frame_result *res)
{
	struct upstream *up = c->up;

	if (res->welcome)
		conn_welcome(c);
	switch (res->kind) {
	case TK_FRAME_DATA:
		on_data(c);
		break;
	case TK_FRAME_CONTROL:
		break;
	case TK_FRAME_RECONNECT:
		log_notice("%s: the exchange announces a disconnect: %s",
		    up->conf->name, res->detail[0] ? res->detail : "reconnect");
		if (c == up->cur)
			rotate_start(up, "the exchange announced a disconnect");
		break;
	case TK_FRAME_EXCHANGE_ERROR:
		log_warnx("%s: exchange error: %s", up->conf->name, res->detail);
		publish_status(up, TK_STATE_CONNECTED, res->detail);
		break;
	case TK_FRAME_MALFORMED:
		up->parse_errors++;
		log_debug("%s: bad frame: %s", up->conf->name, res->detail);
		break;
	}
}

/* ---- staleness and stability ---- */

static lws_usec_t
sweep_interval(const struct upstream *up)
{
	lws_usec_t us = (lws_usec_t)(up->conf->stale_s * 1e6 / 8);

	return us < SWEEP_MAX_US ? us : SWEEP_MAX_US;
}

static void
upstream_sweep(lws_sorted_usec_list_t *sul)
{
	struct upstream *up = lws_container_of(sul, struct upstream,
	    sul_sweep);
	struct conn *c = up->cur;
	int64_t now = now_mono_us();
	char detail[128];

	if (up->state == UP_STOPPED)
		return;
	if (c != NULL && c->established && c->got_data &&
	    now - c->established_us > STABLE_US && up->backoff.attempt > 0)
		tk_backoff_reset(&up->backoff);
	if (c != NULL && c->established && c->wsi != NULL &&
	    now - c->last_data_us > (int64_t)(up->conf->stale_s * 1e6)) {
		snprintf(detail, sizeof(detail), "no data for %.1f s",
		    (double)(now - c->last_data_us) / 1e6);
		log_warnx("%s: stale: %s", up->conf->name, detail);
		up->stale_events++;
		publish_status(up, TK_STATE_STALE, detail);
		c->last_data_us = now;	/* report once */
		up->retry_now = 1;
		conn_drop(c, detail);
	}
	schedule(up, &up->sul_sweep, upstream_sweep, sweep_interval(up));
}

/* ---- the lws protocol ---- */

/* The connection could not be opened; 429 and 418 mean slow down. */
static void
on_connect_error(struct conn *c, struct lws *wsi, const char *in)
{
	int status = wsi ? (int)lws_http_client_http_response(wsi) : 0;
	char why[200];

	if (status == 429 || status == 418) {
		c->up->throttled = 1;
		c->up->throttles++;
		snprintf(why, sizeof(why), "the exchange throttles us (HTTP "
		    "%d)", status);
	} else if (status > 0 && status != 101) {
		snprintf(why, sizeof(why), "upgrade refused (HTTP %d)", status);
	} else {
		tk_utf8_snprintf(why, sizeof(why), "connection failed: %s",
		    in ? in : "unknown error");
	}
	on_conn_ended(c, why);
}

/*
 * lws calls this for every event of every exchange connection: a protocol
 * callback is the shape lws gives.  Each event goes to the connection
 * (upstream_conn.c) and then, for what it means, to the state machine.
 */
static int
upstream_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);
	struct tk_frame_result res;

	if (c == NULL || c->up == NULL) {
		if (c != NULL && (reason == LWS_CALLBACK_CLIENT_CLOSED ||
		    reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR ||
		    reason == LWS_CALLBACK_WSI_DESTROY)) {
			lws_set_opaque_user_data(wsi, NULL);
			c->wsi = NULL;
			/* a replaced connection is done */
			conn_close(c, c->close_why);
		}
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->wsi = wsi;
		on_established(c);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return conn_writeable(c);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (conn_receive(c, in, len, &res) > 0)
			on_frame(c, &res);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		conn_peer_close(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		/* lws may call back once more for this wsi: forget it first */
		lws_set_opaque_user_data(wsi, NULL);
		on_connect_error(c, wsi, in);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		lws_set_opaque_user_data(wsi, NULL);
		on_conn_ended(c, "connection closed");
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
	case LWS_CALLBACK_WSI_DESTROY:
		/*
		 * An upgrade that never completes is timed out by lws without
		 * CONNECTION_ERROR or CLIENT_CLOSED: the wsi just goes.  This
		 * is the last word on it, whatever came before.
		 */
		lws_set_opaque_user_data(wsi, NULL);
		on_conn_ended(c, "no answer to the WebSocket upgrade");
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return conn_handshake_header(wsi, in, len);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols upstream_protocol = {
	UPSTREAM_PROTOCOL, upstream_cb, 0, 16384, 0, NULL, 0
};

/* ---- life cycle ---- */

struct upstream *
upstream_new(struct tickerd *td, const struct tk_exchange_conf *conf,
    struct tk_stream **stream)
{
	struct upstream *up;
	char err[256];

	up = calloc(1, sizeof(*up));
	if (up == NULL)
		return NULL;
	up->td = td;
	up->conf = conf;
	up->pub_state = TK_STATE_RECONNECTING;	/* until it connects */
	up->backoff = (struct tk_backoff){ .min_ms = 100, .base_ms = 500,
	    .cap_ms = 30000 };
	up->rng = (uint64_t)now_mono_us() ^ (uint64_t)(uintptr_t)up;
	if (endpoint_parse(&up->ws, conf->url, 0) < 0) {
		log_errx("%s: bad url %s", conf->name, conf->url);
		goto fail;
	}
	if (conf->rest_url != NULL &&
	    endpoint_parse(&up->rest, conf->rest_url, 1) < 0) {
		log_errx("%s: bad rest_url %s", conf->name, conf->rest_url);
		goto fail;
	}
	up->symmap = tk_symmap_new(conf->adapter,
	    (const char *const *)conf->symbols, conf->nsymbols, err,
	    sizeof(err));
	if (up->symmap == NULL) {
		log_errx("%s: %s", conf->name, err);
		goto fail;
	}
	up->dedupe = tk_dedupe_new(DEDUPE_TRADES);
	up->stream = tk_queue_new(conf->name, QUEUE_TICKS, upstream_start, up);
	if (up->dedupe == NULL || up->stream == NULL)
		goto fail;
	schedule(up, &up->sul_sweep, upstream_sweep, sweep_interval(up));
	*stream = up->stream;
	return up;
fail:
	tk_stream_free(up->stream);
	up->stream = NULL;
	upstream_free(up);
	return NULL;
}

void
upstream_set_conf(struct upstream *up, const struct tk_exchange_conf *conf)
{
	if (up != NULL)
		up->conf = conf;
}

void
upstream_get_stats(const struct upstream *up, struct upstream_stats *st)
{
	st->state = up->pub_state;
	st->detail = up->pub_detail;
	st->frames = up->frames;
	st->ticks = up->ticks;
	st->parse_errors = up->parse_errors;
	st->unknown = up->unknown;
	st->reconnects = up->reconnects;
	st->rotations = up->rotations;
	st->duplicates = up->duplicates;
	st->drops = up->drops;
	st->throttles = up->throttles;
	st->stale_events = up->stale_events;
	st->last_data_us = up->last_data_real_us;
}

size_t
upstream_rx_fds(struct upstream *up, struct lws_pollfd *fds, size_t max)
{
	size_t n = 0;

	if (n < max)
		n += conn_rx_fd(up->cur, &fds[n]);
	if (n < max)
		n += conn_rx_fd(up->next, &fds[n]);
	return n;
}

int
upstream_settled(const struct upstream *up)
{
	return up->state == UP_CONNECTED && up->cur != NULL &&
	    up->cur->established && (up->next == NULL ||
	    up->next->established);
}

void
upstream_hold_rx(struct upstream *up, int hold)
{
	conn_hold_rx(up->cur, hold);
	conn_hold_rx(up->next, hold);
}

void
upstream_stop(struct upstream *up)
{
	if (up == NULL || up->state == UP_STOPPED)
		return;
	set_state(up, UP_STOPPED, "stopping");
	lws_sul_cancel(&up->sul_retry);
	lws_sul_cancel(&up->sul_sweep);
	lws_sul_cancel(&up->sul_rotate);
	conn_close(up->cur, "stopping");
	conn_close(up->next, "stopping");
	up->cur = up->next = NULL;
}

void
upstream_free(struct upstream *up)
{
	if (up == NULL)
		return;
	upstream_stop(up);
	tk_symmap_free(up->symmap);
	tk_dedupe_free(up->dedupe);
	endpoint_finish(&up->ws);
	endpoint_finish(&up->rest);
	free(up);
}
