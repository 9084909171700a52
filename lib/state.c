/* SPDX-License-Identifier: MIT */
/* Exchange states: the one table of their names. */

#include <errno.h>
#include <string.h>

#include <ticker/state.h>

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
