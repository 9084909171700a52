/* SPDX-License-Identifier: MIT */
/*
 * Scaling out over NATS, the pure parts: subjects and their tokens, the
 * Nats-Msg-Id (the same for the same exchange message, whoever received
 * it when), bodies and parsing them back, JetStream reply metadata, and
 * the validators of the configuration's values (whose keys check_config
 * tests).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>
#include <ticker/nats.h>
#include <ticker/tick.h>

#include "tk_check.h"

/* The SPEC's trade, of @ex, @sym and trade id @id. */
static struct tk_tick
trade(const char *ex, const char *sym, const char *id)
{
	struct tk_tick t = tk_test_spec_trade();

	snprintf(t.exchange, sizeof(t.exchange), "%s", ex);
	snprintf(t.symbol, sizeof(t.symbol), "%s", sym);
	snprintf(t.trade_id, sizeof(t.trade_id), "%s", id);
	return t;
}

/* ---- subjects ---- */

static const struct {
	const char	*name;
	const char	*token;
} tokens[] = {
	{ "binance", "binance" },
	{ "BTC-USDT", "BTC-USDT" },
	{ "BTC-USDT-PERP", "BTC-USDT-PERP" },
	{ "BRK.B", "BRK%2EB" },		/* '.' separates tokens */
	{ "a*b", "a%2Ab" },		/* wildcards stay literal */
	{ "a>", "a%3E" },
	{ "a b", "a%20b" },		/* whitespace ends a subject */
	{ "tab\tx", "tab%09x" },
	{ "100%", "100%25" },		/* '%' too: distinct names, distinct tokens */
	{ "%2E", "%252E" },
	{ "caf\xc3\xa9", "caf%C3%A9" },	/* non-ASCII as bytes */
};

START_TEST(test_nats_token)
{
	char buf[64];
	int n;

	n = tk_nats_token(tokens[_i].name, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(tokens[_i].token));
	ck_assert_str_eq(buf, tokens[_i].token);
}
END_TEST

START_TEST(test_nats_token_limits)
{
	char buf[8];

	ck_assert_int_eq(tk_nats_token("", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_nats_token(NULL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_nats_token("1234567", buf, sizeof(buf)), 7);
	ck_assert_int_eq(tk_nats_token("12345678", buf, sizeof(buf)), -ENOSPC);
	ck_assert_int_eq(tk_nats_token("12345.", buf, sizeof(buf)), -ENOSPC);
}
END_TEST

START_TEST(test_nats_subjects)
{
	struct tk_tick t = trade("binance", "BTC-USDT", "1");
	struct tk_tick q = tk_test_spec_quote();
	char buf[TK_NATS_SUBJECT_MAX];

	ck_assert_int_gt(tk_nats_tick_subject("ticks", &t, buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "ticks.trade.binance.BTC-USDT");
	ck_assert_int_gt(tk_nats_tick_subject("md.ticks", &q, buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "md.ticks.quote.kraken.BTC-USD");
	ck_assert_int_gt(tk_nats_status_subject("ticks", "okx", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "ticks.status.okx");
	strcpy(t.symbol, "BRK.B");
	tk_nats_tick_subject("ticks", &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ticks.trade.binance.BRK%2EB");
	/* no room, no names */
	ck_assert_int_eq(tk_nats_tick_subject("ticks", &t, buf, 10), -ENOSPC);
	t.symbol[0] = '\0';
	ck_assert_int_eq(tk_nats_tick_subject("ticks", &t, buf, sizeof(buf)),
	    -EINVAL);
	ck_assert_int_eq(tk_nats_status_subject("ticks", "", buf,
	    sizeof(buf)), -EINVAL);
}
END_TEST

/* ---- deduplication ids ---- */

START_TEST(test_nats_msg_id_trade)
{
	struct tk_tick t = trade("binance", "BTC-USDT", "12345");
	char buf[TK_NATS_MSGID_MAX];

	ck_assert_int_eq(tk_nats_msg_id(&t, buf, sizeof(buf)),
	    (int)strlen("binance:BTC-USDT:trade:12345"));
	ck_assert_str_eq(buf, "binance:BTC-USDT:trade:12345");
	/* a header value is one line of printable ASCII */
	strcpy(t.trade_id, "a b\r\n%:.");
	tk_nats_msg_id(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "binance:BTC-USDT:trade:a%20b%0D%0A%25:.");
	ck_assert_int_eq(tk_nats_msg_id(&t, buf, 20), -ENOSPC);
}
END_TEST

/*
 * Two hosts fed the same exchange message parse the same fields but
 * receive it at different times, with different merged seqs.
 */
START_TEST(test_nats_msg_id_same_message_two_hosts)
{
	struct tk_tick a = tk_test_spec_quote(), b = tk_test_spec_quote();
	char ia[TK_NATS_MSGID_MAX], ib[TK_NATS_MSGID_MAX];

	b.recv_ts += 7345;
	b.seq = 99;
	ck_assert_int_gt(tk_nats_msg_id(&a, ia, sizeof(ia)), 0);
	ck_assert_int_gt(tk_nats_msg_id(&b, ib, sizeof(ib)), 0);
	ck_assert_str_eq(ia, ib);
	ck_assert_int_eq(strncmp(ia, "kraken:BTC-USD:quote:", 21), 0);
	ck_assert_uint_eq(strlen(ia), 21 + 16);
	/* "1.50" and "1.5" are the same number: the same id */
	b.bid_size = tk_test_dec("1.50");
	tk_nats_msg_id(&b, ib, sizeof(ib));
	ck_assert_str_eq(ia, ib);
	/* a trade without an id is hashed too */
	a = trade("x", "A-B", "");
	b = a;
	b.recv_ts++;
	tk_nats_msg_id(&a, ia, sizeof(ia));
	tk_nats_msg_id(&b, ib, sizeof(ib));
	ck_assert_str_eq(ia, ib);
	ck_assert_int_eq(strncmp(ia, "x:A-B:trade:", 12), 0);
}
END_TEST

/* A funding tick of SPEC "Ticks"; @full: with index and next time. */
static struct tk_tick
funding(int full)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_FUNDING;
	strcpy(t.exchange, "bybit_perp");
	strcpy(t.symbol, "BTC-USDT-PERP");
	t.mark_price = tk_test_dec("37120.50");
	if (full) {
		t.index_price = tk_test_dec("37118.2");
		t.next_funding_ts = 1700006400000000;
	}
	t.rate = tk_test_dec("-0.000100");
	t.ts = 1700000000123000;
	t.recv_ts = 1700000000124567;
	return t;
}

/* Every field the exchange stated changes the id. */
START_TEST(test_nats_msg_id_fields_matter)
{
	struct tk_tick base = tk_test_spec_quote(), t;
	char ia[TK_NATS_MSGID_MAX], ib[TK_NATS_MSGID_MAX];
	int i;

	tk_nats_msg_id(&base, ia, sizeof(ia));
	for (i = 0; i < 6; i++) {
		t = base;
		switch (i) {
		case 0: t.bid = tk_test_dec("37120.11"); break;
		case 1: t.bid_size = tk_test_dec("1.6"); break;
		case 2: t.ask = tk_test_dec("1"); break;
		case 3: t.ask_size.valid = 0; break;
		case 4: t.ts++; break;
		case 5: t.bid = tk_test_dec("-37120.1"); break;
		}
		tk_nats_msg_id(&t, ib, sizeof(ib));
		ck_assert_msg(strcmp(ia, ib) != 0, "field %d", i);
	}
	/* and for funding: each of its values, and the size unit */
	base = funding(1);
	tk_nats_msg_id(&base, ia, sizeof(ia));
	for (i = 0; i < 5; i++) {
		t = base;
		switch (i) {
		case 0: t.mark_price = tk_test_dec("37120.51"); break;
		case 1: t.index_price.valid = 0; break;
		case 2: t.rate = tk_test_dec("0.0001"); break;
		case 3: t.next_funding_ts = 0; break;
		case 4: t.size_unit = TK_SIZE_UNIT_CONTRACTS; break;
		}
		tk_nats_msg_id(&t, ib, sizeof(ib));
		ck_assert_msg(strcmp(ia, ib) != 0, "funding field %d", i);
	}
	/* and for trades: side, price, size */
	base = trade("b", "A-B", "");
	tk_nats_msg_id(&base, ia, sizeof(ia));
	t = base;
	t.side = TK_SIDE_SELL;
	tk_nats_msg_id(&t, ib, sizeof(ib));
	ck_assert_str_ne(ia, ib);
	t = base;
	t.size = tk_test_dec("0.013");
	tk_nats_msg_id(&t, ib, sizeof(ib));
	ck_assert_str_ne(ia, ib);
}
END_TEST

/* ---- bodies ---- */

START_TEST(test_nats_body_is_client_json_without_seq)
{
	struct tk_tick t = trade("binance", "BTC-USDT", "12345");
	char body[TK_NATS_BODY_MAX], json[TK_TICK_JSON_MAX];
	int n;

	n = tk_nats_tick_body(&t, body, sizeof(body));
	ck_assert_str_eq(body, "{\"type\":\"trade\",\"exchange\":\"binance\","
	    "\"symbol\":\"BTC-USDT\",\"price\":\"37123.45\",\"size\":\"0.012\","
	    "\"side\":\"buy\",\"trade_id\":\"12345\",\"ts\":1700000000123000,"
	    "\"recv_ts\":1700000000124567}");
	ck_assert_int_eq(n, (int)strlen(body));
	/* the client JSON up to its seq, closed */
	tk_tick_format(&t, 0, json, sizeof(json));
	ck_assert_int_eq(strncmp(body, json, (size_t)n - 1), 0);
	/* a trade id that looks like the seq member stays escaped */
	strcpy(t.trade_id, ",\"seq\":1");
	n = tk_nats_tick_body(&t, body, sizeof(body));
	ck_assert_ptr_nonnull(strstr(body, "\"trade_id\":\",\\\"seq\\\":1\""));
	ck_assert_int_eq(body[n - 1], '}');
	ck_assert_int_eq(tk_nats_tick_body(&t, body, 40), -ENOSPC);
}
END_TEST

static void
assert_decs_equal(const struct tk_dec *a, const struct tk_dec *b)
{
	ck_assert_int_eq(a->valid, b->valid);
	if (!a->valid)
		return;
	ck_assert_int_eq(a->mant, b->mant);
	ck_assert_int_eq(a->scale, b->scale);
}

static void
assert_ticks_equal(const struct tk_tick *a, const struct tk_tick *b)
{
	ck_assert_int_eq(a->type, b->type);
	ck_assert_int_eq(a->side, b->side);
	ck_assert_int_eq(a->size_unit, b->size_unit);
	ck_assert_str_eq(a->exchange, b->exchange);
	ck_assert_str_eq(a->symbol, b->symbol);
	ck_assert_str_eq(a->trade_id, b->trade_id);
	assert_decs_equal(&a->price, &b->price);
	assert_decs_equal(&a->size, &b->size);
	if (a->type == TK_TICK_FUNDING) {
		assert_decs_equal(&a->mark_price, &b->mark_price);
		assert_decs_equal(&a->index_price, &b->index_price);
		assert_decs_equal(&a->rate, &b->rate);
		ck_assert_int_eq(a->next_funding_ts, b->next_funding_ts);
	} else {
		assert_decs_equal(&a->bid, &b->bid);
		assert_decs_equal(&a->bid_size, &b->bid_size);
		assert_decs_equal(&a->ask, &b->ask);
		assert_decs_equal(&a->ask_size, &b->ask_size);
	}
	ck_assert_int_eq(a->ts, b->ts);
	ck_assert_int_eq(a->recv_ts, b->recv_ts);
}

/* What the ingest publishes, the edge gets back: exact decimals too. */
START_TEST(test_nats_body_roundtrip)
{
	struct tk_tick in[7], out;
	struct tk_nats_status st;
	enum tk_nats_kind kind;
	char body[TK_NATS_BODY_MAX], err[128];
	int n, i;

	in[0] = trade("binance", "BTC-USDT", "12345");
	in[1] = tk_test_spec_quote();
	in[2] = trade("coinbase", "ETH-USD", "");
	in[2].side = TK_SIDE_UNKNOWN;
	in[2].price = tk_test_dec("0.000000000000000001");
	in[2].size = tk_test_dec("123456789012345678");
	in[3] = tk_test_spec_quote();
	in[3].bid.valid = 0;	/* one side of the book empty */
	in[3].bid_size.valid = 0;
	strcpy(in[3].exchange, "ex\"q");
	in[4] = funding(1);
	in[5] = funding(0);
	in[6] = tk_test_spec_quote();	/* an inverse contract's sizes */
	in[6].size_unit = TK_SIZE_UNIT_QUOTE;
	for (i = 0; i < 7; i++) {
		n = tk_nats_tick_body(&in[i], body, sizeof(body));
		ck_assert_int_gt(n, 0);
		ck_assert_msg(tk_nats_body_parse(body, (size_t)n, &kind, &out,
		    &st, err, sizeof(err)) == 0, "%s: %s", body, err);
		ck_assert_int_eq(kind, TK_NATS_TICK);
		ck_assert_uint_eq(out.seq, 0);
		assert_ticks_equal(&in[i], &out);
	}
}
END_TEST

/*
 * @body with the first character of its symbol written as a \u escape,
 * which only the JSON path reads (the fast one leaves escapes to it).
 */
static void
escape_symbol(const char *body, char *out, size_t cap)
{
	const char *p = strstr(body, "\"symbol\":\"");
	size_t head;

	ck_assert_ptr_nonnull(p);
	head = (size_t)(p - body) + strlen("\"symbol\":\"");
	ck_assert_int_lt(snprintf(out, cap, "%.*s\\u%04x%s", (int)head, body,
	    (unsigned char)body[head], body + head + 1), (int)cap);
}

/* @body with a space after every ':' and ',' outside strings. */
static void
spaced(const char *body, char *out, size_t cap)
{
	size_t j = 0;
	int in_str = 0;

	for (; *body != '\0' && j + 2 < cap; body++) {
		out[j++] = *body;
		if (*body == '"' && body[-1] != '\\')
			in_str = !in_str;
		if (!in_str && (*body == ':' || *body == ','))
			out[j++] = ' ';
	}
	out[j] = '\0';
}

static void
parse_ok(const char *body, struct tk_tick *t)
{
	struct tk_nats_status st;
	enum tk_nats_kind kind;
	char err[128] = "";

	ck_assert_msg(tk_nats_body_parse(body, strlen(body), &kind, t, &st,
	    err, sizeof(err)) == 0, "%s: %s", body, err);
	ck_assert_int_eq(kind, TK_NATS_TICK);
}

/*
 * The fast path (plain bodies, as the ingest writes them) and the JSON
 * path (the same body with an escape, which only it reads) give the same
 * tick, field by field, for every type and optional field.
 */
START_TEST(test_nats_body_fast_and_json_paths_agree)
{
	struct tk_tick in[9], fast, slow, spc;
	char body[TK_NATS_BODY_MAX], esc[TK_NATS_BODY_MAX + 8];
	char sp[TK_NATS_BODY_MAX * 2];
	int i;

	in[0] = trade("binance", "BTC-USDT", "12345");
	in[1] = trade("coinbase", "ETH-USD", "");	/* trade_id null */
	in[1].side = TK_SIDE_SELL;
	in[1].ts = -5;
	in[2] = trade("kraken", "XBT-EUR", "x-1");
	in[2].side = TK_SIDE_UNKNOWN;
	in[2].size_unit = TK_SIZE_UNIT_CONTRACTS;
	in[3] = tk_test_spec_quote();
	in[4] = tk_test_spec_quote();
	in[4].ask.valid = 0;
	in[4].ask_size.valid = 0;
	in[4].size_unit = TK_SIZE_UNIT_QUOTE;
	in[5] = funding(1);
	in[6] = funding(0);
	in[7] = trade("okx", "BTC-USDT-PERP", "999999999999999999999");
	in[7].price = tk_test_dec("0.000000000000000001");
	in[8] = trade("b", "A-B", "1");
	in[8].recv_ts = 999999999999999999;
	for (i = 0; i < 9; i++) {
		ck_assert_int_gt(tk_nats_tick_body(&in[i], body, sizeof(body)),
		    0);
		escape_symbol(body, esc, sizeof(esc));
		spaced(body, sp, sizeof(sp));
		parse_ok(body, &fast);
		parse_ok(esc, &slow);
		parse_ok(sp, &spc);
		assert_ticks_equal(&in[i], &fast);
		assert_ticks_equal(&slow, &fast);
		assert_ticks_equal(&spc, &fast);
	}
}
END_TEST

START_TEST(test_nats_status_roundtrip)
{
	struct tk_nats_status st;
	struct tk_tick t;
	enum tk_nats_kind kind;
	char body[TK_NATS_BODY_MAX], detail[400];
	int n;

	n = tk_status_format("binance", TK_STATE_RECONNECTING,
	    "closed: \"1006\"\n", body, sizeof(body));
	ck_assert_int_eq(tk_nats_body_parse(body, (size_t)n, &kind, &t, &st,
	    NULL, 0), 0);
	ck_assert_int_eq(kind, TK_NATS_STATUS);
	ck_assert_str_eq(st.exchange, "binance");
	ck_assert_int_eq(st.state, TK_STATE_RECONNECTING);
	ck_assert_str_eq(st.detail, "closed: \"1006\"\n");
	/* a long detail is cut, not refused */
	memset(detail, 'd', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	n = tk_status_format("b", TK_STATE_DOWN, detail, body, sizeof(body));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tk_nats_body_parse(body, (size_t)n, &kind, &t, &st,
	    NULL, 0), 0);
	ck_assert_uint_eq(strlen(st.detail), TK_STATUS_DETAIL_MAX - 1);
}
END_TEST

/* Bodies an edge must refuse (and say why), and ones it tolerates. */
static const struct {
	const char	*body;
	int		 ok;
	const char	*err;
} bodies[] = {
	{ "", 0, "not JSON" },
	{ "[1]", 0, "no \"type\"" },
	{ "{'type':'bbq'}", 0, "unknown type" },
	{ "{'type':'trade','symbol':'A-B','ts':1,'recv_ts':2}", 0,
	    "\"exchange\" is not a string" },
	{ "{'type':'trade','exchange':'','symbol':'A-B','ts':1,'recv_ts':2}",
	    0, "\"exchange\" is empty" },
	{ "{'type':'trade','exchange':'e','symbol':'A-B','ts':1.5,"
	    "'recv_ts':2}", 0, "\"ts\" is not an integer" },
	{ "{'type':'trade','exchange':'e','symbol':'A-B','ts':1,'recv_ts':2,"
	    "'price':1.5}", 0, "\"price\" is not a decimal string" },
	{ "{'type':'trade','exchange':'e','symbol':'A-B','ts':1,'recv_ts':2,"
	    "'price':'1e999'}", 0, "\"price\" is not a decimal string" },
	{ "{'type':'trade','exchange':'e','symbol':'" "0123456789012345"
	    "0123456789012345','ts':1,'recv_ts':2}", 0,
	    "\"symbol\" is too long or holds a NUL" },
	{ "{'type':'trade','exchange':'e','exchange':'f','symbol':'A-B',"
	    "'ts':1,'recv_ts':2}", 0, "not JSON" },
	{ "{'type':'status','exchange':'e','state':'asleep'}", 0,
	    "\"state\" is not a known state" },
	{ "{'type':'bbo','symbol':'A-B','ts':1}", 0,
	    "a bbo is not published" },
	{ "{'type':'quote','exchange':'e','symbol':'A-B','ts':1,'recv_ts':2,"
	    "'size_unit':'lots'}", 0, "\"size_unit\" is not a known unit" },
	{ "{'type':'funding','exchange':'e','symbol':'A-B','ts':1,"
	    "'recv_ts':2,'rate':'x'}", 0, "\"rate\" is not a decimal string" },
	{ "{'type':'funding','exchange':'e','symbol':'A-B','ts':1,"
	    "'recv_ts':2,'next_funding_ts':'soon'}", 0,
	    "\"next_funding_ts\" is not an integer" },
	/* unknown keys from a newer ingest are ignored */
	{ "{'type':'trade','exchange':'e','symbol':'A-B','price':'1',"
	    "'size':'2','side':'sell','trade_id':null,'ts':1,'recv_ts':2,"
	    "'size_unit':'quote'}", 1, "" },
	{ "{'type':'status','exchange':'e','state':'down'}", 1, "" },
};

START_TEST(test_nats_body_parse_table)
{
	struct tk_nats_status st;
	struct tk_tick t;
	enum tk_nats_kind kind;
	char body[256], err[128] = "", *p;
	int r;

	snprintf(body, sizeof(body), "%s", bodies[_i].body);
	for (p = body; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	r = tk_nats_body_parse(body, strlen(body), &kind, &t, &st, err,
	    sizeof(err));
	ck_assert_int_eq(r, bodies[_i].ok ? 0 : -EINVAL);
	ck_assert_msg(strncmp(err, bodies[_i].err, strlen(bodies[_i].err))
	    == 0, "%s: %s", body, err);
}
END_TEST

/* ---- JetStream metadata ---- */

START_TEST(test_nats_ack_parse)
{
	struct tk_nats_ack ack;

	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.TICKS.c1.1.42.7."
	    "1700000000000000001.5", &ack), 0);
	ck_assert_uint_eq(ack.sseq, 42);
	ck_assert_uint_eq(ack.pending, 5);
	ck_assert_int_eq(ack.stamp, INT64_C(1700000000000000001));
	/* with domain and account hash (and the random token) */
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.hub.ACCHASH.TICKS.c1.1."
	    "18446744073709551615.7.1700000000000000000.0.tok", &ack), 0);
	ck_assert_uint_eq(ack.sseq, UINT64_MAX);
	ck_assert_uint_eq(ack.pending, 0);
	ck_assert_int_eq(ack.stamp, INT64_C(1700000000000000000));
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.hub.ACCHASH.TICKS.c1.1.9."
	    "7.17.3", &ack), 0);
	ck_assert_uint_eq(ack.sseq, 9);
	ck_assert_uint_eq(ack.pending, 3);
	ck_assert_int_eq(ack.stamp, 17);
	ck_assert_int_eq(tk_nats_ack_parse(NULL, &ack), -EINVAL);
	ck_assert_int_eq(tk_nats_ack_parse("_INBOX.abc", &ack), -EINVAL);
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.TICKS.c1.1.x.7.1.5",
	    &ack), -EINVAL);
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.TICKS.c1.1.42.7.1",
	    &ack), -EINVAL);
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.TICKS.c1.1.99999999999"
	    "999999999999.7.1.5", &ack), -EINVAL);
	/* a time that does not fit, and one that is not a number */
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.TICKS.c1.1.42.7."
	    "9223372036854775808.5", &ack), -EINVAL);
	ck_assert_int_eq(tk_nats_ack_parse("$JS.ACK.TICKS.c1.1.42.7.t.5",
	    &ack), -EINVAL);
}
END_TEST

START_TEST(test_nats_validators)
{
	ck_assert(tk_nats_subject_valid("ticks"));
	ck_assert(tk_nats_subject_valid("md.ticks_v2"));
	ck_assert(!tk_nats_subject_valid(""));
	ck_assert(!tk_nats_subject_valid("ticks."));
	ck_assert(!tk_nats_subject_valid(".ticks"));
	ck_assert(!tk_nats_subject_valid("a..b"));
	ck_assert(!tk_nats_subject_valid("ticks.>"));
	ck_assert(!tk_nats_subject_valid("ti*cks"));
	ck_assert(!tk_nats_subject_valid("tic ks"));
	ck_assert(tk_nats_stream_valid("TICKS"));
	ck_assert(tk_nats_stream_valid("ticks_v2-a"));
	ck_assert(!tk_nats_stream_valid(""));
	ck_assert(!tk_nats_stream_valid("TI.CKS"));
	ck_assert(!tk_nats_stream_valid("TI CKS"));
	ck_assert(!tk_nats_stream_valid("a/b"));
	ck_assert(!tk_nats_stream_valid("0123456789012345678901234567890x"));
	ck_assert(tk_nats_url_valid("nats://127.0.0.1:4222"));
	ck_assert(tk_nats_url_valid("nats://nats.example.com"));
	ck_assert(tk_nats_url_valid("nats://[::1]:4222"));
	ck_assert(!tk_nats_url_valid("tls://127.0.0.1:4222"));
	ck_assert(!tk_nats_url_valid("nats://"));
	ck_assert(!tk_nats_url_valid("nats://user:pw@host:4222"));
	ck_assert(!tk_nats_url_valid("nats://host:0"));
	ck_assert(!tk_nats_url_valid("nats://host:65536"));
	ck_assert(!tk_nats_url_valid("nats://host:42a"));
	ck_assert(!tk_nats_url_valid("nats://host:4222/path"));
}
END_TEST

START_TEST(test_nats_strv_dup)
{
	const char *in[] = { "nats://a:1", "", "nats://bb:2" };
	char **out = tk_nats_strv_dup(in, 3);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out[0], "nats://a:1");
	ck_assert_str_eq(out[1], "");
	ck_assert_str_eq(out[2], "nats://bb:2");
	ck_assert_ptr_null(out[3]);
	ck_assert_ptr_ne(out[0], in[0]);
	free(out);		/* one allocation */
	out = tk_nats_strv_dup(in, 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_null(out[0]);
	free(out);
}
END_TEST

static Suite *
nats_suite(void)
{
	Suite *s = suite_create("nats");
	TCase *tc = tcase_create("nats");

	tcase_add_loop_test(tc, test_nats_token, 0,
	    sizeof(tokens) / sizeof(tokens[0]));
	tcase_add_test(tc, test_nats_token_limits);
	tcase_add_test(tc, test_nats_subjects);
	tcase_add_test(tc, test_nats_msg_id_trade);
	tcase_add_test(tc, test_nats_msg_id_same_message_two_hosts);
	tcase_add_test(tc, test_nats_msg_id_fields_matter);
	tcase_add_test(tc, test_nats_body_is_client_json_without_seq);
	tcase_add_test(tc, test_nats_body_roundtrip);
	tcase_add_test(tc, test_nats_body_fast_and_json_paths_agree);
	tcase_add_test(tc, test_nats_status_roundtrip);
	tcase_add_loop_test(tc, test_nats_body_parse_table, 0,
	    sizeof(bodies) / sizeof(bodies[0]));
	tcase_add_test(tc, test_nats_ack_parse);
	tcase_add_test(tc, test_nats_validators);
	tcase_add_test(tc, test_nats_strv_dup);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nats_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
