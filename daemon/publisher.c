/* SPDX-License-Identifier: MIT */
/*
 * The publisher: numbers and publishes ticks and statuses into the ring,
 * keeps the latest of each for snapshots, sizes its tables from the
 * config, and counts.  Clients, flushing and listeners are in client.c,
 * flush.c and listen.c (publisher_impl.h).
 */

#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/hist.h>
#include <ticker/latest.h>
#include <ticker/nats.h>
#include <ticker/state.h>
#include <ticker/stream.h>
#include <ticker/tick.h>

#include "log.h"
#include "nats_sink.h"
#include "publisher_impl.h"

#define FD_RESERVE	64		/* fds kept for exchanges, files */

static size_t snapshot_keys(const struct tk_config *);
static unsigned fd_capped_clients(const struct tk_config *);

/* Two snapshots of every configured key, at least PRIV_MIN_BYTES. */
static size_t
priv_client_max(const struct tk_config *conf)
{
	size_t n = 2 * snapshot_keys(conf) * (TK_TICK_JSON_MAX + FRAME_HDR_MAX);

	return n > PRIV_MIN_BYTES ? n : PRIV_MIN_BYTES;
}

static struct ex_stats *
ex_stats_of(struct publisher *pub, const char *name)
{
	struct ex_stats *e;
	size_t i;

	for (i = 0; i < pub->nex; i++)
		if (strcmp(pub->ex[i].name, name) == 0)
			return &pub->ex[i];
	e = realloc(pub->ex, (pub->nex + 1) * sizeof(*e));
	if (e == NULL)
		return NULL;
	pub->ex = e;
	e = &pub->ex[pub->nex++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

static void
count_tick(struct publisher *pub, const struct tk_tick *t)
{
	struct ex_stats *e = ex_stats_of(pub, t->exchange);

	pub->stats.ticks++;
	if (e == NULL)
		return;
	e->ticks[t->type]++;
	e->last_tick_us = t->recv_ts;
	if (t->ts > 0 && t->ts != t->recv_ts)
		tk_hist_observe(&e->lag, t->recv_ts - t->ts);
}

void
publisher_publish(struct publisher *pub, struct tk_tick *t)
{
	struct slot *s = ring_claim(pub);
	char longer[SLOT_PAYLOAD];
	int n;

	t->seq = ++pub->seq;
	count_tick(pub, t);
	n = tk_tick_format(t, 0, (char *)s->buf + LWS_PRE, SLOT_INLINE);
	if (n < 0 && (n = tk_tick_format(t, 0, longer, sizeof(longer))) >= 0 &&
	    slot_store_big(s, longer, (size_t)n) < 0)
		n = -ENOMEM;
	if (n < 0) {
		/* never send half a tick */
		log_errx("tick from %s not published: %s", t->exchange,
		    strerror(-n));
		return;
	}
	s->kind = SLOT_TICK;
	s->type = t->type;
	s->recv_ts = t->recv_ts;
	memcpy(s->exchange, t->exchange, sizeof(s->exchange));
	memcpy(s->symbol, t->symbol, sizeof(s->symbol));
	ring_commit(pub, s, (size_t)n);
	if (t->type == TK_TICK_QUOTE)
		ring_supersede_quote(pub, s);
	if (tk_latest_put(pub->latest, t) < 0)
		log_debug("snapshot table full, %s %s not kept", t->exchange,
		    t->symbol);
}

static struct status_entry *
status_entry(struct publisher *pub, const char *exchange)
{
	struct status_entry *e;
	size_t i;

	for (i = 0; i < pub->nstatus; i++)
		if (strcmp(pub->status[i].exchange, exchange) == 0)
			return &pub->status[i];
	e = realloc(pub->status, (pub->nstatus + 1) * sizeof(*e));
	if (e == NULL)
		return NULL;
	pub->status = e;
	e = &pub->status[pub->nstatus++];
	memset(e, 0, sizeof(*e));
	snprintf(e->exchange, sizeof(e->exchange), "%s", exchange);
	return e;
}

/*
 * gcc 12 -fanalyzer loses s->big (stored in the ring, freed when the slot
 * is reused or in publisher_free()) and reports it as leaked.
 */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
void
publisher_status(struct publisher *pub, const char *exchange,
    enum tk_state state, const char *detail)
{
	struct status_entry *e = status_entry(pub, exchange);
	struct slot *s = ring_claim(pub);
	char longer[SLOT_PAYLOAD];
	int n;

	nats_sink_status(pub->td->nats_sink, exchange, state, detail);
	n = tk_status_format(exchange, state, detail, (char *)s->buf + LWS_PRE,
	    SLOT_INLINE);
	if (n < 0 && (n = tk_status_format(exchange, state, detail, longer,
	    sizeof(longer))) >= 0 && slot_store_big(s, longer, (size_t)n) < 0)
		n = -ENOMEM;
	if (n < 0)
		return;
	s->kind = SLOT_STATUS;
	memcpy(s->exchange, exchange, strnlen(exchange, TK_NAME_MAX - 1));
	s->exchange[strnlen(exchange, TK_NAME_MAX - 1)] = '\0';
	s->symbol[0] = '\0';
	ring_commit(pub, s, (size_t)n);
	if (e != NULL) {
		memcpy(e->json, slot_payload(s), (size_t)n);
		e->len = (size_t)n;
	}
	pub->waker->wake(pub->waker);	/* a pump pass flushes it */
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

unsigned
publisher_shutdown(struct publisher *pub)
{
	struct client *c;

	lws_sul_cancel(&pub->sul_cull);
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		c = lws_container_of(d, struct client, node);
		client_close(c, LWS_CLOSE_STATUS_GOINGAWAY,
		    "tickerd is shutting down");
	} lws_end_foreach_dll(d);
	return (unsigned)pub->clients.count;
}

void
publisher_forget_exchange(struct publisher *pub, const char *exchange,
    const char *why)
{
	size_t i;

	publisher_status(pub, exchange, TK_STATE_DOWN, why);
	tk_latest_drop_exchange(pub->latest, exchange);
	for (i = 0; i < pub->nstatus; i++) {
		if (strcmp(pub->status[i].exchange, exchange) != 0)
			continue;
		pub->status[i] = pub->status[--pub->nstatus];
		break;
	}
}

/*
 * The snapshot table and the quote map are sized from the config's
 * symbols: a reload may need more room.  Ticks already known are kept.
 */
int
publisher_reconfigure(struct publisher *pub, const struct tk_config *conf)
{
	size_t keys = snapshot_keys(conf), slots, i;
	struct tk_latest *latest;
	struct quote_pos *qpos;

	latest = tk_latest_new(keys);
	for (slots = 16; slots < keys * 2; slots <<= 1)
		;
	qpos = calloc(slots, sizeof(*qpos));
	if (latest == NULL || qpos == NULL) {
		tk_latest_free(latest);
		free(qpos);
		return -ENOMEM;
	}
	for (i = 0; i < tk_latest_count(pub->latest); i++)
		tk_latest_put(latest, tk_latest_at(pub->latest, i));
	tk_latest_free(pub->latest);
	pub->latest = latest;
	pub->priv_client_max = priv_client_max(conf);
	pub->max_clients = fd_capped_clients(conf);
	/* a fresh quote map only delays conflation by one quote per key */
	free(pub->qpos);
	pub->qpos = qpos;
	pub->qpos_mask = slots - 1;
	return 0;
}

const struct pub_stats *
publisher_stats(const struct publisher *pub)
{
	return &pub->stats;
}

int
publisher_exchange_stats(const struct publisher *pub, const char *name,
    struct pub_ex_stats *out)
{
	size_t i;

	for (i = 0; i < pub->nex; i++) {
		if (strcmp(pub->ex[i].name, name) != 0)
			continue;
		memcpy(out->ticks, pub->ex[i].ticks, sizeof(out->ticks));
		out->last_tick_us = pub->ex[i].last_tick_us;
		out->lag = &pub->ex[i].lag;
		return 0;
	}
	return -ENOENT;
}

unsigned
publisher_clients(const struct publisher *pub)
{
	return (unsigned)pub->clients.count;
}

static size_t
snapshot_keys(const struct tk_config *conf)
{
	size_t i, keys = 0;

	for (i = 0; i < conf->nexchanges; i++)
		keys += conf->exchanges[i].nsymbols * TK_TICK_TYPE_MAX *
		    (conf->exchanges[i].nats != NULL ?	/* many exchanges */
		    TK_NATS_ORIGINS_MAX : 1);
	return keys;
}

/*
 * clients.max, lowered if the process may not open that many files: every
 * client is a descriptor, and running out of them stalls accept().  The
 * soft RLIMIT_NOFILE is first raised to the hard one.
 */
static unsigned
fd_capped_clients(const struct tk_config *conf)
{
	unsigned want = conf->clients.max_clients;
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return want;
	room = rl.rlim_cur > FD_RESERVE + HTTP_HEADROOM + 4 * conf->nexchanges ?
	    rl.rlim_cur - FD_RESERVE - HTTP_HEADROOM - 4 * conf->nexchanges : 1;
	if (want <= room)
		return want;
	log_warnx("clients.max %u is more than %llu open files allow "
	    "(RLIMIT_NOFILE); serving at most %llu clients", want,
	    (unsigned long long)rl.rlim_cur, (unsigned long long)room);
	return (unsigned)room;
}

static int
publisher_alloc(struct publisher *pub, const struct tk_config *conf)
{
	size_t slots = 64;

	while (slots < conf->clients.queue_ticks)
		slots <<= 1;
	if (ring_alloc(pub, slots) < 0)
		return -ENOMEM;
	pub->latest = tk_latest_new(snapshot_keys(conf));
	pub->priv_client_max = priv_client_max(conf);
	pub->max_clients = fd_capped_clients(conf);
	/*
	 * A client half a ring behind is really falling behind (not just a
	 * scheduling hiccup): from there on it gets only the latest quote of
	 * each key, which also keeps it from being lapped by quotes alone.
	 */
	pub->conflate_lag = slots / 2;
	for (slots = 16; slots < snapshot_keys(conf) * 2; slots <<= 1)
		;
	pub->qpos = calloc(slots, sizeof(*pub->qpos));
	pub->qpos_mask = slots - 1;
	if (pub->latest == NULL || pub->qpos == NULL)
		return -ENOMEM;
	return 0;
}

struct publisher *
publisher_new(struct tickerd *td, struct tk_waker *waker)
{
	const struct tk_config *conf = &td->conf;
	struct publisher *pub;

	pub = calloc(1, sizeof(*pub));
	if (pub == NULL)
		return NULL;
	pub->td = td;
	pub->waker = waker;
	if (publisher_alloc(pub, conf) < 0) {
		log_errx("out of memory for the publisher");
		goto fail;
	}
	lws_sul_schedule(td->ctx, 0, &pub->sul_cull, client_cull, CULL_US);
	return pub;
fail:
	publisher_free(pub);
	return NULL;
}

void
publisher_free(struct publisher *pub)
{
	if (pub == NULL)
		return;
	tk_latest_free(pub->latest);
	ring_free(pub);
	free(pub->status);
	free(pub->ex);
	free(pub->qpos);
	free(pub);
}
