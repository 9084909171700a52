/* SPDX-License-Identifier: MIT */
/*
 * Bitfinex WebSocket API v2, public channels: subscribe messages and frame
 * parsing (tests/fixtures/bitfinex/PROVENANCE.md has the protocol notes).
 *
 * Events are objects ({"event":"subscribed",..}); market data are arrays
 * [CHANNEL_ID, ...] that name neither channel nor symbol: the
 * "subscribed" ack of each subscription says which CHANNEL_ID is which,
 * and the connection keeps that map (the per-connection codec state).
 * Without state, or for an id no ack named, data cannot be placed and is
 * counted as unknown.
 *
 * Trades: [ID, "te", [ID, MTS, AMOUNT, PRICE]] ("trade executed") and
 * then [ID, "tu", [..]] ("trade updated") for the same trade.  Only "te"
 * is published: it comes first and carries the same id, price and amount
 * (barter-rs and gocryptotrader's notes; the v2 "tu" used to add a
 * database id, which tickerd does not use).  "tu" is market data all the
 * same (it keeps the connection from counting as stale).  The snapshot of
 * recent trades sent after subscribing is checked but not published:
 * those trades are old (gotcha 3 of the fixture notes), and after a
 * reconnect they would be published again.
 *
 * Quotes: the "book" channel with one price level a side ("prec":"P0",
 * "freq":"F0","len":"1"), not the ticker: the ticker's BID_SIZE and
 * ASK_SIZE are the sums of the 25 best levels, not the size at the best
 * price.  A book sends a snapshot [ID, [[PRICE, COUNT, AMOUNT], ..]], then
 * updates [ID, [PRICE, COUNT, AMOUNT]]: AMOUNT > 0 is a bid, < 0 an ask
 * (the size is its absolute value); COUNT 0 removes the level (AMOUNT 1
 * from the bids, -1 from the asks) and the next level then arrives as an
 * update of its own.  The channel's slot keeps the best bid and ask; a
 * quote is published when both are known and one of them changed.  After
 * a removal that side is unknown, and nothing is published until it is
 * known again.  The book has no time either: ts is the receive time.
 *
 * Numbers are JSON numbers, with float noise (19203.444049780002) and
 * exponents, read with tk__json_num().  A trade's AMOUNT is signed: the
 * size is its absolute value, its sign the taker's side.  Arrays may grow
 * (SEQ_ALL appends a sequence number): extra elements are ignored.
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

/* Public channels per connection (docs.bitfinex.com, "Public Channels"). */
#define MAX_SUBSCRIPTIONS	25
/* Channel ids remembered per connection: room for every subscription. */
#define CHANNEL_SLOTS		32

#define SUB_HEAD	"{\"event\":\"subscribe\","
#define SUB_TAIL	"}"

/* info codes (docs.bitfinex.com, "General": Info Messages) */
#define INFO_RESTART		20051	/* server restarting: reconnect */
#define INFO_MAINT_START	20060	/* maintenance: pause */
#define INFO_MAINT_END		20061	/* maintenance over: resubscribe */

/* Times: JSON integers in ms. */
#define MS		(TK__MS_INT | TK__MS_REQUIRED)

enum channel {
	CH_NONE = 0,	/* a free slot */
	CH_TRADES,
	CH_BOOK,	/* top of book: the quotes */
};

/* Subscriptions in message order, one per tick type we offer. */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "\"channel\":\"trades\",\"symbol\":\"", "\"" },
	{ TK_TICK_QUOTE, "\"channel\":\"book\",\"symbol\":\"",
	    "\",\"prec\":\"P0\",\"freq\":\"F0\",\"len\":\"1\"" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum event {
	EV_SUBSCRIBED,
	EV_INFO,
	EV_ERROR,
};

static const struct tk__name event_names[] = {
	{ "subscribed", EV_SUBSCRIBED },
	{ "info", EV_INFO },
	{ "error", EV_ERROR },
	{ "conf", TK__NAME_CONTROL },
	{ "pong", TK__NAME_CONTROL },
	{ "unsubscribed", TK__NAME_CONTROL },
	{ "subscribe", TK__NAME_CONTROL },	/* our own, echoed */
};
#define NEVENT_NAMES	(sizeof(event_names) / sizeof(event_names[0]))

/* The best level of each side of a book channel; sizes are |AMOUNT|. */
struct top {
	struct tk_dec	 bid, bid_size, ask, ask_size;
	bool		 has_bid, has_ask;
};

/* One level of a book frame: [PRICE, COUNT, AMOUNT]. */
struct level {
	struct tk_dec	 price, amount;		/* amount signed */
	json_int_t	 count;
};

/* What one CHANNEL_ID is: the codec state holds CHANNEL_SLOTS of them. */
struct slot {
	int64_t		 chan_id;
	uint32_t	 sym;		/* symmap index */
	uint32_t	 channel;	/* enum channel; CH_NONE: free */
	struct top	 top;		/* CH_BOOK: what is known of the book */
};

struct state {
	struct slot	 slots[CHANNEL_SLOTS];
	uint32_t	 next;		/* the slot to take when all are used */
};

static int	 bitfinex_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 bitfinex_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 bitfinex_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);
static size_t	 bitfinex_state_size(const struct tk_symmap *);

static void	 parse_frame(struct tk__frame *, json_t *root);
static void	 parse_event(struct tk__frame *, json_t *o);
static void	 parse_subscribed(struct tk__frame *, json_t *o);
static void	 parse_info(struct tk__frame *, json_t *o);
static void	 parse_error(struct tk__frame *, json_t *o);
static void	 parse_data(struct tk__frame *, json_t *a);
static void	 parse_snapshot(struct tk__frame *, const struct slot *,
		    json_t *items);
static int	 parse_trade(struct tk__frame *, const struct slot *,
		    json_t *item, unsigned flags);
static void	 parse_book(struct tk__frame *, struct slot *, json_t *what);
static int	 book_snapshot(struct tk__frame *, json_t *levels,
		    struct top *);
static int	 book_update(struct tk__frame *, json_t *item, struct top *);
static int	 parse_level(struct tk__frame *, json_t *item, struct level *);
static bool	 top_same(const struct top *, const struct top *);
static struct slot *find_slot(const struct tk__frame *, json_t *id);
static void	 emit_at(struct tk__frame *, struct tk_tick *,
		    const struct slot *, unsigned flags);

const struct tk_adapter tk__adapter_bitfinex = {
	.name = "bitfinex",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://api-pub.bitfinex.com/ws/2",
	.types = TK_TYPES_ALL,
	.native_symbol = bitfinex_native_symbol,
	.subscribe = bitfinex_subscribe,
	.parse = bitfinex_parse,
	/* The server sends "hb" every 15 s per channel; WebSocket pings
	 * do the rest. */
	.ping_message = NULL,
	.ping_interval_s = 0,
	.max_connection_s = 0,
	.max_subscriptions = MAX_SUBSCRIPTIONS,
	.state_size = bitfinex_state_size,
};

static size_t
bitfinex_state_size(const struct tk_symmap *map)
{
	(void)map;
	return sizeof(struct state);
}

/*
 * "BTC-USD" -> "tBTCUSD"; a currency code longer than three letters takes
 * a colon ("TESTBTC-TESTUSD" -> "tTESTBTC:TESTUSD"); Bitfinex calls USDT
 * "UST" ("BTC-USDT" -> "tBTCUST").  Other codes are Bitfinex's own (IOT
 * for IOTA, DSH for DASH): configure them as Bitfinex spells them.  Spot
 * only.
 */
static int
bitfinex_native_symbol(const char *unified, char *buf, size_t cap)
{
	char base[TK_SYMBOL_MAX], quote[TK_SYMBOL_MAX];
	const char *dash;
	int n;

	if (!tk_symbol_valid(unified))
		return -EINVAL;
	dash = strchr(unified, '-');
	if (strchr(dash + 1, '-') != NULL)
		return -EINVAL;		/* a derivatives market */
	snprintf(base, sizeof(base), "%.*s", (int)(dash - unified), unified);
	snprintf(quote, sizeof(quote), "%s", dash + 1);
	if (strcmp(base, "USDT") == 0)
		snprintf(base, sizeof(base), "UST");
	if (strcmp(quote, "USDT") == 0)
		snprintf(quote, sizeof(quote), "UST");
	n = snprintf(buf, cap, "t%s%s%s", base, strlen(base) > 3 ||
	    strlen(quote) > 3 ? ":" : "", quote);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return n;
}

/*
 * One message per subscription, symbol by symbol, trades before book:
 * {"event":"subscribe","channel":"trades","symbol":"tBTCUSD"} and
 * {"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"P0",
 * "freq":"F0","len":"1"}.
 */
static int
bitfinex_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	struct tk__sub s;

	tk__sub_init(&s, map, channels, NCHANNELS, types);
	s.head = SUB_HEAD;
	s.tail = SUB_TAIL;
	s.max_items = 1;
	return tk__sub_write(&s, i, buf, cap);
}

static void
bitfinex_parse(const struct tk_codec_ctx *ctx, const char *frame,
    size_t len, struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, TK__PARSE_ARRAYS, parse_frame);
}

/* jansson gives an object or an array, nothing else, at the top. */
static void
parse_frame(struct tk__frame *f, json_t *root)
{
	if (json_is_object(root))
		parse_event(f, root);
	else
		parse_data(f, root);
}

static void
parse_event(struct tk__frame *f, json_t *o)
{
	int ev = tk__json_name_value(f, json_object_get(o, "event"), "frame",
	    "event", event_names, NEVENT_NAMES);

	if (ev == EV_SUBSCRIBED)
		parse_subscribed(f, o);
	else if (ev == EV_INFO)
		parse_info(f, o);
	else if (ev == EV_ERROR)
		parse_error(f, o);
}

/*
 * {"event":"subscribed","channel":"trades","chanId":N,"symbol":"tBTCUSD",
 * ..}: remembered if the symbol is configured.  A channel id seen again
 * (a resubscription) is updated in place; with every slot taken, the
 * oldest gives way (Bitfinex allows MAX_SUBSCRIPTIONS, fewer than the
 * slots).
 */
static void
parse_subscribed(struct tk__frame *f, json_t *o)
{
	static const char ev[] = "subscribed";
	struct state *st = f->ctx->state;
	json_t *chan, *sym, *id = json_object_get(o, "chanId");
	const char *name;
	struct slot *sl;
	uint32_t channel;
	long idx;
	size_t i;

	tk__frame_classify(f, TK_FRAME_CONTROL);
	if (tk__json_str(f, o, ev, "channel", &chan) < 0 ||
	    tk__json_str(f, o, ev, "symbol", &sym) < 0)
		return;
	if (!json_is_integer(id) || json_integer_value(id) <= 0) {
		tk__frame_fail(f, ev, "chanId", id == NULL ? "is missing" :
		    "is not a positive integer");
		return;
	}
	name = json_string_value(chan);
	channel = strcmp(name, "trades") == 0 ? CH_TRADES :
	    strcmp(name, "book") == 0 ? CH_BOOK : CH_NONE;
	idx = tk_symmap_index(f->ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	if (st == NULL || channel == CH_NONE || idx < 0)
		return;
	for (i = 0; i < CHANNEL_SLOTS &&
	    st->slots[i].chan_id != json_integer_value(id); i++)
		;
	if (i == CHANNEL_SLOTS) {
		for (i = 0; i < CHANNEL_SLOTS &&
		    st->slots[i].channel != CH_NONE; i++)
			;
		if (i == CHANNEL_SLOTS)
			i = st->next++ % CHANNEL_SLOTS;
	}
	sl = &st->slots[i];
	memset(sl, 0, sizeof(*sl));	/* a new book starts unknown */
	sl->chan_id = json_integer_value(id);
	sl->sym = (uint32_t)idx;
	sl->channel = channel;
}

/*
 * {"event":"info","version":2,"platform":{"status":1}} on connecting;
 * {"event":"info","code":20051,"msg":"Stopping. Please try to
 * reconnect"}: the server restarts, so tickerd rotates.  After a
 * maintenance (20061) Bitfinex advises subscribing again: a fresh
 * connection does that.  The start of one (20060) is news only; data
 * stops, and staleness takes over if it lasts.
 */
static void
parse_info(struct tk__frame *f, json_t *o)
{
	json_t *code = json_object_get(o, "code");
	const char *msg = json_string_value(json_object_get(o, "msg"));
	json_int_t c = json_integer_value(code);

	if (code != NULL && !json_is_integer(code)) {
		tk__frame_fail(f, "info", "code", "is not an integer");
		return;
	}
	if (c == INFO_RESTART || c == INFO_MAINT_END) {
		tk__frame_set(f, TK_FRAME_RECONNECT, "code %"
		    JSON_INTEGER_FORMAT ": %s", c, msg != NULL ? msg :
		    "(no message)");
		tk__frame_scrub(f);
		return;
	}
	tk__frame_classify(f, TK_FRAME_CONTROL);
}

/* {"event":"error","msg":"Already subscribed","code":10202,..}. */
static void
parse_error(struct tk__frame *f, json_t *o)
{
	const char *msg = json_string_value(json_object_get(o, "msg"));
	const char *sym = json_string_value(json_object_get(o, "symbol"));
	const char *chan = json_string_value(json_object_get(o, "channel"));

	tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s%s%s%scode %"
	    JSON_INTEGER_FORMAT ": %s", chan != NULL ? chan : "",
	    chan != NULL ? " " : "", sym != NULL ? sym : "",
	    chan != NULL || sym != NULL ? ": " : "",
	    json_integer_value(json_object_get(o, "code")),
	    msg != NULL ? msg : "(no message)");
	tk__frame_scrub(f);
}

/*
 * [ID, "hb"], [ID, "te", [..]], [ID, "tu", [..]], [ID, [..]] (a trades
 * snapshot, a book snapshot or a book update), each perhaps with a
 * sequence number after.
 */
static void
parse_data(struct tk__frame *f, json_t *a)
{
	json_t *id = json_array_get(a, 0), *what = json_array_get(a, 1);
	const char *tag = json_string_value(what);
	struct slot *sl;

	if (!json_is_integer(id)) {
		tk__frame_set(f, TK_FRAME_MALFORMED, "data: [0] is not a "
		    "channel id");
		return;
	}
	if (tag != NULL && strcmp(tag, "hb") == 0) {
		tk__frame_classify(f, TK_FRAME_CONTROL);
		return;
	}
	if (tag != NULL && strcmp(tag, "te") != 0)
		return;		/* tu, fte, ftu: market data we do not use */
	if (tag == NULL && !json_is_array(what)) {
		tk__frame_set(f, TK_FRAME_MALFORMED, "data: [1] is neither a "
		    "message type nor an array");
		return;
	}
	sl = find_slot(f, id);
	if (tag != NULL) {
		if (sl != NULL && sl->channel != CH_TRADES)
			tk__frame_set(f, TK_FRAME_MALFORMED, "te: channel %"
			    JSON_INTEGER_FORMAT " is not a trades channel",
			    json_integer_value(id));
		else
			(void)parse_trade(f, sl, json_array_get(a, 2), 0);
	} else if (sl == NULL) {
		f->res->unknown++;	/* no ack named it */
	} else if (sl->channel == CH_TRADES) {
		parse_snapshot(f, sl, what);
	} else {
		parse_book(f, sl, what);
	}
}

static struct slot *
find_slot(const struct tk__frame *f, json_t *id)
{
	struct state *st = f->ctx->state;
	json_int_t want = json_integer_value(id);
	size_t i;

	if (st == NULL || want <= 0)
		return NULL;
	for (i = 0; i < CHANNEL_SLOTS; i++)
		if (st->slots[i].channel != CH_NONE &&
		    st->slots[i].chan_id == want)
			return &st->slots[i];
	return NULL;
}

/* The trades before the subscription: checked, never published. */
static void
parse_snapshot(struct tk__frame *f, const struct slot *sl, json_t *items)
{
	json_t *item;
	size_t i;

	json_array_foreach(items, i, item)
		if (parse_trade(f, sl, item, TK__EMIT_QUIET) < 0)
			return;
}

/*
 * [ID, MTS, AMOUNT, PRICE]: a positive AMOUNT is a taker buy, a negative
 * one a taker sell.  A funding trade ([ID, MTS, AMOUNT, RATE, PERIOD]) is
 * not a trading pair's; the channel says which it is, so its fifth field
 * is ignored.
 */
static int
parse_trade(struct tk__frame *f, const struct slot *sl, json_t *item,
    unsigned flags)
{
	static const char ev[] = "trade";
	struct tk_tick t;

	if (!json_is_array(item) || json_array_size(item) < 4) {
		tk__frame_set(f, TK_FRAME_MALFORMED, "trade: not an array "
		    "[ID, MTS, AMOUNT, PRICE]");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__json_id_int_value(f, json_array_get(item, 0), ev, "ID",
	    t.trade_id) < 0 ||
	    tk__json_ms_value(f, json_array_get(item, 1), ev, "MTS", MS,
	    &t.ts) < 0 ||
	    tk__json_num_value(f, json_array_get(item, 2), ev, "AMOUNT",
	    TK__DEC_SIGNED, &t.size) < 0 ||
	    tk__json_num_value(f, json_array_get(item, 3), ev, "PRICE", 0,
	    &t.price) < 0)
		return -1;
	if (t.size.mant == 0)
		return tk__frame_fail(f, ev, "AMOUNT", "is zero");
	t.side = t.size.mant > 0 ? TK_SIDE_BUY : TK_SIDE_SELL;
	if (t.size.mant < 0)
		t.size.mant = -t.size.mant;
	emit_at(f, &t, sl, flags);
	return 0;
}

/*
 * A snapshot (its first element an array, or no element) or an update of
 * a book channel, applied to a copy of the slot's top: a malformed frame
 * changes nothing.  A quote when both sides are known and one changed.
 */
static void
parse_book(struct tk__frame *f, struct slot *sl, json_t *what)
{
	struct top top = sl->top;
	struct tk_tick t;
	int rc;

	if (json_array_size(what) == 0 ||
	    json_is_array(json_array_get(what, 0)))
		rc = book_snapshot(f, what, &top);
	else
		rc = book_update(f, what, &top);
	if (rc < 0 || top_same(&top, &sl->top))
		return;
	sl->top = top;
	if (!top.has_bid || !top.has_ask)
		return;
	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	t.bid = top.bid;
	t.bid_size = top.bid_size;
	t.ask = top.ask;
	t.ask_size = top.ask_size;
	t.ts = f->ctx->recv_ts;
	emit_at(f, &t, sl, 0);
}

/*
 * [[PRICE, COUNT, AMOUNT], ..]: the whole book, so @top starts over; the
 * best of each side is kept (one level a side with len 1, but a longer
 * book is read right too).
 */
static int
book_snapshot(struct tk__frame *f, json_t *levels, struct top *top)
{
	struct level lv;
	json_t *item;
	size_t i;

	memset(top, 0, sizeof(*top));
	json_array_foreach(levels, i, item) {
		if (parse_level(f, item, &lv) < 0)
			return -1;
		if (lv.count == 0)
			return tk__frame_fail(f, "book", "COUNT",
			    "is zero in a snapshot");
		if (lv.amount.mant > 0 && (!top->has_bid ||
		    tk_dec_cmp(&lv.price, &top->bid) > 0)) {
			top->bid = lv.price;
			top->bid_size = lv.amount;
			top->has_bid = true;
		} else if (lv.amount.mant < 0 && (!top->has_ask ||
		    tk_dec_cmp(&lv.price, &top->ask) < 0)) {
			top->ask = lv.price;
			top->ask_size = lv.amount;
			top->ask_size.mant = -lv.amount.mant;
			top->has_ask = true;
		}
	}
	return 0;
}

/*
 * [PRICE, COUNT, AMOUNT]: with one level a side, a level that is added or
 * changes is that side's best; COUNT 0 removes the side's best, which is
 * unknown until its successor arrives.
 */
static int
book_update(struct tk__frame *f, json_t *item, struct top *top)
{
	struct level lv;
	bool bid;

	if (parse_level(f, item, &lv) < 0)
		return -1;
	bid = lv.amount.mant > 0;
	if (lv.count == 0) {
		if (bid)
			top->has_bid = false;
		else
			top->has_ask = false;
		return 0;
	}
	if (lv.amount.mant < 0)
		lv.amount.mant = -lv.amount.mant;
	if (bid) {
		top->bid = lv.price;
		top->bid_size = lv.amount;
		top->has_bid = true;
	} else {
		top->ask = lv.price;
		top->ask_size = lv.amount;
		top->has_ask = true;
	}
	return 0;
}

/* [PRICE, COUNT, AMOUNT]: COUNT an integer >= 0, AMOUNT not zero. */
static int
parse_level(struct tk__frame *f, json_t *item, struct level *lv)
{
	static const char ev[] = "book";
	json_t *count = json_array_get(item, 1);

	if (!json_is_array(item) || json_array_size(item) < 3) {
		tk__frame_set(f, TK_FRAME_MALFORMED, "book: not an array "
		    "[PRICE, COUNT, AMOUNT]");
		return -1;
	}
	if (tk__json_num_value(f, json_array_get(item, 0), ev, "PRICE", 0,
	    &lv->price) < 0 ||
	    tk__json_num_value(f, json_array_get(item, 2), ev, "AMOUNT",
	    TK__DEC_SIGNED, &lv->amount) < 0)
		return -1;
	if (!json_is_integer(count) || json_integer_value(count) < 0)
		return tk__frame_fail(f, ev, "COUNT", "is not an integer "
		    ">= 0");
	if (lv->amount.mant == 0)
		return tk__frame_fail(f, ev, "AMOUNT", "is zero");
	lv->count = json_integer_value(count);
	return 0;
}

/* Whether two tops say the same: what is unknown is not compared. */
static bool
top_same(const struct top *a, const struct top *b)
{
	if (a->has_bid != b->has_bid || a->has_ask != b->has_ask)
		return false;
	if (a->has_bid && (tk_dec_cmp(&a->bid, &b->bid) != 0 ||
	    tk_dec_cmp(&a->bid_size, &b->bid_size) != 0))
		return false;
	return !a->has_ask || (tk_dec_cmp(&a->ask, &b->ask) == 0 &&
	    tk_dec_cmp(&a->ask_size, &b->ask_size) == 0);
}

/* Data of a channel no ack named is counted as unknown. */
static void
emit_at(struct tk__frame *f, struct tk_tick *t, const struct slot *sl,
    unsigned flags)
{
	const char *native;

	if (sl == NULL) {
		f->res->unknown++;
		return;
	}
	native = tk_symmap_native_at(f->ctx->symbols, sl->sym);
	if (native == NULL) {
		f->res->unknown++;
		return;
	}
	tk__emit(f, t, native, strlen(native), flags);
}
