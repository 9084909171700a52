/* SPDX-License-Identifier: MIT */
/*
 * The fan-out ring.  Every published message is serialized once, with its
 * WebSocket header written just before it, into a slot of a
 * sequence-numbered ring; each client holds a cursor into it and is given
 * every pending message its filter passes, several frames in one send.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/filter.h>
#include <ticker/hash.h>
#include <ticker/hist.h>
#include <ticker/keyset.h>
#include <ticker/tick.h>

#include "clock.h"
#include "publisher_impl.h"

int
ring_alloc(struct publisher *pub, size_t slots)
{
	pub->ring = calloc(slots, sizeof(*pub->ring));
	pub->ring_mask = slots - 1;
	pub->scratch = malloc(LWS_PRE + SCRATCH_BYTES);
	return pub->ring == NULL || pub->scratch == NULL ? -ENOMEM : 0;
}

void
ring_free(struct publisher *pub)
{
	size_t i;

	for (i = 0; pub->ring != NULL && i <= pub->ring_mask; i++)
		free(pub->ring[i].big);
	free(pub->ring);
	free(pub->scratch);
	pub->ring = NULL;
	pub->scratch = NULL;
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

unsigned char *
slot_payload(struct slot *s)
{
	return (s->big != NULL ? s->big : s->buf) + LWS_PRE;
}

/*
 * Orders every message ever published: a tick by its seq, a status just
 * after the tick it followed.  It never decreases along the ring.
 */
static uint64_t
ring_key(const struct slot *s)
{
	return 2 * s->seq + (s->kind == SLOT_STATUS);
}

struct slot *
ring_claim(struct publisher *pub)
{
	struct slot *s = &pub->ring[pub->head & pub->ring_mask];

	if (pub->head > pub->ring_mask)
		pub->gone_key = ring_key(s);	/* a resume from before fails */
	free(s->big);
	s->big = NULL;
	return s;
}

int
slot_store_big(struct slot *s, const char *msg, size_t len)
{
	s->big = malloc(LWS_PRE + len);
	if (s->big == NULL)
		return -ENOMEM;
	memcpy(s->big + LWS_PRE, msg, len);
	return 0;
}

void
ring_commit(struct publisher *pub, struct slot *s, size_t len)
{
	s->pos = pub->head;
	s->seq = pub->seq;
	s->superseded = 0;
	s->len = (uint16_t)len;
	s->hlen = frame_header(slot_payload(s), len);
	pub->head++;
}

/*
 * A new quote (or funding, or bbo) makes the previous one of its
 * (exchange, symbol, type) stale: mark that slot so that a lagging client
 * can skip it (conflation).  The type is in the key: a quote never
 * supersedes a funding tick of the same exchange and symbol.
 */
void
ring_supersede(struct publisher *pub, const struct slot *s)
{
	uint64_t key = tk_hash_pair(s->exchange, s->symbol) * 31 +
	    (uint64_t)s->type;
	size_t i, probes = 0;
	struct slot *old;

	key += key == 0;	/* 0 marks a free entry */
	i = key & pub->qpos_mask;
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

/*
 * The client's compiled filter: a type bit and two bit tests; nothing at
 * all for the clients without a filter, most of them.
 */
static int
slot_matches(const struct client *c, const struct slot *s)
{
	if (c->match_all)
		return 1;
	if (s->kind == SLOT_STATUS)
		return tk_keyfilter_match_exchange(&c->kf, s->ex_key,
		    s->exchange);
	return tk_keyfilter_match(&c->kf, s->ex_key, s->sym_key, s->exchange,
	    s->symbol, s->type);
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
			/* a newer tick of this key is on its way */
			pub->stats.conflated++;
			continue;
		}
		return s;
	}
	return NULL;
}

/*
 * A resuming client is never conflated while it replays what it missed
 * (below c->resume_end): it asked for every message, and it reads them as
 * fast as it can.  Too slow for that, it is lapped and closed instead.
 */
static int
ring_conflates(const struct publisher *pub, const struct client *c)
{
	return pub->head - c->cursor > pub->conflate_lag &&
	    c->cursor >= c->resume_end;
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
 * One matching frame goes straight from its shared slot; several are
 * copied, already framed, into the scratch buffer.
 */
static int
ring_write_frames(struct publisher *pub, struct client *c)
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
ring_write_batch(struct publisher *pub, struct client *c)
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

int
ring_write(struct publisher *pub, struct client *c)
{
	return c->batch ? ring_write_batch(pub, c) : ring_write_frames(pub, c);
}

/* ---- resume ---- */

/* The oldest ring position still held. */
static uint64_t
ring_tail(const struct publisher *pub)
{
	return pub->head > pub->ring_mask + 1 ? pub->head - pub->ring_mask - 1 :
	    0;
}

int
ring_resume(const struct publisher *pub, uint64_t since, uint64_t *pos)
{
	uint64_t lo = ring_tail(pub), hi = pub->head, mid;

	/* a status or a tick after tick @since was overwritten */
	if (pub->gone_key > 2 * since)
		return -ESTALE;
	/* the first message after it: keys rise along the ring */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ring_key(&pub->ring[mid & pub->ring_mask]) > 2 * since)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return 0;
}

uint64_t
ring_oldest_seq(const struct publisher *pub)
{
	/* the tick after the last overwritten message; 1 before any */
	return pub->gone_key / 2 + 1;
}

int64_t
ring_oldest_us(const struct publisher *pub)
{
	if (pub->head == 0)
		return 0;
	return pub->ring[ring_tail(pub) & pub->ring_mask].recv_ts;
}
