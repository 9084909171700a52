/* SPDX-License-Identifier: MIT */
/*
 * The Bybit adapter: golden frames (every tests/fixtures/bybit frame
 * against its expected/<name>.out, written by hand), the SPEC rules spelled
 * out (several trades per frame, the level-1 book as quotes), malformed
 * input, filters, and subscribe messages chunked by ten.
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

static const char *const fixture_symbols[] = { "BTC-USDT", "ETH-USDT" };

/* Every frame in tests/fixtures/bybit; test_golden_complete checks it. */
static const char *const golden[] = {
	"orderbook1_snapshot.json", "orderbook50_delta_spot.json",
	"orderbook50_snapshot_spot.json", "ping_request.json", "pong_2.json",
	"pong_linear.json", "pong_option.json", "pong_spot.json",
	"subscribe_ack.json", "subscribe_ack_2.json",
	"subscribe_ack_linear.json", "subscribe_error.json",
	"subscribe_request.json", "system_status.json", "ticker_linear.json",
	"ticker_spot.json", "trade.json", "trade_2_spot.json",
	"trade_3_two_trades.json", "trade_4_linear.json",
};

/* SPEC: exact digits, taker side, µs times, string ids, many per frame. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	char *frame;
	size_t len;

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "trade_2_spot.json",
		.symbol = "BTC-USDT",
		.price = "3.6279",
		.size = "1.3637",
		.side = TK_SIDE_SELL,		/* "S":"Sell" */
		/* Past 2^53: kept as the exchange's text, never a double. */
		.trade_id = "2200000000067341890",
		/* T (fill time), not the message ts (2 ms later). */
		.ts = INT64_C(1690720953111000),
	});

	frame = tk_test_read_fixture("bybit/trade_3_two_trades.json", &len);
	sink.n = 0;
	adapter->parse(&ctx, frame, len, &res);
	free(frame);
	ck_assert_uint_eq(res.nticks, 2);
	ck_assert_int_eq(sink.ticks[0].side, TK_SIDE_BUY);
	ck_assert_int_eq(sink.ticks[1].side, TK_SIDE_SELL);
	assert_dec(&sink.ticks[1].price, "16578.5");	/* "16578.50" */
	ck_assert_str_eq(sink.ticks[1].trade_id,
	    "20f43950-d8dd-5b31-9112-a178eb6023af");

	/* Without T the message ts stands in; a digit string is a time
	 * too; without "S" the side is unknown. */
	parse_str("{\"topic\":\"publicTrade.ETHUSDT\",\"ts\":\"1672304486868\","
	    "\"data\":[{\"s\":\"ETHUSDT\",\"p\":\"1\",\"v\":\"2\",\"i\":\"9\"}]}",
	    &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_str_eq(t->symbol, "ETH-USDT");
	ck_assert_int_eq(t->ts, INT64_C(1672304486868000));
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
	parse_str("{\"topic\":\"publicTrade.ETHUSDT\",\"ts\":1,\"data\":[{"
	    "\"s\":\"ETHUSDT\",\"p\":\"1\",\"v\":\"2\",\"i\":\"9\",\"S\":\"Buy\","
	    "\"T\":253402300799999}]}", &res);
	ck_assert_int_eq(t->ts, INT64_C(253402300799999000));
	ck_assert_int_eq(t->side, TK_SIDE_BUY);
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	/* Two levels a side in this (hand-written) snapshot: the best. */
	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "orderbook1_snapshot.json",
		.symbol = "BTC-USDT",
		.bid = "27450",		/* "27450.00" */
		.bid_size = "0.5",
		.ask = "27451",
		.ask_size = "0.75",
		.ts = INT64_C(1709891679000000),		/* no cts */
	});

	/* cts (matching engine) wins over ts (push time). */
	parse_str("{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1731035685345,"
	    "\"type\":\"snapshot\",\"data\":{\"s\":\"BTCUSDT\",\"b\":[["
	    "\"75848.62\",\"0.014895\"]],\"a\":[[\"75848.89\",\"0.088149\"]],"
	    "\"u\":2876701,\"seq\":47474967823},\"cts\":1731035685342}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->ts, INT64_C(1731035685342000));
	assert_dec(&t->bid, "75848.62");
	assert_dec(&t->ask_size, "0.088149");
	/* Best of unordered levels: highest bid, lowest ask. */
	parse_str("{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1,\"data\":{"
	    "\"s\":\"BTCUSDT\",\"b\":[[\"1\",\"1\"],[\"3\",\"2\"],[\"2\",\"1\"]],"
	    "\"a\":[[\"9\",\"1\"],[\"7\",\"3\"],[\"8\",\"1\"]]}}", &res);
	assert_dec(&t->bid, "3");
	assert_dec(&t->bid_size, "2");
	assert_dec(&t->ask, "7");
	assert_dec(&t->ask_size, "3");
}
END_TEST

#define L1BOOK(type, b, a) "{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1," \
	"\"type\":\"" type "\",\"data\":{\"s\":\"BTCUSDT\",\"b\":" b \
	",\"a\":" a "}}"

/*
 * Level-1 deltas without per-connection state: a delta that leaves a side
 * unsaid ("unchanged") cannot be read, so it gives no quote rather than a
 * false null; one that states both sides (or a snapshot) still does.
 */
START_TEST(test_book_deltas_without_state)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	ck_assert_ptr_null(ctx.state);
	/* The shape of a live delta: old ask removed, new ask set, bids
	 * unchanged (published in a client project's README, Nov 2023). */
	parse_str("{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1699764797519,"
	    "\"type\":\"delta\",\"data\":{\"s\":\"BTCUSDT\",\"b\":[],\"a\":[["
	    "\"32499.27\",\"0.011534\"],[\"32529.54\",\"0\"]],\"u\":873489,"
	    "\"seq\":1253141792}}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
	/* both sides stated: a quote; size "0" only removes */
	parse_str(L1BOOK("delta", "[[\"5\",\"0\"]]", "[[\"6\",\"1\"]]"), &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "6");
	parse_str(L1BOOK("snapshot", "[[\"5\",\"0.000\"],[\"4\",\"1\"]]", "[]"),
	    &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "4");
	ck_assert(!t->ask.valid);
	/* Nothing on either side: no tick, not an error. */
	parse_str(L1BOOK("snapshot", "[]", "[]"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 0);
	/* ...still counted when nobody configured the symbol. */
	parse_str("{\"topic\":\"orderbook.1.LTCUSDT\",\"ts\":1,\"type\":"
	    "\"delta\",\"data\":{\"s\":\"LTCUSDT\",\"b\":[],\"a\":[]}}", &res);
	ck_assert_uint_eq(res.unknown, 1);
}
END_TEST

/* With the connection's state, a delta updates only the sides it names. */
START_TEST(test_book_deltas_with_state)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	size_t size = adapter->state_size(ctx.symbols);
	void *state = calloc(1, size);

	ck_assert_uint_gt(size, 0);
	ck_assert_ptr_nonnull(state);
	ctx.state = state;
	parse_str(L1BOOK("snapshot", "[[\"100.5\",\"2\"]]", "[[\"101\",\"3\"]]"),
	    &res);
	ck_assert_uint_eq(sink.n, 1);
	/* ask moves; the bid is unchanged and still published */
	parse_str(L1BOOK("delta", "[]", "[[\"101\",\"0\"],[\"100.9\",\"1.5\"]]"),
	    &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "100.5");
	assert_dec(&t->bid_size, "2");
	assert_dec(&t->ask, "100.9");
	assert_dec(&t->ask_size, "1.5");
	/* removing a price that is not the top changes nothing */
	parse_str(L1BOOK("delta", "[[\"99\",\"0\"]]", "[]"), &res);
	assert_dec(&t->bid, "100.5");
	assert_dec(&t->ask, "100.9");
	/* removing the top empties that side */
	parse_str(L1BOOK("delta", "[[\"100.5\",\"0\"]]", "[]"), &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "100.9");
	/* a size update at the same price */
	parse_str(L1BOOK("delta", "[]", "[[\"100.9\",\"4\"]]"), &res);
	assert_dec(&t->ask_size, "4");
	/* a new snapshot replaces both sides */
	parse_str(L1BOOK("snapshot", "[[\"98\",\"1\"]]", "[]"), &res);
	assert_dec(&t->bid, "98");
	ck_assert(!t->ask.valid);
	/* unknown symbols never touch the state */
	parse_str("{\"topic\":\"orderbook.1.LTCUSDT\",\"ts\":1,\"type\":"
	    "\"delta\",\"data\":{\"s\":\"LTCUSDT\",\"b\":[[\"1\",\"1\"]],"
	    "\"a\":[]}}", &res);
	ck_assert_uint_eq(res.unknown, 1);
	ck_assert_uint_eq(sink.n, 0);
	ctx.state = NULL;
	free(state);
}
END_TEST

/* Several trades per frame; a bad one does not cost the others. */
START_TEST(test_data_array)
{
	struct tk_frame_result res;

	parse_str("{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":1,\"data\":["
	    "{\"s\":\"BTCUSDT\",\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"T\":1},"
	    "{\"s\":\"BTCUSDT\",\"p\":\"1\",\"v\":\"1\",\"i\":\"2\","
	    "\"S\":\"buy\",\"T\":1},[],"
	    "{\"s\":\"BTCUSDT\",\"p\":\"3\",\"v\":\"1\",\"i\":\"3\",\"T\":1}]}",
	    &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "publicTrade: field \"S\": \"buy\" is "
	    "not \"Buy\" or \"Sell\"");
	ck_assert_uint_eq(sink.n, 2);
	ck_assert_str_eq(sink.ticks[0].trade_id, "1");
	ck_assert_str_eq(sink.ticks[1].trade_id, "3");

	parse_str("{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":1,\"data\":[]}",
	    &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
}
END_TEST

#define TRADE(fields) "{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":1," \
	"\"data\":[{\"s\":\"BTCUSDT\"," fields "}]}"
#define BOOK(fields) "{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1," \
	"\"data\":{\"s\":\"BTCUSDT\"," fields "}}"

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "text pong", "pong", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "truncated", "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[{",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"op\":\"pong\"} x", TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "null", "null", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[{\"op\":\"pong\"}]", TK_FRAME_MALFORMED,
	    "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED, "unrecognised frame: no "
	    "\"topic\", \"success\" or \"op\"" },
	{ "op number", "{\"op\":1}", TK_FRAME_MALFORMED,
	    "unrecognised frame*" },
	{ "NUL in string", "{\"op\":\"po\\u0000ng\"}", TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "topic number", "{\"topic\":5,\"data\":[]}", TK_FRAME_MALFORMED,
	    "message: field \"topic\" is not a string" },
	{ "success string", "{\"success\":\"true\",\"op\":\"subscribe\"}",
	    TK_FRAME_MALFORMED, "reply: field \"success\" is not a boolean" },
	{ "failure no op", "{\"success\":false,\"ret_msg\":\"args size >10\"}",
	    TK_FRAME_EXCHANGE_ERROR, "request: args size >10" },
	{ "failure no text", "{\"success\":false,\"type\":\"COMMAND_RESP\","
	    "\"data\":{\"failTopics\":[\"x\"]}}", TK_FRAME_EXCHANGE_ERROR,
	    "request: refused without a message" },
	{ "failure with req_id", "{\"success\":false,\"ret_msg\":\"args size "
	    ">10\",\"req_id\":\"3\",\"op\":\"subscribe\"}",
	    TK_FRAME_EXCHANGE_ERROR, "subscribe (req_id 3): args size >10" },
	{ "failure empty req_id", "{\"success\":false,\"ret_msg\":\"x\","
	    "\"req_id\":\"\",\"op\":\"subscribe\"}", TK_FRAME_EXCHANGE_ERROR,
	    "subscribe: x" },
	{ "failure text number", "{\"success\":false,\"ret_msg\":10001}",
	    TK_FRAME_MALFORMED, "reply: field \"ret_msg\" is not a string" },
	{ "option ack", "{\"success\":true,\"type\":\"COMMAND_RESP\","
	    "\"data\":{\"successTopics\":[\"x\"]}}", TK_FRAME_CONTROL, "" },
	{ "other topic", "{\"topic\":\"kline.5.BTCUSDT\",\"data\":[]}",
	    TK_FRAME_DATA, "" },
	{ "deep book topic", "{\"topic\":\"orderbook.50.BTCUSDT\","
	    "\"data\":7}", TK_FRAME_DATA, "" },
	{ "trades object", "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":{}}",
	    TK_FRAME_MALFORMED, "publicTrade: field \"data\" is not an array" },
	{ "trades missing", "{\"topic\":\"publicTrade.BTCUSDT\"}",
	    TK_FRAME_MALFORMED, "publicTrade: field \"data\" is missing" },
	{ "trade element", "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[0]}",
	    TK_FRAME_MALFORMED, "publicTrade: data[0] is not an object" },
	{ "no s", "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[{\"p\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "publicTrade: field \"s\" is missing" },
	{ "s number", "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":"
	    "[{\"s\":1}]}", TK_FRAME_MALFORMED,
	    "publicTrade: field \"s\" is not a string" },
	{ "p number", TRADE("\"p\":1.5,\"v\":\"1\",\"i\":\"1\",\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"p\" is not a string" },
	{ "p missing", TRADE("\"v\":\"1\",\"i\":\"1\",\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"p\" is missing" },
	{ "p empty", TRADE("\"p\":\"\",\"v\":\"1\",\"i\":\"1\",\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"p\": \"\" is not a "
	    "decimal" },
	{ "v negative", TRADE("\"p\":\"1\",\"v\":\"-0.5\",\"i\":\"1\",\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"v\": \"-0.5\" is "
	    "negative" },
	{ "p huge", TRADE("\"p\":\"123456789012345678901234567890\","
	    "\"v\":\"1\",\"i\":\"1\",\"T\":1"), TK_FRAME_MALFORMED,
	    "publicTrade: field \"p\": \"123456789012345678901234567890\" is "
	    "out of range" },
	{ "p long garbage", TRADE("\"p\":\"1x345678901234567890123456789012345"
	    "\",\"v\":\"1\",\"i\":\"1\",\"T\":1"), TK_FRAME_MALFORMED,
	    "publicTrade: field \"p\": \"1x345678901234567890123456789012...\" "
	    "is not a decimal" },
	{ "i number", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":1,\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"i\" is not a string" },
	{ "i missing", TRADE("\"p\":\"1\",\"v\":\"1\",\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"i\" is missing" },
	{ "i empty", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"\",\"T\":1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"i\" is empty" },
	{ "i too long", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"123456789012345"
	    "678901234567890123456789012345678\",\"T\":1"), TK_FRAME_MALFORMED,
	    "publicTrade: field \"i\": \"12345678901234567890123456789012...\" "
	    "is too long" },
	{ "S bool", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"S\":false,"
	    "\"T\":1"), TK_FRAME_MALFORMED,
	    "publicTrade: field \"S\" is not a string" },
	{ "T real", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"T\":1.6e12"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"T\" is not an integer" },
	{ "T negative", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"T\":-1"),
	    TK_FRAME_MALFORMED, "publicTrade: field \"T\" is not a time in ms "
	    "between 1970 and 9999" },
	{ "T year 10000", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\","
	    "\"T\":253402300800000"), TK_FRAME_MALFORMED,
	    "publicTrade: field \"T\" is not a time in ms between 1970 and "
	    "9999" },
	{ "T string junk", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\","
	    "\"T\":\"12a\""), TK_FRAME_MALFORMED, "publicTrade: field \"T\": "
	    "\"12a\" is not a time in ms between 1970 and 9999" },
	{ "T string huge", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\","
	    "\"T\":\"99999999999999999999\""), TK_FRAME_MALFORMED,
	    "publicTrade: field \"T\": \"99999999999999999999\" is not a time "
	    "in ms between 1970 and 9999" },
	{ "T beyond int64", TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\","
	    "\"T\":99999999999999999999999"), TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "no time", "{\"topic\":\"publicTrade.BTCUSDT\",\"data\":[{\"s\":"
	    "\"BTCUSDT\",\"p\":\"1\",\"v\":\"1\",\"i\":\"1\"}]}",
	    TK_FRAME_MALFORMED,
	    "publicTrade: field \"T\" is missing (and so is \"ts\")" },
	{ "ts null", "{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":null,"
	    "\"data\":[{\"s\":\"BTCUSDT\",\"p\":\"1\",\"v\":\"1\",\"i\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "publicTrade: field \"ts\" is not an integer" },
	{ "book data array", "{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1,"
	    "\"data\":[]}", TK_FRAME_MALFORMED,
	    "orderbook.1: field \"data\" is not an object" },
	{ "book no s", "{\"topic\":\"orderbook.1.BTCUSDT\",\"ts\":1,"
	    "\"data\":{\"b\":[],\"a\":[]}}", TK_FRAME_MALFORMED,
	    "orderbook.1: field \"s\" is missing" },
	{ "book no b", BOOK("\"a\":[]"), TK_FRAME_MALFORMED,
	    "orderbook.1: field \"b\" is missing" },
	{ "book a object", BOOK("\"b\":[],\"a\":{}"), TK_FRAME_MALFORMED,
	    "orderbook.1: field \"a\" is not an array" },
	{ "book level string", BOOK("\"b\":[\"1\"],\"a\":[]"),
	    TK_FRAME_MALFORMED, "orderbook.1: b[0] is not a [price, size] "
	    "pair" },
	{ "book level short", BOOK("\"b\":[[\"1\",\"1\"]],\"a\":[[\"1\"]]"),
	    TK_FRAME_MALFORMED, "orderbook.1: a[0] is not a [price, size] "
	    "pair" },
	{ "book level numbers", BOOK("\"b\":[[1,2]],\"a\":[]"),
	    TK_FRAME_MALFORMED, "orderbook.1: field \"b\" is not a string" },
	{ "book bad price", BOOK("\"b\":[[\"1e\",\"2\"]],\"a\":[]"),
	    TK_FRAME_MALFORMED,
	    "orderbook.1: field \"b\": \"1e\" is not a decimal" },
	{ "book bad removed level", BOOK("\"b\":[[\"x\",\"0\"]],\"a\":[]"),
	    TK_FRAME_MALFORMED,
	    "orderbook.1: field \"b\": \"x\" is not a decimal" },
	{ "book negative size", BOOK("\"b\":[],\"a\":[[\"1\",\"-1\"]]"),
	    TK_FRAME_MALFORMED,
	    "orderbook.1: field \"a\": \"-1\" is negative" },
	{ "book nested garbage", BOOK("\"b\":[[[{\"x\":[]}],\"1\"]],\"a\":[]"),
	    TK_FRAME_MALFORMED, "orderbook.1: field \"b\" is not a string" },
	{ "book no time", "{\"topic\":\"orderbook.1.BTCUSDT\",\"data\":{"
	    "\"s\":\"BTCUSDT\",\"b\":[],\"a\":[]}}", TK_FRAME_MALFORMED,
	    "orderbook.1: field \"ts\" is missing (and so is \"cts\")" },
	{ "book cts bool", "{\"topic\":\"orderbook.1.BTCUSDT\",\"cts\":true,"
	    "\"ts\":1,\"data\":{\"s\":\"BTCUSDT\",\"b\":[],\"a\":[]}}",
	    TK_FRAME_MALFORMED, "orderbook.1: field \"cts\" is not an "
	    "integer" },
};

static const struct tk_codec_fields fields = { .a = {
	.name = "bybit",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://stream.bybit.com/v5/public/spot",
	.types = TK_TYPES_ALL,
	.ping_message = "{\"op\":\"ping\"}",
	.ping_interval_s = 20,
}, .state = true };

static const struct tk_codec_native native[] = {
	{ "BTC-USDT", "BTCUSDT" }, { "1000PEPE-USDT", "1000PEPEUSDT" },
};
static const char *const refused[] = { "btc-usdt", "BTCUSDT" };

#define SUB(args, id) "{\"op\":\"subscribe\",\"args\":[" args "]," \
	"\"req_id\":\"" id "\"}"
#define T(sym)	"\"publicTrade." sym "\""
#define Q(sym)	"\"orderbook.1." sym "\""

static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPES_ALL,
	    TK_LIST(SUB(T("BTCUSDT") "," Q("BTCUSDT") "," T("ETHBTC") ","
	    Q("ETHBTC"), "1")) },
	{ "quotes", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB(Q("BTCUSDT") "," Q("ETHBTC"), "1")) },
	{ "trades", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB(T("BTCUSDT") "," T("ETHBTC"), "1")) },
	/* Six symbols, both channels: 12 topics = 10 + 2, req_id 1 and 2. */
	{ "ten topics a message", TK_LIST("A-USDT", "B-USDT", "C-USDT",
	    "D-USDT", "E-USDT", "F-USDT"), TK_TYPES_ALL,
	    TK_LIST(SUB(T("AUSDT") "," Q("AUSDT") "," T("BUSDT") ","
	    Q("BUSDT") "," T("CUSDT") "," Q("CUSDT") "," T("DUSDT") ","
	    Q("DUSDT") "," T("EUSDT") "," Q("EUSDT"), "1"),
	    SUB(T("FUSDT") "," Q("FUSDT"), "2")) },
	/* Trades only: six topics, one message. */
	{ "six trades", TK_LIST("A-USDT", "B-USDT", "C-USDT", "D-USDT",
	    "E-USDT", "F-USDT"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB(T("AUSDT") "," T("BUSDT") "," T("CUSDT") ","
	    T("DUSDT") "," T("EUSDT") "," T("FUSDT"), "1")) },
};

/* Ten topics a message, req_id counting from "1". */
static void
read_chunk(const json_t *msg, unsigned i)
{
	char want_id[16], chan[32];
	unsigned sym;
	const json_t *args, *a;
	size_t k;

	ck_assert_str_eq(json_string_value(json_object_get(msg, "op")),
	    "subscribe");
	snprintf(want_id, sizeof(want_id), "%u", i + 1);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "req_id")),
	    want_id);
	args = json_object_get(msg, "args");
	ck_assert_uint_eq(json_array_size(args), 10);
	json_array_foreach(args, k, a) {
		ck_assert(sscanf(json_string_value(a),
		    "%31[^.0-9]%*[.1]LONGBASE%4uQUOTEXY", chan, &sym) == 2);
		ck_assert(strcmp(chan, "orderbook") == 0 ||
		    strcmp(chan, "publicTrade") == 0);
		chunk_topic(sym, strcmp(chan, "orderbook") == 0);
	}
}

/* 500 symbols = 1000 topics: 100 messages of ten. */
static const struct tk_codec_chunks chunks = {
	.prefix = "LONGBASE", .width = 4, .suffix = "-QUOTEXY",
	.nsymbols = 500, .types = TK_TYPES_ALL, .nchannels = 2,
	.nmsgs = 100, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trade.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "orderbook1_snapshot.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, BOOK("\"b\":[[\"1\",\"1\"]],\"a\":[]"), TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	/* Filtered frames are still checked. */
	{ T_ONLY, BOOK("\"b\":[[\"1\",\"x\"]],\"a\":[]"), TK_FRAME_MALFORMED, 0,
	    TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	/* One count per trade. */
	{ "trade_3_two_trades.json", 2, 0, NULL, false },
	{ "orderbook1_snapshot.json", 1, 0, NULL, false },
	/* Native names are exact: lower case is not ETHUSDT. */
	{ TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"T\":1"), 1, 0, NULL,
	    false },
	{ "{\"topic\":\"publicTrade.ETHUSDT\",\"data\":[{\"s\":\"ethusdt\","
	    "\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"T\":1},{\"s\":\"ETHUSDT\","
	    "\"p\":\"1\",\"v\":\"1\",\"i\":\"2\",\"T\":1}]}", 1, 1,
	    TK_SYMBOL_IS("ETH-USDT"), false },
	{ TRADE("\"p\":\"1\",\"v\":\"1\",\"i\":\"1\",\"T\":1"), 1, 0, NULL,
	    true },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(bybit,
    "{\"op\":\"pong\"}", "{\"data\":",
    "0-9.e\"{}[],:x\\E",
    .echo_control = true,
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("ETH-USDT")));

static Suite *
bybit_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_book_deltas_without_state);
	tcase_add_test(tc.golden, test_book_deltas_with_state);
	tcase_add_test(tc.golden, test_data_array);
	return s;
}

int
main(void)
{
	return tk_codec_run(bybit_suite());
}
