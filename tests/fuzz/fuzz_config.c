/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the config loader, from memory.  A config that loads
 * must be freed without leaks, compare equal to itself exchange by
 * exchange, and find each of its exchanges by name; one that does not
 * must leave a one-line, NUL-terminated message naming the file.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/config.h>

#define NAME	"/fuzz/tickerd.json"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), err[TK_CONFIG_ERR_MAX];
	struct tk_config conf;
	size_t i;
	int r;

	check(text != NULL, "out of memory");
	if (size)
		memcpy(text, data, size);
	memset(err, 'x', sizeof(err));
	r = tk_config_parse(text, size, NAME, &conf, err, sizeof(err));
	free(text);
	if (r < 0) {
		check(memchr(err, '\0', sizeof(err)) != NULL,
		    "error not terminated");
		check(strncmp(err, NAME, strlen(NAME)) == 0,
		    "error does not start with the file name");
		check(strchr(err, '\n') == NULL, "error is not one line");
		return 0;
	}
	check(r == 0, "return value");
	check(conf.nexchanges > 0, "no exchange");
	check(conf.listen_tcp != NULL || conf.listen_unix != NULL,
	    "no listener");
	for (i = 0; i < conf.nexchanges; i++) {
		check(tk_exchange_conf_equal(&conf.exchanges[i],
		    &conf.exchanges[i]), "exchange differs from itself");
		check(tk_config_exchange(&conf, conf.exchanges[i].name) ==
		    &conf.exchanges[i], "exchange not found by name");
	}
	tk_config_free(&conf);
	tk_config_free(&conf);	/* idempotent */
	return 0;
}
