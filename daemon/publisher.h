/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_PUBLISHER_H
#define TICKERD_PUBLISHER_H

/*
 * The publisher: local WebSocket listeners (TCP and/or unix), clients with
 * filters, snapshots, and the fan-out ring.
 *
 * Every published message is serialized once, with its WebSocket header
 * written just before it, into a slot of a sequence-numbered ring.  Each
 * client holds a cursor into the ring; a write gives it every pending
 * message that passes its filter, several frames in one send.  The ring is
 * the bounded per-client queue: a client lapped by the ring is closed
 * (1008, "too slow"), never allowed to grow memory.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/hist.h>
#include <ticker/state.h>
#include <ticker/tick.h>

struct lws_vhost;
struct tickerd;
struct publisher;
struct tk_config;
struct tk_waker;

struct pub_stats {
	uint64_t	 ticks;		/* published, bbo included */
	uint64_t	 bbo;		/* bbo ticks published */
	uint64_t	 delivered;	/* tick frames written to clients */
	uint64_t	 writes;	/* sends of ring messages to clients */
	uint64_t	 slow_closes;	/* clients closed for falling behind */
	uint64_t	 lost;		/* messages those clients missed */
	uint64_t	 conflated;	/* superseded quotes, funding, bbo skipped */
	uint64_t	 origin_refused; /* browsers from other sites */
	uint64_t	 host_refused;	/* requests for a foreign Host */
	uint64_t	 conns_refused;	/* connections past the cap */
	uint64_t	 conns_evicted;	/* request heads closed for newer ones */
	struct tk_hist	 latency;	/* receive -> written to a client */
};

struct pub_ex_stats {
	uint64_t	 ticks[TK_TICK_TYPE_MAX];
	int64_t		 last_tick_us;	/* receive time of the last, or 0 */
	const struct tk_hist *lag;	/* exchange time -> receive time */
};

/*
 * Sized from td->conf.  @waker (borrowed, must outlive it) is woken after
 * a status is published, so that a pump pass flushes it to the clients.
 * NULL with the reason logged.
 */
struct publisher *publisher_new(struct tickerd *td, struct tk_waker *waker);
void		 publisher_free(struct publisher *);	/* NULL ok */

/*
 * Creates the listen vhosts of td->conf or, with socket activation
 * (td->act, set before), one without a listener.  -1, logged.
 */
int		 publisher_listen(struct publisher *);

/*
 * With socket activation (td->act set before publisher_listen()): the vhost,
 * with no listener of its own, that accepted connections are adopted into.
 * NULL otherwise.
 */
struct lws_vhost *publisher_activated_vhost(const struct publisher *);

/*
 * Whether a new connection may be accepted: 0 yes, -1 no (close it).  Past
 * the connection cap, the oldest connection still sending its request head
 * is closed to make room, so that slow or idle heads cannot keep /health
 * and new clients out; with none of those, the new one is refused.  lws'
 * own listeners ask through LWS_CALLBACK_FILTER_NETWORK_CONNECTION,
 * activate.c for the sockets systemd passed.
 */
int	publisher_admit(struct publisher *);

/*
 * Numbers the tick (t->seq), serializes it once, remembers it as latest.
 * A quote also feeds the consolidated bbo (ticker/bbo.h): a change of its
 * symbol's best bid or ask is published right after it, with the next seq.
 */
void	publisher_publish(struct publisher *, struct tk_tick *t);

/*
 * Publishes an upstream state change to clients of that exchange.  Unless
 * @state is connected, the exchange's quotes leave the bbo (and come back
 * with its next quotes once it is connected again).
 */
void	publisher_status(struct publisher *, const char *exchange,
	    enum tk_state state, const char *detail);

/*
 * The longest a client's ticks may be held back to share one write with
 * later ones (clients.coalesce_ms as µs); 0: every tick goes out at once.
 * The pump sets it, as only its timer can write held ticks later.
 */
void	publisher_set_coalesce(struct publisher *, int64_t max_us);

/*
 * A flush pass, after a batch of publishes (outside any lws callback):
 * writes every client with pending data whose pace allows, or notes when
 * its write will be due; clients lws is writing to get WRITEABLE.  The
 * pass goes in steps so that its caller can read the ticks that arrive
 * meanwhile, which then go to the clients still ahead in the same pass.
 * Times are monotonic µs.
 */
void	publisher_flush_begin(struct publisher *, int64_t now);
/* Visits the next @max clients; returns how many (fewer: the pass is done). */
unsigned publisher_flush_step(struct publisher *, unsigned max, int64_t now);
/*
 * Between two steps, after new ticks were published: writes them at once
 * to the clients that asked for max_delay_ms=0.
 */
void	publisher_flush_fast(struct publisher *, int64_t now);
/*
 * Ends the pass.  Returns until when no client could be written anyway, so
 * that reading the exchanges may wait; 0 if ticks should be read at once.
 * *@due: when a pass should run again (a held write, or the end of that
 * wait); INT64_MAX if nothing waits.
 */
int64_t	publisher_flush_end(struct publisher *, int64_t now, int64_t *due);

/*
 * Closes every client with 1001 Going Away and stops the publisher's timer
 * (call before the lws context goes).  Returns clients still open.
 */
unsigned publisher_shutdown(struct publisher *);

unsigned publisher_clients(const struct publisher *);

/*
 * How far back the ring reaches, so how long a client may be away and
 * still resume: @now_us (realtime) less the receive time of the oldest
 * message held, in µs (0 with none); *@oldest_seq the oldest tick's seq.
 */
int64_t	publisher_ring_depth(const struct publisher *, int64_t now_us,
	    uint64_t *oldest_seq);

/* Reload: an exchange is gone; clients are told, its snapshot dropped. */
void	publisher_forget_exchange(struct publisher *, const char *exchange,
	    const char *why);
/* Reload: resizes the tables sized from the config.  0 or -ENOMEM. */
int	publisher_reconfigure(struct publisher *, const struct tk_config *);

/* Counters for /health and /metrics; borrowed, live. */
const struct pub_stats *publisher_stats(const struct publisher *);
/* -ENOENT if no tick of @name was published yet. */
int	publisher_exchange_stats(const struct publisher *, const char *name,
	    struct pub_ex_stats *out);

#endif
