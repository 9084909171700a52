/* SPDX-License-Identifier: MIT */
/*
 * Binance spot public market data: subscribe messages and frame parsing
 * (tests/fixtures/binance/PROVENANCE.md has the protocol notes).
 *
 * We connect to the raw /ws endpoint and subscribe with SUBSCRIBE
 * messages, but parse() also takes the combined-stream wrapper
 * {"stream":..,"data":..}, so a URL with /stream?streams=... works too.
 * Prices and sizes arrive as JSON strings and go straight to
 * tk_dec_parse(); times are integer milliseconds.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
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

/* Binance allows 1024 streams per connection but rejects long requests
 * (3001 "illegal request" past 4096 bytes), so subscriptions are chunked. */
#define SUB_MAX_PARAMS	200
#define SUB_MAX_BYTES	4096	/* every message is shorter than this */

#define SUB_HEAD	"{\"method\":\"SUBSCRIBE\",\"params\":["
#define SUB_TAIL	"],\"id\":"
#define STREAM_MAX	(TK_SYMBOL_MAX + 16)	/* "<native>@bookTicker" */

/* One parse() call. */
struct frame {
	const struct tk_codec_ctx	*ctx;
	struct tk_frame_result		*res;
};

/* Stream channels in subscription order, one per tick type we offer. */
static const struct {
	enum tk_tick_type	 type;
	const char		*suffix;
} channels[] = {
	{ TK_TICK_TRADE, "@trade" },
	{ TK_TICK_QUOTE, "@bookTicker" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum event {
	EV_TRADE,
	EV_AGG_TRADE,
	EV_BOOK_TICKER,
	EV_SHUTDOWN,
	EV_UNUSED,		/* market data we never subscribe to */
};

/* Hot events first: the list is searched linearly. */
static const struct {
	const char	*name;
	enum event	 ev;
} events[] = {
	{ "trade", EV_TRADE },
	{ "aggTrade", EV_AGG_TRADE },
	{ "bookTicker", EV_BOOK_TICKER },
	{ "serverShutdown", EV_SHUTDOWN },
	{ "24hrTicker", EV_UNUSED },
	{ "24hrMiniTicker", EV_UNUSED },
	{ "1hTicker", EV_UNUSED },
	{ "4hTicker", EV_UNUSED },
	{ "1dTicker", EV_UNUSED },
	{ "depthUpdate", EV_UNUSED },
	{ "kline", EV_UNUSED },
	{ "avgPrice", EV_UNUSED },
};
#define NEVENTS		(sizeof(events) / sizeof(events[0]))

static int	 binance_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 binance_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 binance_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static size_t	 stream_name(const struct tk_symmap *, const unsigned *chans,
		    size_t nchans, size_t j, char *buf);
static size_t	 chunk_end(const struct tk_symmap *, const unsigned *chans,
		    size_t nchans, size_t start, unsigned long long id,
		    size_t *len);
static size_t	 ull_text(unsigned long long v, char *buf);

static void	 parse_object(struct frame *, json_t *o, int top);
static void	 parse_wrapped(struct frame *, json_t *o);
static void	 parse_event(struct frame *, json_t *o, json_t *e);
static void	 parse_error(struct frame *, json_t *o);
static void	 parse_trade(struct frame *, json_t *o, const char *ev,
		    const char *id_key);
static void	 parse_book(struct frame *, json_t *o);
static void	 emit_tick(struct frame *, struct tk_tick *, json_t *sym);
static int	 get_symbol(struct frame *, json_t *o, const char *ev,
		    json_t **out);
static int	 get_dec(struct frame *, json_t *o, const char *ev,
		    const char *key, struct tk_dec *out);
static int	 get_ms(struct frame *, json_t *o, const char *ev,
		    const char *key, int64_t *us);
static int	 get_id(struct frame *, json_t *o, const char *ev,
		    const char *key, char *buf);
static int	 get_side(struct frame *, json_t *o, const char *ev,
		    enum tk_side *out);
static void	 classify(struct frame *, enum tk_frame_kind);
static void	 set_kind(struct frame *, enum tk_frame_kind, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int	 bad_field(struct frame *, const char *ev, const char *key,
		    const char *why);

const struct tk_adapter tk_adapter_binance = {
	.name = "binance",
	.default_url = "wss://stream.binance.com:9443/ws",
	.types = TK_TYPES_ALL,
	.native_symbol = binance_native_symbol,
	.subscribe = binance_subscribe,
	.parse = binance_parse,
	/* Binance pings us (lws answers); it cuts every connection at 24 h */
	.max_connection_s = 24 * 3600,
};

/* "BTC-USDT" -> "BTCUSDT", the form of the payload's "s". */
static int
binance_native_symbol(const char *unified, char *buf, size_t cap)
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
 * Message @i carries the @i-th greedy chunk of the stream list (every
 * symbol's channels, in map order), with id i + 1 so that acks can be
 * matched to chunks.  Chunk boundaries depend only on the map, so calling
 * with i = 0, 1, 2, ... walks a stable sequence.
 */
static int
binance_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	unsigned chans[NCHANNELS];
	size_t nchans = 0, total, start = 0, end, len, j, off;
	unsigned long long k;

	for (j = 0; j < NCHANNELS; j++)
		if (types & TK_TYPE_BIT(channels[j].type))
			chans[nchans++] = (unsigned)j;
	total = tk_symmap_count(map) * nchans;
	for (k = 0;; k++) {
		if (start >= total)
			return 0;
		end = chunk_end(map, chans, nchans, start, k + 1, &len);
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
		buf[off++] = '"';
		off += stream_name(map, chans, nchans, j, buf + off);
		buf[off++] = '"';
	}
	memcpy(buf + off, SUB_TAIL, sizeof(SUB_TAIL) - 1);
	off += sizeof(SUB_TAIL) - 1;
	off += ull_text((unsigned long long)i + 1, buf + off);
	buf[off++] = '}';
	buf[off] = '\0';
	return (int)off;
}

/* Writes stream @j ("btcusdt@trade"; lower case, as Binance requires). */
static size_t
stream_name(const struct tk_symmap *map, const unsigned *chans,
    size_t nchans, size_t j, char *buf)
{
	const char *native = tk_symmap_native_at(map, j / nchans);
	const char *suffix = channels[chans[j % nchans]].suffix;
	size_t n, slen = strlen(suffix);

	for (n = 0; native[n] != '\0'; n++)
		buf[n] = (native[n] >= 'A' && native[n] <= 'Z') ?
		    (char)(native[n] - 'A' + 'a') : native[n];
	memcpy(buf + n, suffix, slen);
	return n + slen;
}

/* End of the chunk starting at stream @start; *len is its message length. */
static size_t
chunk_end(const struct tk_symmap *map, const unsigned *chans, size_t nchans,
    size_t start, unsigned long long id, size_t *len)
{
	size_t total = tk_symmap_count(map) * nchans, j, add, n = 0;
	char name[STREAM_MAX], digits[24];

	*len = sizeof(SUB_HEAD) - 1 + sizeof(SUB_TAIL) - 1 +
	    ull_text(id, digits) + 1;
	for (j = start; j < total && n < SUB_MAX_PARAMS; j++, n++) {
		add = stream_name(map, chans, nchans, j, name) + 2 + (n > 0);
		/* One stream always fits, so every chunk makes progress. */
		if (n > 0 && *len + add >= SUB_MAX_BYTES)
			break;
		*len += add;
	}
	return j;
}

static size_t
ull_text(unsigned long long v, char *buf)
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
binance_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
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
		parse_object(&f, root, 1);
	else
		set_kind(&f, TK_FRAME_MALFORMED, "frame is not a JSON object");
	json_decref(root);
}

/*
 * Classifies one object by its keys.  Only the top level may be a
 * combined-stream wrapper or a reply to a request; those are never nested.
 */
static void
parse_object(struct frame *f, json_t *o, int top)
{
	json_t *e = json_object_get(o, "e");

	if (e != NULL) {
		parse_event(f, o, e);
		return;
	}
	if (top && json_object_get(o, "data") != NULL &&
	    json_object_get(o, "stream") != NULL) {
		parse_wrapped(f, o);
	} else if (top && json_object_get(o, "result") != NULL) {
		/* Ack of SUBSCRIBE (null) or LIST_SUBSCRIPTIONS (array). */
		classify(f, TK_FRAME_CONTROL);
	} else if (top && (json_object_get(o, "code") != NULL ||
	    json_object_get(o, "error") != NULL)) {
		parse_error(f, o);
	} else if (top && json_is_string(json_object_get(o, "method"))) {
		/* A request shape: nothing the server should send, harmless. */
		classify(f, TK_FRAME_CONTROL);
	} else if (json_object_get(o, "u") != NULL) {
		/* Spot bookTicker is the one event without an "e". */
		parse_book(f, o);
	} else if (json_object_get(o, "lastUpdateId") != NULL) {
		/* Partial depth snapshot: market data we did not ask for. */
		classify(f, TK_FRAME_DATA);
	} else {
		set_kind(f, TK_FRAME_MALFORMED, "unrecognised frame: no \"e\", "
		    "\"result\", \"code\" or \"stream\"/\"data\"");
	}
}

/* {"stream":"btcusdt@trade","data":{...}} or "data":[{...}, ...]. */
static void
parse_wrapped(struct frame *f, json_t *o)
{
	json_t *data = json_object_get(o, "data"), *item;
	size_t i;

	if (!json_is_string(json_object_get(o, "stream"))) {
		bad_field(f, "stream", "stream", "is not a string");
	} else if (json_is_object(data)) {
		parse_object(f, data, 0);
	} else if (json_is_array(data)) {
		/* All-market arrays (!ticker@arr): stop at the first
		 * element that is not plain data. */
		json_array_foreach(data, i, item) {
			if (!json_is_object(item)) {
				set_kind(f, TK_FRAME_MALFORMED, "stream: "
				    "data[%zu] is not an object", i);
				return;
			}
			parse_object(f, item, 0);
			if (f->res->kind != TK_FRAME_DATA)
				return;
		}
	} else {
		bad_field(f, "stream", "data", "is not an object or array");
	}
}

static void
parse_event(struct frame *f, json_t *o, json_t *e)
{
	const char *name = json_string_value(e);
	size_t i;

	if (name == NULL) {
		bad_field(f, "event", "e", "is not a string");
		return;
	}
	for (i = 0; i < NEVENTS && strcmp(events[i].name, name) != 0; i++)
		;
	if (i == NEVENTS) {
		/* Not garbage: Binance adds event types now and then. */
		classify(f, TK_FRAME_CONTROL);
		return;
	}
	switch (events[i].ev) {
	case EV_TRADE:
		parse_trade(f, o, "trade", "t");
		break;
	case EV_AGG_TRADE:
		parse_trade(f, o, "aggTrade", "a");
		break;
	case EV_BOOK_TICKER:
		parse_book(f, o);
		break;
	case EV_SHUTDOWN:
		set_kind(f, TK_FRAME_RECONNECT, "serverShutdown");
		break;
	case EV_UNUSED:
		classify(f, TK_FRAME_DATA);
		break;
	}
}

/* {"code":2,"msg":"..."} as documented, or {"error":{...},"id":1}. */
static void
parse_error(struct frame *f, json_t *o)
{
	json_t *err = json_object_get(o, "error"), *code, *msg;

	if (err != NULL && json_object_get(o, "code") == NULL) {
		if (!json_is_object(err)) {
			bad_field(f, "error", "error", "is not an object");
			return;
		}
		o = err;
	}
	code = json_object_get(o, "code");
	msg = json_object_get(o, "msg");
	if (!json_is_integer(code)) {
		bad_field(f, "error", "code", code == NULL ? "is missing" :
		    "is not an integer");
	} else if (!json_is_string(msg)) {
		bad_field(f, "error", "msg", msg == NULL ? "is missing" :
		    "is not a string");
	} else {
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "code %" JSON_INTEGER_FORMAT
		    ": %s", json_integer_value(code), json_string_value(msg));
	}
}

/*
 * trade and aggTrade differ only in the id key.  "m" is "buyer is the
 * maker", so m:true means the taker sold.  T (trade time) is the time
 * of the trade; E is when Binance pushed it and a few ms later.
 */
static void
parse_trade(struct frame *f, json_t *o, const char *ev, const char *id_key)
{
	struct tk_tick t;
	json_t *sym;
	int64_t trade_us = 0, event_us = 0;
	int r_t = 0, r_e = 0;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_symbol(f, o, ev, &sym) < 0 ||
	    get_dec(f, o, ev, "p", &t.price) < 0 ||
	    get_dec(f, o, ev, "q", &t.size) < 0 ||
	    get_id(f, o, ev, id_key, t.trade_id) < 0 ||
	    get_side(f, o, ev, &t.side) < 0 ||
	    (r_t = get_ms(f, o, ev, "T", &trade_us)) < 0 ||
	    (r_e = get_ms(f, o, ev, "E", &event_us)) < 0)
		return;
	if (r_t == 0 && r_e == 0) {
		bad_field(f, ev, "T", "is missing (and so is \"E\")");
		return;
	}
	t.ts = r_t > 0 ? trade_us : event_us;
	emit_tick(f, &t, sym);
}

/* Spot bookTicker has no time at all; the futures shape adds T and E. */
static void
parse_book(struct frame *f, json_t *o)
{
	static const char ev[] = "bookTicker";
	struct tk_tick t;
	json_t *sym;
	int64_t trade_us = 0, event_us = 0;
	int r_t = 0, r_e = 0;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_symbol(f, o, ev, &sym) < 0 ||
	    get_dec(f, o, ev, "b", &t.bid) < 0 ||
	    get_dec(f, o, ev, "B", &t.bid_size) < 0 ||
	    get_dec(f, o, ev, "a", &t.ask) < 0 ||
	    get_dec(f, o, ev, "A", &t.ask_size) < 0 ||
	    (r_t = get_ms(f, o, ev, "T", &trade_us)) < 0 ||
	    (r_e = get_ms(f, o, ev, "E", &event_us)) < 0)
		return;
	t.ts = r_t > 0 ? trade_us : r_e > 0 ? event_us : f->ctx->recv_ts;
	emit_tick(f, &t, sym);
}

/*
 * The frame is valid data from here on.  Symbols nobody configured are
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

/* Decimal text, never a JSON number: Binance always quotes them. */
static int
get_dec(struct frame *f, json_t *o, const char *ev, const char *key,
    struct tk_dec *out)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), shown;
	char esc[6 * 32 + 1];
	struct tk_dec d;
	int r, n;

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (s == NULL)
		return bad_field(f, ev, key, "is not a string");
	r = tk_dec_parse(s, len, &d);
	if (r == 0 && d.mant >= 0) {
		*out = d;
		return 0;
	}
	/* Quote a bounded, escaped prefix: the detail ends up in logs. */
	shown = len < 32 ? len : 32;
	n = tk_json_escape(s, shown, esc, sizeof(esc) - 1);
	esc[n > 0 ? n : 0] = '\0';
	set_kind(f, TK_FRAME_MALFORMED, "%s: field \"%s\": \"%s%s\" %s", ev,
	    key, esc, shown < len ? "..." : "", r == -ERANGE ?
	    "is out of range" : r < 0 ? "is not a decimal" : "is negative");
	return -1;
}

/* Returns 1 with *us set, 0 if absent, -1 if malformed. */
static int
get_ms(struct frame *f, json_t *o, const char *ev, const char *key,
    int64_t *us)
{
	json_t *v = json_object_get(o, key);
	json_int_t ms;

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return bad_field(f, ev, key, "is not an integer");
	ms = json_integer_value(v);
	if (ms < 0 || ms > MS_MAX)
		return bad_field(f, ev, key, "is not a time in ms "
		    "between 1970 and 9999");
	*us = (int64_t)ms * 1000;
	return 1;
}

/* Trade ids are JSON integers; clients get them as text. */
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
	buf[ull_text((unsigned long long)id, buf)] = '\0';
	return 0;
}

/* Without "m" the exchange does not say who took: side unknown. */
static int
get_side(struct frame *f, json_t *o, const char *ev, enum tk_side *out)
{
	json_t *m = json_object_get(o, "m");

	if (m == NULL) {
		*out = TK_SIDE_UNKNOWN;
		return 0;
	}
	if (!json_is_boolean(m))
		return bad_field(f, ev, "m", "is not a boolean");
	*out = json_is_true(m) ? TK_SIDE_SELL : TK_SIDE_BUY;
	return 0;
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
