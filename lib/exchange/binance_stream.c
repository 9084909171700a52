/* SPDX-License-Identifier: MIT */
/*
 * The Binance stream protocol, shared by the spot and the USDⓈ-M futures
 * codecs (binance_stream.h).  Prices and sizes arrive as JSON strings and
 * go straight to tk_dec_parse(); times are integer milliseconds.
 */

#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "binance_stream.h"
#include "exchange.h"

/* Binance allows 1024 streams per connection but rejects long requests
 * (3001 "illegal request" past 4096 bytes), so subscriptions are chunked. */
#define SUB_MAX_PARAMS	200
#define SUB_MAX_BYTES	4096	/* every message is shorter than this */

#define SUB_HEAD	"{\"method\":\"SUBSCRIBE\",\"params\":["
#define SUB_TAIL	"],\"id\":"

static void	 parse_object(struct tk__frame *, json_t *o,
		    const struct tk__binance_events *, int top);
static void	 parse_wrapped(struct tk__frame *, json_t *o,
		    const struct tk__binance_events *);
static void	 parse_event(struct tk__frame *, json_t *o,
		    const struct tk__binance_events *, json_t *e);
static void	 parse_error(struct tk__frame *, json_t *o);
static void	 parse_trade(struct tk__frame *, json_t *o, const char *ev,
		    const char *id_key);
static void	 parse_book(struct tk__frame *, json_t *o);
static void	 parse_mark_price(struct tk__frame *, json_t *o);
static int	 get_time(struct tk__frame *, json_t *o, const char *ev,
		    int64_t *us);
static int	 get_side(struct tk__frame *, json_t *o, const char *ev,
		    enum tk_side *out);

int
tk__binance_subscribe(const struct tk_symmap *map,
    const struct tk__chan *chans, size_t nchans, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct tk__sub s;

	tk__sub_init(&s, map, chans, nchans, types);
	s.flags = TK__SUB_QUOTE | TK__SUB_LOWER;
	s.head = SUB_HEAD;
	s.tail = SUB_TAIL;
	s.end = "}";
	s.id0 = 1;
	s.max_items = SUB_MAX_PARAMS;
	s.max_bytes = SUB_MAX_BYTES;
	return tk__sub_write(&s, i, buf, cap);
}

/*
 * Classifies one object by its keys.  Only the top level may be a
 * combined-stream wrapper or a reply to a request; those are never nested.
 */
void
tk__binance_object(struct tk__frame *f, json_t *o,
    const struct tk__binance_events *evs)
{
	parse_object(f, o, evs, 1);
}

static void
parse_object(struct tk__frame *f, json_t *o,
    const struct tk__binance_events *evs, int top)
{
	json_t *e = json_object_get(o, "e");

	if (e != NULL) {
		parse_event(f, o, evs, e);
		return;
	}
	if (top && json_object_get(o, "data") != NULL &&
	    json_object_get(o, "stream") != NULL) {
		parse_wrapped(f, o, evs);
	/* NOLINTNEXTLINE(bugprone-branch-clone): same outcome, two reasons */
	} else if (top && json_object_get(o, "result") != NULL) {
		/* Ack of SUBSCRIBE (null) or LIST_SUBSCRIPTIONS (array). */
		tk__frame_classify(f, TK_FRAME_CONTROL);
	} else if (top && (json_object_get(o, "code") != NULL ||
	    json_object_get(o, "error") != NULL)) {
		parse_error(f, o);
	} else if (top && json_is_string(json_object_get(o, "method"))) {
		/* A request shape: nothing the server should send, harmless. */
		tk__frame_classify(f, TK_FRAME_CONTROL);
	} else if (json_object_get(o, "u") != NULL) {
		/* Spot bookTicker is the one event without an "e". */
		parse_book(f, o);
	} else if (json_object_get(o, "lastUpdateId") != NULL) {
		/* Partial depth snapshot: market data we did not ask for. */
		tk__frame_classify(f, TK_FRAME_DATA);
	} else {
		tk__frame_set(f, TK_FRAME_MALFORMED, "unrecognised frame: no \"e\", "
		    "\"result\", \"code\" or \"stream\"/\"data\"");
	}
}

/* {"stream":"btcusdt@trade","data":{...}} or "data":[{...}, ...]. */
static void
parse_wrapped(struct tk__frame *f, json_t *o,
    const struct tk__binance_events *evs)
{
	json_t *data = json_object_get(o, "data"), *item;
	size_t i;

	if (!json_is_string(json_object_get(o, "stream"))) {
		tk__frame_fail(f, "stream", "stream", "is not a string");
	} else if (json_is_object(data)) {
		parse_object(f, data, evs, 0);
	} else if (json_is_array(data)) {
		/* All-market arrays (!ticker@arr): stop at the first
		 * element that is not plain data. */
		json_array_foreach(data, i, item) {
			if (!json_is_object(item)) {
				tk__frame_set(f, TK_FRAME_MALFORMED, "stream: "
				    "data[%zu] is not an object", i);
				return;
			}
			parse_object(f, item, evs, 0);
			if (f->res->kind != TK_FRAME_DATA)
				return;
		}
	} else {
		tk__frame_fail(f, "stream", "data", "is not an object or array");
	}
}

static void
parse_event(struct tk__frame *f, json_t *o,
    const struct tk__binance_events *evs, json_t *e)
{
	int ev = tk__json_name_value(f, e, "event", "e", evs->names, evs->n);

	if (ev < 0)
		return;
	switch ((enum tk__binance_event)ev) {
	case TK__BINANCE_TRADE:
		parse_trade(f, o, "trade", "t");
		break;
	case TK__BINANCE_AGG_TRADE:
		parse_trade(f, o, "aggTrade", "a");
		break;
	case TK__BINANCE_BOOK_TICKER:
		parse_book(f, o);
		break;
	case TK__BINANCE_MARK_PRICE:
		parse_mark_price(f, o);
		break;
	case TK__BINANCE_SHUTDOWN:
		tk__frame_set(f, TK_FRAME_RECONNECT, "serverShutdown");
		break;
	}
}

/* {"code":2,"msg":"..."} as documented, or {"error":{...},"id":1}. */
static void
parse_error(struct tk__frame *f, json_t *o)
{
	json_t *err = json_object_get(o, "error"), *code, *msg;

	if (err != NULL && json_object_get(o, "code") == NULL) {
		if (!json_is_object(err)) {
			tk__frame_fail(f, "error", "error", "is not an object");
			return;
		}
		o = err;
	}
	code = json_object_get(o, "code");
	msg = json_object_get(o, "msg");
	if (!json_is_integer(code)) {
		tk__frame_fail(f, "error", "code", code == NULL ? "is missing" :
		    "is not an integer");
	} else if (!json_is_string(msg)) {
		tk__frame_fail(f, "error", "msg", msg == NULL ? "is missing" :
		    "is not a string");
	} else {
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "code %" JSON_INTEGER_FORMAT
		    ": %s", json_integer_value(code), json_string_value(msg));
	}
}

/*
 * trade and aggTrade differ only in the id key.  "m" is "buyer is the
 * maker", so m:true means the taker sold.  T (trade time) is the time
 * of the trade; E is when Binance pushed it and a few ms later.
 */
static void
parse_trade(struct tk__frame *f, json_t *o, const char *ev, const char *id_key)
{
	struct tk_tick t;
	json_t *sym;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__json_str(f, o, ev, "s", &sym) < 0 ||
	    tk__json_dec(f, o, ev, "p", 0, &t.price) < 0 ||
	    tk__json_dec(f, o, ev, "q", 0, &t.size) < 0 ||
	    tk__json_id_int(f, o, ev, id_key, t.trade_id) < 0 ||
	    get_side(f, o, ev, &t.side) < 0 ||
	    (r = get_time(f, o, ev, &t.ts)) < 0)
		return;
	if (r == 0) {
		tk__frame_fail(f, ev, "T", "is missing (and so is \"E\")");
		return;
	}
	tk__emit_json(f, &t, sym, 0);
}

/* Spot bookTicker has no time at all; the futures shape adds T and E. */
static void
parse_book(struct tk__frame *f, json_t *o)
{
	static const char ev[] = "bookTicker";
	struct tk_tick t;
	json_t *sym;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (tk__json_str(f, o, ev, "s", &sym) < 0 ||
	    tk__json_dec(f, o, ev, "b", 0, &t.bid) < 0 ||
	    tk__json_dec(f, o, ev, "B", 0, &t.bid_size) < 0 ||
	    tk__json_dec(f, o, ev, "a", 0, &t.ask) < 0 ||
	    tk__json_dec(f, o, ev, "A", 0, &t.ask_size) < 0 ||
	    (r = get_time(f, o, ev, &t.ts)) < 0)
		return;
	if (r == 0)
		t.ts = f->ctx->recv_ts;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * Futures mark price (markPrice@1s): "p" the mark price, "i" the index
 * price, "r" the funding rate of the running period (signed), "T" the
 * next funding time, "E" the event time (the tick's).  Delivery contracts
 * send "r":"" and "T":0: no rate and no next time.
 */
static void
parse_mark_price(struct tk__frame *f, json_t *o)
{
	static const char ev[] = "markPriceUpdate";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_FUNDING;
	if (tk__json_str(f, o, ev, "s", &sym) < 0 ||
	    tk__json_dec(f, o, ev, "p", 0, &t.mark_price) < 0 ||
	    tk__json_dec(f, o, ev, "i", TK__DEC_NULL_OK | TK__DEC_EMPTY_OK,
	    &t.index_price) < 0 ||
	    tk__json_dec(f, o, ev, "r", TK__DEC_SIGNED | TK__DEC_EMPTY_OK,
	    &t.rate) < 0 ||
	    tk__json_ms(f, o, ev, "T", TK__MS_INT, &t.next_funding_ts) < 0 ||
	    tk__json_ms(f, o, ev, "E", TK__MS_INT | TK__MS_REQUIRED,
	    &t.ts) < 0)
		return;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * T (the trade or book time) where it is sent, else E (when Binance
 * pushed it); both are checked.  Returns 1 with *us set, 0 if neither is
 * there, -1 if malformed.
 */
static int
get_time(struct tk__frame *f, json_t *o, const char *ev, int64_t *us)
{
	int64_t trade_us = 0, event_us = 0;
	int r_t, r_e;

	if ((r_t = tk__json_ms(f, o, ev, "T", TK__MS_INT, &trade_us)) < 0 ||
	    (r_e = tk__json_ms(f, o, ev, "E", TK__MS_INT, &event_us)) < 0)
		return -1;
	if (r_t == 0 && r_e == 0)
		return 0;
	*us = r_t > 0 ? trade_us : event_us;
	return 1;
}

/* Without "m" the exchange does not say who took: side unknown. */
static int
get_side(struct tk__frame *f, json_t *o, const char *ev, enum tk_side *out)
{
	json_t *m = json_object_get(o, "m");

	if (m == NULL) {
		*out = TK_SIDE_UNKNOWN;
		return 0;
	}
	if (!json_is_boolean(m))
		return tk__frame_fail(f, ev, "m", "is not a boolean");
	*out = json_is_true(m) ? TK_SIDE_SELL : TK_SIDE_BUY;
	return 0;
}

