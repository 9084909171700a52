/* SPDX-License-Identifier: MIT */
/* Local listeners, clients, filters, snapshots and the fan-out ring. */

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include <ticker/filter.h>
#include <ticker/hash.h>
#include <ticker/hist.h>
#include <ticker/latest.h>
#include <ticker/nats.h>	/* nats */
#include <ticker/pace.h>
#include <ticker/tick.h>

#include "http.h"
#include "log.h"
#include "nats_sink.h"	/* nats */
#include "publisher.h"
#include "tickerd.h"

#define FRAME_HDR_MAX	4		/* 0x81 + 126 + 16-bit length */
#define SLOT_PAYLOAD	TK_TICK_JSON_MAX /* tick JSON or status message */
#define SLOT_INLINE	352		/* longer messages: a buffer of their own */
#define SCRATCH_BYTES	(32 * 1024)	/* one coalesced send at most */
/* write coalescing (ticker/pace.h) */
#define PACE_NS_PER_CLIENT2 2000 /* gap: 0.2 ms at 10 clients, 20 at 100 */
#define RATE_WINDOW_US	100000		/* publish rate, for input moderation */
#define REFILL_EVERY	25	/* clients written between two refills */
#define QUIET_MIN_US	300		/* shorter holds are not worth it */
#define CULL_US		(500 * 1000)	/* slow-client sweep */
#define CLIENT_SNDBUF	(128 * 1024)	/* kernel send buffer (doubled) */
#define FD_RESERVE	64		/* fds kept for exchanges, files */
#define HTTP_HEADROOM	16		/* connections past clients.max */
#define PRIV_MIN_BYTES	(256 * 1024)	/* replies + snapshots, per client */
#define PRIV_ALL_BYTES	(64 * 1024 * 1024) /* the same, all clients */
#define CLOSE_REASON_MAX 120

enum slot_kind { SLOT_TICK, SLOT_STATUS };

/* One published message, framed once, shared by every client. */
struct slot {
	enum slot_kind	 kind;
	enum tk_tick_type type;
	uint16_t	 len;		/* payload bytes */
	uint8_t		 hlen;		/* ws header bytes before payload */
	int64_t		 recv_ts;	/* ticks: for the delivery latency */
	uint64_t	 pos;		/* ring position it was written at */
	uint64_t	 superseded;	/* quotes: pos of a newer one, or 0 */
	char		 exchange[TK_NAME_MAX];
	char		 symbol[TK_SYMBOL_MAX];
	/*
	 * The message, LWS_PRE bytes in: here, or when it is longer than
	 * SLOT_INLINE (rare: a tick is about 250 bytes, a
	 * status with a long quoted exchange error is not) in @big, malloc'd,
	 * freed when the slot is reused.  The ring is most of the daemon's
	 * memory, so slots are not sized for the longest message.
	 */
	unsigned char	*big;
	unsigned char	 buf[LWS_PRE + SLOT_INLINE];
};

/* Last status of one exchange, replayed to clients on subscribe. */
struct status_entry {
	char	 exchange[TK_NAME_MAX];
	char	 json[SLOT_PAYLOAD];
	size_t	 len;
};

/*
 * Per-connection state, lws' per-session data (zeroed by lws).  The same
 * memory serves plain HTTP transactions, which only use nothing of it.
 */
struct client {
	struct lws_dll2	 node;
	struct lws	*wsi;
	uint64_t	 cursor;	/* next ring position to consider */
	struct tk_filter filter;
	unsigned char	*priv;		/* framed replies, LWS_PRE headroom */
	size_t		 priv_len, priv_off, priv_cap;
	char		*rx;		/* message being reassembled */
	size_t		 rx_len;
	int		 rx_overflow;
	struct http_txn	 http;		/* plain HTTP requests only */
	int		 close_code;	/* nonzero: close on next WRITEABLE */
	int		 closing;	/* the peer sent a close frame */
	int		 batch;		/* ?batch=1: arrays of messages */
	struct tk_pace	 pace;		/* coalesced writes */
	char		 close_reason[CLOSE_REASON_MAX];
};

struct quote_pos {
	uint64_t	 key;		/* hash of exchange and symbol; 0 free */
	uint64_t	 pos;
};

/* Per-exchange counters for /metrics and /health. */
struct ex_stats {
	char		 name[TK_NAME_MAX];
	uint64_t	 ticks[TK_TICK_TYPE_MAX];
	int64_t		 last_tick_us;	/* realtime µs */
	struct tk_hist	 lag;		/* exchange ts -> receive */
};

struct publisher {
	struct tickerd		*td;
	struct lws_vhost	*vh_tcp, *vh_unix;
	struct lws_vhost	*vh_act;	/* socket activation */
	struct slot		*ring;
	size_t			 ring_mask;
	uint64_t		 head;		/* next ring position */
	uint64_t		 seq;		/* last tick seq handed out */
	struct tk_latest	*latest;
	struct status_entry	*status;
	size_t			 nstatus;
	struct lws_dll2_owner	 clients;
	unsigned char		*scratch;	/* LWS_PRE + SCRATCH_BYTES */
	struct ex_stats		*ex;
	size_t			 nex;
	struct pub_stats	 stats;
	/* last ring position of each (exchange, symbol) quote */
	struct quote_pos	*qpos;
	size_t			 qpos_mask;
	uint64_t		 conflate_lag;	/* lag past which quotes conflate */
	size_t			 priv_bytes;	/* sum of the clients' priv_cap */
	unsigned		 max_clients;	/* clients.max within the fd limit */
	unsigned		 conns;		/* open connections, any kind */
	size_t			 priv_client_max;
	int64_t			 coalesce_max_us; /* clients.coalesce_ms */
	int			 timer_fd;	/* coalesced flushes, or -1 */
	uint64_t		 rate_head;	/* head at rate_t0_us */
	int64_t			 rate_t0_us;	/* monotonic */
	double			 rate;		/* messages per µs, recent */
	int64_t			 timer_at_us;	/* armed for (monotonic), or 0 */
	lws_sorted_usec_list_t	 sul_cull;
};

static int publisher_cb(struct lws *, enum lws_callback_reasons, void *,
    void *, size_t);
static void flush_timer_open(struct publisher *);
static size_t snapshot_keys(const struct tk_config *);
static unsigned fd_capped_clients(const struct tk_config *);

/* Two snapshots of every configured key, at least PRIV_MIN_BYTES. */
static size_t
priv_client_max(const struct tk_config *conf)
{
	size_t n = 2 * snapshot_keys(conf) * (TK_TICK_JSON_MAX + FRAME_HDR_MAX);

	return n > PRIV_MIN_BYTES ? n : PRIV_MIN_BYTES;
}

/*
 * tx_packet_size: lws sends at most that much per send() and copies the
 * rest of a write into a buffer of its own; a coalesced write must fit,
 * or a fast client needs a POLLOUT turn per 4 KiB and falls behind.
 */
static const struct lws_protocols publisher_protocols[] = {
	{ "tickerd", publisher_cb, sizeof(struct client), 4096, 0, NULL,
	    SCRATCH_BYTES },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Idle local clients are pinged, and dropped if they stop answering. */
static const lws_retry_bo_t client_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 45,
};

static struct publisher *
pub_of(struct lws *wsi)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));

	return td->pub;
}

/* Writes a server text-frame header ending right before @payload. */
static uint8_t
frame_header(unsigned char *payload, size_t len)
{
	if (len < 126) {
		payload[-2] = 0x81;
		payload[-1] = (unsigned char)len;
		return 2;
	}
	payload[-4] = 0x81;
	payload[-3] = 126;
	payload[-2] = (unsigned char)(len >> 8);
	payload[-1] = (unsigned char)len;
	return 4;
}

/* ---- the ring ---- */

static unsigned char *
slot_payload(struct slot *s)
{
	return (s->big != NULL ? s->big : s->buf) + LWS_PRE;
}

static struct slot *
ring_claim(struct publisher *pub)
{
	struct slot *s = &pub->ring[pub->head & pub->ring_mask];

	free(s->big);
	s->big = NULL;
	return s;
}

/* @msg (@len bytes, formatted elsewhere) did not fit inline. */
static int
slot_store_big(struct slot *s, const char *msg, size_t len)
{
	s->big = malloc(LWS_PRE + len);
	if (s->big == NULL)
		return -ENOMEM;
	memcpy(s->big + LWS_PRE, msg, len);
	return 0;
}

static void
ring_commit(struct publisher *pub, struct slot *s, size_t len)
{
	s->pos = pub->head;
	s->superseded = 0;
	s->len = (uint16_t)len;
	s->hlen = frame_header(slot_payload(s), len);
	pub->head++;
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

/*
 * A new quote makes the previous quote of its (exchange, symbol) stale:
 * mark that slot so that a lagging client can skip it (conflation).
 */
static void
quote_supersede(struct publisher *pub, const struct slot *s)
{
	uint64_t key = tk_hash_pair(s->exchange, s->symbol);
	size_t i = key & pub->qpos_mask, probes = 0;
	struct slot *old;

	while (pub->qpos[i].key != 0 && pub->qpos[i].key != key) {
		if (++probes > pub->qpos_mask)
			return;		/* full: no conflation for this key */
		i = (i + 1) & pub->qpos_mask;
	}
	if (pub->qpos[i].key == key) {
		old = &pub->ring[pub->qpos[i].pos & pub->ring_mask];
		if (old->pos == pub->qpos[i].pos)
			old->superseded = s->pos;
	}
	pub->qpos[i].key = key;
	pub->qpos[i].pos = s->pos;
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
		quote_supersede(pub, s);
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

static int
format_status(const char *exchange, const char *state, const char *detail,
    char *buf, size_t cap)
{
	char ex[TK_NAME_MAX * 6], det[256 * 6];
	int a, b, n;

	a = tk_json_escape(exchange, strlen(exchange), ex, sizeof(ex) - 1);
	b = tk_json_escape(detail, strnlen(detail, 256), det, sizeof(det) - 1);
	if (a < 0 || b < 0)
		return -ENOSPC;
	n = snprintf(buf, cap, "{\"type\":\"status\",\"exchange\":\"%.*s\","
	    "\"state\":\"%s\",\"detail\":\"%.*s\"}", a, ex, state, b, det);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
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
    const char *state, const char *detail)
{
	struct status_entry *e = status_entry(pub, exchange);
	struct slot *s = ring_claim(pub);
	char longer[SLOT_PAYLOAD];
	int n;

	nats_sink_status(pub->td->nats_sink, exchange, state, detail); /* nats */

	n = format_status(exchange, state, detail, (char *)s->buf + LWS_PRE,
	    SLOT_INLINE);
	if (n < 0 && (n = format_status(exchange, state, detail, longer,
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
	pump_schedule(pub->td);		/* the pump flushes the clients */
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

static int
slot_matches(const struct client *c, const struct slot *s)
{
	if (s->kind == SLOT_STATUS)
		return tk_filter_match_exchange(&c->filter, s->exchange);
	return tk_filter_match(&c->filter, s->exchange, s->symbol, s->type);
}

/* ---- per-client private frames: replies and snapshots ---- */

/*
 * Replies and snapshots wait in a per-client buffer until written.  A
 * client may hold two snapshots' worth (at least PRIV_MIN_BYTES); all
 * clients together PRIV_ALL_BYTES: a client that asks for more without
 * reading is closed rather than growing the daemon.
 */
static int
priv_append(struct publisher *pub, struct client *c, const char *payload,
    size_t len)
{
	size_t need = c->priv_len + FRAME_HDR_MAX + len;
	unsigned char *p;

	if (need > pub->priv_client_max)
		return -ENOBUFS;
	if (need > c->priv_cap) {
		size_t cap = c->priv_cap ? c->priv_cap * 2 : 4096;

		while (cap < need)
			cap *= 2;
		if (pub->priv_bytes - c->priv_cap + cap > PRIV_ALL_BYTES)
			return -ENOBUFS;
		p = realloc(c->priv, LWS_PRE + cap);
		if (p == NULL)
			return -ENOMEM;
		pub->priv_bytes += cap - c->priv_cap;
		c->priv = p;
		c->priv_cap = cap;
	}
	p = c->priv + LWS_PRE + c->priv_len;
	if (len < 126) {
		p[0] = 0x81;
		p[1] = (unsigned char)len;
		p += 2;
		c->priv_len += 2;
	} else {
		p[0] = 0x81;
		p[1] = 126;
		p[2] = (unsigned char)(len >> 8);
		p[3] = (unsigned char)len;
		p += 4;
		c->priv_len += 4;
	}
	memcpy(p, payload, len);
	c->priv_len += len;
	return 0;
}

static void
client_close(struct client *c, int code, const char *why)
{
	if (c->close_code)
		return;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", why);
	lws_callback_on_writable(c->wsi);
}

static void
client_reply(struct client *c, const char *payload, size_t len)
{
	if (priv_append(pub_of(c->wsi), c, payload, len) < 0) {
		client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    "too many unread replies");
		return;
	}
	lws_callback_on_writable(c->wsi);
}

static void
client_error(struct client *c, const char *msg)
{
	char buf[512];
	int n = tk_format_error(msg, buf, sizeof(buf));

	if (n > 0)
		client_reply(c, buf, (size_t)n);
}

/*
 * The snapshot: the latest tick of every key the filter passes, then the
 * current status of every exchange it passes.  Live messages follow from
 * the ring head, so nothing is sent twice or skipped.
 */
static void
client_send_snapshot(struct publisher *pub, struct client *c)
{
	char buf[TK_TICK_JSON_MAX];
	const struct tk_tick *t;
	size_t i;
	int n;

	for (i = 0; i < tk_latest_count(pub->latest); i++) {
		t = tk_latest_at(pub->latest, i);
		if (!tk_filter_match(&c->filter, t->exchange, t->symbol,
		    t->type))
			continue;
		n = tk_tick_format(t, 1, buf, sizeof(buf));
		if (n > 0)
			client_reply(c, buf, (size_t)n);
	}
	for (i = 0; i < pub->nstatus; i++)
		if (pub->status[i].len > 0 && tk_filter_match_exchange(
		    &c->filter, pub->status[i].exchange))
			client_reply(c, pub->status[i].json,
			    pub->status[i].len);
	c->cursor = pub->head;
}

/* Replaces the client's filter, confirms it, sends the snapshot. */
static void
client_subscribe(struct publisher *pub, struct client *c,
    struct tk_filter *filter)
{
	char buf[16384];
	int n;

	tk_filter_finish(&c->filter);
	c->filter = *filter;
	tk_filter_init(filter);
	n = tk_filter_format_subscribed(&c->filter, buf, sizeof(buf));
	if (n > 0)
		client_reply(c, buf, (size_t)n);
	client_send_snapshot(pub, c);
}

/* ?batch=1 or true turns batch mode on, 0 or false (the default) off. */
static int
client_query_batch(struct client *c)
{
	char buf[32];
	const char *v = lws_get_urlarg_by_name(c->wsi, "batch=", buf,
	    sizeof(buf));

	if (v == NULL || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		return 0;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
		c->batch = 1;
		return 0;
	}
	client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
	    "bad batch in query: 1, true, 0 or false");
	return -1;
}

static void
client_query_filter(struct publisher *pub, struct client *c)
{
	char sym[4096], ex[1024], ty[64], err[96], why[CLOSE_REASON_MAX];
	const char *s, *e, *t;
	struct tk_filter f;

	s = lws_get_urlarg_by_name(c->wsi, "symbols=", sym, sizeof(sym));
	e = lws_get_urlarg_by_name(c->wsi, "exchanges=", ex, sizeof(ex));
	t = lws_get_urlarg_by_name(c->wsi, "types=", ty, sizeof(ty));
	if (tk_filter_from_query(s, e, t, &f, err, sizeof(err)) < 0) {
		/* the close goes before queued replies: say it there */
		snprintf(why, sizeof(why), "bad filter in query: %s", err);
		client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
		return;
	}
	tk_filter_finish(&c->filter);
	c->filter = f;
	client_send_snapshot(pub, c);
}

/*
 * The kernel would let a stalled client's socket buffer grow to megabytes
 * (autotuning): bound it, so that memory stays within budget and a client
 * that stops reading falls behind the ring (and is closed) in seconds.
 */
static void
client_bound_socket(struct lws *wsi)
{
	int fd = (int)lws_get_socket_fd(wsi), n = CLIENT_SNDBUF;

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &n,
	    sizeof(n)) < 0)
		log_debug("SO_SNDBUF: %s", strerror(errno));
}

static void
client_established(struct publisher *pub, struct client *c, struct lws *wsi)
{
	c->wsi = wsi;
	client_bound_socket(wsi);
	tk_filter_init(&c->filter);
	lws_dll2_add_tail(&c->node, &pub->clients);
	if (pub->clients.count > pub->max_clients) {
		client_close(c, (enum lws_close_status)1013 /* Try Again Later */,
		    "too many clients");
		return;
	}
	if (client_query_batch(c) == 0)
		client_query_filter(pub, c);
	lws_callback_on_writable(wsi);
}

static void
client_closed(struct publisher *pub, struct client *c)
{
	lws_dll2_remove(&c->node);
	tk_filter_finish(&c->filter);
	pub->priv_bytes -= c->priv_cap;
	free(c->priv);
	free(c->rx);
	c->priv = NULL;
	c->rx = NULL;
}

static void
client_handle_message(struct publisher *pub, struct client *c)
{
	struct tk_client_msg msg;
	char err[256];

	if (tk_client_msg_parse(c->rx, c->rx_len, &msg, err, sizeof(err)) < 0) {
		client_error(c, err);
		return;
	}
	switch (msg.op) {
	case TK_CLIENT_SUBSCRIBE:
		client_subscribe(pub, c, &msg.filter);
		tk_filter_finish(&msg.filter);
		break;
	case TK_CLIENT_PING:
		client_reply(c, "{\"type\":\"pong\"}", 15);
		break;
	}
}

/* Reassembles fragments up to the configured message limit. */
static void
client_receive(struct publisher *pub, struct client *c, const void *in,
    size_t len)
{
	size_t max = pub->td->conf.clients.max_message;

	if (lws_is_first_fragment(c->wsi)) {
		c->rx_len = 0;
		c->rx_overflow = 0;
	}
	if (c->rx == NULL && (c->rx = malloc(max)) == NULL) {
		client_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    "out of memory");
		return;
	}
	if (c->rx_overflow || len > max - c->rx_len)
		c->rx_overflow = 1;
	else {
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (!lws_is_final_fragment(c->wsi))
		return;
	if (c->rx_overflow) {
		char msg[96];

		snprintf(msg, sizeof(msg), "message larger than %zu bytes",
		    max);
		client_error(c, msg);
		return;
	}
	if (lws_frame_is_binary(c->wsi)) {
		client_error(c, "binary messages are not accepted; send JSON "
		    "text");
		return;
	}
	client_handle_message(pub, c);
}

/* Writes queued private frames; returns <0 on a failed write. */
static int
client_write_priv(struct client *c)
{
	size_t n = c->priv_len - c->priv_off;

	if (n > SCRATCH_BYTES)
		n = SCRATCH_BYTES;
	if (lws_write(c->wsi, c->priv + LWS_PRE + c->priv_off, n,
	    LWS_WRITE_RAW) < (int)n)
		return -1;
	c->priv_off += n;
	if (c->priv_off == c->priv_len) {
		/* idle clients keep no buffer */
		pub_of(c->wsi)->priv_bytes -= c->priv_cap;
		free(c->priv);
		c->priv = NULL;
		c->priv_off = c->priv_len = c->priv_cap = 0;
	}
	return 0;
}

/*
 * The next ring message for @c: what its filter passes, less the quotes
 * superseded by a newer one when it lags (@conflate).  The cursor stays
 * on it; NULL when nothing is pending.
 */
static struct slot *
ring_next(struct publisher *pub, struct client *c, int conflate)
{
	struct slot *s;

	for (; c->cursor != pub->head; c->cursor++) {
		s = &pub->ring[c->cursor & pub->ring_mask];
		if (!slot_matches(c, s))
			continue;
		if (conflate && s->superseded != 0) {
			/* a newer quote of this key is on its way */
			pub->stats.conflated++;
			continue;
		}
		return s;
	}
	return NULL;
}

static int
ring_conflates(const struct publisher *pub, const struct client *c)
{
	return pub->head - c->cursor > pub->conflate_lag;
}

static void
slot_sent(struct publisher *pub, struct client *c, const struct slot *s,
    int64_t now)
{
	if (s->kind == SLOT_TICK) {
		tk_hist_observe(&pub->stats.latency, now - s->recv_ts);
		pub->stats.delivered++;
	}
	c->cursor++;
}

/*
 * Everything pending in the ring that passes the filter, in one send: one
 * matching frame goes straight from its shared slot; several are copied,
 * already framed, into the scratch buffer.
 */
static int
client_write_frames(struct publisher *pub, struct client *c)
{
	unsigned char *out = pub->scratch + LWS_PRE;
	struct slot *first = NULL, *s;
	size_t used = 0, count = 0, flen;
	int64_t now = now_realtime_us();
	int conflate = ring_conflates(pub, c);

	while ((s = ring_next(pub, c, conflate)) != NULL) {
		flen = (size_t)s->hlen + s->len;
		if (used + flen > SCRATCH_BYTES)
			break;
		if (count == 1)
			memcpy(out, slot_payload(first) - first->hlen,
			    (size_t)first->hlen + first->len);
		if (count >= 1)
			memcpy(out + used, slot_payload(s) - s->hlen, flen);
		if (count == 0)
			first = s;
		used += flen;
		count++;
		slot_sent(pub, c, s, now);
	}
	if (count > 0)
		pub->stats.writes++;
	if (count == 1)
		return lws_write(c->wsi, slot_payload(first), first->len,
		    LWS_WRITE_TEXT) < (int)first->len ? -1 : 0;
	if (count > 1)
		return lws_write(c->wsi, out, used, LWS_WRITE_RAW) < (int)used ?
		    -1 : 0;
	return 0;
}

/*
 * Batch mode (?batch=1): the same messages, as one JSON array in one
 * frame that fits the same send as the non-batch ones.
 */
static int
client_write_batch(struct publisher *pub, struct client *c)
{
	unsigned char *out = pub->scratch + LWS_PRE;
	size_t used = 1;
	int64_t now = now_realtime_us();
	int conflate = ring_conflates(pub, c);
	struct slot *s;

	out[0] = '[';
	while ((s = ring_next(pub, c, conflate)) != NULL) {
		if (used + s->len + 1 > SCRATCH_BYTES - FRAME_HDR_MAX)
			break;
		memcpy(out + used, slot_payload(s), s->len);
		used += s->len;
		out[used++] = ',';
		slot_sent(pub, c, s, now);
	}
	if (used == 1)
		return 0;
	out[used - 1] = ']';
	pub->stats.writes++;
	return lws_write(c->wsi, out, used, LWS_WRITE_TEXT) < (int)used ?
	    -1 : 0;
}

/*
 * The client fell a whole ring behind: continuing would skip trades, and
 * trades are never dropped silently, so it is closed and counted.
 */
static void
client_close_lapped(struct publisher *pub, struct client *c, uint64_t lag)
{
	char why[CLOSE_REASON_MAX];

	pub->stats.slow_closes++;
	pub->stats.lost += lag - (pub->ring_mask + 1);
	snprintf(why, sizeof(why), "too slow: %llu messages behind, trades "
	    "would be lost", (unsigned long long)lag);
	log_info("closing a client: %s", why);
	client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
	/* a client that reads nothing never gets WRITEABLE: force it */
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 2);
}

/* Periodic: clients stuck behind a full socket are found here. */
static void
publisher_cull(lws_sorted_usec_list_t *sul)
{
	struct publisher *pub = lws_container_of(sul, struct publisher,
	    sul_cull);
	struct client *c;

	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		c = lws_container_of(d, struct client, node);
		if (!c->close_code && pub->head - c->cursor > pub->ring_mask + 1)
			client_close_lapped(pub, c, pub->head - c->cursor);
	} lws_end_foreach_dll(d);
	lws_sul_schedule(pub->td->ctx, 0, &pub->sul_cull, publisher_cull,
	    CULL_US);
}

static int64_t
pace_gap(const struct publisher *pub)
{
	return tk_pace_gap((unsigned)pub->clients.count, PACE_NS_PER_CLIENT2,
	    pub->coalesce_max_us);
}

/* Ring messages for @c: lapped clients are closed; <0 on a failed write. */
static int
client_write_pending(struct publisher *pub, struct client *c, int64_t now)
{
	uint64_t lag = pub->head - c->cursor;

	if (lag > pub->ring_mask + 1) {
		client_close_lapped(pub, c, lag);
		return 0;
	}
	if ((c->batch ? client_write_batch(pub, c) :
	    client_write_frames(pub, c)) < 0)
		return -1;
	tk_pace_wrote(&c->pace, pace_gap(pub), now);
	return 0;
}

static int
client_writeable(struct publisher *pub, struct client *c)
{
	int r;

	if (c->close_code) {
		lws_close_reason(c->wsi, c->close_code,
		    (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	if (c->priv_len > 0)
		r = client_write_priv(c);
	else
		r = client_write_pending(pub, c, now_mono_us());
	if (r < 0)
		return -1;
	if (c->priv_len > 0 || c->cursor != pub->head)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* A TCP connection, from our own listener or one systemd passed us. */
static int
on_network(struct publisher *pub, struct lws *wsi)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));	/* the analyzer cannot see getsockname() */
	if (lws_get_vhost(wsi) == pub->vh_tcp)
		return 1;
	if (lws_get_vhost(wsi) != pub->vh_act ||
	    getsockname((int)lws_get_socket_fd(wsi), (struct sockaddr *)&ss,
	    &len) < 0)
		return 0;
	return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

/*
 * Browsers send Origin; any web page could otherwise open a WebSocket to
 * 127.0.0.1 and read the stream.  Programs send no Origin and are let in;
 * a browser only from a page tickerd served itself (the live page: its
 * Origin's host:port is the Host it asked for).  Unix sockets are not
 * reachable from web pages and are not checked.
 */
static int
origin_allowed(struct publisher *pub, struct lws *wsi)
{
	char origin[256], host[256];
	const char *o;

	if (!on_network(pub, wsi) ||
	    lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return 1;
	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) < 0 ||
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) < 0)
		return 0;
	o = strstr(origin, "://");
	o = o != NULL ? o + 3 : origin;
	if (strcmp(o, host) == 0)
		return 1;
	pub->stats.origin_refused++;
	log_info("refused a WebSocket from origin %s (host %s)", origin, host);
	return 0;
}

static int
publisher_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct client *c = user;
	struct publisher *pub;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return http_request(lws_context_user(lws_get_context(wsi)),
		    wsi, &c->http, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c ? http_writeable(wsi, &c->http) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		/* also for connections that never made a request */
		if (c != NULL)
			http_txn_finish(&c->http);
		return 0;
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/*
		 * Refuse at accept time once far past the client limit, so
		 * that a flood of connections never exhausts the process' file
		 * descriptors (lws then spins on a listener it cannot accept
		 * from).  The headroom keeps /health reachable at the limit.
		 */
		pub = pub_of(wsi);
		return pub != NULL &&
		    pub->conns >= pub->max_clients + HTTP_HEADROOM ? -1 : 0;
	case LWS_CALLBACK_WSI_CREATE:
		if ((pub = pub_of(wsi)) != NULL)
			pub->conns++;
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		if ((pub = pub_of(wsi)) != NULL && pub->conns > 0)
			pub->conns--;
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		pub = pub_of(wsi);
		if (pub != NULL && origin_allowed(pub, wsi))
			return 0;
		lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN,
		    "cross-origin WebSocket refused");
		return -1;
	case LWS_CALLBACK_ESTABLISHED:
		pub = pub_of(wsi);
		if (pub == NULL)
			return -1;
		client_established(pub, c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (c->close_code)
			return 0;
		client_receive(pub_of(wsi), c, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_writeable(pub_of(wsi), c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c->closing = 1;		/* lws answers; write nothing more */
		return 0;
	case LWS_CALLBACK_CLOSED:
		client_closed(pub_of(wsi), c);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* ---- flushing: direct writes, coalesced when there are many clients ---- */

/*
 * lws may write to a client itself (the rest of a partial send, a ping, a
 * close): the pump writes only to clients with nothing of lws' pending and
 * no reply of ours queued; the others are left to WRITEABLE.
 */
static int
client_direct_ok(const struct client *c)
{
	return !c->close_code && !c->closing && c->priv_len == 0 &&
	    !lws_partial_buffered(c->wsi);
}

static void
flush_timer_arm(struct publisher *pub, int64_t at_us)
{
	struct itimerspec its;

	if (pub->timer_fd < 0 ||
	    (pub->timer_at_us != 0 && pub->timer_at_us <= at_us))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = at_us / 1000000;
	its.it_value.tv_nsec = (long)(at_us % 1000000) * 1000;
	if (timerfd_settime(pub->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		log_warnx("timerfd_settime: %s", strerror(errno));
		return;
	}
	pub->timer_at_us = at_us;
}

static void
client_flush(struct publisher *pub, struct client *c, int64_t now)
{
	if (client_write_pending(pub, c, now) < 0) {
		/* a dead socket: lws closes it on its next turn */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	if (c->cursor != pub->head)
		lws_callback_on_writable(c->wsi);	/* the rest */
}

/* Messages published per µs over the last RATE_WINDOW_US or so. */
static void
rate_update(struct publisher *pub, int64_t now)
{
	if (pub->rate_t0_us == 0) {
		pub->rate_t0_us = now;
		pub->rate_head = pub->head;
	}
	if (now - pub->rate_t0_us < RATE_WINDOW_US)
		return;
	pub->rate = (double)(pub->head - pub->rate_head) /
	    (double)(now - pub->rate_t0_us);
	pub->rate_t0_us = now;
	pub->rate_head = pub->head;
}

/*
 * Writes @c now if its pace allows (ticker/pace.h);
 * otherwise returns when it will be.  *pending: it has messages waiting.
 * INT64_MIN: @c could be written now, so new ticks must be read at once.
 * INT64_MAX: @c is lws' to write (WRITEABLE) and waits for nobody.
 */
static int64_t
client_flush_or_due(struct publisher *pub, struct client *c, int64_t now,
    int *pending)
{
	int64_t gap = pace_gap(pub), due;

	*pending = c->cursor != pub->head || c->priv_len > 0;
	if (!client_direct_ok(c)) {
		if (*pending)
			lws_callback_on_writable(c->wsi);
		return INT64_MAX;
	}
	if (!tk_pace_may_write(&c->pace, gap, now, pub->head - c->cursor))
		return tk_pace_due(&c->pace, gap);
	if (!*pending)
		return INT64_MIN;
	client_flush(pub, c, now);
	*pending = 0;
	due = tk_pace_due(&c->pace, gap);
	return due > now ? due : INT64_MIN;
}

int64_t
publisher_flush(struct publisher *pub, void (*refill)(void *), void *arg)
{
	int64_t now = now_mono_us(), next = INT64_MAX, first = INT64_MAX;
	int64_t due, quiet;
	uint64_t oldest = pub->head;	/* cursor of the most behind */
	struct client *c;
	unsigned n = 0;
	int pending;

	rate_update(pub, now);
	/* no "continue" in here: the macro's step is at its end */
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		c = lws_container_of(d, struct client, node);
		due = client_flush_or_due(pub, c, now, &pending);
		if (due < first)
			first = due;
		if (pending && due != INT64_MIN && due < next)
			next = due;
		if (due != INT64_MAX && c->cursor < oldest)
			oldest = c->cursor;
		if (refill != NULL && ++n % REFILL_EVERY == 0) {
			refill(arg);
			now = now_mono_us();
		}
	} lws_end_foreach_dll(d);
	/*
	 * No client to pace (INT64_MAX), or one writable now: read at once.
	 * The refills may have left the first clients of the pass with ticks
	 * waiting.
	 */
	if (refill != NULL && n >= REFILL_EVERY)
		now = now_mono_us();
	quiet = first == INT64_MAX ? 0 : tk_pace_quiet_until(now, first,
	    pub->head - oldest, pub->rate, pub->coalesce_max_us,
	    QUIET_MIN_US);
	if (quiet > 0 && quiet < next)
		next = quiet;
	if (next != INT64_MAX)
		flush_timer_arm(pub, next);
	return quiet;
}

/* The coalescing timer expired: the pump flushes the clients now due. */
static int
flush_timer_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));
	uint64_t expirations;

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE || td->pub == NULL)
		return 0;
	if (read(td->pub->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_warnx("timerfd read: %s", strerror(errno));
	td->pub->timer_at_us = 0;
	pump_resume(td);
	return 0;
}

const struct lws_protocols publisher_timer_protocol = {
	"flush", flush_timer_cb, 0, 0, 0, NULL, 0
};

/*
 * lws timers wake poll() up to a millisecond early and then spin
 * (LWS-NOTES §6): the coalescing timer is a timerfd on the loop instead.
 * Without one, every tick is written at once.
 */
static void
flush_timer_open(struct publisher *pub)
{
	lws_sock_file_fd_type fd;

	pub->timer_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (pub->timer_fd < 0) {
		log_warnx("timerfd: %s; writes are not coalesced",
		    strerror(errno));
		pub->coalesce_max_us = 0;
		return;
	}
	fd.filefd = pub->timer_fd;
	if (lws_adopt_descriptor_vhost(pub->td->vh_ctl,
	    LWS_ADOPT_RAW_FILE_DESC, fd, "flush", NULL) == NULL) {
		log_warnx("cannot watch the timerfd; writes are not coalesced");
		close(pub->timer_fd);
		pub->timer_fd = -1;
		pub->coalesce_max_us = 0;
	}
}

/* clients.coalesce_ms, at start and on reload: the timer once it is needed. */
static void
coalesce_configure(struct publisher *pub, const struct tk_config *conf)
{
	pub->coalesce_max_us = (int64_t)conf->clients.coalesce_ms * 1000;
	if (pub->coalesce_max_us > 0 && pub->timer_fd < 0)
		flush_timer_open(pub);
}

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

	publisher_status(pub, exchange, "down", why);
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
	coalesce_configure(pub, conf);
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

/* ---- listeners ---- */

static int
split_host_port(const char *hostport, char *host, size_t hostcap, int *port)
{
	const char *colon = strrchr(hostport, ':');
	size_t hlen;
	char *end;
	long p;

	if (colon == NULL)
		return -EINVAL;
	hlen = (size_t)(colon - hostport);
	if (hlen >= 2 && hostport[0] == '[' && hostport[hlen - 1] == ']') {
		hostport++;
		hlen -= 2;
	}
	if (hlen + 1 > hostcap)
		return -EINVAL;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || p < 1 ||
	    p > 65535)
		return -EINVAL;
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';
	*port = (int)p;
	return 0;
}

static void
listener_info(struct publisher *pub, struct lws_context_creation_info *info)
{
	memset(info, 0, sizeof(*info));
	info->protocols = publisher_protocols;
	info->retry_and_idle_policy = &client_policy;
	info->user = pub;
}

static struct lws_vhost *
listen_tcp(struct publisher *pub, const char *hostport)
{
	struct lws_context_creation_info info;
	char host[128];
	int port;

	if (split_host_port(hostport, host, sizeof(host), &port) < 0)
		return NULL;
	listener_info(pub, &info);
	info.vhost_name = "tcp";
	info.iface = host;
	info.port = port;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (strchr(host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	return lws_create_vhost(pub->td->ctx, &info);
}

/* Creates the socket's directory if needed; the socket itself is 0660. */
static struct lws_vhost *
listen_unix(struct publisher *pub, const char *path)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	char dir[256];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			log_warnx("cannot create %s: %s", dir, strerror(errno));
	}
	listener_info(pub, &info);
	info.vhost_name = "unix";
	info.iface = path;
	info.options = LWS_SERVER_OPTION_UNIX_SOCK |
	    LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	vh = lws_create_vhost(pub->td->ctx, &info);
	if (vh != NULL && chmod(path, 0660) < 0)
		log_warnx("chmod %s: %s", path, strerror(errno));
	return vh;
}

/*
 * Socket activation: no listener of its own; activate.c accepts on
 * systemd's sockets and adopts the connections here.
 */
static struct lws_vhost *
listen_activated(struct publisher *pub)
{
	struct lws_context_creation_info info;

	listener_info(pub, &info);
	info.vhost_name = "activated";
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	return lws_create_vhost(pub->td->ctx, &info);
}

struct lws_vhost *
publisher_activated_vhost(const struct publisher *pub)
{
	return pub->vh_act;
}

/* The config's listeners, unless systemd passed sockets. */
static int
listen_all(struct publisher *pub, const struct tk_config *conf)
{
	if (pub->td->act != NULL) {
		if ((pub->vh_act = listen_activated(pub)) == NULL) {
			log_errx("cannot create the socket-activation vhost");
			return -1;
		}
		return 0;
	}
	if (conf->listen_tcp != NULL &&
	    (pub->vh_tcp = listen_tcp(pub, conf->listen_tcp)) == NULL) {
		log_errx("cannot listen on %s", conf->listen_tcp);
		return -1;
	}
	if (conf->listen_unix != NULL &&
	    (pub->vh_unix = listen_unix(pub, conf->listen_unix)) == NULL) {
		log_errx("cannot listen on %s", conf->listen_unix);
		return -1;
	}
	log_notice("listening on%s%s%s%s", conf->listen_tcp ? " tcp " : "",
	    conf->listen_tcp ? conf->listen_tcp : "",
	    conf->listen_unix ? " unix " : "",
	    conf->listen_unix ? conf->listen_unix : "");
	return 0;
}

static size_t
snapshot_keys(const struct tk_config *conf)
{
	size_t i, keys = 0;

	for (i = 0; i < conf->nexchanges; i++)
		keys += conf->exchanges[i].nsymbols * TK_TICK_TYPE_MAX *
		    (conf->exchanges[i].nats != NULL ? TK_NATS_ORIGINS_MAX :
		    1);	/* nats: a source of many exchanges */
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
	pub->ring = calloc(slots, sizeof(*pub->ring));
	pub->ring_mask = slots - 1;
	pub->scratch = malloc(LWS_PRE + SCRATCH_BYTES);
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
	if (pub->ring == NULL || pub->scratch == NULL || pub->latest == NULL ||
	    pub->qpos == NULL)
		return -ENOMEM;
	return 0;
}

struct publisher *
publisher_new(struct tickerd *td)
{
	const struct tk_config *conf = &td->conf;
	struct publisher *pub;

	pub = calloc(1, sizeof(*pub));
	if (pub == NULL)
		return NULL;
	pub->td = td;
	pub->timer_fd = -1;
	coalesce_configure(pub, conf);
	if (publisher_alloc(pub, conf) < 0) {
		log_errx("out of memory for the publisher");
		goto fail;
	}
	if (listen_all(pub, conf) < 0)
		goto fail;
	lws_sul_schedule(td->ctx, 0, &pub->sul_cull, publisher_cull, CULL_US);
	return pub;
fail:
	publisher_free(pub);
	return NULL;
}

void
publisher_free(struct publisher *pub)
{
	size_t i;

	if (pub == NULL)
		return;
	tk_latest_free(pub->latest);
	for (i = 0; pub->ring != NULL && i <= pub->ring_mask; i++)
		free(pub->ring[i].big);
	free(pub->ring);
	free(pub->scratch);
	free(pub->status);
	free(pub->ex);
	free(pub->qpos);
	free(pub);
}
