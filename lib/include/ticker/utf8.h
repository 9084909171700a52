/* SPDX-License-Identifier: MIT */
#ifndef TICKER_UTF8_H
#define TICKER_UTF8_H

/*
 * UTF-8 for text that tickerd passes on: exchange error details, close
 * reasons, client input quoted back.  Every WebSocket text frame must be
 * valid UTF-8 (a strict client closes with 1007 otherwise), and every log
 * line must stay one line whatever the text holds.  Pure functions, no
 * allocation; lengths are in bytes and strings need no NUL unless noted.
 *
 * Validity is RFC 3629 / Unicode table 3-7: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
 * sequences.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define TK_UTF8_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/*
 * The sequence at the start of @s (@len > 0 bytes): its length 1..4 when it
 * is a valid character, else minus the length (1..3) of its "maximal
 * subpart", the bytes a decoder replaces by one U+FFFD (Unicode 3.9, as
 * browsers and Python do), so that a stray byte never eats the next
 * character.
 */
int	tk_utf8_seq(const char *s, size_t len);

/* True if all of @s is valid UTF-8. */
bool	tk_utf8_valid(const char *s, size_t len);

/*
 * The longest prefix of @s of at most @max bytes that does not end inside
 * a character: @max (or @len if shorter), minus the bytes of a sequence
 * that the cut would leave incomplete.  A prefix of valid text is valid.
 */
size_t	tk_utf8_cut(const char *s, size_t len, size_t max);

/*
 * snprintf() that, when the text does not fit, cuts it at a character
 * boundary instead of inside a character.  Returns the length written
 * (not the length wanted), or a negative value on an output error; @buf is
 * always NUL-terminated when @cap > 0.
 */
int	tk_utf8_snprintf(char *buf, size_t cap, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	tk_utf8_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

/*
 * Writes @s as one safe log line into @buf: valid characters as they are,
 * except control characters (bytes below 0x20, 0x7f, and the C1 controls
 * U+0080..U+009F, which some terminals obey), which become "\n", "\r",
 * "\t" or "\xNN" per byte; every byte of an invalid sequence becomes
 * "\xNN".  Backslashes are left alone.  Writes as much as fits without
 * splitting a character or an escape, NUL-terminates when @cap > 0, and
 * returns the length written.
 */
size_t	tk_utf8_escape_line(const char *s, size_t len, char *buf, size_t cap);

#endif
