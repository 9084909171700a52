/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_SBUF_H
#define TICKERD_SBUF_H

/*
 * The text of an HTTP body while it is written: a growable buffer with
 * LWS_PRE bytes of headroom, so that the reply goes out from it as it is.
 * Out of memory, it stops growing and says so (oom): the body is then
 * refused whole, never sent cut short.
 */

#include <stddef.h>

struct sbuf {
	char	*buf;		/* LWS_PRE headroom, then len bytes; or NULL */
	size_t	 len, cap;
	int	 oom;
};

void	sb_printf(struct sbuf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Prometheus text format: the # HELP and # TYPE lines of a family. */
void	sb_metric_head(struct sbuf *, const char *name, const char *type,
	    const char *help);

#endif
