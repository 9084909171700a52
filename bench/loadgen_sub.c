/* SPDX-License-Identifier: MIT */
/*
 * Subscribers: WebSocket clients of the daemon (or of the Node relay),
 * each reading every frame.  A frame's send time is in its trade id
 * (tickerd's "trade_id":"..." string, or the raw Binance "t":... number
 * the relay passes through), so latency = receive time - id / 16.
 * tickerd's "seq" must rise by exactly one per tick for an unfiltered
 * client: a larger step is a gap (a lost tick), a smaller one a duplicate.
 *
 * One thread per worker, one epoll per thread, level-triggered, one
 * read() of up to READ_MAX bytes per ready client per turn so that a busy
 * client cannot starve the others.  The receive time is taken once per
 * read(): everything in that read was in the socket by then.
 */

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen.h"

#define READ_MAX	(256 * 1024)
#define PART_MAX	(1024 * 1024)	/* a frame or a handshake */
#define FRAME_MAX	(PART_MAX - 64)
#define HANDSHAKE_MAX	8192
#define NEVENTS		512

enum sub_state { SUB_CONNECTING, SUB_HANDSHAKE, SUB_OPEN, SUB_DONE };

struct sub {
	int		 fd;
	uint8_t		 state;
	uint8_t		 idle;
	uint8_t		 fast;		/* max_delay_ms=0: its own histogram */
	unsigned char	*part;		/* bytes of an unfinished frame */
	uint32_t	 partlen, partcap;
	uint64_t	 last_seq;
	uint64_t	 win_ticks;
};

struct lg_worker {
	struct lg_shared	*sh;
	const char		*host;		/* the target, borrowed */
	int			 port;
	pthread_t		 thread;
	int			 started;
	int			 ep;
	unsigned		 nactive, nidle;
	struct sub		*subs;		/* nactive + nidle */
	unsigned		 next;		/* next sub to connect */
	unsigned		 limit;		/* connect up to here */
	unsigned		 inflight;
	unsigned char		*rbuf;		/* PART_MAX + READ_MAX */
	_Atomic uint64_t	 win_pub;	/* stats.win_ticks, published */
	struct lg_sub_stats	 stats;
};

static void	*worker_main(void *);
static void	 sub_connect(struct lg_worker *, struct sub *);
static void	 sub_event(struct lg_worker *, struct sub *, uint32_t ev);
static void	 sub_readable(struct lg_worker *, struct sub *);
static size_t	 sub_handshake(struct lg_worker *, struct sub *,
		    unsigned char *buf, size_t len);
static size_t	 sub_frames(struct lg_worker *, struct sub *,
		    unsigned char *buf, size_t len, int64_t now);
static void	 sub_data(struct lg_worker *, struct sub *,
		    const unsigned char *p, size_t len, int64_t now);
static void	 sub_control(struct lg_worker *, struct sub *,
		    const struct lg_frame *);
static void	 sub_finish(struct lg_worker *, struct sub *, int failed);
static int	 sub_stash(struct sub *, const unsigned char *p, size_t len);

struct lg_worker *
lg_worker_new(struct lg_shared *sh, const char *host, int port,
    unsigned active, unsigned fast, unsigned idle)
{
	struct lg_worker *w = calloc(1, sizeof(*w));
	unsigned i;

	if (w == NULL)
		return NULL;
	w->sh = sh;
	w->host = host;
	w->port = port;
	w->ep = -1;
	w->nactive = active;
	w->nidle = idle;
	w->subs = calloc((size_t)active + idle + 1, sizeof(*w->subs));
	w->rbuf = malloc(PART_MAX + READ_MAX);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->subs == NULL || w->rbuf == NULL || w->ep < 0) {
		lg_worker_free(w);
		return NULL;
	}
	for (i = 0; i < active + idle; i++) {
		w->subs[i].fd = -1;
		w->subs[i].idle = i >= active;
		w->subs[i].fast = i < fast && i < active;
	}
	w->stats.min_client = UINT64_MAX;
	return w;
}

int
lg_worker_start(struct lg_worker *w)
{
	int r = pthread_create(&w->thread, NULL, worker_main, w);

	if (r != 0)
		return -r;
	w->started = 1;
	return 0;
}

uint64_t
lg_worker_win_ticks(struct lg_worker *w)
{
	return atomic_load_explicit(&w->win_pub, memory_order_relaxed);
}

const struct lg_sub_stats *
lg_worker_join(struct lg_worker *w)
{
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
	return &w->stats;
}

void
lg_worker_free(struct lg_worker *w)
{
	unsigned i;

	if (w == NULL)
		return;
	lg_worker_join(w);
	if (w->subs != NULL)
		for (i = 0; i < w->nactive + w->nidle; i++) {
			if (w->subs[i].fd >= 0)
				close(w->subs[i].fd);
			free(w->subs[i].part);
		}
	if (w->ep >= 0)
		close(w->ep);
	free(w->subs);
	free(w->rbuf);
	free(w);
}

/* Per-client totals, taken when the run is over. */
static void
worker_totals(struct lg_worker *w)
{
	unsigned i;

	for (i = 0; i < w->nactive; i++) {
		uint64_t n = w->subs[i].win_ticks;

		if (n < w->stats.min_client)
			w->stats.min_client = n;
		if (n > w->stats.max_client)
			w->stats.max_client = n;
	}
}

static void *
worker_main(void *arg)
{
	struct lg_worker *w = arg;
	struct lg_shared *sh = w->sh;
	struct epoll_event ev[NEVENTS];
	int i, n;

	while (!atomic_load(&sh->stop)) {
		if (w->limit == 0 && atomic_load(&sh->go))
			w->limit = w->nactive;
		if (w->limit == w->nactive && atomic_load(&sh->idle_go))
			w->limit = w->nactive + w->nidle;
		while (w->next < w->limit && w->inflight < sh->max_inflight)
			sub_connect(w, &w->subs[w->next++]);
		n = epoll_wait(w->ep, ev, NEVENTS, 10);
		for (i = 0; i < n; i++)
			sub_event(w, ev[i].data.ptr, ev[i].events);
		atomic_store_explicit(&w->win_pub, w->stats.win_ticks,
		    memory_order_relaxed);
	}
	worker_totals(w);
	return NULL;
}

static void
sub_connect(struct lg_worker *w, struct sub *s)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };
	int fd = lg_connect(w->host, w->port);

	if (fd < 0) {
		if (atomic_fetch_add(&w->sh->failed, 1) == 0)
			fprintf(stderr, "loadgen: connect: %s\n",
			    strerror(-fd));
		s->state = SUB_DONE;
		return;
	}
	s->fd = fd;
	s->state = SUB_CONNECTING;
	w->inflight++;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		sub_finish(w, s, 1);
}

static int
send_request(struct lg_worker *w, struct sub *s)
{
	char req[1024];
	int n;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n"
	    "Host: %s:%d\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n",
	    s->idle ? w->sh->idle_path : s->fast ? w->sh->fast_path :
	    w->sh->path, w->host, w->port);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	return lg_write(s->fd, req, (size_t)n) == n ? 0 : -1;
}

static void
sub_event(struct lg_worker *w, struct sub *s, uint32_t events)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	socklen_t sl = sizeof(int);
	int err = 0;

	if (s->state == SUB_CONNECTING) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0 ||
		    err != 0 || send_request(w, s) < 0 ||
		    epoll_ctl(w->ep, EPOLL_CTL_MOD, s->fd, &ev) < 0) {
			if (err != 0 && atomic_load(&w->sh->failed) == 0)
				fprintf(stderr, "loadgen: connect: %s\n",
				    strerror(err));
			sub_finish(w, s, 1);
			return;
		}
		s->state = SUB_HANDSHAKE;
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		sub_readable(w, s);
}

static void
sub_readable(struct lg_worker *w, struct sub *s)
{
	unsigned char *buf = w->rbuf;
	size_t have = s->partlen, used = 0;
	ssize_t n;
	int64_t now;

	if (have > 0)
		memcpy(buf, s->part, have);
	n = read(s->fd, buf + have, READ_MAX);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sub_finish(w, s, s->state != SUB_OPEN);
		return;
	}
	now = lg_now_us();
	w->stats.bytes += (uint64_t)n;
	have += (size_t)n;
	if (s->state == SUB_HANDSHAKE) {
		used = sub_handshake(w, s, buf, have);
		if (s->state != SUB_OPEN)
			return;
	}
	used += sub_frames(w, s, buf + used, have - used, now);
	if (s->state == SUB_OPEN && sub_stash(s, buf + used, have - used) < 0)
		sub_finish(w, s, 0);
}

/* Returns the bytes of the response head, or 0 while incomplete. */
static size_t
sub_handshake(struct lg_worker *w, struct sub *s, unsigned char *buf,
    size_t len)
{
	unsigned char *end = memmem(buf, len, "\r\n\r\n", 4);

	if (end == NULL) {
		if (len > HANDSHAKE_MAX || sub_stash(s, buf, len) < 0)
			sub_finish(w, s, 1);
		return 0;
	}
	if (len < 12 || memcmp(buf, "HTTP/1.1 101", 12) != 0) {
		if (atomic_load(&w->sh->failed) == 0)
			fprintf(stderr, "loadgen: upgrade refused: %.*s\n",
			    (int)(strcspn((char *)buf, "\r")), buf);
		sub_finish(w, s, 1);
		return 0;
	}
	s->state = SUB_OPEN;
	w->inflight--;
	atomic_fetch_add(&w->sh->open, 1);
	return (size_t)(end + 4 - buf);
}

/* Handles every whole frame in @buf; returns the bytes consumed. */
static size_t
sub_frames(struct lg_worker *w, struct sub *s, unsigned char *buf,
    size_t len, int64_t now)
{
	struct lg_frame f;
	size_t off = 0;
	int r;

	while (s->state == SUB_OPEN &&
	    (r = lg_ws_parse(buf + off, len - off, FRAME_MAX, &f)) != 0) {
		if (r < 0) {
			sub_finish(w, s, 0);
			break;
		}
		off += f.total;
		if (f.opcode == LG_WS_TEXT || f.opcode == LG_WS_BINARY ||
		    f.opcode == 0)
			sub_data(w, s, f.payload, f.len, now);
		else
			sub_control(w, s, &f);
	}
	return off;
}

/* The unsigned decimal at @p; 0 when there is none. */
static int
parse_u64(const unsigned char *p, const unsigned char *end, uint64_t *out)
{
	uint64_t v = 0;
	const unsigned char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		v = v * 10 + (uint64_t)(*q++ - '0');
	if (q == p)
		return 0;
	*out = v;
	return 1;
}

/*
 * The trade id: tickerd's "trade_id":"N" or Binance's raw "t":N.  Found
 * by memchr() on a rare byte and a check around it, several times faster
 * than memmem(), which was a third of the generator's CPU.
 */
static int
find_id(const unsigned char *p, size_t len, uint64_t *id,
    const unsigned char **after)
{
	const unsigned char *end = p + len, *q;

	for (q = p; (q = memchr(q, '_', (size_t)(end - q))) != NULL; q++)
		if (q - p >= 6 && end - q >= 6 &&
		    memcmp(q - 6, "\"trade_id\":\"", 12) == 0) {
			*after = q + 6;
			return parse_u64(q + 6, end, id);
		}
	for (q = p; (q = memchr(q, 't', (size_t)(end - q))) != NULL; q++)
		if (q > p && end - q >= 3 && q[-1] == '"' && q[1] == '"' &&
		    q[2] == ':') {
			*after = q + 3;
			return parse_u64(q + 3, end, id);
		}
	return 0;
}

/* tickerd's "seq":N, the only 'q' after the trade id. */
static int
find_seq(const unsigned char *p, const unsigned char *end, uint64_t *seq)
{
	const unsigned char *q = memrchr(p, 'q', (size_t)(end - p));

	if (q == NULL || q - p < 3 || end - q < 3 ||
	    memcmp(q - 3, "\"seq\":", 6) != 0)
		return 0;
	return parse_u64(q + 3, end, seq);
}

/*
 * Receive time minus tickerd's "recv_ts" (when it read the tick from the
 * exchange), for the fast subscribers only: what tickerd itself adds.
 */
static void
fast_recv_latency(struct lg_worker *w, const unsigned char *p,
    const unsigned char *end, int64_t now)
{
	static const char key[] = "\"recv_ts\":";
	const unsigned char *q = memmem(p, (size_t)(end - p), key,
	    sizeof(key) - 1);
	uint64_t recv;

	if (q == NULL || !parse_u64(q + sizeof(key) - 1, end, &recv))
		return;
	lg_hist_add(&w->stats.fast_recv_hist, now > (int64_t)recv ?
	    (uint64_t)(now - (int64_t)recv) : 0);
}

static void
sub_seq(struct lg_worker *w, struct sub *s, uint64_t seq)
{
	if (s->last_seq != 0) {
		if (seq <= s->last_seq)
			w->stats.dups++;
		else
			w->stats.gaps += seq - s->last_seq - 1;
	}
	if (seq > s->last_seq)
		s->last_seq = seq;
}

static void
sub_data(struct lg_worker *w, struct sub *s, const unsigned char *p,
    size_t len, int64_t now)
{
	const unsigned char *end = p + len, *q;
	uint64_t id, seq, sent;
	int64_t t0, t1;

	w->stats.frames++;
	if (!find_id(p, len, &id, &q)) {
		w->stats.other++;
		return;
	}
	if (s->idle) {
		w->stats.idle_ticks++;
		return;
	}
	/* tickerd ends snapshot ticks so; the relay sends none */
	if (len >= 16 && memcmp(end - 16, "\"snapshot\":true}", 16) == 0) {
		w->stats.snapshots++;
		return;
	}
	w->stats.ticks++;
	if (find_seq(q, end, &seq))
		sub_seq(w, s, seq);
	t0 = atomic_load_explicit(&w->sh->t0, memory_order_relaxed);
	t1 = atomic_load_explicit(&w->sh->t1, memory_order_relaxed);
	if (t0 == 0)
		return;
	if (now >= t0 && now < t1)
		w->stats.recv_in_win++;
	sent = id / 16;
	if ((int64_t)sent < t0 || (int64_t)sent >= t1)
		return;
	s->win_ticks++;
	w->stats.win_ticks++;
	if (s->fast)
		fast_recv_latency(w, q, end, now);
	lg_hist_add(s->fast ? &w->stats.fast_hist : &w->stats.hist,
	    now > (int64_t)sent ?
	    (uint64_t)(now - (int64_t)sent) : 0);
}

static void
sub_control(struct lg_worker *w, struct sub *s, const struct lg_frame *f)
{
	unsigned char hdr[LG_WS_HDR_MAX], out[LG_WS_HDR_MAX + 125];
	size_t n;

	switch (f->opcode) {
	case LG_WS_PING:
		if (f->len > 125)
			break;
		/* Clients mask; a zero key leaves the payload as is. */
		n = lg_ws_header(hdr, LG_WS_PONG, f->len, 1);
		memcpy(out, hdr, n);
		memcpy(out + n, f->payload, f->len);
		lg_write(s->fd, out, n + f->len);
		break;
	case LG_WS_CLOSE:
		if (f->len >= 2) {
			w->stats.close_code = (unsigned)f->payload[0] << 8 |
			    f->payload[1];
			snprintf(w->stats.close_reason,
			    sizeof(w->stats.close_reason), "%.*s",
			    (int)(f->len - 2), f->payload + 2);
		}
		n = lg_ws_header(hdr, LG_WS_CLOSE, 0, 1);
		lg_write(s->fd, hdr, n);
		sub_finish(w, s, 0);
		break;
	default:
		break;
	}
}

static void
sub_finish(struct lg_worker *w, struct sub *s, int failed)
{
	if (s->state == SUB_DONE)
		return;
	if (s->state != SUB_OPEN)
		w->inflight--;
	if (failed)
		atomic_fetch_add(&w->sh->failed, 1);
	else if (!atomic_load(&w->sh->stop))
		atomic_fetch_add(&w->sh->closed, 1);
	s->state = SUB_DONE;
	if (s->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
	}
	free(s->part);
	s->part = NULL;
	s->partlen = s->partcap = 0;
}

/* Keeps the unfinished tail for the next read. */
static int
sub_stash(struct sub *s, const unsigned char *p, size_t len)
{
	unsigned char *np;
	size_t cap;

	if (len > PART_MAX)
		return -1;
	if (len > s->partcap) {
		for (cap = s->partcap ? s->partcap : 256; cap < len; cap *= 2)
			;
		if ((np = realloc(s->part, cap)) == NULL)
			return -1;
		s->part = np;
		s->partcap = (uint32_t)cap;
	}
	if (len > 0)
		memmove(s->part, p, len);
	s->partlen = (uint32_t)len;
	return 0;
}
