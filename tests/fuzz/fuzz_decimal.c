/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: exact decimals.  The input is decimal text; the checks
 * are the round trips the rest of tickerd relies on:
 *  - parse -> format -> parse gives the same value and the same text;
 *  - a value compares equal to itself, and two values compare equal
 *    exactly when their canonical texts are equal, antisymmetrically;
 *  - the first 8 bytes as a double: tk_dec_from_double() text reads back
 *    to that double; as an int64: tk_dec_from_int() text reads back too.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* What libc reads in the text, which must be all of it. */
static long double
text_value(const uint8_t *s, size_t len)
{
	char *z = malloc(len + 1), *end;
	long double v;

	check(z != NULL, "out of memory");
	memcpy(z, s, len);
	z[len] = '\0';
	v = strtold(z, &end);
	check(end == z + len, "tk_dec_parse took what strtold does not");
	free(z);
	return v;
}

/* Parses @len bytes (copied, unterminated) and checks the round trip. */
static int
parse_checked(const uint8_t *s, size_t len, struct tk_dec *d,
    char *text)
{
	char *copy = malloc(len ? len : 1), again[TK_DEC_TEXT_MAX];
	struct tk_dec d2;
	long double value;
	int r, n, n2;

	check(copy != NULL, "out of memory");
	if (len)
		memcpy(copy, s, len);
	r = tk_dec_parse(copy, len, d);
	free(copy);
	check(r == 0 || r == -EINVAL || r == -ERANGE, "parse return");
	if (r < 0)
		return r;
	value = text_value(s, len);
	check(d->valid && d->scale >= 0 && d->scale <= TK_DEC_MAX_SCALE,
	    "parsed struct");
	n = tk_dec_format(d, text, TK_DEC_TEXT_MAX);
	check(n > 0 && (size_t)n == strlen(text), "format");
	check(tk_dec_parse(text, (size_t)n, &d2) == 0, "canonical reparse");
	check(d2.mant == d->mant && d2.scale == d->scale, "reparse value");
	n2 = tk_dec_format(&d2, again, sizeof(again));
	check(n2 == n && memcmp(again, text, (size_t)n) == 0, "text stable");
	check(tk_dec_cmp(d, &d2) == 0, "cmp with itself");
	/*
	 * The oracle: strtold() rounds correctly, so the input and its
	 * canonical text, if they are the same number, read as the same long
	 * double (64-bit mantissa: every value of at most 18 digits apart).
	 */
	check(text_value((const uint8_t *)text, (size_t)n) == value,
	    "canonical text is another number than the input");
	check(tk_dec_format(d, again, (size_t)n) == -ENOSPC, "short buffer");
	return 0;
}

static void
check_double(const uint8_t *data)
{
	char text[TK_DEC_TEXT_MAX];
	struct tk_dec d;
	double v;
	int r;

	memcpy(&v, data, sizeof(v));
	r = tk_dec_from_double(v, &d);
	if (!isfinite(v)) {
		check(r == -EINVAL, "non-finite double accepted");
		return;
	}
	check(r == 0 || r == -ERANGE, "from_double return");
	if (r < 0)
		return;
	check(tk_dec_format(&d, text, sizeof(text)) > 0, "format double");
	check(strtod(text, NULL) == v, "double round trip");
}

static void
check_int(const uint8_t *data)
{
	char text[TK_DEC_TEXT_MAX];
	struct tk_dec d;
	int64_t v;

	memcpy(&v, data, sizeof(v));
	tk_dec_from_int(v, &d);
	check(tk_dec_format(&d, text, sizeof(text)) > 0, "format int");
	check(strtoll(text, NULL, 10) == v, "int round trip");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ta[TK_DEC_TEXT_MAX], tb[TK_DEC_TEXT_MAX];
	struct tk_dec a, b;
	const uint8_t *bar;
	int ab, ba;

	parse_checked(data, size, &a, ta);
	/* "A|B": two values to compare. */
	bar = memchr(data, '|', size);
	if (bar != NULL &&
	    parse_checked(data, (size_t)(bar - data), &a, ta) == 0 &&
	    parse_checked(bar + 1, size - (size_t)(bar - data) - 1, &b,
	    tb) == 0) {
		ab = tk_dec_cmp(&a, &b);
		ba = tk_dec_cmp(&b, &a);
		check((ab > 0) - (ab < 0) == -((ba > 0) - (ba < 0)),
		    "cmp antisymmetric");
		check((ab == 0) == (strcmp(ta, tb) == 0),
		    "cmp equal iff same canonical text");
	}
	if (size >= 8) {
		check_double(data);
		check_int(data);
	}
	return 0;
}
