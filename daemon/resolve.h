/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_RESOLVE_H
#define TICKERD_RESOLVE_H

/*
 * Host name resolution off the loop.  Debian's libwebsockets resolves
 * synchronously inside connect, which would freeze the loop (clients, the
 * watchdog) on a slow resolver, so upstreams resolve here first and connect
 * to the numeric address.  glibc's getaddrinfo_a() does the lookup on its
 * own thread and announces each completion with resolve_signal(), which
 * the loop reads from a signalfd.
 */

#include <libwebsockets.h>

struct tickerd;
struct resolver;
struct resolve_req;

/*
 * Result callback, on the loop thread.  @addr is the numeric address text
 * or NULL on failure, then @err says why.  Borrowed for the call.
 */
typedef void resolve_cb(void *ud, const char *addr, const char *err);

/*
 * The realtime signal that announces completions.  Every thread must block
 * it (signals_block() does, before any thread exists): it is only ever
 * read from the resolver's signalfd.
 */
int	resolve_signal(void);

/* Protocol of the adopted signalfd; goes on the control vhost. */
extern const struct lws_protocols resolver_protocol;

struct resolver	*resolver_new(struct tickerd *td);
void		 resolver_free(struct resolver *);	/* NULL ok */

/*
 * Starts resolving @host.  Numeric addresses complete at once (inline).
 * Returns a handle for resolve_cancel(), or NULL if the callback already ran
 * (numeric host or immediate failure).
 */
struct resolve_req *resolve_start(struct resolver *, const char *host,
		    resolve_cb *cb, void *ud);

/* The callback will not be called.  NULL ok. */
void	resolve_cancel(struct resolve_req *);

#endif
