/* SPDX-License-Identifier: MIT */
/* The table of adapters: config names -> protocol codecs. */

#include <errno.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/nats.h>	/* nats */

static int
identity_symbol(const char *unified, char *buf, size_t cap)
{
	size_t n = strlen(unified);

	if (n + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(buf, unified, n + 1);
	return (int)n;
}

/* The sim source generates ticks itself: no URL, no codec. */
const struct tk_adapter tk_adapter_sim = {
	.name = "sim",
	.default_url = NULL,
	.types = TK_TYPES_ALL,
	.native_symbol = identity_symbol,
};

static const struct tk_adapter *const adapters[] = {
	&tk_adapter_binance,
	&tk_adapter_coinbase,
	&tk_adapter_kraken,
	&tk_adapter_bitstamp,
	&tk_adapter_okx,
	&tk_adapter_bybit,
	&tk_adapter_sim,
	&tk_adapter_replay,
	&tk_adapter_nats,	/* nats: ticker/nats.h, no URL, no codec */
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
