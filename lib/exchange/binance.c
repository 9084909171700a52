/* SPDX-License-Identifier: MIT */
/*
 * Binance spot public market data: subscribe messages and frame parsing
 * (tests/fixtures/binance/PROVENANCE.md has the protocol notes).
 *
 * We connect to the raw /ws endpoint and subscribe with SUBSCRIBE
 * messages, but parse() also takes the combined-stream wrapper
 * {"stream":..,"data":..}, so a URL with /stream?streams=... works too.
 * The protocol is the futures one too: binance_stream.c reads it.
 */

#include <stddef.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "binance_stream.h"
#include "exchange.h"

/*
 * Stream channels in subscription order, one per tick type we offer:
 * "btcusdt@trade" (lower case, as Binance requires).
 */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "", "@trade" },
	{ TK_TICK_QUOTE, "", "@bookTicker" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

/* Hot events first: the list is searched linearly. */
static const struct tk__name events[] = {
	{ "trade", TK__BINANCE_TRADE },
	{ "aggTrade", TK__BINANCE_AGG_TRADE },
	{ "bookTicker", TK__BINANCE_BOOK_TICKER },
	{ "serverShutdown", TK__BINANCE_SHUTDOWN },
	/* market data we never subscribe to */
	{ "24hrTicker", TK__NAME_UNUSED },
	{ "24hrMiniTicker", TK__NAME_UNUSED },
	{ "1hTicker", TK__NAME_UNUSED },
	{ "4hTicker", TK__NAME_UNUSED },
	{ "1dTicker", TK__NAME_UNUSED },
	{ "depthUpdate", TK__NAME_UNUSED },
	{ "kline", TK__NAME_UNUSED },
	{ "avgPrice", TK__NAME_UNUSED },
};
static const struct tk__binance_events spot_events = {
	events, sizeof(events) / sizeof(events[0]),
};

static int	 binance_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 binance_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 binance_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);

static void	 parse_top(struct tk__frame *, json_t *o);

const struct tk_adapter tk__adapter_binance = {
	.name = "binance",
	.kind = TK_ADAPTER_NETWORK,
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
	return tk__symbol_native(unified, '\0', false, buf, cap);
}

/* The stream names of every symbol, chunked (binance_stream.h). */
static int
binance_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	return tk__binance_subscribe(map, channels, NCHANNELS, types, i, buf,
	    cap);
}

static void
binance_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	if (tk__binance_fast(ctx, frame, len, res, &spot_events) < 0)
		tk__frame_parse(ctx, frame, len, res, 0, parse_top);
}

static void
parse_top(struct tk__frame *f, json_t *o)
{
	tk__binance_object(f, o, &spot_events);
}
