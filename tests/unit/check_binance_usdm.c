/* SPDX-License-Identifier: MIT */
/*
 * The Binance USDⓈ-M futures adapter: golden frames (every
 * tests/fixtures/binance_usdm frame against its expected/<name>.out,
 * checked by hand), the SPEC rules spelled out (aggTrade, the futures
 * bookTicker, funding from markPriceUpdate), malformed input, filters,
 * perpetual symbols and the subscribe messages.
 */

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
	"BTC-USDT-PERP", "SUSHI-USDT-PERP", "CTK-USDT-PERP", "BAL-USDT-PERP",
};

/* Every frame in tests/fixtures/binance_usdm; test_golden_complete
 * checks it. */
static const char *const golden[] = {
	"aggtrade_1_ctkusdt.json", "aggtrade_2_sushiusdt.json",
	"bookticker_1_sushiusdt.json", "bookticker_2_sushiusdt.json",
	"bookticker_3_btcusdt.json", "bookticker_5_all_balusdt.json",
	"error_spot_docs.json", "markprice_docs.json",
	"subscribe_request.json", "subscribe_response.json",
};

#define MARK(r, t) "{\"e\":\"markPriceUpdate\",\"E\":1562305380000," \
	"\"s\":\"BTCUSDT\",\"p\":\"11794.15\",\"i\":\"11784.6\"," \
	"\"r\":" r ",\"T\":" t "}"

static const struct tk_codec_bad bad[] = {
	{ "not JSON", "{", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "rate not a decimal", MARK("\"x\"", "1"), TK_FRAME_MALFORMED,
	  "markPriceUpdate: field \"r\": \"x\" is not a decimal" },
	{ "rate a number", MARK("0.0001", "1"), TK_FRAME_MALFORMED,
	  "markPriceUpdate: field \"r\" is not a string" },
	{ "rate missing",
	  "{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"1\"}",
	  TK_FRAME_MALFORMED, "markPriceUpdate: field \"r\" is missing" },
	{ "next funding time as text", MARK("\"0.1\"", "\"1\""),
	  TK_FRAME_MALFORMED,
	  "markPriceUpdate: field \"T\" is not an integer" },
	{ "negative mark price",
	  "{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"-1\","
	  "\"r\":\"0\"}", TK_FRAME_MALFORMED,
	  "markPriceUpdate: field \"p\": \"-1\" is negative" },
	{ "mark price without event time",
	  "{\"e\":\"markPriceUpdate\",\"s\":\"BTCUSDT\",\"p\":\"1\","
	  "\"r\":\"0\"}", TK_FRAME_MALFORMED,
	  "markPriceUpdate: field \"E\" is missing" },
	{ "aggTrade without id",
	  "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"1\","
	  "\"q\":\"1\",\"T\":1,\"m\":true}", TK_FRAME_MALFORMED,
	  "aggTrade: field \"a\" is missing" },
	{ "depth update", "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\"}",
	  TK_FRAME_DATA, "" },
	{ "forced liquidation", "{\"e\":\"forceOrder\",\"E\":1,\"o\":{}}",
	  TK_FRAME_DATA, "" },
	/* spot's raw trade stream does not exist on USDⓈ-M */
	{ "raw trade", "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\"}",
	  TK_FRAME_CONTROL, "" },
};

/* SPEC: digits without trailing zeros, taker side, µs times, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "aggtrade_2_sushiusdt.json",
		.symbol = "SUSHI-USDT-PERP",
		.price = "7.612",		/* "7.6120" */
		.size = "297",			/* base coin */
		.size_unit = TK_SIZE_UNIT_BASE,
		.side = TK_SIDE_BUY,		/* m:false */
		.trade_id = "87353230",		/* "a", not "f" */
		.ts = INT64_C(1626992744108000),	/* T, not E */
	});
	/* An unknown field ("nq", newer frames) is ignored; m:true sells. */
	parse_str("{\"e\":\"aggTrade\",\"E\":1781416439080,\"a\":3339472008,"
	    "\"s\":\"BTCUSDT\",\"p\":\"64339.20\",\"q\":\"0.123\",\"nq\":"
	    "\"0.123\",\"f\":7786568797,\"l\":7786568801,\"T\":1781416438926,"
	    "\"m\":true}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->side, TK_SIDE_SELL);
	assert_dec(&t->size, "0.123");
	ck_assert_str_eq(t->symbol, "BTC-USDT-PERP");
}
END_TEST

/* The futures bookTicker: T (transaction time) before E, any key order. */
START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "bookticker_3_btcusdt.json",
		.symbol = "BTC-USDT-PERP",
		.bid = "61800.2",
		.bid_size = "2.507",
		.ask = "61800.3",
		.ask_size = "2.51",		/* "2.510" */
		.ts = INT64_C(1723161256313000),
	});
	parse_fixture("bookticker_1_sushiusdt.json", &res);
	ck_assert_int_eq(t->ts, INT64_C(1626992741012000));	/* T, not E */
	/* "u" before "e", as COIN-M frames have it */
	parse_str("{\"u\":1,\"e\":\"bookTicker\",\"s\":\"BTCUSDT\",\"b\":\"1\","
	    "\"B\":\"2\",\"a\":\"3\",\"A\":\"4\",\"T\":5,\"E\":6}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->ts, 5000);
}
END_TEST

/* Funding: mark, index, a signed rate, the next funding time, E. */
START_TEST(test_spec_funding_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	parse_fixture("markprice_docs.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->type, TK_TICK_FUNDING);
	ck_assert_str_eq(t->symbol, "BTC-USDT-PERP");
	assert_dec(&t->mark_price, "11794.15");		/* trailing zeros */
	assert_dec(&t->index_price, "11784.62659091");
	assert_dec(&t->rate, "0.00038167");
	ck_assert_int_eq(t->next_funding_ts, INT64_C(1562306400000000));
	ck_assert_int_eq(t->ts, INT64_C(1562305380000000));
	/* Negative rates are common; the combined-stream wrapper too
	 * (a frame published in 2026 with the newer "ap" field). */
	parse_str("{\"stream\":\"btcusdt@markPrice\",\"data\":{\"e\":"
	    "\"markPriceUpdate\",\"E\":1781419401002,\"s\":\"BTCUSDT\",\"p\":"
	    "\"64240.38272864\",\"ap\":\"64240.38272864\",\"P\":"
	    "\"64361.80163225\",\"i\":\"64273.72847826\",\"r\":\"-0.00006042\","
	    "\"T\":1781424000000}}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->rate, "-0.00006042");
	assert_dec(&t->mark_price, "64240.38272864");
	/* A delivery contract's shape: no rate, no next time, no index. */
	parse_str("{\"e\":\"markPriceUpdate\",\"E\":1596095725000,\"s\":"
	    "\"BTCUSDT\",\"p\":\"10934.62615417\",\"P\":\"10962.17178236\","
	    "\"r\":\"\",\"T\":0}", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->rate.valid);
	ck_assert(!t->index_price.valid);
	ck_assert_int_eq(t->next_funding_ts, 0);
}
END_TEST

/* Binance pings at the WebSocket level and cuts at 24 h: rotate. */
static const struct tk_codec_fields fields = { .a = {
	.name = "binance_usdm",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://fstream.binance.com/market/ws",
	.types = TK_TYPES_FEED,
	.max_connection_s = 24 * 3600,
} };

static const struct tk_codec_native native[] = {
	{ "BTC-USDT-PERP", "BTCUSDT" },
	{ "1000PEPE-USDT-PERP", "1000PEPEUSDT" },
};
/* only perpetuals: a spot pair is another market */
static const char *const refused[] = { "BTC-USDT", "BTC-USDT-SWAP",
	"btc-usdt-perp" };

#define SUB(params) "{\"method\":\"SUBSCRIBE\",\"params\":[" params "]," \
	"\"id\":1}"
#define SYMS	TK_LIST("BTC-USDT-PERP", "ETH-USDT-PERP")

static const struct tk_codec_sub subs[] = {
	{ "trades, quotes and funding", SYMS, TK_TYPES_FEED,
	    TK_LIST(SUB("\"btcusdt@aggTrade\",\"btcusdt@bookTicker\","
	    "\"btcusdt@markPrice@1s\",\"ethusdt@aggTrade\","
	    "\"ethusdt@bookTicker\",\"ethusdt@markPrice@1s\"")) },
	{ "trades and quotes", SYMS, TK_TYPES_ALL,
	    TK_LIST(SUB("\"btcusdt@aggTrade\",\"btcusdt@bookTicker\","
	    "\"ethusdt@aggTrade\",\"ethusdt@bookTicker\"")) },
	{ "funding", SYMS, TK_TYPE_BIT(TK_TICK_FUNDING),
	    TK_LIST(SUB("\"btcusdt@markPrice@1s\",\"ethusdt@markPrice@1s\"")) },
};

/* At most 200 streams a message, "id" counting from 1. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	static const char *const streams[] = { "aggTrade", "bookTicker",
	    "markPrice@1s" };
	const json_t *params, *p;
	char stream[32];
	unsigned sym, c;
	size_t k;

	ck_assert_int_eq(json_integer_value(json_object_get(msg, "id")),
	    i + 1);
	params = json_object_get(msg, "params");
	ck_assert_uint_le(json_array_size(params), 200);
	json_array_foreach(params, k, p) {
		ck_assert(sscanf(json_string_value(p), "a%uusdt@%31s", &sym,
		    stream) == 2);
		for (c = 0; c < 3 && strcmp(stream, streams[c]) != 0; c++)
			;
		chunk_topic(sym, c);
	}
}

/* 150 perpetuals, three streams each: 3 messages or more. */
static const struct tk_codec_chunks chunks = {
	.prefix = "A", .width = 0, .suffix = "-USDT-PERP",
	.nsymbols = 150, .types = TK_TYPES_FEED, .nchannels = 3,
	.min_msgs = 3, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	/* the config's default */
	{ TK_TYPES_ALL, "markprice_docs.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ TK_TYPES_ALL, "aggtrade_1_ctkusdt.json", TK_FRAME_DATA, 1,
	    TK_TICK_TRADE },
	{ F_ONLY, "aggtrade_1_ctkusdt.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ F_ONLY, "bookticker_2_sushiusdt.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ F_ONLY, "markprice_docs.json", TK_FRAME_DATA, 1, TK_TICK_FUNDING },
};

static const struct tk_codec_unknown unknown[] = {
	/* ETHUSDT is not configured: counted, not guessed at */
	{ "{\"e\":\"markPriceUpdate\",\"E\":1,\"s\":\"ETHUSDT\",\"p\":\"1\","
	    "\"r\":\"0\"}", 1, 0, NULL, false },
	/* nor is the spot-style native name of a configured symbol */
	{ "{\"e\":\"aggTrade\",\"E\":1,\"a\":1,\"s\":\"BTC-USDT\",\"p\":\"1\","
	    "\"q\":\"1\",\"T\":1,\"m\":true}", 1, 0, NULL, false },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(binance_usdm,
    "{\"result\":null,\"id\":1}", "{\"stream\":\"x\",\"data\":",
    "0-9.e\"{}[],:x\\E",
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(NULL));

static Suite *
binance_usdm_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_spec_funding_rules);
	return s;
}

int
main(void)
{
	return tk_codec_run(binance_usdm_suite());
}
