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
 */

#include <errno.h>
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

/* Sent ~30 s before a disconnect for a service upgrade. */
#define NOTICE_UPGRADE	"64008"

/*
 * Channels in subscription order, one per tick type we offer.  An arg is
 * {"channel":"trades","instId":"BTC-USDT"}; symbols are [A-Z0-9-]
 * (tk_symbol_valid), so nothing needs escaping.
 */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, ARG_HEAD "trades" ARG_MID, ARG_TAIL },
	{ TK_TICK_QUOTE, ARG_HEAD "tickers" ARG_MID, ARG_TAIL },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

typedef void item_fn(struct tk__frame *, json_t *item, json_t *arg);

static int	 okx_native_symbol(const char *unified, char *buf, size_t cap);
static int	 okx_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 okx_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);


static int	 is_text(const char *frame, size_t len, const char *word);
static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_event(struct tk__frame *, json_t *o, json_t *ev);
static void	 parse_error(struct tk__frame *, json_t *o, const char *ev);
static void	 parse_push(struct tk__frame *, json_t *o);
static void	 parse_trade(struct tk__frame *, json_t *item, json_t *arg);
static void	 parse_ticker(struct tk__frame *, json_t *item, json_t *arg);
static int	 get_inst(struct tk__frame *, json_t *o, const char *ev,
		    json_t *arg, json_t **out);
static int	 get_text(struct tk__frame *, json_t *o, const char *ev,
		    const char *key, const char **out);

const struct tk_adapter tk__adapter_okx = {
	.name = "okx",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws.okx.com:8443/ws/v5/public",
	.types = TK_TYPES_ALL,
	.native_symbol = okx_native_symbol,
	.subscribe = okx_subscribe,
	.parse = okx_parse,
	/* The server drops a connection after 30 s without traffic. */
	.ping_message = "ping",
	.ping_interval_s = 20,
	.max_connection_s = 0,
};

/* Spot instIds are already BASE-QUOTE ("BTC-USDT"). */
static int
okx_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '-', false, buf, cap);
}

/*
 * Message @i carries the @i-th greedy chunk of the arg list (every
 * symbol's channels, in map order).  OKX requests carry no id: acks echo
 * the arg instead.
 */
static int
okx_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct tk__sub s;

	tk__sub_init(&s, map, channels, NCHANNELS, types);
	s.head = SUB_HEAD;
	s.tail = SUB_TAIL;
	s.max_bytes = SUB_MAX_BYTES;
	return tk__sub_write(&s, i, buf, cap);
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
	} else {
		/* bbo-tbt, books, candles...: data we did not ask for. */
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
	    &t.ts) < 0)
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
	/* Futures and options never map: their instIds are not BASE-QUOTE;
	 * a quote with neither a bid nor an ask would say nothing. */
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
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

