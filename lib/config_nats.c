/* SPDX-License-Identifier: MIT */
/*
 * The configuration of scaling out: "publish": {"nats": {...}} on ingest
 * hosts, exchanges with "adapter": "nats" on edge hosts.  Same rules as
 * config.c: unknown keys are errors (with a suggestion when one is
 * close), the message names the JSON path, and a half-built result is
 * freed by tk__nats_config_free().
 */

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/nats.h>

#include "config_nats.h"

#define SUBJECT_DEFAULT		"ticks"
#define REPLICAS_MAX		5
#define MAX_AGE_DEFAULT		3600
#define MAX_AGE_MAX		(366 * 86400)
/*
 * The server remembers every id for the whole window, so it is sized to
 * what it must cover, not minutes: the skew between two ingest hosts fed
 * the same exchange (milliseconds, seconds while one reconnects) and a
 * publisher's retries across a NATS leader election (about 5 s).
 */
#define DUP_WINDOW_DEFAULT	30
#define DUP_WINDOW_MIN		10
#define DUP_WINDOW_MAX		3600
#define MAX_PENDING_DEFAULT	65536
#define MAX_PENDING_MIN		16
#define MAX_PENDING_MAX		(1 << 20)
#define WORD_MAX		32

static const char *const publish_keys[] = { "nats", NULL };
static const char *const publish_nats_keys[] = { "servers", "stream",
	"subject", "replicas", "max_age_s", "duplicate_window_s",
	"max_pending", NULL };

static int	 fail(struct tk__conf_err *, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static const char *kind(const json_t *v);
static int	 check_keys(struct tk__conf_err *, const char *path,
		    json_t *obj, const char *const *known);
static int	 require(struct tk__conf_err *, const char *path,
		    json_t *obj);
static size_t	 distance(const char *a, const char *b);
static int	 get_servers(struct tk__conf_err *, const char *base,
		    json_t *obj, char ***out, size_t *n);
static int	 get_stream(struct tk__conf_err *, const char *base,
		    json_t *obj, char **out);
static int	 get_subject(struct tk__conf_err *, const char *base,
		    json_t *obj, char **out);
static int	 get_uint(struct tk__conf_err *, const char *base,
		    json_t *obj, const char *key, uint64_t lo, uint64_t hi,
		    uint64_t *out);
static int	 publish_nats(struct tk__conf_err *, json_t *v,
		    struct tk_config *cf);
static int	 reads_back(struct tk__conf_err *, const struct tk_config *cf);

static int
fail(struct tk__conf_err *e, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->path, sizeof(e->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *
kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_REAL:		return "a number";
	case JSON_TRUE:		return "true";
	case JSON_FALSE:	return "false";
	default:		return "null";
	}
}

/* config.c's rule: a typo gets the fix, a wild guess the whole list. */
static int
check_keys(struct tk__conf_err *e, const char *path, json_t *obj,
    const char *const *known)
{
	const char *key, *best;
	char list[256], kp[200];
	size_t i, d, bestd, o;
	void *it;

	for (it = json_object_iter(obj); it != NULL;
	    it = json_object_iter_next(obj, it)) {
		key = json_object_iter_key(it);
		best = NULL;
		bestd = 3;
		for (i = 0; known[i] != NULL; i++) {
			if (strcmp(key, known[i]) == 0)
				break;
			d = strcasecmp(key, known[i]) == 0 ? 0 :
			    distance(key, known[i]);
			if (d < bestd) {
				best = known[i];
				bestd = d;
			}
		}
		if (known[i] != NULL)
			continue;
		snprintf(kp, sizeof(kp), "%s.%.40s", path, key);
		if (best != NULL)
			return fail(e, kp, "unknown key (did you mean "
			    "\"%s\"?)", best);
		for (i = 0, o = 0, list[0] = '\0'; known[i] != NULL &&
		    o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", i ? ", " : "", known[i]);
		return fail(e, kp, "unknown key (expected one of: %s)",
		    list);
	}
	return 0;
}

/* "servers" and "stream" have no sensible default. */
static int
require(struct tk__conf_err *e, const char *path, json_t *obj)
{
	static const char *const keys[] = { "servers", "stream", NULL };
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (json_object_get(obj, keys[i]) == NULL)
			return fail(e, path, "missing required key \"%s\"",
			    keys[i]);
	return 0;
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

/* @base.servers: 1 to TK_NATS_SERVERS_MAX distinct nats:// URLs. */
static int
get_servers(struct tk__conf_err *e, const char *base, json_t *obj,
    char ***out, size_t *n)
{
	json_t *v = json_object_get(obj, "servers"), *el;
	const char *urls[TK_NATS_SERVERS_MAX] = { NULL };
	char path[160];
	size_t k, j;

	snprintf(path, sizeof(path), "%s.servers", base);
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > TK_NATS_SERVERS_MAX)
		return fail(e, path, "expected an array of 1 to %d URLs like "
		    "\"nats://127.0.0.1:4222\", got %s", TK_NATS_SERVERS_MAX,
		    v == NULL ? "nothing" : kind(v));
	json_array_foreach(v, k, el) {
		snprintf(path, sizeof(path), "%s.servers[%zu]", base, k);
		if (!json_is_string(el) ||
		    !tk_nats_url_valid(json_string_value(el)))
			return fail(e, path, "expected a URL like "
			    "\"nats://127.0.0.1:4222\" (nats:// only, no "
			    "credentials)");
		for (j = 0; j < k; j++)
			if (strcmp(urls[j], json_string_value(el)) == 0)
				return fail(e, path, "already listed as "
				    "servers[%zu]", j);
		urls[k] = json_string_value(el);
	}
	if ((*out = tk_nats_strv_dup(urls, k)) == NULL)
		return -ENOMEM;
	*n = k;
	return 0;
}

static int
get_stream(struct tk__conf_err *e, const char *base, json_t *obj,
    char **out)
{
	json_t *v = json_object_get(obj, "stream");
	char path[160];

	snprintf(path, sizeof(path), "%s.stream", base);
	if (!json_is_string(v) || !tk_nats_stream_valid(json_string_value(v)))
		return fail(e, path, "expected a stream name (1 to %d of "
		    "A-Z, a-z, 0-9, \"_\" and \"-\")", TK_NATS_NAME_MAX - 1);
	return (*out = strdup(json_string_value(v))) != NULL ? 0 : -ENOMEM;
}

static int
get_subject(struct tk__conf_err *e, const char *base, json_t *obj,
    char **out)
{
	json_t *v = json_object_get(obj, "subject");
	char path[160];

	snprintf(path, sizeof(path), "%s.subject", base);
	if (v == NULL)
		return (*out = strdup(SUBJECT_DEFAULT)) != NULL ? 0 : -ENOMEM;
	if (!json_is_string(v) || !tk_nats_subject_valid(json_string_value(v)))
		return fail(e, path, "expected a subject prefix like \"ticks\" "
		    "or \"md.ticks\" (no wildcards, no spaces)");
	return (*out = strdup(json_string_value(v))) != NULL ? 0 : -ENOMEM;
}

/* @obj.@key, if present, an integer in [lo, hi]; else *out is kept. */
static int
get_uint(struct tk__conf_err *e, const char *base, json_t *obj,
    const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char path[160];

	if (v == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s.%s", base, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < lo ||
	    (uint64_t)json_integer_value(v) > hi)
		return fail(e, path, "expected an integer from %llu to %llu",
		    (unsigned long long)lo, (unsigned long long)hi);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int
tk__nats_exchange_parse(json_t *obj, size_t i, struct tk_exchange_conf *x,
    struct tk__conf_err *e)
{
	static const char *const keys[] = { "servers", "stream", "subject",
		NULL };
	struct tk_nats_source_conf *nc;
	char base[64];
	size_t k;
	int r;

	snprintf(base, sizeof(base), "exchanges[%zu]", i);
	if (x->adapter->kind != TK_ADAPTER_NATS) {
		for (k = 0; keys[k] != NULL; k++)
			if (json_object_get(obj, keys[k]) != NULL)
				return fail(e, base, "%s: only valid for "
				    "adapter \"nats\"", keys[k]);
		return 0;
	}
	if ((r = require(e, base, obj)) < 0)
		return r;
	if ((nc = calloc(1, sizeof(*nc))) == NULL)
		return -ENOMEM;
	x->nats = nc;
	if ((r = get_servers(e, base, obj, &nc->servers, &nc->nservers)) < 0 ||
	    (r = get_stream(e, base, obj, &nc->stream)) < 0)
		return r;
	return get_subject(e, base, obj, &nc->subject);
}

int
tk__nats_publish_parse(json_t *v, struct tk_config *cf,
    struct tk__conf_err *e)
{
	json_t *nats;
	int r;

	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return fail(e, "publish", "expected an object, got %s",
		    kind(v));
	if ((r = check_keys(e, "publish", v, publish_keys)) < 0)
		return r;
	nats = json_object_get(v, "nats");
	if (nats == NULL)
		return 0;
	if ((r = publish_nats(e, nats, cf)) < 0)
		return r;
	return reads_back(e, cf);
}

static int
publish_nats(struct tk__conf_err *e, json_t *v, struct tk_config *cf)
{
	const char *base = "publish.nats";
	struct tk_nats_publish_conf *p;
	uint64_t replicas = 1, pending = MAX_PENDING_DEFAULT;
	int r;

	if (!json_is_object(v))
		return fail(e, base, "expected an object, got %s", kind(v));
	if ((r = check_keys(e, base, v, publish_nats_keys)) < 0 ||
	    (r = require(e, base, v)) < 0)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	cf->publish_nats = p;
	p->max_age_s = MAX_AGE_DEFAULT;
	p->duplicate_window_s = DUP_WINDOW_DEFAULT;
	if ((r = get_servers(e, base, v, &p->servers, &p->nservers)) < 0 ||
	    (r = get_stream(e, base, v, &p->stream)) < 0 ||
	    (r = get_subject(e, base, v, &p->subject)) < 0 ||
	    (r = get_uint(e, base, v, "replicas", 1, REPLICAS_MAX,
	    &replicas)) < 0 ||
	    (r = get_uint(e, base, v, "max_age_s", 1, MAX_AGE_MAX,
	    &p->max_age_s)) < 0 ||
	    (r = get_uint(e, base, v, "duplicate_window_s", DUP_WINDOW_MIN,
	    DUP_WINDOW_MAX, &p->duplicate_window_s)) < 0 ||
	    (r = get_uint(e, base, v, "max_pending", MAX_PENDING_MIN,
	    MAX_PENDING_MAX, &pending)) < 0)
		return r;
	p->replicas = (unsigned)replicas;
	p->max_pending = (unsigned)pending;
	/* JetStream refuses a window longer than the messages live */
	if (p->duplicate_window_s > p->max_age_s)
		return fail(e, "publish.nats.duplicate_window_s", "%llu is "
		    "longer than max_age_s (%llu)",
		    (unsigned long long)p->duplicate_window_s,
		    (unsigned long long)p->max_age_s);
	return 0;
}

/*
 * An edge that published into the stream it reads would read its own
 * messages back as new ones, forever.
 */
static int
reads_back(struct tk__conf_err *e, const struct tk_config *cf)
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
					return fail(e, "publish.nats.stream",
					    "exchanges[%zu] (\"%s\") reads "
					    "stream \"%s\" from the same "
					    "servers: it would read back what "
					    "this host publishes", i,
					    cf->exchanges[i].name, p->stream);
	}
	return 0;
}

void
tk__nats_config_free(struct tk_config *cf)
{
	struct tk_nats_source_conf *s;
	struct tk_nats_publish_conf *p;
	size_t i;

	for (i = 0; i < cf->nexchanges; i++) {
		if ((s = cf->exchanges[i].nats) == NULL)
			continue;
		free(s->servers);
		free(s->stream);
		free(s->subject);
		free(s);
		cf->exchanges[i].nats = NULL;
	}
	if ((p = cf->publish_nats) != NULL) {
		free(p->servers);
		free(p->stream);
		free(p->subject);
		free(p);
		cf->publish_nats = NULL;
	}
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
tk__nats_source_equal(const struct tk_nats_source_conf *a,
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
