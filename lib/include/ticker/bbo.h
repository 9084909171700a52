/* SPDX-License-Identifier: MIT */
#ifndef TICKER_BBO_H
#define TICKER_BBO_H

/*
 * The consolidated best bid and offer (SPEC "Ticks", type bbo): per symbol,
 * the highest bid and the lowest ask over the exchanges that quote it and
 * are usable (neither stale nor down).
 *
 * Fed every quote tick and every change of an exchange's usability, the
 * module keeps the latest quote of each (exchange, symbol) and yields a bbo
 * tick whenever the best bid or the best ask of a symbol changes: its
 * price, its size or its exchange.  Nothing else yields one: a quote that
 * leaves both bests as they were, or a drop-out of an exchange that held
 * neither, is silent.
 *
 * Rules:
 *  - Ties: of several exchanges at the best price, the one that reached
 *    that price first holds it (price-time priority).  A size change at the
 *    same price keeps the exchange's place; sizes never decide, as they
 *    may count different things on different exchanges, and a bigger-size
 *    rule would flip the venue back and forth with every size update.
 *  - A side counts when its price is valid and its size is not zero (a
 *    missing size counts); a quote with no bid clears that exchange's bid.
 *  - An exchange that becomes unusable leaves at once and its quotes are
 *    forgotten: when it comes back it counts again from its next quote, so
 *    a price from before an outage is never published as the best (after a
 *    reconnect it could make the market look crossed).  Quotes that arrive
 *    while it is unusable are ignored.
 *  - An empty side (no usable quote) is written with null price, size and
 *    exchange; a symbol whose last quote leaves yields one such bbo.
 *  - crossed: both sides present and the best bid above the best ask.  A
 *    locked market (bid equal to ask) is not crossed.
 *  - Sizes of one symbol must be in one unit (tk_tick.size_unit): the unit
 *    of the symbol's first quote, given to its bbo ticks.
 *
 * Memory is sized at creation and never grows: no allocation per quote.
 * Names are copied in; nothing passed in is kept.  Every function runs in
 * O(exchanges) per quote, O(exchanges x symbols) per usability change.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ticker/tick.h>

struct tk_bbo;

/*
 * Room for @nexchanges exchanges and @nsymbols distinct symbols (the
 * config's exchanges and the union of their symbols); names are taken in
 * as they first come.  Every exchange starts usable.  NULL on OOM or if the
 * tables would not fit in memory.
 */
struct tk_bbo	*tk_bbo_new(size_t nexchanges, size_t nsymbols);
void		 tk_bbo_free(struct tk_bbo *);	/* NULL ok */

/*
 * Takes one quote (TK_TICK_QUOTE) of @q->exchange for @q->symbol: its bid,
 * bid_size, ask, ask_size, size_unit, and ts and recv_ts, which become
 * those of the bbo tick it causes.  @q is borrowed for the call.
 * Returns 0 (also when ignored: the exchange is unusable), -EINVAL (not a
 * quote, an empty or unterminated name, a bad size_unit), -ENOSPC (more
 * exchanges or symbols than sized for), or -EDOM (a size_unit other than
 * the symbol's).
 */
int		 tk_bbo_quote(struct tk_bbo *, const struct tk_tick *q);

/*
 * Marks @exchange usable or not (stale, down, reconnecting).  Going
 * unusable drops its quotes, which changes the bbo of every symbol where it
 * held a best side; @now (µs since the epoch) becomes ts and recv_ts of
 * those bbo ticks.  Returns 0, -EINVAL for an empty or too long name, or
 * -ENOSPC when a new exchange does not fit.
 */
int		 tk_bbo_exchange_state(struct tk_bbo *, const char *exchange,
		    bool usable, int64_t now);

/*
 * The next bbo tick to publish, oldest change first: true and *out filled
 * (type TK_TICK_BBO, exchange "", seq 0), or false when there is none.
 * Drain it after every tk_bbo_quote() or tk_bbo_exchange_state().  A
 * symbol changed several times between drains yields one tick with its
 * state now, and none if it is back to what was last yielded.
 */
bool		 tk_bbo_next(struct tk_bbo *, struct tk_tick *out);

#endif
