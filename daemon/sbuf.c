/* SPDX-License-Identifier: MIT */
/* The growable text of an HTTP body (see sbuf.h). */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libwebsockets.h>

#include "sbuf.h"

void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->buf ? sb->buf + LWS_PRE + sb->len : NULL,
		    sb->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0 || sb->oom)
			return;
		if (sb->buf != NULL && (size_t)n < room) {
			sb->len += (size_t)n;
			return;
		}
		size_t cap = sb->cap ? sb->cap * 2 : 4096;
		char *p;

		while (cap < sb->len + (size_t)n + 1)
			cap *= 2;
		p = realloc(sb->buf, LWS_PRE + cap);
		if (p == NULL) {
			sb->oom = 1;
			return;
		}
		sb->buf = p;
		sb->cap = cap;
	}
}

void
sb_metric_head(struct sbuf *sb, const char *name, const char *type,
    const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}
