/* SPDX-License-Identifier: MIT */
/* Write pacing for local clients: see ticker/pace.h. */

#include <ticker/pace.h>

int64_t
tk_pace_cap(int64_t default_us, int64_t client_us)
{
	if (default_us <= 0)
		return 0;
	return client_us >= 0 ? client_us : default_us;
}

int64_t
tk_pace_gap(unsigned clients, int64_t ns_per_client2, int64_t max_us)
{
	/* in double: clients squared may not fit in 64 bits */
	double us = (double)clients * clients * (double)ns_per_client2 / 1000;

	return us < (double)max_us ? (int64_t)us : max_us;
}

int64_t
tk_pace_due(const struct tk_pace *p, int64_t gap)
{
	return p->tat - (TK_PACE_BURST - 1) * gap;
}

int
tk_pace_may_write(const struct tk_pace *p, int64_t gap, int64_t now,
    uint64_t waiting)
{
	return now >= tk_pace_due(p, gap) || waiting >= TK_PACE_BIG;
}

void
tk_pace_wrote(struct tk_pace *p, int64_t gap, int64_t now)
{
	int64_t tat = (p->tat > now ? p->tat : now) + gap;

	/*
	 * Big batches go out early (TK_PACE_BIG) and must not borrow from the
	 * future: without this bound a fast feed pushed the schedule a gap
	 * ahead per write, and once it slowed down the last ticks waited until
	 * the schedule caught up, for minutes.  A burst ahead is the most the
	 * paced writes alone can reach.
	 */
	if (tat > now + TK_PACE_BURST * gap)
		tat = now + TK_PACE_BURST * gap;
	/* on a grid shared by all clients: they fall due together */
	p->tat = gap > 0 ? tat - tat % gap : tat;
}

int64_t
tk_pace_quiet_until(int64_t now, int64_t first_due, uint64_t waiting,
    double rate, int64_t max_us, int64_t min_us)
{
	int64_t horizon = max_us;
	double to_big;

	if (first_due <= now || waiting >= TK_PACE_BIG)
		return 0;
	if (rate > 0) {
		to_big = (double)(TK_PACE_BIG - waiting) / rate;
		if (to_big < (double)horizon)
			horizon = (int64_t)to_big;
	}
	if (first_due - now < horizon)
		horizon = first_due - now;
	return horizon < min_us ? 0 : now + horizon;
}
