/* SPDX-License-Identifier: MIT */
/*
 * Binance USDⓈ-M futures public market data: subscribe messages and frame
 * parsing (tests/fixtures/binance_usdm/PROVENANCE.md has the protocol
 * notes).  The stream protocol is spot Binance's (binance_stream.c reads
 * both); what differs is the endpoint, the channels and the events.
 *
 * Trades come from aggTrade (USDⓈ-M has no public raw trade stream),
 * quotes from bookTicker (which here carries "T" and "E"), funding from
 * markPrice@1s.  Unified symbols are perpetuals: BTC-USDT-PERP is
 * BTCUSDT.  USDT-margined contracts are counted in the base currency, so
 * sizes are base sizes as they come.
 *
 * Since Binance split fstream by path (2026), @aggTrade and @markPrice are
 * served on /market and @bookTicker on /public only: the default URL is
 * /market, and quotes want a second exchange entry on /public (README).
 */

#include <stddef.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "binance_stream.h"
#include "exchange.h"

/* Stream channels in subscription order, one per tick type we offer. */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "", "@aggTrade" },
	{ TK_TICK_QUOTE, "", "@bookTicker" },
	{ TK_TICK_FUNDING, "", "@markPrice@1s" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

/* Hot events first: the list is searched linearly. */
static const struct tk__name events[] = {
	{ "bookTicker", TK__BINANCE_BOOK_TICKER },
	{ "aggTrade", TK__BINANCE_AGG_TRADE },
	{ "markPriceUpdate", TK__BINANCE_MARK_PRICE },
	/* market data we never subscribe to */
	{ "depthUpdate", TK__NAME_UNUSED },
	{ "kline", TK__NAME_UNUSED },
	{ "continuous_kline", TK__NAME_UNUSED },
	{ "24hrTicker", TK__NAME_UNUSED },
	{ "24hrMiniTicker", TK__NAME_UNUSED },
	{ "forceOrder", TK__NAME_UNUSED },
	{ "compositeIndex", TK__NAME_UNUSED },
	{ "assetIndexUpdate", TK__NAME_UNUSED },
};
static const struct tk__binance_events usdm_events = {
	events, sizeof(events) / sizeof(events[0]),
};

static int	 usdm_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 usdm_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 usdm_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);
static void	 parse_top(struct tk__frame *, json_t *o);

const struct tk_adapter tk__adapter_binance_usdm = {
	.name = "binance_usdm",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://fstream.binance.com/market/ws",
	.types = TK_TYPES_FEED,
	.native_symbol = usdm_native_symbol,
	.subscribe = usdm_subscribe,
	.parse = usdm_parse,
	/* Binance pings us (lws answers); it cuts every connection at 24 h */
	.max_connection_s = 24 * 3600,
};

/* "BTC-USDT-PERP" -> "BTCUSDT", the form of the payload's "s". */
static int
usdm_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native_perp(unified, '\0', false, buf, cap);
}

/* The stream names of every symbol, chunked (binance_stream.h). */
static int
usdm_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	return tk__binance_subscribe(map, channels, NCHANNELS, types, i, buf,
	    cap);
}

static void
usdm_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	if (tk__binance_fast(ctx, frame, len, res, &usdm_events) < 0)
		tk__frame_parse(ctx, frame, len, res, 0, parse_top);
}

static void
parse_top(struct tk__frame *f, json_t *o)
{
	tk__binance_object(f, o, &usdm_events);
}
