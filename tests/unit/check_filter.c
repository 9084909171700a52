/* SPDX-License-Identifier: MIT */
/* Client filters: query and JSON parsing, matching, echo and error frames. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ticker/filter.h>

#include "tk_check.h"

#define ERRLEN	256
#define BUFLEN	4096

/* A recognisable non-empty value: failed parses must leave it untouched. */
static char *sentinel_names[1];

static void
filter_poison(struct tk_filter *f)
{
	f->types = 0x5a5a;
	f->symbols = sentinel_names;
	f->nsymbols = 77;
	f->exchanges = sentinel_names;
	f->nexchanges = 88;
}

static void
assert_poisoned(const struct tk_filter *f)
{
	ck_assert_uint_eq(f->types, 0x5a5a);
	ck_assert_ptr_eq(f->symbols, sentinel_names);
	ck_assert_uint_eq(f->nsymbols, 77);
	ck_assert_ptr_eq(f->exchanges, sentinel_names);
	ck_assert_uint_eq(f->nexchanges, 88);
}

/* Every byte of an error is printable ASCII: one line, valid UTF-8. */
static void
assert_printable(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p < 0x7f,
		    "byte 0x%02x at %zu in \"%s\"", *p,
		    (size_t)(p - (const unsigned char *)s), s);
}

static const char *
echo(const struct tk_filter *f)
{
	static char buf[BUFLEN];
	int n;

	n = tk_filter_format_subscribed(f, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(strlen(buf), (size_t)n);
	return buf;
}

/* ---- query: good ---- */

static const struct {
	const char	*symbols, *exchanges, *types;
	const char	*want;
} query_good[] = {
	{ NULL, NULL, NULL,
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}" },
	{ "BTC-USD", NULL, NULL,
	  "{\"type\":\"subscribed\",\"symbols\":[\"BTC-USD\"],"
	  "\"exchanges\":null,\"types\":null}" },
	{ "ETH-USD,BTC-USD", "kraken,binance", "trade",
	  "{\"type\":\"subscribed\",\"symbols\":[\"ETH-USD\",\"BTC-USD\"],"
	  "\"exchanges\":[\"kraken\",\"binance\"],\"types\":[\"trade\"]}" },
	/* duplicates collapse, first occurrence keeps its place */
	{ "ETH-USD,BTC-USD,ETH-USD,BTC-USD", "binance,binance", NULL,
	  "{\"type\":\"subscribed\",\"symbols\":[\"ETH-USD\",\"BTC-USD\"],"
	  "\"exchanges\":[\"binance\"],\"types\":null}" },
	/* types are a set: echoed in enum order, null when all are on */
	{ NULL, NULL, "quote",
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":[\"quote\"]}" },
	{ NULL, NULL, "quote,trade",
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":[\"trade\",\"quote\"]}" },
	{ NULL, NULL, "bbo,quote,funding,trade",
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}" },
	{ NULL, NULL, "bbo",
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":[\"bbo\"]}" },
	{ "BTC-USDT", "bybit", "bbo,funding",
	  "{\"type\":\"subscribed\",\"symbols\":[\"BTC-USDT\"],"
	  "\"exchanges\":[\"bybit\"],\"types\":[\"funding\",\"bbo\"]}" },
	{ NULL, NULL, "trade,trade",
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":[\"trade\"]}" },
	/* edges of the name rules */
	{ "A-B,123456789012345-ABCDEFGHIJKLMNO", "a,coinbase_pro-2", NULL,
	  "{\"type\":\"subscribed\",\"symbols\":[\"A-B\","
	  "\"123456789012345-ABCDEFGHIJKLMNO\"],"
	  "\"exchanges\":[\"a\",\"coinbase_pro-2\"],\"types\":null}" },
	{ NULL, "abcdefghijklmnopqrstuvwxyz01234", NULL,
	  "{\"type\":\"subscribed\",\"symbols\":null,"
	  "\"exchanges\":[\"abcdefghijklmnopqrstuvwxyz01234\"],\"types\":null}" },
};

START_TEST(test_filter_query_good)
{
	struct tk_filter f;
	char err[ERRLEN] = "";

	ck_assert_int_eq(tk_filter_from_query(query_good[_i].symbols,
	    query_good[_i].exchanges, query_good[_i].types, &f, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(echo(&f), query_good[_i].want);
	tk_filter_finish(&f);
}
END_TEST

START_TEST(test_filter_query_fields)
{
	struct tk_filter f;
	char err[ERRLEN];

	ck_assert_int_eq(tk_filter_from_query("ETH-USD,BTC-USD,ETH-USD", NULL,
	    "quote", &f, err, sizeof(err)), 0);
	ck_assert_uint_eq(f.nsymbols, 2);
	ck_assert_str_eq(f.symbols[0], "ETH-USD");
	ck_assert_str_eq(f.symbols[1], "BTC-USD");
	ck_assert_ptr_null(f.exchanges);
	ck_assert_uint_eq(f.nexchanges, 0);
	ck_assert_uint_eq(f.types, TK_TYPE_BIT(TK_TICK_QUOTE));
	tk_filter_finish(&f);
}
END_TEST

/* ---- query: bad ---- */

static const struct {
	const char	*symbols, *exchanges, *types;
	const char	*want;
} query_bad[] = {
	{ "", NULL, NULL, "symbols: empty item" },
	{ "BTC-USD,,ETH-USD", NULL, NULL, "symbols: empty item" },
	{ "BTC-USD,", NULL, NULL, "symbols: empty item" },
	{ ",BTC-USD", NULL, NULL, "symbols: empty item" },
	{ NULL, "", NULL, "exchanges: empty item" },
	{ NULL, NULL, "trade,", "types: empty item" },
	{ "btc-usd", NULL, NULL, "symbols: \"btc-usd\" is not BASE-QUOTE "
	  "(expected upper case like \"BTC-USD\")" },
	{ "BTC-USD,BTCUSD", NULL, NULL, "symbols: \"BTCUSD\" is not "
	  "BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	{ " BTC-USD", NULL, NULL, "symbols: \" BTC-USD\" is not "
	  "BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	{ "1234567890123456-X", NULL, NULL, "symbols: \"1234567890123456-X\" "
	  "is not BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	/* client bytes are made printable and cut: the error goes back out */
	{ "A\"B\\C\n\x01\xc3\xa9-X", NULL, NULL,
	  "symbols: \"A\\\"B\\\\C\\x0a\\x01\\xc3\\xa9-X\" is not BASE-QUOTE "
	  "(expected upper case like \"BTC-USD\")" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ-ABCDEFGHIJKLMNOPQRSTUVWXYZ", NULL, NULL,
	  "symbols: \"ABCDEFGHIJKLMNOPQRSTUVWXYZ-ABCDEFGHIJKLM...\" is not "
	  "BASE-QUOTE (expected upper case like \"BTC-USD\")" },
	{ NULL, "Binance", NULL, "exchanges: \"Binance\" is not an exchange "
	  "name (expected 1 to 31 of a-z 0-9 _ - like \"binance\")" },
	{ NULL, "bin ance", NULL, "exchanges: \"bin ance\" is not an exchange "
	  "name (expected 1 to 31 of a-z 0-9 _ - like \"binance\")" },
	{ NULL, "abcdefghijklmnopqrstuvwxyz012345", NULL,
	  "exchanges: \"abcdefghijklmnopqrstuvwxyz012345\" is not an exchange "
	  "name (expected 1 to 31 of a-z 0-9 _ - like \"binance\")" },
	{ NULL, NULL, "trades", "types: \"trades\" is not a tick type "
	  "(expected trade, quote, funding or bbo)" },
	{ NULL, NULL, "Trade", "types: \"Trade\" is not a tick type "
	  "(expected trade, quote, funding or bbo)" },
	{ NULL, NULL, "tradetradetradetradetradetradetrade", "types: "
	  "\"tradetradetradetradetradetradetrade\" is not a tick type "
	  "(expected trade, quote, funding or bbo)" },
	/* the first bad list (symbols, exchanges, types) is reported */
	{ "x", "Y", "z", "symbols: \"x\" is not BASE-QUOTE "
	  "(expected upper case like \"BTC-USD\")" },
	{ "BTC-USD", "Y", "z", "exchanges: \"Y\" is not an exchange "
	  "name (expected 1 to 31 of a-z 0-9 _ - like \"binance\")" },
	{ "BTC-USD", "y", "z", "types: \"z\" is not a tick type "
	  "(expected trade, quote, funding or bbo)" },
};

START_TEST(test_filter_query_bad)
{
	struct tk_filter f;
	char err[ERRLEN] = "";

	filter_poison(&f);
	ck_assert_int_eq(tk_filter_from_query(query_bad[_i].symbols,
	    query_bad[_i].exchanges, query_bad[_i].types, &f, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, query_bad[_i].want);
	assert_printable(err);
	assert_poisoned(&f);
}
END_TEST

/* "A0-B0,A1-B1,..." with @n distinct symbols, or @n copies of one. */
static char *
many_symbols(size_t n, int distinct)
{
	char *s = malloc(n * 16 + 1), *p = s;
	size_t i;

	ck_assert_ptr_nonnull(s);
	*p = '\0';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%sA%zu-B", i ? "," : "", distinct ? i : 0);
	return s;
}

START_TEST(test_filter_query_limit)
{
	struct tk_filter f;
	char err[ERRLEN];
	char *q;

	q = many_symbols(TK_FILTER_MAX_NAMES, 1);
	ck_assert_int_eq(tk_filter_from_query(q, NULL, NULL, &f, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(f.nsymbols, TK_FILTER_MAX_NAMES);
	ck_assert_str_eq(f.symbols[TK_FILTER_MAX_NAMES - 1], "A255-B");
	ck_assert(tk_filter_match(&f, "x", "A255-B", TK_TICK_TRADE));
	tk_filter_finish(&f);
	free(q);

	q = many_symbols(TK_FILTER_MAX_NAMES, 0);
	ck_assert_int_eq(tk_filter_from_query(q, NULL, NULL, &f, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(f.nsymbols, 1);
	tk_filter_finish(&f);
	free(q);

	/* the cap counts items as written: it bounds the work, not the set */
	q = many_symbols(TK_FILTER_MAX_NAMES + 1, 0);
	filter_poison(&f);
	ck_assert_int_eq(tk_filter_from_query(q, NULL, NULL, &f, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "symbols: too many items (at most 256)");
	assert_poisoned(&f);
	free(q);
}
END_TEST

/*
 * A value too long for a query is refused with its length, whichever list
 * it is and whatever came before, so a client hears why instead of
 * receiving everything.
 */
START_TEST(test_filter_query_too_long)
{
	static const char *const want[] = {
		"symbols: 4096 bytes, more than 4095 in a query (use a "
		"subscribe message)",
		"exchanges: 4096 bytes, more than 4095 in a query (use a "
		"subscribe message)",
		"types: 4096 bytes, more than 4095 in a query (use a "
		"subscribe message)",
	};
	const char *q[3] = { "BTC-USD", "binance", "trade" };
	char *big = malloc(TK_FILTER_QUERY_MAX + 1), err[ERRLEN];
	struct tk_filter f;

	ck_assert_ptr_nonnull(big);
	memset(big, 'A', TK_FILTER_QUERY_MAX);
	big[TK_FILTER_QUERY_MAX] = '\0';
	q[_i] = big;
	filter_poison(&f);
	ck_assert_int_eq(tk_filter_from_query(q[0], q[1], q[2], &f, err,
	    sizeof(err)), -EMSGSIZE);
	ck_assert_str_eq(err, want[_i]);
	ck_assert_uint_lt(strlen(err) + strlen("bad filter in query: "), 120);
	assert_poisoned(&f);
	/* one byte less is a (bad) list like any other */
	big[TK_FILTER_QUERY_MAX - 1] = '\0';
	ck_assert_int_eq(tk_filter_from_query(q[0], q[1], q[2], &f, err,
	    sizeof(err)), -EINVAL);
	assert_poisoned(&f);
	free(big);
}
END_TEST

/* A later list failing must free the earlier ones (ASan/LSan checks). */
START_TEST(test_filter_query_bad_after_good)
{
	struct tk_filter f;
	char err[ERRLEN];

	filter_poison(&f);
	ck_assert_int_eq(tk_filter_from_query("BTC-USD,ETH-USD", "binance",
	    "bogus", &f, err, sizeof(err)), -EINVAL);
	assert_poisoned(&f);
}
END_TEST

START_TEST(test_filter_err_small)
{
	struct tk_filter f;
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(tk_filter_from_query("", NULL, NULL, &f, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "symbols");
	/* no buffer at all is fine */
	ck_assert_int_eq(tk_filter_from_query("", NULL, NULL, &f, NULL, 0),
	    -EINVAL);
}
END_TEST

/* ---- JSON messages ---- */

static const struct {
	const char		*text;
	enum tk_client_op	 op;
	const char		*want;	/* echo of the filter */
} msg_good[] = {
	{ "{\"op\":\"ping\"}", TK_CLIENT_PING,
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}" },
	{ " { \"op\" : \"subscribe\" } ", TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}" },
	{ "{\"op\":\"subscribe\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}", TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}" },
	{ "{\"symbols\":[\"ETH-USD\",\"BTC-USD\",\"ETH-USD\"],"
	  "\"op\":\"subscribe\",\"types\":[\"quote\"],"
	  "\"exchanges\":[\"kraken\"]}", TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":[\"ETH-USD\",\"BTC-USD\"],"
	  "\"exchanges\":[\"kraken\"],\"types\":[\"quote\"]}" },
	{ "{\"op\":\"subscribe\",\"types\":[\"trade\",\"quote\"]}",
	  TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":[\"trade\",\"quote\"]}" },
	{ "{\"op\":\"subscribe\",\"types\":[\"funding\",\"bbo\","
	  "\"trade\",\"quote\"]}", TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":null,\"exchanges\":null,"
	  "\"types\":null}" },
	{ "{\"op\":\"subscribe\",\"types\":[\"bbo\"],"
	  "\"exchanges\":[\"kraken\"]}", TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":null,"
	  "\"exchanges\":[\"kraken\"],\"types\":[\"bbo\"]}" },
	/* an escaped name is the same name */
	{ "{\"op\":\"subscribe\",\"symbols\":[\"BTC\\u002dUSD\"]}",
	  TK_CLIENT_SUBSCRIBE,
	  "{\"type\":\"subscribed\",\"symbols\":[\"BTC-USD\"],"
	  "\"exchanges\":null,\"types\":null}" },
};

START_TEST(test_client_msg_good)
{
	struct tk_client_msg m;
	char err[ERRLEN] = "";
	const char *text = msg_good[_i].text;

	ck_assert_int_eq(tk_client_msg_parse(text, strlen(text), &m, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(m.op, msg_good[_i].op);
	ck_assert_str_eq(echo(&m.filter), msg_good[_i].want);
	tk_filter_finish(&m.filter);
}
END_TEST

static const struct {
	const char	*text;
	const char	*want;
} msg_bad[] = {
	{ "[]", "expected a JSON object" },
	{ "\"subscribe\"", "expected a JSON object" },
	{ "42", "expected a JSON object" },
	{ "null", "expected a JSON object" },
	{ "{}", "missing \"op\" (expected subscribe or ping)" },
	{ "{\"symbols\":[\"BTC-USD\"]}",
	  "missing \"op\" (expected subscribe or ping)" },
	{ "{\"op\":1}", "\"op\" must be a string" },
	{ "{\"op\":null}", "\"op\" must be a string" },
	{ "{\"op\":[\"ping\"]}", "\"op\" must be a string" },
	{ "{\"op\":\"foo\"}",
	  "unknown op \"foo\" (expected subscribe or ping)" },
	{ "{\"op\":\"PING\"}",
	  "unknown op \"PING\" (expected subscribe or ping)" },
	{ "{\"op\":\"\\\"\\n\\u00e9\"}",
	  "unknown op \"\\\"\\x0a\\xc3\\xa9\" (expected subscribe or ping)" },
	{ "{\"op\":\"ping\",\"symbols\":[\"BTC-USD\"]}",
	  "unknown key \"symbols\"" },
	{ "{\"op\":\"ping\",\"x\":1}", "unknown key \"x\"" },
	{ "{\"op\":\"subscribe\",\"symbol\":[\"BTC-USD\"]}",
	  "unknown key \"symbol\"" },
	{ "{\"op\":\"subscribe\",\"symbols\":[]}",
	  "symbols: empty list; omit the key to receive every symbol" },
	{ "{\"op\":\"subscribe\",\"exchanges\":[]}",
	  "exchanges: empty list; omit the key to receive every exchange" },
	{ "{\"op\":\"subscribe\",\"types\":[]}",
	  "types: empty list; omit the key to receive every type" },
	{ "{\"op\":\"subscribe\",\"symbols\":\"BTC-USD\"}",
	  "symbols: expected an array of strings" },
	{ "{\"op\":\"subscribe\",\"exchanges\":{}}",
	  "exchanges: expected an array of strings" },
	{ "{\"op\":\"subscribe\",\"types\":true}",
	  "types: expected an array of strings" },
	{ "{\"op\":\"subscribe\",\"symbols\":[\"BTC-USD\",1]}",
	  "symbols[1] is not a string" },
	{ "{\"op\":\"subscribe\",\"exchanges\":[null]}",
	  "exchanges[0] is not a string" },
	{ "{\"op\":\"subscribe\",\"types\":[[\"trade\"]]}",
	  "types[0] is not a string" },
	{ "{\"op\":\"subscribe\",\"symbols\":[\"\"]}", "symbols: empty item" },
	{ "{\"op\":\"subscribe\",\"symbols\":[\"BTC-USD,ETH-USD\"]}",
	  "symbols: \"BTC-USD,ETH-USD\" is not BASE-QUOTE "
	  "(expected upper case like \"BTC-USD\")" },
	{ "{\"op\":\"subscribe\",\"symbols\":[\"BTC-USD\"],"
	  "\"exchanges\":[\"Kraken\"]}",
	  "exchanges: \"Kraken\" is not an exchange "
	  "name (expected 1 to 31 of a-z 0-9 _ - like \"binance\")" },
	{ "{\"op\":\"subscribe\",\"symbols\":[\"BTC-USD\"],"
	  "\"types\":[\"trade\",\"book\"]}",
	  "types: \"book\" is not a tick type "
	  "(expected trade, quote, funding or bbo)" },
};

START_TEST(test_client_msg_bad)
{
	struct tk_client_msg m;
	char err[ERRLEN] = "";
	const char *text = msg_bad[_i].text;

	memset(&m, 0, sizeof(m));
	filter_poison(&m.filter);
	ck_assert_int_eq(tk_client_msg_parse(text, strlen(text), &m, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, msg_bad[_i].want);
	assert_printable(err);
	ck_assert_int_eq(m.op, 0);
	assert_poisoned(&m.filter);
}
END_TEST

/*
 * Syntax errors carry jansson's own text, whose wording is jansson's
 * business: compare against what jansson says for the same bytes.
 */
static const char *const msg_syntax[] = {
	"",
	"{",
	"{\"op\":\"ping\"",
	"{\"op\":\"ping\"} x",
	"{'op':'ping'}",
	"{\"op\":\"ping\",\"op\":\"ping\"}",	/* duplicate key */
	/* no NUL can reach a name: jansson refuses \u0000 by default */
	"{\"op\":\"subscribe\",\"symbols\":[\"BTC-USD\\u0000X\"]}",
};

START_TEST(test_client_msg_syntax)
{
	struct tk_client_msg m;
	char err[ERRLEN] = "", want[ERRLEN];
	const char *text = msg_syntax[_i];
	json_error_t jerr;
	json_t *j;

	j = json_loadb(text, strlen(text),
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_ptr_null(j);
	snprintf(want, sizeof(want), "invalid JSON: %s", jerr.text);
	memset(&m, 0, sizeof(m));
	filter_poison(&m.filter);
	ck_assert_int_eq(tk_client_msg_parse(text, strlen(text), &m, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, want);
	assert_printable(err);
	assert_poisoned(&m.filter);
}
END_TEST

/* jansson quotes the bad token; raw control bytes must not reach the client. */
START_TEST(test_client_msg_syntax_printable)
{
	static const char text[] = "{\"op\":\x01\xff\n}";
	struct tk_client_msg m;
	char err[ERRLEN] = "";

	ck_assert_int_eq(tk_client_msg_parse(text, sizeof(text) - 1, &m, err,
	    sizeof(err)), -EINVAL);
	ck_assert_msg(strncmp(err, "invalid JSON: ", 14) == 0, "%s", err);
	assert_printable(err);
}
END_TEST

START_TEST(test_client_msg_nul)
{
	static const char text[] = "{\"op\":\"ping\"}\0junk";
	struct tk_client_msg m;
	char err[ERRLEN] = "";

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(tk_client_msg_parse(text, sizeof(text) - 1, &m, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "message contains a NUL byte");
	ck_assert_int_eq(m.op, 0);
	/* the same bytes without the tail parse: the length is honoured */
	ck_assert_int_eq(tk_client_msg_parse(text, strlen(text), &m, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(m.op, TK_CLIENT_PING);
	tk_filter_finish(&m.filter);
}
END_TEST

/* Text need not be NUL-terminated: only @len bytes are read. */
START_TEST(test_client_msg_len)
{
	static const char text[] = "{\"op\":\"ping\"}{\"op\":\"nope\"}";
	struct tk_client_msg m;
	char err[ERRLEN];
	char *copy;

	copy = malloc(13);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, 13);
	ck_assert_int_eq(tk_client_msg_parse(copy, 13, &m, err, sizeof(err)),
	    0);
	ck_assert_int_eq(m.op, TK_CLIENT_PING);
	free(copy);
}
END_TEST

START_TEST(test_client_msg_limit)
{
	struct tk_client_msg m;
	char err[ERRLEN];
	char *text, *p;
	size_t i, n = TK_FILTER_MAX_NAMES + 1;

	text = malloc(n * 8 + 64);
	ck_assert_ptr_nonnull(text);
	p = text + sprintf(text, "{\"op\":\"subscribe\",\"exchanges\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"x\"", i ? "," : "");
	strcpy(p, "]}");
	ck_assert_int_eq(tk_client_msg_parse(text, strlen(text), &m, err,
	    sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "exchanges: too many items (at most 256)");
	free(text);
}
END_TEST

/* A bad later list frees the earlier ones (ASan/LSan checks). */
START_TEST(test_client_msg_bad_after_good)
{
	static const char text[] = "{\"op\":\"subscribe\","
	    "\"symbols\":[\"BTC-USD\"],\"exchanges\":[\"binance\"],"
	    "\"types\":[\"candle\"]}";
	struct tk_client_msg m;
	char err[ERRLEN];

	memset(&m, 0, sizeof(m));
	filter_poison(&m.filter);
	ck_assert_int_eq(tk_client_msg_parse(text, sizeof(text) - 1, &m, err,
	    sizeof(err)), -EINVAL);
	assert_poisoned(&m.filter);
}
END_TEST

/* ---- matching ---- */

static const struct {
	const char		*symbols, *exchanges, *types;
	const char		*exchange, *symbol;
	enum tk_tick_type	 type;
	int			 want, want_exchange;
} match[] = {
	{ NULL, NULL, NULL, "binance", "BTC-USD", TK_TICK_TRADE, 1, 1 },
	{ NULL, NULL, NULL, "kraken", "ETH-EUR", TK_TICK_QUOTE, 1, 1 },
	{ NULL, NULL, "trade", "binance", "BTC-USD", TK_TICK_TRADE, 1, 1 },
	{ NULL, NULL, "trade", "binance", "BTC-USD", TK_TICK_QUOTE, 0, 1 },
	{ NULL, NULL, "quote", "binance", "BTC-USD", TK_TICK_TRADE, 0, 1 },
	{ NULL, NULL, "quote", "binance", "BTC-USD", TK_TICK_QUOTE, 1, 1 },
	{ NULL, NULL, NULL, "binance", "BTC-USD", TK_TICK_TYPE_MAX, 0, 1 },
	{ NULL, NULL, NULL, "binance", "BTC-USD", (enum tk_tick_type)40, 0, 1 },
	{ NULL, "kraken,binance", NULL, "binance", "X-Y", TK_TICK_TRADE, 1, 1 },
	{ NULL, "kraken,binance", NULL, "kraken", "X-Y", TK_TICK_QUOTE, 1, 1 },
	{ NULL, "kraken,binance", NULL, "coinbase", "X-Y", TK_TICK_TRADE, 0, 0 },
	{ NULL, "binance", NULL, "binanc", "X-Y", TK_TICK_TRADE, 0, 0 },
	{ NULL, "binance", NULL, "binancex", "X-Y", TK_TICK_TRADE, 0, 0 },
	{ "BTC-USD,ETH-USD", NULL, NULL, "any", "ETH-USD", TK_TICK_TRADE, 1, 1 },
	{ "BTC-USD,ETH-USD", NULL, NULL, "any", "ETH-USDT", TK_TICK_TRADE, 0, 1 },
	{ "BTC-USD,ETH-USD", NULL, NULL, "any", "btc-usd", TK_TICK_TRADE, 0, 1 },
	{ "BTC-USD", "binance", "quote", "binance", "BTC-USD", TK_TICK_QUOTE,
	  1, 1 },
	{ "BTC-USD", "binance", "quote", "kraken", "BTC-USD", TK_TICK_QUOTE,
	  0, 0 },
	{ "BTC-USD", "binance", "quote", "binance", "ETH-USD", TK_TICK_QUOTE,
	  0, 1 },
	{ "BTC-USD", "binance", "quote", "binance", "BTC-USD", TK_TICK_TRADE,
	  0, 1 },
	/* funding is a type like trade and quote */
	{ NULL, NULL, NULL, "bybit", "BTC-USDT", TK_TICK_FUNDING, 1, 1 },
	{ NULL, NULL, "funding", "bybit", "BTC-USDT", TK_TICK_FUNDING, 1, 1 },
	{ NULL, NULL, "funding", "bybit", "BTC-USDT", TK_TICK_QUOTE, 0, 1 },
	{ NULL, NULL, "trade,quote", "bybit", "BTC-USDT", TK_TICK_FUNDING,
	  0, 1 },
	{ NULL, "bybit", NULL, "bybit", "BTC-USDT", TK_TICK_FUNDING, 1, 1 },
	{ NULL, "bybit", NULL, "okx", "BTC-USDT", TK_TICK_FUNDING, 0, 0 },
	/* bbo: in the stream without a types filter, alone with types=bbo */
	{ NULL, NULL, NULL, "", "BTC-USDT", TK_TICK_BBO, 1, 1 },
	{ NULL, NULL, "bbo", "", "BTC-USDT", TK_TICK_BBO, 1, 1 },
	{ NULL, NULL, "bbo", "binance", "BTC-USDT", TK_TICK_QUOTE, 0, 1 },
	{ NULL, NULL, "bbo", "binance", "BTC-USDT", TK_TICK_TRADE, 0, 1 },
	{ NULL, NULL, "trade,quote", "", "BTC-USDT", TK_TICK_BBO, 0, 1 },
	{ "ETH-USDT", NULL, "bbo", "", "BTC-USDT", TK_TICK_BBO, 0, 1 },
	{ "ETH-USDT", NULL, NULL, "", "ETH-USDT", TK_TICK_BBO, 1, 1 },
	/* an exchange list alone means that exchange's data: no bbo... */
	{ NULL, "binance", NULL, "", "BTC-USDT", TK_TICK_BBO, 0, 0 },
	{ NULL, "binance", "trade,quote,funding,bbo", "", "BTC-USDT",
	  TK_TICK_BBO, 0, 0 },
	/* ...unless bbo is asked for by name: then it is every exchange's */
	{ NULL, "binance", "bbo", "", "BTC-USDT", TK_TICK_BBO, 1, 0 },
	{ "BTC-USDT", "binance", "trade,bbo", "", "BTC-USDT", TK_TICK_BBO,
	  1, 0 },
	{ "BTC-USDT", "binance", "trade,bbo", "kraken", "BTC-USDT",
	  TK_TICK_TRADE, 0, 0 },
	{ "BTC-USDT", "binance", "trade,bbo", "binance", "BTC-USDT",
	  TK_TICK_TRADE, 1, 1 },
	{ "ETH-USDT", "binance", "trade,bbo", "", "BTC-USDT", TK_TICK_BBO,
	  0, 0 },
};

START_TEST(test_filter_match)
{
	struct tk_filter f;
	char err[ERRLEN];

	ck_assert_int_eq(tk_filter_from_query(match[_i].symbols,
	    match[_i].exchanges, match[_i].types, &f, err, sizeof(err)), 0);
	ck_assert_int_eq(!!tk_filter_match(&f, match[_i].exchange,
	    match[_i].symbol, match[_i].type), match[_i].want);
	ck_assert_int_eq(!!tk_filter_match_exchange(&f, match[_i].exchange),
	    match[_i].want_exchange);
	tk_filter_finish(&f);
}
END_TEST

/* ---- init / finish ---- */

START_TEST(test_filter_finish)
{
	struct tk_filter f;
	char err[ERRLEN];

	tk_filter_init(&f);
	ck_assert_uint_eq(f.types, TK_TYPES_ANY);
	ck_assert_ptr_null(f.symbols);
	ck_assert_ptr_null(f.exchanges);
	ck_assert(tk_filter_match(&f, "a", "B-C", TK_TICK_QUOTE));
	ck_assert(tk_filter_match(&f, "a", "B-C", TK_TICK_FUNDING));
	ck_assert(tk_filter_match(&f, "", "B-C", TK_TICK_BBO));
	tk_filter_finish(&f);
	tk_filter_finish(NULL);

	ck_assert_int_eq(tk_filter_from_query("BTC-USD", "binance", "trade",
	    &f, err, sizeof(err)), 0);
	ck_assert(!tk_filter_match(&f, "kraken", "BTC-USD", TK_TICK_TRADE));
	tk_filter_finish(&f);
	/* finished means match-everything again, and finishing twice is ok */
	ck_assert_uint_eq(f.types, TK_TYPES_ANY);
	ck_assert_ptr_null(f.symbols);
	ck_assert_uint_eq(f.nsymbols, 0);
	ck_assert_ptr_null(f.exchanges);
	ck_assert_uint_eq(f.nexchanges, 0);
	ck_assert(tk_filter_match(&f, "kraken", "BTC-USD", TK_TICK_TRADE));
	tk_filter_finish(&f);
	ck_assert_ptr_null(f.symbols);
}
END_TEST

/* ---- subscribed echo ---- */

START_TEST(test_filter_subscribed_space)
{
	static const char want[] = "{\"type\":\"subscribed\","
	    "\"symbols\":[\"BTC-USD\",\"ETH-USD\"],\"exchanges\":[\"binance\"],"
	    "\"types\":[\"trade\"]}";
	const int len = (int)sizeof(want) - 1;
	struct tk_filter f;
	char err[ERRLEN], buf[sizeof(want) + 8];
	size_t cap;

	ck_assert_int_eq(tk_filter_from_query("BTC-USD,ETH-USD", "binance",
	    "trade", &f, err, sizeof(err)), 0);
	/* the length is the contract; a NUL is added only when it fits */
	memset(buf, '#', sizeof(buf));
	ck_assert_int_eq(tk_filter_format_subscribed(&f, buf, (size_t)len),
	    len);
	ck_assert(memcmp(buf, want, (size_t)len) == 0);
	ck_assert_int_eq(buf[len], '#');
	ck_assert_int_eq(tk_filter_format_subscribed(&f, buf, (size_t)len + 1),
	    len);
	ck_assert_str_eq(buf, want);
	for (cap = 0; cap < (size_t)len; cap++) {
		memset(buf, '#', sizeof(buf));
		ck_assert_int_eq(tk_filter_format_subscribed(&f, buf, cap),
		    -ENOSPC);
		ck_assert_int_eq(buf[cap], '#');
	}
	tk_filter_finish(&f);
}
END_TEST

/* Hand-built names are escaped: the struct is public. */
START_TEST(test_filter_subscribed_escape)
{
	char *names[] = { "a\"b", "c\\d" };
	struct tk_filter f;

	tk_filter_init(&f);
	f.exchanges = names;
	f.nexchanges = 2;
	f.types = 0;
	ck_assert_str_eq(echo(&f), "{\"type\":\"subscribed\",\"symbols\":null,"
	    "\"exchanges\":[\"a\\\"b\",\"c\\\\d\"],\"types\":[]}");
}
END_TEST

/* ---- error frames ---- */

static const struct {
	const char	*msg;
	const char	*want;
} errors[] = {
	{ "", "{\"type\":\"error\",\"message\":\"\"}" },
	{ "plain", "{\"type\":\"error\",\"message\":\"plain\"}" },
	{ "say \"hi\"", "{\"type\":\"error\",\"message\":\"say \\\"hi\\\"\"}" },
	{ "a\\b", "{\"type\":\"error\",\"message\":\"a\\\\b\"}" },
	{ "l1\nl2\tx\r", "{\"type\":\"error\",\"message\":\"l1\\nl2\\tx\\r\"}" },
	{ "\x01\x1f", "{\"type\":\"error\",\"message\":\"\\u0001\\u001f\"}" },
	{ "caf\xc3\xa9", "{\"type\":\"error\",\"message\":\"caf\xc3\xa9\"}" },
};

START_TEST(test_format_error)
{
	char buf[BUFLEN];
	json_error_t jerr;
	json_t *j;
	int n;

	n = tk_format_error(errors[_i].msg, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(errors[_i].want));
	ck_assert_str_eq(buf, errors[_i].want);
	/* and it is JSON that says the same thing back */
	j = json_loads(buf, 0, &jerr);
	ck_assert_msg(j != NULL, "%s: %s", buf, jerr.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")),
	    "error");
	ck_assert_str_eq(json_string_value(json_object_get(j, "message")),
	    errors[_i].msg);
	json_decref(j);
}
END_TEST

START_TEST(test_format_error_space)
{
	static const char want[] = "{\"type\":\"error\",\"message\":\"a\\\"b\"}";
	const int len = (int)sizeof(want) - 1;
	char buf[sizeof(want) + 8];
	size_t cap;

	ck_assert_int_eq(tk_format_error("a\"b", buf, sizeof(buf)), len);
	ck_assert_str_eq(buf, want);
	memset(buf, '#', sizeof(buf));
	ck_assert_int_eq(tk_format_error("a\"b", buf, (size_t)len), len);
	ck_assert(memcmp(buf, want, (size_t)len) == 0);
	ck_assert_int_eq(buf[len], '#');
	for (cap = 0; cap < (size_t)len; cap++)
		ck_assert_int_eq(tk_format_error("a\"b", buf, cap), -ENOSPC);
	ck_assert_int_eq(tk_format_error(NULL, buf, sizeof(buf)),
	    (int)strlen("{\"type\":\"error\",\"message\":\"\"}"));
}
END_TEST

/* Parse errors round-trip into an error frame a client can read. */
START_TEST(test_parse_error_to_frame)
{
	static const char text[] = "{\"op\":\"subscribe\","
	    "\"symbols\":[\"b\\\"tc\\n\"]}";
	struct tk_client_msg m;
	char err[ERRLEN], buf[BUFLEN];
	json_t *j;

	ck_assert_int_eq(tk_client_msg_parse(text, sizeof(text) - 1, &m, err,
	    sizeof(err)), -EINVAL);
	ck_assert_int_gt(tk_format_error(err, buf, sizeof(buf)), 0);
	j = json_loads(buf, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "message")),
	    "symbols: \"b\\\"tc\\x0a\" is not BASE-QUOTE "
	    "(expected upper case like \"BTC-USD\")");
	json_decref(j);
}
END_TEST

#define LOOP(tc, fn, table) \
	tcase_add_loop_test(tc, fn, 0, (int)(sizeof(table) / sizeof(table[0])))

static Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc;

	tc = tcase_create("query");
	LOOP(tc, test_filter_query_good, query_good);
	LOOP(tc, test_filter_query_bad, query_bad);
	tcase_add_test(tc, test_filter_query_fields);
	tcase_add_test(tc, test_filter_query_limit);
	tcase_add_loop_test(tc, test_filter_query_too_long, 0, 3);
	tcase_add_test(tc, test_filter_query_bad_after_good);
	tcase_add_test(tc, test_filter_err_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	LOOP(tc, test_client_msg_good, msg_good);
	LOOP(tc, test_client_msg_bad, msg_bad);
	LOOP(tc, test_client_msg_syntax, msg_syntax);
	tcase_add_test(tc, test_client_msg_syntax_printable);
	tcase_add_test(tc, test_client_msg_nul);
	tcase_add_test(tc, test_client_msg_len);
	tcase_add_test(tc, test_client_msg_limit);
	tcase_add_test(tc, test_client_msg_bad_after_good);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	LOOP(tc, test_filter_match, match);
	tcase_add_test(tc, test_filter_finish);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_filter_subscribed_space);
	tcase_add_test(tc, test_filter_subscribed_escape);
	LOOP(tc, test_format_error, errors);
	tcase_add_test(tc, test_format_error_space);
	tcase_add_test(tc, test_parse_error_to_frame);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
