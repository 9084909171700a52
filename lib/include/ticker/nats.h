/* SPDX-License-Identifier: MIT */
#ifndef TICKER_NATS_H
#define TICKER_NATS_H

/*
 * Scaling out over NATS JetStream: the pure parts, no network.  An ingest
 * host publishes every merged message on a subject of its own, with a body
 * and a deduplication id that any other host fed the same exchange message
 * writes byte for byte the same; an edge host parses the bodies back.
 *
 *   ticks   <subject>.<type>.<exchange>.<symbol>   ticks.trade.binance.BTC-USDT
 *   status  <subject>.status.<exchange>           ticks.status.binance
 *   id      <exchange>:<symbol>:<type>:<id>       binance:BTC-USDT:trade:12345
 *
 * A subject token may not hold '.', '*', '>', whitespace or control bytes:
 * such bytes, and '%' itself, are written as "%XX" (upper-case hex), so
 * that distinct names give distinct tokens and every token stays literal.
 * The names tickerd's config accepts today never need it.
 *
 * All functions write NUL-terminated text and return its length, or
 * -ENOSPC when @cap is too small, -EINVAL for a bad argument.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/state.h>
#include <ticker/tick.h>

#define TK_NATS_SUBJECT_MAX	256	/* enough for every subject below */
#define TK_NATS_MSGID_MAX	256	/* enough for every id below */
#define TK_NATS_BODY_MAX	TK_TICK_JSON_MAX
#define TK_NATS_SERVERS_MAX	16
#define TK_NATS_NAME_MAX	32	/* stream names, incl. NUL */
/*
 * Exchanges one edge expects behind one nats source: its snapshot table
 * is sized for this many times its symbols.
 */
#define TK_NATS_ORIGINS_MAX	16

/* Where a stream tickerd creates keeps its messages. */
enum tk_nats_storage {
	TK_NATS_FILE,			/* on disk: survives a restart */
	TK_NATS_MEMORY			/* in memory: gone with the server */
};

/* publish.nats: where and how an ingest host publishes. */
struct tk_nats_publish_conf {
	char		**servers;	/* nats://HOST:PORT */
	size_t		 nservers;
	char		*stream;	/* JetStream stream, created if missing */
	char		*subject;	/* subject prefix, "ticks" */
	unsigned	 replicas;	/* for a stream it creates */
	enum tk_nats_storage storage;	/* ditto */
	uint64_t	 max_age_s;	/* ditto; 0: no age limit */
	uint64_t	 duplicate_window_s; /* ditto */
	unsigned	 max_pending;	/* publishes awaiting their ack */
};

/* An exchange entry with "adapter":"nats": where an edge reads. */
struct tk_nats_source_conf {
	char		**servers;
	size_t		 nservers;
	char		*stream;
	char		*subject;
};

/* One subject token for @name (see above); never empty. */
int	tk_nats_token(const char *name, char *buf, size_t cap);

/* "<prefix>.<type>.<exchange>.<symbol>" for @t. */
int	tk_nats_tick_subject(const char *prefix, const struct tk_tick *t,
	    char *buf, size_t cap);

/* "<prefix>.status.<exchange>". */
int	tk_nats_status_subject(const char *prefix, const char *exchange,
	    char *buf, size_t cap);

/*
 * The hash of what the exchange said in @t (every field but recv_ts, seq
 * and the names): two hosts that parsed the same exchange message get the
 * same value, a host that received it at another time too.
 */
uint64_t tk_nats_tick_hash(const struct tk_tick *t);

/*
 * The Nats-Msg-Id of @t: "<exchange>:<symbol>:<type>:<id>", with the trade
 * id for trades that have one and otherwise tk_nats_tick_hash() as 16 hex
 * digits.  Bytes of the trade id outside printable ASCII, and '%', are
 * written as "%XX" (a header value is one line).
 */
int	tk_nats_msg_id(const struct tk_tick *t, char *buf, size_t cap);

/* The body of @t: its client JSON without "seq" (and never "snapshot"). */
int	tk_nats_tick_body(const struct tk_tick *t, char *buf, size_t cap);

struct tk_nats_status {
	char		 exchange[TK_NAME_MAX];
	enum tk_state	 state;
	char		 detail[TK_STATUS_DETAIL_MAX];
};

enum tk_nats_kind {
	TK_NATS_TICK = 0,
	TK_NATS_STATUS,
};

/*
 * Parses a body an ingest host published: a tick into *@t (seq 0; prices
 * stay exact decimals) or a status into *@st, and says which in *@kind.
 * Keys it does not know are ignored (a newer ingest may add some).
 * Returns 0, or -EINVAL with a reason in @err (may be NULL).
 */
int	tk_nats_body_parse(const char *body, size_t len,
	    enum tk_nats_kind *kind, struct tk_tick *t,
	    struct tk_nats_status *st, char *err, size_t errlen);

/* What the reply subject of a JetStream message says about it. */
struct tk_nats_ack {
	uint64_t	 sseq;		/* its stream sequence */
	uint64_t	 pending;	/* messages after it, for the consumer */
	int64_t		 stamp;		/* stored at, ns since the epoch (UTC) */
};

/*
 * Parses the reply subject of a JetStream message
 * ("$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>",
 * or the longer form with domain and account hash).  0 or -EINVAL.
 */
int	tk_nats_ack_parse(const char *reply, struct tk_nats_ack *ack);

/*
 * A copy of @n strings (a server list, symbols) in one allocation: free()
 * the result and all is gone.  NULL on OOM.
 */
char	**tk_nats_strv_dup(const char *const *v, size_t n);

/* A literal subject: tokens of printable ASCII, no wildcard.  Bool. */
int	tk_nats_subject_valid(const char *s);
/* A stream name JetStream accepts: 1-31 of A-Z a-z 0-9 _ -.  Bool. */
int	tk_nats_stream_valid(const char *s);
/* "nats://HOST:PORT" (PORT optional).  Bool. */
int	tk_nats_url_valid(const char *s);

#endif
