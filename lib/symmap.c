/* SPDX-License-Identifier: MIT */
/*
 * Symbol map of one exchange connection: unified BASE-QUOTE <-> native.
 *
 * Entries stay in configured order (subscribe() walks them in that order,
 * so the messages it sends are predictable).  The native->unified
 * direction is an open-addressing hash table of entry indexes, because it
 * runs once per market-data frame; it is built once and never changes, so
 * lookups need no locking and never allocate.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#define PART_MAX	15	/* longest BASE or QUOTE */
#define PERP_SUFFIX	"-PERP"	/* after BASE-QUOTE: a perpetual swap */

struct entry {
	char	 unified[TK_SYMBOL_MAX];
	char	 native[TK_SYMBOL_MAX];
	size_t	 native_len;
};

struct tk_symmap {
	struct entry	*entries;
	size_t		 n;
	uint32_t	*slots;		/* entry index + 1; 0 = empty */
	size_t		 mask;		/* slot count - 1 (power of two) */
};

typedef const char *key_fn(const struct entry *, size_t *len);

static size_t	 table_size(size_t n);
static uint32_t	 hash(const char *s, size_t len);
static uint32_t	*probe(const struct tk_symmap *map, uint32_t *slots,
		    key_fn *key_of, const char *key, size_t len);
static const char *native_key(const struct entry *, size_t *len);
static const char *unified_key(const struct entry *, size_t *len);
static int	 fill_entry(struct tk_symmap *, const struct tk_adapter *,
		    const char *unified, char *err, size_t errlen);
static int	 index_entries(struct tk_symmap *, char *err, size_t errlen);
static void	 set_err(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

struct tk_symmap *
tk_symmap_new(const struct tk_adapter *adapter, const char *const *unified,
    size_t n, char *err, size_t errlen)
{
	struct tk_symmap *map;
	size_t i;

	if (adapter == NULL || adapter->native_symbol == NULL ||
	    (unified == NULL && n > 0)) {
		set_err(err, errlen, "no adapter to map symbols with");
		return NULL;
	}
	/* Slot indexes are uint32_t; far beyond any exchange's stream limit. */
	if (n > UINT32_MAX / 4) {
		set_err(err, errlen, "too many symbols (%zu)", n);
		return NULL;
	}
	if ((map = calloc(1, sizeof(*map))) == NULL)
		goto oom;
	map->mask = table_size(n) - 1;
	map->entries = calloc(n > 0 ? n : 1, sizeof(*map->entries));
	map->slots = calloc(map->mask + 1, sizeof(*map->slots));
	if (map->entries == NULL || map->slots == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (fill_entry(map, adapter, unified[i], err, errlen) < 0)
			goto fail;
	}
	if (index_entries(map, err, errlen) < 0)
		goto fail;
	return map;

oom:
	set_err(err, errlen, "out of memory");
fail:
	tk_symmap_free(map);
	return NULL;
}

void
tk_symmap_free(struct tk_symmap *map)
{
	if (map == NULL)
		return;
	free(map->slots);
	free(map->entries);
	free(map);
}

size_t
tk_symmap_count(const struct tk_symmap *map)
{
	return map != NULL ? map->n : 0;
}

const char *
tk_symmap_unified_at(const struct tk_symmap *map, size_t i)
{
	if (map == NULL || i >= map->n)
		return NULL;
	return map->entries[i].unified;
}

const char *
tk_symmap_native_at(const struct tk_symmap *map, size_t i)
{
	if (map == NULL || i >= map->n)
		return NULL;
	return map->entries[i].native;
}

const char *
tk_symmap_to_unified(const struct tk_symmap *map, const char *native,
    size_t len)
{
	uint32_t *slot;

	if (map == NULL || native == NULL)
		return NULL;
	slot = probe(map, map->slots, native_key, native, len);
	if (*slot == 0)
		return NULL;
	return map->entries[*slot - 1].unified;
}

long
tk_symmap_index(const struct tk_symmap *map, const char *native, size_t len)
{
	uint32_t *slot;

	if (map == NULL || native == NULL)
		return -1;
	slot = probe(map, map->slots, native_key, native, len);
	return *slot == 0 ? -1 : (long)*slot - 1;
}

int
tk_symbol_valid(const char *s)
{
	return tk_symbol_market(s) >= 0;
}

/*
 * The length of the BASE-QUOTE that @s starts with (each part 1 to
 * PART_MAX of A-Z and 0-9), ending at the end of @s or at a third dash;
 * 0 if @s does not start with one.
 */
static size_t
pair_len(const char *s)
{
	const char *p;
	size_t part = 0;
	int dashes = 0;

	for (p = s; *p != '\0'; p++) {
		if (*p == '-') {
			if (part == 0)
				return 0;
			if (++dashes > 1)
				break;
			part = 0;
		} else if ((*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')) {
			if (++part > PART_MAX)
				return 0;
		} else {
			return 0;
		}
	}
	return dashes >= 1 && part > 0 ? (size_t)(p - s) : 0;
}

int
tk_symbol_market(const char *s)
{
	size_t n;

	if (s == NULL || (n = pair_len(s)) == 0)
		return -EINVAL;
	if (s[n] == '\0')
		return TK_MARKET_SPOT;
	if (strcmp(s + n, PERP_SUFFIX) == 0 &&
	    n + sizeof(PERP_SUFFIX) <= TK_SYMBOL_MAX)
		return TK_MARKET_PERP;
	return -EINVAL;
}

/* Power of two, at least twice @n, so probe chains stay short. */
static size_t
table_size(size_t n)
{
	size_t size = 8;

	while (size < 2 * n)
		size *= 2;
	return size;
}

/* FNV-1a: symbols are short, so a byte-wise hash is as fast as any. */
static uint32_t
hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * The slot holding @key, or the empty slot where it would go.  The table is
 * never more than half full, so an empty slot always ends the loop.
 */
static uint32_t *
probe(const struct tk_symmap *map, uint32_t *slots, key_fn *key_of,
    const char *key, size_t len)
{
	size_t i = hash(key, len) & map->mask;
	const char *k;
	size_t klen;

	for (;; i = (i + 1) & map->mask) {
		if (slots[i] == 0)
			return &slots[i];
		k = key_of(&map->entries[slots[i] - 1], &klen);
		if (klen == len && memcmp(k, key, len) == 0)
			return &slots[i];
	}
}

static const char *
native_key(const struct entry *e, size_t *len)
{
	*len = e->native_len;
	return e->native;
}

static const char *
unified_key(const struct entry *e, size_t *len)
{
	*len = strlen(e->unified);
	return e->unified;
}

static int
fill_entry(struct tk_symmap *map, const struct tk_adapter *adapter,
    const char *unified, char *err, size_t errlen)
{
	struct entry *e = &map->entries[map->n];
	int r;

	if (unified == NULL || !tk_symbol_valid(unified)) {
		set_err(err, errlen, "symbol \"%.40s\": expected BASE-QUOTE, "
		    "each part 1 to 15 of A-Z and 0-9",
		    unified != NULL ? unified : "(null)");
		return -EINVAL;
	}
	/* Valid symbols are at most 31 bytes, so this copy always fits. */
	memcpy(e->unified, unified, strlen(unified) + 1);
	r = adapter->native_symbol(unified, e->native, sizeof(e->native));
	if (r <= 0) {
		set_err(err, errlen, "symbol \"%s\": %s has no native form "
		    "for it (%s)", unified, adapter->name,
		    r < 0 ? strerror(-r) : "empty");
		return r < 0 ? r : -EINVAL;
	}
	e->native_len = (size_t)r;
	map->n++;
	return 0;
}

/*
 * Fills the native table and rejects duplicates in either direction: two
 * symbols with one native name would make incoming data ambiguous.
 */
static int
index_entries(struct tk_symmap *map, char *err, size_t errlen)
{
	uint32_t *by_unified, *slot;
	const struct entry *e;
	size_t i;
	int r = 0;

	by_unified = calloc(map->mask + 1, sizeof(*by_unified));
	if (by_unified == NULL) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < map->n; i++) {
		e = &map->entries[i];
		slot = probe(map, by_unified, unified_key, e->unified,
		    strlen(e->unified));
		if (*slot != 0) {
			set_err(err, errlen, "duplicate symbol \"%s\"",
			    e->unified);
			r = -EEXIST;
			break;
		}
		*slot = (uint32_t)i + 1;
		slot = probe(map, map->slots, native_key, e->native,
		    e->native_len);
		if (*slot != 0) {
			set_err(err, errlen, "symbols \"%s\" and \"%s\" have "
			    "the same native name \"%s\"",
			    map->entries[*slot - 1].unified, e->unified,
			    e->native);
			r = -EEXIST;
			break;
		}
		*slot = (uint32_t)i + 1;
	}
	free(by_unified);
	return r;
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
