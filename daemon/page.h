/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_PAGE_H
#define TICKERD_PAGE_H

/*
 * The live page served at GET /: daemon/page.html, embedded in the binary
 * at build time so that tickerd needs no files and the browser no other
 * host.
 */

#include <stddef.h>

/* The page's bytes (UTF-8 HTML, not NUL-terminated); static, never freed.
 * Writes their count to @len. */
const unsigned char	*page_data(size_t *len);

#endif
