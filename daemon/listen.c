/* SPDX-License-Identifier: MIT */
/*
 * The local listeners (TCP and/or unix, or systemd's sockets) and their
 * lws protocol: plain HTTP requests go to http.c, WebSocket clients to
 * client.c, after the connection cap, the Host check and the Origin check.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/config.h>

#include "http.h"
#include "log.h"
#include "publisher_impl.h"

#define HTTP_STATUS_MISDIRECTED 421

static int listen_cb(struct lws *, enum lws_callback_reasons, void *,
    void *, size_t);

/*
 * tx_packet_size: lws sends at most that much per send() and copies the
 * rest of a write into a buffer of its own; a coalesced write must fit,
 * or a fast client needs a POLLOUT turn per 4 KiB and falls behind.
 */
static const struct lws_protocols listen_protocols[] = {
	{ "tickerd", listen_cb, sizeof(struct client), 4096, 0, NULL,
	    SCRATCH_BYTES },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Idle local clients are pinged, and dropped if they stop answering. */
static const lws_retry_bo_t client_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 45,
};

/* The publisher of the context @wsi belongs to (NULL while starting). */
static struct publisher *
pub_of(struct lws *wsi)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));

	return td->pub;
}

/*
 * A TCP connection, from our own listener or one systemd passed us: the
 * local port it came in on, or -1 if unknown; 0 for a unix socket.
 * *@lo: it came in on a loopback address.
 */
static int
on_network_at(struct publisher *pub, struct lws *wsi, int *lo)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;

	*lo = 0;
	memset(&ss, 0, sizeof(ss));	/* the analyzer cannot see getsockname() */
	if (lws_get_vhost(wsi) != pub->vh_tcp &&
	    lws_get_vhost(wsi) != pub->vh_act)
		return 0;
	if (getsockname((int)lws_get_socket_fd(wsi), (struct sockaddr *)&ss,
	    &len) < 0)
		/* our own TCP listener's connections are TCP all the same */
		return lws_get_vhost(wsi) == pub->vh_tcp ? -1 : 0;
	if (ss.ss_family == AF_INET) {
		s4 = (const struct sockaddr_in *)&ss;
		*lo = ntohl(s4->sin_addr.s_addr) >> 24 == 127;
		return ntohs(s4->sin_port);
	}
	if (ss.ss_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)&ss;
		*lo = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		    s6->sin6_addr.s6_addr[12] == 127);
		return ntohs(s6->sin6_port);
	}
	return 0;
}

static int
on_network(struct publisher *pub, struct lws *wsi)
{
	int lo;

	return on_network_at(pub, wsi, &lo);
}

/* 127.0.0.0/8 in dotted decimal, as browsers write it in Host. */
static int
loopback_v4(const char *host)
{
	struct in_addr a;

	return inet_pton(AF_INET, host, &a) == 1 &&
	    (ntohl(a.s_addr) >> 24) == 127;
}

/*
 * Splits a Host header ("name", "name:port", "[v6]", "[v6]:port") into
 * @host (brackets kept) and its port, 0 when it has none.  -EINVAL if it
 * is none of those.
 */
static int
split_host_header(const char *hdr, char *host, size_t cap, long *port)
{
	const char *end, *colon;
	char *e;

	if (hdr[0] == '[') {
		if ((end = strchr(hdr, ']')) == NULL)
			return -EINVAL;
		end++;
		colon = *end == ':' ? end : NULL;
		if (*end != '\0' && colon == NULL)
			return -EINVAL;
	} else {
		colon = strchr(hdr, ':');
		end = colon != NULL ? colon : hdr + strlen(hdr);
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return -EINVAL;		/* IPv6 without brackets */
	}
	if (end == hdr || (size_t)(end - hdr) >= cap)
		return -EINVAL;
	memcpy(host, hdr, (size_t)(end - hdr));
	host[end - hdr] = '\0';
	*port = 0;
	if (colon == NULL)
		return 0;
	if (colon[1] < '0' || colon[1] > '9' || strlen(colon + 1) > 5)
		return -EINVAL;
	*port = strtol(colon + 1, &e, 10);
	return *e == '\0' && *port >= 1 && *port <= 65535 ? 0 : -EINVAL;
}

/*
 * DNS rebinding: a web page whose name was rebound to 127.0.0.1 reaches
 * tickerd with its own name in Host.  On TCP, the Host must name loopback
 * (localhost, 127.0.0.0/8, [::1]) or one of listen.hosts, with the port
 * the connection came in on.  Without a port: a loopback name is accepted
 * (programs send it so; a browser sends the port unless it is 80, and a
 * rebound page cannot have a loopback name), a configured name only on
 * port 80, where browsers leave the port out.  The port is compared only
 * for connections to a loopback address: one to another address may have
 * come through a port mapping (a container's published port), and its
 * Host carries the published port.  A request without Host (HTTP/1.0:
 * health checkers, scripts) is not from a browser, which always sends
 * one, and is let in.  Unix sockets are not reachable from web pages and
 * are not checked.
 */
static int
host_allowed(struct publisher *pub, struct lws *wsi)
{
	const struct tk_config *conf = &pub->td->conf;
	char hdr[256], host[256];
	int lo, local = on_network_at(pub, wsi, &lo), loopback, named = 0;
	long port;
	size_t i;

	if (local == 0 || lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0)
		return 1;
	if (lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HOST) <= 0)
		hdr[0] = '\0';
	if (hdr[0] != '\0' &&
	    split_host_header(hdr, host, sizeof(host), &port) == 0) {
		loopback = strcasecmp(host, "localhost") == 0 ||
		    strcmp(host, "[::1]") == 0 || loopback_v4(host);
		for (i = 0; !loopback && i < conf->nlisten_hosts; i++)
			named |= strcasecmp(host, conf->listen_hosts[i]) == 0;
		if ((loopback || named) && (port != 0 ? port == local ||
		    local < 0 || !lo : loopback || local == 80 || !lo))
			return 1;
	}
	pub->stats.host_refused++;
	if (log_limited(&pub->log_host, "refused Host headers"))
		log_info("refused a request for Host \"%s\" (DNS rebinding "
		    "check; listen.hosts)", hdr);
	return 0;
}

/*
 * Browsers send Origin; any web page could otherwise open a WebSocket to
 * 127.0.0.1 and read the stream.  Programs send no Origin and are let in;
 * a browser only from a page tickerd served itself (the live page: its
 * Origin's host:port is the Host it asked for).  Unix sockets are not
 * reachable from web pages and are not checked.
 */
static int
origin_allowed(struct publisher *pub, struct lws *wsi)
{
	char origin[256], host[256];
	const char *o;

	if (!on_network(pub, wsi) ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return 1;
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0 ||
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) < 0)
		return 0;
	o = strstr(origin, "://");
	o = o != NULL ? o + 3 : origin;
	if (strcmp(o, host) == 0)
		return 1;
	pub->stats.origin_refused++;
	if (log_limited(&pub->log_origin, "refused Origins"))
		log_info("refused a WebSocket from origin %s (host %s)", origin,
		    host);
	return 0;
}

/* ---- connections still sending their request head ---- */

static ssize_t
head_find(const struct publisher *pub, const struct lws *wsi)
{
	size_t i;

	for (i = 0; i < pub->nheads; i++)
		if (pub->heads[i].wsi == wsi)
			return (ssize_t)i;
	return -1;
}

/* @wsi waits for a request head (new, or idle between two requests). */
static void
head_add(struct publisher *pub, struct lws *wsi)
{
	struct head_wait *h;
	size_t cap;

	if (head_find(pub, wsi) >= 0)
		return;
	if (pub->nheads == pub->heads_cap) {
		cap = pub->heads_cap ? pub->heads_cap * 2 : 64;
		h = realloc(pub->heads, cap * sizeof(*h));
		if (h == NULL)
			return;		/* not evictable; the timeout still holds */
		pub->heads = h;
		pub->heads_cap = cap;
	}
	pub->heads[pub->nheads].wsi = wsi;
	pub->heads[pub->nheads].evicted = 0;
	pub->nheads++;
}

/* @wsi sent its request head, or is gone. */
static void
head_done(struct publisher *pub, struct lws *wsi)
{
	ssize_t i = head_find(pub, wsi);

	if (i < 0)
		return;
	if (pub->heads[i].evicted)
		pub->evicted--;
	memmove(&pub->heads[i], &pub->heads[i + 1],
	    (pub->nheads - (size_t)i - 1) * sizeof(*pub->heads));
	pub->nheads--;
}

int
publisher_admit(struct publisher *pub)
{
	size_t i;

	if (pub->conns - pub->evicted < pub->max_clients + HTTP_HEADROOM)
		return 0;
	for (i = 0; i < pub->nheads; i++) {
		if (pub->heads[i].evicted)
			continue;
		/* closed on the loop's next turn; counted as gone already */
		pub->heads[i].evicted = 1;
		pub->evicted++;
		pub->stats.conns_evicted++;
		lws_set_timeout(pub->heads[i].wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return 0;
	}
	pub->stats.conns_refused++;
	return -1;
}

/*
 * lws calls this for every event of every connection on the listeners:
 * a protocol callback is the shape lws gives, so this is where the
 * publisher is entered from the loop (besides the pump's flushes).
 */
static int
listen_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct client *c = user;
	struct publisher *pub;
	int pending, r;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		if ((pub = pub_of(wsi)) == NULL)
			return -1;
		head_done(pub, wsi);
		if (!host_allowed(pub, wsi)) {
			lws_return_http_status(wsi, HTTP_STATUS_MISDIRECTED,
			    "this Host is not served here");
			return -1;
		}
		return http_request(pub->td, wsi, &c->http, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (c == NULL)
			return 0;
		/*
		 * A reply written completes the transaction, and lws frees
		 * @c (the per-transaction data) as it does: read it before.
		 */
		pending = c->http.body != NULL;
		r = http_writeable(wsi, &c->http);
		if (r == 0 && pending && (pub = pub_of(wsi)) != NULL)
			head_add(pub, wsi);	/* idle until the next request */
		return r;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/*
		 * Refused here rather than in FILTER_PROTOCOL_CONNECTION,
		 * where lws logs every refusal at warning level itself.
		 */
		if ((pub = pub_of(wsi)) == NULL)
			return -1;
		head_done(pub, wsi);
		if (!host_allowed(pub, wsi)) {
			lws_return_http_status(wsi, HTTP_STATUS_MISDIRECTED,
			    "this Host is not served here");
			return -1;
		}
		if (!origin_allowed(pub, wsi)) {
			lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN,
			    "cross-origin WebSocket refused");
			return -1;
		}
		return 0;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		/* the header timeout (timeout_secs_ah_idle) runs from now */
		if ((pub = pub_of(wsi)) != NULL)
			head_add(pub, wsi);
		return 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		/* also for connections that never made a request */
		if (c != NULL)
			http_txn_finish(&c->http);
		return 0;
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/*
		 * Refuse at accept time once far past the client limit, so
		 * that a flood of connections never exhausts the process' file
		 * descriptors (lws then spins on a listener it cannot accept
		 * from).  The headroom keeps /health reachable at the limit,
		 * and heads that take their time make room for new ones.
		 */
		pub = pub_of(wsi);
		return pub != NULL ? publisher_admit(pub) : 0;
	case LWS_CALLBACK_WSI_CREATE:
		if ((pub = pub_of(wsi)) != NULL)
			pub->conns++;
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if ((pub = pub_of(wsi)) == NULL)
			return 0;
		head_done(pub, wsi);
		if (pub->conns > 0)
			pub->conns--;
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		pub = pub_of(wsi);
		if (pub == NULL)
			return -1;
		if (client_established(pub, c, wsi) == 0)
			session_open(pub, c);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (c->close_code)
			return 0;
		client_receive(pub_of(wsi), c, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_writeable(pub_of(wsi), c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c->closing = 1;		/* lws answers; write nothing more */
		return 0;
	case LWS_CALLBACK_CLOSED:
		client_closed(pub_of(wsi), c);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int
split_host_port(const char *hostport, char *host, size_t hostcap, int *port)
{
	const char *colon = strrchr(hostport, ':');
	size_t hlen;
	char *end;
	long p;

	if (colon == NULL)
		return -EINVAL;
	hlen = (size_t)(colon - hostport);
	if (hlen >= 2 && hostport[0] == '[' && hostport[hlen - 1] == ']') {
		hostport++;
		hlen -= 2;
	}
	if (hlen + 1 > hostcap)
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || p < 1 ||
	    p > 65535)
		return -EINVAL;
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';
	*port = (int)p;
	return 0;
}

static void
listener_info(struct publisher *pub, struct lws_context_creation_info *info)
{
	memset(info, 0, sizeof(*info));
	info->protocols = listen_protocols;
	info->retry_and_idle_policy = &client_policy;
	info->user = pub;
	/*
	 * lws holds a header table for a connection from its accept until
	 * its request head is complete, under this timeout: a connection
	 * that sends half a head, or nothing, is closed after it.
	 */
	info->timeout_secs_ah_idle = HEADER_TIMEOUT_S;
}

static struct lws_vhost *
listen_tcp(struct publisher *pub, const char *hostport)
{
	struct lws_context_creation_info info;
	char host[128];
	int port;

	if (split_host_port(hostport, host, sizeof(host), &port) < 0)
		return NULL;
	listener_info(pub, &info);
	info.vhost_name = "tcp";
	info.iface = host;
	info.port = port;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (strchr(host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	return lws_create_vhost(pub->td->ctx, &info);
}

/*
 * Creates the socket's directory if needed; the socket itself is 0660.
 * bind() creates it with the umask's mode and lws chmods nothing: the
 * umask is narrowed around the bind, so that there is no moment in which
 * the socket is wider than 0660 before the chmod.
 */
static struct lws_vhost *
listen_unix(struct publisher *pub, const char *path)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	char dir[256];
	char *slash;
	mode_t mask;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			log_warnx("cannot create %s: %s", dir, strerror(errno));
	}
	listener_info(pub, &info);
	info.vhost_name = "unix";
	info.iface = path;
	info.options = LWS_SERVER_OPTION_UNIX_SOCK |
	    LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	mask = umask(0117);
	vh = lws_create_vhost(pub->td->ctx, &info);
	umask(mask);
	if (vh != NULL && chmod(path, 0660) < 0)
		log_warnx("chmod %s: %s", path, strerror(errno));
	return vh;
}

/*
 * Socket activation: no listener of its own; activate.c accepts on
 * systemd's sockets and adopts the connections here.
 */
static struct lws_vhost *
listen_activated(struct publisher *pub)
{
	struct lws_context_creation_info info;

	listener_info(pub, &info);
	info.vhost_name = "activated";
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	return lws_create_vhost(pub->td->ctx, &info);
}

struct lws_vhost *
publisher_activated_vhost(const struct publisher *pub)
{
	return pub->vh_act;
}

/* The config's listeners, unless systemd passed sockets. */
int
publisher_listen(struct publisher *pub)
{
	const struct tk_config *conf = &pub->td->conf;

	if (pub->td->act != NULL) {
		if ((pub->vh_act = listen_activated(pub)) == NULL) {
			log_errx("cannot create the socket-activation vhost");
			return -1;
		}
		return 0;
	}
	if (conf->listen_tcp != NULL &&
	    (pub->vh_tcp = listen_tcp(pub, conf->listen_tcp)) == NULL) {
		log_errx("cannot listen on %s", conf->listen_tcp);
		return -1;
	}
	if (conf->listen_unix != NULL &&
	    (pub->vh_unix = listen_unix(pub, conf->listen_unix)) == NULL) {
		log_errx("cannot listen on %s", conf->listen_unix);
		return -1;
	}
	log_notice("listening on%s%s%s%s", conf->listen_tcp ? " tcp " : "",
	    conf->listen_tcp ? conf->listen_tcp : "",
	    conf->listen_unix ? " unix " : "",
	    conf->listen_unix ? conf->listen_unix : "");
	return 0;
}
