/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what a client can send.  The whole input is one client
 * text message (tk_client_msg_parse); then its first three lines are the
 * URL query values symbols, exchanges and types (tk_filter_from_query; a
 * missing line, or one that starts with \x01, is an absent key).  A filter
 * that parses must echo within a generous buffer and match every symbol
 * and exchange it lists, for every type it allows.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/filter.h>

#define ECHO_MAX	(TK_FILTER_MAX_NAMES * 2 * 40 + 256)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void
check_filter(const struct tk_filter *f)
{
	static char echo[ECHO_MAX];
	const char *ex, *sym;
	size_t i, j;
	int t, n;

	n = tk_filter_format_subscribed(f, echo, sizeof(echo));
	check(n > 0 && (size_t)n < sizeof(echo), "echo");
	for (t = TK_TICK_TRADE; t < TK_TICK_TYPE_MAX; t++) {
		if (!(f->types & TK_TYPE_BIT(t)))
			continue;
		for (i = 0; i < (f->nsymbols ? f->nsymbols : 1); i++) {
			sym = f->symbols ? f->symbols[i] : "BTC-USD";
			for (j = 0; j < (f->nexchanges ? f->nexchanges : 1);
			    j++) {
				ex = f->exchanges ? f->exchanges[j] : "x";
				if (t == TK_TICK_BBO) {
					/* no exchange: named types let it by */
					check(tk_filter_match(f, "", sym, t) ==
					    (f->exchanges == NULL ||
					    f->types != TK_TYPES_ANY), "bbo");
					continue;
				}
				check(tk_filter_match(f, ex, sym, t),
				    "listed item does not match");
				check(tk_filter_match_exchange(f, ex),
				    "listed exchange does not match");
			}
		}
	}
}

static void
fuzz_message(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), err[256], out[512];
	struct tk_client_msg msg;

	check(text != NULL, "out of memory");
	if (size)
		memcpy(text, data, size);
	if (tk_client_msg_parse(text, size, &msg, err, sizeof(err)) == 0) {
		check(msg.op == TK_CLIENT_SUBSCRIBE || msg.op == TK_CLIENT_PING,
		    "op");
		if (msg.op == TK_CLIENT_SUBSCRIBE) {
			check_filter(&msg.filter);
			tk_filter_finish(&msg.filter);
		}
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL,
		    "error not terminated");
		check(tk_format_error(err, out, sizeof(out)) > 0,
		    "error frame does not fit");
	}
	free(text);
}

static void
fuzz_query(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *part[3] = { NULL, NULL, NULL }, *p;
	char err[256];
	struct tk_filter f;
	int i;

	check(copy != NULL, "out of memory");
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	for (i = 0; i < 3 && p != NULL; i++) {
		part[i] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
		if (part[i][0] == '\x01')
			part[i] = NULL;
	}
	if (tk_filter_from_query(part[0], part[1], part[2], &f, err,
	    sizeof(err)) == 0) {
		check_filter(&f);
		tk_filter_finish(&f);
		tk_filter_finish(&f);
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL,
		    "error not terminated");
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_message(data, size);
	fuzz_query(data, size);
	return 0;
}
