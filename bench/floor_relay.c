/* SPDX-License-Identifier: MIT */
/*
 * The latency floor: about the least a relay can do between one fake
 * exchange of loadgen and its subscribers, so that a latency measured
 * through tickerd or the Node relay can be set beside what loopback and
 * this machine's scheduler allow any relay.
 *
 * One thread, one epoll, level-triggered.  It subscribes upstream as the
 * Node relay does, and re-sends each upstream frame's payload to every
 * open client as a server frame: whatever one read() brought, in one
 * write() per client.  No parsing, no filter, no queue, no timers: a
 * client whose socket buffer is full is closed (at the light loads it is
 * run at, none is).  It is a measuring stick, not a relay to use.
 *
 *   floor_relay LISTEN_PORT UPSTREAM_PORT      (both on 127.0.0.1)
 */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define HOST		"127.0.0.1"
#define MAX_CLIENTS	4096
#define IN_MAX		(1024 * 1024)
#define CLIENT_IN_MAX	8192
#define NEVENTS		64

struct client {
	int		 fd;
	int		 open;		/* handshake answered */
	size_t		 inlen;
	unsigned char	 in[CLIENT_IN_MAX];
};

struct relay {
	int		 ep, lfd, up;
	size_t		 uplen;
	unsigned char	*upin;		/* upstream bytes not yet framed */
	unsigned char	*out;		/* this read's frames, as sent */
	size_t		 outlen;
	struct client	*clients[MAX_CLIENTS];
	unsigned	 nclients;
};

static void
die(const char *what)
{
	fprintf(stderr, "floor_relay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
watch(struct relay *r, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

typedef int frame_fn(void *arg, const struct lg_frame *);

/*
 * Hands each whole frame in @buf (*@len bytes) to @fn and keeps the
 * unfinished tail; -1 when @fn or the framing says the connection ends.
 */
static int
take_frames(unsigned char *buf, size_t *len, size_t max, frame_fn *fn,
    void *arg)
{
	struct lg_frame f;
	size_t off = 0;
	int got;

	while ((got = lg_ws_parse(buf + off, *len - off, max, &f)) > 0) {
		off += f.total;
		if (fn(arg, &f) < 0)
			return -1;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
	return got < 0 ? -1 : 0;
}

/* ---- upstream ---- */

/* Reads until the end of the response head; keeps what follows it. */
static void
upstream_handshake(struct relay *r)
{
	static const char req[] = "GET /ws HTTP/1.1\r\nHost: " HOST "\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	static const char sub[] = "{\"method\":\"SUBSCRIBE\","
	    "\"params\":[\"btcusdt@trade\"],\"id\":1}";
	unsigned char hdr[LG_WS_HDR_MAX], *end = NULL;
	size_t n, used;
	ssize_t got;

	if (write(r->up, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		die("upstream request");
	while (end == NULL) {
		got = read(r->up, r->upin + r->uplen, IN_MAX - r->uplen);
		if (got <= 0)
			die("upstream response");
		r->uplen += (size_t)got;
		end = memmem(r->upin, r->uplen, "\r\n\r\n", 4);
	}
	if (memcmp(r->upin, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "floor_relay: upstream refused the upgrade\n");
		exit(1);
	}
	used = (size_t)(end + 4 - r->upin);
	memmove(r->upin, r->upin + used, r->uplen - used);
	r->uplen -= used;
	n = lg_ws_header(hdr, LG_WS_TEXT, sizeof(sub) - 1, 1);
	if (write(r->up, hdr, n) != (ssize_t)n ||
	    write(r->up, sub, sizeof(sub) - 1) != (ssize_t)sizeof(sub) - 1)
		die("upstream subscribe");
}

/* A blocking connect, retried for 10 s: loadgen listens first. */
static void
upstream_connect(struct relay *r, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int one = 1, i;

	for (i = 0; i < 100; i++) {
		r->up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (r->up < 0)
			die("socket");
		if (connect(r->up, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(r->up);
		r->up = -1;
		nanosleep(&pause, NULL);
	}
	if (r->up < 0)
		die("upstream connect");
	setsockopt(r->up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	upstream_handshake(r);
}

static void client_close(struct client *);

/* The whole of r->out to every open client, one write() each. */
static void
broadcast(struct relay *r)
{
	struct client *c;
	unsigned i;

	for (i = 0; i < r->nclients; i++) {
		c = r->clients[i];
		if (!c->open)
			continue;
		if (lg_write(c->fd, r->out, r->outlen) != (ssize_t)r->outlen) {
			fprintf(stderr, "floor_relay: a client's socket was "
			    "full; closed it\n");
			client_close(c);
		}
	}
	r->outlen = 0;
}

/* Data frames are queued for the broadcast; pings answered. */
static int
upstream_frame(void *arg, const struct lg_frame *f)
{
	struct relay *r = arg;
	unsigned char hdr[LG_WS_HDR_MAX];
	size_t n;

	switch (f->opcode) {
	case LG_WS_TEXT:
	case LG_WS_BINARY:
		n = lg_ws_header(r->out + r->outlen, f->opcode, f->len, 0);
		memcpy(r->out + r->outlen + n, f->payload, f->len);
		r->outlen += n + f->len;
		return 0;
	case LG_WS_PING:
		n = lg_ws_header(hdr, LG_WS_PONG, f->len, 1);
		if (lg_write(r->up, hdr, n) != (ssize_t)n ||
		    lg_write(r->up, f->payload, f->len) != (ssize_t)f->len)
			return -1;
		return 0;
	case LG_WS_CLOSE:
		return -1;
	default:
		return 0;
	}
}

/* Frames what has come from upstream and sends it on; -1 when it ends. */
static int
upstream_frames(struct relay *r)
{
	int ended = take_frames(r->upin, &r->uplen, IN_MAX - LG_WS_HDR_MAX,
	    upstream_frame, r);

	if (r->outlen > 0)
		broadcast(r);
	return ended;
}

static int
upstream_readable(struct relay *r)
{
	ssize_t n = read(r->up, r->upin + r->uplen, IN_MAX - r->uplen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	r->uplen += (size_t)n;
	return upstream_frames(r);
}

/* ---- clients ---- */

static void
client_accept(struct relay *r)
{
	struct client *c;
	int fd, one = 1;

	while ((fd = accept4(r->lfd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (r->nclients == MAX_CLIENTS ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		r->clients[r->nclients++] = c;
		watch(r, fd, c);
	}
}

/* Closes now; the memory goes in reap(), after the epoll batch that may
 * still name @c. */
static void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->open = 0;
}

/* Frees the closed clients, moving the last one into each freed slot. */
static void
reap(struct relay *r)
{
	unsigned i = 0;

	while (i < r->nclients) {
		if (r->clients[i]->fd >= 0) {
			i++;
			continue;
		}
		free(r->clients[i]);
		r->clients[i] = r->clients[--r->nclients];
	}
}

static int
client_handshake(struct client *c)
{
	unsigned char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
	char resp[160];
	size_t used;
	int n;

	if (end == NULL)
		return c->inlen == sizeof(c->in) ? -1 : 0;
	*end = '\0';
	if ((n = lg_ws_upgrade_reply((char *)c->in, resp, sizeof(resp))) < 0 ||
	    lg_write(c->fd, resp, (size_t)n) != n)
		return -1;
	used = (size_t)(end + 4 - c->in);
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	c->open = 1;
	return 0;
}

/* Client frames are read and dropped, but a close ends the client. */
static int
client_frame(void *arg, const struct lg_frame *f)
{
	(void)arg;
	return f->opcode == LG_WS_CLOSE ? -1 : 0;
}

static void
client_readable(struct client *c)
{
	ssize_t n;

	if (c->fd < 0)
		return;		/* closed earlier in this epoll batch */
	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->inlen += (size_t)n;
	if (!c->open && client_handshake(c) < 0)
		client_close(c);
	else if (c->open && take_frames(c->in, &c->inlen, sizeof(c->in),
	    client_frame, NULL) < 0)
		client_close(c);
}

int
main(int argc, char **argv)
{
	struct relay r = { .up = -1 };
	struct epoll_event ev[NEVENTS];
	int n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: floor_relay LISTEN_PORT UPSTREAM_PORT\n");
		return 2;
	}
	if ((r.upin = malloc(IN_MAX)) == NULL ||
	    (r.out = malloc(IN_MAX)) == NULL)
		die("malloc");
	if ((r.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	if ((r.lfd = lg_listen(HOST, atoi(argv[1]))) < 0) {
		errno = -r.lfd;
		die("listen");
	}
	upstream_connect(&r, atoi(argv[2]));
	watch(&r, r.lfd, &r.lfd);
	watch(&r, r.up, &r.up);
	if (r.uplen > 0 && upstream_frames(&r) < 0)
		return 1;
	for (;;) {
		if ((n = epoll_wait(r.ep, ev, NEVENTS, -1)) < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr == &r.lfd)
				client_accept(&r);
			else if (ev[i].data.ptr == &r.up) {
				if (upstream_readable(&r) < 0)
					return 0;
			} else
				client_readable(ev[i].data.ptr);
		}
		reap(&r);
	}
}
