/* SPDX-License-Identifier: MIT */
#ifndef TICKER_CONFIG_NATS_H
#define TICKER_CONFIG_NATS_H

/*
 * Inside lib/ only: the configuration of scaling out over NATS, parsed
 * for config.c (which calls these from a few marked lines).  The result
 * goes into tk_config.publish_nats and tk_exchange_conf.nats
 * (ticker/nats.h); errors come back as a JSON path and a message, which
 * config.c words like its own.
 */

#include <jansson.h>

#include <ticker/config.h>

struct tk__conf_err {
	char	 path[160];
	char	 msg[400];
};

/*
 * The nats keys of exchanges[@i] (@obj): "servers", "stream", "subject";
 * required with adapter "nats", refused with any other.  0, -EINVAL or
 * -ENOMEM (@e filled for -EINVAL).
 */
int	tk__nats_exchange_parse(json_t *obj, size_t i,
	    struct tk_exchange_conf *x, struct tk__conf_err *e);

/*
 * The top-level "publish" object (@v, NULL if absent), after the
 * exchanges: {"nats": {...}}.  0, -EINVAL or -ENOMEM.
 */
int	tk__nats_publish_parse(json_t *v, struct tk_config *cf,
	    struct tk__conf_err *e);

/* Frees cf->publish_nats and every exchange's nats part. */
void	tk__nats_config_free(struct tk_config *cf);

/* Same source configuration (both NULL counts as the same). */
int	tk__nats_source_equal(const struct tk_nats_source_conf *,
	    const struct tk_nats_source_conf *);

#endif
