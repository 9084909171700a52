/* SPDX-License-Identifier: MIT */
/*
 * The recording line format: one JSON object per raw frame.
 *
 * Both directions are written by hand instead of with jansson: a recording
 * is written on the hot path of every upstream frame and read back at
 * whatever pace replay allows, and jansson would build a tree (one malloc
 * per node) only for us to copy four values out of it.  The object is flat
 * and tiny, so the parser is a short recursive-descent reader that decodes
 * the frame straight into the caller's scratch buffer.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ticker/record.h>
#include <ticker/tick.h>

/* {"t":,"ex":"","ad":"","f":""}\n, 19 digits and a sign, a NUL */
#define FIXED_MAX	(30 + 20 + 1)
#define ESC_MAX		6		/* \u00XX */

enum key { KEY_T, KEY_EX, KEY_AD, KEY_F, KEY_MAX };

struct out {
	char		*p, *end;
};

struct cursor {
	const char	*p, *end;
	const char	*reason;
};

static int	 put(struct out *, const void *s, size_t n);
static int	 put_escaped(struct out *, const char *s, size_t len);
static size_t	 escape_byte(unsigned char c, char *esc);
static size_t	 utf8_len(const unsigned char *p, size_t n);
static bool	 name_ok(const char *s, size_t cap);
static int	 parse_member(struct cursor *, struct tk_record *tmp,
		    unsigned *seen);
static int	 parse_key(struct cursor *, enum key *out);
static int	 parse_t(struct cursor *, int64_t *out);
static int	 parse_name(struct cursor *, const char *what, char *dst,
		    size_t cap);
static int	 parse_string(struct cursor *, char *dst, size_t cap,
		    size_t *outlen);
static int	 parse_escape(struct cursor *, char *u8, size_t *n);
static int	 hex4(struct cursor *, uint32_t *out);
static int	 hex_digit(char ch);
static size_t	 utf8_put(uint32_t cp, char *u8);
static void	 skip_ws(struct cursor *);
static int	 expect(struct cursor *, char ch, const char *reason);
static int	 bad(struct cursor *, int err, const char *reason);

static const char *const key_names[KEY_MAX] = { "t", "ex", "ad", "f" };
static const char *const missing[KEY_MAX] = {
	"missing key \"t\"", "missing key \"ex\"", "missing key \"ad\"",
	"missing key \"f\"",
};
static const char hex[] = "0123456789abcdef";

size_t
tk_record_size(size_t len)
{
	size_t fixed = FIXED_MAX +
	    ESC_MAX * (TK_NAME_MAX - 1 + TK_RECORD_ADAPTER_MAX - 1);

	if (len > (SIZE_MAX - fixed) / ESC_MAX)
		return SIZE_MAX;
	return fixed + ESC_MAX * len;
}

int
tk_record_format(int64_t t, const char *ex, const char *ad,
    const char *frame, size_t len, char *buf, size_t cap)
{
	struct out o = { buf, buf };
	char num[24];
	int n, r;

	if (!name_ok(ex, TK_NAME_MAX) || !name_ok(ad, TK_RECORD_ADAPTER_MAX) ||
	    (frame == NULL && len > 0) || (buf == NULL && cap > 0))
		return -EINVAL;
	/* Even NULL + 0 is undefined in C: no arithmetic on a NULL @buf. */
	if (buf != NULL)
		o.end = buf + (cap > INT32_MAX ? INT32_MAX : cap);
	n = snprintf(num, sizeof(num), "%" PRId64, t);
	if ((r = put(&o, "{\"t\":", 5)) < 0 ||
	    (r = put(&o, num, (size_t)n)) < 0 ||
	    (r = put(&o, ",\"ex\":\"", 7)) < 0 ||
	    (r = put_escaped(&o, ex, strlen(ex))) < 0 ||
	    (r = put(&o, "\",\"ad\":\"", 8)) < 0 ||
	    (r = put_escaped(&o, ad, strlen(ad))) < 0 ||
	    (r = put(&o, "\",\"f\":\"", 7)) < 0 ||
	    (r = put_escaped(&o, frame, len)) < 0 ||
	    (r = put(&o, "\"}\n", 3)) < 0)
		return r;
	if (o.p < o.end)
		*o.p = '\0';
	return (int)(o.p - buf);
}

int
tk_record_parse(const char *line, size_t len, struct tk_record *out)
{
	struct cursor c;
	struct tk_record tmp;
	unsigned seen = 0;
	int k, r;

	if (out == NULL)
		return -EINVAL;
	if (line == NULL || (out->buf == NULL && out->cap > 0)) {
		out->reason = "invalid arguments";
		return -EINVAL;
	}
	c.p = line;		/* only now: NULL + len is undefined */
	c.end = line + len;
	c.reason = NULL;
	tmp = *out;
	skip_ws(&c);
	if ((r = expect(&c, '{', "not a JSON object")) < 0)
		goto fail;
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			if ((r = parse_member(&c, &tmp, &seen)) < 0)
				goto fail;
			skip_ws(&c);
			if (c.p >= c.end || *c.p != ',')
				break;
			c.p++;
		}
		if ((r = expect(&c, '}', "expected ',' or '}'")) < 0)
			goto fail;
	}
	skip_ws(&c);
	if (c.p != c.end) {
		r = bad(&c, -EINVAL, "trailing data after the object");
		goto fail;
	}
	for (k = 0; k < KEY_MAX; k++) {
		if (!(seen & (1u << k))) {
			r = bad(&c, -EINVAL, missing[k]);
			goto fail;
		}
	}
	*out = tmp;
	return 0;
fail:
	out->reason = c.reason;
	return r;
}

static int
put(struct out *o, const void *s, size_t n)
{
	if (n > (size_t)(o->end - o->p))
		return -ENOSPC;
	if (n > 0)
		memcpy(o->p, s, n);
	o->p += n;
	return 0;
}

/*
 * JSON string contents: runs of plain ASCII and valid UTF-8 are copied as
 * they are; quotes, backslashes and control bytes are escaped, and so is
 * any byte that is not part of valid UTF-8, as \u00XX of its value, which
 * keeps the line valid JSON whatever the exchange sent.
 */
static int
put_escaped(struct out *o, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	const unsigned char *run;
	char esc[ESC_MAX];
	size_t k;
	int r;

	if (len == 0)
		return 0;	/* @s may be NULL: no NULL + 0 */
	end = p + len;

	while (p < end) {
		for (run = p; p < end; p += k) {
			if (*p < 0x80)
				k = *p >= 0x20 && *p != '"' && *p != '\\';
			else
				k = utf8_len(p, (size_t)(end - p));
			if (k == 0)
				break;
		}
		if ((r = put(o, run, (size_t)(p - run))) < 0)
			return r;
		if (p == end)
			break;
		if ((r = put(o, esc, escape_byte(*p++, esc))) < 0)
			return r;
	}
	return 0;
}

/* The JSON escape of @c into @esc; returns its length. */
static size_t
escape_byte(unsigned char c, char *esc)
{
	esc[0] = '\\';
	switch (c) {
	case '"':	esc[1] = '"'; return 2;
	case '\\':	esc[1] = '\\'; return 2;
	case '\b':	esc[1] = 'b'; return 2;
	case '\f':	esc[1] = 'f'; return 2;
	case '\n':	esc[1] = 'n'; return 2;
	case '\r':	esc[1] = 'r'; return 2;
	case '\t':	esc[1] = 't'; return 2;
	default:
		/* an escape sequence, not a C string */
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(esc + 1, "u00", 3);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xf];
		return 6;
	}
}

/*
 * Length of the valid UTF-8 sequence at @p, or 0.  Overlong forms,
 * surrogates and code points past U+10FFFF are invalid, as in RFC 3629,
 * so that strict JSON readers (jansson, Python) accept what we write.
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] < 0xf0) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] < 0xf5) {
		need = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* A name the reader will accept back: 1 to @cap - 1 bytes. */
static bool
name_ok(const char *s, size_t cap)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strnlen(s, cap);
	return n > 0 && n < cap;
}

/* "key": value, for one of the four keys, each at most once. */
static int
parse_member(struct cursor *c, struct tk_record *tmp, unsigned *seen)
{
	enum key k;
	int r;

	skip_ws(c);
	if ((r = parse_key(c, &k)) < 0)
		return r;
	if (*seen & (1u << k))
		return bad(c, -EINVAL, "duplicate key");
	*seen |= 1u << k;
	skip_ws(c);
	if ((r = expect(c, ':', "expected ':'")) < 0)
		return r;
	skip_ws(c);
	switch (k) {
	case KEY_T:
		return parse_t(c, &tmp->t);
	case KEY_EX:
		return parse_name(c, "ex: expected a name of 1 to 31 bytes",
		    tmp->ex, sizeof(tmp->ex));
	case KEY_AD:
		return parse_name(c, "ad: expected a name of 1 to 31 bytes",
		    tmp->ad, sizeof(tmp->ad));
	case KEY_F:
		if (c->p >= c->end || *c->p != '"')
			return bad(c, -EINVAL, "f: expected a string");
		r = parse_string(c, tmp->buf, tmp->cap, &tmp->len);
		if (r == -ENOSPC)
			return bad(c, r, "f: frame larger than the buffer");
		tmp->frame = tmp->buf;
		return r;
	case KEY_MAX:
		break;
	}
	return bad(c, -EINVAL, "unknown key");
}

static int
parse_key(struct cursor *c, enum key *out)
{
	char key[4];
	size_t n;
	int k, r;

	if (c->p >= c->end || *c->p != '"')
		return bad(c, -EINVAL, "expected a key");
	r = parse_string(c, key, sizeof(key), &n);
	if (r == -ENOSPC)
		return bad(c, -EINVAL, "unknown key");
	if (r < 0)
		return r;
	for (k = 0; k < KEY_MAX; k++) {
		if (strlen(key_names[k]) == n &&
		    memcmp(key, key_names[k], n) == 0) {
			*out = (enum key)k;
			return 0;
		}
	}
	return bad(c, -EINVAL, "unknown key");
}

/* A JSON integer (no fraction, no exponent) that fits int64_t. */
static int
parse_t(struct cursor *c, int64_t *out)
{
	const char *start;
	uint64_t v = 0, lim = INT64_MAX;
	bool neg = false;
	unsigned d;

	if (c->p < c->end && *c->p == '-') {
		neg = true;
		lim = (uint64_t)INT64_MAX + 1;
		c->p++;
	}
	start = c->p;
	for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
		d = (unsigned)(*c->p - '0');
		if (v > (lim - d) / 10)
			return bad(c, -EINVAL, "t: out of range");
		v = v * 10 + d;
	}
	if (c->p == start || (*start == '0' && c->p - start > 1) ||
	    (c->p < c->end && (*c->p == '.' || *c->p == 'e' ||
	    *c->p == 'E')))
		return bad(c, -EINVAL, "t: expected an integer");
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/* A string that fits @cap with its NUL and holds none itself. */
static int
parse_name(struct cursor *c, const char *what, char *dst, size_t cap)
{
	size_t n;
	int r;

	if (c->p >= c->end || *c->p != '"')
		return bad(c, -EINVAL, what);
	r = parse_string(c, dst, cap - 1, &n);
	if (r == -ENOSPC || (r == 0 && (n == 0 || memchr(dst, '\0', n))))
		return bad(c, -EINVAL, what);
	if (r < 0)
		return r;
	dst[n] = '\0';
	return 0;
}

/*
 * Decodes the JSON string at c->p (on its opening quote) into @dst.
 * Returns 0, -EINVAL for bad JSON or -ENOSPC if it does not fit @cap.
 */
static int
parse_string(struct cursor *c, char *dst, size_t cap, size_t *outlen)
{
	const unsigned char *p, *end = (const unsigned char *)c->end;
	size_t o = 0, k;
	char u8[4];
	int r;

	c->p++;
	for (;;) {
		p = (const unsigned char *)c->p;
		for (k = 0; p + k < end && p[k] >= 0x20 && p[k] < 0x80 &&
		    p[k] != '"' && p[k] != '\\'; k++)
			;
		if (k == 0 && p < end && *p >= 0x80)
			k = utf8_len(p, (size_t)(end - p));
		if (k > 0) {
			if (k > cap - o)
				return bad(c, -ENOSPC, "string too long");
			memcpy(dst + o, p, k);
			o += k;
			c->p += k;
			continue;
		}
		if (p == end)
			return bad(c, -EINVAL, "unterminated string");
		if (*p == '"')
			break;
		if (*p >= 0x80)
			return bad(c, -EINVAL, "invalid UTF-8");
		if (*p < 0x20)
			return bad(c, -EINVAL, "control character in a string");
		if ((r = parse_escape(c, u8, &k)) < 0)
			return r;
		if (k > cap - o)
			return bad(c, -ENOSPC, "string too long");
		memcpy(dst + o, u8, k);
		o += k;
	}
	c->p++;
	*outlen = o;
	return 0;
}

/* The escape at c->p (a backslash) as UTF-8 bytes in @u8. */
static int
parse_escape(struct cursor *c, char *u8, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	uint32_t cp, lo;
	int r;

	c->p++;
	if (c->p >= c->end)
		return bad(c, -EINVAL, "unterminated string");
	if (*c->p != 'u') {
		hit = *c->p != '\0' ? strchr(from, *c->p) : NULL;
		if (hit == NULL)
			return bad(c, -EINVAL, "invalid escape");
		u8[0] = to[hit - from];
		*n = 1;
		c->p++;
		return 0;
	}
	c->p++;
	if ((r = hex4(c, &cp)) < 0)
		return r;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return bad(c, -EINVAL, "invalid \\u escape (lone surrogate)");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
			return bad(c, -EINVAL,
			    "invalid \\u escape (lone surrogate)");
		c->p += 2;
		if ((r = hex4(c, &lo)) < 0)
			return r;
		if (lo < 0xdc00 || lo > 0xdfff)
			return bad(c, -EINVAL,
			    "invalid \\u escape (lone surrogate)");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	*n = utf8_put(cp, u8);
	return 0;
}

static int
hex4(struct cursor *c, uint32_t *out)
{
	uint32_t v = 0;
	int i, d;

	if (c->end - c->p < 4)
		return bad(c, -EINVAL, "invalid \\u escape");
	for (i = 0; i < 4; i++) {
		if ((d = hex_digit(c->p[i])) < 0)
			return bad(c, -EINVAL, "invalid \\u escape");
		v = v << 4 | (uint32_t)d;
	}
	c->p += 4;
	*out = v;
	return 0;
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static size_t
utf8_put(uint32_t cp, char *u8)
{
	if (cp < 0x80) {
		u8[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u8[0] = (char)(0xc0 | cp >> 6);
		u8[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u8[0] = (char)(0xe0 | cp >> 12);
		u8[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u8[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u8[0] = (char)(0xf0 | cp >> 18);
	u8[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	u8[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	u8[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
expect(struct cursor *c, char ch, const char *reason)
{
	if (c->p >= c->end || *c->p != ch)
		return bad(c, -EINVAL, reason);
	c->p++;
	return 0;
}

static int
bad(struct cursor *c, int err, const char *reason)
{
	c->reason = reason;
	return err;
}
