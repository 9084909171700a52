/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NATS_HTTP_H
#define TICKERD_NATS_HTTP_H

/*
 * What /health and /metrics say about scaling out (the NATS sink and the
 * NATS sources), as text for http.c to append.  Each returns a malloc'd
 * string (the caller frees it), or NULL when there is nothing to say.
 */

struct tickerd;

/*
 * More entries of /health's "exchanges" array, each with a leading comma:
 * the exchanges behind each NATS source, with the state their ingest host
 * last reported.
 */
char	*nats_http_health(struct tickerd *td);

/* The tickerd_nats_* families (Prometheus text). */
char	*nats_http_metrics(struct tickerd *td);

#endif
