/* SPDX-License-Identifier: MIT */
/* Timer glue for the sim source. */

#include <stdint.h>
#include <stdlib.h>

#include <libwebsockets.h>

#include <ticker/config.h>
#include <ticker/sim.h>

#include "log.h"
#include "source_sim.h"
#include "tickerd.h"

/*
 * Timers faster than ~20 Hz make lws' poll loop spin (LWS-NOTES §6), so a
 * fast sim delivers its due ticks in batches at most every 50 ms.
 */
#define MIN_PERIOD_US	50000

struct source_sim {
	struct tickerd		*td;
	struct tk_stream	*stream;	/* the merge owns it */
	lws_sorted_usec_list_t	 sul;
};

static int64_t
sim_clock(void *ud)
{
	(void)ud;
	return now_realtime_us();
}

/*
 * Two sim exchanges with the default seed would walk in lockstep; mixing
 * in the name keeps each (seed, name) pair reproducible yet distinct.
 */
static uint64_t
sim_seed(const struct tk_exchange_conf *conf)
{
	uint64_t h = 1469598103934665603ull;
	const char *p;

	for (p = conf->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return conf->seed ^ h;
}

static void
sim_timer(lws_sorted_usec_list_t *sul)
{
	struct source_sim *s = lws_container_of(sul, struct source_sim, sul);
	int64_t wait = tk_sim_next_due(s->stream) - now_realtime_us();

	tk_sim_tick(s->stream);
	if (wait < MIN_PERIOD_US)
		wait = MIN_PERIOD_US;
	lws_sul_schedule(s->td->ctx, 0, &s->sul, sim_timer, wait);
}

struct source_sim *
source_sim_new(struct tickerd *td, const struct tk_exchange_conf *conf,
    struct tk_stream **stream)
{
	struct tk_sim_conf sc = {
		.exchange = conf->name,
		.symbols = (const char *const *)conf->symbols,
		.nsymbols = conf->nsymbols,
		.rate = conf->rate,
		.types = conf->types,
		.seed = sim_seed(conf),
		.clock = sim_clock,
	};
	struct source_sim *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->td = td;
	s->stream = tk_sim_new(&sc);
	if (s->stream == NULL) {
		log_errx("%s: cannot create the sim source", conf->name);
		free(s);
		return NULL;
	}
	lws_sul_schedule(td->ctx, 0, &s->sul, sim_timer, MIN_PERIOD_US);
	*stream = s->stream;
	return s;
}

void
source_sim_free(struct source_sim *s)
{
	if (s == NULL)
		return;
	lws_sul_cancel(&s->sul);
	free(s);
}
