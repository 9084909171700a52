/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_NATS_HTTP_H
#define TICKERD_NATS_HTTP_H

/*
 * What /metrics says about scaling out: the tickerd_nats_* families of the
 * NATS sink and the NATS sources, for http.c to append.  (/health lists
 * the exchanges behind a NATS source itself, nats_source_origin().)
 */

struct sbuf;
struct tickerd;

/* Nothing when there is neither a sink nor a NATS source. */
void	nats_http_metrics(struct tickerd *td, struct sbuf *sb);

#endif
