/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NATS_LOOP_H
#define TICKERD_NATS_LOOP_H

/*
 * nats.c's event-loop adapter for the lws loop.  A connection opened with
 * nats_loop_options() has its socket read and written on the loop
 * (natsConnection_ProcessReadEvent() and ProcessWriteEvent()) instead of
 * by nats.c's reader thread, so the messages of a synchronous subscription
 * are queued by the loop itself and taken there with
 * natsSubscription_NextMsg(): no thread hands them over.
 *
 * nats.c calls the adapter from any of its threads (connect, reconnect,
 * flusher, timers), with its connection locked.  Those calls only note
 * what they ask under a mutex (a copy of a new socket, a socket to drop,
 * writes wanted) and wake the loop through an eventfd; the loop does it.
 * The loop watches a copy (dup) of the socket, so nats.c closing its own
 * never leaves lws polling a closed or reused descriptor.
 *
 * Ownership: nats_loop_new() and nats_loop_stop() on the loop;
 * nats_loop_free() only once nats.c can no longer call the adapter (after
 * the connection is destroyed, or through nats_lib_defer()).
 */

#include <stddef.h>

#include <libwebsockets.h>
#include <nats/nats.h>

struct nats_loop;

/* The watches' protocol; goes on the vhost given to nats_loop_new(). */
extern const struct lws_protocols nats_loop_protocol;

/*
 * Watches, on @vh, what a connection will attach.  On the loop,
 * @on_read(@ud) runs after each read of the socket and @on_wake(@ud)
 * after each nats_loop_poke().  NULL with errno set.
 */
struct nats_loop *nats_loop_new(struct lws_vhost *vh,
		    void (*on_read)(void *), void (*on_wake)(void *),
		    void *ud);

/* Any thread: wakes the loop, which then calls on_wake. */
void		 nats_loop_poke(struct nats_loop *);

/* Makes a connection opened with @o use the loop.  A nats.c status. */
natsStatus	 nats_loop_options(struct nats_loop *, natsOptions *o);

/* While held, the socket is not polled for input (input moderation). */
void		 nats_loop_hold(struct nats_loop *, int hold);

/* The socket as a pollfd for input, if one is attached: 1, else 0. */
size_t		 nats_loop_rx_fd(const struct nats_loop *,
		    struct lws_pollfd *fd);

/* Stops watching (loop); nats.c may still call, to no effect. */
void		 nats_loop_stop(struct nats_loop *);
void		 nats_loop_free(struct nats_loop *);	/* NULL ok */

#endif
