/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_PUMP_H
#define TICKERD_PUMP_H

/*
 * The pump owns the loop turn: lws reads what the sockets have, then a
 * pass drains the merge into the publisher (and the NATS sink, if there
 * is one) and flushes the clients, reading the exchanges again between
 * the flush's steps, and holds the exchanges' input while every client
 * waits for a paced write; its timer ends the wait.  With many clients
 * and the input not held, the loop waits on the exchanges' sockets alone
 * between lws_service() calls a few ms apart.  Its state is td->pump
 * (tickerd.h).
 */

#include <libwebsockets.h>

struct tickerd;
struct tk_config;

/* Protocol of the pump's timerfd; goes on the control vhost. */
extern const struct lws_protocols pump_timer_protocol;

/* Sets up td->pump; its waker may be handed out from then on. */
void	pump_init(struct tickerd *td);

/*
 * clients.coalesce_ms of @conf, at start (after publisher_new()) and on
 * reload: opens the timer once coalescing needs it and tells the
 * publisher; without a timer, every tick is written at once.
 */
void	pump_configure(struct tickerd *td, const struct tk_config *conf);

/* Marks a pass as due (from any callback); it runs in this loop turn. */
void	pump_schedule(struct tickerd *td);

/*
 * One turn of the loop: lws_service() (without blocking while a pass is
 * due), then the pass if one is due.  Returns what lws_service() returned.
 */
int	pump_turn(struct tickerd *td);

/* How long the exchanges' input was held in all, µs (for /metrics). */
int64_t	pump_held_us(const struct tickerd *td);

/* No more passes; resumes reading the exchanges (stopping). */
void	pump_finish(struct tickerd *td);

#endif
