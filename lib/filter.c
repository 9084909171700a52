/* SPDX-License-Identifier: MIT */
/* Client filters: parsed from the URL query or a subscribe message. */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ticker/filter.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>

/*
 * The three lists share one pipeline: the input (query text or JSON array)
 * is cut into spans that point into it, the spans are validated, and only
 * then is anything allocated.  A bad list therefore costs no allocation, and
 * the error names the first bad item in the order the client wrote them.
 */
enum kind {
	KIND_SYMBOLS,
	KIND_EXCHANGES,
	KIND_TYPES,
	KIND_MAX
};

static const char *const kind_key[KIND_MAX] = {
	"symbols", "exchanges", "types"
};
static const char *const kind_noun[KIND_MAX] = {
	"symbol", "exchange", "type"
};

struct span {
	const char	*s;
	size_t		 len;
};

/* Spans of one list; the cap bounds both memory and the O(n^2) dedupe. */
struct list {
	struct span	 item[TK_FILTER_MAX_NAMES];
	size_t		 n;
};

#define QUOTE_IN_MAX	40	/* source bytes of an item quoted in errors */
#define QUOTE_MAX	(4 * QUOTE_IN_MAX + 4)	/* every byte as \xNN, "..." */

static void	 set_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 quote(char *, size_t, const char *, size_t, size_t, int);
static int	 list_add(struct list *, enum kind, const char *, size_t,
		    char *, size_t);
static int	 split_query(const char *, enum kind, struct list *, char *,
		    size_t);
static int	 check_item(enum kind, const struct span *, unsigned *, char *,
		    size_t);
static int	 list_apply(struct tk_filter *, enum kind, const struct list *,
		    char *, size_t);
static char	**list_copy(const struct list *, size_t *);
static int	 list_has(char *const *, size_t, const char *);
static int	 json_list(const json_t *, enum kind, struct list *, char *,
		    size_t);
static int	 parse_object(const json_t *, struct tk_client_msg *, char *,
		    size_t);
static int	 parse_op(const json_t *, enum tk_client_op *, char *, size_t);
static int	 check_keys(const json_t *, enum tk_client_op, char *, size_t);

void
tk_filter_init(struct tk_filter *f)
{
	f->types = TK_TYPES_ANY;
	f->symbols = NULL;
	f->nsymbols = 0;
	f->exchanges = NULL;
	f->nexchanges = 0;
}

/* Each list is one block (pointer array + strings), so one free() each. */
void
tk_filter_finish(struct tk_filter *f)
{
	if (f == NULL)
		return;
	free(f->symbols);
	free(f->exchanges);
	tk_filter_init(f);
}

int
tk_filter_from_query(const char *symbols, const char *exchanges,
    const char *types, struct tk_filter *out, char *err, size_t errlen)
{
	const char *q[KIND_MAX] = { symbols, exchanges, types };
	struct tk_filter f;
	struct list l;
	size_t n;
	int k, r;

	tk_filter_init(&f);
	for (k = 0; k < KIND_MAX; k++) {
		if (q[k] == NULL)
			continue;
		if ((n = strlen(q[k])) >= TK_FILTER_QUERY_MAX) {
			set_err(err, errlen, "%s: %zu bytes, more than %d in a "
			    "query (use a subscribe message)", kind_key[k], n,
			    TK_FILTER_QUERY_MAX - 1);
			tk_filter_finish(&f);
			return -EMSGSIZE;
		}
		r = split_query(q[k], (enum kind)k, &l, err, errlen);
		if (r == 0)
			r = list_apply(&f, (enum kind)k, &l, err, errlen);
		if (r < 0) {
			tk_filter_finish(&f);
			return r;
		}
	}
	*out = f;
	return 0;
}

/*
 * Lists are short (a client names a handful), so a linear scan wins.
 *
 * A bbo is no exchange's, so an exchange list cannot pass it by name.  A
 * client that lists exchanges asks for those exchanges' data, and gets no
 * bbo; one that also names bbo in its types gets it, consolidated over all
 * exchanges.  Naming every type is no types filter (see put_types()).
 */
int
tk_filter_match(const struct tk_filter *f, const char *exchange,
    const char *symbol, enum tk_tick_type type)
{
	if ((unsigned)type >= TK_TICK_TYPE_MAX ||
	    (f->types & TK_TYPE_BIT(type)) == 0)
		return 0;
	if (type == TK_TICK_BBO) {
		if (f->exchanges != NULL && f->types == TK_TYPES_ANY)
			return 0;
	} else if (!list_has(f->exchanges, f->nexchanges, exchange))
		return 0;
	return list_has(f->symbols, f->nsymbols, symbol);
}

int
tk_filter_match_exchange(const struct tk_filter *f, const char *exchange)
{
	return list_has(f->exchanges, f->nexchanges, exchange);
}

/* A NULL list means "all", so it contains everything. */
static int
list_has(char *const *names, size_t n, const char *name)
{
	size_t i;

	if (names == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Bounded writer for the formatters: the first overflow sticks, so callers
 * check once at the end.
 */
struct out {
	char	*p, *end;
	int	 err;
};

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

static void
put_lit(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A quoted JSON string; the names were validated, but the struct is public. */
static void
put_str(struct out *o, const char *s)
{
	int n;

	put_lit(o, "\"");
	if (o->err)
		return;
	n = tk_json_escape(s, strlen(s), o->p, (size_t)(o->end - o->p));
	if (n < 0) {
		o->err = n;
		return;
	}
	o->p += n;
	put_lit(o, "\"");
}

static void
put_names(struct out *o, char *const *names, size_t n)
{
	size_t i;

	if (names == NULL) {
		put_lit(o, "null");
		return;
	}
	put_lit(o, "[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			put_lit(o, ",");
		put_str(o, names[i]);
	}
	put_lit(o, "]");
}

/*
 * The struct keeps types only as a bit set, so "types" is echoed in enum
 * order, and as null whenever every type passes: the client cannot tell a
 * list of every type from no key at all, and both mean the same.
 */
static void
put_types(struct out *o, unsigned types)
{
	unsigned t;
	int first = 1;

	if (types == TK_TYPES_ANY) {
		put_lit(o, "null");
		return;
	}
	put_lit(o, "[");
	for (t = 0; t < TK_TICK_TYPE_MAX; t++) {
		if ((types & TK_TYPE_BIT(t)) == 0)
			continue;
		if (!first)
			put_lit(o, ",");
		first = 0;
		put_str(o, tk_tick_type_name((enum tk_tick_type)t));
	}
	put_lit(o, "]");
}

/* Ends the text: a NUL only when there is room, the length is the contract. */
static int
out_end(struct out *o, char *buf)
{
	if (o->err)
		return o->err;
	if (o->p < o->end)
		*o->p = '\0';
	return (int)(o->p - buf);
}

int
tk_filter_format_subscribed(const struct tk_filter *f, char *buf, size_t cap)
{
	struct out o = { buf, buf + (cap > INT_MAX ? INT_MAX : cap), 0 };

	put_lit(&o, "{\"type\":\"subscribed\",\"symbols\":");
	put_names(&o, f->symbols, f->nsymbols);
	put_lit(&o, ",\"exchanges\":");
	put_names(&o, f->exchanges, f->nexchanges);
	put_lit(&o, ",\"types\":");
	put_types(&o, f->types);
	put_lit(&o, "}");
	return out_end(&o, buf);
}

int
tk_format_error(const char *msg, char *buf, size_t cap)
{
	struct out o = { buf, buf + (cap > INT_MAX ? INT_MAX : cap), 0 };

	put_lit(&o, "{\"type\":\"error\",\"message\":");
	put_str(&o, msg != NULL ? msg : "");
	put_lit(&o, "}");
	return out_end(&o, buf);
}

int
tk_client_msg_parse(const char *text, size_t len, struct tk_client_msg *out,
    char *err, size_t errlen)
{
	struct tk_client_msg m;
	char reason[QUOTE_MAX * 2];
	json_error_t jerr;
	json_t *root;
	int r;

	if (text == NULL)
		text = "";
	if (memchr(text, '\0', len) != NULL) {
		set_err(err, errlen, "message contains a NUL byte");
		return -EINVAL;
	}
	/* DECODE_ANY so that "1" or "[]" get our message, not jansson's. */
	root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL) {
		/* jansson quotes the offending token, which may be any byte. */
		quote(reason, sizeof(reason), jerr.text, strlen(jerr.text),
		    sizeof(reason), 0);
		set_err(err, errlen, "invalid JSON: %s", reason);
		return -EINVAL;
	}
	r = parse_object(root, &m, err, errlen);
	json_decref(root);
	if (r == 0)
		*out = m;
	return r;
}

static int
parse_object(const json_t *root, struct tk_client_msg *m, char *err,
    size_t errlen)
{
	struct list l;
	int k, r;

	if (!json_is_object(root)) {
		set_err(err, errlen, "expected a JSON object");
		return -EINVAL;
	}
	if ((r = parse_op(root, &m->op, err, errlen)) < 0 ||
	    (r = check_keys(root, m->op, err, errlen)) < 0)
		return r;
	tk_filter_init(&m->filter);
	if (m->op != TK_CLIENT_SUBSCRIBE)
		return 0;
	for (k = 0; k < KIND_MAX; k++) {
		r = json_list(json_object_get(root, kind_key[k]), (enum kind)k,
		    &l, err, errlen);
		if (r == 1)
			continue;	/* absent or null: everything */
		if (r == 0)
			r = list_apply(&m->filter, (enum kind)k, &l, err,
			    errlen);
		if (r < 0) {
			tk_filter_finish(&m->filter);
			return r;
		}
	}
	return 0;
}

static int
parse_op(const json_t *root, enum tk_client_op *op, char *err, size_t errlen)
{
	const json_t *v = json_object_get(root, "op");
	char q[QUOTE_MAX];
	const char *s;

	if (v == NULL) {
		set_err(err, errlen,
		    "missing \"op\" (expected subscribe or ping)");
		return -EINVAL;
	}
	if (!json_is_string(v)) {
		set_err(err, errlen, "\"op\" must be a string");
		return -EINVAL;
	}
	s = json_string_value(v);
	if (strcmp(s, "subscribe") == 0) {
		*op = TK_CLIENT_SUBSCRIBE;
		return 0;
	}
	if (strcmp(s, "ping") == 0) {
		*op = TK_CLIENT_PING;
		return 0;
	}
	quote(q, sizeof(q), s, json_string_length(v), QUOTE_IN_MAX, 1);
	set_err(err, errlen, "unknown op \"%s\" (expected subscribe or ping)",
	    q);
	return -EINVAL;
}

/* Unknown keys are errors, so a typo ("symbol") is not silently ignored. */
static int
check_keys(const json_t *root, enum tk_client_op op, char *err, size_t errlen)
{
	char q[QUOTE_MAX];
	const char *key;
	json_t *v;
	int k, known;

	json_object_foreach((json_t *)root, key, v) {
		known = strcmp(key, "op") == 0;
		for (k = 0; !known && op == TK_CLIENT_SUBSCRIBE &&
		    k < KIND_MAX; k++)
			known = strcmp(key, kind_key[k]) == 0;
		if (!known) {
			quote(q, sizeof(q), key, strlen(key), QUOTE_IN_MAX, 1);
			set_err(err, errlen, "unknown key \"%s\"", q);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Spans of a JSON list into @l; they point into @v, which must outlive
 * list_apply().  Returns 1 when the key is absent or null, else 0 or -EINVAL.
 */
static int
json_list(const json_t *v, enum kind k, struct list *l, char *err,
    size_t errlen)
{
	const json_t *item;
	size_t i;
	int r;

	if (v == NULL || json_is_null(v))
		return 1;
	if (!json_is_array(v)) {
		set_err(err, errlen, "%s: expected an array of strings",
		    kind_key[k]);
		return -EINVAL;
	}
	if (json_array_size(v) == 0) {
		set_err(err, errlen, "%s: empty list; omit the key to receive "
		    "every %s", kind_key[k], kind_noun[k]);
		return -EINVAL;
	}
	l->n = 0;
	json_array_foreach(v, i, item) {
		if (!json_is_string(item)) {
			set_err(err, errlen, "%s[%zu] is not a string",
			    kind_key[k], i);
			return -EINVAL;
		}
		r = list_add(l, k, json_string_value(item),
		    json_string_length(item), err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Cuts "a,b,c" into spans; "" is one empty item, so it is refused too. */
static int
split_query(const char *q, enum kind k, struct list *l, char *err,
    size_t errlen)
{
	const char *comma;
	int r;

	l->n = 0;
	for (;;) {
		comma = strchr(q, ',');
		r = list_add(l, k, q, comma != NULL ? (size_t)(comma - q) :
		    strlen(q), err, errlen);
		if (r < 0 || comma == NULL)
			return r;
		q = comma + 1;
	}
}

static int
list_add(struct list *l, enum kind k, const char *s, size_t len, char *err,
    size_t errlen)
{
	if (len == 0) {
		set_err(err, errlen, "%s: empty item", kind_key[k]);
		return -EINVAL;
	}
	if (l->n == TK_FILTER_MAX_NAMES) {
		set_err(err, errlen, "%s: too many items (at most %d)",
		    kind_key[k], TK_FILTER_MAX_NAMES);
		return -EINVAL;
	}
	l->item[l->n].s = s;
	l->item[l->n].len = len;
	l->n++;
	return 0;
}

/*
 * Validates every item of @l, then stores the list in @f.  Types become
 * bits; names become one block, deduplicated with the first occurrence kept.
 */
static int
list_apply(struct tk_filter *f, enum kind k, const struct list *l, char *err,
    size_t errlen)
{
	unsigned types = 0;
	char **names;
	size_t i, n;
	int r;

	for (i = 0; i < l->n; i++)
		if ((r = check_item(k, &l->item[i], &types, err, errlen)) < 0)
			return r;
	if (k == KIND_TYPES) {
		f->types = types;
		return 0;
	}
	if ((names = list_copy(l, &n)) == NULL) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (k == KIND_SYMBOLS) {
		free(f->symbols);
		f->symbols = names;
		f->nsymbols = n;
	} else {
		free(f->exchanges);
		f->exchanges = names;
		f->nexchanges = n;
	}
	return 0;
}

static int
exchange_valid(const char *s, size_t len)
{
	size_t i;

	if (len >= TK_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Copies @sp into @buf as a C string; 0 if it is too long or holds a NUL. */
static int
span_cstr(const struct span *sp, char *buf, size_t cap)
{
	if (sp->len >= cap || memchr(sp->s, '\0', sp->len) != NULL)
		return 0;
	memcpy(buf, sp->s, sp->len);
	buf[sp->len] = '\0';
	return 1;
}

static int
check_item(enum kind k, const struct span *sp, unsigned *types, char *err,
    size_t errlen)
{
	char buf[TK_SYMBOL_MAX], q[QUOTE_MAX];
	enum tk_tick_type t;

	switch (k) {
	case KIND_SYMBOLS:
		if (span_cstr(sp, buf, sizeof(buf)) && tk_symbol_valid(buf))
			return 0;
		quote(q, sizeof(q), sp->s, sp->len, QUOTE_IN_MAX, 1);
		set_err(err, errlen, "symbols: \"%s\" is not BASE-QUOTE "
		    "(expected upper case like \"BTC-USD\")", q);
		return -EINVAL;
	case KIND_EXCHANGES:
		if (exchange_valid(sp->s, sp->len))
			return 0;
		quote(q, sizeof(q), sp->s, sp->len, QUOTE_IN_MAX, 1);
		set_err(err, errlen, "exchanges: \"%s\" is not an exchange "
		    "name (expected 1 to %d of a-z 0-9 _ - like \"binance\")",
		    q, TK_NAME_MAX - 1);
		return -EINVAL;
	default:
		if (span_cstr(sp, buf, sizeof(buf)) &&
		    tk_tick_type_parse(buf, &t) == 0) {
			*types |= TK_TYPE_BIT(t);
			return 0;
		}
		quote(q, sizeof(q), sp->s, sp->len, QUOTE_IN_MAX, 1);
		set_err(err, errlen, "types: \"%s\" is not a tick type "
		    "(expected trade, quote, funding or bbo)", q);
		return -EINVAL;
	}
}

/*
 * One allocation: the pointer array, then the NUL-terminated strings.  Names
 * are at most TK_FILTER_MAX_NAMES, so the quadratic dedupe stays cheap.
 */
static char **
list_copy(const struct list *l, size_t *np)
{
	unsigned char dup[TK_FILTER_MAX_NAMES];
	size_t i, j, n = 0, bytes = 0;
	char **names, *p;

	for (i = 0; i < l->n; i++) {
		dup[i] = 0;
		for (j = 0; j < i && !dup[i]; j++)
			dup[i] = !dup[j] && l->item[j].len == l->item[i].len &&
			    memcmp(l->item[j].s, l->item[i].s,
			    l->item[i].len) == 0;
		if (!dup[i]) {
			n++;
			bytes += l->item[i].len + 1;
		}
	}
	/* Never malloc(0): empty lists and empty items were refused. */
	/* NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
	names = malloc(n * sizeof(*names) + bytes);
	if (names == NULL)
		return NULL;
	p = (char *)(names + n);
	for (i = 0, j = 0; i < l->n; i++) {
		if (dup[i])
			continue;
		names[j++] = p;
		memcpy(p, l->item[i].s, l->item[i].len);
		p[l->item[i].len] = '\0';
		p += l->item[i].len + 1;
	}
	*np = n;
	return names;
}

/*
 * Renders client bytes for an error message: the text goes back to the
 * client in a WebSocket text frame, which must be valid UTF-8, and into logs,
 * which must stay one line.  So bytes outside printable ASCII become \xNN,
 * '"' and '\' are backslashed when @quoted (the text sits inside our own
 * quotes), and more than @inmax bytes end in "...".
 */
static void
quote(char *dst, size_t cap, const char *s, size_t len, size_t inmax,
    int quoted)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i, o = 0;

	for (i = 0; i < len && i < inmax && o + 5 < cap; i++) {
		c = (unsigned char)s[i];
		if (quoted && (c == '"' || c == '\\')) {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		} else {
			dst[o++] = (char)c;
		}
	}
	if (i < len && o + 4 <= cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
