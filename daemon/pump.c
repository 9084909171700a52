/* SPDX-License-Identifier: MIT */
/*
 * The executor: the merge's waker only marks a pass as due; the main loop
 * runs it right after the lws service call that woke it (no extra trip
 * through poll), so a tick goes out in the same loop turn that read it.
 * The pass drains the merge into the publisher, then flushes the clients
 * once per batch rather than once per tick.
 */

#include <libwebsockets.h>

#include <ticker/merge.h>
#include <ticker/tick.h>

#include "log.h"
#include "nats_sink.h"	/* nats */
#include "publisher.h"
#include "tickerd.h"

/* Ticks per pass: bounded so that sockets get serviced under a flood. */
#define PASS_MAX	4096

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
	if (!td->stopping)
		td->pump.scheduled = 1;
}

/*
 * Input moderation.  While every client waits for its coalesced write,
 * reading the exchanges would only wake the loop (poll() over every
 * client's socket, a context switch) for ticks that must wait anyway: the
 * pump stops reading them until the publisher's timer, when the frames
 * that arrived meanwhile are read in one go and go out in the writes then
 * due.  recv_ts is then when tickerd read the frame, up to that delay
 * after the kernel had it.
 */
static void
pump_moderate(struct tickerd *td, int64_t quiet_until)
{
	int hold = quiet_until > 0;

	if (hold == td->pump.rx_held)
		return;
	sources_hold_rx(td, hold);
	td->pump.rx_held = hold;
}

void
pump_resume(struct tickerd *td)
{
	pump_moderate(td, 0);
	if (!td->stopping)
		td->pump.after_io = 1;
}

/* Moves what the merge has (up to PASS_MAX ticks) into the publisher. */
static void
pump_drain(struct tickerd *td)
{
	struct tk_tick t;
	enum tk_poll r = TK_POLL_READY;
	unsigned n;

	for (n = 0; n < PASS_MAX; n++) {
		r = tk_stream_next(td->merge, &t, &td->pump.waker);
		if (r != TK_POLL_READY)
			break;
		publisher_publish(td->pub, &t);
		nats_sink_publish(td->nats_sink, &t);	/* nats: NULL ok */
	}
	td->pump.ticks += n;
	if (r == TK_POLL_READY)
		pump_schedule(td);	/* more to do after I/O */
	else if (r == TK_POLL_ERROR)
		log_errx("merge failed: %s", tk_stream_reason(td->merge));
}

/*
 * Between the writes of one pass (publisher_flush()): the ticks that came
 * in since it began go to the clients it has yet to write, instead of
 * waiting for the next pass (with 100 clients a pass takes ~1.5 ms).
 */
static void
pump_refill(void *arg)
{
	struct tickerd *td = arg;

	if (td->pump.rx_held)
		return;
	sources_read_ready(td);
	pump_drain(td);
}

void
pump_run(struct tickerd *td)
{
	if (td->pump.after_io) {
		/* one more lws_service() first: it reads what was held */
		td->pump.after_io = 0;
		td->pump.scheduled = 1;
		return;
	}
	if (!td->pump.scheduled)
		return;
	td->pump.scheduled = 0;
	pump_drain(td);
	pump_moderate(td, publisher_flush(td->pub, pump_refill, td));
}

void
pump_finish(struct tickerd *td)
{
	td->pump.scheduled = 0;
	td->pump.after_io = 0;
	pump_moderate(td, 0);
}
