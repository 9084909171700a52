/* SPDX-License-Identifier: MIT */
/*
 * The replay source: a recording (record.h) played back as a stream.
 *
 * The file is read a chunk at a time into a buffer that holds at most one
 * partial line plus one chunk, so memory stays bounded by the longest line
 * allowed, whatever the file's size.  Each line is decoded into a scratch
 * buffer (no allocation per line) and its frame handed to the adapter named
 * in the line, exactly as the daemon does with a live frame; the ticks that
 * come out wait in a small queue until the clock says they are due.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ticker/adapter.h>
#include <ticker/record.h>
#include <ticker/replay.h>
#include <ticker/stream_impl.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

#define QUEUE_MIN	16			/* ticks; grows to the cap */
#define BUF_MIN		(2 * TK_REPLAY_CHUNK)
#define BUF_MAX		(TK_RECORD_LINE_MAX + TK_REPLAY_CHUNK)
#define WHY_MAX		160

/* What one step of work through the file came to. */
enum step {
	STEP_TICKS,	/* the queue holds the ticks of a frame */
	STEP_YIELD,	/* did a share of work without finding any */
	STEP_END,
	STEP_ERROR,	/* tk_stream_fail() was called */
};

/* One (exchange, adapter) pair seen in the recording. */
struct source {
	char		 ex[TK_NAME_MAX];
	char		 ad[TK_RECORD_ADAPTER_MAX];
	const struct tk_adapter *adapter;	/* NULL: lines are bad */
	struct tk_symmap *map;
	char		 why[WHY_MAX];		/* when adapter is NULL */
};

struct replay {
	struct tk_stream base;
	char		*path;
	int		 fd;
	char		**symbols;
	size_t		 nsymbols;
	unsigned	 types;
	double		 speed;
	bool		 loop;
	tk_clock_fn	*clock;
	void		*clock_ud;
	const struct tk_adapter *const *adapters;	/* NULL: built-in */

	/* Reading: buf[off, len) is unconsumed; no '\n' in [off, scan). */
	char		*buf;
	size_t		 cap, off, len, scan;
	bool		 eof;
	bool		 skipping;	/* inside a line that is too long */
	uint64_t	 lineno;	/* lines completed in this pass */
	char		*scratch;	/* decoded frames */
	size_t		 scratch_cap;

	/* The ticks of the current frame, due together. */
	struct tk_tick	*q;
	size_t		 qcap, qhead, qn;
	double		 qat;		/* recorded µs since t0, with loops */

	struct source	*src;
	size_t		 nsrc, srccap;

	/* Pacing. */
	bool		 started, have_t0, pass_any;
	int64_t		 start, t0;
	int64_t		 pass_first, pass_max;
	double		 offset;	/* recorded µs added in this pass */
	uint64_t	 pass_ticks;

	struct tk_replay_stats st;
};

static enum tk_poll replay_next(struct tk_stream *, struct tk_tick *);
static void	 replay_free(struct tk_stream *);
static bool	 conf_ok(const struct tk_replay_conf *);
static int	 copy_conf(struct replay *, const struct tk_replay_conf *);
static int	 open_file(struct replay *, const struct tk_replay_conf *);
static enum step advance(struct replay *);
static bool	 take_line(struct replay *, const char **line, size_t *n);
static bool	 take_last_line(struct replay *, const char **line,
		    size_t *n);
static int	 read_chunk(struct replay *);
static int	 grow_buf(struct replay *, size_t need);
static enum step at_end(struct replay *);
static int	 handle_line(struct replay *, const char *line, size_t n);
static void	 note_time(struct replay *, int64_t t);
static int	 source_get(struct replay *, const struct tk_record *,
		    struct source **out);
static void	 source_init(struct replay *, struct source *);
static struct tk_symmap *market_map(const struct replay *,
		    const struct tk_adapter *, char *err, size_t errlen);
static const struct tk_adapter *find_adapter(const struct replay *,
		    const char *name);
static void	 run_frame(struct replay *, struct source *,
		    const struct tk_record *);
static void	 emit(void *ud, const struct tk_tick *);
static int	 grow_queue(struct replay *);
static int64_t	 due_of(const struct replay *);
static void	 bad(struct replay *, uint64_t *counter, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 close_file(struct replay *);
static bool	 blank(const char *s, size_t n);
static void	 set_err(const struct tk_replay_conf *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static struct replay *to_replay(struct tk_stream *);
static const struct replay *to_creplay(const struct tk_stream *);

static const struct tk_stream_ops replay_ops = {
	.next = replay_next,
	.free = replay_free,
};

struct tk_stream *
tk_replay_new(const struct tk_replay_conf *conf)
{
	struct replay *rp;

	if (!conf_ok(conf))
		return NULL;
	rp = calloc(1, sizeof(*rp));
	if (rp == NULL) {
		set_err(conf, "out of memory");
		return NULL;
	}
	tk_stream_init(&rp->base, &replay_ops,
	    conf->name != NULL ? conf->name : "replay");
	rp->fd = -1;
	if (copy_conf(rp, conf) < 0) {
		set_err(conf, "out of memory");
		replay_free(&rp->base);
		return NULL;
	}
	if (open_file(rp, conf) < 0) {
		replay_free(&rp->base);
		return NULL;
	}
	return &rp->base;
}

int64_t
tk_replay_next_due(const struct tk_stream *s)
{
	const struct replay *rp = to_creplay(s);

	if (rp == NULL)
		return 0;
	if (s->state != 0)
		return INT64_MAX;
	if (!rp->started || rp->qhead == rp->qn || rp->speed <= 0)
		return 0;
	return due_of(rp);
}

void
tk_replay_tick(struct tk_stream *s)
{
	struct replay *rp = to_replay(s);

	if (rp == NULL || !rp->started || rp->qhead == rp->qn)
		return;
	if (rp->speed <= 0 || rp->clock(rp->clock_ud) >= due_of(rp))
		tk_stream_wake(s);
}

int
tk_replay_stats(const struct tk_stream *s, struct tk_replay_stats *out)
{
	const struct replay *rp = to_creplay(s);

	if (rp == NULL || out == NULL)
		return -EINVAL;
	*out = rp->st;
	return 0;
}

/*
 * Ticks of a frame wait until due; an empty queue means a step of work
 * through the file, which either queues the next frame's ticks or ends
 * this call with a PENDING that wakes the consumer straight away.
 */
static enum tk_poll
replay_next(struct tk_stream *s, struct tk_tick *out)
{
	struct replay *rp = tk_container_of(s, struct replay, base);
	int64_t now = rp->clock(rp->clock_ud);

	if (!rp->started) {
		rp->started = true;
		rp->start = now;
	}
	while (rp->qhead == rp->qn) {
		switch (advance(rp)) {
		case STEP_TICKS:
			break;
		case STEP_YIELD:
			tk_stream_wake(s);
			return TK_POLL_PENDING;
		case STEP_END:
			close_file(rp);
			return TK_POLL_END;
		case STEP_ERROR:
			close_file(rp);
			return TK_POLL_ERROR;
		}
	}
	if (rp->speed > 0 && now < due_of(rp))
		return TK_POLL_PENDING;
	*out = rp->q[rp->qhead++];
	rp->st.ticks++;
	return TK_POLL_READY;
}

static void
replay_free(struct tk_stream *s)
{
	struct replay *rp = to_replay(s);
	size_t i;

	if (rp == NULL)
		return;
	close_file(rp);
	for (i = 0; i < rp->nsrc; i++)
		tk_symmap_free(rp->src[i].map);
	free(rp->src);
	free(rp->q);
	for (i = 0; i < rp->nsymbols; i++)
		free(rp->symbols[i]);
	free(rp->symbols);
	free(rp->path);
	free(rp);
}

static bool
conf_ok(const struct tk_replay_conf *conf)
{
	size_t i;

	if (conf == NULL)
		return false;
	if (conf->path == NULL || conf->path[0] == '\0') {
		set_err(conf, "replay: no recording file given");
		return false;
	}
	if (conf->symbols == NULL || conf->nsymbols == 0) {
		set_err(conf, "replay: no symbols given");
		return false;
	}
	for (i = 0; i < conf->nsymbols; i++) {
		if (conf->symbols[i] == NULL ||
		    !tk_symbol_valid(conf->symbols[i])) {
			set_err(conf, "replay: symbols[%zu] is not BASE-QUOTE",
			    i);
			return false;
		}
	}
	if (!isfinite(conf->speed) || conf->speed < 0 ||
	    conf->speed > TK_REPLAY_SPEED_MAX) {
		set_err(conf, "replay: speed must be from 0 to %.0f",
		    TK_REPLAY_SPEED_MAX);
		return false;
	}
	if ((conf->types & TK_TYPES_ALL) == 0 ||
	    (conf->types & ~TK_TYPES_ALL) != 0) {
		set_err(conf, "replay: no valid channel types");
		return false;
	}
	if (conf->clock == NULL) {
		set_err(conf, "replay: no clock");
		return false;
	}
	return true;
}

static int
copy_conf(struct replay *rp, const struct tk_replay_conf *conf)
{
	size_t i;

	rp->types = conf->types;
	rp->speed = conf->speed;
	rp->loop = conf->loop;
	rp->clock = conf->clock;
	rp->clock_ud = conf->clock_ud;
	rp->adapters = conf->adapters;
	if ((rp->path = strdup(conf->path)) == NULL)
		return -ENOMEM;
	rp->symbols = calloc(conf->nsymbols, sizeof(*rp->symbols));
	if (rp->symbols == NULL)
		return -ENOMEM;
	for (i = 0; i < conf->nsymbols; i++) {
		/* gcc 12 -fanalyzer loses the copy stored in rp->symbols[] */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
		if ((rp->symbols[i] = strdup(conf->symbols[i])) == NULL)
			return -ENOMEM;
#ifndef __clang__
#pragma GCC diagnostic pop
#endif
		rp->nsymbols = i + 1;
	}
	return 0;
}

/*
 * Opened now so that a wrong path is reported at startup.  Non-blocking
 * so that a FIFO without a writer cannot hang the caller, and only
 * regular files are accepted: a FIFO or a device could block or never end.
 */
static int
open_file(struct replay *rp, const struct tk_replay_conf *conf)
{
	struct stat sb;
	int err;

	rp->fd = open(rp->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rp->fd < 0) {
		err = errno;
		set_err(conf, "%s: cannot open: %s", rp->path, strerror(err));
		return -err;
	}
	if (fstat(rp->fd, &sb) < 0) {
		err = errno;
		set_err(conf, "%s: cannot stat: %s", rp->path, strerror(err));
		return -err;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_err(conf, "%s: not a regular file", rp->path);
		return -EINVAL;
	}
	return 0;
}

/*
 * Works through lines until one yields ticks, with at most one read and
 * about one chunk's worth of lines per call.
 */
static enum step
advance(struct replay *rp)
{
	size_t budget = TK_REPLAY_CHUNK, n;
	bool did_read = false;
	const char *line;

	rp->qhead = rp->qn = 0;
	for (;;) {
		if (take_line(rp, &line, &n) ||
		    take_last_line(rp, &line, &n)) {
			if (handle_line(rp, line, n) < 0) {
				tk_stream_fail(&rp->base, -ENOMEM,
				    "%s: out of memory", rp->base.name);
				return STEP_ERROR;
			}
			if (rp->qn > 0)
				return STEP_TICKS;
			if (n >= budget)
				return STEP_YIELD;
			budget -= n + 1;
			continue;
		}
		if (rp->eof)
			return at_end(rp);
		if (did_read)
			return STEP_YIELD;
		if (read_chunk(rp) < 0)
			return STEP_ERROR;
		did_read = true;
	}
}

/* The next complete line in the buffer, without its '\n'. */
static bool
take_line(struct replay *rp, const char **line, size_t *n)
{
	char *start, *nl;

	while (rp->off < rp->len) {
		start = rp->buf + rp->off;
		nl = memchr(rp->buf + rp->scan, '\n', rp->len - rp->scan);
		if (nl == NULL) {
			rp->scan = rp->len;
			if (rp->skipping)
				rp->off = rp->scan = rp->len;
			return false;
		}
		rp->off = rp->scan = (size_t)(nl - rp->buf) + 1;
		/* A skipped line was counted when it was found too long. */
		if (rp->skipping) {
			rp->skipping = false;
			continue;
		}
		rp->lineno++;
		*line = start;
		*n = (size_t)(nl - start);
		return true;
	}
	return false;
}

/* At the end of the file, what is left is a line without its '\n'. */
static bool
take_last_line(struct replay *rp, const char **line, size_t *n)
{
	if (!rp->eof || rp->off == rp->len)
		return false;
	*line = rp->buf + rp->off;
	*n = rp->len - rp->off;
	rp->off = rp->scan = rp->len;
	if (rp->skipping) {
		rp->skipping = false;
		return false;
	}
	rp->lineno++;
	return true;
}

/*
 * Moves the partial line to the front and appends one chunk.  A partial
 * line already longer than allowed is counted and dropped here, and the
 * rest of it skipped, so the buffer never holds more than one line of
 * TK_RECORD_LINE_MAX plus one chunk.
 */
static int
read_chunk(struct replay *rp)
{
	size_t pending = rp->len - rp->off;
	ssize_t n;
	int err;

	if (pending > 0 && rp->off > 0)
		memmove(rp->buf, rp->buf + rp->off, pending);
	rp->scan -= rp->off;
	rp->off = 0;
	rp->len = pending;
	if (pending > TK_RECORD_LINE_MAX) {
		rp->st.lines++;
		rp->lineno++;
		bad(rp, &rp->st.bad_lines, "line longer than %d bytes",
		    TK_RECORD_LINE_MAX);
		rp->skipping = true;
		rp->len = rp->scan = 0;
	}
	if (grow_buf(rp, rp->len + TK_REPLAY_CHUNK) < 0) {
		tk_stream_fail(&rp->base, -ENOMEM, "%s: out of memory",
		    rp->base.name);
		return -ENOMEM;
	}
	do {
		n = read(rp->fd, rp->buf + rp->len, TK_REPLAY_CHUNK);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = errno;
		tk_stream_fail(&rp->base, -err, "%s: read: %s", rp->path,
		    strerror(err));
		return -err;
	}
	rp->len += (size_t)n;
	rp->eof = n == 0;
	return 0;
}

/* The scratch buffer for decoded frames grows with the buffer. */
static int
grow_buf(struct replay *rp, size_t need)
{
	size_t cap = rp->cap > 0 ? rp->cap : BUF_MIN;
	char *p;

	if (need <= rp->cap && need <= rp->scratch_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > BUF_MAX)
		cap = BUF_MAX;
	if ((p = realloc(rp->buf, cap)) == NULL)
		return -ENOMEM;
	rp->buf = p;
	rp->cap = cap;
	if ((p = realloc(rp->scratch, cap)) == NULL)
		return -ENOMEM;
	rp->scratch = p;
	rp->scratch_cap = cap;
	return 0;
}

/* Loop mode starts over; a pass without ticks would only spin. */
static enum step
at_end(struct replay *rp)
{
	int err;

	rp->st.passes++;
	if (!rp->loop || rp->pass_ticks == 0)
		return STEP_END;
	if (lseek(rp->fd, 0, SEEK_SET) < 0) {
		err = errno;
		tk_stream_fail(&rp->base, -err, "%s: seek: %s", rp->path,
		    strerror(err));
		return STEP_ERROR;
	}
	/* The next pass starts a gap after the latest time of this one. */
	rp->offset += (double)rp->pass_max - (double)rp->pass_first +
	    TK_REPLAY_LOOP_GAP_US;
	rp->off = rp->len = rp->scan = 0;
	rp->eof = rp->skipping = false;
	rp->lineno = 0;
	rp->pass_any = false;
	rp->pass_ticks = 0;
	return STEP_YIELD;
}

/* Everything but OOM is counted and skipped; returns 0 or -ENOMEM. */
static int
handle_line(struct replay *rp, const char *line, size_t n)
{
	struct tk_record rec;
	struct source *src;
	int r;

	if (blank(line, n))
		return 0;
	rp->st.lines++;
	if (n > TK_RECORD_LINE_MAX) {
		bad(rp, &rp->st.bad_lines, "line longer than %d bytes",
		    TK_RECORD_LINE_MAX);
		return 0;
	}
	rec.buf = rp->scratch;
	rec.cap = rp->scratch_cap;
	if (tk_record_parse(line, n, &rec) < 0) {
		bad(rp, &rp->st.bad_lines, "%s", rec.reason);
		return 0;
	}
	note_time(rp, rec.t);
	r = source_get(rp, &rec, &src);
	if (r == -E2BIG) {
		bad(rp, &rp->st.bad_lines, "more than %d exchanges in one "
		    "recording", TK_REPLAY_SOURCES);
		return 0;
	}
	if (r < 0)
		return r;
	if (src->adapter == NULL) {
		bad(rp, &rp->st.bad_lines, "%s", src->why);
		return 0;
	}
	run_frame(rp, src, &rec);
	return 0;
}

/* t0 is the first record's time; each pass tracks its own span. */
static void
note_time(struct replay *rp, int64_t t)
{
	if (!rp->have_t0) {
		rp->have_t0 = true;
		rp->t0 = t;
	}
	if (!rp->pass_any) {
		rp->pass_any = true;
		rp->pass_first = rp->pass_max = t;
	}
	if (t > rp->pass_max)
		rp->pass_max = t;
}

/* The source of (ex, ad), made on first sight; -E2BIG past the cap. */
static int
source_get(struct replay *rp, const struct tk_record *rec,
    struct source **out)
{
	struct source *src;
	size_t i, cap;

	for (i = 0; i < rp->nsrc; i++) {
		src = &rp->src[i];
		if (strcmp(src->ex, rec->ex) == 0 &&
		    strcmp(src->ad, rec->ad) == 0) {
			*out = src;
			return 0;
		}
	}
	if (rp->nsrc == TK_REPLAY_SOURCES)
		return -E2BIG;
	if (rp->nsrc == rp->srccap) {
		cap = rp->srccap > 0 ? rp->srccap * 2 : 4;
		src = realloc(rp->src, cap * sizeof(*src));
		if (src == NULL)
			return -ENOMEM;
		rp->src = src;
		rp->srccap = cap;
	}
	src = &rp->src[rp->nsrc++];
	memset(src, 0, sizeof(*src));
	memcpy(src->ex, rec->ex, sizeof(src->ex));
	memcpy(src->ad, rec->ad, sizeof(src->ad));
	source_init(rp, src);
	*out = src;
	return 0;
}

/*
 * A source whose adapter is unknown, has no codec, or cannot map the
 * configured symbols stays unusable, with the reason for its lines.
 */
static void
source_init(struct replay *rp, struct source *src)
{
	const struct tk_adapter *ad = find_adapter(rp, src->ad);
	char err[WHY_MAX - TK_RECORD_ADAPTER_MAX - 16];

	if (ad == NULL) {
		snprintf(src->why, sizeof(src->why), "unknown adapter \"%s\"",
		    src->ad);
		return;
	}
	if (ad->parse == NULL) {
		snprintf(src->why, sizeof(src->why), "adapter \"%s\" has no "
		    "frames to replay", src->ad);
		return;
	}
	src->map = market_map(rp, ad, err, sizeof(err));
	if (src->map == NULL) {
		snprintf(src->why, sizeof(src->why), "adapter \"%s\": %s",
		    src->ad, err);
		return;
	}
	src->adapter = ad;
}

/*
 * The map of the configured symbols that @ad has a native form for: one
 * recording holds spot and perpetual exchanges alike, and each takes the
 * symbols of its market.  NULL with @err when none is.
 */
static struct tk_symmap *
market_map(const struct replay *rp, const struct tk_adapter *ad, char *err,
    size_t errlen)
{
	const char **mine = calloc(rp->nsymbols, sizeof(*mine));
	char native[TK_SYMBOL_MAX];
	struct tk_symmap *map = NULL;
	size_t i, n = 0;

	if (mine == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* -EINVAL: another market's; other failures are reported */
	for (i = 0; i < rp->nsymbols; i++)
		if (ad->native_symbol(rp->symbols[i], native,
		    sizeof(native)) != -EINVAL)
			mine[n++] = rp->symbols[i];
	if (n == 0)
		snprintf(err, errlen, "none of the symbols is of its market");
	else
		map = tk_symmap_new(ad, mine, n, err, errlen);
	free(mine);
	return map;
}

static const struct tk_adapter *
find_adapter(const struct replay *rp, const char *name)
{
	size_t i;

	if (rp->adapters == NULL)
		return tk_adapter_find(name);
	for (i = 0; rp->adapters[i] != NULL; i++)
		if (strcmp(rp->adapters[i]->name, name) == 0)
			return rp->adapters[i];
	return NULL;
}

/* The frame as the daemon would have parsed it live, at its own time. */
static void
run_frame(struct replay *rp, struct source *src, const struct tk_record *rec)
{
	struct tk_codec_ctx ctx = {
		.exchange = rec->ex,
		.symbols = src->map,
		.types = rp->types,
		.recv_ts = rec->t,
		.emit = emit,
		.emit_ud = rp,
	};
	struct tk_frame_result res;

	rp->qat = (double)rec->t - (double)rp->t0 + rp->offset;
	src->adapter->parse(&ctx, rec->frame, rec->len, &res);
	rp->st.frames++;
	rp->pass_ticks += rp->qn;
	if (res.kind == TK_FRAME_MALFORMED) {
		bad(rp, &rp->st.bad_frames, "%s frame: %s", src->ad,
		    res.detail);
	}
}

/* Adapters cannot fail an emit: what does not fit is counted. */
static void
emit(void *ud, const struct tk_tick *t)
{
	struct replay *rp = ud;

	if (rp->qn == rp->qcap && grow_queue(rp) < 0) {
		rp->st.dropped++;
		return;
	}
	rp->q[rp->qn++] = *t;
}

static int
grow_queue(struct replay *rp)
{
	size_t cap = rp->qcap > 0 ? rp->qcap * 2 : QUEUE_MIN;
	struct tk_tick *q;

	if (rp->qcap >= TK_REPLAY_FRAME_TICKS)
		return -ENOBUFS;
	if (cap > TK_REPLAY_FRAME_TICKS)
		cap = TK_REPLAY_FRAME_TICKS;
	if ((q = realloc(rp->q, cap * sizeof(*q))) == NULL)
		return -ENOMEM;
	rp->q = q;
	rp->qcap = cap;
	return 0;
}

/* Only time goes through double, as in the sim. */
static int64_t
due_of(const struct replay *rp)
{
	double d = rp->qat / rp->speed;

	if (d >= 4e18)
		return INT64_MAX;
	if (d <= -4e18)
		d = -4e18;
	return rp->start + (int64_t)d;
}

/* Counts a bad line or frame and says why in last_bad. */
static void
bad(struct replay *rp, uint64_t *counter, const char *fmt, ...)
{
	char *p = rp->st.last_bad;
	size_t cap = sizeof(rp->st.last_bad);
	va_list ap;
	int n;

	(*counter)++;
	n = snprintf(p, cap, "line %llu: ", (unsigned long long)rp->lineno);
	if (n < 0 || (size_t)n >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(p + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Done with the file: its buffers go too (at END, ERROR or free). */
static void
close_file(struct replay *rp)
{
	if (rp->fd >= 0)
		close(rp->fd);
	rp->fd = -1;
	free(rp->buf);
	free(rp->scratch);
	rp->buf = rp->scratch = NULL;
	rp->cap = rp->scratch_cap = rp->off = rp->len = rp->scan = 0;
}

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static void
set_err(const struct tk_replay_conf *conf, const char *fmt, ...)
{
	va_list ap;

	if (conf->err == NULL || conf->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(conf->err, conf->errlen, fmt, ap);
	va_end(ap);
}

/*
 * The checked downcast, for the public calls.  replay_next() uses
 * tk_container_of() directly: only replay_ops calls it, so @s is ours.
 */
static struct replay *
to_replay(struct tk_stream *s)
{
	if (s == NULL || s->ops != &replay_ops)
		return NULL;
	return tk_container_of(s, struct replay, base);
}

static const struct replay *
to_creplay(const struct tk_stream *s)
{
	if (s == NULL || s->ops != &replay_ops)
		return NULL;
	return (const struct replay *)(const void *)s;
}
