/* SPDX-License-Identifier: MIT */
/*
 * The Bybit v5 public protocol, shared by the spot and the linear codecs
 * (bybit_v5.h).
 *
 * Trades come from "publicTrade.<symbol>" (several per frame), quotes from
 * "orderbook.1.<symbol>".  Prices and sizes are strings; times are JSON
 * numbers in ms (accepted as digit strings too, as one docs note shows
 * them).
 *
 * Quotes and the level-1 book.  A snapshot holds the whole (one-level)
 * book.  A delta lists, per side, the levels that changed: size "0"
 * removes a level, any other size sets one, and an empty list means "no
 * change on this side".  So a delta can only be read against the book the
 * connection already has: that is the per-connection codec state (the
 * level-1 book of every configured symbol).  Without state, a delta that
 * leaves a side unsaid gives no quote rather than a false null.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "bybit_v5.h"
#include "exchange.h"

/* Spot refuses a request with more ("args size >10"); linear takes the
 * same chunks. */
#define SUB_MAX_ARGS	10

#define SUB_HEAD	"{\"op\":\"subscribe\",\"args\":["
#define SUB_TAIL	"],\"req_id\":\""

#define TRADE_PREFIX	"publicTrade."
#define BOOK_PREFIX	"orderbook.1."
#define SYSTEM_PREFIX	"system."

/* Times: JSON integers in ms, or (one docs note) strings of digits. */
#define MS		(TK__MS_INT | TK__MS_TEXT)

enum book_side {
	BOOK_BID,	/* best = highest price */
	BOOK_ASK,	/* best = lowest price */
};

static int	 has_prefix(const char *s, const char *prefix);
static void	 parse_reply(struct tk__frame *, json_t *o);
static void	 parse_topic(struct tk__frame *, json_t *o,
		    const struct tk__bybit_codec *, json_t *topic);
static void	 parse_trades(struct tk__frame *, json_t *o);
static void	 parse_trade(struct tk__frame *, json_t *item, json_t *msg);
static void	 parse_book(struct tk__frame *, json_t *o,
		    const struct tk__bybit_codec *);
static int	 top_level(struct tk__frame *, json_t *data, const char *key,
		    enum book_side, struct tk__bybit_level *best,
		    struct tk__bybit_level *cur, int *listed);

int
tk__bybit_subscribe(const struct tk_symmap *map,
    const struct tk__chan *chans, size_t nchans, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct tk__sub s;

	tk__sub_init(&s, map, chans, nchans, types);
	s.flags = TK__SUB_QUOTE;
	s.head = SUB_HEAD;
	s.tail = SUB_TAIL;
	s.end = "\"}";
	s.id0 = 1;
	s.max_items = SUB_MAX_ARGS;
	return tk__sub_write(&s, i, buf, cap);
}

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Pushes carry "topic"; replies to subscribe and to the spot/linear ping
 * carry "success"; the option pong ({"op":"pong","args":[..]}) has only
 * "op", like our own requests.
 */
void
tk__bybit_object(struct tk__frame *f, json_t *o,
    const struct tk__bybit_codec *c)
{
	json_t *topic = json_object_get(o, "topic");

	if (topic != NULL)
		parse_topic(f, o, c, topic);
	else if (json_object_get(o, "success") != NULL)
		parse_reply(f, o);
	else if (json_is_string(json_object_get(o, "op")))
		tk__frame_classify(f, TK_FRAME_CONTROL);
	else
		tk__frame_set(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
		    "\"topic\", \"success\" or \"op\"");
}

/* {"success":false,"ret_msg":"Invalid topic: ...","op":"subscribe"}. */
static void
parse_reply(struct tk__frame *f, json_t *o)
{
	json_t *ok = json_object_get(o, "success"), *msg;
	const char *op = json_string_value(json_object_get(o, "op"));
	const char *id = json_string_value(json_object_get(o, "req_id"));
	char req[48] = "";

	if (!json_is_boolean(ok)) {
		tk__frame_fail(f, "reply", "success", "is not a boolean");
		return;
	}
	if (json_is_true(ok)) {
		tk__frame_classify(f, TK_FRAME_CONTROL);
		return;
	}
	msg = json_object_get(o, "ret_msg");
	if (msg != NULL && !json_is_string(msg)) {
		tk__frame_fail(f, "reply", "ret_msg", "is not a string");
		return;
	}
	/* req_id names the subscribe chunk that was refused. */
	if (id != NULL && id[0] != '\0')
		snprintf(req, sizeof(req), " (req_id %.32s)", id);
	/* The option market's refusals list failTopics without a text. */
	tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s%s: %s", op != NULL ? op :
	    "request", req, json_string_length(msg) > 0 ?
	    json_string_value(msg) : "refused without a message");
}

/*
 * Topics the codec does not read (deeper books, klines, ...) are market
 * data we did not ask for; system.status is maintenance information.
 */
static void
parse_topic(struct tk__frame *f, json_t *o, const struct tk__bybit_codec *c,
    json_t *topic)
{
	const char *name = json_string_value(topic);

	if (name == NULL)
		tk__frame_fail(f, "message", "topic", "is not a string");
	else if (has_prefix(name, TRADE_PREFIX))
		parse_trades(f, o);
	else if (has_prefix(name, BOOK_PREFIX))
		parse_book(f, o, c);
	else if (has_prefix(name, SYSTEM_PREFIX))
		tk__frame_classify(f, TK_FRAME_CONTROL);
	else if (c->topic == NULL || !c->topic(f, o, name))
		tk__frame_classify(f, TK_FRAME_DATA);
}

void *
tk__bybit_state(struct tk__frame *f, const struct tk__bybit_codec *c,
    long idx)
{
	if (idx < 0 || f->ctx->state == NULL)
		return NULL;
	return (char *)f->ctx->state + (size_t)idx * c->stride;
}

/*
 * "data" is an array of up to 1024 trades.  A bad element does not cost
 * the good ones around it: they are emitted, and the frame is reported
 * MALFORMED with the first problem.
 */
static void
parse_trades(struct tk__frame *f, json_t *o)
{
	json_t *data = json_object_get(o, "data"), *item;
	size_t i;

	if (!json_is_array(data)) {
		tk__frame_fail(f, "publicTrade", "data", data == NULL ?
		    "is missing" : "is not an array");
		return;
	}
	json_array_foreach(data, i, item) {
		if (json_is_object(item))
			parse_trade(f, item, o);
		else
			tk__frame_set(f, TK_FRAME_MALFORMED, "publicTrade: "
			    "data[%zu] is not an object", i);
	}
}

/* "S" is the taker's side; "T" the fill time, the message "ts" later. */
static void
parse_trade(struct tk__frame *f, json_t *item, json_t *msg)
{
	static const char ev[] = "publicTrade";
	struct tk_tick t;
	json_t *sym;
	int r = 0;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__json_str(f, item, ev, "s", &sym) < 0 ||
	    tk__json_dec(f, item, ev, "p", 0, &t.price) < 0 ||
	    tk__json_dec(f, item, ev, "v", 0, &t.size) < 0 ||
	    tk__json_id_str(f, item, ev, "i", t.trade_id) < 0 ||
	    tk__json_side(f, item, ev, "S", "Buy", "Sell", false,
	    &t.side) < 0 ||
	    (r = tk__json_ms(f, item, ev, "T", MS, &t.ts)) < 0 ||
	    (r == 0 && (r = tk__json_ms(f, msg, ev, "ts", MS, &t.ts)) < 0))
		return;
	if (r == 0) {
		tk__frame_fail(f, ev, "T", "is missing (and so is \"ts\")");
		return;
	}
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
}

/*
 * Level-1 snapshot or delta (see the top of the file).  "cts" is when the
 * matching engine had this book, "ts" when Bybit pushed it; spot frames
 * carry both, some shapes only "ts".
 */
static void
parse_book(struct tk__frame *f, json_t *o, const struct tk__bybit_codec *c)
{
	static const char ev[] = "orderbook.1";
	json_t *data = json_object_get(o, "data"), *sym;
	const char *type = json_string_value(json_object_get(o, "type"));
	int delta = type != NULL && strcmp(type, "delta") == 0;
	struct tk__bybit_book frame_book, *book = &frame_book, *kept;
	struct tk__bybit_level bid = { 0 }, ask = { 0 };
	int bid_listed = 0, ask_listed = 0;
	struct tk_tick t;
	long idx = -1;
	int r = 0;

	if (!json_is_object(data)) {
		tk__frame_fail(f, ev, "data", data == NULL ? "is missing" :
		    "is not an object");
		return;
	}
	memset(&t, 0, sizeof(t));
	memset(&frame_book, 0, sizeof(frame_book));
	if (tk__json_str(f, data, ev, "s", &sym) < 0)
		return;
	idx = tk_symmap_index(f->ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	if ((kept = tk__bybit_state(f, c, idx)) != NULL)
		book = kept;
	/* a snapshot is read from scratch, a delta against the book */
	if (top_level(f, data, "b", BOOK_BID, &bid,
	    delta ? &book->bid : &frame_book.bid, &bid_listed) < 0 ||
	    top_level(f, data, "a", BOOK_ASK, &ask,
	    delta ? &book->ask : &frame_book.ask, &ask_listed) < 0 ||
	    (r = tk__json_ms(f, o, ev, "cts", MS, &t.ts)) < 0 ||
	    (r == 0 && (r = tk__json_ms(f, o, ev, "ts", MS, &t.ts)) < 0))
		return;
	if (r == 0) {
		tk__frame_fail(f, ev, "ts", "is missing (and so is \"cts\")");
		return;
	}
	if (delta && book == &frame_book && (!bid_listed || !ask_listed)) {
		/* a side is "unchanged" from a book we do not have */
		if (idx < 0)
			tk__emit_json(f, &t, sym, 0);	/* counts the unknown */
		return;
	}
	book->bid = bid;
	book->ask = ask;
	t.type = TK_TICK_QUOTE;
	t.bid = book->bid.px;
	t.bid_size = book->bid.sz;
	t.ask = book->ask.px;
	t.ask_size = book->ask.sz;
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
}

/*
 * Side @key of the frame applied to @cur, the side as the connection had
 * it: at depth 1 a snapshot holds one level and a delta sets at most one
 * (the new top); size "0" removes a level, so removing the current top
 * empties the side.  *best gets the result, *listed whether the frame
 * named any level on this side at all.
 */
static int
top_level(struct tk__frame *f, json_t *data, const char *key,
    enum book_side side, struct tk__bybit_level *best,
    struct tk__bybit_level *cur, int *listed)
{
	json_t *levels = json_object_get(data, key), *lv;
	struct tk_dec p, s;
	size_t i;
	int better;

	if (!json_is_array(levels))
		return tk__frame_fail(f, "orderbook.1", key, levels == NULL ?
		    "is missing" : "is not an array");
	*listed = json_array_size(levels) > 0;
	*best = *cur;
	json_array_foreach(levels, i, lv) {
		if (!json_is_array(lv) || json_array_size(lv) < 2) {
			tk__frame_set(f, TK_FRAME_MALFORMED, "orderbook.1: "
			    "%s[%zu] is not a [price, size] pair", key, i);
			return -1;
		}
		if (tk__json_dec_value(f, json_array_get(lv, 0),
		    "orderbook.1", key, 0, &p) < 0 ||
		    tk__json_dec_value(f, json_array_get(lv, 1),
		    "orderbook.1", key, 0, &s) < 0)
			return -1;
		if (s.mant == 0) {
			if (best->px.valid && tk_dec_cmp(&p, &best->px) == 0)
				memset(best, 0, sizeof(*best));
			continue;
		}
		better = i == 0 || !best->px.valid || (side == BOOK_BID ?
		    tk_dec_cmp(&p, &best->px) > 0 :
		    tk_dec_cmp(&p, &best->px) < 0);
		if (better) {
			best->px = p;
			best->sz = s;
		}
	}
	return 0;
}

