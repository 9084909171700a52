/* SPDX-License-Identifier: MIT */
#ifndef TICKER_STATE_H
#define TICKER_STATE_H

/*
 * The health of one exchange as clients, /health, /metrics and the
 * service manager see it, and as "status" messages carry it on the wire
 * ("state":"connected").  One name table, so that every writer and every
 * reader of a status spells the states the same way.
 */

enum tk_state {
	TK_STATE_CONNECTED = 0,	/* delivering */
	TK_STATE_RECONNECTING,	/* lost or not yet up; retrying */
	TK_STATE_STALE,		/* up, but no data for stale_s */
	TK_STATE_DOWN,		/* retries keep failing, or gone for good */
	TK_STATE_MAX
};

/* "connected", "reconnecting", "stale", "down"; NULL when out of range. */
const char	*tk_state_name(enum tk_state);

/* Parses one of those names (exact, lower case); returns 0 or -EINVAL. */
int		 tk_state_parse(const char *name, enum tk_state *out);

#endif
