/* SPDX-License-Identifier: MIT */
#ifndef TK_BINANCE_STREAM_H
#define TK_BINANCE_STREAM_H

/*
 * What the Binance codecs (binance.c: spot, binance_usdm.c: USDⓈ-M
 * futures) share, lib/exchange/-internal: one stream protocol on both
 * markets.  SUBSCRIBE requests with a list of stream names, their replies
 * and errors, raw or combined-stream ({"stream":..,"data":..}) frames, and
 * events that are read the same way wherever they occur.  Each codec has
 * its own table of event names (what its market sends) and of channels.
 * All pointers are borrowed for the call.
 */

#include <stddef.h>

#include <jansson.h>

#include <ticker/adapter.h>

#include "exchange.h"

/* The events read here; a codec's table maps its names to them. */
enum tk__binance_event {
	TK__BINANCE_TRADE,		/* "trade": id "t" */
	TK__BINANCE_AGG_TRADE,		/* "aggTrade": id "a" */
	TK__BINANCE_BOOK_TICKER,	/* "bookTicker" */
	TK__BINANCE_MARK_PRICE,		/* futures "markPriceUpdate" */
	TK__BINANCE_SHUTDOWN,		/* "serverShutdown": RECONNECT */
};

/* A codec's event names (struct tk__name values: tk__binance_event). */
struct tk__binance_events {
	const struct tk__name	*names;
	size_t			 n;
};

/*
 * One frame's top-level object, classified by its keys: an event (by
 * "e"), a combined-stream wrapper, a reply or an error.
 */
void	tk__binance_object(struct tk__frame *, json_t *o,
	    const struct tk__binance_events *);

/*
 * The fast path of both codecs (binance_fast.c): a trade, aggTrade or
 * bookTicker event, raw or in a combined-stream wrapper, read in place
 * (ticker/jflat.h) when it is plain.  Returns 0 with @res as parse()
 * leaves it and the tick emitted, or -1 with nothing done: the frame is
 * then for tk__frame_parse() and tk__binance_object(), which give the
 * same result for every frame this one takes.
 */
int	tk__binance_fast(const struct tk_codec_ctx *, const char *frame,
	    size_t len, struct tk_frame_result *,
	    const struct tk__binance_events *);

/*
 * SUBSCRIBE message @i: the @i-th greedy chunk of the stream names (every
 * symbol's channels of @chans wanted in @types, lower case, in map order),
 * with id i + 1 so that acks can be matched to chunks.
 */
int	tk__binance_subscribe(const struct tk_symmap *,
	    const struct tk__chan *chans, size_t nchans, unsigned types,
	    unsigned i, char *buf, size_t cap);

#endif
