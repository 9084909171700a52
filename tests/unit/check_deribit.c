/* SPDX-License-Identifier: MIT */
/*
 * The Deribit adapter: golden frames (every tests/fixtures/deribit frame
 * against its expected/<name>.out, checked by hand), the SPEC rules on
 * them (JSON numbers, USD amounts as size_unit "quote", funding from the
 * ticker), the heartbeat's reply, malformed input, filters, native
 * symbols of perpetuals and futures, and subscribe messages.
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

static const char *const fixture_symbols[] = { "BTC-USD-PERP",
    "BTC-USD-20210326", "BTC-USD-20220930" };

/* Every frame in tests/fixtures/deribit; test_golden_complete checks it. */
static const char *const golden[] = {
	"quote_1_btc_perpetual.json", "quote_2_btc_30sep22.json",
	"subscribe_request.json", "subscribe_response.json",
	"ticker_1_btc_perpetual_100ms.json",
	"ticker_2_btc_perpetual_100ms.json",
	"trades_2_btc_26mar21_raw.json",
	"trades_3_btc_perpetual_100ms.json",
};

#define TEST_REPLY	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":" \
			"\"public/test\",\"params\":{}}"
#define NOTE(ch, data)	"{\"jsonrpc\":\"2.0\",\"method\":\"subscription\"," \
			"\"params\":{\"channel\":\"" ch "\",\"data\":" data "}}"
#define TRADE(fields)	NOTE("trades.BTC-PERPETUAL.100ms", "[{" fields "}]")
#define QUOTE(fields)	NOTE("quote.BTC-PERPETUAL", "{" fields "}")
#define TICKER(fields)	NOTE("ticker.BTC-PERPETUAL.100ms", "{" fields "}")

/* SPEC: exact digits of JSON numbers, taker side, ms -> µs, USD sizes. */
START_TEST(test_spec_trade_rules)
{
	const struct tk_tick *t = &sink.ticks[0];
	struct tk_frame_result res;

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "trades_3_btc_perpetual_100ms.json",
		.nticks = 2,
		.symbol = "BTC-USD-PERP",
		.price = "92294.5",
		.size = "10",			/* 10.0 USD, not contracts */
		.size_unit = TK_SIZE_UNIT_QUOTE,
		.side = TK_SIDE_SELL,
		.trade_id = "403691824",
		.ts = INT64_C(1765531356452000),
	});
	assert_dec(&sink.ticks[1].size, "750");
	ck_assert_str_eq(sink.ticks[1].trade_id, "403691825");

	parse_fixture("trades_2_btc_26mar21_raw.json", &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_str_eq(t->symbol, "BTC-USD-20210326");
	ck_assert_int_eq(t->side, TK_SIDE_BUY);

	/* Float noise comes back as sent (not 0.3); integers exactly. */
	parse_str(TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":0.30000000000000004,\"amount\":3,\"direction\":\"buy\","
	    "\"trade_id\":\"7\",\"timestamp\":1"), &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_dec(&t->price, "0.30000000000000004");
	assert_dec(&t->size, "3");
	/* Without "direction" the side is not said. */
	parse_str(TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":1,\"amount\":3,\"trade_id\":\"8\",\"timestamp\":1"),
	    &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	const struct tk_tick *t = &sink.ticks[0];
	struct tk_frame_result res;

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "quote_1_btc_perpetual.json",
		.symbol = "BTC-USD-PERP",
		.bid = "32143",
		.bid_size = "179960",
		.ask = "32143.5",
		.ask_size = "20",
		.size_unit = TK_SIZE_UNIT_QUOTE,
		.ts = INT64_C(1654012882984000),
	});

	/* An empty side is null; both empty: no quote at all. */
	parse_str(QUOTE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"timestamp\":1,\"best_bid_price\":null,\"best_bid_amount\":0,"
	    "\"best_ask_price\":5,\"best_ask_amount\":2"), &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert(!t->bid.valid);
	assert_dec(&t->ask, "5");
	parse_str(QUOTE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"timestamp\":1,\"best_bid_price\":null,\"best_bid_amount\":0,"
	    "\"best_ask_price\":null,\"best_ask_amount\":0"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
}
END_TEST

/* Funding: mark, index, current_funding; only when asked for. */
START_TEST(test_spec_funding_rules)
{
	const struct tk_tick *t = &sink.ticks[0];
	struct tk_frame_result res;

	parse_fixture("ticker_1_btc_perpetual_100ms.json", &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_int_eq(t->type, TK_TICK_FUNDING);
	ck_assert_str_eq(t->symbol, "BTC-USD-PERP");
	assert_dec(&t->mark_price, "29932.79");
	assert_dec(&t->index_price, "29930.44");
	assert_dec(&t->rate, "0");		/* current_funding, not 8h */
	ck_assert_int_eq(t->next_funding_ts, 0);
	ck_assert_int_eq(t->ts, INT64_C(1654161785818000));

	/* A negative rate is a rate; index_price may be left out. */
	parse_str(TICKER("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"timestamp\":1,\"mark_price\":100.5,"
	    "\"current_funding\":-0.00012,\"funding_8h\":0.1"), &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_dec(&t->rate, "-0.00012");
	ck_assert(!t->index_price.valid);
	/* A future's ticker has no funding: data, no tick. */
	parse_str(NOTE("ticker.BTC-25DEC26.100ms", "{\"instrument_name\":"
	    "\"BTC-30SEP22\",\"timestamp\":1,\"mark_price\":1}"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);

	/* Without funding in the types, nothing. */
	ctx.types = TK_TYPES_ALL;
	parse_fixture("ticker_2_btc_perpetual_100ms.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	/* Funding alone: the same ticker's funding tick. */
	ctx.types = TK_TYPE_BIT(TK_TICK_FUNDING);
	parse_fixture("ticker_2_btc_perpetual_100ms.json", &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_dec(&sink.ticks[0].rate, "0");
	assert_dec(&sink.ticks[0].mark_price, "92281.78");
}
END_TEST

/* Deribit closes a connection that leaves a test_request unanswered. */
START_TEST(test_heartbeat_reply)
{
	struct tk_frame_result res;
	json_t *reply;

	parse_str("{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\","
	    "\"params\":{\"type\":\"test_request\"}}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	ck_assert_str_eq(res.reply, TEST_REPLY);
	reply = json_loads(res.reply, 0, NULL);
	ck_assert_ptr_nonnull(reply);
	json_decref(reply);
	/* The plain heartbeat and everything else want no reply. */
	parse_str("{\"params\":{\"type\":\"heartbeat\"},\"method\":"
	    "\"heartbeat\",\"jsonrpc\":\"2.0\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	ck_assert_str_eq(res.reply, "");
	parse_fixture("trades_3_btc_perpetual_100ms.json", &res);
	ck_assert_str_eq(res.reply, "");
	/* The answer to public/test is a control frame. */
	parse_str("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"version\":"
	    "\"1.2.26\"},\"usIn\":1,\"usOut\":2,\"usDiff\":1}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "not an object", "[1]", TK_FRAME_MALFORMED,
	    "frame is not a JSON object" },
	{ "no method", "{\"jsonrpc\":\"2.0\"}", TK_FRAME_MALFORMED,
	    "unrecognised frame: no \"method\", \"result\" or \"error\"" },
	{ "method number", "{\"method\":1}", TK_FRAME_MALFORMED,
	    "notification: field \"method\" is not a string" },
	{ "no params", "{\"method\":\"subscription\"}", TK_FRAME_MALFORMED,
	    "subscription: field \"params\" is missing" },
	{ "no channel", "{\"method\":\"subscription\",\"params\":{}}",
	    TK_FRAME_MALFORMED,
	    "subscription: field \"channel\" is missing" },
	{ "no data", "{\"method\":\"subscription\",\"params\":{\"channel\":"
	    "\"quote.BTC-PERPETUAL\"}}", TK_FRAME_MALFORMED,
	    "quote.BTC-PERPETUAL: field \"data\" is missing" },
	{ "trades object", NOTE("trades.BTC-PERPETUAL.100ms", "{}"),
	    TK_FRAME_MALFORMED, "trades: field \"data\" is not an array" },
	{ "trade number", NOTE("trades.BTC-PERPETUAL.100ms", "[1]"),
	    TK_FRAME_MALFORMED, "trades: data[0] is not an object" },
	{ "price text", TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":\"1\",\"amount\":1,\"trade_id\":\"1\","
	    "\"timestamp\":1"), TK_FRAME_MALFORMED,
	    "trades: field \"price\" is not a number" },
	{ "amount negative", TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":1,\"amount\":-1,\"trade_id\":\"1\",\"timestamp\":1"),
	    TK_FRAME_MALFORMED, "trades: field \"amount\" is negative" },
	{ "trade id number", TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":1,\"amount\":1,\"trade_id\":1,\"timestamp\":1"),
	    TK_FRAME_MALFORMED, "trades: field \"trade_id\" is not a string" },
	{ "direction", TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":1,\"amount\":1,\"trade_id\":\"1\",\"timestamp\":1,"
	    "\"direction\":\"up\""), TK_FRAME_MALFORMED,
	    "trades: field \"direction\": \"up\" is not \"buy\" or \"sell\"" },
	{ "no time", TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":1,\"amount\":1,\"trade_id\":\"1\""),
	    TK_FRAME_MALFORMED, "trades: field \"timestamp\" is missing" },
	{ "quote no bid", QUOTE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"timestamp\":1,\"best_bid_amount\":1,\"best_ask_price\":1,"
	    "\"best_ask_amount\":1"), TK_FRAME_MALFORMED,
	    "quote: field \"best_bid_price\" is missing" },
	{ "quote array", NOTE("quote.BTC-PERPETUAL", "[]"),
	    TK_FRAME_MALFORMED, "quote: field \"data\" is not an object" },
	{ "ticker no mark", TICKER("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"timestamp\":1,\"current_funding\":0"), TK_FRAME_MALFORMED,
	    "ticker: field \"mark_price\" is missing" },
	{ "funding text", TICKER("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"timestamp\":1,\"mark_price\":1,\"current_funding\":\"0\""),
	    TK_FRAME_MALFORMED,
	    "ticker: field \"current_funding\" is not a number" },
	{ "error", "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":11050,"
	    "\"message\":\"bad_request\",\"data\":{\"reason\":\"invalid "
	    "channel\\nquote.X\"}}}", TK_FRAME_EXCHANGE_ERROR,
	    "code 11050: bad_request: invalid channel quote.X" },
	{ "error bare", "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":"
	    "10028,\"message\":\"too_many_requests\"}}",
	    TK_FRAME_EXCHANGE_ERROR, "code 10028: too_many_requests" },
	{ "error string", "{\"error\":\"x\"}", TK_FRAME_MALFORMED,
	    "reply: field \"error\" is not an object" },
	{ "other channel", NOTE("book.BTC-PERPETUAL.100ms", "{}"),
	    TK_FRAME_DATA, "" },
	{ "other notification", "{\"method\":\"announcements\"}",
	    TK_FRAME_CONTROL, "" },
};

static const struct tk_codec_fields fields = { .a = {
	.name = "deribit",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://www.deribit.com/ws/api/v2",
	.types = TK_TYPES_FEED,
} };

static const struct tk_codec_native native[] = {
	{ "BTC-USD-PERP", "BTC-PERPETUAL" },
	{ "ETH-USD-PERP", "ETH-PERPETUAL" },
	{ "BTC-USD-20261225", "BTC-25DEC26" },
	{ "BTC-USD-20240105", "BTC-5JAN24" },
	{ "BTC-USD-20210326", "BTC-26MAR21" },
	{ "ETH-USD-20281130", "ETH-30NOV28" },
	{ "BTC-USD-20240229", "BTC-29FEB24" },
};
static const char *const refused[] = { "BTC-USD", "BTC-USDC-PERP",
	"BTC-USDT-PERP", "BTC-EUR-20261225", "BTC-USD-20261301",
	"BTC-USD-20260001", "BTC-USD-20261200", "BTC-USD-20260431",
	"btc-usd-perp", "BTC-USD-PERP-X" };

/* The heartbeat request first; nothing wanted, not even that. */
#define HEARTBEAT "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":" \
	"\"public/set_heartbeat\",\"params\":{\"interval\":30}}"
#define SUB(channels) "{\"jsonrpc\":\"2.0\",\"method\":" \
	"\"public/subscribe\",\"params\":{\"channels\":[" channels "]}," \
	"\"id\":2}"

static const struct tk_codec_sub subs[] = {
	{ "trades, quotes and funding", TK_LIST("BTC-USD-PERP",
	    "BTC-USD-20261225"), TK_TYPES_FEED, TK_LIST(HEARTBEAT,
	    SUB("\"trades.BTC-PERPETUAL.100ms\",\"quote.BTC-PERPETUAL\","
	    "\"ticker.BTC-PERPETUAL.100ms\",\"trades.BTC-25DEC26.100ms\","
	    "\"quote.BTC-25DEC26\",\"ticker.BTC-25DEC26.100ms\"")) },
	{ "trades", TK_LIST("BTC-USD-PERP", "BTC-USD-20261225"),
	    TK_TYPE_BIT(TK_TICK_TRADE), TK_LIST(HEARTBEAT,
	    SUB("\"trades.BTC-PERPETUAL.100ms\","
	    "\"trades.BTC-25DEC26.100ms\"")) },
};

/* The heartbeat request, then chunks of at most 64 channels. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	static const size_t want[] = { 64, 64, 22 };
	static const char *const kinds[] = { "trades", "quote", "ticker" };
	const json_t *channels, *ch;
	unsigned sym, c;
	char kind[16];
	size_t k;

	ck_assert_int_eq(json_integer_value(json_object_get(msg, "id")),
	    i + 1);
	if (i == 0) {
		ck_assert_str_eq(json_string_value(json_object_get(msg,
		    "method")), "public/set_heartbeat");
		return;
	}
	ck_assert_uint_le(i, TK_NELEM(want));
	channels = json_object_get(json_object_get(msg, "params"),
	    "channels");
	ck_assert_uint_eq(json_array_size(channels), want[i - 1]);
	json_array_foreach(channels, k, ch) {
		ck_assert(sscanf(json_string_value(ch),
		    "%15[a-z].C%uX-PERPETUAL", kind, &sym) == 2);
		for (c = 0; c < 3 && strcmp(kind, kinds[c]) != 0; c++)
			;
		chunk_topic(sym, c);
	}
}

static const struct tk_codec_chunks chunks = {
	.prefix = "C", .width = 0, .suffix = "X-USD-PERP",
	.nsymbols = 50, .types = TK_TYPES_FEED, .nchannels = 3,
	.nmsgs = 4, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trades_3_btc_perpetual_100ms.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ Q_ONLY, "ticker_1_btc_perpetual_100ms.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ Q_ONLY, "quote_1_btc_perpetual.json", TK_FRAME_DATA, 1,
	    TK_TICK_QUOTE },
	{ F_ONLY, "quote_1_btc_perpetual.json", TK_FRAME_DATA, 0,
	    TK_CODEC_ANY },
	{ F_ONLY, "ticker_2_btc_perpetual_100ms.json", TK_FRAME_DATA, 1,
	    TK_TICK_FUNDING },
	/* Filtered frames are still checked. */
	{ F_ONLY, TRADE("\"instrument_name\":\"BTC-PERPETUAL\","
	    "\"price\":\"x\""), TK_FRAME_MALFORMED, 0, TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "trades_3_btc_perpetual_100ms.json", 2, 0, NULL, false },
	{ "quote_2_btc_30sep22.json", 0, 1, TK_SYMBOL_IS("BTC-USD-20220930"),
	    false },
	{ "quote_2_btc_30sep22.json", 1, 0, NULL, true },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(deribit,
    "{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":{\"type\":"
    "\"heartbeat\"}}", "{\"params\":", "0-9.e\"{}[],:x\\E",
    .echo_control = true,
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("BTC-USD-20220930")));

static Suite *
deribit_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_spec_funding_rules);
	tcase_add_test(tc.golden, test_heartbeat_reply);
	return s;
}

int
main(void)
{
	return tk_codec_run(deribit_suite());
}
