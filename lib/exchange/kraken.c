/* SPDX-License-Identifier: MIT */
/*
 * Kraken spot WebSocket v2 public market data: subscribe messages and frame
 * parsing (tests/fixtures/kraken/PROVENANCE.md has the protocol notes).
 *
 * Unlike most exchanges, v2 sends prices and sizes as JSON numbers, read
 * with tk__json_num(): jansson keeps "0.5117" a real and "40" an integer;
 * reals go through tk_dec_from_double(), which gives back the shortest
 * text that reads as the same double: exactly the digits Kraken printed
 * when it sent at most 15 significant ones (every price and size seen so
 * far), and integers through tk_dec_from_int().  jansson has no raw-number
 * mode, so longer numbers can only come back as the shortest text of the
 * nearest double.
 * Times are RFC 3339 text.
 */

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "exchange.h"

/*
 * Kraken documents no limit on symbols per request; chunks of 100 keep
 * every message under 4 KiB (native names are at most 31 bytes), small
 * enough for any sender buffer and for the server.
 */
#define SUB_MAX_SYMBOLS	100

/* A side of the book may be null (empty), never left out. */
#define NULL_OK		TK__DEC_NULL_OK

/*
 * Subscription channels, one per tick type we offer, in message order.
 * Trades: snapshot false, because a trade snapshot replays the last 50
 * trades, which a live ticker must not publish again after every
 * reconnect.  Ticker: event_trigger "bbo" updates on every best bid/offer
 * change (the default "trades" only on trades), and its snapshot is the
 * book top right now, so it is wanted.  Here pre is the message up to the
 * symbol list, post what follows it up to the req_id value.
 */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE,
	    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\","
	    "\"symbol\":[",
	    "],\"snapshot\":false},\"req_id\":" },
	{ TK_TICK_QUOTE,
	    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\","
	    "\"symbol\":[",
	    "],\"event_trigger\":\"bbo\",\"snapshot\":true},\"req_id\":" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum channel {
	CH_TRADE,
	CH_TICKER,
};

/*
 * Hot channels first: the list is searched linearly.  TK__NAME_UNUSED is
 * market data we never subscribe to.
 */
static const struct tk__name channel_names[] = {
	{ "trade", CH_TRADE },
	{ "ticker", CH_TICKER },
	{ "heartbeat", TK__NAME_CONTROL },
	{ "status", TK__NAME_CONTROL },
	{ "book", TK__NAME_UNUSED },
	{ "level3", TK__NAME_UNUSED },
	{ "ohlc", TK__NAME_UNUSED },
	{ "instrument", TK__NAME_UNUSED },
};
#define NCHANNEL_NAMES	(sizeof(channel_names) / sizeof(channel_names[0]))

static int	 kraken_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 kraken_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 kraken_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);


static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_reply(struct tk__frame *, json_t *o, json_t *method);
static void	 parse_channel(struct tk__frame *, json_t *o, json_t *channel);
static void	 parse_data(struct tk__frame *, json_t *o, enum channel);
static int	 parse_trade(struct tk__frame *, json_t *o, int publish);
static int	 parse_ticker(struct tk__frame *, json_t *o);

const struct tk_adapter tk__adapter_kraken = {
	.name = "kraken",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.kraken.com/v2",
	.types = TK_TYPES_ALL,
	.native_symbol = kraken_native_symbol,
	.subscribe = kraken_subscribe,
	.parse = kraken_parse,
	/* The server sends heartbeats; WebSocket pings do the rest. */
	.ping_message = NULL,
	.ping_interval_s = 0,
	.max_connection_s = 0,
};

/*
 * "BTC-USD" -> "BTC/USD".  v2 uses modern codes (BTC, DOGE), so no
 * XBT/XDG renaming: a configured "XBT-USD" stays "XBT/USD" and Kraken
 * rejects it in the subscribe ack, which says so in its own words.
 */
static int
kraken_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '/', false, buf, cap);
}

/*
 * One message per wanted channel (trade before ticker) and chunk of
 * SUB_MAX_SYMBOLS symbols, with req_id i + 1 so that acks can be matched.
 */
static int
kraken_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	size_t nsym = tk_symmap_count(map), nchunks;
	struct tk__sub want, s;

	tk__sub_init(&want, map, channels, NCHANNELS, types);
	if (nsym == 0)
		return 0;
	nchunks = (nsym + SUB_MAX_SYMBOLS - 1) / SUB_MAX_SYMBOLS;
	if (i / nchunks >= want.nchans)
		return 0;
	tk__sub_init(&s, map, NULL, 0, types);
	s.flags = TK__SUB_QUOTE;
	s.head = want.chans[i / nchunks]->pre;
	s.tail = want.chans[i / nchunks]->post;
	s.end = "}";
	s.id0 = i - i % nchunks + 1;
	s.max_items = SUB_MAX_SYMBOLS;
	return tk__sub_write(&s, (unsigned)(i % nchunks), buf, cap);
}

/*
 * The status frame's connection_id (13834774380200032777) does not fit in
 * an int64, which jansson refuses; such frames are read again with every
 * integer as a double rather than lost.
 */
static void
kraken_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, TK__PARSE_REALS_ON_OVERFLOW,
	    parse_object);
}

/*
 * Pushed data has a "channel", replies to our requests a "method"; a
 * request the server could not even read gets a bare "error".
 */
static void
parse_object(struct tk__frame *f, json_t *o)
{
	json_t *channel = json_object_get(o, "channel");
	json_t *method = json_object_get(o, "method");
	json_t *error = json_object_get(o, "error");

	if (channel != NULL)
		parse_channel(f, o, channel);
	else if (method != NULL)
		parse_reply(f, o, method);
	else if (json_is_string(error))
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s",
		    json_string_value(error));
	else
		tk__frame_set(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
		    "\"channel\", \"method\" or \"error\"");
}

/*
 * {"method":"subscribe","success":true|false,"error":..}, one per symbol
 * (a rejection: {"error":"Currency pair not supported XBT/USD",
 * "method":"subscribe","success":false,"symbol":"XBT/USD",..}), or
 * {"method":"pong"} without "success".
 */
static void
parse_reply(struct tk__frame *f, json_t *o, json_t *method)
{
	const char *name = json_string_value(method);
	json_t *ok = json_object_get(o, "success");
	json_t *err = json_object_get(o, "error");
	json_t *sym = json_object_get(o, "symbol");

	if (name == NULL) {
		tk__frame_fail(f, "reply", "method", "is not a string");
	} else if (ok == NULL || json_is_true(ok)) {
		tk__frame_classify(f, TK_FRAME_CONTROL);
	} else if (!json_is_boolean(ok)) {
		tk__frame_fail(f, name, "success", "is not a boolean");
	} else if (!json_is_string(err)) {
		/* A failure is news even when it does not say why. */
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s failed", name);
	} else if (json_is_string(sym) && strstr(json_string_value(err),
	    json_string_value(sym)) == NULL) {
		/* "Rate limit ... exceeded" says not for which symbol. */
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s %s: %s", name,
		    json_string_value(sym), json_string_value(err));
	} else {
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s: %s", name,
		    json_string_value(err));
	}
}

static void
parse_channel(struct tk__frame *f, json_t *o, json_t *channel)
{
	/*
	 * Kraken adds channels now and then: CONTROL, not garbage, as are
	 * heartbeat and status (online, maintenance, ...: news for people,
	 * but reconnecting would not change it).
	 */
	int ch = tk__json_name_value(f, channel, "frame", "channel",
	    channel_names, NCHANNEL_NAMES);

	if (ch >= 0)
		parse_data(f, o, (enum channel)ch);
}

/*
 * {"channel":..,"type":"snapshot"|"update","data":[{..},..]}.  Items are
 * emitted as they are read; a bad item stops the frame there (MALFORMED,
 * with nticks counting the good ones already published).
 */
static void
parse_data(struct tk__frame *f, json_t *o, enum channel ch)
{
	const char *ev = ch == CH_TRADE ? "trade" : "ticker";
	json_t *type = json_object_get(o, "type");
	json_t *data = json_object_get(o, "data"), *item;
	const char *tname = json_string_value(type);
	int snapshot, r;
	size_t i;

	if (type == NULL) {
		tk__frame_fail(f, ev, "type", "is missing");
		return;
	}
	if (tname == NULL || (strcmp(tname, "update") != 0 &&
	    strcmp(tname, "snapshot") != 0)) {
		tk__frame_fail(f, ev, "type", "is not \"snapshot\" or \"update\"");
		return;
	}
	snapshot = tname[0] == 's';
	if (data == NULL) {
		tk__frame_fail(f, ev, "data", "is missing");
		return;
	}
	if (!json_is_array(data)) {
		tk__frame_fail(f, ev, "data", "is not an array");
		return;
	}
	json_array_foreach(data, i, item) {
		if (!json_is_object(item)) {
			tk__frame_set(f, TK_FRAME_MALFORMED,
			    "%s: data[%zu] is not an object", ev, i);
			return;
		}
		/* Trade snapshots replay old trades: checked, not published. */
		r = ch == CH_TRADE ? parse_trade(f, item, !snapshot) :
		    parse_ticker(f, item);
		if (r < 0)
			return;
	}
}

/* "side" is the taker's; "timestamp" the trade's, to the microsecond. */
static int
parse_trade(struct tk__frame *f, json_t *o, int publish)
{
	static const char ev[] = "trade";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__json_str(f, o, ev, "symbol", &sym) < 0 ||
	    tk__json_num(f, o, ev, "price", 0, &t.price) < 0 ||
	    tk__json_num(f, o, ev, "qty", 0, &t.size) < 0 ||
	    tk__json_id_int(f, o, ev, "trade_id", t.trade_id) < 0 ||
	    tk__json_side(f, o, ev, "side", "buy", "sell", false,
	    &t.side) < 0 ||
	    tk__json_iso(f, o, ev, "timestamp", true, &t.ts) < 0)
		return -1;
	tk__emit_json(f, &t, sym, publish ? 0 : TK__EMIT_QUIET);
	return 0;
}

/*
 * Only the book top is taken (last, volume, change... are not quotes).
 * Older docs showed no timestamp: receive time stands in then.  A null
 * side (never seen, but an empty book has no best price) is "no value".
 */
static int
parse_ticker(struct tk__frame *f, json_t *o)
{
	static const char ev[] = "ticker";
	struct tk_tick t;
	json_t *sym;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (tk__json_str(f, o, ev, "symbol", &sym) < 0 ||
	    tk__json_num(f, o, ev, "bid", NULL_OK, &t.bid) < 0 ||
	    tk__json_num(f, o, ev, "bid_qty", NULL_OK, &t.bid_size) < 0 ||
	    tk__json_num(f, o, ev, "ask", NULL_OK, &t.ask) < 0 ||
	    tk__json_num(f, o, ev, "ask_qty", NULL_OK, &t.ask_size) < 0 ||
	    (r = tk__json_iso(f, o, ev, "timestamp", false, &t.ts)) < 0)
		return -1;
	if (r == 0)
		t.ts = f->ctx->recv_ts;
	tk__emit_json(f, &t, sym, 0);
	return 0;
}
