/* SPDX-License-Identifier: MIT */
#ifndef TICKER_JFLAT_H
#define TICKER_JFLAT_H

/*
 * Reading flat JSON objects in place, for the hot paths where building
 * jansson's tree (a node and an allocation per value, a hash per key)
 * costs more than the rest of a tick.
 *
 * It reads one shape only: an object whose values are strings of
 * printable ASCII without escapes, integers of at most 18 digits, true,
 * false and null (and, if asked, objects of the same kind one level
 * down), with nothing after it but white space.  That is what exchanges
 * and tk_nats_tick_body() write for a tick.  Everything else is refused,
 * valid JSON or not: the caller then reads the text with jansson, which
 * takes it or says why not.  So a caller's fast path and its JSON path
 * must agree on everything the fast path takes.
 *
 * Nothing is allocated; values point into the text, which the caller
 * keeps for as long as it uses them.
 */

#include <stddef.h>
#include <stdint.h>

enum tk_jflat_kind {
	TK_JFLAT_STR,		/* s, n: the bytes between the quotes */
	TK_JFLAT_INT,		/* i */
	TK_JFLAT_TRUE,
	TK_JFLAT_FALSE,
	TK_JFLAT_NULL,
	TK_JFLAT_OBJECT,	/* s, n: the object's text, braces included */
};

struct tk_jflat_val {
	enum tk_jflat_kind	 kind;
	const char		*s;
	size_t			 n;
	int64_t			 i;
};

#define TK_JFLAT_KEYS_MAX	32

/* Members whose key is not in keys[] are skipped (default: refused). */
#define TK_JFLAT_OTHER_KEYS	0x1
/* A value may be an object of the flat kind (TK_JFLAT_OBJECT). */
#define TK_JFLAT_NESTED		0x2

/*
 * Reads the object that is the text [@p, @p + @len).  The value of the
 * member named @keys[k] goes to @vals[k] and sets bit k of *@seen
 * (@nkeys <= TK_JFLAT_KEYS_MAX; @vals has @nkeys entries, those not seen
 * are left as they were).  Returns 0, or -1 when the text is not of the
 * shape above or names one of @keys twice (jansson keeps the last; this
 * reader does not choose).
 */
int	tk_jflat_read(const char *p, size_t len, const char *const *keys,
	    unsigned nkeys, unsigned flags, struct tk_jflat_val *vals,
	    uint32_t *seen);

/* Member @k of a tk_jflat_read() result, or NULL if it was not seen. */
static inline const struct tk_jflat_val *
tk_jflat_get(const struct tk_jflat_val *vals, uint32_t seen, unsigned k)
{
	return (seen & (UINT32_C(1) << k)) ? &vals[k] : NULL;
}

/* Whether @v is the string @s (NUL-terminated). */
int	tk_jflat_is(const struct tk_jflat_val *v, const char *s);

#endif
