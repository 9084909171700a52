/* SPDX-License-Identifier: MIT */
/*
 * The Binance adapter: golden frames (every tests/fixtures/binance frame
 * against its expected/<name>.out, written by hand), the SPEC rules spelled
 * out, malformed input, filters, and subscribe messages.
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
	"NKN-USDT", "BTC-USDT", "OMG-BUSD", "ETH-USDT", "BNB-BTC",
	"BNB-USDT", "ETH-BTC",
};

/* Every frame in tests/fixtures/binance; test_golden_complete checks it. */
static const char *const golden[] = {
	"aggTrade.json", "aggTrade_3.json", "aggTrade_4_binance_us.json",
	"aggTrade_5_extra_field.json", "aggTrade_raw_docs.json",
	"bookTicker.json", "bookTicker_3.json", "bookTicker_raw_docs.json",
	"edge_bookTicker_all_market_deprecated.json",
	"edge_bookTicker_futures.json", "edge_bookTicker_with_T_E.json",
	"edge_ticker_arr_all_market.json", "error.json", "error_2.json",
	"error_3.json", "list_subscriptions_request.json",
	"list_subscriptions_response.json", "server_shutdown_combined.json",
	"server_shutdown_raw.json", "subscribe_ack.json",
	"subscribe_ack_2.json", "subscribe_request.json", "ticker_24hr.json",
	"trade.json", "trade_3_old_format.json", "trade_raw_docs.json",
	"unsubscribe_request.json",
};

/* SPEC: digits without trailing zeros, taker side, µs times, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	char *frame;
	size_t len;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "aggTrade.json",
		.symbol = "NKN-USDT",
		.price = "0.3528",		/* "0.35280000" */
		.size = "58",			/* "58.00000000" */
		.side = TK_SIDE_BUY,		/* m:false */
		.trade_id = "15683430",		/* "a" */
		.ts = INT64_C(1633998523963000),	/* T */
	});

	sink.n = 0;
	frame = tk_test_read_fixture("binance/trade.json", &len);
	adapter->parse(&ctx, frame, len, &res);
	free(frame);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->side, TK_SIDE_SELL);	/* m:true */
	ck_assert_str_eq(t->trade_id, "705291099");	/* "t", not "a" */
	/* T (trade time), not E (push time, 1 ms later). */
	ck_assert_int_eq(t->ts, INT64_C(1639351062243000));
	assert_dec(&t->price, "4149.74");
	assert_dec(&t->size, "0.4387");
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "bookTicker.json",
		.symbol = "NKN-USDT",
		.bid = "0.3521",
		.bid_size = "672",
		.ask = "0.3526",
		.ask_size = "3199",
		/* Spot bookTicker has no time: receive time stands in. */
		.ts = RECV_TS,
	});

	/* With T and E, T wins; with E only, E. */
	parse_str("{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"2\","
	    "\"a\":\"3\",\"A\":\"4\",\"T\":1000,\"E\":2000}", &res);
	ck_assert_int_eq(t->ts, 1000000);
	parse_str("{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"2\","
	    "\"a\":\"3\",\"A\":\"4\",\"E\":2000}", &res);
	ck_assert_int_eq(t->ts, 2000000);
	/* An empty book side is "0", which is still a quote. */
	parse_str("{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"0.00000000\","
	    "\"B\":\"0.00000000\",\"a\":\"3\",\"A\":\"4\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "0");
}
END_TEST

START_TEST(test_trade_time_fallbacks)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	parse_str("{\"e\":\"trade\",\"E\":5,\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_int_eq(t->ts, 5000);
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);	/* no "m" */
	/* Largest id and the last ms of year 9999 still fit. */
	parse_str("{\"e\":\"trade\",\"s\":\"BTCUSDT\","
	    "\"t\":9223372036854775807,\"p\":\"1\",\"q\":\"1\","
	    "\"T\":253402300799999,\"m\":false}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_str_eq(t->trade_id, "9223372036854775807");
	ck_assert_int_eq(t->ts, INT64_C(253402300799999000));
	parse_str("{\"e\":\"aggTrade\",\"s\":\"BTCUSDT\",\"a\":0,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":0,\"m\":true}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_str_eq(t->trade_id, "0");
	ck_assert_int_eq(t->ts, 0);
}
END_TEST

/* 50 bytes, for texts that reach the end of a detail. */
#define A50 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "truncated", "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"result\":null,\"id\":1} x",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "null", "null", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "number", "42", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[]", TK_FRAME_MALFORMED, "frame is not a JSON object" },
	{ "array of events", "[{\"e\":\"trade\"}]", TK_FRAME_MALFORMED,
	    "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED,
	    "unrecognised frame: no \"e\", \"result\", \"code\" or "
	    "\"stream\"/\"data\"" },
	{ "e not string", "{\"e\":5}", TK_FRAME_MALFORMED,
	    "event: field \"e\" is not a string" },
	{ "e unknown", "{\"e\":\"foo\",\"E\":1}", TK_FRAME_CONTROL, "" },
	{ "NUL in string", "{\"e\":\"trade\",\"s\":\"BTC\\u0000USDT\"}",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "bad decimal", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"abc\",\"q\":\"1\",\"T\":1,\"m\":true}", TK_FRAME_MALFORMED,
	    "trade: field \"p\": \"abc\" is not a decimal" },
	{ "two dots", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1.2.3\",\"q\":\"1\",\"T\":1,\"m\":true}",
	    TK_FRAME_MALFORMED,
	    "trade: field \"p\": \"1.2.3\" is not a decimal" },
	{ "empty decimal", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"\",\"T\":1,\"m\":true}", TK_FRAME_MALFORMED,
	    "trade: field \"q\": \"\" is not a decimal" },
	{ "huge decimal", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"123456789012345678901234567890\",\"q\":\"1\",\"T\":1}",
	    TK_FRAME_MALFORMED, "trade: field \"p\": "
	    "\"123456789012345678901234567890\" is out of range" },
	{ "long decimal shown short", "{\"e\":\"trade\",\"s\":\"BTCUSDT\","
	    "\"t\":1,\"p\":\"1x345678901234567890123456789012345\","
	    "\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"p\": \"1x345678901234567890123456789012...\" "
	    "is not a decimal" },
	/* A character that straddles the end is dropped whole. */
	{ "error cut between characters", "{\"code\":2,\"msg\":\"" A50 A50
	    A50 "\xc3\xa9 and more\"}", TK_FRAME_EXCHANGE_ERROR,
	    "code 2: " A50 A50 A50 },
	{ "quote cut between characters", "{\"e\":\"trade\","
	    "\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1234567890123456789012345678901"
	    "\xe2\x82\xac\",\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"p\": \"1234567890123456789012345678901...\" "
	    "is not a decimal" },
	{ "escaped in detail", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\\n\\\"2\",\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"p\": \"1\\n\\\"2\" is not a decimal" },
	{ "negative price", "{\"e\":\"aggTrade\",\"s\":\"BTCUSDT\",\"a\":1,"
	    "\"p\":\"-1\",\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "aggTrade: field \"p\": \"-1\" is negative" },
	{ "price number", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":1.5,\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"p\" is not a string" },
	{ "missing q", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"q\" is missing" },
	{ "missing s", "{\"e\":\"trade\",\"t\":1,\"p\":\"1\",\"q\":\"1\"}",
	    TK_FRAME_MALFORMED, "trade: field \"s\" is missing" },
	{ "s number", "{\"e\":\"trade\",\"s\":7,\"t\":1,\"p\":\"1\","
	    "\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"s\" is not a string" },
	{ "id string", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":\"12\","
	    "\"p\":\"1\",\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"t\" is not an integer" },
	{ "id missing", "{\"e\":\"aggTrade\",\"s\":\"BTCUSDT\",\"t\":12,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "aggTrade: field \"a\" is missing" },
	{ "id negative", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":-1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":1}", TK_FRAME_MALFORMED,
	    "trade: field \"t\" is negative" },
	{ "m string", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":\"true\"}",
	    TK_FRAME_MALFORMED, "trade: field \"m\" is not a boolean" },
	{ "T string", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":\"1\"}", TK_FRAME_MALFORMED,
	    "trade: field \"T\" is not an integer" },
	{ "T real", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":1.6e12}", TK_FRAME_MALFORMED,
	    "trade: field \"T\" is not an integer" },
	{ "T negative", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":-1}", TK_FRAME_MALFORMED,
	    "trade: field \"T\" is not a time in ms between 1970 and 9999" },
	{ "T year 10000", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":253402300800000}",
	    TK_FRAME_MALFORMED,
	    "trade: field \"T\" is not a time in ms between 1970 and 9999" },
	{ "T int64 max", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":9223372036854775807}",
	    TK_FRAME_MALFORMED,
	    "trade: field \"T\" is not a time in ms between 1970 and 9999" },
	{ "T beyond int64", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":99999999999999999999999}",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "E bad with T", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\",\"T\":1,\"E\":null}", TK_FRAME_MALFORMED,
	    "trade: field \"E\" is not an integer" },
	{ "no time", "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,"
	    "\"p\":\"1\",\"q\":\"1\"}", TK_FRAME_MALFORMED,
	    "trade: field \"T\" is missing (and so is \"E\")" },
	{ "book missing A", "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\","
	    "\"B\":\"1\",\"a\":\"1\"}", TK_FRAME_MALFORMED,
	    "bookTicker: field \"A\" is missing" },
	{ "book bad T", "{\"e\":\"bookTicker\",\"s\":\"BTCUSDT\",\"b\":\"1\","
	    "\"B\":\"1\",\"a\":\"1\",\"A\":\"1\",\"T\":true}",
	    TK_FRAME_MALFORMED, "bookTicker: field \"T\" is not an integer" },
	{ "book nested garbage", "{\"u\":1,\"s\":\"BTCUSDT\","
	    "\"b\":[[[{\"x\":[]}]]],\"B\":\"1\",\"a\":\"1\",\"A\":\"1\"}",
	    TK_FRAME_MALFORMED, "bookTicker: field \"b\" is not a string" },
	{ "data string", "{\"stream\":\"x\",\"data\":\"y\"}",
	    TK_FRAME_MALFORMED,
	    "stream: field \"data\" is not an object or array" },
	{ "stream number", "{\"stream\":1,\"data\":{}}", TK_FRAME_MALFORMED,
	    "stream: field \"stream\" is not a string" },
	{ "data empty object", "{\"stream\":\"x\",\"data\":{}}",
	    TK_FRAME_MALFORMED, "unrecognised frame*" },
	{ "data array non-object", "{\"stream\":\"!ticker@arr\",\"data\":"
	    "[{\"e\":\"24hrTicker\"},7]}", TK_FRAME_MALFORMED,
	    "stream: data[1] is not an object" },
	{ "data array bad trade", "{\"stream\":\"x\",\"data\":"
	    "[{\"e\":\"trade\"}]}", TK_FRAME_MALFORMED,
	    "trade: field \"s\" is missing" },
	{ "data array stops at bad", "{\"stream\":\"x\",\"data\":"
	    "[{\"e\":\"trade\"},{\"e\":\"24hrTicker\"}]}", TK_FRAME_MALFORMED,
	    "trade: field \"s\" is missing" },
	{ "reply not nested", "{\"stream\":\"x\",\"data\":{\"result\":null,"
	    "\"id\":1}}", TK_FRAME_MALFORMED, "unrecognised frame*" },
	{ "data empty array", "{\"stream\":\"x\",\"data\":[]}",
	    TK_FRAME_DATA, "" },
	{ "wrapper not nested", "{\"stream\":\"x\",\"data\":{\"stream\":"
	    "\"y\",\"data\":{}}}", TK_FRAME_MALFORMED, "unrecognised frame*" },
	{ "depth snapshot", "{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}",
	    TK_FRAME_DATA, "" },
	{ "result true", "{\"result\":true,\"id\":2}", TK_FRAME_CONTROL, "" },
	{ "error nested", "{\"error\":{\"code\":2,\"msg\":\"Invalid request: "
	    "invalid stream\"},\"id\":2}", TK_FRAME_EXCHANGE_ERROR,
	    "code 2: Invalid request: invalid stream" },
	{ "error with id", "{\"code\":0,\"msg\":\"Unknown property\","
	    "\"id\":5}", TK_FRAME_EXCHANGE_ERROR, "code 0: Unknown property" },
	{ "error code string", "{\"code\":\"2\",\"msg\":\"x\"}",
	    TK_FRAME_MALFORMED, "error: field \"code\" is not an integer" },
	{ "error no msg", "{\"code\":2}", TK_FRAME_MALFORMED,
	    "error: field \"msg\" is missing" },
	{ "error not object", "{\"error\":\"boom\"}", TK_FRAME_MALFORMED,
	    "error: field \"error\" is not an object" },
	{ "shutdown", "{\"e\":\"serverShutdown\"}", TK_FRAME_RECONNECT,
	    "serverShutdown" },
	{ "mini ticker", "{\"e\":\"24hrMiniTicker\",\"s\":\"BTCUSDT\"}",
	    TK_FRAME_DATA, "" },
};

/* Short names: the 200-stream limit bites first. */
START_TEST(test_subscribe_param_limit)
{
	enum { N = 250 };
	static char names[N][TK_SYMBOL_MAX];
	const char *syms[N];
	struct tk_symmap *m2;
	char buf[8192];
	json_t *msg;
	unsigned i;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "A%u-B", i);
		syms[i] = names[i];
	}
	m2 = tk_symmap_new(adapter, syms, N, NULL, 0);
	ck_assert_ptr_nonnull(m2);
	ck_assert_int_gt(adapter->subscribe(m2,
	    TK_TYPE_BIT(TK_TICK_TRADE), 0, buf, sizeof(buf)), 0);
	msg = json_loads(buf, 0, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(msg, "params")),
	    200);
	json_decref(msg);
	ck_assert_int_gt(adapter->subscribe(m2,
	    TK_TYPE_BIT(TK_TICK_TRADE), 1, buf, sizeof(buf)), 0);
	msg = json_loads(buf, 0, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(msg, "params")),
	    50);
	ck_assert_int_eq(json_integer_value(json_object_get(msg, "id")), 2);
	json_decref(msg);
	ck_assert_int_eq(adapter->subscribe(m2,
	    TK_TYPE_BIT(TK_TICK_TRADE), 2, buf, sizeof(buf)), 0);
	tk_symmap_free(m2);
}
END_TEST

/* Binance pings at the WebSocket level and cuts at 24 h: rotate. */
static const struct tk_codec_fields fields = { .a = {
	.name = "binance",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://stream.binance.com:9443/ws",
	.types = TK_TYPES_ALL,
	.max_connection_s = 24 * 3600,
} };

static const struct tk_codec_native native[] = {
	{ "BTC-USDT", "BTCUSDT" }, { "1000SATS-USDT", "1000SATSUSDT" },
};
static const char *const refused[] = { "btc-usdt", "BTCUSDT" };

#define SUB(params) "{\"method\":\"SUBSCRIBE\",\"params\":[" params "]," \
	"\"id\":1}"

static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPES_ALL,
	    TK_LIST(SUB("\"btcusdt@trade\",\"btcusdt@bookTicker\","
	    "\"ethbtc@trade\",\"ethbtc@bookTicker\"")) },
	{ "quotes", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB("\"btcusdt@bookTicker\",\"ethbtc@bookTicker\"")) },
	{ "trades", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB("\"btcusdt@trade\",\"ethbtc@trade\"")) },
};

/* At most 200 streams a message, "id" counting from 1. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	const json_t *params, *p;
	char stream[64];
	unsigned sym;
	size_t k;

	ck_assert_str_eq(json_string_value(json_object_get(msg, "method")),
	    "SUBSCRIBE");
	ck_assert_int_eq(json_integer_value(json_object_get(msg, "id")),
	    i + 1);
	params = json_object_get(msg, "params");
	ck_assert_uint_le(json_array_size(params), 200);
	ck_assert_uint_gt(json_array_size(params), 0);
	json_array_foreach(params, k, p) {
		ck_assert(sscanf(json_string_value(p),
		    "longbase%4uquotexy@%63s", &sym, stream) == 2);
		ck_assert(strcmp(stream, "trade") == 0 ||
		    strcmp(stream, "bookTicker") == 0);
		chunk_topic(sym, stream[0] == 'b');
	}
}

/*
 * Long names, so that the byte limit bites before 200: ~30 bytes a
 * stream, 8 messages or more.
 */
static const struct tk_codec_chunks chunks = {
	.prefix = "LONGBASE", .width = 4, .suffix = "-QUOTEXY",
	.nsymbols = 500, .types = TK_TYPES_ALL, .nchannels = 2,
	.min_msgs = 8, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trade.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "bookTicker.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\","
	    "\"a\":\"1\",\"A\":\"1\"}", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	/* Filtered frames are still checked. */
	{ T_ONLY, "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"x\",\"B\":\"1\","
	    "\"a\":\"1\",\"A\":\"1\"}", TK_FRAME_MALFORMED, 0, TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "aggTrade.json", 1, 0, NULL, false },
	/* Native names are exact: lower case is not BTCUSDT. */
	{ "{\"u\":1,\"s\":\"btcusdt\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\"1\"}", 1, 0, NULL, false },
	{ "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\"1\"}", 0, 1, TK_SYMBOL_IS("BTC-USDT"), false },
	{ "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\"1\"}", 1, 0, NULL, true },
};

/*
 * The frames Binance sends all day (trades, aggregate trades and book
 * tickers, raw and in the combined-stream wrapper) are read in place.
 * The golden tests say what they give; test_golden_escaped that the JSON
 * path gives the same.
 */
START_TEST(test_hot_frames_read_in_place)
{
	static const char *const hot[] = {
		"trade.json", "trade_3_old_format.json", "trade_raw_docs.json",
		"aggTrade.json", "aggTrade_5_extra_field.json",
		"aggTrade_raw_docs.json", "bookTicker.json",
		"bookTicker_raw_docs.json", "edge_bookTicker_with_T_E.json",
		"edge_bookTicker_futures.json",
	};

	assert_read_in_place(hot, TK_NELEM(hot));
}
END_TEST

static const struct tk_codec_test codec = TK_CODEC_TEST(binance,
    "{\"result\":null,\"id\":1}", "{\"u\":",
    "0-9.e\"{}[],:x\\E",
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("BTC-USDT")));

static Suite *
binance_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_trade_time_fallbacks);
	tcase_add_test(tc.golden, test_hot_frames_read_in_place);
	tcase_add_test(tc.subscribe, test_subscribe_param_limit);
	return s;
}

int
main(void)
{
	return tk_codec_run(binance_suite());
}
