/* SPDX-License-Identifier: MIT */
/*
 * Frame -> tick rate of the Binance codec over real frames.
 *
 *   bench_binance [FIXTURE_DIR [ITERATIONS]]
 *
 * FIXTURE_DIR is tests/fixtures/binance; without it the built-in copies of
 * trade.json, aggTrade.json and bookTicker.json from there are used.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

struct sample {
	const char	*file;
	const char	*frame;
	size_t		 len;
	char		*owned;		/* read from FIXTURE_DIR */
};

static const struct tk_adapter *binance;

static struct sample samples[] = {
	{ .file = "trade.json",
	  .frame = "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\","
	    "\"E\":1639351062244,\"s\":\"ETHUSDT\",\"t\":705291099,"
	    "\"p\":\"4149.74000000\",\"q\":\"0.43870000\",\"b\":7038593583,"
	    "\"a\":7038593613,\"T\":1639351062243,\"m\":true,\"M\":true}}" },
	{ .file = "aggTrade.json",
	  .frame = "{\"stream\":\"nknusdt@aggTrade\",\"data\":"
	    "{\"e\":\"aggTrade\",\"E\":1633998523963,\"s\":\"NKNUSDT\","
	    "\"a\":15683430,\"p\":\"0.35280000\",\"q\":\"58.00000000\","
	    "\"f\":19862790,\"l\":19862790,\"T\":1633998523963,\"m\":false,"
	    "\"M\":true}}" },
	{ .file = "bookTicker.json",
	  .frame = "{\"stream\":\"nknusdt@bookTicker\",\"data\":"
	    "{\"u\":499869768,\"s\":\"NKNUSDT\",\"b\":\"0.35210000\","
	    "\"B\":\"672.00000000\",\"a\":\"0.35260000\","
	    "\"A\":\"3199.00000000\"}}" },
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static unsigned long long emitted;

static void
count_emit(void *ud, const struct tk_tick *t)
{
	(void)ud;
	/* Touch the tick so the copy cannot be optimised away. */
	emitted += (unsigned long long)t->ts & 1u;
	emitted++;
}

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n <= 0 || (buf = malloc((size_t)n)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds for @iters parses of @s; every parse must emit one tick. */
static double
run(const struct tk_codec_ctx *ctx, const struct sample *s, long iters)
{
	struct tk_frame_result res;
	unsigned long long before = emitted;
	double t0 = now_s();
	long i;

	for (i = 0; i < iters; i++)
		binance->parse(ctx, s->frame, s->len, &res);
	t0 = now_s() - t0;
	if (res.kind != TK_FRAME_DATA || res.nticks != 1 || emitted == before) {
		fprintf(stderr, "%s: no tick (%s)\n", s->file, res.detail);
		exit(1);
	}
	return t0;
}

int
main(int argc, char **argv)
{
	static const char *const syms[] = { "ETH-USDT", "NKN-USDT" };
	long iters = argc > 2 ? atol(argv[2]) : 500000;
	struct tk_codec_ctx ctx;
	struct tk_symmap *map;
	double secs, total = 0;
	char err[160];
	size_t i;

	for (i = 0; i < NSAMPLES; i++) {
		if (argc > 1)
			samples[i].frame = samples[i].owned = read_file(argv[1],
			    samples[i].file, &samples[i].len);
		else
			samples[i].len = strlen(samples[i].frame);
	}
	binance = tk_adapter_find("binance");
	map = tk_symmap_new(binance, syms, 2, err, sizeof(err));
	if (map == NULL) {
		fprintf(stderr, "symmap: %s\n", err);
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.exchange = "binance";
	ctx.symbols = map;
	ctx.types = TK_TYPES_ALL;
	ctx.recv_ts = INT64_C(1700000000000000);
	ctx.emit = count_emit;

	for (i = 0; i < NSAMPLES; i++)
		run(&ctx, &samples[i], iters / 10 + 1);	/* warm up */
	for (i = 0; i < NSAMPLES; i++) {
		secs = run(&ctx, &samples[i], iters);
		total += secs;
		printf("%-16s %4zu B  %10.0f frames/s  %7.1f ns/frame\n",
		    samples[i].file, samples[i].len, (double)iters / secs,
		    secs * 1e9 / (double)iters);
	}
	printf("%-16s         %10.0f frames/s  %7.1f ns/frame\n", "all",
	    (double)iters * NSAMPLES / total,
	    total * 1e9 / ((double)iters * NSAMPLES));
	tk_symmap_free(map);
	for (i = 0; i < NSAMPLES; i++)
		free(samples[i].owned);
	return 0;
}
