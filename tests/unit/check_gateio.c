/* SPDX-License-Identifier: MIT */
/*
 * The Gate.io spot adapter: golden frames (every tests/fixtures/gateio
 * frame against its expected/<name>.out, written by hand), the SPEC rules
 * spelled out (exact digits, taker side, the trade time as text with a
 * fraction of a millisecond), replies and refusals, malformed input,
 * filters, and subscribe messages with their "time" stamp.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "tk_codec_check.h"

static const char *const fixture_symbols[] = {
	"BTC-USDT", "DIS-USDT", "GT-USDT", "NEO-BTC",
};

/* Every frame in tests/fixtures/gateio; test_golden_complete checks it. */
static const char *const golden[] = {
	"book_ticker_1.json", "book_ticker_2_btc_usdt_docs_example.json",
	"error_schema_issue.json", "pong_docs_example.json",
	"spot_tickers_1.json", "spot_trades_1.json", "spot_trades_2.json",
	"spot_trades_3_btc_usdt.json", "spot_trades_docs_example.json",
	"subscribe_ack_docs_example.json", "subscribe_ack_tickers.json",
	"subscribe_ack_trades.json", "subscribe_request_tickers.json",
	"subscribe_request_trades.json",
};

/* A spot.trades frame for BTC_USDT with @fields in "result". */
#define TRADE(fields)							\
	"{\"time\":1,\"channel\":\"spot.trades\",\"event\":\"update\","	\
	"\"result\":{\"currency_pair\":\"BTC_USDT\"," fields "}}"
#define TRADE_OK(more)							\
	TRADE("\"id\":7,\"price\":\"1\",\"amount\":\"2\","		\
	"\"side\":\"buy\"" more)
/* A spot.book_ticker frame for BTC_USDT with @fields in "result". */
#define BOOK(fields)							\
	"{\"time\":1,\"channel\":\"spot.book_ticker\","			\
	"\"event\":\"update\",\"result\":{\"s\":\"BTC_USDT\"," fields "}}"

/* SPEC: exact digits, taker side, µs times, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "spot_trades_1.json",
		.symbol = "DIS-USDT",
		/* "121.5800000000", "0.2010000000": trailing zeros go. */
		.price = "121.58",
		.size = "0.201",
		.side = TK_SIDE_SELL,
		.trade_id = "816995772",
		/* "1619093543708.2642" ms: the fraction kept to the µs. */
		.ts = INT64_C(1619093543708264),
	});

	/* The docs' example: "id_market" twice, newer fields ignored. */
	parse_fixture("spot_trades_docs_example.json", &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->trade_id, "309143071");
	ck_assert_int_eq(t->ts, INT64_C(1606292218213457));

	/* No "side": the exchange does not say. */
	parse_str(TRADE("\"id\":1,\"price\":\"5.50\",\"amount\":\"1\","
	    "\"create_time_ms\":\"1\""), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
	assert_dec(&t->price, "5.5");
	ck_assert_int_eq(t->ts, 1000);
	/* The largest id jansson reads. */
	parse_str(TRADE("\"id\":9223372036854775807,\"price\":\"1\","
	    "\"amount\":\"1\",\"side\":\"sell\",\"create_time_ms\":\"0\""),
	    &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert_str_eq(t->trade_id, "9223372036854775807");
	ck_assert_int_eq(t->side, TK_SIDE_SELL);
}
END_TEST

/* "create_time_ms": ms as text, with or without a fraction. */
START_TEST(test_trade_time_fraction)
{
	static const struct {
		const char	*ms;
		int64_t		 us;
	} ok[] = {
		{ "1619093543708", INT64_C(1619093543708000) },
		{ "1619093543708.5", INT64_C(1619093543708500) },
		{ "1619093543708.05", INT64_C(1619093543708050) },
		{ "1619093543708.896", INT64_C(1619093543708896) },
		{ "1619093543708.123456789", INT64_C(1619093543708123) },
		{ "0.0", 0 },
		{ "253402300799999.9999", INT64_C(253402300799999999) },
	};
	static const char *const bad_ms[] = {
		"", ".5", "1.", "1..5", "1.5.", "1.5x", "1.-5", "-1.5", "1e3",
		"1,5", " 1.5", "1.5 ", "253402300800000.0",
	};
	struct tk_frame_result res;
	char frame[512], want[160];
	size_t i;

	for (i = 0; i < TK_NELEM(ok); i++) {
		snprintf(frame, sizeof(frame), TRADE_OK(",\"create_time_ms\":"
		    "\"%s\""), ok[i].ms);
		parse_str(frame, &res);
		ck_assert_msg(res.kind == TK_FRAME_DATA, "%s: %s", ok[i].ms,
		    res.detail);
		ck_assert_uint_eq(sink.n, 1);
		ck_assert_int_eq(sink.ticks[0].ts, ok[i].us);
	}
	for (i = 0; i < TK_NELEM(bad_ms); i++) {
		snprintf(frame, sizeof(frame), TRADE_OK(",\"create_time_ms\":"
		    "\"%s\""), bad_ms[i]);
		parse_str(frame, &res);
		ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
		ck_assert_uint_eq(sink.n, 0);
		snprintf(want, sizeof(want), "spot.trades: field "
		    "\"create_time_ms\": \"%s\" is not a time in ms between "
		    "1970 and 9999", bad_ms[i]);
		ck_assert_str_eq(res.detail, want);
	}
	/* A JSON number, even an exact one, is not what Gate sends. */
	parse_str(TRADE_OK(",\"create_time_ms\":1619093543708"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "spot.trades: field \"create_time_ms\" "
	    "is not a string");
	/* "create_time" (s) alone is not enough. */
	parse_str(TRADE_OK(",\"create_time\":1619093543"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "spot.trades: field \"create_time_ms\" "
	    "is missing");
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];
	char line[TK_TICK_JSON_MAX];

	/* Tabs between the tokens, as in Gate's docs. */
	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "book_ticker_2_btc_usdt_docs_example.json",
		.symbol = "BTC-USDT",
		.bid = "19177.79",
		.bid_size = "0.0003341504",
		.ask = "19179.38",
		.ask_size = "0.09",
		.ts = INT64_C(1606293275123000),
	});

	/* "" is "no value": that side is null, never 0. */
	parse_str(BOOK("\"t\":5,\"b\":\"\",\"B\":\"\",\"a\":\"6.10\","
	    "\"A\":\"2\""), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "6.1");
	ck_assert_int_gt(tk_tick_format(t, 0, line, sizeof(line)), 0);
	ck_assert_ptr_nonnull(strstr(line, "\"bid\":null,\"bid_size\":null,"
	    "\"ask\":\"6.1\",\"ask_size\":\"2\",\"ts\":5000,"));
	/* A size without its price goes with it; "0" is a price. */
	parse_str(BOOK("\"t\":5,\"b\":\"0\",\"B\":\"1\",\"a\":\"\","
	    "\"A\":\"3\""), &res);
	ck_assert_uint_eq(sink.n, 1);
	assert_dec(&t->bid, "0");
	ck_assert(!t->ask.valid && !t->ask_size.valid);
	/* Neither side: nothing to say, no tick, not an error. */
	parse_str(BOOK("\"t\":5,\"b\":\"\",\"B\":\"\",\"a\":\"\","
	    "\"A\":\"\""), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 0);
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "truncated", "{\"channel\":\"spot.trades\",\"result\":{",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "trailing garbage", "{\"event\":\"subscribe\"} x",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[]", TK_FRAME_MALFORMED, "frame is not a JSON object" },
	{ "empty object", "{}", TK_FRAME_MALFORMED,
	    "message: field \"event\" is missing" },
	{ "event number", "{\"channel\":\"spot.trades\",\"event\":1}",
	    TK_FRAME_MALFORMED, "message: field \"event\" is not a string" },
	{ "our ping", "{\"channel\":\"spot.ping\"}", TK_FRAME_MALFORMED,
	    "message: field \"event\" is missing" },
	/* Replies and bookkeeping. */
	{ "pong", "{\"time\":1,\"time_ms\":1000,\"channel\":\"spot.pong\","
	    "\"event\":\"\",\"error\":null,\"result\":null}", TK_FRAME_CONTROL,
	    "" },
	{ "unsubscribe ack", "{\"time\":1,\"channel\":\"spot.trades\","
	    "\"event\":\"unsubscribe\",\"result\":{\"status\":\"success\"}}",
	    TK_FRAME_CONTROL, "" },
	{ "unknown event", "{\"time\":1,\"channel\":\"spot.trades\","
	    "\"event\":\"all\",\"result\":{}}", TK_FRAME_CONTROL, "" },
	{ "update pong", "{\"channel\":\"spot.pong\",\"event\":\"update\"}",
	    TK_FRAME_CONTROL, "" },
	{ "unknown channel", "{\"channel\":\"spot.new_thing\","
	    "\"event\":\"update\",\"result\":{}}", TK_FRAME_CONTROL, "" },
	{ "other market data", "{\"time\":1631836142,\"channel\":"
	    "\"spot.order_book_update\",\"event\":\"update\",\"result\":"
	    "{\"s\":\"BTC_USDT\",\"b\":[[\"1\",\"2\"]],\"a\":[]}}",
	    TK_FRAME_DATA, "" },
	{ "error null", "{\"channel\":\"spot.trades\",\"event\":"
	    "\"subscribe\",\"error\":null,\"result\":{\"status\":\"success\"}}",
	    TK_FRAME_CONTROL, "" },
	/* Refusals, in the exchange's words. */
	{ "refused pair", "{\"time\":1606292218,\"time_ms\":1606292218231,"
	    "\"channel\":\"spot.trades\",\"event\":\"subscribe\",\"error\":"
	    "{\"code\":2,\"message\":\"unknown currency pair GIBBERISH_USD\"},"
	    "\"result\":null}", TK_FRAME_EXCHANGE_ERROR,
	    "spot.trades: code 2: unknown currency pair GIBBERISH_USD" },
	{ "error no message", "{\"channel\":\"\",\"event\":\"\","
	    "\"error\":{\"code\":3}}", TK_FRAME_EXCHANGE_ERROR,
	    "code 3: error without a message" },
	{ "error no code", "{\"error\":{\"message\":\"busy\"}}",
	    TK_FRAME_EXCHANGE_ERROR, "busy" },
	{ "error text", "{\"event\":\"update\",\"error\":\"a\\nb\"}",
	    TK_FRAME_EXCHANGE_ERROR, "a b" },
	{ "error true", "{\"error\":true}", TK_FRAME_EXCHANGE_ERROR,
	    "error without a message" },
	/* Pushes of the wrong shape. */
	{ "no channel", "{\"event\":\"update\",\"result\":{}}",
	    TK_FRAME_MALFORMED, "update: field \"channel\" is missing" },
	{ "channel null", "{\"channel\":null,\"event\":\"update\"}",
	    TK_FRAME_MALFORMED, "update: field \"channel\" is not a string" },
	{ "no result", "{\"channel\":\"spot.trades\",\"event\":\"update\"}",
	    TK_FRAME_MALFORMED, "spot.trades: field \"result\" is missing" },
	{ "result array", "{\"channel\":\"spot.book_ticker\",\"event\":"
	    "\"update\",\"result\":[]}", TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"result\" is not an object" },
	{ "result null", "{\"channel\":\"spot.trades\",\"event\":\"update\","
	    "\"result\":null}", TK_FRAME_MALFORMED,
	    "spot.trades: field \"result\" is not an object" },
	/* Trades. */
	{ "no pair", "{\"channel\":\"spot.trades\",\"event\":\"update\","
	    "\"result\":{\"id\":1}}", TK_FRAME_MALFORMED,
	    "spot.trades: field \"currency_pair\" is missing" },
	{ "price number", TRADE("\"id\":1,\"price\":1.5,\"amount\":\"1\","
	    "\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"price\" is not a string" },
	{ "price negative", TRADE("\"id\":1,\"price\":\"-1\",\"amount\":"
	    "\"1\",\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"price\": \"-1\" is negative" },
	{ "amount missing", TRADE("\"id\":1,\"price\":\"1\","
	    "\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"amount\" is missing" },
	{ "amount empty", TRADE("\"id\":1,\"price\":\"1\",\"amount\":\"\","
	    "\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"amount\": \"\" is not a decimal" },
	{ "id string", TRADE("\"id\":\"1\",\"price\":\"1\",\"amount\":\"1\","
	    "\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"id\" is not an integer" },
	{ "id negative", TRADE("\"id\":-1,\"price\":\"1\",\"amount\":\"1\","
	    "\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"id\" is negative" },
	{ "id real", TRADE("\"id\":1.5,\"price\":\"1\",\"amount\":\"1\","
	    "\"create_time_ms\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.trades: field \"id\" is not an integer" },
	{ "id beyond int64", TRADE("\"id\":9223372036854775808,"
	    "\"price\":\"1\""), TK_FRAME_MALFORMED,
	    "invalid JSON at byte *" },
	{ "side Buy", TRADE_OK(",\"side\":\"Buy\",\"create_time_ms\":\"1\""),
	    TK_FRAME_MALFORMED, "spot.trades: field \"side\": \"Buy\" is not "
	    "\"buy\" or \"sell\"" },
	/* Quotes. */
	{ "no s", "{\"channel\":\"spot.book_ticker\",\"event\":\"update\","
	    "\"result\":{\"t\":1}}", TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"s\" is missing" },
	{ "bid missing", BOOK("\"t\":1,\"B\":\"1\",\"a\":\"1\",\"A\":\"1\""),
	    TK_FRAME_MALFORMED, "spot.book_ticker: field \"b\" is missing" },
	{ "bid null", BOOK("\"t\":1,\"b\":null,\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"b\" is not a string" },
	{ "ask size blank", BOOK("\"t\":1,\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\" \""), TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"A\": \" \" is not a decimal" },
	{ "t missing", BOOK("\"b\":\"1\",\"B\":\"1\",\"a\":\"1\",\"A\":\"1\""),
	    TK_FRAME_MALFORMED, "spot.book_ticker: field \"t\" is missing" },
	{ "t text", BOOK("\"t\":\"1\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"t\" is not an integer" },
	{ "t negative", BOOK("\"t\":-1,\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
	    "\"A\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"t\" is not a time in ms between 1970 "
	    "and 9999" },
	{ "t seconds as real", BOOK("\"t\":1654029559.473,\"b\":\"1\","
	    "\"B\":\"1\",\"a\":\"1\",\"A\":\"1\""), TK_FRAME_MALFORMED,
	    "spot.book_ticker: field \"t\" is not an integer" },
};

/* The pong that answers ping_message is bookkeeping. */
START_TEST(test_ping_reply_is_control)
{
	struct tk_frame_result res;

	parse_fixture("pong_docs_example.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_str_eq(res.detail, "");
}
END_TEST


static const struct tk_codec_fields fields = { .a = {
	.name = "gateio",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://api.gateio.ws/ws/v4/",
	.types = TK_TYPES_ALL,
	/* The application ping of Gate's demo client, as often. */
	.ping_message = "{\"channel\":\"spot.ping\"}",
	.ping_interval_s = 10,
} };

static const struct tk_codec_native native[] = {
	{ "BTC-USDT", "BTC_USDT" }, { "1INCH-USDT", "1INCH_USDT" },
};
static const char *const refused[] = { "btc-usdt", "BTC-USDT-PERP" };

/*
 * A subscribe message @buf, made between @before and @after, starts with
 * {"time":<then>, (10 digits) and is JSON of four members, "time" a JSON
 * integer (a string is refused); returns what follows that comma.
 */
static const char *
time_stamp(const char *buf, time_t before, time_t after)
{
	json_error_t jerr;
	long long stamp;
	json_t *msg;
	char *end;

	ck_assert_msg(strncmp(buf, "{\"time\":", 8) == 0, "%s", buf);
	stamp = strtoll(buf + 8, &end, 10);
	ck_assert_int_eq(end - (buf + 8), 10);
	ck_assert_int_ge(stamp, (long long)before);
	ck_assert_int_le(stamp, (long long)after);
	ck_assert_int_eq(*end, ',');
	msg = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(msg != NULL, "%s", jerr.text);
	ck_assert(json_is_integer(json_object_get(msg, "time")));
	ck_assert_uint_eq(json_object_size(msg), 4);
	json_decref(msg);
	return end + 1;
}

#define SUB(channel) "\"channel\":\"" channel "\",\"event\":\"subscribe\"," \
	"\"payload\":[\"BTC_USDT\",\"ETH_BTC\"]}"

/* One channel a message (past the time stamp). */
static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPES_ALL,
	    TK_LIST(SUB("spot.trades"), SUB("spot.book_ticker")) },
	{ "quotes", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPE_BIT(TK_TICK_QUOTE),
	    TK_LIST(SUB("spot.book_ticker")) },
	{ "trades", TK_LIST("BTC-USDT", "ETH-BTC"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB("spot.trades")) },
};

/* Chunks of at most 100 pairs, trade ones before book_ticker ones. */
static void
read_chunk(const json_t *msg, unsigned i)
{
	static const unsigned sizes[] = { 100, 100, 50, 100, 100, 50 };
	const json_t *list, *p;
	unsigned sym;
	size_t k;

	ck_assert_uint_lt(i, TK_NELEM(sizes));
	ck_assert_uint_eq(json_object_size(msg), 4);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "event")),
	    "subscribe");
	ck_assert_str_eq(json_string_value(json_object_get(msg, "channel")),
	    i < 3 ? "spot.trades" : "spot.book_ticker");
	list = json_object_get(msg, "payload");
	ck_assert_uint_eq(json_array_size(list), sizes[i]);
	json_array_foreach(list, k, p) {
		ck_assert(sscanf(json_string_value(p),
		    "LONGBASE%7u_QUOTEXYZQUOTEXY", &sym) == 1);
		chunk_topic(sym, i >= 3);
	}
}

/* Quotes only: the same three chunks. */
static void
quote_chunks(const struct tk_symmap *m)
{
	const char *rest;
	char buf[8192];

	ck_assert_int_gt(subscribe_body(m, TK_TYPE_BIT(TK_TICK_QUOTE), 2, buf,
	    sizeof(buf), &rest), 0);
	ck_assert_ptr_nonnull(strstr(rest, "\"channel\":\"spot.book_ticker\""));
	ck_assert_int_eq(adapter->subscribe(m, TK_TYPE_BIT(TK_TICK_QUOTE), 3,
	    buf, sizeof(buf)), 0);
}

/* 250 pairs of the longest kind (31 bytes). */
static const struct tk_codec_chunks chunks = {
	.prefix = "LONGBASE", .width = 7, .suffix = "-QUOTEXYZQUOTEXY",
	.nsymbols = 250, .types = TK_TYPES_ALL, .nchannels = 2,
	.nmsgs = 6, .read = read_chunk, .more = quote_chunks,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "spot_trades_2.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "book_ticker_1.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, BOOK("\"t\":1,\"b\":\"1\",\"B\":\"1\",\"a\":\"2\","
	    "\"A\":\"1\""), TK_FRAME_DATA, 0, TK_CODEC_ANY },
	/* Filtered frames are still checked. */
	{ T_ONLY, BOOK("\"t\":1,\"b\":\"x\",\"B\":\"1\",\"a\":\"2\","
	    "\"A\":\"1\""), TK_FRAME_MALFORMED, 0, TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ "spot_trades_3_btc_usdt.json", 1, 0, NULL, false },
	/* Names are exact: lower case and the dash are other pairs. */
	{ BOOK("\"t\":1,\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\""), 1, 0,
	    NULL, false },
	{ "{\"channel\":\"spot.book_ticker\",\"event\":\"update\",\"result\":{"
	    "\"s\":\"eth_usdt\",\"t\":1,\"b\":\"1\",\"B\":\"1\",\"a\":\"2\","
	    "\"A\":\"1\"}}", 1, 0, NULL, false },
	{ "{\"channel\":\"spot.book_ticker\",\"event\":\"update\",\"result\":{"
	    "\"s\":\"ETH-USDT\",\"t\":1,\"b\":\"1\",\"B\":\"1\",\"a\":\"2\","
	    "\"A\":\"1\"}}", 1, 0, NULL, false },
	{ "{\"channel\":\"spot.book_ticker\",\"event\":\"update\",\"result\":{"
	    "\"s\":\"ETH_USDT\",\"t\":1,\"b\":\"1\",\"B\":\"1\",\"a\":\"2\","
	    "\"A\":\"1\"}}", 0, 1, TK_SYMBOL_IS("ETH-USDT"), false },
	{ "book_ticker_1.json", 1, 0, NULL, true },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(gateio,
    "{\"time\":1545404023,\"channel\":\"spot.pong\",\"event\":\"\","
    "\"error\":null,\"result\":null}", "{\"result\":",
    "0-9.e\"{}[],:x\\E",
    .stamp = time_stamp,
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(TK_LIST("ETH-USDT")));

static Suite *
gateio_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_trade_time_fraction);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.bad, test_ping_reply_is_control);
	return s;
}

int
main(void)
{
	return tk_codec_run(gateio_suite());
}
