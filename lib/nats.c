/* SPDX-License-Identifier: MIT */
/*
 * NATS subjects, deduplication ids and bodies for scaling out (see
 * ticker/nats.h).  The body reuses the client JSON of tk_tick_format(),
 * so what an edge parses back is exactly what a local client would have
 * received, minus the ingest host's own "seq".
 */

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/decimal.h>
#include <ticker/hash.h>
#include <ticker/jflat.h>
#include <ticker/nats.h>
#include <ticker/state.h>
#include <ticker/tick.h>

#define FNV_PRIME	UINT64_C(1099511628211)

static int	put_token(const char *name, char *buf, size_t cap, size_t *o);
static int	put_str(const char *s, char *buf, size_t cap, size_t *o);
static int	token_byte_ok(unsigned char c);
static uint64_t	hash_dec(uint64_t h, const struct tk_dec *d);
static uint64_t	hash_i64(uint64_t h, int64_t v);
static int	say(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
static int	get_str(json_t *o, const char *key, char *field, size_t cap,
		    int required, char *err, size_t errlen);
static int	get_dec(json_t *o, const char *key, struct tk_dec *d,
		    char *err, size_t errlen);
static int	get_int(json_t *o, const char *key, int64_t *v, char *err,
		    size_t errlen);
static int	parse_tick(json_t *o, enum tk_tick_type type,
		    struct tk_tick *t, char *err, size_t errlen);
static int	parse_status(json_t *o, struct tk_nats_status *st, char *err,
		    size_t errlen);

/* What may stand as is in a subject token (and in a Nats-Msg-Id). */
static int
token_byte_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '*' && c != '>' &&
	    c != '%';
}

int
tk_nats_token(const char *name, char *buf, size_t cap)
{
	size_t o = 0;
	int r;

	if (name == NULL || name[0] == '\0' || buf == NULL)
		return -EINVAL;
	if ((r = put_token(name, buf, cap, &o)) < 0)
		return r;
	return (int)o;
}

/* Appends the token of @name at buf[*o] and a NUL. */
static int
put_token(const char *name, char *buf, size_t cap, size_t *o)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (name[0] == '\0')
		return -EINVAL;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (token_byte_ok(*p)) {
			if (*o + 1 >= cap)
				return -ENOSPC;
			buf[(*o)++] = (char)*p;
			continue;
		}
		if (*o + 3 >= cap)
			return -ENOSPC;
		buf[(*o)++] = '%';
		buf[(*o)++] = hex[*p >> 4];
		buf[(*o)++] = hex[*p & 0xf];
	}
	buf[*o] = '\0';
	return 0;
}

/* Appends @s as is at buf[*o] and a NUL. */
static int
put_str(const char *s, char *buf, size_t cap, size_t *o)
{
	size_t n = strlen(s);

	if (*o + n >= cap)
		return -ENOSPC;
	memcpy(buf + *o, s, n + 1);
	*o += n;
	return 0;
}

int
tk_nats_tick_subject(const char *prefix, const struct tk_tick *t,
    char *buf, size_t cap)
{
	const char *type;
	size_t o = 0;

	if (prefix == NULL || t == NULL || buf == NULL ||
	    (type = tk_tick_type_name(t->type)) == NULL)
		return -EINVAL;
	if (put_str(prefix, buf, cap, &o) < 0 || put_str(".", buf, cap, &o) ||
	    put_str(type, buf, cap, &o) < 0 || put_str(".", buf, cap, &o) ||
	    put_token(t->exchange, buf, cap, &o) < 0 ||
	    put_str(".", buf, cap, &o) ||
	    put_token(t->symbol, buf, cap, &o) < 0)
		return t->exchange[0] == '\0' || t->symbol[0] == '\0' ?
		    -EINVAL : -ENOSPC;
	return (int)o;
}

int
tk_nats_status_subject(const char *prefix, const char *exchange, char *buf,
    size_t cap)
{
	size_t o = 0;

	if (prefix == NULL || exchange == NULL || exchange[0] == '\0' ||
	    buf == NULL)
		return -EINVAL;
	if (put_str(prefix, buf, cap, &o) < 0 ||
	    put_str(".status.", buf, cap, &o) < 0 ||
	    put_token(exchange, buf, cap, &o) < 0)
		return -ENOSPC;
	return (int)o;
}

/* Decimals by their canonical text, so equal values hash alike. */
static uint64_t
hash_dec(uint64_t h, const struct tk_dec *d)
{
	char text[TK_DEC_TEXT_MAX];

	h = (h ^ 0x1f) * FNV_PRIME;	/* field separator */
	if (!d->valid)
		return (h ^ 0xfe) * FNV_PRIME;
	if (tk_dec_format(d, text, sizeof(text)) < 0)
		text[0] = '\0';
	return tk_hash_str(h, text);
}

static uint64_t
hash_i64(uint64_t h, int64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%lld", (long long)v);
	h = (h ^ 0x1f) * FNV_PRIME;
	return tk_hash_str(h, text);
}

uint64_t
tk_nats_tick_hash(const struct tk_tick *t)
{
	uint64_t h = TK_HASH_INIT;

	h = hash_i64(h, (int64_t)t->type);
	h = hash_i64(h, (int64_t)t->size_unit);
	switch (t->type) {
	case TK_TICK_TRADE:
		h = hash_i64(h, (int64_t)t->side);
		h = hash_dec(h, &t->price);
		h = hash_dec(h, &t->size);
		break;
	case TK_TICK_FUNDING:
		h = hash_dec(h, &t->mark_price);
		h = hash_dec(h, &t->index_price);
		h = hash_dec(h, &t->rate);
		h = hash_i64(h, t->next_funding_ts);
		break;
	default:
		h = hash_dec(h, &t->bid);
		h = hash_dec(h, &t->bid_size);
		h = hash_dec(h, &t->ask);
		h = hash_dec(h, &t->ask_size);
		break;
	}
	return hash_i64(h, t->ts);
}

int
tk_nats_msg_id(const struct tk_tick *t, char *buf, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	const char *type;
	char hash[17];
	size_t o = 0;

	if (t == NULL || buf == NULL ||
	    (type = tk_tick_type_name(t->type)) == NULL ||
	    t->exchange[0] == '\0' || t->symbol[0] == '\0')
		return -EINVAL;
	if (put_token(t->exchange, buf, cap, &o) < 0 ||
	    put_str(":", buf, cap, &o) < 0 ||
	    put_token(t->symbol, buf, cap, &o) < 0 ||
	    put_str(":", buf, cap, &o) < 0 || put_str(type, buf, cap, &o) < 0 ||
	    put_str(":", buf, cap, &o) < 0)
		return -ENOSPC;
	if (t->type != TK_TICK_TRADE || t->trade_id[0] == '\0') {
		snprintf(hash, sizeof(hash), "%016llx",
		    (unsigned long long)tk_nats_tick_hash(t));
		return put_str(hash, buf, cap, &o) < 0 ? -ENOSPC : (int)o;
	}
	/* the trade id as the exchange wrote it; '.' and '*' are fine here */
	for (p = (const unsigned char *)t->trade_id; *p != '\0'; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '%') {
			if (o + 1 >= cap)
				return -ENOSPC;
			buf[o++] = (char)*p;
			continue;
		}
		if (o + 3 >= cap)
			return -ENOSPC;
		buf[o++] = '%';
		buf[o++] = hex[*p >> 4];
		buf[o++] = hex[*p & 0xf];
	}
	buf[o] = '\0';
	return (int)o;
}

/*
 * tk_tick_format() ends every tick with ,"seq":N} when it is not a
 * snapshot: the body is that text with the last member cut off.
 */
int
tk_nats_tick_body(const struct tk_tick *t, char *buf, size_t cap)
{
	static const char member[] = ",\"seq\":";
	const size_t mlen = sizeof(member) - 1;
	int n, i;

	if (t == NULL || buf == NULL)
		return -EINVAL;
	n = tk_tick_format(t, 0, buf, cap);
	if (n < 0)
		return n;
	if (n < (int)mlen + 2)
		return -EINVAL;
	/* back over "}" and the digits to the start of the member */
	for (i = n - 2; i > 0 && buf[i] >= '0' && buf[i] <= '9'; i--)
		;
	i -= (int)mlen - 1;
	if (buf[n - 1] != '}' || i < 0 || memcmp(buf + i, member, mlen) != 0)
		return -EINVAL;
	buf[i] = '}';
	buf[i + 1] = '\0';
	return i + 1;
}

/* ---- parsing bodies (the edge) ---- */

static int
say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A string member into a fixed field; NULL/absent allowed unless @required. */
static int
get_str(json_t *o, const char *key, char *field, size_t cap, int required,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	field[0] = '\0';
	if ((v == NULL || json_is_null(v)) && !required)
		return 0;
	if (!json_is_string(v))
		return say(err, errlen, "\"%s\" is not a string", key);
	if (json_string_length(v) == 0 && required)
		return say(err, errlen, "\"%s\" is empty", key);
	if (tk_tick_set_str(field, cap, json_string_value(v),
	    json_string_length(v)) < 0)
		return say(err, errlen, "\"%s\" is too long or holds a NUL",
		    key);
	return 0;
}

/* A decimal string, or null/absent for "no value". */
static int
get_dec(json_t *o, const char *key, struct tk_dec *d, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, key);

	memset(d, 0, sizeof(*d));
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || tk_dec_parse(json_string_value(v),
	    json_string_length(v), d) < 0)
		return say(err, errlen, "\"%s\" is not a decimal string", key);
	return 0;
}

static int
get_int(json_t *o, const char *key, int64_t *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j))
		return say(err, errlen, "\"%s\" is not an integer", key);
	*v = (int64_t)json_integer_value(j);
	return 0;
}

/* "size_unit": absent means base (tk_tick_format() leaves base out). */
static int
get_size_unit(json_t *o, enum tk_size_unit *u, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "size_unit");

	*u = TK_SIZE_UNIT_BASE;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || tk_size_unit_parse(json_string_value(v), u) <
	    0)
		return say(err, errlen, "\"size_unit\" is not a known unit");
	return 0;
}

static int
parse_funding(json_t *o, struct tk_tick *t, char *err, size_t errlen)
{
	if (get_dec(o, "mark_price", &t->mark_price, err, errlen) < 0 ||
	    get_dec(o, "index_price", &t->index_price, err, errlen) < 0 ||
	    get_dec(o, "rate", &t->rate, err, errlen) < 0)
		return -EINVAL;
	if (json_object_get(o, "next_funding_ts") == NULL)
		return 0;	/* not sent by every exchange */
	return get_int(o, "next_funding_ts", &t->next_funding_ts, err, errlen);
}

static int
parse_tick(json_t *o, enum tk_tick_type type, struct tk_tick *t, char *err,
    size_t errlen)
{
	const char *side;
	json_t *v;

	memset(t, 0, sizeof(*t));
	t->type = type;
	/* each host derives its own bbo from the quotes: never published */
	if (type == TK_TICK_BBO)
		return say(err, errlen, "a bbo is not published");
	if (get_str(o, "exchange", t->exchange, sizeof(t->exchange), 1, err,
	    errlen) < 0 || get_str(o, "symbol", t->symbol, sizeof(t->symbol),
	    1, err, errlen) < 0 || get_int(o, "ts", &t->ts, err, errlen) < 0 ||
	    get_int(o, "recv_ts", &t->recv_ts, err, errlen) < 0 ||
	    get_size_unit(o, &t->size_unit, err, errlen) < 0)
		return -EINVAL;
	if (type == TK_TICK_FUNDING)
		return parse_funding(o, t, err, errlen);
	if (type == TK_TICK_QUOTE)
		return get_dec(o, "bid", &t->bid, err, errlen) < 0 ||
		    get_dec(o, "bid_size", &t->bid_size, err, errlen) < 0 ||
		    get_dec(o, "ask", &t->ask, err, errlen) < 0 ||
		    get_dec(o, "ask_size", &t->ask_size, err, errlen) < 0 ?
		    -EINVAL : 0;
	if (get_dec(o, "price", &t->price, err, errlen) < 0 ||
	    get_dec(o, "size", &t->size, err, errlen) < 0 ||
	    get_str(o, "trade_id", t->trade_id, sizeof(t->trade_id), 0, err,
	    errlen) < 0)
		return -EINVAL;
	v = json_object_get(o, "side");
	side = json_is_string(v) ? json_string_value(v) : "unknown";
	if (strcmp(side, "buy") == 0)
		t->side = TK_SIDE_BUY;
	else if (strcmp(side, "sell") == 0)
		t->side = TK_SIDE_SELL;
	return 0;
}

static int
parse_status(json_t *o, struct tk_nats_status *st, char *err, size_t errlen)
{
	json_t *state = json_object_get(o, "state");
	json_t *detail = json_object_get(o, "detail");
	size_t n;

	memset(st, 0, sizeof(*st));
	if (get_str(o, "exchange", st->exchange, sizeof(st->exchange), 1, err,
	    errlen) < 0)
		return -EINVAL;
	if (!json_is_string(state) ||
	    tk_state_parse(json_string_value(state), &st->state) < 0)
		return say(err, errlen, "\"state\" is not a known state");
	if (json_is_string(detail)) {
		/* cut, not refused: a long exchange error is still news */
		n = strnlen(json_string_value(detail), sizeof(st->detail) - 1);
		memcpy(st->detail, json_string_value(detail), n);
		st->detail[n] = '\0';
	}
	return 0;
}

/*
 * The fast path.  A body as tk_nats_tick_body() writes it is a flat object
 * of plain ASCII strings, integers and null: such a tick is read here in
 * place (ticker/jflat.h), without building jansson's tree and its
 * allocations.  Anything else (an escape, a byte outside printable ASCII,
 * a nested value, a number that is not a plain integer, a key that tick
 * type does not have or a key twice, a value of the wrong kind) is left to
 * the JSON path below, which takes it or refuses it with its reason: both
 * paths give the same tick for what this one takes.
 */
enum fkey {
	F_TYPE, F_EXCHANGE, F_SYMBOL, F_TS, F_RECV_TS, F_SIZE_UNIT,
	F_PRICE, F_SIZE, F_SIDE, F_TRADE_ID,
	F_BID, F_BID_SIZE, F_ASK, F_ASK_SIZE,
	F_MARK, F_INDEX, F_RATE, F_NEXT,
	F_MAX
};

static const char *const fkey_names[F_MAX] = {
	"type", "exchange", "symbol", "ts", "recv_ts", "size_unit",
	"price", "size", "side", "trade_id",
	"bid", "bid_size", "ask", "ask_size",
	"mark_price", "index_price", "rate", "next_funding_ts",
};

#define FBIT(k)		(UINT32_C(1) << (k))
#define F_COMMON	(FBIT(F_TYPE) | FBIT(F_EXCHANGE) | FBIT(F_SYMBOL) | \
			 FBIT(F_TS) | FBIT(F_RECV_TS) | FBIT(F_SIZE_UNIT))
#define F_REQUIRED	(FBIT(F_TYPE) | FBIT(F_EXCHANGE) | FBIT(F_SYMBOL) | \
			 FBIT(F_TS) | FBIT(F_RECV_TS))

/* The keys a tick of each type may have (none: not for this path). */
static const uint32_t fkeys_of[TK_TICK_TYPE_MAX] = {
	[TK_TICK_TRADE] = F_COMMON | FBIT(F_PRICE) | FBIT(F_SIZE) |
	    FBIT(F_SIDE) | FBIT(F_TRADE_ID),
	[TK_TICK_QUOTE] = F_COMMON | FBIT(F_BID) | FBIT(F_BID_SIZE) |
	    FBIT(F_ASK) | FBIT(F_ASK_SIZE),
	[TK_TICK_FUNDING] = F_COMMON | FBIT(F_MARK) | FBIT(F_INDEX) |
	    FBIT(F_RATE) | FBIT(F_NEXT),
};

/* A string member, NUL-terminated into @buf; -1 unless a short string. */
static int
fast_cstr(const struct tk_jflat_val *v, char *buf, size_t cap)
{
	if (v->kind != TK_JFLAT_STR || v->n >= cap)
		return -1;
	memcpy(buf, v->s, v->n);
	buf[v->n] = '\0';
	return 0;
}

/* A name field: a non-empty string that fits. */
static int
fast_name(const struct tk_jflat_val *v, char *field, size_t cap)
{
	return v->kind == TK_JFLAT_STR && v->n > 0 &&
	    tk_tick_set_str(field, cap, v->s, v->n) == 0 ? 0 : -1;
}

/* A decimal field: a decimal string, or null/absent for no value. */
static int
fast_dec(const struct tk_jflat_val *vals, uint32_t seen, enum fkey k,
    struct tk_dec *d)
{
	if (!(seen & FBIT(k)) || vals[k].kind == TK_JFLAT_NULL)
		return 0;
	return vals[k].kind == TK_JFLAT_STR &&
	    tk_dec_parse(vals[k].s, vals[k].n, d) == 0 ? 0 : -1;
}

static int
fast_trade(const struct tk_jflat_val *vals, uint32_t seen,
    struct tk_tick *t)
{
	const struct tk_jflat_val *v = &vals[F_SIDE];

	if (fast_dec(vals, seen, F_PRICE, &t->price) < 0 ||
	    fast_dec(vals, seen, F_SIZE, &t->size) < 0)
		return -1;
	if ((seen & FBIT(F_TRADE_ID)) && vals[F_TRADE_ID].kind != TK_JFLAT_NULL &&
	    (vals[F_TRADE_ID].kind != TK_JFLAT_STR || tk_tick_set_str(t->trade_id,
	    sizeof(t->trade_id), vals[F_TRADE_ID].s, vals[F_TRADE_ID].n) < 0))
		return -1;
	/* what is not "buy" or "sell" is unknown, as on the JSON path */
	if ((seen & FBIT(F_SIDE)) && v->kind == TK_JFLAT_STR && v->n == 3 &&
	    memcmp(v->s, "buy", 3) == 0)
		t->side = TK_SIDE_BUY;
	else if ((seen & FBIT(F_SIDE)) && v->kind == TK_JFLAT_STR && v->n == 4 &&
	    memcmp(v->s, "sell", 4) == 0)
		t->side = TK_SIDE_SELL;
	return 0;
}

static int
fast_rest(const struct tk_jflat_val *vals, uint32_t seen,
    struct tk_tick *t)
{
	if (t->type == TK_TICK_TRADE)
		return fast_trade(vals, seen, t);
	if (t->type == TK_TICK_QUOTE)
		return fast_dec(vals, seen, F_BID, &t->bid) < 0 ||
		    fast_dec(vals, seen, F_BID_SIZE, &t->bid_size) < 0 ||
		    fast_dec(vals, seen, F_ASK, &t->ask) < 0 ||
		    fast_dec(vals, seen, F_ASK_SIZE, &t->ask_size) < 0 ? -1 : 0;
	if (fast_dec(vals, seen, F_MARK, &t->mark_price) < 0 ||
	    fast_dec(vals, seen, F_INDEX, &t->index_price) < 0 ||
	    fast_dec(vals, seen, F_RATE, &t->rate) < 0)
		return -1;
	if (!(seen & FBIT(F_NEXT)))
		return 0;
	if (vals[F_NEXT].kind != TK_JFLAT_INT)
		return -1;
	t->next_funding_ts = vals[F_NEXT].i;
	return 0;
}

/* 0 with @t filled, or -1: the JSON path decides. */
static int
fast_tick(const char *body, size_t len, struct tk_tick *t)
{
	struct tk_jflat_val vals[F_MAX];
	char name[16];
	uint32_t seen;

	memset(t, 0, sizeof(*t));
	if (tk_jflat_read(body, len, fkey_names, F_MAX, 0, vals, &seen) < 0 ||
	    (seen & F_REQUIRED) != F_REQUIRED ||
	    fast_cstr(&vals[F_TYPE], name, sizeof(name)) < 0 ||
	    tk_tick_type_parse(name, &t->type) < 0 ||
	    (unsigned)t->type >= TK_TICK_TYPE_MAX || fkeys_of[t->type] == 0 ||
	    (seen & ~fkeys_of[t->type]) != 0 ||
	    fast_name(&vals[F_EXCHANGE], t->exchange, sizeof(t->exchange)) < 0 ||
	    fast_name(&vals[F_SYMBOL], t->symbol, sizeof(t->symbol)) < 0 ||
	    vals[F_TS].kind != TK_JFLAT_INT || vals[F_RECV_TS].kind != TK_JFLAT_INT)
		return -1;
	t->ts = vals[F_TS].i;
	t->recv_ts = vals[F_RECV_TS].i;
	if ((seen & FBIT(F_SIZE_UNIT)) && (fast_cstr(&vals[F_SIZE_UNIT], name,
	    sizeof(name)) < 0 || tk_size_unit_parse(name, &t->size_unit) < 0))
		return -1;
	return fast_rest(vals, seen, t);
}

int
tk_nats_body_parse(const char *body, size_t len, enum tk_nats_kind *kind,
    struct tk_tick *t, struct tk_nats_status *st, char *err, size_t errlen)
{
	enum tk_tick_type type;
	json_error_t je;
	json_t *root, *v;
	int r;

	if (body == NULL || kind == NULL || t == NULL || st == NULL)
		return -EINVAL;
	if (fast_tick(body, len, t) == 0) {
		*kind = TK_NATS_TICK;
		return 0;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return say(err, errlen, "not JSON: %s", je.text);
	v = json_object_get(root, "type");
	if (!json_is_object(root) || !json_is_string(v))
		r = say(err, errlen, "no \"type\"");
	else if (strcmp(json_string_value(v), "status") == 0) {
		*kind = TK_NATS_STATUS;
		r = parse_status(root, st, err, errlen);
	} else if (tk_tick_type_parse(json_string_value(v), &type) == 0) {
		*kind = TK_NATS_TICK;
		r = parse_tick(root, type, t, err, errlen);
	} else
		r = say(err, errlen, "unknown type");
	json_decref(root);
	return r;
}

/* ---- JetStream metadata ---- */

/* A decimal token of a reply subject, ending at '.' or the end. */
static int
ack_number(const char *tok, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (tok[0] < '0' || tok[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(tok, &end, 10);
	if (errno != 0 || (*end != '.' && *end != '\0'))
		return -EINVAL;
	*out = v;
	return 0;
}

int
tk_nats_ack_parse(const char *reply, struct tk_nats_ack *ack)
{
	static const char head[] = "$JS.ACK.";
	const char *tok[14], *p;
	size_t n = 0, i_seq;
	uint64_t stamp;

	if (reply == NULL || strncmp(reply, head, sizeof(head) - 1) != 0)
		return -EINVAL;
	p = reply + sizeof(head) - 1;
	for (;;) {
		if (n == sizeof(tok) / sizeof(tok[0]))
			return -EINVAL;
		tok[n++] = p;
		p = strchr(p, '.');
		if (p == NULL)
			break;
		p++;
	}
	/* after "$JS.ACK.": 7 tokens, or 9-10 with domain and account;
	   from the stream sequence on: sseq, dseq, ts, pending */
	if (n == 7)
		i_seq = 3;
	else if (n == 9 || n == 10)
		i_seq = 5;
	else
		return -EINVAL;
	if (ack_number(tok[i_seq], &ack->sseq) < 0 ||
	    ack_number(tok[i_seq + 2], &stamp) < 0 || stamp > INT64_MAX ||
	    ack_number(tok[i_seq + 3], &ack->pending) < 0)
		return -EINVAL;
	ack->stamp = (int64_t)stamp;
	return 0;
}

/* ---- configuration values ---- */

char **
tk_nats_strv_dup(const char *const *v, size_t n)
{
	size_t i, bytes = (n + 1) * sizeof(char *), len;
	char **out, *p;

	for (i = 0; i < n; i++) {
		len = strlen(v[i]) + 1;
		if (len > SIZE_MAX - bytes)
			return NULL;
		bytes += len;
	}
	if ((out = malloc(bytes)) == NULL)
		return NULL;
	p = (char *)(out + n + 1);
	for (i = 0; i < n; i++) {
		len = strlen(v[i]) + 1;
		memcpy(p, v[i], len);
		out[i] = p;
		p += len;
	}
	out[n] = NULL;
	return out;
}

int
tk_nats_subject_valid(const char *s)
{
	size_t tok = 0, n = 0;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++, n++) {
		if (*s == '.') {
			if (tok == 0)
				return 0;
			tok = 0;
			continue;
		}
		if (!token_byte_ok((unsigned char)*s))
			return 0;
		tok++;
	}
	return tok > 0 && n < 128;
}

int
tk_nats_stream_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return 0;
	return n > 0 && n < TK_NATS_NAME_MAX;
}

int
tk_nats_url_valid(const char *s)
{
	static const char scheme[] = "nats://";
	const char *host, *colon;
	long port;
	size_t i;

	if (s == NULL || strncmp(s, scheme, sizeof(scheme) - 1) != 0)
		return 0;
	host = s + sizeof(scheme) - 1;
	if (host[0] == '\0' || strlen(host) > 255)
		return 0;
	for (i = 0; host[i] != '\0'; i++)
		if ((unsigned char)host[i] <= 0x20 ||
		    (unsigned char)host[i] >= 0x7f || host[i] == '/' ||
		    host[i] == '@' || host[i] == '?' || host[i] == '#')
			return 0;	/* no paths, no credentials */
	colon = strrchr(host, ':');
	if (colon == NULL || (host[0] == '[' && strchr(colon, ']') != NULL))
		return 1;
	if (colon == host || colon[1] == '\0' || strlen(colon + 1) > 5)
		return 0;
	for (i = 1; colon[i] != '\0'; i++)
		if (colon[i] < '0' || colon[i] > '9')
			return 0;
	port = strtol(colon + 1, NULL, 10);	/* 1-5 digits, checked */
	return port > 0 && port <= 65535;
}
