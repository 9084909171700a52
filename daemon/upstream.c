/* SPDX-License-Identifier: MIT */
/* Exchange connections: connect, subscribe, parse, reconnect. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/backoff.h>
#include <ticker/config.h>
#include <ticker/queue.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "log.h"
#include "publisher.h"
#include "resolve.h"
#include "tickerd.h"
#include "upstream.h"

#define RX_INITIAL	(16 * 1024)
#define RX_MAX		(1024 * 1024)	/* larger frames drop the connection */
#define QUEUE_TICKS	4096		/* between two pump turns */
#define SUB_SPACING_US	250000		/* Binance allows 5 messages/s */
#define SWEEP_US	1000000
#define DOWN_AFTER	5		/* failed attempts before "down" */

enum up_state {
	UP_IDLE,		/* not polled yet */
	UP_RESOLVING,
	UP_CONNECTING,
	UP_CONNECTED,
	UP_BACKOFF,		/* waiting to retry */
	UP_STOPPED,
};

static const char *const state_names[] = {
	"idle", "resolving", "connecting", "connected", "backoff", "stopped",
};

struct upstream {
	struct tickerd		*td;
	const struct tk_exchange_conf *conf;
	struct tk_symmap	*symmap;
	struct tk_stream	*stream;	/* the merge owns it */
	enum up_state		 state;
	struct lws		*wsi;
	struct resolve_req	*resolving;
	/* the url, cut up once */
	char			*url_buf;
	const char		*scheme, *host, *path;
	int			 port, tls;
	char			 addr[64];	/* resolved numeric address */
	lws_sorted_usec_list_t	 sul_retry, sul_sub, sul_sweep;
	struct tk_backoff	 backoff;
	uint64_t		 rng;
	unsigned		 failures;	/* attempts since last data */
	unsigned		 sub_next;	/* next subscribe message */
	int			 got_data;	/* since this connect */
	int			 reconnect_now;	/* server asked; no backoff */
	char			 close_why[128];
	int64_t			 last_data_us;	/* monotonic */
	char			*rx;
	size_t			 rx_len, rx_cap;
	int			 rx_overflow;
	/* counters */
	uint64_t		 frames, ticks, parse_errors, unknown;
	uint64_t		 reconnects, drops;
};

static void upstream_connect(lws_sorted_usec_list_t *);

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
	if (up->td->pub != NULL)
		publisher_status(up->td->pub, up->conf->name, state, detail);
}

static void
schedule(struct upstream *up, lws_sorted_usec_list_t *sul, sul_cb_t cb,
    lws_usec_t us)
{
	lws_sul_schedule(up->td->ctx, 0, sul, cb, us);
}

/* The connection is gone or never came up: wait, then try again. */
static void
upstream_lost(struct upstream *up, const char *why)
{
	char detail[192];
	uint32_t ms;

	up->wsi = NULL;
	if (up->state == UP_STOPPED || up->td->stopping)
		return;
	if (up->close_why[0] != '\0') {
		why = up->close_why;
	}
	up->failures += up->got_data ? 0 : 1;
	up->reconnects++;
	ms = up->reconnect_now ? 0 : tk_backoff_next(&up->backoff,
	    tk_rand_next(&up->rng));
	up->reconnect_now = 0;
	snprintf(detail, sizeof(detail), "%s; retrying in %u ms", why, ms);
	set_state(up, UP_BACKOFF, detail);
	publish_status(up, up->failures >= DOWN_AFTER ? "down" :
	    "reconnecting", detail);
	up->close_why[0] = '\0';
	schedule(up, &up->sul_retry, upstream_connect, (lws_usec_t)ms * 1000);
}

/* Closes the live connection; CLIENT_CLOSED then calls upstream_lost(). */
static void
upstream_drop(struct upstream *up, const char *why)
{
	if (up->wsi == NULL)
		return;
	snprintf(up->close_why, sizeof(up->close_why), "%s", why);
	lws_set_timeout(up->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void
connect_resolved(void *ud, const char *addr, const char *err)
{
	struct upstream *up = ud;
	struct lws_client_connect_info ci;
	char msg[160];

	up->resolving = NULL;
	if (addr == NULL) {
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", up->host,
		    err);
		upstream_lost(up, msg);
		return;
	}
	snprintf(up->addr, sizeof(up->addr), "%s", addr);
	memset(&ci, 0, sizeof(ci));
	ci.context = up->td->ctx;
	ci.vhost = up->td->vh_client;
	ci.address = up->addr;
	ci.port = up->port;
	ci.path = up->path;
	ci.host = up->host;
	ci.origin = up->host;
	ci.local_protocol_name = upstream_protocol.name;
	ci.retry_and_idle_policy = &exchange_policy;
	ci.opaque_user_data = up;
	ci.pwsi = &up->wsi;
	if (up->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (up->conf->insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
			    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	ci.ssl_connection |= LCCSCF_PRIORITIZE_READS;
	set_state(up, UP_CONNECTING, up->conf->url);
	if (lws_client_connect_via_info(&ci) == NULL) {
		/* lws gives no CONNECTION_ERROR for this path. */
		upstream_lost(up, "connect failed");
	}
}

static void
upstream_connect(lws_sorted_usec_list_t *sul)
{
	struct upstream *up = lws_container_of(sul, struct upstream,
	    sul_retry);

	if (up->state == UP_STOPPED || up->td->stopping)
		return;
	up->got_data = 0;
	set_state(up, UP_RESOLVING, up->host);
	up->resolving = resolve_start(up->td->resolver, up->host,
	    connect_resolved, up);
}

/* The merge polled the stream for the first time: go. */
static void
upstream_start(void *ud)
{
	struct upstream *up = ud;

	publish_status(up, "reconnecting", "connecting");
	schedule(up, &up->sul_retry, upstream_connect, 1);
}

/* ---- subscribing ---- */

static void
subscribe_next(lws_sorted_usec_list_t *sul)
{
	struct upstream *up = lws_container_of(sul, struct upstream, sul_sub);

	if (up->wsi != NULL)
		lws_callback_on_writable(up->wsi);
}

static int
upstream_writeable(struct upstream *up)
{
	unsigned char buf[LWS_PRE + 8192];
	const struct tk_adapter *a = up->conf->adapter;
	int n;

	if (a->subscribe == NULL)
		return 0;
	n = a->subscribe(up->symmap, up->conf->types, up->sub_next,
	    (char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE);
	if (n < 0) {
		log_errx("%s: cannot build subscribe message %u: %s",
		    up->conf->name, up->sub_next, strerror(-n));
		return 0;
	}
	if (n == 0)
		return 0;
	/* Log first: lws masks client frames in place. */
	log_debug("%s: sending %.*s", up->conf->name, n, buf + LWS_PRE);
	if (lws_write(up->wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
		return -1;
	up->sub_next++;
	schedule(up, &up->sul_sub, subscribe_next, SUB_SPACING_US);
	return 0;
}

static void
upstream_established(struct upstream *up)
{
	char detail[160];

	up->sub_next = 0;
	up->rx_len = 0;
	up->last_data_us = now_mono_us();
	snprintf(detail, sizeof(detail), "connected to %s", up->conf->url);
	set_state(up, UP_CONNECTED, detail);
	publish_status(up, "connected", detail);
	lws_callback_on_writable(up->wsi);
}

/* ---- receiving ---- */

static void
emit_tick(void *ud, const struct tk_tick *t)
{
	struct upstream *up = ud;

	up->ticks++;
	if (tk_queue_push(up->stream, t) == -ENOBUFS)
		up->drops++;
}

static void
handle_frame(struct upstream *up, int64_t recv_ts)
{
	struct tk_codec_ctx ctx = {
		.exchange = up->conf->name,
		.symbols = up->symmap,
		.types = up->conf->types,
		.recv_ts = recv_ts,
		.emit = emit_tick,
		.emit_ud = up,
	};
	struct tk_frame_result res;

	up->frames++;
	up->conf->adapter->parse(&ctx, up->rx, up->rx_len, &res);
	up->unknown += res.unknown;
	switch (res.kind) {
	case TK_FRAME_DATA:
		up->last_data_us = now_mono_us();
		if (!up->got_data) {
			up->got_data = 1;
			up->failures = 0;
			tk_backoff_reset(&up->backoff);
		}
		break;
	case TK_FRAME_CONTROL:
		break;
	case TK_FRAME_RECONNECT:
		log_notice("%s: the exchange asks to reconnect", up->conf->name);
		up->reconnect_now = 1;
		upstream_drop(up, "the exchange asked to reconnect");
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
upstream_receive(struct upstream *up, const void *in, size_t len)
{
	struct lws *wsi = up->wsi;

	if (lws_is_first_fragment(wsi)) {
		up->rx_len = 0;
		up->rx_overflow = 0;
	}
	if (!up->rx_overflow && up->rx_len + len > up->rx_cap) {
		size_t cap = up->rx_cap ? up->rx_cap : RX_INITIAL;
		char *p;

		while (cap < up->rx_len + len && cap < RX_MAX)
			cap *= 2;
		if (cap < up->rx_len + len ||
		    (p = realloc(up->rx, cap)) == NULL) {
			up->rx_overflow = 1;
		} else {
			up->rx = p;
			up->rx_cap = cap;
		}
	}
	if (!up->rx_overflow) {
		memcpy(up->rx + up->rx_len, in, len);
		up->rx_len += len;
	}
	if (!lws_is_final_fragment(wsi))
		return;
	if (up->rx_overflow) {
		up->parse_errors++;
		upstream_drop(up, "frame larger than 1 MiB");
		return;
	}
	if (lws_frame_is_binary(wsi)) {
		up->parse_errors++;
		log_debug("%s: binary frame ignored", up->conf->name);
		return;
	}
	handle_frame(up, now_realtime_us());
}

/* ---- staleness ---- */

static void
upstream_sweep(lws_sorted_usec_list_t *sul)
{
	struct upstream *up = lws_container_of(sul, struct upstream,
	    sul_sweep);
	int64_t quiet = now_mono_us() - up->last_data_us;
	char detail[128];

	if (up->state == UP_STOPPED)
		return;
	if (up->state == UP_CONNECTED && up->wsi != NULL &&
	    quiet > (int64_t)(up->conf->stale_s * 1e6)) {
		snprintf(detail, sizeof(detail), "no data for %.1f s",
		    (double)quiet / 1e6);
		log_warnx("%s: stale: %s", up->conf->name, detail);
		publish_status(up, "stale", detail);
		upstream_drop(up, detail);
	}
	schedule(up, &up->sul_sweep, upstream_sweep, SWEEP_US);
}

static int
upstream_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct upstream *up = lws_get_opaque_user_data(wsi);
	char why[160];

	if (up == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		up->wsi = wsi;
		upstream_established(up);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return upstream_writeable(up);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		upstream_receive(up, in, len);
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *p = in;

			snprintf(up->close_why, sizeof(up->close_why),
			    "closed by the exchange (%u%s%.*s)",
			    (unsigned)(p[0] << 8 | p[1]), len > 2 ? ": " : "",
			    (int)(len > 2 ? len - 2 : 0), (const char *)in + 2);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(why, sizeof(why), "connection failed: %s",
		    in ? (const char *)in : "unknown error");
		upstream_lost(up, why);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		upstream_lost(up, "connection closed");
		return 0;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = (unsigned char **)in, *end = *p + len;
		static const char ua[] = "tickerd/" TICKERD_VERSION;

		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)"user-agent:",
		    (const unsigned char *)ua, (int)strlen(ua), p, end))
			return -1;
		return 0;
	}
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols upstream_protocol = {
	"exchange", upstream_cb, 0, 16384, 0, NULL, 0
};

static int
upstream_parse_url(struct upstream *up)
{
	const char *path;
	char *p;

	up->url_buf = strdup(up->conf->url);
	if (up->url_buf == NULL)
		return -ENOMEM;
	if (lws_parse_uri(up->url_buf, &up->scheme, &up->host, &up->port,
	    &path))
		return -EINVAL;
	up->tls = strcmp(up->scheme, "wss") == 0;
	if (!up->tls && strcmp(up->scheme, "ws") != 0)
		return -EINVAL;
	/* lws_parse_uri() drops the leading '/': put it back. */
	p = malloc(strlen(path) + 2);
	if (p == NULL)
		return -ENOMEM;
	p[0] = '/';
	strcpy(p + 1, path);
	up->path = p;
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
	up->stream = tk_queue_new(conf->name, QUEUE_TICKS, upstream_start, up);
	if (up->stream == NULL)
		goto fail;
	schedule(up, &up->sul_sweep, upstream_sweep, SWEEP_US);
	*stream = up->stream;
	return up;
fail:
	upstream_free(up);
	return NULL;
}

void
upstream_stop(struct upstream *up)
{
	if (up == NULL || up->state == UP_STOPPED)
		return;
	set_state(up, UP_STOPPED, "stopping");
	lws_sul_cancel(&up->sul_retry);
	lws_sul_cancel(&up->sul_sub);
	lws_sul_cancel(&up->sul_sweep);
	resolve_cancel(up->resolving);
	up->resolving = NULL;
	if (up->wsi != NULL) {
		lws_set_opaque_user_data(up->wsi, NULL);
		lws_set_timeout(up->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		up->wsi = NULL;
	}
}

void
upstream_free(struct upstream *up)
{
	if (up == NULL)
		return;
	upstream_stop(up);
	tk_symmap_free(up->symmap);
	free(up->url_buf);
	free((char *)up->path);
	free(up->rx);
	free(up);
}
