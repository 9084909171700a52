/* SPDX-License-Identifier: MIT */
#ifndef TICKER_HASH_H
#define TICKER_HASH_H

/*
 * FNV-1a over NUL-terminated strings: the one string hash of the tables
 * keyed by names (snapshots, duplicate trades, quote conflation) and of the
 * sim's seeds.  Not for anything an attacker could aim at: keys come from
 * the configuration.
 */

#include <stdint.h>

#define TK_HASH_INIT	UINT64_C(14695981039346656037)

/* Continues hash @h over the bytes of @s. */
uint64_t	tk_hash_str(uint64_t h, const char *s);

/* The hash of the pair (@a, @b), never 0 (tables use 0 for "free"). */
uint64_t	tk_hash_pair(const char *a, const char *b);

#endif
