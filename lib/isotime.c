/* SPDX-License-Identifier: MIT */
/*
 * ISO-8601 timestamps to epoch microseconds with integer arithmetic only.
 * timegm() would depend on the C library and mktime() on TZ; exchanges' clocks
 * are UTC text, so a small fixed-format parser is both simpler and exact.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ticker/isotime.h>

#define US_PER_S 1000000LL
#define FRAC_DIGITS 6	/* microseconds */

/* "YYYY-MM-DDTHH:MM:SS" is this long. */
#define BASE_LEN 19

struct civil {
	int	year, mon, day, hour, min, sec;
};

static int	digits(const char *s, size_t n, int *out);
static int	parse_base(const char *s, struct civil *c);
static bool	civil_valid(const struct civil *c);
static int64_t	days_from_civil(int y, int m, int d);
static int	parse_frac(const char *s, size_t len, size_t *pos,
		    int64_t *us);
static int	parse_zone(const char *s, size_t len, size_t pos,
		    int64_t *off_s);

int
tk_iso8601_parse_us(const char *s, size_t len, int64_t *out_us)
{
	struct civil c;
	int64_t days, secs, frac_us, off_s;
	size_t pos = BASE_LEN;

	if (s == NULL || out_us == NULL || len < BASE_LEN + 1)
		return -EINVAL;
	if (parse_base(s, &c) < 0 || !civil_valid(&c))
		return -EINVAL;
	if (parse_frac(s, len, &pos, &frac_us) < 0)
		return -EINVAL;
	if (parse_zone(s, len, pos, &off_s) < 0)
		return -EINVAL;

	days = days_from_civil(c.year, c.mon, c.day);
	secs = days * 86400 + c.hour * 3600 + c.min * 60 + c.sec - off_s;
	*out_us = secs * US_PER_S + frac_us;
	return 0;
}

/* Exactly @n ASCII digits as a non-negative int. */
static int
digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The fixed-width "YYYY-MM-DDTHH:MM:SS" head; the caller checked the length. */
static int
parse_base(const char *s, struct civil *c)
{
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	if (digits(s, 4, &c->year) < 0 || digits(s + 5, 2, &c->mon) < 0 ||
	    digits(s + 8, 2, &c->day) < 0 || digits(s + 11, 2, &c->hour) < 0 ||
	    digits(s + 14, 2, &c->min) < 0 || digits(s + 17, 2, &c->sec) < 0)
		return -EINVAL;
	return 0;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
civil_valid(const struct civil *c)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int dim;

	if (c->mon < 1 || c->mon > 12)
		return false;
	dim = mdays[c->mon - 1] + (c->mon == 2 && is_leap(c->year));
	return c->day >= 1 && c->day <= dim && c->hour <= 23 &&
	    c->min <= 59 && c->sec <= 60;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): years are shifted to start in March so the leap day is
 * the last day of the "year", which makes the month lengths a linear formula.
 */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * An optional ".ddd..." after the seconds.  Extra digits are read and dropped
 * (truncation) so nanosecond stamps still land in their own microsecond.
 */
static int
parse_frac(const char *s, size_t len, size_t *pos, int64_t *us)
{
	size_t i = *pos, n = 0;
	int64_t v = 0;

	*us = 0;
	if (i >= len || s[i] != '.')
		return 0;
	for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++) {
		if (n < FRAC_DIGITS)
			v = v * 10 + (s[i] - '0');
	}
	if (n == 0)
		return -EINVAL;
	for (; n < FRAC_DIGITS; n++)
		v *= 10;
	*us = v;
	*pos = i;
	return 0;
}

/* "Z" or "+hh:mm" / "-hh:mm", and nothing after it. */
static int
parse_zone(const char *s, size_t len, size_t pos, int64_t *off_s)
{
	int hh, mm;

	if (pos >= len)
		return -EINVAL;
	if (s[pos] == 'Z' || s[pos] == 'z') {
		*off_s = 0;
		return pos + 1 == len ? 0 : -EINVAL;
	}
	if ((s[pos] != '+' && s[pos] != '-') || len - pos != 6 ||
	    s[pos + 3] != ':')
		return -EINVAL;
	if (digits(s + pos + 1, 2, &hh) < 0 || digits(s + pos + 4, 2, &mm) < 0 ||
	    hh > 23 || mm > 59)
		return -EINVAL;
	*off_s = (int64_t)(hh * 3600 + mm * 60) * (s[pos] == '-' ? -1 : 1);
	return 0;
}
