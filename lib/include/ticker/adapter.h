/* SPDX-License-Identifier: MIT */
#ifndef TICKER_ADAPTER_H
#define TICKER_ADAPTER_H

/*
 * Exchange adapters: what tickerd knows of each exchange's public protocol,
 * as pure functions (no network, no logging).  The daemon looks one up by
 * the config's "adapter" name, sends what subscribe() writes after every
 * connect and hands every complete text frame to parse().
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/tick.h>

struct tk_symmap;

/* What one frame turned out to be. */
enum tk_frame_kind {
	TK_FRAME_DATA = 0,	/* market data: res->nticks ticks emitted */
	TK_FRAME_CONTROL,	/* ack, pong, heartbeat, info: not data */
	TK_FRAME_RECONNECT,	/* the server asks us to reconnect now */
	TK_FRAME_EXCHANGE_ERROR, /* the exchange reports an error; see detail */
	TK_FRAME_MALFORMED,	/* not JSON / wrong shape / bad number */
};

#define TK_FRAME_DETAIL_MAX 160
#define TK_FRAME_REPLY_MAX 128

struct tk_frame_result {
	enum tk_frame_kind kind;
	unsigned	 nticks;	/* ticks emitted */
	unsigned	 unknown;	/* data for symbols nobody configured */
	char		 detail[TK_FRAME_DETAIL_MAX]; /* error/malformed text */
	/*
	 * A text message the exchange wants sent back on this connection
	 * now, "" for none: an application-level heartbeat that must be
	 * answered (Deribit's test_request wants public/test).  The daemon
	 * sends it before anything else it has to send; a replay ignores it.
	 */
	char		 reply[TK_FRAME_REPLY_MAX];
	/* the server greets: subscriptions may go now (adapter welcome_s) */
	unsigned	 welcome;
};

typedef void tk_emit_fn(void *ud, const struct tk_tick *t);

/* Everything parse() needs besides the bytes.  All borrowed. */
struct tk_codec_ctx {
	const char		*exchange;	/* configured name, put in ticks */
	const struct tk_symmap	*symbols;	/* native <-> unified */
	unsigned		 types;		/* TK_TYPE_BIT set wanted */
	int64_t			 recv_ts;	/* µs since epoch */
	tk_emit_fn		*emit;
	void			*emit_ud;
	/*
	 * Per-connection codec state for adapters whose frames are deltas
	 * (state_size() bytes, zeroed at every connect), or NULL.  Without
	 * it such an adapter publishes only what a frame fully states.
	 */
	void			*state;
	/*
	 * What the adapter's REST answers said before this connection
	 * (rest_parse()), or NULL: none were needed, or none are known (a
	 * replay).  Without them an adapter keeps the exchange's own numbers
	 * and says so in the ticks (OKX swap sizes stay in contracts).
	 */
	const void		*rest;
};

/*
 * REST before connect: for exchanges that must be asked something over
 * HTTPS before the WebSocket connect (OKX's contract values, KuCoin's
 * connect token).  The daemon makes these requests after every resolve
 * and before every connect, so reconnects ask again.
 */
#define TK_REST_PATH_MAX	512
#define TK_REST_BODY_MAX	512
#define TK_REST_URL_MAX		1024

/* One request, relative to the exchange's rest_url. */
struct tk_rest_request {
	const char	*method;		/* "GET" or "POST" (static) */
	char		 path[TK_REST_PATH_MAX];	/* "/api/...?q=1" */
	char		 body[TK_REST_BODY_MAX];	/* JSON; "" for none */
};

/*
 * What the answers tell the daemon itself, besides the codec's data.
 * Zeroed before the first answer, except @connect_id.
 */
struct tk_rest_connect {
	/* in: a fresh id for this attempt, for URLs that want one */
	char		 connect_id[32];
	/* out: connect there this time ("": the configured url) */
	char		 url[TK_REST_URL_MAX];
	/* out: the application ping's period in ms (0: the adapter's) */
	unsigned	 ping_interval_ms;
};

/*
 * What an adapter is, said explicitly (a zeroed field is none).  The
 * daemon connects a network adapter's source to default_url (or the
 * configured url), runs a local one without a network, and has a NATS one
 * read what other tickerd hosts published (servers, stream and subject of
 * ticker/nats.h).  Only network adapters have a URL and a codec.
 */
enum tk_adapter_kind {
	TK_ADAPTER_NETWORK = 1,	/* a WebSocket exchange: URL and codec */
	TK_ADAPTER_LOCAL,	/* generates or plays back ticks: sim, replay */
	TK_ADAPTER_NATS,	/* other hosts' ticks from JetStream: nats */
};

struct tk_adapter {
	const char	*name;		/* config "adapter" value */
	enum tk_adapter_kind kind;
	const char	*default_url;	/* network: the real endpoint; local:
					   NULL */
	unsigned	 types;		/* channels the exchange offers */
	/*
	 * Native symbol for unified BASE-QUOTE ("BTC-USDT" -> "BTCUSDT").
	 * Returns its length or -errno.
	 */
	int	(*native_symbol)(const char *unified, char *buf, size_t cap);
	/*
	 * Writes the @i-th message to send after connecting (0-based).
	 * Returns its length, 0 when there is no @i-th message, or -errno.
	 * The daemon calls it right before sending that message, so a
	 * protocol whose requests carry the time (Gate.io) reads the clock
	 * here; nothing else of the message may change from call to call.
	 */
	int	(*subscribe)(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
	/*
	 * Classifies one complete text frame and emits its ticks through
	 * ctx->emit (zero or more).  Never fails: bad input is reported in
	 * @res as TK_FRAME_MALFORMED.  @res is fully written, res->reply
	 * with a message to send back if the frame asks for one.
	 */
	void	(*parse)(const struct tk_codec_ctx *ctx, const char *frame,
		    size_t len, struct tk_frame_result *res);
	/*
	 * Application-level keep-alive, for exchanges whose servers drop
	 * connections that do not send one (OKX "ping", Bybit
	 * {"op":"ping"}): sent every ping_interval_s while connected.  NULL
	 * when WebSocket pings suffice.  Replies are CONTROL frames.
	 */
	const char	*ping_message;
	unsigned	 ping_interval_s;
	/*
	 * The exchange cuts every connection after this long (Binance: 24 h);
	 * the daemon rotates to a fresh one before.  0: no known limit.
	 */
	unsigned	 max_connection_s;
	/*
	 * The most subscriptions (symbols × wanted channels) the exchange
	 * lets one connection carry (Bitfinex: 25); the config loader
	 * refuses an exchange entry that needs more.  0: no known limit.
	 */
	unsigned	 max_subscriptions;
	/* Bytes of per-connection state parse() wants, or NULL for none. */
	size_t	(*state_size)(const struct tk_symmap *);
	/*
	 * Servers that greet each connection before they take requests
	 * (KuCoin's "welcome"): the daemon subscribes only after a frame
	 * whose result says res->welcome, and drops a connection that sends
	 * none within welcome_s.  0: subscribe right after the upgrade.
	 */
	unsigned	 welcome_s;
	/*
	 * REST before connect (NULL for exchanges without): the public REST
	 * base that rest_url defaults to ("https://www.okx.com").
	 */
	const char	*default_rest_url;
	/*
	 * Writes the @i-th request to make before connecting (0-based).
	 * Returns 1 with *@req written, 0 when there is no @i-th request
	 * (none at all: connect at once, e.g. OKX with spot symbols only),
	 * or -errno.
	 */
	int	(*rest_request)(const struct tk_symmap *, unsigned types,
		    unsigned i, struct tk_rest_request *req);
	/* Bytes of the data rest_parse() fills, for @map. */
	size_t	(*rest_size)(const struct tk_symmap *map);
	/*
	 * Reads the body of the @i-th answer (HTTP 2xx) into @data
	 * (rest_size() bytes, zeroed before answer 0) and @conn.  Pure: no
	 * clock, no I/O.  Returns 0, or -errno with one line in @err (the
	 * exchange's own error text where it sent one): the daemon then
	 * retries the whole step later, with backoff.
	 */
	int	(*rest_parse)(const struct tk_symmap *, unsigned i,
		    const char *body, size_t len, void *data,
		    struct tk_rest_connect *conn, char *err, size_t errlen);
};

/*
 * The registry is the only way to an adapter: the exchange codecs, "sim"
 * (ticker/sim.h), "replay" (ticker/replay.h) and "nats" (ticker/nats.h).
 * Adapters are static and live as long as the program.
 */

/* NULL if there is no adapter of that name. */
const struct tk_adapter	*tk_adapter_find(const char *name);
/* NULL-terminated list of all adapters, in documentation order. */
const struct tk_adapter *const *tk_adapter_all(void);

#endif
