/* SPDX-License-Identifier: MIT */
/*
 * ISO-8601 -> epoch µs.  Expected values were computed independently with
 * Python's datetime (proleptic Gregorian, UTC), not by this parser.
 */

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/isotime.h>

#define LEN_STRLEN ((size_t)-1)
#define SENTINEL INT64_C(0x5eed5eed5eed)

static const struct {
	const char	*in;
	size_t		 len;		/* LEN_STRLEN: strlen(in) */
	int64_t		 us;
} good_cases[] = {
	{ "2021-10-12T00:28:02.123456Z", LEN_STRLEN, 1633998482123456LL },
	{ "1970-01-01T00:00:00Z", LEN_STRLEN, 0 },
	{ "2023-09-25T07:49:37.708706Z", LEN_STRLEN, 1695628177708706LL },
	/* Leap days: 4-year rule, 100-year exception, 400-year exception. */
	{ "2024-02-29T23:59:59.999999Z", LEN_STRLEN, 1709251199999999LL },
	{ "2000-02-29T12:00:00Z", LEN_STRLEN, 951825600000000LL },
	{ "1600-02-29T00:00:00Z", LEN_STRLEN, -11670998400000000LL },
	{ "2100-03-01T00:00:00Z", LEN_STRLEN, 4107542400000000LL },
	/* Before the epoch: floor semantics, the fraction still adds. */
	{ "1969-12-31T23:59:59.5Z", LEN_STRLEN, -500000 },
	{ "0001-01-01T00:00:00Z", LEN_STRLEN, -62135596800000000LL },
	{ "0000-01-01T00:00:00Z", LEN_STRLEN, -62167219200000000LL },
	{ "9999-12-31T23:59:59.999999Z", LEN_STRLEN, 253402300799999999LL },
	/* Fraction widths: short ones scale up, long ones truncate. */
	{ "2022-01-01T00:00:00.1Z", LEN_STRLEN, 1640995200100000LL },
	{ "2022-01-01T00:00:00.123Z", LEN_STRLEN, 1640995200123000LL },
	{ "2022-01-01T00:00:00.123456789Z", LEN_STRLEN, 1640995200123456LL },
	{ "2022-01-01T00:00:00.999999999999Z", LEN_STRLEN,
	    1640995200999999LL },
	/* Offsets convert to UTC. */
	{ "2021-10-12T02:28:02.123456+02:00", LEN_STRLEN, 1633998482123456LL },
	{ "2021-10-11T19:58:02.123456-04:30", LEN_STRLEN, 1633998482123456LL },
	{ "2021-10-12T00:28:02.123456+00:00", LEN_STRLEN, 1633998482123456LL },
	/* Lower case designators (RFC 3339 allows them). */
	{ "2021-10-12t00:28:02.123456z", LEN_STRLEN, 1633998482123456LL },
	/* Leap second notation is the next second. */
	{ "2016-12-31T23:59:60Z", LEN_STRLEN, 1483228800000000LL },
	/* Only @len bytes count: the tail after 'Z' is not looked at. */
	{ "2021-10-12T00:28:02.123456Zjunk", 27, 1633998482123456LL },
};

static const struct {
	const char	*in;
	size_t		 len;
} bad_cases[] = {
	{ "", LEN_STRLEN },
	{ "2021-10-12", LEN_STRLEN },
	{ "2021-10-12T00:28:02", LEN_STRLEN },		/* no zone */
	{ "2021-10-12T00:28:02.123456", LEN_STRLEN },	/* no zone */
	{ "2021-10-12T00:28:02.Z", LEN_STRLEN },	/* empty fraction */
	{ "2021-10-12T00:28:02.123456Z ", LEN_STRLEN },	/* trailing blank */
	{ " 2021-10-12T00:28:02Z", LEN_STRLEN },
	{ "2021-10-12T00:28:02.123456Zjunk", LEN_STRLEN },
	{ "2021-10-12 00:28:02Z", LEN_STRLEN },
	{ "2021/10/12T00:28:02Z", LEN_STRLEN },
	{ "2021-10-12T00-28-02Z", LEN_STRLEN },
	{ "21-10-12T00:28:02Z", LEN_STRLEN },
	{ "2021-1-12T00:28:02Z", LEN_STRLEN },
	{ "2021-10-12T0:28:02Z", LEN_STRLEN },
	{ "2021-10-12T00:28:2Z", LEN_STRLEN },
	{ "202a-10-12T00:28:02Z", LEN_STRLEN },
	{ "2021-00-12T00:28:02Z", LEN_STRLEN },
	{ "2021-13-12T00:28:02Z", LEN_STRLEN },
	{ "2021-10-00T00:28:02Z", LEN_STRLEN },
	{ "2021-10-32T00:28:02Z", LEN_STRLEN },
	{ "2021-04-31T00:00:00Z", LEN_STRLEN },
	{ "2023-02-29T00:00:00Z", LEN_STRLEN },		/* not a leap year */
	{ "1900-02-29T00:00:00Z", LEN_STRLEN },		/* century rule */
	{ "2021-10-12T24:00:00Z", LEN_STRLEN },
	{ "2021-10-12T00:60:00Z", LEN_STRLEN },
	{ "2021-10-12T00:00:61Z", LEN_STRLEN },
	{ "2021-10-12T00:28:02+0200", LEN_STRLEN },
	{ "2021-10-12T00:28:02+02", LEN_STRLEN },
	{ "2021-10-12T00:28:02+24:00", LEN_STRLEN },
	{ "2021-10-12T00:28:02+02:60", LEN_STRLEN },
	{ "2021-10-12T00:28:02+02:00Z", LEN_STRLEN },
	{ "2021-10-12T00:28:02.12a4Z", LEN_STRLEN },
	{ "-021-10-12T00:28:02Z", LEN_STRLEN },
	{ "1633998482", LEN_STRLEN },
	{ "2021-10-12T00:28:02.123456Z", 26 },		/* cut before 'Z' */
	{ "2021-10-12T00:28:02Z", 19 },
};

static int64_t
parse(const char *in, size_t len, int *rc)
{
	int64_t us = SENTINEL;

	*rc = tk_iso8601_parse_us(in, len == LEN_STRLEN ? strlen(in) : len,
	    &us);
	return us;
}

START_TEST(test_good)
{
	int rc;
	int64_t us = parse(good_cases[_i].in, good_cases[_i].len, &rc);

	ck_assert_msg(rc == 0, "%s: rc %d", good_cases[_i].in, rc);
	ck_assert_msg(us == good_cases[_i].us, "%s: got %lld want %lld",
	    good_cases[_i].in, (long long)us, (long long)good_cases[_i].us);
}
END_TEST

START_TEST(test_bad)
{
	int rc;
	int64_t us = parse(bad_cases[_i].in, bad_cases[_i].len, &rc);

	ck_assert_msg(rc == -EINVAL, "%s: rc %d", bad_cases[_i].in, rc);
	/* Out-params are written only on success. */
	ck_assert_msg(us == SENTINEL, "%s: out written", bad_cases[_i].in);
}
END_TEST

/* Every day of 1970..2400 against a running day counter. */
START_TEST(test_every_day)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int64_t want = 0, got;
	char buf[32];
	int y, m, d, dim, leap;

	for (y = 1970; y <= 2400; y++) {
		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (m = 1; m <= 12; m++) {
			dim = mdays[m - 1] + (m == 2 && leap);
			for (d = 1; d <= dim; d++, want += 86400000000LL) {
				snprintf(buf, sizeof(buf),
				    "%04d-%02d-%02dT00:00:00Z", y, m, d);
				/* Plain ifs: ck_assert per day is slow. */
				if (tk_iso8601_parse_us(buf, strlen(buf),
				    &got) != 0 || got != want)
					ck_abort_msg("%s", buf);
			}
		}
	}
}
END_TEST

/* Embedded NUL or a non-NUL-terminated buffer: only @len bytes are read. */
START_TEST(test_no_nul_needed)
{
	char buf[20];
	int64_t us = SENTINEL;

	memcpy(buf, "1970-01-01T00:00:01Z", 20);	/* no NUL */
	ck_assert_int_eq(tk_iso8601_parse_us(buf, sizeof(buf), &us), 0);
	ck_assert_int_eq(us, 1000000);
	ck_assert_int_eq(tk_iso8601_parse_us("1970-01-01T00:00:01\0Z", 21,
	    &us), -EINVAL);
	ck_assert_int_eq(tk_iso8601_parse_us(NULL, 20, &us), -EINVAL);
	ck_assert_int_eq(tk_iso8601_parse_us(buf, sizeof(buf), NULL),
	    -EINVAL);
}
END_TEST

static Suite *
isotime_suite(void)
{
	Suite *s = suite_create("isotime");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0,
	    sizeof(good_cases) / sizeof(good_cases[0]));
	tcase_add_loop_test(tc, test_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_every_day);
	tcase_add_test(tc, test_no_nul_needed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(isotime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
