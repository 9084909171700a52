/* SPDX-License-Identifier: MIT */
#ifndef TICKER_HIST_H
#define TICKER_HIST_H

/*
 * A latency histogram with fixed, Prometheus-style cumulative buckets in
 * microseconds (50 µs .. 10 s).  Observing is a few compares and adds: it
 * sits on the delivery path.
 */

#include <stddef.h>
#include <stdint.h>

#define TK_HIST_BUCKETS 16

struct tk_hist {
	uint64_t	 count[TK_HIST_BUCKETS + 1];	/* last: +Inf */
	uint64_t	 n;
	int64_t		 sum_us;
};

/* Upper bound of bucket @i in µs (i < TK_HIST_BUCKETS). */
int64_t	tk_hist_bound_us(size_t i);

/* Records one value; negative values count as 0. */
void	tk_hist_observe(struct tk_hist *, int64_t us);

/* Records the same value @times times. */
void	tk_hist_observe_n(struct tk_hist *, int64_t us, uint64_t times);

/* Smallest bucket bound at or above quantile @q (0..1); -1 if empty. */
int64_t	tk_hist_quantile_us(const struct tk_hist *, double q);

#endif
