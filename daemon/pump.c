/* SPDX-License-Identifier: MIT */
/*
 * The executor: the merge's waker only marks a pass as due; the loop turn
 * runs it right after the lws service call that woke it (no extra trip
 * through poll), so a tick goes out in the same loop turn that read it.
 * The pass drains the merge into the publisher, then flushes the clients
 * once per batch rather than once per tick.
 */

#include <sys/timerfd.h>

#include <poll.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include <ticker/config.h>
#include <ticker/merge.h>
#include <ticker/tick.h>

#include "clock.h"
#include "log.h"
#include "nats_sink.h"
#include "publisher.h"
#include "pump.h"
#include "sources.h"
#include "tickerd.h"

/* Ticks per pass: bounded so that sockets get serviced under a flood. */
#define PASS_MAX	4096
#define REFILL_EVERY	25	/* clients flushed between two refills */
#define REFILL_AFTER_US	50	/* ... once a step took this long */
/*
 * With this many clients or more, the loop waits on the sources' sockets
 * alone between two lws_service() calls at most WATCH_US apart.
 */
#define WATCH_CLIENTS	16
#define WATCH_US	5000
#define WATCH_FDS	64

/*
 * The waker of the merge and of the publisher (tk_waker, ticker/stream.h):
 * it only marks a pass as due, and never calls back into either.
 */
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
	td->pump.timer_fd = -1;
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
 * pump stops reading them until its timer, when the frames that arrived
 * meanwhile are read in one go and go out in the writes then due.
 * recv_ts is then when tickerd read the frame, up to that delay after the
 * kernel had it.
 */
static void
pump_moderate(struct tickerd *td, int64_t quiet_until)
{
	int hold = quiet_until > 0;
	int64_t now;

	if (hold == td->pump.rx_held)
		return;
	sources_hold_rx(td, hold);
	td->pump.rx_held = hold;
	now = now_mono_us();
	if (hold)
		td->pump.held_since_us = now;
	else
		td->pump.held_us += now - td->pump.held_since_us;
}

int64_t
pump_held_us(const struct tickerd *td)
{
	return td->pump.held_us + (td->pump.rx_held ?
	    now_mono_us() - td->pump.held_since_us : 0);
}

/* ---- the timer ---- */

static void
timer_arm(struct tickerd *td, int64_t at_us)
{
	struct itimerspec its;

	if (td->pump.timer_fd < 0 ||
	    (td->pump.timer_at_us != 0 && td->pump.timer_at_us <= at_us))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = at_us / 1000000;
	its.it_value.tv_nsec = (long)(at_us % 1000000) * 1000;
	if (timerfd_settime(td->pump.timer_fd, TFD_TIMER_ABSTIME, &its,
	    NULL) < 0) {
		log_warnx("timerfd_settime: %s", strerror(errno));
		return;
	}
	td->pump.timer_at_us = at_us;
}

/*
 * The timer expired (lws calls this when the timerfd is readable, a
 * raw-file protocol): read the exchanges again, then a pass flushes the
 * clients now due.
 */
static int
pump_timer_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));
	uint64_t expirations;

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE || td->pump.timer_fd < 0)
		return 0;
	if (read(td->pump.timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_warnx("timerfd read: %s", strerror(errno));
	td->pump.timer_at_us = 0;
	pump_moderate(td, 0);
	if (!td->stopping)
		td->pump.after_io = 1;
	return 0;
}

const struct lws_protocols pump_timer_protocol = {
	"flush", pump_timer_cb, 0, 0, 0, NULL, 0
};

/*
 * Timers faster than about 20 Hz make lws' poll loop spin: it rounds the
 * wait down to whole milliseconds, wakes early and polls without blocking
 * until the timer is due (see doc/libwebsockets.md).  So the coalescing
 * timer is a timerfd on the loop instead.
 */
static int
timer_open(struct tickerd *td)
{
	lws_sock_file_fd_type fd;

	td->pump.timer_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (td->pump.timer_fd < 0) {
		log_warnx("timerfd: %s; writes are not coalesced",
		    strerror(errno));
		return -1;
	}
	fd.filefd = td->pump.timer_fd;
	if (lws_adopt_descriptor_vhost(td->vh_ctl, LWS_ADOPT_RAW_FILE_DESC, fd,
	    pump_timer_protocol.name, NULL) == NULL) {
		log_warnx("cannot watch the timerfd; writes are not coalesced");
		close(td->pump.timer_fd);
		td->pump.timer_fd = -1;
		return -1;
	}
	return 0;
}

void
pump_configure(struct tickerd *td, const struct tk_config *conf)
{
	int64_t max_us = (int64_t)conf->clients.coalesce_ms * 1000;

	if (max_us > 0 && td->pump.timer_fd < 0 && timer_open(td) < 0)
		max_us = 0;
	publisher_set_coalesce(td->pub, max_us);
}

/* ---- the pass ---- */

/*
 * Moves what the merge has (up to PASS_MAX ticks) into the publisher, and
 * into the NATS sink after the publisher numbered it.
 */
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
		nats_sink_publish(td->nats_sink, &t);	/* NULL ok */
	}
	td->pump.ticks += n;
	if (r == TK_POLL_READY)
		pump_schedule(td);	/* more to do after I/O */
	else if (r == TK_POLL_ERROR)
		log_errx("merge failed: %s", tk_stream_reason(td->merge));
}

/*
 * Between the steps of a flush: the ticks that came in since it began go
 * to the clients it has yet to write, instead of waiting for the next pass
 * (with 100 clients a pass takes ~1.5 ms).
 */
static void
pump_refill(struct tickerd *td)
{
	if (td->pump.rx_held)
		return;
	sources_read_ready(td);
	pump_drain(td);
	publisher_flush_fast(td->pub, now_mono_us());
}

/*
 * Flushes the clients, REFILL_EVERY at a time, with a refill after each
 * full step once REFILL_AFTER_US have passed since the exchanges were last
 * read (steps that wrote nothing take a few µs: polling the exchanges
 * again after each would cost a system call per step for nothing), and
 * arms the timer for the writes held back.  Returns until when reading
 * the exchanges may wait (0: read at once).
 */
static int64_t
pump_flush(struct tickerd *td)
{
	int64_t now = now_mono_us(), due, quiet;
	int refilled = 0;

	publisher_flush_begin(td->pub, now);
	while (publisher_flush_step(td->pub, REFILL_EVERY, now) ==
	    REFILL_EVERY) {
		if (now_mono_us() - now < REFILL_AFTER_US)
			continue;
		pump_refill(td);
		now = now_mono_us();
		refilled = 1;
	}
	if (refilled)
		now = now_mono_us();
	quiet = publisher_flush_end(td->pub, now, &due);
	if (due != INT64_MAX)
		timer_arm(td, due);
	return quiet;
}

static void
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
	pump_moderate(td, pump_flush(td));
}

/*
 * Waits on the sources' sockets (and the pump's timer) alone, and reads
 * the ones that have something through lws.  With a hundred clients,
 * lws_service()'s poll() over every socket costs more than the rest of a
 * tick's way when a client takes every tick at once (max_delay_ms=0):
 * the input moderation holds nothing then, and the loop wakes per tick.
 * The clients' sockets (their messages, new connections, a write left
 * over) and lws' timers wait for the next lws_service(), at most WATCH_US
 * later.  Returns 0 when it waited, -1 when lws_service() is due instead:
 * few clients, something pending in lws, a pass due, a write asked for
 * (writable.h), the exchanges held, a source that reads otherwise, or
 * WATCH_US since the last one.
 */
static int
pump_watch(struct tickerd *td)
{
	struct lws_pollfd fds[WATCH_FDS + 1];
	struct timespec ts;
	int64_t left;
	int i, n;

	if (td->stopping || td->pump.scheduled || td->pump.after_io ||
	    td->pump.want_write || td->pump.rx_held ||
	    publisher_clients(td->pub) < WATCH_CLIENTS)
		return -1;
	left = td->pump.serviced_us + WATCH_US - now_mono_us();
	if (left <= 0 || lws_service_adjust_timeout(td->ctx, 1, 0) == 0 ||
	    (n = sources_rx_fds(td, fds, WATCH_FDS)) < 0 ||
	    td->pump.scheduled)		/* a NATS source had some queued */
		return -1;
	if (td->pump.timer_fd >= 0) {
		fds[n].fd = td->pump.timer_fd;
		fds[n].events = LWS_POLLIN;
		fds[n++].revents = 0;
	}
	ts.tv_sec = left / 1000000;
	ts.tv_nsec = (long)(left % 1000000) * 1000;
	td->pump.polls_sources++;
	if (ppoll(fds, (nfds_t)n, &ts, NULL) <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (fds[i].revents != 0)
			lws_service_fd(td->ctx, &fds[i]);
	return 0;
}

int
pump_turn(struct tickerd *td)
{
	int n;

	if (pump_watch(td) == 0) {
		pump_run(td);
		return 0;
	}
	td->pump.want_write = 0;
	/* a negative timeout polls without blocking: a pass is still due */
	n = lws_service(td->ctx, td->pump.scheduled || td->pump.after_io ?
	    -1 : 0);
	td->pump.serviced_us = now_mono_us();
	td->pump.polls_all++;
	if (n >= 0)
		pump_run(td);
	return n;
}

void
pump_finish(struct tickerd *td)
{
	td->pump.scheduled = 0;
	td->pump.after_io = 0;
	pump_moderate(td, 0);
}
