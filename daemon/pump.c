/* SPDX-License-Identifier: MIT */
/*
 * The executor: the merge's waker only schedules a pass on the next loop
 * turn; the pass drains the merge into the publisher and then asks clients
 * to write, once per batch rather than once per tick.
 */

#include <libwebsockets.h>

#include <ticker/merge.h>
#include <ticker/tick.h>

#include "log.h"
#include "publisher.h"
#include "tickerd.h"

/* Ticks per pass: bounded so that sockets get serviced under a flood. */
#define PASS_MAX	4096

static void pump_pass(lws_sorted_usec_list_t *);

static void
pump_wake(struct tk_waker *w)
{
	struct tickerd *td = lws_container_of(w, struct tickerd, pump.waker);

	pump_schedule(td);
}

void
pump_init(struct tickerd *td)
{
	td->pump.waker.wake = pump_wake;
}

void
pump_schedule(struct tickerd *td)
{
	if (td->pump.scheduled || td->stopping)
		return;
	td->pump.scheduled = 1;
	lws_sul_schedule(td->ctx, 0, &td->pump.sul, pump_pass, 1);
}

static void
pump_pass(lws_sorted_usec_list_t *sul)
{
	struct tickerd *td = lws_container_of(sul, struct tickerd, pump.sul);
	struct tk_tick t;
	enum tk_poll r = TK_POLL_READY;
	unsigned n;

	td->pump.scheduled = 0;
	for (n = 0; n < PASS_MAX; n++) {
		r = tk_stream_next(td->merge, &t, &td->pump.waker);
		if (r != TK_POLL_READY)
			break;
		publisher_publish(td->pub, &t);
	}
	td->pump.ticks += n;
	if (n > 0)
		publisher_flush(td->pub);
	if (r == TK_POLL_READY)
		pump_schedule(td);	/* more to do after I/O */
	else if (r == TK_POLL_ERROR)
		log_errx("merge failed: %s", tk_stream_reason(td->merge));
}

void
pump_finish(struct tickerd *td)
{
	lws_sul_cancel(&td->pump.sul);
	td->pump.scheduled = 0;
}
