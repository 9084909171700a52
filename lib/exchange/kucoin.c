/* SPDX-License-Identifier: MIT */
/*
 * KuCoin spot public market data: the connect token, subscribe messages
 * and frame parsing (tests/fixtures/kucoin/PROVENANCE.md has the protocol
 * notes).
 *
 * Every connection starts with POST /api/v1/bullet-public, whose answer
 * names the server, a token and the ping period; the socket goes to
 * <endpoint>?token=<token>&connectId=<id>, which greets with "welcome"
 * before it takes subscriptions.  Trades come from /market/match (time in
 * nanoseconds), quotes from /market/ticker (best bid and ask).  Symbols
 * are BASE-QUOTE already.
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

/* KuCoin takes at most 100 topics in one subscribe request. */
#define SUB_MAX_SYMBOLS	100

#define BULLET		"/api/v1/bullet-public"
#define TOKEN_MAX	512	/* real ones are about 200 bytes */

/*
 * One message per channel and chunk of symbols:
 * {"type":"subscribe","topic":"/market/match:A,B","privateChannel":false,
 * "response":true,"id":1}.  pre is the message up to the symbol list,
 * post what follows it up to the id.
 */
#define SUB_TAIL	"\",\"privateChannel\":false,\"response\":true,\"id\":"

static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE,
	    "{\"type\":\"subscribe\",\"topic\":\"/market/match:", SUB_TAIL },
	{ TK_TICK_QUOTE,
	    "{\"type\":\"subscribe\",\"topic\":\"/market/ticker:", SUB_TAIL },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum msg_type {
	MSG_DATA,
	MSG_WELCOME,
	MSG_ERROR,
};

/* "type" of every frame, hot first; ack and pong are bookkeeping. */
static const struct tk__name msg_types[] = {
	{ "message", MSG_DATA },
	{ "pong", TK__NAME_CONTROL },
	{ "ack", TK__NAME_CONTROL },
	{ "welcome", MSG_WELCOME },
	{ "error", MSG_ERROR },
};
#define NMSG_TYPES	(sizeof(msg_types) / sizeof(msg_types[0]))

enum subject {
	SUBJ_MATCH,
	SUBJ_TICKER,
};

static const struct tk__name subjects[] = {
	{ "trade.l3match", SUBJ_MATCH },
	{ "trade.ticker", SUBJ_TICKER },
};
#define NSUBJECTS	(sizeof(subjects) / sizeof(subjects[0]))

/* rest_parse()'s data: nothing the codec needs, all for the daemon. */
struct kucoin_rest {
	int	 token_seen;
};

static int	 kucoin_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 kucoin_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 kucoin_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);
static int	 kucoin_rest_request(const struct tk_symmap *, unsigned types,
		    unsigned i, struct tk_rest_request *);
static size_t	 kucoin_rest_size(const struct tk_symmap *);
static int	 kucoin_rest_parse(const struct tk_symmap *, unsigned i,
		    const char *body, size_t len, void *data,
		    struct tk_rest_connect *, char *err, size_t errlen);

static int	 bullet_server(json_t *data, const char **endpoint,
		    json_int_t *ping_ms, char *err, size_t errlen);
static int	 url_safe(const char *s);
static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_error(struct tk__frame *, json_t *o);
static void	 parse_message(struct tk__frame *, json_t *o);
static void	 parse_match(struct tk__frame *, json_t *data);
static void	 parse_ticker(struct tk__frame *, json_t *o, json_t *data);

const struct tk_adapter tk__adapter_kucoin = {
	.name = "kucoin",
	.kind = TK_ADAPTER_NETWORK,
	/* Only a fallback: each bullet answer names the server to use. */
	.default_url = "wss://ws-api-spot.kucoin.com/",
	.types = TK_TYPES_ALL,
	.native_symbol = kucoin_native_symbol,
	.subscribe = kucoin_subscribe,
	.parse = kucoin_parse,
	/* Sent every pingInterval of the bullet answer (18 s in the docs). */
	.ping_message = "{\"id\":\"tickerd\",\"type\":\"ping\"}",
	.ping_interval_s = 18,
	.max_connection_s = 0,
	.welcome_s = 10,
	.default_rest_url = "https://api.kucoin.com",
	.rest_request = kucoin_rest_request,
	.rest_size = kucoin_rest_size,
	.rest_parse = kucoin_rest_parse,
};

static int
kucoin_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '-', false, buf, cap);
}

/*
 * One message per wanted channel (match before ticker) and chunk of
 * SUB_MAX_SYMBOLS symbols, with id i + 1; acks echo it.
 */
static int
kucoin_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	size_t nsym = tk_symmap_count(map), nchunks;
	struct tk__sub want, s;

	tk__sub_init(&want, map, channels, NCHANNELS, types);
	if (nsym == 0)
		return 0;
	nchunks = (nsym + SUB_MAX_SYMBOLS - 1) / SUB_MAX_SYMBOLS;
	if (i / nchunks >= want.nchans)
		return 0;
	tk__sub_init(&s, map, NULL, 0, types);
	s.head = want.chans[i / nchunks]->pre;
	s.tail = want.chans[i / nchunks]->post;
	s.end = "}";
	s.id0 = i - i % nchunks + 1;
	s.max_items = SUB_MAX_SYMBOLS;
	return tk__sub_write(&s, (unsigned)(i % nchunks), buf, cap);
}

/* ---- the connect token ---- */

/* A fresh token before every connect: POST with an empty body. */
static int
kucoin_rest_request(const struct tk_symmap *map, unsigned types,
    unsigned i, struct tk_rest_request *req)
{
	(void)map;
	(void)types;
	if (i > 0)
		return 0;
	memset(req, 0, sizeof(*req));
	req->method = "POST";
	memcpy(req->path, BULLET, sizeof(BULLET));
	return 1;
}

static size_t
kucoin_rest_size(const struct tk_symmap *map)
{
	(void)map;
	return sizeof(struct kucoin_rest);
}

/*
 * {"code":"200000","data":{"token":"..","instanceServers":[{"endpoint":
 * "wss://ws-api-spot.kucoin.com/","encrypt":true,"protocol":"websocket",
 * "pingInterval":18000,"pingTimeout":10000}]}}: the URL of this connect
 * and the ping period.
 */
static int
kucoin_rest_parse(const struct tk_symmap *map, unsigned i, const char *body,
    size_t len, void *data, struct tk_rest_connect *conn, char *err,
    size_t errlen)
{
	struct kucoin_rest *rest = data;
	json_t *root, *code, *d, *token;
	const char *endpoint;
	json_error_t jerr;
	json_int_t ping_ms;
	int r = -EINVAL, n;

	(void)map;
	(void)i;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	code = json_object_get(root, "code");
	d = json_object_get(root, "data");
	token = json_object_get(d, "token");
	if (!json_is_object(root)) {
		snprintf(err, errlen, "bullet: not a JSON object: %s",
		    root == NULL ? jerr.text : "other JSON");
	} else if (!json_is_string(code) ||
	    strcmp(json_string_value(code), "200000") != 0) {
		snprintf(err, errlen, "bullet: code %.16s: %.80s",
		    json_is_string(code) ? json_string_value(code) : "?",
		    json_is_string(json_object_get(root, "msg")) ?
		    json_string_value(json_object_get(root, "msg")) : "");
		r = -EPROTO;
	} else if (!json_is_string(token) || json_string_length(token) == 0 ||
	    json_string_length(token) > TOKEN_MAX ||
	    !url_safe(json_string_value(token))) {
		snprintf(err, errlen, "bullet: \"token\" is missing or not "
		    "URL-safe");
	} else if (bullet_server(d, &endpoint, &ping_ms, err, errlen) == 0) {
		n = snprintf(conn->url, sizeof(conn->url), "%s%stoken=%s"
		    "&connectId=%s", endpoint, strchr(endpoint, '?') ? "&" :
		    "?", json_string_value(token), conn->connect_id);
		if (n < 0 || (size_t)n >= sizeof(conn->url)) {
			conn->url[0] = '\0';
			snprintf(err, errlen, "bullet: endpoint too long");
		} else {
			conn->ping_interval_ms = (unsigned)ping_ms;
			rest->token_seen = 1;
			r = 0;
		}
	}
	json_decref(root);
	return r;
}

/* The first server: a ws:// or wss:// endpoint and its ping period. */
static int
bullet_server(json_t *data, const char **endpoint, json_int_t *ping_ms,
    char *err, size_t errlen)
{
	json_t *srv = json_array_get(json_object_get(data, "instanceServers"),
	    0);
	json_t *ep = json_object_get(srv, "endpoint");
	json_t *ping = json_object_get(srv, "pingInterval");

	*endpoint = json_string_value(ep);
	if (*endpoint == NULL || (strncmp(*endpoint, "wss://", 6) != 0 &&
	    strncmp(*endpoint, "ws://", 5) != 0) || !url_safe(*endpoint)) {
		snprintf(err, errlen, "bullet: no ws:// or wss:// endpoint in "
		    "\"instanceServers\"");
		return -EINVAL;
	}
	if (!json_is_integer(ping) || json_integer_value(ping) < 1000 ||
	    json_integer_value(ping) > 600000) {
		snprintf(err, errlen, "bullet: \"pingInterval\" is not 1000 to "
		    "600000 ms");
		return -EINVAL;
	}
	*ping_ms = json_integer_value(ping);
	return 0;
}

/* Printable ASCII without blanks, quotes or '#': safe in a request line. */
static int
url_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '#' ||
		    *s == '\\')
			return 0;
	return 1;
}

/* ---- frames ---- */

static void
kucoin_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, 0, parse_object);
}

static void
parse_object(struct tk__frame *f, json_t *o)
{
	int t = tk__json_name_value(f, json_object_get(o, "type"), "frame",
	    "type", msg_types, NMSG_TYPES);

	switch (t) {
	case MSG_DATA:
		parse_message(f, o);
		break;
	case MSG_WELCOME:
		tk__frame_classify(f, TK_FRAME_CONTROL);
		f->res->welcome = 1;
		break;
	case MSG_ERROR:
		parse_error(f, o);
		break;
	default:
		break;
	}
}

/* {"id":"..","type":"error","code":401,"data":"token is invalid"} */
static void
parse_error(struct tk__frame *f, json_t *o)
{
	json_t *code = json_object_get(o, "code");
	json_t *data = json_object_get(o, "data");
	char text[24] = "?";

	if (json_is_integer(code))
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(code));
	else if (json_is_string(code))
		snprintf(text, sizeof(text), "%s", json_string_value(code));
	tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "code %s: %s", text,
	    json_is_string(data) ? json_string_value(data) : "(no text)");
	tk__frame_scrub(f);
}

/* {"type":"message","topic":..,"subject":..,"data":{..}} */
static void
parse_message(struct tk__frame *f, json_t *o)
{
	json_t *data = json_object_get(o, "data");
	int subj = tk__json_name_value(f, json_object_get(o, "subject"),
	    "message", "subject", subjects, NSUBJECTS);

	if (subj < 0)
		return;
	if (!json_is_object(data)) {
		tk__frame_fail(f, "message", "data", "is not an object");
		return;
	}
	if (subj == SUBJ_MATCH)
		parse_match(f, data);
	else
		parse_ticker(f, o, data);
}

/* "side" is the taker's; "time" is nanoseconds as text. */
static void
parse_match(struct tk__frame *f, json_t *data)
{
	static const char ev[] = "match";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__json_str(f, data, ev, "symbol", &sym) < 0 ||
	    tk__json_dec(f, data, ev, "price", 0, &t.price) < 0 ||
	    tk__json_dec(f, data, ev, "size", 0, &t.size) < 0 ||
	    tk__json_id_str(f, data, ev, "tradeId", t.trade_id) < 0 ||
	    tk__json_side(f, data, ev, "side", "buy", "sell", false,
	    &t.side) < 0 ||
	    tk__json_ms(f, data, ev, "time", TK__MS_TEXT | TK__MS_NANOS |
	    TK__MS_REQUIRED, &t.ts) < 0)
		return;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * The ticker's best bid and ask; its symbol is only in the topic
 * ("/market/ticker:BTC-USDT"), its time milliseconds as a number.
 */
static void
parse_ticker(struct tk__frame *f, json_t *o, json_t *data)
{
	static const char ev[] = "ticker";
	const char *topic, *colon;
	struct tk_tick t;
	json_t *tv;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (tk__json_str(f, o, ev, "topic", &tv) < 0)
		return;
	topic = json_string_value(tv);
	colon = strrchr(topic, ':');
	if (colon == NULL || colon[1] == '\0') {
		tk__frame_fail_value(f, ev, "topic", tv, "names no symbol");
		return;
	}
	if (tk__json_dec(f, data, ev, "bestBid", TK__DEC_NULL_OK,
	    &t.bid) < 0 ||
	    tk__json_dec(f, data, ev, "bestBidSize", TK__DEC_NULL_OK,
	    &t.bid_size) < 0 ||
	    tk__json_dec(f, data, ev, "bestAsk", TK__DEC_NULL_OK,
	    &t.ask) < 0 ||
	    tk__json_dec(f, data, ev, "bestAskSize", TK__DEC_NULL_OK,
	    &t.ask_size) < 0 ||
	    tk__json_ms(f, data, ev, "time", TK__MS_INT | TK__MS_REQUIRED,
	    &t.ts) < 0)
		return;
	if (!t.bid.valid)
		t.bid_size.valid = 0;
	if (!t.ask.valid)
		t.ask_size.valid = 0;
	tk__emit(f, &t, colon + 1, strlen(colon + 1), TK__EMIT_SKIP_EMPTY);
}
