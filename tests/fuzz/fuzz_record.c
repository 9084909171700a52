/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: recording lines (what --record writes and replay
 * reads).  A line that parses must format again (the names it accepted
 * are names the writer accepts), and from then on parse and format must
 * be a fixed point; a frame that was valid UTF-8 must come back
 * byte-for-byte.  The scratch buffer is exactly the line's length, as
 * record.h promises suffices.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/record.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned long cp;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (len - i <= n)	/* fewer than n bytes follow */
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Parses @len bytes of @line into @r with a scratch of @len bytes. */
static int
parse(const char *line, size_t len, struct tk_record *r, char **scratch)
{
	int ret;

	*scratch = malloc(len ? len : 1);
	check(*scratch != NULL, "out of memory");
	memset(r, 0, sizeof(*r));
	r->buf = *scratch;
	r->cap = len;
	ret = tk_record_parse(line, len, r);
	check(ret == 0 || ret == -EINVAL || ret == -ENOSPC, "parse return");
	check(ret == 0 || r->reason != NULL, "no reason");
	if (ret == 0) {
		check(r->frame >= r->buf && r->frame + r->len <= r->buf + r->cap,
		    "frame outside the scratch");
		check(memchr(r->ex, '\0', sizeof(r->ex)) != NULL &&
		    memchr(r->ad, '\0', sizeof(r->ad)) != NULL,
		    "names not terminated");
	}
	return ret;
}

/* Formats @r into a fresh buffer of exactly tk_record_size() bytes. */
static char *
format(const struct tk_record *r, size_t *len)
{
	size_t cap = tk_record_size(r->len);
	char *buf = malloc(cap);
	int n;

	check(buf != NULL, "out of memory");
	n = tk_record_format(r->t, r->ex, r->ad, r->frame, r->len, buf, cap);
	check(n > 0, "a parsed record does not format");
	check(buf[n - 1] == '\n', "line without its newline");
	*len = (size_t)n;
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tk_record r1, r2, r3;
	char *line, *s1, *s2 = NULL, *s3 = NULL, *l2, *l3;
	size_t n2, n3;

	line = malloc(size ? size : 1);
	check(line != NULL, "out of memory");
	if (size)
		memcpy(line, data, size);
	if (parse(line, size, &r1, &s1) != 0)
		goto out;
	l2 = format(&r1, &n2);
	check(parse(l2, n2, &r2, &s2) == 0, "formatted line does not parse");
	check(r2.t == r1.t && strcmp(r2.ex, r1.ex) == 0 &&
	    strcmp(r2.ad, r1.ad) == 0, "fields changed");
	if (utf8_valid((const unsigned char *)r1.frame, r1.len))
		check(r2.len == r1.len && memcmp(r2.frame, r1.frame, r1.len)
		    == 0, "valid UTF-8 frame changed");
	l3 = format(&r2, &n3);
	check(parse(l3, n3, &r3, &s3) == 0, "second round does not parse");
	check(r3.len == r2.len && memcmp(r3.frame, r2.frame, r2.len) == 0,
	    "not a fixed point");
	free(l3);
	free(l2);
out:
	free(s3);
	free(s2);
	free(s1);
	free(line);
	return 0;
}
