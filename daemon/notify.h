/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NOTIFY_H
#define TICKERD_NOTIFY_H

/*
 * The service manager's side channel (sd_notify): READY=1 once tickerd
 * listens, RELOADING=1 ... READY=1 around a reload, STOPPING=1 on the way
 * out, a STATUS= line kept current, and WATCHDOG=1 from a timer on the
 * loop, so that a loop that stops turning stops the pings and gets killed.
 *
 * Everything here is a no-op when NOTIFY_SOCKET is not set.  All of it
 * runs on the loop thread.
 */

struct tickerd;

/*
 * Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID, starts the watchdog
 * pings (every half period) and the STATUS= refresher.  Call once the lws
 * context exists.
 */
void	notify_init(struct tickerd *);

/* READY=1 with a fresh STATUS=; also ends a reload. */
void	notify_ready(struct tickerd *);

/* RELOADING=1: a reload starts; notify_ready() ends it. */
void	notify_reloading(struct tickerd *);

/* STOPPING=1; the STATUS= refresher stops, the watchdog goes on. */
void	notify_stopping(struct tickerd *);

/* Cancels the timers; call before lws_context_destroy().  Idempotent. */
void	notify_finish(struct tickerd *);

#endif
