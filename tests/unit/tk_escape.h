/* SPDX-License-Identifier: MIT */
#ifndef TK_ESCAPE_H
#define TK_ESCAPE_H

/*
 * A frame that only the JSON path reads, for the checks that a codec's
 * fast path (ticker/jflat.h) and its JSON path agree: the codec suites
 * (tk_codec_check.h) and the codec fuzz targets (tests/fuzz/fuzz_codec.c).
 */

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/*
 * @in with the first character of its first string value written as a
 * \u escape, into @out (@len + 5 bytes, not NUL-terminated); returns the
 * new length, or 0 if @in has no such value.  A string value here is a
 * '"' after a ':' (white space between allowed) followed by a letter or
 * a digit.  A valid frame stays the same JSON, since a ':' inside a string
 * can only be followed by its closing quote and then no letter; an invalid
 * frame stays invalid, since a backslash outside a string is never JSON.
 */
static inline size_t
tk_escape_first_value(const char *in, size_t len, char *out)
{
	char esc[8];
	size_t i, j = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		if (in[i] != ':')
			continue;
		for (j = i + 1; j < len && (in[j] == ' ' || in[j] == '\t' ||
		    in[j] == '\r' || in[j] == '\n'); j++)
			;
		if (j + 1 < len && in[j] == '"' &&
		    (((c = (unsigned char)in[j + 1]) >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			break;
	}
	if (i == len)
		return 0;
	snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)in[j + 1]);
	memcpy(out, in, j + 1);
	memcpy(out + j + 1, esc, 6);
	memcpy(out + j + 7, in + j + 2, len - j - 2);
	return len + 5;
}

#endif
