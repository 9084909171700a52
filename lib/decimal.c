/* SPDX-License-Identifier: MIT */
/*
 * Exact decimals: text <-> (mant, scale) without binary floating point.
 * Only tk_dec_from_double() touches a double, and it does so by asking libc
 * for the shortest text that reads back to the same double.
 */

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>

/*
 * Exponent digits are accumulated only up to this bound: anything larger
 * pushes the scale out of range anyway, and clamping keeps the arithmetic
 * far from overflow for inputs like "1e999999999999".
 */
#define EXP_CLAMP 1000000000LL

/* pow10_u64[] holds 10^0 .. 10^POW10_MAX. */
#define POW10_MAX 19

/* The largest power of ten that keeps |INT64_MIN| * 10^n inside __int128. */
#define CMP_MAX_SHIFT 19

/* A syntactically valid number, split into its parts. */
struct dec_text {
	const char	*ip;		/* integer digits */
	size_t		 nint;
	const char	*fp;		/* fraction digits */
	size_t		 nfrac;
	long long	 exp;		/* stops growing past EXP_CLAMP */
	int		 neg;
};

static int	scan(const char *s, size_t len, struct dec_text *t);
static size_t	scan_digits(const char *p, const char *end);
static char	digit_at(const struct dec_text *t, size_t k);
static int	build(const struct dec_text *t, struct tk_dec *out);
static int	shortest_text(double v, char *buf, size_t cap);
static char	*u64_digits(uint64_t u, char *end);

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

static const uint64_t pow10_u64[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

int
tk_dec_parse(const char *s, size_t len, struct tk_dec *out)
{
	struct dec_text t;
	int r;

	if (s == NULL)
		return -EINVAL;
	if ((r = scan(s, len, &t)) < 0)
		return r;
	return build(&t, out);
}

/*
 * Checks the grammar  -? digit+ ( '.' digit+ )? ( [eE] [+-]? digit+ )?
 * over exactly @len bytes.  "1." and ".5" are refused like JSON does: no
 * exchange sends them, and accepting them would only hide a broken field.
 */
static int
scan(const char *s, size_t len, struct dec_text *t)
{
	const char *p = s, *end = s + len;
	size_t n;
	int eneg = 0;

	t->neg = 0;
	if (p < end && *p == '-') {
		t->neg = 1;
		p++;
	}
	t->ip = p;
	if ((t->nint = scan_digits(p, end)) == 0)
		return -EINVAL;
	p += t->nint;
	t->fp = p;
	t->nfrac = 0;
	if (p < end && *p == '.') {
		t->fp = ++p;
		if ((t->nfrac = scan_digits(p, end)) == 0)
			return -EINVAL;
		p += t->nfrac;
	}
	t->exp = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if ((n = scan_digits(p, end)) == 0)
			return -EINVAL;
		for (; n > 0; n--, p++)
			if (t->exp <= EXP_CLAMP)
				t->exp = t->exp * 10 + (*p - '0');
		if (eneg)
			t->exp = -t->exp;
	}
	return p == end ? 0 : -EINVAL;
}

static size_t
scan_digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && (unsigned char)(*q - '0') <= 9)
		q++;
	return (size_t)(q - p);
}

/* Digit @k of the integer digits followed by the fraction digits. */
static char
digit_at(const struct dec_text *t, size_t k)
{
	return k < t->nint ? t->ip[k] : t->fp[k - t->nint];
}

/*
 * The value is D * 10^-(nfrac - exp), D being all digits in a row.  Leading
 * and trailing zeros go; at most TK_DEC_MAX_DIGITS digits may remain.
 * Trailing integer zeros do not count against that limit, so "1e18" and
 * "1000000000000000000" are the same number, and the canonical text of
 * every parsed value parses again; they come back as a power of ten that
 * must still fit int64.  Nothing is ever rounded: a price that silently
 * changes is worse than one that is refused.
 */
static int
build(const struct dec_text *t, struct tk_dec *out)
{
	size_t n = t->nint + t->nfrac, lo = 0, hi = n, k;
	long long scale = (long long)t->nfrac - t->exp;
	uint64_t m = 0;

	while (lo < n && digit_at(t, lo) == '0')
		lo++;
	if (lo == n) {
		out->mant = 0;
		out->scale = 0;
		out->valid = 1;
		return 0;
	}
	while (digit_at(t, hi - 1) == '0') {
		hi--;
		scale--;
	}
	if (hi - lo > TK_DEC_MAX_DIGITS || scale > TK_DEC_MAX_SCALE)
		return -ERANGE;
	for (k = lo; k < hi; k++)
		m = m * 10 + (uint64_t)(digit_at(t, k) - '0');
	if (scale < 0) {
		/* Integer zeros stripped above, or a positive exponent. */
		if (-scale > POW10_MAX ||
		    m > (uint64_t)INT64_MAX / pow10_u64[-scale])
			return -ERANGE;
		m *= pow10_u64[-scale];
		scale = 0;
	}
	out->mant = t->neg ? -(int64_t)m : (int64_t)m;
	out->scale = (int16_t)scale;
	out->valid = 1;
	return 0;
}

int
tk_dec_from_double(double v, struct tk_dec *out)
{
	char buf[64];
	int n, i;

	if (!isfinite(v))
		return -EINVAL;
	if ((n = shortest_text(v, buf, sizeof(buf))) < 0)
		return n;
	/* %g follows LC_NUMERIC; the daemon stays in "C", a host app may not. */
	for (i = 0; i < n; i++)
		if (buf[i] == ',')
			buf[i] = '.';
	return tk_dec_parse(buf, (size_t)n, out);
}

/*
 * The shortest "%.{p}g" that strtod() reads back as @v.  Any decimal of at
 * most DBL_DIG (15) digits survives text -> double -> %.15g unchanged, and
 * %g drops trailing zeros, so for normal doubles %.15g already is the
 * shortest text when it round-trips; otherwise 16 or at worst 17 digits do.
 * That is at most three tries instead of seventeen.  Subnormals do not have
 * that guarantee, but they are far below 1e-30 and out of range anyway.
 */
static int
shortest_text(double v, char *buf, size_t cap)
{
	int p, n = 0;

	for (p = DBL_DIG; p <= 17; p++) {
		n = snprintf(buf, cap, "%.*g", p, v);
		if (n < 0 || (size_t)n >= cap)
			return -ERANGE;
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

void
tk_dec_from_int(int64_t v, struct tk_dec *out)
{
	out->mant = v;
	out->scale = 0;
	out->valid = 1;
}

/*
 * Writes the digits of @u so that they end just before @end and returns
 * where they start.  Two digits per division: this runs for every price
 * of every tick sent.
 */
static char *
u64_digits(uint64_t u, char *end)
{
	unsigned r;

	while (u >= 100) {
		r = (unsigned)(u % 100);
		u /= 100;
		end -= 2;
		memcpy(end, digit_pairs + 2 * r, 2);
	}
	if (u >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * u, 2);
	} else {
		*--end = (char)('0' + u);
	}
	return end;
}

int
tk_dec_format(const struct tk_dec *d, char *buf, size_t cap)
{
	char tmp[24], *dig, *p = buf;
	uint64_t u;
	size_t nd, need, sc;
	int neg;

	if (d == NULL || !d->valid || d->scale < 0 ||
	    d->scale > TK_DEC_MAX_SCALE)
		return -EINVAL;
	neg = d->mant < 0;
	/* Negate in unsigned arithmetic so INT64_MIN is no overflow. */
	u = neg ? 0 - (uint64_t)d->mant : (uint64_t)d->mant;
	sc = (size_t)d->scale;
	/* Hand-built structs may carry trailing zeros; the text never does. */
	while (sc > 0 && u % 10 == 0) {
		u /= 10;
		sc--;
	}
	if (u == 0)
		neg = 0;
	dig = u64_digits(u, tmp + sizeof(tmp));
	nd = (size_t)(tmp + sizeof(tmp) - dig);
	if (sc < nd)
		need = nd + (sc > 0);
	else
		need = 2 + sc;		/* "0." then zeros and digits */
	need += (size_t)neg;
	if (need + 1 > cap)
		return -ENOSPC;
	if (neg)
		*p++ = '-';
	if (sc >= nd) {
		memcpy(p, "0.", 2);
		memset(p + 2, '0', sc - nd);
		p += 2 + sc - nd;
	} else {
		memcpy(p, dig, nd - sc);
		p += nd - sc;
		dig += nd - sc;
		nd = sc;
		if (sc > 0)
			*p++ = '.';
	}
	memcpy(p, dig, nd);
	p[nd] = '\0';
	return (int)need;
}

/*
 * In 128 bits, where two 18-digit mantissas always fit; then the trailing
 * zeros of the fraction go, and what is left must fit the limits.
 */
int
tk_dec_mul(const struct tk_dec *a, const struct tk_dec *b,
    struct tk_dec *out)
{
	__int128 m = (__int128)a->mant * (__int128)b->mant;
	int scale = a->scale + b->scale;

	if (m == 0) {
		tk_dec_from_int(0, out);
		return 0;
	}
	while (scale > 0 && m % 10 == 0) {
		m /= 10;
		scale--;
	}
	/* as tk_dec_parse(): 18 digits, or an integer that fits int64 */
	if (scale > TK_DEC_MAX_SCALE || m > INT64_MAX || m < -INT64_MAX ||
	    (scale > 0 && (m >= (__int128)pow10_u64[TK_DEC_MAX_DIGITS] ||
	    m <= -(__int128)pow10_u64[TK_DEC_MAX_DIGITS])))
		return -ERANGE;
	out->mant = (int64_t)m;
	out->scale = (int16_t)scale;
	out->valid = 1;
	return 0;
}

/*
 * Brings both to the larger scale in 128 bits.  A shift past CMP_MAX_SHIFT
 * could overflow even that, but then any non-zero mantissa on the coarse
 * side is at least 10^20 units of the fine side, more than an int64 holds,
 * so it wins outright.
 */
int
tk_dec_cmp(const struct tk_dec *a, const struct tk_dec *b)
{
	const struct tk_dec *lo = a, *hi = b;
	int sign = 1, d;
	__int128 x, y;

	if (a->scale > b->scale) {
		lo = b;
		hi = a;
		sign = -1;
	}
	d = hi->scale - lo->scale;
	if (d > CMP_MAX_SHIFT) {
		if (lo->mant != 0)
			return lo->mant > 0 ? sign : -sign;
		return hi->mant > 0 ? -sign : (hi->mant < 0 ? sign : 0);
	}
	x = (__int128)lo->mant * (__int128)pow10_u64[d];
	y = hi->mant;
	return x < y ? -sign : (x > y ? sign : 0);
}
