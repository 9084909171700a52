/* SPDX-License-Identifier: MIT */
#ifndef TICKER_CONFIG_H
#define TICKER_CONFIG_H

/*
 * The configuration file (JSON).  Loading validates everything: errors name
 * the file, line and column for syntax, the JSON path for a bad value
 * ("exchanges[1].symbols[0]: \"BTCUSD\" is not BASE-QUOTE ..."), and unknown
 * keys with a suggestion when one is close.  Every string in the structs is
 * owned by the config and freed by tk_config_free().
 */

#include <stddef.h>
#include <stdint.h>

struct tk_adapter;
struct tk_nats_source_conf;	/* ticker/nats.h */
struct tk_nats_publish_conf;	/* ticker/nats.h */

struct tk_exchange_conf {
	char		*name;		/* unique; appears in ticks */
	const struct tk_adapter *adapter;
	char		**symbols;	/* unified BASE-QUOTE */
	size_t		 nsymbols;
	char		*url;		/* adapter default when absent */
	char		*rest_url;	/* REST base (http[s]://host[:port]),
					   adapter default when absent; NULL
					   for adapters without REST */
	unsigned	 types;		/* TK_TYPE_BIT set ("channels") */
	double		 stale_s;	/* no data this long -> stale */
	int		 insecure;	/* "tls_verify": false (tests only) */
	double		 rate;		/* sim: ticks per second */
	uint64_t	 seed;		/* sim: random walk seed */
	char		*file;		/* replay: recording; relative paths
					   joined to the config's directory */
	double		 speed;		/* replay: 1 recorded pace, 0 no wait */
	int		 loop;		/* replay: start over at the end */
	struct tk_nats_source_conf *nats; /* adapter "nats", else NULL */
};

struct tk_client_conf {
	unsigned	 max_clients;
	size_t		 max_message;	/* bytes a client may send in one msg */
	size_t		 queue_ticks;	/* ring of published ticks */
	unsigned	 coalesce_ms;	/* longest a tick waits to share a
					   write (ticker/pace.h); 0: never */
};

struct tk_config {
	char		*path;		/* as given to tk_config_load() */
	char		*listen_tcp;	/* "HOST:PORT" or NULL */
	char		*listen_unix;	/* path or NULL */
	/*
	 * "listen.hosts": names a browser may use in the Host header besides
	 * loopback ones, without port, lower case, IPv6 literals in brackets
	 * ("[2001:db8::1]"), so that the Host's host part compares with
	 * strcasecmp().  NULL when absent.
	 */
	char		**listen_hosts;
	size_t		 nlisten_hosts;
	struct tk_exchange_conf *exchanges;
	size_t		 nexchanges;
	struct tk_client_conf clients;
	/*
	 * What the file allows but weakens, one line each, starting with the
	 * JSON path: "exchanges[2].tls_verify: false: TLS certificates of
	 * HOST are not verified", a ws:// URL to a host that is not loopback.
	 * For the daemon to log at start and show; NULL when none.
	 */
	char		**warnings;
	size_t		 nwarnings;
	struct tk_nats_publish_conf *publish_nats; /* or NULL */
};

#define TK_CONFIG_ERR_MAX 512

/*
 * Loads and validates @path.  Returns 0, -ENOENT/-EACCES/... when the file
 * cannot be read, -EINVAL when it is not a valid config; on error @err holds
 * one line that starts with the file name.  @out is written only on success.
 */
int	tk_config_load(const char *path, struct tk_config *out, char *err,
	    size_t errlen);

/*
 * Same from memory; @name stands for the file name in messages, and its
 * directory is the base of relative paths in the config.
 */
int	tk_config_parse(const char *text, size_t len, const char *name,
	    struct tk_config *out, char *err, size_t errlen);

/* Frees what a successful load allocated.  NULL-safe, idempotent. */
void	tk_config_free(struct tk_config *);

/*
 * True if two exchange entries configure the same source (every field;
 * the symbol lists in the same order).  A config reload keeps such an
 * exchange's connection.
 */
int	tk_exchange_conf_equal(const struct tk_exchange_conf *,
	    const struct tk_exchange_conf *);

/* Looks up an exchange by name; NULL if absent. */
const struct tk_exchange_conf *tk_config_exchange(const struct tk_config *,
		    const char *name);

#endif
