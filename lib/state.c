/* SPDX-License-Identifier: MIT */
/* Exchange states: the one table of their names, and status messages. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ticker/state.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

static const char *const state_names[TK_STATE_MAX] = {
	[TK_STATE_CONNECTED] = "connected",
	[TK_STATE_RECONNECTING] = "reconnecting",
	[TK_STATE_STALE] = "stale",
	[TK_STATE_DOWN] = "down",
};

const char *
tk_state_name(enum tk_state state)
{
	if ((unsigned)state >= TK_STATE_MAX)
		return NULL;
	return state_names[state];
}

int
tk_state_parse(const char *name, enum tk_state *out)
{
	unsigned i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < TK_STATE_MAX; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum tk_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

int
tk_status_format(const char *exchange, enum tk_state state,
    const char *detail, char *buf, size_t cap)
{
	char ex[TK_NAME_MAX * 6], det[TK_STATUS_DETAIL_MAX * 6];
	int a, b, n;

	if (tk_state_name(state) == NULL)
		return -EINVAL;
	if (detail == NULL)
		detail = "";
	/* cut between characters: a cut one would show as U+FFFD */
	a = tk_json_escape(exchange, tk_utf8_cut(exchange, strnlen(exchange,
	    TK_NAME_MAX - 1), TK_NAME_MAX - 1), ex, sizeof(ex));
	b = tk_json_escape(detail, tk_utf8_cut(detail, strnlen(detail,
	    TK_STATUS_DETAIL_MAX), TK_STATUS_DETAIL_MAX), det, sizeof(det));
	if (a < 0 || b < 0)
		return -ENOSPC;
	n = snprintf(buf, cap, "{\"type\":\"status\",\"exchange\":\"%.*s\","
	    "\"state\":\"%s\",\"detail\":\"%.*s\"}", a, ex,
	    tk_state_name(state), b, det);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}
