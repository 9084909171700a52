/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_PUMP_H
#define TICKERD_PUMP_H

/*
 * The pump drains the merge into the publisher.  pump_schedule() marks a
 * pass as due (from any callback); the main loop calls pump_run() after
 * every lws_service() and does not block in poll while a pass is due.
 * Its state is td->pump (tickerd.h).
 */

struct tickerd;

void	pump_init(struct tickerd *td);
void	pump_schedule(struct tickerd *td);
/* The coalescing timer expired: read the exchanges again, then a pass. */
void	pump_resume(struct tickerd *td);
void	pump_run(struct tickerd *td);
void	pump_finish(struct tickerd *td);

#endif
