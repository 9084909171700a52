/* SPDX-License-Identifier: MIT */
/*
 * Gate.io API v4 spot WebSocket: subscribe messages and frame parsing
 * (tests/fixtures/gateio/PROVENANCE.md has the protocol notes).
 *
 * Trades come from "spot.trades", quotes from "spot.book_ticker" (best
 * bid and ask with their sizes; "spot.tickers" has no sizes).  Every
 * frame is {"time","channel","event","result"} (newer servers add
 * "time_ms", "conn_id", "trace_id"); a refused request carries
 * "error":{"code","message"}.  Prices and sizes are strings, ids and the
 * book time JSON integers, and the trade time "create_time_ms" a string
 * of milliseconds with a fraction ("1619093543708.2642").  A subscribe
 * request names one channel and a list of currency pairs ("BTC_USDT").
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "exchange.h"

/*
 * Gate documents no limit on the pairs of one request; chunks of 100
 * keep every message under 4 KiB (native names are at most 31 bytes).
 */
#define SUB_MAX_PAIRS	100

/*
 * Channels in subscription order, one per tick type we offer: pre is the
 * message after its "time" up to the pair list, post what follows it.
 */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE,
	    "\"channel\":\"spot.trades\",\"event\":\"subscribe\",\"payload\":[",
	    "]}" },
	{ TK_TICK_QUOTE,
	    "\"channel\":\"spot.book_ticker\",\"event\":\"subscribe\","
	    "\"payload\":[",
	    "]}" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

enum channel {
	CH_TRADES,
	CH_BOOK_TICKER,
};

/* Hot channels first: the list is searched linearly. */
static const struct tk__name channel_names[] = {
	{ "spot.trades", CH_TRADES },
	{ "spot.book_ticker", CH_BOOK_TICKER },
	{ "spot.pong", TK__NAME_CONTROL },
	{ "spot.tickers", TK__NAME_UNUSED },
	{ "spot.trades_v2", TK__NAME_UNUSED },
	{ "spot.order_book", TK__NAME_UNUSED },
	{ "spot.order_book_update", TK__NAME_UNUSED },
	{ "spot.candlesticks", TK__NAME_UNUSED },
};
#define NCHANNEL_NAMES	(sizeof(channel_names) / sizeof(channel_names[0]))

/* Events: "update" is pushed data, the rest replies to our requests. */
static const struct tk__name event_names[] = {
	{ "update", 0 },
	{ "subscribe", TK__NAME_CONTROL },
	{ "unsubscribe", TK__NAME_CONTROL },
};
#define NEVENT_NAMES	(sizeof(event_names) / sizeof(event_names[0]))

static int	 gateio_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 gateio_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 gateio_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static void	 parse_object(struct tk__frame *, json_t *o);
static void	 parse_error(struct tk__frame *, json_t *o, json_t *error);
static void	 parse_trade(struct tk__frame *, json_t *r);
static void	 parse_book_ticker(struct tk__frame *, json_t *r);

const struct tk_adapter tk__adapter_gateio = {
	.name = "gateio",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://api.gateio.ws/ws/v4/",
	.types = TK_TYPES_ALL,
	.native_symbol = gateio_native_symbol,
	.subscribe = gateio_subscribe,
	.parse = gateio_parse,
	/*
	 * The server pings at the WebSocket level; spot.ping also resets its
	 * idle timer.  Gate's own demo client sends one every 10 s.  A fixed
	 * message cannot carry the request "time", and the server takes a
	 * request without one.
	 */
	.ping_message = "{\"channel\":\"spot.ping\"}",
	.ping_interval_s = 10,
	.max_connection_s = 0,
};

/* "BTC-USDT" -> "BTC_USDT", the currency pair. */
static int
gateio_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '_', false, buf, cap);
}

/*
 * One message per wanted channel (trades before book_ticker) and chunk of
 * SUB_MAX_PAIRS pairs.  Gate's requests carry "time", the Unix time in
 * seconds, which must be within 60 s of the server's: the message is
 * stamped when it is written, right before it is sent.  The stamp has 10
 * digits until 2286, so message boundaries do not move.
 */
static int
gateio_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	size_t nsym = tk_symmap_count(map), nchunks;
	const struct tk__chan *c;
	struct tk__sub want, s;
	char head[128];

	tk__sub_init(&want, map, channels, NCHANNELS, types);
	if (nsym == 0)
		return 0;
	nchunks = (nsym + SUB_MAX_PAIRS - 1) / SUB_MAX_PAIRS;
	if (i / nchunks >= want.nchans)
		return 0;
	c = want.chans[i / nchunks];
	snprintf(head, sizeof(head), "{\"time\":%lld,%s",
	    (long long)time(NULL), c->pre);
	tk__sub_init(&s, map, NULL, 0, types);
	s.flags = TK__SUB_QUOTE;
	s.head = head;
	s.tail = c->post;
	s.max_items = SUB_MAX_PAIRS;
	return tk__sub_write(&s, (unsigned)(i % nchunks), buf, cap);
}

static void
gateio_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, 0, parse_object);
}

/*
 * A refusal is an "error" that is not null, whatever the channel (the
 * schema error names none).  Otherwise "event" says what the frame is:
 * "update" is pushed data of "channel"; acks, the pong (event "") and
 * events we do not know are bookkeeping.
 */
static void
parse_object(struct tk__frame *f, json_t *o)
{
	json_t *error = json_object_get(o, "error"), *result;
	int ch;

	if (error != NULL && !json_is_null(error)) {
		parse_error(f, o, error);
		return;
	}
	if (tk__json_name_value(f, json_object_get(o, "event"), "message",
	    "event", event_names, NEVENT_NAMES) < 0)
		return;
	ch = tk__json_name_value(f, json_object_get(o, "channel"), "update",
	    "channel", channel_names, NCHANNEL_NAMES);
	if (ch < 0)
		return;
	result = json_object_get(o, "result");
	if (!json_is_object(result)) {
		tk__frame_fail(f, channel_names[ch].name, "result",
		    result == NULL ? "is missing" : "is not an object");
		return;
	}
	switch ((enum channel)ch) {
	case CH_TRADES:
		parse_trade(f, result);
		break;
	case CH_BOOK_TICKER:
		parse_book_ticker(f, result);
		break;
	}
}

/*
 * {"channel":"spot.trades","event":"subscribe","error":{"code":2,
 * "message":"unknown currency pair X"},"result":null}; the channel is ""
 * when the request could not be read at all.
 */
static void
parse_error(struct tk__frame *f, json_t *o, json_t *error)
{
	const char *chan = json_string_value(json_object_get(o, "channel"));
	json_t *code = json_object_get(error, "code");
	const char *msg = json_string_value(json_object_get(error, "message"));
	char where[48] = "";

	if (chan != NULL && chan[0] != '\0')
		snprintf(where, sizeof(where), "%.40s: ", chan);
	if (msg == NULL)
		msg = json_is_string(error) ? json_string_value(error) :
		    "error without a message";
	if (json_is_integer(code))
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%scode %"
		    JSON_INTEGER_FORMAT ": %s", where, json_integer_value(code),
		    msg);
	else
		tk__frame_set(f, TK_FRAME_EXCHANGE_ERROR, "%s%s", where, msg);
	tk__frame_scrub(f);
}

/*
 * One trade per frame.  "side" is the taker's; "id" counts over all
 * markets ("id_market" per market); "create_time_ms" is the trade time,
 * its fraction kept to the µs ("create_time" has only seconds).
 */
static void
parse_trade(struct tk__frame *f, json_t *r)
{
	static const char ev[] = "spot.trades";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__json_str(f, r, ev, "currency_pair", &sym) < 0 ||
	    tk__json_dec(f, r, ev, "price", 0, &t.price) < 0 ||
	    tk__json_dec(f, r, ev, "amount", 0, &t.size) < 0 ||
	    tk__json_id_int(f, r, ev, "id", t.trade_id) < 0 ||
	    tk__json_side(f, r, ev, "side", "buy", "sell", false,
	    &t.side) < 0 ||
	    tk__json_ms(f, r, ev, "create_time_ms", TK__MS_TEXT |
	    TK__MS_FRACTION | TK__MS_REQUIRED, &t.ts) < 0)
		return;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * Best bid and ask with their sizes; "t" is the book's time in ms and
 * "u" its update id.  An empty string is "no value" (a side without
 * orders): that side is null, and a size without its price goes with it.
 */
static void
parse_book_ticker(struct tk__frame *f, json_t *r)
{
	static const char ev[] = "spot.book_ticker";
	struct tk_tick t;
	json_t *sym;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (tk__json_str(f, r, ev, "s", &sym) < 0 ||
	    tk__json_dec(f, r, ev, "b", TK__DEC_EMPTY_OK, &t.bid) < 0 ||
	    tk__json_dec(f, r, ev, "B", TK__DEC_EMPTY_OK, &t.bid_size) < 0 ||
	    tk__json_dec(f, r, ev, "a", TK__DEC_EMPTY_OK, &t.ask) < 0 ||
	    tk__json_dec(f, r, ev, "A", TK__DEC_EMPTY_OK, &t.ask_size) < 0 ||
	    tk__json_ms(f, r, ev, "t", TK__MS_INT | TK__MS_REQUIRED,
	    &t.ts) < 0)
		return;
	if (!t.bid.valid)
		t.bid_size.valid = 0;
	if (!t.ask.valid)
		t.ask_size.valid = 0;
	tk__emit_json(f, &t, sym, TK__EMIT_SKIP_EMPTY);
}
