/* SPDX-License-Identifier: MIT */
/* Fixed-bucket latency histograms. */

#include <ticker/hist.h>

static const int64_t bounds_us[TK_HIST_BUCKETS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 10000000,
};

int64_t
tk_hist_bound_us(size_t i)
{
	return i < TK_HIST_BUCKETS ? bounds_us[i] : -1;
}

static size_t
bucket_of(int64_t us)
{
	size_t i;

	for (i = 0; i < TK_HIST_BUCKETS; i++)
		if (us <= bounds_us[i])
			return i;
	return TK_HIST_BUCKETS;
}

void
tk_hist_observe_n(struct tk_hist *h, int64_t us, uint64_t times)
{
	if (us < 0)
		us = 0;
	h->count[bucket_of(us)] += times;
	h->n += times;
	h->sum_us += us * (int64_t)times;
}

void
tk_hist_observe(struct tk_hist *h, int64_t us)
{
	tk_hist_observe_n(h, us, 1);
}

int64_t
tk_hist_quantile_us(const struct tk_hist *h, double q)
{
	uint64_t want, seen = 0;
	size_t i;

	if (h->n == 0)
		return -1;
	want = (uint64_t)(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (i = 0; i < TK_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want)
			return bounds_us[i];
	}
	return bounds_us[TK_HIST_BUCKETS - 1] * 10;
}
