/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_WRITABLE_H
#define TICKERD_WRITABLE_H

/*
 * Asking lws to call back when a connection can be written.  Every write
 * the daemon asks for goes through here, so that the loop knows that one
 * waits: while it waits on the exchanges' sockets alone (pump.c), the
 * next wait is then on every socket, and the write is not left for up to
 * WATCH_US.
 */

#include <libwebsockets.h>

/* lws_callback_on_writable(@wsi), and td->pump.want_write is set. */
void	want_writable(struct lws *wsi);

#endif
