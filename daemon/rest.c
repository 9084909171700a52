/* SPDX-License-Identifier: MIT */
/*
 * REST requests on the loop with libwebsockets' HTTP client: connect to
 * the resolved address, send the request (a POST's JSON body on
 * CLIENT_HTTP_WRITEABLE), collect status, Retry-After and body, and hand
 * them to the caller once.  A deadline of our own bounds the whole
 * exchange: lws' timeouts cover the connect and the headers, not a body
 * that trickles or never ends.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "log.h"
#include "rest.h"
#include "tickerd.h"
#include "writable.h"

#define REST_PROTOCOL	"rest"
#define BODY_MAX	(8 * 1024 * 1024)	/* OKX's swap list: ~300 KB */
#define ERR_MAX		160

struct rest_call {
	struct tickerd		*td;
	struct lws		*wsi;
	lws_sorted_usec_list_t	 sul_timeout;
	rest_cb			*cb;		/* NULL once delivered */
	void			*ud;
	char			*method, *path, *host, *body;
	size_t			 body_len;
	int			 body_sent;
	int			 status;
	long			 retry_after_s;
	char			*rx;
	size_t			 rx_len, rx_cap;
	int			 starting;	/* inside rest_call_start() */
	int			 ended;		/* outcome known */
	char			 err[ERR_MAX];
};

static void	 call_free(struct rest_call *);
static void	 call_end(struct rest_call *, int status, const char *err);
static void	 call_deliver(struct rest_call *);

/* Lets go of the connection: lws closes it on its next turn. */
static void
call_detach(struct rest_call *call)
{
	lws_sul_cancel(&call->sul_timeout);
	if (call->wsi != NULL) {
		lws_set_opaque_user_data(call->wsi, NULL);
		lws_set_timeout(call->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		call->wsi = NULL;
	}
}

static void
call_free(struct rest_call *call)
{
	if (call == NULL)
		return;
	call_detach(call);
	free(call->method);
	free(call->path);
	free(call->host);
	free(call->body);
	free(call->rx);
	free(call);
}

/* The outcome is known, and the connection goes at once. */
static void
call_record(struct rest_call *call, int status, const char *err)
{
	if (call->ended)
		return;
	call->ended = 1;
	call->status = status;
	snprintf(call->err, sizeof(call->err), "%s", err != NULL ? err : "");
	call_detach(call);
}

/*
 * call_record(), and the caller hears of it now, or, while
 * rest_call_start() is still running, when it returns.
 */
static void
call_end(struct rest_call *call, int status, const char *err)
{
	if (call->ended)
		return;
	call_record(call, status, err);
	if (!call->starting)
		call_deliver(call);
}

static void
call_deliver(struct rest_call *call)
{
	rest_cb *cb = call->cb;

	call->cb = NULL;
	if (cb != NULL)
		cb(call->ud, call->status, call->rx != NULL ? call->rx : "",
		    call->rx_len, call->retry_after_s, call->err);
	call_free(call);
}

static void
call_timeout(lws_sorted_usec_list_t *sul)
{
	struct rest_call *call = lws_container_of(sul, struct rest_call,
	    sul_timeout);

	call_end(call, 0, "no complete answer in time");	/* a trickle */
}

/* Appends to the body, NUL-terminated; too large ends the call. */
static int
call_append(struct rest_call *call, const void *in, size_t len)
{
	size_t cap = call->rx_cap ? call->rx_cap : 4096;
	char *p;

	if (call->rx_len + len + 1 > BODY_MAX) {
		call_end(call, 0, "answer larger than 8 MiB");
		return -1;
	}
	while (cap < call->rx_len + len + 1)
		cap *= 2;
	if (cap != call->rx_cap) {
		if ((p = realloc(call->rx, cap)) == NULL) {
			call_end(call, 0, "out of memory");
			return -1;
		}
		call->rx = p;
		call->rx_cap = cap;
	}
	memcpy(call->rx + call->rx_len, in, len);
	call->rx_len += len;
	call->rx[call->rx_len] = '\0';
	return 0;
}

/* Retry-After in seconds; an HTTP date or junk counts as absent. */
static long
retry_after(struct lws *wsi)
{
	char buf[32], *end;
	long v;

	if (lws_hdr_copy(wsi, buf, sizeof(buf),
	    WSI_TOKEN_HTTP_RETRY_AFTER) <= 0)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || *end != '\0' || v < 0)
		return -1;
	return v;
}

static int
add_header(struct lws *wsi, const char *name, const char *value,
    unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

/* User-Agent; a POST says what it carries, and that a body follows. */
static int
append_headers(struct rest_call *call, struct lws *wsi, void *in,
    size_t len)
{
	unsigned char **p = (unsigned char **)in, *end = *p + len;
	char n[24];

	if (add_header(wsi, "user-agent:", "tickerd/" TICKERD_VERSION, p,
	    end))
		return -1;
	if (strcmp(call->method, "POST") != 0)
		return 0;
	snprintf(n, sizeof(n), "%zu", call->body_len);
	if (add_header(wsi, "content-type:", "application/json", p, end) ||
	    add_header(wsi, "content-length:", n, p, end))
		return -1;
	if (call->body_len > 0) {
		lws_client_http_body_pending(wsi, 1);
		want_writable(wsi);
	}
	return 0;
}

static int
write_body(struct rest_call *call, struct lws *wsi)
{
	unsigned char *buf;
	int r;

	if (call->body_sent || call->body_len == 0)
		return 0;
	buf = malloc(LWS_PRE + call->body_len);
	if (buf == NULL)
		return -1;
	memcpy(buf + LWS_PRE, call->body, call->body_len);
	r = lws_write(wsi, buf + LWS_PRE, call->body_len,
	    LWS_WRITE_HTTP_FINAL);
	free(buf);
	call->body_sent = 1;
	lws_client_http_body_pending(wsi, 0);
	return r < (int)call->body_len ? -1 : 0;
}

static int
rest_cb_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct rest_call *call = lws_get_opaque_user_data(wsi);
	char buf[LWS_PRE + 4096], *p;
	int n;

	if (call == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	call->wsi = wsi;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		return append_headers(call, wsi, in, len);
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		return write_body(call, wsi);
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		call->status = (int)lws_http_client_http_response(wsi);
		call->retry_after_s = retry_after(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		p = buf + LWS_PRE;
		n = (int)sizeof(buf) - LWS_PRE;
		return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		return call_append(call, in, len) < 0 ? -1 : 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		call_end(call, call->status, NULL);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		lws_set_opaque_user_data(wsi, NULL);
		call->wsi = NULL;
		call_end(call, 0, in != NULL ? (const char *)in :
		    "connection failed");
		return 0;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
	case LWS_CALLBACK_WSI_DESTROY:
		lws_set_opaque_user_data(wsi, NULL);
		call->wsi = NULL;
		/* lws' own timeouts end a silent server the same way */
		call_end(call, 0, call->status == 0 ? "no answer (closed or "
		    "timed out)" : "connection closed before the answer was "
		    "complete");
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols rest_protocol = {
	REST_PROTOCOL, rest_cb_lws, 0, 4096, 0, NULL, 0
};

static int
call_connect(struct rest_call *call, const struct rest_target *to)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = call->td->ctx;
	ci.vhost = call->td->vh_client;
	ci.address = to->addr;
	ci.port = to->port;
	ci.path = call->path;
	ci.host = call->host;
	ci.origin = call->host;
	ci.method = call->method;
	ci.alpn = "http/1.1";
	ci.local_protocol_name = REST_PROTOCOL;
	ci.opaque_user_data = call;
	/* a redirect could lead anywhere: it is an answer like any other */
	ci.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	if (to->tls) {
		ci.ssl_connection |= LCCSCF_USE_SSL;
		if (to->insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
			    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			    LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	call->wsi = lws_client_connect_via_info(&ci);
	return call->wsi == NULL ? -1 : 0;
}

struct rest_call *
rest_call_start(struct tickerd *td, const struct rest_target *to,
    const char *method, const char *path, const char *body,
    unsigned timeout_ms, rest_cb *cb, void *ud)
{
	struct rest_call *call = calloc(1, sizeof(*call));

	if (call == NULL) {
		cb(ud, 0, "", 0, -1, "out of memory");
		return NULL;
	}
	call->td = td;
	call->cb = cb;
	call->ud = ud;
	call->retry_after_s = -1;
	call->body_len = strlen(body);
	call->method = strdup(method);
	call->path = strdup(path);
	call->host = strdup(to->host);
	call->body = strdup(body);
	if (call->method == NULL || call->path == NULL || call->host == NULL ||
	    call->body == NULL) {
		call_end(call, 0, "out of memory");
		return NULL;
	}
	lws_sul_schedule(td->ctx, 0, &call->sul_timeout, call_timeout,
	    (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	call->starting = 1;
	if (call_connect(call, to) < 0)
		call_record(call, 0, "connect failed");
	call->starting = 0;
	if (call->ended) {
		/* lws gives no CONNECTION_ERROR for a NULL return */
		call_deliver(call);
		return NULL;
	}
	log_debug("REST %s %s:%d%s", method, to->host, to->port, path);
	return call;
}

void
rest_call_cancel(struct rest_call *call)
{
	if (call == NULL)
		return;
	call->cb = NULL;
	call_free(call);
}
