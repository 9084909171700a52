/* SPDX-License-Identifier: MIT */
/*
 * Key spaces and compiled filters (see keyset.h).  A key space is two
 * append-only name tables, each an array by index plus an open-addressing
 * hash of the indices; a compiled filter is one bit set per list, sized
 * for the space as it was at compile time.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/config.h>
#include <ticker/filter.h>
#include <ticker/hash.h>
#include <ticker/keyset.h>

/* One dimension: names by index, and a hash table of index + 1 (0: free). */
struct names {
	char		**name;
	uint32_t	 n, cap;
	uint32_t	*slot;
	uint32_t	 mask;		/* slots - 1; 0 before the first add */
};

struct tk_keyspace {
	struct names	 dim[TK_KEY_DIM_MAX];
};

static uint32_t	 names_find(const struct names *, const char *);
static int	 names_grow(struct names *);
static void	 names_insert_slot(struct names *, uint32_t index);
static int	 dim_compile(struct tk_keyfilter_dim *, char *const *list,
		    size_t n, const struct names *);
static void	 dim_finish(struct tk_keyfilter_dim *);
static int	 dim_has(const struct tk_keyfilter_dim *, uint32_t i,
		    const char *name);

struct tk_keyspace *
tk_keyspace_new(void)
{
	return calloc(1, sizeof(struct tk_keyspace));
}

void
tk_keyspace_free(struct tk_keyspace *ks)
{
	uint32_t i;
	int d;

	if (ks == NULL)
		return;
	for (d = 0; d < TK_KEY_DIM_MAX; d++) {
		for (i = 0; i < ks->dim[d].n; i++)
			free(ks->dim[d].name[i]);
		free(ks->dim[d].name);
		free(ks->dim[d].slot);
	}
	free(ks);
}

int
tk_keyspace_add(struct tk_keyspace *ks, enum tk_key_dim d, const char *name)
{
	struct names *t;
	uint32_t i;
	char *copy;
	int r;

	if (ks == NULL || name == NULL || (unsigned)d >= TK_KEY_DIM_MAX)
		return -EINVAL;
	t = &ks->dim[d];
	if ((i = names_find(t, name)) != TK_KEY_NONE)
		return (int)i;
	if (t->n >= TK_KEYSPACE_MAX)
		return -E2BIG;
	if ((r = names_grow(t)) < 0)
		return r;
	if ((copy = strdup(name)) == NULL)
		return -ENOMEM;
	t->name[t->n] = copy;
	names_insert_slot(t, t->n);
	return (int)t->n++;
}

int
tk_keyspace_add_config(struct tk_keyspace *ks, const struct tk_config *conf)
{
	const struct tk_exchange_conf *e;
	size_t i, j;
	int r;

	for (i = 0; i < conf->nexchanges; i++) {
		e = &conf->exchanges[i];
		if ((r = tk_keyspace_add(ks, TK_KEY_EXCHANGE, e->name)) < 0)
			return r;
		for (j = 0; j < e->nsymbols; j++)
			if ((r = tk_keyspace_add(ks, TK_KEY_SYMBOL,
			    e->symbols[j])) < 0)
				return r;
	}
	return 0;
}

uint32_t
tk_keyspace_find(const struct tk_keyspace *ks, enum tk_key_dim d,
    const char *name)
{
	if (ks == NULL || name == NULL || (unsigned)d >= TK_KEY_DIM_MAX)
		return TK_KEY_NONE;
	return names_find(&ks->dim[d], name);
}

uint32_t
tk_keyspace_count(const struct tk_keyspace *ks, enum tk_key_dim d)
{
	if (ks == NULL || (unsigned)d >= TK_KEY_DIM_MAX)
		return 0;
	return ks->dim[d].n;
}

const char *
tk_keyspace_name(const struct tk_keyspace *ks, enum tk_key_dim d,
    uint32_t index)
{
	if (ks == NULL || (unsigned)d >= TK_KEY_DIM_MAX ||
	    index >= ks->dim[d].n)
		return NULL;
	return ks->dim[d].name[index];
}

static uint32_t
names_find(const struct names *t, const char *name)
{
	uint32_t h, v;

	if (t->n == 0)
		return TK_KEY_NONE;
	for (h = (uint32_t)tk_hash_str(TK_HASH_INIT, name);; h++) {
		v = t->slot[h & t->mask];
		if (v == 0)
			return TK_KEY_NONE;
		if (strcmp(t->name[v - 1], name) == 0)
			return v - 1;
	}
}

/* Room for one more name: the array doubles, the table stays half empty. */
static int
names_grow(struct names *t)
{
	uint32_t cap, i, *slot;
	size_t slots;
	char **name;

	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		if ((name = realloc(t->name, cap * sizeof(*name))) == NULL)
			return -ENOMEM;
		t->name = name;
		t->cap = cap;
	}
	if (t->mask != 0 && (t->n + 1) * 2 <= t->mask + 1)
		return 0;
	slots = t->mask != 0 ? ((size_t)t->mask + 1) * 2 : 32;
	if ((slot = calloc(slots, sizeof(*slot))) == NULL)
		return -ENOMEM;
	free(t->slot);
	t->slot = slot;
	t->mask = (uint32_t)(slots - 1);
	for (i = 0; i < t->n; i++)
		names_insert_slot(t, i);
	return 0;
}

static void
names_insert_slot(struct names *t, uint32_t index)
{
	uint32_t h = (uint32_t)tk_hash_str(TK_HASH_INIT, t->name[index]);

	while (t->slot[h & t->mask] != 0)
		h++;
	t->slot[h & t->mask] = index + 1;
}

void
tk_keyfilter_init(struct tk_keyfilter *kf)
{
	int d;

	memset(kf, 0, sizeof(*kf));
	kf->types = TK_TYPES_ANY;
	for (d = 0; d < TK_KEY_DIM_MAX; d++)
		kf->dim[d].all = 1;
}

/*
 * gcc 12 -fanalyzer loses the allocations copied to *out here and stored in
 * d->extra[] in dim_compile(), and reports them as leaked.
 */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
int
tk_keyfilter_compile(const struct tk_filter *f, const struct tk_keyspace *ks,
    struct tk_keyfilter *out)
{
	struct tk_keyfilter kf;
	int r;

	tk_keyfilter_init(&kf);
	kf.types = f->types;
	if ((r = dim_compile(&kf.dim[TK_KEY_EXCHANGE], f->exchanges,
	    f->nexchanges, &ks->dim[TK_KEY_EXCHANGE])) < 0 ||
	    (r = dim_compile(&kf.dim[TK_KEY_SYMBOL], f->symbols, f->nsymbols,
	    &ks->dim[TK_KEY_SYMBOL])) < 0) {
		tk_keyfilter_finish(&kf);
		return r;
	}
	*out = kf;
	return 0;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

void
tk_keyfilter_finish(struct tk_keyfilter *kf)
{
	int d;

	if (kf == NULL)
		return;
	for (d = 0; d < TK_KEY_DIM_MAX; d++)
		dim_finish(&kf->dim[d]);
	tk_keyfilter_init(kf);
}

int
tk_keyfilter_match(const struct tk_keyfilter *kf, uint32_t ex, uint32_t sym,
    const char *exchange, const char *symbol, enum tk_tick_type type)
{
	if ((unsigned)type >= TK_TICK_TYPE_MAX ||
	    (kf->types & TK_TYPE_BIT(type)) == 0)
		return 0;
	/* a bbo is no exchange's: as in tk_filter_match() */
	if (type == TK_TICK_BBO) {
		if (!kf->dim[TK_KEY_EXCHANGE].all && kf->types == TK_TYPES_ANY)
			return 0;
	} else if (!dim_has(&kf->dim[TK_KEY_EXCHANGE], ex, exchange))
		return 0;
	return dim_has(&kf->dim[TK_KEY_SYMBOL], sym, symbol);
}

int
tk_keyfilter_match_exchange(const struct tk_keyfilter *kf, uint32_t ex,
    const char *exchange)
{
	return dim_has(&kf->dim[TK_KEY_EXCHANGE], ex, exchange);
}

/*
 * Names of the list that the space knows set their bit; the others are
 * kept as text, since a later reload may add them under a new index.
 * Duplicates in @list were removed by the filter parser.
 */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int
dim_compile(struct tk_keyfilter_dim *d, char *const *list, size_t n,
    const struct names *t)
{
	uint32_t idx;
	size_t i;

	if (list == NULL)
		return 0;
	d->all = 0;
	d->n = t->n;
	/* a word more than needed, so that an empty space gets one too */
	if ((d->bits = calloc(t->n / 64 + 1, sizeof(*d->bits))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if ((idx = names_find(t, list[i])) != TK_KEY_NONE) {
			d->bits[idx >> 6] |= UINT64_C(1) << (idx & 63);
			continue;
		}
		if (d->extra == NULL &&
		    (d->extra = calloc(n, sizeof(*d->extra))) == NULL)
			return -ENOMEM;
		if ((d->extra[d->nextra] = strdup(list[i])) == NULL)
			return -ENOMEM;
		d->nextra++;
	}
	return 0;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

static void
dim_finish(struct tk_keyfilter_dim *d)
{
	size_t i;

	for (i = 0; i < d->nextra; i++)
		free(d->extra[i]);
	free(d->extra);
	free(d->bits);
}

/*
 * An index below d->n was in the space at compile time, so its bit is the
 * answer.  Any other name was outside the space then (indices are never
 * reused), so it is listed only if it is among the extra names.
 */
static int
dim_has(const struct tk_keyfilter_dim *d, uint32_t i, const char *name)
{
	size_t k;

	if (d->all)
		return 1;
	if (i < d->n)
		return (int)(d->bits[i >> 6] >> (i & 63) & 1);
	if (name == NULL)
		name = "";
	for (k = 0; k < d->nextra; k++)
		if (strcmp(d->extra[k], name) == 0)
			return 1;
	return 0;
}
