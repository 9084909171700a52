/* SPDX-License-Identifier: MIT */
/*
 * Bybit v5 public spot market data: subscribe messages and frame parsing
 * (tests/fixtures/bybit/PROVENANCE.md has the protocol notes).
 *
 * Trades come from "publicTrade.<symbol>" (several per frame), quotes from
 * "orderbook.1.<symbol>": spot "tickers" carries no bid or ask at all.
 * Prices and sizes are strings; times are JSON numbers in ms (accepted as
 * digit strings too, as one docs note shows them).  Linear and option
 * frames of the same shapes parse the same way.
 *
 * Quotes and the level-1 book.  A snapshot holds the whole (one-level)
 * book.  A delta lists, per side, the levels that changed: size "0"
 * removes a level, any other size sets one, and an empty list means "no
 * change on this side".  So a delta can only be read against the book the
 * connection already has: that is the per-connection codec state (the
 * level-1 book of every configured symbol).  Without state, a delta that
 * leaves a side unsaid gives no quote rather than a false null.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

/* 9999-12-31T23:59:59.999Z: later "times" are garbage, and ms * 1000
 * stays far from INT64_MAX below it. */
#define MS_MAX		INT64_C(253402300799999)
#define MS_DIGITS_MAX	15

/* Spot refuses a request with more ("args size >10"). */
#define SUB_MAX_ARGS	10

#define SUB_HEAD	"{\"op\":\"subscribe\",\"args\":["
#define SUB_TAIL	"],\"req_id\":\""
#define TOPIC_MAX	(TK_SYMBOL_MAX + 16)	/* "orderbook.1.<native>" */

#define TRADE_PREFIX	"publicTrade."
#define BOOK_PREFIX	"orderbook.1."
#define SYSTEM_PREFIX	"system."

/* One parse() call. */
struct frame {
	const struct tk_codec_ctx	*ctx;
	struct tk_frame_result		*res;
};

/* Topics in subscription order, one per tick type we offer. */
static const struct {
	enum tk_tick_type	 type;
	const char		*prefix;
} channels[] = {
	{ TK_TICK_TRADE, TRADE_PREFIX },
	{ TK_TICK_QUOTE, BOOK_PREFIX },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum book_side {
	BOOK_BID,	/* best = highest price */
	BOOK_ASK,	/* best = lowest price */
};

static int	 bybit_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 bybit_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 bybit_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static size_t	 topic_text(const struct tk_symmap *, const unsigned *chans,
		    size_t nchans, size_t j, char *buf);
static size_t	 message_len(const struct tk_symmap *, const unsigned *chans,
		    size_t nchans, size_t start, size_t end, unsigned id);
static size_t	 uint_text(unsigned long long v, char *buf);

static int	 has_prefix(const char *s, const char *prefix);
/* One side of a level-1 book; price invalid when the side is empty. */
struct level {
	struct tk_dec	 px, sz;
};

/* The codec state: the book of each configured symbol, by symmap index. */
struct book {
	struct level	 bid, ask;
};

static size_t	 bybit_state_size(const struct tk_symmap *);
static void	 parse_object(struct frame *, json_t *o);
static void	 parse_reply(struct frame *, json_t *o);
static void	 parse_topic(struct frame *, json_t *o, json_t *topic);
static void	 parse_trades(struct frame *, json_t *o);
static void	 parse_trade(struct frame *, json_t *item, json_t *msg);
static void	 parse_book(struct frame *, json_t *o);
static int	 top_level(struct frame *, json_t *data, const char *key,
		    enum book_side, struct level *best, struct level *cur,
		    int *listed);
static void	 emit_tick(struct frame *, struct tk_tick *, json_t *sym);
static int	 get_symbol(struct frame *, json_t *o, const char *ev,
		    json_t **out);
static int	 get_dec(struct frame *, json_t *v, const char *ev,
		    const char *key, struct tk_dec *out);
static int	 get_ms(struct frame *, json_t *o, const char *ev,
		    const char *key, int64_t *us);
static int	 get_id(struct frame *, json_t *o, const char *ev,
		    const char *key, char *buf);
static int	 get_side(struct frame *, json_t *o, const char *ev,
		    enum tk_side *out);
static int	 bad_text(struct frame *, const char *ev, const char *key,
		    const char *s, size_t len, const char *why);
static void	 classify(struct frame *, enum tk_frame_kind);
static void	 set_kind(struct frame *, enum tk_frame_kind, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int	 bad_field(struct frame *, const char *ev, const char *key,
		    const char *why);

const struct tk_adapter tk_adapter_bybit = {
	.name = "bybit",
	.default_url = "wss://stream.bybit.com/v5/public/spot",
	.types = TK_TYPES_ALL,
	.native_symbol = bybit_native_symbol,
	.subscribe = bybit_subscribe,
	.parse = bybit_parse,
	/* Bybit recommends a ping every 20 s; it cuts idle ones at 10 min. */
	.ping_message = "{\"op\":\"ping\"}",
	.ping_interval_s = 20,
	.max_connection_s = 0,
	.state_size = bybit_state_size,
};

static size_t
bybit_state_size(const struct tk_symmap *map)
{
	return tk_symmap_count(map) * sizeof(struct book);
}

/* "BTC-USDT" -> "BTCUSDT", the form of topics and of "s". */
static int
bybit_native_symbol(const char *unified, char *buf, size_t cap)
{
	size_t n = 0;

	if (!tk_symbol_valid(unified))
		return -EINVAL;
	for (; *unified != '\0'; unified++) {
		if (*unified == '-')
			continue;
		if (n + 1 >= cap)
			return -ENAMETOOLONG;
		buf[n++] = *unified;
	}
	buf[n] = '\0';
	return (int)n;
}

/*
 * Message @i carries topics 10i .. 10i+9 of the list (every symbol's
 * topics, in map order) with req_id "i+1", so that a refusal can be
 * matched to its chunk.  Ten short topics stay far below any size limit.
 */
static int
bybit_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	unsigned chans[NCHANNELS];
	size_t nchans = 0, total, start, end, len, j, off;

	for (j = 0; j < NCHANNELS; j++)
		if (types & TK_TYPE_BIT(channels[j].type))
			chans[nchans++] = (unsigned)j;
	total = tk_symmap_count(map) * nchans;
	if (i >= (total + SUB_MAX_ARGS - 1) / SUB_MAX_ARGS)
		return 0;
	start = (size_t)i * SUB_MAX_ARGS;
	end = start + SUB_MAX_ARGS < total ? start + SUB_MAX_ARGS : total;
	len = message_len(map, chans, nchans, start, end, i + 1);
	if (len + 1 > cap)
		return -ENOSPC;
	memcpy(buf, SUB_HEAD, sizeof(SUB_HEAD) - 1);
	off = sizeof(SUB_HEAD) - 1;
	for (j = start; j < end; j++) {
		if (j > start)
			buf[off++] = ',';
		buf[off++] = '"';
		off += topic_text(map, chans, nchans, j, buf + off);
		buf[off++] = '"';
	}
	memcpy(buf + off, SUB_TAIL, sizeof(SUB_TAIL) - 1);
	off += sizeof(SUB_TAIL) - 1;
	off += uint_text((unsigned long long)i + 1, buf + off);
	buf[off++] = '"';
	buf[off++] = '}';
	buf[off] = '\0';
	return (int)off;
}

/* Writes topic @j ("publicTrade.BTCUSDT"), without quotes or a NUL. */
static size_t
topic_text(const struct tk_symmap *map, const unsigned *chans, size_t nchans,
    size_t j, char *buf)
{
	const char *native = tk_symmap_native_at(map, j / nchans);
	const char *prefix = channels[chans[j % nchans]].prefix;
	size_t plen = strlen(prefix), nlen = strlen(native);

	memcpy(buf, prefix, plen);
	memcpy(buf + plen, native, nlen);
	return plen + nlen;
}

/* Length of the message for topics [@start, @end) with req_id @id. */
static size_t
message_len(const struct tk_symmap *map, const unsigned *chans,
    size_t nchans, size_t start, size_t end, unsigned id)
{
	char topic[TOPIC_MAX], digits[24];
	size_t len, j;

	len = sizeof(SUB_HEAD) - 1 + sizeof(SUB_TAIL) - 1 +
	    uint_text(id, digits) + 2;
	for (j = start; j < end; j++)
		len += topic_text(map, chans, nchans, j, topic) + 2 + (j > start);
	return len;
}

static size_t
uint_text(unsigned long long v, char *buf)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void
bybit_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
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
static void
parse_object(struct frame *f, json_t *o)
{
	json_t *topic = json_object_get(o, "topic");

	if (topic != NULL)
		parse_topic(f, o, topic);
	else if (json_object_get(o, "success") != NULL)
		parse_reply(f, o);
	else if (json_is_string(json_object_get(o, "op")))
		classify(f, TK_FRAME_CONTROL);
	else
		set_kind(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
		    "\"topic\", \"success\" or \"op\"");
}

/* {"success":false,"ret_msg":"Invalid topic: ...","op":"subscribe"}. */
static void
parse_reply(struct frame *f, json_t *o)
{
	json_t *ok = json_object_get(o, "success"), *msg;
	const char *op = json_string_value(json_object_get(o, "op"));
	const char *id = json_string_value(json_object_get(o, "req_id"));
	char req[48] = "";

	if (!json_is_boolean(ok)) {
		bad_field(f, "reply", "success", "is not a boolean");
		return;
	}
	if (json_is_true(ok)) {
		classify(f, TK_FRAME_CONTROL);
		return;
	}
	msg = json_object_get(o, "ret_msg");
	if (msg != NULL && !json_is_string(msg)) {
		bad_field(f, "reply", "ret_msg", "is not a string");
		return;
	}
	/* req_id names the subscribe chunk that was refused. */
	if (id != NULL && id[0] != '\0')
		snprintf(req, sizeof(req), " (req_id %.32s)", id);
	/* The option market's refusals list failTopics without a text. */
	set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s%s: %s", op != NULL ? op :
	    "request", req, json_string_length(msg) > 0 ?
	    json_string_value(msg) : "refused without a message");
}

/*
 * Other topics (tickers, deeper books, klines, ...) are market data we
 * did not ask for; system.status is maintenance information.
 */
static void
parse_topic(struct frame *f, json_t *o, json_t *topic)
{
	const char *name = json_string_value(topic);

	if (name == NULL)
		bad_field(f, "message", "topic", "is not a string");
	else if (has_prefix(name, TRADE_PREFIX))
		parse_trades(f, o);
	else if (has_prefix(name, BOOK_PREFIX))
		parse_book(f, o);
	else if (has_prefix(name, SYSTEM_PREFIX))
		classify(f, TK_FRAME_CONTROL);
	else
		classify(f, TK_FRAME_DATA);
}

/*
 * "data" is an array of up to 1024 trades.  A bad element does not cost
 * the good ones around it: they are emitted, and the frame is reported
 * MALFORMED with the first problem.
 */
static void
parse_trades(struct frame *f, json_t *o)
{
	json_t *data = json_object_get(o, "data"), *item;
	size_t i;

	if (!json_is_array(data)) {
		bad_field(f, "publicTrade", "data", data == NULL ?
		    "is missing" : "is not an array");
		return;
	}
	json_array_foreach(data, i, item) {
		if (json_is_object(item))
			parse_trade(f, item, o);
		else
			set_kind(f, TK_FRAME_MALFORMED, "publicTrade: "
			    "data[%zu] is not an object", i);
	}
}

/* "S" is the taker's side; "T" the fill time, the message "ts" later. */
static void
parse_trade(struct frame *f, json_t *item, json_t *msg)
{
	static const char ev[] = "publicTrade";
	struct tk_tick t;
	json_t *sym;
	int r = 0;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_symbol(f, item, ev, &sym) < 0 ||
	    get_dec(f, json_object_get(item, "p"), ev, "p", &t.price) < 0 ||
	    get_dec(f, json_object_get(item, "v"), ev, "v", &t.size) < 0 ||
	    get_id(f, item, ev, "i", t.trade_id) < 0 ||
	    get_side(f, item, ev, &t.side) < 0 ||
	    (r = get_ms(f, item, ev, "T", &t.ts)) < 0 ||
	    (r == 0 && (r = get_ms(f, msg, ev, "ts", &t.ts)) < 0))
		return;
	if (r == 0) {
		bad_field(f, ev, "T", "is missing (and so is \"ts\")");
		return;
	}
	emit_tick(f, &t, sym);
}

/*
 * Level-1 snapshot or delta (see the top of the file).  "cts" is when the
 * matching engine had this book, "ts" when Bybit pushed it; spot frames
 * carry both, some shapes only "ts".
 */
static void
parse_book(struct frame *f, json_t *o)
{
	static const char ev[] = "orderbook.1";
	json_t *data = json_object_get(o, "data"), *sym;
	const char *type = json_string_value(json_object_get(o, "type"));
	int delta = type != NULL && strcmp(type, "delta") == 0;
	struct book frame_book, *book = &frame_book;
	struct level bid, ask;
	int bid_listed, ask_listed;
	struct tk_tick t;
	long idx = -1;
	int r = 0;

	if (!json_is_object(data)) {
		bad_field(f, ev, "data", data == NULL ? "is missing" :
		    "is not an object");
		return;
	}
	memset(&t, 0, sizeof(t));
	memset(&frame_book, 0, sizeof(frame_book));
	if (get_symbol(f, data, ev, &sym) < 0)
		return;
	idx = tk_symmap_index(f->ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	if (idx >= 0 && f->ctx->state != NULL)
		book = &((struct book *)f->ctx->state)[idx];
	/* a snapshot is read from scratch, a delta against the book */
	if (top_level(f, data, "b", BOOK_BID, &bid,
	    delta ? &book->bid : &frame_book.bid, &bid_listed) < 0 ||
	    top_level(f, data, "a", BOOK_ASK, &ask,
	    delta ? &book->ask : &frame_book.ask, &ask_listed) < 0 ||
	    (r = get_ms(f, o, ev, "cts", &t.ts)) < 0 ||
	    (r == 0 && (r = get_ms(f, o, ev, "ts", &t.ts)) < 0))
		return;
	if (r == 0) {
		bad_field(f, ev, "ts", "is missing (and so is \"cts\")");
		return;
	}
	if (delta && book == &frame_book && (!bid_listed || !ask_listed)) {
		/* a side is "unchanged" from a book we do not have */
		if (idx < 0)
			emit_tick(f, &t, sym);	/* counts the unknown */
		return;
	}
	book->bid = bid;
	book->ask = ask;
	t.type = TK_TICK_QUOTE;
	t.bid = book->bid.px;
	t.bid_size = book->bid.sz;
	t.ask = book->ask.px;
	t.ask_size = book->ask.sz;
	emit_tick(f, &t, sym);
}

/*
 * Side @key of the frame applied to @cur, the side as the connection had
 * it: at depth 1 a snapshot holds one level and a delta sets at most one
 * (the new top); size "0" removes a level, so removing the current top
 * empties the side.  *best gets the result, *listed whether the frame
 * named any level on this side at all.
 */
static int
top_level(struct frame *f, json_t *data, const char *key, enum book_side side,
    struct level *best, struct level *cur, int *listed)
{
	json_t *levels = json_object_get(data, key), *lv;
	struct tk_dec p, s;
	size_t i;
	int better;

	if (!json_is_array(levels))
		return bad_field(f, "orderbook.1", key, levels == NULL ?
		    "is missing" : "is not an array");
	*listed = json_array_size(levels) > 0;
	*best = *cur;
	json_array_foreach(levels, i, lv) {
		if (!json_is_array(lv) || json_array_size(lv) < 2) {
			set_kind(f, TK_FRAME_MALFORMED, "orderbook.1: "
			    "%s[%zu] is not a [price, size] pair", key, i);
			return -1;
		}
		if (get_dec(f, json_array_get(lv, 0), "orderbook.1", key,
		    &p) < 0 || get_dec(f, json_array_get(lv, 1),
		    "orderbook.1", key, &s) < 0)
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

/*
 * The item is valid data from here on.  Symbols nobody configured are
 * counted rather than guessed at; unwanted types are dropped quietly, and
 * so is a quote with neither a bid nor an ask, which would say nothing.
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
	if (t->type == TK_TICK_QUOTE && !t->bid.valid && !t->ask.valid)
		return;
	/* Both fit: the config bounds exchange names, the map symbols. */
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
	json_t *s = json_object_get(o, "s");

	if (s == NULL)
		return bad_field(f, ev, "s", "is missing");
	if (!json_is_string(s))
		return bad_field(f, ev, "s", "is not a string");
	*out = s;
	return 0;
}

/* Decimal text @v (an object member or a book level element). */
static int
get_dec(struct frame *f, json_t *v, const char *ev, const char *key,
    struct tk_dec *out)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	struct tk_dec d;
	int r;

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (s == NULL)
		return bad_field(f, ev, key, "is not a string");
	r = tk_dec_parse(s, len, &d);
	if (r == 0 && d.mant >= 0) {
		*out = d;
		return 0;
	}
	return bad_text(f, ev, key, s, len, r == -ERANGE ? "is out of range" :
	    r < 0 ? "is not a decimal" : "is negative");
}

/*
 * Milliseconds, a JSON integer or a string of digits.  Returns 1 with
 * *us set, 0 if absent, -1 if malformed.
 */
static int
get_ms(struct frame *f, json_t *o, const char *ev, const char *key,
    int64_t *us)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i;
	int64_t ms = 0;

	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		ms = json_integer_value(v);
		if (ms < 0 || ms > MS_MAX)
			return bad_field(f, ev, key, "is not a time in ms "
			    "between 1970 and 9999");
	} else if (s != NULL) {
		for (i = 0; i < len && i < MS_DIGITS_MAX && s[i] >= '0' &&
		    s[i] <= '9'; i++)
			ms = ms * 10 + (s[i] - '0');
		if (len == 0 || i < len || ms > MS_MAX)
			return bad_text(f, ev, key, s, len, "is not a time "
			    "in ms between 1970 and 9999");
	} else {
		return bad_field(f, ev, key, "is not an integer");
	}
	*us = ms * 1000;
	return 1;
}

/* Trade ids are strings: digits on spot, UUIDs on derivatives. */
static int
get_id(struct frame *f, json_t *o, const char *ev, const char *key,
    char *buf)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (s == NULL)
		return bad_field(f, ev, key, "is not a string");
	if (len == 0)
		return bad_field(f, ev, key, "is empty");
	if (tk_tick_set_str(buf, TK_TRADE_ID_MAX, s, len) < 0)
		return bad_text(f, ev, key, s, len, "is too long");
	return 0;
}

/* Without "S" the exchange does not say who took: side unknown. */
static int
get_side(struct frame *f, json_t *o, const char *ev, enum tk_side *out)
{
	json_t *v = json_object_get(o, "S");
	const char *s = json_string_value(v);

	if (v == NULL) {
		*out = TK_SIDE_UNKNOWN;
		return 0;
	}
	if (s == NULL)
		return bad_field(f, ev, "S", "is not a string");
	if (strcmp(s, "Buy") == 0)
		*out = TK_SIDE_BUY;
	else if (strcmp(s, "Sell") == 0)
		*out = TK_SIDE_SELL;
	else
		return bad_text(f, ev, "S", s, json_string_length(v),
		    "is not \"Buy\" or \"Sell\"");
	return 0;
}

/* Quotes a bounded, escaped prefix of @s: the detail ends up in logs. */
static int
bad_text(struct frame *f, const char *ev, const char *key, const char *s,
    size_t len, const char *why)
{
	size_t shown = len < 32 ? len : 32;
	char esc[6 * 32 + 1];
	int n;

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

/* The first problem of a frame is the one reported. */
static void
set_kind(struct frame *f, enum tk_frame_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (f->res->kind == TK_FRAME_MALFORMED)
		return;
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
