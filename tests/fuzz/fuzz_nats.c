/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the bodies an edge reads from NATS.  The input is a
 * body.  tk_nats_body_parse() reads plain bodies on its fast path and
 * everything else with jansson; the checks:
 *  - the input, and the input with the first character of its symbol
 *    written as a \u escape (which only the JSON path reads), are taken or
 *    refused alike, and taken, give the same tick field by field;
 *  - a tick taken is written back by tk_nats_tick_body() and that body
 *    reads back to the same tick.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>
#include <ticker/nats.h>
#include <ticker/tick.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static int
dec_eq(const struct tk_dec *a, const struct tk_dec *b)
{
	return a->valid == b->valid && (!a->valid ||
	    (a->mant == b->mant && a->scale == b->scale));
}

static int
ticks_eq(const struct tk_tick *a, const struct tk_tick *b)
{
	return a->type == b->type && a->side == b->side &&
	    a->size_unit == b->size_unit && a->ts == b->ts &&
	    a->recv_ts == b->recv_ts &&
	    a->next_funding_ts == b->next_funding_ts &&
	    strcmp(a->exchange, b->exchange) == 0 &&
	    strcmp(a->symbol, b->symbol) == 0 &&
	    strcmp(a->trade_id, b->trade_id) == 0 &&
	    dec_eq(&a->price, &b->price) && dec_eq(&a->size, &b->size) &&
	    dec_eq(&a->bid, &b->bid) && dec_eq(&a->bid_size, &b->bid_size) &&
	    dec_eq(&a->ask, &b->ask) && dec_eq(&a->ask_size, &b->ask_size) &&
	    dec_eq(&a->mark_price, &b->mark_price) &&
	    dec_eq(&a->index_price, &b->index_price) &&
	    dec_eq(&a->rate, &b->rate);
}

static int
parse(const char *body, size_t len, enum tk_nats_kind *kind,
    struct tk_tick *t)
{
	struct tk_nats_status st;

	return tk_nats_body_parse(body, len, kind, t, &st, NULL, 0);
}

/* @in with the symbol's first character escaped, in @out; its length. */
static size_t
escape_symbol(const char *in, size_t len, char *out, size_t cap)
{
	static const char key[] = "\"symbol\":\"";
	const char *p = memmem(in, len, key, sizeof(key) - 1);
	size_t head;
	unsigned char c;

	if (p == NULL)
		return 0;
	head = (size_t)(p - in) + sizeof(key) - 1;
	if (head >= len || len + 6 > cap)
		return 0;
	c = (unsigned char)in[head];
	if (c < 0x20 || c > 0x7e || c == '\\' || c == '"')
		return 0;
	memcpy(out, in, head);
	snprintf(out + head, 7, "\\u%04x", c);
	memcpy(out + head + 6, in + head + 1, len - head - 1);
	return len + 5;
}

static void
round_trip(const struct tk_tick *t)
{
	char body[TK_NATS_BODY_MAX];
	struct tk_tick back;
	enum tk_nats_kind kind;
	int n = tk_nats_tick_body(t, body, sizeof(body));

	check(n > 0, "a tick taken cannot be written back");
	check(parse(body, (size_t)n, &kind, &back) == 0 &&
	    kind == TK_NATS_TICK, "a body written back is refused");
	check(ticks_eq(t, &back), "a body written back reads another tick");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char esc[4096 + 8];
	struct tk_tick a, b;
	enum tk_nats_kind ka, kb;
	size_t n;
	int ra, rb;

	if (size > 4096)
		return 0;
	ra = parse((const char *)data, size, &ka, &a);
	n = escape_symbol((const char *)data, size, esc, sizeof(esc));
	if (n > 0) {
		rb = parse(esc, n, &kb, &b);
		check((ra == 0) == (rb == 0), "escaping the symbol changed "
		    "whether the body is taken");
		if (ra == 0)
			check(ka == kb && (ka != TK_NATS_TICK || ticks_eq(&a, &b)),
			    "the fast and the JSON path read different ticks");
	}
	if (ra == 0 && ka == TK_NATS_TICK)
		round_trip(&a);
	return 0;
}
