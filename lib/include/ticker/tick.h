/* SPDX-License-Identifier: MIT */
#ifndef TICKER_TICK_H
#define TICKER_TICK_H

/*
 * The normalized tick: what every source yields and what clients receive.
 * It is a flat value with fixed-size strings so that it can be copied
 * through rings and streams without allocating.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ticker/decimal.h>

#define TK_NAME_MAX	32	/* exchange name incl. NUL */
#define TK_SYMBOL_MAX	32	/* unified BASE-QUOTE incl. NUL */
#define TK_TRADE_ID_MAX	48	/* exchange trade id as text incl. NUL */

enum tk_tick_type {
	TK_TICK_TRADE = 0,
	TK_TICK_QUOTE = 1,
	TK_TICK_FUNDING = 2,	/* perpetuals: mark price and funding rate */
	TK_TICK_BBO = 3,	/* best bid/offer over exchanges, by tickerd */
	TK_TICK_TYPE_MAX
};

/*
 * Bit for each type, for channel sets and client filters.
 *
 * TK_TYPES_ANY is every type: what a client without a "types" filter
 * receives.  TK_TYPES_FEED is what an exchange feed can carry (the config's
 * "channels"); bbo is never one, tickerd derives it from the quotes.
 * TK_TYPES_ALL, despite its name, is not every type: it is the channels an
 * exchange offers by default, trade and quote.
 */
#define TK_TYPE_BIT(t)	(1u << (t))
#define TK_TYPES_ANY	((1u << TK_TICK_TYPE_MAX) - 1)
#define TK_TYPES_FEED	(TK_TYPE_BIT(TK_TICK_TRADE) | \
			    TK_TYPE_BIT(TK_TICK_QUOTE) | \
			    TK_TYPE_BIT(TK_TICK_FUNDING))
#define TK_TYPES_ALL	(TK_TYPE_BIT(TK_TICK_TRADE) | TK_TYPE_BIT(TK_TICK_QUOTE))

enum tk_side {
	TK_SIDE_UNKNOWN = 0,
	TK_SIDE_BUY,		/* the taker bought */
	TK_SIDE_SELL,		/* the taker sold */
};

/*
 * The unit of size, bid_size and ask_size (SPEC "Symbols and markets"):
 * base currency wherever that is exact, else the exchange's own number.
 */
enum tk_size_unit {
	TK_SIZE_UNIT_BASE = 0,	/* base currency; left out of the JSON */
	TK_SIZE_UNIT_QUOTE,	/* quote currency (inverse contracts) */
	TK_SIZE_UNIT_CONTRACTS,	/* contracts of unknown value */
	TK_SIZE_UNIT_MAX
};

/*
 * Fields are grouped by the types that use them.  Two anonymous unions
 * overlay what no type uses together, so that the struct stays small (it is
 * copied through every ring): a trade's id with a bbo's venues, and a
 * quote's (or bbo's) book fields with a funding tick's.  Read only the
 * fields of t->type; memset() the struct before filling it.
 */
struct tk_tick {
	enum tk_tick_type type;
	enum tk_side	 side;			/* trades only */
	enum tk_size_unit size_unit;		/* all types; BASE if unsaid */
	bool		 crossed;		/* bbo: best bid > best ask */
	char		 exchange[TK_NAME_MAX];	/* "" for bbo */
	char		 symbol[TK_SYMBOL_MAX];
	union {
		char	 trade_id[TK_TRADE_ID_MAX];	/* trade; "" if none */
		struct {			/* bbo; "" for an empty side */
			char	 bid_exchange[TK_NAME_MAX];
			char	 ask_exchange[TK_NAME_MAX];
		};
	};
	struct tk_dec	 price, size;		/* trades */
	union {
		struct {			/* quotes and bbo */
			struct tk_dec	 bid, bid_size, ask, ask_size;
		};
		struct {			/* funding */
			struct tk_dec	 mark_price;
			struct tk_dec	 index_price;	/* invalid if unsent */
			struct tk_dec	 rate;
			int64_t		 next_funding_ts; /* µs; 0 if unsent */
		};
	};
	int64_t		 ts;		/* exchange event time, µs since epoch */
	int64_t		 recv_ts;	/* tickerd receive time, µs since epoch */
	uint64_t	 seq;		/* merged-stream number, 0 until published */
};

/* "trade", "quote", "funding", "bbo"; NULL for an out-of-range value. */
const char	*tk_tick_type_name(enum tk_tick_type);
/* Parses a name of tk_tick_type_name(); returns 0 or -EINVAL. */
int		 tk_tick_type_parse(const char *name, enum tk_tick_type *out);
/* "base", "quote", "contracts"; NULL for an out-of-range value. */
const char	*tk_size_unit_name(enum tk_size_unit);
/* Parses a name of tk_size_unit_name(); returns 0 or -EINVAL. */
int		 tk_size_unit_parse(const char *name, enum tk_size_unit *out);
/* "buy", "sell", "unknown". */
const char	*tk_side_name(enum tk_side);

/* Copies @src into a fixed field, returns -ENAMETOOLONG if it does not fit. */
int	tk_tick_set_str(char *field, size_t cap, const char *src, size_t len);

#define TK_TICK_JSON_MAX 1024	/* tk_tick_format() output never exceeds this */

/*
 * Writes the tick as the one-line JSON object of SPEC ("Ticks"), with
 * "snapshot":true added when @snapshot, and no trailing newline or NUL
 * guarantee beyond what fits.  Strings are JSON-escaped; decimals use
 * tk_dec_format(); invalid (absent) decimals are written as null.
 * Per type:
 *  - funding: "index_price" only when valid, "next_funding_ts" only when
 *    not 0;
 *  - bbo: no "exchange" and no "recv_ts"; an empty side (no usable quote)
 *    has null price, size and venue;
 *  - every type: "size_unit" before "ts", only when it is not base.
 * Returns the length, -ENOSPC if @cap is too small, or -EINVAL for an
 * unknown type or size unit.
 */
int	tk_tick_format(const struct tk_tick *t, int snapshot, char *buf,
	    size_t cap);

/*
 * Escapes @len bytes of @s as the inside of a JSON string into @buf: '"',
 * '\\' and control bytes (below 0x20, and 0x7f) escaped, each invalid UTF-8
 * sequence replaced by U+FFFD, so the output is always valid UTF-8 and
 * valid JSON.  At most 6 bytes per input byte.  Returns the length written
 * (no NUL), or -ENOSPC.
 */
int	tk_json_escape(const char *s, size_t len, char *buf, size_t cap);

#endif
