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
#define ARG_MAX		(sizeof(ARG_HEAD) + sizeof(ARG_MID) + \
			    sizeof(ARG_TAIL) + 8 + TK_SYMBOL_MAX)

/* Sent ~30 s before a disconnect for a service upgrade. */
#define NOTICE_UPGRADE	"64008"

/* One parse() call. */
struct frame {
	const struct tk_codec_ctx	*ctx;
	struct tk_frame_result		*res;
};

/* Channels in subscription order, one per tick type we offer. */
static const struct {
	enum tk_tick_type	 type;
	const char		*name;
} channels[] = {
	{ TK_TICK_TRADE, "trades" },
	{ TK_TICK_QUOTE, "tickers" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

typedef void item_fn(struct frame *, json_t *item, json_t *inst);

static int	 okx_native_symbol(const char *unified, char *buf, size_t cap);
static int	 okx_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 okx_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static size_t	 arg_text(const struct tk_symmap *, const unsigned *chans,
		    size_t nchans, size_t j, char *buf);
static size_t	 chunk_end(const struct tk_symmap *, const unsigned *chans,
		    size_t nchans, size_t start, size_t *len);

static int	 is_text(const char *frame, size_t len, const char *word);
static void	 parse_object(struct frame *, json_t *o);
static void	 parse_event(struct frame *, json_t *o, json_t *ev);
static void	 parse_error(struct frame *, json_t *o, const char *ev);
static void	 parse_push(struct frame *, json_t *o);
static void	 parse_trade(struct frame *, json_t *item, json_t *inst);
static void	 parse_ticker(struct frame *, json_t *item, json_t *inst);
static void	 emit_tick(struct frame *, struct tk_tick *, json_t *inst);
static int	 get_inst(struct frame *, json_t *o, const char *ev,
		    json_t *fallback, json_t **out);
static int	 get_text(struct frame *, json_t *o, const char *ev,
		    const char *key, const char **out);
static int	 get_dec(struct frame *, json_t *o, const char *ev,
		    const char *key, int empty_ok, struct tk_dec *out);
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

const struct tk_adapter tk_adapter_okx = {
	.name = "okx",
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
 * Message @i carries the @i-th greedy chunk of the arg list (every
 * symbol's channels, in map order).  Chunk boundaries depend only on the
 * map, so calling with i = 0, 1, 2, ... walks a stable sequence.  OKX
 * requests carry no id: acks echo the arg instead.
 */
static int
okx_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	unsigned chans[NCHANNELS];
	size_t nchans = 0, total, start = 0, end, len, j, off;
	unsigned k;

	for (j = 0; j < NCHANNELS; j++)
		if (types & TK_TYPE_BIT(channels[j].type))
			chans[nchans++] = (unsigned)j;
	total = tk_symmap_count(map) * nchans;
	for (k = 0;; k++) {
		if (start >= total)
			return 0;
		end = chunk_end(map, chans, nchans, start, &len);
		if (k == i)
			break;
		start = end;
	}
	if (len + 1 > cap)
		return -ENOSPC;
	memcpy(buf, SUB_HEAD, sizeof(SUB_HEAD) - 1);
	off = sizeof(SUB_HEAD) - 1;
	for (j = start; j < end; j++) {
		if (j > start)
			buf[off++] = ',';
		off += arg_text(map, chans, nchans, j, buf + off);
	}
	memcpy(buf + off, SUB_TAIL, sizeof(SUB_TAIL));
	off += sizeof(SUB_TAIL) - 1;
	return (int)off;
}

/*
 * Writes arg @j, {"channel":"trades","instId":"BTC-USDT"}, without a NUL.
 * Symbols are [A-Z0-9-] (tk_symbol_valid), so nothing needs escaping.
 */
static size_t
arg_text(const struct tk_symmap *map, const unsigned *chans, size_t nchans,
    size_t j, char *buf)
{
	const char *native = tk_symmap_native_at(map, j / nchans);
	const char *chan = channels[chans[j % nchans]].name;
	size_t off = 0, n;

#define PUT(s, len) do { memcpy(buf + off, (s), (len)); off += (len); } while (0)
	PUT(ARG_HEAD, sizeof(ARG_HEAD) - 1);
	n = strlen(chan);
	PUT(chan, n);
	PUT(ARG_MID, sizeof(ARG_MID) - 1);
	n = strlen(native);
	PUT(native, n);
	PUT(ARG_TAIL, sizeof(ARG_TAIL) - 1);
#undef PUT
	return off;
}

/* End of the chunk starting at arg @start; *len is its message length. */
static size_t
chunk_end(const struct tk_symmap *map, const unsigned *chans, size_t nchans,
    size_t start, size_t *len)
{
	size_t total = tk_symmap_count(map) * nchans, j, add, n = 0;
	char arg[ARG_MAX];

	*len = sizeof(SUB_HEAD) - 1 + sizeof(SUB_TAIL) - 1;
	for (j = start; j < total; j++, n++) {
		add = arg_text(map, chans, nchans, j, arg) + (n > 0);
		/* One arg always fits, so every chunk makes progress. */
		if (n > 0 && *len + add >= SUB_MAX_BYTES)
			break;
		*len += add;
	}
	return j;
}

static void
okx_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
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
	/* The keep-alive reply; "ping" is our own request, harmless if
	 * echoed back by a proxy or a test server. */
	if (is_text(frame, len, "pong") || is_text(frame, len, "ping")) {
		classify(&f, TK_FRAME_CONTROL);
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
is_text(const char *frame, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(frame, word, len) == 0;
}

/* Replies carry "event"; pushes carry "arg" and "data". */
static void
parse_object(struct frame *f, json_t *o)
{
	json_t *ev = json_object_get(o, "event");

	if (ev != NULL) {
		parse_event(f, o, ev);
	} else if (json_object_get(o, "arg") != NULL &&
	    json_object_get(o, "data") != NULL) {
		parse_push(f, o);
	} else if (json_is_string(json_object_get(o, "op"))) {
		/* A request shape: nothing the server should send, harmless. */
		classify(f, TK_FRAME_CONTROL);
	} else {
		set_kind(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
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
parse_event(struct frame *f, json_t *o, json_t *ev)
{
	const char *name = json_string_value(ev);

	if (name == NULL)
		bad_field(f, "event", "event", "is not a string");
	else if (strcmp(name, "error") == 0 || strcmp(name, "notice") == 0)
		parse_error(f, o, name);
	else
		classify(f, TK_FRAME_CONTROL);
}

/* {"event":"error","code":"60012","msg":"..."}; code is a string. */
static void
parse_error(struct frame *f, json_t *o, const char *ev)
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
		bad_field(f, ev, "code", code == NULL ? "is missing" :
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
	set_kind(f, kind, "code %s: %s", text, msg);
}

/*
 * {"arg":{"channel":..,"instId":..},"data":[...]}.  A bad element does
 * not cost the good ones around it: they are emitted, and the frame is
 * reported MALFORMED with the first problem.
 */
static void
parse_push(struct frame *f, json_t *o)
{
	json_t *arg = json_object_get(o, "arg"), *data, *item;
	const char *chan;
	item_fn *fn;
	size_t i;

	if (!json_is_object(arg)) {
		bad_field(f, "push", "arg", "is not an object");
		return;
	}
	if (get_text(f, arg, "push", "channel", &chan) < 0)
		return;
	data = json_object_get(o, "data");
	if (!json_is_array(data)) {
		bad_field(f, chan, "data", "is not an array");
		return;
	}
	if (strcmp(chan, "trades") == 0) {
		fn = parse_trade;
	} else if (strcmp(chan, "tickers") == 0) {
		fn = parse_ticker;
	} else {
		/* bbo-tbt, books, candles...: data we did not ask for. */
		classify(f, TK_FRAME_DATA);
		return;
	}
	json_array_foreach(data, i, item) {
		if (json_is_object(item))
			fn(f, item, json_object_get(arg, "instId"));
		else
			set_kind(f, TK_FRAME_MALFORMED, "%s: data[%zu] is not "
			    "an object", chan, i);
	}
}

/* "side" is the taker's side already; "ts" is the trade time. */
static void
parse_trade(struct frame *f, json_t *item, json_t *inst)
{
	static const char ev[] = "trades";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_inst(f, item, ev, inst, &sym) < 0 ||
	    get_dec(f, item, ev, "px", 0, &t.price) < 0 ||
	    get_dec(f, item, ev, "sz", 0, &t.size) < 0 ||
	    get_id(f, item, ev, "tradeId", t.trade_id) < 0 ||
	    get_side(f, item, ev, &t.side) < 0 ||
	    get_ms(f, item, ev, "ts", &t.ts) < 0)
		return;
	emit_tick(f, &t, sym);
}

/*
 * Best bid and ask of the ticker.  "" is "no value": that side is null.
 * A size without its price says nothing, so it is dropped with it.
 */
static void
parse_ticker(struct frame *f, json_t *item, json_t *inst)
{
	static const char ev[] = "tickers";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_inst(f, item, ev, inst, &sym) < 0 ||
	    get_dec(f, item, ev, "bidPx", 1, &t.bid) < 0 ||
	    get_dec(f, item, ev, "bidSz", 1, &t.bid_size) < 0 ||
	    get_dec(f, item, ev, "askPx", 1, &t.ask) < 0 ||
	    get_dec(f, item, ev, "askSz", 1, &t.ask_size) < 0 ||
	    get_ms(f, item, ev, "ts", &t.ts) < 0)
		return;
	if (!t.bid.valid)
		t.bid_size.valid = 0;
	if (!t.ask.valid)
		t.ask_size.valid = 0;
	emit_tick(f, &t, sym);
}

/*
 * The element is valid data from here on.  Symbols nobody configured are
 * counted rather than guessed at (futures and options never map: their
 * instIds are not BASE-QUOTE); unwanted types are dropped quietly, and so
 * is a quote with neither a bid nor an ask, which would say nothing.
 */
static void
emit_tick(struct frame *f, struct tk_tick *t, json_t *inst)
{
	const struct tk_codec_ctx *ctx = f->ctx;
	const char *unified;

	unified = tk_symmap_to_unified(ctx->symbols, json_string_value(inst),
	    json_string_length(inst));
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

/* The element's own instId, else the one of "arg" (bbo-tbt has none). */
static int
get_inst(struct frame *f, json_t *o, const char *ev, json_t *fallback,
    json_t **out)
{
	json_t *v = json_object_get(o, "instId");

	if (v == NULL)
		v = fallback;
	if (v == NULL)
		return bad_field(f, ev, "instId", "is missing");
	if (!json_is_string(v))
		return bad_field(f, ev, "instId", "is not a string");
	*out = v;
	return 0;
}

static int
get_text(struct frame *f, json_t *o, const char *ev, const char *key,
    const char **out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (!json_is_string(v))
		return bad_field(f, ev, key, "is not a string");
	*out = json_string_value(v);
	return 0;
}

/*
 * Decimal text, never a JSON number.  With @empty_ok, "" is OKX's "no
 * value" and gives an invalid (null) decimal instead of an error.
 */
static int
get_dec(struct frame *f, json_t *o, const char *ev, const char *key,
    int empty_ok, struct tk_dec *out)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	struct tk_dec d;
	int r;

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (s == NULL)
		return bad_field(f, ev, key, "is not a string");
	if (len == 0 && empty_ok) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	r = tk_dec_parse(s, len, &d);
	if (r == 0 && d.mant >= 0) {
		*out = d;
		return 0;
	}
	return bad_text(f, ev, key, s, len, r == -ERANGE ? "is out of range" :
	    r < 0 ? "is not a decimal" : "is negative");
}

/* Milliseconds as a string of digits ("1652459224818"), into µs. */
static int
get_ms(struct frame *f, json_t *o, const char *ev, const char *key,
    int64_t *us)
{
	const char *s;
	size_t len, i;
	int64_t ms = 0;

	if (get_text(f, o, ev, key, &s) < 0)
		return -1;
	len = strlen(s);
	for (i = 0; i < len && i < MS_DIGITS_MAX && s[i] >= '0' &&
	    s[i] <= '9'; i++)
		ms = ms * 10 + (s[i] - '0');
	if (len == 0 || i < len || ms > MS_MAX)
		return bad_text(f, ev, key, s, len, "is not a time in ms "
		    "between 1970 and 9999");
	*us = ms * 1000;
	return 0;
}

/* Trade ids are strings; kept as sent. */
static int
get_id(struct frame *f, json_t *o, const char *ev, const char *key,
    char *buf)
{
	const char *s;
	size_t len;

	if (get_text(f, o, ev, key, &s) < 0)
		return -1;
	len = strlen(s);
	if (len == 0)
		return bad_field(f, ev, key, "is empty");
	if (tk_tick_set_str(buf, TK_TRADE_ID_MAX, s, len) < 0)
		return bad_text(f, ev, key, s, len, "is too long");
	return 0;
}

/* Without "side" the exchange does not say who took: side unknown. */
static int
get_side(struct frame *f, json_t *o, const char *ev, enum tk_side *out)
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
		*out = TK_SIDE_BUY;
	else if (strcmp(s, "sell") == 0)
		*out = TK_SIDE_SELL;
	else
		return bad_text(f, ev, "side", s, json_string_length(v),
		    "is not \"buy\" or \"sell\"");
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
