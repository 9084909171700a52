/* SPDX-License-Identifier: MIT */
/*
 * Bybit v5 public spot market data: subscribe messages and frame parsing
 * (tests/fixtures/bybit/PROVENANCE.md has the protocol notes).  The
 * protocol is shared with the linear market: bybit_v5.c reads it.
 *
 * Trades come from "publicTrade.<symbol>" (several per frame), quotes from
 * "orderbook.1.<symbol>": spot "tickers" carries no bid or ask at all.
 * Linear and option frames of the same shapes parse the same way.  The
 * per-connection state is the level-1 book of every configured symbol.
 */

#include <stddef.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "bybit_v5.h"
#include "exchange.h"

/* Topics in subscription order, one per tick type we offer. */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "publicTrade.", "" },
	{ TK_TICK_QUOTE, "orderbook.1.", "" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

static const struct tk__bybit_codec spot_codec = {
	.stride = sizeof(struct tk__bybit_book),
	.topic = NULL,
};

static int	 bybit_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 bybit_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 bybit_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);
static size_t	 bybit_state_size(const struct tk_symmap *);
static void	 parse_top(struct tk__frame *, json_t *o);

const struct tk_adapter tk__adapter_bybit = {
	.name = "bybit",
	.kind = TK_ADAPTER_NETWORK,
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
	return tk_symmap_count(map) * spot_codec.stride;
}

/* "BTC-USDT" -> "BTCUSDT", the form of topics and of "s". */
static int
bybit_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native(unified, '\0', false, buf, cap);
}

/* Ten topics a message (bybit_v5.h): far below any size limit. */
static int
bybit_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	return tk__bybit_subscribe(map, channels, NCHANNELS, types, i, buf,
	    cap);
}

static void
bybit_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, 0, parse_top);
}

static void
parse_top(struct tk__frame *f, json_t *o)
{
	tk__bybit_object(f, o, &spot_codec);
}
