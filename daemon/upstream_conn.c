/* SPDX-License-Identifier: MIT */
/*
 * One WebSocket connection to an exchange: connect to the resolved
 * address, send the subscribe messages and application pings, reassemble
 * and parse what arrives, and close.  What that means for the exchange
 * (state, retries, rotation) is upstream.c's to decide.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/dedupe.h>
#include <ticker/queue.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

#include "clock.h"
#include "log.h"
#include "recorder.h"
#include "resolve.h"
#include "rest.h"
#include "tickerd.h"
#include "upstream_impl.h"
#include "writable.h"

#define RX_INITIAL	(16 * 1024)
#define RX_MAX		(1024 * 1024)	/* larger frames drop the connection */
#define SUB_SPACING_US	250000		/* Binance allows 5 messages/s */

/* Exchange connections are pinged when quiet and dropped if unanswered. */
static const lws_retry_bo_t exchange_policy = {
	.secs_since_valid_ping = 20,
	.secs_since_valid_hangup = 40,
};

struct conn *
conn_open(struct upstream *up)
{
	struct conn *c;

	const struct tk_adapter *a = up->conf->adapter;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->up = up;
	snprintf(c->name, sizeof(c->name), "%s", up->conf->name);
	c->ping_us = (int64_t)a->ping_interval_s * LWS_US_PER_SEC;
	/* an id of this attempt's own, for exchanges that want one */
	snprintf(c->rest_conn.connect_id, sizeof(c->rest_conn.connect_id),
	    "%016llx", (unsigned long long)tk_rand_next(&up->rng));
	if (a->state_size != NULL) {
		/* a fresh connection starts from no book: zeroed */
		c->codec_state_len = a->state_size(up->symmap);
		c->codec_state = calloc(1, c->codec_state_len ?
		    c->codec_state_len : 1);
		if (c->codec_state == NULL)
			goto fail;
	}
	if (a->rest_size != NULL) {
		/* the answers of this attempt, not the last one's */
		c->rest_data = calloc(1, a->rest_size(up->symmap));
		if (c->rest_data == NULL)
			goto fail;
	}
	return c;
fail:
	free(c->codec_state);
	free(c);
	return NULL;
}

int
endpoint_parse(struct endpoint *ep, const char *url, int http)
{
	const char *path, *secure = http ? "https" : "wss";
	const char *plain = http ? "http" : "ws";
	size_t n;

	memset(ep, 0, sizeof(*ep));
	ep->buf = strdup(url);
	ep->shown = strdup(url);
	if (ep->buf == NULL || ep->shown == NULL)
		return -ENOMEM;
	ep->shown[strcspn(ep->shown, "?")] = '\0';
	if (lws_parse_uri(ep->buf, &ep->scheme, &ep->host, &ep->port, &path))
		return -EINVAL;
	ep->tls = strcmp(ep->scheme, secure) == 0;
	if (!ep->tls && strcmp(ep->scheme, plain) != 0)
		return -EINVAL;
	/*
	 * lws_parse_uri() drops the leading '/' of a path ("a/b"), but gives
	 * "/" for a URL without one: the request path is "/" + the rest.
	 */
	if (path[0] == '/')
		path++;
	n = strlen(path);
	ep->path = malloc(n + 2);
	if (ep->path == NULL)
		return -ENOMEM;
	ep->path[0] = '/';
	memcpy(ep->path + 1, path, n + 1);
	return 0;
}

void
endpoint_finish(struct endpoint *ep)
{
	free(ep->buf);
	free(ep->path);
	free(ep->shown);
	memset(ep, 0, sizeof(*ep));
}

const struct endpoint *
conn_target(const struct conn *c)
{
	return c->target.host != NULL ? &c->target : &c->up->ws;
}

int
conn_rest_request(struct conn *c, char *err, size_t errlen)
{
	const struct tk_adapter *a = c->up->conf->adapter;
	int r;

	if (a->rest_request == NULL || c->up->rest.host == NULL)
		return 0;
	r = a->rest_request(c->up->symmap, c->up->conf->types, c->rest_next,
	    &c->rest_req);
	if (r < 0) {
		snprintf(err, errlen, "cannot build REST request %u: %s",
		    c->rest_next, strerror(-r));
		return r;
	}
	if (r > 0)
		return 1;
	c->rest_ok = c->rest_next > 0;
	if (c->rest_conn.ping_interval_ms > 0)
		c->ping_us = (int64_t)c->rest_conn.ping_interval_ms *
		    LWS_US_PER_MS;
	if (c->rest_conn.url[0] == '\0')
		return 0;
	endpoint_finish(&c->target);
	r = endpoint_parse(&c->target, c->rest_conn.url, 0);
	if (r < 0) {
		tk_utf8_snprintf(err, errlen, "the REST answer names no usable "
		    "ws:// or wss:// URL: %.80s", c->target.shown != NULL ?
		    c->target.shown : "");
		endpoint_finish(&c->target);
	}
	return r;
}

int
conn_rest_answer(struct conn *c, const char *body, size_t len, char *err,
    size_t errlen)
{
	const struct tk_adapter *a = c->up->conf->adapter;
	int r;

	err[0] = '\0';
	r = a->rest_parse(c->up->symmap, c->rest_next, body, len,
	    c->rest_data, &c->rest_conn, err, errlen);
	if (r < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", strerror(-r));
		return r;
	}
	c->rest_next++;
	return 0;
}

void
conn_close(struct conn *c, const char *why)
{
	if (c == NULL)
		return;
	log_debug("%s: connection closed: %s", c->name, why);
	lws_sul_cancel(&c->sul_sub);
	lws_sul_cancel(&c->sul_ping);
	lws_sul_cancel(&c->sul_welcome);
	resolve_cancel(c->resolving);
	rest_call_cancel(c->rest_call);
	if (c->wsi != NULL) {
		lws_set_opaque_user_data(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
	free(c->rx);
	free(c->codec_state);
	free(c->rest_data);
	endpoint_finish(&c->target);
	free(c);
}

void
conn_drop(struct conn *c, const char *why)
{
	if (c->wsi == NULL)
		return;
	if (c->close_why[0] == '\0')
		tk_utf8_snprintf(c->close_why, sizeof(c->close_why), "%s",
		    why);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void
conn_retire(struct conn *c, const char *why)
{
	lws_sul_cancel(&c->sul_sub);
	lws_sul_cancel(&c->sul_ping);
	lws_sul_cancel(&c->sul_welcome);
	c->up = NULL;		/* its close is no longer news */
	conn_drop(c, why);
	if (c->wsi == NULL)
		conn_close(c, why);
}

int
conn_connect(struct conn *c, const char *addr)
{
	struct upstream *up = c->up;
	const struct endpoint *to = conn_target(c);
	struct lws_client_connect_info ci;

	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	memset(&ci, 0, sizeof(ci));
	ci.context = up->td->ctx;
	ci.vhost = up->td->vh_client;
	ci.address = c->addr;
	ci.port = to->port;
	ci.path = to->path;
	ci.host = to->host;
	ci.origin = to->host;
	ci.local_protocol_name = UPSTREAM_PROTOCOL;
	ci.retry_and_idle_policy = &exchange_policy;
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	ci.ssl_connection = LCCSCF_PRIORITIZE_READS;
	if (to->tls) {
		ci.ssl_connection |= LCCSCF_USE_SSL;
		if (up->conf->insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
			    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	return lws_client_connect_via_info(&ci) == NULL ? -1 : 0;
}

/* ---- subscribing and keep-alive ---- */

static void
conn_want_write(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul_sub);

	if (c->wsi != NULL)
		want_writable(c->wsi);
}

static void
conn_ping_due(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul_ping);

	c->ping_owed = 1;
	if (c->wsi != NULL)
		want_writable(c->wsi);
	lws_sul_schedule(c->up->td->ctx, 0, &c->sul_ping, conn_ping_due,
	    c->ping_us);
}

/* A server that greets and did not: this connection is no good. */
static void
conn_welcome_due(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, sul_welcome);
	char why[64];

	snprintf(why, sizeof(why), "no welcome within %u s",
	    c->up->conf->adapter->welcome_s);
	log_warnx("%s: %s", c->name, why);
	conn_drop(c, why);
}

void
conn_welcome(struct conn *c)
{
	if (c->welcomed || c->wsi == NULL)
		return;
	c->welcomed = 1;
	lws_sul_cancel(&c->sul_welcome);
	want_writable(c->wsi);
}

void
conn_established(struct conn *c)
{
	const struct tk_adapter *a = c->up->conf->adapter;

	c->established = 1;
	if (a->welcome_s > 0)
		lws_sul_schedule(c->up->td->ctx, 0, &c->sul_welcome,
		    conn_welcome_due, (lws_usec_t)a->welcome_s *
		    LWS_US_PER_SEC);
	c->established_us = c->last_data_us = now_mono_us();
	if (a->ping_message != NULL && c->ping_us > 0)
		lws_sul_schedule(c->up->td->ctx, 0, &c->sul_ping,
		    conn_ping_due, c->ping_us);
	want_writable(c->wsi);
}

static int
conn_send(struct conn *c, unsigned char *buf, int n)
{
	/* Log first: lws masks client frames in place. */
	log_debug("%s: sending %.*s", c->up->conf->name, n, buf);
	return lws_write(c->wsi, buf, (size_t)n, LWS_WRITE_TEXT) < n ? -1 : 0;
}

/*
 * One message per WRITEABLE: a reply the exchange asked for first (it
 * closes connections that do not answer), an owed ping, then
 * subscriptions.
 */
int
conn_writeable(struct conn *c)
{
	unsigned char buf[LWS_PRE + 8192];
	const struct tk_adapter *a = c->up->conf->adapter;
	int n;

	if (c->reply[0] != '\0') {
		n = (int)strlen(c->reply);
		memcpy(buf + LWS_PRE, c->reply, (size_t)n);
		c->reply[0] = '\0';
		if (conn_send(c, buf + LWS_PRE, n) < 0)
			return -1;
		lws_sul_schedule(c->up->td->ctx, 0, &c->sul_sub,
		    conn_want_write, SUB_SPACING_US);
		return 0;
	}
	if (c->ping_owed) {
		c->ping_owed = 0;
		n = (int)strlen(a->ping_message);
		memcpy(buf + LWS_PRE, a->ping_message, (size_t)n);
		if (conn_send(c, buf + LWS_PRE, n) < 0)
			return -1;
		lws_sul_schedule(c->up->td->ctx, 0, &c->sul_sub,
		    conn_want_write, SUB_SPACING_US);
		return 0;
	}
	/* a server that greets first takes nothing before */
	if (a->subscribe == NULL || (a->welcome_s > 0 && !c->welcomed))
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
	lws_sul_schedule(c->up->td->ctx, 0, &c->sul_sub, conn_want_write,
	    SUB_SPACING_US);
	return 0;
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

/* A whole message: recorded (--record), then parsed into ticks. */
static void
conn_parse(struct conn *c, int64_t recv_ts, struct tk_frame_result *res)
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
		.rest = c->rest_ok ? c->rest_data : NULL,
	};

	up->frames++;
	if (up->td->recorder != NULL)
		recorder_write(up->td->recorder, recv_ts, up->conf->name,
		    up->conf->adapter->name, c->rx, c->rx_len);
	up->conf->adapter->parse(&ctx, c->rx, c->rx_len, res);
	up->unknown += res->unknown;
	if (res->reply[0] != '\0' && c->wsi != NULL) {
		/* one owed at a time: a newer request replaces it */
		memcpy(c->reply, res->reply, sizeof(c->reply));
		want_writable(c->wsi);
	}
}

/* Reassembles a message from fragments, capped at RX_MAX. */
int
conn_receive(struct conn *c, const void *in, size_t len,
    struct tk_frame_result *res)
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
		return 0;
	if (c->rx_overflow) {
		c->up->parse_errors++;
		conn_drop(c, "frame larger than 1 MiB");
		return 0;
	}
	if (lws_frame_is_binary(wsi)) {
		c->up->parse_errors++;
		log_debug("%s: binary frame ignored", c->up->conf->name);
		return 0;
	}
	conn_parse(c, now_realtime_us(), res);
	return 1;
}

void
conn_peer_close(struct conn *c, const unsigned char *p, size_t len)
{
	if (len < 2)
		return;
	tk_utf8_snprintf(c->close_why, sizeof(c->close_why),
	    "closed by the exchange (%u%s%.*s)", (unsigned)(p[0] << 8 | p[1]),
	    len > 2 ? ": " : "", (int)(len > 2 ? len - 2 : 0),
	    (const char *)p + 2);
}

int
conn_handshake_header(struct lws *wsi, void *in, size_t len)
{
	unsigned char **p = (unsigned char **)in, *end = *p + len;
	static const char ua[] = "tickerd/" TICKERD_VERSION;

	return lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"user-agent:", (const unsigned char *)ua,
	    (int)strlen(ua), p, end) ? -1 : 0;
}

/* ---- input moderation ---- */

/* A connection still upgrading is left alone: its reads are the handshake. */
void
conn_hold_rx(struct conn *c, int hold)
{
	if (c != NULL && c->wsi != NULL && c->established)
		lws_rx_flow_control(c->wsi, !hold);
}

size_t
conn_rx_fd(const struct conn *c, struct lws_pollfd *fd)
{
	if (c == NULL || c->wsi == NULL || !c->established)
		return 0;
	fd->fd = lws_get_socket_fd(c->wsi);
	fd->events = LWS_POLLIN;
	fd->revents = 0;
	return fd->fd >= 0;
}
