/* SPDX-License-Identifier: MIT */
/* The live page, embedded from page.html by embed.cmake. */

#include <stddef.h>

#include "page.h"

/* Generated: static const unsigned char page_html[] = { ... }; */
#include "page_html.inc"

const unsigned char *
page_data(size_t *len)
{
	*len = sizeof(page_html);
	return page_html;
}
