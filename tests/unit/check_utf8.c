/* SPDX-License-Identifier: MIT */
/*
 * UTF-8: validation of each class of ill-formed input, boundary-safe cuts,
 * snprintf that cuts between characters, the JSON escape's output (always
 * valid UTF-8, read back by jansson) and log-line escaping.
 */

#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/tick.h>
#include <ticker/utf8.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define FFFD "\xef\xbf\xbd"

/*
 * @seq is tk_utf8_seq() of the first sequence; @json what tk_json_escape()
 * writes; @line what tk_utf8_escape_line() writes.  Adjacent literals keep
 * a hex escape from swallowing the letter after it.
 */
static const struct {
	const char	*what;
	const char	*in;
	size_t		 len;
	int		 seq;
	int		 valid;
	const char	*json;
	const char	*line;
} cases[] = {
	{ "empty", "", 0, 0, 1, "", "" },
	{ "ascii", "BTC-USD", 7, 1, 1, "BTC-USD", "BTC-USD" },
	{ "NUL", "a\0b", 3, 1, 1, "a\\u0000b", "a\\x00b" },
	{ "U+0080", "\xc2\x80", 2, 2, 1, "\xc2\x80", "\\xc2\\x80" },
	{ "U+009F", "\xc2\x9f", 2, 2, 1, "\xc2\x9f", "\\xc2\\x9f" },
	{ "U+00A0", "\xc2\xa0", 2, 2, 1, "\xc2\xa0", "\xc2\xa0" },
	{ "U+07FF", "\xdf\xbf", 2, 2, 1, "\xdf\xbf", "\xdf\xbf" },
	{ "U+0800", "\xe0\xa0\x80", 3, 3, 1, "\xe0\xa0\x80",
	  "\xe0\xa0\x80" },
	{ "U+D7FF", "\xed\x9f\xbf", 3, 3, 1, "\xed\x9f\xbf",
	  "\xed\x9f\xbf" },
	{ "U+E000", "\xee\x80\x80", 3, 3, 1, "\xee\x80\x80",
	  "\xee\x80\x80" },
	{ "U+FFFF", "\xef\xbf\xbf", 3, 3, 1, "\xef\xbf\xbf",
	  "\xef\xbf\xbf" },
	{ "U+10000", "\xf0\x90\x80\x80", 4, 4, 1, "\xf0\x90\x80\x80",
	  "\xf0\x90\x80\x80" },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 4, 4, 1, "\xf4\x8f\xbf\xbf",
	  "\xf4\x8f\xbf\xbf" },
	{ "euro in text", "5 \xe2\x82\xac.", 6, 1, 1, "5 \xe2\x82\xac.",
	  "5 \xe2\x82\xac." },
	/* controls */
	{ "newline", "a\nb", 3, 1, 1, "a\\nb", "a\\nb" },
	{ "forged line", "x\n<0>y", 6, 1, 1, "x\\n<0>y", "x\\n<0>y" },
	{ "ESC", "\x1b[31m", 5, 1, 1, "\\u001b[31m", "\\x1b[31m" },
	{ "DEL", "\x7f", 1, 1, 1, "\\u007f", "\\x7f" },
	{ "CR TAB", "\r\t", 2, 1, 1, "\\r\\t", "\\r\\t" },
	{ "quote backslash", "\"\\", 2, 1, 1, "\\\"\\\\", "\"\\" },
	/* lone and stray bytes */
	{ "continuation", "\x80", 1, -1, 0, FFFD, "\\x80" },
	{ "two continuations", "\x80\xbf", 2, -1, 0, FFFD FFFD,
	  "\\x80\\xbf" },
	{ "C0 lead", "\xc0\xaf", 2, -1, 0, FFFD FFFD, "\\xc0\\xaf" },
	{ "C1 lead", "\xc1\xbf", 2, -1, 0, FFFD FFFD, "\\xc1\\xbf" },
	{ "F5 lead", "\xf5\x80\x80\x80", 4, -1, 0, FFFD FFFD FFFD FFFD,
	  "\\xf5\\x80\\x80\\x80" },
	{ "FE", "\xfe", 1, -1, 0, FFFD, "\\xfe" },
	{ "FF", "a\xff" "b", 3, 1, 0, "a" FFFD "b", "a\\xff" "b" },
	/* overlong */
	{ "overlong 3", "\xe0\x80\xaf", 3, -1, 0, FFFD FFFD FFFD,
	  "\\xe0\\x80\\xaf" },
	{ "overlong 3 max", "\xe0\x9f\xbf", 3, -1, 0, FFFD FFFD FFFD,
	  "\\xe0\\x9f\\xbf" },
	{ "overlong 4", "\xf0\x8f\xbf\xbf", 4, -1, 0,
	  FFFD FFFD FFFD FFFD, "\\xf0\\x8f\\xbf\\xbf" },
	/* surrogates */
	{ "U+D800", "\xed\xa0\x80", 3, -1, 0, FFFD FFFD FFFD,
	  "\\xed\\xa0\\x80" },
	{ "U+DFFF", "\xed\xbf\xbf", 3, -1, 0, FFFD FFFD FFFD,
	  "\\xed\\xbf\\xbf" },
	{ "surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", 6, -1, 0,
	  FFFD FFFD FFFD FFFD FFFD FFFD,
	  "\\xed\\xa0\\xbd\\xed\\xb8\\x80" },
	/* above U+10FFFF */
	{ "U+110000", "\xf4\x90\x80\x80", 4, -1, 0, FFFD FFFD FFFD FFFD,
	  "\\xf4\\x90\\x80\\x80" },
	{ "5 bytes", "\xf8\x88\x80\x80\x80", 5, -1, 0,
	  FFFD FFFD FFFD FFFD FFFD, "\\xf8\\x88\\x80\\x80\\x80" },
	/* truncated: the maximal subpart is one U+FFFD */
	{ "cut 2 of 2", "\xc3", 1, -1, 0, FFFD, "\\xc3" },
	{ "cut 2 of 3", "\xe2\x82", 2, -2, 0, FFFD, "\\xe2\\x82" },
	{ "cut 3 of 4", "\xf0\x9f\x98", 3, -3, 0, FFFD, "\\xf0\\x9f\\x98" },
	{ "cut then ascii", "\xe2\x82" "A", 3, -2, 0, FFFD "A",
	  "\\xe2\\x82" "A" },
	{ "cut then char", "\xf0\x9f\xc3\xa9", 4, -2, 0, FFFD "\xc3\xa9",
	  "\\xf0\\x9f\xc3\xa9" },
};

START_TEST(test_utf8_seq)
{
	if (cases[_i].len == 0)
		return;
	ck_assert_msg(tk_utf8_seq(cases[_i].in, cases[_i].len) ==
	    cases[_i].seq, "%s: %d", cases[_i].what,
	    tk_utf8_seq(cases[_i].in, cases[_i].len));
}
END_TEST

START_TEST(test_utf8_valid)
{
	ck_assert_msg(tk_utf8_valid(cases[_i].in, cases[_i].len) ==
	    (cases[_i].valid != 0), "%s", cases[_i].what);
}
END_TEST

START_TEST(test_utf8_json_escape)
{
	const char *want = cases[_i].json;
	char buf[256];
	int n;

	n = tk_json_escape(cases[_i].in, cases[_i].len, buf, sizeof(buf));
	ck_assert_int_ge(n, 0);
	ck_assert_msg((size_t)n == strlen(want) && memcmp(buf, want,
	    (size_t)n) == 0, "%s: got \"%.*s\"", cases[_i].what, n, buf);
}
END_TEST

START_TEST(test_utf8_escape_line)
{
	const char *want = cases[_i].line;
	char buf[256];
	size_t n;

	n = tk_utf8_escape_line(cases[_i].in, cases[_i].len, buf,
	    sizeof(buf));
	ck_assert_msg(n == strlen(want) && strcmp(buf, want) == 0,
	    "%s: got \"%s\"", cases[_i].what, buf);
}
END_TEST

/*
 * jansson reads "<escaped>" back: a valid input comes back byte for byte,
 * an invalid one as the table's expected text (U+FFFD for each subpart).
 */
static void
assert_json_roundtrip(const char *in, size_t len, const char *want,
    size_t wantlen)
{
	char buf[1024];
	json_error_t err;
	json_t *v;
	int n;

	buf[0] = '"';
	n = tk_json_escape(in, len, buf + 1, sizeof(buf) - 2);
	ck_assert_int_ge(n, 0);
	buf[n + 1] = '"';
	ck_assert_msg(tk_utf8_valid(buf, (size_t)n + 2), "not UTF-8");
	v = json_loadb(buf, (size_t)n + 2, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    &err);
	ck_assert_msg(v != NULL, "jansson: %s in %.*s", err.text, n + 2,
	    buf);
	ck_assert(json_is_string(v));
	ck_assert_uint_eq(json_string_length(v), wantlen);
	ck_assert(memcmp(json_string_value(v), want, wantlen) == 0);
	json_decref(v);
}

START_TEST(test_utf8_json_roundtrip)
{
	char want[256];
	size_t o = 0, i = 0;
	int r;

	/* what a decoder makes of the input: subparts become U+FFFD */
	while (i < cases[_i].len) {
		r = tk_utf8_seq(cases[_i].in + i, cases[_i].len - i);
		if (r > 0) {
			memcpy(want + o, cases[_i].in + i, (size_t)r);
			o += (size_t)r;
			i += (size_t)r;
		} else {
			memcpy(want + o, FFFD, 3);
			o += 3;
			i += (size_t)-r;
		}
	}
	if (cases[_i].valid)
		ck_assert(o == cases[_i].len &&
		    memcmp(want, cases[_i].in, o) == 0);
	assert_json_roundtrip(cases[_i].in, cases[_i].len, want, o);
}
END_TEST

/* The character boundaries of valid @s: 1 at each offset one starts. */
static void
boundaries(const char *s, size_t len, unsigned char *at)
{
	size_t i = 0;
	int r;

	memset(at, 0, len + 1);
	while (i < len) {
		at[i] = 1;
		r = tk_utf8_seq(s + i, len - i);
		ck_assert_int_gt(r, 0);
		i += (size_t)r;
	}
	at[len] = 1;
}

static const char *const cut_texts[] = {
	"a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9d\x84\x9e" "d",
	"\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	"\xc3\xa9\xc3\xa9\xc3\xa9",
	"plain ascii",
};

/*
 * At every position of a multi-byte string, the cut is the last character
 * boundary at or before it, and gives the same result when the text was
 * already cut there blindly (the bytes after the cut are never needed).
 */
START_TEST(test_utf8_cut_every_position)
{
	const char *s = cut_texts[_i];
	size_t len = strlen(s), max, want, got;
	unsigned char at[64];

	boundaries(s, len, at);
	for (max = 0; max <= len + 2; max++) {
		for (want = max < len ? max : len; !at[want]; want--)
			;
		got = tk_utf8_cut(s, len, max);
		ck_assert_msg(got == want, "max %zu: cut %zu, want %zu", max,
		    got, want);
		ck_assert(tk_utf8_valid(s, got));
		if (max <= len)
			ck_assert_uint_eq(tk_utf8_cut(s, max, max), want);
	}
}
END_TEST

/* Invalid text is cut too, never read past @max, and never grows. */
START_TEST(test_utf8_cut_invalid)
{
	ck_assert_uint_eq(tk_utf8_cut("\x80\x80\x80\x80\x80", 5, 5), 5);
	ck_assert_uint_eq(tk_utf8_cut("ab\xe2", 3, 3), 2);
	ck_assert_uint_eq(tk_utf8_cut("ab\xff", 3, 3), 2);
	ck_assert_uint_eq(tk_utf8_cut("a\xf0\x80", 3, 3), 1);
	ck_assert_uint_eq(tk_utf8_cut(NULL, 0, 10), 0);
}
END_TEST

/*
 * snprintf's own cut would leave "...\xe2\x82" here and make every
 * client of the status close with 1007.
 */
START_TEST(test_utf8_snprintf_cut)
{
	char buf[8];
	int n;

	n = tk_utf8_snprintf(buf, sizeof(buf), "%s", "abcde\xe2\x82\xac");
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(buf, "abcde");
	n = tk_utf8_snprintf(buf, sizeof(buf), "%s", "abcd\xe2\x82\xac");
	ck_assert_int_eq(n, 7);
	ck_assert_str_eq(buf, "abcd\xe2\x82\xac");
	n = tk_utf8_snprintf(buf, sizeof(buf), "%d%s", 12, "\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80");
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(buf, "12\xf0\x9f\x98\x80");
	n = tk_utf8_snprintf(buf, 1, "%s", "\xc3\xa9");
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(tk_utf8_snprintf(NULL, 0, "%s", "x"), 0);
}
END_TEST

/* A small buffer ends the line between escapes and characters. */
START_TEST(test_utf8_escape_line_cap)
{
	static const char in[] = "a\n\xe2\x82\xac\xff" "b";
	char buf[32];
	size_t cap, n;

	for (cap = 1; cap < sizeof(buf); cap++) {
		memset(buf, 'Z', sizeof(buf));
		n = tk_utf8_escape_line(in, sizeof(in) - 1, buf, cap);
		ck_assert_uint_lt(n, cap);
		ck_assert_int_eq(buf[n], '\0');
		ck_assert_int_eq(buf[cap], 'Z');
		ck_assert(strncmp(buf, "a\\n\xe2\x82\xac\\xff" "b", n) == 0);
		ck_assert_msg(n == 0 || n == 1 || n == 3 || n == 6 ||
		    n == 10 || n == 11, "cap %zu: %zu", cap, n);
	}
	ck_assert_uint_eq(tk_utf8_escape_line("x", 1, buf, 0), 0);
}
END_TEST

/*
 * Random bytes (biased to UTF-8 lead and continuation bytes): jansson,
 * which checks UTF-8 on its own, accepts them in a string exactly when
 * tk_utf8_valid() does; the escape of anything is valid UTF-8 that jansson
 * reads; the log line holds no control byte and is valid UTF-8.
 */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned char
rand_byte(void)
{
	static const unsigned char pick[] = { 0x80, 0x8f, 0x90, 0x9f, 0xa0,
		0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
		0xff, 'a', '"', '\\', 0x1b, '\n', 0x7f, 0 };

	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	if (rng % 3 == 0)
		return pick[(rng >> 8) % sizeof(pick)];
	return (unsigned char)(rng >> 24);
}

START_TEST(test_utf8_random)
{
	char in[24], quoted[32], esc[24 * 6 + 2], line[24 * 4 + 1];
	json_error_t err;
	size_t len, k, n;
	json_t *v;
	int round, m, ok;

	for (round = 0; round < 20000; round++) {
		len = (size_t)(rand_byte() % sizeof(in));
		for (k = 0; k < len; k++)
			in[k] = (char)rand_byte();
		/* jansson as the oracle, on bytes it takes raw in a string */
		for (k = 0, n = 0; k < len; k++)
			if ((unsigned char)in[k] >= 0x20 && in[k] != '"' &&
			    in[k] != '\\')
				quoted[1 + n++] = in[k];
		quoted[0] = quoted[n + 1] = '"';
		v = json_loadb(quoted, n + 2, JSON_DECODE_ANY, &err);
		ok = tk_utf8_valid(quoted + 1, n);
		ck_assert_msg((v != NULL) == ok, "jansson %d, ours %d",
		    v != NULL, ok);
		json_decref(v);
		/* the escape is always valid UTF-8 and valid JSON */
		esc[0] = '"';
		m = tk_json_escape(in, len, esc + 1, sizeof(esc) - 2);
		ck_assert_int_ge(m, 0);
		esc[m + 1] = '"';
		ck_assert(tk_utf8_valid(esc, (size_t)m + 2));
		v = json_loadb(esc, (size_t)m + 2,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		ck_assert_msg(v != NULL, "%s", err.text);
		json_decref(v);
		/* the log line: one line of valid UTF-8, no control bytes */
		n = tk_utf8_escape_line(in, len, line, sizeof(line));
		ck_assert(tk_utf8_valid(line, n));
		for (k = 0; k < n; k++)
			ck_assert((unsigned char)line[k] >= 0x20 &&
			    line[k] != 0x7f);
		/* a cut of valid text is valid */
		if (tk_utf8_valid(in, len))
			ck_assert(tk_utf8_valid(in, tk_utf8_cut(in, len,
			    len / 2)));
	}
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_utf8_seq, 0, N(cases));
	tcase_add_loop_test(tc, test_utf8_valid, 0, N(cases));
	tcase_add_loop_test(tc, test_utf8_json_escape, 0, N(cases));
	tcase_add_loop_test(tc, test_utf8_escape_line, 0, N(cases));
	tcase_add_loop_test(tc, test_utf8_json_roundtrip, 0, N(cases));
	tcase_add_loop_test(tc, test_utf8_cut_every_position, 0,
	    N(cut_texts));
	tcase_add_test(tc, test_utf8_cut_invalid);
	tcase_add_test(tc, test_utf8_snprintf_cut);
	tcase_add_test(tc, test_utf8_escape_line_cap);
	tcase_add_test(tc, test_utf8_random);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(utf8_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
