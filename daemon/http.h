/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_HTTP_H
#define TICKERD_HTTP_H

/*
 * GET /health and GET /metrics on the client listeners.  One transaction
 * at a time per connection; its body lives in the connection's http_txn
 * until written.
 */

#include <stddef.h>

struct lws;
struct tickerd;

struct http_txn {
	char	*body;		/* LWS_PRE headroom, then len bytes */
	size_t	 len;
};

/* LWS_CALLBACK_HTTP: answers @path; returns what the callback returns. */
int	http_request(struct tickerd *td, struct lws *wsi, struct http_txn *,
	    const char *path);
/* LWS_CALLBACK_HTTP_WRITEABLE. */
int	http_writeable(struct lws *wsi, struct http_txn *);
/* Frees an unsent body (connection closed).  Idempotent. */
void	http_txn_finish(struct http_txn *);

#endif
