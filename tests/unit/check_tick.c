/* SPDX-License-Identifier: MIT */
/* Ticks: names, fixed fields, JSON escaping and the client JSON. */

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>
#include <ticker/tick.h>

#include "tk_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void
set(char *field, size_t cap, const char *s)
{
	ck_assert_int_eq(tk_tick_set_str(field, cap, s, strlen(s)), 0);
}

/* The funding and bbo ticks of SPEC "Ticks", with the elided values. */
static struct tk_tick
spec_funding(void)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_FUNDING;
	set(t.exchange, sizeof(t.exchange), "bybit_perp");
	set(t.symbol, sizeof(t.symbol), "BTC-USDT-PERP");
	t.mark_price = tk_test_dec("37120.50");
	t.index_price = tk_test_dec("37118.2");
	t.rate = tk_test_dec("0.000100");
	t.next_funding_ts = 1700006400000000;
	t.ts = 1700000000123000;
	t.recv_ts = 1700000000124567;
	t.seq = 1044;
	return t;
}

static struct tk_tick
spec_bbo(void)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_BBO;
	set(t.symbol, sizeof(t.symbol), "BTC-USDT");
	t.bid = tk_test_dec("37120.1");
	t.bid_size = tk_test_dec("1.5");
	set(t.bid_exchange, sizeof(t.bid_exchange), "kraken");
	t.ask = tk_test_dec("37120.2");
	t.ask_size = tk_test_dec("0.3");
	set(t.ask_exchange, sizeof(t.ask_exchange), "binance");
	t.ts = 1700000000123000;
	t.recv_ts = 1700000000124567;	/* kept for latency, not written */
	t.seq = 1045;
	return t;
}

START_TEST(test_tick_type_name)
{
	enum tk_tick_type t;

	ck_assert_str_eq(tk_tick_type_name(TK_TICK_TRADE), "trade");
	ck_assert_str_eq(tk_tick_type_name(TK_TICK_QUOTE), "quote");
	ck_assert_ptr_null(tk_tick_type_name(TK_TICK_TYPE_MAX));
	ck_assert_ptr_null(tk_tick_type_name((enum tk_tick_type)-1));
	ck_assert_int_eq(tk_tick_type_parse("trade", &t), 0);
	ck_assert_int_eq(t, TK_TICK_TRADE);
	ck_assert_int_eq(tk_tick_type_parse("quote", &t), 0);
	ck_assert_int_eq(t, TK_TICK_QUOTE);
	ck_assert_str_eq(tk_tick_type_name(TK_TICK_FUNDING), "funding");
	ck_assert_str_eq(tk_tick_type_name(TK_TICK_BBO), "bbo");
	ck_assert_int_eq(tk_tick_type_parse("funding", &t), 0);
	ck_assert_int_eq(t, TK_TICK_FUNDING);
	ck_assert_int_eq(tk_tick_type_parse("bbo", &t), 0);
	ck_assert_int_eq(t, TK_TICK_BBO);
	/* trade and quote keep their numbers: recordings and bits use them */
	ck_assert_int_eq(TK_TICK_TRADE, 0);
	ck_assert_int_eq(TK_TICK_QUOTE, 1);
	ck_assert_uint_eq(TK_TYPES_ANY, 0xf);
	ck_assert_uint_eq(TK_TYPES_ALL, 0x3);
	ck_assert_uint_eq(TK_TYPES_FEED, 0x7);
}
END_TEST

static const char *const bad_types[] = {
	"", "Trade", "trades", "trad", "status", " quote", "BBO", "bbo ",
	"fundings", "snapshot", NULL,
};

START_TEST(test_size_unit_name)
{
	enum tk_size_unit u = TK_SIZE_UNIT_MAX;

	ck_assert_str_eq(tk_size_unit_name(TK_SIZE_UNIT_BASE), "base");
	ck_assert_str_eq(tk_size_unit_name(TK_SIZE_UNIT_QUOTE), "quote");
	ck_assert_str_eq(tk_size_unit_name(TK_SIZE_UNIT_CONTRACTS),
	    "contracts");
	ck_assert_ptr_null(tk_size_unit_name(TK_SIZE_UNIT_MAX));
	ck_assert_ptr_null(tk_size_unit_name((enum tk_size_unit)-1));
	ck_assert_int_eq(tk_size_unit_parse("contracts", &u), 0);
	ck_assert_int_eq(u, TK_SIZE_UNIT_CONTRACTS);
	ck_assert_int_eq(tk_size_unit_parse("base", &u), 0);
	ck_assert_int_eq(u, TK_SIZE_UNIT_BASE);
	ck_assert_int_eq(tk_size_unit_parse("Base", &u), -EINVAL);
	ck_assert_int_eq(tk_size_unit_parse("", &u), -EINVAL);
	ck_assert_int_eq(tk_size_unit_parse(NULL, &u), -EINVAL);
	ck_assert_int_eq(u, TK_SIZE_UNIT_BASE);
}
END_TEST

START_TEST(test_tick_type_parse_bad)
{
	enum tk_tick_type t = TK_TICK_TYPE_MAX;

	ck_assert_int_eq(tk_tick_type_parse(bad_types[_i], &t), -EINVAL);
	ck_assert_int_eq(t, TK_TICK_TYPE_MAX);
}
END_TEST

START_TEST(test_side_name)
{
	ck_assert_str_eq(tk_side_name(TK_SIDE_BUY), "buy");
	ck_assert_str_eq(tk_side_name(TK_SIDE_SELL), "sell");
	ck_assert_str_eq(tk_side_name(TK_SIDE_UNKNOWN), "unknown");
	ck_assert_str_eq(tk_side_name((enum tk_side)42), "unknown");
}
END_TEST

static const struct {
	const char	*src;
	size_t		 len;
	size_t		 cap;
	int		 rc;
} set_cases[] = {
	{ "binance", 7, 32, 0 },
	{ "", 0, 1, 0 },
	{ "abc", 3, 4, 0 },		/* exactly fits with its NUL */
	{ "abcd", 4, 4, -ENAMETOOLONG },
	{ "abc", 3, 0, -ENAMETOOLONG },
	{ "abc", 2, 3, 0 },		/* only @len bytes are copied */
	{ "a\0b", 3, 8, -EINVAL },
	{ "\0", 1, 8, -EINVAL },
};

START_TEST(test_tick_set_str)
{
	char field[16];

	memset(field, 'X', sizeof(field));
	ck_assert_int_eq(tk_tick_set_str(field, set_cases[_i].cap,
	    set_cases[_i].src, set_cases[_i].len), set_cases[_i].rc);
	if (set_cases[_i].rc != 0) {
		ck_assert_int_eq(field[0], 'X');
		return;
	}
	ck_assert_int_eq(memcmp(field, set_cases[_i].src, set_cases[_i].len),
	    0);
	ck_assert_int_eq(field[set_cases[_i].len], '\0');
	ck_assert_int_eq(field[set_cases[_i].len + 1], 'X');
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;
	const char	*out;
} escape_cases[] = {
	{ "", 0, "" },
	{ "12345", 5, "12345" },
	{ "a\"b", 3, "a\\\"b" },
	{ "a\\b", 3, "a\\\\b" },
	{ "\n\t\r\b\f", 5, "\\n\\t\\r\\b\\f" },
	{ "\x01", 1, "\\u0001" },
	{ "x\x1fy", 3, "x\\u001fy" },
	{ "a\0b", 3, "a\\u0000b" },
	{ "\x7f/", 2, "\\u007f/" },
	{ "\xe2\x82\xac 5", 5, "\xe2\x82\xac 5" },	/* UTF-8 stays */
	{ "a\xff" "b", 3, "a\xef\xbf\xbd" "b" },	/* invalid: U+FFFD */
	{ "\xe2\x82", 2, "\xef\xbf\xbd" },	/* cut short: one U+FFFD */
	{ "\"\"", 2, "\\\"\\\"" },
};

START_TEST(test_json_escape)
{
	const char *want = escape_cases[_i].out;
	size_t wlen = strlen(want), cap, k;
	char buf[64];

	for (cap = 0; cap <= wlen + 1; cap++) {
		memset(buf, 'Z', sizeof(buf));
		if (cap < wlen) {
			ck_assert_int_eq(tk_json_escape(escape_cases[_i].in,
			    escape_cases[_i].len, buf, cap), -ENOSPC);
		} else {
			ck_assert_int_eq(tk_json_escape(escape_cases[_i].in,
			    escape_cases[_i].len, buf, cap), (int)wlen);
			ck_assert_int_eq(memcmp(buf, want, wlen), 0);
		}
		for (k = cap; k < sizeof(buf) && buf[k] == 'Z'; k++)
			;
		ck_assert_msg(k == sizeof(buf), "cap %zu: byte %zu", cap, k);
	}
}
END_TEST

/* Each case edits a SPEC tick and names the exact JSON it must give. */
static void
edit_none(struct tk_tick *t)
{
	(void)t;
}

static void
edit_sell_no_id(struct tk_tick *t)
{
	t->side = TK_SIDE_SELL;
	t->trade_id[0] = '\0';
	t->size = tk_test_dec("5.0");
}

static void
edit_unknown_side(struct tk_tick *t)
{
	t->side = TK_SIDE_UNKNOWN;
	t->price = tk_test_dec("1E-8");
	t->ts = -1;
	t->recv_ts = INT64_MIN;
	t->seq = UINT64_MAX;
}

static void
edit_weird_id(struct tk_tick *t)
{
	set(t->trade_id, sizeof(t->trade_id), "a\"b\\c\nd\x01\xc3\xa9");
	set(t->symbol, sizeof(t->symbol), "ÉTH-USD");
}

static void
edit_null_sizes(struct tk_tick *t)
{
	t->bid_size.valid = 0;
	t->ask_size.valid = 0;
	t->price = tk_test_dec("1");	/* a trade field: not part of a quote */
}

static void
edit_no_price(struct tk_tick *t)
{
	t->price.valid = 0;
	t->size.valid = 0;
}

static void
edit_funding_bare(struct tk_tick *t)
{
	t->index_price.valid = 0;
	t->next_funding_ts = 0;
	t->rate = tk_test_dec("-0.00005");
}

static void
edit_funding_no_mark(struct tk_tick *t)
{
	t->mark_price.valid = 0;
	t->rate.valid = 0;
	t->index_price = tk_test_dec("1E-3");
}

static void
edit_bbo_crossed(struct tk_tick *t)
{
	t->bid = tk_test_dec("37120.3");
	t->crossed = true;
}

/* No usable exchange quotes a bid: null price, size and venue. */
static void
edit_bbo_no_bid(struct tk_tick *t)
{
	t->bid.valid = 0;
	t->bid_size.valid = 0;
	t->bid_exchange[0] = '\0';
}

static void
edit_bbo_empty(struct tk_tick *t)
{
	edit_bbo_no_bid(t);
	t->ask.valid = 0;
	t->ask_size.valid = 0;
	t->ask_exchange[0] = '\0';
}

static void
edit_bbo_units(struct tk_tick *t)
{
	set(t->symbol, sizeof(t->symbol), "BTC-USD-PERP");
	t->size_unit = TK_SIZE_UNIT_QUOTE;
	t->bid_size = tk_test_dec("5000");
}

static void
edit_quote_contracts(struct tk_tick *t)
{
	t->size_unit = TK_SIZE_UNIT_CONTRACTS;
}

static void
edit_trade_quote_unit(struct tk_tick *t)
{
	t->size_unit = TK_SIZE_UNIT_QUOTE;
}

/* Base is the default: never written, even when set explicitly. */
static void
edit_unit_base(struct tk_tick *t)
{
	t->size_unit = TK_SIZE_UNIT_BASE;
}

static const struct {
	struct tk_tick	(*base)(void);
	void		(*edit)(struct tk_tick *);
	int		 snapshot;
	const char	*json;
} format_cases[] = {
	{ tk_test_spec_trade, edit_none, 0,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"BTC-USDT\","
	    "\"price\":\"37123.45\",\"size\":\"0.012\",\"side\":\"buy\","
	    "\"trade_id\":\"12345\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1042}" },
	{ tk_test_spec_quote, edit_none, 0,
	    "{\"type\":\"quote\",\"exchange\":\"kraken\",\"symbol\":\"BTC-USD\","
	    "\"bid\":\"37120.1\",\"bid_size\":\"1.5\",\"ask\":\"37120.2\","
	    "\"ask_size\":\"0.3\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1043}" },
	{ tk_test_spec_trade, edit_none, 1,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"BTC-USDT\","
	    "\"price\":\"37123.45\",\"size\":\"0.012\",\"side\":\"buy\","
	    "\"trade_id\":\"12345\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1042,\"snapshot\":true}" },
	{ tk_test_spec_quote, edit_none, 1,
	    "{\"type\":\"quote\",\"exchange\":\"kraken\",\"symbol\":\"BTC-USD\","
	    "\"bid\":\"37120.1\",\"bid_size\":\"1.5\",\"ask\":\"37120.2\","
	    "\"ask_size\":\"0.3\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1043,\"snapshot\":true}" },
	{ tk_test_spec_trade, edit_sell_no_id, 0,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"BTC-USDT\","
	    "\"price\":\"37123.45\",\"size\":\"5\",\"side\":\"sell\","
	    "\"trade_id\":null,\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1042}" },
	{ tk_test_spec_trade, edit_unknown_side, 0,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"BTC-USDT\","
	    "\"price\":\"0.00000001\",\"size\":\"0.012\",\"side\":\"unknown\","
	    "\"trade_id\":\"12345\",\"ts\":-1,"
	    "\"recv_ts\":-9223372036854775808,\"seq\":18446744073709551615}" },
	{ tk_test_spec_trade, edit_weird_id, 0,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"ÉTH-USD\","
	    "\"price\":\"37123.45\",\"size\":\"0.012\",\"side\":\"buy\","
	    "\"trade_id\":\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\","
	    "\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1042}" },
	{ tk_test_spec_quote, edit_null_sizes, 1,
	    "{\"type\":\"quote\",\"exchange\":\"kraken\",\"symbol\":\"BTC-USD\","
	    "\"bid\":\"37120.1\",\"bid_size\":null,\"ask\":\"37120.2\","
	    "\"ask_size\":null,\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1043,\"snapshot\":true}" },
	{ tk_test_spec_trade, edit_no_price, 0,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"BTC-USDT\","
	    "\"price\":null,\"size\":null,\"side\":\"buy\","
	    "\"trade_id\":\"12345\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1042}" },
	/* funding: SPEC's example, then without its optional fields */
	{ spec_funding, edit_none, 0,
	    "{\"type\":\"funding\",\"exchange\":\"bybit_perp\","
	    "\"symbol\":\"BTC-USDT-PERP\",\"mark_price\":\"37120.5\","
	    "\"index_price\":\"37118.2\",\"rate\":\"0.0001\","
	    "\"next_funding_ts\":1700006400000000,\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1044}" },
	{ spec_funding, edit_funding_bare, 1,
	    "{\"type\":\"funding\",\"exchange\":\"bybit_perp\","
	    "\"symbol\":\"BTC-USDT-PERP\",\"mark_price\":\"37120.5\","
	    "\"rate\":\"-0.00005\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1044,\"snapshot\":true}" },
	{ spec_funding, edit_funding_no_mark, 0,
	    "{\"type\":\"funding\",\"exchange\":\"bybit_perp\","
	    "\"symbol\":\"BTC-USDT-PERP\",\"mark_price\":null,"
	    "\"index_price\":\"0.001\",\"rate\":null,"
	    "\"next_funding_ts\":1700006400000000,\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1044}" },
	/* bbo: no exchange, no recv_ts */
	{ spec_bbo, edit_none, 0,
	    "{\"type\":\"bbo\",\"symbol\":\"BTC-USDT\",\"bid\":\"37120.1\","
	    "\"bid_size\":\"1.5\",\"bid_exchange\":\"kraken\","
	    "\"ask\":\"37120.2\",\"ask_size\":\"0.3\","
	    "\"ask_exchange\":\"binance\",\"crossed\":false,"
	    "\"ts\":1700000000123000,\"seq\":1045}" },
	{ spec_bbo, edit_bbo_crossed, 1,
	    "{\"type\":\"bbo\",\"symbol\":\"BTC-USDT\",\"bid\":\"37120.3\","
	    "\"bid_size\":\"1.5\",\"bid_exchange\":\"kraken\","
	    "\"ask\":\"37120.2\",\"ask_size\":\"0.3\","
	    "\"ask_exchange\":\"binance\",\"crossed\":true,"
	    "\"ts\":1700000000123000,\"seq\":1045,\"snapshot\":true}" },
	{ spec_bbo, edit_bbo_no_bid, 0,
	    "{\"type\":\"bbo\",\"symbol\":\"BTC-USDT\",\"bid\":null,"
	    "\"bid_size\":null,\"bid_exchange\":null,"
	    "\"ask\":\"37120.2\",\"ask_size\":\"0.3\","
	    "\"ask_exchange\":\"binance\",\"crossed\":false,"
	    "\"ts\":1700000000123000,\"seq\":1045}" },
	{ spec_bbo, edit_bbo_empty, 0,
	    "{\"type\":\"bbo\",\"symbol\":\"BTC-USDT\",\"bid\":null,"
	    "\"bid_size\":null,\"bid_exchange\":null,\"ask\":null,"
	    "\"ask_size\":null,\"ask_exchange\":null,\"crossed\":false,"
	    "\"ts\":1700000000123000,\"seq\":1045}" },
	{ spec_bbo, edit_bbo_units, 0,
	    "{\"type\":\"bbo\",\"symbol\":\"BTC-USD-PERP\","
	    "\"bid\":\"37120.1\",\"bid_size\":\"5000\","
	    "\"bid_exchange\":\"kraken\",\"ask\":\"37120.2\","
	    "\"ask_size\":\"0.3\",\"ask_exchange\":\"binance\","
	    "\"crossed\":false,\"size_unit\":\"quote\","
	    "\"ts\":1700000000123000,\"seq\":1045}" },
	/* size_unit: only when not base, just before "ts" */
	{ tk_test_spec_quote, edit_quote_contracts, 0,
	    "{\"type\":\"quote\",\"exchange\":\"kraken\",\"symbol\":\"BTC-USD\","
	    "\"bid\":\"37120.1\",\"bid_size\":\"1.5\",\"ask\":\"37120.2\","
	    "\"ask_size\":\"0.3\",\"size_unit\":\"contracts\","
	    "\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1043}" },
	{ tk_test_spec_trade, edit_trade_quote_unit, 0,
	    "{\"type\":\"trade\",\"exchange\":\"binance\",\"symbol\":\"BTC-USDT\","
	    "\"price\":\"37123.45\",\"size\":\"0.012\",\"side\":\"buy\","
	    "\"trade_id\":\"12345\",\"size_unit\":\"quote\","
	    "\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1042}" },
	{ tk_test_spec_quote, edit_unit_base, 0,
	    "{\"type\":\"quote\",\"exchange\":\"kraken\",\"symbol\":\"BTC-USD\","
	    "\"bid\":\"37120.1\",\"bid_size\":\"1.5\",\"ask\":\"37120.2\","
	    "\"ask_size\":\"0.3\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567,\"seq\":1043}" },
};

static struct tk_tick
format_case_tick(int i)
{
	struct tk_tick t = format_cases[i].base();

	format_cases[i].edit(&t);
	return t;
}

START_TEST(test_tick_format)
{
	struct tk_tick t = format_case_tick(_i);
	char buf[TK_TICK_JSON_MAX];
	int n;

	n = tk_tick_format(&t, format_cases[_i].snapshot, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(format_cases[_i].json));
	ck_assert_str_eq(buf, format_cases[_i].json);
}
END_TEST

/* Every cap from 0 up: -ENOSPC below the length, and no byte past @cap. */
START_TEST(test_tick_format_cap)
{
	struct tk_tick t = format_case_tick(_i);
	size_t len = strlen(format_cases[_i].json), cap, k;
	char buf[TK_TICK_JSON_MAX + 16];
	int n;

	for (cap = 0; cap <= len + 1; cap++) {
		memset(buf, 'Z', sizeof(buf));
		n = tk_tick_format(&t, format_cases[_i].snapshot, buf, cap);
		if (cap < len) {
			ck_assert_int_eq(n, -ENOSPC);
		} else {
			ck_assert_int_eq(n, (int)len);
			ck_assert_int_eq(memcmp(buf, format_cases[_i].json,
			    len), 0);
		}
		for (k = cap; k < sizeof(buf) && buf[k] == 'Z'; k++)
			;
		ck_assert_msg(k == sizeof(buf), "cap %zu: byte %zu", cap, k);
	}
	/* The NUL comes only when it fits. */
	ck_assert_int_eq(buf[len], '\0');
}
END_TEST

static void
assert_json_str(json_t *o, const char *key, const char *want)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	ck_assert_str_eq(json_string_value(v), want);
}

static void
assert_json_int(json_t *o, const char *key, json_int_t want)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	ck_assert(json_integer_value(v) == want);
}

/* What a client's JSON library sees, field by field. */
START_TEST(test_tick_format_jansson_trade)
{
	struct tk_tick t = tk_test_spec_trade();
	char buf[TK_TICK_JSON_MAX];
	json_error_t err;
	json_t *o;
	int n;

	set(t.trade_id, sizeof(t.trade_id), "x\"y\\z\n\x02\xc3\xa9");
	n = tk_tick_format(&t, 1, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	o = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(o != NULL, "%s: %s", buf, err.text);
	ck_assert_int_eq(json_object_size(o), 11);
	assert_json_str(o, "type", "trade");
	assert_json_str(o, "exchange", "binance");
	assert_json_str(o, "symbol", "BTC-USDT");
	assert_json_str(o, "price", "37123.45");
	assert_json_str(o, "size", "0.012");
	assert_json_str(o, "side", "buy");
	assert_json_str(o, "trade_id", t.trade_id);
	assert_json_int(o, "ts", t.ts);
	assert_json_int(o, "recv_ts", t.recv_ts);
	assert_json_int(o, "seq", (json_int_t)t.seq);
	ck_assert(json_is_true(json_object_get(o, "snapshot")));
	json_decref(o);
}
END_TEST

START_TEST(test_tick_format_jansson_quote)
{
	struct tk_tick t = tk_test_spec_quote();
	char buf[TK_TICK_JSON_MAX];
	json_error_t err;
	json_t *o;
	int n;

	t.ask.valid = 0;
	n = tk_tick_format(&t, 0, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	o = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(o != NULL, "%s: %s", buf, err.text);
	ck_assert_int_eq(json_object_size(o), 10);
	assert_json_str(o, "type", "quote");
	assert_json_str(o, "exchange", "kraken");
	assert_json_str(o, "symbol", "BTC-USD");
	assert_json_str(o, "bid", "37120.1");
	assert_json_str(o, "bid_size", "1.5");
	ck_assert(json_is_null(json_object_get(o, "ask")));
	assert_json_str(o, "ask_size", "0.3");
	assert_json_int(o, "ts", t.ts);
	assert_json_int(o, "recv_ts", t.recv_ts);
	assert_json_int(o, "seq", (json_int_t)t.seq);
	ck_assert_ptr_null(json_object_get(o, "snapshot"));
	json_decref(o);
}
END_TEST

START_TEST(test_tick_format_jansson_funding)
{
	struct tk_tick t = spec_funding();
	char buf[TK_TICK_JSON_MAX];
	json_error_t err;
	json_t *o;
	int n;

	n = tk_tick_format(&t, 0, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	o = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(o != NULL, "%s: %s", buf, err.text);
	ck_assert_int_eq(json_object_size(o), 10);
	assert_json_str(o, "type", "funding");
	assert_json_str(o, "exchange", "bybit_perp");
	assert_json_str(o, "symbol", "BTC-USDT-PERP");
	assert_json_str(o, "mark_price", "37120.5");
	assert_json_str(o, "index_price", "37118.2");
	assert_json_str(o, "rate", "0.0001");
	assert_json_int(o, "next_funding_ts", t.next_funding_ts);
	assert_json_int(o, "ts", t.ts);
	assert_json_int(o, "recv_ts", t.recv_ts);
	assert_json_int(o, "seq", (json_int_t)t.seq);
	json_decref(o);

	/* the optional two are left out, not written as null */
	t.index_price.valid = 0;
	t.next_funding_ts = 0;
	t.size_unit = TK_SIZE_UNIT_CONTRACTS;
	n = tk_tick_format(&t, 1, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	o = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(o != NULL, "%s: %s", buf, err.text);
	ck_assert_int_eq(json_object_size(o), 10);
	ck_assert_ptr_null(json_object_get(o, "index_price"));
	ck_assert_ptr_null(json_object_get(o, "next_funding_ts"));
	assert_json_str(o, "size_unit", "contracts");
	ck_assert(json_is_true(json_object_get(o, "snapshot")));
	json_decref(o);
}
END_TEST

START_TEST(test_tick_format_jansson_bbo)
{
	struct tk_tick t = spec_bbo();
	char buf[TK_TICK_JSON_MAX];
	json_error_t err;
	json_t *o;
	int n;

	set(t.ask_exchange, sizeof(t.ask_exchange), "a\"b\\c\x01");
	t.bid_size.valid = 0;
	n = tk_tick_format(&t, 0, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	o = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(o != NULL, "%s: %s", buf, err.text);
	ck_assert_int_eq(json_object_size(o), 11);
	assert_json_str(o, "type", "bbo");
	ck_assert_ptr_null(json_object_get(o, "exchange"));
	ck_assert_ptr_null(json_object_get(o, "recv_ts"));
	assert_json_str(o, "symbol", "BTC-USDT");
	assert_json_str(o, "bid", "37120.1");
	ck_assert(json_is_null(json_object_get(o, "bid_size")));
	assert_json_str(o, "bid_exchange", "kraken");
	assert_json_str(o, "ask", "37120.2");
	assert_json_str(o, "ask_size", "0.3");
	assert_json_str(o, "ask_exchange", t.ask_exchange);
	ck_assert(json_is_false(json_object_get(o, "crossed")));
	assert_json_int(o, "ts", t.ts);
	assert_json_int(o, "seq", (json_int_t)t.seq);
	json_decref(o);
}
END_TEST

START_TEST(test_tick_format_bad_unit)
{
	struct tk_tick t = spec_bbo();
	char buf[TK_TICK_JSON_MAX];

	t.size_unit = TK_SIZE_UNIT_MAX;
	ck_assert_int_eq(tk_tick_format(&t, 0, buf, sizeof(buf)), -EINVAL);
	t.size_unit = (enum tk_size_unit)-1;
	ck_assert_int_eq(tk_tick_format(&t, 0, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/*
 * The longest tick there can be: every string full of bytes that escape to
 * six, the longest decimals and integers.  It must fit TK_TICK_JSON_MAX.
 */
START_TEST(test_tick_format_worst_case)
{
	struct tk_tick t;
	char buf[TK_TICK_JSON_MAX];
	json_error_t err;
	json_t *o;
	int n;

	memset(&t, 0, sizeof(t));
	t.type = (enum tk_tick_type)_i;
	memset(t.exchange, 0x01, sizeof(t.exchange) - 1);
	memset(t.symbol, 0x01, sizeof(t.symbol) - 1);
	memset(t.trade_id, 0x01, sizeof(t.trade_id) - 1);
	t.price = t.size = t.bid = t.bid_size = t.ask = t.ask_size =
	    (struct tk_dec){ INT64_MIN, TK_DEC_MAX_SCALE, 1 };
	if (t.type == TK_TICK_BBO) {
		/* the venues share the union with trade_id */
		memset(t.bid_exchange, 0x01, sizeof(t.bid_exchange) - 1);
		t.bid_exchange[sizeof(t.bid_exchange) - 1] = '\0';
		memset(t.ask_exchange, 0x01, sizeof(t.ask_exchange) - 1);
		t.ask_exchange[sizeof(t.ask_exchange) - 1] = '\0';
		t.crossed = true;
	}
	if (t.type == TK_TICK_FUNDING) {
		t.mark_price = t.index_price = t.rate =
		    (struct tk_dec){ INT64_MIN, TK_DEC_MAX_SCALE, 1 };
		t.next_funding_ts = INT64_MIN;
	}
	t.size_unit = TK_SIZE_UNIT_CONTRACTS;
	t.ts = t.recv_ts = INT64_MIN;
	t.seq = UINT64_MAX;
	n = tk_tick_format(&t, 1, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	/* jansson's integers are signed: let it read UINT64_MAX as a real. */
	o = json_loadb(buf, (size_t)n, JSON_DECODE_INT_AS_REAL, &err);
	ck_assert_msg(o != NULL, "%s", err.text);
	json_decref(o);
}
END_TEST

/* A field that lost its NUL is read up to its size, never beyond. */
START_TEST(test_tick_format_unterminated)
{
	struct tk_tick t = tk_test_spec_trade();
	char buf[TK_TICK_JSON_MAX], want[TK_SYMBOL_MAX + 3];
	int n;

	memset(t.symbol, 'S', sizeof(t.symbol));
	n = tk_tick_format(&t, 0, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	want[0] = '"';
	memset(want + 1, 'S', sizeof(t.symbol));
	want[sizeof(t.symbol) + 1] = '"';
	want[sizeof(t.symbol) + 2] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, want));
}
END_TEST

START_TEST(test_tick_format_bad_type)
{
	struct tk_tick t = tk_test_spec_trade();
	char buf[TK_TICK_JSON_MAX];

	t.type = TK_TICK_TYPE_MAX;
	ck_assert_int_eq(tk_tick_format(&t, 0, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_tick_format(NULL, 0, buf, sizeof(buf)), -EINVAL);
}
END_TEST

static Suite *
tick_suite(void)
{
	Suite *s = suite_create("tick");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tick_type_name);
	tcase_add_loop_test(tc, test_tick_type_parse_bad, 0, N(bad_types));
	tcase_add_test(tc, test_size_unit_name);
	tcase_add_test(tc, test_side_name);
	tcase_add_loop_test(tc, test_tick_set_str, 0, N(set_cases));
	tcase_add_loop_test(tc, test_json_escape, 0, N(escape_cases));
	tcase_add_loop_test(tc, test_tick_format, 0, N(format_cases));
	tcase_add_loop_test(tc, test_tick_format_cap, 0, N(format_cases));
	tcase_add_test(tc, test_tick_format_jansson_trade);
	tcase_add_test(tc, test_tick_format_jansson_quote);
	tcase_add_test(tc, test_tick_format_jansson_funding);
	tcase_add_test(tc, test_tick_format_jansson_bbo);
	tcase_add_test(tc, test_tick_format_bad_unit);
	tcase_add_loop_test(tc, test_tick_format_worst_case, 0,
	    TK_TICK_TYPE_MAX);
	tcase_add_test(tc, test_tick_format_unterminated);
	tcase_add_test(tc, test_tick_format_bad_type);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tick_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
