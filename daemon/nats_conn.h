/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NATS_CONN_H
#define TICKERD_NATS_CONN_H

/*
 * What the NATS sink and the NATS source share: one connection with
 * tickerd's reconnect policy, its state as the loop can read it, and the
 * library's lifetime.
 *
 * Threads: nats.c runs its own (socket reads, flushes, reconnects,
 * callbacks, one per asynchronous subscription).  A connection is opened
 * and closed on a worker thread of ours, since both may block (connect
 * timeouts).  Its state is atomic; @changed is called on nats.c's threads
 * after every change and must only wake someone (never log: only the loop
 * thread logs).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

struct nats_loop;

enum nats_state {
	NATS_STATE_CONNECTING = 0,	/* never connected yet */
	NATS_STATE_CONNECTED,
	NATS_STATE_RECONNECTING,	/* lost, trying the servers again */
	NATS_STATE_CLOSED,
	NATS_STATE_MAX
};

struct nats_conn {
	natsConnection		*nc;
	atomic_int		 state;		/* enum nats_state */
	atomic_uint_fast64_t	 reconnects;	/* connections regained */
	atomic_uint_fast64_t	 async_errors;	/* slow consumer, ... */
	void			(*changed)(void *ud);
	void			*ud;
	/*
	 * Set before opening: every publish is written to the socket at once
	 * by the thread that publishes.  Otherwise nats.c's flusher thread
	 * writes it, after waiting 1 ms for more to share the write.
	 */
	bool			 send_asap;
	/*
	 * Set before opening: the socket is read and written on the lws
	 * loop through this adapter (nats_loop.h), not by nats.c's reader
	 * thread.
	 */
	struct nats_loop	*loop;
	uint64_t		 rnd;		/* jitter, reconnect thread */
};

/*
 * Connects to @servers (borrowed), retrying in the background for ever
 * when none answers now: returns 0 with the connection still CONNECTING in
 * that case.  @reconnect_buf bytes of publishes are kept while
 * reconnecting (0: nats.c's default).  -1 with @err on a bad argument or
 * OOM.  Blocks for up to the connect timeout: worker threads only.
 */
int	nats_conn_open(struct nats_conn *, const char *name,
	    char *const *servers, size_t nservers, int reconnect_buf,
	    char *err, size_t errlen);
/* Closes and destroys the connection (worker threads).  Idempotent. */
void	nats_conn_close(struct nats_conn *);

/* "connecting", "connected", "reconnecting", "closed". */
const char *nats_state_name(int state);

/*
 * The library is shared by every sink and source: the last one released
 * (after all its objects are destroyed) closes it and waits for its
 * threads, so nothing is left running or allocated.  Loop thread only.
 */
void	nats_lib_hold(void);
void	nats_lib_release(void);

/*
 * Runs @fn(@p) once the library is closed: for what nats.c's threads may
 * still touch after the objects that use them are destroyed (a callback's
 * closure, an eventfd it writes).  Loop thread only.
 */
void	nats_lib_defer(void (*fn)(void *), void *p);

#endif
