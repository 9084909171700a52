/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of one exchange codec, built once per exchange as
 * fuzz_<exchange> (tests/fuzz/CMakeLists.txt).  The generated
 * fuzz_exchange.h defines FUZZ_ADAPTER, the adapter's name in the registry
 * (and its folder in tests/fixtures/), and FUZZ_SYMBOLS, the unified
 * symbols its golden ticks name and a few more.
 *
 * One input is one connection: its lines are the frames, parsed in order
 * with the same codec state (zeroed first, as at every connect), so delta
 * sequences (Bybit's book) get exercised.  Only the first FUZZ_FRAMES_MAX
 * lines are frames; the rest of the input is ignored.  The codec state is
 * small (Bybit keeps the top of book of each symbol, a snapshot plus a
 * delta or two reach every branch), so longer connections add no coverage,
 * only hit counts: without the cap libFuzzer grows its corpus into 4 KiB
 * inputs of a hundred-odd junk lines, one parse each, and slows down
 * several times over.
 * Each frame is copied into a buffer of exactly its length, without a NUL,
 * so that ASan sees any read past the end.  Most inputs are a connection
 * that wants every type the exchange offers; a third (by input length)
 * want trades only, quotes only or funding only.  The map holds the
 * symbols of FUZZ_SYMBOLS of the adapter's market (spot or perpetual).
 *
 * Beyond "no crash, no leak, no UB" the harness checks what parse()
 * promises: every emitted tick is for a configured symbol and a wanted
 * type, names the configured exchange, and formats as JSON within
 * TK_TICK_JSON_MAX; res->nticks counts the emits; res->kind is one of the
 * enum; res->detail is a NUL-terminated string.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "fuzz_exchange.h"

#define FUZZ_EXCHANGE	"fuzzex"
#define FUZZ_FRAMES_MAX	16	/* frames parsed per input (connection) */

struct fuzz_emits {
	unsigned	 n;
	unsigned	 types;
};

static const struct tk_adapter *fuzz_adapter;
static struct tk_symmap *fuzz_map;

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void	fuzz_init(void);

static void
fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void
fuzz_emit(void *ud, const struct tk_tick *t)
{
	struct fuzz_emits *e = ud;
	char json[TK_TICK_JSON_MAX];
	size_t i, n = tk_symmap_count(fuzz_map);
	int known = 0;

	e->n++;
	fuzz_check(t->type == TK_TICK_TRADE || t->type == TK_TICK_QUOTE ||
	    t->type == TK_TICK_FUNDING, "tick type");
	fuzz_check((e->types & TK_TYPE_BIT(t->type)) != 0, "unwanted type");
	fuzz_check(strcmp(t->exchange, FUZZ_EXCHANGE) == 0, "exchange name");
	for (i = 0; i < n; i++)
		known |= strcmp(t->symbol, tk_symmap_unified_at(fuzz_map, i))
		    == 0;
	fuzz_check(known, "tick for a symbol that is not configured");
	fuzz_check(memchr(t->trade_id, '\0', sizeof(t->trade_id)) != NULL,
	    "trade_id not terminated");
	fuzz_check(tk_tick_format(t, 0, json, sizeof(json)) > 0,
	    "tick does not format within TK_TICK_JSON_MAX");
}

static void
fuzz_connection(const uint8_t *data, size_t size, unsigned types)
{
	const struct tk_adapter *ad = fuzz_adapter;
	struct fuzz_emits emits = { 0, types };
	struct tk_codec_ctx ctx = {
		.exchange = FUZZ_EXCHANGE,
		.symbols = fuzz_map,
		.types = types,
		.recv_ts = INT64_C(1700000000000000),
		.emit = fuzz_emit,
		.emit_ud = &emits,
		.state = NULL,
	};
	const uint8_t *p = data, *end = data + size, *nl;
	struct tk_frame_result res;
	size_t len;
	unsigned nframes = 0;
	char *frame;

	if (ad->state_size != NULL) {
		ctx.state = calloc(1, ad->state_size(fuzz_map));
		fuzz_check(ctx.state != NULL, "out of memory");
	}
	while (p <= end && nframes++ < FUZZ_FRAMES_MAX) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		frame = malloc(len ? len : 1);
		fuzz_check(frame != NULL, "out of memory");
		if (len)
			memcpy(frame, p, len);
		emits.n = 0;
		memset(&res, 0xa5, sizeof(res));
		ad->parse(&ctx, frame, len, &res);
		free(frame);
		fuzz_check(res.kind >= TK_FRAME_DATA &&
		    res.kind <= TK_FRAME_MALFORMED, "res.kind");
		fuzz_check(res.nticks == emits.n, "res.nticks != emitted");
		fuzz_check(memchr(res.detail, '\0', sizeof(res.detail)) != NULL,
		    "res.detail not terminated");
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	free(ctx.state);
}

/*
 * The adapter and its map: the FUZZ_SYMBOLS of its market (a spot
 * exchange refuses perpetuals and the other way round).
 */
static void
fuzz_init(void)
{
	static const char *const symbols[] = { FUZZ_SYMBOLS };
	const char *mine[sizeof(symbols) / sizeof(symbols[0])];
	char err[256], native[TK_SYMBOL_MAX];
	size_t i, n = 0;

	fuzz_adapter = tk_adapter_find(FUZZ_ADAPTER);
	fuzz_check(fuzz_adapter != NULL && fuzz_adapter->parse != NULL,
	    "no codec \"" FUZZ_ADAPTER "\" in the registry");
	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++)
		if (fuzz_adapter->native_symbol(symbols[i], native,
		    sizeof(native)) > 0)
			mine[n++] = symbols[i];
	fuzz_map = tk_symmap_new(fuzz_adapter, mine, n, err, sizeof(err));
	if (fuzz_map == NULL || n == 0) {
		fprintf(stderr, "symmap: %s\n", n == 0 ? "no symbol of the "
		    "adapter's market" : err);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned offered;

	if (fuzz_map == NULL)
		fuzz_init();
	offered = fuzz_adapter->types & TK_TYPES_FEED;
	/* Mostly every type offered; a third of the inputs want one only. */
	switch (size % 6) {
	case 1:
		fuzz_connection(data, size, TK_TYPE_BIT(TK_TICK_TRADE));
		break;
	case 4:
		fuzz_connection(data, size, TK_TYPE_BIT(TK_TICK_QUOTE));
		break;
	case 5:
		fuzz_connection(data, size, (offered &
		    TK_TYPE_BIT(TK_TICK_FUNDING)) != 0 ?
		    TK_TYPE_BIT(TK_TICK_FUNDING) : offered);
		break;
	default:
		fuzz_connection(data, size, offered);
		break;
	}
	return 0;
}
