/* SPDX-License-Identifier: MIT */
/*
 * The Binance codecs' fast path (binance_stream.h).  Nearly every frame
 * Binance sends is a trade or a book ticker: a flat object of plain
 * strings, integers and booleans, perhaps inside {"stream":..,"data":..}.
 * Such a frame is read here in place (ticker/jflat.h), without jansson's
 * tree, which was most of a tick's cost.  The rules are those of
 * binance_stream.c, which reads every other frame and says what is wrong
 * with a bad one: anything this path does not take as it stands (a
 * missing or mistyped field, a decimal that does not parse, an event it
 * does not read, a reply, an error) goes there untouched.
 */

#include <string.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/jflat.h>
#include <ticker/tick.h>

#include "binance_stream.h"
#include "exchange.h"

/* Every key that decides how binance_stream.c reads an object. */
enum bkey {
	K_EVENT, K_EVENT_TIME, K_SYMBOL, K_TRADE_ID, K_A, K_PRICE, K_QTY,
	K_TIME, K_MAKER, K_UPDATE_ID, K_BID, K_BID_QTY, K_ASK_QTY,
	K_STREAM, K_DATA, K_RESULT, K_CODE, K_ERROR, K_METHOD,
	K_MAX
};

static const char *const bkey_names[K_MAX] = {
	"e", "E", "s", "t", "a", "p", "q",
	"T", "m", "u", "b", "B", "A",
	"stream", "data", "result", "code", "error", "method",
};

#define KBIT(k)		(UINT32_C(1) << (k))
/* Top-level keys of a reply or an error: binance_stream.c's to read. */
#define K_NOT_DATA	(KBIT(K_RESULT) | KBIT(K_CODE) | KBIT(K_ERROR) | \
			 KBIT(K_METHOD))

struct bframe {
	struct tk_jflat_val	 v[K_MAX];
	uint32_t		 seen;
};

#define get(b, k)	tk_jflat_get((b)->v, (b)->seen, (k))

static int	 fast_object(struct tk__frame *, const char *text, size_t len,
		    const struct tk__binance_events *, int top);
static int	 fast_event(struct tk__frame *, const struct bframe *,
		    const struct tk__binance_events *);
static int	 fast_trade(struct tk__frame *, const struct bframe *,
		    enum bkey id);
static int	 fast_book(struct tk__frame *, const struct bframe *);
static int	 fast_time(const struct bframe *, int64_t *us);

int
tk__binance_fast(const struct tk_codec_ctx *ctx, const char *frame,
    size_t len, struct tk_frame_result *res,
    const struct tk__binance_events *evs)
{
	/* @res is untouched until a tick is sure (tk__flat_emit()) */
	struct tk__frame f = { ctx, res, false };

	return fast_object(&f, frame, len, evs, 1);
}

/* binance_stream.c's parse_object(), for the objects this path reads. */
static int
fast_object(struct tk__frame *f, const char *text, size_t len,
    const struct tk__binance_events *evs, int top)
{
	struct bframe b;

	if (tk_jflat_read(text, len, bkey_names, K_MAX, TK_JFLAT_OTHER_KEYS |
	    (top ? TK_JFLAT_NESTED : 0), b.v, &b.seen) < 0)
		return -1;
	if (b.seen & KBIT(K_EVENT))
		return fast_event(f, &b, evs);
	if (top && (b.seen & KBIT(K_DATA)) && (b.seen & KBIT(K_STREAM)))
		return b.v[K_STREAM].kind == TK_JFLAT_STR &&
		    b.v[K_DATA].kind == TK_JFLAT_OBJECT ?
		    fast_object(f, b.v[K_DATA].s, b.v[K_DATA].n, evs, 0) : -1;
	if ((top && (b.seen & K_NOT_DATA)) || !(b.seen & KBIT(K_UPDATE_ID)))
		return -1;
	return fast_book(f, &b);	/* spot bookTicker: no "e" */
}

static int
fast_event(struct tk__frame *f, const struct bframe *b,
    const struct tk__binance_events *evs)
{
	size_t i;

	for (i = 0; i < evs->n; i++)
		if (tk_jflat_is(&b->v[K_EVENT], evs->names[i].name))
			break;
	if (i == evs->n)
		return -1;
	switch (evs->names[i].value) {
	case TK__BINANCE_TRADE:
		return fast_trade(f, b, K_TRADE_ID);
	case TK__BINANCE_AGG_TRADE:
		return fast_trade(f, b, K_A);
	case TK__BINANCE_BOOK_TICKER:
		return fast_book(f, b);
	default:
		return -1;
	}
}

static int
fast_trade(struct tk__frame *f, const struct bframe *b, enum bkey id)
{
	const struct tk_jflat_val *m = get(b, K_MAKER);
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	if (tk__flat_dec(get(b, K_PRICE), 0, &t.price) < 0 ||
	    tk__flat_dec(get(b, K_QTY), 0, &t.size) < 0 ||
	    tk__flat_id_int(get(b, id), t.trade_id) < 0 ||
	    fast_time(b, &t.ts) <= 0)
		return -1;
	if (m == NULL)
		t.side = TK_SIDE_UNKNOWN;
	else if (m->kind == TK_JFLAT_TRUE)
		t.side = TK_SIDE_SELL;	/* the buyer made: the taker sold */
	else if (m->kind == TK_JFLAT_FALSE)
		t.side = TK_SIDE_BUY;
	else
		return -1;
	return tk__flat_emit(f, &t, get(b, K_SYMBOL));
}

static int
fast_book(struct tk__frame *f, const struct bframe *b)
{
	struct tk_tick t;
	int r;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	if (tk__flat_dec(get(b, K_BID), 0, &t.bid) < 0 ||
	    tk__flat_dec(get(b, K_BID_QTY), 0, &t.bid_size) < 0 ||
	    tk__flat_dec(get(b, K_A), 0, &t.ask) < 0 ||
	    tk__flat_dec(get(b, K_ASK_QTY), 0, &t.ask_size) < 0 ||
	    (r = fast_time(b, &t.ts)) < 0)
		return -1;
	if (r == 0)
		t.ts = f->ctx->recv_ts;
	return tk__flat_emit(f, &t, get(b, K_SYMBOL));
}

/* T where it is sent, else E: 1 with *us set, 0 if neither, -1 if bad. */
static int
fast_time(const struct bframe *b, int64_t *us)
{
	int64_t trade_ms = 0, event_ms = 0;
	int r_t, r_e;

	if ((r_t = tk__flat_ms(get(b, K_TIME), &trade_ms)) < 0 ||
	    (r_e = tk__flat_ms(get(b, K_EVENT_TIME), &event_ms)) < 0)
		return -1;
	if (r_t == 0 && r_e == 0)
		return 0;
	*us = (r_t > 0 ? trade_ms : event_ms) * 1000;
	return 1;
}
