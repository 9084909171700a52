/* SPDX-License-Identifier: MIT */
/* The stream base: sticky END/ERROR, waker bookkeeping, the array stream. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/stream.h>
#include <ticker/stream_impl.h>
#include <ticker/tick.h>

struct array_stream {
	struct tk_stream	 base;
	struct tk_tick		*ticks;
	size_t			 n, pos;
};

static void	copy_name(char *dst, size_t cap, const char *src);
static void	trim_utf8(char *s, size_t len);
static enum tk_poll array_next(struct tk_stream *, struct tk_tick *);
static void	array_free(struct tk_stream *);

/*
 * While ops->next runs, s->waker holds one of these marks instead of a
 * waker, so that a wake from inside next() (a start callback pushing, a
 * stream yielding to its consumer) is remembered rather than lost: the
 * consumer's waker is only known, and only stored, once next() returns.
 */
static struct tk_waker polling_mark;
static struct tk_waker woken_mark;

static const struct tk_stream_ops array_ops = {
	.next = array_next,
	.free = array_free,
};

void
tk_stream_init(struct tk_stream *s, const struct tk_stream_ops *ops,
    const char *name)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	copy_name(s->name, sizeof(s->name), name);
}

enum tk_poll
tk_stream_next(struct tk_stream *s, struct tk_tick *out,
    struct tk_waker *waker)
{
	enum tk_poll r;
	bool woken;

	if (s->state != 0)
		return (enum tk_poll)s->state;

	/* A new poll replaces any stored waker: the last one wins. */
	s->waker = &polling_mark;
	r = s->ops->next(s, out);
	woken = s->waker == &woken_mark;
	s->waker = NULL;

	switch (r) {
	case TK_POLL_READY:
		/* The consumer calls again anyway; a wake would be noise. */
		break;
	case TK_POLL_PENDING:
		if (waker == NULL)
			break;
		if (woken)
			waker->wake(waker);	/* it only schedules work */
		else
			s->waker = waker;
		break;
	case TK_POLL_END:
		s->state = TK_POLL_END;
		break;
	case TK_POLL_ERROR:
		if (s->error == 0)
			tk_stream_fail(s, -EIO, "%s failed", s->name);
		s->state = TK_POLL_ERROR;
		break;
	default:
		tk_stream_fail(s, -EPROTO, "%s: bad poll result %d", s->name,
		    (int)r);
		s->state = r = TK_POLL_ERROR;
		break;
	}
	return r;
}

enum tk_poll
tk_stream_next_or(struct tk_stream *s, struct tk_tick *out,
    const struct tk_tick *dflt, struct tk_waker *waker)
{
	enum tk_poll r;

	r = tk_stream_next(s, out, waker);
	if (r != TK_POLL_END)
		return r;
	*out = *dflt;
	return TK_POLL_READY;
}

void
tk_stream_wake(struct tk_stream *s)
{
	struct tk_waker *w = s->waker;

	if (w == NULL || w == &woken_mark)
		return;
	if (w == &polling_mark) {
		s->waker = &woken_mark;
		return;
	}
	/* Cleared first: the waker is owed one call per park, not more. */
	s->waker = NULL;
	w->wake(w);
}

void
tk_stream_fail(struct tk_stream *s, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Callers pass -errno; take errno too; never record "no error". */
	if (err > 0)
		err = -err;
	s->error = err != 0 ? err : -EIO;

	va_start(ap, fmt);
	n = vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	if (n < 0)
		s->reason[0] = '\0';
	else if ((size_t)n >= sizeof(s->reason))
		trim_utf8(s->reason, sizeof(s->reason) - 1);
}

int
tk_stream_error(const struct tk_stream *s)
{
	return s->state == TK_POLL_ERROR ? s->error : 0;
}

const char *
tk_stream_reason(const struct tk_stream *s)
{
	return s->state == TK_POLL_ERROR ? s->reason : "";
}

const char *
tk_stream_name(const struct tk_stream *s)
{
	return s->name;
}

void
tk_stream_free(struct tk_stream *s)
{
	if (s == NULL)
		return;
	/* A stored waker is borrowed: dropped, never called. */
	s->waker = NULL;
	if (s->ops->free != NULL)
		s->ops->free(s);
}

struct tk_stream *
tk_array_stream_new(const char *name, const struct tk_tick *ticks, size_t n)
{
	struct array_stream *a;

	if (n > SIZE_MAX / sizeof(*ticks))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	if (n > 0) {
		a->ticks = malloc(n * sizeof(*ticks));
		if (a->ticks == NULL) {
			free(a);
			return NULL;
		}
		memcpy(a->ticks, ticks, n * sizeof(*ticks));
	}
	a->n = n;
	tk_stream_init(&a->base, &array_ops, name != NULL ? name : "array");
	/* gcc 12 -fanalyzer does not see that &a->base is a */
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
	return &a->base;
#ifndef __clang__
#pragma GCC diagnostic pop
#endif
}

static void
copy_name(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (src == NULL)
		src = "";
	n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	trim_utf8(dst, n);
}

/*
 * @s was cut to @len bytes: drop a multi-byte UTF-8 sequence left
 * incomplete at the end, so reasons and names stay valid text for JSON.
 */
static void
trim_utf8(char *s, size_t len)
{
	size_t i = len, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 &&
	    len - i < 3)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0xC0)
		return;		/* ASCII (or stray continuation): leave it */
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

static enum tk_poll
array_next(struct tk_stream *s, struct tk_tick *out)
{
	struct array_stream *a = tk_container_of(s, struct array_stream, base);

	if (a->pos == a->n)
		return TK_POLL_END;
	*out = a->ticks[a->pos++];
	return TK_POLL_READY;
}

static void
array_free(struct tk_stream *s)
{
	struct array_stream *a = tk_container_of(s, struct array_stream, base);

	free(a->ticks);
	free(a);
}
