/* SPDX-License-Identifier: MIT */
/*
 * Deribit API v2 (JSON-RPC 2.0 over WebSocket), public market data:
 * subscribe messages and frame parsing (tests/fixtures/deribit/PROVENANCE.md
 * has the protocol notes).
 *
 * Instruments: the inverse perpetuals and futures, the ones counted in
 * USD: "BTC-USD-PERP" is BTC-PERPETUAL, "BTC-USD-20261225" is BTC-25DEC26.
 * Their amounts are USD (contracts of 10 USD for BTC, 1 USD for ETH), not
 * BTC, so every tick says size_unit "quote".
 *
 * Channels: trades.<instrument>.100ms, quote.<instrument> and, for
 * funding, ticker.<instrument>.100ms.  The ".raw" intervals of trades and
 * ticker need an authorised session; the public ones are the 100 ms
 * aggregates, which still carry every trade (a 100 ms batch is an array
 * of trades).  Prices and amounts are JSON numbers, read with
 * tk__json_num() (the digits Deribit printed).
 *
 * Keep-alive: the first message after connecting is public/set_heartbeat;
 * from then on Deribit sends {"method":"heartbeat","params":{"type":
 * "test_request"}} every interval and closes the connection unless
 * public/test answers it: the frame's reply (res->reply).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "exchange.h"

/* Seconds between Deribit's test_requests (it allows 10 and more). */
#define HEARTBEAT_S		"30"
/* Channels per public/subscribe: messages stay under 4 KiB. */
#define SUB_MAX_CHANNELS	64

#define HEARTBEAT_MSG	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":" \
			"\"public/set_heartbeat\",\"params\":{\"interval\":" \
			HEARTBEAT_S "}}"
#define TEST_MSG	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":" \
			"\"public/test\",\"params\":{}}"
#define SUB_HEAD	"{\"jsonrpc\":\"2.0\",\"method\":" \
			"\"public/subscribe\",\"params\":{\"channels\":["
#define SUB_TAIL	"]},\"id\":"

/* Times: JSON integers in ms, always sent. */
#define MS		(TK__MS_INT | TK__MS_REQUIRED)

static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "trades.", ".100ms" },
	{ TK_TICK_QUOTE, "quote.", "" },
	{ TK_TICK_FUNDING, "ticker.", ".100ms" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

static const char months[12][4] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
	"JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
};

static int	 deribit_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 deribit_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 deribit_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static int	 expiry_native(const char *date, char *out, size_t cap);
static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_error(struct tk__frame *, json_t *err);
static void	 parse_heartbeat(struct tk__frame *, json_t *o);
static void	 parse_subscription(struct tk__frame *, json_t *o);
static void	 parse_trades(struct tk__frame *, json_t *data);
static void	 parse_trade(struct tk__frame *, json_t *item);
static void	 parse_quote(struct tk__frame *, json_t *data);
static void	 parse_ticker(struct tk__frame *, json_t *data);
static int	 has_prefix(const char *s, const char *prefix);

const struct tk_adapter tk__adapter_deribit = {
	.name = "deribit",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://www.deribit.com/ws/api/v2",
	.types = TK_TYPES_FEED,
	.native_symbol = deribit_native_symbol,
	.subscribe = deribit_subscribe,
	.parse = deribit_parse,
	/* Deribit's own heartbeat (set at connect) keeps the link. */
	.ping_message = NULL,
	.ping_interval_s = 0,
	.max_connection_s = 0,
};

/*
 * "BTC-USD-PERP" -> "BTC-PERPETUAL", "BTC-USD-20261225" -> "BTC-25DEC26"
 * (the day without a leading zero: "BTC-5JAN24").  Only USD-quoted
 * derivatives: the inverse instruments.  Anything else is -EINVAL.
 */
static int
deribit_native_symbol(const char *unified, char *buf, size_t cap)
{
	const char *dash1, *dash2;
	char market[16];
	int n;

	if (!tk_symbol_valid(unified))
		return -EINVAL;
	dash1 = strchr(unified, '-');
	dash2 = strchr(dash1 + 1, '-');
	if (dash2 == NULL || dash2 - dash1 != 4 ||
	    strncmp(dash1 + 1, "USD", 3) != 0)
		return -EINVAL;
	if (strcmp(dash2 + 1, "PERP") == 0)
		snprintf(market, sizeof(market), "PERPETUAL");
	else if (expiry_native(dash2 + 1, market, sizeof(market)) < 0)
		return -EINVAL;
	n = snprintf(buf, cap, "%.*s-%s", (int)(dash1 - unified), unified,
	    market);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return n;
}

/* "20261225" -> "25DEC26"; -1 for a day or month that does not exist. */
static int
expiry_native(const char *date, char *out, size_t cap)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int month = (date[4] - '0') * 10 + (date[5] - '0');
	int day = (date[6] - '0') * 10 + (date[7] - '0');

	if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1])
		return -1;
	snprintf(out, cap, "%d%s%.2s", day, months[month - 1], date + 2);
	return 0;
}

/*
 * Message 0 sets the heartbeat; then public/subscribe with up to
 * SUB_MAX_CHANNELS channels each, every symbol's channels together, ids
 * 2, 3, ...  Nothing at all without symbols or channels.
 */
static int
deribit_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct tk__sub s;

	tk__sub_init(&s, map, channels, NCHANNELS, types);
	if (tk_symmap_count(map) == 0 || s.nchans == 0)
		return 0;
	if (i == 0) {
		if (sizeof(HEARTBEAT_MSG) > cap)
			return -ENOSPC;
		memcpy(buf, HEARTBEAT_MSG, sizeof(HEARTBEAT_MSG));
		return (int)sizeof(HEARTBEAT_MSG) - 1;
	}
	s.flags = TK__SUB_QUOTE;
	s.head = SUB_HEAD;
	s.tail = SUB_TAIL;
	s.end = "}";
	s.id0 = 2;
	s.max_items = SUB_MAX_CHANNELS;
	return tk__sub_write(&s, i - 1, buf, cap);
}

static void
deribit_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, 0, parse_object);
}

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Notifications have a "method" ("subscription", "heartbeat"); replies to
 * our requests an "id" and a "result" or an "error".
 */
static void
parse_object(struct tk__frame *f, json_t *o)
{
	json_t *method = json_object_get(o, "method");
	json_t *err = json_object_get(o, "error");
	const char *name = json_string_value(method);

	if (method != NULL && name == NULL)
		tk__frame_fail(f, "notification", "method", "is not a string");
	else if (name != NULL && strcmp(name, "subscription") == 0)
		parse_subscription(f, o);
	else if (name != NULL && strcmp(name, "heartbeat") == 0)
		parse_heartbeat(f, o);
	else if (err != NULL)
		parse_error(f, err);
	else if (name != NULL || json_object_get(o, "result") != NULL)
		/* acks, the public/test answer, our own requests echoed */
		tk__frame_classify(f, TK_FRAME_CONTROL);
	else
		tk__frame_set(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
		    "\"method\", \"result\" or \"error\"");
}

/* {"error":{"code":11050,"message":"bad_request","data":{..}}}. */
static void
parse_error(struct tk__frame *f, json_t *err)
{
	json_t *code = json_object_get(err, "code");
	const char *msg = json_string_value(json_object_get(err, "message"));
	json_t *reason = json_object_get(json_object_get(err, "data"),
	    "reason");

	if (!json_is_object(err)) {
		tk__frame_fail(f, "reply", "error", "is not an object");
		return;
	}
	tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "code %" JSON_INTEGER_FORMAT
	    ": %s%s%s", json_integer_value(code), msg != NULL ? msg :
	    "(no message)", json_is_string(reason) ? ": " : "",
	    json_is_string(reason) ? json_string_value(reason) : "");
	tk__frame_scrub(f);
}

/*
 * {"method":"heartbeat","params":{"type":"test_request"}} must be
 * answered with public/test; "heartbeat" itself needs nothing.
 */
static void
parse_heartbeat(struct tk__frame *f, json_t *o)
{
	const char *type = json_string_value(json_object_get(
	    json_object_get(o, "params"), "type"));

	tk__frame_classify(f, TK_FRAME_CONTROL);
	if (type != NULL && strcmp(type, "test_request") == 0)
		tk__frame_reply(f, TEST_MSG);
}

/* {"method":"subscription","params":{"channel":..,"data":..}}. */
static void
parse_subscription(struct tk__frame *f, json_t *o)
{
	json_t *params = json_object_get(o, "params"), *channel, *data;
	const char *name;

	if (!json_is_object(params)) {
		tk__frame_fail(f, "subscription", "params", params == NULL ?
		    "is missing" : "is not an object");
		return;
	}
	if (tk__json_str(f, params, "subscription", "channel", &channel) < 0)
		return;
	name = json_string_value(channel);
	data = json_object_get(params, "data");
	if (data == NULL) {
		tk__frame_fail(f, name, "data", "is missing");
		return;
	}
	if (has_prefix(name, "trades."))
		parse_trades(f, data);
	else if (has_prefix(name, "quote."))
		parse_quote(f, data);
	else if (has_prefix(name, "ticker."))
		parse_ticker(f, data);
	else
		tk__frame_classify(f, TK_FRAME_DATA);	/* not ours */
}

/*
 * An array of trades (one 100 ms batch).  A bad element does not cost
 * the good ones: they are emitted, and the frame is MALFORMED with the
 * first problem.
 */
static void
parse_trades(struct tk__frame *f, json_t *data)
{
	json_t *item;
	size_t i;

	if (!json_is_array(data)) {
		tk__frame_fail(f, "trades", "data", "is not an array");
		return;
	}
	json_array_foreach(data, i, item) {
		if (json_is_object(item))
			parse_trade(f, item);
		else
			tk__frame_set(f, TK_FRAME_MALFORMED, "trades: "
			    "data[%zu] is not an object", i);
	}
}

/* "direction" is the taker's side; "amount" is USD. */
static void
parse_trade(struct tk__frame *f, json_t *item)
{
	static const char ev[] = "trades";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	t.size_unit = TK_SIZE_UNIT_QUOTE;
	if (tk__json_str(f, item, ev, "instrument_name", &sym) < 0 ||
	    tk__json_num(f, item, ev, "price", 0, &t.price) < 0 ||
	    tk__json_num(f, item, ev, "amount", 0, &t.size) < 0 ||
	    tk__json_id_str(f, item, ev, "trade_id", t.trade_id) < 0 ||
	    tk__json_side(f, item, ev, "direction", "buy", "sell", false,
	    &t.side) < 0 ||
	    tk__json_ms(f, item, ev, "timestamp", MS, &t.ts) < 0)
		return;
	tk__emit_json(f, &t, sym, 0);
}

/* Best bid and ask; a side without orders is null. */
static void
parse_quote(struct tk__frame *f, json_t *data)
{
	static const char ev[] = "quote";
	struct tk_tick t;
	json_t *sym;

	if (!json_is_object(data)) {
		tk__frame_fail(f, ev, "data", "is not an object");
		return;
	}
	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	t.size_unit = TK_SIZE_UNIT_QUOTE;
	if (tk__json_str(f, data, ev, "instrument_name", &sym) < 0 ||
	    tk__json_num(f, data, ev, "best_bid_price", TK__DEC_NULL_OK,
	    &t.bid) < 0 ||
	    tk__json_num(f, data, ev, "best_bid_amount", TK__DEC_NULL_OK,
	    &t.bid_size) < 0 ||
	    tk__json_num(f, data, ev, "best_ask_price", TK__DEC_NULL_OK,
	    &t.ask) < 0 ||
	    tk__json_num(f, data, ev, "best_ask_amount", TK__DEC_NULL_OK,
	    &t.ask_size) < 0 ||
	    tk__json_ms(f, data, ev, "timestamp", MS, &t.ts) < 0)
		return;
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
}

/*
 * The ticker gives the funding tick: mark_price, index_price and the
 * rate, current_funding (the rate in force now; funding_8h is what the
 * last 8 hours paid, a trailing figure, and is not published).  Deribit
 * funds continuously, so there is no next funding time.  A future's
 * ticker has no current_funding: market data, but no funding tick.
 */
static void
parse_ticker(struct tk__frame *f, json_t *data)
{
	static const char ev[] = "ticker";
	struct tk_tick t;
	json_t *sym;

	if (!json_is_object(data)) {
		tk__frame_fail(f, ev, "data", "is not an object");
		return;
	}
	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_FUNDING;
	if (tk__json_str(f, data, ev, "instrument_name", &sym) < 0 ||
	    tk__json_num(f, data, ev, "mark_price", 0, &t.mark_price) < 0 ||
	    tk__json_ms(f, data, ev, "timestamp", MS, &t.ts) < 0)
		return;
	if (json_object_get(data, "current_funding") == NULL)
		return;
	if (tk__json_num(f, data, ev, "current_funding", TK__DEC_SIGNED,
	    &t.rate) < 0 ||
	    (json_object_get(data, "index_price") != NULL &&
	    tk__json_num(f, data, ev, "index_price", TK__DEC_NULL_OK,
	    &t.index_price) < 0))
		return;
	tk__emit_json(f, &t, sym, 0);
}
