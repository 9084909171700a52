/* SPDX-License-Identifier: MIT */
/*
 * The configuration file: JSON text in, a validated struct tk_config out.
 *
 * Every rule lives here, so `tickerd -n` and the daemon can never disagree
 * about what a file means.  Messages name the file and the JSON path of the
 * offending value ("exchanges[1].symbols[0]: ..."), because a config with
 * six exchanges is not helped by "bad symbol".  Validation stops at the
 * first problem: the order is unknown keys, then missing keys, then values,
 * since a misspelt key is the usual reason a required one looks missing.
 *
 * The result is built in a local struct and copied to the caller only on
 * success; on any failure tk_config_free() releases the half-built one, so
 * nothing leaks and the out-param stays untouched.
 */

#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/nats.h>
#include <ticker/replay.h>
#include <ticker/symmap.h>
#include <ticker/tick.h>
#include <ticker/utf8.h>

#include "config_internal.h"

#define FILE_MAX	(1024 * 1024)	/* a config is a few KiB */
#define PATH_CAP	160		/* "exchanges[12].symbols[345]" */
#define PATH_DEPTH	32		/* deeper duplicates get no path */
#define QUOTE_MAX	40		/* bytes of a value shown in messages */
#define QUOTE_CAP	(QUOTE_MAX * 4 + 8)
#define HINT_CAP	256
#define WORD_MAX	64		/* longer words get no suggestion */
#define ADAPTERS_MAX	32
#define UNIX_PATH_CAP	sizeof(((struct sockaddr_un *)0)->sun_path)

#define STALE_DEFAULT	30.0
#define STALE_MAX	3600.0
#define RATE_DEFAULT	10.0
#define RATE_MAX	1000000.0
#define SEED_DEFAULT	1
#define SPEED_DEFAULT	1.0
#define FILE_PATH_MAX	4096		/* PATH_MAX on Linux, NUL included */
#define HOST_MAX	253		/* a DNS name (RFC 1035) */
#define LABEL_MAX	63
#define NATS_SUBJECT_DEFAULT	"ticks"
#define NATS_REPLICAS_MAX	5
#define NATS_AGE_DEFAULT	3600
#define NATS_AGE_MAX		(366 * 86400)
/*
 * The server remembers every id for the whole window, so it is sized to
 * what it must cover, not minutes: the skew between two ingest hosts fed
 * the same exchange (milliseconds, seconds while one reconnects) and a
 * publisher's retries across a NATS leader election (about 5 s).
 */
#define NATS_WINDOW_DEFAULT	30
#define NATS_WINDOW_MIN		10
#define NATS_WINDOW_MAX		3600
#define NATS_PENDING_DEFAULT	65536
#define NATS_PENDING_MIN	16
#define NATS_PENDING_MAX	(1 << 20)

struct ctx {
	const char	*file;		/* for messages */
	char		*err;
	size_t		 errlen;
	const struct tk_adapter *const *adapters;
};

/* One open container while replaying text up to a duplicate key. */
struct frame {
	int		 object;
	int		 want_key;
	size_t		 index;
	const char	*key;
	size_t		 keylen;
};

static int	 read_all(const char *path, char **out, size_t *outlen);
static int	 load_error(struct ctx *, const char *text, size_t len,
		    const json_error_t *);
static void	 path_at(const char *text, size_t pos, char *buf, size_t cap);
static int	 parse_root(struct ctx *, json_t *root, struct tk_config *);
static int	 parse_listen(struct ctx *, json_t *v, struct tk_config *);
static int	 check_tcp(struct ctx *, const json_t *v);
static int	 valid_host(const char *s, size_t len);
static int	 valid_port(const char *s);
static int	 check_unix(struct ctx *, const json_t *v);
static int	 listen_hosts(struct ctx *, json_t *v, struct tk_config *);
static int	 host_entry(struct ctx *, const char *path, const json_t *v,
		    char **out);
static int	 dns_name(const char *s);
static size_t	 first_remote(char *const *servers, size_t n, char *host,
		    size_t cap);
static int	 exchange_warnings(struct ctx *, const char *base,
		    const struct tk_exchange_conf *, struct tk_config *);
static void	 url_host(const char *url, char *buf, size_t cap);
static int	 loopback_host(const char *host);
static int	 add_warning(struct ctx *, struct tk_config *, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
static int	 parse_exchanges(struct ctx *, json_t *v, struct tk_config *);
static int	 parse_exchange(struct ctx *, json_t *v, struct tk_config *,
		    size_t i);
static int	 exchange_name(struct ctx *, const char *base, json_t *v,
		    struct tk_config *, size_t i);
static int	 exchange_adapter(struct ctx *, const char *base, json_t *v,
		    struct tk_exchange_conf *);
static int	 exchange_symbols(struct ctx *, const char *base, json_t *v,
		    struct tk_exchange_conf *);
static int	 exchange_url(struct ctx *, const char *base, json_t *v,
		    struct tk_exchange_conf *);
static int	 exchange_limit(struct ctx *, const char *base,
		    const struct tk_exchange_conf *);
static int	 exchange_rest_url(struct ctx *, const char *base, json_t *v,
		    struct tk_exchange_conf *);
static int	 exchange_channels(struct ctx *, const char *base, json_t *v,
		    struct tk_exchange_conf *);
static int	 channel(struct ctx *, const char *path, json_t *arr, size_t k,
		    struct tk_exchange_conf *);
static int	 exchange_tuning(struct ctx *, const char *base, json_t *obj,
		    struct tk_exchange_conf *);
static int	 exchange_sim(struct ctx *, const char *base, json_t *obj,
		    struct tk_exchange_conf *);
static int	 exchange_replay(struct ctx *, const char *base, json_t *obj,
		    struct tk_exchange_conf *);
static int	 replay_file(struct ctx *, const char *path, const json_t *v,
		    struct tk_exchange_conf *);
static int	 replay_speed(struct ctx *, const char *path, const json_t *v,
		    struct tk_exchange_conf *);
static int	 exchange_nats(struct ctx *, const char *base, json_t *obj,
		    struct tk_exchange_conf *);
static int	 nats_servers(struct ctx *, const char *base, json_t *obj,
		    char ***out, size_t *n);
static int	 nats_stream(struct ctx *, const char *base, json_t *obj,
		    char **out);
static int	 nats_subject(struct ctx *, const char *base, json_t *obj,
		    char **out);
static int	 nats_storage(struct ctx *, const char *base, json_t *obj,
		    enum tk_nats_storage *);
static int	 parse_publish(struct ctx *, json_t *v, struct tk_config *);
static int	 publish_nats(struct ctx *, json_t *v, struct tk_config *);
static int	 reads_back(struct ctx *, const struct tk_config *);
static void	 nats_source_free(struct tk_nats_source_conf *);
static void	 publish_nats_free(struct tk_nats_publish_conf *);
static int	 nats_source_equal(const struct tk_nats_source_conf *,
		    const struct tk_nats_source_conf *);
static int	 parse_clients(struct ctx *, json_t *v, struct tk_config *);
static int	 number_in(struct ctx *, const char *path, const json_t *v,
		    const char *what, double max, double *out);
static int	 integer_in(struct ctx *, const char *base, json_t *obj,
		    const char *key, json_int_t lo, json_int_t hi,
		    json_int_t *out);
static int	 check_keys(struct ctx *, const char *path, json_t *obj,
		    const char *const *known);
static int	 require(struct ctx *, const char *path, json_t *obj,
		    const char *const *keys);
static int	 in_list(const char *word, const char *const *list);
static int	 valid_name(const char *s);
static int	 valid_url(const char *s);
static int	 valid_rest_url(const char *s);
static size_t	 channel_names(const char **names, size_t cap);
static const char *hint(const char *word, const char *const *cands,
		    char *buf, size_t cap);
static const char *join_list(const char *const *list, char *buf, size_t cap);
static size_t	 distance(const char *a, const char *b);
static const char *join(char *buf, size_t cap, const char *base,
		    const char *key);
static const char *at(char *buf, size_t cap, const char *base, size_t i);
static const char *quote(const char *s, char *buf, size_t cap);
static const char *describe(const json_t *v, char *buf, size_t cap);
static void	 format_real(double d, char *buf, size_t cap);
static int	 dup_str(struct ctx *, const char *s, char **out);
static int	 type_error(struct ctx *, const char *path, const char *want,
		    const json_t *v);
static int	 fail(struct ctx *, const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 oom(struct ctx *);
static void	 say(struct ctx *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

static const char *const top_keys[] = { "listen", "exchanges", "clients",
	"publish", NULL };
static const char *const top_required[] = { "listen", "exchanges", NULL };
static const char *const listen_keys[] = { "tcp", "unix", "hosts", NULL };
static const char *const exchange_keys[] = { "name", "adapter", "symbols",
	"url", "rest_url", "channels", "stale_s", "tls_verify", "rate", "seed",
	"file", "speed", "loop", "servers", "stream", "subject", NULL };
static const char *const exchange_required[] = { "name", "adapter",
	"symbols", NULL };
static const char *const replay_keys[] = { "file", "speed", "loop",
	NULL };
static const char *const nats_keys[] = { "servers", "stream", "subject",
	NULL };
static const char *const nats_required[] = { "servers", "stream", NULL };
static const char *const client_keys[] = { "max", "max_message_bytes",
	"queue_ticks", "coalesce_ms", NULL };
static const char *const publish_keys[] = { "nats", NULL };
static const char *const publish_nats_keys[] = { "servers", "stream",
	"subject", "replicas", "storage", "max_age_s", "duplicate_window_s",
	"max_pending", NULL };
static const char *const nats_storages[] = { "file", "memory", NULL };

int
tk_config_load(const char *path, struct tk_config *out, char *err,
    size_t errlen)
{
	struct ctx c = { path != NULL ? path : "(null)", err, errlen, NULL };
	char *text = NULL;
	size_t len = 0;
	int r;

	if (path == NULL)
		r = -EINVAL;
	else
		r = read_all(path, &text, &len);
	if (r < 0) {
		say(&c, "%s: cannot read: %s", c.file, strerror(-r));
		return r;
	}
	r = tk_config_parse(text, len, path, out, err, errlen);
	free(text);
	return r;
}

int
tk_config_parse(const char *text, size_t len, const char *name,
    struct tk_config *out, char *err, size_t errlen)
{
	return tk__config_parse_with(tk_adapter_all(), text, len, name, out,
	    err, errlen);
}

int
tk__config_parse_with(const struct tk_adapter *const *adapters,
    const char *text, size_t len, const char *name, struct tk_config *out,
    char *err, size_t errlen)
{
	struct ctx c = { name != NULL ? name : "(config)", err, errlen,
		adapters };
	struct tk_config cf;
	json_error_t je;
	json_t *root;
	int r;

	memset(&cf, 0, sizeof(cf));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || adapters == NULL)
		return fail(&c, "", "invalid arguments");
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return load_error(&c, text, len, &je);
	r = dup_str(&c, c.file, &cf.path);
	if (r == 0)
		r = parse_root(&c, root, &cf);
	json_decref(root);
	if (r < 0) {
		tk_config_free(&cf);
		return r;
	}
	*out = cf;
	return 0;
}

void
tk_config_free(struct tk_config *cf)
{
	struct tk_exchange_conf *e;
	size_t i, j;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nexchanges; i++) {
		e = &cf->exchanges[i];
		for (j = 0; j < e->nsymbols; j++)
			free(e->symbols[j]);
		free(e->symbols);
		free(e->name);
		free(e->url);
		free(e->rest_url);
		free(e->file);
		nats_source_free(e->nats);
	}
	publish_nats_free(cf->publish_nats);
	free(cf->exchanges);
	for (i = 0; i < cf->nlisten_hosts; i++)
		free(cf->listen_hosts[i]);
	free(cf->listen_hosts);
	for (i = 0; i < cf->nwarnings; i++)
		free(cf->warnings[i]);
	free(cf->warnings);
	free(cf->listen_unix);
	free(cf->listen_tcp);
	free(cf->path);
	memset(cf, 0, sizeof(*cf));
}

const struct tk_exchange_conf *
tk_config_exchange(const struct tk_config *cf, const char *name)
{
	size_t i;

	if (cf == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cf->nexchanges; i++)
		if (strcmp(cf->exchanges[i].name, name) == 0)
			return &cf->exchanges[i];
	return NULL;
}

/* Whole file into a NUL-terminated buffer; -errno on failure. */
static int
read_all(const char *path, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf, *nbuf;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len + 1 == cap) {
			nbuf = cap >= FILE_MAX ? NULL : realloc(buf, cap * 2);
			if (nbuf == NULL) {
				r = cap >= FILE_MAX ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* jansson's own words with its position; a repeated key also gets a path. */
static int
load_error(struct ctx *c, const char *text, size_t len,
    const json_error_t *je)
{
	char path[PATH_CAP];
	size_t pos;

	if (je->line < 1) {
		say(c, "%s: %s", c->file, je->text);
		return -EINVAL;
	}
	pos = je->position > 0 ? (size_t)je->position : 0;
	if (json_error_code(je) == json_error_duplicate_key && text != NULL &&
	    pos <= len) {
		path_at(text, pos, path, sizeof(path));
		if (path[0] != '\0') {
			say(c, "%s:%d:%d: %s: duplicate key", c->file,
			    je->line, je->column, path);
			return -EINVAL;
		}
	}
	say(c, "%s:%d:%d: %s", c->file, je->line, je->column, je->text);
	return -EINVAL;
}

/*
 * jansson stops right after a repeated key but does not say where in the
 * tree that was.  The text before it parsed fine, so a token walk that
 * only tracks containers, keys and indexes is enough to name the path.
 */
static void
path_at(const char *text, size_t pos, char *buf, size_t cap)
{
	struct frame st[PATH_DEPTH], *top;
	size_t depth = 0, i, start, o = 0;

	buf[0] = '\0';
	for (i = 0; i < pos; i++) {
		top = depth > 0 ? &st[depth - 1] : NULL;
		switch (text[i]) {
		case '{':
		case '[':
			if (depth == PATH_DEPTH)
				return;
			st[depth++] = (struct frame){ text[i] == '{', 1, 0,
			    NULL, 0 };
			break;
		case '}':
		case ']':
			depth -= depth > 0;
			break;
		case ',':
			if (top != NULL) {
				top->index++;
				top->want_key = 1;
			}
			break;
		case ':':
			if (top != NULL)
				top->want_key = 0;
			break;
		case '"':
			start = i + 1;
			for (i++; i < pos && text[i] != '"'; i++)
				i += text[i] == '\\';
			if (top != NULL && top->object && top->want_key) {
				top->key = text + start;
				top->keylen = i - start;
			}
			break;
		}
	}
	for (i = 0; i < depth && o < cap; i++) {
		if (st[i].object && st[i].key != NULL)
			o += (size_t)snprintf(buf + o, cap - o, "%s%.*s",
			    i > 0 ? "." : "", (int)st[i].keylen, st[i].key);
		else if (!st[i].object)
			o += (size_t)snprintf(buf + o, cap - o, "[%zu]",
			    st[i].index);
	}
}

static int
parse_root(struct ctx *c, json_t *root, struct tk_config *cf)
{
	int r;

	cf->clients.max_clients = 1024;
	cf->clients.max_message = 4096;
	cf->clients.queue_ticks = 8192;
	cf->clients.coalesce_ms = 20;
	if (!json_is_object(root))
		return type_error(c, "", "an object at the top level", root);
	if ((r = check_keys(c, "", root, top_keys)) < 0 ||
	    (r = require(c, "", root, top_required)) < 0 ||
	    (r = parse_listen(c, json_object_get(root, "listen"), cf)) < 0 ||
	    (r = parse_exchanges(c, json_object_get(root, "exchanges"),
	    cf)) < 0 ||
	    (r = parse_publish(c, json_object_get(root, "publish"), cf)) < 0)
		return r;
	return parse_clients(c, json_object_get(root, "clients"), cf);
}

static int
parse_listen(struct ctx *c, json_t *v, struct tk_config *cf)
{
	json_t *tcp, *unx;
	int r;

	if (!json_is_object(v))
		return type_error(c, "listen", "an object", v);
	if ((r = check_keys(c, "listen", v, listen_keys)) < 0)
		return r;
	tcp = json_object_get(v, "tcp");
	unx = json_object_get(v, "unix");
	if (tcp == NULL && unx == NULL)
		return fail(c, "listen", "expected at least one of \"tcp\" "
		    "and \"unix\"");
	if (tcp != NULL && ((r = check_tcp(c, tcp)) < 0 ||
	    (r = dup_str(c, json_string_value(tcp), &cf->listen_tcp)) < 0))
		return r;
	if (unx != NULL && ((r = check_unix(c, unx)) < 0 ||
	    (r = dup_str(c, json_string_value(unx), &cf->listen_unix)) < 0))
		return r;
	return listen_hosts(c, json_object_get(v, "hosts"), cf);
}

/*
 * Only literals: a host name would need a resolver at startup and could
 * silently bind somewhere else than the reader of the config expects.
 */
static int
check_tcp(struct ctx *c, const json_t *v)
{
	const char *s, *colon;
	char q[QUOTE_CAP];

	if (!json_is_string(v))
		return type_error(c, "listen.tcp", "\"HOST:PORT\"", v);
	s = json_string_value(v);
	quote(s, q, sizeof(q));
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s)
		return fail(c, "listen.tcp", "%s is not HOST:PORT (expected "
		    "like \"127.0.0.1:8765\")", q);
	if (!valid_host(s, (size_t)(colon - s)))
		return fail(c, "listen.tcp", "%s: HOST must be an IPv4 "
		    "address, \"localhost\" or \"[IPv6 address]\"", q);
	if (!valid_port(colon + 1))
		return fail(c, "listen.tcp", "%s: PORT must be a decimal "
		    "number from 1 to 65535", q);
	return 0;
}

static int
valid_host(const char *s, size_t len)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char host[INET6_ADDRSTRLEN + 2];

	if (len >= sizeof(host))
		return 0;
	memcpy(host, s, len);
	host[len] = '\0';
	if (strcmp(host, "localhost") == 0)
		return 1;
	if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
		host[len - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, addr) == 1;
	}
	return inet_pton(AF_INET, host, addr) == 1;
}

/* Decimal digits without a leading zero, so nobody reads it as octal. */
static int
valid_port(const char *s)
{
	unsigned long port = 0;
	size_t i;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return 0;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port <= 65535;
}

static int
check_unix(struct ctx *c, const json_t *v)
{
	const char *s;
	char q[QUOTE_CAP];

	if (!json_is_string(v))
		return type_error(c, "listen.unix", "an absolute path", v);
	s = json_string_value(v);
	if (s[0] != '/')
		return fail(c, "listen.unix", "%s is not an absolute path",
		    quote(s, q, sizeof(q)));
	if (strlen(s) >= UNIX_PATH_CAP)
		return fail(c, "listen.unix", "path is %zu bytes, a unix "
		    "socket path must be shorter than %zu", strlen(s),
		    UNIX_PATH_CAP);
	return 0;
}

/*
 * listen.hosts: the names a browser may reach tickerd by, besides loopback
 * ones, for the Host check against DNS rebinding.  Each is stored as it
 * appears in a Host header (lower case, IPv6 in brackets, canonical), so
 * that the daemon compares text.
 */
static int
listen_hosts(struct ctx *c, json_t *v, struct tk_config *cf)
{
	char path[PATH_CAP], q[QUOTE_CAP];
	size_t i, j, n;
	json_t *el;
	int r;

	if (v == NULL)
		return 0;
	if (!json_is_array(v))
		return type_error(c, "listen.hosts", "an array of host names",
		    v);
	if ((n = json_array_size(v)) == 0)
		return 0;
	if ((cf->listen_hosts = calloc(n, sizeof(*cf->listen_hosts))) == NULL)
		return oom(c);
	json_array_foreach(v, i, el) {
		at(path, sizeof(path), "listen.hosts", i);
		if ((r = host_entry(c, path, el, &cf->listen_hosts[i])) < 0)
			return r;
		cf->nlisten_hosts = i + 1;
		for (j = 0; j < i; j++)
			if (strcmp(cf->listen_hosts[j],
			    cf->listen_hosts[i]) == 0)
				return fail(c, path, "%s is already listed as "
				    "listen.hosts[%zu]", quote(
				    json_string_value(el), q, sizeof(q)), j);
	}
	return 0;
}

/* One host name or IP literal, without port; *out is its Host form. */
static int
host_entry(struct ctx *c, const char *path, const json_t *v, char **out)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char q[QUOTE_CAP], host[HOST_MAX + 1], canon[INET6_ADDRSTRLEN + 2];
	char text[INET6_ADDRSTRLEN];
	const char *s, *colon;
	size_t len, i;

	if (!json_is_string(v))
		return type_error(c, path, "a host name like "
		    "\"tickerd.example.org\"", v);
	s = json_string_value(v);
	len = json_string_length(v);
	quote(s, q, sizeof(q));
	if (len == 0)
		return fail(c, path, "empty host name");
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return fail(c, path, "%s contains a space or a control "
			    "character", q);
	if (len > HOST_MAX)
		return fail(c, path, "%s is %zu bytes, longer than the %d of "
		    "a host name", q, len, HOST_MAX);
	memcpy(host, s, len + 1);
	if (host[0] == '[' && host[len - 1] == ']') {
		host[len - 1] = '\0';
		memmove(host, host + 1, len - 1);
	}
	colon = strchr(host, ':');
	if ((colon != NULL && strchr(colon + 1, ':') == NULL) ||
	    (s[0] == '[' && strstr(s, "]:") != NULL))
		return fail(c, path, "%s: a host name goes without \":PORT\"",
		    q);
	if (colon == NULL && s[0] != '[' && inet_pton(AF_INET, host,
	    addr) == 1)
		return dup_str(c, host, out);
	if (colon != NULL && inet_pton(AF_INET6, host, addr) == 1 &&
	    inet_ntop(AF_INET6, addr, text, sizeof(text)) != NULL) {
		snprintf(canon, sizeof(canon), "[%s]", text);
		return dup_str(c, canon, out);
	}
	if (colon != NULL || s[0] == '[' || !dns_name(host))
		return fail(c, path, "%s is not a host name or an IP address "
		    "(expected like \"tickerd.example.org\", \"192.0.2.7\" or "
		    "\"[2001:db8::7]\")", q);
	for (i = 0; host[i] != '\0'; i++)
		if (host[i] >= 'A' && host[i] <= 'Z')
			host[i] = (char)(host[i] - 'A' + 'a');
	return dup_str(c, host, out);
}

/*
 * Dot-separated labels of 1-63 letters, digits and inner hyphens.  A last
 * label of digits only is refused: browsers read such a name as an IPv4
 * number ("10.1" is 10.0.0.1), so it would never match.
 */
static int
dns_name(const char *s)
{
	size_t i, label = 0;
	int digits = 1;

	for (i = 0;; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (label == 0 || label > LABEL_MAX || s[i - 1] == '-')
				return 0;
			if (s[i] == '\0')
				return !digits;
			label = 0;
			digits = 1;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && label > 0)))
			return 0;
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
		label++;
	}
}

static int
parse_exchanges(struct ctx *c, json_t *v, struct tk_config *cf)
{
	size_t i, n;
	int r;

	if (!json_is_array(v))
		return type_error(c, "exchanges", "an array of objects", v);
	n = json_array_size(v);
	if (n == 0)
		return fail(c, "exchanges", "expected at least one exchange");
	cf->exchanges = calloc(n, sizeof(*cf->exchanges));
	if (cf->exchanges == NULL)
		return oom(c);
	for (i = 0; i < n; i++) {
		/* Counted before it is filled, so a half-built one is freed. */
		cf->nexchanges = i + 1;
		r = parse_exchange(c, json_array_get(v, i), cf, i);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
parse_exchange(struct ctx *c, json_t *v, struct tk_config *cf, size_t i)
{
	struct tk_exchange_conf *e = &cf->exchanges[i];
	char base[PATH_CAP];
	int r;

	at(base, sizeof(base), "exchanges", i);
	if (!json_is_object(v))
		return type_error(c, base, "an object", v);
	if ((r = check_keys(c, base, v, exchange_keys)) < 0 ||
	    (r = require(c, base, v, exchange_required)) < 0 ||
	    (r = exchange_name(c, base, json_object_get(v, "name"), cf,
	    i)) < 0 ||
	    (r = exchange_adapter(c, base, json_object_get(v, "adapter"),
	    e)) < 0 ||
	    (r = exchange_symbols(c, base, json_object_get(v, "symbols"),
	    e)) < 0 ||
	    (r = exchange_url(c, base, json_object_get(v, "url"), e)) < 0 ||
	    (r = exchange_rest_url(c, base, json_object_get(v, "rest_url"),
	    e)) < 0 ||
	    (r = exchange_channels(c, base, json_object_get(v, "channels"),
	    e)) < 0 ||
	    (r = exchange_limit(c, base, e)) < 0 ||
	    (r = exchange_tuning(c, base, v, e)) < 0 ||
	    (r = exchange_sim(c, base, v, e)) < 0 ||
	    (r = exchange_nats(c, base, v, e)) < 0 ||
	    (r = exchange_replay(c, base, v, e)) < 0)
		return r;
	return exchange_warnings(c, base, e, cf);
}

#define NATS_PLAIN	"%s.servers[%zu]: %s is not encrypted: what crosses %s " \
	"can be read and changed on the way (tickerd has no TLS for NATS: " \
	"keep its servers on a network you trust)"

/*
 * Settings the file may hold but that weaken the connection: accepted,
 * and reported in cf->warnings, which the daemon logs at start and shows,
 * so that a test setting does not go unnoticed in production.
 */
static int
exchange_warnings(struct ctx *c, const char *base,
    const struct tk_exchange_conf *e, struct tk_config *cf)
{
	char host[HOST_MAX + 3], q[QUOTE_CAP];
	size_t i;
	int r;

	if (e->rest_url != NULL && strncmp(e->rest_url, "http://", 7) == 0) {
		url_host(e->rest_url, host, sizeof(host));
		if (!loopback_host(host) && (r = add_warning(c, cf,
		    "%s.rest_url: %s is not encrypted: what %s answers can "
		    "be read and changed on the way (use https://)", base,
		    quote(e->rest_url, q, sizeof(q)), host)) < 0)
			return r;
	}
	if (e->nats != NULL) {
		i = first_remote(e->nats->servers, e->nats->nservers, host,
		    sizeof(host));
		return i == e->nats->nservers ? 0 : add_warning(c, cf,
		    NATS_PLAIN, base, i, quote(e->nats->servers[i], q,
		    sizeof(q)), host);
	}
	if (e->url == NULL)
		return 0;
	url_host(e->url, host, sizeof(host));
	if (strncmp(e->url, "ws://", 5) == 0 && !loopback_host(host))
		return add_warning(c, cf, "%s.url: %s is not encrypted: what "
		    "%s sends can be read and changed on the way (use "
		    "wss://)", base, quote(e->url, q, sizeof(q)), host);
	if (e->insecure && strncmp(e->url, "wss://", 6) == 0)
		return add_warning(c, cf, "%s.tls_verify: false: TLS "
		    "certificates of %s are not verified", base, host);
	return 0;
}

/* The host of a URL, lower case, IPv6 in brackets. */
static void
url_host(const char *url, char *buf, size_t cap)
{
	const char *p = strstr(url, "://") + 3, *end, *k;
	size_t n, i;

	end = p + strcspn(p, "/?#");
	for (k = p; k < end; k++)
		if (*k == '@')
			p = k + 1;	/* user:password@ */
	if (*p == '[') {
		if ((k = memchr(p, ']', (size_t)(end - p))) != NULL)
			end = k + 1;
	} else if ((k = memchr(p, ':', (size_t)(end - p))) != NULL) {
		end = k;
	}
	n = (size_t)(end - p) < cap ? (size_t)(end - p) : cap - 1;
	for (i = 0; i < n; i++)
		buf[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' :
		    p[i]);
	buf[n] = '\0';
}

/* localhost, 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
loopback_host(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	char inner[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(host);

	if (strcmp(host, "localhost") == 0)
		return 1;
	if (len > 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof(inner)) {
		memcpy(inner, host + 1, len - 2);
		inner[len - 2] = '\0';
		if (inet_pton(AF_INET6, inner, &a6) != 1)
			return 0;
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	}
	return inet_pton(AF_INET, host, &a4) == 1 &&
	    (ntohl(a4.s_addr) >> 24) == 127;
}

static int
add_warning(struct ctx *c, struct tk_config *cf, const char *fmt, ...)
{
	char msg[TK_CONFIG_ERR_MAX], **w, *dup;
	va_list ap;

	va_start(ap, fmt);
	tk_utf8_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((dup = strdup(msg)) == NULL)
		return oom(c);
	w = realloc(cf->warnings, (cf->nwarnings + 1) * sizeof(*w));
	if (w == NULL) {
		free(dup);
		return oom(c);
	}
	cf->warnings = w;
	w[cf->nwarnings++] = dup;
	return 0;
}

static int
exchange_name(struct ctx *c, const char *base, json_t *v,
    struct tk_config *cf, size_t i)
{
	char path[PATH_CAP], q[QUOTE_CAP];
	const char *s;
	size_t j;

	join(path, sizeof(path), base, "name");
	if (!json_is_string(v))
		return type_error(c, path, "a string", v);
	s = json_string_value(v);
	quote(s, q, sizeof(q));
	if (!valid_name(s))
		return fail(c, path, "%s is not a valid name (expected 1 to %d "
		    "of a-z, 0-9, \"_\" and \"-\")", q, TK_NAME_MAX - 1);
	for (j = 0; j < i; j++)
		if (strcmp(cf->exchanges[j].name, s) == 0)
			return fail(c, path, "%s is already used by "
			    "exchanges[%zu]", q, j);
	return dup_str(c, s, &cf->exchanges[i].name);
}

static int
exchange_adapter(struct ctx *c, const char *base, json_t *v,
    struct tk_exchange_conf *e)
{
	const char *names[ADAPTERS_MAX + 1];
	char path[PATH_CAP], q[QUOTE_CAP], h[HINT_CAP];
	const char *s;
	size_t k;

	join(path, sizeof(path), base, "adapter");
	if (!json_is_string(v))
		return type_error(c, path, "a string", v);
	s = json_string_value(v);
	for (k = 0; k < ADAPTERS_MAX && c->adapters[k] != NULL; k++) {
		if (strcmp(c->adapters[k]->name, s) == 0) {
			e->adapter = c->adapters[k];
			return 0;
		}
		names[k] = c->adapters[k]->name;
	}
	names[k] = NULL;
	return fail(c, path, "%s is not an adapter (%s)",
	    quote(s, q, sizeof(q)), hint(s, names, h, sizeof(h)));
}

static int
exchange_symbols(struct ctx *c, const char *base, json_t *v,
    struct tk_exchange_conf *e)
{
	char path[PATH_CAP], sp[PATH_CAP], q[QUOTE_CAP];
	char native[TK_SYMBOL_MAX];
	const char *s;
	size_t k, j, n;
	json_t *el;
	int r;

	join(path, sizeof(path), base, "symbols");
	if (!json_is_array(v))
		return type_error(c, path, "an array of strings", v);
	n = json_array_size(v);
	if (n == 0)
		return fail(c, path, "expected at least one symbol");
	e->symbols = calloc(n, sizeof(*e->symbols));
	if (e->symbols == NULL)
		return oom(c);
	json_array_foreach(v, k, el) {
		at(sp, sizeof(sp), path, k);
		if (!json_is_string(el))
			return type_error(c, sp, "a string like \"BTC-USD\"",
			    el);
		s = json_string_value(el);
		quote(s, q, sizeof(q));
		if (!tk_symbol_valid(s))
			return fail(c, sp, "%s is not BASE-QUOTE (expected "
			    "upper case like \"BTC-USD\")", q);
		/* a perpetual swap on a spot-only adapter, say */
		if (e->adapter->native_symbol != NULL &&
		    e->adapter->native_symbol(s, native, sizeof(native)) <= 0)
			return fail(c, sp, "%s: adapter \"%s\" has no such "
			    "market", q, e->adapter->name);
		for (j = 0; j < k; j++)
			if (strcmp(e->symbols[j], s) == 0)
				return fail(c, sp, "%s is already listed as "
				    "symbols[%zu]", q, j);
		if ((r = dup_str(c, s, &e->symbols[k])) < 0)
			return r;
		e->nsymbols = k + 1;
	}
	return 0;
}

static int
exchange_url(struct ctx *c, const char *base, json_t *v,
    struct tk_exchange_conf *e)
{
	char path[PATH_CAP], q[QUOTE_CAP];
	int network = e->adapter->kind == TK_ADAPTER_NETWORK;

	join(path, sizeof(path), base, "url");
	if (v == NULL && network)
		return dup_str(c, e->adapter->default_url, &e->url);
	if (v == NULL)
		return 0;
	/* A URL the adapter would ignore is a mistake worth reporting. */
	if (!network)
		return fail(c, path, "adapter %s does not connect anywhere "
		    "(remove \"url\")", quote(e->adapter->name, q, sizeof(q)));
	if (!json_is_string(v))
		return type_error(c, path, "a ws:// or wss:// URL", v);
	if (!valid_url(json_string_value(v)))
		return fail(c, path, "%s is not a ws:// or wss:// URL",
		    quote(json_string_value(v), q, sizeof(q)));
	return dup_str(c, json_string_value(v), &e->url);
}

/*
 * The REST base of adapters that ask before connecting: scheme, host and
 * an optional port and path prefix, which request paths are appended to.
 */
static int
exchange_rest_url(struct ctx *c, const char *base, json_t *v,
    struct tk_exchange_conf *e)
{
	char path[PATH_CAP], q[QUOTE_CAP];
	const char *s;

	join(path, sizeof(path), base, "rest_url");
	if (v == NULL && e->adapter->default_rest_url != NULL)
		return dup_str(c, e->adapter->default_rest_url, &e->rest_url);
	if (v == NULL)
		return 0;
	if (e->adapter->default_rest_url == NULL)
		return fail(c, path, "adapter %s makes no REST requests "
		    "(remove \"rest_url\")", quote(e->adapter->name, q,
		    sizeof(q)));
	if (!json_is_string(v))
		return type_error(c, path, "an http:// or https:// URL", v);
	s = json_string_value(v);
	if (!valid_rest_url(s))
		return fail(c, path, "%s is not an http:// or https:// URL "
		    "(scheme, host, optional port and path; no query)",
		    quote(s, q, sizeof(q)));
	return dup_str(c, s, &e->rest_url);
}

static int
exchange_channels(struct ctx *c, const char *base, json_t *v,
    struct tk_exchange_conf *e)
{
	const char *names[TK_TICK_TYPE_MAX + 1];
	char path[PATH_CAP], list[HINT_CAP], got[QUOTE_CAP];
	size_t k;
	int r;

	join(path, sizeof(path), base, "channels");
	if (v == NULL) {
		/* trade and quote where offered; funding is asked for */
		e->types = e->adapter->types & TK_TYPES_ALL;
		if (e->types == 0)
			e->types = e->adapter->types;
		return 0;
	}
	channel_names(names, TK_TICK_TYPE_MAX + 1);
	join_list(names, list, sizeof(list));
	if (!json_is_array(v))
		return fail(c, path, "expected an array of channels (%s), "
		    "got %s", list, describe(v, got, sizeof(got)));
	if (json_array_size(v) == 0)
		return fail(c, path, "expected at least one channel");
	e->types = 0;
	for (k = 0; k < json_array_size(v); k++)
		if ((r = channel(c, path, v, k, e)) < 0)
			return r;
	return 0;
}

/*
 * The adapter's subscriptions per connection, where the exchange limits
 * them: tickerd keeps one connection per exchange entry, so more symbols
 * take another entry.
 */
static int
exchange_limit(struct ctx *c, const char *base,
    const struct tk_exchange_conf *e)
{
	unsigned max = e->adapter->max_subscriptions, nch = 0, t;
	char path[PATH_CAP];

	for (t = 0; t < TK_TICK_TYPE_MAX; t++)
		nch += (e->types & TK_TYPE_BIT(t)) != 0;
	if (max == 0 || e->nsymbols * nch <= max)
		return 0;
	join(path, sizeof(path), base, "symbols");
	return fail(c, path, "%zu symbols x %u channels need %zu "
	    "subscriptions, but %s allows %u per connection (split the "
	    "symbols over several exchange entries)", e->nsymbols, nch,
	    e->nsymbols * nch, e->adapter->name, max);
}

/* channels[k]: a known type, listed once, that the adapter offers. */
static int
channel(struct ctx *c, const char *path, json_t *arr, size_t k,
    struct tk_exchange_conf *e)
{
	const char *names[TK_TICK_TYPE_MAX + 1];
	char sp[PATH_CAP], q[QUOTE_CAP], h[HINT_CAP], got[QUOTE_CAP];
	json_t *el = json_array_get(arr, k);
	enum tk_tick_type t;
	const char *s;
	size_t j, n;

	channel_names(names, TK_TICK_TYPE_MAX + 1);
	at(sp, sizeof(sp), path, k);
	if (!json_is_string(el))
		return fail(c, sp, "expected a channel (%s), got %s",
		    join_list(names, h, sizeof(h)),
		    describe(el, got, sizeof(got)));
	s = json_string_value(el);
	quote(s, q, sizeof(q));
	if (tk_tick_type_parse(s, &t) < 0 || !(TK_TYPES_FEED & TK_TYPE_BIT(t)))
		return fail(c, sp, "%s is not a channel (%s)", q,
		    hint(s, names, h, sizeof(h)));
	for (j = 0; j < k; j++)
		if (strcmp(json_string_value(json_array_get(arr, j)), s) == 0)
			return fail(c, sp, "%s is already listed as "
			    "channels[%zu]", q, j);
	if (!(e->adapter->types & TK_TYPE_BIT(t))) {
		for (j = 0, n = 0; names[j] != NULL; j++)
			if (e->adapter->types & TK_TYPE_BIT(j))
				names[n++] = names[j];
		names[n] = NULL;
		return fail(c, sp, "adapter \"%s\" does not offer %s "
		    "(it offers: %s)", e->adapter->name, q,
		    join_list(names, h, sizeof(h)));
	}
	e->types |= TK_TYPE_BIT(t);
	return 0;
}

static int
exchange_tuning(struct ctx *c, const char *base, json_t *obj,
    struct tk_exchange_conf *e)
{
	char path[PATH_CAP];
	json_t *v;
	int r;

	e->stale_s = STALE_DEFAULT;
	v = json_object_get(obj, "stale_s");
	if (v != NULL && (r = number_in(c, join(path, sizeof(path), base,
	    "stale_s"), v, "a number of seconds", STALE_MAX,
	    &e->stale_s)) < 0)
		return r;
	v = json_object_get(obj, "tls_verify");
	if (v == NULL)
		return 0;
	join(path, sizeof(path), base, "tls_verify");
	if (!json_is_boolean(v))
		return type_error(c, path, "true or false", v);
	e->insecure = json_is_false(v);
	return 0;
}

/* rate and seed drive the random walk; elsewhere they would be ignored. */
static int
exchange_sim(struct ctx *c, const char *base, json_t *obj,
    struct tk_exchange_conf *e)
{
	int sim = strcmp(e->adapter->name, "sim") == 0;
	json_t *rate = json_object_get(obj, "rate");
	json_t *seed = json_object_get(obj, "seed");
	char path[PATH_CAP];
	int r;

	e->rate = RATE_DEFAULT;
	e->seed = SEED_DEFAULT;
	if (rate != NULL) {
		join(path, sizeof(path), base, "rate");
		if (!sim)
			return fail(c, path, "only valid for adapter \"sim\"");
		r = number_in(c, path, rate, "a number of ticks per second",
		    RATE_MAX, &e->rate);
		if (r < 0)
			return r;
	}
	if (seed == NULL)
		return 0;
	join(path, sizeof(path), base, "seed");
	if (!sim)
		return fail(c, path, "only valid for adapter \"sim\"");
	if (!json_is_integer(seed) || json_integer_value(seed) < 0)
		return type_error(c, path, "a non-negative integer", seed);
	e->seed = (uint64_t)json_integer_value(seed);
	return 0;
}

/* file, speed and loop drive a replay; file is what it plays. */
static int
exchange_replay(struct ctx *c, const char *base, json_t *obj,
    struct tk_exchange_conf *e)
{
	static const char *const file_key[] = { "file", NULL };
	int replay = strcmp(e->adapter->name, "replay") == 0;
	char path[PATH_CAP];
	json_t *v;
	size_t k;
	int r;

	e->speed = SPEED_DEFAULT;
	e->loop = 0;
	if (!replay) {
		for (k = 0; replay_keys[k] != NULL; k++)
			if (json_object_get(obj, replay_keys[k]) != NULL)
				return fail(c, join(path, sizeof(path), base,
				    replay_keys[k]), "only valid for adapter "
				    "\"replay\"");
		return 0;
	}
	if ((r = require(c, base, obj, file_key)) < 0 ||
	    (r = replay_file(c, join(path, sizeof(path), base, "file"),
	    json_object_get(obj, "file"), e)) < 0)
		return r;
	v = json_object_get(obj, "speed");
	if (v != NULL && (r = replay_speed(c, join(path, sizeof(path), base,
	    "speed"), v, e)) < 0)
		return r;
	v = json_object_get(obj, "loop");
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return type_error(c, join(path, sizeof(path), base, "loop"),
		    "true or false", v);
	e->loop = json_is_true(v);
	return 0;
}

/*
 * A relative path is taken from the config file's directory, not the
 * daemon's working directory, so a config and its recordings can move
 * together; the joined path is stored.
 */
static int
replay_file(struct ctx *c, const char *path, const json_t *v,
    struct tk_exchange_conf *e)
{
	const char *s, *slash;
	size_t dir, n;
	char *p;

	if (!json_is_string(v))
		return type_error(c, path, "a file name", v);
	/* jansson rejects \u0000 in the text: strlen() is the length. */
	s = json_string_value(v);
	n = strlen(s);
	if (n == 0)
		return fail(c, path, "expected a file name, got \"\"");
	slash = strrchr(c->file, '/');
	dir = s[0] == '/' || slash == NULL ? 0 : (size_t)(slash - c->file) + 1;
	if (dir + n >= FILE_PATH_MAX)
		return fail(c, path, "path is %zu bytes, expected less than %d",
		    dir + n, FILE_PATH_MAX);
	if ((p = malloc(dir + n + 1)) == NULL)
		return oom(c);
	memcpy(p, c->file, dir);
	memcpy(p + dir, s, n + 1);
	e->file = p;
	return 0;
}

/* 0 means no waiting at all, so unlike other numbers it is allowed. */
static int
replay_speed(struct ctx *c, const char *path, const json_t *v,
    struct tk_exchange_conf *e)
{
	char got[QUOTE_CAP];
	double d;

	if (!json_is_number(v))
		return type_error(c, path, "a speed (1 = recorded pace, "
		    "0 = no waiting)", v);
	d = json_number_value(v);
	if (!(d >= 0 && d <= TK_REPLAY_SPEED_MAX))
		return fail(c, path, "%s is out of range (expected from 0 to "
		    "%.0f)", describe(v, got, sizeof(got)),
		    TK_REPLAY_SPEED_MAX);
	e->speed = d;
	return 0;
}

/* servers, stream and subject: the stream an edge reads (adapter "nats"). */
static int
exchange_nats(struct ctx *c, const char *base, json_t *obj,
    struct tk_exchange_conf *e)
{
	struct tk_nats_source_conf *n;
	char path[PATH_CAP];
	size_t k;
	int r;

	if (e->adapter->kind != TK_ADAPTER_NATS) {
		for (k = 0; nats_keys[k] != NULL; k++)
			if (json_object_get(obj, nats_keys[k]) != NULL)
				return fail(c, join(path, sizeof(path), base,
				    nats_keys[k]), "only valid for adapter "
				    "\"nats\"");
		return 0;
	}
	if ((r = require(c, base, obj, nats_required)) < 0)
		return r;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return oom(c);
	e->nats = n;
	if ((r = nats_servers(c, base, obj, &n->servers, &n->nservers)) < 0 ||
	    (r = nats_stream(c, base, obj, &n->stream)) < 0)
		return r;
	return nats_subject(c, base, obj, &n->subject);
}

/* @base.servers: 1 to TK_NATS_SERVERS_MAX distinct nats:// URLs. */
static int
nats_servers(struct ctx *c, const char *base, json_t *obj, char ***out,
    size_t *n)
{
	const char *urls[TK_NATS_SERVERS_MAX];
	char path[PATH_CAP], sp[PATH_CAP], want[80], q[QUOTE_CAP];
	json_t *v = json_object_get(obj, "servers"), *el;
	size_t k, j;

	join(path, sizeof(path), base, "servers");
	snprintf(want, sizeof(want), "an array of 1 to %d URLs like "
	    "\"nats://127.0.0.1:4222\"", TK_NATS_SERVERS_MAX);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > TK_NATS_SERVERS_MAX)
		return type_error(c, path, want, v);
	json_array_foreach(v, k, el) {
		at(sp, sizeof(sp), path, k);
		if (!json_is_string(el))
			return type_error(c, sp, "a URL like "
			    "\"nats://127.0.0.1:4222\"", el);
		urls[k] = json_string_value(el);
		quote(urls[k], q, sizeof(q));
		if (!tk_nats_url_valid(urls[k]))
			return fail(c, sp, "%s is not a nats://HOST:PORT URL "
			    "(nats:// only, no credentials)", q);
		for (j = 0; j < k; j++)
			if (strcmp(urls[j], urls[k]) == 0)
				return fail(c, sp, "%s is already listed as "
				    "servers[%zu]", q, j);
	}
	if ((*out = tk_nats_strv_dup(urls, k)) == NULL)
		return oom(c);
	*n = k;
	return 0;
}

static int
nats_stream(struct ctx *c, const char *base, json_t *obj, char **out)
{
	json_t *v = json_object_get(obj, "stream");
	char path[PATH_CAP], q[QUOTE_CAP];

	join(path, sizeof(path), base, "stream");
	if (!json_is_string(v))
		return type_error(c, path, "a stream name", v);
	if (!tk_nats_stream_valid(json_string_value(v)))
		return fail(c, path, "%s is not a valid stream name (expected "
		    "1 to %d of A-Z, a-z, 0-9, \"_\" and \"-\")",
		    quote(json_string_value(v), q, sizeof(q)),
		    TK_NATS_NAME_MAX - 1);
	return dup_str(c, json_string_value(v), out);
}

/* The prefix of every subject; "ticks" unless set. */
static int
nats_subject(struct ctx *c, const char *base, json_t *obj, char **out)
{
	json_t *v = json_object_get(obj, "subject");
	char path[PATH_CAP], q[QUOTE_CAP];

	if (v == NULL)
		return dup_str(c, NATS_SUBJECT_DEFAULT, out);
	join(path, sizeof(path), base, "subject");
	if (!json_is_string(v))
		return type_error(c, path, "a subject prefix like \"ticks\"",
		    v);
	if (!tk_nats_subject_valid(json_string_value(v)))
		return fail(c, path, "%s is not a subject prefix (expected "
		    "tokens like \"ticks\" or \"md.ticks\": no wildcards, "
		    "no spaces)", quote(json_string_value(v), q, sizeof(q)));
	return dup_str(c, json_string_value(v), out);
}

/* Where a stream tickerd creates keeps its messages; "file" unless set. */
static int
nats_storage(struct ctx *c, const char *base, json_t *obj,
    enum tk_nats_storage *out)
{
	json_t *v = json_object_get(obj, "storage");
	char path[PATH_CAP], q[QUOTE_CAP], h[HINT_CAP];
	const char *s;

	*out = TK_NATS_FILE;
	if (v == NULL)
		return 0;
	join(path, sizeof(path), base, "storage");
	if (!json_is_string(v))
		return type_error(c, path, "\"file\" or \"memory\"", v);
	s = json_string_value(v);
	if (strcmp(s, "memory") == 0)
		*out = TK_NATS_MEMORY;
	else if (strcmp(s, "file") != 0)
		return fail(c, path, "%s is not a storage (%s)",
		    quote(s, q, sizeof(q)), hint(s, nats_storages, h,
		    sizeof(h)));
	return 0;
}

/* "publish": where else the merged stream goes ({"nats": {...}}). */
static int
parse_publish(struct ctx *c, json_t *v, struct tk_config *cf)
{
	json_t *nats;
	int r;

	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return type_error(c, "publish", "an object", v);
	if ((r = check_keys(c, "publish", v, publish_keys)) < 0)
		return r;
	nats = json_object_get(v, "nats");
	if (nats == NULL)
		return 0;
	if ((r = publish_nats(c, nats, cf)) < 0)
		return r;
	return reads_back(c, cf);
}

static int
publish_nats(struct ctx *c, json_t *v, struct tk_config *cf)
{
	static const char base[] = "publish.nats";
	json_int_t replicas = 1, age = NATS_AGE_DEFAULT;
	json_int_t window = NATS_WINDOW_DEFAULT, pending = NATS_PENDING_DEFAULT;
	struct tk_nats_publish_conf *p;
	char host[HOST_MAX + 3], q[QUOTE_CAP];
	size_t i;
	int r;

	if (!json_is_object(v))
		return type_error(c, base, "an object", v);
	if ((r = check_keys(c, base, v, publish_nats_keys)) < 0 ||
	    (r = require(c, base, v, nats_required)) < 0)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return oom(c);
	cf->publish_nats = p;
	if ((r = nats_servers(c, base, v, &p->servers, &p->nservers)) < 0 ||
	    (r = nats_stream(c, base, v, &p->stream)) < 0 ||
	    (r = nats_subject(c, base, v, &p->subject)) < 0 ||
	    (r = integer_in(c, base, v, "replicas", 1, NATS_REPLICAS_MAX,
	    &replicas)) < 0 ||
	    (r = nats_storage(c, base, v, &p->storage)) < 0 ||
	    (r = integer_in(c, base, v, "max_age_s", 1, NATS_AGE_MAX,
	    &age)) < 0 ||
	    (r = integer_in(c, base, v, "duplicate_window_s",
	    NATS_WINDOW_MIN, NATS_WINDOW_MAX, &window)) < 0 ||
	    (r = integer_in(c, base, v, "max_pending", NATS_PENDING_MIN,
	    NATS_PENDING_MAX, &pending)) < 0)
		return r;
	/* JetStream refuses a window longer than the messages live */
	if (window > age)
		return fail(c, "publish.nats.duplicate_window_s", "%"
		    JSON_INTEGER_FORMAT " is longer than max_age_s (%"
		    JSON_INTEGER_FORMAT ")", window, age);
	p->replicas = (unsigned)replicas;
	p->max_age_s = (uint64_t)age;
	p->duplicate_window_s = (uint64_t)window;
	p->max_pending = (unsigned)pending;
	i = first_remote(p->servers, p->nservers, host, sizeof(host));
	return i == p->nservers ? 0 : add_warning(c, cf, NATS_PLAIN, base, i,
	    quote(p->servers[i], q, sizeof(q)), host);
}

/*
 * tickerd speaks NATS without TLS: the first server of a servers list that
 * is not loopback is said once, as ws:// to another host is.  Its index,
 * its host in @host; @n if there is none.
 */
static size_t
first_remote(char *const *servers, size_t n, char *host, size_t cap)
{
	size_t i;

	for (i = 0; i < n; i++) {
		url_host(servers[i], host, cap);
		if (!loopback_host(host))
			break;
	}
	return i;
}

/*
 * An edge that published into the stream it reads would read its own
 * messages back as new ones, forever.
 */
static int
reads_back(struct ctx *c, const struct tk_config *cf)
{
	const struct tk_nats_publish_conf *p = cf->publish_nats;
	const struct tk_nats_source_conf *s;
	size_t i, j, k;

	for (i = 0; i < cf->nexchanges; i++) {
		if ((s = cf->exchanges[i].nats) == NULL ||
		    strcmp(s->stream, p->stream) != 0)
			continue;
		for (j = 0; j < s->nservers; j++)
			for (k = 0; k < p->nservers; k++)
				if (strcmp(s->servers[j], p->servers[k]) == 0)
					return fail(c, "publish.nats.stream",
					    "exchanges[%zu] (\"%s\") reads "
					    "stream \"%s\" from the same "
					    "servers: it would read back what "
					    "this host publishes", i,
					    cf->exchanges[i].name, p->stream);
	}
	return 0;
}

static int
parse_clients(struct ctx *c, json_t *v, struct tk_config *cf)
{
	json_int_t max = cf->clients.max_clients;
	json_int_t msg = (json_int_t)cf->clients.max_message;
	json_int_t queue = (json_int_t)cf->clients.queue_ticks;
	json_int_t coalesce = cf->clients.coalesce_ms;
	int r;

	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return type_error(c, "clients", "an object", v);
	if ((r = check_keys(c, "clients", v, client_keys)) < 0 ||
	    (r = integer_in(c, "clients", v, "max", 1, 1000000, &max)) < 0 ||
	    (r = integer_in(c, "clients", v, "max_message_bytes", 64,
	    1048576, &msg)) < 0 ||
	    (r = integer_in(c, "clients", v, "queue_ticks", 64, 1048576,
	    &queue)) < 0 ||
	    (r = integer_in(c, "clients", v, "coalesce_ms", 0, 1000,
	    &coalesce)) < 0)
		return r;
	cf->clients.max_clients = (unsigned)max;
	cf->clients.max_message = (size_t)msg;
	cf->clients.queue_ticks = (size_t)queue;
	cf->clients.coalesce_ms = (unsigned)coalesce;
	return 0;
}

/* A number in (0, @max]; @what says what kind for type errors. */
static int
number_in(struct ctx *c, const char *path, const json_t *v,
    const char *what, double max, double *out)
{
	char got[QUOTE_CAP];
	double d;

	if (!json_is_number(v))
		return type_error(c, path, what, v);
	d = json_number_value(v);
	if (!(d > 0 && d <= max))
		return fail(c, path, "%s is out of range (expected more than 0 "
		    "and at most %.0f)", describe(v, got, sizeof(got)), max);
	*out = d;
	return 0;
}

/* @obj.@key, if present, an integer in [lo, hi]; else *out is kept. */
static int
integer_in(struct ctx *c, const char *base, json_t *obj, const char *key,
    json_int_t lo, json_int_t hi, json_int_t *out)
{
	json_t *v = json_object_get(obj, key);
	char path[PATH_CAP], want[64], got[QUOTE_CAP];

	if (v == NULL)
		return 0;
	join(path, sizeof(path), base, key);
	snprintf(want, sizeof(want), "an integer from %" JSON_INTEGER_FORMAT
	    " to %" JSON_INTEGER_FORMAT, lo, hi);
	if (!json_is_integer(v))
		return type_error(c, path, want, v);
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(c, path, "%s is out of range (expected %s)",
		    describe(v, got, sizeof(got)), want);
	*out = json_integer_value(v);
	return 0;
}

static int
check_keys(struct ctx *c, const char *path, json_t *obj,
    const char *const *known)
{
	char kp[PATH_CAP], q[QUOTE_CAP], h[HINT_CAP];
	const char *key;
	void *it;
	size_t i;

	for (it = json_object_iter(obj); it != NULL;
	    it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		if (in_list(key, known))
			continue;
		/* A key that is not a plain word is quoted in the path. */
		for (i = 0; key[i] != '\0' && (key[i] == '_' ||
		    key[i] == '-' || (key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9')); i++)
			;
		join(kp, sizeof(kp), path, key[i] == '\0' && i > 0 &&
		    i <= QUOTE_MAX ? key : quote(key, q, sizeof(q)));
		return fail(c, kp, "unknown key (%s)",
		    hint(key, known, h, sizeof(h)));
	}
	return 0;
}

static int
require(struct ctx *c, const char *path, json_t *obj,
    const char *const *keys)
{
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (json_object_get(obj, keys[i]) == NULL)
			return fail(c, path, "missing required key \"%s\"",
			    keys[i]);
	return 0;
}

static int
in_list(const char *word, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(word, list[i]) == 0)
			return 1;
	return 0;
}

/* Names end up in ticks and log lines: keep them plain and short. */
static int
valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return 0;
	return i > 0 && i < TK_NAME_MAX;
}

static int
valid_rest_url(const char *s)
{
	const char *rest;

	if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else
		return 0;
	if (*rest == '\0' || *rest == '/' || *rest == ':' ||
	    strlen(s) >= 256)
		return 0;
	for (; *rest != '\0'; rest++)
		if ((unsigned char)*rest <= ' ' || *rest == 0x7f ||
		    *rest == '?' || *rest == '#')
			return 0;
	return 1;
}

static int
valid_url(const char *s)
{
	const char *rest;

	if (strncmp(s, "ws://", 5) == 0)
		rest = s + 5;
	else if (strncmp(s, "wss://", 6) == 0)
		rest = s + 6;
	else
		return 0;
	if (*rest == '\0')
		return 0;
	for (; *rest != '\0'; rest++)
		if ((unsigned char)*rest <= ' ' || *rest == 0x7f)
			return 0;
	return 1;
}

/*
 * The channel names in type order, NULL-terminated: the types a feed can
 * carry, which come first (names[i] is type i); bbo is tickerd's own.
 */
static size_t
channel_names(const char **names, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap && n < TK_TICK_TYPE_MAX &&
	    (TK_TYPES_FEED & TK_TYPE_BIT(n))) {
		names[n] = tk_tick_type_name((enum tk_tick_type)n);
		n++;
	}
	names[n] = NULL;
	return n;
}

/*
 * "did you mean "x"?" for a candidate within two edits or differing only
 * in case, else the whole list: a typo deserves the fix, a wild guess the
 * menu.
 */
static const char *
hint(const char *word, const char *const *cands, char *buf, size_t cap)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;
	int o;

	for (i = 0; cands[i] != NULL; i++) {
		d = strcasecmp(word, cands[i]) == 0 ? 0 :
		    distance(word, cands[i]);
		if (d < bestd) {
			best = cands[i];
			bestd = d;
		}
	}
	if (best != NULL) {
		snprintf(buf, cap, "did you mean \"%s\"?", best);
		return buf;
	}
	o = snprintf(buf, cap, "expected one of: ");
	if (o > 0 && (size_t)o < cap)
		join_list(cands, buf + o, cap - (size_t)o);
	return buf;
}

/* "a, b, c" */
static const char *
join_list(const char *const *list, char *buf, size_t cap)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; list[i] != NULL && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s%s",
		    i > 0 ? ", " : "", list[i]);
	return buf;
}

/* Levenshtein distance; SIZE_MAX for words too long to be typos. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[WORD_MAX + 1];
	size_t i, j, diag, up, best;

	if (la > WORD_MAX || lb > WORD_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* "base.key"; a path cut short still names the place well enough. */
static const char *
join(char *buf, size_t cap, const char *base, const char *key)
{
	if (snprintf(buf, cap, "%s%s%s", base, base[0] != '\0' ? "." : "",
	    key) < 0)
		buf[0] = '\0';
	return buf;
}

/* "base[i]" */
static const char *
at(char *buf, size_t cap, const char *base, size_t i)
{
	if (snprintf(buf, cap, "%s[%zu]", base, i) < 0)
		buf[0] = '\0';
	return buf;
}

/*
 * @s as a quoted, escaped string cut after QUOTE_MAX bytes (never inside a
 * UTF-8 sequence), so that a message stays one readable line whatever the
 * file holds.
 */
static const char *
quote(const char *s, char *buf, size_t cap)
{
	size_t i, o = 0;
	unsigned char ch;

	buf[o++] = '"';
	for (i = 0; i < QUOTE_MAX && s[i] != '\0' && o + 12 < cap; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	if (((unsigned char)s[i] & 0xc0) == 0x80) {
		while (o > 1 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		o -= o > 1;	/* the lead byte of the cut sequence */
	}
	snprintf(buf + o, cap - o, "\"%s", s[i] != '\0' ? "..." : "");
	return buf;
}

/* A value for "got ...": scalars as written, containers by kind. */
static const char *
describe(const json_t *v, char *buf, size_t cap)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return buf;
	case JSON_REAL:
		format_real(json_real_value(v), buf, cap);
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		return "null";
	}
	return "an unknown value";
}

/* Shortest form that reads back the same, and still looks like a real. */
static void
format_real(double d, char *buf, size_t cap)
{
	size_t n;
	int prec;

	/* %g would write 100.0 as 1e+02. */
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d) {
		snprintf(buf, cap, "%.1f", d);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	n = strlen(buf);
	if (strpbrk(buf, ".eEn") == NULL && n + 3 <= cap)
		memcpy(buf + n, ".0", 3);
}

static int
dup_str(struct ctx *c, const char *s, char **out)
{
	char *p = strdup(s);

	if (p == NULL)
		return oom(c);
	*out = p;
	return 0;
}

static int
type_error(struct ctx *c, const char *path, const char *want,
    const json_t *v)
{
	char got[QUOTE_CAP];

	return fail(c, path, "expected %s, got %s", want,
	    describe(v, got, sizeof(got)));
}

/* "FILE: PATH: message" (no path: "FILE: message"); always -EINVAL. */
static int
fail(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[TK_CONFIG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path[0] == '\0')
		say(c, "%s: %s", c->file, msg);
	else
		say(c, "%s: %s: %s", c->file, path, msg);
	return -EINVAL;
}

static int
oom(struct ctx *c)
{
	say(c, "%s: out of memory", c->file);
	return -ENOMEM;
}

/* Writes the message; control bytes become '?' so it stays one line. */
static void
say(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (c->err == NULL || c->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	for (p = c->err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The server list is one allocation (tk_nats_strv_dup()). */
static void
nats_source_free(struct tk_nats_source_conf *n)
{
	if (n == NULL)
		return;
	free(n->servers);
	free(n->stream);
	free(n->subject);
	free(n);
}

static void
publish_nats_free(struct tk_nats_publish_conf *p)
{
	if (p == NULL)
		return;
	free(p->servers);
	free(p->stream);
	free(p->subject);
	free(p);
}

static int
nats_source_equal(const struct tk_nats_source_conf *a,
    const struct tk_nats_source_conf *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (!str_eq(a->stream, b->stream) || !str_eq(a->subject, b->subject) ||
	    a->nservers != b->nservers)
		return 0;
	for (i = 0; i < a->nservers; i++)
		if (!str_eq(a->servers[i], b->servers[i]))
			return 0;
	return 1;
}

int
tk_exchange_conf_equal(const struct tk_exchange_conf *a,
    const struct tk_exchange_conf *b)
{
	size_t i;

	if (!str_eq(a->name, b->name) || a->adapter != b->adapter ||
	    !str_eq(a->url, b->url) || !str_eq(a->rest_url, b->rest_url) ||
	    a->types != b->types ||
	    a->stale_s != b->stale_s || a->insecure != b->insecure ||
	    a->rate != b->rate || a->seed != b->seed ||
	    !str_eq(a->file, b->file) || a->speed != b->speed ||
	    a->loop != b->loop || a->nsymbols != b->nsymbols ||
	    !nats_source_equal(a->nats, b->nats))
		return 0;
	for (i = 0; i < a->nsymbols; i++)
		if (!str_eq(a->symbols[i], b->symbols[i]))
			return 0;
	return 1;
}
