/* SPDX-License-Identifier: MIT */
/*
 * A connection's opening.  Every WebSocket client first gets a hello: the
 * daemon's version, this run's epoch and the last seq published.  A
 * client that comes back with ?since=SEQ&epoch=E (from a hello and the
 * messages it got before) resumes: its cursor starts at the first message
 * after tick SEQ, so the ring's usual writes give it every message it
 * missed, with its original seq, and no snapshot.  When the ring no longer
 * holds them all, or E is another run's, it gets a gap, then the snapshot.
 * ?max_delay_ms=N is its latency class: how long its ticks may be held
 * back to share a write (client_max_delay()).
 */

#include <sys/random.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "clock.h"
#include "log.h"
#include "publisher_impl.h"

#define MAX_DELAY_MS_MAX 1000		/* as clients.coalesce_ms */
#define QUERY_ARG_MAX	4096		/* lws stops at a longer argument */

/* What the query asks of the session. */
struct session_query {
	int		 resume;	/* since and epoch were both given */
	uint64_t	 since;
	char		 epoch[EPOCH_MAX];
	int64_t		 max_delay_us;	/* -1: not given */
};

/*
 * The epoch tells one run of the daemon from every other: seqs start over
 * at a restart, so a resume must not match another run's numbers.  The
 * start time in µs plus 32 random bits, as "1733212345678901-9f3a0c4e".
 */
void
session_init_epoch(struct publisher *pub)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)now_mono_us() ^ ((uint32_t)getpid() << 16);
	snprintf(pub->epoch, sizeof(pub->epoch), "%lld-%08x",
	    (long long)now_realtime_us(), (unsigned)r);
}

/* ---- the query ---- */

/* A decimal of 1 to @maxdigits digits and nothing else: 0 or -EINVAL. */
static int
parse_decimal(const char *v, size_t maxdigits, uint64_t *out)
{
	size_t i, len = strlen(v);
	uint64_t n = 0, d;

	if (len == 0 || len > maxdigits)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		d = (uint64_t)(v[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -EINVAL;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* Epochs are ours ("<digits>-<hex>"), or another version's: kept plain. */
static int
epoch_valid(const char *v)
{
	size_t len = strlen(v);

	return len > 0 && len < EPOCH_MAX &&
	    strspn(v, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-") == len;
}

static int
query_refuse(struct client *c, const char *why)
{
	client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
	return -1;
}

/* ?since and ?epoch: both or neither.  -1 when @c is being closed. */
static int
query_resume(struct publisher *pub, struct client *c, char *buf,
    struct session_query *q)
{
	char why[CLOSE_REASON_MAX];
	const char *v;
	int since;

	v = lws_get_urlarg_by_name(c->wsi, "since=", buf, QUERY_ARG_MAX);
	since = v != NULL;
	if (since && parse_decimal(v, 20, &q->since) < 0)
		return query_refuse(c, "bad since in query: the seq of the "
		    "last message received, a decimal integer");
	v = lws_get_urlarg_by_name(c->wsi, "epoch=", buf, QUERY_ARG_MAX);
	if (v != NULL && !epoch_valid(v))
		return query_refuse(c, "bad epoch in query: the epoch of the "
		    "hello received before");
	if (since != (v != NULL))
		return query_refuse(c, since ? "since in query needs the "
		    "epoch of the hello received before" : "epoch in query "
		    "needs since");
	if (!since)
		return 0;
	snprintf(q->epoch, sizeof(q->epoch), "%s", v);
	if (strcmp(q->epoch, pub->epoch) == 0 && q->since > pub->seq) {
		snprintf(why, sizeof(why), "bad since in query: %llu is past "
		    "the last seq, %llu", (unsigned long long)q->since,
		    (unsigned long long)pub->seq);
		return query_refuse(c, why);
	}
	q->resume = 1;
	return 0;
}

static int
session_query(struct publisher *pub, struct client *c,
    struct session_query *q)
{
	char buf[QUERY_ARG_MAX];
	const char *v;
	uint64_t ms;

	memset(q, 0, sizeof(*q));
	q->max_delay_us = -1;
	if (query_resume(pub, c, buf, q) < 0)
		return -1;
	v = lws_get_urlarg_by_name(c->wsi, "max_delay_ms=", buf, sizeof(buf));
	if (v == NULL)
		return 0;
	if (parse_decimal(v, 4, &ms) < 0 || ms > MAX_DELAY_MS_MAX)
		return query_refuse(c, "bad max_delay_ms in query: an integer "
		    "from 0 to 1000");
	q->max_delay_us = (int64_t)ms * 1000;
	return 0;
}

/* ---- the opening ---- */

static void
session_hello(struct publisher *pub, struct client *c)
{
	char buf[128 + EPOCH_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "{\"type\":\"hello\",\"version\":\"%s\","
	    "\"epoch\":\"%s\",\"seq\":%llu}", TICKERD_VERSION, pub->epoch,
	    (unsigned long long)pub->seq);
	if (n > 0 && (size_t)n < sizeof(buf))
		client_reply(pub, c, buf, (size_t)n);
}

static void
session_gap(struct publisher *pub, struct client *c, uint64_t since)
{
	char buf[96];
	int n;

	n = snprintf(buf, sizeof(buf), "{\"type\":\"gap\",\"since\":%llu,"
	    "\"oldest\":%llu}", (unsigned long long)since,
	    (unsigned long long)ring_oldest_seq(pub));
	if (n > 0 && (size_t)n < sizeof(buf))
		client_reply(pub, c, buf, (size_t)n);
}

/*
 * A client that asked for max_delay_ms=0 goes first in the list, so that
 * every flush pass writes it first (and flush.c's refills too).
 */
static void
session_latency(struct publisher *pub, struct client *c, int64_t us)
{
	c->max_delay_us = us;
	if (us != 0)
		return;
	lws_dll2_remove(&c->node);
	lws_dll2_add_head(&c->node, &pub->clients);
}

void
session_open(struct publisher *pub, struct client *c)
{
	struct session_query q;
	uint64_t pos;

	if (session_query(pub, c, &q) < 0)
		return;
	session_latency(pub, c, q.max_delay_us);
	session_hello(pub, c);
	if (q.resume && strcmp(q.epoch, pub->epoch) == 0 &&
	    ring_resume(pub, q.since, &pos) == 0) {
		/* the ring's writes replay from there, not conflated */
		c->cursor = pos;
		c->resume_end = pub->head;
		log_debug("a client resumes after seq %llu: %llu messages",
		    (unsigned long long)q.since,
		    (unsigned long long)(pub->head - pos));
		return;
	}
	if (q.resume) {
		log_debug("a client cannot resume after seq %llu (epoch %s)",
		    (unsigned long long)q.since, q.epoch);
		session_gap(pub, c, q.since);
	}
	client_send_snapshot(pub, c);
}
