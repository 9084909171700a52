/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 checks, boundary-safe cuts and log-line escaping (see utf8.h).
 * Byte-wise and table-free: the texts are short (error details, close
 * reasons, log lines), and the JSON escaper keeps its own fast path for
 * ASCII runs.
 */

#include <stdio.h>
#include <string.h>

#include <ticker/utf8.h>

static size_t	escape_bytes(const unsigned char *p, size_t n, char *buf,
		    size_t o, size_t cap);

static const char hex[] = "0123456789abcdef";

/*
 * Unicode table 3-7: after the lead byte, every byte is 80..BF except the
 * second one after E0 (A0..BF: no overlongs), ED (80..9F: no surrogates),
 * F0 (90..BF: no overlongs) and F4 (80..8F: nothing above U+10FFFF).
 * C0, C1 and F5..FF never start a character.
 */
int
tk_utf8_seq(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	int need, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return -1;
	if (p[0] < 0xe0) {
		need = 1;
	} else if (p[0] < 0xf0) {
		need = 2;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else {
		need = 3;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	}
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= len || p[i] < lo || p[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

bool
tk_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	int r;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((r = tk_utf8_seq(s + i, len - i)) < 0)
			return false;
		i += (size_t)r;
	}
	return true;
}

/*
 * Only the last sequence can be cut: find its lead byte (at most three
 * continuation bytes back) and drop it if its length reaches past the cut.
 * Bytes after the cut are never read, so the same call also trims a text
 * that something else already cut blindly (snprintf).
 */
size_t
tk_utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = len < max ? len : max, i, want;

	for (i = n; i > 0 && n - i < 4; i--) {
		if ((p[i - 1] & 0xc0) == 0x80)
			continue;
		if (p[i - 1] >= 0xf0)
			want = 4;
		else if (p[i - 1] >= 0xe0)
			want = 3;
		else if (p[i - 1] >= 0xc0)
			want = 2;
		else
			want = 1;
		return i - 1 + want > n ? i - 1 : n;
	}
	return n;
}

int
tk_utf8_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tk_utf8_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

int
tk_utf8_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	size_t len;
	int n;

	n = vsnprintf(buf, cap, fmt, ap);
	if (cap == 0)
		return n < 0 ? n : 0;
	if (n < 0) {
		buf[0] = '\0';
		return n;
	}
	if ((size_t)n < cap)
		return n;
	len = strnlen(buf, cap - 1);
	len = tk_utf8_cut(buf, len, len);
	buf[len] = '\0';
	return (int)len;
}

size_t
tk_utf8_escape_line(const char *s, size_t len, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n, w;
	int r;

	if (cap == 0)
		return 0;
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (o + 1 >= cap)
				break;
			buf[o++] = (char)p[i++];
			continue;
		}
		r = tk_utf8_seq(s + i, len - i);
		/* C2 80..C2 9F are U+0080..U+009F, the C1 controls */
		if (r > 1 && !(p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			n = (size_t)r;
			if (o + n >= cap)
				break;
			memcpy(buf + o, p + i, n);
			o += n;
		} else {
			n = r < 0 ? (size_t)-r : (size_t)r;
			if ((w = escape_bytes(p + i, n, buf, o, cap)) == o)
				break;
			o = w;
		}
		i += n;
	}
	buf[o] = '\0';
	return o;
}

/*
 * Appends the escapes of @n bytes at @buf + @o, all of them or none, and
 * returns the new length (@o when they do not fit before the NUL).
 */
static size_t
escape_bytes(const unsigned char *p, size_t n, char *buf, size_t o,
    size_t cap)
{
	char esc[4 * 4];
	size_t k, e = 0;

	for (k = 0; k < n; k++) {
		esc[e++] = '\\';
		switch (p[k]) {
		case '\n':
			esc[e++] = 'n';
			break;
		case '\r':
			esc[e++] = 'r';
			break;
		case '\t':
			esc[e++] = 't';
			break;
		default:
			esc[e++] = 'x';
			esc[e++] = hex[p[k] >> 4];
			esc[e++] = hex[p[k] & 0xf];
			break;
		}
	}
	if (o + e >= cap)
		return o;
	memcpy(buf + o, esc, e);
	return o + e;
}
