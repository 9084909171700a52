/* SPDX-License-Identifier: MIT */
#ifndef TICKER_SYMMAP_H
#define TICKER_SYMMAP_H

/*
 * The symbols of one exchange connection: unified BASE-QUOTE (or
 * BASE-QUOTE-PERP) <-> the exchange's native form.  The native->unified
 * direction comes only from the configured symbols (no guessing), so
 * "LRCBTC" can never be read as "LRC-BTC" unless it was configured that
 * way.  Lookups never allocate.
 */

#include <stddef.h>

struct tk_adapter;
struct tk_symmap;

/*
 * Builds the map for @n unified symbols with @adapter's native_symbol().
 * Returns NULL on OOM or a bad symbol, with a message in @err.
 */
struct tk_symmap *tk_symmap_new(const struct tk_adapter *adapter,
		    const char *const *unified, size_t n, char *err,
		    size_t errlen);
void		 tk_symmap_free(struct tk_symmap *);	/* NULL ok */

size_t		 tk_symmap_count(const struct tk_symmap *);
const char	*tk_symmap_unified_at(const struct tk_symmap *, size_t i);
const char	*tk_symmap_native_at(const struct tk_symmap *, size_t i);

/* Unified name for a native one (exact, case-sensitive); NULL if unknown. */
const char	*tk_symmap_to_unified(const struct tk_symmap *,
		    const char *native, size_t len);

/* Position (0 .. count-1) of a native symbol, -1 if unknown. */
long		 tk_symmap_index(const struct tk_symmap *,
		    const char *native, size_t len);

/*
 * The markets a unified symbol names (SPEC "Symbols and markets"): BASE
 * and QUOTE are 1 to 15 of [A-Z0-9] each, and the whole fits
 * TK_SYMBOL_MAX.
 */
enum tk_market {
	TK_MARKET_SPOT = 0,	/* BASE-QUOTE */
	TK_MARKET_PERP,		/* BASE-QUOTE-PERP: a perpetual swap */
};

/* True if @s is a valid unified symbol of any market. */
int		 tk_symbol_valid(const char *s);
/* The market of unified symbol @s, or -EINVAL if it is not valid. */
int		 tk_symbol_market(const char *s);

#endif
