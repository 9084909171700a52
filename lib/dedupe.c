/* SPDX-License-Identifier: MIT */
/* A bounded set of recent trade keys: ring for age, hash for lookup. */

#include <stdlib.h>

#include <ticker/dedupe.h>
#include <ticker/hash.h>

/*
 * Keys are 64-bit FNV-1a hashes of "symbol\0trade_id" (a false duplicate
 * needs a 64-bit collision among a few thousand live keys).  The table
 * uses linear probing with backward-shift deletion, so evicting the oldest
 * key leaves no tombstones behind.  0 marks a free slot; a key that hashes
 * to 0 is stored as 1.
 */
struct tk_dedupe {
	uint64_t	*ring;		/* keys in insertion order */
	size_t		 cap, len, head;
	uint64_t	*table;
	size_t		 mask;
};


struct tk_dedupe *
tk_dedupe_new(size_t capacity)
{
	struct tk_dedupe *d;
	size_t slots = 16;

	if (capacity == 0)
		capacity = 1;
	while (slots < capacity * 2)
		slots <<= 1;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->ring = calloc(capacity, sizeof(*d->ring));
	d->table = calloc(slots, sizeof(*d->table));
	if (d->ring == NULL || d->table == NULL) {
		tk_dedupe_free(d);
		return NULL;
	}
	d->cap = capacity;
	d->mask = slots - 1;
	return d;
}

void
tk_dedupe_free(struct tk_dedupe *d)
{
	if (d == NULL)
		return;
	free(d->ring);
	free(d->table);
	free(d);
}

static size_t
find(const struct tk_dedupe *d, uint64_t key)
{
	size_t i = key & d->mask;

	while (d->table[i] != 0 && d->table[i] != key)
		i = (i + 1) & d->mask;
	return i;
}

/* Removes @key and shifts the rest of its probe run back into place. */
static void
table_remove(struct tk_dedupe *d, uint64_t key)
{
	size_t i = find(d, key), j = i, home;

	if (d->table[i] == 0)
		return;
	for (;;) {
		d->table[i] = 0;
		for (;;) {
			j = (j + 1) & d->mask;
			if (d->table[j] == 0)
				return;
			home = d->table[j] & d->mask;
			/* move j back to i unless its home lies in (i, j] */
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		d->table[i] = d->table[j];
		i = j;
	}
}

int
tk_dedupe_seen(struct tk_dedupe *d, const char *symbol, const char *trade_id)
{
	uint64_t key;
	size_t slot;

	if (trade_id[0] == '\0')
		return 0;
	key = tk_hash_pair(symbol, trade_id);
	slot = find(d, key);
	if (d->table[slot] == key)
		return 1;
	if (d->len == d->cap) {
		table_remove(d, d->ring[d->head]);
		d->head = (d->head + 1) % d->cap;
		d->len--;
		slot = find(d, key);
	}
	d->table[slot] = key;
	d->ring[(d->head + d->len) % d->cap] = key;
	d->len++;
	return 0;
}
