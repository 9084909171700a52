/* SPDX-License-Identifier: MIT */
#ifndef TICKER_DECIMAL_H
#define TICKER_DECIMAL_H

/*
 * Exact decimal numbers for prices and sizes.
 *
 * A value is mant * 10^-scale.  Parsing normalises it: trailing zeros of the
 * fraction are dropped, so "37123.45000000" and "37123.45" give the same
 * struct and the canonical text is a plain function of it.  Prices never pass
 * through binary floating point, except where an exchange itself sent a JSON
 * number (see tk_dec_from_double()).
 */

#include <stddef.h>
#include <stdint.h>

#define TK_DEC_MAX_SCALE 30	/* smallest step 1e-30 */
#define TK_DEC_MAX_DIGITS 18	/* significant digits that fit in mant */
#define TK_DEC_TEXT_MAX 64	/* tk_dec_format() never needs more */

struct tk_dec {
	int64_t	 mant;
	int16_t	 scale;		/* 0 .. TK_DEC_MAX_SCALE */
	int16_t	 valid;		/* 0 for "no value" (e.g. an empty bidPx) */
};

/*
 * Parses decimal text: optional '-', digits with an optional '.', an optional
 * exponent ("1E-8", "9.2e-7", "1e+3").  The whole of @len bytes must be the
 * number: no blanks, no '+' sign on the mantissa, no hex, no inf/nan.
 * Returns 0, -EINVAL (empty or malformed) or -ERANGE (more significant digits
 * than TK_DEC_MAX_DIGITS, or a scale outside 0..TK_DEC_MAX_SCALE).
 * @out is written only on success.
 */
int	tk_dec_parse(const char *s, size_t len, struct tk_dec *out);

/*
 * For exchanges that send JSON numbers: the shortest decimal text that reads
 * back to the same double (what the exchange printed), parsed exactly.
 * 105944.2 gives "105944.2", never 105944.20000000001.  Errors as
 * tk_dec_parse(); NaN and infinities are -EINVAL.
 */
int	tk_dec_from_double(double v, struct tk_dec *out);

/* An integer (JSON integer, e.g. a size of 5).  Always succeeds. */
void	tk_dec_from_int(int64_t v, struct tk_dec *out);

/*
 * Writes the canonical text of @d (no exponent, no trailing zeros, "0" for
 * zero, leading "0." for |d| < 1) and a NUL to @buf.  Returns its length, or
 * -ENOSPC if @cap is too small (TK_DEC_TEXT_MAX is always enough).
 */
int	tk_dec_format(const struct tk_dec *d, char *buf, size_t cap);

/*
 * The exact product of two valid decimals (a size in contracts times the
 * contract's value), normalised like a parsed value.  Returns 0, or
 * -ERANGE when the product has more than TK_DEC_MAX_DIGITS significant
 * digits or a scale beyond TK_DEC_MAX_SCALE: it is never rounded.  @out
 * is written only on success.
 */
int	tk_dec_mul(const struct tk_dec *a, const struct tk_dec *b,
	    struct tk_dec *out);

/* Exact comparison of two valid decimals: <0, 0, >0. */
int	tk_dec_cmp(const struct tk_dec *a, const struct tk_dec *b);

#endif
