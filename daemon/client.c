/* SPDX-License-Identifier: MIT */
/*
 * One local WebSocket client: its filter, its replies and snapshot (private
 * frames queued ahead of the ring), its writes, and the slow-client policy
 * that closes it rather than let it hold memory or lose trades silently.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/filter.h>
#include <ticker/keyset.h>
#include <ticker/latest.h>
#include <ticker/pace.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

#include "clock.h"
#include "log.h"
#include "publisher_impl.h"
#include "writable.h"

#define CLIENT_SNDBUF	(128 * 1024)	/* kernel send buffer (doubled) */
#define RX_MIN		256		/* first receive buffer */

/* ---- private frames: replies and snapshots ---- */

/* The part of a reply buffer of @cap bytes that the shared budget pays. */
static size_t
priv_shared(size_t cap)
{
	return cap > PRIV_RESERVE ? cap - PRIV_RESERVE : 0;
}

static void
priv_drop(struct publisher *pub, struct client *c)
{
	pub->priv_bytes -= priv_shared(c->priv_cap);
	free(c->priv);
	c->priv = NULL;
	c->priv_off = c->priv_len = c->priv_cap = 0;
}

/*
 * Replies and snapshots wait in a per-client buffer until written.  A
 * client may hold two snapshots' worth (at least PRIV_MIN_BYTES); all
 * clients together PRIV_ALL_BYTES beyond a reserve of PRIV_RESERVE each,
 * so that clients that hold the whole budget cannot keep another from
 * its answers: a client that asks for more without reading is closed
 * rather than growing the daemon.  Frames are whole, with a 16-bit length
 * at most.
 */
static int
priv_append(struct publisher *pub, struct client *c, const char *payload,
    size_t len)
{
	size_t need = c->priv_len + FRAME_HDR_MAX + len;
	unsigned char *p;

	if (len > 0xffff)
		return -EMSGSIZE;
	if (need > pub->priv_client_max)
		return -ENOBUFS;
	if (need > c->priv_cap) {
		size_t cap = c->priv_cap ? c->priv_cap * 2 : 4096;

		while (cap < need)
			cap *= 2;
		if (pub->priv_bytes - priv_shared(c->priv_cap) +
		    priv_shared(cap) > PRIV_ALL_BYTES)
			return -ENOBUFS;
		p = realloc(c->priv, LWS_PRE + cap);
		if (p == NULL)
			return -ENOMEM;
		pub->priv_bytes += priv_shared(cap) - priv_shared(c->priv_cap);
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

/*
 * A close reason goes out as is in a close frame, which must be valid
 * UTF-8: cut between characters, and before anything that is not.
 */
static void
close_reason_copy(char *buf, size_t cap, const char *why)
{
	int n = tk_utf8_snprintf(buf, cap, "%s", why), r;
	size_t i;

	for (i = 0; n > 0 && i < (size_t)n; i += (size_t)r)
		if ((r = tk_utf8_seq(buf + i, (size_t)n - i)) < 0) {
			buf[i] = '\0';
			break;
		}
}

void
client_close(struct client *c, int code, const char *why)
{
	struct tickerd *td = lws_context_user(lws_get_context(c->wsi));

	if (c->close_code)
		return;
	c->close_code = code;
	close_reason_copy(c->close_reason, sizeof(c->close_reason), why);
	if (td->pub != NULL)
		priv_drop(td->pub, c);
	want_writable(c->wsi);
	/*
	 * A client that reads nothing never gets WRITEABLE (lws holds it
	 * back until its partial send is out): it goes by timeout, and its
	 * descriptor with it.
	 */
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_GRACE_S);
}

void
client_reply(struct publisher *pub, struct client *c, const char *payload,
    size_t len)
{
	if (c->close_code)
		return;
	if (priv_append(pub, c, payload, len) < 0) {
		client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    "too many unread replies");
		return;
	}
	want_writable(c->wsi);
}

static void
client_error(struct publisher *pub, struct client *c, const char *msg)
{
	char buf[512];
	int n = tk_format_error(msg, buf, sizeof(buf));

	if (n > 0)
		client_reply(pub, c, buf, (size_t)n);
}

/*
 * The snapshot: the latest tick of every key the filter passes, then the
 * current status of every exchange it passes.  Live messages follow from
 * the ring head, so nothing is sent twice or skipped.
 */
void
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
			client_reply(pub, c, buf, (size_t)n);
	}
	for (i = 0; i < pub->nstatus; i++)
		if (pub->status[i].len > 0 && tk_filter_match_exchange(
		    &c->filter, pub->status[i].exchange))
			client_reply(pub, c, pub->status[i].json,
			    pub->status[i].len);
	c->cursor = pub->head;
}

static void
client_take_kf(struct client *c, struct tk_keyfilter *kf)
{
	tk_keyfilter_finish(&c->kf);
	c->kf = *kf;
	c->match_all = kf->types == TK_TYPES_ANY &&
	    kf->dim[TK_KEY_EXCHANGE].all && kf->dim[TK_KEY_SYMBOL].all;
}

/*
 * Takes @f (reset to match-all) as the client's filter, compiled over the
 * key space for the ring's per-message matches.  -ENOMEM keeps the old
 * one and closes the client.
 */
static int
client_set_filter(struct publisher *pub, struct client *c,
    struct tk_filter *f)
{
	struct tk_keyfilter kf;

	if (tk_keyfilter_compile(f, pub->keys, &kf) < 0) {
		client_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    "out of memory");
		return -ENOMEM;
	}
	client_take_kf(c, &kf);
	tk_filter_finish(&c->filter);
	c->filter = *f;
	tk_filter_init(f);
	return 0;
}

void
client_recompile(struct publisher *pub, struct client *c)
{
	struct tk_keyfilter kf;

	/* out of memory: the old one stays right, only slower */
	if (tk_keyfilter_compile(&c->filter, pub->keys, &kf) < 0)
		return;
	client_take_kf(c, &kf);
}

/* Replaces the client's filter, confirms it, sends the snapshot. */
static void
client_subscribe(struct publisher *pub, struct client *c,
    struct tk_filter *filter)
{
	char buf[16384];
	int n;

	if (client_set_filter(pub, c, filter) < 0)
		return;
	n = tk_filter_format_subscribed(&c->filter, buf, sizeof(buf));
	if (n > 0)
		client_reply(pub, c, buf, (size_t)n);
	client_send_snapshot(pub, c);
}

/* ---- connecting ---- */

/* ?batch=1 or true turns batch mode on, 0 or false (the default) off. */
static int
client_query_batch(struct client *c)
{
	/* the whole query fits, see client_query_filter() */
	int cap = lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_URI_ARGS) + 1;
	char *buf = malloc((size_t)cap);
	const char *v;
	int on = -1;

	v = buf ? lws_get_urlarg_by_name(c->wsi, "batch=", buf, cap) : NULL;
	if (v == NULL || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		on = 0;
	else if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		on = 1;
	free(buf);
	if (on >= 0) {
		c->batch = on;
		return 0;
	}
	client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
	    "bad batch in query: 1, true, 0 or false");
	return -1;
}

/*
 * lws stops looking at the first argument longer than the buffer, which
 * would drop every argument after it without a word: each buffer holds the
 * whole query, and tk_filter_from_query() refuses values that are too long.
 */
static int
client_query_filter(struct publisher *pub, struct client *c)
{
	int cap = lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_URI_ARGS) + 1;
	char err[96], why[CLOSE_REASON_MAX], *q;
	const char *s, *e, *t;
	struct tk_filter f;
	int r;

	if ((q = malloc(3 * (size_t)cap)) == NULL) {
		client_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    "out of memory");
		return -1;
	}
	s = lws_get_urlarg_by_name(c->wsi, "symbols=", q, cap);
	e = lws_get_urlarg_by_name(c->wsi, "exchanges=", q + cap, cap);
	t = lws_get_urlarg_by_name(c->wsi, "types=", q + 2 * cap, cap);
	r = tk_filter_from_query(s, e, t, &f, err, sizeof(err));
	free(q);
	if (r < 0) {
		/* the close goes before queued replies: say it there */
		tk_utf8_snprintf(why, sizeof(why), "%s: %s", r == -EMSGSIZE ?
		    "query argument too long" : "bad filter in query", err);
		client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
		return -1;
	}
	if (client_set_filter(pub, c, &f) < 0) {
		tk_filter_finish(&f);
		return -1;
	}
	return 0;
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

int
client_established(struct publisher *pub, struct client *c, struct lws *wsi)
{
	int r = -1;

	c->wsi = wsi;
	c->max_delay_us = -1;
	client_bound_socket(wsi);
	tk_filter_init(&c->filter);
	tk_keyfilter_init(&c->kf);
	c->match_all = 1;
	lws_dll2_add_tail(&c->node, &pub->clients);
	if (pub->clients.count > pub->max_clients)
		client_close(c, (enum lws_close_status)1013 /* Try Again Later */,
		    "too many clients");
	else if (client_query_batch(c) == 0 &&
	    client_query_filter(pub, c) == 0)
		r = 0;
	want_writable(wsi);
	return r;
}

void
client_closed(struct publisher *pub, struct client *c)
{
	/* a flush pass between two steps goes on after its predecessor */
	if (pub->flush.last == &c->node)
		pub->flush.last = c->node.prev;
	lws_dll2_remove(&c->node);
	tk_filter_finish(&c->filter);
	priv_drop(pub, c);
	free(c->rx);
	c->rx = NULL;
	tk_keyfilter_finish(&c->kf);
}

/* ---- receiving ---- */

static void
client_handle_message(struct publisher *pub, struct client *c)
{
	struct tk_client_msg msg;
	char err[256];

	if (tk_client_msg_parse(c->rx, c->rx_len, &msg, err, sizeof(err)) < 0) {
		client_error(pub, c, err);
		return;
	}
	switch (msg.op) {
	case TK_CLIENT_SUBSCRIBE:
		client_subscribe(pub, c, &msg.filter);
		tk_filter_finish(&msg.filter);
		break;
	case TK_CLIENT_PING:
		client_reply(pub, c, "{\"type\":\"pong\"}", 15);
		break;
	}
}

static void
rx_free(struct client *c)
{
	free(c->rx);
	c->rx = NULL;
	c->rx_len = c->rx_cap = 0;
}

/*
 * Room for @need bytes of message, @max at most: the buffer grows with
 * the message instead of being the largest message allowed for the
 * client's whole life (hundreds of idle clients would hold hundreds of
 * MB).  -ENOMEM.
 */
static int
rx_reserve(struct client *c, size_t need, size_t max)
{
	size_t cap = c->rx_cap ? c->rx_cap : RX_MIN;
	char *p;

	if (need <= c->rx_cap && c->rx != NULL)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max > need ? max : need;
	if (cap == 0)
		cap = 1;	/* an empty message still gets a buffer */
	if ((p = realloc(c->rx, cap)) == NULL)
		return -ENOMEM;
	c->rx = p;
	c->rx_cap = cap;
	return 0;
}

/*
 * Reassembles fragments up to the configured message limit; the buffer
 * is freed once the message is handled.
 */
void
client_receive(struct publisher *pub, struct client *c, const void *in,
    size_t len)
{
	size_t max = pub->td->conf.clients.max_message;

	if (lws_is_first_fragment(c->wsi)) {
		c->rx_len = 0;
		c->rx_overflow = 0;
	}
	if (c->rx_overflow || len > max - c->rx_len) {
		c->rx_overflow = 1;
		rx_free(c);
	} else if (rx_reserve(c, c->rx_len + len, max) < 0) {
		rx_free(c);
		client_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
		    "out of memory");
		return;
	} else {
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (!lws_is_final_fragment(c->wsi))
		return;
	if (c->rx_overflow) {
		char msg[96];

		snprintf(msg, sizeof(msg), "message larger than %zu bytes",
		    max);
		client_error(pub, c, msg);
	} else if (lws_frame_is_binary(c->wsi)) {
		client_error(pub, c, "binary messages are not accepted; send "
		    "JSON text");
	} else {
		client_handle_message(pub, c);
	}
	rx_free(c);
}

/* ---- writing ---- */

/*
 * The bytes of the whole frames at the start of @p (@len bytes of queued
 * frames) that fit in @max, or the first frame if it alone does not.
 */
static size_t
priv_whole_frames(const unsigned char *p, size_t len, size_t max)
{
	size_t off = 0, flen;

	while (off + 2 <= len) {
		flen = p[off + 1] < 126 ? 2 + (size_t)p[off + 1] :
		    4 + ((size_t)p[off + 2] << 8 | p[off + 3]);
		if (off > 0 && off + flen > max)
			break;
		off += flen;
	}
	return off < len ? off : len;
}

/*
 * Writes queued private frames, as many whole ones as fit in one send;
 * returns <0 on a failed write.  Never part of a frame: lws sends a pong
 * (or a close) of its own between two of our writes, and one inside a
 * frame would corrupt the stream.
 */
static int
client_write_priv(struct publisher *pub, struct client *c)
{
	size_t n = priv_whole_frames(c->priv + LWS_PRE + c->priv_off,
	    c->priv_len - c->priv_off, SCRATCH_BYTES);

	c->wrote_us = now_mono_us();
	if (lws_write(c->wsi, c->priv + LWS_PRE + c->priv_off, n,
	    LWS_WRITE_RAW) < (int)n)
		return -1;
	c->priv_off += n;
	if (c->priv_off == c->priv_len)
		priv_drop(pub, c);		/* idle clients keep no buffer */
	return 0;
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
	if (log_limited(&pub->log_slow, "slow-client closes"))
		log_info("closing a client: %s", why);
	client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
}

/*
 * Data waits for @c (replies, ring messages, or the rest of a send that
 * lws holds) and nothing could be written to it for STALL_US: it does not
 * read, and would hold its replies, its descriptor and its share of the
 * reply budget for as long as it likes.  Closed and counted as slow.
 */
static void
client_check_stall(struct publisher *pub, struct client *c, int64_t now)
{
	char why[CLOSE_REASON_MAX];
	int pending = c->priv_len > 0 || c->cursor != pub->head ||
	    lws_partial_buffered(c->wsi);

	if (!pending || c->wrote_us >= c->swept_us)
		c->stall_since_us = now;
	c->swept_us = now;
	if (now - c->stall_since_us <= STALL_US)
		return;
	pub->stats.slow_closes++;
	snprintf(why, sizeof(why), "too slow: nothing could be written for "
	    "%.1f s", (double)(now - c->stall_since_us) / 1e6);
	if (log_limited(&pub->log_slow, "slow-client closes"))
		log_info("closing a client: %s", why);
	client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
}

/* Periodic: clients stuck behind a full socket are found here. */
void
client_cull(lws_sorted_usec_list_t *sul)
{
	struct publisher *pub = lws_container_of(sul, struct publisher,
	    sul_cull);
	int64_t now = now_mono_us();
	struct client *c;

	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		/* no "continue" here: the macro advances at its end */
		c = lws_container_of(d, struct client, node);
		if (c->close_code)
			;	/* closing already */
		else if (pub->head - c->cursor > pub->ring_mask + 1)
			client_close_lapped(pub, c, pub->head - c->cursor);
		else
			client_check_stall(pub, c, now);
	} lws_end_foreach_dll(d);
	lws_sul_schedule(pub->td->ctx, 0, &pub->sul_cull, client_cull,
	    CULL_US);
}

int64_t
client_max_delay(const struct publisher *pub, const struct client *c)
{
	return tk_pace_cap(pub->coalesce_max_us, c->max_delay_us);
}

int64_t
client_pace_gap(const struct publisher *pub, const struct client *c)
{
	return tk_pace_gap((unsigned)pub->clients.count, PACE_NS_PER_CLIENT2,
	    client_max_delay(pub, c));
}

int
client_write_pending(struct publisher *pub, struct client *c, int64_t now)
{
	uint64_t lag = pub->head - c->cursor;

	if (lag > pub->ring_mask + 1) {
		client_close_lapped(pub, c, lag);
		return 0;
	}
	c->wrote_us = now;
	if (ring_write(pub, c) < 0)
		return -1;
	tk_pace_wrote(&c->pace, client_pace_gap(pub, c), now);
	return 0;
}

int
client_writeable(struct publisher *pub, struct client *c)
{
	int r;

	if (c->close_code) {
		lws_close_reason(c->wsi, c->close_code,
		    (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	if (c->priv_len > 0)
		r = client_write_priv(pub, c);
	else
		r = client_write_pending(pub, c, now_mono_us());
	if (r < 0)
		return -1;
	if (c->priv_len > 0 || c->cursor != pub->head)
		want_writable(c->wsi);
	return 0;
}
