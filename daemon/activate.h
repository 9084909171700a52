/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_ACTIVATE_H
#define TICKERD_ACTIVATE_H

/*
 * Socket activation.  When systemd passes listening sockets (LISTEN_FDS),
 * tickerd serves on those instead of the config's "listen".  lws 4.1.6
 * cannot take over a listening fd, so each one is watched as a raw file on
 * the control vhost; when it is readable, the connections are accepted
 * here and handed to the publisher's activation vhost, where HTTP, the
 * WebSocket upgrade, the Host and Origin checks, the header timeout and
 * the connection cap (publisher_admit()) apply as on lws' own listeners.
 */

#include <libwebsockets.h>

struct tickerd;

/* Protocol of the adopted listening fds; goes on the control vhost. */
extern const struct lws_protocols activate_protocol;

/*
 * Takes the listening sockets systemd passed (and unsets LISTEN_*).  On
 * return td->act is set if there were any, NULL if not.  Call before
 * publisher_listen(), which then serves on them.  -errno with the reason
 * logged.
 */
int	activate_collect(struct tickerd *td);

/* Starts accepting on them (after publisher_listen()).  -errno, logged. */
int	activate_start(struct tickerd *td);

/* Cancels the timers (before lws_context_destroy()). */
void	activate_finish(struct tickerd *td);

/* Frees td->act (after lws_context_destroy(), which closes the fds). */
void	activate_free(struct tickerd *td);

#endif
