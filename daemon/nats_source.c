/* SPDX-License-Identifier: MIT */
/*
 * An edge's NATS source (see nats_source.h).
 *
 * Threads: the loop (the socket's reads and writes through nats_loop.h,
 * the stream's next(), the wake-ups nats_loop_poke() brings, stats), the
 * source's control thread (connect, wait for the stream, snapshot,
 * subscribe, a start-over when the stream was created again, and at the
 * end close), and nats.c's (connection events, timers, reconnects).  The
 * snapshot crosses to the loop through an SPSC ring; the live messages
 * are queued on the loop by nats.c's parser and taken there by next()
 * from the synchronous subscription, once the control thread has said
 * it is live.  nats.c may call back after the connection is destroyed, so
 * the shared part is freed only once the library is closed
 * (nats_lib_defer()).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>
#include <nats/nats.h>

#include <ticker/config.h>
#include <ticker/hash.h>
#include <ticker/nats.h>
#include <ticker/spsc.h>
#include <ticker/stream_impl.h>
#include <ticker/tick.h>

#include "clock.h"
#include "log.h"
#include "nats_conn.h"
#include "nats_loop.h"
#include "nats_source.h"
#include "publisher.h"
#include "tickerd.h"

#define QUEUE_ITEMS	4096		/* snapshot: control thread -> loop */
#define HEARTBEAT_NS	INT64_C(1000000000) /* a lost consumer shows in 2 s */
#define PENDING_MSGS	262144		/* nats.c's buffer per subscription */
#define PENDING_BYTES	(128 << 20)
#define RETRY_MIN_MS	250
#define RETRY_MAX_MS	5000
#define QUOTES_MAX	4096		/* (exchange, symbol) pairs tracked */
#define CHECK_MS	2000		/* is it still the same stream? */
#define CHECK_WAIT_MS	1000		/* ... the answer's wait */

enum item_kind { ITEM_TICK, ITEM_STATUS, ITEM_RESTART };

struct item {
	enum item_kind	 kind;
	int		 snapshot;
	union {
		struct tk_tick	 tick;
		struct tk_nats_status status;
		uint64_t	 restart_after;	/* the new stream's seq */
	} u;
};

enum phase {
	PHASE_START = 0,	/* connecting, or waiting for the stream */
	PHASE_LIVE,		/* snapshot taken, consumer subscribed */
	PHASE_RESTART,		/* the stream was created again: the loop
				   lets go of the subscription */
};

/* The last quote time per (exchange, symbol): late copies are dropped. */
struct quote_ts {
	uint64_t	 key;		/* 0: free */
	int64_t		 ts;
};

struct origin {
	char		 name[TK_NAME_MAX];
	enum tk_state	 state;		/* as its ingest host last said */
	char		 detail[TK_STATUS_DETAIL_MAX];
};

struct src_stream {
	struct tk_stream	 base;
	struct nats_source	*src;	/* NULL once the source is gone */
};

struct nats_source {
	struct tickerd		*td;
	char			 name[TK_NAME_MAX];
	/* what the config said, copied: a reload may free it */
	char			**servers;
	size_t			 nservers;
	char			*stream_name, *subject;
	char			**symbols;	/* and their subject tokens */
	char			**sym_tokens;
	size_t			 nsymbols;
	unsigned		 types;

	struct tk_spsc		*q;
	struct src_stream	*stream;	/* the merge's */

	pthread_t		 thread;
	int			 thread_started;
	atomic_bool		 stop;
	atomic_bool		 closing;	/* callbacks: do nothing */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* the control thread waits */

	/* the control thread's */
	struct nats_conn	 conn;
	struct nats_loop	*loop;		/* the socket's I/O */
	jsCtx			*js;
	natsSubscription	*sub;		/* the loop's once live */
	atomic_int		 phase;
	int64_t			 created;	/* the stream's creation time */
	bool			 let_go;	/* under mu: the loop did */
	char			 last_error[200];	/* under mu */
	uint64_t		 errors;		/* under mu */

	/* the control thread's, then (once live) the loop's */
	uint64_t		 last_seq;
	int64_t			 last_stamp;	/* when it was stored */
	struct quote_ts		 quotes[QUOTES_MAX];
	uint64_t		 avail;		/* queued in sub, as last seen */

	/* counters */
	atomic_uint_fast64_t	 received, missed, parse_errors, filtered;
	atomic_uint_fast64_t	 stale_quotes, sequence, lag;
	uint64_t		 delivered, snapshot;	/* the loop's */
	uint64_t		 wakeups;		/* the loop's */
	int64_t			 last_data_us;	/* realtime, last tick out */

	/* the loop's view */
	enum tk_state		 pub_state;	/* told to clients */
	int			 told;		/* ... once at least */
	uint64_t		 said_errors;
	struct origin		 origins[TK_NATS_ORIGINS_MAX];
	size_t			 norigins;
	int			 held;		/* input moderation */
	int			 woken_held;	/* a wake-up came meanwhile */
};

static enum tk_poll src_next(struct tk_stream *, struct tk_tick *);
static void	src_stream_free(struct tk_stream *);
static void	*source_main(void *);
static void	source_destroy(void *);

static const struct tk_stream_ops src_ops = {
	.next = src_next,
	.free = src_stream_free,
};

static void
wake(struct nats_source *s)
{
	nats_loop_poke(s->loop);	/* source_woken() on the loop */
}

static void
set_error(struct nats_source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct nats_source *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->mu);
	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
	s->errors++;
	pthread_mutex_unlock(&s->mu);
	wake(s);
}

static const char *
last_error_text(void)
{
	const char *t = nats_GetLastError(NULL);

	return t != NULL && t[0] != '\0' ? t : "unknown error";
}

/* ---- reading messages (control thread, then the loop) ---- */

static int
wanted_symbol(const struct nats_source *s, const char *symbol)
{
	size_t i;

	for (i = 0; i < s->nsymbols; i++)
		if (strcmp(s->symbols[i], symbol) == 0)
			return 1;
	return 0;
}

/*
 * Publishers resend what failed, so a quote can reach the stream after a
 * newer one of the same pair: the older one would overwrite the latest.
 */
static int
stale_quote(struct nats_source *s, const struct tk_tick *t)
{
	uint64_t key = tk_hash_pair(t->exchange, t->symbol);
	size_t i, n;

	for (n = 0, i = key & (QUOTES_MAX - 1); n < QUOTES_MAX;
	    n++, i = (i + 1) & (QUOTES_MAX - 1)) {
		if (s->quotes[i].key == 0)
			s->quotes[i].key = key;
		else if (s->quotes[i].key != key)
			continue;
		if (t->ts < s->quotes[i].ts)
			return 1;
		s->quotes[i].ts = t->ts;
		return 0;
	}
	return 0;	/* table full: no check */
}

/* A slot of the ring, waiting while the loop catches up. */
static struct item *
slot(struct nats_source *s)
{
	struct timespec ts = { 0, 1000000 };
	struct item *it;

	while ((it = tk_spsc_slot(s->q)) == NULL) {
		if (atomic_load(&s->closing))
			return NULL;
		nanosleep(&ts, NULL);
	}
	return it;
}

static void
push(struct nats_source *s)
{
	if (tk_spsc_push(s->q))
		wake(s);
}

/*
 * The tick or status a stream message carries, if the edge wants it: 0,
 * or -1 (counted) for a message to skip.
 */
static int
read_msg(struct nats_source *s, natsMsg *msg, enum tk_nats_kind *kind,
    struct tk_tick *t, struct tk_nats_status *st)
{
	atomic_fetch_add(&s->received, 1);
	if (tk_nats_body_parse(natsMsg_GetData(msg),
	    (size_t)natsMsg_GetDataLength(msg), kind, t, st, NULL, 0) < 0) {
		atomic_fetch_add(&s->parse_errors, 1);
		return -1;
	}
	if (*kind == TK_NATS_TICK && (!(s->types & TK_TYPE_BIT(t->type)) ||
	    !wanted_symbol(s, t->symbol))) {
		atomic_fetch_add(&s->filtered, 1);
		return -1;
	}
	if (*kind == TK_NATS_TICK && t->type == TK_TICK_QUOTE &&
	    stale_quote(s, t)) {
		atomic_fetch_add(&s->stale_quotes, 1);
		return -1;
	}
	return 0;
}

/* A snapshot message into the ring (control thread). */
static void
deliver_snapshot(struct nats_source *s, natsMsg *msg)
{
	enum tk_nats_kind kind;
	struct tk_nats_status st;
	struct tk_tick t;
	struct item *it;

	if (read_msg(s, msg, &kind, &t, &st) < 0 || (it = slot(s)) == NULL)
		return;
	it->snapshot = 1;
	if (kind == TK_NATS_TICK) {
		it->kind = ITEM_TICK;
		it->u.tick = t;
	} else {
		it->kind = ITEM_STATUS;
		it->u.status = st;
	}
	push(s);
}

/* ---- the control thread ---- */

struct last_msg {
	uint64_t	 seq;
	natsMsg		*msg;
};

static int
by_seq(const void *a, const void *b)
{
	const struct last_msg *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "<subject>.<type>.<exchange>.<symbol>" or "<subject>.status.<ex>". */
static int
snapshot_wants(const struct nats_source *s, const char *subject)
{
	size_t plen = strlen(s->subject), i;
	const char *rest, *dot;
	enum tk_tick_type type;
	char tname[16];

	if (strncmp(subject, s->subject, plen) != 0 || subject[plen] != '.')
		return 0;
	rest = subject + plen + 1;
	if (strncmp(rest, "status.", 7) == 0)
		return 1;
	if ((dot = strchr(rest, '.')) == NULL ||
	    (size_t)(dot - rest) >= sizeof(tname))
		return 0;
	memcpy(tname, rest, (size_t)(dot - rest));
	tname[dot - rest] = '\0';
	if (tk_tick_type_parse(tname, &type) < 0 ||
	    !(s->types & TK_TYPE_BIT(type)) ||
	    (dot = strchr(dot + 1, '.')) == NULL)
		return 0;
	for (i = 0; i < s->nsymbols; i++)
		if (strcmp(dot + 1, s->sym_tokens[i]) == 0)
			return 1;
	return 0;
}

/*
 * The last message of every wanted subject up to stream sequence @upto,
 * oldest first.  Subjects whose last message is newer come live anyway.
 */
static int
take_snapshot(struct nats_source *s, const jsStreamInfo *si, uint64_t upto)
{
	const jsStreamStateSubjects *subs = si->State.Subjects;
	struct last_msg *lm;
	jsErrCode jerr = 0;
	natsMsg *m;
	int i, n = 0;

	if (subs == NULL || subs->Count == 0)
		return 0;
	if ((lm = calloc((size_t)subs->Count, sizeof(*lm))) == NULL)
		return -1;
	for (i = 0; i < subs->Count && !atomic_load(&s->stop); i++) {
		if (!snapshot_wants(s, subs->List[i].Subject))
			continue;
		m = NULL;
		if (js_GetLastMsg(&m, s->js, s->stream_name,
		    subs->List[i].Subject, NULL, &jerr) != NATS_OK)
			continue;	/* gone meanwhile (age): nothing to show */
		if (natsMsg_GetSequence(m) > upto) {
			natsMsg_Destroy(m);
			continue;
		}
		lm[n].seq = natsMsg_GetSequence(m);
		lm[n++].msg = m;
	}
	qsort(lm, (size_t)n, sizeof(*lm), by_seq);
	for (i = 0; i < n; i++) {
		deliver_snapshot(s, lm[i].msg);
		natsMsg_Destroy(lm[i].msg);
	}
	free(lm);
	return 0;
}

/*
 * Snapshot, then the ordered consumer from right after it; or, for a
 * stream created again (@snapshot 0), every message it holds after
 * sequence @after, with no snapshot: none of them has been shown yet.
 * 0 or -1.
 */
static int
start_reading(struct nats_source *s, int snapshot, uint64_t after)
{
	char filter[TK_NATS_SUBJECT_MAX];
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsSubOptions so;
	jsOptions jo;
	uint64_t upto;

	snprintf(filter, sizeof(filter), "%s.>", s->subject);
	jsOptions_Init(&jo);
	jo.Stream.Info.SubjectsFilter = filter;
	if (js_GetStreamInfo(&si, s->js, s->stream_name, &jo, &jerr) !=
	    NATS_OK) {
		if (jerr == JSStreamNotFoundErr)
			set_error(s, "no stream %s yet", s->stream_name);
		else
			set_error(s, "stream %s: %s", s->stream_name,
			    last_error_text());
		return -1;
	}
	s->created = si->Created;
	upto = snapshot ? si->State.LastSeq : after;
	if (snapshot && take_snapshot(s, si, upto) < 0) {
		jsStreamInfo_Destroy(si);
		set_error(s, "out of memory");
		return -1;
	}
	jsStreamInfo_Destroy(si);
	s->last_seq = upto;
	atomic_store(&s->sequence, upto);
	jsSubOptions_Init(&so);
	so.Stream = s->stream_name;
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverByStartSequence;
	so.Config.OptStartSeq = upto + 1;
	so.Config.Heartbeat = HEARTBEAT_NS;
	if (js_SubscribeSync(&s->sub, s->js, filter, NULL, &so, &jerr) !=
	    NATS_OK) {
		set_error(s, "subscribe to %s: %s", filter, last_error_text());
		s->sub = NULL;
		return -1;
	}
	natsSubscription_SetPendingLimits(s->sub, PENDING_MSGS,
	    PENDING_BYTES);
	atomic_store(&s->phase, PHASE_LIVE);	/* the loop takes it from here */
	wake(s);
	return 0;
}

static void
conn_changed(void *ud)
{
	struct nats_source *s = ud;

	if (atomic_load(&s->closing))
		return;
	pthread_mutex_lock(&s->mu);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	wake(s);
}

/* Sleeps up to @ms, or until woken (a connection change, stop). */
static void
nap(struct nats_source *s, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mu);
	if (!atomic_load(&s->stop))
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

/* The loop waits in nats_source_free() meanwhile: it reads nothing. */
static void
control_stop(struct nats_source *s)
{
	atomic_store(&s->closing, true);
	/* closed first: no consumer deletion to wait for on a dead link */
	if (s->conn.nc != NULL)
		natsConnection_Close(s->conn.nc);
	if (s->sub != NULL) {
		natsSubscription_Destroy(s->sub);
		s->sub = NULL;
	}
	jsCtx_Destroy(s->js);
	s->js = NULL;
	nats_conn_close(&s->conn);
}

/*
 * A stream deleted and created again numbers its messages from 1, and the
 * ordered consumer would go on from the old sequence: 1, with the new
 * creation time in @created, when it is no longer the one read before.
 */
static int
created_again(struct nats_source *s, int64_t *created)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsOptions jo;
	int again;

	jsOptions_Init(&jo);
	jo.Wait = CHECK_WAIT_MS;	/* a stop waits for it */
	if (js_GetStreamInfo(&si, s->js, s->stream_name, &jo, &jerr) !=
	    NATS_OK)
		return 0;	/* gone for now, or unreachable: look later */
	again = si->Created != s->created;
	*created = si->Created;
	jsStreamInfo_Destroy(si);
	return again;
}

/*
 * The loop lets go of the subscription first (it takes messages from it
 * without a lock), then a new one reads the new stream from its first
 * message, after a status that says so.  Unless the ordered consumer had
 * already gone on into the new stream (the last message it gave was
 * stored after the new stream was created): then from right after that
 * message, so that none comes twice.
 */
static void
start_over(struct nats_source *s, int64_t created)
{
	uint64_t after;
	struct item *it;

	set_error(s, "stream %s was created again", s->stream_name);
	/* a let_go from wake-ups during an earlier start-over's retries
	   would not mean that the loop let go of this subscription */
	pthread_mutex_lock(&s->mu);
	s->let_go = false;
	pthread_mutex_unlock(&s->mu);
	atomic_store(&s->phase, PHASE_RESTART);
	wake(s);
	pthread_mutex_lock(&s->mu);
	while (!s->let_go && !atomic_load(&s->stop))
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	if (atomic_load(&s->stop))
		return;		/* control_stop() has the subscription */
	after = s->last_stamp >= created ? s->last_seq : 0;
	/* no Unsubscribe(): nats.c 3.4.1 reads a freed name in it while an
	   ordered consumer is being recreated; the old stream's consumer
	   went with the old stream */
	natsSubscription_Destroy(s->sub);
	s->sub = NULL;
	if ((it = slot(s)) != NULL) {
		it->kind = ITEM_RESTART;
		it->snapshot = 0;
		it->u.restart_after = after;
		push(s);
	}
	while (!atomic_load(&s->stop) && start_reading(s, 0, after) < 0)
		nap(s, RETRY_MAX_MS);
}

static void *
source_main(void *arg)
{
	struct nats_source *s = arg;
	int64_t wait_ms = RETRY_MIN_MS, created;
	char err[200], cname[64];

	s->conn.changed = conn_changed;
	s->conn.ud = s;
	s->conn.loop = s->loop;
	snprintf(cname, sizeof(cname), "tickerd source %s", s->name);
	if (nats_conn_open(&s->conn, cname, s->servers, s->nservers, 0, err,
	    sizeof(err)) < 0)
		set_error(s, "connect: %s", err);
	else if (natsConnection_JetStream(&s->js, s->conn.nc, NULL) !=
	    NATS_OK)
		set_error(s, "jetstream: %s", last_error_text());
	wake(s);	/* the loop tells clients where this source stands */
	while (s->js != NULL && !atomic_load(&s->stop) &&
	    atomic_load(&s->phase) != PHASE_LIVE) {
		if (atomic_load(&s->conn.state) != NATS_STATE_CONNECTED) {
			nap(s, 1000);
			continue;
		}
		if (start_reading(s, 1, 0) == 0)
			break;
		nap(s, wait_ms);
		wait_ms = wait_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
		    wait_ms * 2;
	}
	/* the ordered consumer recovers by itself from lost links */
	while (!atomic_load(&s->stop)) {
		nap(s, CHECK_MS);
		if (!atomic_load(&s->stop) && s->js != NULL &&
		    atomic_load(&s->conn.state) == NATS_STATE_CONNECTED &&
		    created_again(s, &created))
			start_over(s, created);
	}
	control_stop(s);
	nats_ReleaseThreadMemory();
	return NULL;
}

/* ---- the loop ---- */

static void
origin_status(struct nats_source *s, const struct tk_nats_status *st)
{
	size_t i;

	for (i = 0; i < s->norigins; i++)
		if (strcmp(s->origins[i].name, st->exchange) == 0)
			break;
	if (i == s->norigins && i < TK_NATS_ORIGINS_MAX) {
		snprintf(s->origins[i].name, sizeof(s->origins[i].name), "%s",
		    st->exchange);
		s->norigins++;
	}
	if (i < s->norigins) {
		s->origins[i].state = st->state;
		snprintf(s->origins[i].detail, sizeof(s->origins[i].detail),
		    "%s", st->detail);
	}
	/* while the source is not connected: told when it is (tell()) */
	if (s->told && s->pub_state == TK_STATE_CONNECTED)
		publisher_status(s->td->pub, st->exchange, st->state,
		    st->detail);
}

/*
 * The exchanges behind the source are out of reach while it is: clients
 * (and the bbo) hear so under their names, and when it is back, the state
 * their ingest hosts last reported.
 */
static void
tell_origins(struct nats_source *s, enum tk_state state, const char *detail)
{
	char why[TK_STATUS_DETAIL_MAX];
	size_t i;

	snprintf(why, sizeof(why), "via %s: %s", s->name, detail);
	for (i = 0; i < s->norigins; i++) {
		if (state == TK_STATE_CONNECTED)
			publisher_status(s->td->pub, s->origins[i].name,
			    s->origins[i].state, s->origins[i].detail);
		else
			publisher_status(s->td->pub, s->origins[i].name, state,
			    why);
	}
}

static void
tell(struct nats_source *s, enum tk_state state, const char *detail)
{
	if (s->told && s->pub_state == state)
		return;
	log_info("%s: %s: %s", s->name, tk_state_name(state), detail);
	s->pub_state = state;
	s->told = 1;
	publisher_status(s->td->pub, s->name, state, detail);
	tell_origins(s, state, detail);
}

static void
started_over(struct nats_source *s, uint64_t after)
{
	char detail[TK_STATUS_DETAIL_MAX];

	if (after == 0)
		snprintf(detail, sizeof(detail), "stream %s was created "
		    "again: reading it from its first message",
		    s->stream_name);
	else
		snprintf(detail, sizeof(detail), "stream %s was created "
		    "again and read on from the old one's sequence up to %"
		    PRIu64 ": some of its messages before that are missing",
		    s->stream_name, after);
	log_warnx("%s: %s", s->name, detail);
	publisher_status(s->td->pub, s->name, TK_STATE_CONNECTED, detail);
}

static void
gap(struct nats_source *s, uint64_t from, uint64_t missed)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "resumed at stream sequence %"
	    PRIu64 ": %" PRIu64 " messages missed (no longer in the stream)",
	    from + missed, missed);
	log_warnx("%s: %s", s->name, detail);
	publisher_status(s->td->pub, s->name, TK_STATE_CONNECTED, detail);
}

/*
 * One message of the ordered consumer: 1 with its tick in @out, 0 if it
 * has none for the merge (a status, a copy, a message skipped).
 */
static int
live_msg(struct nats_source *s, natsMsg *msg, struct tk_tick *out)
{
	enum tk_nats_kind kind;
	struct tk_nats_status st;
	struct tk_nats_ack ack;
	uint64_t seq;
	int r = 0;

	if (tk_nats_ack_parse(natsMsg_GetReply(msg), &ack) < 0 ||
	    (seq = ack.sseq) <= s->last_seq) {
		/* not one of ours, or delivered already: never twice */
		natsMsg_Destroy(msg);
		return 0;
	}
	if (seq > s->last_seq + 1) {
		/* the stream no longer holds those (age or limits) */
		atomic_fetch_add(&s->missed, seq - s->last_seq - 1);
		gap(s, s->last_seq + 1, seq - s->last_seq - 1);
	}
	s->last_seq = seq;
	s->last_stamp = ack.stamp;
	atomic_store(&s->sequence, seq);
	atomic_store(&s->lag, ack.pending);
	if (read_msg(s, msg, &kind, out, &st) == 0) {
		if (kind == TK_NATS_TICK)
			r = 1;
		else
			origin_status(s, &st);
	}
	natsMsg_Destroy(msg);
	return r;
}

/* The next tick nats.c has queued on the loop, once live. */
static enum tk_poll
live_next(struct nats_source *s, struct tk_tick *out)
{
	natsMsg *msg;
	uint64_t n;
	int errors;

	if (atomic_load(&s->phase) != PHASE_LIVE)
		return TK_POLL_PENDING;
	for (errors = 0; errors < 2;) {
		if (s->avail == 0 && (natsSubscription_QueuedMsgs(s->sub,
		    &n) != NATS_OK || (s->avail = n) == 0))
			return TK_POLL_PENDING;
		s->avail--;
		if (natsSubscription_NextMsg(&msg, s->sub, 0) != NATS_OK) {
			/* said once (a slow consumer): count again */
			s->avail = 0;
			errors++;
			continue;
		}
		if (live_msg(s, msg, out)) {
			s->delivered++;
			s->last_data_us = now_realtime_us();
			return TK_POLL_READY;
		}
	}
	return TK_POLL_PENDING;
}

/* The snapshot first (the ring), then the live messages. */
static enum tk_poll
src_next(struct tk_stream *base, struct tk_tick *out)
{
	struct src_stream *ss = tk_container_of(base, struct src_stream,
	    base);
	struct nats_source *s = ss->src;
	struct item *it;

	if (s == NULL)
		return TK_POLL_PENDING;	/* being removed */
	for (;;) {
		if ((it = tk_spsc_front(s->q)) == NULL) {
			if (tk_spsc_park(s->q))
				return live_next(s, out);
			continue;
		}
		switch (it->kind) {
		case ITEM_TICK:
			*out = it->u.tick;
			s->delivered++;
			s->last_data_us = now_realtime_us();
			s->snapshot += it->snapshot != 0;
			tk_spsc_pop(s->q);
			return TK_POLL_READY;
		case ITEM_STATUS:
			origin_status(s, &it->u.status);
			break;
		case ITEM_RESTART:
			started_over(s, it->u.restart_after);
			break;
		}
		tk_spsc_pop(s->q);
	}
}

static void
src_stream_free(struct tk_stream *base)
{
	struct src_stream *ss = tk_container_of(base, struct src_stream,
	    base);

	if (ss->src != NULL)
		ss->src->stream = NULL;
	free(ss);
}

/* Connection and phase changes become statuses of this source. */
static void
source_events(struct nats_source *s)
{
	int state = atomic_load(&s->conn.state);
	char err[sizeof(s->last_error)], detail[240];
	uint64_t errors;

	pthread_mutex_lock(&s->mu);
	errors = s->errors;
	memcpy(err, s->last_error, sizeof(err));
	pthread_mutex_unlock(&s->mu);
	if (errors != s->said_errors)
		log_warnx("%s: %s", s->name, err);
	s->said_errors = errors;
	if (state != NATS_STATE_CONNECTED) {
		snprintf(detail, sizeof(detail), "NATS %s",
		    nats_state_name(state));
		tell(s, TK_STATE_RECONNECTING, detail);
	} else if (atomic_load(&s->phase) != PHASE_LIVE) {
		tell(s, TK_STATE_RECONNECTING, errors > 0 ? err : "starting");
	} else {
		snprintf(detail, sizeof(detail), "reading stream %s",
		    s->stream_name);
		tell(s, TK_STATE_CONNECTED, detail);
	}
}

/* The loop read the socket: what nats.c queued is for next(). */
static void
socket_read(void *ud)
{
	struct nats_source *s = ud;

	if (s->held)
		s->woken_held = 1;	/* nats_source_hold() passes it on */
	else if (s->stream != NULL) {
		s->wakeups++;
		tk_stream_wake(&s->stream->base);
	}
}

/* The control thread may now replace the subscription. */
static void
let_go(struct nats_source *s)
{
	s->avail = 0;
	pthread_mutex_lock(&s->mu);
	s->let_go = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* wake(): a state change, the snapshot in the ring, or a start-over. */
static void
source_woken(void *ud)
{
	struct nats_source *s = ud;

	source_events(s);
	if (atomic_load(&s->phase) == PHASE_RESTART)
		let_go(s);
	socket_read(s);
}

/* The symbols' subject tokens, for picking the snapshot's subjects. */
static char **
symbol_tokens(char *const *symbols, size_t n)
{
	const size_t each = TK_SYMBOL_MAX * 3;
	const char **toks = calloc(n + 1, sizeof(*toks));
	char *buf = calloc(n + 1, each), **out = NULL;
	size_t i;

	for (i = 0; toks != NULL && buf != NULL && i < n; i++) {
		if (tk_nats_token(symbols[i], buf + i * each, each) < 0)
			break;
		toks[i] = buf + i * each;
	}
	if (toks != NULL && buf != NULL && i == n)
		out = tk_nats_strv_dup(toks, n);
	free(toks);
	free(buf);
	return out;
}

static int
copy_conf(struct nats_source *s, const struct tk_exchange_conf *conf)
{
	const struct tk_nats_source_conf *nc = conf->nats;

	snprintf(s->name, sizeof(s->name), "%s", conf->name);
	s->nservers = nc->nservers;
	s->nsymbols = conf->nsymbols;
	s->types = conf->types;
	if ((s->servers = tk_nats_strv_dup((const char *const *)nc->servers,
	    nc->nservers)) == NULL || (s->symbols = tk_nats_strv_dup(
	    (const char *const *)conf->symbols, conf->nsymbols)) == NULL ||
	    (s->sym_tokens = symbol_tokens(conf->symbols,
	    conf->nsymbols)) == NULL ||
	    (s->stream_name = strdup(nc->stream)) == NULL ||
	    (s->subject = strdup(nc->subject)) == NULL)
		return -1;
	return 0;
}

struct nats_source *
nats_source_new(struct tickerd *td, const struct tk_exchange_conf *conf,
    struct tk_stream **stream)
{
	struct nats_source *s;

	if (conf->nats == NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->td = td;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (copy_conf(s, conf) < 0 ||
	    (s->q = tk_spsc_new(QUEUE_ITEMS, sizeof(struct item))) == NULL ||
	    (s->stream = calloc(1, sizeof(*s->stream))) == NULL ||
	    (s->loop = nats_loop_new(td->vh_ctl, socket_read, source_woken,
	    s)) == NULL) {
		log_errx("%s: cannot set up: %s", conf->name, strerror(errno));
		nats_source_free(s);
		return NULL;
	}
	tk_stream_init(&s->stream->base, &src_ops, conf->name);
	s->stream->src = s;
	nats_lib_hold();
	if (pthread_create(&s->thread, NULL, source_main, s) != 0) {
		log_errx("%s: cannot start its thread", conf->name);
		nats_lib_release();
		nats_source_free(s);
		return NULL;
	}
	s->thread_started = 1;
	*stream = &s->stream->base;
	log_notice("%s: reading stream %s (%s.>) from %s%s", s->name,
	    s->stream_name, s->subject, s->servers[0],
	    s->nservers > 1 ? " and others" : "");
	return s;
}

void
nats_source_free(struct nats_source *s)
{
	if (s == NULL)
		return;
	if (s->stream != NULL) {
		/* the merge still has it: it yields nothing more */
		s->stream->src = NULL;
		if (!s->thread_started)
			free(s->stream);
		s->stream = NULL;
	}
	if (!s->thread_started) {
		if (s->loop != NULL)
			nats_loop_stop(s->loop);
		source_destroy(s);
		return;
	}
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);	/* the connection is closed */
	nats_loop_stop(s->loop);
	nats_lib_defer(source_destroy, s);
	nats_lib_release();
}

static void
source_destroy(void *p)
{
	struct nats_source *s = p;

	free(s->servers);
	free(s->symbols);
	free(s->sym_tokens);
	free(s->stream_name);
	free(s->subject);
	tk_spsc_free(s->q);
	nats_loop_free(s->loop);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

enum tk_state
nats_source_state(const struct nats_source *s)
{
	return s->told ? s->pub_state : TK_STATE_RECONNECTING;
}

/*
 * While held, the socket is not polled, and a wake-up that came anyway
 * (a read, the snapshot's ring) is kept here until the hold ends.
 */
void
nats_source_hold(struct nats_source *s, int hold)
{
	s->held = hold;
	nats_loop_hold(s->loop, hold);
	if (hold || !s->woken_held)
		return;
	s->woken_held = 0;
	if (s->stream != NULL) {
		s->wakeups++;
		tk_stream_wake(&s->stream->base);
	}
}

void
nats_source_read_ready(struct nats_source *s)
{
	if (!s->held && s->stream != NULL &&
	    (tk_spsc_len(s->q) > 0 || s->avail > 0))
		tk_stream_wake(&s->stream->base);
}

size_t
nats_source_rx_fd(const struct nats_source *s, struct lws_pollfd *fd)
{
	return nats_loop_rx_fd(s->loop, fd);
}

int64_t
nats_source_last_data_us(const struct nats_source *s)
{
	return s->last_data_us;
}

void
nats_source_get_stats(const struct nats_source *cs,
    struct nats_source_stats *o)
{
	struct nats_source *s = (struct nats_source *)(uintptr_t)cs;

	memset(o, 0, sizeof(*o));
	o->state = nats_state_name(atomic_load(&s->conn.state));
	o->received = atomic_load(&s->received);
	o->delivered = s->delivered;
	o->snapshot = s->snapshot;
	o->wakeups = s->wakeups;
	o->missed = atomic_load(&s->missed);
	o->parse_errors = atomic_load(&s->parse_errors);
	o->filtered = atomic_load(&s->filtered);
	o->stale_quotes = atomic_load(&s->stale_quotes);
	o->reconnects = atomic_load(&s->conn.reconnects);
	o->sequence = atomic_load(&s->sequence);
	o->lag = atomic_load(&s->lag);
}

int
nats_source_origin(const struct nats_source *s, size_t i, const char **name,
    enum tk_state *state)
{
	if (i >= s->norigins)
		return -ENOENT;
	*name = s->origins[i].name;
	/* as clients were told: out of reach while the source is */
	*state = nats_source_state(s) == TK_STATE_CONNECTED ?
	    s->origins[i].state : nats_source_state(s);
	return 0;
}
