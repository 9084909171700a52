/* SPDX-License-Identifier: MIT */
/*
 * loadgen: K fake Binance exchanges feeding a daemon under test, M
 * WebSocket subscribers reading it, and the daemon's CPU and memory over
 * the measured window.  See bench/README.md for the method.
 *
 *   loadgen --print-config [--exchanges K] [--ex-port P] [--symbols N]
 *           [--target HOST:PORT] [--queue-ticks N]
 *           [--nats-publish URL [--nats-storage file|memory] |
 *            --nats-source URL]
 *   loadgen [--exchanges K] [--ex-port P] [--rate R] [--symbols N]
 *           [--clients M] [--idle N] [--target [NAME=]HOST:PORT]...
 *           [--path PATH] [--idle-path PATH] [--threads T] [--warmup S]
 *           [--duration S] [--drain S] [--tick-us US]
 *           ((--pid [NAME=]PID | --pid-file [NAME=]FILE)...)
 *           [--label NAME] [--fast-clients F] [--resume N [--resume-at S]]
 *
 * Schedule: listen on P..P+K-1 and wait for one SUBSCRIBE on each; connect
 * the M subscribers; send R trades/s in total, round-robin over exchanges
 * and symbols, paced by a timerfd; after the warm-up, measure for the
 * duration; stop sending and wait up to the drain time for the rest; then,
 * with --idle, connect N subscribers whose filter matches nothing and
 * report the daemon's RSS per idle client.
 *
 * With --fast-clients F, F of the subscribers ask for max_delay_ms=0
 * (every tick written at once), are read by a thread of their own and
 * their latency is reported apart from the others'.  With --resume N,
 * after the drain a client resumes N messages back (?since=&epoch= from a
 * hello) and the replay's rate is reported (loadgen_resume.c); the
 * daemon's ring must hold N.  With
 * --resume-at S it happens S seconds into the measured window instead, on
 * a thread of its own while the feed runs, so that the other subscribers'
 * latency shows what a resume costs them.
 *
 * With several --target, each gets its own M subscribers (T threads of
 * them) and its own latency; with several --pid/--pid-file, each process
 * gets its own CPU, per tick sent and, when it has a target's NAME, per
 * delivery to that target's clients (bench/README.md, "Several daemons").
 *
 * Every trade id is the send time in realtime µs times 16 (plus a counter
 * when two trades share a µs), unique and increasing, so a subscriber
 * knows each tick's send time and tickerd never takes one for a repeat.
 */

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

#define EX_MAX		16
#define SYM_MAX		16
#define OUT_MAX		(64u * 1024 * 1024)	/* unread by the daemon */
#define IN_MAX		65536
#define NEVENTS		64
#define TARGET_MAX	4	/* daemons the subscribers read */
#define PROC_MAX	8	/* processes whose CPU is measured */
#define NAME_LEN	32

static const char *const symbols[SYM_MAX] = {
	"BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT", "BNB-USDT",
	"ADA-USDT", "DOGE-USDT", "TRX-USDT", "LTC-USDT", "DOT-USDT",
	"AVAX-USDT", "LINK-USDT", "ATOM-USDT", "XLM-USDT", "ETC-USDT",
	"BCH-USDT",
};

enum conn_state { CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSED };

/* One connection from the daemon to a fake exchange. */
struct conn {
	struct conn	*next, **prevp;	/* every open connection */
	int		 fd;
	int		 ex;
	enum conn_state	 state;
	int		 want_out;
	unsigned char	 in[IN_MAX];
	size_t		 inlen;
	unsigned char	*out;
	size_t		 outlen, outoff, outcap;
};

struct exchange {
	int		 lfd;
	struct conn	*active;	/* the last one that subscribed */
	unsigned	 conns;
};

/* A daemon the subscribers read: each gets its own --clients. */
struct target {
	char		 name[NAME_LEN];
	char		 host[64];
	int		 port;
};

/* A process whose CPU and memory are measured over the window. */
struct proc {
	char		 name[NAME_LEN];
	const char	*pid_file;	/* read until it names a PID */
	int		 pid;
	int		 target;	/* its clients' target, or -1 */
};

struct opts {
	unsigned	 nex, nsym, clients, idle, threads, tick_us;
	unsigned	 fast, resume;
	double		 resume_at;	/* s into the window; < 0: after drain */
	char		 fast_path[1100];
	unsigned	 queue_ticks;	/* for --print-config */
	int		 ex_port;
	double		 rate, warmup, duration, drain;
	struct target	 target[TARGET_MAX];
	unsigned	 ntargets;
	struct proc	 proc[PROC_MAX];
	unsigned	 nprocs;
	int		 named;		/* a NAME= was given: per-part report */
	const char	*path, *idle_path, *label;
	const char	*nats_publish, *nats_source;	/* --print-config */
	const char	*nats_storage;			/* ditto, or NULL */
	int		 print_config;
};

struct cpu_sample {
	uint64_t	 stat_ticks;	/* utime + stime, clock ticks */
	uint64_t	 sched_ns;	/* sum of the threads' schedstat */
	uint64_t	 wait_ns;	/* runnable but waiting for a CPU */
	int64_t		 mono_us;
};

struct lg {
	struct opts		 o;
	int			 ep, tfd;
	struct exchange		 ex[EX_MAX];
	struct lg_shared	 sh;
	struct lg_worker	**workers;	/* o.threads per target, fast */
	unsigned		 nworkers;
	struct conn		*conns;
	int			 sending;
	int64_t			 send_start;	/* mono µs */
	uint64_t		 sent, sent_win, last_id;
	uint64_t		 ex_overflow, ex_unsent;
	int64_t			 t0, t1;
};

static volatile sig_atomic_t interrupted;

static void	usage(void) __attribute__((noreturn));
static void	parse_opts(int, char **, struct opts *);
static void	print_config(const struct opts *);
static int	setup(struct lg *);
static void	teardown(struct lg *);
static int	run(struct lg *);
static void	loop_once(struct lg *, int timeout_ms);
static void	conn_accept(struct lg *, int ex);
static void	conn_event(struct lg *, struct conn *, uint32_t);
static void	conn_close(struct lg *, struct conn *);
static int	conn_flush(struct lg *, struct conn *);
static void	send_due(struct lg *);
static int	read_pids(struct lg *);
static int	cpu_sample(int pid, struct cpu_sample *);
static uint64_t	thread_ns(int pid, int tid, uint64_t *wait);
static uint64_t	machine_busy(uint64_t *steal);
static long	proc_status_kib(int pid, const char *key);

int64_t
lg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
lg_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
main(int argc, char **argv)
{
	struct lg *lg = calloc(1, sizeof(*lg));
	int r;

	if (lg == NULL)
		return 1;
	lg->ep = lg->tfd = -1;
	parse_opts(argc, argv, &lg->o);
	if (lg->o.print_config) {
		print_config(&lg->o);
		free(lg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	r = setup(lg) < 0 ? -1 : run(lg);
	teardown(lg);
	return r < 0 ? 1 : 0;
}

/* Copes with a half-built @lg: the workers are joined before freeing. */
static void
teardown(struct lg *lg)
{
	unsigned i;

	atomic_store(&lg->sh.stop, 1);
	lg->sending = 0;
	while (lg->conns != NULL)
		conn_close(lg, lg->conns);
	for (i = 0; lg->workers != NULL && i < lg->nworkers; i++)
		lg_worker_free(lg->workers[i]);
	for (i = 0; i < lg->o.nex; i++)
		if (lg->ex[i].lfd > 0)
			close(lg->ex[i].lfd);
	if (lg->tfd >= 0)
		close(lg->tfd);
	if (lg->ep >= 0)
		close(lg->ep);
	free(lg->workers);
	free(lg);
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen [--print-config] [--exchanges K] "
	    "[--ex-port P] [--rate R] [--symbols N]\n"
	    "  [--clients M] [--idle N] [--target [NAME=]HOST:PORT]... "
	    "[--path PATH]\n"
	    "  [--idle-path PATH] [--threads T] [--warmup S] [--duration S] "
	    "[--drain S]\n"
	    "  [--tick-us US] ((--pid [NAME=]PID | --pid-file [NAME=]FILE)...)"
	    " [--label NAME]\n"
	    "  [--fast-clients F] [--resume N [--resume-at S]]\n"
	    "  --print-config also takes [--queue-ticks N]\n"
	    "  [--nats-publish URL [--nats-storage file|memory] | "
	    "--nats-source URL]\n");
	exit(2);
}

/*
 * Splits "NAME=VALUE" into @name (NAME_LEN) and the VALUE it returns;
 * without a NAME= part, @name is left as it is.
 */
static const char *
split_name(const char *s, char *name, struct opts *o)
{
	const char *eq = strchr(s, '=');

	if (eq == NULL)
		return s;
	if (eq == s || (size_t)(eq - s) >= NAME_LEN)
		usage();
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	o->named = 1;
	return eq + 1;
}

static void
parse_target(const char *s, struct opts *o)
{
	struct target *t;
	const char *c;

	if (o->ntargets == TARGET_MAX)
		usage();
	t = &o->target[o->ntargets];
	snprintf(t->name, sizeof(t->name), "t%u", o->ntargets + 1);
	s = split_name(s, t->name, o);
	c = strrchr(s, ':');
	if (c == NULL || (size_t)(c - s) >= sizeof(t->host))
		usage();
	memcpy(t->host, s, (size_t)(c - s));
	t->host[c - s] = '\0';
	t->port = atoi(c + 1);
	o->ntargets++;
}

/* --pid [NAME=]PID (@file 0) or --pid-file [NAME=]FILE (@file 1). */
static void
parse_proc(const char *s, int file, struct opts *o)
{
	struct proc *p;

	if (o->nprocs == PROC_MAX)
		usage();
	p = &o->proc[o->nprocs];
	snprintf(p->name, sizeof(p->name), "p%u", o->nprocs + 1);
	s = split_name(s, p->name, o);
	if (file)
		p->pid_file = s;
	else if ((p->pid = atoi(s)) <= 0)
		usage();
	o->nprocs++;
}

/*
 * Each process's clients are those of the target of the same name; a
 * lone process measures the lone target's clients.
 */
static void
link_procs(struct opts *o)
{
	unsigned i, j;

	for (i = 0; i < o->nprocs; i++) {
		o->proc[i].target = -1;
		for (j = 0; j < o->ntargets; j++)
			if (strcmp(o->proc[i].name, o->target[j].name) == 0)
				o->proc[i].target = (int)j;
	}
	if (o->nprocs == 1 && o->ntargets == 1)
		o->proc[0].target = 0;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "exchanges", 1, NULL, 'k' }, { "ex-port", 1, NULL, 'x' },
		{ "rate", 1, NULL, 'r' }, { "symbols", 1, NULL, 's' },
		{ "clients", 1, NULL, 'm' }, { "idle", 1, NULL, 'i' },
		{ "target", 1, NULL, 't' }, { "path", 1, NULL, 'P' },
		{ "idle-path", 1, NULL, 'I' }, { "threads", 1, NULL, 'T' },
		{ "warmup", 1, NULL, 'w' }, { "duration", 1, NULL, 'd' },
		{ "drain", 1, NULL, 'D' }, { "tick-us", 1, NULL, 'u' },
		{ "pid", 1, NULL, 'p' }, { "pid-file", 1, NULL, 'f' },
		{ "label", 1, NULL, 'l' }, { "print-config", 0, NULL, 'c' },
		{ "queue-ticks", 1, NULL, 'q' },
		{ "fast-clients", 1, NULL, 'F' }, { "resume", 1, NULL, 'R' },
		{ "resume-at", 1, NULL, 'A' },
		{ "nats-publish", 1, NULL, 'N' }, { "nats-source", 1, NULL, 'S' },
		{ "nats-storage", 1, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .nex = 1, .nsym = 4, .clients = 10, .threads = 1,
	    .tick_us = 1000, .queue_ticks = 65536, .ex_port = 27660,
	    .rate = 1000, .warmup = 2, .duration = 10, .drain = 3,
	    .path = "/",
	    .idle_path = "/?symbols=ZZZ-USD", .label = "run",
	    .resume_at = -1 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': o->nex = (unsigned)atoi(optarg); break;
		case 'x': o->ex_port = atoi(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		case 's': o->nsym = (unsigned)atoi(optarg); break;
		case 'm': o->clients = (unsigned)atoi(optarg); break;
		case 'i': o->idle = (unsigned)atoi(optarg); break;
		case 't': parse_target(optarg, o); break;
		case 'P': o->path = optarg; break;
		case 'I': o->idle_path = optarg; break;
		case 'T': o->threads = (unsigned)atoi(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'd': o->duration = atof(optarg); break;
		case 'D': o->drain = atof(optarg); break;
		case 'u': o->tick_us = (unsigned)atoi(optarg); break;
		case 'p': parse_proc(optarg, 0, o); break;
		case 'f': parse_proc(optarg, 1, o); break;
		case 'l': o->label = optarg; break;
		case 'c': o->print_config = 1; break;
		case 'q': o->queue_ticks = (unsigned)atoi(optarg); break;
		case 'F': o->fast = (unsigned)atoi(optarg); break;
		case 'R': o->resume = (unsigned)atoi(optarg); break;
		case 'A': o->resume_at = atof(optarg); break;
		case 'N': o->nats_publish = optarg; break;
		case 'S': o->nats_source = optarg; break;
		case 'g': o->nats_storage = optarg; break;
		default: usage();
		}
	}
	if (o->ntargets == 0)
		parse_target("127.0.0.1:27650", o);
	link_procs(o);
	if (optind != argc || o->nex < 1 || o->nex > EX_MAX || o->nsym < 1 ||
	    o->nsym > SYM_MAX || o->threads < 1 || o->rate <= 0 ||
	    o->tick_us < 50 || o->duration <= 0 || o->fast > o->clients ||
	    o->resume_at >= o->duration ||
	    (o->nats_publish != NULL && o->nats_source != NULL) ||
	    (o->nats_storage != NULL && (o->nats_publish == NULL ||
	    (strcmp(o->nats_storage, "file") != 0 &&
	    strcmp(o->nats_storage, "memory") != 0))) ||
	    ((o->idle > 0 || o->resume > 0 || o->fast > 0) &&
	    (o->ntargets > 1 || o->nprocs > 1)))
		usage();
	snprintf(o->fast_path, sizeof(o->fast_path), "%s%smax_delay_ms=0",
	    o->path, strchr(o->path, '?') ? "&" : "?");
	if (!o->print_config && o->nprocs == 0)
		usage();
}

static void
print_symbols(const struct opts *o)
{
	unsigned s;

	for (s = 0; s < o->nsym; s++)
		printf("%s\"%s\"", s ? ", " : "", symbols[s]);
}

/*
 * A tickerd config: listen on the (first) target, read the fake exchanges,
 * and with --nats-publish URL also publish to the stream TICKS there (an
 * ingest host); or with --nats-source URL read that stream instead of the
 * exchanges (an edge host).
 */
static void
print_config(const struct opts *o)
{
	unsigned e;

	printf("{\n  \"listen\": {\"tcp\": \"%s:%d\"},\n  \"exchanges\": [\n",
	    o->target[0].host, o->target[0].port);
	for (e = 0; o->nats_source == NULL && e < o->nex; e++) {
		printf("    {\"name\": \"ex%u\", \"adapter\": \"binance\", "
		    "\"url\": \"ws://127.0.0.1:%d/ws\", \"stale_s\": 30, "
		    "\"symbols\": [", e + 1, o->ex_port + (int)e);
		print_symbols(o);
		printf("]}%s\n", e + 1 < o->nex ? "," : "");
	}
	if (o->nats_source != NULL) {
		printf("    {\"name\": \"hub\", \"adapter\": \"nats\", "
		    "\"servers\": [\"%s\"], \"stream\": \"TICKS\", "
		    "\"symbols\": [", o->nats_source);
		print_symbols(o);
		printf("]}\n");
	}
	printf("  ],\n  \"clients\": {\"max\": 20000, "
	    "\"queue_ticks\": %u}", o->queue_ticks);
	if (o->nats_publish != NULL)
		printf(",\n  \"publish\": {\"nats\": {\"servers\": [\"%s\"], "
		    "\"stream\": \"TICKS\"%s%s%s}}", o->nats_publish,
		    o->nats_storage ? ", \"storage\": \"" : "",
		    o->nats_storage ? o->nats_storage : "",
		    o->nats_storage ? "\"" : "");
	printf("\n}\n");
}

/*
 * Worker @i: the (@i % threads)th share of target @i / threads's clients;
 * past those, the fast subscribers (max_delay_ms=0, one target only) on a
 * thread of their own, as a latency-sensitive program beside dashboards
 * has: sharing one would time how long it takes to read the others'.
 */
static int
worker_setup(struct lg *lg, unsigned i)
{
	const struct opts *o = &lg->o;
	const struct target *t = &o->target[i / o->threads];
	unsigned k = i % o->threads, m = o->clients - o->fast;

	if (i == o->threads * o->ntargets)
		lg->workers[i] = lg_worker_new(&lg->sh, o->target[0].host,
		    o->target[0].port, o->fast, o->fast, 0);
	else
		lg->workers[i] = lg_worker_new(&lg->sh, t->host, t->port,
		    m / o->threads + (k < m % o->threads), 0,
		    o->idle / o->threads + (k < o->idle % o->threads));
	if (lg->workers[i] == NULL)
		return -1;
	return lg_worker_start(lg->workers[i]);
}

static int
setup(struct lg *lg)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct epoll_event ev;
	unsigned e, i;

	lg->ep = epoll_create1(EPOLL_CLOEXEC);
	lg->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (lg->ep < 0 || lg->tfd < 0)
		return perror("loadgen: epoll/timerfd"), -1;
	its.it_interval.tv_nsec = (long)lg->o.tick_us * 1000;
	its.it_value = its.it_interval;
	timerfd_settime(lg->tfd, 0, &its, NULL);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(lg->ep, EPOLL_CTL_ADD, lg->tfd, &ev);
	for (e = 0; e < lg->o.nex; e++) {
		lg->ex[e].lfd = lg_listen("127.0.0.1", lg->o.ex_port + (int)e);
		if (lg->ex[e].lfd < 0) {
			fprintf(stderr, "loadgen: listen on %d: %s\n",
			    lg->o.ex_port + (int)e, strerror(-lg->ex[e].lfd));
			return -1;
		}
		/* Listeners are tagged with small integers, not pointers. */
		ev = (struct epoll_event){ .events = EPOLLIN,
		    .data.u64 = e + 1 };
		epoll_ctl(lg->ep, EPOLL_CTL_ADD, lg->ex[e].lfd, &ev);
	}
	lg->sh.path = lg->o.path;
	lg->sh.fast_path = lg->o.fast_path;
	lg->sh.idle_path = lg->o.idle_path;
	lg->sh.max_inflight = 128;
	lg->nworkers = lg->o.threads * lg->o.ntargets + (lg->o.fast > 0);
	lg->workers = calloc(lg->nworkers, sizeof(*lg->workers));
	if (lg->workers == NULL)
		return -1;
	for (i = 0; i < lg->nworkers; i++)
		if (worker_setup(lg, i) < 0)
			return fprintf(stderr, "loadgen: worker failed\n"), -1;
	return 0;
}

/* ---- the fake exchanges ---- */

static int
is_listener(const struct epoll_event *ev)
{
	return ev->data.u64 >= 1 && ev->data.u64 <= EX_MAX;
}

static void
loop_once(struct lg *lg, int timeout_ms)
{
	struct epoll_event ev[NEVENTS];
	uint64_t expirations;
	int i, n;

	n = epoll_wait(lg->ep, ev, NEVENTS, timeout_ms);
	for (i = 0; i < n; i++) {
		if (ev[i].data.ptr == NULL) {
			if (read(lg->tfd, &expirations, sizeof(expirations)) > 0 &&
			    lg->sending)
				send_due(lg);
		} else if (is_listener(&ev[i]))
			conn_accept(lg, (int)ev[i].data.u64 - 1);
		else
			conn_event(lg, ev[i].data.ptr, ev[i].events);
	}
}

static void
conn_accept(struct lg *lg, int ex)
{
	struct epoll_event ev;
	struct conn *c;
	int fd, one = 1;

	fd = accept4(lg->ex[ex].lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* Without it Nagle holds small frames for the daemon's delayed ACK:
	 * 10-40 ms of latency that is ours, not the daemon's. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->ex = ex;
	c->state = CONN_HANDSHAKE;
	if ((c->next = lg->conns) != NULL)
		c->next->prevp = &c->next;
	c->prevp = &lg->conns;
	lg->conns = c;
	lg->ex[ex].conns++;
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = c };
	epoll_ctl(lg->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int
conn_out(struct lg *lg, struct conn *c, const void *p, size_t len)
{
	unsigned char *n;
	size_t cap;

	if (c->outlen + len > OUT_MAX)
		return -ENOBUFS;
	if (c->outlen + len > c->outcap) {
		for (cap = c->outcap ? c->outcap : 65536; cap < c->outlen + len;)
			cap *= 2;
		if ((n = realloc(c->out, cap)) == NULL)
			return -ENOMEM;
		c->out = n;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	return 0;
}

/* Writes what the socket takes; polls for the rest. */
static int
conn_flush(struct lg *lg, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	ssize_t n;

	if (c->outoff < c->outlen) {
		n = lg_write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0)
			return (int)n;
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	else if (c->outoff > c->outcap / 2) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->want_out != (c->outlen > 0)) {
		c->want_out = c->outlen > 0;
		if (c->want_out)
			ev.events |= EPOLLOUT;
		epoll_ctl(lg->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

static int
conn_send(struct lg *lg, struct conn *c, int opcode, const void *p,
    size_t len)
{
	unsigned char hdr[LG_WS_HDR_MAX];
	size_t n = lg_ws_header(hdr, opcode, len, 0);

	if (conn_out(lg, c, hdr, n) < 0 || conn_out(lg, c, p, len) < 0)
		return -ENOBUFS;
	return 0;
}

static int
conn_handshake(struct lg *lg, struct conn *c)
{
	unsigned char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
	char resp[256];
	size_t used;
	int n;

	if (end == NULL)
		return c->inlen == IN_MAX ? -EINVAL : 0;
	used = (size_t)(end + 4 - c->in);
	*end = '\0';
	if ((n = lg_ws_upgrade_reply((char *)c->in, resp, sizeof(resp))) < 0)
		return -EINVAL;
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	c->state = CONN_OPEN;
	return conn_out(lg, c, resp, (size_t)n);
}

/* A SUBSCRIBE makes this the connection the exchange sends on. */
static void
conn_text(struct lg *lg, struct conn *c, const unsigned char *p, size_t len)
{
	const unsigned char *id = memmem(p, len, "\"id\":", 5);
	char ack[64];
	int n;

	if (memmem(p, len, "\"SUBSCRIBE\"", 11) == NULL)
		return;
	n = snprintf(ack, sizeof(ack), "{\"result\":null,\"id\":%lld}",
	    id != NULL ? strtoll((const char *)id + 5, NULL, 10) : 0LL);
	conn_send(lg, c, LG_WS_TEXT, ack, (size_t)n);
	lg->ex[c->ex].active = c;
}

static int
conn_frames(struct lg *lg, struct conn *c)
{
	struct lg_frame f;
	size_t off = 0;
	int r;

	while ((r = lg_ws_parse(c->in + off, c->inlen - off, IN_MAX, &f)) > 0) {
		off += f.total;
		if (f.opcode == LG_WS_TEXT)
			conn_text(lg, c, f.payload, f.len);
		else if (f.opcode == LG_WS_PING)
			conn_send(lg, c, LG_WS_PONG, f.payload, f.len);
		else if (f.opcode == LG_WS_CLOSE) {
			conn_send(lg, c, LG_WS_CLOSE, f.payload,
			    f.len > 2 ? 2 : f.len);
			conn_flush(lg, c);
			return -EPIPE;
		}
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return r < 0 ? -EINVAL : 0;
}

static void
conn_event(struct lg *lg, struct conn *c, uint32_t events)
{
	ssize_t n;

	if ((events & EPOLLOUT) && conn_flush(lg, c) < 0)
		goto dead;
	if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	n = read(c->fd, c->in + c->inlen, IN_MAX - c->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto dead;
	c->inlen += (size_t)n;
	if (c->state == CONN_HANDSHAKE && conn_handshake(lg, c) < 0)
		goto dead;
	if (c->state == CONN_OPEN && conn_frames(lg, c) < 0)
		goto dead;
	if (conn_flush(lg, c) < 0)
		goto dead;
	return;
dead:
	conn_close(lg, c);
}

static void
conn_close(struct lg *lg, struct conn *c)
{
	if (lg->ex[c->ex].active == c) {
		lg->ex[c->ex].active = NULL;
		if (lg->sending)
			fprintf(stderr, "loadgen: ex%d: the daemon "
			    "disconnected while sending\n", c->ex + 1);
	}
	if ((*c->prevp = c->next) != NULL)
		c->next->prevp = c->prevp;
	epoll_ctl(lg->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c);
}

/* ---- sending ---- */

static size_t
trade_frame(struct lg *lg, unsigned sym, int64_t now, char *buf, size_t cap)
{
	char native[16];
	const char *u = symbols[sym];
	uint64_t id = (uint64_t)now * 16, n = lg->sent;
	size_t j = 0;
	int len;

	if (id <= lg->last_id)
		id = lg->last_id + 1;
	lg->last_id = id;
	for (; *u != '\0' && j < sizeof(native) - 1; u++)
		if (*u != '-')
			native[j++] = *u;
	native[j] = '\0';
	len = snprintf(buf, cap, "{\"e\":\"trade\",\"E\":%" PRId64 ","
	    "\"s\":\"%s\",\"t\":%" PRIu64 ",\"p\":\"%u.%02u000000\","
	    "\"q\":\"0.%04u0000\",\"T\":%" PRId64 ",\"m\":%s,\"M\":true}",
	    now / 1000, native, id, 30000u + (unsigned)(n % 1000),
	    (unsigned)(n % 100), 1u + (unsigned)(n % 9999), now / 1000,
	    n & 1 ? "true" : "false");
	if ((int64_t)(id / 16) >= lg->t0 && (int64_t)(id / 16) < lg->t1)
		lg->sent_win++;
	return (size_t)len;
}

/* Sends every trade due by now, so that R/s holds however late we wake. */
static void
send_due(struct lg *lg)
{
	int64_t now = lg_mono_us(), rt = lg_now_us();
	uint64_t due = (uint64_t)((double)(now - lg->send_start) *
	    lg->o.rate / 1e6);
	char buf[512];
	unsigned e, k = lg->o.nex;
	struct conn *c;

	for (; lg->sent < due; lg->sent++) {
		e = (unsigned)(lg->sent % k);
		size_t n = trade_frame(lg, (unsigned)(lg->sent / k %
		    lg->o.nsym), rt, buf, sizeof(buf));

		if ((c = lg->ex[e].active) == NULL)
			lg->ex_unsent++;
		else if (conn_send(lg, c, LG_WS_TEXT, buf, n) < 0)
			lg->ex_overflow++;
	}
	for (e = 0; e < k; e++)
		if ((c = lg->ex[e].active) != NULL && conn_flush(lg, c) < 0)
			conn_close(lg, c);
}

/* ---- the schedule ---- */

typedef int cond_fn(struct lg *);

/* Runs the loop until @cond holds (1) or @deadline_us passes (0). */
static int
loop_until(struct lg *lg, int64_t deadline_us, cond_fn *cond)
{
	while (!interrupted) {
		if (cond != NULL && cond(lg))
			return 1;
		if (lg_mono_us() >= deadline_us)
			return cond == NULL;
		loop_once(lg, 2);
	}
	return 0;
}

static int
upstreams_ready(struct lg *lg)
{
	unsigned e;

	if (!read_pids(lg))
		return 0;
	for (e = 0; e < lg->o.nex; e++)
		if (lg->ex[e].active == NULL)
			return 0;
	return 1;
}

/* Active subscribers over all targets. */
static unsigned
all_clients(const struct lg *lg)
{
	return lg->o.clients * lg->o.ntargets;
}

static int
clients_ready(struct lg *lg)
{
	return atomic_load(&lg->sh.open) + atomic_load(&lg->sh.failed) >=
	    all_clients(lg);
}

static int
idle_ready(struct lg *lg)
{
	return atomic_load(&lg->sh.open) + atomic_load(&lg->sh.failed) >=
	    lg->o.clients + lg->o.idle;
}

static uint64_t
win_received(struct lg *lg)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < lg->nworkers; i++)
		n += lg_worker_win_ticks(lg->workers[i]);
	return n;
}

static int
drained(struct lg *lg)
{
	unsigned open = atomic_load(&lg->sh.open) - atomic_load(&lg->sh.closed);

	return win_received(lg) >= lg->sent_win * open;
}

static int
read_pid(struct proc *p)
{
	FILE *f;
	int pid = 0;

	if (p->pid > 0 || p->pid_file == NULL)
		return p->pid;
	if ((f = fopen(p->pid_file, "r")) == NULL)
		return 0;
	if (fscanf(f, "%d", &pid) == 1 && pid > 0)
		p->pid = pid;
	fclose(f);
	return p->pid;
}

/* 1 once every process's PID is known. */
static int
read_pids(struct lg *lg)
{
	unsigned i;
	int all = 1;

	for (i = 0; i < lg->o.nprocs; i++)
		if (read_pid(&lg->o.proc[i]) <= 0)
			all = 0;
	return all;
}

static int64_t
secs(double s)
{
	return (int64_t)(s * 1e6);
}

struct measures {
	struct cpu_sample	 cpu0[PROC_MAX], cpu1[PROC_MAX];
	struct cpu_sample	 self0, self1;	/* the load generator */
	uint64_t		 busy0, busy1;	/* whole machine, ticks */
	uint64_t		 steal0, steal1;	/* hypervisor's */
	uint64_t		 main0, main1;	/* its main thread, ns */
	long			 rss_kib[PROC_MAX], hwm_kib[PROC_MAX];
	long			 idle_before, idle_after;
	unsigned		 idle_open;
	struct lg_resume	 resume;
	int			 resume_ok;
};

static void report(struct lg *, const struct measures *);

/* A resume inside the measured window, on its own thread (--resume-at). */
struct resume_job {
	struct lg	*lg;
	struct measures	*m;
	pthread_t	 tid;
};

static void *
resume_in_window(void *arg)
{
	struct resume_job *j = arg;
	struct lg *lg = j->lg;
	int64_t at = lg->t0 + (int64_t)(lg->o.resume_at * 1e6);
	int64_t wait = at - lg_now_us();

	if (wait > 0)
		usleep((useconds_t)wait);
	j->m->resume_ok = lg_resume_measure(lg->o.target[0].host,
	    lg->o.target[0].port,
	    lg->o.path, lg->o.resume, &j->m->resume) == 0;
	return NULL;
}

static int
wait_window(struct lg *lg, int64_t rt_deadline)
{
	int64_t wait = rt_deadline - lg_now_us();

	return loop_until(lg, lg_mono_us() + (wait > 0 ? wait : 0), NULL);
}

static void
idle_phase(struct lg *lg, struct measures *m)
{
	loop_until(lg, lg_mono_us() + secs(1), NULL);
	m->idle_before = proc_status_kib(lg->o.proc[0].pid, "VmRSS:");
	atomic_store(&lg->sh.idle_go, 1);
	if (!loop_until(lg, lg_mono_us() + secs(120), idle_ready))
		fprintf(stderr, "loadgen: idle clients: %u of %u connected\n",
		    atomic_load(&lg->sh.open) - lg->o.clients, lg->o.idle);
	loop_until(lg, lg_mono_us() + secs(2), NULL);
	m->idle_after = proc_status_kib(lg->o.proc[0].pid, "VmRSS:");
	m->idle_open = atomic_load(&lg->sh.open) - lg->o.clients;
}

static int
run(struct lg *lg)
{
	struct measures m = { 0 };
	struct resume_job job;
	unsigned i;
	int ok = 0, resume_thread = 0;

	if (!loop_until(lg, lg_mono_us() + secs(30), upstreams_ready)) {
		fprintf(stderr, "loadgen: no pid or no SUBSCRIBE on every "
		    "exchange within 30 s\n");
		goto out;
	}
	atomic_store(&lg->sh.go, 1);
	if (!loop_until(lg, lg_mono_us() + secs(60), clients_ready)) {
		fprintf(stderr, "loadgen: %u of %u subscribers connected\n",
		    atomic_load(&lg->sh.open), all_clients(lg));
		goto out;
	}
	if (atomic_load(&lg->sh.failed) > 0)
		fprintf(stderr, "loadgen: %u subscribers failed to connect\n",
		    atomic_load(&lg->sh.failed));
	lg->t0 = lg_now_us() + secs(lg->o.warmup);
	lg->t1 = lg->t0 + secs(lg->o.duration);
	atomic_store(&lg->sh.t1, lg->t1);
	atomic_store(&lg->sh.t0, lg->t0);
	lg->send_start = lg_mono_us();
	lg->sending = 1;
	if (lg->o.resume > 0 && lg->o.resume_at >= 0) {
		job.lg = lg;
		job.m = &m;
		if (pthread_create(&job.tid, NULL, resume_in_window, &job) == 0)
			resume_thread = 1;
	}
	if (!wait_window(lg, lg->t0))
		goto out;
	for (i = 0; i < lg->o.nprocs; i++)
		cpu_sample(lg->o.proc[i].pid, &m.cpu0[i]);
	m.busy0 = machine_busy(&m.steal0);
	cpu_sample(getpid(), &m.self0);
	m.main0 = thread_ns(getpid(), getpid(), NULL);
	if (!wait_window(lg, lg->t1))
		goto out;
	for (i = 0; i < lg->o.nprocs; i++)
		cpu_sample(lg->o.proc[i].pid, &m.cpu1[i]);
	m.busy1 = machine_busy(&m.steal1);
	cpu_sample(getpid(), &m.self1);
	m.main1 = thread_ns(getpid(), getpid(), NULL);
	for (i = 0; i < lg->o.nprocs; i++) {
		m.rss_kib[i] = proc_status_kib(lg->o.proc[i].pid, "VmRSS:");
		m.hwm_kib[i] = proc_status_kib(lg->o.proc[i].pid, "VmHWM:");
	}
	lg->sending = 0;
	loop_until(lg, lg_mono_us() + secs(lg->o.drain), drained);
	if (lg->o.idle > 0)
		idle_phase(lg, &m);
	if (resume_thread) {
		pthread_join(job.tid, NULL);
		resume_thread = 0;
	} else if (lg->o.resume > 0) {
		m.resume_ok = lg_resume_measure(lg->o.target[0].host,
		    lg->o.target[0].port,
		    lg->o.path, lg->o.resume, &m.resume) == 0;
	}
	if (lg->o.resume > 0 && !m.resume_ok)
		fprintf(stderr, "loadgen: the resume did not complete\n");
	ok = 1;
out:
	atomic_store(&lg->sh.stop, 1);
	if (resume_thread)
		pthread_join(job.tid, NULL);
	for (i = 0; i < lg->nworkers; i++)
		lg_worker_join(lg->workers[i]);
	if (ok)
		report(lg, &m);
	return ok ? 0 : -1;
}

/* ---- the daemon's CPU and memory ---- */

/*
 * Time on CPU of one thread, from its schedstat, and (into @wait) time
 * runnable but waiting for a CPU: on a shared machine that second number
 * says whether the daemon was slow or starved.  0 if unknown.
 */
static uint64_t
thread_ns(int pid, int tid, uint64_t *wait)
{
	char path[80];
	unsigned long long ns = 0, w = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &ns, &w) != 2)
		ns = w = 0;
	fclose(f);
	if (wait != NULL)
		*wait += w;
	return ns;
}

/*
 * Busy clock ticks of the whole machine (all CPUs) from /proc/stat, and
 * apart from them in *steal the ticks the hypervisor gave other guests
 * while this one had work.
 */
static uint64_t
machine_busy(uint64_t *steal)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	*steal = 0;
	if (f == NULL)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	*steal = v[7];
	/* everything but idle (3), iowait (4) and steal (7) */
	return v[0] + v[1] + v[2] + v[5] + v[6];
}

/* Every thread's time on CPU, user and system, in ns. */
static uint64_t
sched_ns(int pid, uint64_t *wait)
{
	char path[64];
	struct dirent *d;
	uint64_t sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((dir = opendir(path)) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.')
			sum += thread_ns(pid, atoi(d->d_name), wait);
	}
	closedir(dir);
	return sum;
}

static int
cpu_sample(int pid, struct cpu_sample *s)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	s->mono_us = lg_mono_us();
	s->wait_ns = 0;
	s->sched_ns = sched_ns(pid, &s->wait_ns);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command's closing parenthesis: state is 3rd,
	 * utime 14th, stime 15th. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return -EINVAL;
	s->stat_ticks = ut + st;
	return 0;
}

static long
proc_status_kib(int pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* ---- the report ---- */

/* One target's subscribers. */
struct part {
	struct lg_sub_stats	 t;
	uint64_t		 expected, missing;
	double			 deliv_s;
};

/* One measured process over the window. */
struct proc_use {
	double			 cpu_us, cpu_pct, stat_pct, wait_pct;
	double			 us_per_tick;	/* per trade sent */
	double			 us_per_deliv;	/* per delivery to its
						 * target's clients; 0: none */
};

/* Everything the report prints, computed once. */
struct summary {
	struct lg_sub_stats	 t;		/* all workers */
	uint64_t		 expected, missing;
	struct part		 part[TARGET_MAX];
	struct proc_use		 proc[PROC_MAX];
	double			 wall_us;	/* the measured window */
	/* the measured processes together */
	double			 cpu_pct, stat_pct, wait_pct, us_per_deliv;
	double			 lg_pct, main_pct, lg_wait_pct, others_pct;
	double			 steal_pct;
	double			 deliv_s, idle_kib;
};

static void
stats_add(struct lg_sub_stats *t, const struct lg_sub_stats *s)
{
	t->frames += s->frames, t->ticks += s->ticks;
	t->win_ticks += s->win_ticks, t->recv_in_win += s->recv_in_win;
	t->snapshots += s->snapshots, t->other += s->other;
	t->idle_ticks += s->idle_ticks, t->gaps += s->gaps;
	t->dups += s->dups, t->bytes += s->bytes;
	if (s->min_client < t->min_client)
		t->min_client = s->min_client;
	if (s->max_client > t->max_client)
		t->max_client = s->max_client;
	if (s->close_code) {
		t->close_code = s->close_code;
		memcpy(t->close_reason, s->close_reason,
		    sizeof(t->close_reason));
	}
	lg_hist_merge(&t->hist, &s->hist);
	lg_hist_merge(&t->fast_hist, &s->fast_hist);
	lg_hist_merge(&t->fast_recv_hist, &s->fast_recv_hist);
}

/* Workers [@first, @first + @n) summed into @t. */
static void
sum_workers(struct lg *lg, unsigned first, unsigned n,
    struct lg_sub_stats *t)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->min_client = UINT64_MAX;
	for (i = first; i < first + n; i++)
		stats_add(t, lg_worker_join(lg->workers[i]));
	if (t->min_client == UINT64_MAX)
		t->min_client = 0;
}

static void
summarize_parts(struct lg *lg, struct summary *u)
{
	struct part *p;
	unsigned k, n = lg->o.threads;

	for (k = 0; k < lg->o.ntargets; k++) {
		p = &u->part[k];
		sum_workers(lg, k * n, n, &p->t);
		p->expected = lg->sent_win * lg->o.clients;
		p->missing = p->expected > p->t.win_ticks ?
		    p->expected - p->t.win_ticks : 0;
		p->deliv_s = (double)p->t.recv_in_win / lg->o.duration;
	}
	sum_workers(lg, 0, lg->nworkers, &u->t);
	u->expected = lg->sent_win * all_clients(lg);
	u->missing = u->expected > u->t.win_ticks ?
	    u->expected - u->t.win_ticks : 0;
	u->deliv_s = (double)u->t.recv_in_win / lg->o.duration;
}

/* Process @i's CPU over the window; returns its CPU-µs. */
static double
summarize_proc(struct lg *lg, const struct measures *m, unsigned i,
    struct summary *u)
{
	const struct cpu_sample *c0 = &m->cpu0[i], *c1 = &m->cpu1[i];
	struct proc_use *p = &u->proc[i];
	double tck = (double)sysconf(_SC_CLK_TCK);
	int k = lg->o.proc[i].target;

	p->cpu_us = (double)(c1->sched_ns - c0->sched_ns) / 1e3;
	p->stat_pct = 100 * (double)(c1->stat_ticks - c0->stat_ticks) *
	    1e6 / tck / u->wall_us;
	p->cpu_pct = p->cpu_us > 0 ? 100 * p->cpu_us / u->wall_us :
	    p->stat_pct;
	if (p->cpu_us <= 0)
		p->cpu_us = p->cpu_pct * u->wall_us / 100;
	p->wait_pct = 100 * (double)(c1->wait_ns - c0->wait_ns) / 1e3 /
	    u->wall_us;
	p->us_per_tick = lg->sent_win ? p->cpu_us / (double)lg->sent_win : 0;
	p->us_per_deliv = k >= 0 && u->part[k].t.recv_in_win ?
	    p->cpu_us / (double)u->part[k].t.recv_in_win : 0;
	u->cpu_pct += p->cpu_pct;
	u->stat_pct += p->stat_pct;
	u->wait_pct += p->wait_pct;
	return p->cpu_us;
}

static void
summarize(struct lg *lg, const struct measures *m, struct summary *u)
{
	double cpu_us = 0, lg_us, busy_us, tck = (double)sysconf(_SC_CLK_TCK);
	unsigned i;

	summarize_parts(lg, u);
	u->wall_us = (double)(m->cpu1[0].mono_us - m->cpu0[0].mono_us);
	for (i = 0; i < lg->o.nprocs; i++)
		cpu_us += summarize_proc(lg, m, i, u);
	u->us_per_deliv = u->t.recv_in_win ?
	    cpu_us / (double)u->t.recv_in_win : 0;
	lg_us = (double)(m->self1.sched_ns - m->self0.sched_ns) / 1e3;
	u->lg_pct = 100 * lg_us / u->wall_us;
	u->main_pct = 100 * (double)(m->main1 - m->main0) / 1e3 / u->wall_us;
	u->lg_wait_pct = 100 * (double)(m->self1.wait_ns - m->self0.wait_ns) /
	    1e3 / u->wall_us;
	busy_us = (double)(m->busy1 - m->busy0) * 1e6 / tck;
	u->others_pct = 100 * (busy_us - cpu_us - lg_us) / u->wall_us;
	if (u->others_pct < 0)
		u->others_pct = 0;
	u->steal_pct = 100 * (double)(m->steal1 - m->steal0) * 1e6 / tck /
	    u->wall_us;
	u->idle_kib = m->idle_open ? (double)(m->idle_after -
	    m->idle_before) / m->idle_open : 0;
}

static void
print_fast(const struct lg *lg, const struct lg_hist *h,
    const struct lg_hist *r)
{
	printf("fast        %u client(s) with max_delay_ms=0: %" PRIu64
	    " ticks; latency µs p50 %" PRIu64 "  p90 %" PRIu64 "  p99 %"
	    PRIu64 "  max %" PRIu64 " (the others above)\n", lg->o.fast,
	    h->count, lg_hist_quantile(h, 0.50), lg_hist_quantile(h, 0.90),
	    lg_hist_quantile(h, 0.99), h->max);
	printf("fast recv   recv_ts -> receive µs p50 %" PRIu64 "  p90 %"
	    PRIu64 "  p99 %" PRIu64 "  max %" PRIu64 "\n",
	    lg_hist_quantile(r, 0.50), lg_hist_quantile(r, 0.90),
	    lg_hist_quantile(r, 0.99), r->max);
}

static void
print_resume(const struct lg_resume *r, int ok)
{
	double s = r->us > 0 ? (double)r->us / 1e6 : 1e-6;

	printf("resume      %s after seq %" PRIu64 " up to %" PRIu64 ": %u "
	    "messages in %u frames, %.1f ms: %.0f messages/s, %.1f MB/s%s\n",
	    ok ? "done" : "INCOMPLETE", r->since, r->last, r->messages,
	    r->frames, (double)r->us / 1e3, r->messages / s,
	    (double)r->bytes / 1e6 / s, r->gap ? " (a gap: not held)" : "");
}

static long
rss_sum(const struct lg *lg, const struct measures *m)
{
	long sum = 0;
	unsigned i;

	if (lg->o.nprocs == 1)
		return m->rss_kib[0];
	for (i = 0; i < lg->o.nprocs; i++)
		sum += m->rss_kib[i] > 0 ? m->rss_kib[i] : 0;
	return sum;
}

/* Whether the report has a line per target and per process. */
static int
per_part(const struct lg *lg)
{
	return lg->o.named || lg->o.ntargets > 1 || lg->o.nprocs > 1;
}

/* A line per target (its clients) and per process (its CPU). */
static void
print_parts(const struct lg *lg, const struct measures *m,
    const struct summary *u)
{
	const struct part *p;
	const struct proc_use *c;
	const struct lg_hist *h;
	unsigned i;
	int k;

	for (i = 0; i < lg->o.ntargets; i++) {
		p = &u->part[i];
		h = &p->t.hist;
		printf("target %-6s %s:%d, %u clients: %" PRIu64 " of %" PRIu64
		    " delivered, missing %" PRIu64 ", %" PRIu64 " gaps, %"
		    PRIu64 " dups; latency µs p50 %" PRIu64 "  p90 %" PRIu64
		    "  p99 %" PRIu64 "  p99.9 %" PRIu64 "  max %" PRIu64 "\n",
		    lg->o.target[i].name, lg->o.target[i].host,
		    lg->o.target[i].port, lg->o.clients, p->t.win_ticks,
		    p->expected, p->missing, p->t.gaps, p->t.dups,
		    lg_hist_quantile(h, 0.50), lg_hist_quantile(h, 0.90),
		    lg_hist_quantile(h, 0.99), lg_hist_quantile(h, 0.999),
		    h->max);
	}
	for (i = 0; i < lg->o.nprocs; i++) {
		c = &u->proc[i];
		k = lg->o.proc[i].target;
		printf("process %-6s pid %d: CPU %.1f%% of one core (stat "
		    "%.1f%%), %.3f CPU-µs per tick sent", lg->o.proc[i].name,
		    lg->o.proc[i].pid, c->cpu_pct, c->stat_pct, c->us_per_tick);
		if (k >= 0)
			printf(", %.3f per delivery to %s's clients",
			    c->us_per_deliv, lg->o.target[k].name);
		printf("; waited for a CPU %.1f%%; RSS %ld KiB, peak %ld KiB\n",
		    c->wait_pct, m->rss_kib[i], m->hwm_kib[i]);
	}
}

/* The same as key=value pairs, t1_... per target, p1_... per process. */
static void
print_parts_result(const struct lg *lg, const struct measures *m,
    const struct summary *u)
{
	const struct part *p;
	const struct proc_use *c;
	const struct lg_hist *h;
	unsigned i;
	int k;

	printf(" sent_win=%" PRIu64, lg->sent_win);
	for (i = 0; i < lg->o.ntargets; i++) {
		p = &u->part[i];
		h = &p->t.hist;
		printf(" t%u_name=%s t%u_clients=%u t%u_expected=%" PRIu64
		    " t%u_received=%" PRIu64 " t%u_missing=%" PRIu64
		    " t%u_gaps=%" PRIu64 " t%u_dups=%" PRIu64
		    " t%u_deliv_s=%.0f t%u_p50=%" PRIu64 " t%u_p90=%" PRIu64
		    " t%u_p99=%" PRIu64 " t%u_p999=%" PRIu64
		    " t%u_max=%" PRIu64, i + 1, lg->o.target[i].name, i + 1,
		    lg->o.clients, i + 1, p->expected, i + 1, p->t.win_ticks,
		    i + 1, p->missing, i + 1, p->t.gaps, i + 1, p->t.dups,
		    i + 1, p->deliv_s, i + 1, lg_hist_quantile(h, 0.50),
		    i + 1, lg_hist_quantile(h, 0.90), i + 1,
		    lg_hist_quantile(h, 0.99), i + 1,
		    lg_hist_quantile(h, 0.999), i + 1, h->max);
	}
	for (i = 0; i < lg->o.nprocs; i++) {
		c = &u->proc[i];
		k = lg->o.proc[i].target;
		printf(" p%u_name=%s p%u_target=%s p%u_cpu_pct=%.1f "
		    "p%u_us_per_tick=%.3f p%u_us_per_deliv=%.3f "
		    "p%u_wait_pct=%.1f p%u_rss_kib=%ld", i + 1,
		    lg->o.proc[i].name, i + 1,
		    k >= 0 ? lg->o.target[k].name : "-", i + 1, c->cpu_pct,
		    i + 1, c->us_per_tick, i + 1, c->us_per_deliv, i + 1,
		    c->wait_pct, i + 1, m->rss_kib[i]);
	}
}

static void
print_human(struct lg *lg, const struct measures *m, const struct summary *u)
{
	const struct lg_sub_stats *t = &u->t;
	const struct lg_hist *h = &t->hist;
	double dur = lg->o.duration;

	printf("== %s: %u exchange(s), %.0f trades/s, %u clients, "
	    "%.0f s measured ==\n", lg->o.label, lg->o.nex, lg->o.rate,
	    all_clients(lg), dur);
	printf("sent        %" PRIu64 " in window (%.0f/s), %" PRIu64
	    " total, %" PRIu64 " unsent (no upstream), %" PRIu64
	    " overflowed\n", lg->sent_win, (double)lg->sent_win / dur,
	    lg->sent, lg->ex_unsent, lg->ex_overflow);
	printf("delivered   %" PRIu64 " of %" PRIu64 " expected by the end of "
	    "the drain, missing %" PRIu64 " (%.4f%%), per client %" PRIu64
	    "..%" PRIu64 "\n", t->win_ticks, u->expected, u->missing,
	    u->expected ? 100.0 * (double)u->missing /
	    (double)u->expected : 0.0, t->min_client, t->max_client);
	printf("seq         %" PRIu64 " gaps, %" PRIu64 " duplicates; "
	    "%" PRIu64 " snapshots, %" PRIu64 " other frames\n",
	    t->gaps, t->dups, t->snapshots, t->other);
	printf("clients     %u open, %u failed, %u closed by peer",
	    atomic_load(&lg->sh.open), atomic_load(&lg->sh.failed),
	    atomic_load(&lg->sh.closed));
	if (t->close_code)
		printf(" (last close %u \"%s\")", t->close_code,
		    t->close_reason);
	printf("\nthroughput  %.0f deliveries/s received in window, "
	    "%.1f MB/s\n", u->deliv_s,
	    (double)t->bytes / 1e6 / (dur + lg->o.warmup));
	printf("latency µs  p50 %" PRIu64 "  p90 %" PRIu64 "  p99 %" PRIu64
	    "  p99.9 %" PRIu64 "  max %" PRIu64 "  mean %.0f\n",
	    lg_hist_quantile(h, 0.50), lg_hist_quantile(h, 0.90),
	    lg_hist_quantile(h, 0.99), lg_hist_quantile(h, 0.999), h->max,
	    h->count ? (double)h->sum / (double)h->count : 0.0);
	if (lg->o.nprocs == 1)
		printf("target pid  %d: CPU %.1f%% of one core (stat %.1f%%), "
		    "%.3f CPU-µs per delivery, waited for a CPU %.1f%% of the "
		    "time; RSS %ld KiB, peak %ld KiB\n", lg->o.proc[0].pid,
		    u->cpu_pct, u->stat_pct, u->us_per_deliv, u->wait_pct,
		    m->rss_kib[0], m->hwm_kib[0]);
	else
		printf("processes   %u together: CPU %.1f%% of one core "
		    "(stat %.1f%%), %.3f CPU-µs per delivery, waited for a CPU "
		    "%.1f%% of the time; RSS %ld KiB\n", lg->o.nprocs,
		    u->cpu_pct, u->stat_pct, u->us_per_deliv, u->wait_pct,
		    rss_sum(lg, m));
	printf("machine     loadgen %.1f%% (exchanges %.1f%%, subscribers "
	    "%.1f%%; its threads waited for a CPU %.1f%%), everything else "
	    "%.1f%% of one core; stolen by the hypervisor %.1f%%\n",
	    u->lg_pct, u->main_pct, u->lg_pct - u->main_pct, u->lg_wait_pct,
	    u->others_pct, u->steal_pct);
	if (lg->o.fast > 0)
		print_fast(lg, &u->t.fast_hist, &u->t.fast_recv_hist);
	if (lg->o.resume > 0)
		print_resume(&m->resume, m->resume_ok);
	if (lg->o.idle > 0)
		printf("idle        %u of %u connected: RSS %ld -> %ld KiB, "
		    "%.2f KiB per idle client, %" PRIu64 " ticks to idle "
		    "clients\n", m->idle_open, lg->o.idle, m->idle_before,
		    m->idle_after, u->idle_kib, t->idle_ticks);
	if (per_part(lg))
		print_parts(lg, m, u);
}

/* One line of key=value pairs for bench/run.sh. */
static void
print_result(struct lg *lg, const struct measures *m, const struct summary *u)
{
	const struct lg_hist *h = &u->t.hist;

	printf("RESULT label=%s exchanges=%u rate=%.0f clients=%u "
	    "expected=%" PRIu64 " received=%" PRIu64 " missing=%" PRIu64
	    " gaps=%" PRIu64 " dups=%" PRIu64 " closed=%u deliv_s=%.0f "
	    "p50=%" PRIu64 " p90=%" PRIu64 " p99=%" PRIu64 " p999=%" PRIu64
	    " max=%" PRIu64 " cpu_pct=%.1f cpu_us_per_deliv=%.3f "
	    "wait_pct=%.1f rss_kib=%ld lg_cpu_pct=%.1f lg_wait_pct=%.1f "
	    "others_pct=%.1f steal_pct=%.1f "
	    "idle=%u idle_rss0=%ld idle_rss1=%ld idle_kib_each=%.2f "
	    "fast=%u fast_p50=%" PRIu64 " fast_p99=%" PRIu64 " "
	    "fast_recv_p50=%" PRIu64 " fast_recv_p99=%" PRIu64 " "
	    "resume=%u resume_msgs=%u resume_us=%" PRId64 " resume_gap=%d",
	    lg->o.label, lg->o.nex, lg->o.rate, all_clients(lg), u->expected,
	    u->t.win_ticks, u->missing, u->t.gaps, u->t.dups,
	    atomic_load(&lg->sh.closed), u->deliv_s,
	    lg_hist_quantile(h, 0.50), lg_hist_quantile(h, 0.90),
	    lg_hist_quantile(h, 0.99), lg_hist_quantile(h, 0.999), h->max,
	    u->cpu_pct, u->us_per_deliv, u->wait_pct, rss_sum(lg, m), u->lg_pct,
	    u->lg_wait_pct, u->others_pct, u->steal_pct, m->idle_open,
	    m->idle_before, m->idle_after, u->idle_kib, lg->o.fast,
	    lg_hist_quantile(&u->t.fast_hist, 0.50),
	    lg_hist_quantile(&u->t.fast_hist, 0.99),
	    lg_hist_quantile(&u->t.fast_recv_hist, 0.50),
	    lg_hist_quantile(&u->t.fast_recv_hist, 0.99), lg->o.resume,
	    m->resume.messages, m->resume.us, m->resume.gap);
	if (per_part(lg))
		print_parts_result(lg, m, u);
	printf("\n");
}

static void
report(struct lg *lg, const struct measures *m)
{
	struct summary u;

	summarize(lg, m, &u);
	print_human(lg, m, &u);
	print_result(lg, m, &u);
	fflush(stdout);
}
