/* SPDX-License-Identifier: MIT */
/*
 * The Bitfinex adapter: golden frames (every tests/fixtures/bitfinex frame
 * against its expected/<name>.out, checked by hand, read after the
 * subscribe acks of prelude.jsonl), the SPEC rules on them (JSON numbers
 * with float noise, side from the sign, te published and tu not, the
 * trades snapshot not published, quotes from the top of the book and never
 * from the ticker), the channel ids of the connection,
 * rotation on info 20051, malformed input, filters, native symbols and
 * subscribe messages.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "tk_codec_check.h"

static const char *const fixture_symbols[] = { "BFT-USD", "IOT-ETH",
    "DOG-USD", "BTC-USD", "BTC-USDT", "TESTBTC-TESTUSD" };

/* Every frame in tests/fixtures/bitfinex; test_golden_complete checks it. */
static const char *const golden[] = {
	"book_delta_1_remove_bid.json", "book_delta_2_add_ask.json",
	"book_delta_3_remove_ask.json", "book_delta_4_add_bid.json",
	"book_delta_5_update_len1.json", "book_snapshot.json",
	"book_snapshot_len1.json",
	"conf_ack.json", "conf_request.json", "edge_funding_fte.json",
	"error.json", "heartbeat.json", "info.json", "info_maintenance.json",
	"info_reconnect_20051.json", "subscribe_ack.json",
	"subscribe_ack_book.json", "subscribe_ack_book_len1.json",
	"subscribe_ack_docs.json", "subscribe_ack_ticker.json",
	"subscribe_request.json", "subscribe_request_book.json",
	"subscribe_request_ticker.json",
	"ticker.json", "ticker_2.json", "ticker_3.json", "trade_te.json",
	"trade_te_2.json", "trade_tu.json", "trade_tu_2.json",
	"trades_snapshot.json", "trades_snapshot_2.json",
};

/* prelude.jsonl: tBTCUSD trades is channel 18788, its book channel 8. */
#define TE(fields)	"[18788,\"te\",[" fields "]]"
#define BOOK(level)	"[8,[" level "]]"

/* SPEC: digits as sent, size = |AMOUNT|, side from its sign, ms -> µs. */
START_TEST(test_spec_trade_rules)
{
	const struct tk_tick *t = &sink.ticks[0];
	struct tk_frame_result res;

	assert_fixture_trade(&(const struct tk_codec_trade){
		.fixture = "trade_te_2.json",
		.symbol = "BTC-USDT",
		.price = "19027.02807752",
		.size = "0.08980641",		/* -0.08980641 */
		.size_unit = TK_SIZE_UNIT_BASE,
		.side = TK_SIDE_SELL,
		.trade_id = "1225484398",
		.ts = INT64_C(1665452200022000),
	});

	/* SEQ_ALL's trailing sequence number is ignored. */
	parse_fixture("trade_te.json", &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_str_eq(t->symbol, "BTC-USD");
	ck_assert_int_eq(t->side, TK_SIDE_BUY);
	assert_dec(&t->price, "102570");

	/* Exponents and float noise come back as sent. */
	parse_str(TE("7,1,1e-8,19203.444049780002"), &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_dec(&t->size, "0.00000001");
	assert_dec(&t->price, "19203.444049780002");
}
END_TEST

/* te once; tu, the trades snapshot and funding trades never. */
START_TEST(test_each_trade_once)
{
	struct tk_frame_result res;

	parse_fixture("trade_tu_2.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);	/* data, no tick */
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 0);
	parse_fixture("trades_snapshot.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	parse_fixture("edge_funding_fte.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	/* A bad trade in the snapshot is still found. */
	parse_str("[18788,[[1,2,3,4],[1,2,\"x\",4]]]", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	ck_assert_str_eq(res.detail, "trade: field \"AMOUNT\" is not a "
	    "number");
}
END_TEST

static void
assert_quote(const char *sym, const char *bid, const char *bid_size,
    const char *ask, const char *ask_size)
{
	const struct tk_tick *t = &sink.ticks[0];

	ck_assert_int_eq(t->type, TK_TICK_QUOTE);
	ck_assert_str_eq(t->symbol, sym);
	assert_dec(&t->bid, bid);
	assert_dec(&t->bid_size, bid_size);
	assert_dec(&t->ask, ask);
	assert_dec(&t->ask_size, ask_size);
	/* No exchange time: the receive time. */
	ck_assert_int_eq(t->ts, RECV_TS);
	ck_assert_int_eq(t->recv_ts, RECV_TS);
}

/* Parses fixture @name and checks that it published @n ticks. */
static void
parse_n(const char *name, unsigned n)
{
	struct tk_frame_result res;

	parse_fixture(name, &res);
	ck_assert_msg(res.kind == TK_FRAME_DATA, "%s: %s", name, res.detail);
	ck_assert_msg(res.nticks == n, "%s: %u ticks", name, res.nticks);
	ck_assert_uint_eq(res.unknown, 0);
}

/*
 * Quotes: the best level of each side of the book, its size |AMOUNT|;
 * nothing while a side is unknown (after a removal, until its successor).
 * The capture's book is 100 levels deep, with SEQ_ALL sequence numbers;
 * these of its frames are what a one-level book sends too.
 */
START_TEST(test_book_top)
{
	parse_n("book_snapshot.json", 1);
	assert_quote("TESTBTC-TESTUSD", "60400", "0.68826974", "60406",
	    "0.68833961");
	parse_n("book_delta_1_remove_bid.json", 0);	/* 60400 goes */
	parse_n("book_delta_3_remove_ask.json", 0);	/* 60406 goes */
	parse_n("book_delta_4_add_bid.json", 0);	/* no ask yet */
	parse_n("book_delta_2_add_ask.json", 1);
	assert_quote("TESTBTC-TESTUSD", "60398", "0.68798332", "60404",
	    "0.68798332");
	/* The same level again changes nothing: no quote. */
	parse_n("book_delta_2_add_ask.json", 0);
	/* A removal of one side: nothing until that side is known again. */
	parse_n("book_delta_3_remove_ask.json", 0);
	parse_n("book_delta_4_add_bid.json", 0);
	parse_n("book_delta_2_add_ask.json", 1);
	assert_quote("TESTBTC-TESTUSD", "60398", "0.68798332", "60404",
	    "0.68798332");
}
END_TEST

/* A one-level book as a client with "len":"1" sees it. */
START_TEST(test_book_len1)
{
	struct tk_frame_result res;

	parse_n("book_snapshot_len1.json", 1);
	assert_quote("BTC-USD", "1085.2", "0.16337353", "1084.5",
	    "0.0360446");
	parse_n("book_delta_5_update_len1.json", 1);	/* a new best bid */
	assert_quote("BTC-USD", "1084", "0.05246595", "1084.5", "0.0360446");
	/* The size of the best level changes: a quote. */
	parse_str(BOOK("1084,2,0.1"), &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_quote("BTC-USD", "1084", "0.1", "1084.5", "0.0360446");
	/* Removal of the ask, then its successor; exponents as sent. */
	parse_str(BOOK("1084.5,0,-1"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	parse_str("[8,[1084.6,1,-2.5e-7],77]", &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_quote("BTC-USD", "1084", "0.1", "1084.6", "0.00000025");
	/* A new snapshot starts over; an empty one knows nothing. */
	parse_str("[8,[]]", &res);
	ck_assert_uint_eq(res.nticks, 0);
	parse_str(BOOK("1084,2,0.1"), &res);
	ck_assert_uint_eq(res.nticks, 0);
	/* A malformed update changes nothing. */
	parse_str(BOOK("1085,1,0"), &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	parse_str(BOOK("1085,1,-3"), &res);
	ck_assert_uint_eq(res.nticks, 1);
	assert_quote("BTC-USD", "1084", "0.1", "1085", "3");
	/* A resubscription starts the book over. */
	parse_fixture("subscribe_ack_book_len1.json", &res);
	parse_str(BOOK("1085,1,-3"), &res);
	ck_assert_uint_eq(res.nticks, 0);
}
END_TEST

/* The ticker's sizes are sums of 25 levels: never subscribed, never read. */
START_TEST(test_ticker_not_published)
{
	struct tk_frame_result res;

	parse_fixture("ticker_2.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 1);
}
END_TEST

/* Channel ids: from the acks of this connection only. */
START_TEST(test_channel_ids)
{
	const char *const syms[] = { "ETH-USD" };
	struct tk_frame_result res;
	struct tk_symmap *m2;
	char ack[160];
	unsigned id;
	void *state;

	/* Without an ack, data cannot be placed: counted as unknown. */
	parse_str("[5,\"te\",[1,2,3,4]]", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_DATA);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 1);
	parse_str("{\"event\":\"subscribed\",\"channel\":\"trades\","
	    "\"chanId\":5,\"symbol\":\"tBTCUSD\",\"pair\":\"BTCUSD\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	parse_str("[5,\"te\",[1,2,3,4]]", &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_str_eq(sink.ticks[0].symbol, "BTC-USD");
	/* A trade on a book channel is not a trade. */
	parse_str("[8,\"te\",[1,2,3,4]]", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	/* The same id acked again for another symbol: the new one. */
	parse_str("{\"event\":\"subscribed\",\"channel\":\"trades\","
	    "\"chanId\":5,\"symbol\":\"tBTCUST\",\"pair\":\"BTCUST\"}", &res);
	parse_str("[5,\"te\",[1,2,3,4]]", &res);
	ck_assert_str_eq(sink.ticks[0].symbol, "BTC-USDT");
	/* Acks of symbols nobody configured are not kept. */
	parse_str("{\"event\":\"subscribed\",\"channel\":\"trades\","
	    "\"chanId\":6,\"symbol\":\"tETHUSD\",\"pair\":\"ETHUSD\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	parse_str("[6,\"te\",[1,2,3,4]]", &res);
	ck_assert_uint_eq(res.unknown, 1);
	/* Many acks: the newest ones stay. */
	state = ctx.state;
	m2 = tk_symmap_new(adapter, syms, 1, NULL, 0);
	ck_assert_ptr_nonnull(m2);
	ctx.symbols = m2;
	memset(state, 0, adapter->state_size(m2));
	for (id = 1; id <= 100; id++) {
		snprintf(ack, sizeof(ack), "{\"event\":\"subscribed\","
		    "\"channel\":\"%s\",\"chanId\":%u,\"symbol\":\"tETHUSD\"}",
		    id % 2 ? "trades" : "book", id);
		parse_str(ack, &res);
	}
	parse_str("[99,\"te\",[1,2,3,4]]", &res);
	ck_assert_uint_eq(res.nticks, 1);
	parse_str("[100,[[1,2,3],[4,5,-6]]]", &res);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_int_eq(sink.ticks[0].type, TK_TICK_QUOTE);
	ctx.symbols = map;
	tk_symmap_free(m2);
	/* No state at all: nothing placed, nothing crashes. */
	ctx.state = NULL;
	parse_fixture("subscribe_ack_docs.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	parse_fixture("trade_te.json", &res);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 1);
	ctx.state = state;
}
END_TEST

/* Restarts and the end of a maintenance want a new connection. */
START_TEST(test_info_codes)
{
	struct tk_frame_result res;

	parse_fixture("info_reconnect_20051.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_RECONNECT);
	ck_assert_str_eq(res.detail, "code 20051: Stopping. Please try to "
	    "reconnect");
	parse_str("{\"event\":\"info\",\"code\":20061,\"msg\":\"Maintenance "
	    "ended\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_RECONNECT);
	parse_str("{\"event\":\"info\",\"code\":20060,\"msg\":\"Entering "
	    "maintenance\"}", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	parse_fixture("info_maintenance.json", &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
}
END_TEST

static const struct tk_codec_bad bad[] = {
	{ "string", "\"x\"", TK_FRAME_MALFORMED, "invalid JSON at byte*" },
	{ "no event", "{\"x\":1}", TK_FRAME_MALFORMED,
	    "frame: field \"event\" is missing" },
	{ "id text", "[\"5\",\"hb\"]", TK_FRAME_MALFORMED,
	    "data: [0] is not a channel id" },
	{ "empty array", "[]", TK_FRAME_MALFORMED,
	    "data: [0] is not a channel id" },
	{ "no payload", "[18788]", TK_FRAME_MALFORMED,
	    "data: [1] is neither a message type nor an array" },
	{ "te short", TE("1,2,3"), TK_FRAME_MALFORMED,
	    "trade: not an array [ID, MTS, AMOUNT, PRICE]" },
	{ "te id", TE("-1,2,3,4"), TK_FRAME_MALFORMED,
	    "trade: field \"ID\" is negative" },
	{ "te time", TE("1,\"2\",3,4"), TK_FRAME_MALFORMED,
	    "trade: field \"MTS\" is not an integer" },
	{ "te price", TE("1,2,3,-4"), TK_FRAME_MALFORMED,
	    "trade: field \"PRICE\" is negative" },
	{ "te amount zero", TE("1,2,0,4"), TK_FRAME_MALFORMED,
	    "trade: field \"AMOUNT\" is zero" },
	{ "te amount text", TE("1,2,\"3\",4"), TK_FRAME_MALFORMED,
	    "trade: field \"AMOUNT\" is not a number" },
	{ "book short", BOOK("1,2"), TK_FRAME_MALFORMED,
	    "book: not an array [PRICE, COUNT, AMOUNT]" },
	{ "book price text", BOOK("\"1\",2,3"), TK_FRAME_MALFORMED,
	    "book: field \"PRICE\" is not a number" },
	{ "book price negative", BOOK("-1,2,3"), TK_FRAME_MALFORMED,
	    "book: field \"PRICE\" is negative" },
	{ "book count negative", BOOK("1,-2,3"), TK_FRAME_MALFORMED,
	    "book: field \"COUNT\" is not an integer >= 0" },
	{ "book count real", BOOK("1,2.5,3"), TK_FRAME_MALFORMED,
	    "book: field \"COUNT\" is not an integer >= 0" },
	{ "book amount zero", BOOK("1,2,0"), TK_FRAME_MALFORMED,
	    "book: field \"AMOUNT\" is zero" },
	{ "book amount null", BOOK("1,2,null"), TK_FRAME_MALFORMED,
	    "book: field \"AMOUNT\" is not a number" },
	{ "book snapshot level", "[8,[[1,2,3],[4,5]]]", TK_FRAME_MALFORMED,
	    "book: not an array [PRICE, COUNT, AMOUNT]" },
	{ "book snapshot removal", "[8,[[1,0,1]]]", TK_FRAME_MALFORMED,
	    "book: field \"COUNT\" is zero in a snapshot" },
	{ "book snapshot mixed", "[8,[[1,2,3],7]]", TK_FRAME_MALFORMED,
	    "book: not an array [PRICE, COUNT, AMOUNT]" },
	{ "ack no id", "{\"event\":\"subscribed\",\"channel\":\"trades\","
	    "\"symbol\":\"tBTCUSD\"}", TK_FRAME_MALFORMED,
	    "subscribed: field \"chanId\" is missing" },
	{ "ack id zero", "{\"event\":\"subscribed\",\"channel\":\"trades\","
	    "\"chanId\":0,\"symbol\":\"tBTCUSD\"}", TK_FRAME_MALFORMED,
	    "subscribed: field \"chanId\" is not a positive integer" },
	{ "ack no symbol", "{\"event\":\"subscribed\",\"channel\":\"trades\","
	    "\"chanId\":1}", TK_FRAME_MALFORMED,
	    "subscribed: field \"symbol\" is missing" },
	{ "info code text", "{\"event\":\"info\",\"code\":\"20051\"}",
	    TK_FRAME_MALFORMED, "info: field \"code\" is not an integer" },
	{ "error", "{\"event\":\"error\",\"msg\":\"symbol: invalid\","
	    "\"code\":10300,\"channel\":\"trades\",\"symbol\":\"tXXXUSD\"}",
	    TK_FRAME_EXCHANGE_ERROR,
	    "trades tXXXUSD: code 10300: symbol: invalid" },
	{ "error limit", "{\"event\":\"error\",\"msg\":\"subscribe: limit\","
	    "\"code\":10305}", TK_FRAME_EXCHANGE_ERROR,
	    "code 10305: subscribe: limit" },
	{ "tu", "[18788,\"tu\",[1,2,3,4]]", TK_FRAME_DATA, "" },
	{ "pong", "{\"event\":\"pong\",\"ts\":1,\"cid\":1}",
	    TK_FRAME_CONTROL, "" },
	{ "new event", "{\"event\":\"auth\"}", TK_FRAME_CONTROL, "" },
};

/* 13 symbols x 2 channels = 26 > 25: refused at load, with the way out. */
START_TEST(test_config_refuses_too_many_channels)
{
	static const char head[] = "{\"listen\":{\"tcp\":\"127.0.0.1:1\"},"
	    "\"exchanges\":[{\"name\":\"b\",\"adapter\":\"bitfinex\","
	    "\"symbols\":[";
	char text[1024], err[512];
	struct tk_config cf;
	size_t off;
	int i, n, r;

	for (n = 12; n <= 13; n++) {
		off = (size_t)snprintf(text, sizeof(text), "%s", head);
		for (i = 0; i < n; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
			    "%s\"S%d-USD\"", i ? "," : "", i);
		snprintf(text + off, sizeof(text) - off, "]}]}");
		memset(&cf, 0, sizeof(cf));
		r = tk_config_parse(text, strlen(text), "t.json", &cf, err,
		    sizeof(err));
		if (n == 12) {
			ck_assert_msg(r == 0, "%s", err);
			tk_config_free(&cf);
			continue;
		}
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_str_eq(err, "t.json: exchanges[0].symbols: 13 "
		    "symbols x 2 channels need 26 subscriptions, but bitfinex "
		    "allows 25 per connection (split the symbols over several "
		    "exchange entries)");
	}
}
END_TEST

/* Two channels a symbol: at most 12 symbols a connection. */
static const struct tk_codec_fields fields = { .a = {
	.name = "bitfinex",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://api-pub.bitfinex.com/ws/2",
	.types = TK_TYPES_ALL,
	.max_subscriptions = 25,
}, .state = true };

static const struct tk_codec_native native[] = {
	{ "BTC-USD", "tBTCUSD" },
	{ "BTC-USDT", "tBTCUST" },
	{ "USDT-USD", "tUSTUSD" },
	{ "TESTBTC-TESTUSD", "tTESTBTC:TESTUSD" },
	{ "DOGE-USD", "tDOGE:USD" },
	{ "IOT-ETH", "tIOTETH" },
};
static const char *const refused[] = { "BTC-USDT-PERP", "btc-usd" };

#define SUB_TRADES(sym) "{\"event\":\"subscribe\",\"channel\":\"trades\"," \
	"\"symbol\":\"" sym "\"}"
#define SUB_BOOK(sym) "{\"event\":\"subscribe\",\"channel\":\"book\"," \
	"\"symbol\":\"" sym "\",\"prec\":\"P0\",\"freq\":\"F0\",\"len\":\"1\"}"

/* One channel a message. */
static const struct tk_codec_sub subs[] = {
	{ "trades and quotes", TK_LIST("BTC-USD", "BTC-USDT"), TK_TYPES_ALL,
	    TK_LIST(SUB_TRADES("tBTCUSD"), SUB_BOOK("tBTCUSD"),
	    SUB_TRADES("tBTCUST"), SUB_BOOK("tBTCUST")) },
	{ "trades", TK_LIST("BTC-USD", "BTC-USDT"), TK_TYPE_BIT(TK_TICK_TRADE),
	    TK_LIST(SUB_TRADES("tBTCUSD"), SUB_TRADES("tBTCUST")) },
};

static const struct tk_codec_filter filters[] = {
	{ Q_ONLY, "trade_te.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	{ Q_ONLY, "book_snapshot.json", TK_FRAME_DATA, 1, TK_TICK_QUOTE },
	{ T_ONLY, "book_snapshot_len1.json", TK_FRAME_DATA, 0, TK_CODEC_ANY },
	/* Filtered frames are still checked. */
	{ T_ONLY, BOOK("\"x\",1,1"), TK_FRAME_MALFORMED, 0, TK_CODEC_ANY },
};

static const struct tk_codec_test codec = TK_CODEC_TEST(bitfinex,
    "[204928,\"hb\"]", "[1,", "0-9.e\"{}[],:x\\E",
    .echo_control = true);

static Suite *
bitfinex_suite(void)
{
	struct tk_codec_tcases tc;
	Suite *s = tk_codec_suite(&tc);

	tcase_add_test(tc.golden, test_spec_trade_rules);
	tcase_add_test(tc.golden, test_each_trade_once);
	tcase_add_test(tc.golden, test_book_top);
	tcase_add_test(tc.golden, test_book_len1);
	tcase_add_test(tc.golden, test_ticker_not_published);
	tcase_add_test(tc.golden, test_channel_ids);
	tcase_add_test(tc.golden, test_info_codes);
	tcase_add_test(tc.subscribe, test_config_refuses_too_many_channels);
	return s;
}

int
main(void)
{
	return tk_codec_run(bitfinex_suite());
}
