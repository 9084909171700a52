/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: text that tickerd passes on.  The input is any bytes;
 * the checks are what clients and logs rely on:
 *  - tk_json_escape() output is valid UTF-8, holds no control byte, and
 *    wrapped in quotes is a JSON string jansson reads; a valid input reads
 *    back byte for byte;
 *  - tk_utf8_valid() agrees with jansson on what may stand raw in a string;
 *  - tk_utf8_cut() at every length never splits a character: a cut of valid
 *    text is valid, at most 3 bytes short, and the same whether the text
 *    was already cut blindly there or not;
 *  - tk_utf8_escape_line() output is one line of valid UTF-8 without
 *    control bytes, and a small buffer only shortens it.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ticker/tick.h>
#include <ticker/utf8.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void
check_escape(const char *s, size_t len, int valid)
{
	size_t cap = 6 * len + 2, k;
	char *buf = malloc(cap);
	json_error_t err;
	json_t *v;
	int n;

	check(buf != NULL, "out of memory");
	buf[0] = '"';
	n = tk_json_escape(s, len, buf + 1, cap - 2);
	check(n >= 0, "escape does not fit 6 bytes per byte");
	buf[n + 1] = '"';
	check(tk_utf8_valid(buf, (size_t)n + 2), "escape is not UTF-8");
	for (k = 0; k < (size_t)n + 2; k++)
		check((unsigned char)buf[k] >= 0x20 && buf[k] != 0x7f,
		    "control byte in escape");
	v = json_loadb(buf, (size_t)n + 2, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    &err);
	check(v != NULL && json_is_string(v), "escape is not a JSON string");
	if (valid)
		check(json_string_length(v) == len &&
		    memcmp(json_string_value(v), s, len) == 0,
		    "valid text does not read back");
	json_decref(v);
	if (n > 0)
		check(tk_json_escape(s, len, buf, (size_t)n - 1) < 0,
		    "escape fits a smaller buffer");
	free(buf);
}

/* jansson validates UTF-8 itself: bytes it takes raw must agree. */
static void
check_oracle(const char *s, size_t len)
{
	char *q = malloc(len + 2);
	json_error_t err;
	size_t k, n = 0;
	json_t *v;

	check(q != NULL, "out of memory");
	for (k = 0; k < len; k++)
		if ((unsigned char)s[k] >= 0x20 && s[k] != '"' && s[k] != '\\')
			q[1 + n++] = s[k];
	q[0] = q[n + 1] = '"';
	v = json_loadb(q, n + 2, JSON_DECODE_ANY, &err);
	check((v != NULL) == tk_utf8_valid(q + 1, n),
	    "tk_utf8_valid disagrees with jansson");
	json_decref(v);
	free(q);
}

static void
check_cut(const char *s, size_t len, int valid)
{
	size_t max, c;

	for (max = 0; max <= len + 1; max++) {
		c = tk_utf8_cut(s, len, max);
		check(c <= max && c <= len, "cut is too long");
		check(c + 3 >= (max < len ? max : len), "cut drops too much");
		if (max <= len)
			check(tk_utf8_cut(s, max, max) == c,
			    "cut reads past its end");
		if (valid)
			check(tk_utf8_valid(s, c), "cut splits a character");
	}
}

static void
check_line(const char *s, size_t len)
{
	size_t cap = 4 * len + 1, n, m, k;
	char *buf = malloc(cap), small[16];

	check(buf != NULL, "out of memory");
	n = tk_utf8_escape_line(s, len, buf, cap);
	check(n < cap && buf[n] == '\0', "line not terminated");
	check(tk_utf8_valid(buf, n), "line is not UTF-8");
	for (k = 0; k < n; k++)
		check((unsigned char)buf[k] >= 0x20 && buf[k] != 0x7f,
		    "control byte in line");
	m = tk_utf8_escape_line(s, len, small, sizeof(small));
	check(m < sizeof(small) && m <= n && memcmp(small, buf, m) == 0,
	    "a small buffer changes the line");
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int valid = tk_utf8_valid(s, size);

	check_escape(s, size, valid);
	check_oracle(s, size);
	check_cut(s, size, valid);
	check_line(s, size);
	return 0;
}
