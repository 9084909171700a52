/* SPDX-License-Identifier: MIT */
#ifndef TICKER_TICK_H
#define TICKER_TICK_H

/*
 * The normalized tick: what every source yields and what clients receive.
 * It is a flat value with fixed-size strings so that it can be copied
 * through rings and streams without allocating.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/decimal.h>

#define TK_NAME_MAX	32	/* exchange name incl. NUL */
#define TK_SYMBOL_MAX	32	/* unified BASE-QUOTE incl. NUL */
#define TK_TRADE_ID_MAX	48	/* exchange trade id as text incl. NUL */

enum tk_tick_type {
	TK_TICK_TRADE = 0,
	TK_TICK_QUOTE = 1,
	TK_TICK_TYPE_MAX
};

/* Bit for each type, for channel sets and client filters. */
#define TK_TYPE_BIT(t)	(1u << (t))
#define TK_TYPES_ALL	(TK_TYPE_BIT(TK_TICK_TRADE) | TK_TYPE_BIT(TK_TICK_QUOTE))

enum tk_side {
	TK_SIDE_UNKNOWN = 0,
	TK_SIDE_BUY,		/* the taker bought */
	TK_SIDE_SELL,		/* the taker sold */
};

struct tk_tick {
	enum tk_tick_type type;
	enum tk_side	 side;			/* trades only */
	char		 exchange[TK_NAME_MAX];
	char		 symbol[TK_SYMBOL_MAX];
	char		 trade_id[TK_TRADE_ID_MAX];	/* "" if none */
	struct tk_dec	 price, size;		/* trades */
	struct tk_dec	 bid, bid_size, ask, ask_size;	/* quotes */
	int64_t		 ts;		/* exchange event time, µs since epoch */
	int64_t		 recv_ts;	/* tickerd receive time, µs since epoch */
	uint64_t	 seq;		/* merged-stream number, 0 until published */
};

/* "trade", "quote"; NULL for an out-of-range value. */
const char	*tk_tick_type_name(enum tk_tick_type);
/* Parses "trade"/"quote"; returns 0 or -EINVAL. */
int		 tk_tick_type_parse(const char *name, enum tk_tick_type *out);
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
 * Returns the length, or -ENOSPC if @cap is too small.
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
