/* SPDX-License-Identifier: MIT */
/*
 * loadgen --resume N: how fast tickerd replays what a client missed.  Once
 * the feed has stopped and drained, one client reads a hello (the epoch,
 * the last seq), and another connects with ?since=SEQ-N&epoch=E and reads
 * until it has the message numbered SEQ: the N messages the ring replays
 * (fewer with a filter in the path), from the upgrade request to the last
 * byte.  Blocking sockets, one client, on the main thread.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

#define BUF_MAX		(4 * 1024 * 1024)
#define TIMEOUT_S	10

struct rconn {
	int		 fd;
	unsigned char	*buf;
	size_t		 off, len;	/* unread bytes: buf[off..len) */
};

static int
rconn_open(struct rconn *c, const char *host, int port, const char *path)
{
	struct timeval tv = { TIMEOUT_S, 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char req[1024];
	int n, one = 1;

	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", path, host, port);
	if (n < 0 || (size_t)n >= sizeof(req) ||
	    lg_write(c->fd, req, (size_t)n) != n)
		return -EIO;
	c->off = c->len = 0;
	return 0;
}

static void
rconn_close(struct rconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Reads more; -1 on EOF, error or timeout. */
static int
rconn_fill(struct rconn *c, uint64_t *bytes)
{
	ssize_t n;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == BUF_MAX)
		return -1;
	n = read(c->fd, c->buf + c->len, BUF_MAX - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	*bytes += (uint64_t)n;
	return 0;
}

/* Reads the response head: 0 on 101 Switching Protocols. */
static int
rconn_upgraded(struct rconn *c, uint64_t *bytes)
{
	unsigned char *end;
	size_t head;

	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
		if (rconn_fill(c, bytes) < 0)
			return -1;
	if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0)
		return -1;
	head = (size_t)(end + 4 - c->buf);
	memmove(c->buf, c->buf + head, c->len - head);
	c->len -= head;
	return 0;
}

/*
 * The next text frame, left at the start of the buffer until
 * rconn_drop(); 0 on a close, an error or a timeout.
 */
static int
rconn_frame(struct rconn *c, struct lg_frame *f, uint64_t *bytes)
{
	int r;

	for (;;) {
		r = lg_ws_parse(c->buf + c->off, c->len - c->off, BUF_MAX, f);
		if (r < 0 || (r == 1 && f->opcode == LG_WS_CLOSE))
			return 0;
		if (r == 1)
			return 1;
		if (rconn_fill(c, bytes) < 0)
			return 0;
	}
}

static void
rconn_drop(struct rconn *c, const struct lg_frame *f)
{
	c->off += f->total;
}

static int
starts(const struct lg_frame *f, const char *prefix)
{
	size_t n = strlen(prefix);

	return f->len >= n && memcmp(f->payload, prefix, n) == 0;
}

/* The last "seq":N of a frame (an object or an array of them). */
static uint64_t
last_seq(const struct lg_frame *f, unsigned *count)
{
	const unsigned char *p = f->payload, *end = p + f->len, *q;
	uint64_t seq = 0;

	while ((q = memmem(p, (size_t)(end - p), "\"seq\":", 6)) != NULL) {
		for (seq = 0, q += 6; q < end && *q >= '0' && *q <= '9'; q++)
			seq = seq * 10 + (uint64_t)(*q - '0');
		(*count)++;
		p = q;
	}
	return seq;
}

/* The hello of a new connection: this run's epoch and the last seq. */
static int
read_hello(struct rconn *c, const char *host, int port, const char *path,
    char *epoch, size_t cap, uint64_t *seq)
{
	struct lg_frame f;
	uint64_t bytes = 0;
	unsigned count = 0;
	const unsigned char *e;
	int r = -1;

	if (rconn_open(c, host, port, path) == 0 &&
	    rconn_upgraded(c, &bytes) == 0 && rconn_frame(c, &f, &bytes) &&
	    starts(&f, "{\"type\":\"hello\"") &&
	    (e = memmem(f.payload, f.len, "\"epoch\":\"", 9)) != NULL) {
		e += 9;
		snprintf(epoch, cap, "%.*s", (int)strcspn((const char *)e,
		    "\""), e);
		*seq = last_seq(&f, &count);
		r = 0;
	}
	rconn_close(c);
	return r;
}

int
lg_resume_measure(const char *host, int port, const char *path, unsigned n,
    struct lg_resume *out)
{
	struct rconn c = { .fd = -1 };
	char epoch[128], rpath[1200];
	struct lg_frame f;
	uint64_t seq, last = 0, got;
	int64_t t0;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if ((c.buf = malloc(BUF_MAX)) == NULL)
		return -1;
	if (read_hello(&c, host, port, path, epoch, sizeof(epoch), &seq) < 0)
		goto done;
	out->since = seq > n ? seq - n : 0;
	out->last = seq;
	snprintf(rpath, sizeof(rpath), "%s%ssince=%llu&epoch=%s", path,
	    strchr(path, '?') ? "&" : "?", (unsigned long long)out->since,
	    epoch);
	t0 = lg_mono_us();
	if (rconn_open(&c, host, port, rpath) < 0 ||
	    rconn_upgraded(&c, &out->bytes) < 0)
		goto done;
	while (last < seq && rconn_frame(&c, &f, &out->bytes)) {
		out->frames++;
		if (starts(&f, "{\"type\":\"gap\""))
			out->gap = 1;
		else if (!starts(&f, "{\"type\":\"hello\"") &&
		    (got = last_seq(&f, &out->messages)) > last)
			last = got;
		rconn_drop(&c, &f);
	}
	out->us = lg_mono_us() - t0;
	r = last >= seq ? 0 : -1;
done:
	rconn_close(&c);
	free(c.buf);
	return r;
}
