/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_REST_H
#define TICKERD_REST_H

/*
 * One HTTP request to an exchange's REST API, on the loop: libwebsockets'
 * own HTTP client, non-blocking, to an address resolved beforehand
 * (resolve.h), with the real host name for SNI, Host and the certificate.
 * Upstreams use it for the REST step before their WebSocket connect.
 */

#include <stddef.h>

#include <libwebsockets.h>

struct tickerd;
struct rest_call;

/* Where to send it; all borrowed for rest_call_start() only. */
struct rest_target {
	const char	*addr;		/* numeric address */
	const char	*host;		/* the URL's host name */
	int		 port;
	int		 tls;
	int		 insecure;	/* tls_verify false (tests only) */
};

/*
 * The outcome, on the loop thread, exactly once unless cancelled first.
 * @status is the HTTP status, or 0 when no complete answer came (then
 * @err says why).  @body (@len bytes, NUL-terminated) is the answer's
 * body; @retry_after_s the Retry-After header in seconds, or -1.  All
 * borrowed for the call; the call itself is gone when it returns.
 */
typedef void rest_cb(void *ud, int status, const char *body, size_t len,
    long retry_after_s, const char *err);

/* Protocol of the requests; goes on the client vhost. */
extern const struct lws_protocols rest_protocol;

/*
 * Sends @method @path (with @body, "" for none, as JSON) and waits at
 * most @timeout_ms for the whole answer.  Returns a handle for
 * rest_call_cancel(), or NULL when the callback already ran (the
 * request could not be started).
 */
struct rest_call *rest_call_start(struct tickerd *td,
		    const struct rest_target *to, const char *method,
		    const char *path, const char *body, unsigned timeout_ms,
		    rest_cb *cb, void *ud);

/* The callback will not be called; the connection goes.  NULL ok. */
void	rest_call_cancel(struct rest_call *);

#endif
