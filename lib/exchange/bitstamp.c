/* SPDX-License-Identifier: MIT */
/*
 * Bitstamp WebSocket API v2 public channels: subscribe messages and frame
 * parsing (tests/fixtures/bitstamp/PROVENANCE.md has the protocol notes).
 *
 * Trades come from live_trades_<pair>.  Bitstamp has no top-of-book
 * channel, so quotes come from order_book_<pair>, which pushes the whole
 * top-100 book on every change: bids[0] and asks[0] are the quote.  Every
 * frame is {"event":..,"channel":..,"data":..}; the pair is only in the
 * channel name.  Numbers come twice, as JSON numbers and as strings; only
 * the strings are read ("1E-8" occurs there too).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "exchange.h"

/* 9999-12-31T23:59:59Z: later "times" are garbage. */
#define SEC_MAX		INT64_C(253402300799)
#define US_MAX		(SEC_MAX * 1000000 + 999999)

#define SUB_HEAD	"{\"event\":\"bts:subscribe\",\"data\":{\"channel\":\""
#define SUB_TAIL	"\"}}"

/* Bitstamp documents a 90-day maximum connection age. */
#define MAX_AGE_S	(90u * 24 * 3600)

/* Channel name prefixes in subscription order, one per tick type. */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "live_trades_", "" },
	{ TK_TICK_QUOTE, "order_book_", "" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum event {
	EV_TRADE,
	EV_DATA,		/* some order book; the channel says which */
	EV_RECONNECT,
	EV_ERROR,
};

/* Hot events first: the list is searched linearly. */
static const struct tk__name events[] = {
	{ "trade", EV_TRADE },
	{ "data", EV_DATA },
	{ "bts:heartbeat", TK__NAME_CONTROL },
	{ "bts:subscription_succeeded", TK__NAME_CONTROL },
	{ "bts:unsubscription_succeeded", TK__NAME_CONTROL },
	{ "bts:request_reconnect", EV_RECONNECT },
	{ "bts:error", EV_ERROR },
	/* live_orders market data */
	{ "order_created", TK__NAME_UNUSED },
	{ "order_changed", TK__NAME_UNUSED },
	{ "order_deleted", TK__NAME_UNUSED },
};
#define NEVENTS		(sizeof(events) / sizeof(events[0]))

static int	 bitstamp_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 bitstamp_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 bitstamp_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_trade(struct tk__frame *, json_t *o, json_t *data);
static void	 parse_book(struct tk__frame *, json_t *o, json_t *data);
static void	 parse_error(struct tk__frame *, json_t *data);
static int	 get_data(struct tk__frame *, json_t *o, const char *ev,
		    json_t **out);
static int	 get_pair(struct tk__frame *, json_t *o, const char *ev,
		    const char *prefix, const char **pair, size_t *len);
static int	 get_level(struct tk__frame *, json_t *data, const char *key,
		    struct tk_dec *px, struct tk_dec *qty);
static int	 get_time(struct tk__frame *, json_t *data, const char *ev,
		    int64_t *us);
static int	 get_digits(struct tk__frame *, json_t *v, const char *ev,
		    const char *key, int64_t max, int64_t *out);
static int	 get_side(struct tk__frame *, json_t *data, enum tk_side *out);

const struct tk_adapter tk__adapter_bitstamp = {
	.name = "bitstamp",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.bitstamp.net",
	.types = TK_TYPES_ALL,
	.native_symbol = bitstamp_native_symbol,
	.subscribe = bitstamp_subscribe,
	.parse = bitstamp_parse,
	/* What crypto-ws-client sends; the reply is a bts:heartbeat event. */
	.ping_message = "{\"event\":\"bts:heartbeat\"}",
	.ping_interval_s = 10,
	.max_connection_s = MAX_AGE_S,
};

/* "BTC-USD" -> "btcusd", the suffix of the channel names. */
static int
bitstamp_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '\0', true, buf, cap);
}

/*
 * Bitstamp takes one channel per bts:subscribe, so message @i is the @i-th
 * (symbol, wanted channel) pair, symbols in map order, channels in table
 * order within each symbol.
 */
static int
bitstamp_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct tk__sub s;

	tk__sub_init(&s, map, channels, NCHANNELS, types);
	s.head = SUB_HEAD;
	s.tail = SUB_TAIL;
	s.max_items = 1;
	return tk__sub_write(&s, i, buf, cap);
}

static void
bitstamp_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, 0, parse_object);
}

static void
parse_object(struct tk__frame *f, json_t *o)
{
	json_t *data = NULL;
	int ev = tk__json_name_value(f, json_object_get(o, "event"), "frame",
	    "event", events, NEVENTS);

	if (ev < 0)
		return;
	switch ((enum event)ev) {
	case EV_TRADE:
		if (get_data(f, o, "trade", &data) == 0)
			parse_trade(f, o, data);
		break;
	case EV_DATA:
		if (get_data(f, o, "data", &data) == 0)
			parse_book(f, o, data);
		break;
	case EV_RECONNECT:
		/* Maintenance: "data" is "", {} or null depending on who
		 * reports it, and says nothing either way. */
		tk__frame_set(f, TK_FRAME_RECONNECT, "bts:request_reconnect");
		break;
	case EV_ERROR:
		parse_error(f, json_object_get(o, "data"));
		break;
	}
}

/* "type" is the taker's side; prices and sizes from the _str copies. */
static void
parse_trade(struct tk__frame *f, json_t *o, json_t *data)
{
	static const char ev[] = "trade";
	struct tk_tick t;
	const char *pair = NULL;
	size_t plen = 0;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_pair(f, o, ev, "live_trades_", &pair, &plen) < 0 ||
	    tk__json_dec(f, data, ev, "price_str", 0, &t.price) < 0 ||
	    tk__json_dec(f, data, ev, "amount_str", 0, &t.size) < 0 ||
	    tk__json_id_int(f, data, ev, "id", t.trade_id) < 0 ||
	    get_side(f, data, &t.side) < 0 ||
	    get_time(f, data, ev, &t.ts) < 0)
		return;
	tk__emit(f, &t, pair, plen, 0);
}

/*
 * Only order_book_<pair> is a whole book; diff_order_book_ and
 * detail_order_book_ are market data we never ask for.  An empty side has
 * no best level: that side is "no value".  A book with both sides empty
 * says nothing about the top of book, so it yields no tick.
 */
static void
parse_book(struct tk__frame *f, json_t *o, json_t *data)
{
	static const char ev[] = "order_book";
	const char *ch = json_string_value(json_object_get(o, "channel"));
	struct tk_tick t;
	const char *pair = NULL;
	size_t plen = 0;

	if (ch != NULL && strncmp(ch, "order_book_", 11) != 0) {
		tk__frame_classify(f, TK_FRAME_DATA);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_pair(f, o, ev, "order_book_", &pair, &plen) < 0 ||
	    get_level(f, data, "bids", &t.bid, &t.bid_size) < 0 ||
	    get_level(f, data, "asks", &t.ask, &t.ask_size) < 0 ||
	    get_time(f, data, ev, &t.ts) < 0)
		return;
	if (!t.bid.valid && !t.ask.valid)
		return;
	tk__emit(f, &t, pair, plen, 0);
}

/* {"event":"bts:error","data":{"code":null,"message":"..."}} */
static void
parse_error(struct tk__frame *f, json_t *data)
{
	json_t *code = json_object_get(data, "code");
	const char *msg = json_string_value(json_object_get(data, "message"));

	if (msg == NULL)
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR,
		    "bts:error without a message");
	else if (json_is_integer(code))
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "code %" JSON_INTEGER_FORMAT
		    ": %s", json_integer_value(code), msg);
	else if (json_is_string(code))
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "code %s: %s",
		    json_string_value(code), msg);
	else
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s", msg);
	tk__frame_scrub(f);
}

static int
get_data(struct tk__frame *f, json_t *o, const char *ev, json_t **out)
{
	json_t *d = json_object_get(o, "data");

	if (d == NULL)
		return tk__frame_fail(f, ev, "data", "is missing");
	if (!json_is_object(d))
		return tk__frame_fail(f, ev, "data", "is not an object");
	*out = d;
	return 0;
}

/* The native pair is what follows @prefix in "channel". */
static int
get_pair(struct tk__frame *f, json_t *o, const char *ev, const char *prefix,
    const char **pair, size_t *len)
{
	json_t *v = json_object_get(o, "channel");
	const char *s = json_string_value(v);
	size_t plen = strlen(prefix), n = json_string_length(v);

	if (v == NULL)
		return tk__frame_fail(f, ev, "channel", "is missing");
	if (s == NULL)
		return tk__frame_fail(f, ev, "channel", "is not a string");
	if (n <= plen || strncmp(s, prefix, plen) != 0)
		return tk__frame_fail_value(f, ev, "channel", v, prefix[0] == 'l' ?
		    "is not live_trades_<pair>" : "is not order_book_<pair>");
	*pair = s + plen;
	*len = n - plen;
	return 0;
}

/* The best level of one side: [["price","amount"], ...], best first. */
static int
get_level(struct tk__frame *f, json_t *data, const char *key, struct tk_dec *px,
    struct tk_dec *qty)
{
	static const char ev[] = "order_book";
	json_t *side = json_object_get(data, key), *lvl;
	struct tk_dec d[2];
	char name[16];
	size_t k;

	if (side == NULL)
		return tk__frame_fail(f, ev, key, "is missing");
	if (!json_is_array(side))
		return tk__frame_fail(f, ev, key, "is not an array");
	if (json_array_size(side) == 0)
		return 0;		/* decimals stay invalid */
	lvl = json_array_get(side, 0);
	snprintf(name, sizeof(name), "%s[0]", key);
	if (!json_is_array(lvl) || json_array_size(lvl) < 2)
		return tk__frame_fail(f, ev, name, "is not a [price, amount] array");
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "%s[0][%zu]", key, k);
		if (tk__json_dec_value(f, json_array_get(lvl, k), ev, name, 0,
		    &d[k]) < 0)
			return -1;
	}
	*px = d[0];
	*qty = d[1];
	return 0;
}

/* microtimestamp (µs, as a string) if present, else timestamp (s). */
static int
get_time(struct tk__frame *f, json_t *data, const char *ev, int64_t *us)
{
	json_t *v;
	int64_t t = 0;

	if ((v = json_object_get(data, "microtimestamp")) != NULL) {
		if (get_digits(f, v, ev, "microtimestamp", US_MAX, &t) < 0)
			return -1;
		*us = t;
		return 0;
	}
	if ((v = json_object_get(data, "timestamp")) == NULL)
		return tk__frame_fail(f, ev, "microtimestamp",
		    "is missing (and so is \"timestamp\")");
	if (get_digits(f, v, ev, "timestamp", SEC_MAX, &t) < 0)
		return -1;
	*us = t * 1000000;
	return 0;
}

/* A non-negative integer sent as a string of digits, at most @max. */
static int
get_digits(struct tk__frame *f, json_t *v, const char *ev, const char *key,
    int64_t max, int64_t *out)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i;
	int64_t t = 0;

	if (s == NULL)
		return tk__frame_fail(f, ev, key, "is not a string");
	if (len == 0)
		return tk__frame_fail_value(f, ev, key, v, "is not a number");
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return tk__frame_fail_value(f, ev, key, v, "is not a number");
		/* Stop before overflow: anything past @max is bad anyway. */
		if (t > (max - (s[i] - '0')) / 10)
			return tk__frame_fail_value(f, ev, key, v, "is after year 9999");
		t = t * 10 + (s[i] - '0');
	}
	*out = t;
	return 0;
}

/* "type": 0 the taker bought, 1 the taker sold; absent: not said. */
static int
get_side(struct tk__frame *f, json_t *data, enum tk_side *out)
{
	json_t *v = json_object_get(data, "type");

	if (v == NULL) {
		*out = TK_SIDE_UNKNOWN;
		return 0;
	}
	if (!json_is_integer(v))
		return tk__frame_fail(f, "trade", "type", "is not an integer");
	switch (json_integer_value(v)) {
	case 0:
		*out = TK_SIDE_BUY;
		return 0;
	case 1:
		*out = TK_SIDE_SELL;
		return 0;
	default:
		return tk__frame_fail(f, "trade", "type", "is not 0 or 1");
	}
}

