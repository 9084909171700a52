/* SPDX-License-Identifier: MIT */
/*
 * Kraken spot WebSocket v2 public market data: subscribe messages and frame
 * parsing (tests/fixtures/kraken/PROVENANCE.md has the protocol notes).
 *
 * Unlike the other exchanges, v2 sends prices and sizes as JSON numbers.
 * jansson keeps "0.5117" a real and "40" an integer; reals go through
 * tk_dec_from_double(), which gives back the shortest text that reads as
 * the same double: exactly the digits Kraken printed when it sent at most
 * 15 significant ones (every price and size seen so far), and integers
 * through tk_dec_from_int().  jansson has no raw-number mode, so longer
 * numbers can only come back as the shortest text of the nearest double.
 * Times are RFC 3339 text.
 */

#include <errno.h>
#include <math.h>
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
 * Kraken documents no limit on symbols per request; chunks of 100 keep
 * every message under 4 KiB (native names are at most 31 bytes), small
 * enough for any sender buffer and for the server.
 */
#define SUB_MAX_SYMBOLS	100

/* The largest integer a double holds exactly: 2^53. */
#define DOUBLE_INT_MAX	9007199254740992.0

/* One parse() call. */
struct frame {
	const struct tk_codec_ctx	*ctx;
	struct tk_frame_result		*res;
	/* An integer beyond int64 made us re-read all integers as reals. */
	int				 ints_as_reals;
};

/*
 * Subscription channels, one per tick type we offer, in message order.
 * Trades: snapshot false, because a trade snapshot replays the last 50
 * trades, which a live ticker must not publish again after every
 * reconnect.  Ticker: event_trigger "bbo" updates on every best bid/offer
 * change (the default "trades" only on trades), and its snapshot is the
 * book top right now, so it is wanted.
 */
static const struct {
	enum tk_tick_type	 type;
	const char		*head;	/* up to the symbol list */
	const char		*tail;	/* after it, up to the req_id value */
} channels[] = {
	{ TK_TICK_TRADE,
	    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\","
	    "\"symbol\":[",
	    "],\"snapshot\":false},\"req_id\":" },
	{ TK_TICK_QUOTE,
	    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\","
	    "\"symbol\":[",
	    "],\"event_trigger\":\"bbo\",\"snapshot\":true},\"req_id\":" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum channel {
	CH_TRADE,
	CH_TICKER,
	CH_CONTROL,		/* heartbeat, status */
	CH_UNUSED,		/* market data we never subscribe to */
};

/* Hot channels first: the list is searched linearly. */
static const struct {
	const char	*name;
	enum channel	 ch;
} channel_names[] = {
	{ "trade", CH_TRADE },
	{ "ticker", CH_TICKER },
	{ "heartbeat", CH_CONTROL },
	{ "status", CH_CONTROL },
	{ "book", CH_UNUSED },
	{ "level3", CH_UNUSED },
	{ "ohlc", CH_UNUSED },
	{ "instrument", CH_UNUSED },
};
#define NCHANNEL_NAMES	(sizeof(channel_names) / sizeof(channel_names[0]))

/* A bounded writer: @len keeps counting past @cap so overflow shows. */
struct out {
	char	*buf;
	size_t	 cap, len;
};

static int	 kraken_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 kraken_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 kraken_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static void	 put(struct out *, const char *s, size_t n);
static void	 put_str(struct out *, const char *s);

static void	 parse_object(struct frame *, json_t *o);
static void	 parse_reply(struct frame *, json_t *o, json_t *method);
static void	 parse_channel(struct frame *, json_t *o, json_t *channel);
static void	 parse_data(struct frame *, json_t *o, enum channel);
static int	 parse_trade(struct frame *, json_t *o, int publish);
static int	 parse_ticker(struct frame *, json_t *o);
static void	 emit_tick(struct frame *, struct tk_tick *, json_t *sym,
		    int publish);
static int	 get_symbol(struct frame *, json_t *o, const char *ev,
		    json_t **out);
static int	 get_num(struct frame *, json_t *o, const char *ev,
		    const char *key, int null_ok, struct tk_dec *out);
static int	 get_time(struct frame *, json_t *o, const char *ev,
		    int64_t *us);
static int	 get_id(struct frame *, json_t *o, const char *ev, char *buf);
static int	 get_side(struct frame *, json_t *o, const char *ev,
		    enum tk_side *out);
static void	 classify(struct frame *, enum tk_frame_kind);
static void	 set_kind(struct frame *, enum tk_frame_kind, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int	 bad_field(struct frame *, const char *ev, const char *key,
		    const char *why);

const struct tk_adapter tk_adapter_kraken = {
	.name = "kraken",
	.default_url = "wss://ws.kraken.com/v2",
	.types = TK_TYPES_ALL,
	.native_symbol = kraken_native_symbol,
	.subscribe = kraken_subscribe,
	.parse = kraken_parse,
	/* The server sends heartbeats; WebSocket pings do the rest. */
	.ping_message = NULL,
	.ping_interval_s = 0,
	.max_connection_s = 0,
};

/*
 * "BTC-USD" -> "BTC/USD".  v2 uses modern codes (BTC, DOGE), so no
 * XBT/XDG renaming: a configured "XBT-USD" stays "XBT/USD" and Kraken
 * rejects it in the subscribe ack, which says so in its own words.
 */
static int
kraken_native_symbol(const char *unified, char *buf, size_t cap)
{
	size_t n;

	if (!tk_symbol_valid(unified))
		return -EINVAL;
	n = strlen(unified);
	if (n + 1 > cap)
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		buf[i] = unified[i] == '-' ? '/' : unified[i];
	return (int)n;
}

/*
 * One message per wanted channel (trade before ticker) and chunk of
 * SUB_MAX_SYMBOLS symbols, with req_id i + 1 so that acks can be matched.
 */
static int
kraken_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	size_t nsym = tk_symmap_count(map), nchunks, first, last, j, k;
	unsigned chans[NCHANNELS], nchans = 0;
	struct out o = { buf, cap, 0 };
	char id[24];

	for (j = 0; j < NCHANNELS; j++)
		if (types & TK_TYPE_BIT(channels[j].type))
			chans[nchans++] = (unsigned)j;
	if (nsym == 0)
		return 0;
	nchunks = (nsym + SUB_MAX_SYMBOLS - 1) / SUB_MAX_SYMBOLS;
	if (i / nchunks >= nchans)
		return 0;
	k = chans[i / nchunks];
	first = (i % nchunks) * SUB_MAX_SYMBOLS;
	last = first + SUB_MAX_SYMBOLS < nsym ? first + SUB_MAX_SYMBOLS : nsym;
	put_str(&o, channels[k].head);
	for (j = first; j < last; j++) {
		put_str(&o, j > first ? ",\"" : "\"");
		put_str(&o, tk_symmap_native_at(map, j));
		put_str(&o, "\"");
	}
	put_str(&o, channels[k].tail);
	snprintf(id, sizeof(id), "%u}", i + 1);
	put_str(&o, id);
	if (o.len + 1 > cap)
		return -ENOSPC;
	buf[o.len] = '\0';
	return (int)o.len;
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap && n <= o->cap - o->len)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
kraken_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	struct frame f = { ctx, res, 0 };
	json_error_t jerr;
	json_t *root;

	memset(res, 0, sizeof(*res));
	res->kind = TK_FRAME_DATA;
	if (frame == NULL || len == 0) {
		set_kind(&f, TK_FRAME_MALFORMED, "empty frame");
		return;
	}
	root = json_loadb(frame, len, 0, &jerr);
	/*
	 * The status frame's connection_id (13834774380200032777) does not
	 * fit in an int64, which jansson refuses; read such frames again with
	 * every integer as a double rather than lose them.
	 */
	if (root == NULL && json_error_code(&jerr) ==
	    json_error_numeric_overflow) {
		root = json_loadb(frame, len, JSON_DECODE_INT_AS_REAL, &jerr);
		f.ints_as_reals = 1;
	}
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

/*
 * Pushed data has a "channel", replies to our requests a "method"; a
 * request the server could not even read gets a bare "error".
 */
static void
parse_object(struct frame *f, json_t *o)
{
	json_t *channel = json_object_get(o, "channel");
	json_t *method = json_object_get(o, "method");
	json_t *error = json_object_get(o, "error");

	if (channel != NULL)
		parse_channel(f, o, channel);
	else if (method != NULL)
		parse_reply(f, o, method);
	else if (json_is_string(error))
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s",
		    json_string_value(error));
	else
		set_kind(f, TK_FRAME_MALFORMED, "unrecognised frame: no "
		    "\"channel\", \"method\" or \"error\"");
}

/*
 * {"method":"subscribe","success":true|false,"error":..}, one per symbol
 * (a rejection: {"error":"Currency pair not supported XBT/USD",
 * "method":"subscribe","success":false,"symbol":"XBT/USD",..}), or
 * {"method":"pong"} without "success".
 */
static void
parse_reply(struct frame *f, json_t *o, json_t *method)
{
	const char *name = json_string_value(method);
	json_t *ok = json_object_get(o, "success");
	json_t *err = json_object_get(o, "error");
	json_t *sym = json_object_get(o, "symbol");

	if (name == NULL) {
		bad_field(f, "reply", "method", "is not a string");
	} else if (ok == NULL || json_is_true(ok)) {
		classify(f, TK_FRAME_CONTROL);
	} else if (!json_is_boolean(ok)) {
		bad_field(f, name, "success", "is not a boolean");
	} else if (!json_is_string(err)) {
		/* A failure is news even when it does not say why. */
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s failed", name);
	} else if (json_is_string(sym) && strstr(json_string_value(err),
	    json_string_value(sym)) == NULL) {
		/* "Rate limit ... exceeded" says not for which symbol. */
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s %s: %s", name,
		    json_string_value(sym), json_string_value(err));
	} else {
		set_kind(f, TK_FRAME_EXCHANGE_ERROR, "%s: %s", name,
		    json_string_value(err));
	}
}

static void
parse_channel(struct frame *f, json_t *o, json_t *channel)
{
	const char *name = json_string_value(channel);
	size_t i;

	if (name == NULL) {
		bad_field(f, "frame", "channel", "is not a string");
		return;
	}
	for (i = 0; i < NCHANNEL_NAMES &&
	    strcmp(channel_names[i].name, name) != 0; i++)
		;
	if (i == NCHANNEL_NAMES) {
		/* Not garbage: Kraken adds channels now and then. */
		classify(f, TK_FRAME_CONTROL);
		return;
	}
	switch (channel_names[i].ch) {
	case CH_TRADE:
	case CH_TICKER:
		parse_data(f, o, channel_names[i].ch);
		break;
	case CH_CONTROL:
		/* heartbeat; status (online, maintenance, ...) is news for
		 * people, but reconnecting would not change it. */
		classify(f, TK_FRAME_CONTROL);
		break;
	case CH_UNUSED:
		classify(f, TK_FRAME_DATA);
		break;
	}
}

/*
 * {"channel":..,"type":"snapshot"|"update","data":[{..},..]}.  Items are
 * emitted as they are read; a bad item stops the frame there (MALFORMED,
 * with nticks counting the good ones already published).
 */
static void
parse_data(struct frame *f, json_t *o, enum channel ch)
{
	const char *ev = ch == CH_TRADE ? "trade" : "ticker";
	json_t *type = json_object_get(o, "type");
	json_t *data = json_object_get(o, "data"), *item;
	const char *tname = json_string_value(type);
	int snapshot, r;
	size_t i;

	if (type == NULL) {
		bad_field(f, ev, "type", "is missing");
		return;
	}
	if (tname == NULL || (strcmp(tname, "update") != 0 &&
	    strcmp(tname, "snapshot") != 0)) {
		bad_field(f, ev, "type", "is not \"snapshot\" or \"update\"");
		return;
	}
	snapshot = tname[0] == 's';
	if (data == NULL) {
		bad_field(f, ev, "data", "is missing");
		return;
	}
	if (!json_is_array(data)) {
		bad_field(f, ev, "data", "is not an array");
		return;
	}
	json_array_foreach(data, i, item) {
		if (!json_is_object(item)) {
			set_kind(f, TK_FRAME_MALFORMED,
			    "%s: data[%zu] is not an object", ev, i);
			return;
		}
		/* Trade snapshots replay old trades: checked, not published. */
		r = ch == CH_TRADE ? parse_trade(f, item, !snapshot) :
		    parse_ticker(f, item);
		if (r < 0)
			return;
	}
}

/* "side" is the taker's; "timestamp" the trade's, to the microsecond. */
static int
parse_trade(struct frame *f, json_t *o, int publish)
{
	static const char ev[] = "trade";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (get_symbol(f, o, ev, &sym) < 0 ||
	    get_num(f, o, ev, "price", 0, &t.price) < 0 ||
	    get_num(f, o, ev, "qty", 0, &t.size) < 0 ||
	    get_id(f, o, ev, t.trade_id) < 0 ||
	    get_side(f, o, ev, &t.side) < 0)
		return -1;
	switch (get_time(f, o, ev, &t.ts)) {
	case 0:
		return bad_field(f, ev, "timestamp", "is missing");
	case 1:
		break;
	default:
		return -1;
	}
	emit_tick(f, &t, sym, publish);
	return 0;
}

/*
 * Only the book top is taken (last, volume, change... are not quotes).
 * Older docs showed no timestamp: receive time stands in then.  A null
 * side (never seen, but an empty book has no best price) is "no value".
 */
static int
parse_ticker(struct frame *f, json_t *o)
{
	static const char ev[] = "ticker";
	struct tk_tick t;
	json_t *sym;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (get_symbol(f, o, ev, &sym) < 0 ||
	    get_num(f, o, ev, "bid", 1, &t.bid) < 0 ||
	    get_num(f, o, ev, "bid_qty", 1, &t.bid_size) < 0 ||
	    get_num(f, o, ev, "ask", 1, &t.ask) < 0 ||
	    get_num(f, o, ev, "ask_qty", 1, &t.ask_size) < 0 ||
	    (r = get_time(f, o, ev, &t.ts)) < 0)
		return -1;
	if (r == 0)
		t.ts = f->ctx->recv_ts;
	emit_tick(f, &t, sym, 1);
	return 0;
}

/*
 * The item is valid data from here on.  Symbols nobody configured are
 * counted rather than guessed at; unwanted types are dropped quietly.
 */
static void
emit_tick(struct frame *f, struct tk_tick *t, json_t *sym, int publish)
{
	const struct tk_codec_ctx *ctx = f->ctx;
	const char *unified;

	unified = tk_symmap_to_unified(ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	if (unified == NULL) {
		f->res->unknown++;
		return;
	}
	if (!publish || !(ctx->types & TK_TYPE_BIT(t->type)))
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
	json_t *s = json_object_get(o, "symbol");

	if (s == NULL)
		return bad_field(f, ev, "symbol", "is missing");
	if (!json_is_string(s))
		return bad_field(f, ev, "symbol", "is not a string");
	*out = s;
	return 0;
}

/*
 * A JSON number: integers exactly, reals as the shortest text that reads
 * back to the same double.  Decimal text is refused: v2 never sends it, so
 * it would mean the format changed under us.
 */
static int
get_num(struct frame *f, json_t *o, const char *ev, const char *key,
    int null_ok, struct tk_dec *out)
{
	json_t *v = json_object_get(o, key);
	struct tk_dec d;
	int r = 0;

	if (v == NULL)
		return bad_field(f, ev, key, "is missing");
	if (null_ok && json_is_null(v)) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (json_is_integer(v))
		tk_dec_from_int(json_integer_value(v), &d);
	else if (json_is_real(v))
		r = tk_dec_from_double(json_real_value(v), &d);
	else
		return bad_field(f, ev, key, "is not a number");
	if (r < 0)
		return bad_field(f, ev, key, "is out of range");
	if (d.mant < 0)
		return bad_field(f, ev, key, "is negative");
	*out = d;
	return 0;
}

/* "timestamp": returns 1 with *us set, 0 if absent, -1 if malformed. */
static int
get_time(struct frame *f, json_t *o, const char *ev, int64_t *us)
{
	json_t *v = json_object_get(o, "timestamp");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), shown;
	char esc[6 * 40 + 1];
	int64_t t;
	int n;

	if (v == NULL)
		return 0;
	if (s == NULL)
		return bad_field(f, ev, "timestamp", "is not a string");
	if (tk_iso8601_parse_us(s, len, &t) == 0 && t >= 0) {
		*us = t;
		return 1;
	}
	/* Quote a bounded, escaped prefix: the detail ends up in logs. */
	shown = len < 40 ? len : 40;
	n = tk_json_escape(s, shown, esc, sizeof(esc) - 1);
	esc[n > 0 ? n : 0] = '\0';
	set_kind(f, TK_FRAME_MALFORMED, "%s: field \"timestamp\": \"%s%s\" "
	    "is not an RFC 3339 time from 1970 on", ev, esc,
	    shown < len ? "..." : "");
	return -1;
}

/*
 * trade_id is a JSON integer; clients get it as text.  If the frame had
 * to be read with integers as reals, an integral real up to 2^53 is still
 * exactly the integer Kraken sent.
 */
static int
get_id(struct frame *f, json_t *o, const char *ev, char *buf)
{
	json_t *v = json_object_get(o, "trade_id");
	double d = json_real_value(v);	/* 0 unless a real */
	json_int_t id;

	if (v == NULL)
		return bad_field(f, ev, "trade_id", "is missing");
	if (json_is_integer(v)) {
		id = json_integer_value(v);
	} else if (json_is_real(v) && f->ints_as_reals && d == floor(d)) {
		if (fabs(d) > DOUBLE_INT_MAX)
			return bad_field(f, ev, "trade_id", "is out of range");
		id = (json_int_t)d;
	} else {
		return bad_field(f, ev, "trade_id", "is not an integer");
	}
	if (id < 0)
		return bad_field(f, ev, "trade_id", "is negative");
	snprintf(buf, TK_TRADE_ID_MAX, "%" JSON_INTEGER_FORMAT, id);
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
		return bad_field(f, ev, "side", "is not \"buy\" or \"sell\"");
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
