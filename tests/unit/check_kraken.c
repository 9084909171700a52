/* SPDX-License-Identifier: MIT */
/*
 * The Kraken v2 adapter: golden frames (every tests/fixtures/kraken frame
 * against its expected/<name>.out, written by hand), the SPEC rules spelled
 * out (JSON numbers to exact digits, RFC 3339 times), malformed input,
 * filters, and subscribe messages.
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
	"MATIC-USD", "ALGO-USD", "BTC-USD", "ETH-USD",
};

/* Every frame in tests/fixtures/kraken; test_golden_complete checks it. */
static const char *const golden[] = {
	"heartbeat.json", "ping_request.json", "pong.json", "status.json",
	"subscribe_ack.json", "subscribe_ack_2.json",
	"subscribe_ack_ticker.json", "subscribe_request.json",
	"subscribe_request_ticker.json", "ticker.json", "ticker_snapshot.json",
	"trade.json", "trade_snapshot.json",
};

/* SPEC: digits without trailing zeros, taker side, µs times, string ids. */
START_TEST(test_spec_trade_rules)
{
	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "trade.json",
		.symbol = "MATIC-USD",		/* "MATIC/USD" */
		.price = "0.5117",		/* 0.5117 */
		.size = "40",			/* 40.0 */
		.side = TK_SIDE_SELL,		/* "sell" = taker */
		.trade_id = "4665906",		/* integer */
		/* 2023-09-25T07:49:37.708706Z */
		.ts = INT64_C(1695628177708706),
	});
}
END_TEST

/*
 * Several trades in one update, each its own tick in order; numbers keep
 * the digits Kraken printed, whatever binary double is closest to them.
 */
START_TEST(test_trade_batch_digits)
{
	struct tk_frame_result res;

	parse_str("{\"channel\":\"trade\",\"type\":\"update\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":105944.20,"
	    "\"qty\":0.1,\"trade_id\":1,"
	    "\"timestamp\":\"2024-02-29T23:59:59.999999Z\"},"
	    "{\"symbol\":\"ETH/USD\",\"side\":\"sell\",\"price\":5,"
	    "\"qty\":1E-8,\"trade_id\":9223372036854775807,"
	    "\"timestamp\":\"1970-01-01T00:00:00Z\"},"
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":0.30000000000000004,"
	    "\"qty\":1.5e+2,\"trade_id\":0,"
	    "\"timestamp\":\"2023-09-25T09:49:37.7087069Z\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 3);

	ck_assert_str_eq(sink.ticks[0].symbol, "BTC-USD");
	assert_dec(&sink.ticks[0].price, "105944.2");	/* not ...20000000001 */
	assert_dec(&sink.ticks[0].size, "0.1");
	ck_assert_int_eq(sink.ticks[0].side, TK_SIDE_BUY);
	ck_assert_str_eq(sink.ticks[0].trade_id, "1");
	ck_assert_int_eq(sink.ticks[0].ts, INT64_C(1709251199999999));

	ck_assert_str_eq(sink.ticks[1].symbol, "ETH-USD");
	assert_dec(&sink.ticks[1].price, "5");		/* JSON integer */
	assert_dec(&sink.ticks[1].size, "0.00000001");
	ck_assert_int_eq(sink.ticks[1].side, TK_SIDE_SELL);
	ck_assert_str_eq(sink.ticks[1].trade_id, "9223372036854775807");
	ck_assert_int_eq(sink.ticks[1].ts, 0);

	/* 17 digits survive too: the shortest text is the one sent. */
	assert_dec(&sink.ticks[2].price, "0.30000000000000004");
	assert_dec(&sink.ticks[2].size, "150");
	ck_assert_str_eq(sink.ticks[2].trade_id, "0");
	/* Nanoseconds are truncated, with an offset-free "Z". */
	ck_assert_int_eq(sink.ticks[2].ts, INT64_C(1695635377708706));

	/* Without "side" Kraken does not say who took. */
	parse_str("{\"channel\":\"trade\",\"type\":\"update\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"price\":1,\"qty\":2,\"trade_id\":3,"
	    "\"timestamp\":\"2023-09-25T09:49:37+01:30\"}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(sink.ticks[0].side, TK_SIDE_UNKNOWN);
	/* Offsets count: 09:49:37+01:30 is 08:19:37Z. */
	ck_assert_int_eq(sink.ticks[0].ts, INT64_C(1695629977000000));
}
END_TEST

/*
 * Trade snapshots replay old trades: checked and counted like any data,
 * never published.  A bad one is still reported.
 */
START_TEST(test_trade_snapshot_not_published)
{
	const char *const only_btc[] = { "BTC-USD" };
	struct tk_frame_result res;
	struct tk_symmap *m2;

	parse_fixture("trade_snapshot.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 0);

	parse_str("{\"channel\":\"trade\",\"type\":\"snapshot\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":\"1\","
	    "\"qty\":1,\"trade_id\":1,\"timestamp\":\"2023-09-25T07:48:36Z\"}"
	    "]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trade: field \"price\" is not a number");

	m2 = tk_symmap_new(adapter, only_btc, 1, NULL, 0);
	ck_assert_ptr_nonnull(m2);
	ctx.symbols = m2;
	parse_fixture("trade_snapshot.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.unknown, 2);
	ctx.symbols = map;
	tk_symmap_free(m2);
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	char buf[TK_TICK_JSON_MAX];

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "ticker.json",
		.symbol = "ALGO-USD",
		.bid = "0.10025",
		.bid_size = "740",		/* 740.0 */
		.ask = "0.10035",
		.ask_size = "740",
		/* 2023-09-25T09:04:31.742648Z */
		.ts = INT64_C(1695632671742648),
	});

	/* The snapshot is the book top now: published like an update. */
	parse_fixture("ticker_snapshot.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->ask_size, "1361.44813783");

	/* No timestamp (older docs): receive time stands in. */
	parse_str("{\"channel\":\"ticker\",\"type\":\"update\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"bid\":105944.20,\"bid_qty\":0,"
	    "\"ask\":105944.3,\"ask_qty\":2}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->ts, RECV_TS);
	assert_dec(&t->bid, "105944.2");
	assert_dec(&t->bid_size, "0");

	/* A null side is "no value", published as null. */
	parse_str("{\"channel\":\"ticker\",\"type\":\"update\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"bid\":null,\"bid_qty\":null,"
	    "\"ask\":3.5,\"ask_qty\":2}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "3.5");
	ck_assert_int_gt(tk_tick_format(t, 0, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"bid\":null,\"bid_size\":null,"
	    "\"ask\":\"3.5\""));
}
END_TEST

/*
 * status.json carries an integer beyond int64, which jansson refuses;
 * the frame is still understood, and so is a trade in the same case.
 */
START_TEST(test_integer_beyond_int64)
{
	struct tk_frame_result res;

	parse_fixture("status.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);

	parse_str("{\"channel\":\"trade\",\"type\":\"update\",\"x\":"
	    "13834774380200032777,\"data\":[{\"symbol\":\"BTC/USD\","
	    "\"side\":\"buy\",\"price\":2,\"qty\":40,"
	    "\"trade_id\":9007199254740992,"
	    "\"timestamp\":\"2023-09-25T07:48:36Z\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(sink.ticks[0].trade_id, "9007199254740992");
	assert_dec(&sink.ticks[0].size, "40");

	/* Past 2^53 a double no longer holds the id exactly. */
	parse_str("{\"channel\":\"trade\",\"type\":\"update\",\"x\":"
	    "13834774380200032777,\"data\":[{\"symbol\":\"BTC/USD\","
	    "\"side\":\"buy\",\"price\":2,\"qty\":40,"
	    "\"trade_id\":9007199254740994,"
	    "\"timestamp\":\"2023-09-25T07:48:36Z\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trade: field \"trade_id\" is out of range");

	/* The id itself beyond int64. */
	parse_str("{\"channel\":\"trade\",\"type\":\"update\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":2,\"qty\":1,"
	    "\"trade_id\":99999999999999999999,"
	    "\"timestamp\":\"2023-09-25T07:48:36Z\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trade: field \"trade_id\" is out of range");
}
END_TEST

/* A bad item stops the frame; the items before it are already out. */
START_TEST(test_bad_item_stops_batch)
{
	struct tk_frame_result res;

	parse_str("{\"channel\":\"trade\",\"type\":\"update\",\"data\":["
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":1,\"qty\":1,"
	    "\"trade_id\":1,\"timestamp\":\"2023-09-25T07:48:36Z\"},"
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":-1,\"qty\":1,"
	    "\"trade_id\":2,\"timestamp\":\"2023-09-25T07:48:36Z\"},"
	    "{\"symbol\":\"BTC/USD\",\"side\":\"buy\",\"price\":1,\"qty\":1,"
	    "\"trade_id\":3,\"timestamp\":\"2023-09-25T07:48:36Z\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trade: field \"price\" is negative");
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_str_eq(sink.ticks[0].trade_id, "1");
}
END_TEST

#define TRADE(fields) "{\"channel\":\"trade\",\"type\":\"update\"," \
	"\"data\":[{" fields "}]}"
#define TR_OK_TS "\"timestamp\":\"2023-09-25T07:49:37.708706Z\""
#define TICKER(fields) "{\"channel\":\"ticker\",\"type\":\"update\"," \
	"\"data\":[{" fields "}]}"
#define TK_OK "\"symbol\":\"BTC/USD\",\"bid\":1,\"bid_qty\":1,\"ask\":2"

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "truncated", "{\"channel\":\"trade\",\"type\":\"update\",\"data\":[",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"channel\":\"heartbeat\"} x",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "null", "null", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "number", "42", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[]", TK_FRAME_MALFORMED, "frame is not a JSON object" },
	{ "v1 array frame", "[42,[[\"5541.2\",\"0.15\",\"1534614057.3\","
	    "\"s\",\"l\",\"\"]],\"trade\",\"XBT/USD\"]", TK_FRAME_MALFORMED,
	    "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED, "unrecognised frame: "
	    "no \"channel\", \"method\" or \"error\"" },
	{ "v1 event", "{\"event\":\"heartbeat\"}", TK_FRAME_MALFORMED,
	    "unrecognised frame*" },
	{ "channel not string", "{\"channel\":5}", TK_FRAME_MALFORMED,
	    "frame: field \"channel\" is not a string" },
	{ "channel unknown", "{\"channel\":\"shiny\",\"data\":[1]}",
	    TK_FRAME_CONTROL, "" },
	{ "book", "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[]}",
	    TK_FRAME_DATA, "" },
	{ "ohlc", "{\"channel\":\"ohlc\",\"type\":\"update\",\"data\":[{}]}",
	    TK_FRAME_DATA, "" },
	{ "status maintenance", "{\"channel\":\"status\",\"type\":\"update\","
	    "\"data\":[{\"system\":\"maintenance\"}]}", TK_FRAME_CONTROL, "" },
	{ "NUL in string", TRADE("\"symbol\":\"BTC\\u0000/USD\""),
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "type missing", "{\"channel\":\"trade\",\"data\":[]}",
	    TK_FRAME_MALFORMED, "trade: field \"type\" is missing" },
	{ "type unknown", "{\"channel\":\"ticker\",\"type\":\"delta\","
	    "\"data\":[]}", TK_FRAME_MALFORMED,
	    "ticker: field \"type\" is not \"snapshot\" or \"update\"" },
	{ "type number", "{\"channel\":\"trade\",\"type\":1,\"data\":[]}",
	    TK_FRAME_MALFORMED,
	    "trade: field \"type\" is not \"snapshot\" or \"update\"" },
	{ "data missing", "{\"channel\":\"trade\",\"type\":\"update\"}",
	    TK_FRAME_MALFORMED, "trade: field \"data\" is missing" },
	{ "data object", "{\"channel\":\"trade\",\"type\":\"update\","
	    "\"data\":{}}", TK_FRAME_MALFORMED,
	    "trade: field \"data\" is not an array" },
	{ "data empty", "{\"channel\":\"trade\",\"type\":\"update\","
	    "\"data\":[]}", TK_FRAME_DATA, "" },
	{ "data item not object", "{\"channel\":\"ticker\","
	    "\"type\":\"update\",\"data\":[[]]}", TK_FRAME_MALFORMED,
	    "ticker: data[0] is not an object" },
	{ "symbol missing", TRADE("\"price\":1"), TK_FRAME_MALFORMED,
	    "trade: field \"symbol\" is missing" },
	{ "symbol number", TRADE("\"symbol\":7"), TK_FRAME_MALFORMED,
	    "trade: field \"symbol\" is not a string" },
	{ "price missing", TRADE("\"symbol\":\"BTC/USD\",\"qty\":1"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is missing" },
	{ "price string", TRADE("\"symbol\":\"BTC/USD\",\"price\":\"1.5\""),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is not a number" },
	{ "price empty string", TRADE("\"symbol\":\"BTC/USD\","
	    "\"price\":\"\""), TK_FRAME_MALFORMED,
	    "trade: field \"price\" is not a number" },
	{ "price null", TRADE("\"symbol\":\"BTC/USD\",\"price\":null"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is not a number" },
	{ "price bool", TRADE("\"symbol\":\"BTC/USD\",\"price\":true"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is not a number" },
	{ "price nested garbage", TRADE("\"symbol\":\"BTC/USD\","
	    "\"price\":[[[{\"x\":[]}]]]"), TK_FRAME_MALFORMED,
	    "trade: field \"price\" is not a number" },
	{ "price negative", TRADE("\"symbol\":\"BTC/USD\",\"price\":-0.5"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is negative" },
	{ "price negative int", TRADE("\"symbol\":\"BTC/USD\",\"price\":-3"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is negative" },
	{ "price huge", TRADE("\"symbol\":\"BTC/USD\",\"price\":1e300"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is out of range" },
	{ "price tiny", TRADE("\"symbol\":\"BTC/USD\",\"price\":1e-31"),
	    TK_FRAME_MALFORMED, "trade: field \"price\" is out of range" },
	{ "price beyond double", TRADE("\"symbol\":\"BTC/USD\","
	    "\"price\":1e400"), TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "price int beyond int64", TRADE("\"symbol\":\"BTC/USD\","
	    "\"price\":123456789012345678901234567890"), TK_FRAME_MALFORMED,
	    "trade: field \"price\" is out of range" },
	{ "qty missing", TRADE("\"symbol\":\"BTC/USD\",\"price\":1"),
	    TK_FRAME_MALFORMED, "trade: field \"qty\" is missing" },
	{ "qty string", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":\"40.0\""), TK_FRAME_MALFORMED,
	    "trade: field \"qty\" is not a number" },
	{ "id missing", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,\"qty\":1"),
	    TK_FRAME_MALFORMED, "trade: field \"trade_id\" is missing" },
	{ "id string", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,\"qty\":1,"
	    "\"trade_id\":\"12\""), TK_FRAME_MALFORMED,
	    "trade: field \"trade_id\" is not an integer" },
	{ "id real", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,\"qty\":1,"
	    "\"trade_id\":12.0"), TK_FRAME_MALFORMED,
	    "trade: field \"trade_id\" is not an integer" },
	{ "id negative", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,\"qty\":1,"
	    "\"trade_id\":-1"), TK_FRAME_MALFORMED,
	    "trade: field \"trade_id\" is negative" },
	{ "side number", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,\"qty\":1,"
	    "\"trade_id\":1,\"side\":1"), TK_FRAME_MALFORMED,
	    "trade: field \"side\" is not a string" },
	{ "side v1 letter", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"side\":\"b\""), TK_FRAME_MALFORMED,
	    "trade: field \"side\": \"b\" is not \"buy\" or \"sell\"" },
	{ "side empty", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"side\":\"\""), TK_FRAME_MALFORMED,
	    "trade: field \"side\": \"\" is not \"buy\" or \"sell\"" },
	{ "timestamp missing", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"side\":\"buy\""), TK_FRAME_MALFORMED,
	    "trade: field \"timestamp\" is missing" },
	{ "timestamp number", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"timestamp\":1695628177"),
	    TK_FRAME_MALFORMED, "trade: field \"timestamp\" is not a string" },
	{ "timestamp empty", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"timestamp\":\"\""), TK_FRAME_MALFORMED,
	    "trade: field \"timestamp\": \"\" is not an ISO-8601 time" },
	{ "timestamp v1 seconds", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"timestamp\":\"1534614057.321597\""),
	    TK_FRAME_MALFORMED, "trade: field \"timestamp\": "
	    "\"1534614057.321597\" is not an ISO-8601 time" },
	{ "timestamp no zone", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,"
	    "\"timestamp\":\"2023-09-25T07:49:37.708706\""),
	    TK_FRAME_MALFORMED, "trade: field \"timestamp\": "
	    "\"2023-09-25T07:49:37.708706\" is not an ISO-8601 time" },
	{ "timestamp feb 30", TRADE("\"symbol\":\"BTC/USD\",\"price\":1,"
	    "\"qty\":1,\"trade_id\":1,\"timestamp\":\"2023-02-30T00:00:00Z\""),
	    TK_FRAME_MALFORMED, "trade: field \"timestamp\": "
	    "\"2023-02-30T00:00:00Z\" is not an ISO-8601 time" },
	{ "timestamp before 1970", TRADE("\"symbol\":\"BTC/USD\","
	    "\"price\":1,\"qty\":1,\"trade_id\":1,"
	    "\"timestamp\":\"1969-12-31T23:59:59.999999Z\""),
	    TK_FRAME_MALFORMED, "trade: field \"timestamp\": "
	    "\"1969-12-31T23:59:59.999999Z\" is before 1970" },
	{ "timestamp long escaped", TRADE("\"symbol\":\"BTC/USD\","
	    "\"price\":1,\"qty\":1,\"trade_id\":1,\"timestamp\":"
	    "\"2023-09-25T07:49:37.\\n\\\"12345678901234567890\""),
	    TK_FRAME_MALFORMED, "trade: field \"timestamp\": "
	    "\"2023-09-25T07:49:37.\\n\\\"1234567890...\" is not an "
	    "ISO-8601 time" },
	{ "ticker bid string", TICKER("\"symbol\":\"BTC/USD\","
	    "\"bid\":\"1\""), TK_FRAME_MALFORMED,
	    "ticker: field \"bid\" is not a number" },
	{ "ticker ask_qty missing", TICKER(TK_OK), TK_FRAME_MALFORMED,
	    "ticker: field \"ask_qty\" is missing" },
	{ "ticker ask_qty negative", TICKER(TK_OK ",\"ask_qty\":-2.5"),
	    TK_FRAME_MALFORMED, "ticker: field \"ask_qty\" is negative" },
	{ "ticker bad timestamp", TICKER(TK_OK ",\"ask_qty\":1,"
	    "\"timestamp\":\"2023-09-25 09:04:31Z\""), TK_FRAME_MALFORMED,
	    "ticker: field \"timestamp\": \"2023-09-25 09:04:31Z\" is not an "
	    "ISO-8601 time" },
	{ "ticker timestamp null", TICKER(TK_OK ",\"ask_qty\":1,"
	    "\"timestamp\":null"), TK_FRAME_MALFORMED,
	    "ticker: field \"timestamp\" is not a string" },
	{ "method not string", "{\"method\":1}", TK_FRAME_MALFORMED,
	    "reply: field \"method\" is not a string" },
	{ "success not bool", "{\"method\":\"subscribe\",\"success\":1}",
	    TK_FRAME_MALFORMED, "subscribe: field \"success\" is not a boolean" },
	{ "subscribe rejected", "{\"error\":\"Currency pair not supported "
	    "XBT/USD\",\"method\":\"subscribe\",\"success\":false,"
	    "\"symbol\":\"XBT/USD\",\"time_in\":\"2023-09-25T09:21:10.428340Z\","
	    "\"time_out\":\"2023-09-25T09:21:10.428375Z\"}",
	    TK_FRAME_EXCHANGE_ERROR,
	    "subscribe: Currency pair not supported XBT/USD" },
	{ "subscribe rate limited", "{\"method\":\"subscribe\","
	    "\"success\":false,\"symbol\":\"BTC/USD\",\"error\":\"Rate limit "
	    "for snapshot requests exceeded\"}", TK_FRAME_EXCHANGE_ERROR,
	    "subscribe BTC/USD: Rate limit for snapshot requests exceeded" },
	{ "unsubscribe failed", "{\"method\":\"unsubscribe\","
	    "\"success\":false,\"error\":\"Subscription Not Found\"}",
	    TK_FRAME_EXCHANGE_ERROR, "unsubscribe: Subscription Not Found" },
	{ "failed without text", "{\"method\":\"subscribe\","
	    "\"success\":false,\"error\":{\"x\":1}}", TK_FRAME_EXCHANGE_ERROR,
	    "subscribe failed" },
	{ "bare error", "{\"error\":\"Malformed request\",\"success\":false}",
	    TK_FRAME_EXCHANGE_ERROR, "Malformed request" },
	{ "bare error not string", "{\"error\":[1]}", TK_FRAME_MALFORMED,
	    "unrecognised frame*" },
	{ "pong", "{\"method\":\"pong\",\"req_id\":1}", TK_FRAME_CONTROL, "" },
	{ "unsubscribe ok", "{\"method\":\"unsubscribe\",\"success\":true,"
	    "\"result\":{\"channel\":\"trade\"}}", TK_FRAME_CONTROL, "" },
};

/* Server heartbeats and WebSocket pings keep the line alive. */
static const struct tk_codec_fields fields = { .a = {
	.name = "kraken",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.kraken.com/v2",
	.types = TK_TYPES_ALL,
} };

/* No v1 renaming either way. */
static const struct tk_codec_native native[] = {
	{ "BTC-USD", "BTC/USD" }, { "DOGE-USD", "DOGE/USD" },
	{ "XBT-EUR", "XBT/EUR" }, { "1INCH-USD", "1INCH/USD" },
};
/* A spot market has no perpetuals or futures. */
static const char *const refused[] = { "BTC-USD-PERP", "BTC-USD-20261225",
	"btc-usd", "BTC/USD", "BTCUSD" };

#define SUB_TRADE(id) "{\"method\":\"subscribe\",\"params\":{\"channel\":" \
	"\"trade\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"],\"snapshot\":false}," \
	"\"req_id\":" id "}"
#define SUB_TICKER(id) "{\"method\":\"subscribe\",\"params\":{\"channel\":" \
	"\"ticker\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"],\"event_trigger\":" \
	"\"bbo\",\"snapshot\":true},\"req_id\":" id "}"

/* One message a channel, req_id counting from 1. */
static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USD", "ETH-USD"), TK_TYPES_ALL,
	    TK_LIST(SUB_TRADE("1"), SUB_TICKER("2")) },
	{ "quotes", TK_LIST("BTC-USD", "ETH-USD"), TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB_TICKER("1")) },
	{ "trades", TK_LIST("BTC-USD", "ETH-USD"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB_TRADE("1")) },
};

/* Chunks of at most 100 symbols, trade ones before ticker ones. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	static const unsigned sizes[] = { 100, 100, 50, 100, 100, 50 };
	const json_t *params, *list, *p;
	unsigned sym;
	size_t k;

	ck_assert_uint_lt(i, TK_NELEM(sizes));
	ck_assert_str_eq(json_string_value(json_object_get(msg, "method")),
	    "subscribe");
	ck_assert_int_eq(json_integer_value(json_object_get(msg, "req_id")),
	    i + 1);
	params = json_object_get(msg, "params");
	ck_assert_str_eq(json_string_value(json_object_get(params, "channel")),
	    i < 3 ? "trade" : "ticker");
	list = json_object_get(params, "symbol");
	ck_assert_uint_eq(json_array_size(list), sizes[i]);
	json_array_foreach(list, k, p) {
		ck_assert(sscanf(json_string_value(p),
		    "LONGBASE%7u/QUOTEXYZQUOTEXY", &sym) == 1);
		chunk_topic(sym, i >= 3);
	}
}

/* Quotes only: the same three chunks, numbered from 1. */
static void
quote_chunks(const struct tk_symmap *m)
{
	char buf[8192];

	ck_assert_int_gt(adapter->subscribe(m, TK_TYPE_BIT(TK_TICK_QUOTE), 2,
	    buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"channel\":\"ticker\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"req_id\":3}"));
	ck_assert_int_eq(adapter->subscribe(m, TK_TYPE_BIT(TK_TICK_QUOTE), 3,
	    buf, sizeof(buf)), 0);
}

/* 250 symbols of 31 bytes, as long as a valid symbol gets. */
static const struct tk_codec_chunks chunks = {
	.prefix = "LONGBASE", .width = 7, .suffix = "-QUOTEXYZQUOTEXY",
	.nsymbols = 250, .types = TK_TYPES_ALL, .nchannels = 2,
	.nmsgs = 6, .read = read_chunk, .more = quote_chunks,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trade.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "ticker.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "ticker.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ T_ONLY, "trade.json", TK_FRAME_DATA, 1, TK_TICK_TRADE },
	/* Filtered frames are still checked. */
	{ T_ONLY, TICKER(TK_OK ",\"ask_qty\":\"x\""), TK_FRAME_MALFORMED, 0,
	    TK_CODEC_ANY },
	{ 0, "trade.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "trade.json", 1, 0, NULL, false },
	/* Native names are exact: v1's XBT is not BTC, "BTC-USD" not native. */
	{ TICKER("\"symbol\":\"XBT/USD\",\"bid\":1,\"bid_qty\":1,\"ask\":2,"
	    "\"ask_qty\":1"), 1, 0, NULL, false },
	{ TICKER("\"symbol\":\"BTC-USD\",\"bid\":1,\"bid_qty\":1,\"ask\":2,"
	    "\"ask_qty\":1"), 1, 0, NULL, false },
	/* Known and unknown in one batch. */
	{ "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":"
	    "\"ETH/USD\",\"bid\":1,\"bid_qty\":1,\"ask\":2,\"ask_qty\":1},"
	    "{\"symbol\":\"BTC/USD\",\"bid\":1,\"bid_qty\":1,\"ask\":2,"
	    "\"ask_qty\":1}]}", 1, 1, TK_SYMBOL_IS("BTC-USD"), false },
	{ TICKER("\"symbol\":\"BTC/USD\",\"bid\":1,\"bid_qty\":1,\"ask\":2,"
	    "\"ask_qty\":1"), 1, 0, NULL, true },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(kraken,
    "{\"channel\":\"heartbeat\"}", "{\"data\":",
    "0-9.e\"{}[],:x\\E",
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("BTC-USD")));

static Suite *
kraken_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_trade_batch_digits);
	tcase_add_test(tc.golden, test_trade_snapshot_not_published);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_integer_beyond_int64);
	tcase_add_test(tc.bad, test_bad_item_stops_batch);
	return s;
}

int
main(void)
{
	return tk_codec_run(kraken_suite());
}
