/* SPDX-License-Identifier: MIT */
/*
 * OKX v5 public market data: subscribe messages and frame parsing
 * (tests/fixtures/okx/PROVENANCE.md has the protocol notes).
 *
 * Trades come from the "trades" channel, quotes from "tickers".  Every
 * number, the time included, is a JSON string, and an empty string means
 * "no value" (an option nobody bids for has "bidPx":""): such a side is
 * sent on as null, never as a zero price.  The keep-alive is the bare text
 * "ping", answered by the bare text "pong", the one frame that is not JSON.
 *
 * Perpetual swaps (BTC-USDT-PERP is OKX's BTC-USDT-SWAP) count sizes in
 * contracts.  Each contract's value (ctVal, in ctValCcy) comes from the
 * public instruments list, asked for before every connect when a swap is
 * configured (rest_request()); sizes are contracts x ctVal exactly, in
 * the base currency (linear swaps) or the quote currency (inverse ones,
 * "size_unit":"quote").  Without that list (a replay) they stay contracts.
 * Funding comes from two channels of each swap, "funding-rate" and
 * "mark-price": the connection keeps the latest of each per symbol, and
 * a funding tick goes out once both are known, on every update.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "exchange.h"

/*
 * OKX's older docs cap a request at 4096 bytes (newer ones at 64 KB of
 * args).  The lower cap costs a few more messages at most, and the hourly
 * budget of 480 subscribe requests per connection is far away either way.
 */
#define SUB_MAX_BYTES	4096	/* every message is shorter than this */

#define SUB_HEAD	"{\"op\":\"subscribe\",\"args\":["
#define SUB_TAIL	"]}"
#define ARG_HEAD	"{\"channel\":\""
#define ARG_MID		"\",\"instId\":\""
#define ARG_TAIL	"\"}"

#define SWAP_SUFFIX	"-SWAP"
#define INSTRUMENTS	"/api/v5/public/instruments?instType=SWAP"

/* Sent ~30 s before a disconnect for a service upgrade. */
#define NOTICE_UPGRADE	"64008"

/*
 * An arg is {"channel":"trades","instId":"BTC-USDT"}; symbols are
 * [A-Z0-9-] (tk_symbol_valid), so nothing needs escaping.
 */
struct cursor {
	size_t		 k;	/* symbol */
	unsigned	 c;	/* its channel */
};

typedef void item_fn(struct tk__frame *, json_t *item, json_t *arg);

/* One configured symbol's contract, from the instruments list. */
struct contract {
	struct tk_dec		 value;		/* ctVal x ctMult */
	enum tk_size_unit	 unit;		/* of value: base or quote */
	bool			 known;
};

/* The connection's funding state: the latest of both channels. */
struct funding {
	struct tk_dec	 mark, rate;
	int64_t		 next_us;	/* fundingTime, or 0 */
	bool		 have_mark, have_rate;
};

/* rest_parse()'s data: a contract per symbol of the map, in map order. */
struct okx_rest {
	size_t		 n;
	struct contract	 ct[];
};

static int	 okx_native_symbol(const char *unified, char *buf, size_t cap);
static int	 okx_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 okx_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);
static int	 okx_rest_request(const struct tk_symmap *, unsigned types,
		    unsigned i, struct tk_rest_request *);
static size_t	 okx_rest_size(const struct tk_symmap *);
static int	 okx_rest_parse(const struct tk_symmap *, unsigned i,
		    const char *body, size_t len, void *data,
		    struct tk_rest_connect *, char *err, size_t errlen);


static int	 is_text(const char *frame, size_t len, const char *word);
static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_event(struct tk__frame *, json_t *o, json_t *ev);
static void	 parse_error(struct tk__frame *, json_t *o, const char *ev);
static void	 parse_push(struct tk__frame *, json_t *o);
static void	 parse_trade(struct tk__frame *, json_t *item, json_t *arg);
static void	 parse_ticker(struct tk__frame *, json_t *item, json_t *arg);
static void	 parse_bbo(struct tk__frame *, json_t *item, json_t *arg);
static void	 parse_funding(struct tk__frame *, json_t *item, json_t *arg);
static void	 parse_mark(struct tk__frame *, json_t *item, json_t *arg);
static struct funding *funding_of(struct tk__frame *, json_t *sym);
static void	 emit_funding(struct tk__frame *, json_t *sym,
		    const struct funding *, int64_t ts);
static size_t	 okx_state_size(const struct tk_symmap *);
static const char *chan_at(const char *native, unsigned types,
		    unsigned c);
static bool	 next_arg(const struct tk_symmap *, unsigned types,
		    struct cursor *, const char **chan, const char **native);
static size_t	 arg_len(const char *chan, const char *native);
static int	 get_level(struct tk__frame *, json_t *item, const char *key,
		    struct tk_dec *px, struct tk_dec *sz);
static int	 to_base(struct tk__frame *, const char *ev, json_t *sym,
		    struct tk_tick *t, struct tk_dec *sz[], size_t n);
static bool	 is_swap(const char *native, size_t len);
static int	 read_contract(const struct tk_symmap *, json_t *item,
		    struct okx_rest *, char *err, size_t errlen);
static int	 get_inst(struct tk__frame *, json_t *o, const char *ev,
		    json_t *arg, json_t **out);
static int	 get_text(struct tk__frame *, json_t *o, const char *ev,
		    const char *key, const char **out);

const struct tk_adapter tk__adapter_okx = {
	.name = "okx",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.okx.com:8443/ws/v5/public",
	.types = TK_TYPES_FEED,
	.native_symbol = okx_native_symbol,
	.subscribe = okx_subscribe,
	.parse = okx_parse,
	/* The server drops a connection after 30 s without traffic. */
	.ping_message = "ping",
	.ping_interval_s = 20,
	.max_connection_s = 0,
	.state_size = okx_state_size,
	.default_rest_url = "https://www.okx.com",
	.rest_request = okx_rest_request,
	.rest_size = okx_rest_size,
	.rest_parse = okx_rest_parse,
};

/*
 * Spot instIds are already BASE-QUOTE ("BTC-USDT"); perpetual swaps are
 * BASE-QUOTE-SWAP.
 */
static int
okx_native_symbol(const char *unified, char *buf, size_t cap)
{
	size_t k = sizeof(SWAP_SUFFIX) - 1;
	int r;

	if (tk_symbol_market(unified) != TK_MARKET_PERP)
		return tk__symbol_native(unified, '-', false, buf, cap);
	/* BASE-QUOTE, then -SWAP where -PERP was */
	if (cap <= k)
		return -ENAMETOOLONG;
	r = tk__symbol_native_perp(unified, '-', false, buf, cap - k);
	if (r < 0)
		return r;
	memcpy(buf + r, SWAP_SUFFIX, sizeof(SWAP_SUFFIX));
	return r + (int)k;
}

static bool
is_swap(const char *native, size_t len)
{
	size_t k = sizeof(SWAP_SUFFIX) - 1;

	return len > k && memcmp(native + len - k, SWAP_SUFFIX, k) == 0;
}

/* The swap instruments list, once, when a swap is configured. */
static int
okx_rest_request(const struct tk_symmap *map, unsigned types, unsigned i,
    struct tk_rest_request *req)
{
	size_t k, n = tk_symmap_count(map);
	const char *native;

	(void)types;
	if (i > 0)
		return 0;
	for (k = 0; k < n; k++) {
		native = tk_symmap_native_at(map, k);
		if (is_swap(native, strlen(native)))
			break;
	}
	if (k == n)
		return 0;
	memset(req, 0, sizeof(*req));
	req->method = "GET";
	memcpy(req->path, INSTRUMENTS, sizeof(INSTRUMENTS));
	return 1;
}

static size_t
okx_rest_size(const struct tk_symmap *map)
{
	return sizeof(struct okx_rest) +
	    tk_symmap_count(map) * sizeof(struct contract);
}

/*
 * {"code":"0","msg":"","data":[{"instId":"BTC-USDT-SWAP","ctVal":"0.01",
 * "ctMult":"1","ctValCcy":"BTC",...},...]}: the contracts of the symbols
 * we have.  A configured swap missing from the list keeps its sizes in
 * contracts rather than stop the whole exchange.
 */
static int
okx_rest_parse(const struct tk_symmap *map, unsigned i, const char *body,
    size_t len, void *data, struct tk_rest_connect *conn, char *err,
    size_t errlen)
{
	struct okx_rest *rest = data;
	json_t *root, *code, *items, *item;
	json_error_t jerr;
	size_t k;
	int r = 0;

	(void)i;
	(void)conn;
	rest->n = tk_symmap_count(map);
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		snprintf(err, errlen, "instruments: not a JSON object: %s",
		    root == NULL ? jerr.text : "other JSON");
		json_decref(root);
		return -EINVAL;
	}
	code = json_object_get(root, "code");
	items = json_object_get(root, "data");
	if (!json_is_string(code) || strcmp(json_string_value(code), "0") != 0) {
		snprintf(err, errlen, "instruments: code %.16s: %.80s",
		    json_is_string(code) ? json_string_value(code) : "?",
		    json_is_string(json_object_get(root, "msg")) ?
		    json_string_value(json_object_get(root, "msg")) : "");
		r = -EPROTO;
	} else if (!json_is_array(items)) {
		snprintf(err, errlen, "instruments: \"data\" is not an "
		    "array");
		r = -EINVAL;
	}
	json_array_foreach(items, k, item) {
		if (r < 0)
			break;
		r = read_contract(map, item, rest, err, errlen);
	}
	json_decref(root);
	return r;
}

/*
 * One instrument: its contract value in the base currency or the quote
 * currency of our symbol; any other currency says nothing we can use.
 */
static int
read_contract(const struct tk_symmap *map, json_t *item,
    struct okx_rest *rest, char *err, size_t errlen)
{
	json_t *id = json_object_get(item, "instId");
	json_t *val = json_object_get(item, "ctVal");
	json_t *mult = json_object_get(item, "ctMult");
	json_t *ccy = json_object_get(item, "ctValCcy");
	struct tk_dec v, m;
	const char *unified, *dash;
	struct contract *ct;
	size_t blen;
	long idx;

	if (!json_is_string(id))
		return 0;
	idx = tk_symmap_index(map, json_string_value(id),
	    json_string_length(id));
	if (idx < 0 || (size_t)idx >= rest->n)
		return 0;
	if (!json_is_string(val) || !json_is_string(ccy) ||
	    tk_dec_parse(json_string_value(val), json_string_length(val),
	    &v) < 0 || v.mant <= 0) {
		snprintf(err, errlen, "instruments: %s: bad ctVal or ctValCcy",
		    json_string_value(id));
		return -EINVAL;
	}
	if (json_is_string(mult) && json_string_length(mult) > 0) {
		if (tk_dec_parse(json_string_value(mult),
		    json_string_length(mult), &m) < 0 || m.mant <= 0 ||
		    tk_dec_mul(&v, &m, &v) < 0) {
			snprintf(err, errlen, "instruments: %s: bad ctMult",
			    json_string_value(id));
			return -EINVAL;
		}
	}
	ct = &rest->ct[idx];
	unified = tk_symmap_unified_at(map, (size_t)idx);
	dash = strchr(unified, '-');
	blen = (size_t)(dash - unified);
	ct->known = true;
	ct->value = v;
	if (json_string_length(ccy) == blen &&
	    memcmp(json_string_value(ccy), unified, blen) == 0)
		ct->unit = TK_SIZE_UNIT_BASE;
	else if (strncmp(json_string_value(ccy), dash + 1,
	    strcspn(dash + 1, "-")) == 0 && json_string_length(ccy) ==
	    strcspn(dash + 1, "-"))
		ct->unit = TK_SIZE_UNIT_QUOTE;
	else
		ct->known = false;
	return 0;
}

/*
 * Message @i carries the @i-th greedy chunk of the arg list: per symbol
 * in map order, trades, the quote channel (tickers for spot, bbo-tbt,
 * tick by tick, for swaps) and, with funding wanted, a swap's
 * funding-rate and mark-price (spot has neither).  Every message is
 * shorter than SUB_MAX_BYTES except that one arg always fits.  OKX
 * requests carry no id: acks echo the arg instead.
 */
static int
okx_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct cursor cur = { 0, 0 }, start, save;
	const char *chan, *native;
	struct tk__out o;
	size_t len, n, j;
	unsigned m;

	for (m = 0;; m++) {
		start = cur;
		len = strlen(SUB_HEAD) + strlen(SUB_TAIL);
		for (n = 0;; n++) {
			save = cur;
			if (!next_arg(map, types, &cur, &chan, &native))
				break;
			if (n > 0 && len + 1 + arg_len(chan, native) >=
			    SUB_MAX_BYTES) {
				cur = save;
				break;
			}
			len += (n > 0) + arg_len(chan, native);
		}
		if (n == 0)
			return 0;
		if (m == i)
			break;
	}
	if (len + 1 > cap)
		return -ENOSPC;
	o = (struct tk__out){ buf, cap, 0 };
	tk__out_str(&o, SUB_HEAD);
	for (j = 0; j < n && next_arg(map, types, &start, &chan, &native);
	    j++) {
		if (j > 0)
			tk__out_put(&o, ",", 1);
		tk__out_str(&o, ARG_HEAD);
		tk__out_str(&o, chan);
		tk__out_str(&o, ARG_MID);
		tk__out_str(&o, native);
		tk__out_str(&o, ARG_TAIL);
	}
	tk__out_str(&o, SUB_TAIL);
	buf[o.len] = '\0';
	return (int)o.len;
}

/* Channel @c of symbol @native for @types, in order; NULL past the last. */
static const char *
chan_at(const char *native, unsigned types, unsigned c)
{
	bool swap = is_swap(native, strlen(native));
	const char *list[4];
	unsigned n = 0;

	if (types & TK_TYPE_BIT(TK_TICK_TRADE))
		list[n++] = "trades";
	if (types & TK_TYPE_BIT(TK_TICK_QUOTE))
		list[n++] = swap ? "bbo-tbt" : "tickers";
	if (swap && (types & TK_TYPE_BIT(TK_TICK_FUNDING))) {
		list[n++] = "funding-rate";
		list[n++] = "mark-price";
	}
	return c < n ? list[c] : NULL;
}

/* The arg at @cur, which moves past it; false after the last. */
static bool
next_arg(const struct tk_symmap *map, unsigned types, struct cursor *cur,
    const char **chan, const char **native)
{
	size_t n = tk_symmap_count(map);

	for (; cur->k < n; cur->k++, cur->c = 0) {
		*native = tk_symmap_native_at(map, cur->k);
		*chan = chan_at(*native, types, cur->c);
		if (*chan != NULL) {
			cur->c++;
			return true;
		}
	}
	return false;
}

static size_t
arg_len(const char *chan, const char *native)
{
	return strlen(ARG_HEAD) + strlen(chan) + strlen(ARG_MID) +
	    strlen(native) + strlen(ARG_TAIL);
}

static size_t
okx_state_size(const struct tk_symmap *map)
{
	return (tk_symmap_count(map) > 0 ? tk_symmap_count(map) : 1) *
	    sizeof(struct funding);
}

static void
okx_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	/* The keep-alive reply; "ping" is our own request, harmless if
	 * echoed back by a proxy or a test server. */
	if (frame != NULL && (is_text(frame, len, "pong") ||
	    is_text(frame, len, "ping"))) {
		memset(res, 0, sizeof(*res));
		res->kind = TK_FRAME_CONTROL;
		return;
	}
	tk__frame_parse(ctx, frame, len, res, 0, parse_object);
}

static int
is_text(const char *frame, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(frame, word, len) == 0;
}

/* Replies carry "event"; pushes carry "arg" and "data". */
static void
parse_object(struct tk__frame *f, json_t *o)
{
	json_t *ev = json_object_get(o, "event");

	if (ev != NULL) {
		parse_event(f, o, ev);
	} else if (json_object_get(o, "arg") != NULL &&
	    json_object_get(o, "data") != NULL) {
		parse_push(f, o);
	} else if (json_is_string(json_object_get(o, "op"))) {
		/* A request shape: nothing the server should send, harmless. */
		tk__frame_classify(f, TK_FRAME_CONTROL);
	} else {
		tk__frame_set(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
		    "\"event\", \"arg\"/\"data\" or \"op\"");
	}
}

/*
 * "error" is a refused request, "notice" 64008 an upgrade that will cut
 * the connection soon.  Everything else (subscribe and unsubscribe acks,
 * login, channel-conn-count) is bookkeeping, as are notices we do not
 * know, whose text is kept for the log.
 */
static void
parse_event(struct tk__frame *f, json_t *o, json_t *ev)
{
	const char *name = json_string_value(ev);

	if (name == NULL)
		tk__frame_fail(f, "event", "event", "is not a string");
	else if (strcmp(name, "error") == 0 || strcmp(name, "notice") == 0)
		parse_error(f, o, name);
	else
		tk__frame_classify(f, TK_FRAME_CONTROL);
}

/* {"event":"error","code":"60012","msg":"..."}; code is a string. */
static void
parse_error(struct tk__frame *f, json_t *o, const char *ev)
{
	json_t *code = json_object_get(o, "code");
	const char *msg;
	char text[24];
	enum tk_frame_kind kind;

	if (json_is_string(code)) {
		snprintf(text, sizeof(text), "%s", json_string_value(code));
	} else if (json_is_integer(code)) {
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(code));
	} else {
		tk__frame_fail(f, ev, "code", code == NULL ? "is missing" :
		    "is not a string");
		return;
	}
	if (get_text(f, o, ev, "msg", &msg) < 0)
		return;
	if (strcmp(ev, "error") == 0)
		kind = TK_FRAME_EXCHANGE_ERROR;
	else if (strcmp(text, NOTICE_UPGRADE) == 0)
		kind = TK_FRAME_RECONNECT;
	else
		kind = TK_FRAME_CONTROL;
	tk__frame_set(f, kind, "code %s: %s", text, msg);
}

/*
 * {"arg":{"channel":..,"instId":..},"data":[...]}.  A bad element does
 * not cost the good ones around it: they are emitted, and the frame is
 * reported MALFORMED with the first problem.
 */
static void
parse_push(struct tk__frame *f, json_t *o)
{
	json_t *arg = json_object_get(o, "arg"), *data, *item;
	const char *chan;
	item_fn *fn;
	size_t i;

	if (!json_is_object(arg)) {
		tk__frame_fail(f, "push", "arg", "is not an object");
		return;
	}
	if (get_text(f, arg, "push", "channel", &chan) < 0)
		return;
	data = json_object_get(o, "data");
	if (!json_is_array(data)) {
		tk__frame_fail(f, chan, "data", "is not an array");
		return;
	}
	if (strcmp(chan, "trades") == 0) {
		fn = parse_trade;
	} else if (strcmp(chan, "tickers") == 0) {
		fn = parse_ticker;
	} else if (strcmp(chan, "bbo-tbt") == 0) {
		fn = parse_bbo;
	} else if (strcmp(chan, "funding-rate") == 0) {
		fn = parse_funding;
	} else if (strcmp(chan, "mark-price") == 0) {
		fn = parse_mark;
	} else {
		/* books, candles...: data we did not ask for. */
		tk__frame_classify(f, TK_FRAME_DATA);
		return;
	}
	json_array_foreach(data, i, item) {
		if (json_is_object(item))
			fn(f, item, arg);
		else
			tk__frame_set(f, TK_FRAME_MALFORMED, "%s: data[%zu] is not "
			    "an object", chan, i);
	}
}

/* "side" is the taker's side already; "ts" is the trade time. */
static void
parse_trade(struct tk__frame *f, json_t *item, json_t *arg)
{
	static const char ev[] = "trades";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_inst(f, item, ev, arg, &sym) < 0 ||
	    tk__json_dec(f, item, ev, "px", 0, &t.price) < 0 ||
	    tk__json_dec(f, item, ev, "sz", 0, &t.size) < 0 ||
	    tk__json_id_str(f, item, ev, "tradeId", t.trade_id) < 0 ||
	    tk__json_side(f, item, ev, "side", "buy", "sell", false,
	    &t.side) < 0 ||
	    tk__json_ms(f, item, ev, "ts", TK__MS_TEXT | TK__MS_REQUIRED,
	    &t.ts) < 0 ||
	    to_base(f, ev, sym, &t, (struct tk_dec *[]){ &t.size }, 1) < 0)
		return;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * Best bid and ask of the ticker.  "" is "no value": that side is null.
 * A size without its price says nothing, so it is dropped with it.
 */
static void
parse_ticker(struct tk__frame *f, json_t *item, json_t *arg)
{
	static const char ev[] = "tickers";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_inst(f, item, ev, arg, &sym) < 0 ||
	    tk__json_dec(f, item, ev, "bidPx", TK__DEC_EMPTY_OK, &t.bid) < 0 ||
	    tk__json_dec(f, item, ev, "bidSz", TK__DEC_EMPTY_OK,
	    &t.bid_size) < 0 ||
	    tk__json_dec(f, item, ev, "askPx", TK__DEC_EMPTY_OK, &t.ask) < 0 ||
	    tk__json_dec(f, item, ev, "askSz", TK__DEC_EMPTY_OK,
	    &t.ask_size) < 0 ||
	    tk__json_ms(f, item, ev, "ts", TK__MS_TEXT | TK__MS_REQUIRED,
	    &t.ts) < 0)
		return;
	if (!t.bid.valid)
		t.bid_size.valid = 0;
	if (!t.ask.valid)
		t.ask_size.valid = 0;
	if (to_base(f, ev, sym, &t, (struct tk_dec *[]){ &t.bid_size,
	    &t.ask_size }, 2) < 0)
		return;
	/* Futures and options never map: their instIds are not configured;
	 * a quote with neither a bid nor an ask would say nothing. */
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
}

/*
 * bbo-tbt: "asks" and "bids" hold one level each, [px, sz, "0", orders];
 * the instId is only in "arg".  An empty side is null.
 */
static void
parse_bbo(struct tk__frame *f, json_t *item, json_t *arg)
{
	static const char ev[] = "bbo-tbt";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_inst(f, item, ev, arg, &sym) < 0 ||
	    get_level(f, item, "bids", &t.bid, &t.bid_size) < 0 ||
	    get_level(f, item, "asks", &t.ask, &t.ask_size) < 0 ||
	    tk__json_ms(f, item, ev, "ts", TK__MS_TEXT | TK__MS_REQUIRED,
	    &t.ts) < 0 ||
	    to_base(f, ev, sym, &t, (struct tk_dec *[]){ &t.bid_size,
	    &t.ask_size }, 2) < 0)
		return;
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
}

/*
 * {"fundingRate":"0.0001","fundingTime":"1646323200000","instId":..}:
 * the rate of the period that settles at fundingTime (the next funding).
 * "ts", where sent, is the event time.
 */
static void
parse_funding(struct tk__frame *f, json_t *item, json_t *arg)
{
	static const char ev[] = "funding-rate";
	struct funding *fu;
	struct tk_dec rate;
	int64_t next = 0, ts = f->ctx->recv_ts;
	json_t *sym;

	if (get_inst(f, item, ev, arg, &sym) < 0 ||
	    tk__json_dec(f, item, ev, "fundingRate", TK__DEC_SIGNED,
	    &rate) < 0 ||
	    tk__json_ms(f, item, ev, "fundingTime", TK__MS_TEXT, &next) < 0 ||
	    tk__json_ms(f, item, ev, "ts", TK__MS_TEXT, &ts) < 0)
		return;
	if ((fu = funding_of(f, sym)) == NULL)
		return;
	fu->rate = rate;
	fu->next_us = next;
	fu->have_rate = true;
	emit_funding(f, sym, fu, ts);
}

/* {"instId":..,"markPx":"42310.6","ts":"1630049139746"} */
static void
parse_mark(struct tk__frame *f, json_t *item, json_t *arg)
{
	static const char ev[] = "mark-price";
	struct funding *fu;
	struct tk_dec mark;
	int64_t ts;
	json_t *sym;

	if (get_inst(f, item, ev, arg, &sym) < 0 ||
	    tk__json_dec(f, item, ev, "markPx", 0, &mark) < 0 ||
	    tk__json_ms(f, item, ev, "ts", TK__MS_TEXT | TK__MS_REQUIRED,
	    &ts) < 0)
		return;
	if ((fu = funding_of(f, sym)) == NULL)
		return;
	fu->mark = mark;
	fu->have_mark = true;
	emit_funding(f, sym, fu, ts);
}

/*
 * The symbol's funding state, or NULL: not ours (counted as unknown), or
 * no state to keep (a replay), when only frames that state everything
 * may publish, and neither channel does.
 */
static struct funding *
funding_of(struct tk__frame *f, json_t *sym)
{
	long idx = tk_symmap_index(f->ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	struct tk_tick t;

	if (idx < 0) {
		memset(&t, 0, sizeof(t));
		t.type = TK_TICK_FUNDING;
		tk__emit_json(f, &t, sym, TK__EMIT_QUIET);
		return NULL;
	}
	if (f->ctx->state == NULL)
		return NULL;
	return &((struct funding *)f->ctx->state)[idx];
}

/* Once both halves are known: mark price and rate, on every update. */
static void
emit_funding(struct tk__frame *f, json_t *sym, const struct funding *fu,
    int64_t ts)
{
	struct tk_tick t;

	if (!fu->have_mark || !fu->have_rate)
		return;
	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_FUNDING;
	t.mark_price = fu->mark;
	t.rate = fu->rate;
	t.next_funding_ts = fu->next_us;
	t.ts = ts;
	tk__emit_json(f, &t, sym, 0);
}

/* The first level of side @key: price and size, or none if empty. */
static int
get_level(struct tk__frame *f, json_t *item, const char *key,
    struct tk_dec *px, struct tk_dec *sz)
{
	static const char ev[] = "bbo-tbt";
	json_t *side = json_object_get(item, key), *lvl;

	if (!json_is_array(side))
		return tk__frame_fail(f, ev, key, "is not an array");
	if (json_array_size(side) == 0)
		return 0;
	lvl = json_array_get(side, 0);
	if (!json_is_array(lvl) || json_array_size(lvl) < 2)
		return tk__frame_fail(f, ev, key, "is not [px, sz, ...]");
	if (tk__json_dec_value(f, json_array_get(lvl, 0), ev, key, 0,
	    px) < 0 || tk__json_dec_value(f, json_array_get(lvl, 1), ev, key,
	    0, sz) < 0)
		return -1;
	return 0;
}

/*
 * Swap sizes are contracts: times the contract's value where the
 * instruments list gave one, else kept and said to be contracts.  Spot
 * sizes are base already.
 */
static int
to_base(struct tk__frame *f, const char *ev, json_t *sym, struct tk_tick *t,
    struct tk_dec *sz[], size_t n)
{
	const struct okx_rest *rest = f->ctx->rest;
	const struct contract *ct = NULL;
	size_t k;
	long idx;

	if (!is_swap(json_string_value(sym), json_string_length(sym)))
		return 0;
	idx = tk_symmap_index(f->ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	if (idx < 0)
		return 0;	/* not ours: counted as unknown */
	if (rest != NULL && (size_t)idx < rest->n && rest->ct[idx].known)
		ct = &rest->ct[idx];
	if (ct == NULL) {
		t->size_unit = TK_SIZE_UNIT_CONTRACTS;
		return 0;
	}
	t->size_unit = ct->unit;
	for (k = 0; k < n; k++) {
		if (sz[k]->valid && tk_dec_mul(sz[k], &ct->value, sz[k]) < 0)
			return tk__frame_fail(f, ev, "sz", "times the contract "
			    "value is out of range");
	}
	return 0;
}

/* The element's own instId, else the one of "arg" (bbo-tbt has none). */
static int
get_inst(struct tk__frame *f, json_t *o, const char *ev, json_t *arg,
    json_t **out)
{
	if (json_object_get(o, "instId") == NULL && arg != NULL)
		o = arg;
	return tk__json_str(f, o, ev, "instId", out);
}

static int
get_text(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    const char **out)
{
	json_t *v;

	if (tk__json_str(f, o, ev, key, &v) < 0)
		return -1;
	*out = json_string_value(v);
	return 0;
}

