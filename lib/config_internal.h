/* SPDX-License-Identifier: MIT */
#ifndef TK_CONFIG_INTERNAL_H
#define TK_CONFIG_INTERNAL_H

/*
 * lib/config.c's seam for its unit test (tests/unit/check_config.c), not
 * part of the public API: included by config.c and that test only.
 */

#include <stddef.h>

struct tk_adapter;
struct tk_config;

/*
 * tk_config_parse() with @adapters (NULL-terminated) instead of
 * tk_adapter_all(), so that rules no shipped adapter triggers yet (a
 * channel an exchange does not offer) can be tested.
 */
int	tk__config_parse_with(const struct tk_adapter *const *adapters,
	    const char *text, size_t len, const char *name,
	    struct tk_config *out, char *err, size_t errlen);

#endif
