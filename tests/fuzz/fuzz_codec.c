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
 * enum; res->detail and res->reply are NUL-terminated strings.  And for a
 * codec without per-connection state, each frame read again with a string
 * value's first character escaped (the same JSON, which no fast path
 * reads) gives the same result and the same ticks.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "fuzz_exchange.h"
#include "../unit/tk_escape.h"

#define FUZZ_EXCHANGE	"fuzzex"
#define FUZZ_FRAMES_MAX	16	/* frames parsed per input (connection) */

#define FUZZ_OUT_MAX	(FUZZ_TICKS_KEPT * TK_TICK_JSON_MAX)
#define FUZZ_TICKS_KEPT	8	/* ticks of a frame compared across paths */

struct fuzz_emits {
	unsigned	 n;
	unsigned	 types;
	char		 out[FUZZ_OUT_MAX];	/* the first ticks, as JSON */
	size_t		 off;
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
	int len;

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
	len = tk_tick_format(t, 0, json, sizeof(json));
	fuzz_check(len > 0, "tick does not format within TK_TICK_JSON_MAX");
	if (e->n <= FUZZ_TICKS_KEPT) {
		memcpy(e->out + e->off, json, (size_t)len);
		e->off += (size_t)len;
	}
}

/*
 * One frame, copied into a buffer of exactly its length: @res and @e say
 * what it gave.
 */
static void
fuzz_frame(struct tk_codec_ctx *ctx, const uint8_t *p, size_t len,
    struct tk_frame_result *res)
{
	struct fuzz_emits *e = ctx->emit_ud;
	char *frame = malloc(len ? len : 1);

	fuzz_check(frame != NULL, "out of memory");
	if (len)
		memcpy(frame, p, len);
	e->n = 0;
	e->off = 0;
	memset(res, 0xa5, sizeof(*res));
	fuzz_adapter->parse(ctx, frame, len, res);
	free(frame);
	fuzz_check(res->kind >= TK_FRAME_DATA &&
	    res->kind <= TK_FRAME_MALFORMED, "res.kind");
	fuzz_check(res->nticks == e->n, "res.nticks != emitted");
	fuzz_check(memchr(res->detail, '\0', sizeof(res->detail)) != NULL,
	    "res.detail not terminated");
	fuzz_check(memchr(res->reply, '\0', sizeof(res->reply)) != NULL,
	    "res.reply not terminated");
}

/*
 * A stateless codec's frame read again with an escape, which leaves any
 * fast path (binance_fast.c) for the JSON path: the same result, but for
 * a MALFORMED detail, which may name a byte's position.
 */
static void
fuzz_escaped(struct tk_codec_ctx *ctx, const uint8_t *p, size_t len,
    const struct tk_frame_result *want)
{
	struct fuzz_emits *e = ctx->emit_ud, first = *e;
	struct tk_frame_result res;
	uint8_t *escaped = malloc(len + 5);
	size_t n;

	fuzz_check(escaped != NULL, "out of memory");
	if ((n = tk_escape_first_value((const char *)p, len,
	    (char *)escaped)) > 0) {
		fuzz_frame(ctx, escaped, n, &res);
		fuzz_check(res.kind == want->kind, "escaped: another kind");
		fuzz_check(res.nticks == want->nticks &&
		    res.unknown == want->unknown, "escaped: other counts");
		fuzz_check(e->off == first.off &&
		    memcmp(e->out, first.out, e->off) == 0,
		    "escaped: other ticks");
		fuzz_check(res.kind == TK_FRAME_MALFORMED ||
		    strcmp(res.detail, want->detail) == 0,
		    "escaped: another detail");
	}
	free(escaped);
}

static void
fuzz_connection(const uint8_t *data, size_t size, unsigned types)
{
	static struct fuzz_emits emits;
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

	emits.types = types;
	if (fuzz_adapter->state_size != NULL) {
		ctx.state = calloc(1, fuzz_adapter->state_size(fuzz_map));
		fuzz_check(ctx.state != NULL, "out of memory");
	}
	while (p <= end && nframes++ < FUZZ_FRAMES_MAX) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		fuzz_frame(&ctx, p, len, &res);
		if (ctx.state == NULL)
			fuzz_escaped(&ctx, p, len, &res);
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
