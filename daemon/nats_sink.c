/* SPDX-License-Identifier: MIT */
/*
 * publish.nats: the merged stream to a JetStream stream (see nats_sink.h).
 *
 * Three kinds of threads touch a sink: the loop (nats_sink_publish/status,
 * the log timer, stats), the sink's worker (connect, create the stream,
 * format and publish, resend), and nats.c's (acknowledgments, connection
 * events).  Loop -> worker is an SPSC ring plus an eventfd; nats.c ->
 * worker is a mutex-protected list of publishes to retry, rare by nature.
 * nats.c may call back after the connection is destroyed, so the struct
 * is freed only once the library is closed (nats_lib_defer()).
 */

#include <sys/eventfd.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <nats/nats.h>

#include <ticker/backoff.h>
#include <ticker/config.h>
#include <ticker/nats.h>
#include <ticker/spsc.h>
#include <ticker/tick.h>

#include "clock.h"
#include "log.h"
#include "nats_conn.h"
#include "nats_sink.h"
#include "tickerd.h"

#define QUEUE_ITEMS	8192		/* loop -> worker */
#define BATCH		256		/* items per worker round */
#define MAX_WAIT_MS	5000		/* for one acknowledgment */
#define RETRY_MIN_US	100000
#define RETRY_MAX_US	2000000
#define RETRY_MARGIN_US	3000000
#define ENSURE_WAIT_MS	1000		/* stream info/create: the worker */
#define ENSURE_RETRY_US	1000000		/* ... stalls no longer, and tries */
#define ENSURE_MAX_US	30000000	/* ... again after 1, 2, 4 ... 30 s */
#define RECONNECT_BUF	(1 << 20)	/* bytes kept while reconnecting */
#define LOG_PERIOD_US	1000000
#define DROP_LOG_US	30000000	/* drops summed up this often */
#define FLUSH_WAIT_MS	1000
#define RETRY_HEADER	"Tickerd-First-Publish"

struct item {
	enum tk_nats_kind kind;
	union {
		struct tk_tick	 tick;
		struct tk_nats_status status;
	} u;
};

/* A publish that failed, waiting to go out again with the same id. */
struct retry {
	struct retry	*next;
	natsMsg		*msg;
	int64_t		 due_us;	/* monotonic */
};

struct nats_sink {
	struct tickerd	*td;
	/* what the config said, copied: a reload may free it */
	char		**servers;
	size_t		 nservers;
	char		*stream, *subject;
	unsigned	 replicas, max_pending;
	enum tk_nats_storage storage;
	uint64_t	 max_age_s, window_s;
	int64_t		 retry_budget_us;	/* from the first publish */
	int64_t		 down_budget_us;	/* buffering while away */

	struct tk_spsc	*q;
	int		 efd;		/* wakes the worker */
	pthread_t	 thread;
	int		 thread_started;
	atomic_bool	 stop;
	atomic_bool	 closing;	/* nats.c callbacks: drop, do nothing */

	/* the worker's */
	struct nats_conn conn;
	jsCtx		*js;
	int64_t		 ensure_after_us;
	int64_t		 ensure_backoff_us;
	int64_t		 down_since_us;
	uint64_t	 host_id, status_seq;
	/* the last status of each exchange, told again once NATS is back */
	struct tk_nats_status memo[TK_NATS_ORIGINS_MAX];
	size_t		 nmemo;
	atomic_bool	 ready;		/* the stream is there */
	atomic_bool	 need_ensure;
	atomic_int_fast64_t pending;	/* published, not acknowledged */

	/* nats.c -> worker */
	pthread_mutex_t	 mu;
	struct retry	*retry_head, **retry_tail;
	char		 last_error[200];
	uint64_t	 errors;
	/* how a stream found there differs from what this host would make */
	char		 differs[200];
	uint64_t	 differs_changes;

	/* counters: the loop's, then the others' */
	uint64_t	 queued, dropped_full;
	atomic_uint_fast64_t published, acked, duplicates, retries;
	atomic_uint_fast64_t dropped_down, dropped_error, expired;

	/* the loop's log of what changed */
	lws_sorted_usec_list_t sul;
	int		 said_state, said_ready;
	uint64_t	 said_errors, said_drops, said_differs;
	int64_t		 said_drops_us;
};

static void	*sink_main(void *);
static void	 sink_destroy(void *);
static void	 publish_item(struct nats_sink *, const struct item *);
static void	 retell_statuses(struct nats_sink *);

static void
wake(struct nats_sink *s)
{
	uint64_t one = 1;

	/* a full counter still wakes the reader: nothing to do on EAGAIN */
	if (write(s->efd, &one, sizeof(one)) < 0)
		return;
}

/* nats.c's threads: something to do for the worker (a state change). */
static void
conn_changed(void *ud)
{
	struct nats_sink *s = ud;

	if (!atomic_load(&s->closing))
		wake(s);
}

static void
set_error(struct nats_sink *s, const char *what, natsStatus st)
{
	const char *text = nats_GetLastError(NULL);

	pthread_mutex_lock(&s->mu);
	snprintf(s->last_error, sizeof(s->last_error), "%s: %s", what,
	    text != NULL && text[0] != '\0' ? text : natsStatus_GetText(st));
	s->errors++;
	pthread_mutex_unlock(&s->mu);
}

/* ---- the loop ---- */

/* Once per change: publish.nats's stream settings that a stream found
 * there does not have. */
static void
say_differs(struct nats_sink *s)
{
	char text[sizeof(s->differs)];
	uint64_t changes;

	pthread_mutex_lock(&s->mu);
	changes = s->differs_changes;
	memcpy(text, s->differs, sizeof(text));
	pthread_mutex_unlock(&s->mu);
	if (changes == s->said_differs)
		return;
	s->said_differs = changes;
	if (text[0] != '\0')
		log_warnx("nats: stream %s exists with %s; publish.nats applies "
		    "to a stream tickerd creates", s->stream, text);
}

static void
sink_log(lws_sorted_usec_list_t *sul)
{
	struct nats_sink *s = lws_container_of(sul, struct nats_sink, sul);
	int state = atomic_load(&s->conn.state), ready = atomic_load(&s->ready);
	uint64_t drops, errors;
	char err[sizeof(s->last_error)];

	if (state != s->said_state)
		log_notice("nats: publishing connection %s", nats_state_name(
		    state));
	if (ready && !s->said_ready)
		log_notice("nats: publishing to stream %s (%s.>)", s->stream,
		    s->subject);
	s->said_state = state;
	s->said_ready = ready;
	pthread_mutex_lock(&s->mu);
	errors = s->errors;
	memcpy(err, s->last_error, sizeof(err));
	pthread_mutex_unlock(&s->mu);
	if (errors != s->said_errors)
		log_warnx("nats: %s (%" PRIu64 " errors)", err, errors -
		    s->said_errors);
	s->said_errors = errors;
	say_differs(s);
	drops = s->dropped_full + atomic_load(&s->dropped_down) +
	    atomic_load(&s->dropped_error) + atomic_load(&s->expired);
	if (drops != s->said_drops && (s->said_drops == 0 ||
	    now_mono_us() - s->said_drops_us >= DROP_LOG_US)) {
		log_warnx("nats: %" PRIu64 " messages not published (see "
		    "tickerd_nats_dropped_total)", drops - s->said_drops);
		s->said_drops = drops;
		s->said_drops_us = now_mono_us();
	}
	lws_sul_schedule(s->td->ctx, 0, &s->sul, sink_log, LOG_PERIOD_US);
}

static int
sink_setup(struct nats_sink *s, const struct tk_nats_publish_conf *c)
{
	uint64_t w;

	s->servers = tk_nats_strv_dup((const char *const *)c->servers,
	    c->nservers);
	s->nservers = c->nservers;
	s->stream = strdup(c->stream);
	s->subject = strdup(c->subject);
	s->replicas = c->replicas;
	s->storage = c->storage;
	s->max_pending = c->max_pending;
	s->max_age_s = c->max_age_s;
	s->window_s = c->duplicate_window_s;
	w = c->duplicate_window_s * 1000000;
	/*
	 * A resend deduplicates only while the first copy's window lasts;
	 * the last one leaves at most RETRY_MAX_US after the check.
	 */
	s->retry_budget_us = (int64_t)w - RETRY_MAX_US - RETRY_MARGIN_US;
	s->down_budget_us = (int64_t)w / 3;
	s->q = tk_spsc_new(QUEUE_ITEMS, sizeof(struct item));
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->retry_tail = &s->retry_head;
	s->said_state = NATS_STATE_CONNECTING;
	s->host_id = ((uint64_t)now_realtime_us() << 16) ^
	    (uint64_t)getpid() ^ (uint64_t)(uintptr_t)s;
	if (s->servers == NULL || s->stream == NULL || s->subject == NULL ||
	    s->q == NULL || s->efd < 0)
		return -1;
	return 0;
}

struct nats_sink *
nats_sink_new(struct tickerd *td)
{
	const struct tk_nats_publish_conf *c = td->conf.publish_nats;
	struct nats_sink *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->td = td;
	s->efd = -1;
	pthread_mutex_init(&s->mu, NULL);
	if (sink_setup(s, c) < 0) {
		log_errx("nats: cannot set up publishing: %s", strerror(errno));
		sink_destroy(s);
		return NULL;
	}
	nats_lib_hold();
	if (pthread_create(&s->thread, NULL, sink_main, s) != 0) {
		log_errx("nats: cannot start the publishing thread");
		sink_destroy(s);
		nats_lib_release();
		return NULL;
	}
	s->thread_started = 1;
	lws_sul_schedule(td->ctx, 0, &s->sul, sink_log, LOG_PERIOD_US);
	log_notice("nats: publishing to %s on %s%s", s->stream, s->servers[0],
	    s->nservers > 1 ? " and others" : "");
	return s;
}

void
nats_sink_free(struct nats_sink *s)
{
	if (s == NULL)
		return;
	lws_sul_cancel(&s->sul);
	atomic_store(&s->stop, true);
	wake(s);
	pthread_join(s->thread, NULL);
	/* nats.c may still call back: free once it is closed */
	nats_lib_defer(sink_destroy, s);
	nats_lib_release();
}

static void
sink_destroy(void *p)
{
	struct nats_sink *s = p;
	struct retry *r;

	while ((r = s->retry_head) != NULL) {
		s->retry_head = r->next;
		natsMsg_Destroy(r->msg);
		free(r);
	}
	free(s->servers);
	free(s->stream);
	free(s->subject);
	tk_spsc_free(s->q);
	if (s->efd >= 0)
		close(s->efd);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void
enqueue(struct nats_sink *s, struct item *it)
{
	if (tk_spsc_push(s->q))
		wake(s);
	s->queued++;
}

void
nats_sink_publish(struct nats_sink *s, const struct tk_tick *t)
{
	struct item *it;

	if (s == NULL)
		return;
	if ((it = tk_spsc_slot(s->q)) == NULL) {
		s->dropped_full++;
		return;
	}
	it->kind = TK_NATS_TICK;
	it->u.tick = *t;
	enqueue(s, it);
}

void
nats_sink_status(struct nats_sink *s, const char *exchange,
    enum tk_state state, const char *detail)
{
	struct tk_nats_status *st;
	struct item *it;
	size_t n;

	if (s == NULL)
		return;
	if ((it = tk_spsc_slot(s->q)) == NULL) {
		s->dropped_full++;
		return;
	}
	it->kind = TK_NATS_STATUS;
	st = &it->u.status;
	snprintf(st->exchange, sizeof(st->exchange), "%s", exchange);
	st->state = state;
	n = detail != NULL ? strnlen(detail, sizeof(st->detail) - 1) : 0;
	memcpy(st->detail, detail != NULL ? detail : "", n);
	st->detail[n] = '\0';
	enqueue(s, it);
}

static bool
same_conf(const struct nats_sink *s, const struct tk_nats_publish_conf *c)
{
	size_t i;

	if (s == NULL || c == NULL)
		return s == NULL && c == NULL;
	if (s->nservers != c->nservers || strcmp(s->stream, c->stream) != 0 ||
	    strcmp(s->subject, c->subject) != 0 || s->replicas != c->replicas ||
	    s->storage != c->storage ||
	    s->max_pending != c->max_pending || s->max_age_s != c->max_age_s ||
	    s->window_s != c->duplicate_window_s)
		return false;
	for (i = 0; i < s->nservers; i++)
		if (strcmp(s->servers[i], c->servers[i]) != 0)
			return false;
	return true;
}

void
nats_sink_reload(const struct nats_sink *s, const struct tk_config *next)
{
	if (!same_conf(s, next->publish_nats))
		log_warnx("reload: publish.nats changed; a restart applies it, "
		    "still publishing as before%s", s == NULL ? " (not at all)" :
		    "");
}

void
nats_sink_get_stats(const struct nats_sink *cs, struct nats_sink_stats *o)
{
	struct nats_sink *s = (struct nats_sink *)(uintptr_t)cs;
	int64_t pending = atomic_load(&s->pending);

	memset(o, 0, sizeof(*o));
	o->state = nats_state_name(atomic_load(&s->conn.state));
	o->ready = atomic_load(&s->ready);
	o->queued = s->queued;
	o->published = atomic_load(&s->published);
	o->acked = atomic_load(&s->acked);
	o->duplicates = atomic_load(&s->duplicates);
	o->retries = atomic_load(&s->retries);
	o->dropped_full = s->dropped_full;
	o->dropped_down = atomic_load(&s->dropped_down);
	o->dropped_error = atomic_load(&s->dropped_error);
	o->expired = atomic_load(&s->expired);
	o->reconnects = atomic_load(&s->conn.reconnects);
	o->pending = pending > 0 ? (uint64_t)pending : 0;
}

/* ---- nats.c's threads: acknowledgments ---- */

static void
finished(struct nats_sink *s, natsMsg *msg)
{
	natsMsg_Destroy(msg);
	atomic_fetch_sub(&s->pending, 1);
}

/*
 * A publish failed (no acknowledgment in time, no stream, no leader):
 * it goes out again later with the same Nats-Msg-Id, as long as the
 * stream's duplicate window still covers its first copy.  When it was
 * first published rides along in a header of its own.
 */
static void
retry_later(struct nats_sink *s, natsMsg *msg, const jsPubAckErr *pae)
{
	int64_t now = now_mono_us(), first, delay;
	const char *hdr = NULL;
	struct retry *r;
	char text[24];

	if (natsMsgHeader_Get(msg, RETRY_HEADER, &hdr) == NATS_OK &&
	    hdr != NULL)
		first = strtoll(hdr, NULL, 10);
	else {
		first = now - (pae->Err == NATS_TIMEOUT ? MAX_WAIT_MS * 1000 :
		    0);
		snprintf(text, sizeof(text), "%" PRId64, first);
		natsMsgHeader_Set(msg, RETRY_HEADER, text);
	}
	if (now - first > s->retry_budget_us || (r = malloc(sizeof(*r))) ==
	    NULL) {
		atomic_fetch_add(&s->expired, 1);
		finished(s, msg);
		return;
	}
	delay = (now - first) / 4;
	delay = delay < RETRY_MIN_US ? RETRY_MIN_US : delay > RETRY_MAX_US ?
	    RETRY_MAX_US : delay;
	r->msg = msg;
	r->next = NULL;
	r->due_us = now + delay;
	pthread_mutex_lock(&s->mu);
	*s->retry_tail = r;
	s->retry_tail = &r->next;
	pthread_mutex_unlock(&s->mu);
	wake(s);
}

static void
on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *ud)
{
	struct nats_sink *s = ud;

	if (atomic_load(&s->closing)) {
		finished(s, msg);
		return;
	}
	if (pa != NULL) {
		atomic_fetch_add(&s->acked, 1);
		if (pa->Duplicate)
			atomic_fetch_add(&s->duplicates, 1);
		finished(s, msg);
		return;
	}
	if (pae->ErrCode == JSStreamNotFoundErr ||
	    pae->Err == NATS_NO_RESPONDERS)
		atomic_store(&s->need_ensure, true);
	pthread_mutex_lock(&s->mu);
	snprintf(s->last_error, sizeof(s->last_error), "publish failed, "
	    "retrying: %s", pae->ErrText != NULL ? pae->ErrText :
	    natsStatus_GetText(pae->Err));
	s->errors++;
	pthread_mutex_unlock(&s->mu);
	retry_later(s, msg, pae);
}

/* ---- the worker ---- */

static const char *
storage_name(jsStorageType t)
{
	return t == js_MemoryStorage ? "memory" : "file";
}

/* publish.nats.storage in nats.c's terms. */
static jsStorageType
wanted_storage(const struct nats_sink *s)
{
	return s->storage == TK_NATS_MEMORY ? js_MemoryStorage :
	    js_FileStorage;
}

/*
 * What of @have (the stream there) is not what publish.nats says, for
 * the log: "storage file (not memory), ...", or "".
 */
static void
note_differences(struct nats_sink *s, const jsStreamConfig *have)
{
	jsStorageType want = wanted_storage(s);
	int64_t age_s = have->MaxAge / 1000000000;
	char storage[40] = "", replicas[40] = "", age[60] = "";
	char text[sizeof(s->differs)];

	if (have->Storage != want)
		snprintf(storage, sizeof(storage), ", storage %s (not %s)",
		    storage_name(have->Storage), storage_name(want));
	if (have->Replicas != (int64_t)s->replicas)
		snprintf(replicas, sizeof(replicas), ", replicas %" PRId64
		    " (not %u)", have->Replicas, s->replicas);
	if (age_s != (int64_t)s->max_age_s)
		snprintf(age, sizeof(age), ", max_age_s %" PRId64 " (not %"
		    PRIu64 ")", age_s, s->max_age_s);
	/* each part starts ", ": the text starts after the first one */
	snprintf(text, sizeof(text), "%s%s%s", storage, replicas, age);
	if (text[0] != '\0')
		memmove(text, text + 2, strlen(text + 2) + 1);
	pthread_mutex_lock(&s->mu);
	if (strcmp(text, s->differs) != 0) {
		memcpy(s->differs, text, sizeof(text));
		s->differs_changes++;
	}
	pthread_mutex_unlock(&s->mu);
}

/*
 * The stream, created if missing with this host's settings.  Asked again
 * when publishes find no one to store them (deleted, or no leader yet):
 * each try holds the worker up to ENSURE_WAIT_MS, so tries back off.
 */
static void
ensure_stream(struct nats_sink *s)
{
	char subj[TK_NATS_SUBJECT_MAX];
	const char *subjects[1] = { subj };
	jsStreamInfo *si = NULL;
	jsStreamConfig cfg;
	jsErrCode jerr = 0;
	jsOptions jo;
	natsStatus st;

	snprintf(subj, sizeof(subj), "%s.>", s->subject);
	jsOptions_Init(&jo);
	jo.Wait = ENSURE_WAIT_MS;
	st = js_GetStreamInfo(&si, s->js, s->stream, &jo, &jerr);
	if (st != NATS_OK && jerr == JSStreamNotFoundErr) {
		jsStreamConfig_Init(&cfg);
		cfg.Name = s->stream;
		cfg.Subjects = subjects;
		cfg.SubjectsLen = 1;
		cfg.Storage = wanted_storage(s);
		cfg.Replicas = s->replicas;
		cfg.MaxAge = (int64_t)s->max_age_s * 1000000000;
		cfg.Duplicates = (int64_t)s->window_s * 1000000000;
		cfg.Discard = js_DiscardOld;
		st = js_AddStream(&si, s->js, &cfg, &jo, &jerr);
	}
	if (st != NATS_OK) {
		set_error(s, "stream", st);
		s->ensure_backoff_us = s->ensure_backoff_us == 0 ?
		    ENSURE_RETRY_US : s->ensure_backoff_us * 2;
		if (s->ensure_backoff_us > ENSURE_MAX_US)
			s->ensure_backoff_us = ENSURE_MAX_US;
		s->ensure_after_us = now_mono_us() + s->ensure_backoff_us;
		return;
	}
	note_differences(s, si->Config);
	jsStreamInfo_Destroy(si);
	s->ensure_backoff_us = 0;
	atomic_store(&s->need_ensure, false);
	if (!atomic_exchange(&s->ready, true))
		retell_statuses(s);
}

static int
format(struct nats_sink *s, const struct item *it, char *subj, char *body,
    int *blen, char *id)
{
	const struct tk_nats_status *st = &it->u.status;
	char tok[TK_NAME_MAX * 3];

	if (it->kind == TK_NATS_TICK) {
		if (tk_nats_tick_subject(s->subject, &it->u.tick, subj,
		    TK_NATS_SUBJECT_MAX) < 0 || tk_nats_msg_id(&it->u.tick, id,
		    TK_NATS_MSGID_MAX) < 0)
			return -1;
		*blen = tk_nats_tick_body(&it->u.tick, body, TK_NATS_BODY_MAX);
		return *blen < 0 ? -1 : 0;
	}
	/* a status is this host's view: another host's is another message */
	if (tk_nats_status_subject(s->subject, st->exchange, subj,
	    TK_NATS_SUBJECT_MAX) < 0 || tk_nats_token(st->exchange, tok,
	    sizeof(tok)) < 0)
		return -1;
	snprintf(id, TK_NATS_MSGID_MAX, "%.96s::status:%016" PRIx64 "-%"
	    PRIu64, tok, s->host_id, ++s->status_seq);
	*blen = tk_status_format(st->exchange, st->state, st->detail, body,
	    TK_NATS_BODY_MAX);
	return *blen < 0 ? -1 : 0;
}

/* Hands @msg to nats.c; 0, or -1 when it refused (the caller has it). */
static int
send_msg(struct nats_sink *s, natsMsg **msg)
{
	jsPubOptions po;
	natsStatus st;

	jsPubOptions_Init(&po);
	po.MaxWait = MAX_WAIT_MS;
	atomic_fetch_add(&s->pending, 1);
	st = js_PublishMsgAsync(s->js, msg, &po);
	if (st == NATS_OK)
		return 0;
	atomic_fetch_sub(&s->pending, 1);
	set_error(s, "publish", st);
	return -1;
}

static void
remember_status(struct nats_sink *s, const struct tk_nats_status *st)
{
	size_t i;

	for (i = 0; i < s->nmemo; i++)
		if (strcmp(s->memo[i].exchange, st->exchange) == 0)
			break;
	if (i == s->nmemo && s->nmemo < TK_NATS_ORIGINS_MAX)
		s->nmemo++;
	if (i < s->nmemo)
		s->memo[i] = *st;
}

/*
 * Statuses that came while the stream was out of reach: an edge would
 * otherwise not know how the exchanges are until one changes.
 */
static void
retell_statuses(struct nats_sink *s)
{
	struct item it;
	size_t i;

	it.kind = TK_NATS_STATUS;
	for (i = 0; i < s->nmemo; i++) {
		it.u.status = s->memo[i];
		publish_item(s, &it);
	}
}

static void
publish_item(struct nats_sink *s, const struct item *it)
{
	char subj[TK_NATS_SUBJECT_MAX], body[TK_NATS_BODY_MAX];
	char id[TK_NATS_MSGID_MAX];
	natsMsg *msg = NULL;
	int blen;

	if (format(s, it, subj, body, &blen, id) < 0 ||
	    natsMsg_Create(&msg, subj, NULL, body, blen) != NATS_OK ||
	    natsMsgHeader_Set(msg, "Nats-Msg-Id", id) != NATS_OK ||
	    send_msg(s, &msg) < 0) {
		natsMsg_Destroy(msg);
		atomic_fetch_add(&s->dropped_error, 1);
		return;
	}
	atomic_fetch_add(&s->published, 1);
}

/*
 * While NATS is away, publishes wait in nats.c's reconnect buffer, so a
 * short failover loses nothing; away for longer, they would come too late
 * for the duplicate window: dropped (and counted) instead.
 */
static bool
can_publish(struct nats_sink *s)
{
	int64_t now;

	if (!atomic_load(&s->ready))
		return false;
	if (atomic_load(&s->conn.state) == NATS_STATE_CONNECTED) {
		s->down_since_us = 0;
		return true;
	}
	now = now_mono_us();
	if (s->down_since_us == 0)
		s->down_since_us = now;
	return now - s->down_since_us < s->down_budget_us;
}

/* Moves what the loop queued into nats.c; false if it must wait. */
static bool
drain_queue(struct nats_sink *s)
{
	struct item *it;
	int n;

	for (n = 0; n < BATCH && (it = tk_spsc_front(s->q)) != NULL; n++) {
		if (it->kind == TK_NATS_STATUS)
			remember_status(s, &it->u.status);
		if (!can_publish(s))
			atomic_fetch_add(&s->dropped_down, 1);
		else if (atomic_load(&s->pending) >= (int64_t)s->max_pending)
			return false;	/* the acknowledgments first */
		else
			publish_item(s, it);
		tk_spsc_pop(s->q);
	}
	return true;
}

/* Publishes the retries that are due, oldest first. */
static void
resend_due(struct nats_sink *s)
{
	int64_t now = now_mono_us();
	struct retry *r;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		r = s->retry_head;
		if (r != NULL && r->due_us <= now) {
			if ((s->retry_head = r->next) == NULL)
				s->retry_tail = &s->retry_head;
		} else
			r = NULL;
		pthread_mutex_unlock(&s->mu);
		if (r == NULL)
			return;
		/* pending still counts it: it never stopped being in flight */
		atomic_fetch_sub(&s->pending, 1);
		if (send_msg(s, &r->msg) == 0)
			atomic_fetch_add(&s->retries, 1);
		else {
			natsMsg_Destroy(r->msg);
			atomic_fetch_add(&s->dropped_error, 1);
		}
		free(r);
	}
}

/* Sleeps until the loop, nats.c or a retry's time wakes the worker. */
static void
wait_work(struct nats_sink *s, bool blocked)
{
	struct pollfd pfd = { .fd = s->efd, .events = POLLIN };
	int timeout = 1000;
	uint64_t n;

	pthread_mutex_lock(&s->mu);
	if (s->retry_head != NULL)
		timeout = (int)((s->retry_head->due_us - now_mono_us()) / 1000);
	pthread_mutex_unlock(&s->mu);
	if (blocked)
		timeout = 2;	/* waiting for acknowledgments */
	else if (!tk_spsc_park(s->q))
		return;		/* the loop queued something meanwhile */
	if (timeout < 0)
		timeout = 0;
	if (poll(&pfd, 1, timeout) > 0 && read(s->efd, &n, sizeof(n)) < 0)
		return;
}

static void
worker_stop(struct nats_sink *s)
{
	jsPubOptions po;

	if (s->js != NULL && atomic_load(&s->ready)) {
		jsPubOptions_Init(&po);
		po.MaxWait = FLUSH_WAIT_MS;
		js_PublishAsyncComplete(s->js, &po);
	}
	atomic_store(&s->closing, true);
	while (tk_spsc_front(s->q) != NULL) {
		atomic_fetch_add(&s->dropped_down, 1);
		tk_spsc_pop(s->q);
	}
	if (s->conn.nc != NULL)
		natsConnection_Close(s->conn.nc);
	jsCtx_Destroy(s->js);
	s->js = NULL;
	nats_conn_close(&s->conn);
}

static int
worker_start(struct nats_sink *s)
{
	jsOptions jo;
	char err[200];
	natsStatus st;

	s->conn.changed = conn_changed;
	s->conn.ud = s;
	/*
	 * A tick goes out when it is published: left to nats.c's flusher it
	 * would wait 1 ms or more for company, longer than the rest of its
	 * way to an edge's clients.
	 */
	s->conn.send_asap = true;
	if (nats_conn_open(&s->conn, "tickerd publish", s->servers,
	    s->nservers, RECONNECT_BUF, err, sizeof(err)) < 0) {
		pthread_mutex_lock(&s->mu);
		snprintf(s->last_error, sizeof(s->last_error), "connect: %.150s",
		    err);
		s->errors++;
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	jsOptions_Init(&jo);
	/* the library's own bound never stalls us: ours comes first */
	jo.PublishAsync.MaxPending = (int64_t)s->max_pending + BATCH;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = s;
	st = natsConnection_JetStream(&s->js, s->conn.nc, &jo);
	if (st != NATS_OK) {
		set_error(s, "jetstream", st);
		return -1;
	}
	atomic_store(&s->need_ensure, true);
	return 0;
}

static void *
sink_main(void *arg)
{
	struct nats_sink *s = arg;
	bool ok = worker_start(s) == 0, flowing = true;

	while (!atomic_load(&s->stop)) {
		if (ok && atomic_load(&s->need_ensure) &&
		    atomic_load(&s->conn.state) == NATS_STATE_CONNECTED &&
		    now_mono_us() >= s->ensure_after_us)
			ensure_stream(s);
		if (ok) {
			resend_due(s);
			flowing = drain_queue(s);
		} else {
			/* no connection at all: keep the loop's queue moving */
			while (tk_spsc_front(s->q) != NULL) {
				atomic_fetch_add(&s->dropped_down, 1);
				tk_spsc_pop(s->q);
			}
		}
		wait_work(s, !flowing);
	}
	worker_stop(s);
	nats_ReleaseThreadMemory();
	return NULL;
}
