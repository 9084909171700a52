/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_RELOAD_H
#define TICKERD_RELOAD_H

/*
 * SIGHUP: reloads the configuration file without dropping clients.  A bad
 * file keeps the running configuration (logged); a good one is applied as
 * a difference (see reload.c).  The service manager hears RELOADING=1 and
 * then READY=1 either way.
 */

struct tickerd;

void	reload_config(struct tickerd *td);

#endif
