/* SPDX-License-Identifier: MIT */
#ifndef TK_EXCHANGE_H
#define TK_EXCHANGE_H

/*
 * The private header of lib/exchange/, the exchange codecs (binance.c,
 * coinbase.c, ...) and the adapter registry (adapter.c); nothing outside
 * this folder includes it.  What the codecs share, lib-internal.
 * Each codec keeps its protocol: which keys, which events, which channels.
 * This holds the plumbing around it, one copy each: the frame result and its
 * detail wording, the getters every JSON protocol needs, the path from a
 * parsed tick to ctx->emit, and subscribe messages packed into chunks.
 *
 * Getters return 0 (or 1, see each) with *out written, or -1 with the frame
 * marked MALFORMED and a detail "<ev>: field \"<key>\" <why>", so that a
 * parser can chain them with || and stop at the first problem.  All
 * pointers are borrowed for the call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/jflat.h>
#include <ticker/tick.h>

/*
 * The exchanges, in documentation order: one X(name) line each, for the
 * codec's tk__adapter_<name> in <name>.c.  This one list declares them
 * here and makes the registry's table (adapter.c), which is the only way
 * to them from outside this folder.
 */
#define TK__EXCHANGES(X)	\
	X(binance)		\
	X(coinbase)		\
	X(kraken)		\
	X(bitstamp)		\
	X(okx)			\
	X(bybit)		\
	X(gateio)		\
	X(binance_usdm)		\
	X(bybit_linear)		\
	X(deribit)		\
	X(bitfinex)		\
	X(kucoin)

#define TK__ADAPTER_DECLARE(name) \
	extern const struct tk_adapter tk__adapter_ ## name;
TK__EXCHANGES(TK__ADAPTER_DECLARE)

/* One parse() call. */
struct tk__frame {
	const struct tk_codec_ctx	*ctx;
	struct tk_frame_result		*res;
	/* An integer beyond int64 made us re-read all integers as reals. */
	bool				 ints_as_reals;
};

/* Called with the frame's top-level JSON object (or array, see below). */
typedef void tk__object_fn(struct tk__frame *, json_t *o);

/*
 * Read a frame that has an integer jansson refuses (beyond int64) again
 * with every integer as a double (f->ints_as_reals), rather than lose it.
 */
#define TK__PARSE_REALS_ON_OVERFLOW	0x1u
/* Top-level arrays go to @fn too (Bitfinex's data frames are arrays). */
#define TK__PARSE_ARRAYS		0x2u

/*
 * The whole of an adapter's parse(): @res is reset to DATA, empty input,
 * bad JSON and non-objects are MALFORMED (arrays too, unless
 * TK__PARSE_ARRAYS), and @fn classifies the object.
 */
void	tk__frame_parse(const struct tk_codec_ctx *, const char *frame,
	    size_t len, struct tk_frame_result *, unsigned flags,
	    tk__object_fn *fn);

/*
 * The start of every parse(): @f is for @ctx and @res, @res reset to DATA.
 * For a codec's fast path, which reads a frame without tk__frame_parse().
 */
void	tk__frame_start(struct tk__frame *f, const struct tk_codec_ctx *,
	    struct tk_frame_result *);
/* A kind that needs no explanation: the detail is emptied. */
void	tk__frame_classify(struct tk__frame *, enum tk_frame_kind);
/* The first problem of a frame is the one reported: once MALFORMED, kept. */
void	tk__frame_set(struct tk__frame *, enum tk_frame_kind, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* MALFORMED "<ev>: field \"<key>\" <why>"; returns -1. */
int	tk__frame_fail(struct tk__frame *, const char *ev, const char *key,
	    const char *why);
/*
 * MALFORMED "<ev>: field \"<key>\": \"<s>\" <why>", quoting a bounded,
 * escaped prefix of @s (@len bytes): the detail ends up in logs.  Returns -1.
 */
int	tk__frame_fail_text(struct tk__frame *, const char *ev,
	    const char *key, const char *s, size_t len, const char *why);
/* tk__frame_fail_text() of the JSON string @v. */
int	tk__frame_fail_value(struct tk__frame *, const char *ev,
	    const char *key, json_t *v, const char *why);
/*
 * The frame wants @text sent back (res->reply): a fixed message of the
 * codec, shorter than TK_FRAME_REPLY_MAX (a longer one is cut, which a
 * test of the codec sees).
 */
void	tk__frame_reply(struct tk__frame *, const char *text);
/* The exchange's own words go into one log line: control bytes -> ' '. */
void	tk__frame_scrub(struct tk__frame *);

/*
 * One entry of a codec's table of message names (events, types,
 * channels): the codec's own enum value, or one of the two outcomes every
 * protocol has.
 */
struct tk__name {
	const char	*name;
	int		 value;
};

#define TK__NAME_CONTROL	(-1)	/* bookkeeping: CONTROL */
#define TK__NAME_UNUSED		(-2)	/* data we never ask for: DATA */

/*
 * What a frame is, from the name @v (member @key, NULL if absent) looked
 * up in @tbl (@n entries, searched in order: hot names first).  Returns
 * its value, or -1 once the frame is classified: MALFORMED when @v is
 * absent or not a string, CONTROL or DATA per TK__NAME_*, and CONTROL for
 * a name not in @tbl, since exchanges add messages without notice.
 */
int	tk__json_name_value(struct tk__frame *, json_t *v, const char *ev,
	    const char *key, const struct tk__name *tbl, size_t n);

/* Member @key of @o as a JSON string (*out borrowed from @o). */
int	tk__json_str(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, json_t **out);

#define TK__DEC_NULL_OK		0x1u	/* absent or null is "no value" */
#define TK__DEC_EMPTY_OK	0x2u	/* "" is "no value" */
#define TK__DEC_SIGNED		0x4u	/* may be negative (funding rates) */

/*
 * Decimal text (never a JSON number), non-negative unless @opts has
 * TK__DEC_SIGNED.  "No value", where @opts allows it, is an invalid
 * decimal, sent on as null.
 */
int	tk__json_dec(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, unsigned opts, struct tk_dec *out);
/* The same for value @v (NULL if absent), named @key in details. */
int	tk__json_dec_value(struct tk__frame *, json_t *v, const char *ev,
	    const char *key, unsigned opts, struct tk_dec *out);

#define TK__DEC_SIGNED		0x4u	/* a negative value is accepted */

/*
 * A JSON number (never text), for exchanges that send prices as numbers
 * (Kraken v2, Deribit, Bitfinex): an integer exactly, a real as the
 * shortest text that reads back to the same double (tk_dec_from_double:
 * the digits the exchange printed, up to 17 significant ones).  Options:
 * TK__DEC_NULL_OK makes JSON null "no value" (absent is still MALFORMED:
 * a protocol of positional or fixed fields does not leave numbers out),
 * TK__DEC_SIGNED accepts a negative value.
 */
int	tk__json_num(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, unsigned opts, struct tk_dec *out);
/* The same for value @v (NULL if absent), named @key in details. */
int	tk__json_num_value(struct tk__frame *, json_t *v, const char *ev,
	    const char *key, unsigned opts, struct tk_dec *out);

/* 9999-12-31T23:59:59.999Z: later "times" are garbage, and ms * 1000
 * stays far from INT64_MAX below it. */
#define TK__MS_MAX		INT64_C(253402300799999)

#define TK__MS_INT		0x1u	/* a JSON integer is accepted */
#define TK__MS_TEXT		0x2u	/* a string of digits is accepted */
#define TK__MS_REQUIRED		0x4u	/* absent is an error */
#define TK__MS_FRACTION		0x8u	/* the string may have a fraction */
#define TK__MS_NANOS		0x10u	/* the string is nanoseconds */

/*
 * Milliseconds since 1970, up to the end of year 9999, into µs.  With
 * TK__MS_FRACTION a string may end in a fraction of a millisecond
 * ("1619093543708.2642"): its first three digits are the µs, the rest is
 * cut.  With TK__MS_NANOS a string is nanoseconds, more than six digits
 * ("1619378327739050725", KuCoin): the last three are cut.  Returns 1
 * with *us set, 0 if absent (and not required), -1 if malformed.
 */
int	tk__json_ms(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, unsigned opts, int64_t *us);
/* The same for value @v (NULL if absent), named @key in details. */
int	tk__json_ms_value(struct tk__frame *, json_t *v, const char *ev,
	    const char *key, unsigned opts, int64_t *us);

/*
 * An ISO-8601 / RFC 3339 time string (ticker/isotime.h) from 1970 on, into
 * µs.  Returns 1 with *us set, 0 if absent (and not @required), -1 if
 * malformed.
 */
int	tk__json_iso(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, bool required, int64_t *us);

/*
 * A trade id sent as a non-negative JSON integer, into @buf
 * (TK_TRADE_ID_MAX) as text.  With f->ints_as_reals, an integral real up
 * to 2^53 is still exactly the integer that was sent.
 */
int	tk__json_id_int(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, char *buf);
/* The same for value @v (NULL if absent), named @key in details. */
int	tk__json_id_int_value(struct tk__frame *, json_t *v, const char *ev,
	    const char *key, char *buf);
/* A trade id sent as a non-empty string, kept as sent. */
int	tk__json_id_str(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, char *buf);

/*
 * The side from one of two words, @buy or @sell; absent is "not said"
 * (TK_SIDE_UNKNOWN).  With @maker the words name the resting order's
 * side, so the taker, whom ticks name, did the opposite.
 */
int	tk__json_side(struct tk__frame *, json_t *o, const char *ev,
	    const char *key, const char *buy, const char *sell, bool maker,
	    enum tk_side *out);

/*
 * The fast paths' getters, for the values ticker/jflat.h reads in place
 * (@v NULL: the key is absent).  Each keeps the rules of the tk__json_*
 * getter of the same name but reports nothing: 0 (or 1, as there) with
 * *out written, or -1 for "not for the fast path", and the frame then goes
 * to the JSON path, which says what is wrong with it.
 */
int	tk__flat_dec(const struct tk_jflat_val *v, unsigned opts,
	    struct tk_dec *out);
int	tk__flat_ms(const struct tk_jflat_val *v, int64_t *ms);
int	tk__flat_id_int(const struct tk_jflat_val *v, char *buf);
int	tk__flat_iso(const struct tk_jflat_val *v, bool required,
	    int64_t *us);
/*
 * A fast path's tick, complete but for its native symbol @sym: -1 with
 * nothing done unless @sym is a string, else @f's result is started (as
 * parse() leaves it) and the tick goes to tk__emit().
 */
int	tk__flat_emit(struct tk__frame *f, struct tk_tick *t,
	    const struct tk_jflat_val *sym);

#define TK__EMIT_QUIET		0x1u	/* check and count, publish nothing */
#define TK__EMIT_SKIP_EMPTY	0x2u	/* a quote without bid and ask: drop */

/*
 * The tick is valid data from here on.  Native symbols nobody configured
 * are counted in res->unknown rather than guessed at; unwanted types are
 * dropped quietly.  Fills exchange, symbol and recv_ts, then ctx->emit.
 */
void	tk__emit(struct tk__frame *, struct tk_tick *, const char *native,
	    size_t len, unsigned flags);
/* tk__emit() of the JSON string @sym. */
void	tk__emit_json(struct tk__frame *, struct tk_tick *, json_t *sym,
	    unsigned flags);

/*
 * The native form of unified spot symbol BASE-QUOTE for adapters'
 * native_symbol(): the dash becomes @dash ('\0': dropped), letters lower
 * case with @lower.  Returns its length, -EINVAL for an invalid symbol or
 * a derivatives one (BASE-QUOTE-PERP, BASE-QUOTE-YYYYMMDD: spot markets
 * have none; an adapter that has such markets maps them itself), or
 * -ENAMETOOLONG (nothing written) when it does not fit @cap with its NUL.
 */
int	tk__symbol_native(const char *unified, char dash, bool lower,
	    char *buf, size_t cap);
/*
 * The same for a perpetual swap, unified BASE-QUOTE-PERP: the native form
 * of its BASE-QUOTE (for venues whose perpetuals are named like spot
 * pairs on an endpoint of their own).  Spot symbols are -EINVAL here, and
 * perpetuals are -EINVAL in tk__symbol_native().
 */
int	tk__symbol_native_perp(const char *unified, char dash, bool lower,
	    char *buf, size_t cap);

/* A bounded writer: @len keeps counting past @cap, so overflow shows. */
struct tk__out {
	char	*buf;
	size_t	 cap, len;
};

void	tk__out_put(struct tk__out *, const char *s, size_t n);
void	tk__out_str(struct tk__out *, const char *s);

/* A subscription channel: item text is pre, native symbol, post. */
struct tk__chan {
	enum tk_tick_type	 type;
	const char		*pre;
	const char		*post;
};

#define TK__SUB_QUOTE		0x1u	/* items are JSON strings: "item" */
#define TK__SUB_LOWER		0x2u	/* native symbols in lower case */

/*
 * Subscribe messages: head, then a comma-separated list of items, then
 * tail, then (if @end is set) the message number and @end.  The items are
 * every symbol of the map (in map order) times every wanted channel (in
 * table order within a symbol), packed greedily: at most @max_items per
 * message, and every message shorter than @max_bytes (0: no limit) except
 * that one item always fits, so every message makes progress.  Message
 * boundaries depend only on the map and the channels, so i = 0, 1, 2, ...
 * walks a stable sequence.
 */
struct tk__sub {
	const struct tk_symmap	*map;
	const struct tk__chan	*chans[TK_TICK_TYPE_MAX];
	size_t			 nchans;	/* wanted */
	unsigned		 flags;		/* TK__SUB_* */
	const char		*head, *tail, *end;
	unsigned long long	 id0;		/* number of message 0 */
	size_t			 max_items;	/* 0: no limit */
	size_t			 max_bytes;	/* 0: no limit */
};

/*
 * Zeroes @s and picks the channels of @tbl wanted in @types; a NULL @tbl
 * gives one channel whose items are the bare native symbols.
 */
void	tk__sub_init(struct tk__sub *, const struct tk_symmap *,
	    const struct tk__chan *tbl, size_t n, unsigned types);
/*
 * Writes message @i with a NUL: returns its length, 0 when there is no
 * such message, or -ENOSPC (nothing written) when it does not fit @cap.
 */
int	tk__sub_write(const struct tk__sub *, unsigned i, char *buf,
	    size_t cap);

#endif
