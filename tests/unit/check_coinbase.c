/* SPDX-License-Identifier: MIT */
/*
 * The Coinbase Exchange adapter: golden frames (every tests/fixtures/coinbase
 * frame against its expected/<name>.out, written by hand), the SPEC rules
 * spelled out, malformed input, filters, and subscribe messages.
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
	"SKL-BTC", "SKL-USD", "BAND-GBP", "SKL-GBP", "BTC-USD", "ETH-USD",
};

/* Every frame in tests/fixtures/coinbase; test_golden_complete checks it. */
static const char *const golden[] = {
	"error.json", "heartbeat.json", "l2update.json", "last_match.json",
	"last_match_2.json", "match.json", "match_2.json",
	"subscribe_ack.json", "subscribe_ack_2.json", "subscribe_ack_3.json",
	"subscribe_request.json", "subscribe_request_2.json",
	"subscribe_request_heartbeat_docs.json", "ticker.json",
	"ticker_2.json", "ticker_4.json",
};

/*
 * The ETH-USD ticker of 2022-10-19 quoted in JudgeBot's ticker.ts (see
 * PROVENANCE.md): the newer feed with best_bid_size/best_ask_size.
 */
static const char ticker_sizes[] = "{\"type\":\"ticker\","
    "\"sequence\":37475248783,\"product_id\":\"ETH-USD\",\"price\":\"1285.22\","
    "\"open_24h\":\"1310.79\",\"volume_24h\":\"245532.79269678\","
    "\"low_24h\":\"1280.52\",\"high_24h\":\"1313.8\","
    "\"volume_30d\":\"9788783.60117027\",\"best_bid\":\"1285.04\","
    "\"best_bid_size\":\"0.46688654\",\"best_ask\":\"1285.27\","
    "\"best_ask_size\":\"1.56637040\",\"side\":\"buy\","
    "\"time\":\"2022-10-19T23:28:22.061769Z\",\"trade_id\":370843401,"
    "\"last_size\":\"11.4396987\"}";

/* SPEC: exact digits, taker side, µs times, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "match.json",
		.symbol = "SKL-BTC",
		.price = "0.00001305",
		.size = "985",
		/* "side":"sell" is the maker: the taker bought. */
		.side = TK_SIDE_BUY,
		.trade_id = "280232",
		/* 2021-04-17T16:43:37.089723Z */
		.ts = INT64_C(1618677817089723),
	});

	/* Maker bought: the taker sold. */
	parse_str("{\"type\":\"match\",\"trade_id\":7,\"side\":\"buy\","
	    "\"size\":\"1.50\",\"price\":\"100.00\",\"product_id\":\"BTC-USD\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->side, TK_SIDE_SELL);
	assert_dec(&t->price, "100");
	assert_dec(&t->size, "1.5");
	ck_assert_int_eq(t->ts, INT64_C(1618677817000000));

	/* last_match is a trade like any other. */
	parse_fixture("last_match_2.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->type, TK_TICK_TRADE);
	ck_assert_str_eq(t->trade_id, "147587438");
	ck_assert_int_eq(t->ts, INT64_C(1616298447112041));
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "ticker_4.json",
		.symbol = "BTC-USD",
		.bid = "29940.9",		/* "29940.90" */
		/* The 2022 capture has no sizes: "no value", not zero. */
		.bid_size = NULL,
		.ask = "29940.91",
		.ask_size = NULL,
		.ts = INT64_C(1654161654127011),
	});

	parse_str(ticker_sizes, &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "ETH-USD");
	assert_dec(&t->bid, "1285.04");
	assert_dec(&t->bid_size, "0.46688654");
	assert_dec(&t->ask, "1285.27");
	assert_dec(&t->ask_size, "1.5663704");
	ck_assert_int_eq(t->ts, INT64_C(1666222102061769));

	/* JSON null sizes are "no value" too; an empty book side is "0". */
	parse_str("{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_bid\":\"0\",\"best_ask\":\"2\",\"best_bid_size\":null,"
	    "\"best_ask_size\":\"3\",\"time\":\"2022-10-19T23:28:22Z\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "0");
	ck_assert(!t->bid_size.valid);
	assert_dec(&t->ask_size, "3");

	/* A ticker without "time": the receive time stands in. */
	parse_str("{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_bid\":\"1\",\"best_ask\":\"2\"}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->ts, RECV_TS);
}
END_TEST

/* Time text as the feed sends it, and the variants RFC 3339 allows. */
static const struct {
	const char	*time;
	int64_t		 ts;
} times[] = {
	{ "2021-04-17T16:43:37.089723Z", INT64_C(1618677817089723) },
	{ "2021-04-17T16:43:37.089723999Z", INT64_C(1618677817089723) },
	{ "2021-04-17T16:43:37.08Z", INT64_C(1618677817080000) },
	{ "2021-04-17T16:43:37Z", INT64_C(1618677817000000) },
	{ "2021-04-17T18:43:37.089723+02:00", INT64_C(1618677817089723) },
	{ "1970-01-01T00:00:00Z", 0 },
};

START_TEST(test_times)
{
	struct tk_frame_result res;
	char frame[256];

	snprintf(frame, sizeof(frame), "{\"type\":\"match\",\"trade_id\":1,"
	    "\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"product_id\":\"BTC-USD\",\"time\":\"%s\"}", times[_i].time);
	parse_str(frame, &res);
	ck_assert_msg(res.kind == TK_FRAME_DATA, "%s: %s", times[_i].time,
	    res.detail);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(sink.ticks[0].ts, times[_i].ts);
}
END_TEST

START_TEST(test_trade_edges)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	/* No side: the exchange did not say who took. */
	parse_str("{\"type\":\"match\",\"trade_id\":0,\"size\":\"1\","
	    "\"price\":\"1\",\"product_id\":\"BTC-USD\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
	ck_assert_str_eq(t->trade_id, "0");
	/* Largest id, last µs of year 9999. */
	parse_str("{\"type\":\"match\",\"trade_id\":9223372036854775807,"
	    "\"side\":\"sell\",\"size\":\"1E-8\",\"price\":\"1\","
	    "\"product_id\":\"BTC-USD\","
	    "\"time\":\"9999-12-31T23:59:59.999999Z\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_str_eq(t->trade_id, "9223372036854775807");
	ck_assert_int_eq(t->ts, INT64_C(253402300799999999));
	assert_dec(&t->size, "0.00000001");
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "truncated", "{\"type\":\"match\",\"trade_id\":1",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"type\":\"heartbeat\"} x",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "null", "null", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "string", "\"match\"", TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "array", "[{\"type\":\"match\"}]", TK_FRAME_MALFORMED,
	    "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED,
	    "frame: field \"type\" is missing" },
	{ "type number", "{\"type\":5}", TK_FRAME_MALFORMED,
	    "frame: field \"type\" is not a string" },
	{ "type nested", "{\"type\":{\"type\":\"match\"}}", TK_FRAME_MALFORMED,
	    "frame: field \"type\" is not a string" },
	{ "type unknown", "{\"type\":\"status\",\"products\":[]}",
	    TK_FRAME_CONTROL, "" },
	{ "NUL in string", "{\"type\":\"match\",\"product_id\":"
	    "\"BTC\\u0000USD\"}", TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "missing product", "{\"type\":\"match\",\"trade_id\":1,"
	    "\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"product_id\" is missing" },
	{ "product number", "{\"type\":\"ticker\",\"product_id\":1,"
	    "\"best_bid\":\"1\",\"best_ask\":\"1\"}", TK_FRAME_MALFORMED,
	    "ticker: field \"product_id\" is not a string" },
	{ "price number", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":1.5,"
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"price\" is not a string" },
	{ "bad decimal", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1.2.3\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"price\": \"1.2.3\" is not a decimal" },
	{ "empty size", "{\"type\":\"last_match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "last_match: field \"size\": \"\" is not a decimal" },
	{ "huge decimal", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\","
	    "\"price\":\"123456789012345678901234567890\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"price\": \"123456789012345678901234567890\" "
	    "is out of range" },
	{ "long bad decimal shown short", "{\"type\":\"match\","
	    "\"product_id\":\"BTC-USD\",\"trade_id\":1,\"side\":\"buy\","
	    "\"size\":\"1\",\"price\":\"1x345678901234567890123456789012345\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"price\": \"1x345678901234567890123456789012...\" "
	    "is not a decimal" },
	{ "negative size", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"-1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"size\": \"-1\" is negative" },
	{ "id string", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":\"1\",\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"trade_id\" is not an integer" },
	{ "id missing", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"trade_id\" is missing" },
	{ "id negative", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":-5,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"trade_id\" is negative" },
	{ "id real", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1e3,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"trade_id\" is not an integer" },
	{ "id beyond int64", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":99999999999999999999999,\"side\":\"buy\","
	    "\"size\":\"1\",\"price\":\"1\",\"time\":\"2021-04-17T16:43:37Z\"}",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "side other", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"BUY\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"side\": \"BUY\" is not \"buy\" or \"sell\"" },
	{ "side bool", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":true,\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"side\" is not a string" },
	{ "time missing", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\"}",
	    TK_FRAME_MALFORMED, "match: field \"time\" is missing" },
	{ "time number", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":1618677817}", TK_FRAME_MALFORMED,
	    "match: field \"time\" is not a string" },
	{ "time garbage", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"yesterday\"}", TK_FRAME_MALFORMED,
	    "match: field \"time\": \"yesterday\" is not an ISO-8601 time" },
	{ "time no zone", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"2021-04-17T16:43:37.089723\"}", TK_FRAME_MALFORMED,
	    "match: field \"time\": \"2021-04-17T16:43:37.089723\" "
	    "is not an ISO-8601 time" },
	{ "time Feb 30", "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_bid\":\"1\",\"best_ask\":\"1\","
	    "\"time\":\"2021-02-30T00:00:00Z\"}", TK_FRAME_MALFORMED,
	    "ticker: field \"time\": \"2021-02-30T00:00:00Z\" "
	    "is not an ISO-8601 time" },
	{ "time before 1970", "{\"type\":\"match\",\"product_id\":\"BTC-USD\","
	    "\"trade_id\":1,\"side\":\"buy\",\"size\":\"1\",\"price\":\"1\","
	    "\"time\":\"1969-12-31T23:59:59Z\"}", TK_FRAME_MALFORMED,
	    "match: field \"time\": \"1969-12-31T23:59:59Z\" is before 1970" },
	{ "time null in ticker", "{\"type\":\"ticker\","
	    "\"product_id\":\"BTC-USD\",\"best_bid\":\"1\",\"best_ask\":\"1\","
	    "\"time\":null}", TK_FRAME_MALFORMED,
	    "ticker: field \"time\" is not a string" },
	{ "ticker no bid", "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_ask\":\"1\",\"time\":\"2021-04-17T16:43:37Z\"}",
	    TK_FRAME_MALFORMED, "ticker: field \"best_bid\" is missing" },
	{ "ticker bid null", "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_bid\":null,\"best_ask\":\"1\"}", TK_FRAME_MALFORMED,
	    "ticker: field \"best_bid\" is not a string" },
	{ "ticker bad size", "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_bid\":\"1\",\"best_ask\":\"1\",\"best_ask_size\":\"x\"}",
	    TK_FRAME_MALFORMED,
	    "ticker: field \"best_ask_size\": \"x\" is not a decimal" },
	{ "ticker size number", "{\"type\":\"ticker\","
	    "\"product_id\":\"BTC-USD\",\"best_bid\":\"1\",\"best_ask\":\"1\","
	    "\"best_bid_size\":0.5}", TK_FRAME_MALFORMED,
	    "ticker: field \"best_bid_size\" is not a string" },
	{ "ticker nested garbage", "{\"type\":\"ticker\","
	    "\"product_id\":\"BTC-USD\",\"best_bid\":[[[{\"x\":[]}]]],"
	    "\"best_ask\":\"1\"}", TK_FRAME_MALFORMED,
	    "ticker: field \"best_bid\" is not a string" },
	{ "error reason only", "{\"type\":\"error\",\"reason\":\"x\"}",
	    TK_FRAME_EXCHANGE_ERROR, "error without a message" },
	{ "error no reason", "{\"type\":\"error\",\"message\":\"Failed to "
	    "subscribe\"}", TK_FRAME_EXCHANGE_ERROR, "Failed to subscribe" },
	{ "error control chars", "{\"type\":\"error\",\"message\":\"a\\nb\","
	    "\"reason\":\"c\\td\"}", TK_FRAME_EXCHANGE_ERROR, "a b: c d" },
	{ "subscriptions", "{\"type\":\"subscriptions\",\"channels\":[]}",
	    TK_FRAME_CONTROL, "" },
	{ "l3 open", "{\"type\":\"open\",\"product_id\":\"BTC-USD\"}",
	    TK_FRAME_DATA, "" },
	{ "snapshot", "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\","
	    "\"bids\":[],\"asks\":[]}", TK_FRAME_DATA, "" },
};

/* WebSocket pings suffice; no documented connection limit. */
static const struct tk_codec_fields fields = { .a = {
	.name = "coinbase",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws-feed.exchange.coinbase.com",
	.types = TK_TYPES_ALL,
} };

static const struct tk_codec_native native[] = {
	{ "BTC-USD", "BTC-USD" }, { "1INCH-EUR", "1INCH-EUR" },
};
static const char *const refused[] = { "btc-usd", "BTCUSD" };

#define SUB(channels) "{\"type\":\"subscribe\",\"product_ids\":" \
	"[\"BTC-USD\",\"ETH-EUR\"],\"channels\":[" channels "]}"

static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USD", "ETH-EUR"), TK_TYPES_ALL,
	    TK_LIST(SUB("\"matches\",\"ticker\"")) },
	{ "trades", TK_LIST("BTC-USD", "ETH-EUR"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB("\"matches\"")) },
	{ "quotes", TK_LIST("BTC-USD", "ETH-EUR"), TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB("\"ticker\"")) },
};

/* Both channels for every product of a message. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	const json_t *ids, *chans, *p;
	unsigned sym;
	size_t k;

	ck_assert_str_eq(json_string_value(json_object_get(msg, "type")),
	    "subscribe");
	chans = json_object_get(msg, "channels");
	ck_assert_uint_eq(json_array_size(chans), 2);
	ck_assert_str_eq(json_string_value(json_array_get(chans, 0)),
	    "matches");
	ck_assert_str_eq(json_string_value(json_array_get(chans, 1)),
	    "ticker");
	ids = json_object_get(msg, "product_ids");
	ck_assert_uint_gt(json_array_size(ids), 0);
	json_array_foreach(ids, k, p) {
		ck_assert(sscanf(json_string_value(p), "LONGBASE%4u-QUOTEXY",
		    &sym) == 1);
		chunk_topic(sym, 0);
	}
}

/* ~23 bytes a product: the 4096-byte bound makes 4 messages or more. */
static const struct tk_codec_chunks chunks = {
	.prefix = "LONGBASE", .width = 4, .suffix = "-QUOTEXY",
	.nsymbols = 600, .types = TK_TYPES_ALL, .nchannels = 1,
	.min_msgs = 4, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "match.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "ticker.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "ticker.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ T_ONLY, "last_match.json", TK_FRAME_DATA, 1, TK_TICK_TRADE },
	/* Filtered frames are still checked. */
	{ T_ONLY, "{\"type\":\"ticker\",\"product_id\":\"BTC-USD\","
	    "\"best_bid\":\"x\",\"best_ask\":\"2\"}", TK_FRAME_MALFORMED, 0,
	    TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "match.json", 1, 0, NULL, false },		/* SKL-BTC */
	{ "ticker.json", 1, 0, NULL, false },		/* BAND-GBP */
	/* Product ids are exact: lower case is not BTC-USD. */
	{ "{\"type\":\"ticker\",\"product_id\":\"btc-usd\",\"best_bid\":\"1\","
	    "\"best_ask\":\"2\"}", 1, 0, NULL, false },
	{ "ticker_4.json", 0, 1, TK_SYMBOL_IS("BTC-USD"), false },
	{ "ticker_4.json", 1, 0, NULL, true },
};

/* Matches and tickers are read in place (coinbase.c's fast path). */
START_TEST(test_hot_frames_read_in_place)
{
	static const char *const hot[] = {
		"last_match.json", "last_match_2.json", "match.json",
		"match_2.json", "ticker.json", "ticker_2.json", "ticker_4.json",
	};

	assert_read_in_place(hot, TK_NELEM(hot));
}
END_TEST

static const struct tk_codec_test codec = TK_CODEC_TEST(coinbase,
    "{\"type\":\"heartbeat\"}", "{\"type\":",
    "0-9.e\"{}[],:xTZ",
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("BTC-USD")));

static Suite *
coinbase_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_loop_test(tc.golden, test_times, 0, sizeof(times) / sizeof(times[0]));
	tcase_add_test(tc.golden, test_trade_edges);
	tcase_add_test(tc.golden, test_hot_frames_read_in_place);
	return s;
}

int
main(void)
{
	return tk_codec_run(coinbase_suite());
}
