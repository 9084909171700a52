/* SPDX-License-Identifier: MIT */
/*
 * The KuCoin spot adapter: golden frames (every tests/fixtures/kucoin
 * frame against its expected/<name>.out), the SPEC rules spelled out
 * (exact digits, taker side, the trade time in nanoseconds), the welcome,
 * replies and errors, malformed input, filters, subscribe messages, and
 * the connect token: the request and what its answer gives the daemon.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "tk_codec_check.h"

static const char *const fixture_symbols[] = {
	"DAPPT-BTC", "SNX-BTC", "BCHSV-USDT",
};

/* Every frame in tests/fixtures/kucoin; test_golden_complete checks it. */
static const char *const golden[] = {
	"match_1.json", "match_2.json", "subscribe_ack.json",
	"subscribe_request_match.json", "subscribe_request_ticker.json",
	"ticker_1.json", "ticker_2.json", "welcome.json",
};

#define MATCH(fields)							\
	"{\"type\":\"message\",\"topic\":\"/market/match:SNX-BTC\","	\
	"\"subject\":\"trade.l3match\",\"data\":{\"symbol\":\"SNX-BTC\"," \
	fields "}}"
#define MATCH_OK(time)							\
	MATCH("\"side\":\"sell\",\"size\":\"1\",\"price\":\"2\","	\
	"\"tradeId\":\"t1\",\"time\":" time)
#define TICKER(topic, fields)						\
	"{\"type\":\"message\",\"topic\":\"" topic "\","		\
	"\"subject\":\"trade.ticker\",\"data\":{" fields "}}"

/* SPEC: exact digits, taker side, ns -> µs, string ids. */
START_TEST(test_spec_trade_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "match_1.json",
		.symbol = "DAPPT-BTC",
		.price = "0.0000001117",
		.size = "81.8814",
		.size_unit = TK_SIZE_UNIT_BASE,
		.side = TK_SIDE_BUY,
		.trade_id = "6085c09769bc506996295e36",
		/* "1619378327739050725" ns: the last three digits are cut */
		.ts = INT64_C(1619378327739050),
	});
	parse_str(MATCH_OK("\"1000000\""), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_int_eq(t->ts, 1000);
	ck_assert_int_eq(t->side, TK_SIDE_SELL);
}
END_TEST

START_TEST(test_spec_quote_rules)
{
	struct tk_frame_result res;
	const struct tk_tick *t = &sink.ticks[0];

	assert_fixture_quote(&(const struct tk_codec_quote){
		.fixture = "ticker_2.json",
		.symbol = "BCHSV-USDT",		/* from the topic */
		.bid = "242.654",
		.bid_size = "0.68148185",
		.ask = "242.951",
		.ask_size = "4.51280965",
		.ts = INT64_C(1619378326330000),
	});
	/* an empty side is null, its size with it */
	parse_str(TICKER("/market/ticker:SNX-BTC", "\"bestBid\":null,"
	    "\"bestBidSize\":\"3\",\"bestAsk\":\"1.5\",\"bestAskSize\":\"2\","
	    "\"time\":1"), &res);
	ck_assert_uint_eq(sink.n, 1);
	ck_assert(!t->bid.valid && !t->bid_size.valid);
	assert_dec(&t->ask, "1.5");
}
END_TEST

/* The welcome lets subscriptions go; nothing else does. */
START_TEST(test_welcome)
{
	struct tk_frame_result res;

	parse_fixture("welcome.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	ck_assert_uint_eq(res.welcome, 1);
	parse_fixture("subscribe_ack.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	ck_assert_uint_eq(res.welcome, 0);
	parse_fixture("match_2.json", &res);
	ck_assert_uint_eq(res.welcome, 0);
	parse_str("{\"id\":\"tickerd\",\"type\":\"pong\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	ck_assert_uint_eq(res.welcome, 0);
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "empty", "", TK_FRAME_MALFORMED, "empty frame" },
	{ "truncated", "{\"type\":\"message\",\"data\":{",
	    TK_FRAME_MALFORMED, "invalid JSON at byte *" },
	{ "array", "[]", TK_FRAME_MALFORMED, "frame is not a JSON object" },
	{ "no type", "{}", TK_FRAME_MALFORMED,
	    "frame: field \"type\" is missing" },
	{ "type number", "{\"type\":1}", TK_FRAME_MALFORMED,
	    "frame: field \"type\" is not a string" },
	{ "pong", "{\"id\":\"tickerd\",\"type\":\"pong\"}", TK_FRAME_CONTROL,
	    "" },
	{ "unknown type", "{\"type\":\"notice\"}", TK_FRAME_CONTROL, "" },
	{ "our ping echoed", "{\"id\":\"tickerd\",\"type\":\"ping\"}",
	    TK_FRAME_CONTROL, "" },
	{ "other market data", "{\"type\":\"message\",\"topic\":"
	    "\"/market/level2:BTC-USDT\",\"subject\":\"trade.l2update\","
	    "\"data\":{}}", TK_FRAME_CONTROL, "" },
	{ "error", "{\"id\":\"1\",\"type\":\"error\",\"code\":401,\"data\":"
	    "\"token is invalid\"}", TK_FRAME_EXCHANGE_ERROR,
	    "code 401: token is invalid" },
	{ "error text code", "{\"type\":\"error\",\"code\":\"404\",\"data\":"
	    "\"topic /market/x is not found\"}", TK_FRAME_EXCHANGE_ERROR,
	    "code 404: topic /market/x is not found" },
	{ "error bare", "{\"type\":\"error\"}", TK_FRAME_EXCHANGE_ERROR,
	    "code ?: (no text)" },
	{ "no subject", "{\"type\":\"message\",\"data\":{}}",
	    TK_FRAME_MALFORMED, "message: field \"subject\" is missing" },
	{ "data not object", "{\"type\":\"message\",\"subject\":"
	    "\"trade.ticker\",\"data\":[]}", TK_FRAME_MALFORMED,
	    "message: field \"data\" is not an object" },
	{ "match no price", MATCH("\"side\":\"buy\",\"size\":\"1\","
	    "\"tradeId\":\"t\",\"time\":\"1619378327739050725\""),
	    TK_FRAME_MALFORMED, "match: field \"price\" is missing" },
	{ "match price number", MATCH("\"price\":1,\"side\":\"buy\","
	    "\"size\":\"1\",\"tradeId\":\"t\",\"time\":\"1\""),
	    TK_FRAME_MALFORMED, "match: field \"price\" is not a string" },
	{ "match time fraction", MATCH_OK("\"1619378327739.050725\""),
	    TK_FRAME_MALFORMED, "match: field \"time\": "
	    "\"1619378327739.050725\" is not *" },
	{ "match time short", MATCH_OK("\"123456\""), TK_FRAME_MALFORMED,
	    "match: field \"time\": \"123456\" is not *" },
	{ "match time junk", MATCH_OK("\"16193783277390507x5\""),
	    TK_FRAME_MALFORMED, "match: field \"time\": *" },
	{ "match time number", MATCH_OK("1619378327739050725"),
	    TK_FRAME_MALFORMED, "match: field \"time\" is not a string" },
	{ "match side", MATCH("\"side\":\"up\",\"size\":\"1\","
	    "\"price\":\"2\",\"tradeId\":\"t\",\"time\":\"1619378327739050725\""),
	    TK_FRAME_MALFORMED, "match: field \"side\": *" },
	{ "ticker no topic", "{\"type\":\"message\",\"subject\":"
	    "\"trade.ticker\",\"data\":{}}", TK_FRAME_MALFORMED,
	    "ticker: field \"topic\" is missing" },
	{ "ticker topic", TICKER("/market/ticker", "\"time\":1"),
	    TK_FRAME_MALFORMED,
	    "ticker: field \"topic\": \"/market/ticker\" names no symbol" },
	{ "ticker bid number", TICKER("/market/ticker:SNX-BTC",
	    "\"bestBid\":1,\"time\":1"), TK_FRAME_MALFORMED,
	    "ticker: field \"bestBid\" is not a string" },
	{ "ticker time text", TICKER("/market/ticker:SNX-BTC",
	    "\"bestBid\":\"1\",\"bestBidSize\":\"1\",\"time\":\"1\""),
	    TK_FRAME_MALFORMED, "ticker: field \"time\" is not an integer" },
	{ "ticker empty", TICKER("/market/ticker:SNX-BTC", "\"time\":1"),
	    TK_FRAME_DATA, "" },
};

/* ---- the connect token ---- */

#define BULLET(token, servers)						\
	"{\"code\":\"200000\",\"data\":{\"token\":\"" token "\","	\
	"\"instanceServers\":[" servers "]}}"
#define SERVER(endpoint, ping)						\
	"{\"endpoint\":\"" endpoint "\",\"encrypt\":true,\"protocol\":"	\
	"\"websocket\",\"pingInterval\":" ping ",\"pingTimeout\":10000}"

START_TEST(test_rest_request)
{
	struct tk_rest_request req;

	memset(&req, 0x5a, sizeof(req));
	ck_assert_int_eq(adapter->rest_request(map, TK_TYPES_ALL, 0, &req),
	    1);
	ck_assert_str_eq(req.method, "POST");
	ck_assert_str_eq(req.path, "/api/v1/bullet-public");
	ck_assert_str_eq(req.body, "");
	ck_assert_int_eq(adapter->rest_request(map, TK_TYPES_ALL, 1, &req),
	    0);
}
END_TEST

/* The URL of this connect, with this attempt's id, and the ping period. */
START_TEST(test_rest_parse)
{
	static const char answer[] = BULLET("2neAiuYvAU61ZDXANAGAsiL4-iAEx",
	    SERVER("wss://ws-api-spot.kucoin.com/", "18000") ","
	    SERVER("wss://other.example/", "5000"));
	struct tk_rest_connect rc;
	char err[160];
	void *data = calloc(1, adapter->rest_size(map));

	ck_assert_ptr_nonnull(data);
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.connect_id, sizeof(rc.connect_id), "00000000000000ab");
	ck_assert_int_eq(adapter->rest_parse(map, 0, answer,
	    sizeof(answer) - 1, data, &rc, err, sizeof(err)), 0);
	ck_assert_str_eq(rc.url, "wss://ws-api-spot.kucoin.com/?token="
	    "2neAiuYvAU61ZDXANAGAsiL4-iAEx&connectId=00000000000000ab");
	ck_assert_uint_eq(rc.ping_interval_ms, 18000);
	/* an endpoint with a query of its own */
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.connect_id, sizeof(rc.connect_id), "7");
	ck_assert_int_eq(adapter->rest_parse(map, 0,
	    BULLET("t", SERVER("ws://127.0.0.1:1/endpoint?x=1", "2000")),
	    strlen(BULLET("t", SERVER("ws://127.0.0.1:1/endpoint?x=1",
	    "2000"))), data, &rc, err, sizeof(err)), 0);
	ck_assert_str_eq(rc.url,
	    "ws://127.0.0.1:1/endpoint?x=1&token=t&connectId=7");
	ck_assert_uint_eq(rc.ping_interval_ms, 2000);
	free(data);
}
END_TEST

static const struct {
	const char	*answer;
	int		 r;
	const char	*err;
} rest_bad[] = {
	{ "<html>", -EINVAL, "bullet: not a JSON object: *" },
	{ "{\"code\":\"429000\",\"msg\":\"Too Many Requests\"}", -EPROTO,
	  "bullet: code 429000: Too Many Requests" },
	{ "{\"code\":200000,\"data\":{}}", -EPROTO, "bullet: code ?: " },
	{ BULLET("", SERVER("wss://a/", "18000")), -EINVAL,
	  "bullet: \"token\" is missing or not URL-safe" },
	{ BULLET("a b", SERVER("wss://a/", "18000")), -EINVAL,
	  "bullet: \"token\" is missing or not URL-safe" },
	{ BULLET("a#b", SERVER("wss://a/", "18000")), -EINVAL,
	  "bullet: \"token\" is missing or not URL-safe" },
	{ BULLET("t", ""), -EINVAL,
	  "bullet: no ws:// or wss:// endpoint in \"instanceServers\"" },
	{ BULLET("t", SERVER("https://a/", "18000")), -EINVAL,
	  "bullet: no ws:// or wss:// endpoint in \"instanceServers\"" },
	{ BULLET("t", SERVER("wss://a/", "\"18000\"")), -EINVAL,
	  "bullet: \"pingInterval\" is not 1000 to 600000 ms" },
	{ BULLET("t", SERVER("wss://a/", "10")), -EINVAL,
	  "bullet: \"pingInterval\" is not 1000 to 600000 ms" },
};

START_TEST(test_rest_parse_bad)
{
	struct tk_rest_connect rc;
	char err[160];
	size_t n = strlen(rest_bad[_i].err);
	void *data = calloc(1, adapter->rest_size(map));

	ck_assert_ptr_nonnull(data);
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(adapter->rest_parse(map, 0, rest_bad[_i].answer,
	    strlen(rest_bad[_i].answer), data, &rc, err, sizeof(err)),
	    rest_bad[_i].r);
	if (rest_bad[_i].err[n - 1] == '*')
		ck_assert_msg(strncmp(err, rest_bad[_i].err, n - 1) == 0,
		    "%s", err);
	else
		ck_assert_str_eq(err, rest_bad[_i].err);
	ck_assert_str_eq(rc.url, "");
	free(data);
}
END_TEST

/* A URL too long for the daemon's buffer is refused, not cut. */
START_TEST(test_rest_parse_long)
{
	char token[520], *answer;
	struct tk_rest_connect rc;
	char err[160];
	void *data = calloc(1, adapter->rest_size(map));

	memset(token, 'a', 500);
	token[500] = '\0';
	answer = malloc(2048);
	ck_assert_ptr_nonnull(answer);
	ck_assert_ptr_nonnull(data);
	/* 500 + an endpoint of 600 bytes > TK_REST_URL_MAX */
	snprintf(answer, 2048, "{\"code\":\"200000\",\"data\":{\"token\":"
	    "\"%s\",\"instanceServers\":[{\"endpoint\":\"wss://%0600d/\","
	    "\"pingInterval\":18000}]}}", token, 0);
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(adapter->rest_parse(map, 0, answer, strlen(answer),
	    data, &rc, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "bullet: endpoint too long");
	ck_assert_str_eq(rc.url, "");
	free(answer);
	free(data);
}
END_TEST

/* Asks for a token and a server over REST, then waits for a welcome. */
static const struct tk_codec_fields fields = { .a = {
	.name = "kucoin",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws-api-spot.kucoin.com/",
	.types = TK_TYPES_ALL,
	.ping_message = "{\"id\":\"tickerd\",\"type\":\"ping\"}",
	.ping_interval_s = 18,
	.welcome_s = 10,
	.default_rest_url = "https://api.kucoin.com",
}, .rest = true };

static const struct tk_codec_native native[] = {
	{ "BTC-USDT", "BTC-USDT" },
};
static const char *const refused[] = { "BTC-USDT-PERP" };

#define SUB(topic, id) "{\"type\":\"subscribe\",\"topic\":\"" topic \
	"\",\"privateChannel\":false,\"response\":true,\"id\":" id "}"

static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USDT", "ETH-USDT"), TK_TYPES_ALL,
	    TK_LIST(SUB("/market/match:BTC-USDT,ETH-USDT", "1"),
	    SUB("/market/ticker:BTC-USDT,ETH-USDT", "2")) },
	{ "trades", TK_LIST("BTC-USDT", "ETH-USDT"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB("/market/match:BTC-USDT,ETH-USDT", "1")) },
};

/*
 * At most 100 symbols a topic, in order, match topics before ticker
 * ones, "id" counting from 1.
 */
static void
read_chunk(const json_t *msg, unsigned i)
{
	static const char *const prefix[] = { "/market/match:",
	    "/market/ticker:" };
	const char *topic, *p;
	unsigned sym, want = i % 2 * 100;
	int used;

	ck_assert_str_eq(json_string_value(json_object_get(msg, "type")),
	    "subscribe");
	ck_assert_int_eq(json_integer_value(json_object_get(msg, "id")),
	    i + 1);
	topic = json_string_value(json_object_get(msg, "topic"));
	ck_assert_ptr_nonnull(topic);
	ck_assert_uint_lt(i, 4);
	ck_assert_msg(strncmp(topic, prefix[i / 2], strlen(prefix[i / 2])) ==
	    0, "%s", topic);
	for (p = topic + strlen(prefix[i / 2]);; p += used + 1) {
		ck_assert(sscanf(p, "C%u-USDT%n", &sym, &used) == 1);
		ck_assert_uint_eq(sym, want++);
		chunk_topic(sym, i / 2);
		if (p[used] == '\0')
			break;
		ck_assert_int_eq(p[used], ',');
	}
	ck_assert_uint_eq(want, i % 2 ? 150 : 100);
}

static const struct tk_codec_chunks chunks = {
	.prefix = "C", .width = 0, .suffix = "-USDT",
	.nsymbols = 150, .types = TK_TYPES_ALL, .nchannels = 2,
	.nmsgs = 4, .read = read_chunk,
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "match_1.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "ticker_1.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "ticker_1.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
};

static const struct tk_codec_unknown unknown[] = {
	{ TICKER("/market/ticker:BTC-USDT", "\"bestBid\":\"1\","
	    "\"bestBidSize\":\"1\",\"bestAsk\":\"2\",\"bestAskSize\":\"1\","
	    "\"time\":1"), 1, 0, NULL, false },
	{ "{\"type\":\"message\",\"topic\":\"/market/match:x\",\"subject\":"
	    "\"trade.l3match\",\"data\":{\"symbol\":\"snx-btc\",\"side\":"
	    "\"sell\",\"size\":\"1\",\"price\":\"2\",\"tradeId\":\"t1\","
	    "\"time\":\"1619378327739050725\"}}", 1, 0, NULL, false },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(kucoin,
    "{\"id\":\"1\",\"type\":\"ack\"}", "{\"data\":",
    "0-9.e\"{}[],:x\\E",
    .chunks = &chunks,
    TK_CODEC_UNKNOWN(NULL));

static Suite *
kucoin_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_spec_quote_rules);
	tcase_add_test(tc.golden, test_welcome);
	tcase_add_test(tc.filters, test_rest_request);
	tcase_add_test(tc.filters, test_rest_parse);
	tcase_add_loop_test(tc.filters, test_rest_parse_bad, 0,
	    (int)TK_NELEM(rest_bad));
	tcase_add_test(tc.filters, test_rest_parse_long);
	return s;
}

int
main(void)
{
	return tk_codec_run(kucoin_suite());
}
