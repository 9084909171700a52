/* SPDX-License-Identifier: MIT */
/*
 * The flat JSON reader: the one shape it takes (value kinds, white space,
 * keys kept or skipped, one level of nesting) and everything it leaves to
 * jansson, valid JSON or not.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/jflat.h>

#include "tk_check.h"

static const char *const keys[] = { "s", "n", "t", "f", "z", "data" };
enum { K_S, K_N, K_T, K_F, K_Z, K_DATA, NKEYS };

static struct tk_jflat_val vals[NKEYS];
static uint32_t seen;

static int
read_text(const char *text, unsigned flags)
{
	memset(vals, 0, sizeof(vals));
	return tk_jflat_read(text, strlen(text), keys, NKEYS, flags, vals,
	    &seen);
}

START_TEST(test_jflat_values)
{
	ck_assert_int_eq(read_text(" {\"s\":\"BTC-USDT\", \"n\" : -42,\n"
	    "\t\"t\":true,\"f\":false,\r\"z\":null} \n", 0), 0);
	ck_assert_uint_eq(seen, (1u << K_S) | (1u << K_N) | (1u << K_T) |
	    (1u << K_F) | (1u << K_Z));
	ck_assert_int_eq(vals[K_S].kind, TK_JFLAT_STR);
	ck_assert_uint_eq(vals[K_S].n, 8);
	ck_assert_int_eq(memcmp(vals[K_S].s, "BTC-USDT", 8), 0);
	ck_assert(tk_jflat_is(&vals[K_S], "BTC-USDT"));
	ck_assert(!tk_jflat_is(&vals[K_S], "BTC-USD"));
	ck_assert(!tk_jflat_is(&vals[K_N], "-42"));
	ck_assert_int_eq(vals[K_N].kind, TK_JFLAT_INT);
	ck_assert_int_eq(vals[K_N].i, -42);
	ck_assert_int_eq(vals[K_T].kind, TK_JFLAT_TRUE);
	ck_assert_int_eq(vals[K_F].kind, TK_JFLAT_FALSE);
	ck_assert_int_eq(vals[K_Z].kind, TK_JFLAT_NULL);

	ck_assert_int_eq(read_text("{}", 0), 0);
	ck_assert_uint_eq(seen, 0);
	ck_assert_int_eq(read_text("{\"s\":\"\"}", 0), 0);
	ck_assert_uint_eq(vals[K_S].n, 0);
	ck_assert_int_eq(read_text("{\"n\":0}", 0), 0);
	ck_assert_int_eq(vals[K_N].i, 0);
	ck_assert_int_eq(read_text("{\"n\":999999999999999999}", 0), 0);
	ck_assert_int_eq(vals[K_N].i, INT64_C(999999999999999999));
	ck_assert_int_eq(read_text("{\"n\":-999999999999999999}", 0), 0);
	ck_assert_int_eq(vals[K_N].i, -INT64_C(999999999999999999));
}
END_TEST

/* Other keys: refused by default, skipped (values still checked) if asked. */
START_TEST(test_jflat_other_keys)
{
	ck_assert_int_eq(read_text("{\"s\":\"a\",\"x\":1}", 0), -1);
	ck_assert_int_eq(read_text("{\"s\":\"a\",\"x\":1,\"y\":\"b\"}",
	    TK_JFLAT_OTHER_KEYS), 0);
	ck_assert_uint_eq(seen, 1u << K_S);
	ck_assert_int_eq(read_text("{\"x\":1.5,\"s\":\"a\"}",
	    TK_JFLAT_OTHER_KEYS), -1);
	/* keys are whole and case-sensitive */
	ck_assert_int_eq(read_text("{\"S\":\"a\",\"ss\":\"b\",\"\":1}",
	    TK_JFLAT_OTHER_KEYS), 0);
	ck_assert_uint_eq(seen, 0);
	/* a key twice: jansson keeps the last, this reader refuses */
	ck_assert_int_eq(read_text("{\"s\":\"a\",\"s\":\"b\"}", 0), -1);
	ck_assert_int_eq(read_text("{\"x\":1,\"x\":2}",
	    TK_JFLAT_OTHER_KEYS), 0);
}
END_TEST

START_TEST(test_jflat_nested)
{
	static const char text[] =
	    "{\"stream\":\"a@b\",\"data\":{ \"s\":\"x\",\"n\":1 }}";

	ck_assert_int_eq(read_text(text, TK_JFLAT_OTHER_KEYS), -1);
	ck_assert_int_eq(read_text(text, TK_JFLAT_OTHER_KEYS |
	    TK_JFLAT_NESTED), 0);
	ck_assert_int_eq(vals[K_DATA].kind, TK_JFLAT_OBJECT);
	ck_assert_uint_eq(vals[K_DATA].n, strlen("{ \"s\":\"x\",\"n\":1 }"));
	ck_assert_int_eq(memcmp(vals[K_DATA].s, "{ \"s\"", 5), 0);
	ck_assert_uint_eq(seen, 1u << K_DATA);	/* inner keys not read */
	/* one level only, and the inner object is checked */
	ck_assert_int_eq(read_text("{\"data\":{\"a\":{}}}", TK_JFLAT_OTHER_KEYS |
	    TK_JFLAT_NESTED), -1);
	ck_assert_int_eq(read_text("{\"data\":{\"a\":1.0}}",
	    TK_JFLAT_OTHER_KEYS | TK_JFLAT_NESTED), -1);
	ck_assert_int_eq(read_text("{\"data\":{\"a\" 1}}", TK_JFLAT_OTHER_KEYS |
	    TK_JFLAT_NESTED), -1);
	ck_assert_int_eq(read_text("{\"data\":{}}", TK_JFLAT_NESTED), 0);
	ck_assert_uint_eq(vals[K_DATA].n, 2);
}
END_TEST

/* Left to jansson: it may take them (valid JSON) or not. */
START_TEST(test_jflat_refuses)
{
	static const char *const texts[] = {
		/* valid JSON of another shape */
		"[1]", "\"s\"", "1", "{\"s\":\"\\u0041\"}", "{\"s\":\"a\\\"b\"}",
		"{\"s\":\"\xc3\xa9\"}", "{\"n\":1.5}", "{\"n\":1e3}",
		"{\"n\":1E3}", "{\"n\":1000000000000000000}",
		"{\"n\":-1000000000000000000}", "{\"s\":[1]}",
		"{\"s\\u0000\":1}", "{\"s\":\"\x7f\"}",
		/* not JSON */
		"", " ", "{", "{\"s\":1", "{\"s\":1,}", "{,}", "{\"s\" 1}",
		"{\"s\":}", "{s:1}", "{'s':1}", "{\"s\":01}", "{\"s\":-}",
		"{\"s\":-01}", "{\"s\":+1}", "{\"s\":tru}", "{\"s\":nul}",
		"{\"s\":True}", "{\"s\":\"a}", "{\"s\":\"\t\"}", "{}x", "{}{}",
		"{\"s\":1}}", "{\"s\":1 \"n\":2}", "\v{}",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ck_assert_msg(read_text(texts[i], TK_JFLAT_OTHER_KEYS |
		    TK_JFLAT_NESTED) == -1, "took <%s>", texts[i]);
}
END_TEST

/* Only [p, p + len) is read, and values point into it. */
START_TEST(test_jflat_bounds)
{
	static const char buf[] = "{\"s\":\"abc\"}GARBAGE";
	const size_t len = strlen("{\"s\":\"abc\"}");
	char *exact = malloc(len);
	size_t cut;

	ck_assert_ptr_nonnull(exact);
	memcpy(exact, buf, len);
	ck_assert_int_eq(tk_jflat_read(exact, len, keys, NKEYS, 0, vals,
	    &seen), 0);
	ck_assert_ptr_eq(vals[K_S].s, exact + 6);
	for (cut = 0; cut < len; cut++)
		ck_assert_int_eq(tk_jflat_read(exact, cut, keys, NKEYS, 0,
		    vals, &seen), -1);
	ck_assert_int_eq(tk_jflat_read(buf, len + 1, keys, NKEYS, 0, vals,
	    &seen), -1);
	ck_assert_int_eq(tk_jflat_read(NULL, 0, keys, NKEYS, 0, vals, &seen),
	    -1);
	ck_assert_int_eq(tk_jflat_read(buf, len, keys, TK_JFLAT_KEYS_MAX + 1,
	    0, vals, &seen), -1);
	free(exact);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jflat");
	TCase *tc = tcase_create("jflat");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_jflat_values);
	tcase_add_test(tc, test_jflat_other_keys);
	tcase_add_test(tc, test_jflat_nested);
	tcase_add_test(tc, test_jflat_refuses);
	tcase_add_test(tc, test_jflat_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
