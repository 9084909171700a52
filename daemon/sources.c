/* SPDX-License-Identifier: MIT */
/* The configured exchanges as streams in the merge. */

#include <stdlib.h>
#include <string.h>

#include <ticker/adapter.h>
#include <ticker/merge.h>

#include "log.h"
#include "source_local.h"
#include "tickerd.h"
#include "upstream.h"

static void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	upstream_free(s->up);
	source_local_free(s->local);
	free(s);
}

static struct source *
source_new(struct tickerd *td, struct tk_exchange_conf *conf)
{
	struct tk_stream *stream = NULL;
	struct source *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->conf = conf;
	if (conf->adapter->default_url == NULL)	/* sim, replay */
		s->local = source_local_new(td, conf, &stream);
	else
		s->up = upstream_new(td, conf, &stream);
	if (stream == NULL) {
		source_free(s);
		return NULL;
	}
	s->stream = stream;
	if (tk_merge_add(td->merge, stream) < 0) {
		/* The merge freed the stream; stop its producer. */
		source_free(s);
		return NULL;
	}
	return s;
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
