/* SPDX-License-Identifier: MIT */
/*
 * Client filter matching, per tick per client: tk_filter_match() (names
 * compared one by one) against tk_keyfilter_match() (the filter compiled
 * into bit sets over the key space), for no filter (most clients), a
 * one-symbol filter and the largest query there is (256 symbols x 256
 * exchanges, 2.4 KB or more).
 *
 * The key space is 256 exchanges x 256 symbols; ticks are drawn at random
 * from it.  "miss" ticks are of exchanges the big filter does not list,
 * the worst case of the name scan (every name compared).
 *
 * usage: bench_filter [iterations [case]]   (default 2000000 per round;
 * case 0-3 runs that row only, e.g. under valgrind --tool=callgrind)
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ticker/filter.h>
#include <ticker/keyset.h>

#define NEX	256
#define NSYM	256
#define NKEYS	4096		/* a power of two */
#define ROUNDS	5

struct key {
	uint32_t	 ex, sym;
	const char	*exchange, *symbol;
	enum tk_tick_type type;
};

struct setup {
	const char		*what;
	struct tk_filter	 f;
	struct tk_keyfilter	 kf;
	const struct key	*keys;
};

typedef double bench_fn(const struct setup *, long iters);

static char ex_names[2 * NEX][16];
static char sym_names[NSYM][16];
static struct key hit_keys[NKEYS], miss_keys[NKEYS];
static volatile unsigned long sink;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
bench_old(const struct setup *s, long iters)
{
	const struct key *k;
	unsigned long n = 0;
	double t0 = now_s();
	long i;

	for (i = 0; i < iters; i++) {
		k = &s->keys[i & (NKEYS - 1)];
		n += (unsigned long)tk_filter_match(&s->f, k->exchange,
		    k->symbol, k->type);
	}
	sink += n;
	return now_s() - t0;
}

static double
bench_compiled(const struct setup *s, long iters)
{
	const struct key *k;
	unsigned long n = 0;
	double t0 = now_s();
	long i;

	for (i = 0; i < iters; i++) {
		k = &s->keys[i & (NKEYS - 1)];
		n += (unsigned long)tk_keyfilter_match(&s->kf, k->ex, k->sym,
		    k->exchange, k->symbol, k->type);
	}
	sink += n;
	return now_s() - t0;
}

static void
run(const char *how, bench_fn *fn, const struct setup *s, long iters)
{
	double best = 0, secs;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		secs = fn(s, iters);
		if (r == 0 || secs < best)
			best = secs;
	}
	printf("%-22s %-9s %8.1f ns/match\n", s->what, how,
	    best * 1e9 / (double)iters);
}

/* Random keys; exchanges from @ex0 on (the second half: unlisted ones). */
static void
make_keys(struct tk_keyspace *ks, struct key *keys, int ex0)
{
	int i, e, y;

	for (i = 0; i < NKEYS; i++) {
		e = ex0 + rand() % NEX;
		y = rand() % NSYM;
		keys[i].exchange = ex_names[e];
		keys[i].symbol = sym_names[y];
		keys[i].ex = tk_keyspace_find(ks, TK_KEY_EXCHANGE,
		    ex_names[e]);
		keys[i].sym = tk_keyspace_find(ks, TK_KEY_SYMBOL,
		    sym_names[y]);
		keys[i].type = (enum tk_tick_type)(rand() % 2);
	}
}

/* "a,b,c" of the first @n names. */
static char *
join(char names[][16], int n)
{
	char *buf = malloc((size_t)n * 16 + 1), *p = buf;
	int i;

	if (buf == NULL)
		abort();
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", names[i]);
	return buf;
}

static int
setup(struct setup *s, const char *what, const char *symbols,
    const char *exchanges, const struct tk_keyspace *ks,
    const struct key *keys)
{
	char err[256];

	s->what = what;
	s->keys = keys;
	if (tk_filter_from_query(symbols, exchanges, NULL, &s->f, err,
	    sizeof(err)) < 0 || tk_keyfilter_compile(&s->f, ks, &s->kf) < 0) {
		fprintf(stderr, "bench_filter: %s: %s\n", what, err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long iters = 2000000, only = -1;
	struct setup s[4];
	struct tk_keyspace *ks;
	char *syms, *exs;
	int i;

	if ((argc > 1 && (iters = strtol(argv[1], NULL, 10)) <= 0) ||
	    (argc > 2 && ((only = strtol(argv[2], NULL, 10)) < 0 ||
	    only > 3))) {
		fprintf(stderr, "usage: %s [iterations [case]]\n", argv[0]);
		return 2;
	}
	if ((ks = tk_keyspace_new()) == NULL)
		return 1;
	for (i = 0; i < 2 * NEX; i++) {
		snprintf(ex_names[i], sizeof(ex_names[i]), "exchange%03d", i);
		tk_keyspace_add(ks, TK_KEY_EXCHANGE, ex_names[i]);
	}
	for (i = 0; i < NSYM; i++) {
		snprintf(sym_names[i], sizeof(sym_names[i]), "S%03d-USDT", i);
		tk_keyspace_add(ks, TK_KEY_SYMBOL, sym_names[i]);
	}
	srand(1);
	make_keys(ks, hit_keys, 0);
	make_keys(ks, miss_keys, NEX);
	syms = join(sym_names, NSYM);
	exs = join(ex_names, NEX);
	printf("query of the big filter: %zu bytes\n",
	    strlen("symbols=&exchanges=") + strlen(syms) + strlen(exs));
	if (setup(&s[0], "no filter", NULL, NULL, ks, hit_keys) < 0 ||
	    setup(&s[1], "1 symbol", "S007-USDT", NULL, ks, hit_keys) < 0 ||
	    setup(&s[2], "256x256", syms, exs, ks, hit_keys) < 0 ||
	    setup(&s[3], "256x256, miss", syms, exs, ks, miss_keys) < 0)
		return 1;
	for (i = 0; i < 4; i++) {
		if (only >= 0 && i != only)
			continue;
		run("old", bench_old, &s[i], i <= 1 ? iters : iters / 32);
		run("compiled", bench_compiled, &s[i], iters);
	}
	for (i = 0; i < 4; i++) {
		tk_keyfilter_finish(&s[i].kf);
		tk_filter_finish(&s[i].f);
	}
	free(syms);
	free(exs);
	tk_keyspace_free(ks);
	return 0;
}
