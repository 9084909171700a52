/* SPDX-License-Identifier: MIT */
/*
 * Flushing: after a batch of publishes, the pump writes the clients
 * directly (no trip through poll for POLLOUT), each at its pace: with many
 * clients, a client's ticks are held back a little to share one write
 * (ticker/pace.h).
 */

#include <libwebsockets.h>

#include <ticker/pace.h>

#include "publisher_impl.h"
#include "writable.h"

#define RATE_WINDOW_US	100000		/* publish rate, for input moderation */
#define QUIET_MIN_US	300		/* shorter holds are not worth it */

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
client_flush(struct publisher *pub, struct client *c, int64_t now)
{
	if (client_write_pending(pub, c, now) < 0) {
		/* a dead socket: lws closes it on its next turn */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	if (c->cursor != pub->head)
		want_writable(c->wsi);	/* the rest */
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
	int64_t gap = client_pace_gap(pub, c), due;

	*pending = c->cursor != pub->head || c->priv_len > 0;
	if (!client_direct_ok(c)) {
		if (*pending)
			want_writable(c->wsi);
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

void
publisher_set_coalesce(struct publisher *pub, int64_t max_us)
{
	pub->coalesce_max_us = max_us;
}

void
publisher_flush_begin(struct publisher *pub, int64_t now)
{
	struct pub_flush *f = &pub->flush;

	f->last = NULL;
	f->next = f->first = INT64_MAX;
	f->oldest = pub->head;
	/*
	 * A NATS sink takes every tick as it comes, as a client that asked
	 * for max_delay_ms=0 does: the exchanges are never held for it, or
	 * every edge's clients would wait for this host's.
	 */
	f->min_cap = pub->td->nats_sink != NULL ? 0 : pub->coalesce_max_us;
	rate_update(pub, now);
}

unsigned
publisher_flush_step(struct publisher *pub, unsigned max, int64_t now)
{
	struct pub_flush *f = &pub->flush;
	struct lws_dll2 *d;
	struct client *c;
	unsigned n;
	int64_t due;
	int pending;

	/* where the last step stopped, read now: clients may have come */
	d = f->last != NULL ? f->last->next : lws_dll2_get_head(&pub->clients);
	for (n = 0; n < max && d != NULL; n++, d = d->next) {
		c = lws_container_of(d, struct client, node);
		if (client_max_delay(pub, c) < f->min_cap)
			f->min_cap = client_max_delay(pub, c);
		due = client_flush_or_due(pub, c, now, &pending);
		if (due < f->first)
			f->first = due;
		if (pending && due != INT64_MIN && due < f->next)
			f->next = due;
		if (due != INT64_MAX && c->cursor < f->oldest)
			f->oldest = c->cursor;
		f->last = d;
	}
	return n;
}

int64_t
publisher_flush_end(struct publisher *pub, int64_t now, int64_t *due)
{
	struct pub_flush *f = &pub->flush;
	int64_t quiet;

	f->last = NULL;
	/*
	 * No client to pace (INT64_MAX), or one writable now: read at once.
	 * Ticks read between the steps may have left the first clients of
	 * the pass with ticks waiting.
	 */
	quiet = f->first == INT64_MAX ? 0 : tk_pace_quiet_until(now, f->first,
	    pub->head - f->oldest, pub->rate, f->min_cap, QUIET_MIN_US);
	*due = quiet > 0 && quiet < f->next ? quiet : f->next;
	return quiet;
}

/*
 * Clients that asked for max_delay_ms=0 are first in the list (session.c)
 * and so first in every pass; the ticks read between its steps are
 * written to them at once, not a pass later.
 */
void
publisher_flush_fast(struct publisher *pub, int64_t now)
{
	struct lws_dll2 *d;
	struct client *c;
	int pending;

	for (d = lws_dll2_get_head(&pub->clients); d != NULL; d = d->next) {
		c = lws_container_of(d, struct client, node);
		if (c->max_delay_us != 0)
			break;		/* past the ones that asked for 0 */
		if (c->cursor != pub->head)
			client_flush_or_due(pub, c, now, &pending);
	}
}
