/* SPDX-License-Identifier: MIT */
/*
 * The registry of adapters: config names -> protocol codecs.  The only
 * way to an adapter from outside lib/exchange/ is tk_adapter_find() or
 * tk_adapter_all(); a new exchange adds one line to TK__EXCHANGES
 * (exchange.h), which the table below expands.
 */

#include <errno.h>
#include <string.h>

#include <ticker/adapter.h>

#include "exchange.h"

static int	identity_symbol(const char *unified, char *buf, size_t cap);

/*
 * The sim source generates ticks itself: no URL, no codec.  Funding only
 * when its channels name it, as for any exchange (config.c).
 */
static const struct tk_adapter adapter_sim = {
	.name = "sim",
	.kind = TK_ADAPTER_LOCAL,
	.default_url = NULL,
	.types = TK_TYPES_FEED,
	.native_symbol = identity_symbol,
};

/*
 * The replay source (ticker/replay.h): frames carry their own adapter's
 * name, so replay itself has no codec; symbols are unified.
 */
static const struct tk_adapter adapter_replay = {
	.name = "replay",
	.kind = TK_ADAPTER_LOCAL,
	.default_url = NULL,
	.types = TK_TYPES_ALL,
	.native_symbol = identity_symbol,
};

/*
 * The NATS source (ticker/nats.h): what ingest hosts published, read back
 * from a JetStream stream, already in unified symbols; no URL, no codec.
 */
static const struct tk_adapter adapter_nats = {
	.name = "nats",
	.kind = TK_ADAPTER_NATS,
	.default_url = NULL,
	.types = TK_TYPES_FEED,		/* funding only when named */
	.native_symbol = identity_symbol,
};

#define ENTRY(name)	&tk__adapter_ ## name,

/*
 * In documentation order: the exchanges, the local sources, then the
 * NATS source.
 */
static const struct tk_adapter *const adapters[] = {
	TK__EXCHANGES(ENTRY)
	&adapter_sim,
	&adapter_replay,
	&adapter_nats,
	NULL,
};

const struct tk_adapter *
tk_adapter_find(const char *name)
{
	size_t i;

	for (i = 0; adapters[i] != NULL; i++)
		if (strcmp(adapters[i]->name, name) == 0)
			return adapters[i];
	return NULL;
}

const struct tk_adapter *const *
tk_adapter_all(void)
{
	return adapters;
}

static int
identity_symbol(const char *unified, char *buf, size_t cap)
{
	size_t n = strlen(unified);

	if (n + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(buf, unified, n + 1);
	return (int)n;
}
