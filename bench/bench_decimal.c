/* SPDX-License-Identifier: MIT */
/*
 * Hot-path rates: tk_dec_parse() + tk_dec_format() over price and size text
 * as exchanges send it, tk_dec_from_double() for the exchanges that send
 * JSON numbers, and tk_tick_format() per outgoing tick.
 *
 * usage: bench_decimal [iterations]   (default 2000000 per round)
 *
 * Each measurement runs ROUNDS rounds and reports the fastest, since the
 * build machines are shared and a round can lose its CPU half-way.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ticker/decimal.h>
#include <ticker/tick.h>

/* Binance/OKX pad to 8 decimals, Kraken and Coinbase do not, some use E. */
static const char *const prices[] = {
	"37123.45000000", "0.01200000", "0.00000638", "105944.20",
	"37120.1", "1.5", "0.3", "2456.78", "0.000001", "65000",
	"0.07310000", "123.456789", "9.2E-7", "1e-8", "99999.99", "0.5",
};
#define NPRICES (sizeof(prices) / sizeof(prices[0]))

static const double doubles[] = {
	105944.2, 37123.45, 0.012, 6.38e-6, 37120.1, 1.5, 0.3, 2456.78,
};
#define NDOUBLES (sizeof(doubles) / sizeof(doubles[0]))

#define ROUNDS 5

/* One round of @iters operations; returns seconds, or < 0 on a failure. */
typedef double bench_fn(long iters);

/* Keeps results alive so the compiler cannot drop the work. */
static volatile unsigned long sink;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
run(const char *what, bench_fn *fn, long n)
{
	double best = 0, secs;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		if ((secs = fn(n)) < 0)
			return -1;
		if (r == 0 || secs < best)
			best = secs;
	}
	printf("%-26s %9ld ops/round  best of %d: %11.0f ops/s %7.1f ns/op\n",
	    what, n, ROUNDS, (double)n / best, best * 1e9 / (double)n);
	return 0;
}

static size_t price_lens[NPRICES];

static double
bench_parse_format(long iters)
{
	char buf[TK_DEC_TEXT_MAX];
	struct tk_dec d;
	double t0 = now_s();
	size_t i;
	long k;

	for (k = 0; k < iters; k++) {
		i = (size_t)k % NPRICES;
		if (tk_dec_parse(prices[i], price_lens[i], &d) != 0)
			return -1;
		sink += (unsigned long)tk_dec_format(&d, buf, sizeof(buf));
	}
	return now_s() - t0;
}

static double
bench_parse(long iters)
{
	struct tk_dec d;
	double t0 = now_s();
	size_t i;
	long k;

	for (k = 0; k < iters; k++) {
		i = (size_t)k % NPRICES;
		if (tk_dec_parse(prices[i], price_lens[i], &d) != 0)
			return -1;
		sink += (unsigned long)d.mant;
	}
	return now_s() - t0;
}

static double
bench_from_double(long iters)
{
	struct tk_dec d;
	double t0 = now_s();
	long k;

	for (k = 0; k < iters; k++) {
		if (tk_dec_from_double(doubles[(size_t)k % NDOUBLES], &d) != 0)
			return -1;
		sink += (unsigned long)d.mant;
	}
	return now_s() - t0;
}

static void
make_ticks(struct tk_tick *trade, struct tk_tick *quote)
{
	memset(trade, 0, sizeof(*trade));
	trade->type = TK_TICK_TRADE;
	strcpy(trade->exchange, "binance");
	strcpy(trade->symbol, "BTC-USDT");
	strcpy(trade->trade_id, "3172345123");
	tk_dec_parse("37123.45000000", 14, &trade->price);
	tk_dec_parse("0.01200000", 10, &trade->size);
	trade->side = TK_SIDE_BUY;
	trade->ts = 1700000000123000;
	trade->recv_ts = 1700000000124567;
	trade->seq = 1042;

	memset(quote, 0, sizeof(*quote));
	quote->type = TK_TICK_QUOTE;
	strcpy(quote->exchange, "kraken");
	strcpy(quote->symbol, "BTC-USD");
	tk_dec_parse("37120.1", 7, &quote->bid);
	tk_dec_parse("1.5", 3, &quote->bid_size);
	tk_dec_parse("37120.2", 7, &quote->ask);
	tk_dec_parse("0.3", 3, &quote->ask_size);
	quote->ts = 1700000000123000;
	quote->recv_ts = 1700000000124567;
	quote->seq = 1043;
}

static double
bench_tick_format(long iters)
{
	struct tk_tick ticks[2];
	char buf[TK_TICK_JSON_MAX];
	double t0;
	long k;
	int n;

	make_ticks(&ticks[0], &ticks[1]);
	t0 = now_s();
	for (k = 0; k < iters; k++) {
		ticks[k & 1].seq++;
		if ((n = tk_tick_format(&ticks[k & 1], 0, buf, sizeof(buf))) < 0)
			return -1;
		sink += (unsigned long)n;
	}
	return now_s() - t0;
}

int
main(int argc, char **argv)
{
	long iters = 2000000;
	size_t i;

	if (argc > 1 && (iters = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: %s [iterations]\n", argv[0]);
		return 2;
	}
	for (i = 0; i < NPRICES; i++)
		price_lens[i] = strlen(prices[i]);
	if (run("dec_parse+dec_format", bench_parse_format, iters) < 0 ||
	    run("dec_parse", bench_parse, iters) < 0 ||
	    run("dec_from_double", bench_from_double, iters / 8) < 0 ||
	    run("tick_format (trade/quote)", bench_tick_format, iters) < 0) {
		fprintf(stderr, "bench_decimal: a call failed\n");
		return 1;
	}
	return 0;
}
