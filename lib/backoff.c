/* SPDX-License-Identifier: MIT */
/* Reconnect delays (capped exponential, full jitter) and a small PRNG. */

#include <stdint.h>

#include <ticker/backoff.h>

/* Any odd constant will do; this one is 2^64 / golden ratio. */
#define RAND_SEED_ZERO	UINT64_C(0x9E3779B97F4A7C15)

uint32_t
tk_backoff_next(struct tk_backoff *b, uint64_t rnd)
{
	uint64_t window, delay;

	/* base * 2^n without overflow: from 2^32 on it is past any cap. */
	if (b->base_ms == 0)
		window = 0;
	else if (b->attempt >= 32)
		window = b->cap_ms;
	else
		window = (uint64_t)b->base_ms << b->attempt;
	if (window > b->cap_ms)
		window = b->cap_ms;
	delay = b->min_ms + rnd % (window + 1);
	if (b->attempt < UINT32_MAX)
		b->attempt++;
	return delay > UINT32_MAX ? UINT32_MAX : (uint32_t)delay;
}

void
tk_backoff_reset(struct tk_backoff *b)
{
	b->attempt = 0;
}

/*
 * xorshift64* (Vigna): a zero state is a fixed point of xorshift, so it is
 * remapped instead of yielding zeros forever.
 */
uint64_t
tk_rand_next(uint64_t *state)
{
	uint64_t x = *state;

	if (x == 0)
		x = RAND_SEED_ZERO;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}
