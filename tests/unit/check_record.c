/* SPDX-License-Identifier: MIT */
/*
 * The recording line format: exact text, round trips of awkward frames
 * (checked against jansson as an independent JSON reader), invalid UTF-8,
 * buffer limits, and every way a line can be rejected.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ticker/record.h>
#include <ticker/tick.h>

#include "tk_check.h"

#define T0	INT64_C(1700000000123456)
#define S(x)	x, sizeof(x) - 1	/* a literal with its length */

/* Frames that must come back byte for byte. */
static const struct {
	const char	*frame;
	size_t		 len;
	const char	*esc;	/* how "f" is written */
} trips[] = {
	{ S(""), "" },
	{ S("{\"a\":1}"), "{\\\"a\\\":1}" },
	{ S("back\\slash \\\" \\u0041"),
	    "back\\\\slash \\\\\\\" \\\\u0041" },
	{ S("line\nfeed\r\ttab\b\f"), "line\\nfeed\\r\\ttab\\b\\f" },
	{ S("\x01\x1f\x7f\x20"), "\\u0001\\u001f\x7f " },
	{ S("nul\0inside"), "nul\\u0000inside" },
	{ S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf" },
	{ S("/slash/ \x7f"), "/slash/ \x7f" },
};

/* Invalid UTF-8: each bad byte becomes \u00XX and replays as U+00XX. */
static const struct {
	const char	*frame;
	size_t		 len;
	const char	*esc;
	const char	*back;	/* what replays */
} invalid[] = {
	{ S("a\xff" "b"), "a\\u00ffb", "a\xc3\xbf" "b" },
	{ S("\x80"), "\\u0080", "\xc2\x80" },
	/* overlong encodings of '/' and U+0000 */
	{ S("\xc0\xaf"), "\\u00c0\\u00af", "\xc3\x80\xc2\xaf" },
	{ S("\xe0\x80\xaf"), "\\u00e0\\u0080\\u00af",
	    "\xc3\xa0\xc2\x80\xc2\xaf" },
	/* a UTF-16 surrogate, and a code point past U+10FFFF */
	{ S("\xed\xa0\x80"), "\\u00ed\\u00a0\\u0080",
	    "\xc3\xad\xc2\xa0\xc2\x80" },
	{ S("\xf4\x90\x80\x80"), "\\u00f4\\u0090\\u0080\\u0080",
	    "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80" },
	/* a sequence cut short by the end, and one cut by ASCII */
	{ S("\xe2\x82"), "\\u00e2\\u0082", "\xc3\xa2\xc2\x82" },
	{ S("\xe2\x82x\xc3\xa9"), "\\u00e2\\u0082x\xc3\xa9",
	    "\xc3\xa2\xc2\x82x\xc3\xa9" },
	{ S("\xf5\x80"), "\\u00f5\\u0080", "\xc3\xb5\xc2\x80" },
};

/* Lines that are not records, and what the reader says about them. */
static const struct {
	const char	*line;
	const char	*reason;
	int		 err;
} bad[] = {
	{ "", "not a JSON object", -EINVAL },
	{ "garbage", "not a JSON object", -EINVAL },
	{ "[1]", "not a JSON object", -EINVAL },
	{ "{}", "missing key \"t\"", -EINVAL },
	{ "{\"t\":1,\"ex\":\"a\",\"ad\":\"b\"}", "missing key \"f\"",
	    -EINVAL },
	{ "{\"t\":1,\"ad\":\"b\",\"f\":\"\"}", "missing key \"ex\"", -EINVAL },
	{ "{\"t\":1,\"ex\":\"a\",\"f\":\"\"}", "missing key \"ad\"", -EINVAL },
	{ "{\"t\":1,\"t\":2}", "duplicate key", -EINVAL },
	{ "{\"t\":1,\"x\":2}", "unknown key", -EINVAL },
	{ "{\"time\":1}", "unknown key", -EINVAL },
	{ "{1:2}", "expected a key", -EINVAL },
	{ "{\"t\" 1}", "expected ':'", -EINVAL },
	{ "{\"t\":1 \"ex\":\"a\"}", "expected ',' or '}'", -EINVAL },
	{ "{\"t\":1,}", "expected a key", -EINVAL },
	{ "{\"t\":1", "expected ',' or '}'", -EINVAL },
	{ "{\"t\":1.5}", "t: expected an integer", -EINVAL },
	{ "{\"t\":1e6}", "t: expected an integer", -EINVAL },
	{ "{\"t\":\"1\"}", "t: expected an integer", -EINVAL },
	{ "{\"t\":01}", "t: expected an integer", -EINVAL },
	{ "{\"t\":-}", "t: expected an integer", -EINVAL },
	{ "{\"t\":9223372036854775808}", "t: out of range", -EINVAL },
	{ "{\"t\":-9223372036854775809}", "t: out of range", -EINVAL },
	{ "{\"ex\":5}", "ex: expected a name of 1 to 31 bytes", -EINVAL },
	{ "{\"ex\":\"\"}", "ex: expected a name of 1 to 31 bytes", -EINVAL },
	{ "{\"ex\":\"a\\u0000b\"}", "ex: expected a name of 1 to 31 bytes",
	    -EINVAL },
	{ "{\"ex\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "ex: expected a name of 1 to 31 bytes", -EINVAL },
	{ "{\"ad\":null}", "ad: expected a name of 1 to 31 bytes", -EINVAL },
	{ "{\"ad\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "ad: expected a name of 1 to 31 bytes", -EINVAL },
	{ "{\"f\":{}}", "f: expected a string", -EINVAL },
	{ "{\"f\":\"abc", "unterminated string", -EINVAL },
	{ "{\"f\":\"abc\\", "unterminated string", -EINVAL },
	{ "{\"f\":\"\\x41\"}", "invalid escape", -EINVAL },
	{ "{\"f\":\"\\u12g4\"}", "invalid \\u escape", -EINVAL },
	{ "{\"f\":\"\\u12\"}", "invalid \\u escape", -EINVAL },
	{ "{\"f\":\"\\ud800\"}", "invalid \\u escape (lone surrogate)",
	    -EINVAL },
	{ "{\"f\":\"\\ud800\\u0041\"}", "invalid \\u escape (lone surrogate)",
	    -EINVAL },
	{ "{\"f\":\"\\udc00\"}", "invalid \\u escape (lone surrogate)",
	    -EINVAL },
	{ "{\"f\":\"a\tb\"}", "control character in a string", -EINVAL },
	{ "{\"f\":\"a\xff\"}", "invalid UTF-8", -EINVAL },
	{ "{\"f\":\"\xc0\xaf\"}", "invalid UTF-8", -EINVAL },
	{ "{\"t\":1,\"ex\":\"a\",\"ad\":\"b\",\"f\":\"\"} x",
	    "trailing data after the object", -EINVAL },
	{ "{\"t\":1,\"ex\":\"a\",\"ad\":\"b\",\"f\":\"\"}{}",
	    "trailing data after the object", -EINVAL },
	/* the scratch buffer in these cases holds 8 bytes */
	{ "{\"t\":1,\"ex\":\"a\",\"ad\":\"b\",\"f\":\"123456789\"}",
	    "f: frame larger than the buffer", -ENOSPC },
};

static char scratch[64];

/* A record ready to parse into the static scratch buffer. */
static struct tk_record
rec_init(size_t cap)
{
	struct tk_record r;

	memset(&r, 0, sizeof(r));
	r.buf = scratch;
	r.cap = cap;
	return r;
}

/* "f" as jansson reads @line: an independent check that it is JSON. */
static void
check_with_jansson(const char *line, int n, const char *want,
    size_t wantlen)
{
	json_error_t je;
	json_t *root, *f;

	root = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, &je);
	ck_assert_msg(root != NULL, "jansson: %s in %s", je.text, line);
	ck_assert_int_eq(json_object_size(root), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "t")), T0);
	ck_assert_str_eq(json_string_value(json_object_get(root, "ex")),
	    "binance");
	f = json_object_get(root, "f");
	ck_assert_uint_eq(json_string_length(f), wantlen);
	ck_assert(memcmp(json_string_value(f), want, wantlen) == 0);
	json_decref(root);
}

/* Formats @frame, checks the exact text, reads it back. */
static void
trip(const char *frame, size_t len, const char *esc, const char *back,
    size_t backlen)
{
	char buf[512], want[512], dec[512];
	struct tk_record r;
	int n;

	n = tk_record_format(T0, "binance", "binance", frame, len, buf,
	    sizeof(buf));
	snprintf(want, sizeof(want), "{\"t\":1700000000123456,\"ex\":"
	    "\"binance\",\"ad\":\"binance\",\"f\":\"%s\"}\n", esc);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(buf, want);
	ck_assert_uint_le((size_t)n + 1, tk_record_size(len));
	check_with_jansson(buf, n, back, backlen);

	memset(&r, 0, sizeof(r));
	r.buf = dec;
	r.cap = sizeof(dec);
	r.reason = "untouched";
	ck_assert_int_eq(tk_record_parse(buf, (size_t)n, &r), 0);
	ck_assert_str_eq(r.reason, "untouched");
	ck_assert_int_eq(r.t, T0);
	ck_assert_str_eq(r.ex, "binance");
	ck_assert_str_eq(r.ad, "binance");
	ck_assert_ptr_eq(r.frame, dec);
	ck_assert_uint_eq(r.len, backlen);
	ck_assert(memcmp(r.frame, back, backlen) == 0);
}

START_TEST(test_record_round_trip)
{
	trip(trips[_i].frame, trips[_i].len, trips[_i].esc, trips[_i].frame,
	    trips[_i].len);
}
END_TEST

START_TEST(test_record_invalid_utf8)
{
	trip(invalid[_i].frame, invalid[_i].len, invalid[_i].esc,
	    invalid[_i].back, strlen(invalid[_i].back));
}
END_TEST

/* A real frame, with and without its newline; names are escaped too. */
START_TEST(test_record_fixture_frame)
{
	static const char want[] = "{\"t\":-5,\"ex\":\"bn_2\",\"ad\":"
	    "\"a\\\"d\",\"f\":\"{\\\"stream\\\":\\\"nknusdt@aggTrade\\\",";
	char *frame, *line, dec[1024];
	struct tk_record r;
	size_t len, cap;
	int n;

	frame = tk_test_read_fixture("binance/aggTrade.json", &len);
	cap = tk_record_size(len);
	line = malloc(cap);
	ck_assert_ptr_nonnull(line);
	n = tk_record_format(-5, "bn_2", "a\"d", frame, len, line, cap);
	ck_assert_int_gt(n, 0);
	ck_assert(strncmp(line, want, sizeof(want) - 1) == 0);
	ck_assert_int_eq(line[n - 1], '\n');
	ck_assert_ptr_null(memchr(line, '\n', (size_t)n - 1));
	r = rec_init(0);
	r.buf = dec;
	r.cap = sizeof(dec);
	ck_assert_int_eq(tk_record_parse(line, (size_t)n - 1, &r), 0);
	ck_assert_int_eq(r.t, -5);
	ck_assert_str_eq(r.ad, "a\"d");
	ck_assert_uint_eq(r.len, len);
	ck_assert(memcmp(r.frame, frame, len) == 0);
	free(line);
	free(frame);
}
END_TEST

/* Every too-small buffer is refused; an exact fit needs no NUL room. */
START_TEST(test_record_nospace)
{
	static const char frame[] = "\xff\"\n\x01";
	char buf[128], ref[128];
	size_t cap;
	int n, m;

	n = tk_record_format(T0, "ex", "ad", frame, sizeof(frame) - 1, ref,
	    sizeof(ref));
	ck_assert_int_gt(n, 0);
	for (cap = 0; cap < (size_t)n; cap++) {
		memset(buf, 'z', sizeof(buf));
		ck_assert_int_eq(tk_record_format(T0, "ex", "ad", frame,
		    sizeof(frame) - 1, buf, cap), -ENOSPC);
		ck_assert_int_eq(buf[cap], 'z');
	}
	memset(buf, 'z', sizeof(buf));
	m = tk_record_format(T0, "ex", "ad", frame, sizeof(frame) - 1, buf,
	    (size_t)n);
	ck_assert_int_eq(m, n);
	ck_assert(memcmp(buf, ref, (size_t)n) == 0);
	ck_assert_int_eq(buf[n], 'z');
}
END_TEST

/* tk_record_size() covers the worst case: every byte escaped. */
START_TEST(test_record_size_worst)
{
	char frame[300], ex[TK_NAME_MAX], ad[TK_RECORD_ADAPTER_MAX], *buf;
	size_t need = tk_record_size(sizeof(frame));
	int n;

	memset(frame, 0xff, sizeof(frame));
	memset(ex, 0x01, sizeof(ex) - 1);
	ex[sizeof(ex) - 1] = '\0';
	memset(ad, 0x80, sizeof(ad) - 1);
	ad[sizeof(ad) - 1] = '\0';
	buf = malloc(need);
	ck_assert_ptr_nonnull(buf);
	n = tk_record_format(INT64_MIN, ex, ad, frame, sizeof(frame), buf,
	    need);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq((size_t)n + 1, need);
	ck_assert_int_eq(buf[n], '\0');
	free(buf);
	ck_assert_uint_eq(tk_record_size(SIZE_MAX / 2), SIZE_MAX);
}
END_TEST

START_TEST(test_record_format_bad_args)
{
	char buf[256], ex32[TK_NAME_MAX + 1];

	memset(ex32, 'a', TK_NAME_MAX);
	ex32[TK_NAME_MAX] = '\0';
	ck_assert_int_eq(tk_record_format(1, NULL, "ad", "", 0, buf,
	    sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_record_format(1, "", "ad", "", 0, buf,
	    sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_record_format(1, "ex", NULL, "", 0, buf,
	    sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_record_format(1, "ex", "", "", 0, buf,
	    sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_record_format(1, ex32, "ad", "", 0, buf,
	    sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_record_format(1, "ex", ex32, "", 0, buf,
	    sizeof(buf)), -EINVAL);
	ck_assert_int_eq(tk_record_format(1, "ex", "ad", NULL, 3, buf,
	    sizeof(buf)), -EINVAL);
	/* the longest names are fine */
	ck_assert_int_gt(tk_record_format(1, ex32 + 1, ex32 + 1, NULL, 0, buf,
	    sizeof(buf)), 0);
	/*
	 * No buffer at all is only too small, and neither it nor an empty
	 * NULL frame is pointer arithmetic on NULL (clang's UBSan flags even
	 * NULL + 0 in C).
	 */
	ck_assert_int_eq(tk_record_format(1, "ex", "ad", NULL, 0, NULL, 0),
	    -ENOSPC);
}
END_TEST

/* Extremes of t round-trip. */
START_TEST(test_record_t_range)
{
	static const int64_t ts[] = { 0, -1, INT64_MAX, INT64_MIN, T0 };
	struct tk_record r;
	char buf[128];
	int n;

	r = rec_init(sizeof(scratch));
	n = tk_record_format(ts[_i], "e", "a", "x", 1, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(tk_record_parse(buf, (size_t)n, &r), 0);
	ck_assert_int_eq(r.t, ts[_i]);
}
END_TEST

/* What other JSON writers may do: spaces, key order, escapes we avoid. */
START_TEST(test_record_parse_lenient)
{
	static const char line[] = " {\r\n \"f\" : \"\\/\\u00e9\\u20AC"
	    "\\ud83d\\ude00\\\"\" ,\t\"ad\":\"binance\", \"ex\" :\"b\\u0078\","
	    "\"t\": 42 } \r\n";
	struct tk_record r = rec_init(sizeof(scratch));

	ck_assert_int_eq(tk_record_parse(line, sizeof(line) - 1, &r), 0);
	ck_assert_int_eq(r.t, 42);
	ck_assert_str_eq(r.ex, "bx");
	ck_assert_str_eq(r.ad, "binance");
	ck_assert_uint_eq(r.len, 11);
	ck_assert(memcmp(r.frame, "/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	    11) == 0);
}
END_TEST

START_TEST(test_record_parse_bad)
{
	struct tk_record r = rec_init(8), before;

	r.reason = NULL;
	before = r;
	ck_assert_int_eq(tk_record_parse(bad[_i].line, strlen(bad[_i].line),
	    &r), bad[_i].err);
	ck_assert_ptr_nonnull(r.reason);
	ck_assert_str_eq(r.reason, bad[_i].reason);
	/* Nothing but the reason is written. */
	r.reason = NULL;
	ck_assert(memcmp(&r, &before, sizeof(r)) == 0);
}
END_TEST

/* The length given is what is read: no NUL needed, none looked for. */
START_TEST(test_record_parse_length)
{
	static const char line[] =
	    "{\"t\":1,\"ex\":\"e\",\"ad\":\"a\",\"f\":\"xy\"}GARBAGE";
	struct tk_record r = rec_init(sizeof(scratch));

	ck_assert_int_eq(tk_record_parse(line, sizeof(line) - 1, &r),
	    -EINVAL);
	ck_assert_int_eq(tk_record_parse(line, sizeof(line) - 8, &r), 0);
	ck_assert_uint_eq(r.len, 2);
	ck_assert_int_eq(tk_record_parse(line, sizeof(line) - 9, &r),
	    -EINVAL);
	ck_assert_str_eq(r.reason, "expected ',' or '}'");
	ck_assert_int_eq(tk_record_parse(NULL, 0, &r), -EINVAL);
	ck_assert_int_eq(tk_record_parse(line, 1, NULL), -EINVAL);
}
END_TEST

static Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_record_round_trip, 0,
	    (int)(sizeof(trips) / sizeof(trips[0])));
	tcase_add_loop_test(tc, test_record_invalid_utf8, 0,
	    (int)(sizeof(invalid) / sizeof(invalid[0])));
	tcase_add_test(tc, test_record_fixture_frame);
	tcase_add_test(tc, test_record_nospace);
	tcase_add_test(tc, test_record_size_worst);
	tcase_add_test(tc, test_record_format_bad_args);
	tcase_add_loop_test(tc, test_record_t_range, 0, 5);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_record_parse_lenient);
	tcase_add_loop_test(tc, test_record_parse_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_record_parse_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(record_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
