/* SPDX-License-Identifier: MIT */
#ifndef TICKER_FILTER_H
#define TICKER_FILTER_H

/*
 * Client filters and client messages (SPEC "Client protocol"): which
 * exchanges, symbols and tick types a client wants, parsed from the URL query
 * (?symbols=BTC-USD,ETH-USD&exchanges=binance&types=trade) or from a
 * {"op":"subscribe",...} message.  A list that is absent means "everything".
 * Matching is on the hot path of fan-out: it never allocates.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/tick.h>

#define TK_FILTER_MAX_NAMES	256	/* symbols or exchanges per filter */
/* Bytes of one query value, NUL included; longer ones are refused. */
#define TK_FILTER_QUERY_MAX	4096

struct tk_filter {
	unsigned	 types;		/* TK_TYPE_BIT set; TK_TYPES_ANY = all */
	char		**symbols;	/* NULL = all symbols */
	size_t		 nsymbols;
	char		**exchanges;	/* NULL = all exchanges */
	size_t		 nexchanges;
};

/* An empty filter that matches everything. */
void	tk_filter_init(struct tk_filter *);
/* Frees the lists and resets to match-everything.  NULL-safe. */
void	tk_filter_finish(struct tk_filter *);

/*
 * Builds a filter from the three query values, each NULL when the key is
 * absent, else a comma-separated list (URL-decoded already).  Symbols must be
 * BASE-QUOTE, types names of tk_tick_type_name(), exchange names [a-z0-9_-].  Returns 0,
 * -EMSGSIZE for a value of TK_FILTER_QUERY_MAX bytes or more, or -EINVAL,
 * with a one-line reason in @err; @out is written only on success.  A
 * caller that had to cut a value should pass it longer than the limit
 * rather than cut, so that the client hears why.
 */
int	tk_filter_from_query(const char *symbols, const char *exchanges,
	    const char *types, struct tk_filter *out, char *err, size_t errlen);

/*
 * True if a tick of @type for @exchange/@symbol passes.  A bbo (no exchange)
 * passes an exchange list only when the client named its types, bbo among
 * them: ?exchanges=binance gets no bbo, ?exchanges=binance&types=trade,bbo
 * gets binance's trades and the bbo of every exchange.
 */
int	tk_filter_match(const struct tk_filter *, const char *exchange,
	    const char *symbol, enum tk_tick_type type);

/* True if status messages of @exchange pass (only the exchange list counts). */
int	tk_filter_match_exchange(const struct tk_filter *, const char *exchange);

/*
 * Writes {"type":"subscribed","symbols":[...]|null,"exchanges":[...]|null,
 * "types":[...]|null} for the filter in force.  Returns length or -ENOSPC.
 */
int	tk_filter_format_subscribed(const struct tk_filter *, char *buf,
	    size_t cap);

enum tk_client_op {
	TK_CLIENT_SUBSCRIBE = 1,
	TK_CLIENT_PING,
};

struct tk_client_msg {
	enum tk_client_op op;
	struct tk_filter filter;	/* SUBSCRIBE: caller finishes it */
};

/*
 * Parses one client text message.  Returns 0, or -EINVAL with a one-line
 * reason for the client in @err (bad JSON, unknown op, wrong types, unknown
 * key, bad symbol...).  @out is written only on success.
 */
int	tk_client_msg_parse(const char *text, size_t len,
	    struct tk_client_msg *out, char *err, size_t errlen);

/* Writes {"type":"error","message":"<escaped msg>"}; length or -ENOSPC. */
int	tk_format_error(const char *msg, char *buf, size_t cap);

#endif
