/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_RECORDER_H
#define TICKERD_RECORDER_H

/*
 * Recording (tickerd --record FILE): every raw upstream frame, with its
 * exchange, adapter and receive time, appended to FILE as one JSON line in
 * lib's record format (ticker/record.h).  The `replay` adapter plays such a
 * file back.  Writes are buffered and flushed every second and at exit.
 */

#include <stddef.h>
#include <stdint.h>

struct tickerd;
struct recorder;

/* NULL with the reason logged. */
struct recorder	*recorder_open(struct tickerd *td, const char *path);
/* Flushes and closes.  NULL ok. */
void		 recorder_close(struct recorder *);

void	recorder_write(struct recorder *, int64_t recv_ts,
	    const char *exchange, const char *adapter, const char *frame,
	    size_t len);

#endif
