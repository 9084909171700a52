/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_RELOAD_H
#define TICKERD_RELOAD_H

/*
 * SIGHUP: reloads the configuration file without dropping clients.  A bad
 * file keeps the running configuration (logged); a good one is applied as
 * a difference (see reload.c).  The service manager hears RELOADING=1 and
 * then READY=1 either way.
 */

#include <stddef.h>

struct tickerd;
struct tk_config;

void	reload_config(struct tickerd *td);

/*
 * The config's warning @i (a weakened exchange connection: tls_verify
 * false, ws:// to a host that is not loopback) with the exchange's name
 * in front, cut to @cap between characters.  Returns its length.
 */
int	config_warning(const struct tk_config *, size_t i, char *buf,
	    size_t cap);
/* Logs every warning of the config; at start and after each reload. */
void	config_warnings_log(const struct tk_config *);

#endif
