/* SPDX-License-Identifier: MIT */
/*
 * The load generator's shared parts: time, the latency histogram, a
 * minimal RFC 6455 codec (server and client side), sockets, and the
 * subscriber workers (loadgen_sub.c).
 *
 * One process: the main thread runs the fake exchanges and the schedule,
 * each worker thread runs its share of the subscribers on its own epoll.
 * The only data shared while running are the atomics in struct lg_shared.
 */

#ifndef LOADGEN_H
#define LOADGEN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ---- time (loadgen.c) ---- */

/* CLOCK_REALTIME in µs: the clock encoded in trade ids. */
int64_t	lg_now_us(void);
/* CLOCK_MONOTONIC in µs: for schedules. */
int64_t	lg_mono_us(void);

/* ---- latency histogram (loadgen_ws.c) ---- */

/* Log-linear µs buckets: exact below 128 µs, then 64 per power of two
 * (under 1.6% error) up to 2^40 µs. */
#define LG_HIST_LINEAR	128
#define LG_HIST_SUB	64
#define LG_HIST_BUCKETS	(LG_HIST_LINEAR + (41 - 7) * LG_HIST_SUB)

struct lg_hist {
	uint64_t	 n[LG_HIST_BUCKETS];
	uint64_t	 count;
	uint64_t	 max;
	uint64_t	 sum;
};

void		lg_hist_add(struct lg_hist *, uint64_t us);
void		lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src);
/* The value at quantile @q in [0, 1]: the midpoint of its bucket. */
uint64_t	lg_hist_quantile(const struct lg_hist *, double q);

/* ---- WebSocket codec (loadgen_ws.c) ---- */

#define LG_WS_TEXT	0x1
#define LG_WS_BINARY	0x2
#define LG_WS_CLOSE	0x8
#define LG_WS_PING	0x9
#define LG_WS_PONG	0xa

#define LG_WS_HDR_MAX	14

struct lg_frame {
	int		 opcode;
	int		 fin;
	unsigned char	*payload;	/* unmasked in place */
	size_t		 len;
	size_t		 total;		/* header + payload bytes */
};

/*
 * The server's 101 response to the request head @head (NUL-terminated),
 * into @out: its length, or -1 without a Sec-WebSocket-Key or room.
 */
int	lg_ws_upgrade_reply(const char *head, char *out, size_t cap);
/*
 * Writes a frame header for @len payload bytes into @buf (LG_WS_HDR_MAX
 * bytes) and returns its length.  @masked adds a zero mask key, which a
 * client must send and which leaves the payload as it is.
 */
size_t	lg_ws_header(unsigned char *buf, int opcode, size_t len, int masked);
/*
 * Parses one frame at @buf.  Returns 1 with @f filled (a masked payload is
 * unmasked in place), 0 when more bytes are needed, -1 on a frame we do
 * not accept (longer than @max).
 */
int	lg_ws_parse(unsigned char *buf, size_t len, size_t max,
	    struct lg_frame *f);

/* ---- sockets (loadgen_ws.c) ---- */

int	lg_listen(const char *host, int port);
/* A non-blocking connect in progress (or done); -errno on failure. */
int	lg_connect(const char *host, int port);
/* write() until done or EAGAIN; returns bytes written or -errno. */
ssize_t	lg_write(int fd, const void *buf, size_t len);

/* ---- subscriber workers (loadgen_sub.c) ---- */

/* Written by the main thread before the workers start or read only by
 * it; the atomics are the only cross-thread traffic while running. */
struct lg_shared {
	const char	*path;		/* active subscribers' request path */
	const char	*fast_path;	/* ... of the fast ones (max_delay_ms=0) */
	const char	*idle_path;	/* idle subscribers' request path */
	unsigned	 max_inflight;	/* connects + handshakes per worker */

	_Atomic int	 go;		/* connect the active subscribers */
	_Atomic int	 idle_go;	/* connect the idle subscribers */
	_Atomic int	 stop;
	_Atomic int64_t	 t0, t1;	/* measured window, realtime µs */
	_Atomic unsigned open;		/* handshakes completed */
	_Atomic unsigned failed;	/* connects or handshakes failed */
	_Atomic unsigned closed;	/* open, then closed by the peer */
};

/* What a worker saw; read by the main thread after the join. */
struct lg_sub_stats {
	uint64_t	 frames;	/* every data frame */
	uint64_t	 ticks;		/* frames with a trade id */
	uint64_t	 win_ticks;	/* ticks sent inside the window */
	uint64_t	 recv_in_win;	/* ticks received inside the window */
	uint64_t	 snapshots;
	uint64_t	 other;		/* replies, status, acks */
	uint64_t	 idle_ticks;	/* ticks an idle client got */
	uint64_t	 gaps;		/* seq numbers skipped */
	uint64_t	 dups;		/* seq not above the last one */
	uint64_t	 bytes;
	uint64_t	 min_client, max_client;	/* win_ticks per client */
	unsigned	 close_code;	/* last close code from the peer */
	char		 close_reason[124];
	struct lg_hist	 hist;		/* window ticks, send -> receive */
	struct lg_hist	 fast_hist;	/* the same, fast subscribers only */
	struct lg_hist	 fast_recv_hist;	/* fast ones, recv_ts -> receive */
};

struct lg_worker;

/*
 * A worker whose subscribers connect to @host:@port (@host is borrowed and
 * must outlive the worker).  The first @fast of the @active subscribers use
 * sh->fast_path.
 */
struct lg_worker	*lg_worker_new(struct lg_shared *, const char *host,
			    int port, unsigned active, unsigned fast,
			    unsigned idle);
int			 lg_worker_start(struct lg_worker *);
/* Ticks counted inside the window so far (relaxed, for early drain). */
uint64_t		 lg_worker_win_ticks(struct lg_worker *);
/* Joins the thread; the stats stay valid until lg_worker_free(). */
const struct lg_sub_stats *lg_worker_join(struct lg_worker *);
void			 lg_worker_free(struct lg_worker *);

/* ---- resume (loadgen_resume.c) ---- */

struct lg_resume {
	uint64_t	 since, last;	/* asked after since, up to last */
	unsigned	 messages;	/* with a seq, replayed */
	unsigned	 frames;
	uint64_t	 bytes;		/* from the 101 response on */
	int64_t		 us;		/* request sent to the last one read */
	int		 gap;		/* tickerd no longer held them */
};

/*
 * Reads a hello from tickerd at @host:@port (request path @path), then
 * resumes a second client on @path at @n messages before the last seq and
 * reads until it has that seq.  0, or -1 when it could not.
 */
int	lg_resume_measure(const char *host, int port, const char *path,
	    unsigned n, struct lg_resume *out);

#endif
