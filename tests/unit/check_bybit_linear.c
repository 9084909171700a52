/* SPDX-License-Identifier: MIT */
/*
 * The Bybit linear adapter: golden frames (every
 * tests/fixtures/bybit_linear frame against its expected/<name>.out,
 * checked by hand), the SPEC rules spelled out (UUID trade ids, quotes
 * from the level-1 book, funding from tickers), tickers deltas merged in
 * the connection's state, malformed input, filters, perpetual symbols and
 * subscribe messages chunked by ten.
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
	"BTC-USDT-PERP", "ETH-USDT-PERP",
};

/* Every frame in tests/fixtures/bybit_linear; test_golden_complete
 * checks it. */
static const char *const golden[] = {
	"orderbook1_snapshot_btcusdt.json", "pong_linear.json",
	"publictrade_1_btcusdt.json", "publictrade_2_ethusdt_multi.json",
	"subscribe_ack.json", "subscribe_ack_docs.json",
	"subscribe_error.json", "subscribe_request_publictrade.json",
	"subscribe_request_tickers.json",
	"tickers_0_delta_no_bidask_btcusdt.json",
	"tickers_1_snapshot_btcusdt.json",
	"tickers_3_delta_mixed_btcusdt.json",
	"tickers_docs_fixture_negative_rate.json",
};

#define TICKERS(type, fields) "{\"topic\":\"tickers.BTCUSDT\",\"type\":\"" \
	type "\",\"data\":{\"symbol\":\"BTCUSDT\"" fields "},\"cs\":1," \
	"\"ts\":1786310818183}"
#define ALL_FOUR ",\"markPrice\":\"2\",\"indexPrice\":\"3\"," \
	"\"fundingRate\":\"-0.0001\",\"nextFundingTime\":\"1786320000000\""

static const struct tk_codec_bad bad[] = {
	{ "not JSON", "{", TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "tickers without data", "{\"topic\":\"tickers.BTCUSDT\",\"ts\":1}",
	  TK_FRAME_MALFORMED, "tickers: field \"data\" is missing" },
	{ "tickers data an array", "{\"topic\":\"tickers.BTCUSDT\",\"ts\":1,"
	  "\"data\":[]}", TK_FRAME_MALFORMED,
	  "tickers: field \"data\" is not an object" },
	{ "tickers without ts", "{\"topic\":\"tickers.BTCUSDT\",\"type\":"
	  "\"snapshot\",\"data\":{\"symbol\":\"BTCUSDT\"}}",
	  TK_FRAME_MALFORMED, "tickers: field \"ts\" is missing" },
	{ "tickers without symbol", "{\"topic\":\"tickers.BTCUSDT\",\"ts\":1,"
	  "\"data\":{\"s\":\"BTCUSDT\"}}", TK_FRAME_MALFORMED,
	  "tickers: field \"symbol\" is missing" },
	{ "bad funding rate", TICKERS("snapshot", ",\"markPrice\":\"1\","
	  "\"fundingRate\":\"1e\""), TK_FRAME_MALFORMED,
	  "tickers: field \"fundingRate\": \"1e\" is not a decimal" },
	{ "mark price a number", TICKERS("snapshot", ",\"markPrice\":1"),
	  TK_FRAME_MALFORMED,
	  "tickers: field \"markPrice\" is not a string" },
	{ "negative index", TICKERS("snapshot", ",\"markPrice\":\"1\","
	  "\"indexPrice\":\"-1\""), TK_FRAME_MALFORMED,
	  "tickers: field \"indexPrice\": \"-1\" is negative" },
	{ "next funding time not digits", TICKERS("snapshot",
	  ",\"markPrice\":\"1\",\"nextFundingTime\":\"soon\""),
	  TK_FRAME_MALFORMED, "tickers: field \"nextFundingTime\": \"soon\" "
	  "is not *" },
	/* no snapshot before: the delta cannot be read (no state here) */
	{ "delta with a mark price only", TICKERS("delta",
	  ",\"markPrice\":\"2\""), TK_FRAME_DATA, "" },
	{ "snapshot without funding fields", TICKERS("snapshot",
	  ",\"lastPrice\":\"2\""), TK_FRAME_DATA, "" },
	{ "trade id not a string", "{\"topic\":\"publicTrade.BTCUSDT\","
	  "\"ts\":1,\"data\":[{\"T\":1,\"s\":\"BTCUSDT\",\"S\":\"Sell\","
	  "\"v\":\"1\",\"p\":\"1\",\"i\":5}]}", TK_FRAME_MALFORMED,
	  "publicTrade: field \"i\" is not a string" },
	{ "kline", "{\"topic\":\"kline.1.BTCUSDT\",\"ts\":1,\"data\":[]}",
	  TK_FRAME_DATA, "" },
};

/* SPEC: exact digits, taker side, µs times, UUID ids kept as text. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "publictrade_1_btcusdt.json",
		.symbol = "BTC-USDT-PERP",
		.price = "65114.2",		/* "65114.20" */
		.size = "0.004",		/* base coin */
		.size_unit = TK_SIZE_UNIT_BASE,
		.side = TK_SIDE_SELL,
		.trade_id = "a9188a0a-82bc-50de-be60-03eedbe3cdd7",
		.ts = INT64_C(1786310819680000),	/* T, not ts */
	});
	parse_fixture("publictrade_2_ethusdt_multi.json", &res);
	ck_assert_uint_eq(sink.n, 5);
	ck_assert_str_eq(sink.ticks[4].symbol, "ETH-USDT-PERP");
	assert_dec(&sink.ticks[1].size, "1.3");		/* "1.30" */
	ck_assert_int_eq(sink.ticks[4].side, TK_SIDE_BUY);
}
END_TEST

/* Quotes come from orderbook.1 (cts), never from tickers' bid1/ask1. */
START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "orderbook1_snapshot_btcusdt.json",
		.symbol = "BTC-USDT-PERP",
		.bid = "109378.8",
		.bid_size = "1.273",
		.ask = "109378.9",
		.ask_size = "6.278",
		.ts = INT64_C(1758841134598000),		/* cts */
	});
	parse_fixture("tickers_3_delta_mixed_btcusdt.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
}
END_TEST

/* Funding from a snapshot: all four fields, the rate signed. */
START_TEST(test_spec_funding_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	parse_fixture("tickers_1_snapshot_btcusdt.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->type, TK_TICK_FUNDING);
	ck_assert_str_eq(t->symbol, "BTC-USDT-PERP");
	assert_dec(&t->mark_price, "65117.44");
	assert_dec(&t->index_price, "65137.76");
	assert_dec(&t->rate, "0.0001");
	/* "nextFundingTime" is ms as text */
	ck_assert_int_eq(t->next_funding_ts, INT64_C(1786320000000000));
	ck_assert_int_eq(t->ts, INT64_C(1786310817583000));	/* "ts" */
	parse_fixture("tickers_docs_fixture_negative_rate.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->rate, "-0.000212");
	/* A delta that names all four needs nothing before it. */
	parse_str(TICKERS("delta", ALL_FOUR), &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->rate, "-0.0001");
	assert_dec(&t->index_price, "3");
}
END_TEST

/*
 * With the connection's state: a delta updates the fields it names and
 * keeps the others; one that names none gives no tick; a delta before any
 * snapshot gives none either.
 */
START_TEST(test_funding_deltas_with_state)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	size_t size = adapter->state_size(ctx.symbols);
	void *state = calloc(1, size);

	ck_assert_ptr_nonnull(state);
	ctx.state = state;
	parse_fixture("tickers_0_delta_no_bidask_btcusdt.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 0);
	parse_fixture("tickers_1_snapshot_btcusdt.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	parse_fixture("tickers_3_delta_mixed_btcusdt.json", &res);
	ck_assert_uint_eq(sink.n, 0);
	/* the recorded delta: only the mark price moved */
	parse_fixture("tickers_0_delta_no_bidask_btcusdt.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->type, TK_TICK_FUNDING);
	assert_dec(&t->mark_price, "65117.43");
	assert_dec(&t->index_price, "65137.76");
	assert_dec(&t->rate, "0.0001");
	ck_assert_int_eq(t->next_funding_ts, INT64_C(1786320000000000));
	ck_assert_int_eq(t->ts, INT64_C(1786310818183000));
	parse_str(TICKERS("delta", ",\"fundingRate\":\"-0.00002\""), &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->rate, "-0.00002");
	assert_dec(&t->mark_price, "65117.43");
	/* the other symbol has its own state: nothing known yet */
	parse_str("{\"topic\":\"tickers.ETHUSDT\",\"type\":\"delta\",\"data\":"
	    "{\"symbol\":\"ETHUSDT\",\"markPrice\":\"1\"},\"ts\":1}", &res);
	ck_assert_uint_eq(sink.n, 0);
	/* a new snapshot starts from scratch */
	parse_str(TICKERS("snapshot", ",\"markPrice\":\"5\""), &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->rate.valid && !t->index_price.valid);
	ck_assert_int_eq(t->next_funding_ts, 0);
	ctx.state = NULL;
	free(state);
}
END_TEST

#define L1BOOK(type, b, a) "{\"topic\":\"orderbook.1.ETHUSDT\",\"ts\":1," \
	"\"type\":\"" type "\",\"data\":{\"s\":\"ETHUSDT\",\"b\":" b \
	",\"a\":" a "}}"

/* The book lives in the same state, beside the funding fields. */
START_TEST(test_book_deltas_with_state)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	void *state = calloc(1, adapter->state_size(ctx.symbols));

	ck_assert_ptr_nonnull(state);
	ctx.state = state;
	parse_str(L1BOOK("snapshot", "[[\"100.5\",\"2\"]]", "[[\"101\",\"3\"]]"),
	    &res);
	ck_assert_uint_eq(sink.n, 1);
	parse_str("{\"topic\":\"tickers.ETHUSDT\",\"type\":\"snapshot\","
	    "\"data\":{\"symbol\":\"ETHUSDT\",\"markPrice\":\"100.7\"},"
	    "\"ts\":1}", &res);
	ck_assert_uint_eq(sink.n, 1);
	parse_str(L1BOOK("delta", "[]", "[[\"101\",\"0\"],[\"100.9\",\"1.5\"]]"),
	    &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->symbol, "ETH-USDT-PERP");
	assert_dec(&t->bid, "100.5");
	assert_dec(&t->bid_size, "2");
	assert_dec(&t->ask, "100.9");
	parse_str("{\"topic\":\"tickers.ETHUSDT\",\"type\":\"delta\","
	    "\"data\":{\"symbol\":\"ETHUSDT\",\"indexPrice\":\"100.6\"},"
	    "\"ts\":2}", &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->mark_price, "100.7");
	assert_dec(&t->index_price, "100.6");
	ctx.state = NULL;
	free(state);
}
END_TEST

static const struct tk_codec_fields fields = { .a = {
	.name = "bybit_linear",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://stream.bybit.com/v5/public/linear",
	.types = TK_TYPES_FEED,
	.ping_message = "{\"op\":\"ping\"}",
	.ping_interval_s = 20,
}, .state = true };

static const struct tk_codec_native native[] = {
	{ "BTC-USDT-PERP", "BTCUSDT" }, { "ETH-USDC-PERP", "ETHUSDC" },
};
static const char *const refused[] = { "BTC-USDT", "BTC-USDT-PERP-X" };

#define SUB(args, id) "{\"op\":\"subscribe\",\"args\":[" args "]," \
	"\"req_id\":\"" id "\"}"
#define T(sym)	"\"publicTrade." sym "\""
#define Q(sym)	"\"orderbook.1." sym "\""
#define F(sym)	"\"tickers." sym "\""
#define SYMS	TK_LIST("BTC-USDT-PERP", "ETH-USDT-PERP")

static const struct tk_codec_sub subs[] = {
	{ "trades, quotes and funding", SYMS, TK_TYPES_FEED,
	    TK_LIST(SUB(T("BTCUSDT") "," Q("BTCUSDT") "," F("BTCUSDT") ","
	    T("ETHUSDT") "," Q("ETHUSDT") "," F("ETHUSDT"), "1")) },
	/* the default channels: no tickers */
	{ "trades and quotes", SYMS, TK_TYPES_ALL,
	    TK_LIST(SUB(T("BTCUSDT") "," Q("BTCUSDT") "," T("ETHUSDT") ","
	    Q("ETHUSDT"), "1")) },
	{ "funding", SYMS, TK_TYPE_BIT(TK_TICK_FUNDING),
	    TK_LIST(SUB(F("BTCUSDT") "," F("ETHUSDT"), "1")) },
	/* Four symbols, three channels: 12 topics = 10 + 2. */
	{ "ten topics a message", TK_LIST("A-USDT-PERP", "B-USDT-PERP",
	    "C-USDT-PERP", "D-USDT-PERP"), TK_TYPES_FEED,
	    TK_LIST(SUB(T("AUSDT") "," Q("AUSDT") "," F("AUSDT") ","
	    T("BUSDT") "," Q("BUSDT") "," F("BUSDT") "," T("CUSDT") ","
	    Q("CUSDT") "," F("CUSDT") "," T("DUSDT"), "1"),
	    SUB(Q("DUSDT") "," F("DUSDT"), "2")) },
};

static const struct tk_codec_filter filters[] = {
	{ TK_TYPES_ALL, "tickers_1_snapshot_btcusdt.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ F_ONLY, "publictrade_1_btcusdt.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ F_ONLY, "orderbook1_snapshot_btcusdt.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ F_ONLY, "tickers_1_snapshot_btcusdt.json", TK_FRAME_DATA, 1,
	    TK_TICK_FUNDING },
};

static const struct tk_codec_unknown unknown[] = {
	{ "{\"topic\":\"tickers.SOLUSDT\",\"type\":\"snapshot\",\"data\":{"
	    "\"symbol\":\"SOLUSDT\",\"markPrice\":\"1\"},\"ts\":1}", 1, 0, NULL,
	    false },
	{ "{\"topic\":\"tickers.SOLUSDT\",\"type\":\"delta\",\"data\":{"
	    "\"symbol\":\"SOLUSDT\",\"markPrice\":\"1\"},\"ts\":1}", 1, 0, NULL,
	    false },
	/* a delta without funding fields is no funding data at all */
	{ "{\"topic\":\"tickers.SOLUSDT\",\"type\":\"delta\",\"data\":{"
	    "\"symbol\":\"SOLUSDT\",\"lastPrice\":\"1\"},\"ts\":1}", 0, 0, NULL,
	    false },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(bybit_linear,
    "{\"success\":true,\"ret_msg\":\"pong\",\"op\":\"ping\"}", "{\"data\":",
    "0-9.e\"{}[],:x\\E",
    TK_CODEC_UNKNOWN(NULL));

static Suite *
bybit_linear_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_spec_funding_rules);
	tcase_add_test(tc.golden, test_funding_deltas_with_state);
	tcase_add_test(tc.golden, test_book_deltas_with_state);
	return s;
}

int
main(void)
{
	return tk_codec_run(bybit_linear_suite());
}
