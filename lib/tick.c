/* SPDX-License-Identifier: MIT */
/*
 * Ticks: names, fixed-field setters and the client JSON.  tk_tick_format()
 * runs once per tick per fan-out, so it is written by hand: no allocation,
 * no printf, and one bounds check per piece.
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <ticker/decimal.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

/*
 * A bounded output cursor.  The first piece that does not fit sets @err and
 * every later piece is skipped, so callers check once at the end.
 */
struct out {
	char	*p;
	char	*end;
	int	 err;
};

static size_t	escape_byte(unsigned char c, char *esc);
static void	put(struct out *o, const char *s, size_t n);
static void	put_str(struct out *o, const char *field, size_t cap);
static void	put_dec(struct out *o, const struct tk_dec *d);
static void	put_i64(struct out *o, int64_t v);
static void	put_u64(struct out *o, uint64_t u, int neg);
static void	put_trade(struct out *o, const struct tk_tick *t);
static void	put_quote(struct out *o, const struct tk_tick *t);
static void	put_funding(struct out *o, const struct tk_tick *t);
static void	put_bbo(struct out *o, const struct tk_tick *t);
static void	put_venue(struct out *o, const char *field, size_t cap);

#define PUT_LIT(o, lit)	put((o), (lit), sizeof(lit) - 1)

static const char *const type_names[TK_TICK_TYPE_MAX] = {
	[TK_TICK_TRADE] = "trade",
	[TK_TICK_QUOTE] = "quote",
	[TK_TICK_FUNDING] = "funding",
	[TK_TICK_BBO] = "bbo",
};

static const char *const size_unit_names[TK_SIZE_UNIT_MAX] = {
	[TK_SIZE_UNIT_BASE] = "base",
	[TK_SIZE_UNIT_QUOTE] = "quote",
	[TK_SIZE_UNIT_CONTRACTS] = "contracts",
};

/* Rings copy ticks by value: the unions keep a tick within this. */
_Static_assert(sizeof(struct tk_tick) <= 272, "struct tk_tick grew");

static const char hex[] = "0123456789abcdef";

/*
 * Bytes that end an unescaped run: what JSON requires escaped (controls,
 * '"', '\\'), DEL, and every byte from 0x80 up, which starts a UTF-8
 * sequence to check.
 */
static const unsigned char needs_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

const char *
tk_tick_type_name(enum tk_tick_type type)
{
	if ((unsigned)type >= TK_TICK_TYPE_MAX)
		return NULL;
	return type_names[type];
}

int
tk_tick_type_parse(const char *name, enum tk_tick_type *out)
{
	unsigned i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < TK_TICK_TYPE_MAX; i++) {
		if (strcmp(name, type_names[i]) == 0) {
			*out = (enum tk_tick_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
tk_size_unit_name(enum tk_size_unit unit)
{
	if ((unsigned)unit >= TK_SIZE_UNIT_MAX)
		return NULL;
	return size_unit_names[unit];
}

int
tk_size_unit_parse(const char *name, enum tk_size_unit *out)
{
	unsigned i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < TK_SIZE_UNIT_MAX; i++) {
		if (strcmp(name, size_unit_names[i]) == 0) {
			*out = (enum tk_size_unit)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
tk_side_name(enum tk_side side)
{
	switch (side) {
	case TK_SIDE_BUY:
		return "buy";
	case TK_SIDE_SELL:
		return "sell";
	default:
		return "unknown";
	}
}

/*
 * An embedded NUL is refused rather than truncated: the field would
 * silently lose its tail and two different ids could compare equal.
 */
int
tk_tick_set_str(char *field, size_t cap, const char *src, size_t len)
{
	if (len > 0 && memchr(src, '\0', len) != NULL)
		return -EINVAL;
	if (len >= cap)
		return -ENAMETOOLONG;
	if (len > 0)
		memcpy(field, src, len);
	field[len] = '\0';
	return 0;
}

/*
 * The output is valid UTF-8 whatever the input: valid characters are copied
 * as they are, in runs, and each invalid sequence (maximal subpart, see
 * tk_utf8_seq()) becomes one U+FFFD.  Besides '"' and '\\', every control
 * byte (below 0x20, and 0x7f) is escaped, so the text stays one line.
 */
int
tk_json_escape(const char *s, size_t len, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *run;
	const char *piece;
	char *o = buf, esc[6];
	size_t n;
	int r;

	if (cap > INT_MAX)
		cap = INT_MAX;
	while (p < end) {
		for (run = p; p < end && !needs_escape[*p];)
			p++;
		n = (size_t)(p - run);
		if (n > cap - (size_t)(o - buf))
			return -ENOSPC;
		if (n > 0)
			memcpy(o, run, n);
		o += n;
		if (p == end)
			break;
		if (*p < 0x80) {
			n = escape_byte(*p++, esc);
			piece = esc;
		} else if ((r = tk_utf8_seq((const char *)p,
		    (size_t)(end - p))) > 0) {
			piece = (const char *)p;
			n = (size_t)r;
			p += r;
		} else {
			piece = TK_UTF8_REPLACEMENT;
			n = sizeof(TK_UTF8_REPLACEMENT) - 1;
			p += -r;
		}
		if (n > cap - (size_t)(o - buf))
			return -ENOSPC;
		memcpy(o, piece, n);
		o += n;
	}
	return (int)(o - buf);
}

/* The JSON escape of @c into @esc (6 bytes); returns its length. */
static size_t
escape_byte(unsigned char c, char *esc)
{
	esc[0] = '\\';
	switch (c) {
	case '"':	esc[1] = '"'; return 2;
	case '\\':	esc[1] = '\\'; return 2;
	case '\b':	esc[1] = 'b'; return 2;
	case '\f':	esc[1] = 'f'; return 2;
	case '\n':	esc[1] = 'n'; return 2;
	case '\r':	esc[1] = 'r'; return 2;
	case '\t':	esc[1] = 't'; return 2;
	default:
		/* an escape sequence, not a C string */
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(esc + 1, "u00", 3);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xf];
		return 6;
	}
}

int
tk_tick_format(const struct tk_tick *t, int snapshot, char *buf, size_t cap)
{
	struct out o = { buf, buf + (cap > INT_MAX ? INT_MAX : cap), 0 };
	const char *unit;

	if (t == NULL || (unsigned)t->type >= TK_TICK_TYPE_MAX ||
	    (unit = tk_size_unit_name(t->size_unit)) == NULL)
		return -EINVAL;
	PUT_LIT(&o, "{\"type\":\"");
	put(&o, type_names[t->type], strlen(type_names[t->type]));
	PUT_LIT(&o, "\"");
	/* A bbo is every exchange's: SPEC leaves its "exchange" out. */
	if (t->type != TK_TICK_BBO) {
		PUT_LIT(&o, ",\"exchange\":");
		put_str(&o, t->exchange, sizeof(t->exchange));
	}
	PUT_LIT(&o, ",\"symbol\":");
	put_str(&o, t->symbol, sizeof(t->symbol));
	switch (t->type) {
	case TK_TICK_TRADE:
		put_trade(&o, t);
		break;
	case TK_TICK_QUOTE:
		put_quote(&o, t);
		break;
	case TK_TICK_FUNDING:
		put_funding(&o, t);
		break;
	default:
		put_bbo(&o, t);
		break;
	}
	if (t->size_unit != TK_SIZE_UNIT_BASE) {
		PUT_LIT(&o, ",\"size_unit\":\"");
		put(&o, unit, strlen(unit));
		PUT_LIT(&o, "\"");
	}
	PUT_LIT(&o, ",\"ts\":");
	put_i64(&o, t->ts);
	if (t->type != TK_TICK_BBO) {
		PUT_LIT(&o, ",\"recv_ts\":");
		put_i64(&o, t->recv_ts);
	}
	PUT_LIT(&o, ",\"seq\":");
	put_u64(&o, t->seq, 0);
	if (snapshot)
		PUT_LIT(&o, ",\"snapshot\":true");
	PUT_LIT(&o, "}");
	if (o.err)
		return o.err;
	/* A NUL only when there is room: the length is the contract. */
	if (o.p < o.end)
		*o.p = '\0';
	return (int)(o.p - buf);
}

/* The fields after "symbol" that only trades have. */
static void
put_trade(struct out *o, const struct tk_tick *t)
{
	const char *side = tk_side_name(t->side);

	PUT_LIT(o, ",\"price\":");
	put_dec(o, &t->price);
	PUT_LIT(o, ",\"size\":");
	put_dec(o, &t->size);
	PUT_LIT(o, ",\"side\":\"");
	put(o, side, strlen(side));
	PUT_LIT(o, "\",\"trade_id\":");
	if (t->trade_id[0] == '\0')
		PUT_LIT(o, "null");
	else
		put_str(o, t->trade_id, sizeof(t->trade_id));
}

/* The fields after "symbol" that only quotes have. */
static void
put_quote(struct out *o, const struct tk_tick *t)
{
	PUT_LIT(o, ",\"bid\":");
	put_dec(o, &t->bid);
	PUT_LIT(o, ",\"bid_size\":");
	put_dec(o, &t->bid_size);
	PUT_LIT(o, ",\"ask\":");
	put_dec(o, &t->ask);
	PUT_LIT(o, ",\"ask_size\":");
	put_dec(o, &t->ask_size);
}

/* The funding fields; the optional two only when the exchange sent them. */
static void
put_funding(struct out *o, const struct tk_tick *t)
{
	PUT_LIT(o, ",\"mark_price\":");
	put_dec(o, &t->mark_price);
	if (t->index_price.valid) {
		PUT_LIT(o, ",\"index_price\":");
		put_dec(o, &t->index_price);
	}
	PUT_LIT(o, ",\"rate\":");
	put_dec(o, &t->rate);
	if (t->next_funding_ts != 0) {
		PUT_LIT(o, ",\"next_funding_ts\":");
		put_i64(o, t->next_funding_ts);
	}
}

/*
 * Every key is always there, so that clients see one shape: a side that no
 * usable exchange quotes has null price, size and venue.
 */
static void
put_bbo(struct out *o, const struct tk_tick *t)
{
	PUT_LIT(o, ",\"bid\":");
	put_dec(o, &t->bid);
	PUT_LIT(o, ",\"bid_size\":");
	put_dec(o, &t->bid_size);
	PUT_LIT(o, ",\"bid_exchange\":");
	put_venue(o, t->bid_exchange, sizeof(t->bid_exchange));
	PUT_LIT(o, ",\"ask\":");
	put_dec(o, &t->ask);
	PUT_LIT(o, ",\"ask_size\":");
	put_dec(o, &t->ask_size);
	PUT_LIT(o, ",\"ask_exchange\":");
	put_venue(o, t->ask_exchange, sizeof(t->ask_exchange));
	if (t->crossed)
		PUT_LIT(o, ",\"crossed\":true");
	else
		PUT_LIT(o, ",\"crossed\":false");
}

static void
put_venue(struct out *o, const char *field, size_t cap)
{
	if (field[0] == '\0')
		PUT_LIT(o, "null");
	else
		put_str(o, field, cap);
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (n > (size_t)(o->end - o->p)) {
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

/* A quoted, escaped fixed field; strnlen() in case it lacks its NUL. */
static void
put_str(struct out *o, const char *field, size_t cap)
{
	int n;

	PUT_LIT(o, "\"");
	if (o->err)
		return;
	n = tk_json_escape(field, strnlen(field, cap), o->p,
	    (size_t)(o->end - o->p));
	if (n < 0) {
		o->err = n;
		return;
	}
	o->p += n;
	PUT_LIT(o, "\"");
}

static void
put_dec(struct out *o, const struct tk_dec *d)
{
	char tmp[TK_DEC_TEXT_MAX];
	int n;

	if (o->err)
		return;
	if (!d->valid) {
		PUT_LIT(o, "null");
		return;
	}
	PUT_LIT(o, "\"");
	/* Format in place when there is room for the NUL, else via @tmp. */
	if ((size_t)(o->end - o->p) > TK_DEC_TEXT_MAX)
		n = tk_dec_format(d, o->p, TK_DEC_TEXT_MAX);
	else if ((n = tk_dec_format(d, tmp, sizeof(tmp))) >= 0) {
		put(o, tmp, (size_t)n);
		n = 0;
	}
	if (n < 0) {
		o->err = n;
		return;
	}
	o->p += n;
	PUT_LIT(o, "\"");
}

static void
put_i64(struct out *o, int64_t v)
{
	/* Unsigned negation: INT64_MIN has no positive twin. */
	if (v < 0)
		put_u64(o, 0 - (uint64_t)v, 1);
	else
		put_u64(o, (uint64_t)v, 0);
}

/* Two digits per division, as in decimal.c: three integers per tick. */
static void
put_u64(struct out *o, uint64_t u, int neg)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned r;

	while (u >= 100) {
		r = (unsigned)(u % 100);
		u /= 100;
		p -= 2;
		memcpy(p, digit_pairs + 2 * r, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * u, 2);
	} else {
		*--p = (char)('0' + u);
	}
	if (neg)
		*--p = '-';
	put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}
