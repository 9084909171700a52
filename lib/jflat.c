/* SPDX-License-Identifier: MIT */
/*
 * Flat JSON objects read in place (ticker/jflat.h).  Each reader takes the
 * text at p (up to end) and returns the byte after what it read, or NULL
 * when the text is not of the one shape this module reads.
 */

#include <string.h>

#include <ticker/jflat.h>

#define INT_DIGITS_MAX	18	/* no overflow to check; jansson reads more */

struct jflat_keys {
	const char *const	*names;
	unsigned		 n;
	unsigned		 flags;
};

static const char	*skip_ws(const char *p, const char *end);
static const char	*read_str(const char *p, const char *end,
			    const char **s, size_t *n);
static const char	*read_int(const char *p, const char *end,
			    int64_t *v);
static const char	*read_word(const char *p, const char *end,
			    struct tk_jflat_val *v);
static const char	*read_value(const char *p, const char *end,
			    unsigned flags, struct tk_jflat_val *v);
static const char	*read_object(const char *p, const char *end,
			    const struct jflat_keys *,
			    struct tk_jflat_val *vals, uint32_t *seen);
static int		 key_index(const struct jflat_keys *, const char *s,
			    size_t n);

int
tk_jflat_read(const char *p, size_t len, const char *const *keys,
    unsigned nkeys, unsigned flags, struct tk_jflat_val *vals, uint32_t *seen)
{
	const struct jflat_keys k = { keys, nkeys, flags };
	const char *end;

	*seen = 0;
	if (p == NULL || nkeys > TK_JFLAT_KEYS_MAX)
		return -1;
	end = p + len;
	p = read_object(skip_ws(p, end), end, &k, vals, seen);
	return p != NULL && skip_ws(p, end) == end ? 0 : -1;
}

int
tk_jflat_is(const struct tk_jflat_val *v, const char *s)
{
	size_t n = strlen(s);

	return v->kind == TK_JFLAT_STR && v->n == n && memcmp(v->s, s, n) == 0;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* A string of printable ASCII without escapes. */
static const char *
read_str(const char *p, const char *end, const char **s, size_t *n)
{
	const char *q;

	if (p >= end || *p != '"')
		return NULL;
	for (q = ++p; q < end && *q != '"'; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e ||
		    *q == '\\')
			return NULL;
	if (q >= end)
		return NULL;
	*s = p;
	*n = (size_t)(q - p);
	return q + 1;
}

/* -?(0|[1-9][0-9]*), at most INT_DIGITS_MAX digits.  A fraction or an
 * exponent after it (a real: jansson's) is refused by the caller, which
 * wants a ',' or a '}' next. */
static const char *
read_int(const char *p, const char *end, int64_t *v)
{
	int neg = p < end && *p == '-';
	const char *d = p + neg, *q;
	int64_t x = 0;

	for (q = d; q < end && *q >= '0' && *q <= '9'; q++) {
		if (q - d == INT_DIGITS_MAX)
			return NULL;
		x = x * 10 + (*q - '0');
	}
	if (q == d || (*d == '0' && q - d > 1))
		return NULL;
	*v = neg ? -x : x;
	return q;
}

/* true, false or null. */
static const char *
read_word(const char *p, const char *end, struct tk_jflat_val *v)
{
	static const struct {
		const char		*text;
		size_t			 len;
		enum tk_jflat_kind	 kind;
	} words[] = {
		{ "true", 4, TK_JFLAT_TRUE },
		{ "false", 5, TK_JFLAT_FALSE },
		{ "null", 4, TK_JFLAT_NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((size_t)(end - p) >= words[i].len &&
		    memcmp(p, words[i].text, words[i].len) == 0) {
			v->kind = words[i].kind;
			return p + words[i].len;
		}
	return NULL;
}

static const char *
read_value(const char *p, const char *end, unsigned flags,
    struct tk_jflat_val *v)
{
	const struct jflat_keys none = { NULL, 0, TK_JFLAT_OTHER_KEYS };
	struct tk_jflat_val unused;
	const char *q;
	uint32_t seen = 0;

	if (p >= end)
		return NULL;
	if (*p == '"') {
		v->kind = TK_JFLAT_STR;
		return read_str(p, end, &v->s, &v->n);
	}
	if (*p == '{') {
		if (!(flags & TK_JFLAT_NESTED) ||
		    (q = read_object(p, end, &none, &unused, &seen)) == NULL)
			return NULL;
		v->kind = TK_JFLAT_OBJECT;
		v->s = p;
		v->n = (size_t)(q - p);
		return q;
	}
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		v->kind = TK_JFLAT_INT;
		return read_int(p, end, &v->i);
	}
	return read_word(p, end, v);
}

static const char *
read_object(const char *p, const char *end, const struct jflat_keys *k,
    struct tk_jflat_val *vals, uint32_t *seen)
{
	struct tk_jflat_val v;
	const char *key;
	size_t klen;
	int i;

	if (p >= end || *p++ != '{')
		return NULL;
	p = skip_ws(p, end);
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		if ((p = read_str(p, end, &key, &klen)) == NULL)
			return NULL;
		p = skip_ws(p, end);
		if (p >= end || *p++ != ':')
			return NULL;
		p = skip_ws(p, end);
		if ((p = read_value(p, end, k->flags, &v)) == NULL)
			return NULL;
		if ((i = key_index(k, key, klen)) >= 0) {
			if (*seen & (UINT32_C(1) << i))
				return NULL;
			*seen |= UINT32_C(1) << i;
			vals[i] = v;
		} else if (!(k->flags & TK_JFLAT_OTHER_KEYS)) {
			return NULL;
		}
		p = skip_ws(p, end);
		if (p < end && *p == '}')
			return p + 1;
		if (p >= end || *p++ != ',')
			return NULL;
		p = skip_ws(p, end);
	}
}

static int
key_index(const struct jflat_keys *k, const char *s, size_t n)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		if (k->names[i][0] == (n > 0 ? s[0] : '\0') &&
		    strncmp(k->names[i], s, n) == 0 && k->names[i][n] == '\0')
			return (int)i;
	return -1;
}
