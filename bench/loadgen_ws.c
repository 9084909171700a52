/* SPDX-License-Identifier: MIT */
/*
 * The load generator's plumbing: the latency histogram, just enough of
 * RFC 6455 (SHA-1 for the accept key, frame headers both ways) and
 * non-blocking TCP sockets.  No libwebsockets on purpose: the generator
 * must cost as little CPU as possible next to the daemon it measures.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* ---- histogram ---- */

static unsigned
hist_index(uint64_t v)
{
	unsigned e;

	if (v < LG_HIST_LINEAR)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);	/* >= 7 */
	if (e > 40)
		return LG_HIST_BUCKETS - 1;
	return LG_HIST_LINEAR + (e - 7) * LG_HIST_SUB +
	    (unsigned)((v >> (e - 6)) & (LG_HIST_SUB - 1));
}

/* Lowest value of bucket @i and its width. */
static void
hist_bucket(unsigned i, uint64_t *lo, uint64_t *width)
{
	unsigned e, m;

	if (i < LG_HIST_LINEAR) {
		*lo = i;
		*width = 1;
		return;
	}
	e = (i - LG_HIST_LINEAR) / LG_HIST_SUB + 7;
	m = (i - LG_HIST_LINEAR) % LG_HIST_SUB;
	*lo = (uint64_t)(LG_HIST_SUB + m) << (e - 6);
	*width = (uint64_t)1 << (e - 6);
}

void
lg_hist_add(struct lg_hist *h, uint64_t us)
{
	h->n[hist_index(us)]++;
	h->count++;
	h->sum += us;
	if (us > h->max)
		h->max = us;
}

void
lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src)
{
	size_t i;

	for (i = 0; i < LG_HIST_BUCKETS; i++)
		dst->n[i] += src->n[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
lg_hist_quantile(const struct lg_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, width;
	unsigned i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (i = 0; i < LG_HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen > rank)
			break;
	}
	hist_bucket(i, &lo, &width);
	lo += width / 2;
	return lo > h->max ? h->max : lo;
}

/* ---- SHA-1 (RFC 3174), only for Sec-WebSocket-Accept ---- */

struct sha1 {
	uint32_t	 h[5];
	unsigned char	 block[64];
	size_t		 used;
	uint64_t	 bytes;
};

static uint32_t
rol(uint32_t v, unsigned n)
{
	return (v << n) | (v >> (32 - n));
}

static void
sha1_block(struct sha1 *s, const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void
sha1_update(struct sha1 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->bytes += len;
	while (len > 0) {
		size_t n = 64 - s->used;

		if (n > len)
			n = len;
		memcpy(s->block + s->used, p, n);
		s->used += n, p += n, len -= n;
		if (s->used == 64) {
			sha1_block(s, s->block);
			s->used = 0;
		}
	}
}

static void
sha1_final(struct sha1 *s, unsigned char out[20])
{
	uint64_t bits = s->bytes * 8;
	unsigned char pad = 0x80, len[8];
	unsigned i;

	sha1_update(s, &pad, 1);
	pad = 0;
	while (s->used != 56)
		sha1_update(s, &pad, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(s, len, 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* Sec-WebSocket-Accept for @key: 28 characters and a NUL. */
static void
ws_accept(const char *key, size_t keylen, char out[29])
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct sha1 s = { { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 }, { 0 }, 0, 0 };
	unsigned char d[21];
	unsigned i, o = 0;

	sha1_update(&s, key, keylen);
	sha1_update(&s, ws_guid, sizeof(ws_guid) - 1);
	sha1_final(&s, d);
	d[20] = 0;
	for (i = 0; i < 21; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 |
		    (i + 2 < 21 ? d[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	out[27] = '=';		/* 20 bytes: 27 characters and one pad */
	out[28] = '\0';
}

int
lg_ws_upgrade_reply(const char *head, char *out, size_t cap)
{
	const char *k, *e;
	char accept[29];
	int n;

	if ((k = strcasestr(head, "\r\nSec-WebSocket-Key:")) == NULL)
		return -1;
	for (k += 20; *k == ' '; k++)
		;
	for (e = k; *e != '\r' && *e != '\0' && *e != ' '; e++)
		;
	ws_accept(k, (size_t)(e - k), accept);
	n = snprintf(out, cap, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	return n > 0 && (size_t)n < cap ? n : -1;
}

/* ---- frames ---- */

size_t
lg_ws_header(unsigned char *buf, int opcode, size_t len, int masked)
{
	unsigned char m = masked ? 0x80 : 0;
	size_t n;

	buf[0] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		buf[1] = m | (unsigned char)len;
		n = 2;
	} else if (len < 65536) {
		buf[1] = m | 126;
		buf[2] = (unsigned char)(len >> 8);
		buf[3] = (unsigned char)len;
		n = 4;
	} else {
		unsigned i;

		buf[1] = m | 127;
		for (i = 0; i < 8; i++)
			buf[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	if (masked) {
		memset(buf + n, 0, 4);
		n += 4;
	}
	return n;
}

int
lg_ws_parse(unsigned char *buf, size_t len, size_t max, struct lg_frame *f)
{
	size_t hdr = 2, plen, i;
	unsigned char *mask = NULL;

	if (len < 2)
		return 0;
	plen = buf[1] & 0x7f;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (size_t)buf[2] << 8 | buf[3];
		hdr = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		for (plen = 0, i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		hdr = 10;
	}
	if (plen > max)
		return -1;
	if (buf[1] & 0x80) {
		mask = buf + hdr;
		hdr += 4;
	}
	if (len < hdr || len - hdr < plen)
		return 0;
	f->opcode = buf[0] & 0x0f;
	f->fin = !!(buf[0] & 0x80);
	f->payload = buf + hdr;
	f->len = plen;
	f->total = hdr + plen;
	if (mask != NULL)
		for (i = 0; i < plen; i++)
			f->payload[i] ^= mask[i & 3];
	return 1;
}

/* ---- sockets ---- */

static int
addr_of(const char *host, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

int
lg_listen(const char *host, int port)
{
	struct sockaddr_in sa;
	int fd, one = 1, r;

	if ((r = addr_of(host, port, &sa)) < 0)
		return r;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int
lg_connect(const char *host, int port)
{
	struct sockaddr_in sa;
	int fd, one = 1, r;

	if ((r = addr_of(host, port, &sa)) < 0)
		return r;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

ssize_t
lg_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}
