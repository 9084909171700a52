/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_SIGNALS_H
#define TICKERD_SIGNALS_H

/*
 * SIGTERM, SIGINT and SIGHUP, as events on the loop: they are blocked for
 * the whole process and read from a signalfd that lws watches, so no
 * asynchronous handler ever runs.  TERM and INT set td->stopping (the
 * loop then stops in order); HUP reloads the configuration.
 */

#include <libwebsockets.h>

struct tickerd;

/* Protocol of the adopted signalfd; goes on the control vhost. */
extern const struct lws_protocols signals_protocol;

/*
 * Blocks the signals tickerd handles, and the resolver's.  Call before any
 * thread exists, so that every thread inherits the mask and none of them
 * takes a signal.
 */
void	signals_block(void);

/* Opens the signalfd and hands it to lws (td->vh_ctl).  -1, logged. */
int	signals_adopt(struct tickerd *td);

#endif
