/* SPDX-License-Identifier: MIT */
#ifndef TICKER_STATE_H
#define TICKER_STATE_H

#include <stddef.h>

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

/* Bytes of a status detail that a status message carries; more are cut. */
#define TK_STATUS_DETAIL_MAX	256

/*
 * The status message as clients get it, NUL-terminated:
 * {"type":"status","exchange":"binance","state":"connected","detail":"..."}
 * (@detail may be NULL).  Returns its length, -ENOSPC when @cap is too
 * small, or -EINVAL for a state out of range.
 */
int		 tk_status_format(const char *exchange, enum tk_state state,
		    const char *detail, char *buf, size_t cap);

#endif
