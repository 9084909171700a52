/* SPDX-License-Identifier: MIT */
/* Timer glue for the sim and replay sources. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/hash.h>
#include <ticker/replay.h>
#include <ticker/sim.h>

#include "clock.h"
#include "log.h"
#include "source_local.h"
#include "tickerd.h"

/*
 * Timers faster than about 20 Hz make lws' poll loop spin (it rounds the
 * wait down to whole milliseconds and polls without blocking until the
 * timer is due; see doc/libwebsockets.md), so a fast source delivers its
 * due ticks in batches at most every 50 ms.
 */
#define MIN_PERIOD_US	50000

struct source_local {
	struct tickerd		*td;
	struct tk_stream	*stream;	/* the merge owns it */
	int64_t			(*next_due)(const struct tk_stream *);
	void			(*tick)(struct tk_stream *);
	lws_sorted_usec_list_t	 sul;
};

static int64_t
wall_clock(void *ud)
{
	(void)ud;
	return now_realtime_us();
}

static void
local_timer(lws_sorted_usec_list_t *sul)
{
	struct source_local *s = lws_container_of(sul, struct source_local,
	    sul);
	int64_t due = s->next_due(s->stream), wait;

	if (due == INT64_MAX)
		return;		/* the stream ended: nothing more is due */
	s->tick(s->stream);
	wait = due - now_realtime_us();
	if (wait < MIN_PERIOD_US)
		wait = MIN_PERIOD_US;
	lws_sul_schedule(s->td->ctx, 0, &s->sul, local_timer, wait);
}

/*
 * Two sim exchanges with the default seed would walk in lockstep; mixing
 * in the name keeps each (seed, name) pair reproducible yet distinct.
 */
static uint64_t
sim_seed(const struct tk_exchange_conf *conf)
{
	return conf->seed ^ tk_hash_str(TK_HASH_INIT, conf->name);
}

static struct tk_stream *
sim_new(struct source_local *s, const struct tk_exchange_conf *conf)
{
	struct tk_sim_conf sc = {
		.exchange = conf->name,
		.symbols = (const char *const *)conf->symbols,
		.nsymbols = conf->nsymbols,
		.rate = conf->rate,
		.types = conf->types,
		.seed = sim_seed(conf),
		.clock = wall_clock,
	};

	s->next_due = tk_sim_next_due;
	s->tick = tk_sim_tick;
	return tk_sim_new(&sc);
}

static struct tk_stream *
replay_new(struct source_local *s, const struct tk_exchange_conf *conf,
    char *err, size_t errlen)
{
	struct tk_replay_conf rc = {
		.name = conf->name,
		.path = conf->file,
		.symbols = (const char *const *)conf->symbols,
		.nsymbols = conf->nsymbols,
		.types = conf->types,
		.speed = conf->speed,
		.loop = conf->loop,
		.clock = wall_clock,
		.err = err,
		.errlen = errlen,
	};

	s->next_due = tk_replay_next_due;
	s->tick = tk_replay_tick;
	return tk_replay_new(&rc);
}

struct source_local *
source_local_new(struct tickerd *td, const struct tk_exchange_conf *conf,
    struct tk_stream **stream)
{
	struct source_local *s;
	char err[256] = "out of memory";

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->td = td;
	if (strcmp(conf->adapter->name, "replay") == 0)
		s->stream = replay_new(s, conf, err, sizeof(err));
	else
		s->stream = sim_new(s, conf);
	if (s->stream == NULL) {
		log_errx("%s: %s", conf->name, err);
		free(s);
		return NULL;
	}
	lws_sul_schedule(td->ctx, 0, &s->sul, local_timer, MIN_PERIOD_US);
	*stream = s->stream;
	return s;
}

void
source_local_free(struct source_local *s)
{
	if (s == NULL)
		return;
	lws_sul_cancel(&s->sul);
	free(s);
}
