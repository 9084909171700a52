/* SPDX-License-Identifier: MIT */
/* Exact decimals: parse, from_double, from_int, format, cmp. */

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>

#define LEN_STRLEN ((size_t)-1)

/* A struct no successful call can produce, to see that @out is untouched. */
static const struct tk_dec sentinel = { 424242, 7, 5 };

static void
assert_untouched(const struct tk_dec *d)
{
	ck_assert_int_eq(d->mant, sentinel.mant);
	ck_assert_int_eq(d->scale, sentinel.scale);
	ck_assert_int_eq(d->valid, sentinel.valid);
}

/* Parse: every accepted form, the range limits and garbage. */
static const struct {
	const char	*in;
	size_t		 len;		/* LEN_STRLEN: strlen(in) */
	int		 rc;
	int64_t		 mant;
	int		 scale;
	const char	*text;		/* canonical text when rc == 0 */
} parse_cases[] = {
	{ "37123.45000000", LEN_STRLEN, 0, 3712345, 2, "37123.45" },
	{ "0.00000638", LEN_STRLEN, 0, 638, 8, "0.00000638" },
	{ "5.0", LEN_STRLEN, 0, 5, 0, "5" },
	{ "1E-8", LEN_STRLEN, 0, 1, 8, "0.00000001" },
	{ "9.2E-7", LEN_STRLEN, 0, 92, 8, "0.00000092" },
	{ "1e+3", LEN_STRLEN, 0, 1000, 0, "1000" },
	{ "1.5E+0", LEN_STRLEN, 0, 15, 1, "1.5" },
	{ "1.50e1", LEN_STRLEN, 0, 15, 0, "15" },
	{ "100e-2", LEN_STRLEN, 0, 1, 0, "1" },
	{ "2.5e-02", LEN_STRLEN, 0, 25, 3, "0.025" },
	{ "-0.5", LEN_STRLEN, 0, -5, 1, "-0.5" },
	{ "-37123.45", LEN_STRLEN, 0, -3712345, 2, "-37123.45" },
	{ "0", LEN_STRLEN, 0, 0, 0, "0" },
	{ "0.000", LEN_STRLEN, 0, 0, 0, "0" },
	{ "-0", LEN_STRLEN, 0, 0, 0, "0" },
	{ "-0.000e5", LEN_STRLEN, 0, 0, 0, "0" },
	{ "0e999999999999", LEN_STRLEN, 0, 0, 0, "0" },
	{ "007.50", LEN_STRLEN, 0, 75, 1, "7.5" },
	{ "000000000000000000000000001.5", LEN_STRLEN, 0, 15, 1, "1.5" },
	{ "1000", LEN_STRLEN, 0, 1000, 0, "1000" },
	{ "12345", 3, 0, 123, 0, "123" },	/* only @len bytes count */
	/* Digit and scale limits. */
	{ "123456789012345678", LEN_STRLEN, 0, 123456789012345678LL, 0,
	    "123456789012345678" },
	{ "-12345678901234567.8", LEN_STRLEN, 0, -123456789012345678LL, 1,
	    "-12345678901234567.8" },
	{ "0.000123456789012345678", LEN_STRLEN, 0, 123456789012345678LL, 21,
	    "0.000123456789012345678" },
	{ "1.2345678901234567800000000", LEN_STRLEN, 0, 123456789012345678LL,
	    17, "1.23456789012345678" },
	{ "1e-30", LEN_STRLEN, 0, 1, 30, "0.000000000000000000000000000001" },
	{ "0.000000000000000000000000000001", LEN_STRLEN, 0, 1, 30,
	    "0.000000000000000000000000000001" },
	{ "0.1000000000000000000000000000000000000", LEN_STRLEN, 0, 1, 1,
	    "0.1" },
	{ "1e18", LEN_STRLEN, 0, 1000000000000000000LL, 0,
	    "1000000000000000000" },
	{ "9.2e18", LEN_STRLEN, 0, 9200000000000000000LL, 0,
	    "9200000000000000000" },
	{ "-9.2e18", LEN_STRLEN, 0, -9200000000000000000LL, 0,
	    "-9200000000000000000" },
	{ "1000000000000000000", LEN_STRLEN, 0, 1000000000000000000LL, 0,
	    "1000000000000000000" },
	{ "-9223372036854775800", LEN_STRLEN, 0, -9223372036854775800LL, 0,
	    "-9223372036854775800" },
	{ "9223372036854775810", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1234567890123456789", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "9223372036854775807", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1.234567890123456789", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1000000000000000000000", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1e-31", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "0.0000000000000000000000000000001", LEN_STRLEN, -ERANGE, 0, 0,
	    NULL },
	{ "1.5e-30", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1e19", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "9.3e18", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1e20", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1e999999999999", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1e-999999999999", LEN_STRLEN, -ERANGE, 0, 0, NULL },
	{ "1e99999999999999999999999999999999999999", LEN_STRLEN, -ERANGE, 0,
	    0, NULL },
	/* Malformed. */
	{ "", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ ".", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "-", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1.", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ ".5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "-.5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1.e5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1e", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1e-", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1e+", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "e5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1e5e5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1e1.5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "+1", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "--1", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ " 1", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1 ", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "0x10", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "nan", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "inf", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "-inf", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1..2", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1.2.3", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1,5", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "\"1\"", LEN_STRLEN, -EINVAL, 0, 0, NULL },
	{ "1\0002", 3, -EINVAL, 0, 0, NULL },
	{ "1\0", 2, -EINVAL, 0, 0, NULL },
	{ "1", 0, -EINVAL, 0, 0, NULL },
};

static void
parse_case(size_t i, struct tk_dec *d)
{
	size_t len = parse_cases[i].len;

	if (len == LEN_STRLEN)
		len = strlen(parse_cases[i].in);
	*d = sentinel;
	ck_assert_msg(tk_dec_parse(parse_cases[i].in, len, d) ==
	    parse_cases[i].rc, "parse \"%s\": want %d", parse_cases[i].in,
	    parse_cases[i].rc);
}

START_TEST(test_dec_parse)
{
	struct tk_dec d;

	parse_case((size_t)_i, &d);
	if (parse_cases[_i].rc != 0) {
		assert_untouched(&d);
		return;
	}
	ck_assert_int_eq(d.mant, parse_cases[_i].mant);
	ck_assert_int_eq(d.scale, parse_cases[_i].scale);
	ck_assert_int_eq(d.valid, 1);
}
END_TEST

/* Parsed values print as their canonical text, which parses to the same. */
START_TEST(test_dec_parse_format)
{
	struct tk_dec d, again;
	char buf[TK_DEC_TEXT_MAX];
	int n;

	if (parse_cases[_i].rc != 0)
		return;
	parse_case((size_t)_i, &d);
	n = tk_dec_format(&d, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(parse_cases[_i].text));
	ck_assert_str_eq(buf, parse_cases[_i].text);
	ck_assert_int_eq(tk_dec_parse(buf, (size_t)n, &again), 0);
	ck_assert_int_eq(tk_dec_cmp(&d, &again), 0);
	ck_assert_int_eq(again.mant, d.mant);
	ck_assert_int_eq(again.scale, d.scale);
}
END_TEST

START_TEST(test_dec_parse_null)
{
	struct tk_dec d = sentinel;

	ck_assert_int_eq(tk_dec_parse(NULL, 0, &d), -EINVAL);
	assert_untouched(&d);
}
END_TEST

/* from_double: the shortest text that reads back, parsed exactly. */
static const struct {
	double		 v;
	int		 rc;
	const char	*text;
} double_cases[] = {
	{ 105944.2, 0, "105944.2" },
	{ 37123.45, 0, "37123.45" },
	{ 0.1, 0, "0.1" },
	{ 0.1 + 0.2, 0, "0.30000000000000004" },
	{ 1.0 / 3.0, 0, "0.3333333333333333" },
	{ 1e-8, 0, "0.00000001" },
	{ 9.2e-7, 0, "0.00000092" },
	{ 3.0, 0, "3" },
	{ -2.5, 0, "-2.5" },
	{ 0.0, 0, "0" },
	{ -0.0, 0, "0" },
	{ 123456789012.5, 0, "123456789012.5" },
	{ 9007199254740993.0, 0, "9007199254740992" },
	{ 1e18, 0, "1000000000000000000" },
	{ 1e-30, 0, "0.000000000000000000000000000001" },
	{ 1e-31, -ERANGE, NULL },
	{ 1e19, -ERANGE, NULL },
	{ 1e300, -ERANGE, NULL },
	{ -1e300, -ERANGE, NULL },
	{ 5e-324, -ERANGE, NULL },
	{ NAN, -EINVAL, NULL },
	{ INFINITY, -EINVAL, NULL },
	{ -INFINITY, -EINVAL, NULL },
};

START_TEST(test_dec_from_double)
{
	struct tk_dec d = sentinel;
	char buf[TK_DEC_TEXT_MAX];

	ck_assert_int_eq(tk_dec_from_double(double_cases[_i].v, &d),
	    double_cases[_i].rc);
	if (double_cases[_i].rc != 0) {
		assert_untouched(&d);
		return;
	}
	ck_assert_int_eq(d.valid, 1);
	ck_assert_int_ge(tk_dec_format(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, double_cases[_i].text);
}
END_TEST

/* The definition in the header, done the slow way: p = 1, 2, ... 17. */
static int
shortest_ref(double v, char *buf, size_t cap)
{
	int p, n = 0;

	for (p = 1; p <= 17; p++) {
		n = snprintf(buf, cap, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return n;
}

/*
 * Random doubles across the range prices live in: the result must equal
 * parsing the reference shortest text, and must read back to the double.
 */
START_TEST(test_dec_from_double_random)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct tk_dec got, want;
	char ref[64], buf[TK_DEC_TEXT_MAX];
	double v;
	int i, n, tested = 0;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v) || fabs(v) > 1e17 || fabs(v) < 1e-12)
			continue;
		n = shortest_ref(v, ref, sizeof(ref));
		if (tk_dec_parse(ref, (size_t)n, &want) != 0)
			continue;	/* 17 digits and a tiny exponent */
		ck_assert_int_eq(tk_dec_from_double(v, &got), 0);
		ck_assert_msg(got.mant == want.mant && got.scale == want.scale,
		    "%.17g: want %s", v, ref);
		ck_assert_int_ge(tk_dec_format(&got, buf, sizeof(buf)), 0);
		ck_assert(strtod(buf, NULL) == v);
		tested++;
	}
	ck_assert_int_gt(tested, 1000);
}
END_TEST

/*
 * Under a locale whose decimal point is ',' (when the host has one, or via
 * LOCPATH) the result must not change.
 */
START_TEST(test_dec_from_double_locale)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "nl_NL.UTF-8",
	};
	struct tk_dec d;
	char buf[TK_DEC_TEXT_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (setlocale(LC_NUMERIC, names[i]) != NULL)
			break;
	if (i == sizeof(names) / sizeof(names[0])) {
		fprintf(stderr, "no ',' locale here: locale case not run\n");
		return;
	}
	ck_assert_str_eq(localeconv()->decimal_point, ",");
	ck_assert_int_eq(tk_dec_from_double(105944.2, &d), 0);
	setlocale(LC_NUMERIC, "C");
	ck_assert_int_ge(tk_dec_format(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "105944.2");
}
END_TEST

START_TEST(test_dec_from_int)
{
	static const int64_t v[] = { 0, 5, -5, INT64_MAX, INT64_MIN };
	static const char *const text[] = {
		"0", "5", "-5", "9223372036854775807", "-9223372036854775808",
	};
	struct tk_dec d = sentinel;
	char buf[TK_DEC_TEXT_MAX];

	tk_dec_from_int(v[_i], &d);
	ck_assert_int_eq(d.mant, v[_i]);
	ck_assert_int_eq(d.scale, 0);
	ck_assert_int_eq(d.valid, 1);
	ck_assert_int_ge(tk_dec_format(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, text[_i]);
}
END_TEST

/* format: hand-built structs too, including non-canonical and extremes. */
static const struct {
	struct tk_dec	 d;
	int		 rc;
	const char	*text;
} format_cases[] = {
	{ { 3712345, 2, 1 }, 0, "37123.45" },
	{ { 638, 8, 1 }, 0, "0.00000638" },
	{ { 5, 0, 1 }, 0, "5" },
	{ { 1, 8, 1 }, 0, "0.00000001" },
	{ { -5, 1, 1 }, 0, "-0.5" },
	{ { -1, 0, 1 }, 0, "-1" },
	{ { 0, 0, 1 }, 0, "0" },
	{ { 0, 5, 1 }, 0, "0" },
	{ { 123, 3, 1 }, 0, "0.123" },
	{ { 123, 2, 1 }, 0, "1.23" },
	{ { 10, 1, 1 }, 0, "1" },
	{ { 1500, 2, 1 }, 0, "15" },
	{ { -1500, 3, 1 }, 0, "-1.5" },
	{ { 1000, 0, 1 }, 0, "1000" },
	{ { 1, 30, 1 }, 0, "0.000000000000000000000000000001" },
	{ { INT64_MAX, 0, 1 }, 0, "9223372036854775807" },
	{ { INT64_MIN, 0, 1 }, 0, "-9223372036854775808" },
	{ { INT64_MIN, 30, 1 }, 0, "-0.000000000009223372036854775808" },
	{ { INT64_MIN, 19, 1 }, 0, "-0.9223372036854775808" },
	{ { INT64_MIN, 18, 1 }, 0, "-9.223372036854775808" },
	{ { 0, 0, 0 }, -EINVAL, NULL },
	{ { 5, 31, 1 }, -EINVAL, NULL },
	{ { 5, -1, 1 }, -EINVAL, NULL },
};

START_TEST(test_dec_format)
{
	char buf[TK_DEC_TEXT_MAX];

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(tk_dec_format(&format_cases[_i].d, buf, sizeof(buf)),
	    format_cases[_i].rc < 0 ? format_cases[_i].rc :
	    (int)strlen(format_cases[_i].text));
	if (format_cases[_i].rc == 0)
		ck_assert_str_eq(buf, format_cases[_i].text);
}
END_TEST

/* Every cap below the need is -ENOSPC and writes nothing past @cap. */
START_TEST(test_dec_format_cap)
{
	char buf[TK_DEC_TEXT_MAX + 8];
	size_t len, cap, k;

	if (format_cases[_i].rc != 0)
		return;
	len = strlen(format_cases[_i].text);
	for (cap = 0; cap <= len + 1; cap++) {
		memset(buf, 'X', sizeof(buf));
		if (cap <= len) {
			ck_assert_int_eq(tk_dec_format(&format_cases[_i].d,
			    buf, cap), -ENOSPC);
		} else {
			ck_assert_int_eq(tk_dec_format(&format_cases[_i].d,
			    buf, cap), (int)len);
			ck_assert_str_eq(buf, format_cases[_i].text);
		}
		for (k = cap; k < sizeof(buf) && buf[k] == 'X'; k++)
			;
		ck_assert_msg(k == sizeof(buf), "cap %zu: byte %zu", cap, k);
	}
}
END_TEST

/* cmp: exact across scales, at the int64 and scale extremes. */
static const struct {
	struct tk_dec	 a, b;
	int		 sign;
} cmp_cases[] = {
	{ { 15, 1, 1 }, { 150, 2, 1 }, 0 },
	{ { 3712345, 2, 1 }, { 37123450, 3, 1 }, 0 },
	{ { 3712346, 2, 1 }, { 37123450, 3, 1 }, 1 },
	{ { -5, 1, 1 }, { -50, 2, 1 }, 0 },
	{ { -5, 1, 1 }, { -49, 2, 1 }, -1 },
	{ { 1, 0, 1 }, { 1, 30, 1 }, 1 },
	{ { 0, 0, 1 }, { 0, 30, 1 }, 0 },
	{ { 0, 0, 1 }, { 1, 25, 1 }, -1 },
	{ { 0, 0, 1 }, { -1, 25, 1 }, 1 },
	{ { -1, 0, 1 }, { 1, 30, 1 }, -1 },
	{ { -1, 0, 1 }, { -1, 30, 1 }, -1 },
	{ { INT64_MAX, 0, 1 }, { INT64_MAX, 30, 1 }, 1 },
	{ { INT64_MIN, 0, 1 }, { INT64_MIN, 30, 1 }, -1 },
	{ { INT64_MIN, 0, 1 }, { INT64_MIN, 19, 1 }, -1 },
	{ { INT64_MAX, 19, 1 }, { 1, 0, 1 }, -1 },
	{ { INT64_MIN, 19, 1 }, { -1, 0, 1 }, 1 },
	{ { INT64_MAX, 0, 1 }, { INT64_MIN, 0, 1 }, 1 },
	{ { 999999999999999999LL, 20, 1 }, { 1, 2, 1 }, -1 },
	{ { 1000000000000000000LL, 20, 1 }, { 1, 2, 1 }, 0 },
	{ { 1, 20, 1 }, { 0, 0, 1 }, 1 },
	{ { 7, 3, 1 }, { 7, 3, 1 }, 0 },
};

static int
sign_of(int v)
{
	return (v > 0) - (v < 0);
}

START_TEST(test_dec_cmp)
{
	ck_assert_int_eq(sign_of(tk_dec_cmp(&cmp_cases[_i].a,
	    &cmp_cases[_i].b)), cmp_cases[_i].sign);
	ck_assert_int_eq(sign_of(tk_dec_cmp(&cmp_cases[_i].b,
	    &cmp_cases[_i].a)), -cmp_cases[_i].sign);
}
END_TEST

/* Products are exact: contracts x contract value, never rounded. */
static const struct {
	const char	*a, *b, *want;	/* want NULL: -ERANGE */
} mul_cases[] = {
	{ "431", "0.01", "4.31" },
	{ "12", "0.01", "0.12" },
	{ "1", "100", "100" },
	{ "0.5", "0.2", "0.1" },		/* trailing zero goes */
	{ "0", "0.01", "0" },
	{ "-2.5", "4", "-10" },
	{ "-2.5", "-0.4", "1" },
	{ "999999999999999999", "1", "999999999999999999" },
	{ "0.000000000000001", "0.000000000000001",
	  "0.000000000000000000000000000001" },	/* scale 30 */
	{ "0.0000000000000001", "0.000000000000001", NULL },	/* 31 */
	{ "0.999999999999999999", "3", NULL },	/* 19 digits */
	{ "922337203685477580", "10", "9223372036854775800" },	/* int64 */
	{ "922337203685477580", "20", NULL },	/* beyond int64 */
	{ "-922337203685477580", "20", NULL },
};

START_TEST(test_dec_mul)
{
	struct tk_dec a, b, out = { 7, 7, 7 };
	char buf[TK_DEC_TEXT_MAX];
	int r;

	ck_assert_int_eq(tk_dec_parse(mul_cases[_i].a,
	    strlen(mul_cases[_i].a), &a), 0);
	ck_assert_int_eq(tk_dec_parse(mul_cases[_i].b,
	    strlen(mul_cases[_i].b), &b), 0);
	r = tk_dec_mul(&a, &b, &out);
	if (mul_cases[_i].want == NULL) {
		ck_assert_int_eq(r, -ERANGE);
		ck_assert_int_eq(out.mant, 7);	/* untouched */
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_gt(tk_dec_format(&out, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, mul_cases[_i].want);
	/* the same as parsing the text: normalised */
	ck_assert_int_eq(tk_dec_parse(buf, strlen(buf), &a), 0);
	ck_assert_int_eq(a.mant, out.mant);
	ck_assert_int_eq(a.scale, out.scale);
	/* in place, as the codecs use it */
	ck_assert_int_eq(tk_dec_parse(mul_cases[_i].a,
	    strlen(mul_cases[_i].a), &a), 0);
	ck_assert_int_eq(tk_dec_mul(&a, &b, &a), 0);
	ck_assert_int_eq(tk_dec_cmp(&a, &out), 0);
}
END_TEST

static Suite *
decimal_suite(void)
{
	Suite *s = suite_create("decimal");
	TCase *tc = tcase_create("core");

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
	tcase_add_loop_test(tc, test_dec_parse, 0, N(parse_cases));
	tcase_add_loop_test(tc, test_dec_parse_format, 0, N(parse_cases));
	tcase_add_test(tc, test_dec_parse_null);
	tcase_add_loop_test(tc, test_dec_from_double, 0, N(double_cases));
	tcase_add_test(tc, test_dec_from_double_random);
	tcase_add_test(tc, test_dec_from_double_locale);
	tcase_add_loop_test(tc, test_dec_from_int, 0, 5);
	tcase_add_loop_test(tc, test_dec_format, 0, N(format_cases));
	tcase_add_loop_test(tc, test_dec_format_cap, 0, N(format_cases));
	tcase_add_loop_test(tc, test_dec_cmp, 0, N(cmp_cases));
	tcase_add_loop_test(tc, test_dec_mul, 0, N(mul_cases));
#undef N
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(decimal_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
