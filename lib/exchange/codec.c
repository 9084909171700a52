/* SPDX-License-Identifier: MIT */
/*
 * The plumbing the exchange codecs share (see exchange.h): frame results and
 * their details, JSON getters, the emit path and chunked subscribe
 * messages.  One copy, so that every exchange words the same problem the
 * same way.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ticker/isotime.h>
#include <ticker/symmap.h>
#include <ticker/utf8.h>

#include "exchange.h"

#define SHOWN_MAX	32	/* bytes of a bad value quoted in a detail */

#define MS_MAX		TK__MS_MAX
#define MS_DIGITS_MAX	15
#define MS_WHY		"is not a time in ms between 1970 and 9999"

/* The largest integer a double holds exactly: 2^53. */
#define DOUBLE_INT_MAX	9007199254740992.0

static void	 no_value(struct tk_dec *);
static size_t	 ms_fraction(const char *s, size_t len, size_t i,
		    int64_t *us);
static int	 native_pair(const char *unified, size_t len, char dash,
		    bool lower, char *buf, size_t cap);
static void	 out_uint(struct tk__out *, unsigned long long v);
static void	 sub_item(const struct tk__sub *, struct tk__out *, size_t j);
static size_t	 sub_total(const struct tk__sub *);
static size_t	 sub_chunk_end(const struct tk__sub *, size_t start,
		    unsigned long long id);
static void	 sub_message(const struct tk__sub *, struct tk__out *,
		    size_t start, size_t end, unsigned long long id);

void
tk__frame_parse(const struct tk_codec_ctx *ctx, const char *frame,
    size_t len, struct tk_frame_result *res, unsigned flags,
    tk__object_fn *fn)
{
	struct tk__frame f;
	json_error_t jerr;
	json_t *root;

	tk__frame_start(&f, ctx, res);
	if (frame == NULL || len == 0) {
		tk__frame_set(&f, TK_FRAME_MALFORMED, "empty frame");
		return;
	}
	root = json_loadb(frame, len, 0, &jerr);
	if (root == NULL && (flags & TK__PARSE_REALS_ON_OVERFLOW) &&
	    json_error_code(&jerr) == json_error_numeric_overflow) {
		root = json_loadb(frame, len, JSON_DECODE_INT_AS_REAL, &jerr);
		f.ints_as_reals = true;
	}
	if (root == NULL) {
		tk__frame_set(&f, TK_FRAME_MALFORMED,
		    "invalid JSON at byte %d: %s", jerr.position, jerr.text);
		return;
	}
	if (json_is_object(root) ||
	    (json_is_array(root) && (flags & TK__PARSE_ARRAYS)))
		fn(&f, root);
	else
		tk__frame_set(&f, TK_FRAME_MALFORMED,
		    "frame is not a JSON object");
	json_decref(root);
}

void
tk__frame_start(struct tk__frame *f, const struct tk_codec_ctx *ctx,
    struct tk_frame_result *res)
{
	f->ctx = ctx;
	f->res = res;
	f->ints_as_reals = false;
	memset(res, 0, sizeof(*res));
	res->kind = TK_FRAME_DATA;
}

void
tk__frame_classify(struct tk__frame *f, enum tk_frame_kind kind)
{
	f->res->kind = kind;
	f->res->detail[0] = '\0';
}

void
tk__frame_set(struct tk__frame *f, enum tk_frame_kind kind, const char *fmt,
    ...)
{
	va_list ap;

	if (f->res->kind == TK_FRAME_MALFORMED)
		return;
	f->res->kind = kind;
	/* the detail goes to clients: never cut inside a character */
	va_start(ap, fmt);
	tk_utf8_vsnprintf(f->res->detail, sizeof(f->res->detail), fmt, ap);
	va_end(ap);
}

int
tk__frame_fail(struct tk__frame *f, const char *ev, const char *key,
    const char *why)
{
	tk__frame_set(f, TK_FRAME_MALFORMED, "%s: field \"%s\" %s", ev, key,
	    why);
	return -1;
}

int
tk__frame_fail_text(struct tk__frame *f, const char *ev, const char *key,
    const char *s, size_t len, const char *why)
{
	size_t shown = tk_utf8_cut(s, len, SHOWN_MAX);
	char esc[6 * SHOWN_MAX + 1];
	int n;

	n = tk_json_escape(s, shown, esc, sizeof(esc) - 1);
	esc[n > 0 ? n : 0] = '\0';
	tk__frame_set(f, TK_FRAME_MALFORMED, "%s: field \"%s\": \"%s%s\" %s",
	    ev, key, esc, shown < len ? "..." : "", why);
	return -1;
}

int
tk__frame_fail_value(struct tk__frame *f, const char *ev, const char *key,
    json_t *v, const char *why)
{
	return tk__frame_fail_text(f, ev, key, json_string_value(v),
	    json_string_length(v), why);
}

void
tk__frame_reply(struct tk__frame *f, const char *text)
{
	snprintf(f->res->reply, sizeof(f->res->reply), "%s", text);
}

void
tk__frame_scrub(struct tk__frame *f)
{
	char *p;

	for (p = f->res->detail; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

int
tk__json_str(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    json_t **out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL)
		return tk__frame_fail(f, ev, key, "is missing");
	if (!json_is_string(v))
		return tk__frame_fail(f, ev, key, "is not a string");
	*out = v;
	return 0;
}

int
tk__json_dec(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    unsigned opts, struct tk_dec *out)
{
	return tk__json_dec_value(f, json_object_get(o, key), ev, key, opts,
	    out);
}

int
tk__json_dec_value(struct tk__frame *f, json_t *v, const char *ev,
    const char *key, unsigned opts, struct tk_dec *out)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	struct tk_dec d;
	int r;

	if ((opts & TK__DEC_NULL_OK) && (v == NULL || json_is_null(v))) {
		no_value(out);
		return 0;
	}
	if (v == NULL)
		return tk__frame_fail(f, ev, key, "is missing");
	if (s == NULL)
		return tk__frame_fail(f, ev, key, "is not a string");
	if ((opts & TK__DEC_EMPTY_OK) && len == 0) {
		no_value(out);
		return 0;
	}
	r = tk_dec_parse(s, len, &d);
	if (r == 0 && (d.mant >= 0 || (opts & TK__DEC_SIGNED))) {
		*out = d;
		return 0;
	}
	return tk__frame_fail_text(f, ev, key, s, len, r == -ERANGE ?
	    "is out of range" : r < 0 ? "is not a decimal" : "is negative");
}

int
tk__json_num(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    unsigned opts, struct tk_dec *out)
{
	return tk__json_num_value(f, json_object_get(o, key), ev, key, opts,
	    out);
}

int
tk__json_num_value(struct tk__frame *f, json_t *v, const char *ev,
    const char *key, unsigned opts, struct tk_dec *out)
{
	struct tk_dec d;
	int r = 0;

	if (v == NULL)
		return tk__frame_fail(f, ev, key, "is missing");
	if ((opts & TK__DEC_NULL_OK) && json_is_null(v)) {
		no_value(out);
		return 0;
	}
	if (json_is_integer(v))
		tk_dec_from_int(json_integer_value(v), &d);
	else if (json_is_real(v))
		r = tk_dec_from_double(json_real_value(v), &d);
	else
		return tk__frame_fail(f, ev, key, "is not a number");
	if (r < 0)
		return tk__frame_fail(f, ev, key, "is out of range");
	if (d.mant < 0 && !(opts & TK__DEC_SIGNED))
		return tk__frame_fail(f, ev, key, "is negative");
	*out = d;
	return 0;
}

/* An invalid decimal: printed as null. */
static void
no_value(struct tk_dec *out)
{
	memset(out, 0, sizeof(*out));
}

int
tk__json_ms(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    unsigned opts, int64_t *us)
{
	return tk__json_ms_value(f, json_object_get(o, key), ev, key, opts,
	    us);
}

int
tk__json_ms_value(struct tk__frame *f, json_t *v, const char *ev,
    const char *key, unsigned opts, int64_t *us)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i;
	int64_t ms = 0, frac = 0;

	if (v == NULL)
		return (opts & TK__MS_REQUIRED) ?
		    tk__frame_fail(f, ev, key, "is missing") : 0;
	if ((opts & TK__MS_INT) && json_is_integer(v)) {
		ms = json_integer_value(v);
		if (ms < 0 || ms > MS_MAX)
			return tk__frame_fail(f, ev, key, MS_WHY);
	} else if ((opts & TK__MS_TEXT) && s != NULL) {
		/* nanoseconds: the last six digits are the fraction */
		size_t n = (opts & TK__MS_NANOS) && len > 6 ? len - 6 : len;

		for (i = 0; i < n && i < MS_DIGITS_MAX && s[i] >= '0' &&
		    s[i] <= '9'; i++)
			ms = ms * 10 + (s[i] - '0');
		if ((opts & TK__MS_NANOS) && (len <= 6 || i < n))
			i = 0;
		else if (opts & TK__MS_NANOS)
			i = ms_fraction(s, len, i, &frac);
		else if ((opts & TK__MS_FRACTION) && i > 0 && i < len &&
		    s[i] == '.')
			i = ms_fraction(s, len, i + 1, &frac);
		if (len == 0 || i < len || ms > MS_MAX)
			return tk__frame_fail_text(f, ev, key, s, len, MS_WHY);
	} else {
		return tk__frame_fail(f, ev, key, (opts & TK__MS_INT) ?
		    "is not an integer" : "is not a string");
	}
	*us = ms * 1000 + frac;
	return 1;
}

/*
 * The digits of @s from @i on, a fraction of a millisecond: the first
 * three are *us, the rest is cut.  Returns where the digits end, or 0 (a
 * "malformed" position) when there are none.
 */
static size_t
ms_fraction(const char *s, size_t len, size_t i, int64_t *us)
{
	size_t start = i;
	int64_t scale = 100;

	for (*us = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
		*us += (s[i] - '0') * scale;
	return i > start ? i : 0;
}

int
tk__json_name_value(struct tk__frame *f, json_t *v, const char *ev,
    const char *key, const struct tk__name *tbl, size_t n)
{
	const char *s = json_string_value(v);
	size_t i;

	if (s == NULL)
		return tk__frame_fail(f, ev, key, v == NULL ? "is missing" :
		    "is not a string");
	for (i = 0; i < n && strcmp(tbl[i].name, s) != 0; i++)
		;
	if (i < n && tbl[i].value == TK__NAME_UNUSED) {
		tk__frame_classify(f, TK_FRAME_DATA);
		return -1;
	}
	if (i == n || tbl[i].value == TK__NAME_CONTROL) {
		tk__frame_classify(f, TK_FRAME_CONTROL);
		return -1;
	}
	return tbl[i].value;
}

int
tk__json_iso(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    bool required, int64_t *us)
{
	json_t *v = json_object_get(o, key);
	int64_t t;

	if (v == NULL)
		return required ? tk__frame_fail(f, ev, key, "is missing") : 0;
	if (!json_is_string(v))
		return tk__frame_fail(f, ev, key, "is not a string");
	if (tk_iso8601_parse_us(json_string_value(v), json_string_length(v),
	    &t) < 0)
		return tk__frame_fail_value(f, ev, key, v,
		    "is not an ISO-8601 time");
	if (t < 0)
		return tk__frame_fail_value(f, ev, key, v, "is before 1970");
	*us = t;
	return 1;
}

int
tk__json_id_int(struct tk__frame *f, json_t *o, const char *ev,
    const char *key, char *buf)
{
	return tk__json_id_int_value(f, json_object_get(o, key), ev, key, buf);
}

int
tk__json_id_int_value(struct tk__frame *f, json_t *v, const char *ev,
    const char *key, char *buf)
{
	double d = json_real_value(v);	/* 0 unless a real */
	json_int_t id;

	if (v == NULL)
		return tk__frame_fail(f, ev, key, "is missing");
	if (json_is_integer(v)) {
		id = json_integer_value(v);
	} else if (json_is_real(v) && f->ints_as_reals && d == floor(d)) {
		if (fabs(d) > DOUBLE_INT_MAX)
			return tk__frame_fail(f, ev, key, "is out of range");
		id = (json_int_t)d;
	} else {
		return tk__frame_fail(f, ev, key, "is not an integer");
	}
	if (id < 0)
		return tk__frame_fail(f, ev, key, "is negative");
	snprintf(buf, TK_TRADE_ID_MAX, "%" JSON_INTEGER_FORMAT, id);
	return 0;
}

int
tk__json_id_str(struct tk__frame *f, json_t *o, const char *ev,
    const char *key, char *buf)
{
	json_t *v;
	const char *s;
	size_t len;

	if (tk__json_str(f, o, ev, key, &v) < 0)
		return -1;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return tk__frame_fail(f, ev, key, "is empty");
	if (tk_tick_set_str(buf, TK_TRADE_ID_MAX, s, len) < 0)
		return tk__frame_fail_text(f, ev, key, s, len, "is too long");
	return 0;
}

int
tk__json_side(struct tk__frame *f, json_t *o, const char *ev, const char *key,
    const char *buy, const char *sell, bool maker, enum tk_side *out)
{
	json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	enum tk_side side;
	char why[64];

	if (v == NULL) {
		*out = TK_SIDE_UNKNOWN;
		return 0;
	}
	if (s == NULL)
		return tk__frame_fail(f, ev, key, "is not a string");
	if (strcmp(s, buy) == 0) {
		side = maker ? TK_SIDE_SELL : TK_SIDE_BUY;
	} else if (strcmp(s, sell) == 0) {
		side = maker ? TK_SIDE_BUY : TK_SIDE_SELL;
	} else {
		snprintf(why, sizeof(why), "is not \"%s\" or \"%s\"", buy, sell);
		return tk__frame_fail_value(f, ev, key, v, why);
	}
	*out = side;
	return 0;
}

int
tk__flat_dec(const struct tk_jflat_val *v, unsigned opts, struct tk_dec *out)
{
	struct tk_dec d;

	if ((opts & TK__DEC_NULL_OK) && (v == NULL ||
	    v->kind == TK_JFLAT_NULL)) {
		no_value(out);
		return 0;
	}
	if (v == NULL || v->kind != TK_JFLAT_STR)
		return -1;
	if ((opts & TK__DEC_EMPTY_OK) && v->n == 0) {
		no_value(out);
		return 0;
	}
	if (tk_dec_parse(v->s, v->n, &d) < 0 ||
	    (d.mant < 0 && !(opts & TK__DEC_SIGNED)))
		return -1;
	*out = d;
	return 0;
}

/* tk__json_ms() with TK__MS_INT alone: milliseconds, not µs. */
int
tk__flat_ms(const struct tk_jflat_val *v, int64_t *ms)
{
	if (v == NULL)
		return 0;
	if (v->kind != TK_JFLAT_INT || v->i < 0 || v->i > MS_MAX)
		return -1;
	*ms = v->i;
	return 1;
}

int
tk__flat_id_int(const struct tk_jflat_val *v, char *buf)
{
	if (v == NULL || v->kind != TK_JFLAT_INT || v->i < 0)
		return -1;
	snprintf(buf, TK_TRADE_ID_MAX, "%" PRId64, v->i);
	return 0;
}

int
tk__flat_iso(const struct tk_jflat_val *v, bool required, int64_t *us)
{
	int64_t t;

	if (v == NULL)
		return required ? -1 : 0;
	if (v->kind != TK_JFLAT_STR ||
	    tk_iso8601_parse_us(v->s, v->n, &t) < 0 || t < 0)
		return -1;
	*us = t;
	return 1;
}

int
tk__flat_emit(struct tk__frame *f, struct tk_tick *t,
    const struct tk_jflat_val *sym)
{
	if (sym == NULL || sym->kind != TK_JFLAT_STR)
		return -1;
	tk__frame_start(f, f->ctx, f->res);
	tk__emit(f, t, sym->s, sym->n, 0);
	return 0;
}

void
tk__emit(struct tk__frame *f, struct tk_tick *t, const char *native,
    size_t len, unsigned flags)
{
	const struct tk_codec_ctx *ctx = f->ctx;
	const char *unified;

	unified = tk_symmap_to_unified(ctx->symbols, native, len);
	if (unified == NULL) {
		f->res->unknown++;
		return;
	}
	if ((flags & TK__EMIT_QUIET) || !(ctx->types & TK_TYPE_BIT(t->type)))
		return;
	if ((flags & TK__EMIT_SKIP_EMPTY) && t->type == TK_TICK_QUOTE &&
	    !t->bid.valid && !t->ask.valid)
		return;
	/* Both fit: the config bounds exchange names, the map symbols. */
	if (ctx->exchange != NULL)
		(void)tk_tick_set_str(t->exchange, sizeof(t->exchange),
		    ctx->exchange, strlen(ctx->exchange));
	(void)tk_tick_set_str(t->symbol, sizeof(t->symbol), unified,
	    strlen(unified));
	t->recv_ts = ctx->recv_ts;
	f->res->nticks++;
	if (ctx->emit != NULL)
		ctx->emit(ctx->emit_ud, t);
}

void
tk__emit_json(struct tk__frame *f, struct tk_tick *t, json_t *sym,
    unsigned flags)
{
	tk__emit(f, t, json_string_value(sym), json_string_length(sym), flags);
}

int
tk__symbol_native(const char *unified, char dash, bool lower, char *buf,
    size_t cap)
{
	if (tk_symbol_market(unified) != TK_MARKET_SPOT)
		return -EINVAL;
	return native_pair(unified, strlen(unified), dash, lower, buf, cap);
}

int
tk__symbol_native_perp(const char *unified, char dash, bool lower,
    char *buf, size_t cap)
{
	if (tk_symbol_market(unified) != TK_MARKET_PERP)
		return -EINVAL;
	return native_pair(unified, strlen(unified) - strlen("-PERP"), dash,
	    lower, buf, cap);
}

/* The first @len bytes of @unified, BASE-QUOTE, as tk__symbol_native(). */
static int
native_pair(const char *unified, size_t len, char dash, bool lower,
    char *buf, size_t cap)
{
	size_t n = 0, i;
	char c;

	for (i = 0; i < len; i++)
		n += unified[i] != '-' || dash != '\0';
	if (n + 1 > cap)
		return -ENAMETOOLONG;
	for (n = 0, i = 0; i < len; i++) {
		c = unified[i];
		if (c == '-' && dash == '\0')
			continue;
		buf[n++] = c == '-' ? dash : lower && c >= 'A' && c <= 'Z' ?
		    (char)(c - 'A' + 'a') : c;
	}
	buf[n] = '\0';
	return (int)n;
}

void
tk__out_put(struct tk__out *o, const char *s, size_t n)
{
	if (o->len < o->cap && n <= o->cap - o->len)
		memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void
tk__out_str(struct tk__out *o, const char *s)
{
	tk__out_put(o, s, strlen(s));
}

static void
out_uint(struct tk__out *o, unsigned long long v)
{
	char digits[24];

	tk__out_put(o, digits, (size_t)snprintf(digits, sizeof(digits),
	    "%llu", v));
}

void
tk__sub_init(struct tk__sub *s, const struct tk_symmap *map,
    const struct tk__chan *tbl, size_t n, unsigned types)
{
	static const struct tk__chan bare = { TK_TICK_TRADE, "", "" };
	size_t j;

	memset(s, 0, sizeof(*s));
	s->map = map;
	if (tbl == NULL) {
		s->chans[s->nchans++] = &bare;
		return;
	}
	for (j = 0; j < n && s->nchans < TK_TICK_TYPE_MAX; j++)
		if (types & TK_TYPE_BIT(tbl[j].type))
			s->chans[s->nchans++] = &tbl[j];
}

/*
 * Walks the messages from the first: each one's end is the next one's
 * start.  Nothing is written unless the whole message fits, so a caller
 * can grow its buffer and ask again.
 */
int
tk__sub_write(const struct tk__sub *s, unsigned i, char *buf, size_t cap)
{
	size_t total = sub_total(s), start = 0, end = 0;
	struct tk__out o = { NULL, 0, 0 };
	unsigned long long k;

	for (k = 0;; k++, start = end) {
		if (start >= total)
			return 0;
		end = sub_chunk_end(s, start, s->id0 + k);
		if (k == i)
			break;
	}
	sub_message(s, &o, start, end, s->id0 + i);
	if (o.len + 1 > cap)
		return -ENOSPC;
	o = (struct tk__out){ buf, cap, 0 };
	sub_message(s, &o, start, end, s->id0 + i);
	buf[o.len] = '\0';
	return (int)o.len;
}

static size_t
sub_total(const struct tk__sub *s)
{
	return tk_symmap_count(s->map) * s->nchans;
}

/* Writes item @j: "<pre><native><post>", quoted if asked to. */
static void
sub_item(const struct tk__sub *s, struct tk__out *o, size_t j)
{
	const char *native = tk_symmap_native_at(s->map, j / s->nchans);
	const struct tk__chan *c = s->chans[j % s->nchans];
	char lower;

	if (s->flags & TK__SUB_QUOTE)
		tk__out_put(o, "\"", 1);
	tk__out_str(o, c->pre);
	if (!(s->flags & TK__SUB_LOWER)) {
		tk__out_str(o, native);
	} else {
		for (; *native != '\0'; native++) {
			lower = (*native >= 'A' && *native <= 'Z') ?
			    (char)(*native - 'A' + 'a') : *native;
			tk__out_put(o, &lower, 1);
		}
	}
	tk__out_str(o, c->post);
	if (s->flags & TK__SUB_QUOTE)
		tk__out_put(o, "\"", 1);
}

/* End of the message whose items start at @start and whose number is @id. */
static size_t
sub_chunk_end(const struct tk__sub *s, size_t start, unsigned long long id)
{
	size_t total = sub_total(s), j, n, len;
	struct tk__out o = { NULL, 0, 0 };

	sub_message(s, &o, start, start, id);	/* the fixed part */
	len = o.len;
	for (j = start, n = 0; j < total; j++, n++) {
		if (s->max_items > 0 && n >= s->max_items)
			break;
		o.len = n > 0;		/* the comma before it */
		sub_item(s, &o, j);
		/* One item always fits, so every message makes progress. */
		if (n > 0 && s->max_bytes > 0 && len + o.len >= s->max_bytes)
			break;
		len += o.len;
	}
	return j;
}

static void
sub_message(const struct tk__sub *s, struct tk__out *o, size_t start,
    size_t end, unsigned long long id)
{
	size_t j;

	tk__out_str(o, s->head);
	for (j = start; j < end; j++) {
		if (j > start)
			tk__out_put(o, ",", 1);
		sub_item(s, o, j);
	}
	tk__out_str(o, s->tail);
	if (s->end != NULL) {
		out_uint(o, id);
		tk__out_str(o, s->end);
	}
}
