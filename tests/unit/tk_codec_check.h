/* SPDX-License-Identifier: MIT */
#ifndef TK_CODEC_CHECK_H
#define TK_CODEC_CHECK_H

/*
 * What the exchange codec suites (check_<exchange>.c) share: a sink for
 * the emitted ticks, the golden runner (every fixture frame against its
 * expected/<name>.out), the check that every fixture has a golden entry,
 * the bad-frame table runner, the never-crash loops (every truncation,
 * byte flips, deep nesting), and the table-driven checks of the adapter's
 * fields, native symbols, subscribe messages (and their chunking over many
 * symbols), channel filters and unknown-symbol counts; assert_fixture_trade()
 * and assert_fixture_quote() check the one tick a fixture gives.
 *
 * A suite includes this header and defines `codec` (declared below), which
 * says what is under test and holds its tables; then tk_codec_tcase_golden(),
 * tk_codec_tcase_bad() and tk_codec_tcase_subscribe() add the shared tests
 * to its tcases.  tk_codec_suite()
 * looks the adapter up in the registry by the fixture folder's name
 * (`adapter`); setup() and teardown() build `map`, `sink` and `ctx`.  The
 * suite's own tests use them as well.
 *
 * ctx wants every channel the adapter offers (funding too, where it
 * does), and has no codec state (ctx.state NULL), except for a codec
 * whose frames cannot be read without what came before on the connection
 * (Bitfinex's data frames carry only a channel id; the subscribe acks say
 * which): its fixture folder has PRELUDE_FILE, frames one per line that
 * setup() parses first into zeroed per-connection state, so that every
 * golden frame is read as on a connection that got them.
 */

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <ticker/adapter.h>
#include <ticker/decimal.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "tk_check.h"
#include "tk_escape.h"

#define RECV_TS		INT64_C(1700000000000000)
#define PRELUDE_FILE	"prelude.jsonl"
#define MAX_TICKS	8

/* A frame that must not give data, and how it must be reported. */
struct tk_codec_bad {
	const char		*name;
	const char		*frame;
	enum tk_frame_kind	 kind;
	const char		*detail;	/* trailing '*': prefix */
};

/* A symbol the adapter writes in its own way. */
struct tk_codec_native {
	const char	*unified;
	const char	*native;
};

/*
 * The subscribe messages for @symbols (NULL-terminated) and @types: want[i]
 * is message i, and want ends with NULL where subscribe() says "no more".
 */
struct tk_codec_sub {
	const char		*name;
	const char *const	*symbols;
	unsigned		 types;
	const char *const	*want;
};

/* A NULL-terminated list of strings, for struct tk_codec_sub. */
#define TK_LIST(...)	((const char *const[]){ __VA_ARGS__, NULL })

/*
 * Many symbols, named @prefix, the number (@width digits at least),
 * @suffix, subscribed for @types: @read checks message i (parsed) and
 * calls chunk_topic() for every (symbol number, channel) it asks for.
 */
struct tk_codec_chunks {
	const char	*prefix;
	int		 width;
	const char	*suffix;
	unsigned	 nsymbols;	/* at most CHUNK_SYMBOLS_MAX */
	unsigned	 types;
	unsigned	 nchannels;	/* a symbol; at most 4 */
	unsigned	 min_msgs;	/* at least so many messages */
	unsigned	 nmsgs;		/* exactly so many, or 0 */
	void	(*read)(const json_t *msg, unsigned i);
	/* more checks on the same symbols, or NULL */
	void	(*more)(const struct tk_symmap *m);
};

/*
 * A frame read with ctx.types = @types: a fixture file of the codec's
 * directory, or the frame itself when it starts with '{' or '['.  It must
 * be @kind, give @nticks ticks (the first of @type, where @type is not
 * TK_CODEC_ANY) and count no unknown symbol.
 */
struct tk_codec_filter {
	unsigned		 types;
	const char		*frame;
	enum tk_frame_kind	 kind;
	unsigned		 nticks;
	int			 type;
};

#define TK_CODEC_ANY	(-1)

/*
 * A DATA frame (a fixture or the frame itself, as above) read with
 * codec.only configured (or with no map at all, where @nomap): it must
 * count @unknown unknown symbols and give @nticks ticks, the first one's
 * JSON containing @tick where that is not NULL.
 */
struct tk_codec_unknown {
	const char	*frame;
	unsigned	 unknown;
	unsigned	 nticks;
	const char	*tick;
	bool		 nomap;
};

/* For struct tk_codec_unknown's @tick. */
#define TK_SYMBOL_IS(sym)	"\"symbol\":\"" sym "\""
#define Q_ONLY		TK_TYPE_BIT(TK_TICK_QUOTE)
#define T_ONLY		TK_TYPE_BIT(TK_TICK_TRADE)
#define F_ONLY		TK_TYPE_BIT(TK_TICK_FUNDING)

/* What the registry says of the adapter, beside its functions. */
struct tk_codec_fields {
	struct tk_adapter	 a;	/* name, kind, URLs, numbers */
	bool			 state;	/* has state_size() */
	bool			 rest;	/* asks over REST before connecting */
};

struct tk_codec_test {
	const char			*dir;	/* $TK_FIXTURES/<adapter> */
	const char *const		*symbols;	/* configured */
	size_t				 nsymbols;
	const char *const		*golden;	/* every fixture file */
	size_t				 ngolden;
	const struct tk_codec_bad	*bad;
	size_t				 nbad;
	const char			*control; /* a CONTROL frame */
	const char			*nest;	/* "{\"key\":" to nest under */
	const char			*flips;	/* 15 bytes to flip in */
	/*
	 * REST answers (files of the codec's directory, in request order)
	 * that setup() gives rest_parse() before every test, for adapters
	 * that ask before connecting; NULL-terminated, or NULL for none.
	 */
	const char *const		*rest;
	const struct tk_codec_fields	*fields;
	const struct tk_codec_native	*native;	/* symbols it takes */
	size_t				 nnative;
	const char *const		*refused;	/* and refuses */
	size_t				 nrefused;
	const struct tk_codec_sub	*subs;
	size_t				 nsubs;
	const struct tk_codec_chunks	*chunks;	/* or NULL */
	const struct tk_codec_filter	*filters;
	size_t				 nfilters;
	/* symbols configured for unknown[] (NULL-terminated), or NULL for
	 * the fixture symbols */
	const char *const		*only;
	const struct tk_codec_unknown	*unknown;
	size_t				 nunknown;
	/* Every subscribe message, echoed back, is a CONTROL frame. */
	bool				 echo_control;
	/*
	 * For messages that start with something that differs from call to
	 * call (a clock): checks that part of @buf, made between @before and
	 * @after, and returns what follows it; NULL for none.
	 */
	const char *(*stamp)(const char *buf, time_t before, time_t after);
};

/* Defined by the suite, with TK_CODEC_TEST() or by hand. */
static const struct tk_codec_test codec;
/* The registry's adapter of that name, set by tk_codec_suite(). */
static const struct tk_adapter *adapter;

/*
 * The usual definition: fixture_symbols[], golden[], bad[], fields,
 * native[], refused[], subs[] and filters[] of the suite, the frames the
 * shared tests need (see struct tk_codec_test), then any other members.
 */
#define TK_CODEC_TEST(ex, control_, nest_, flips_, ...) {		\
	.dir = #ex,							\
	.symbols = fixture_symbols,					\
	.nsymbols = TK_NELEM(fixture_symbols),				\
	.golden = golden,						\
	.ngolden = TK_NELEM(golden),					\
	.bad = bad,							\
	.nbad = TK_NELEM(bad),						\
	.control = (control_),						\
	.nest = (nest_),						\
	.flips = (flips_),						\
	.fields = &fields,						\
	.native = native,						\
	.nnative = TK_NELEM(native),					\
	.refused = refused,						\
	.nrefused = TK_NELEM(refused),					\
	.subs = subs,							\
	.nsubs = TK_NELEM(subs),					\
	.filters = filters,						\
	.nfilters = TK_NELEM(filters),					\
	__VA_ARGS__							\
}

#define TK_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* For TK_CODEC_TEST(): the suite's unknown[], read with @only_. */
#define TK_CODEC_UNKNOWN(only_)						\
	.only = (only_),						\
	.unknown = unknown,						\
	.nunknown = TK_NELEM(unknown)

static const char *const kind_names[] = {
	[TK_FRAME_DATA] = "DATA",
	[TK_FRAME_CONTROL] = "CONTROL",
	[TK_FRAME_RECONNECT] = "RECONNECT",
	[TK_FRAME_EXCHANGE_ERROR] = "EXCHANGE_ERROR",
	[TK_FRAME_MALFORMED] = "MALFORMED",
};

struct sink {
	struct tk_tick	 ticks[MAX_TICKS];
	unsigned	 n;
};

static struct tk_symmap *map;
static struct sink sink;
static struct tk_codec_ctx ctx;
static void *codec_state;
static void *rest_data;

/* codec.rest through the adapter's rest_parse(), into rest_data. */
static inline void
setup_rest(void)
{
	struct tk_rest_connect rc;
	char rel[256], err[160], *body;
	size_t i, len;

	if (codec.rest == NULL)
		return;
	rest_data = calloc(1, adapter->rest_size(map));
	ck_assert_ptr_nonnull(rest_data);
	memset(&rc, 0, sizeof(rc));
	for (i = 0; codec.rest[i] != NULL; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", codec.dir, codec.rest[i]);
		body = tk_test_read_fixture(rel, &len);
		ck_assert_msg(adapter->rest_parse(map, (unsigned)i, body, len,
		    rest_data, &rc, err, sizeof(err)) == 0, "%s: %s", rel,
		    err);
		free(body);
	}
	ctx.rest = rest_data;
}

static void
sink_emit(void *ud, const struct tk_tick *t)
{
	struct sink *s = ud;

	ck_assert_uint_lt(s->n, MAX_TICKS);
	s->ticks[s->n++] = *t;
}

/* Parses the lines of the folder's PRELUDE_FILE, if it has one. */
static void
parse_prelude(void)
{
	struct tk_frame_result res;
	char path[1024], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", getenv("TK_FIXTURES"),
	    codec.dir, PRELUDE_FILE);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	ck_assert_ptr_nonnull(adapter->state_size);
	codec_state = calloc(1, adapter->state_size(map) + 1);
	ck_assert_ptr_nonnull(codec_state);
	ctx.state = codec_state;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		adapter->parse(&ctx, line, (size_t)n, &res);
		ck_assert_msg(res.kind == TK_FRAME_CONTROL, "%s: %s: %s",
		    PRELUDE_FILE, line, res.detail);
	}
	free(line);
	fclose(f);
}

static inline void
setup(void)
{
	char err[160];

	map = tk_symmap_new(adapter, codec.symbols, codec.nsymbols,
	    err, sizeof(err));
	ck_assert_msg(map != NULL, "%s", err);
	memset(&sink, 0, sizeof(sink));
	ctx.exchange = codec.dir;
	ctx.symbols = map;
	/* every channel the exchange offers: funding too, where it has it */
	ctx.types = adapter->types & TK_TYPES_FEED;
	ctx.recv_ts = RECV_TS;
	ctx.emit = sink_emit;
	ctx.emit_ud = &sink;
	ctx.state = NULL;
	ctx.rest = NULL;
	setup_rest();
	parse_prelude();
}

static inline void
teardown(void)
{
	free(rest_data);
	rest_data = NULL;
	ctx.rest = NULL;
	tk_symmap_free(map);
	map = NULL;
	free(codec_state);
	codec_state = NULL;
	ctx.state = NULL;
}

static inline void
parse_str(const char *frame, struct tk_frame_result *res)
{
	sink.n = 0;
	adapter->parse(&ctx, frame, strlen(frame), res);
	ck_assert_uint_eq(res->nticks, sink.n);
}

/* Parses fixture file @name of the codec's directory. */
static inline void
parse_fixture(const char *name, struct tk_frame_result *res)
{
	char rel[256], *frame;
	size_t len;

	snprintf(rel, sizeof(rel), "%s/%s", codec.dir, name);
	frame = tk_test_read_fixture(rel, &len);
	sink.n = 0;
	adapter->parse(&ctx, frame, len, res);
	ck_assert_uint_eq(res->nticks, sink.n);
	free(frame);
}

static inline void
assert_dec(const struct tk_dec *d, const char *want)
{
	char buf[TK_DEC_TEXT_MAX];

	ck_assert(d->valid);
	ck_assert_int_gt(tk_dec_format(d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
}

/* A fixture that gives trades, and what the first one must be. */
struct tk_codec_trade {
	const char		*fixture;
	unsigned		 nticks;	/* 0 for 1 */
	const char		*symbol;
	const char		*price;
	const char		*size;
	enum tk_size_unit	 size_unit;
	enum tk_side		 side;
	const char		*trade_id;
	int64_t			 ts;
};

/*
 * Parses fixture @w->fixture: a DATA frame of @w->nticks trades, the first
 * as @w says, from this exchange, received at RECV_TS, with no sequence
 * number and no quote fields.  Returns that first tick.
 */
static inline const struct tk_tick *
assert_fixture_trade(const struct tk_codec_trade *w)
{
	const struct tk_tick *t = &sink.ticks[0];
	struct tk_frame_result res;

	parse_fixture(w->fixture, &res);
	ck_assert_msg(res.kind == TK_FRAME_DATA, "%s: %s", w->fixture,
	    res.detail);
	ck_assert_uint_eq(res.nticks, w->nticks != 0 ? w->nticks : 1);
	ck_assert_int_eq(t->type, TK_TICK_TRADE);
	ck_assert_str_eq(t->exchange, codec.dir);
	ck_assert_str_eq(t->symbol, w->symbol);
	assert_dec(&t->price, w->price);
	assert_dec(&t->size, w->size);
	ck_assert_int_eq(t->size_unit, w->size_unit);
	ck_assert_int_eq(t->side, w->side);
	ck_assert_str_eq(t->trade_id, w->trade_id);
	ck_assert_int_eq(t->ts, w->ts);
	ck_assert_int_eq(t->recv_ts, RECV_TS);
	ck_assert_uint_eq(t->seq, 0);
	ck_assert(!t->bid.valid && !t->ask.valid);
	ck_assert(!t->bid_size.valid && !t->ask_size.valid);
	return t;
}

/* A fixture that gives one quote, and what it must be. */
struct tk_codec_quote {
	const char		*fixture;
	const char		*symbol;
	const char		*bid;		/* NULL: no value */
	const char		*bid_size;
	const char		*ask;
	const char		*ask_size;
	enum tk_size_unit	 size_unit;
	int64_t			 ts;
};

static inline void
assert_dec_or_none(const struct tk_dec *d, const char *want)
{
	if (want == NULL)
		ck_assert(!d->valid);
	else
		assert_dec(d, want);
}

/*
 * Parses fixture @w->fixture: a DATA frame of one quote as @w says, from
 * this exchange, received at RECV_TS, with no sequence number and no trade
 * fields.  Returns it.
 */
static inline const struct tk_tick *
assert_fixture_quote(const struct tk_codec_quote *w)
{
	const struct tk_tick *t = &sink.ticks[0];
	struct tk_frame_result res;

	parse_fixture(w->fixture, &res);
	ck_assert_msg(res.kind == TK_FRAME_DATA, "%s: %s", w->fixture,
	    res.detail);
	ck_assert_uint_eq(res.nticks, 1);
	ck_assert_int_eq(t->type, TK_TICK_QUOTE);
	ck_assert_str_eq(t->exchange, codec.dir);
	ck_assert_str_eq(t->symbol, w->symbol);
	assert_dec_or_none(&t->bid, w->bid);
	assert_dec_or_none(&t->bid_size, w->bid_size);
	assert_dec_or_none(&t->ask, w->ask);
	assert_dec_or_none(&t->ask_size, w->ask_size);
	ck_assert_int_eq(t->size_unit, w->size_unit);
	ck_assert_int_eq(t->ts, w->ts);
	ck_assert_int_eq(t->recv_ts, RECV_TS);
	ck_assert_uint_eq(t->seq, 0);
	ck_assert(!t->price.valid && !t->size.valid);
	ck_assert_str_eq(t->trade_id, "");
	ck_assert_int_eq(t->side, TK_SIDE_UNKNOWN);
	return t;
}

/* The golden text of one parse: a header, the detail if any, the ticks. */
static char *
render(const struct tk_frame_result *res)
{
	size_t cap = 512 + MAX_TICKS * (TK_TICK_JSON_MAX + 1), off;
	char *out = malloc(cap);
	unsigned i;
	int n;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_le(res->kind, TK_FRAME_MALFORMED);
	off = (size_t)snprintf(out, cap, "# kind=%s nticks=%u unknown=%u\n",
	    kind_names[res->kind], res->nticks, res->unknown);
	if (res->detail[0] != '\0')
		off += (size_t)snprintf(out + off, cap - off, "# detail=%s\n",
		    res->detail);
	for (i = 0; i < sink.n; i++) {
		n = tk_tick_format(&sink.ticks[i], 0, out + off, cap - off);
		ck_assert_int_gt(n, 0);
		off += (size_t)n;
		out[off++] = '\n';
	}
	out[off] = '\0';
	return out;
}

/* <name>.json (or .txt) against expected/<name>.out. */
START_TEST(test_golden)
{
	const char *name = codec.golden[_i];
	struct tk_frame_result res;
	char rel[256], *want, *got;

	parse_fixture(name, &res);
	snprintf(rel, sizeof(rel), "%s/expected/%.*s.out", codec.dir,
	    (int)(strrchr(name, '.') - name), name);
	want = tk_test_read_fixture(rel, NULL);
	got = render(&res);
	ck_assert_msg(strcmp(got, want) == 0, "%s:\n--- want\n%s--- got\n%s",
	    name, want, got);
	free(got);
	free(want);
}
END_TEST

/* tk_escape_first_value() into a new string; NULL if it has none. */
static char *
escape_first_value(const char *frame, size_t len)
{
	char *out = malloc(len + 6);
	size_t n;

	if (out == NULL || (n = tk_escape_first_value(frame, len, out)) == 0) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

static size_t json_allocs;

static void *
counting_malloc(size_t n)
{
	json_allocs++;
	return malloc(n);
}

/*
 * Fixtures @names (a codec's hot frames) each give one tick without a
 * single jansson allocation: the codec's fast path reads them in place.
 * The same frames with an escape, which only the JSON path reads, do
 * allocate: the count tells the two paths apart.
 */
static inline void
assert_read_in_place(const char *const *names, size_t n)
{
	struct tk_frame_result res;
	char rel[256], *frame, *escaped;
	size_t i, len;

	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", codec.dir, names[i]);
		frame = tk_test_read_fixture(rel, &len);
		escaped = escape_first_value(frame, len);
		ck_assert_ptr_nonnull(escaped);
		json_set_alloc_funcs(counting_malloc, free);
		json_allocs = 0;
		sink.n = 0;
		adapter->parse(&ctx, frame, len, &res);
		json_set_alloc_funcs(malloc, free);
		ck_assert_msg(res.kind == TK_FRAME_DATA && res.nticks == 1,
		    "%s: %s", names[i], res.detail);
		ck_assert_msg(json_allocs == 0, "%s: %zu allocations",
		    names[i], json_allocs);
		json_set_alloc_funcs(counting_malloc, free);
		parse_str(escaped, &res);
		json_set_alloc_funcs(malloc, free);
		ck_assert_msg(res.nticks == 1 && json_allocs > 0,
		    "%s escaped: %u ticks, %zu allocations", names[i],
		    res.nticks, json_allocs);
		free(escaped);
		free(frame);
	}
}

/*
 * The golden frames read through JSON alone give the golden result: any
 * fast path agrees with the JSON path.  A MALFORMED detail may name a
 * byte's position, which the escape moves: only its header is compared.
 */
START_TEST(test_golden_escaped)
{
	const char *name = codec.golden[_i];
	struct tk_frame_result res;
	char rel[256], *frame, *escaped, *want, *got, *nl;
	size_t len;

	snprintf(rel, sizeof(rel), "%s/%s", codec.dir, name);
	frame = tk_test_read_fixture(rel, &len);
	escaped = escape_first_value(frame, len);
	free(frame);
	if (escaped == NULL)
		return;
	parse_str(escaped, &res);
	free(escaped);
	snprintf(rel, sizeof(rel), "%s/expected/%.*s.out", codec.dir,
	    (int)(strrchr(name, '.') - name), name);
	want = tk_test_read_fixture(rel, NULL);
	got = render(&res);
	nl = strchr(want, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_msg(strncmp(got, want, res.kind == TK_FRAME_MALFORMED ?
	    (size_t)(nl - want) + 1 : strlen(want) + 1) == 0,
	    "%s escaped:\n--- want\n%s--- got\n%s", name, want, got);
	free(got);
	free(want);
}
END_TEST

static bool
is_fixture(const char *name)
{
	size_t len = strlen(name);

	return (len > 5 && strcmp(name + len - 5, ".json") == 0) ||
	    (len > 4 && strcmp(name + len - 4, ".txt") == 0);
}

/* A new fixture without an entry in golden[] would go untested. */
START_TEST(test_golden_complete)
{
	const char *dir = getenv("TK_FIXTURES");
	char path[1024];
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, codec.dir);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (!is_fixture(de->d_name))
			continue;
		for (i = 0; i < codec.ngolden &&
		    strcmp(codec.golden[i], de->d_name) != 0; i++)
			;
		ck_assert_msg(i < codec.ngolden, "%s has no golden entry",
		    de->d_name);
		n++;
	}
	closedir(d);
	ck_assert_uint_eq(n, codec.ngolden);
}
END_TEST

START_TEST(test_bad_frames)
{
	const struct tk_codec_bad *b = &codec.bad[_i];
	struct tk_frame_result res;
	size_t dlen = strlen(b->detail);

	memset(&res, 0x5a, sizeof(res));
	parse_str(b->frame, &res);
	ck_assert_msg(res.kind == b->kind, "%s: kind %d, want %d (%s)",
	    b->name, res.kind, b->kind, res.detail);
	ck_assert_uint_eq(res.nticks, 0);
	ck_assert_uint_eq(res.unknown, 0);
	ck_assert_uint_eq(sink.n, 0);
	if (dlen > 0 && b->detail[dlen - 1] == '*')
		ck_assert_msg(strncmp(res.detail, b->detail, dlen - 1) == 0,
		    "%s: detail \"%s\"", b->name, res.detail);
	else
		ck_assert_msg(strcmp(res.detail, b->detail) == 0,
		    "%s: detail \"%s\"", b->name, res.detail);
}
END_TEST

/* Not NUL-terminated, and @len shorter than the buffer. */
START_TEST(test_parse_uses_len)
{
	size_t n = strlen(codec.control);
	struct tk_frame_result res;
	char *buf = malloc(n + sizeof("GARBAGE"));

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, codec.control, n);
	memcpy(buf + n, "GARBAGE", sizeof("GARBAGE"));
	adapter->parse(&ctx, buf, n, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_CONTROL);
	adapter->parse(&ctx, buf, n + 1, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	adapter->parse(&ctx, NULL, 0, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	free(buf);
}
END_TEST

START_TEST(test_deep_nesting)
{
	enum { DEPTH = 100000 };
	char *frame = malloc(2 * DEPTH + 1);
	struct tk_frame_result res;

	ck_assert_ptr_nonnull(frame);
	memset(frame, '[', DEPTH);
	memset(frame + DEPTH, ']', DEPTH);
	frame[2 * DEPTH] = '\0';
	parse_str(frame, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	memcpy(frame, codec.nest, strlen(codec.nest));
	parse_str(frame, &res);
	ck_assert_int_eq(res.kind, TK_FRAME_MALFORMED);
	free(frame);
}
END_TEST

/* The result of any input stays well-formed. */
static void
assert_sane_parse(const char *frame, size_t len)
{
	struct tk_frame_result res;

	sink.n = 0;
	adapter->parse(&ctx, frame, len, &res);
	ck_assert_int_le(res.kind, TK_FRAME_MALFORMED);
	ck_assert_uint_eq(res.nticks, sink.n);
	ck_assert(memchr(res.detail, '\0', sizeof(res.detail)));
}

/*
 * Every prefix and thousands of byte flips of every fixture: the result
 * must stay well-formed (the sanitizers catch the rest).
 */
START_TEST(test_mutations_never_crash)
{
	char rel[256], *frame, *copy;
	uint32_t rng = 2463534242u;
	size_t len, cut, k;

	snprintf(rel, sizeof(rel), "%s/%s", codec.dir, codec.golden[_i]);
	frame = tk_test_read_fixture(rel, &len);
	copy = malloc(len + 1);
	ck_assert_ptr_nonnull(copy);
	for (cut = 0; cut <= len; cut++)
		assert_sane_parse(frame, cut);
	for (k = 0; k < 2000; k++) {
		memcpy(copy, frame, len);
		rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
		copy[rng % len] = codec.flips[(rng >> 8) % 15];
		rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
		copy[rng % len] = (char)(rng >> 24);
		assert_sane_parse(copy, len);
	}
	free(copy);
	free(frame);
}
END_TEST

static inline void
assert_str_or_null(const char *got, const char *want, const char *what)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: \"%s\", want NULL", what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
		    "%s: \"%s\", want \"%s\"", what, got ? got : "(null)",
		    want);
}

/* The registry's entry against codec.fields. */
START_TEST(test_adapter_fields)
{
	const struct tk_codec_fields *f = codec.fields;
	json_t *ping;

	ck_assert_ptr_eq(tk_adapter_find(f->a.name), adapter);
	ck_assert_str_eq(adapter->name, f->a.name);
	ck_assert_int_eq(adapter->kind, f->a.kind);
	assert_str_or_null(adapter->default_url, f->a.default_url,
	    "default_url");
	ck_assert_uint_eq(adapter->types, f->a.types);
	assert_str_or_null(adapter->ping_message, f->a.ping_message,
	    "ping_message");
	ck_assert_uint_eq(adapter->ping_interval_s, f->a.ping_interval_s);
	ck_assert_uint_eq(adapter->max_connection_s, f->a.max_connection_s);
	ck_assert_uint_eq(adapter->max_subscriptions, f->a.max_subscriptions);
	ck_assert_uint_eq(adapter->welcome_s, f->a.welcome_s);
	assert_str_or_null(adapter->default_rest_url, f->a.default_rest_url,
	    "default_rest_url");
	/* A JSON ping must be JSON: the exchange may echo it. */
	if (adapter->ping_message != NULL && adapter->ping_message[0] == '{') {
		ping = json_loads(adapter->ping_message, 0, NULL);
		ck_assert_ptr_nonnull(ping);
		json_decref(ping);
	}
	ck_assert_int_eq(adapter->state_size != NULL, f->state);
	if (f->state)
		ck_assert_uint_gt(adapter->state_size(map), 0);
	ck_assert_int_eq(adapter->rest_request != NULL, f->rest);
	ck_assert_int_eq(adapter->rest_parse != NULL, f->rest);
	ck_assert_int_eq(adapter->rest_size != NULL, f->rest);
}
END_TEST

/*
 * Every codec.native[] symbol written the adapter's way, with the exact
 * room (the NUL needs room too) and no less; codec.refused[] refused.
 */
START_TEST(test_native_symbol)
{
	const struct tk_codec_native *s;
	char buf[TK_SYMBOL_MAX];
	size_t i;
	int n;

	ck_assert_uint_gt(codec.nnative, 0);
	for (i = 0; i < codec.nnative; i++) {
		s = &codec.native[i];
		n = (int)strlen(s->native);
		ck_assert_int_eq(adapter->native_symbol(s->unified, buf,
		    sizeof(buf)), n);
		ck_assert_str_eq(buf, s->native);
		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(adapter->native_symbol(s->unified, buf,
		    (size_t)n + 1), n);
		ck_assert_str_eq(buf, s->native);
		ck_assert_msg(adapter->native_symbol(s->unified, buf,
		    (size_t)n) == -ENAMETOOLONG, "%s in %d bytes", s->unified,
		    n);
		ck_assert_msg(adapter->native_symbol(s->unified, buf, 0) ==
		    -ENAMETOOLONG, "%s in 0 bytes", s->unified);
	}
	for (i = 0; i < codec.nrefused; i++)
		ck_assert_msg(adapter->native_symbol(codec.refused[i], buf,
		    sizeof(buf)) == -EINVAL, "%s", codec.refused[i]);
}
END_TEST

/*
 * subscribe() of message @i into @buf; *body is the message past its
 * codec.stamp, if any.  Returns subscribe()'s result.
 */
static inline int
subscribe_body(const struct tk_symmap *m, unsigned types, unsigned i,
    char *buf, size_t cap, const char **body)
{
	time_t before = time(NULL), after;
	int n;

	n = adapter->subscribe(m, types, i, buf, cap);
	after = time(NULL);
	*body = NULL;
	if (n <= 0)
		return n;
	ck_assert_uint_eq(strlen(buf), (size_t)n);
	*body = codec.stamp != NULL ? codec.stamp(buf, before, after) : buf;
	return n;
}

static inline size_t
count_strings(const char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

/*
 * codec.subs[_i]: every message as written there, then none; each needs
 * room for its NUL too; nothing wanted, or no symbols: no message at all.
 */
START_TEST(test_subscribe_text)
{
	const struct tk_codec_sub *c = &codec.subs[_i];
	struct tk_frame_result res;
	struct tk_symmap *m;
	const char *body;
	char buf[2048];
	unsigned i;
	int n;

	m = tk_symmap_new(adapter, c->symbols, count_strings(c->symbols),
	    NULL, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(c->want[0]);
	for (i = 0; c->want[i] != NULL; i++) {
		n = subscribe_body(m, c->types, i, buf, sizeof(buf), &body);
		ck_assert_msg(n > 0 && strcmp(body, c->want[i]) == 0,
		    "%s, message %u:\n%s\nwant\n%s", c->name, i,
		    n > 0 ? body : "(none)", c->want[i]);
		ck_assert_int_eq(n, (int)((size_t)(body - buf) +
		    strlen(c->want[i])));
		if (codec.echo_control) {
			/* Echoed back, a request is not an error. */
			parse_str(buf, &res);
			ck_assert_msg(res.kind == TK_FRAME_CONTROL,
			    "%s, message %u echoed: %s", c->name, i,
			    res.detail);
		}
		ck_assert_msg(adapter->subscribe(m, c->types, i, buf,
		    (size_t)n) == -ENOSPC, "%s, message %u in %d bytes",
		    c->name, i, n);
		ck_assert_int_eq(subscribe_body(m, c->types, i, buf,
		    (size_t)n + 1, &body), n);
		ck_assert_str_eq(body, c->want[i]);
	}
	ck_assert_msg(adapter->subscribe(m, c->types, i, buf,
	    sizeof(buf)) == 0, "%s: message %u: %s", c->name, i, buf);
	ck_assert_int_eq(adapter->subscribe(m, c->types, 0, NULL, 0),
	    -ENOSPC);
	/* Nothing wanted, or nothing configured: no message at all. */
	ck_assert_int_eq(adapter->subscribe(m, 0, 0, buf, sizeof(buf)), 0);
	ck_assert_int_eq(adapter->subscribe(NULL, c->types, 0, buf,
	    sizeof(buf)), 0);
	tk_symmap_free(m);
}
END_TEST

#define CHUNK_SYMBOLS_MAX	1000

static unsigned char chunk_seen[CHUNK_SYMBOLS_MAX][4];
static unsigned chunk_total;

/* Message being read asks for symbol number @sym on channel @chan. */
static inline void
chunk_topic(unsigned sym, unsigned chan)
{
	ck_assert_uint_lt(sym, codec.chunks->nsymbols);
	ck_assert_uint_lt(chan, codec.chunks->nchannels);
	ck_assert_msg(!chunk_seen[sym][chan], "symbol %u channel %u twice",
	    sym, chan);
	chunk_seen[sym][chan] = 1;
	chunk_total++;
}

/*
 * codec.chunks: every message shorter than 4096 bytes and valid JSON,
 * every (symbol, channel) asked for exactly once, then no more messages.
 */
START_TEST(test_subscribe_chunks)
{
	static char names[CHUNK_SYMBOLS_MAX][TK_SYMBOL_MAX];
	const struct tk_codec_chunks *c = codec.chunks;
	const char *syms[CHUNK_SYMBOLS_MAX], *body;
	struct tk_symmap *m;
	json_error_t jerr;
	unsigned i, k, nmsg;
	char buf[8192];
	json_t *msg;
	int n;

	ck_assert_uint_le(c->nsymbols, CHUNK_SYMBOLS_MAX);
	for (i = 0; i < c->nsymbols; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%0*u%s", c->prefix,
		    c->width, i, c->suffix);
		syms[i] = names[i];
	}
	memset(chunk_seen, 0, sizeof(chunk_seen));
	chunk_total = 0;
	m = tk_symmap_new(adapter, syms, c->nsymbols, NULL, 0);
	ck_assert_ptr_nonnull(m);
	for (nmsg = 0;; nmsg++) {
		n = subscribe_body(m, c->types, nmsg, buf, sizeof(buf), &body);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		ck_assert_int_lt(n, 4096);
		msg = json_loads(buf, 0, &jerr);
		ck_assert_msg(msg != NULL, "message %u: %s", nmsg, jerr.text);
		c->read(msg, nmsg);
		json_decref(msg);
	}
	ck_assert_uint_eq(chunk_total, c->nsymbols * c->nchannels);
	for (i = 0; i < c->nsymbols; i++)
		for (k = 0; k < c->nchannels; k++)
			ck_assert(chunk_seen[i][k]);
	ck_assert_uint_ge(nmsg, c->min_msgs);
	if (c->nmsgs != 0)
		ck_assert_uint_eq(nmsg, c->nmsgs);
	ck_assert_int_eq(adapter->subscribe(m, c->types, nmsg + 5, buf,
	    sizeof(buf)), 0);
	ck_assert_int_eq(adapter->subscribe(m, c->types, UINT32_MAX, buf,
	    sizeof(buf)), 0);
	if (c->more != NULL)
		c->more(m);
	tk_symmap_free(m);
}
END_TEST

/* Parses @frame: a fixture file, or the frame itself. */
static inline void
parse_any(const char *frame, struct tk_frame_result *res)
{
	if (frame[0] == '{' || frame[0] == '[')
		parse_str(frame, res);
	else
		parse_fixture(frame, res);
}

/*
 * codec.unknown, in order: a symbol nobody configured is counted, never
 * guessed at (native names are exact); with no map at all everything is
 * unknown and nothing crashes.
 */
START_TEST(test_unknown_symbol_counted)
{
	const struct tk_codec_unknown *u;
	char line[TK_TICK_JSON_MAX];
	struct tk_frame_result res;
	struct tk_symmap *only = NULL;
	size_t i;

	if (codec.only != NULL) {
		only = tk_symmap_new(adapter, codec.only,
		    count_strings(codec.only), NULL, 0);
		ck_assert_ptr_nonnull(only);
	}
	for (i = 0; i < codec.nunknown; i++) {
		u = &codec.unknown[i];
		ctx.symbols = u->nomap ? NULL : only != NULL ? only : map;
		parse_any(u->frame, &res);
		ck_assert_msg(res.kind == TK_FRAME_DATA &&
		    res.unknown == u->unknown && res.nticks == u->nticks,
		    "unknown[%zu] (%.40s): kind %d unknown %u nticks %u (%s), "
		    "want %u %u", i, u->frame, res.kind, res.unknown,
		    res.nticks, res.detail, u->unknown, u->nticks);
		if (u->tick == NULL)
			continue;
		ck_assert_uint_gt(res.nticks, 0);
		ck_assert_int_gt(tk_tick_format(&sink.ticks[0], 0, line,
		    sizeof(line)), 0);
		ck_assert_msg(strstr(line, u->tick) != NULL, "%s", line);
	}
	ctx.symbols = map;
	tk_symmap_free(only);
}
END_TEST

/*
 * codec.filters, in order: channels not wanted give no ticks, but their
 * frames are still read (and checked).
 */
START_TEST(test_types_filter)
{
	const struct tk_codec_filter *f;
	struct tk_frame_result res;
	size_t i;

	ck_assert_uint_gt(codec.nfilters, 0);
	for (i = 0; i < codec.nfilters; i++) {
		f = &codec.filters[i];
		ctx.types = f->types;
		parse_any(f->frame, &res);
		ck_assert_msg(res.kind == f->kind && res.nticks == f->nticks,
		    "filters[%zu] (%s): kind %d nticks %u (%s), want %d %u",
		    i, f->frame, res.kind, res.nticks, res.detail, f->kind,
		    f->nticks);
		ck_assert_uint_eq(res.unknown, 0);
		if (f->nticks > 0 && f->type != TK_CODEC_ANY)
			ck_assert_int_eq(sink.ticks[0].type, f->type);
	}
}
END_TEST

/* Adds the golden runner and its completeness check to @tc. */
static inline void
tk_codec_tcase_golden(TCase *tc)
{
	tcase_add_loop_test(tc, test_golden, 0, (int)codec.ngolden);
	tcase_add_loop_test(tc, test_golden_escaped, 0, (int)codec.ngolden);
	tcase_add_test(tc, test_golden_complete);
}

/* Adds the bad-frame table and the never-crash tests to @tc. */
static inline void
tk_codec_tcase_bad(TCase *tc)
{
	tcase_add_loop_test(tc, test_bad_frames, 0, (int)codec.nbad);
	tcase_add_test(tc, test_parse_uses_len);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_loop_test(tc, test_mutations_never_crash, 0,
	    (int)codec.ngolden);
	tcase_set_timeout(tc, 60);
}

/* The tcases of every codec suite; the suite adds its own tests to them. */
struct tk_codec_tcases {
	TCase	*golden;	/* fixtures and SPEC rules */
	TCase	*bad;		/* malformed input */
	TCase	*filters;	/* unknown symbols, types */
	TCase	*subscribe;	/* adapter fields, subscribe messages */
};

/* Adds the adapter's fields, symbols and subscribe messages to @tc. */
static inline void
tk_codec_tcase_subscribe(TCase *tc)
{
	tcase_add_test(tc, test_adapter_fields);
	tcase_add_test(tc, test_native_symbol);
	tcase_add_loop_test(tc, test_subscribe_text, 0, (int)codec.nsubs);
	if (codec.chunks != NULL)
		tcase_add_test(tc, test_subscribe_chunks);
}

/*
 * A suite named after the codec with the shared tests in place, all run
 * with setup() and teardown().
 */
static inline Suite *
tk_codec_suite(struct tk_codec_tcases *tc)
{
	Suite *s = suite_create(codec.dir);

	adapter = tk_adapter_find(codec.dir);
	if (adapter == NULL) {
		fprintf(stderr, "no adapter \"%s\" in the registry\n",
		    codec.dir);
		exit(EXIT_FAILURE);
	}

	tc->golden = tcase_create("golden");
	tc->bad = tcase_create("bad input");
	tc->filters = tcase_create("filters");
	tc->subscribe = tcase_create("subscribe");
	tcase_add_checked_fixture(tc->golden, setup, teardown);
	tcase_add_checked_fixture(tc->bad, setup, teardown);
	tcase_add_checked_fixture(tc->filters, setup, teardown);
	tcase_add_checked_fixture(tc->subscribe, setup, teardown);
	if (codec.nunknown > 0)
		tcase_add_test(tc->filters, test_unknown_symbol_counted);
	tcase_add_test(tc->filters, test_types_filter);
	tk_codec_tcase_golden(tc->golden);
	tk_codec_tcase_bad(tc->bad);
	tk_codec_tcase_subscribe(tc->subscribe);
	suite_add_tcase(s, tc->golden);
	suite_add_tcase(s, tc->bad);
	suite_add_tcase(s, tc->filters);
	suite_add_tcase(s, tc->subscribe);
	return s;
}

static inline int
tk_codec_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
