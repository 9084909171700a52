/* SPDX-License-Identifier: MIT */
/*
 * Exchange connections: connect, subscribe, parse, keep alive, rotate,
 * reconnect.
 *
 * An upstream owns up to two connections: `cur`, which serves, and `next`,
 * a replacement opened before a known cut (make-before-break rotation).
 * The replacement takes over once it delivers data; trades both deliver
 * during the overlap are published once.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/backoff.h>
#include <ticker/config.h>
#include <ticker/dedupe.h>
#include <ticker/queue.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

#include "log.h"
#include "publisher.h"
#include "recorder.h"
#include "resolve.h"
#include "tickerd.h"
#include "upstream.h"

#define RX_INITIAL	(16 * 1024)
#define RX_MAX		(1024 * 1024)	/* larger frames drop the connection */
#define QUEUE_TICKS	4096		/* between two pump turns */
#define DEDUPE_TRADES	4096		/* recent trades remembered */
#define SUB_SPACING_US	250000		/* Binance allows 5 messages/s */
#define SWEEP_MAX_US	1000000
#define STABLE_US	30000000	/* backoff resets after this long up */
#define DOWN_AFTER	5		/* failed attempts before "down" */
#define ROTATE_EARLY_S	600		/* rotate this long before the cut */
#define THROTTLED_MIN_MS 1000		/* after HTTP 429/418 on the upgrade */
#define THROTTLED_MAX_MS 300000
#define ROTATE_RETRY_US	(5 * LWS_US_PER_SEC)

enum up_state {
	UP_IDLE,		/* not polled yet */
	UP_CONNECTING,		/* resolving or connecting */
	UP_CONNECTED,
	UP_BACKOFF,		/* waiting to retry */
	UP_STOPPED,
};

static const char *const state_names[] = {
	"idle", "connecting", "connected", "backoff", "stopped",
};

/* One WebSocket connection to the exchange. */
struct conn {
	struct upstream		*up;
	struct lws		*wsi;
	struct resolve_req	*resolving;
	char			 addr[64];	/* resolved numeric address */
	lws_sorted_usec_list_t	 sul_sub, sul_ping;
	unsigned		 sub_next;	/* next subscribe message */
	int			 ping_owed;
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
	/* the url, cut up once */
	char			*url_buf;
	const char		*scheme, *host;
	char			*path;
	int			 port, tls;
	lws_sorted_usec_list_t	 sul_retry, sul_sweep, sul_rotate;
	struct tk_backoff	 backoff;
	uint64_t		 rng;
	unsigned		 failures;	/* attempts since last data */
	int			 throttled;	/* last upgrade got 429/418 */
	int			 retry_now;	/* dropped as stale: no backoff */
	unsigned		 throttle_streak; /* 429/418s in a row */
	/* counters */
	uint64_t		 frames, ticks, parse_errors, unknown;
	uint64_t		 reconnects, rotations, duplicates, drops;
	uint64_t		 throttles, stale_events;
	const char		*pub_state;	/* last state clients were told */
	int64_t			 last_data_real_us;
};

static void upstream_connect(lws_sorted_usec_list_t *);
static void rotate_start(struct upstream *, const char *why);
static void rotate_timer(lws_sorted_usec_list_t *);

/* Exchange connections are pinged when quiet and dropped if unanswered. */
static const lws_retry_bo_t exchange_policy = {
	.secs_since_valid_ping = 20,
	.secs_since_valid_hangup = 40,
};

static void
set_state(struct upstream *up, enum up_state st, const char *why)
{
	if (up->state != st)
		log_info("%s: %s -> %s: %s", up->conf->name,
		    state_names[up->state], state_names[st], why);
	up->state = st;
}

/* What clients see: SPEC's connected|reconnecting|stale|down. */
static void
publish_status(struct upstream *up, const char *state, const char *detail)
{
	up->pub_state = state;
	if (up->td->pub != NULL)
		publisher_status(up->td->pub, up->conf->name, state, detail);
}

static void
schedule(struct upstream *up, lws_sorted_usec_list_t *sul, sul_cb_t cb,
    lws_usec_t us)
{
	lws_sul_schedule(up->td->ctx, 0, sul, cb, us);
}

/* ---- connections ---- */

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	lws_sul_cancel(&c->sul_sub);
	lws_sul_cancel(&c->sul_ping);
	resolve_cancel(c->resolving);
	if (c->wsi != NULL) {
		lws_set_opaque_user_data(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
	free(c->rx);
	free(c->codec_state);
	free(c);
}

/* Closes a live connection; its CLIENT_CLOSED then reports @why. */
static void
conn_drop(struct conn *c, const char *why)
{
	if (c->wsi == NULL)
		return;
	if (c->close_why[0] == '\0')
		snprintf(c->close_why, sizeof(c->close_why), "%s", why);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
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
	publish_status(up, up->failures >= DOWN_AFTER ? "down" :
	    "reconnecting", detail);
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
	if (old != NULL) {
		lws_sul_cancel(&old->sul_sub);
		lws_sul_cancel(&old->sul_ping);
		old->up = NULL;		/* its close is no longer news */
		conn_drop(old, "replaced by a new connection");
		if (old->wsi == NULL)
			conn_free(old);
	}
	if (up->cur->established)
		set_state(up, UP_CONNECTED, why);
	else
		set_state(up, UP_CONNECTING, why);
}

/*
 * A connection ended (failed to open, or closed).  Only the serving one
 * matters to clients; a failed replacement is retried later.
 */
static void
conn_ended(struct conn *c, const char *why)
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
			conn_free(c);
		return;
	}
	if (c == up->next) {
		char msg[200];

		up->next = NULL;
		snprintf(msg, sizeof(msg), "rotation failed: %s", why);
		log_warnx("%s: %s", up->conf->name, msg);
		conn_free(c);
		if (up->cur != NULL)
			schedule(up, &up->sul_rotate, rotate_timer,
			    ROTATE_RETRY_US);
		return;
	}
	if (c == up->cur) {
		up->cur = NULL;
		if (up->next != NULL) {
			promote_next(up, why);
			conn_free(c);
			return;
		}
		conn_free(c);
		upstream_lost(up, why);
		return;
	}
	conn_free(c);
}

static void
conn_resolved(void *ud, const char *addr, const char *err)
{
	struct conn *c = ud;
	struct upstream *up = c->up;
	struct lws_client_connect_info ci;
	char msg[200];

	c->resolving = NULL;
	if (addr == NULL) {
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", up->host,
		    err);
		conn_ended(c, msg);
		return;
	}
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	memset(&ci, 0, sizeof(ci));
	ci.context = up->td->ctx;
	ci.vhost = up->td->vh_client;
	ci.address = c->addr;
	ci.port = up->port;
	ci.path = up->path;
	ci.host = up->host;
	ci.origin = up->host;
	ci.local_protocol_name = upstream_protocol.name;
	ci.retry_and_idle_policy = &exchange_policy;
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	ci.ssl_connection = LCCSCF_PRIORITIZE_READS;
	if (up->tls) {
		ci.ssl_connection |= LCCSCF_USE_SSL;
		if (up->conf->insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
			    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	if (lws_client_connect_via_info(&ci) == NULL) {
		/* lws gives no CONNECTION_ERROR for this path. */
		conn_ended(c, "connect failed");
	}
}

/* Starts a connection; it reports back through conn_ended() on failure. */
static struct conn *
conn_open(struct upstream *up)
{
	struct conn *c;

	const struct tk_adapter *a = up->conf->adapter;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->up = up;
	if (a->state_size != NULL) {
		/* a fresh connection starts from no book: zeroed */
		c->codec_state_len = a->state_size(up->symmap);
		c->codec_state = calloc(1, c->codec_state_len ?
		    c->codec_state_len : 1);
		if (c->codec_state == NULL) {
			free(c);
			return NULL;
		}
	}
	return c;
}

static void
conn_start(struct conn *c)
{
	c->resolving = resolve_start(c->up->td->resolver, c->up->host,
	    conn_resolved, c);
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
	conn_start(up->cur);
}

/* The merge polled the stream for the first time: go. */
static void
upstream_start(void *ud)
{
	struct upstream *up = ud;

	publish_status(up, "reconnecting", "connecting");
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
	conn_start(up->next);
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

/* ---- subscribing and keep-alive ---- */

static void
conn_want_write(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul_sub);

	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

static void
conn_ping_due(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul_ping);
	const struct tk_adapter *a = c->up->conf->adapter;

	c->ping_owed = 1;
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
	lws_sul_schedule(c->up->td->ctx, 0, &c->sul_ping, conn_ping_due,
	    (lws_usec_t)a->ping_interval_s * LWS_US_PER_SEC);
}

static int
conn_send(struct conn *c, unsigned char *buf, int n)
{
	/* Log first: lws masks client frames in place. */
	log_debug("%s: sending %.*s", c->up->conf->name, n, buf);
	return lws_write(c->wsi, buf, (size_t)n, LWS_WRITE_TEXT) < n ? -1 : 0;
}

/* One message per WRITEABLE: an owed ping first, then subscriptions. */
static int
conn_writeable(struct conn *c)
{
	unsigned char buf[LWS_PRE + 8192];
	const struct tk_adapter *a = c->up->conf->adapter;
	int n;

	if (c->ping_owed) {
		c->ping_owed = 0;
		n = (int)strlen(a->ping_message);
		memcpy(buf + LWS_PRE, a->ping_message, (size_t)n);
		if (conn_send(c, buf + LWS_PRE, n) < 0)
			return -1;
		schedule(c->up, &c->sul_sub, conn_want_write, SUB_SPACING_US);
		return 0;
	}
	if (a->subscribe == NULL)
		return 0;
	n = a->subscribe(c->up->symmap, c->up->conf->types, c->sub_next,
	    (char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE);
	if (n < 0) {
		log_errx("%s: cannot build subscribe message %u: %s",
		    c->up->conf->name, c->sub_next, strerror(-n));
		return 0;
	}
	if (n == 0)
		return 0;
	if (conn_send(c, buf + LWS_PRE, n) < 0)
		return -1;
	c->sub_next++;
	schedule(c->up, &c->sul_sub, conn_want_write, SUB_SPACING_US);
	return 0;
}

static void
conn_established(struct conn *c)
{
	struct upstream *up = c->up;
	const struct tk_adapter *a = up->conf->adapter;
	char detail[200];

	c->established = 1;
	c->established_us = c->last_data_us = now_mono_us();
	if (a->ping_message != NULL && a->ping_interval_s > 0)
		schedule(up, &c->sul_ping, conn_ping_due,
		    (lws_usec_t)a->ping_interval_s * LWS_US_PER_SEC);
	lws_callback_on_writable(c->wsi);
	if (c == up->next) {
		log_info("%s: new connection up, waiting for its data",
		    up->conf->name);
		return;
	}
	tk_utf8_snprintf(detail, sizeof(detail), "connected to %s",
	    up->conf->url);
	set_state(up, UP_CONNECTED, detail);
	publish_status(up, "connected", detail);
	schedule_rotation(up);
}

/* ---- receiving ---- */

static void
emit_tick(void *ud, const struct tk_tick *t)
{
	struct upstream *up = ud;

	if (t->type == TK_TICK_TRADE &&
	    tk_dedupe_seen(up->dedupe, t->symbol, t->trade_id)) {
		up->duplicates++;
		return;
	}
	up->ticks++;
	if (tk_queue_push(up->stream, t) == -ENOBUFS)
		up->drops++;
}

static void
conn_got_data(struct conn *c)
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
		publish_status(up, "connected", "rotated to a new connection");
		schedule_rotation(up);
	}
}

static void
handle_frame(struct conn *c, int64_t recv_ts)
{
	struct upstream *up = c->up;
	struct tk_codec_ctx ctx = {
		.exchange = up->conf->name,
		.symbols = up->symmap,
		.types = up->conf->types,
		.recv_ts = recv_ts,
		.emit = emit_tick,
		.emit_ud = up,
		.state = c->codec_state,
	};
	struct tk_frame_result res;

	up->frames++;
	if (up->td->recorder != NULL)
		recorder_write(up->td->recorder, recv_ts, up->conf->name,
		    up->conf->adapter->name, c->rx, c->rx_len);
	up->conf->adapter->parse(&ctx, c->rx, c->rx_len, &res);
	up->unknown += res.unknown;
	switch (res.kind) {
	case TK_FRAME_DATA:
		conn_got_data(c);
		break;
	case TK_FRAME_CONTROL:
		break;
	case TK_FRAME_RECONNECT:
		log_notice("%s: the exchange announces a disconnect: %s",
		    up->conf->name, res.detail[0] ? res.detail : "reconnect");
		if (c == up->cur)
			rotate_start(up, "the exchange announced a disconnect");
		break;
	case TK_FRAME_EXCHANGE_ERROR:
		log_warnx("%s: exchange error: %s", up->conf->name, res.detail);
		publish_status(up, "connected", res.detail);
		break;
	case TK_FRAME_MALFORMED:
		up->parse_errors++;
		log_debug("%s: bad frame: %s", up->conf->name, res.detail);
		break;
	}
}

/* Reassembles a message from fragments, capped at RX_MAX. */
static void
conn_receive(struct conn *c, const void *in, size_t len)
{
	struct lws *wsi = c->wsi;

	if (lws_is_first_fragment(wsi)) {
		c->rx_len = 0;
		c->rx_overflow = 0;
	}
	if (!c->rx_overflow && c->rx_len + len > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : RX_INITIAL;
		char *p;

		while (cap < c->rx_len + len && cap < RX_MAX)
			cap *= 2;
		if (cap < c->rx_len + len || (p = realloc(c->rx, cap)) == NULL)
			c->rx_overflow = 1;
		else {
			c->rx = p;
			c->rx_cap = cap;
		}
	}
	if (!c->rx_overflow) {
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (!lws_is_final_fragment(wsi))
		return;
	if (c->rx_overflow) {
		c->up->parse_errors++;
		conn_drop(c, "frame larger than 1 MiB");
		return;
	}
	if (lws_frame_is_binary(wsi)) {
		c->up->parse_errors++;
		log_debug("%s: binary frame ignored", c->up->conf->name);
		return;
	}
	handle_frame(c, now_realtime_us());
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
		tk_utf8_snprintf(detail, sizeof(detail), "no data for %.1f s",
		    (double)(now - c->last_data_us) / 1e6);
		log_warnx("%s: stale: %s", up->conf->name, detail);
		up->stale_events++;
		publish_status(up, "stale", detail);
		c->last_data_us = now;	/* report once */
		up->retry_now = 1;
		conn_drop(c, detail);
	}
	schedule(up, &up->sul_sweep, upstream_sweep, sweep_interval(up));
}

/* ---- the lws protocol ---- */

static void
conn_connection_error(struct conn *c, struct lws *wsi, const char *in)
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
		snprintf(why, sizeof(why), "connection failed: %s",
		    in ? in : "unknown error");
	}
	conn_ended(c, why);
}

static void
conn_peer_close(struct conn *c, const unsigned char *p, size_t len)
{
	if (len < 2)
		return;
	tk_utf8_snprintf(c->close_why, sizeof(c->close_why),
	    "closed by the exchange (%u%s%.*s)", (unsigned)(p[0] << 8 | p[1]),
	    len > 2 ? ": " : "", (int)(len > 2 ? len - 2 : 0),
	    (const char *)p + 2);
}

static int
append_user_agent(struct lws *wsi, void *in, size_t len)
{
	unsigned char **p = (unsigned char **)in, *end = *p + len;
	static const char ua[] = "tickerd/" TICKERD_VERSION;

	return lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"user-agent:", (const unsigned char *)ua,
	    (int)strlen(ua), p, end) ? -1 : 0;
}

static int
upstream_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct conn *c = lws_get_opaque_user_data(wsi);

	if (c == NULL || c->up == NULL) {
		if (c != NULL && (reason == LWS_CALLBACK_CLIENT_CLOSED ||
		    reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR ||
		    reason == LWS_CALLBACK_WSI_DESTROY)) {
			lws_set_opaque_user_data(wsi, NULL);
			c->wsi = NULL;
			conn_free(c);	/* a replaced connection is done */
		}
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->wsi = wsi;
		conn_established(c);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return conn_writeable(c);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		conn_receive(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		conn_peer_close(c, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		/* lws may call back once more for this wsi: forget it first */
		lws_set_opaque_user_data(wsi, NULL);
		conn_connection_error(c, wsi, in);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		lws_set_opaque_user_data(wsi, NULL);
		conn_ended(c, "connection closed");
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
	case LWS_CALLBACK_WSI_DESTROY:
		/*
		 * An upgrade that never completes is timed out by lws without
		 * CONNECTION_ERROR or CLIENT_CLOSED: the wsi just goes.  This
		 * is the last word on it, whatever came before.
		 */
		lws_set_opaque_user_data(wsi, NULL);
		conn_ended(c, "no answer to the WebSocket upgrade");
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_user_agent(wsi, in, len);
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols upstream_protocol = {
	"exchange", upstream_cb, 0, 16384, 0, NULL, 0
};

/* ---- life cycle ---- */

static int
upstream_parse_url(struct upstream *up)
{
	const char *path;
	size_t n;

	up->url_buf = strdup(up->conf->url);
	if (up->url_buf == NULL)
		return -ENOMEM;
	if (lws_parse_uri(up->url_buf, &up->scheme, &up->host, &up->port,
	    &path))
		return -EINVAL;
	up->tls = strcmp(up->scheme, "wss") == 0;
	if (!up->tls && strcmp(up->scheme, "ws") != 0)
		return -EINVAL;
	/*
	 * lws_parse_uri() drops the leading '/' of a path ("a/b"), but gives
	 * "/" for a URL without one: the request path is "/" + the rest.
	 */
	if (path[0] == '/')
		path++;
	n = strlen(path);
	up->path = malloc(n + 2);
	if (up->path == NULL)
		return -ENOMEM;
	up->path[0] = '/';
	memcpy(up->path + 1, path, n + 1);
	return 0;
}

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
	up->backoff = (struct tk_backoff){ .min_ms = 100, .base_ms = 500,
	    .cap_ms = 30000 };
	up->rng = (uint64_t)now_mono_us() ^ (uint64_t)(uintptr_t)up;
	if (upstream_parse_url(up) < 0) {
		log_errx("%s: bad url %s", conf->name, conf->url);
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
	st->state = up->pub_state ? up->pub_state : "reconnecting";
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

/* A connection still upgrading is left alone: its reads are the handshake. */
static void
conn_hold_rx(struct conn *c, int hold)
{
	if (c != NULL && c->wsi != NULL && c->established)
		lws_rx_flow_control(c->wsi, !hold);
}

static size_t
conn_rx_fd(const struct conn *c, struct lws_pollfd *fd)
{
	if (c == NULL || c->wsi == NULL || !c->established)
		return 0;
	fd->fd = lws_get_socket_fd(c->wsi);
	fd->events = LWS_POLLIN;
	fd->revents = 0;
	return fd->fd >= 0;
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
	conn_free(up->cur);
	conn_free(up->next);
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
	free(up->url_buf);
	free(up->path);
	free(up);
}
