/* SPDX-License-Identifier: MIT */
#ifndef TK_CHECK_H
#define TK_CHECK_H

/*
 * Helpers shared by the Check suites: a counting fake waker, stream
 * assertions in the spirit of futures_test (assert_stream_pending/next/done)
 * and the ticks of the SPEC.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/stream.h>
#include <ticker/tick.h>

struct count_waker {
	struct tk_waker	 w;
	int		 woken;
};

static void
count_waker_wake(struct tk_waker *w)
{
	((struct count_waker *)(void *)w)->woken++;
}

static inline void
count_waker_init(struct count_waker *cw)
{
	cw->w.wake = count_waker_wake;
	cw->woken = 0;
}

/* The registry's adapter @name (inside a test: fails it if there is none). */
static inline const struct tk_adapter *
tk_test_adapter(const char *name)
{
	const struct tk_adapter *a = tk_adapter_find(name);

	ck_assert_msg(a != NULL, "no adapter \"%s\" in the registry", name);
	return a;
}

/* A trade tick whose trade_id is @id, for ordering checks. */
static inline struct tk_tick
tk_test_tick(const char *exchange, const char *id)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	strncpy(t.exchange, exchange, sizeof(t.exchange) - 1);
	strncpy(t.symbol, "BTC-USD", sizeof(t.symbol) - 1);
	strncpy(t.trade_id, id, sizeof(t.trade_id) - 1);
	return t;
}

/* @s as a decimal (inside a test: fails it if @s is not one). */
static inline struct tk_dec
tk_test_dec(const char *s)
{
	struct tk_dec d;

	ck_assert_int_eq(tk_dec_parse(s, strlen(s), &d), 0);
	return d;
}

/* The two ticks of SPEC "Ticks", decimals as the exchanges wrote them. */
static inline struct tk_tick
tk_test_spec_trade(void)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_TRADE;
	strcpy(t.exchange, "binance");
	strcpy(t.symbol, "BTC-USDT");
	t.price = tk_test_dec("37123.45000000");
	t.size = tk_test_dec("0.01200000");
	t.side = TK_SIDE_BUY;
	strcpy(t.trade_id, "12345");
	t.ts = 1700000000123000;
	t.recv_ts = 1700000000124567;
	t.seq = 1042;
	return t;
}

static inline struct tk_tick
tk_test_spec_quote(void)
{
	struct tk_tick t;

	memset(&t, 0, sizeof(t));
	t.type = TK_TICK_QUOTE;
	strcpy(t.exchange, "kraken");
	strcpy(t.symbol, "BTC-USD");
	t.bid = tk_test_dec("37120.1");
	t.bid_size = tk_test_dec("1.50000000");
	t.ask = tk_test_dec("37120.2");
	t.ask_size = tk_test_dec("0.3");
	t.ts = 1700000000123000;
	t.recv_ts = 1700000000124567;
	t.seq = 1043;
	return t;
}

#define ck_assert_stream_pending(s, cw) do { \
	struct tk_tick tk__t; \
	ck_assert_int_eq(tk_stream_next((s), &tk__t, &(cw)->w), \
	    TK_POLL_PENDING); \
} while (0)

/* Next item is READY and its trade_id is @id. */
#define ck_assert_stream_next_id(s, cw, id) do { \
	struct tk_tick tk__t; \
	ck_assert_int_eq(tk_stream_next((s), &tk__t, &(cw)->w), \
	    TK_POLL_READY); \
	ck_assert_str_eq(tk__t.trade_id, (id)); \
} while (0)

#define ck_assert_stream_end(s, cw) do { \
	struct tk_tick tk__t; \
	ck_assert_int_eq(tk_stream_next((s), &tk__t, &(cw)->w), \
	    TK_POLL_END); \
} while (0)

/* Reads $TK_FIXTURES/@rel; returns malloc'd NUL-terminated text. */
static inline char *
tk_test_read_fixture(const char *rel, size_t *len)
{
	const char *dir = getenv("TK_FIXTURES");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	ck_assert_msg(dir != NULL, "TK_FIXTURES is not set");
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

#endif
