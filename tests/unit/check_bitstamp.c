/* SPDX-License-Identifier: MIT */
/*
 * The Bitstamp adapter: golden frames (every tests/fixtures/bitstamp frame
 * against its expected/<name>.out, written by hand), the SPEC rules spelled
 * out, order-book quotes, malformed input, filters, and subscribe messages.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "tk_codec_check.h"

static const char *const fixture_symbols[] = {
	"ETH-USD", "BTC-USD", "BAT-EUR", "SGB-EUR",
};

/* Every frame in tests/fixtures/bitstamp; test_golden_complete checks it. */
static const char *const golden[] = {
	"diff_order_book.json", "edge_trade_exponent_amount_str.json",
	"heartbeat_request.json", "order_book.json", "request_reconnect.json",
	"subscribe_ack.json", "subscribe_request.json", "trade.json",
	"trade_2.json", "trade_3.json",
};

/* SPEC: exact digits from the _str fields, taker side, µs, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "trade.json",
		.symbol = "ETH-USD",		/* live_trades_ethusd */
		.price = "3805.44",
		.size = "0.0792",		/* "0.07920000" */
		.side = TK_SIDE_BUY,		/* type 0 */
		.trade_id = "216000477",
		/* microtimestamp, not timestamp * 10^6 (ending 000000) */
		.ts = INT64_C(1641343699596000),
	});

	parse_fixture("trade_2.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->side, TK_SIDE_SELL);	/* type 1 */

	/* "amount_str":"1E-8" next to "amount":1e-08: the string wins. */
	parse_fixture("edge_trade_exponent_amount_str.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->size, "0.00000001");
	assert_dec(&t->price, "57748.8");		/* "57748.80" */
	ck_assert_str_eq(t->symbol, "BTC-USD");

	/* The JSON numbers are never read: here they disagree. */
	parse_str("{\"event\":\"trade\",\"channel\":\"live_trades_btcusd\","
	    "\"data\":{\"id\":1,\"price\":0.1,\"price_str\":\"0.30\","
	    "\"amount\":7,\"amount_str\":\"2\",\"type\":0,"
	    "\"microtimestamp\":\"1641343699596001\"}}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->price, "0.3");
	assert_dec(&t->size, "2");
	ck_assert_int_eq(t->ts, INT64_C(1641343699596001));
}
END_TEST

START_TEST(test_trade_edges)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	/* Without microtimestamp, timestamp (seconds) is used. */
	parse_str("{\"event\":\"trade\",\"channel\":\"live_trades_btcusd\","
	    "\"data\":{\"id\":0,\"price_str\":\"1\",\"amount_str\":\"1\","
	    "\"type\":1,\"timestamp\":\"1641343699\"}}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_int_eq(t->ts, INT64_C(1641343699000000));
	ck_assert_str_eq(t->trade_id, "0");
	/* Without "type" the exchange did not say who took. */
	parse_str("{\"event\":\"trade\",\"channel\":\"live_trades_btcusd\","
	    "\"data\":{\"id\":9223372036854775807,\"price_str\":\"1\","
	    "\"amount_str\":\"1\",\"microtimestamp\":\"253402300799999999\"}}",
	    &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
	ck_assert_str_eq(t->trade_id, "9223372036854775807");
	ck_assert_int_eq(t->ts, INT64_C(253402300799999999));
	/* Key order does not matter: "data" last, "event" first. */
	parse_str("{\"event\":\"trade\",\"data\":{\"microtimestamp\":\"0\","
	    "\"type\":0,\"amount_str\":\"1\",\"price_str\":\"1\",\"id\":5},"
	    "\"channel\":\"live_trades_ethusd\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->ts, 0);
	ck_assert_str_eq(t->symbol, "ETH-USD");
}
END_TEST

/* order_book_<pair>: bids[0] and asks[0] are the quote. */
START_TEST(test_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "order_book.json",
		.symbol = "BTC-USD",
		.bid = "31524.5",
		.bid_size = "0.364",
		.ask = "31535.44",
		.ask_size = "0.31708837",
		.ts = INT64_C(1653978373164007),
	});

	/* One empty side: that side is "no value", the other stands. */
	parse_str("{\"data\":{\"timestamp\":\"1653978373\",\"bids\":[],"
	    "\"asks\":[[\"5.10\",\"2\"]]},\"channel\":\"order_book_btcusd\","
	    "\"event\":\"data\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "5.1");
	assert_dec(&t->ask_size, "2");
	ck_assert_int_eq(t->ts, INT64_C(1653978373000000));

	/* Both sides empty: no top of book, no tick, not an error. */
	parse_str("{\"data\":{\"timestamp\":\"1653978373\",\"bids\":[],"
	    "\"asks\":[]},\"channel\":\"order_book_btcusd\","
	    "\"event\":\"data\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
	ck_assert_uint_eq(res.unknown, 0);

	/* Extra level fields (detail_order_book adds an order id) are ok. */
	parse_str("{\"data\":{\"microtimestamp\":\"1\",\"bids\":[[\"1\","
	    "\"2\",\"1443875737346049\"]],\"asks\":[[\"3\",\"4\",\"7\"]]},"
	    "\"channel\":\"order_book_ethusd\",\"event\":\"data\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "ETH-USD");
	assert_dec(&t->bid_size, "2");

	/* Diffs and detail books are not the top of book. */
	parse_fixture("diff_order_book.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
	parse_str("{\"data\":{\"microtimestamp\":\"1\",\"bids\":[[\"1\","
	    "\"2\",\"3\"]],\"asks\":[]},\"channel\":"
	    "\"detail_order_book_btcusd\",\"event\":\"data\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "truncated", "{\"event\":\"trade\",\"data\":{\"id\":1",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"event\":\"bts:heartbeat\"} x",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "number", "42", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[{\"event\":\"trade\"}]", TK_FRAME_MALFORMED,
	    "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED,
	    "frame: field \"event\" is missing" },
	{ "event number", "{\"event\":0}", TK_FRAME_MALFORMED,
	    "frame: field \"event\" is not a string" },
	{ "event unknown", "{\"event\":\"bts:something_new\"}",
	    TK_FRAME_CONTROL, "" },
	{ "trade no data", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\"}", TK_FRAME_MALFORMED,
	    "trade: field \"data\" is missing" },
	{ "trade data string", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":\"x\"}",
	    TK_FRAME_MALFORMED, "trade: field \"data\" is not an object" },
	{ "trade no channel", "{\"event\":\"trade\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"channel\" is missing" },
	{ "trade channel number", "{\"event\":\"trade\",\"channel\":5,"
	    "\"data\":{}}", TK_FRAME_MALFORMED,
	    "trade: field \"channel\" is not a string" },
	{ "trade wrong channel", "{\"event\":\"trade\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{}}",
	    TK_FRAME_MALFORMED, "trade: field \"channel\": "
	    "\"order_book_btcusd\" is not live_trades_<pair>" },
	{ "trade channel no pair", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_\",\"data\":{}}", TK_FRAME_MALFORMED,
	    "trade: field \"channel\": \"live_trades_\" "
	    "is not live_trades_<pair>" },
	{ "price only as number", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price\":3805.44,\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"price_str\" is missing" },
	{ "price_str number", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":3805.44,\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"price_str\" is not a string" },
	{ "bad decimal", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1,5\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"price_str\": \"1,5\" is not a decimal" },
	{ "empty amount", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"amount_str\": \"\" is not a decimal" },
	{ "huge amount", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1E-99\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"amount_str\": \"1E-99\" is out of range" },
	{ "negative price", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"-3805.44\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"price_str\": \"-3805.44\" is negative" },
	{ "id string", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":\"1\","
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"id\" is not an integer" },
	{ "id missing", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"id\" is missing" },
	{ "id negative", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":-1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"id\" is negative" },
	{ "type 2", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":2,"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"type\" is not 0 or 1" },
	{ "type string", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":\"0\","
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"type\" is not an integer" },
	{ "no time", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0}}",
	    TK_FRAME_MALFORMED, "trade: field \"microtimestamp\" is missing "
	    "(and so is \"timestamp\")" },
	{ "microtimestamp number", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":1641343699596000}}", TK_FRAME_MALFORMED,
	    "trade: field \"microtimestamp\" is not a string" },
	{ "microtimestamp decimal", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"1641343699.596\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"microtimestamp\": \"1641343699.596\" "
	    "is not a number" },
	{ "microtimestamp empty", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"\",\"timestamp\":\"1\"}}",
	    TK_FRAME_MALFORMED,
	    "trade: field \"microtimestamp\": \"\" is not a number" },
	{ "microtimestamp negative", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"-1\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"microtimestamp\": \"-1\" is not a number" },
	{ "microtimestamp year 10000", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"253402300800000000\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"microtimestamp\": \"253402300800000000\" "
	    "is after year 9999" },
	{ "microtimestamp overflow", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"microtimestamp\":\"99999999999999999999999999999\"}}",
	    TK_FRAME_MALFORMED, "trade: field \"microtimestamp\": "
	    "\"99999999999999999999999999999\" is after year 9999" },
	{ "timestamp year 10000", "{\"event\":\"trade\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{\"id\":1,"
	    "\"price_str\":\"1\",\"amount_str\":\"1\",\"type\":0,"
	    "\"timestamp\":\"253402300800\"}}", TK_FRAME_MALFORMED,
	    "trade: field \"timestamp\": \"253402300800\" is after year 9999" },
	{ "book no bids", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"asks\":[],"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "order_book: field \"bids\" is missing" },
	{ "book bids object", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":{},"
	    "\"asks\":[],\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "order_book: field \"bids\" is not an array" },
	{ "book level short", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":[[\"1\"]],"
	    "\"asks\":[],\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "order_book: field \"bids[0]\" is not a [price, amount] array" },
	{ "book level string", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":[\"1\"],"
	    "\"asks\":[],\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "order_book: field \"bids[0]\" is not a [price, amount] array" },
	{ "book price number", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":[],"
	    "\"asks\":[[1.5,\"2\"]],\"microtimestamp\":\"1\"}}",
	    TK_FRAME_MALFORMED,
	    "order_book: field \"asks[0][0]\" is not a string" },
	{ "book bad amount", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":[[\"1\","
	    "\"x\"]],\"asks\":[],\"microtimestamp\":\"1\"}}",
	    TK_FRAME_MALFORMED,
	    "order_book: field \"bids[0][1]\": \"x\" is not a decimal" },
	{ "book nested garbage", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":"
	    "[[[[{\"a\":[]}]],\"1\"]],\"asks\":[],\"microtimestamp\":\"1\"}}",
	    TK_FRAME_MALFORMED,
	    "order_book: field \"bids[0][0]\" is not a string" },
	{ "book no time", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":{\"bids\":[],"
	    "\"asks\":[[\"1\",\"1\"]]}}", TK_FRAME_MALFORMED,
	    "order_book: field \"microtimestamp\" is missing "
	    "(and so is \"timestamp\")" },
	{ "book no channel", "{\"event\":\"data\",\"data\":{\"bids\":[],"
	    "\"asks\":[],\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "order_book: field \"channel\" is missing" },
	{ "book channel no pair", "{\"event\":\"data\","
	    "\"channel\":\"order_book_\",\"data\":{\"bids\":[],"
	    "\"asks\":[],\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED,
	    "order_book: field \"channel\": \"order_book_\" "
	    "is not order_book_<pair>" },
	{ "data data array", "{\"event\":\"data\","
	    "\"channel\":\"order_book_btcusd\",\"data\":[]}",
	    TK_FRAME_MALFORMED, "data: field \"data\" is not an object" },
	{ "live orders", "{\"data\":{\"id\":1},\"channel\":"
	    "\"live_orders_btcusd\",\"event\":\"order_created\"}",
	    TK_FRAME_DATA, "" },
	{ "unsubscribed", "{\"event\":\"bts:unsubscription_succeeded\","
	    "\"channel\":\"live_trades_btcusd\",\"data\":{}}",
	    TK_FRAME_CONTROL, "" },
	{ "heartbeat reply", "{\"event\":\"bts:heartbeat\",\"channel\":\"\","
	    "\"data\":{\"status\":\"success\"}}", TK_FRAME_CONTROL, "" },
	{ "reconnect data null", "{\"event\":\"bts:request_reconnect\","
	    "\"channel\":\"\",\"data\":null}", TK_FRAME_RECONNECT,
	    "bts:request_reconnect" },
	{ "reconnect data object", "{\"event\":\"bts:request_reconnect\","
	    "\"channel\":\"\",\"data\":{}}", TK_FRAME_RECONNECT,
	    "bts:request_reconnect" },
	{ "error code null", "{\"event\":\"bts:error\",\"channel\":\"\","
	    "\"data\":{\"code\":null,\"message\":\"Incorrect JSON format.\"}}",
	    TK_FRAME_EXCHANGE_ERROR, "Incorrect JSON format." },
	{ "error code int", "{\"event\":\"bts:error\",\"channel\":\"\","
	    "\"data\":{\"code\":400,\"message\":\"Bad\\nchannel\"}}",
	    TK_FRAME_EXCHANGE_ERROR, "code 400: Bad channel" },
	{ "error code string", "{\"event\":\"bts:error\",\"channel\":\"\","
	    "\"data\":{\"code\":\"E1\",\"message\":\"m\"}}",
	    TK_FRAME_EXCHANGE_ERROR, "code E1: m" },
	{ "error no data", "{\"event\":\"bts:error\"}",
	    TK_FRAME_EXCHANGE_ERROR, "bts:error without a message" },
};

/* The heartbeat we send is one our own parser takes as CONTROL. */
START_TEST(test_ping_reply_is_control)
{
	struct tk_frame_result res;

	parse_str(adapter->ping_message, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
}
END_TEST

static const struct tk_codec_fields fields = { .a = {
	.name = "bitstamp",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.bitstamp.net",
	.types = TK_TYPES_ALL,
	.ping_message = "{\"event\":\"bts:heartbeat\"}",
	.ping_interval_s = 10,
	.max_connection_s = 7776000,	/* 90 days */
} };

static const struct tk_codec_native native[] = {
	{ "BTC-USD", "btcusd" }, { "1INCH-EUR", "1incheur" },
};
static const char *const refused[] = { "btc-usd", "BTCUSD" };

#define SUB(ch) "{\"event\":\"bts:subscribe\",\"data\":{\"channel\":\"" ch \
	"\"}}"

/* One channel a message. */
static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USD", "ETH-EUR"), TK_TYPES_ALL,
	    TK_LIST(SUB("live_trades_btcusd"), SUB("order_book_btcusd"),
	    SUB("live_trades_etheur"), SUB("order_book_etheur")) },
	{ "trades", TK_LIST("BTC-USD", "ETH-EUR"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB("live_trades_btcusd"), SUB("live_trades_etheur")) },
	{ "quotes", TK_LIST("BTC-USD", "ETH-EUR"), TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB("order_book_btcusd"), SUB("order_book_etheur")) },
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trade.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "order_book.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "order_book.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ T_ONLY, "trade_3.json", TK_FRAME_DATA, 1, TK_TICK_TRADE },
	/* Filtered frames are still checked. */
	{ T_ONLY, "{\"event\":\"data\",\"channel\":\"order_book_btcusd\","
	    "\"data\":{\"bids\":[[\"x\",\"1\"]],\"asks\":[],"
	    "\"microtimestamp\":\"1\"}}", TK_FRAME_MALFORMED, 0, TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "trade.json", 1, 0, NULL, false },		/* ethusd */
	/* Native names are exact: upper case is not btcusd. */
	{ "{\"event\":\"trade\",\"channel\":\"live_trades_BTCUSD\",\"data\":{"
	    "\"id\":1,\"price_str\":\"1\",\"amount_str\":\"1\","
	    "\"microtimestamp\":\"1\"}}", 1, 0, NULL, false },
	{ "order_book.json", 0, 1, TK_SYMBOL_IS("BTC-USD"), false },
	{ "order_book.json", 1, 0, NULL, true },
};

/* One channel a message: live trades or the order book of one pair. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	const char *ch;
	unsigned sym;

	ck_assert_str_eq(json_string_value(json_object_get(msg, "event")),
	    "bts:subscribe");
	ch = json_string_value(json_object_get(json_object_get(msg, "data"),
	    "channel"));
	ck_assert_ptr_nonnull(ch);
	if (sscanf(ch, "live_trades_b%uq", &sym) == 1) {
		chunk_topic(sym, 0);
	} else {
		ck_assert_int_eq(sscanf(ch, "order_book_b%uq", &sym), 1);
		chunk_topic(sym, 1);
	}
}

/* 300 pairs, two channels each: 600 messages. */
static const struct tk_codec_chunks chunks = {
	.prefix = "B", .width = 0, .suffix = "-Q",
	.nsymbols = 300, .types = TK_TYPES_ALL, .nchannels = 2,
	.nmsgs = 600, .read = read_chunk,
};

static const struct tk_codec_test codec = TK_CODEC_TEST(bitstamp,
    "{\"event\":\"bts:heartbeat\"}", "{\"data\":",
    "0-9.e\"{}[],:x_E",
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("BTC-USD")));

static Suite *
bitstamp_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_trade_edges);
	tcase_add_test(tc.golden, test_quote_rules);
	tcase_add_test(tc.filters, test_ping_reply_is_control);
	return s;
}

int
main(void)
{
	return tk_codec_run(bitstamp_suite());
}
