/* SPDX-License-Identifier: MIT */
/* Latest tick per (exchange, symbol, type), for client snapshots. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/latest.h>
#include <ticker/hash.h>

/*
 * Ticks live in a dense array in insertion order (what clients see); the
 * hash index maps a key to its position.  Index entries hold pos+1, 0 is
 * free.  Dropping an exchange rebuilds the index (rare: config reload).
 */
struct tk_latest {
	struct tk_tick	*ticks;
	size_t		 count, cap;
	uint32_t	*index;
	size_t		 mask;
};

static uint64_t
key_hash(const char *exchange, const char *symbol, enum tk_tick_type type)
{
	return tk_hash_pair(exchange, symbol) * 31 + (uint64_t)type;
}

static int
key_eq(const struct tk_tick *t, const char *exchange, const char *symbol,
    enum tk_tick_type type)
{
	return t->type == type && strcmp(t->symbol, symbol) == 0 &&
	    strcmp(t->exchange, exchange) == 0;
}

struct tk_latest *
tk_latest_new(size_t keys)
{
	struct tk_latest *l;
	size_t slots = 8;

	if (keys == 0)
		keys = 1;
	while (slots < keys * 2)
		slots <<= 1;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->ticks = calloc(keys, sizeof(*l->ticks));
	l->index = calloc(slots, sizeof(*l->index));
	if (l->ticks == NULL || l->index == NULL) {
		tk_latest_free(l);
		return NULL;
	}
	l->cap = keys;
	l->mask = slots - 1;
	return l;
}

void
tk_latest_free(struct tk_latest *l)
{
	if (l == NULL)
		return;
	free(l->ticks);
	free(l->index);
	free(l);
}

/* Index slot holding the key, or the free slot where it would go. */
static size_t
find_slot(const struct tk_latest *l, const char *exchange, const char *symbol,
    enum tk_tick_type type)
{
	size_t i = key_hash(exchange, symbol, type) & l->mask;

	while (l->index[i] != 0 &&
	    !key_eq(&l->ticks[l->index[i] - 1], exchange, symbol, type))
		i = (i + 1) & l->mask;
	return i;
}

int
tk_latest_put(struct tk_latest *l, const struct tk_tick *t)
{
	size_t i = find_slot(l, t->exchange, t->symbol, t->type);

	if (l->index[i] != 0) {
		l->ticks[l->index[i] - 1] = *t;
		return 0;
	}
	if (l->count == l->cap)
		return -ENOSPC;
	l->ticks[l->count] = *t;
	l->index[i] = (uint32_t)++l->count;
	return 0;
}

const struct tk_tick *
tk_latest_get(const struct tk_latest *l, const char *exchange,
    const char *symbol, enum tk_tick_type type)
{
	size_t i = find_slot(l, exchange, symbol, type);

	return l->index[i] ? &l->ticks[l->index[i] - 1] : NULL;
}

size_t
tk_latest_count(const struct tk_latest *l)
{
	return l->count;
}

const struct tk_tick *
tk_latest_at(const struct tk_latest *l, size_t i)
{
	return i < l->count ? &l->ticks[i] : NULL;
}

void
tk_latest_drop_exchange(struct tk_latest *l, const char *exchange)
{
	size_t i, kept = 0;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->ticks[i].exchange, exchange) != 0)
			l->ticks[kept++] = l->ticks[i];
	l->count = kept;
	memset(l->index, 0, (l->mask + 1) * sizeof(*l->index));
	for (i = 0; i < l->count; i++)
		l->index[find_slot(l, l->ticks[i].exchange, l->ticks[i].symbol,
		    l->ticks[i].type)] = (uint32_t)(i + 1);
}
