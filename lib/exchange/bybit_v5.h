/* SPDX-License-Identifier: MIT */
#ifndef TK_BYBIT_V5_H
#define TK_BYBIT_V5_H

/*
 * What the Bybit v5 codecs (bybit.c: spot, bybit_linear.c: linear
 * perpetuals) share, lib/exchange/-internal: one public protocol on every
 * market.  Subscribe requests with topic lists, the replies to them and to
 * {"op":"ping"}, publicTrade.<symbol> and the level-1 book
 * orderbook.1.<symbol>, which is a delta protocol read against the
 * connection's state (bybit.c has the details).  All pointers are
 * borrowed for the call.
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>

#include "exchange.h"

/* One side of a level-1 book; price invalid when the side is empty. */
struct tk__bybit_level {
	struct tk_dec	 px, sz;
};

/*
 * The level-1 book of one symbol.  A codec's per-connection state is an
 * array with an entry per configured symbol (by symmap index) that starts
 * with this book.
 */
struct tk__bybit_book {
	struct tk__bybit_level	 bid, ask;
};

/*
 * A codec's topics beyond publicTrade, orderbook.1 and system.*: returns
 * true if it read topic @name (the frame is classified), false for data
 * it does not ask for.
 */
typedef bool tk__bybit_topic_fn(struct tk__frame *, json_t *o,
	    const char *name);

struct tk__bybit_codec {
	size_t			 stride;	/* bytes of state per symbol */
	tk__bybit_topic_fn	*topic;		/* or NULL */
};

/*
 * One frame's top-level object: a push (by "topic"), a reply to a request
 * ("success") or an option-market pong ("op").
 */
void	tk__bybit_object(struct tk__frame *, json_t *o,
	    const struct tk__bybit_codec *);

/*
 * Subscribe message @i: topics 10i .. 10i+9 (every symbol's channels of
 * @chans wanted in @types, in map order) with req_id "i+1", so that a
 * refusal can be matched to its chunk.
 */
int	tk__bybit_subscribe(const struct tk_symmap *,
	    const struct tk__chan *chans, size_t nchans, unsigned types,
	    unsigned i, char *buf, size_t cap);

/* The codec state entry of symbol @idx (>= 0), or NULL without state. */
void	*tk__bybit_state(struct tk__frame *, const struct tk__bybit_codec *,
	    long idx);

#endif
