/* SPDX-License-Identifier: MIT */
/*
 * The replay source: recordings built here from real Binance frames come
 * back as the hand-checked golden ticks, paced on a fake clock; bad lines,
 * long lines, chunk boundaries, loops and open errors.
 */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ticker/adapter.h>
#include <ticker/record.h>
#include <ticker/replay.h>
#include <ticker/stream.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#include "tk_check.h"

#define T0	INT64_C(1700000000500000)	/* first record, µs */
#define C0	INT64_C(1800000000000000)	/* fake clock at start */
#define GOLDEN_TS "1700000000000000"		/* recv_ts in the goldens */
#define MAX_TICKS 4096

struct fake_clock {
	int64_t	 now;
	int	 calls;
};

static int64_t
fake_now(void *ud)
{
	struct fake_clock *c = ud;

	c->calls++;
	return c->now;
}

static const char *const symbols[] = { "NKN-USDT", "BTC-USDT", "ETH-USDT" };

/* A recording being written to a temporary file. */
struct rec {
	char	 path[64];
	FILE	*f;
};

static struct rec rec;
static char err[256];
static struct fake_clock clk;
static struct count_waker cw;

static void
setup(void)
{
	int fd;

	snprintf(rec.path, sizeof(rec.path), "/tmp/check_replay.XXXXXX");
	fd = mkstemp(rec.path);
	ck_assert_int_ge(fd, 0);
	rec.f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(rec.f);
	err[0] = '\0';
	clk.now = C0;
	clk.calls = 0;
	count_waker_init(&cw);
}

static void
teardown(void)
{
	if (rec.f != NULL)
		fclose(rec.f);
	rec.f = NULL;
	unlink(rec.path);
}

static void
rec_raw(const char *s, size_t n)
{
	ck_assert_uint_eq(fwrite(s, 1, n, rec.f), n);
}

/* Appends one line; @newline false leaves its '\n' off. */
static void
rec_frame(int64_t t, const char *ex, const char *ad, const char *frame,
    size_t len, bool newline)
{
	size_t cap = tk_record_size(len);
	char *line = malloc(cap);
	int n;

	ck_assert_ptr_nonnull(line);
	n = tk_record_format(t, ex, ad, frame, len, line, cap);
	ck_assert_int_gt(n, 0);
	rec_raw(line, (size_t)n - !newline);
	free(line);
}

/* Appends tests/fixtures/binance/@name.json as a binance frame. */
static void
rec_fixture(int64_t t, const char *ex, const char *name)
{
	char rel[128], *frame;
	size_t len;

	snprintf(rel, sizeof(rel), "binance/%s.json", name);
	frame = tk_test_read_fixture(rel, &len);
	rec_frame(t, ex, "binance", frame, len, true);
	free(frame);
}

static void
rec_close(void)
{
	ck_assert_int_eq(fclose(rec.f), 0);
	rec.f = NULL;
}

/*
 * The golden tick of binance/expected/@name.out as replay must yield it:
 * recorded under @ex at time @t (quotes without an exchange time carry
 * recv_ts as ts, so every golden receive time becomes @t).
 */
static void
golden(const char *name, const char *ex, int64_t t, char *out, size_t cap)
{
	char rel[128], ts[24], *text, *line, *hit, *o = out;
	const char *from = "\"exchange\":\"binance\"";

	snprintf(rel, sizeof(rel), "binance/expected/%s.out", name);
	text = tk_test_read_fixture(rel, NULL);
	for (line = text; *line == '#'; line = strchr(line, '\n') + 1)
		;
	*strchr(line, '\n') = '\0';
	snprintf(ts, sizeof(ts), "%lld", (long long)t);
	while (*line != '\0') {
		ck_assert_uint_lt((size_t)(o - out) + 64, cap);
		if (strncmp(line, GOLDEN_TS, 16) == 0) {
			o += sprintf(o, "%s", ts);
			line += 16;
		} else if (strncmp(line, from, strlen(from)) == 0) {
			o += sprintf(o, "\"exchange\":\"%s\"", ex);
			line += strlen(from);
		} else {
			*o++ = *line++;
		}
	}
	*o = '\0';
	hit = strstr(out, ts);
	ck_assert_ptr_nonnull(hit);
	free(text);
}

static struct tk_replay_conf
conf_for(double speed, bool loop, unsigned types)
{
	struct tk_replay_conf conf = {
		.name = "rp",
		.path = rec.path,
		.symbols = symbols,
		.nsymbols = 3,
		.types = types,
		.speed = speed,
		.loop = loop,
		.clock = fake_now,
		.clock_ud = &clk,
		.err = err,
		.errlen = sizeof(err),
	};

	return conf;
}

static struct tk_stream *
replay_open(double speed, bool loop)
{
	struct tk_replay_conf conf = conf_for(speed, loop, TK_TYPES_ALL);
	struct tk_stream *s = tk_replay_new(&conf);

	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static const char *
fmt(const struct tk_tick *t)
{
	static char buf[TK_TICK_JSON_MAX + 1];
	int n = tk_tick_format(t, 0, buf, sizeof(buf) - 1);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return buf;
}

/*
 * Polls past the PENDINGs a stream answers while working through the
 * file: each must have woken the consumer at once.  Returns the first
 * other answer; @yields counts the PENDINGs skipped.
 */
static enum tk_poll
poll_work(struct tk_stream *s, struct tk_tick *t, int *yields)
{
	enum tk_poll r;
	int before, n;

	/* Far more than any recording here needs: a spinning stream fails. */
	for (n = 0; n < 10000; n++) {
		before = cw.woken;
		r = tk_stream_next(s, t, &cw.w);
		if (r != TK_POLL_PENDING || cw.woken == before)
			return r;
		ck_assert_int_eq(cw.woken, before + 1);
		if (yields != NULL)
			(*yields)++;
	}
	ck_abort_msg("still working after %d polls", n);
	return TK_POLL_ERROR;
}

/* Everything until END (speed 0); returns the number of ticks. */
static size_t
pull_all(struct tk_stream *s, struct tk_tick *out, size_t max, int *yields)
{
	struct tk_tick t;
	enum tk_poll r;
	size_t n = 0;

	while ((r = poll_work(s, &t, yields)) == TK_POLL_READY) {
		ck_assert_uint_lt(n, max);
		out[n++] = t;
	}
	ck_assert_int_eq(r, TK_POLL_END);
	return n;
}

static void
assert_stats(struct tk_stream *s, uint64_t lines, uint64_t frames,
    uint64_t ticks, uint64_t bad_lines, uint64_t bad_frames)
{
	struct tk_replay_stats st;

	ck_assert_int_eq(tk_replay_stats(s, &st), 0);
	ck_assert_uint_eq(st.lines, lines);
	ck_assert_uint_eq(st.frames, frames);
	ck_assert_uint_eq(st.ticks, ticks);
	ck_assert_uint_eq(st.bad_lines, bad_lines);
	ck_assert_uint_eq(st.bad_frames, bad_frames);
}

static const char *
last_bad(struct tk_stream *s)
{
	static struct tk_replay_stats st;

	ck_assert_int_eq(tk_replay_stats(s, &st), 0);
	return st.last_bad;
}

/* The recording of test_replay_exact: (name, exchange), in order. */
static const struct {
	const char	*name;
	const char	*ex;
	bool		 tick;
} mixed[] = {
	{ "aggTrade", "binance", true },
	{ "subscribe_ack", "binance", false },
	{ "bookTicker", "bn-2", true },
	{ "error", "binance", false },
	{ "trade", "binance", true },
	{ "trade_raw_docs", "binance", false },	/* BNB-BTC: not configured */
	{ "aggTrade_3", "bn-2", true },
	{ "server_shutdown_raw", "binance", false },
	{ "bookTicker_3", "binance", true },
	{ "edge_bookTicker_with_T_E", "bn-2", true },
};
#define NMIXED (sizeof(mixed) / sizeof(mixed[0]))

static void
rec_mixed(void)
{
	size_t i;

	for (i = 0; i < NMIXED; i++)
		rec_fixture(T0 + (int64_t)i * 1000, mixed[i].ex, mixed[i].name);
	rec_close();
}

/* Speed 0: every golden tick at once, recorded names and times kept. */
START_TEST(test_replay_exact)
{
	char want[TK_TICK_JSON_MAX];
	struct tk_stream *s;
	struct tk_tick t;
	size_t i, n = 0;

	rec_mixed();
	s = replay_open(0, false);
	for (i = 0; i < NMIXED; i++) {
		if (!mixed[i].tick)
			continue;
		golden(mixed[i].name, mixed[i].ex, T0 + (int64_t)i * 1000, want,
		    sizeof(want));
		ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
		ck_assert_str_eq(fmt(&t), want);
		n++;
	}
	ck_assert_uint_eq(n, 6);
	ck_assert_stream_end(s, &cw);
	ck_assert_stream_end(s, &cw);	/* sticky */
	ck_assert_int_eq(cw.woken, 0);
	ck_assert_int_eq(tk_replay_next_due(s), INT64_MAX);
	assert_stats(s, NMIXED, NMIXED, 6, 0, 0);
	ck_assert_str_eq(last_bad(s), "");
	ck_assert_str_eq(tk_stream_name(s), "rp");
	tk_stream_free(s);
}
END_TEST

/* Only the configured channels come out. */
START_TEST(test_replay_types)
{
	struct tk_replay_conf conf;
	struct tk_tick t[16];
	struct tk_stream *s;
	size_t i, n;

	rec_mixed();
	conf = conf_for(0, false, TK_TYPE_BIT(TK_TICK_QUOTE));
	s = tk_replay_new(&conf);
	ck_assert_ptr_nonnull(s);
	n = pull_all(s, t, 16, NULL);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(t[i].type, TK_TICK_QUOTE);
	tk_stream_free(s);
}
END_TEST

static const double speeds[] = { 1, 2, 0.5 };

/* Due at start + (t - t0) / speed; nothing early, all due ones at once. */
START_TEST(test_replay_pacing)
{
	double speed = speeds[_i];
	int64_t due1 = C0 + (int64_t)(1000 / speed);
	int64_t due2 = C0 + (int64_t)(5000 / speed);
	struct tk_stream *s;
	struct tk_tick t;

	rec_fixture(T0, "binance", "aggTrade");
	rec_fixture(T0 + 1000, "binance", "bookTicker");
	rec_fixture(T0 + 1000, "binance", "trade");
	rec_fixture(T0 + 5000, "binance", "aggTrade_3");
	rec_close();
	s = replay_open(speed, false);
	/* Nothing happens before the first poll. */
	ck_assert_int_eq(clk.calls, 0);
	ck_assert_int_eq(tk_replay_next_due(s), 0);

	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "15683430");
	ck_assert_stream_pending(s, &cw);
	ck_assert_int_eq(tk_replay_next_due(s), due1);
	clk.now = due1 - 1;
	tk_replay_tick(s);
	ck_assert_int_eq(cw.woken, 0);
	ck_assert_stream_pending(s, &cw);
	clk.now = due1;
	tk_replay_tick(s);
	ck_assert_int_eq(cw.woken, 1);
	tk_replay_tick(s);
	ck_assert_int_eq(cw.woken, 1);	/* once per park */
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_int_eq(t.type, TK_TICK_QUOTE);
	ck_assert_int_eq(t.recv_ts, T0 + 1000);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "705291099");

	ck_assert_stream_pending(s, &cw);
	ck_assert_int_eq(tk_replay_next_due(s), due2);
	/* A late consumer gets the tick at once; END follows. */
	clk.now = due2 + 1000000;
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "640283266");
	ck_assert_int_eq(t.recv_ts, T0 + 5000);
	ck_assert_stream_end(s, &cw);
	ck_assert_int_eq(cw.woken, 1);
	tk_stream_free(s);
}
END_TEST

/* Speed 0 never waits on the clock, even for records far apart. */
START_TEST(test_replay_speed0)
{
	struct tk_stream *s;
	struct tk_tick t[4];

	rec_fixture(T0, "binance", "aggTrade");
	rec_fixture(T0 + INT64_C(86400000000), "binance", "trade");
	rec_fixture(T0 - 5, "binance", "bookTicker");
	rec_close();
	s = replay_open(0, false);
	ck_assert_int_eq(tk_stream_next(s, &t[0], &cw.w), TK_POLL_READY);
	ck_assert_int_eq(tk_stream_next(s, &t[1], &cw.w), TK_POLL_READY);
	ck_assert_int_eq(tk_stream_next(s, &t[2], &cw.w), TK_POLL_READY);
	ck_assert_int_eq(t[1].recv_ts, T0 + INT64_C(86400000000));
	ck_assert_int_eq(t[2].recv_ts, T0 - 5);
	ck_assert_stream_end(s, &cw);
	ck_assert_int_eq(clk.now, C0);
	ck_assert_int_eq(cw.woken, 0);
	tk_stream_free(s);
}
END_TEST

START_TEST(test_replay_last_line_no_newline)
{
	char want[TK_TICK_JSON_MAX], *frame;
	struct tk_stream *s;
	struct tk_tick t[4];
	size_t len;

	rec_fixture(T0, "binance", "aggTrade");
	frame = tk_test_read_fixture("binance/trade.json", &len);
	rec_frame(T0 + 7, "binance", "binance", frame, len, false);
	free(frame);
	rec_close();
	s = replay_open(0, false);
	ck_assert_uint_eq(pull_all(s, t, 4, NULL), 2);
	golden("trade", "binance", T0 + 7, want, sizeof(want));
	ck_assert_str_eq(fmt(&t[1]), want);
	assert_stats(s, 2, 2, 2, 0, 0);
	tk_stream_free(s);
}
END_TEST

/* A line of exactly @n bytes (without '\n'): @name padded with spaces. */
static void
rec_padded(int64_t t, const char *name, size_t n, bool newline)
{
	char rel[128], *frame, *big;
	size_t len, base;
	int r;

	snprintf(rel, sizeof(rel), "binance/%s.json", name);
	frame = tk_test_read_fixture(rel, &len);
	/* The line for the frame alone, to learn the fixed part's size. */
	big = malloc(tk_record_size(len));
	ck_assert_ptr_nonnull(big);
	r = tk_record_format(t, "binance", "binance", frame, len, big,
	    tk_record_size(len));
	ck_assert_int_gt(r, 0);
	base = (size_t)r - 1;
	free(big);
	ck_assert_uint_gt(n, base);
	big = malloc(len + n - base);
	ck_assert_ptr_nonnull(big);
	memcpy(big, frame, len);
	memset(big + len, ' ', n - base);
	rec_frame(t, "binance", "binance", big, len + n - base, newline);
	free(big);
	free(frame);
}

/* A line of @n bytes of junk. */
static void
rec_junk(size_t n, bool newline)
{
	char *junk = malloc(n + 1);

	ck_assert_ptr_nonnull(junk);
	memset(junk, 'x', n);
	junk[n] = '\n';
	rec_raw(junk, n + newline);
	free(junk);
}

/*
 * The limit is exact, whether a too long line is seen whole (line 2) or
 * grows past it while still incomplete (lines 4 and 6, the last without
 * '\n'); what follows a skipped line is read normally.
 */
START_TEST(test_replay_long_lines)
{
	struct tk_stream *s;
	struct tk_tick t[8];
	int yields = 0;

	rec_padded(T0, "aggTrade", TK_RECORD_LINE_MAX, true);
	rec_padded(T0 + 1, "aggTrade_3", TK_RECORD_LINE_MAX + 1, true);
	rec_fixture(T0 + 2, "binance", "trade");
	rec_junk(3 * TK_RECORD_LINE_MAX, true);
	rec_fixture(T0 + 3, "binance", "bookTicker");
	rec_junk(2 * TK_RECORD_LINE_MAX, false);
	rec_close();
	s = replay_open(0, false);
	ck_assert_uint_eq(pull_all(s, t, 8, &yields), 3);
	ck_assert_str_eq(t[0].trade_id, "15683430");
	ck_assert_str_eq(t[1].trade_id, "705291099");
	ck_assert_int_eq(t[2].type, TK_TICK_QUOTE);
	assert_stats(s, 6, 3, 3, 3, 0);
	ck_assert_str_eq(last_bad(s), "line 6: line longer than 1048576 bytes");
	ck_assert_int_gt(yields, 0);
	tk_stream_free(s);
}
END_TEST

/* Lines that are not records are counted and skipped; blanks are not. */
START_TEST(test_replay_garbage)
{
	static const char junk[] =
	    "hello\n"
	    "\n"
	    "  \t\r\n"
	    "{}\n";
	static const char bad_utf8[] =
	    "{\"t\":1,\"ex\":\"b\",\"ad\":\"binance\",\"f\":\"\xff\"}\n";
	struct tk_stream *s;
	struct tk_tick t[4];

	rec_raw(junk, sizeof(junk) - 1);
	rec_fixture(T0, "binance", "aggTrade");
	rec_raw(bad_utf8, sizeof(bad_utf8) - 1);
	rec_raw("[1,2]\r\n", 7);
	rec_close();
	s = replay_open(0, false);
	ck_assert_uint_eq(pull_all(s, t, 4, NULL), 1);
	assert_stats(s, 5, 1, 1, 4, 0);
	ck_assert_str_eq(last_bad(s), "line 7: not a JSON object");
	tk_stream_free(s);
}
END_TEST

/* Adapters that do not exist or have no codec: bad lines, not fatal. */
START_TEST(test_replay_unknown_adapter)
{
	char *frame;
	struct tk_stream *s;
	struct tk_tick t[4];
	size_t len;

	frame = tk_test_read_fixture("binance/aggTrade.json", &len);
	rec_frame(T0, "binance", "nope", frame, len, true);
	rec_frame(T0 + 1, "binance", "binance", frame, len, true);
	rec_frame(T0 + 2, "other", "nope", frame, len, true);
	rec_frame(T0 + 3, "simex", "sim", frame, len, true);
	free(frame);
	rec_close();
	s = replay_open(0, false);
	ck_assert_int_eq(poll_work(s, &t[0], NULL), TK_POLL_READY);
	ck_assert_str_eq(last_bad(s), "line 1: unknown adapter \"nope\"");
	ck_assert_int_eq(poll_work(s, &t[0], NULL), TK_POLL_END);
	assert_stats(s, 4, 1, 1, 3, 0);
	ck_assert_str_eq(last_bad(s),
	    "line 4: adapter \"sim\" has no frames to replay");
	tk_stream_free(s);
}
END_TEST

/* A frame the adapter rejects is a bad frame; the rest play on. */
START_TEST(test_replay_malformed_frame)
{
	struct tk_stream *s;
	struct tk_tick t[4];

	rec_frame(T0, "binance", "binance", "{\"stream\":", 10, true);
	rec_fixture(T0 + 1, "binance", "aggTrade");
	rec_close();
	s = replay_open(0, false);
	ck_assert_uint_eq(pull_all(s, t, 4, NULL), 1);
	assert_stats(s, 2, 2, 1, 0, 1);
	ck_assert_msg(strncmp(last_bad(s), "line 1: binance frame: ", 23) == 0,
	    "%s", last_bad(s));
	ck_assert_uint_gt(strlen(last_bad(s)), 23);
	tk_stream_free(s);
}
END_TEST

/* Expects the tick due at @due: PENDING until then, READY at @due. */
static void
expect_at(struct tk_stream *s, int64_t due, const char *trade_id)
{
	struct tk_tick t;
	int woken;

	clk.now = due - 1;
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_PENDING);
	ck_assert_int_eq(tk_replay_next_due(s), due);
	woken = cw.woken;
	clk.now = due;
	tk_replay_tick(s);
	ck_assert_int_eq(cw.woken, woken + 1);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, trade_id);
}

/* Loop mode: the same ticks again, a gap later each pass, forever. */
START_TEST(test_replay_loop)
{
	int64_t pass = 3000 + TK_REPLAY_LOOP_GAP_US;
	char want[TK_TICK_JSON_MAX + 1];
	struct tk_replay_stats st;
	struct tk_stream *s;
	struct tk_tick t, first;
	int p;

	rec_fixture(T0, "binance", "aggTrade");
	rec_raw("junk\n", 5);
	rec_fixture(T0 + 3000, "binance", "trade");
	rec_close();
	s = replay_open(1, true);
	ck_assert_int_eq(tk_stream_next(s, &first, &cw.w), TK_POLL_READY);
	expect_at(s, C0 + 3000, "705291099");
	for (p = 1; p <= 3; p++) {
		expect_at(s, C0 + p * pass, "15683430");
		expect_at(s, C0 + p * pass + 3000, "705291099");
	}
	/* Replayed ticks repeat as recorded. */
	clk.now += pass;
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_READY);
	strcpy(want, fmt(&first));
	ck_assert_str_eq(fmt(&t), want);
	ck_assert_int_eq(tk_replay_stats(s, &st), 0);
	ck_assert_uint_eq(st.passes, 4);
	ck_assert_uint_eq(st.ticks, 9);
	ck_assert_uint_eq(st.bad_lines, 4);
	ck_assert_uint_eq(st.lines, 13);
	tk_stream_free(s);
}
END_TEST

/* A recording without ticks ends even in loop mode. */
START_TEST(test_replay_loop_no_ticks)
{
	struct tk_replay_stats st;
	struct tk_stream *s;
	struct tk_tick t;

	rec_fixture(T0, "binance", "subscribe_ack");
	rec_fixture(T0 + 1, "binance", "trade_raw_docs");
	rec_close();
	s = replay_open(1, true);
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_END);
	ck_assert_int_eq(tk_replay_stats(s, &st), 0);
	ck_assert_uint_eq(st.passes, 1);
	ck_assert_uint_eq(st.frames, 2);
	tk_stream_free(s);
}
END_TEST

START_TEST(test_replay_empty_file)
{
	struct tk_stream *s;
	struct tk_tick t;

	rec_close();
	s = replay_open(1, true);
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_END);
	assert_stats(s, 0, 0, 0, 0, 0);
	tk_stream_free(s);
}
END_TEST

/*
 * Many chunks, with line 2 across the first chunk boundary: every tick in
 * order.  The trade ids are rewritten so that order is visible.
 */
START_TEST(test_replay_chunks)
{
	static const char id[] = "\"a\":15683430,";
	char *frame, *hit, *mine, num[16];
	struct tk_tick *t;
	struct tk_stream *s;
	size_t len, n, i, k;
	int yields = 0;

	rec_padded(T0, "aggTrade", TK_REPLAY_CHUNK - 100, true);
	frame = tk_test_read_fixture("binance/aggTrade.json", &len);
	hit = strstr(frame, id);
	ck_assert_ptr_nonnull(hit);
	mine = malloc(len + 16);
	ck_assert_ptr_nonnull(mine);
	for (i = 1; i <= 3000; i++) {
		snprintf(num, sizeof(num), "%zu", i);
		k = (size_t)(hit - frame) + 4;
		memcpy(mine, frame, k);
		n = k + (size_t)sprintf(mine + k, "%s", num);
		memcpy(mine + n, hit + sizeof(id) - 2, len - k - 8);
		n += len - k - 8;
		rec_frame(T0 + (int64_t)i, "binance", "binance", mine, n, true);
	}
	free(mine);
	free(frame);
	rec_close();
	t = calloc(3001, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	s = replay_open(0, false);
	ck_assert_uint_eq(pull_all(s, t, 3001, &yields), 3001);
	ck_assert_str_eq(t[0].trade_id, "15683430");
	for (i = 1; i <= 3000; i++) {
		snprintf(num, sizeof(num), "%zu", i);
		ck_assert_str_eq(t[i].trade_id, num);
		ck_assert_int_eq(t[i].recv_ts, T0 + (int64_t)i);
	}
	assert_stats(s, 3001, 3001, 3001, 0, 0);
	tk_stream_free(s);
	free(t);
}
END_TEST

/*
 * Work per poll is bounded: 150 KiB of frames without ticks before the
 * first tick take several polls, each ending PENDING with a wake at once.
 */
START_TEST(test_replay_bounded_work)
{
	struct tk_stream *s;
	struct tk_tick t;
	int i, yields = 0;

	for (i = 0; i < 2000; i++)
		rec_fixture(T0, "binance", "subscribe_ack");
	rec_fixture(T0, "binance", "aggTrade");
	rec_close();
	s = replay_open(0, false);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_PENDING);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_int_eq(poll_work(s, &t, &yields), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "15683430");
	ck_assert_int_ge(yields, 1);
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_END);
	assert_stats(s, 2001, 2001, 1, 0, 0);
	tk_stream_free(s);
}
END_TEST

/*
 * Lines already read count against the share too: after a tick at the
 * start of a full chunk, the next poll works through that chunk's lines
 * and stops, rather than reading on to the tick in the next chunk.
 */
START_TEST(test_replay_work_per_poll)
{
	struct tk_stream *s;
	struct tk_tick t;
	long size;
	int yields = 0;

	rec_fixture(T0, "binance", "aggTrade");
	while ((size = ftell(rec.f)) < TK_REPLAY_CHUNK * 3 / 2)
		rec_fixture(T0, "binance", "subscribe_ack");
	rec_fixture(T0, "binance", "aggTrade_3");
	rec_close();
	s = replay_open(0, false);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "15683430");
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_PENDING);
	ck_assert_int_eq(cw.woken, 1);
	ck_assert_int_eq(poll_work(s, &t, &yields), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "640283266");
	ck_assert_int_eq(yields, 0);
	tk_stream_free(s);
}
END_TEST

/* The file is opened at once, but read only from the first poll. */
START_TEST(test_replay_reads_at_first_poll)
{
	struct tk_stream *s;
	struct tk_tick t;

	fflush(rec.f);
	s = replay_open(0, false);
	ck_assert_int_eq(clk.calls, 0);
	rec_fixture(T0, "binance", "aggTrade");
	rec_close();
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_READY);
	ck_assert_str_eq(t.trade_id, "15683430");
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_END);
	tk_stream_free(s);
}
END_TEST

/*
 * A read error ends the stream with ERROR and the reason.  Reading
 * /proc/self/mem at offset 0 (never mapped) fails with EIO, yet it is a
 * regular file, so it stands in for a failing disk.
 */
START_TEST(test_replay_read_error)
{
	struct tk_replay_conf conf = conf_for(0, false, TK_TYPES_ALL);
	struct tk_stream *s;
	struct tk_tick t;

	conf.path = "/proc/self/mem";
	s = tk_replay_new(&conf);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_ERROR);
	ck_assert_int_eq(tk_stream_error(s), -EIO);
	ck_assert_str_eq(tk_stream_reason(s),
	    "/proc/self/mem: read: Input/output error");
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_ERROR);
	ck_assert_int_eq(tk_replay_next_due(s), INT64_MAX);
	tk_stream_free(s);
}
END_TEST

enum bad_conf { BAD_PATH_NULL, BAD_PATH_EMPTY, BAD_SYMBOLS_NULL,
	BAD_NSYMBOLS, BAD_SYMBOL, BAD_SPEED_NEG, BAD_SPEED_NAN,
	BAD_SPEED_BIG, BAD_TYPES_NONE, BAD_TYPES_UNKNOWN, BAD_CLOCK,
	BAD_MISSING, BAD_DIR, BAD_MAX };

static const char *const bad_msgs[BAD_MAX] = {
	[BAD_PATH_NULL] = "replay: no recording file given",
	[BAD_PATH_EMPTY] = "replay: no recording file given",
	[BAD_SYMBOLS_NULL] = "replay: no symbols given",
	[BAD_NSYMBOLS] = "replay: no symbols given",
	[BAD_SYMBOL] = "replay: symbols[1] is not BASE-QUOTE",
	[BAD_SPEED_NEG] = "replay: speed must be from 0 to 1000",
	[BAD_SPEED_NAN] = "replay: speed must be from 0 to 1000",
	[BAD_SPEED_BIG] = "replay: speed must be from 0 to 1000",
	[BAD_TYPES_NONE] = "replay: no valid channel types",
	[BAD_TYPES_UNKNOWN] = "replay: no valid channel types",
	[BAD_CLOCK] = "replay: no clock",
	[BAD_MISSING] = "/nonexistent/rec.jsonl: cannot open: No such file "
	    "or directory",
	[BAD_DIR] = "/tmp: not a regular file",
};

START_TEST(test_replay_bad_conf)
{
	static const char *const badsym[] = { "BTC-USD", "btc-usd" };
	struct tk_replay_conf conf = conf_for(1, false, TK_TYPES_ALL);
	struct tk_stream *s;

	rec_close();
	/* The unmodified conf is good: each case breaks one thing. */
	s = tk_replay_new(&conf);
	ck_assert_ptr_nonnull(s);
	tk_stream_free(s);
	switch ((enum bad_conf)_i) {
	case BAD_PATH_NULL: conf.path = NULL; break;
	case BAD_PATH_EMPTY: conf.path = ""; break;
	case BAD_SYMBOLS_NULL: conf.symbols = NULL; break;
	case BAD_NSYMBOLS: conf.nsymbols = 0; break;
	case BAD_SYMBOL: conf.symbols = badsym; conf.nsymbols = 2; break;
	case BAD_SPEED_NEG: conf.speed = -0.5; break;
	case BAD_SPEED_NAN: conf.speed = NAN; break;
	case BAD_SPEED_BIG: conf.speed = 1000.5; break;
	case BAD_TYPES_NONE: conf.types = 0; break;
	case BAD_TYPES_UNKNOWN: conf.types = TK_TYPES_ALL | 1u << 7; break;
	case BAD_CLOCK: conf.clock = NULL; break;
	case BAD_MISSING: conf.path = "/nonexistent/rec.jsonl"; break;
	case BAD_DIR: conf.path = "/tmp"; break;
	case BAD_MAX: break;
	}
	ck_assert_ptr_null(tk_replay_new(&conf));
	ck_assert_str_eq(err, bad_msgs[_i]);
	/* No message buffer is fine too. */
	conf.err = NULL;
	ck_assert_ptr_null(tk_replay_new(&conf));
}
END_TEST

/*
 * A codec that emits as many ticks as the frame's number says, and one
 * whose native symbols cannot be made, through the conf's adapter table.
 */
static void
burst_parse(const struct tk_codec_ctx *ctx, const char *frame, size_t len,
    struct tk_frame_result *res)
{
	struct tk_tick t;
	unsigned long i, n = 0;

	/* Frames are not NUL-terminated. */
	for (i = 0; i < len && frame[i] >= '0' && frame[i] <= '9'; i++)
		n = n * 10 + (unsigned long)(frame[i] - '0');
	memset(res, 0, sizeof(*res));
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof(t));
		snprintf(t.exchange, sizeof(t.exchange), "%s", ctx->exchange);
		snprintf(t.symbol, sizeof(t.symbol), "%s",
		    tk_symmap_unified_at(ctx->symbols, 0));
		snprintf(t.trade_id, sizeof(t.trade_id), "%lu", i);
		t.recv_ts = ctx->recv_ts;
		ctx->emit(ctx->emit_ud, &t);
	}
	res->nticks = (unsigned)n;
}

static int
no_symbol(const char *unified, char *buf, size_t cap)
{
	(void)unified;
	(void)buf;
	(void)cap;
	return -ENAMETOOLONG;
}

static int
same_symbol(const char *unified, char *buf, size_t cap)
{
	return snprintf(buf, cap, "%s", unified);
}

static const struct tk_adapter burst = {
	.name = "burst", .types = TK_TYPES_ALL,
	.native_symbol = same_symbol, .parse = burst_parse,
};
static const struct tk_adapter nosym = {
	.name = "nosym", .types = TK_TYPES_ALL,
	.native_symbol = no_symbol, .parse = burst_parse,
};
static const struct tk_adapter *const fakes[] = { &burst, &nosym, NULL };

START_TEST(test_replay_many_ticks)
{
	struct tk_replay_conf conf = conf_for(0, false, TK_TYPES_ALL);
	struct tk_replay_stats st;
	struct tk_stream *s;
	struct tk_tick *t;
	char num[24];	/* any size_t */
	size_t n, i;

	rec_frame(T0, "bx", "burst", "100", 3, true);
	rec_frame(T0, "bx", "nosym", "1", 1, true);
	rec_frame(T0, "bx", "burst", "5000", 4, true);
	rec_frame(T0, "bx", "binance", "5", 1, true);	/* not in the table */
	rec_frame(T0, "bx", "burst", "0", 1, true);
	rec_frame(T0, "by", "burst", "1", 1, true);
	rec_close();
	conf.adapters = fakes;
	s = tk_replay_new(&conf);
	ck_assert_ptr_nonnull(s);
	t = calloc(8192, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	n = pull_all(s, t, 8192, NULL);
	ck_assert_uint_eq(n, 100 + TK_REPLAY_FRAME_TICKS + 1);
	for (i = 0; i < n - 1; i++) {
		snprintf(num, sizeof(num), "%zu", i < 100 ? i : i - 100);
		ck_assert_str_eq(t[i].trade_id, num);
		ck_assert_str_eq(t[i].exchange, "bx");
		ck_assert_str_eq(t[i].symbol, "NKN-USDT");
	}
	ck_assert_str_eq(t[n - 1].exchange, "by");
	ck_assert_int_eq(tk_replay_stats(s, &st), 0);
	ck_assert_uint_eq(st.dropped, 5000 - TK_REPLAY_FRAME_TICKS);
	ck_assert_uint_eq(st.bad_lines, 2);
	ck_assert_uint_eq(st.frames, 4);
	ck_assert_str_eq(st.last_bad, "line 4: unknown adapter \"binance\"");
	tk_stream_free(s);
	free(t);
}
END_TEST

START_TEST(test_replay_bad_symbols_adapter)
{
	struct tk_replay_conf conf = conf_for(0, false, TK_TYPES_ALL);
	struct tk_stream *s;
	struct tk_tick t;

	rec_frame(T0, "bx", "nosym", "1", 1, true);
	rec_frame(T0, "bx", "nosym", "1", 1, true);
	rec_close();
	conf.adapters = fakes;
	s = tk_replay_new(&conf);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(poll_work(s, &t, NULL), TK_POLL_END);
	assert_stats(s, 2, 0, 0, 2, 0);
	ck_assert_msg(strncmp(last_bad(s), "line 2: adapter \"nosym\": ", 25)
	    == 0, "%s", last_bad(s));
	tk_stream_free(s);
}
END_TEST

/*
 * One recording, spot and perpetual exchanges: each adapter takes the
 * configured symbols of its market, and one of neither market is no
 * reason to refuse the others.
 */
START_TEST(test_replay_markets)
{
	static const char *const both[] = { "BTC-USDT", "BTC-USDT-PERP" };
	struct tk_replay_conf conf = conf_for(0, false, TK_TYPES_ALL);
	char *spot, *perp;
	size_t ns, np;
	struct tk_stream *s;
	struct tk_tick t[4];

	spot = tk_test_read_fixture("binance/aggTrade_3.json", &ns);
	perp = tk_test_read_fixture("binance_usdm/bookticker_3_btcusdt.json",
	    &np);
	rec_frame(T0, "binance", "binance", spot, ns, true);
	rec_frame(T0, "usdm", "binance_usdm", perp, np, true);
	rec_close();
	free(spot);
	free(perp);
	conf.symbols = both;
	conf.nsymbols = 2;
	s = tk_replay_new(&conf);
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(pull_all(s, t, 4, NULL), 2);
	ck_assert_str_eq(t[0].symbol, "BTC-USDT");
	ck_assert_int_eq(t[0].type, TK_TICK_TRADE);
	ck_assert_str_eq(t[1].exchange, "usdm");
	ck_assert_str_eq(t[1].symbol, "BTC-USDT-PERP");
	ck_assert_int_eq(t[1].type, TK_TICK_QUOTE);
	assert_stats(s, 2, 2, 2, 0, 0);
	tk_stream_free(s);
}
END_TEST

/* Freed in every state; the seams refuse other streams. */
START_TEST(test_replay_free_and_seams)
{
	struct tk_replay_stats st;
	struct tk_stream *s, *arr;
	struct tk_tick t;

	rec_fixture(T0, "binance", "aggTrade");
	rec_fixture(T0 + 1000, "binance", "trade");
	rec_close();
	tk_stream_free(NULL);
	s = replay_open(1, false);
	tk_stream_free(s);			/* never polled */
	s = replay_open(1, false);
	ck_assert_int_eq(tk_stream_next(s, &t, &cw.w), TK_POLL_READY);
	ck_assert_stream_pending(s, &cw);
	tk_stream_free(s);			/* with a parked waker */
	ck_assert_int_eq(cw.woken, 0);

	arr = tk_array_stream_new("arr", NULL, 0);
	ck_assert_ptr_nonnull(arr);
	ck_assert_int_eq(tk_replay_stats(arr, &st), -EINVAL);
	ck_assert_int_eq(tk_replay_stats(NULL, &st), -EINVAL);
	ck_assert_int_eq(tk_replay_next_due(arr), 0);
	ck_assert_int_eq(tk_replay_next_due(NULL), 0);
	tk_replay_tick(arr);
	tk_replay_tick(NULL);
	tk_stream_free(arr);
	ck_assert_ptr_null(tk_replay_new(NULL));
}
END_TEST

/* The config entry: no network, all channels, symbols kept as they are. */
START_TEST(test_replay_adapter_entry)
{
	const struct tk_adapter *replay = tk_test_adapter("replay");
	char buf[16];

	ck_assert_str_eq(replay->name, "replay");
	ck_assert_int_eq(replay->kind, TK_ADAPTER_LOCAL);
	ck_assert_ptr_null(replay->default_url);
	ck_assert_uint_eq(replay->types, TK_TYPES_ALL);
	ck_assert_ptr_null(replay->parse);
	ck_assert_int_eq(replay->native_symbol("BTC-USD", buf,
	    sizeof(buf)), 7);
	ck_assert_str_eq(buf, "BTC-USD");
	ck_assert_int_eq(replay->native_symbol("BTC-USD", buf, 7),
	    -ENAMETOOLONG);
}
END_TEST

static Suite *
replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc;

	tc = tcase_create("play");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_replay_exact);
	tcase_add_test(tc, test_replay_types);
	tcase_add_loop_test(tc, test_replay_pacing, 0,
	    (int)(sizeof(speeds) / sizeof(speeds[0])));
	tcase_add_test(tc, test_replay_speed0);
	tcase_add_test(tc, test_replay_last_line_no_newline);
	tcase_add_test(tc, test_replay_loop);
	tcase_add_test(tc, test_replay_loop_no_ticks);
	tcase_add_test(tc, test_replay_empty_file);
	tcase_add_test(tc, test_replay_reads_at_first_poll);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_replay_long_lines);
	tcase_add_test(tc, test_replay_garbage);
	tcase_add_test(tc, test_replay_unknown_adapter);
	tcase_add_test(tc, test_replay_malformed_frame);
	tcase_add_test(tc, test_replay_chunks);
	tcase_add_test(tc, test_replay_bounded_work);
	tcase_add_test(tc, test_replay_work_per_poll);
	tcase_add_test(tc, test_replay_many_ticks);
	tcase_add_test(tc, test_replay_bad_symbols_adapter);
	tcase_add_test(tc, test_replay_markets);
	tcase_add_loop_test(tc, test_replay_bad_conf, 0, BAD_MAX);
	tcase_add_test(tc, test_replay_read_error);
	tcase_add_test(tc, test_replay_free_and_seams);
	tcase_add_test(tc, test_replay_adapter_entry);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(replay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
