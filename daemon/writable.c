/* SPDX-License-Identifier: MIT */
/* Asking for a writable callback (writable.h). */

#include <libwebsockets.h>

#include "tickerd.h"
#include "writable.h"

void
want_writable(struct lws *wsi)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));

	lws_callback_on_writable(wsi);
	td->pump.want_write = 1;
}
