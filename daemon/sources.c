/* SPDX-License-Identifier: MIT */
/* The configured exchanges as streams in the merge. */

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/merge.h>
#include <ticker/state.h>

#include "log.h"
#include "nats_source.h"
#include "publisher.h"
#include "source_local.h"
#include "sources.h"
#include "tickerd.h"
#include "upstream.h"

#define READ_READY_BATCH	16	/* sockets per poll() */

static void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	upstream_free(s->up);
	source_local_free(s->local);
	nats_source_free(s->nats);
	free(s);
}

static struct source *
source_new(struct tickerd *td, struct tk_exchange_conf *conf)
{
	struct tk_stream *stream = NULL;
	struct source *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->conf = conf;
	switch (conf->adapter->kind) {
	case TK_ADAPTER_LOCAL:		/* sim, replay */
		s->local = source_local_new(td, conf, &stream);
		break;
	case TK_ADAPTER_NATS:		/* other hosts' ticks */
		s->nats = nats_source_new(td, conf, &stream);
		break;
	default:			/* TK_ADAPTER_NETWORK */
		s->up = upstream_new(td, conf, &stream);
		break;
	}
	if (stream == NULL) {
		source_free(s);
		return NULL;
	}
	s->stream = stream;
	if ((r = tk_merge_add(td->merge, stream)) < 0) {
		/* The merge freed the stream, but not on -EINVAL. */
		source_free(s);
		if (r == -EINVAL)
			tk_stream_free(stream);
		return NULL;
	}
	return s;
}

enum tk_state
source_state(const struct source *s)
{
	struct upstream_stats st;

	if (s->up != NULL) {
		upstream_get_stats(s->up, &st);
		return st.state;
	}
	if (s->nats != NULL)
		return nats_source_state(s->nats);
	return s->local != NULL ? TK_STATE_CONNECTED : TK_STATE_DOWN;
}

int
sources_start(struct tickerd *td)
{
	struct source **tail = &td->sources, *s;
	size_t i;

	/* kept in config order: /health and /metrics list them so */
	for (i = 0; i < td->conf.nexchanges; i++) {
		s = source_new(td, &td->conf.exchanges[i]);
		if (s == NULL) {
			log_errx("%s: cannot start", td->conf.exchanges[i].name);
			return -1;
		}
		*tail = s;
		tail = &s->next;
	}
	return 0;
}

void
sources_hold_rx(struct tickerd *td, int hold)
{
	struct source *s;

	for (s = td->sources; s != NULL; s = s->next) {
		if (s->up != NULL)
			upstream_hold_rx(s->up, hold);
		else if (s->nats != NULL)
			nats_source_hold(s->nats, hold);
	}
}

/* Reads the sockets of @fds that have bytes (or errors) now, through lws. */
static void
read_ready(struct tickerd *td, struct lws_pollfd *fds, size_t n)
{
	size_t i;

	if (n == 0 || poll(fds, n, 0) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (fds[i].revents != 0)
			lws_service_fd(td->ctx, &fds[i]);
}

/*
 * Takes what a NATS source @s has queued, and appends the sockets that
 * bring @s's data to @fds (at most @cap; at most 2 for any source).
 */
static size_t
source_rx_fds(struct source *s, struct lws_pollfd *fds, size_t cap)
{
	if (s->nats != NULL) {
		nats_source_read_ready(s->nats);
		return nats_source_rx_fd(s->nats, fds);
	}
	return s->up != NULL ? upstream_rx_fds(s->up, fds, cap) : 0;
}

int
sources_rx_fds(struct tickerd *td, struct lws_pollfd *fds, size_t cap)
{
	struct source *s;
	size_t n = 0;

	for (s = td->sources; s != NULL; s = s->next) {
		if (n + 2 > cap || s->local != NULL ||
		    (s->up != NULL && !upstream_settled(s->up)))
			return -1;
		n += source_rx_fds(s, &fds[n], cap - n);
	}
	return (int)n;
}

void
sources_read_ready(struct tickerd *td)
{
	struct lws_pollfd fds[READ_READY_BATCH];
	struct source *s;
	size_t n = 0;

	for (s = td->sources; s != NULL; s = s->next) {
		if (s->nats == NULL && s->up == NULL)
			continue;
		if (n + 2 > READ_READY_BATCH) {
			read_ready(td, fds, n);
			n = 0;
		}
		n += source_rx_fds(s, &fds[n], READ_READY_BATCH - n);
	}
	read_ready(td, fds, n);
}

/* Stops every producer; the streams stay in the merge until it is freed. */
void
sources_stop(struct tickerd *td)
{
	struct source *s;

	for (s = td->sources; s != NULL; s = s->next)
		upstream_stop(s->up);
}

void
sources_free(struct tickerd *td)
{
	struct source *s, *next;

	for (s = td->sources; s != NULL; s = next) {
		next = s->next;
		source_free(s);
	}
	td->sources = NULL;
}

/*
 * A finished stream (a replay that reached its end) is freed by the merge:
 * its producer must stop touching it.  The source stays listed (its state
 * shows in /health) until the daemon stops.
 */
void
sources_stream_done(struct tickerd *td, struct tk_stream *stream)
{
	struct source *s;

	for (s = td->sources; s != NULL; s = s->next) {
		if (s->stream != stream)
			continue;
		source_local_free(s->local);
		s->local = NULL;
		upstream_stop(s->up);
		s->stream = NULL;
	}
}

static const char *const health_names[] = {
	[HEALTH_OK] = "ok",
	[HEALTH_DEGRADED] = "degraded",
	[HEALTH_DOWN] = "down",
};

const char *
health_name(enum health h)
{
	return health_names[h];
}

/* @since (realtime µs, 0: never) is within @s's stale_s of @now. */
static int
fresh(const struct source *s, int64_t since, int64_t now)
{
	return since > 0 && now - since <= (int64_t)(s->conf->stale_s * 1e6);
}

int
source_delivering(const struct source *s, int64_t now)
{
	struct upstream_stats st;

	if (s->nats != NULL)
		return nats_source_state(s->nats) == TK_STATE_CONNECTED &&
		    fresh(s, nats_source_last_data_us(s->nats), now);
	if (s->up == NULL)
		return s->local != NULL;
	upstream_get_stats(s->up, &st);
	return st.state == TK_STATE_CONNECTED && fresh(s, st.last_data_us, now);
}

int
source_origin_delivering(const struct tickerd *td, const struct source *s,
    size_t i, int64_t now)
{
	struct pub_ex_stats ps;
	enum tk_state state;
	const char *name;

	if (s->nats == NULL || nats_source_origin(s->nats, i, &name,
	    &state) < 0 || state != TK_STATE_CONNECTED ||
	    !source_delivering(s, now))
		return 0;
	publisher_exchange_stats(td->pub, name, &ps);
	return fresh(s, ps.last_tick_us, now);
}

/*
 * One source, or the exchanges behind a NATS source once it knows them:
 * what an edge's clients miss is an exchange, not the link.
 */
static void
count_source(const struct tickerd *td, const struct source *s, int64_t now,
    unsigned *delivering, unsigned *total)
{
	const char *name;
	enum tk_state state;
	size_t i;

	for (i = 0; s->nats != NULL &&
	    nats_source_origin(s->nats, i, &name, &state) == 0; i++) {
		(*total)++;
		*delivering += source_origin_delivering(td, s, i, now) != 0;
	}
	if (i > 0)
		return;
	(*total)++;
	*delivering += source_delivering(s, now) != 0;
}

enum health
sources_health(const struct tickerd *td, int64_t now, unsigned *delivering,
    unsigned *total)
{
	const struct source *s;

	*delivering = *total = 0;
	for (s = td->sources; s != NULL; s = s->next)
		count_source(td, s, now, delivering, total);
	if (*delivering == 0)
		return HEALTH_DOWN;
	return *delivering == *total ? HEALTH_OK : HEALTH_DEGRADED;
}

/* Unlinks and returns the source named @name from *@list, or NULL. */
static struct source *
take_by_name(struct source **list, const char *name)
{
	struct source **pp, *s;

	for (pp = list; (s = *pp) != NULL; pp = &s->next) {
		if (strcmp(s->conf->name, name) == 0) {
			*pp = s->next;
			s->next = NULL;
			return s;
		}
	}
	return NULL;
}

/* Stops a source for good: out of the merge, producer stopped, freed. */
static void
source_remove(struct tickerd *td, struct source *s, const char *why)
{
	log_notice("%s: stopping: %s", s->conf->name, why);
	upstream_stop(s->up);
	source_local_free(s->local);
	s->local = NULL;
	if (s->stream != NULL && tk_merge_remove(td->merge, s->stream) == 0)
		tk_stream_free(s->stream);
	s->stream = NULL;
	publisher_forget_exchange(td->pub, s->conf->name, why);
	source_free(s);
}

/*
 * Applies the exchanges of @next (a validated config): an exchange whose
 * entry is unchanged keeps its connection and is only repointed to @next;
 * removed and changed ones are stopped; added and changed ones started.
 * The sources end up in @next's order.  Returns 0, or -1 if some could not
 * start (logged; the others are applied).
 */
int
sources_apply(struct tickerd *td, struct tk_config *next)
{
	struct source *old = td->sources, *list = NULL, **tail = &list, *s;
	struct tk_exchange_conf *e;
	size_t i;
	int rc = 0;

	td->sources = NULL;
	for (i = 0; i < next->nexchanges; i++) {
		e = &next->exchanges[i];
		s = take_by_name(&old, e->name);
		if (s != NULL && tk_exchange_conf_equal(s->conf, e)) {
			s->conf = e;
			upstream_set_conf(s->up, e);
		} else {
			if (s != NULL)
				source_remove(td, s, "changed in the "
				    "configuration");
			if ((s = source_new(td, e)) == NULL) {
				log_errx("%s: cannot start", e->name);
				rc = -1;
				continue;
			}
			log_notice("%s: started (%s, %zu symbols)", e->name,
			    e->adapter->name, e->nsymbols);
		}
		*tail = s;
		tail = &s->next;
	}
	while ((s = old) != NULL) {
		old = s->next;
		source_remove(td, s, "removed from the configuration");
	}
	td->sources = list;
	return rc;
}
