/* SPDX-License-Identifier: MIT */
/*
 * Coinbase Exchange ws-feed public market data: subscribe messages and frame
 * parsing (tests/fixtures/coinbase/PROVENANCE.md has the protocol notes).
 *
 * Trades come from the "matches" channel ("match", plus one "last_match"
 * replay per product after subscribing), quotes from "ticker".  Prices and
 * sizes are JSON strings, ids JSON numbers, times ISO-8601 text with
 * microseconds.  Product ids are already unified BASE-QUOTE.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/isotime.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

/*
 * Coinbase documents no limit on product_ids per subscribe, but the daemon
 * sends from an 8 KiB buffer, so long lists are split into several
 * subscribe messages (each is acked with the whole subscription set).
 */
#define SUB_MAX_BYTES	4096	/* every message is shorter than this */

#define SUB_HEAD	"{\"type\":\"subscribe\",\"product_ids\":["
#define SUB_MID		"],\"channels\":["
#define SUB_TAIL	"]}"

#define SHOWN_MAX	32	/* bytes of a bad value quoted in a detail */

struct frame {
	const struct tk_codec_ctx	*ctx;
	struct tk_frame_result		*res;
};

/* Channels in subscription order, one per tick type we offer. */
static const struct {
	enum tk_tick_type	 type;
	const char		*name;
} channels[] = {
	{ TK_TICK_TRADE, "matches" },
	{ TK_TICK_QUOTE, "ticker" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum msg {
	MSG_MATCH,
	MSG_TICKER,
	MSG_ERROR,
	MSG_CONTROL,
	MSG_UNUSED,		/* market data of channels we never ask for */
};

/* Hot types first: the list is searched linearly. */
static const struct {
	const char	*name;
	enum msg	 msg;
} msgs[] = {
	{ "match", MSG_MATCH },
	{ "ticker", MSG_TICKER },
	{ "l2update", MSG_UNUSED },
	{ "heartbeat", MSG_CONTROL },
	{ "last_match", MSG_MATCH },
	{ "subscriptions", MSG_CONTROL },
	{ "error", MSG_ERROR },
	{ "snapshot", MSG_UNUSED },
	{ "received", MSG_UNUSED },
	{ "open", MSG_UNUSED },
	{ "done", MSG_UNUSED },
	{ "change", MSG_UNUSED },
	{ "activate", MSG_UNUSED },
};
#define NMSGS		(sizeof(msgs) / sizeof(msgs[0]))

static int	 coinbase_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 coinbase_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 coinbase_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static size_t	 channels_len(unsigned types);
static size_t	 chunk_end(const struct tk_symmap *, size_t start,
		    size_t fixed);
static size_t	 put(char *buf, size_t off, const char *s);

static void	 parse_object(struct frame *, json_t *o);
static void	 parse_match(struct frame *, json_t *o, const char *ev);
static void	 parse_ticker(struct frame *, json_t *o);
static void	 parse_error(struct frame *, json_t *o);
static void	 emit_tick(struct frame *, struct tk_tick *, json_t *sym);
static int	 get_symbol(struct frame *, json_t *o, const char *ev,
		    json_t **out);
static int	 get_dec(struct frame *, json_t *o, const char *ev,
		    const char *key, int optional, struct tk_dec *out);
static int	 get_time(struct frame *, json_t *o, const char *ev,
		    int optional, int64_t *us);
static int	 get_id(struct frame *, json_t *o, const char *ev,
		    const char *key, char *buf);
static int	 get_maker_side(struct frame *, json_t *o, const char *ev,
		    enum tk_side *out);
static int	 bad_value(struct frame *, const char *ev, const char *key,
		    json_t *v, const char *why);
static void	 classify(struct frame *, enum tk_frame_kind);
static void	 set_kind(struct frame *, enum tk_frame_kind, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int	 bad_field(struct frame *, const char *ev, const char *key,
		    const char *why);

const struct tk_adapter tk_adapter_coinbase = {
	.name = "coinbase",
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
	size_t n;

	if (!tk_symbol_valid(unified))
		return -EINVAL;
	n = strlen(unified);
	if (n + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(buf, unified, n + 1);
	return (int)n;
}

/*
 * Message @i subscribes the @i-th greedy chunk of the products (in map
 * order) to every wanted channel.  Message 0 is sent on connect, which
 * meets the 5 s subscribe deadline.  Chunk boundaries depend only on the
 * map and @types, so i = 0, 1, 2, ... walks a stable sequence.
 */
static int
coinbase_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	size_t total = tk_symmap_count(map), start = 0, end = 0, fixed, len;
	size_t j, off, nchan = 0;
	unsigned k;

	if ((len = channels_len(types)) == 0)
		return 0;		/* no channel wanted */
	fixed = sizeof(SUB_HEAD) - 1 + sizeof(SUB_MID) - 1 +
	    sizeof(SUB_TAIL) - 1 + len;
	for (k = 0;; k++, start = end) {
		if (start >= total)
			return 0;
		end = chunk_end(map, start, fixed);
		if (k == i)
			break;
	}
	len = fixed;
	for (j = start; j < end; j++)
		len += strlen(tk_symmap_native_at(map, j)) + 2 + (j > start);
	if (len + 1 > cap)
		return -ENOSPC;
	off = put(buf, 0, SUB_HEAD);
	for (j = start; j < end; j++) {
		off = put(buf, off, j > start ? ",\"" : "\"");
		off = put(buf, off, tk_symmap_native_at(map, j));
		off = put(buf, off, "\"");
	}
	off = put(buf, off, SUB_MID);
	for (j = 0; j < NCHANNELS; j++) {
		if (!(types & TK_TYPE_BIT(channels[j].type)))
			continue;
		off = put(buf, off, nchan++ > 0 ? ",\"" : "\"");
		off = put(buf, off, channels[j].name);
		off = put(buf, off, "\"");
	}
	off = put(buf, off, SUB_TAIL);
	buf[off] = '\0';
	return (int)off;
}

/* Bytes of the quoted, comma-separated channel names wanted in @types. */
static size_t
channels_len(unsigned types)
{
	size_t j, len = 0, n = 0;

	for (j = 0; j < NCHANNELS; j++) {
		if (types & TK_TYPE_BIT(channels[j].type))
			len += strlen(channels[j].name) + 2 + (n++ > 0);
	}
	return len;
}

/* End of the chunk of products starting at @start. */
static size_t
chunk_end(const struct tk_symmap *map, size_t start, size_t fixed)
{
	size_t total = tk_symmap_count(map), j, add, len = fixed;

	for (j = start; j < total; j++) {
		add = strlen(tk_symmap_native_at(map, j)) + 2 + (j > start);
		/* One product always fits, so every chunk makes progress. */
		if (j > start && len + add >= SUB_MAX_BYTES)
			break;
		len += add;
	}
	return j;
}

static size_t
put(char *buf, size_t off, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf + off, s, n);
	return off + n;
}

static void
coinbase_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	struct frame f = { ctx, res };
	json_error_t jerr;
	json_t *root;

	memset(res, 0, sizeof(*res));
	res->kind = TK_FRAME_DATA;
	if (frame == NULL || len == 0) {
		set_kind(&f, TK_FRAME_MALFORMED, "empty frame");
		return;
	}
	root = json_loadb(frame, len, 0, &jerr);
	if (root == NULL) {
		set_kind(&f, TK_FRAME_MALFORMED, "invalid JSON at byte %d: %s",
		    jerr.position, jerr.text);
		return;
	}
	if (json_is_object(root))
		parse_object(&f, root);
	else
		set_kind(&f, TK_FRAME_MALFORMED, "frame is not a JSON object");
	json_decref(root);
}

/* Every ws-feed message names itself in "type". */
static void
parse_object(struct frame *f, json_t *o)
{
	json_t *type = json_object_get(o, "type");
	const char *name = json_string_value(type);
	size_t i;

	if (type == NULL) {
		bad_field(f, "frame", "type", "is missing");
		return;
	}
	if (name == NULL) {
		bad_field(f, "frame", "type", "is not a string");
		return;
	}
	for (i = 0; i < NMSGS && strcmp(msgs[i].name, name) != 0; i++)
		;
	if (i == NMSGS) {
		/* "New message types may appear at any time": not garbage. */
		classify(f, TK_FRAME_CONTROL);
		return;
	}
	switch (msgs[i].msg) {
	case MSG_MATCH:
		parse_match(f, o, msgs[i].name);
		break;
	case MSG_TICKER:
		parse_ticker(f, o);
		break;
	case MSG_ERROR:
		parse_error(f, o);
		break;
	case MSG_CONTROL:
		classify(f, TK_FRAME_CONTROL);
		break;
	case MSG_UNUSED:
		classify(f, TK_FRAME_DATA);
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
parse_match(struct frame *f, json_t *o, const char *ev)
{
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_symbol(f, o, ev, &sym) < 0 ||
	    get_dec(f, o, ev, "price", 0, &t.price) < 0 ||
	    get_dec(f, o, ev, "size", 0, &t.size) < 0 ||
	    get_id(f, o, ev, "trade_id", t.trade_id) < 0 ||
	    get_maker_side(f, o, ev, &t.side) < 0 ||
	    get_time(f, o, ev, 0, &t.ts) < 0)
		return;
	emit_tick(f, &t, sym);
}

/*
 * best_bid/best_ask are the top of book after the event.  The sizes came
 * later (2022) and are "no value" when absent.  The ticker's last-trade
 * fields (price, side, last_size) are ignored: trades come from matches.
 * The first ticker after subscribing has been seen without "time"; the
 * receive time stands in then.
 */
static void
parse_ticker(struct frame *f, json_t *o)
{
	static const char ev[] = "ticker";
	struct tk_tick t;
	json_t *sym;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_symbol(f, o, ev, &sym) < 0 ||
	    get_dec(f, o, ev, "best_bid", 0, &t.bid) < 0 ||
	    get_dec(f, o, ev, "best_bid_size", 1, &t.bid_size) < 0 ||
	    get_dec(f, o, ev, "best_ask", 0, &t.ask) < 0 ||
	    get_dec(f, o, ev, "best_ask_size", 1, &t.ask_size) < 0 ||
	    (r = get_time(f, o, ev, 1, &t.ts)) < 0)
		return;
	if (r == 0)
		t.ts = f->ctx->recv_ts;
	emit_tick(f, &t, sym);
}

/* {"type":"error","message":"Failed to subscribe","reason":"..."} */
static void
parse_error(struct frame *f, json_t *o)
{
	const char *msg = json_string_value(json_object_get(o, "message"));
	const char *why = json_string_value(json_object_get(o, "reason"));
	char *p;

	if (msg == NULL)
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "error without a message");
	else if (why != NULL && why[0] != '\0')
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s: %s", msg, why);
	else
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s", msg);
	/* The exchange's words end up in one log line. */
	for (p = f->res->detail; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

/*
 * The frame is valid data from here on.  Products nobody configured are
 * counted rather than guessed at; unwanted types are dropped quietly.
 */
static void
emit_tick(struct frame *f, struct tk_tick *t, json_t *sym)
{
	const struct tk_codec_ctx *ctx = f->ctx;
	const char *unified;

	unified = tk_symmap_to_unified(ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	if (unified == NULL) {
		f->res->unknown++;
		return;
	}
	if (!(ctx->types & TK_TYPE_BIT(t->type)))
		return;
	if (ctx->exchange != NULL)
		(void)tk_tick_set_str(t->exchange, sizeof(t->exchange),
		    ctx->exchange, strlen(ctx->exchange));
	(void)tk_tick_set_str(t->symbol, sizeof(t->symbol), unified,
	    strlen(unified));
	t->recv_ts = ctx->recv_ts;
	f->res->nticks++;
	if (ctx->emit != NULL)
		ctx->emit(ctx->emit_ud, t);
}

static int
get_symbol(struct frame *f, json_t *o, const char *ev, json_t **out)
{
	json_t *s = json_object_get(o, "product_id");

	if (s == NULL)
		return bad_field(f, ev, "product_id", "is missing");
	if (!json_is_string(s))
		return bad_field(f, ev, "product_id", "is not a string");
	*out = s;
	return 0;
}

/*
 * Decimal text, never a JSON number.  With @optional, an absent key or
 * JSON null is "no value" (an invalid decimal, printed as null).
 */
static int
get_dec(struct frame *f, json_t *o, const char *ev, const char *key,
    int optional, struct tk_dec *out)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	struct tk_dec d;
	int r;

	if (optional && (v == NULL || json_is_null(v))) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (s == NULL)
		return bad_field(f, ev, key, "is not a string");
	r = tk_dec_parse(s, json_string_length(v), &d);
	if (r == 0 && d.mant >= 0) {
		*out = d;
		return 0;
	}
	return bad_value(f, ev, key, v, r == -ERANGE ? "is out of range" :
	    r < 0 ? "is not a decimal" : "is negative");
}

/* Returns 1 with *us set, 0 if absent and @optional, -1 if malformed. */
static int
get_time(struct frame *f, json_t *o, const char *ev, int optional,
    int64_t *us)
{
	json_t *v = json_object_get(o, "time");
	int64_t t;

	if (v == NULL)
		return optional ? 0 : bad_field(f, ev, "time", "is missing");
	if (!json_is_string(v))
		return bad_field(f, ev, "time", "is not a string");
	if (tk_iso8601_parse_us(json_string_value(v), json_string_length(v),
	    &t) < 0)
		return bad_value(f, ev, "time", v, "is not an ISO-8601 time");
	if (t < 0)
		return bad_value(f, ev, "time", v, "is before 1970");
	*us = t;
	return 1;
}

/* trade_id is a JSON integer, per product; clients get it as text. */
static int
get_id(struct frame *f, json_t *o, const char *ev, const char *key,
    char *buf)
{
	json_t *v = json_object_get(o, key);
	json_int_t id;

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (!json_is_integer(v))
		return bad_field(f, ev, key, "is not an integer");
	if ((id = json_integer_value(v)) < 0)
		return bad_field(f, ev, key, "is negative");
	snprintf(buf, TK_TRADE_ID_MAX, "%" JSON_INTEGER_FORMAT, id);
	return 0;
}

/* Maker "buy" -> taker sold; maker "sell" -> taker bought. */
static int
get_maker_side(struct frame *f, json_t *o, const char *ev, enum tk_side *out)
{
	json_t *v = json_object_get(o, "side");
	const char *s = json_string_value(v);

	if (v == NULL) {
		*out = TK_SIDE_UNKNOWN;
		return 0;
	}
	if (s == NULL)
		return bad_field(f, ev, "side", "is not a string");
	if (strcmp(s, "buy") == 0)
		*out = TK_SIDE_SELL;
	else if (strcmp(s, "sell") == 0)
		*out = TK_SIDE_BUY;
	else
		return bad_value(f, ev, "side", v, "is not \"buy\" or \"sell\"");
	return 0;
}

/* Quotes a bounded, escaped prefix of string @v: the detail ends up in logs. */
static int
bad_value(struct frame *f, const char *ev, const char *key, json_t *v,
    const char *why)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), shown;
	char esc[6 * SHOWN_MAX + 1];
	int n;

	shown = len < SHOWN_MAX ? len : SHOWN_MAX;
	n = tk_json_escape(s, shown, esc, sizeof(esc) - 1);
	esc[n > 0 ? n : 0] = '\0';
	set_kind(f, TK_FRAME_MALFORMED, "%s: field \"%s\": \"%s%s\" %s", ev,
	    key, esc, shown < len ? "..." : "", why);
	return -1;
}

/* A kind that needs no explanation. */
static void
classify(struct frame *f, enum tk_frame_kind kind)
{
	f->res->kind = kind;
	f->res->detail[0] = '\0';
}

static void
set_kind(struct frame *f, enum tk_frame_kind kind, const char *fmt, ...)
{
	va_list ap;

	f->res->kind = kind;
	va_start(ap, fmt);
	vsnprintf(f->res->detail, sizeof(f->res->detail), fmt, ap);
	va_end(ap);
}

/* Marks the frame malformed; returns -1 for the getters to pass on. */
static int
bad_field(struct frame *f, const char *ev, const char *key, const char *why)
{
	set_kind(f, TK_FRAME_MALFORMED, "%s: field \"%s\" %s", ev, key, why);
	return -1;
}
