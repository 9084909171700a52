/* SPDX-License-Identifier: MIT */
/*
 * Coinbase Exchange ws-feed public market data: subscribe messages and frame
 * parsing (tests/fixtures/coinbase/PROVENANCE.md has the protocol notes).
 *
 * Trades come from the "matches" channel ("match", plus one "last_match"
 * replay per product after subscribing), quotes from "ticker".  Prices and
 * sizes are JSON strings, ids JSON numbers, times ISO-8601 text with
 * microseconds.  Product ids are already unified BASE-QUOTE.  Matches and
 * tickers as Coinbase sends them are read in place (fast_parse(), at the
 * end); everything else through jansson.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/jflat.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "exchange.h"

/*
 * Coinbase documents no limit on product_ids per subscribe, but the daemon
 * sends from an 8 KiB buffer, so long lists are split into several
 * subscribe messages (each is acked with the whole subscription set).
 */
#define SUB_MAX_BYTES	4096	/* every message is shorter than this */

#define SUB_HEAD	"{\"type\":\"subscribe\",\"product_ids\":["
#define SUB_MID		"],\"channels\":["
#define SUB_TAIL	"]}"

/* SUB_MID, every channel name quoted, SUB_TAIL */
#define SUB_CHANNELS_MAX	64

/* Channels in subscription order, one per tick type we offer. */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "matches", "" },
	{ TK_TICK_QUOTE, "ticker", "" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum msg {
	MSG_MATCH,
	MSG_TICKER,
	MSG_LAST_MATCH,
	MSG_ERROR,
};

/*
 * Hot types first: the list is searched linearly.  TK__NAME_UNUSED is
 * market data of channels we never ask for.
 */
static const struct tk__name msgs[] = {
	{ "match", MSG_MATCH },
	{ "ticker", MSG_TICKER },
	{ "l2update", TK__NAME_UNUSED },
	{ "heartbeat", TK__NAME_CONTROL },
	{ "last_match", MSG_LAST_MATCH },
	{ "subscriptions", TK__NAME_CONTROL },
	{ "error", MSG_ERROR },
	{ "snapshot", TK__NAME_UNUSED },
	{ "received", TK__NAME_UNUSED },
	{ "open", TK__NAME_UNUSED },
	{ "done", TK__NAME_UNUSED },
	{ "change", TK__NAME_UNUSED },
	{ "activate", TK__NAME_UNUSED },
};
#define NMSGS		(sizeof(msgs) / sizeof(msgs[0]))

static int	 coinbase_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 coinbase_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 coinbase_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);


static int	 channels_text(unsigned types, char *buf, size_t cap);
static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_match(struct tk__frame *, json_t *o, const char *ev);
static void	 parse_ticker(struct tk__frame *, json_t *o);
static void	 parse_error(struct tk__frame *, json_t *o);
static int	 fast_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

const struct tk_adapter tk__adapter_coinbase = {
	.name = "coinbase",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://ws-feed.exchange.coinbase.com",
	.types = TK_TYPES_ALL,
	.native_symbol = coinbase_native_symbol,
	.subscribe = coinbase_subscribe,
	.parse = coinbase_parse,
	/* The server answers WebSocket pings; no app-level keep-alive. */
	.ping_message = NULL,
	.ping_interval_s = 0,
	.max_connection_s = 0,
};

/* product_id is the unified form itself: "BTC-USD". */
static int
coinbase_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '-', false, buf, cap);
}

/*
 * Message @i subscribes the @i-th greedy chunk of the products (in map
 * order) to every wanted channel.  Message 0 is sent on connect, which
 * meets the 5 s subscribe deadline.
 */
static int
coinbase_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	char tail[SUB_CHANNELS_MAX];
	struct tk__sub s;

	if (channels_text(types, tail, sizeof(tail)) == 0)
		return 0;		/* no channel wanted */
	tk__sub_init(&s, map, NULL, 0, types);
	s.flags = TK__SUB_QUOTE;
	s.head = SUB_HEAD;
	s.tail = tail;
	s.max_bytes = SUB_MAX_BYTES;
	return tk__sub_write(&s, i, buf, cap);
}

/*
 * Writes what follows the products: the quoted, comma-separated names of
 * the channels wanted in @types.  Returns how many there are.
 */
static int
channels_text(unsigned types, char *buf, size_t cap)
{
	struct tk__out o = { buf, cap - 1, 0 };
	struct tk__sub want;
	size_t j;

	tk__sub_init(&want, NULL, channels, NCHANNELS, types);
	tk__out_str(&o, SUB_MID);
	for (j = 0; j < want.nchans; j++) {
		tk__out_str(&o, j > 0 ? ",\"" : "\"");
		tk__out_str(&o, want.chans[j]->pre);
		tk__out_str(&o, "\"");
	}
	tk__out_str(&o, SUB_TAIL);
	buf[o.len < cap ? o.len : cap - 1] = '\0';
	return (int)want.nchans;
}

static void
coinbase_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	if (fast_parse(ctx, frame, len, res) < 0)
		tk__frame_parse(ctx, frame, len, res, 0, parse_object);
}

/* Every ws-feed message names itself in "type". */
static void
parse_object(struct tk__frame *f, json_t *o)
{
	/* "New message types may appear at any time": CONTROL, not garbage. */
	int msg = tk__json_name_value(f, json_object_get(o, "type"), "frame",
	    "type", msgs, NMSGS);

	if (msg < 0)
		return;
	switch ((enum msg)msg) {
	case MSG_MATCH:
		parse_match(f, o, "match");
		break;
	case MSG_LAST_MATCH:
		parse_match(f, o, "last_match");
		break;
	case MSG_TICKER:
		parse_ticker(f, o);
		break;
	case MSG_ERROR:
		parse_error(f, o);
		break;
	}
}

/*
 * "side" is the side of the resting (maker) order, so the taker did the
 * opposite: side "sell" means a buyer lifted the offer.  last_match is the
 * latest trade replayed once after subscribing; it is a real trade with
 * its own id and time, and repeats are for the consumer to drop by id.
 */
static void
parse_match(struct tk__frame *f, json_t *o, const char *ev)
{
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	/* Maker "buy" -> taker sold; maker "sell" -> taker bought. */
	if (tk__json_str(f, o, ev, "product_id", &sym) < 0 ||
	    tk__json_dec(f, o, ev, "price", 0, &t.price) < 0 ||
	    tk__json_dec(f, o, ev, "size", 0, &t.size) < 0 ||
	    tk__json_id_int(f, o, ev, "trade_id", t.trade_id) < 0 ||
	    tk__json_side(f, o, ev, "side", "buy", "sell", true,
	    &t.side) < 0 ||
	    tk__json_iso(f, o, ev, "time", true, &t.ts) < 0)
		return;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * best_bid/best_ask are the top of book after the event.  The sizes came
 * later (2022) and are "no value" when absent.  The ticker's last-trade
 * fields (price, side, last_size) are ignored: trades come from matches.
 * The first ticker after subscribing has been seen without "time"; the
 * receive time stands in then.
 */
static void
parse_ticker(struct tk__frame *f, json_t *o)
{
	static const char ev[] = "ticker";
	struct tk_tick t;
	json_t *sym;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (tk__json_str(f, o, ev, "product_id", &sym) < 0 ||
	    tk__json_dec(f, o, ev, "best_bid", 0, &t.bid) < 0 ||
	    tk__json_dec(f, o, ev, "best_bid_size", TK__DEC_NULL_OK,
	    &t.bid_size) < 0 ||
	    tk__json_dec(f, o, ev, "best_ask", 0, &t.ask) < 0 ||
	    tk__json_dec(f, o, ev, "best_ask_size", TK__DEC_NULL_OK,
	    &t.ask_size) < 0 ||
	    (r = tk__json_iso(f, o, ev, "time", false, &t.ts)) < 0)
		return;
	if (r == 0)
		t.ts = f->ctx->recv_ts;
	tk__emit_json(f, &t, sym, 0);
}

/* {"type":"error","message":"Failed to subscribe","reason":"..."} */
static void
parse_error(struct tk__frame *f, json_t *o)
{
	const char *msg = json_string_value(json_object_get(o, "message"));
	const char *why = json_string_value(json_object_get(o, "reason"));

	if (msg == NULL)
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "error without a message");
	else if (why != NULL && why[0] != '\0')
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s: %s", msg, why);
	else
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s", msg);
	tk__frame_scrub(f);
}

/*
 * The fast path: a match, last_match or ticker message as Coinbase sends it
 * (flat, plain ASCII) is read in place (ticker/jflat.h) with the rules of
 * parse_match() and parse_ticker() above.  Anything else, and any such
 * message with something off, goes to them through jansson, which gives
 * the same tick or says what is wrong.
 */
enum ckey {
	C_TYPE, C_PRODUCT, C_PRICE, C_SIZE, C_TRADE_ID, C_SIDE, C_TIME,
	C_BID, C_BID_SIZE, C_ASK, C_ASK_SIZE,
	C_MAX
};

static const char *const ckey_names[C_MAX] = {
	"type", "product_id", "price", "size", "trade_id", "side", "time",
	"best_bid", "best_bid_size", "best_ask", "best_ask_size",
};

struct cframe {
	struct tk_jflat_val	 v[C_MAX];
	uint32_t		 seen;
};

#define get(c, k)	tk_jflat_get((c)->v, (c)->seen, (k))

static int
fast_match(const struct cframe *c, struct tk_tick *t)
{
	const struct tk_jflat_val *side = get(c, C_SIDE);

	t->type = TK_TICK_TRADE;
	if (tk__flat_dec(get(c, C_PRICE), 0, &t->price) < 0 ||
	    tk__flat_dec(get(c, C_SIZE), 0, &t->size) < 0 ||
	    tk__flat_id_int(get(c, C_TRADE_ID), t->trade_id) < 0 ||
	    tk__flat_iso(get(c, C_TIME), true, &t->ts) < 0)
		return -1;
	/* the maker's side: the taker did the other */
	if (side == NULL)
		t->side = TK_SIDE_UNKNOWN;
	else if (tk_jflat_is(side, "buy"))
		t->side = TK_SIDE_SELL;
	else if (tk_jflat_is(side, "sell"))
		t->side = TK_SIDE_BUY;
	else
		return -1;
	return 0;
}

static int
fast_ticker(const struct cframe *c, int64_t recv_ts, struct tk_tick *t)
{
	int r;

	t->type = TK_TICK_QUOTE;
	if (tk__flat_dec(get(c, C_BID), 0, &t->bid) < 0 ||
	    tk__flat_dec(get(c, C_BID_SIZE), TK__DEC_NULL_OK,
	    &t->bid_size) < 0 ||
	    tk__flat_dec(get(c, C_ASK), 0, &t->ask) < 0 ||
	    tk__flat_dec(get(c, C_ASK_SIZE), TK__DEC_NULL_OK,
	    &t->ask_size) < 0 ||
	    (r = tk__flat_iso(get(c, C_TIME), false, &t->ts)) < 0)
		return -1;
	if (r == 0)
		t->ts = recv_ts;
	return 0;
}

static int
fast_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	const struct tk_jflat_val *type;
	struct tk__frame f = { ctx, res, false };
	struct cframe c;
	struct tk_tick t;
	int r;

	if (tk_jflat_read(frame, len, ckey_names, C_MAX, TK_JFLAT_OTHER_KEYS,
	    c.v, &c.seen) < 0 || (type = get(&c, C_TYPE)) == NULL)
		return -1;
	memset(&t, 0, sizeof(t));
	if (tk_jflat_is(type, "match") || tk_jflat_is(type, "last_match"))
		r = fast_match(&c, &t);
	else if (tk_jflat_is(type, "ticker"))
		r = fast_ticker(&c, ctx->recv_ts, &t);
	else
		r = -1;
	return r < 0 ? -1 : tk__flat_emit(&f, &t, get(&c, C_PRODUCT));
}
