/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_CLOCK_H
#define TICKERD_CLOCK_H

/*
 * The daemon's two clocks, in microseconds.  Wall-clock time stamps what
 * clients see (recv_ts, uptime); monotonic time measures every interval
 * and deadline, so that a clock step never fires or starves a timer.
 */

#include <stdint.h>

/* CLOCK_REALTIME: µs since the Unix epoch. */
int64_t	now_realtime_us(void);

/* CLOCK_MONOTONIC: µs since an arbitrary start. */
int64_t	now_mono_us(void);

#endif
