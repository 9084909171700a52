/* SPDX-License-Identifier: MIT */
#ifndef TICKER_ISOTIME_H
#define TICKER_ISOTIME_H

/*
 * ISO-8601 / RFC 3339 timestamps -> microseconds since the Unix epoch.
 *
 * Exchanges stamp their frames with text like "2021-10-12T00:28:02.123456Z".
 * This parser uses integer arithmetic only: no timegm(), no TZ or locale,
 * no floating point, so the result is exact and the same on every host.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.f...](Z|+hh:mm|-hh:mm)" taking exactly @len
 * bytes of @s (no NUL needed, no blanks allowed).  'T' and 'Z' may be lower
 * case.  The fraction has 1 or more digits; digits past the sixth (e.g. the
 * nanoseconds of "...02.123456789Z") are truncated, never rounded, so a
 * timestamp never moves into the next microsecond.  Dates are checked
 * (month 1-12, day within the month, leap years); second 60 is accepted as
 * RFC 3339 leap-second notation and counts as the next second.  The offset
 * is subtracted to give UTC.  Years 0000-9999.
 * Returns 0 or -EINVAL; @out_us is written only on success.
 */
int	tk_iso8601_parse_us(const char *s, size_t len, int64_t *out_us);

#endif
