/* SPDX-License-Identifier: MIT */
#ifndef TICKER_KEYSET_H
#define TICKER_KEYSET_H

/*
 * Compiled client filters.  tk_filter_match() compares names one by one,
 * which costs microseconds per tick per client for a filter of hundreds of
 * names.  Here the daemon gives every configured exchange and symbol a
 * dense index once (a key space), each published tick carries its two
 * indices, and a filter is compiled, when the client subscribes, into one
 * bit set per list: matching is then a type bit and two bit tests.
 *
 * A key space only grows (tk_keyspace_add never moves or reuses an index),
 * so a filter compiled earlier stays correct after a reload adds names: a
 * name outside the space the filter was compiled with is matched by name
 * against the few listed names that were outside it too.  Compiled filters
 * give exactly tk_filter_match()'s answers, for every key.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/tick.h>

struct tk_config;
struct tk_filter;
struct tk_keyspace;

/* The index of a name that is not in the key space. */
#define TK_KEY_NONE	UINT32_MAX
/* Names per dimension; a bigger config is refused with -E2BIG. */
#define TK_KEYSPACE_MAX	(1u << 20)

enum tk_key_dim {
	TK_KEY_EXCHANGE = 0,
	TK_KEY_SYMBOL,
	TK_KEY_DIM_MAX
};

/* An empty key space; NULL on OOM. */
struct tk_keyspace *tk_keyspace_new(void);
void		 tk_keyspace_free(struct tk_keyspace *);	/* NULL ok */

/*
 * The index of @name in @dim, added (as the next index) if new.  Returns
 * the index, -ENOMEM, -E2BIG past TK_KEYSPACE_MAX or -EINVAL for NULL.
 */
int		 tk_keyspace_add(struct tk_keyspace *, enum tk_key_dim,
		    const char *name);
/* Adds every exchange name and every symbol of @conf; 0 or -errno. */
int		 tk_keyspace_add_config(struct tk_keyspace *,
		    const struct tk_config *conf);
/* The index of @name in @dim, or TK_KEY_NONE.  Never allocates. */
uint32_t	 tk_keyspace_find(const struct tk_keyspace *, enum tk_key_dim,
		    const char *name);
/* How many names @dim holds: indices are 0 .. count - 1. */
uint32_t	 tk_keyspace_count(const struct tk_keyspace *, enum tk_key_dim);
/* The name at @index of @dim (borrowed), or NULL past the end. */
const char	*tk_keyspace_name(const struct tk_keyspace *, enum tk_key_dim,
		    uint32_t index);

/* One list of a compiled filter. */
struct tk_keyfilter_dim {
	int		 all;		/* the filter has no list: all pass */
	uint32_t	 n;		/* indices below n: see bits */
	uint64_t	*bits;		/* bit i: name of index i listed */
	char		**extra;	/* listed names outside the space */
	size_t		 nextra;
};

struct tk_keyfilter {
	unsigned		 types;		/* TK_TYPE_BIT set */
	struct tk_keyfilter_dim	 dim[TK_KEY_DIM_MAX];
};

/* A compiled filter that matches everything (no allocation). */
void	tk_keyfilter_init(struct tk_keyfilter *);
/*
 * Compiles @f over @ks.  Returns 0 or -ENOMEM; @out is written only on
 * success.  Neither @f nor @ks is referenced afterwards, but the indices
 * given to tk_keyfilter_match() must come from @ks (or from it after more
 * names were added).
 */
int	tk_keyfilter_compile(const struct tk_filter *f,
	    const struct tk_keyspace *ks, struct tk_keyfilter *out);
/* Frees the bit sets and resets to match-everything.  NULL-safe. */
void	tk_keyfilter_finish(struct tk_keyfilter *);

/*
 * tk_filter_match() for a tick of @type whose exchange and symbol have the
 * indices @ex and @sym (TK_KEY_NONE when outside the key space) and the
 * names @exchange and @symbol, which are only read for indices the filter
 * was not compiled with (NULL reads as "").  Never allocates.
 */
int	tk_keyfilter_match(const struct tk_keyfilter *, uint32_t ex,
	    uint32_t sym, const char *exchange, const char *symbol,
	    enum tk_tick_type type);
/* tk_filter_match_exchange(): whether status messages of @exchange pass. */
int	tk_keyfilter_match_exchange(const struct tk_keyfilter *, uint32_t ex,
	    const char *exchange);

#endif
