/* SPDX-License-Identifier: MIT */
/*
 * The OKX adapter: golden frames (every tests/fixtures/okx frame against
 * its expected/<name>.out, written by hand), the SPEC rules spelled out
 * (empty strings are "no value", never a zero price), malformed input,
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

static const char *const fixture_symbols[] = { "BTC-USDT", "ETH-USDT",
	"BTC-USDT-PERP", "BTC-USD-PERP", "UNI-USD-PERP" };

/* The instruments list setup() gives rest_parse() (PROVENANCE.md). */
static const char *const rest_answers[] = { "rest/instruments_swap.json",
	NULL };

/* Every frame in tests/fixtures/okx; test_golden_complete checks it. */
static const char *const golden[] = {
	"bbo_tbt.json", "edge_ticker_empty_bid.json", "error.json",
	"error_2.json", "notice_service_upgrade.json", "ping.txt", "pong.txt",
	"subscribe_ack.json", "subscribe_ack_2.json", "subscribe_request.json",
	"ticker.json", "ticker_2.json", "ticker_4.json", "trade.json",
	"trade_2.json", "trade_3.json", "trade_4.json", "trade_5_futures.json",
	"swap_bbo_tbt_2_btc_usd_swap.json", "swap_subscribe_ack_tickers.json",
	"swap_subscribe_ack_trades.json", "swap_subscribe_request.json",
	"swap_tickers_1_uni_usd_swap.json", "swap_tickers_2_btc_usdt_swap.json",
	"swap_tickers_3_btc_usd_swap.json", "swap_trades_1_uni_usd_swap.json",
	"swap_trades_3_btc_usd_swap.json", "swap_funding_rate_btc_usd_swap.json",
	"swap_funding_rate_btc_usdt_swap.json",
};

/* A mark-price push, in the shape OKX documents (PROVENANCE.md). */
#define MARK(inst, px, ts)						\
	"{\"arg\":{\"channel\":\"mark-price\",\"instId\":\"" inst "\"},"	\
	"\"data\":[{\"instType\":\"SWAP\",\"instId\":\"" inst "\","	\
	"\"markPx\":\"" px "\",\"ts\":\"" ts "\"}]}"

/* SPEC: exact digits, taker side, µs times, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "trade_3.json",
		.symbol = "BTC-USDT",
		.price = "43474.1",
		.size = "0.00373695",
		.side = TK_SIDE_BUY,
		.trade_id = "314161276",
		.ts = INT64_C(1646311839593000),	/* ms * 1000 */
	});

	/* "side" is the taker's; ids stay text (leading zeros kept);
	 * trailing zeros go. */
	parse_str("{\"arg\":{\"channel\":\"trades\",\"instId\":\"ETH-USDT\"},"
	    "\"data\":[{\"instId\":\"ETH-USDT\",\"tradeId\":\"00042\","
	    "\"px\":\"1800.50\",\"sz\":\"2.000\",\"side\":\"sell\","
	    "\"ts\":\"0\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "ETH-USDT");
	ck_assert_int_eq(t->side, TK_SIDE_SELL);
	ck_assert_str_eq(t->trade_id, "00042");
	assert_dec(&t->price, "1800.5");
	assert_dec(&t->size, "2");
	ck_assert_int_eq(t->ts, 0);
	/* No "side": the exchange does not say. */
	parse_str("{\"arg\":{\"channel\":\"trades\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"1\","
	    "\"ts\":\"253402300799999\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
	ck_assert_int_eq(t->ts, INT64_C(253402300799999000));
	/* A trade id of 47 bytes is the longest that fits. */
	parse_str("{\"arg\":{\"channel\":\"trades\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"tradeId\":\"12345678901234567890123456789012345"
	    "678901234567\",\"px\":\"1\",\"sz\":\"1\",\"ts\":\"1\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(strlen(t->trade_id), TK_TRADE_ID_MAX - 1);
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	assert_fixture_quote(&(const struct tk_codec_quote){
		/* "last" (30236) is not a quote field: the ticker's BBO is. */
		.fixture = "ticker.json",
		.symbol = "BTC-USDT",
		.bid = "30228.6",
		.bid_size = "0.23393",
		.ask = "30228.7",
		.ask_size = "1.55896972",
		.ts = INT64_C(1652459224956000),
	});
}
END_TEST

/*
 * edge_ticker_empty_bid.json as a configured symbol: "" is "no value",
 * written as null, never as a zero price.
 */
START_TEST(test_spec_no_value)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	char line[TK_TICK_JSON_MAX];

	parse_str("{\"arg\":{\"channel\":\"tickers\",\"instId\":\"BTC-USDT\"},"
	    "\"data\":[{\"instType\":\"SPOT\",\"instId\":\"BTC-USDT\","
	    "\"last\":\"0.0005\",\"lastSz\":\"6\",\"askPx\":\"0.0015\","
	    "\"askSz\":\"330\",\"bidPx\":\"\",\"bidSz\":\"\","
	    "\"ts\":\"1654166283149\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "0.0015");
	assert_dec(&t->ask_size, "330");
	ck_assert_int_gt(tk_tick_format(t, 0, line, sizeof(line)), 0);
	ck_assert_ptr_nonnull(strstr(line, "\"bid\":null,\"bid_size\":null,"
	    "\"ask\":\"0.0015\",\"ask_size\":\"330\""));

	/* Only the ask missing. */
	parse_str("{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"5\",\"bidSz\":\"1\",\"askPx\":\"\","
	    "\"askSz\":\"\",\"ts\":\"1\"}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "5");
	ck_assert(!t->ask.valid && !t->ask_size.valid);
	/* A size without its price is dropped with it... */
	parse_str("{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"\",\"bidSz\":\"7\",\"askPx\":\"6\","
	    "\"askSz\":\"1\",\"ts\":\"1\"}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	/* ...a price without its size is kept. */
	parse_str("{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"4\",\"bidSz\":\"\",\"askPx\":\"6\","
	    "\"askSz\":\"1\",\"ts\":\"1\"}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "4");
	ck_assert(!t->bid_size.valid);
	/* Neither side: nothing to say, no tick, not an error. */
	parse_str("{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"\",\"bidSz\":\"\",\"askPx\":\"\","
	    "\"askSz\":\"\",\"ts\":\"1\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 0);
	/* ...but still counted when nobody configured the symbol. */
	parse_str("{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"LTC-USDT\",\"bidPx\":\"\",\"bidSz\":\"\",\"askPx\":\"\","
	    "\"askSz\":\"\",\"ts\":\"1\"}]}", &res);
	ck_assert_uint_eq(res.unknown, 1);
	/* Only "" means no value: "0" is a price like any other. */
	parse_str("{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"0\",\"bidSz\":\"0\",\"askPx\":\"6\","
	    "\"askSz\":\"1\",\"ts\":\"1\"}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "0");
	/* Trades have no "no value": an empty price is an error. */
	parse_str("{\"arg\":{\"channel\":\"trades\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"tradeId\":\"1\",\"px\":\"\",\"sz\":\"1\","
	    "\"side\":\"buy\",\"ts\":\"1\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trades: field \"px\": \"\" is not a "
	    "decimal");
}
END_TEST

/* Several elements per frame; a bad one does not cost the others. */
START_TEST(test_data_array)
{
	struct tk_frame_result res;

	parse_str("{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},"
	    "\"data\":[{\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"1\","
	    "\"side\":\"buy\",\"ts\":\"1\"},{\"tradeId\":\"2\",\"px\":\"x\","
	    "\"sz\":\"1\",\"side\":\"buy\",\"ts\":\"1\"},7,{\"tradeId\":\"3\","
	    "\"px\":\"3\",\"sz\":\"1\",\"side\":\"sell\",\"ts\":\"1\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trades: field \"px\": \"x\" is not a "
	    "decimal");
	ck_assert_uint_eq(sink.n, 2);
	/* instId from "arg" when the element has none. */
	ck_assert_str_eq(sink.ticks[0].symbol, "BTC-USDT");
	ck_assert_str_eq(sink.ticks[0].trade_id, "1");
	ck_assert_str_eq(sink.ticks[1].trade_id, "3");

	parse_str("{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},"
	    "\"data\":[]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "PONG", "PONG", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "pong newline", "pong\n", TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "truncated", "{\"arg\":{\"channel\":\"trades\"},\"data\":[{",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"event\":\"subscribe\"} x",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "null", "null", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "number", "42", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[]", TK_FRAME_MALFORMED, "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED, "unrecognised frame: no "
	    "\"event\", \"arg\"/\"data\" or \"op\"" },
	{ "NUL in string", "{\"event\":\"sub\\u0000scribe\"}",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "event not string", "{\"event\":1}", TK_FRAME_MALFORMED,
	    "event: field \"event\" is not a string" },
	{ "event unknown", "{\"event\":\"channel-conn-count\","
	    "\"channel\":\"trades\",\"connCount\":\"2\"}", TK_FRAME_CONTROL,
	    "" },
	{ "unsubscribe ack", "{\"event\":\"unsubscribe\",\"arg\":{}}",
	    TK_FRAME_CONTROL, "" },
	{ "error int code", "{\"event\":\"error\",\"code\":60018,"
	    "\"msg\":\"Invalid sign\"}", TK_FRAME_EXCHANGE_ERROR,
	    "code 60018: Invalid sign" },
	{ "error no code", "{\"event\":\"error\",\"msg\":\"x\"}",
	    TK_FRAME_MALFORMED, "error: field \"code\" is missing" },
	{ "error code bool", "{\"event\":\"error\",\"code\":true,"
	    "\"msg\":\"x\"}", TK_FRAME_MALFORMED,
	    "error: field \"code\" is not a string" },
	{ "error no msg", "{\"event\":\"error\",\"code\":\"1\"}",
	    TK_FRAME_MALFORMED, "error: field \"msg\" is missing" },
	{ "error msg object", "{\"event\":\"error\",\"code\":\"1\","
	    "\"msg\":{}}", TK_FRAME_MALFORMED,
	    "error: field \"msg\" is not a string" },
	{ "notice other", "{\"event\":\"notice\",\"code\":\"64009\","
	    "\"msg\":\"hello\"}", TK_FRAME_CONTROL, "code 64009: hello" },
	{ "notice int", "{\"event\":\"notice\",\"code\":64008,"
	    "\"msg\":\"bye\"}", TK_FRAME_RECONNECT, "code 64008: bye" },
	{ "arg not object", "{\"arg\":\"trades\",\"data\":[]}",
	    TK_FRAME_MALFORMED, "push: field \"arg\" is not an object" },
	{ "no channel", "{\"arg\":{},\"data\":[]}", TK_FRAME_MALFORMED,
	    "push: field \"channel\" is missing" },
	{ "data object", "{\"arg\":{\"channel\":\"trades\"},\"data\":{}}",
	    TK_FRAME_MALFORMED, "trades: field \"data\" is not an array" },
	{ "data element", "{\"arg\":{\"channel\":\"tickers\"},\"data\":[1]}",
	    TK_FRAME_MALFORMED, "tickers: data[0] is not an object" },
	{ "other channel", "{\"arg\":{\"channel\":\"books5\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"asks\":[],\"bids\":[]}]}",
	    TK_FRAME_DATA, "" },
	{ "no instId", "{\"arg\":{\"channel\":\"trades\"},\"data\":"
	    "[{\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"1\",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "trades: field \"instId\" is missing" },
	{ "instId number", "{\"arg\":{\"channel\":\"trades\"},\"data\":"
	    "[{\"instId\":5,\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"1\","
	    "\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"instId\" is not a string" },
	{ "px number", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":1.5,"
	    "\"sz\":\"1\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"px\" is not a string" },
	{ "px missing", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"sz\":\"1\","
	    "\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"px\" is missing" },
	{ "px negative", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"-1\","
	    "\"sz\":\"1\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"px\": \"-1\" is negative" },
	{ "px huge", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":"
	    "\"123456789012345678901234567890\",\"sz\":\"1\",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "trades: field \"px\": "
	    "\"123456789012345678901234567890\" is out of range" },
	{ "sz long garbage", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\",\"sz\":"
	    "\"1x345678901234567890123456789012345\",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "trades: field \"sz\": "
	    "\"1x345678901234567890123456789012...\" is not a decimal" },
	{ "sz escaped", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\\n\\\"2\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"sz\": \"1\\n\\\"2\" is not a decimal" },
	{ "tradeId number", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":1,\"px\":\"1\",\"sz\":\"1\","
	    "\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"tradeId\" is not a string" },
	{ "tradeId empty", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"\",\"px\":\"1\","
	    "\"sz\":\"1\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"tradeId\" is empty" },
	{ "tradeId too long", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1234567890123456789012345"
	    "6789012345678901234567X\",\"px\":\"1\",\"sz\":\"1\",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "trades: field \"tradeId\": "
	    "\"12345678901234567890123456789012...\" is too long" },
	{ "side Buy", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"side\":\"Buy\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"side\": \"Buy\" is not \"buy\" or \"sell\"" },
	{ "side bool", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"side\":true,\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"side\" is not a string" },
	{ "ts missing", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"ts\" is missing" },
	{ "ts number", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"ts\":1652459224818}]}", TK_FRAME_MALFORMED,
	    "trades: field \"ts\" is not a string" },
	{ "ts empty", "{\"arg\":{\"channel\":\"tickers\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"bidPx\":\"1\",\"bidSz\":\"1\","
	    "\"askPx\":\"1\",\"askSz\":\"1\",\"ts\":\"\"}]}", TK_FRAME_MALFORMED,
	    "tickers: field \"ts\": \"\" is not a time in ms between 1970 "
	    "and 9999" },
	{ "ts negative", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"ts\":\"-1\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"ts\": \"-1\" is not a time in ms between 1970 "
	    "and 9999" },
	{ "ts decimal", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"ts\":\"1.5\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"ts\": \"1.5\" is not a time in ms between 1970 "
	    "and 9999" },
	{ "ts year 10000", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"ts\":\"253402300800000\"}]}", TK_FRAME_MALFORMED,
	    "trades: field \"ts\": \"253402300800000\" is not a time in ms "
	    "between 1970 and 9999" },
	{ "ts huge", "{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"tradeId\":\"1\",\"px\":\"1\","
	    "\"sz\":\"1\",\"ts\":\"99999999999999999999999\"}]}",
	    TK_FRAME_MALFORMED, "trades: field \"ts\": "
	    "\"99999999999999999999999\" is not a time in ms between 1970 "
	    "and 9999" },
	{ "bidPx missing", "{\"arg\":{\"channel\":\"tickers\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"bidSz\":\"1\",\"askPx\":\"1\","
	    "\"askSz\":\"1\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED,
	    "tickers: field \"bidPx\" is missing" },
	{ "bidPx null", "{\"arg\":{\"channel\":\"tickers\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"bidPx\":null,\"bidSz\":\"1\","
	    "\"askPx\":\"1\",\"askSz\":\"1\",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "tickers: field \"bidPx\" is not a string" },
	{ "askSz blank", "{\"arg\":{\"channel\":\"tickers\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"bidPx\":\"1\",\"bidSz\":\"1\","
	    "\"askPx\":\"1\",\"askSz\":\" \",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "tickers: field \"askSz\": \" \" is not a "
	    "decimal" },
	{ "nested garbage", "{\"arg\":{\"channel\":\"tickers\",\"instId\":"
	    "\"BTC-USDT\"},\"data\":[{\"bidPx\":[[[{\"x\":[]}]]],"
	    "\"bidSz\":\"1\",\"askPx\":\"1\",\"askSz\":\"1\",\"ts\":\"1\"}]}",
	    TK_FRAME_MALFORMED, "tickers: field \"bidPx\" is not a string" },
	{ "login ack", "{\"event\":\"login\",\"code\":\"0\",\"msg\":\"\"}",
	    TK_FRAME_CONTROL, "" },
	{ "op request", "{\"op\":\"unsubscribe\",\"args\":[]}",
	    TK_FRAME_CONTROL, "" },
};

/*
 * The bare-text keep-alive, not NUL-terminated: exactly "pong", not a
 * prefix or a repeat (test_parse_uses_len does the JSON frames).
 */
START_TEST(test_ping_text_uses_len)
{
	static const char pong[] = "pongpong";
	struct tk_frame_result res;

	adapter->parse(&ctx, pong, 4, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	adapter->parse(&ctx, pong, 3, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	adapter->parse(&ctx, pong, 8, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
}
END_TEST

/* ---- perpetual swaps: contract values from the instruments list ---- */

/* Linear: contracts of 0.01 BTC, in BTC; inverse: of 100 USD, in USD. */
START_TEST(test_swap_sizes)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	parse_fixture("swap_tickers_2_btc_usdt_swap.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "BTC-USDT-PERP");
	ck_assert_int_eq(t->size_unit, TK_SIZE_UNIT_BASE);
	assert_dec(&t->bid_size, "4.31");	/* 431 x 0.01 */
	assert_dec(&t->ask_size, "0.12");	/* 12 x 0.01 */
	assert_dec(&t->bid, "29959.9");
	parse_fixture("swap_trades_3_btc_usd_swap.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "BTC-USD-PERP");
	ck_assert_int_eq(t->size_unit, TK_SIZE_UNIT_QUOTE);
	assert_dec(&t->size, "100");		/* 1 x 100 USD */
	parse_fixture("swap_bbo_tbt_2_btc_usd_swap.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->size_unit, TK_SIZE_UNIT_QUOTE);
	assert_dec(&t->bid_size, "3400");	/* 34 x 100 */
	assert_dec(&t->ask_size, "300");
	/* spot is base already, whatever the list says */
	parse_fixture("trade_3.json", &res);
	ck_assert_int_eq(t->size_unit, TK_SIZE_UNIT_BASE);
	assert_dec(&t->size, "0.00373695");
}
END_TEST

/* No instruments list (a replay): the exchange's contracts, said so. */
START_TEST(test_swap_without_rest)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	ctx.rest = NULL;
	parse_fixture("swap_trades_3_btc_usd_swap.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->size_unit, TK_SIZE_UNIT_CONTRACTS);
	assert_dec(&t->size, "1");
	parse_fixture("swap_tickers_2_btc_usdt_swap.json", &res);
	ck_assert_int_eq(t->size_unit, TK_SIZE_UNIT_CONTRACTS);
	assert_dec(&t->bid_size, "431");
}
END_TEST

/* The list follows the exchange: another ctVal, other sizes. */
START_TEST(test_swap_ctval_follows)
{
	static const char answer[] = "{\"code\":\"0\",\"msg\":\"\","
	    "\"data\":[{\"instId\":\"BTC-USDT-SWAP\",\"ctVal\":\"0.001\","
	    "\"ctMult\":\"1\",\"ctValCcy\":\"BTC\"}]}";
	struct tk_rest_connect rc;
	struct tk_frame_result res;
	char err[160];

	memset(rest_data, 0, adapter->rest_size(map));
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(adapter->rest_parse(map, 0, answer,
	    sizeof(answer) - 1, rest_data, &rc, err, sizeof(err)), 0);
	parse_fixture("swap_tickers_2_btc_usdt_swap.json", &res);
	assert_dec(&sink.ticks[0].bid_size, "0.431");
	ck_assert_int_eq(sink.ticks[0].size_unit, TK_SIZE_UNIT_BASE);
	/* not in this list: contracts */
	parse_fixture("swap_trades_3_btc_usd_swap.json", &res);
	ck_assert_int_eq(sink.ticks[0].size_unit, TK_SIZE_UNIT_CONTRACTS);
	/* nothing told the daemon anything */
	ck_assert_str_eq(rc.url, "");
	ck_assert_uint_eq(rc.ping_interval_ms, 0);
}
END_TEST

/* A product beyond 18 digits is refused, never rounded. */
START_TEST(test_swap_size_out_of_range)
{
	static const char answer[] = "{\"code\":\"0\",\"data\":["
	    "{\"instId\":\"BTC-USDT-SWAP\",\"ctVal\":\"3\","
	    "\"ctValCcy\":\"BTC\"}]}";
	struct tk_rest_connect rc;
	struct tk_frame_result res;
	char err[160];

	memset(rest_data, 0, adapter->rest_size(map));
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(adapter->rest_parse(map, 0, answer,
	    sizeof(answer) - 1, rest_data, &rc, err, sizeof(err)), 0);
	/* 0.999999999999999999 x 3 needs 19 digits */
	parse_str("{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT-SWAP\"},\"data\":[{\"instId\":\"BTC-USDT-SWAP\","
	    "\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"0.999999999999999999\","
	    "\"side\":\"buy\",\"ts\":\"1\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trades: field \"sz\" times the "
	    "contract value is out of range");
	/* 0.33333333333333333 x 3 = 0.99999999999999999: fits */
	parse_str("{\"arg\":{\"channel\":\"trades\",\"instId\":"
	    "\"BTC-USDT-SWAP\"},\"data\":[{\"instId\":\"BTC-USDT-SWAP\","
	    "\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"0.33333333333333333\","
	    "\"side\":\"buy\",\"ts\":\"1\"}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	assert_dec(&sink.ticks[0].size, "0.99999999999999999");
}
END_TEST

/*
 * Funding: the connection keeps the latest rate and mark price per swap;
 * a tick goes out once both are known, then on every update of either.
 */
START_TEST(test_swap_funding)
{
	static unsigned char state[4096];
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	ck_assert_uint_le(adapter->state_size(map), sizeof(state));
	memset(state, 0, sizeof(state));
	ctx.state = state;
	ctx.types = TK_TYPES_FEED;
	parse_fixture("swap_funding_rate_btc_usd_swap.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);		/* no mark price yet */
	parse_str(MARK("BTC-USD-SWAP", "43574.5", "1646323100000"), &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->type, TK_TICK_FUNDING);
	ck_assert_str_eq(t->symbol, "BTC-USD-PERP");
	assert_dec(&t->mark_price, "43574.5");
	assert_dec(&t->rate, "0.0000734174532791");
	ck_assert(!t->index_price.valid);
	ck_assert_int_eq(t->next_funding_ts, INT64_C(1646323200000000));
	ck_assert_int_eq(t->ts, INT64_C(1646323100000000));
	/* a new mark alone: a new tick with the rate kept */
	parse_str(MARK("BTC-USD-SWAP", "43580", "1646323101000"), &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->mark_price, "43580");
	assert_dec(&t->rate, "0.0000734174532791");
	/* symbols apart; a negative rate is a rate; no ts: receive time */
	parse_str(MARK("BTC-USDT-SWAP", "43000.1", "1646323102000"), &res);
	ck_assert_uint_eq(sink.n, 0);
	parse_str("{\"arg\":{\"channel\":\"funding-rate\",\"instId\":"
	    "\"BTC-USDT-SWAP\"},\"data\":[{\"fundingRate\":\"-0.0003\","
	    "\"fundingTime\":\"1646323200000\",\"instId\":"
	    "\"BTC-USDT-SWAP\"}]}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "BTC-USDT-PERP");
	assert_dec(&t->rate, "-0.0003");
	ck_assert_int_eq(t->ts, RECV_TS);
	/* not wanted: kept, not published */
	ctx.types = TK_TYPES_ALL;
	parse_str(MARK("BTC-USDT-SWAP", "43001", "1646323103000"), &res);
	ck_assert_uint_eq(sink.n, 0);
	/* nobody's symbol: counted */
	parse_str(MARK("ETH-USDT-SWAP", "3000", "1"), &res);
	ck_assert_uint_eq(res.unknown, 1);
}
END_TEST

/* Without connection state (a replay) neither half makes a tick. */
START_TEST(test_swap_funding_stateless)
{
	struct tk_frame_result res;

	ctx.types = TK_TYPES_FEED;
	ctx.state = NULL;
	parse_str(MARK("BTC-USD-SWAP", "43574.5", "1646323100000"), &res);
	parse_fixture("swap_funding_rate_btc_usd_swap.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
	parse_str(MARK("BTC-USD-SWAP", "x", "1"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "mark-price: field \"markPx\": \"x\" is "
	    "not a decimal");
	parse_str("{\"arg\":{\"channel\":\"funding-rate\",\"instId\":"
	    "\"BTC-USD-SWAP\"},\"data\":[{\"fundingRate\":1}]}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "funding-rate: field \"fundingRate\" is "
	    "not a string");
}
END_TEST

/* One GET when a swap is configured, none for spot only. */
START_TEST(test_rest_request)
{
	const char *const spot[] = { "BTC-USDT", "ETH-USDT" };
	struct tk_rest_request req;
	struct tk_symmap *m2;

	ck_assert_str_eq(adapter->default_rest_url, "https://www.okx.com");
	ck_assert_int_eq(adapter->rest_request(map, TK_TYPES_ALL, 0, &req),
	    1);
	ck_assert_str_eq(req.method, "GET");
	ck_assert_str_eq(req.path,
	    "/api/v5/public/instruments?instType=SWAP");
	ck_assert_str_eq(req.body, "");
	ck_assert_int_eq(adapter->rest_request(map, TK_TYPES_ALL, 1, &req),
	    0);
	m2 = tk_symmap_new(adapter, spot, 2, NULL, 0);
	ck_assert_ptr_nonnull(m2);
	ck_assert_int_eq(adapter->rest_request(m2, TK_TYPES_ALL, 0, &req),
	    0);
	tk_symmap_free(m2);
}
END_TEST

static const struct {
	const char	*answer;
	int		 r;
	const char	*err;
} rest_bad[] = {
	{ "not json", -EINVAL, "instruments: not a JSON object: *" },
	{ "[]", -EINVAL, "instruments: not a JSON object: other JSON" },
	{ "{\"code\":\"50011\",\"msg\":\"Too Many Requests\","
	  "\"data\":[]}", -EPROTO,
	  "instruments: code 50011: Too Many Requests" },
	{ "{\"code\":0,\"data\":[]}", -EPROTO, "instruments: code ?: " },
	{ "{\"code\":\"0\",\"data\":{}}", -EINVAL,
	  "instruments: \"data\" is not an array" },
	{ "{\"code\":\"0\",\"data\":[{\"instId\":\"BTC-USD-SWAP\","
	  "\"ctVal\":\"x\",\"ctValCcy\":\"USD\"}]}", -EINVAL,
	  "instruments: BTC-USD-SWAP: bad ctVal or ctValCcy" },
	{ "{\"code\":\"0\",\"data\":[{\"instId\":\"BTC-USD-SWAP\","
	  "\"ctVal\":\"0\",\"ctValCcy\":\"USD\"}]}", -EINVAL,
	  "instruments: BTC-USD-SWAP: bad ctVal or ctValCcy" },
	{ "{\"code\":\"0\",\"data\":[{\"instId\":\"BTC-USD-SWAP\","
	  "\"ctVal\":\"100\",\"ctValCcy\":7}]}", -EINVAL,
	  "instruments: BTC-USD-SWAP: bad ctVal or ctValCcy" },
	{ "{\"code\":\"0\",\"data\":[{\"instId\":\"BTC-USD-SWAP\","
	  "\"ctVal\":\"100\",\"ctMult\":\"-1\",\"ctValCcy\":\"USD\"}]}",
	  -EINVAL, "instruments: BTC-USD-SWAP: bad ctMult" },
};

START_TEST(test_rest_parse_bad)
{
	struct tk_rest_connect rc;
	char err[160];
	size_t n = strlen(rest_bad[_i].err);
	int r;

	memset(&rc, 0, sizeof(rc));
	r = adapter->rest_parse(map, 0, rest_bad[_i].answer,
	    strlen(rest_bad[_i].answer), rest_data, &rc, err, sizeof(err));
	ck_assert_int_eq(r, rest_bad[_i].r);
	if (rest_bad[_i].err[n - 1] == '*')
		ck_assert_msg(strncmp(err, rest_bad[_i].err, n - 1) == 0,
		    "%s", err);
	else
		ck_assert_str_eq(err, rest_bad[_i].err);
}
END_TEST

/*
 * Instruments we do not have are skipped; one in a currency that is
 * neither base nor quote, or missing, leaves its sizes in contracts.
 */
START_TEST(test_rest_parse_partial)
{
	static const char answer[] = "{\"code\":\"0\",\"data\":["
	    "{\"instId\":\"DOGE-USDT-SWAP\",\"ctVal\":\"x\"},"
	    "{\"instType\":\"SWAP\"},"
	    "{\"instId\":\"BTC-USD-SWAP\",\"ctVal\":\"100\","
	    "\"ctValCcy\":\"EUR\"},"
	    "{\"instId\":\"BTC-USDT-SWAP\",\"ctVal\":\"0.01\","
	    "\"ctMult\":\"10\",\"ctValCcy\":\"BTC\"}]}";
	struct tk_rest_connect rc;
	struct tk_frame_result res;
	char err[160];

	memset(rest_data, 0, adapter->rest_size(map));
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(adapter->rest_parse(map, 0, answer,
	    sizeof(answer) - 1, rest_data, &rc, err, sizeof(err)), 0);
	parse_fixture("swap_trades_3_btc_usd_swap.json", &res);
	ck_assert_int_eq(sink.ticks[0].size_unit, TK_SIZE_UNIT_CONTRACTS);
	assert_dec(&sink.ticks[0].size, "1");
	/* ctVal x ctMult */
	parse_fixture("swap_tickers_2_btc_usdt_swap.json", &res);
	assert_dec(&sink.ticks[0].bid_size, "43.1");
	parse_fixture("swap_trades_1_uni_usd_swap.json", &res);
	ck_assert_int_eq(sink.ticks[0].size_unit, TK_SIZE_UNIT_CONTRACTS);
}
END_TEST

/* A text "ping" well inside the server's 30 s idle limit; swaps fund. */
static const struct tk_codec_fields fields = { .a = {
	.name = "okx",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.okx.com:8443/ws/v5/public",
	.types = TK_TYPES_FEED,
	.ping_message = "ping",
	.ping_interval_s = 20,
	.default_rest_url = "https://www.okx.com",
}, .state = true, .rest = true };

/* perpetual swaps: -PERP is OKX's -SWAP */
static const struct tk_codec_native native[] = {
	{ "BTC-USDT", "BTC-USDT" }, { "1INCH-USDC", "1INCH-USDC" },
	{ "BTC-USDT-PERP", "BTC-USDT-SWAP" },
	{ "BTC-USD-PERP", "BTC-USD-SWAP" },
};
static const char *const refused[] = { "btc-usdt", "BTC-USDT-SWAP",
	"BTC-USD-FUT" };

#define SUB(args)	"{\"op\":\"subscribe\",\"args\":[" args "]}"
#define ARG(c, i)	"{\"channel\":\"" c "\",\"instId\":\"" i "\"}"
#define SPOT		TK_LIST("BTC-USDT", "ETH-BTC")
#define SWAPS		TK_LIST("BTC-USDT", "BTC-USDT-PERP", "ETH-USD-PERP")

/*
 * Swaps quote on bbo-tbt (spot on tickers) and, with funding, add their
 * funding-rate and mark-price; all in one greedy arg list.
 */
static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", SPOT, TK_TYPES_ALL,
	    TK_LIST(SUB(ARG("trades", "BTC-USDT") "," ARG("tickers", "BTC-USDT")
	    "," ARG("trades", "ETH-BTC") "," ARG("tickers", "ETH-BTC"))) },
	{ "quotes", SPOT, TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB(ARG("tickers", "BTC-USDT") ","
	    ARG("tickers", "ETH-BTC"))) },
	{ "trades", SPOT, TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB(ARG("trades", "BTC-USDT") ","
	    ARG("trades", "ETH-BTC"))) },
	{ "swaps: trades, quotes and funding", SWAPS, TK_TYPES_FEED,
	    TK_LIST(SUB(ARG("trades", "BTC-USDT") "," ARG("tickers", "BTC-USDT")
	    "," ARG("trades", "BTC-USDT-SWAP") "," ARG("bbo-tbt",
	    "BTC-USDT-SWAP") "," ARG("funding-rate", "BTC-USDT-SWAP") ","
	    ARG("mark-price", "BTC-USDT-SWAP") "," ARG("trades",
	    "ETH-USD-SWAP") "," ARG("bbo-tbt", "ETH-USD-SWAP") ","
	    ARG("funding-rate", "ETH-USD-SWAP") "," ARG("mark-price",
	    "ETH-USD-SWAP"))) },
	{ "swaps: trades and quotes", SWAPS, TK_TYPES_ALL,
	    TK_LIST(SUB(ARG("trades", "BTC-USDT") "," ARG("tickers", "BTC-USDT")
	    "," ARG("trades", "BTC-USDT-SWAP") "," ARG("bbo-tbt",
	    "BTC-USDT-SWAP") "," ARG("trades", "ETH-USD-SWAP") ","
	    ARG("bbo-tbt", "ETH-USD-SWAP"))) },
	{ "swaps: funding", SWAPS, TK_TYPE_BIT(TK_TICK_FUNDING),
	    TK_LIST(SUB(ARG("funding-rate", "BTC-USDT-SWAP") ","
	    ARG("mark-price", "BTC-USDT-SWAP") "," ARG("funding-rate",
	    "ETH-USD-SWAP") "," ARG("mark-price", "ETH-USD-SWAP"))) },
};

/* One "op" and greedy "args" of {"channel", "instId"}. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	const json_t *args, *a;
	const char *chan;
	unsigned sym;
	size_t k;

	ck_assert_uint_eq(json_object_size(msg), 2);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "op")),
	    "subscribe");
	args = json_object_get(msg, "args");
	ck_assert_uint_gt(json_array_size(args), 0);
	json_array_foreach(args, k, a) {
		ck_assert_uint_eq(json_object_size(a), 2);
		chan = json_string_value(json_object_get(a, "channel"));
		ck_assert(sscanf(json_string_value(json_object_get(a,
		    "instId")), "LONGBASE%4u-QUOTEXY", &sym) == 1);
		ck_assert(strcmp(chan, "tickers") == 0 ||
		    strcmp(chan, "trades") == 0);
		chunk_topic(sym, strcmp(chan, "tickers") == 0);
	}
}

/* 500 symbols = 1000 args; ~50 bytes an arg: 13 messages or more. */
static const struct tk_codec_chunks chunks = {
	.prefix = "LONGBASE", .width = 4, .suffix = "-QUOTEXY",
	.nsymbols = 500, .types = TK_TYPES_ALL, .nchannels = 2,
	.min_msgs = 13, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trade.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "ticker_4.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"1\",\"bidSz\":\"1\",\"askPx\":\"1\","
	    "\"askSz\":\"1\",\"ts\":\"1\"}]}", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	/* Filtered frames are still checked. */
	{ T_ONLY, "{\"arg\":{\"channel\":\"tickers\"},\"data\":[{\"instId\":"
	    "\"BTC-USDT\",\"bidPx\":\"x\",\"bidSz\":\"1\",\"askPx\":\"1\","
	    "\"askSz\":\"1\",\"ts\":\"1\"}]}", TK_FRAME_MALFORMED, 0,
	    TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "trade.json", 1, 0, NULL, false },
	/* One count per element, and names are exact. */
	{ "{\"arg\":{\"channel\":\"trades\"},\"data\":[{\"instId\":"
	    "\"eth-usdt\",\"tradeId\":\"1\",\"px\":\"1\",\"sz\":\"1\","
	    "\"ts\":\"1\"},{\"instId\":\"ETH-USDT-SWAP\",\"tradeId\":\"2\","
	    "\"px\":\"1\",\"sz\":\"1\",\"ts\":\"1\"},{\"instId\":\"ETH-USDT\","
	    "\"tradeId\":\"3\",\"px\":\"1\",\"sz\":\"1\",\"ts\":\"1\"}]}", 2, 1,
	    "\"trade_id\":\"3\"", false },
	{ "ticker.json", 1, 0, NULL, true },
};

static const struct tk_codec_test codec = {
	.dir = "okx",
	.symbols = fixture_symbols,
	.nsymbols = TK_NELEM(fixture_symbols),
	.golden = golden,
	.ngolden = TK_NELEM(golden),
	.bad = bad,
	.nbad = TK_NELEM(bad),
	.control = "{\"event\":\"subscribe\"}",
	.nest = "{\"data\":",
	.flips = "0-9.e\"{}[],:x\\E",
	.rest = rest_answers,
	.fields = &fields,
	.native = native,
	.nnative = TK_NELEM(native),
	.refused = refused,
	.nrefused = TK_NELEM(refused),
	.subs = subs,
	.nsubs = TK_NELEM(subs),
	.chunks = &chunks,
	.filters = filters,
	.nfilters = TK_NELEM(filters),
	.only = TK_LIST("ETH-USDT"),
	.unknown = unknown,
	.nunknown = TK_NELEM(unknown),
};

static Suite *
okx_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_spec_no_value);
	tcase_add_test(tc.golden, test_data_array);
	tcase_add_test(tc.bad, test_ping_text_uses_len);
	tcase_add_test(tc.golden, test_swap_sizes);
	tcase_add_test(tc.golden, test_swap_without_rest);
	tcase_add_test(tc.golden, test_swap_ctval_follows);
	tcase_add_test(tc.golden, test_swap_funding);
	tcase_add_test(tc.golden, test_swap_funding_stateless);
	tcase_add_test(tc.bad, test_swap_size_out_of_range);
	tcase_add_test(tc.filters, test_rest_request);
	tcase_add_loop_test(tc.filters, test_rest_parse_bad, 0,
	    (int)TK_NELEM(rest_bad));
	tcase_add_test(tc.filters, test_rest_parse_partial);
	return s;
}

int
main(void)
{
	return tk_codec_run(okx_suite());
}
