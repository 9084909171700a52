/* SPDX-License-Identifier: MIT */
/* The string hash behind the name-keyed tables. */

#include <stdlib.h>

#include <ticker/hash.h>

#include "tk_check.h"

START_TEST(test_hash_is_fnv1a)
{
	/* published FNV-1a 64 test vectors */
	ck_assert_uint_eq(tk_hash_str(TK_HASH_INIT, ""),
	    UINT64_C(0xcbf29ce484222325));
	ck_assert_uint_eq(tk_hash_str(TK_HASH_INIT, "a"),
	    UINT64_C(0xaf63dc4c8601ec8c));
	ck_assert_uint_eq(tk_hash_str(TK_HASH_INIT, "foobar"),
	    UINT64_C(0x85944171f73967e8));
	/* continuing equals hashing the concatenation */
	ck_assert_uint_eq(tk_hash_str(tk_hash_str(TK_HASH_INIT, "foo"), "bar"),
	    tk_hash_str(TK_HASH_INIT, "foobar"));
}
END_TEST

START_TEST(test_hash_pair_keeps_the_boundary)
{
	ck_assert_uint_ne(tk_hash_pair("ab", "c"), tk_hash_pair("a", "bc"));
	ck_assert_uint_ne(tk_hash_pair("a", "b"), tk_hash_pair("b", "a"));
	ck_assert_uint_eq(tk_hash_pair("BTC-USD", "1"),
	    tk_hash_pair("BTC-USD", "1"));
	ck_assert_uint_ne(tk_hash_pair("", ""), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_hash_is_fnv1a);
	tcase_add_test(tc, test_hash_pair_keeps_the_boundary);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
