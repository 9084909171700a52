/* SPDX-License-Identifier: MIT */
/* FNV-1a string hashing. */

#include <ticker/hash.h>

#define FNV_PRIME	UINT64_C(1099511628211)

uint64_t
tk_hash_str(uint64_t h, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		h = (h ^ *p) * FNV_PRIME;
	return h;
}

uint64_t
tk_hash_pair(const char *a, const char *b)
{
	uint64_t h = tk_hash_str(TK_HASH_INIT, a);

	/* a byte no name contains keeps ("ab","c") apart from ("a","bc") */
	h = tk_hash_str((h ^ 0xffu) * FNV_PRIME, b);
	return h ? h : 1;
}
