/* SPDX-License-Identifier: MIT */
/*
 * Bybit v5 linear perpetuals (USDT-margined): subscribe messages and frame
 * parsing (tests/fixtures/bybit_linear/PROVENANCE.md has the protocol
 * notes).  Trades, the level-1 book and the replies are the spot protocol
 * (bybit_v5.c); this adds funding from "tickers.<symbol>".
 *
 * Quotes come from orderbook.1 as on spot, not from the tickers' bid1/ask1:
 * the book is pushed every 10 ms, tickers every 100 ms, and one parser
 * serves both markets.  Tickers are subscribed only when funding is
 * wanted.  Unified symbols are perpetuals: BTC-USDT-PERP is BTCUSDT.
 * Linear contracts are counted in the base coin ("v", "b", "a"), so sizes
 * are base sizes as they come.
 *
 * Tickers are a snapshot, then deltas that carry only the fields that
 * changed.  The per-connection state keeps, beside each symbol's book, its
 * funding fields as the snapshot and the deltas since left them.  A delta
 * that names none of them gives no funding tick; without a snapshot (or
 * without state) only a delta that names all four does.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "bybit_v5.h"
#include "exchange.h"

#define TICKERS_PREFIX	"tickers."

/* Times: JSON integers in ms, or strings of digits (nextFundingTime). */
#define MS		(TK__MS_INT | TK__MS_TEXT)

/* Topics in subscription order, one per tick type we offer. */
static const struct tk__chan channels[] = {
	{ TK_TICK_TRADE, "publicTrade.", "" },
	{ TK_TICK_QUOTE, "orderbook.1.", "" },
	{ TK_TICK_FUNDING, TICKERS_PREFIX, "" },
};
#define NCHANNELS	(sizeof(channels) / sizeof(channels[0]))

/* The funding fields of a symbol's tickers, as last stated. */
struct funding {
	struct tk_dec	 mark, index, rate;
	int64_t		 next_us;
	bool		 known;		/* a snapshot (or full delta) seen */
};

/* The codec state of one symbol: the book first (bybit_v5.h). */
struct symbol_state {
	struct tk__bybit_book	 book;
	struct funding		 funding;
};

static int	 linear_native_symbol(const char *unified, char *buf,
		    size_t cap);
static int	 linear_subscribe(const struct tk_symmap *, unsigned types,
		    unsigned i, char *buf, size_t cap);
static void	 linear_parse(const struct tk_codec_ctx *, const char *frame,
		    size_t len, struct tk_frame_result *);
static size_t	 linear_state_size(const struct tk_symmap *);
static void	 parse_top(struct tk__frame *, json_t *o);
static bool	 parse_topic(struct tk__frame *, json_t *o, const char *name);
static void	 parse_tickers(struct tk__frame *, json_t *o);
static int	 read_funding(struct tk__frame *, json_t *data,
		    struct funding *, unsigned *named);

static const struct tk__bybit_codec linear_codec = {
	.stride = sizeof(struct symbol_state),
	.topic = parse_topic,
};

const struct tk_adapter tk__adapter_bybit_linear = {
	.name = "bybit_linear",
	.kind = TK_ADAPTER_NETWORK,
	.default_url = "wss://stream.bybit.com/v5/public/linear",
	.types = TK_TYPES_FEED,
	.native_symbol = linear_native_symbol,
	.subscribe = linear_subscribe,
	.parse = linear_parse,
	/* Bybit recommends a ping every 20 s; it cuts idle ones at 10 min. */
	.ping_message = "{\"op\":\"ping\"}",
	.ping_interval_s = 20,
	.max_connection_s = 0,
	.state_size = linear_state_size,
};

static size_t
linear_state_size(const struct tk_symmap *map)
{
	return tk_symmap_count(map) * linear_codec.stride;
}

/* "BTC-USDT-PERP" -> "BTCUSDT", the form of topics, "s" and "symbol". */
static int
linear_native_symbol(const char *unified, char *buf, size_t cap)
{
	return tk__symbol_native_perp(unified, '\0', false, buf, cap);
}

/* Ten topics a message, as on spot (bybit_v5.h). */
static int
linear_subscribe(const struct tk_symmap *map, unsigned types, unsigned i,
    char *buf, size_t cap)
{
	return tk__bybit_subscribe(map, channels, NCHANNELS, types, i, buf,
	    cap);
}

static void
linear_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	tk__frame_parse(ctx, frame, len, res, 0, parse_top);
}

static void
parse_top(struct tk__frame *f, json_t *o)
{
	tk__bybit_object(f, o, &linear_codec);
}

static bool
parse_topic(struct tk__frame *f, json_t *o, const char *name)
{
	if (strncmp(name, TICKERS_PREFIX, strlen(TICKERS_PREFIX)) != 0)
		return false;
	parse_tickers(f, o);
	return true;
}

#define NAMED_ALL	0xfu	/* read_funding(): all four fields named */

/*
 * A tickers push: a snapshot is read from scratch, a delta against the
 * symbol's funding fields so far; "ts" is when Bybit had them.
 */
static void
parse_tickers(struct tk__frame *f, json_t *o)
{
	static const char ev[] = "tickers";
	json_t *data = json_object_get(o, "data"), *sym;
	const char *type = json_string_value(json_object_get(o, "type"));
	bool delta = type != NULL && strcmp(type, "delta") == 0;
	struct symbol_state *st;
	struct funding fund;
	struct tk_tick t;
	unsigned named = 0;
	long idx;

	if (!json_is_object(data)) {
		tk__frame_fail(f, ev, "data", data == NULL ? "is missing" :
		    "is not an object");
		return;
	}
	memset(&t, 0, sizeof(t));
	if (tk__json_str(f, data, ev, "symbol", &sym) < 0 ||
	    tk__json_ms(f, o, ev, "ts", MS | TK__MS_REQUIRED, &t.ts) < 0)
		return;
	idx = tk_symmap_index(f->ctx->symbols, json_string_value(sym),
	    json_string_length(sym));
	st = tk__bybit_state(f, &linear_codec, idx);
	memset(&fund, 0, sizeof(fund));
	if (delta && st != NULL)
		fund = st->funding;
	if (read_funding(f, data, &fund, &named) < 0)
		return;
	fund.known = fund.known || !delta || named == NAMED_ALL;
	if (st != NULL)
		st->funding = fund;
	if (named == 0 || !fund.known || !fund.mark.valid) {
		if (idx < 0 && named != 0)
			tk__emit_json(f, &t, sym, TK__EMIT_QUIET); /* unknown */
		return;
	}
	t.type = TK_TICK_FUNDING;
	t.mark_price = fund.mark;
	t.index_price = fund.index;
	t.rate = fund.rate;
	t.next_funding_ts = fund.next_us;
	tk__emit_json(f, &t, sym, 0);
}

/*
 * The funding fields that @data names, over *fund: markPrice, indexPrice,
 * fundingRate (signed) and nextFundingTime (ms as text).  *named gets a
 * bit for each.  "" is "no value" (pre-listing contracts send it).
 */
static int
read_funding(struct tk__frame *f, json_t *data, struct funding *fund,
    unsigned *named)
{
	static const char ev[] = "tickers";
	const unsigned dec = TK__DEC_EMPTY_OK;
	int r;

	*named = 0;
	if (json_object_get(data, "markPrice") != NULL) {
		if (tk__json_dec(f, data, ev, "markPrice", dec,
		    &fund->mark) < 0)
			return -1;
		*named |= 0x1u;
	}
	if (json_object_get(data, "indexPrice") != NULL) {
		if (tk__json_dec(f, data, ev, "indexPrice", dec,
		    &fund->index) < 0)
			return -1;
		*named |= 0x2u;
	}
	if (json_object_get(data, "fundingRate") != NULL) {
		if (tk__json_dec(f, data, ev, "fundingRate",
		    dec | TK__DEC_SIGNED, &fund->rate) < 0)
			return -1;
		*named |= 0x4u;
	}
	if ((r = tk__json_ms(f, data, ev, "nextFundingTime", MS,
	    &fund->next_us)) < 0)
		return -1;
	*named |= r > 0 ? 0x8u : 0;
	return 0;
}
