/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_PUBLISHER_IMPL_H
#define TICKERD_PUBLISHER_IMPL_H

/*
 * Inside the publisher: for its own files only (publisher.c, ring.c,
 * client.c, flush.c, listen.c).  The rest of the daemon sees publisher.h.
 *
 *   publisher.c  the object: new/free, publish, status, sizing, stats
 *   ring.c       the seq ring: slots framed once, read by every cursor
 *   client.c     one client: filter, replies, snapshot, slow-client policy
 *   session.c    a connection's opening: hello, resume or snapshot, and
 *                its latency class (?since, ?epoch, ?max_delay_ms)
 *   flush.c      the flush pass: direct writes, paced (coalesced)
 *   listen.c     the listeners and their lws protocol callback
 *
 * Calls between them go one way: ring.c calls none of the others,
 * client.c only ring.c and session.c, session.c only client.c and
 * ring.c, and publisher.c, flush.c and listen.c call client.c and
 * ring.c.  Only listen.c calls out of the publisher (plain
 * HTTP requests, to http.c); publisher_status() wakes the pump through
 * its waker, a pointer, which only schedules a pass.
 */

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include <ticker/filter.h>
#include <ticker/hist.h>
#include <ticker/keyset.h>
#include <ticker/pace.h>
#include <ticker/stream.h>
#include <ticker/tick.h>

#include "http.h"
#include "log.h"
#include "publisher.h"
#include "tickerd.h"

#define FRAME_HDR_MAX	4		/* 0x81 + 126 + 16-bit length */
#define SLOT_PAYLOAD	TK_TICK_JSON_MAX /* tick JSON or status message */
#define SLOT_INLINE	352		/* longer messages: a buffer of their own */
#define SCRATCH_BYTES	(32 * 1024)	/* one coalesced send at most */
#define PACE_NS_PER_CLIENT2 2000 /* gap: 0.2 ms at 10 clients, 20 at 100 */
#define CULL_US		(500 * 1000)	/* slow-client sweep */
#define STALL_US	(3 * 1000 * 1000) /* data waiting, no write: closed */
#define CLOSE_GRACE_S	2		/* a client being closed is gone after */
#define HTTP_HEADROOM	16		/* connections past clients.max */
#define HEADER_TIMEOUT_S 3		/* to send a whole request head */
#define PRIV_MIN_BYTES	(256 * 1024)	/* replies + snapshots, per client */
#define PRIV_ALL_BYTES	(64 * 1024 * 1024) /* the same, all clients */
#define PRIV_RESERVE	(16 * 1024)	/* per client, outside PRIV_ALL_BYTES */
#define CLOSE_REASON_MAX 120
#define EPOCH_MAX	64		/* "<start µs>-<random hex>" and NUL */

struct tk_bbo;
struct tk_latest;

enum slot_kind { SLOT_TICK, SLOT_STATUS };

/* One published message, framed once, shared by every client. */
struct slot {
	enum slot_kind	 kind;
	enum tk_tick_type type;
	uint16_t	 len;		/* payload bytes */
	uint8_t		 hlen;		/* ws header bytes before payload */
	int64_t		 recv_ts;	/* receive (ticks) or publish time */
	uint64_t	 pos;		/* ring position it was written at */
	uint64_t	 seq;		/* its seq; statuses: the tick's before */
	uint64_t	 superseded;	/* pos of a newer one of its key, or 0 */
	uint32_t	 ex_key, sym_key; /* in pub->keys, or TK_KEY_NONE */
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
	enum tk_state state;
	int64_t	 since_us;	/* realtime: in this state since */
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
	struct tk_filter filter;	/* as asked, for snapshots and replies */
	struct tk_keyfilter kf;		/* the same, compiled: ring matches */
	int		 match_all;	/* kf passes everything (no filter) */
	unsigned char	*priv;		/* framed replies, LWS_PRE headroom */
	size_t		 priv_len, priv_off, priv_cap;
	char		*rx;		/* message being reassembled, or NULL */
	size_t		 rx_len, rx_cap;
	int		 rx_overflow;
	int64_t		 wrote_us;	/* last write to it (monotonic) */
	int64_t		 stall_since_us; /* data waiting and no write since */
	int64_t		 swept_us;	/* last slow-client sweep that saw it */
	struct http_txn	 http;		/* plain HTTP requests only */
	int		 close_code;	/* nonzero: close on next WRITEABLE */
	int		 closing;	/* the peer sent a close frame */
	int		 batch;		/* ?batch=1: arrays of messages */
	struct tk_pace	 pace;		/* coalesced writes */
	int64_t		 max_delay_us;	/* ?max_delay_ms, or -1: the default */
	uint64_t	 resume_end;	/* replaying (not conflated) below it */
	char		 close_reason[CLOSE_REASON_MAX];
};

/* A connection that has not sent a whole request head yet (listen.c). */
struct head_wait {
	struct lws	*wsi;
	int		 evicted;	/* closed for a newer connection */
};

struct quote_pos {
	uint64_t	 key;		/* hash of exchange, symbol, type; 0 free */
	uint64_t	 pos;
};

/* Per-exchange counters for /metrics and /health. */
struct ex_stats {
	char		 name[TK_NAME_MAX];
	uint64_t	 ticks[TK_TICK_TYPE_MAX];
	int64_t		 last_tick_us;	/* realtime µs */
	struct tk_hist	 lag;		/* exchange ts -> receive */
};

/* A flush pass (flush.c), from publisher_flush_begin() to _end(). */
struct pub_flush {
	struct lws_dll2		*last;		/* client the last step ended on */
	int64_t			 next;		/* earliest due with data waiting */
	int64_t			 first;		/* earliest due of any client */
	uint64_t		 oldest;	/* cursor of the most behind */
	int64_t			 min_cap;	/* least max delay of any client */
};

struct publisher {
	struct tickerd		*td;
	struct lws_vhost	*vh_tcp, *vh_unix;
	struct lws_vhost	*vh_act;	/* socket activation */
	struct slot		*ring;
	size_t			 ring_mask;
	uint64_t		 head;		/* next ring position */
	uint64_t		 seq;		/* last tick seq handed out */
	uint64_t		 gone_key;	/* ring_key() of the last slot
						   overwritten; 0: none yet */
	char			 epoch[EPOCH_MAX]; /* this run's, see session.c */
	struct tk_latest	*latest;
	struct tk_keyspace	*keys;		/* configured names; only grows */
	struct status_entry	*status;
	size_t			 nstatus;
	struct lws_dll2_owner	 clients;
	unsigned char		*scratch;	/* LWS_PRE + SCRATCH_BYTES */
	struct ex_stats		*ex;
	size_t			 nex;
	struct pub_stats	 stats;
	/* last ring position of each conflated (exchange, symbol, type) */
	struct quote_pos	*qpos;
	size_t			 qpos_mask;
	uint64_t		 conflate_lag;	/* lag past which quotes conflate */
	size_t			 priv_bytes;	/* sum of priv_cap past PRIV_RESERVE */
	unsigned		 max_clients;	/* clients.max within the fd limit */
	unsigned		 conns;		/* open connections, any kind */
	/* connections still in their request head, oldest first */
	struct head_wait	*heads;
	size_t			 nheads, heads_cap;
	unsigned		 evicted;	/* of those, closing */
	struct log_limit	 log_origin, log_host, log_slow;
	size_t			 priv_client_max;
	int64_t			 coalesce_max_us; /* publisher_set_coalesce() */
	uint64_t		 rate_head;	/* head at rate_t0_us */
	int64_t			 rate_t0_us;	/* monotonic */
	double			 rate;		/* messages per µs, recent */
	struct pub_flush	 flush;		/* the pass in progress */
	struct tk_waker		*waker;		/* the pump's; borrowed */
	struct tk_bbo		*bbo;		/* fed quotes and states */
	int64_t			 bbo_warn_us;	/* last bbo error logged */
	uint64_t		 bbo_errors;	/* since then, not logged */
	lws_sorted_usec_list_t	 sul_cull;
};

/* ---- ring.c ---- */

/*
 * Allocates a ring of @slots (a power of two) and the scratch buffer of
 * coalesced sends.  -ENOMEM; ring_free() copes with half of it.
 */
int	 ring_alloc(struct publisher *, size_t slots);
void	 ring_free(struct publisher *);

/*
 * Publishing: claim the head slot, write the message LWS_PRE bytes into
 * slot_payload() (or, too long for it, slot_store_big()), then commit.
 */
struct slot	*ring_claim(struct publisher *);
unsigned char	*slot_payload(struct slot *);
/* @msg (@len bytes, formatted elsewhere) did not fit inline: -ENOMEM. */
int	 slot_store_big(struct slot *, const char *msg, size_t len);
void	 ring_commit(struct publisher *, struct slot *, size_t len);
/*
 * @s is a new quote, funding or bbo: the previous one of its (exchange,
 * symbol, type) is stale, and lagging clients skip it (conflation).
 */
void	 ring_supersede(struct publisher *, const struct slot *s);

/*
 * Everything pending in the ring for @c that passes its filter, in one
 * send (as a JSON array in batch mode); advances its cursor.  <0 when the
 * write failed.
 */
int	 ring_write(struct publisher *, struct client *c);

/*
 * Resume: into *@pos the ring position of the first message published
 * after the tick numbered @since.  -ESTALE when some message after it is
 * no longer held (the client has a gap).
 */
int	 ring_resume(const struct publisher *, uint64_t since, uint64_t *pos);
/* The seq of the oldest tick the ring holds (or of the next to come). */
uint64_t ring_oldest_seq(const struct publisher *);
/* Receive or publish time of the oldest message held (realtime), or 0. */
int64_t	 ring_oldest_us(const struct publisher *);

/* ---- client.c ---- */

/*
 * Closes @c with @code and @why (copied, cut to valid UTF-8) on its next
 * WRITEABLE, which is asked for here; the first reason given wins.  Its
 * queued replies are dropped at once (the close goes before them anyway),
 * and it is gone within CLOSE_GRACE_S even if it never reads again.
 */
void	 client_close(struct client *c, int code, const char *why);
/*
 * A new client on @wsi: counted, its batch mode and filter read from the
 * query.  0 when its session may open (session_open()); -1 when it is
 * being closed already (too many clients, a bad query).
 */
int	 client_established(struct publisher *, struct client *c,
	    struct lws *wsi);
/* Queues @payload (@len bytes) as a frame of its own for @c. */
void	 client_reply(struct publisher *, struct client *c, const char *payload,
	    size_t len);
/*
 * Queues the latest tick of every key @c's filter passes and every
 * exchange's status; live messages follow from the ring head.
 */
void	 client_send_snapshot(struct publisher *, struct client *c);
void	 client_closed(struct publisher *, struct client *c);
void	 client_receive(struct publisher *, struct client *c, const void *in,
	    size_t len);
/*
 * Compiles @c's filter again over pub->keys, after a reload added names
 * to it (a filter compiled before stays right, matching those by name).
 */
void	 client_recompile(struct publisher *, struct client *c);
/* LWS_CALLBACK_SERVER_WRITEABLE: returns what the callback returns. */
int	 client_writeable(struct publisher *, struct client *c);
/*
 * Ring messages for @c at @now (monotonic): a client lapped by the ring is
 * closed instead.  <0 on a failed write.
 */
int	 client_write_pending(struct publisher *, struct client *c,
	    int64_t now);
/*
 * The slow-client sweep (pub->sul_cull): closes clients lapped by the
 * ring, and clients with data waiting to which nothing could be written
 * for STALL_US.  Reschedules itself.
 */
void	 client_cull(lws_sorted_usec_list_t *sul);
/* The longest @c's ticks may be held back to share a write (µs). */
int64_t	 client_max_delay(const struct publisher *, const struct client *c);
/* The least time between two writes to @c (ticker/pace.h). */
int64_t	 client_pace_gap(const struct publisher *, const struct client *c);

/* ---- session.c ---- */

/* Sets pub->epoch, this run's; once, at start. */
void	 session_init_epoch(struct publisher *);
/*
 * A new client whose batch and filter keys are good: reads ?since,
 * ?epoch and ?max_delay_ms (bad ones close it with 1008 and a reason),
 * then queues the hello and either places its cursor to resume or queues
 * a gap (when it cannot) and the snapshot.
 */
void	 session_open(struct publisher *, struct client *c);

#endif
