/* SPDX-License-Identifier: MIT */
/*
 * Flushing: after a batch of publishes, the pump writes the clients
 * directly (no trip through poll for POLLOUT), each at its pace: with many
 * clients, a client's ticks are held back a little to share one write
 * (ticker/pace.h).
 */

#include <sys/timerfd.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include <ticker/config.h>
#include <ticker/pace.h>

#include "clock.h"
#include "log.h"
#include "publisher_impl.h"
#include "pump.h"

#define RATE_WINDOW_US	100000		/* publish rate, for input moderation */
#define REFILL_EVERY	25	/* clients written between two refills */
#define QUIET_MIN_US	300		/* shorter holds are not worth it */

/*
 * lws may write to a client itself (the rest of a partial send, a ping, a
 * close): the pump writes only to clients with nothing of lws' pending and
 * no reply of ours queued; the others are left to WRITEABLE.
 */
static int
client_direct_ok(const struct client *c)
{
	return !c->close_code && !c->closing && c->priv_len == 0 &&
	    !lws_partial_buffered(c->wsi);
}

static void
flush_timer_arm(struct publisher *pub, int64_t at_us)
{
	struct itimerspec its;

	if (pub->timer_fd < 0 ||
	    (pub->timer_at_us != 0 && pub->timer_at_us <= at_us))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = at_us / 1000000;
	its.it_value.tv_nsec = (long)(at_us % 1000000) * 1000;
	if (timerfd_settime(pub->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		log_warnx("timerfd_settime: %s", strerror(errno));
		return;
	}
	pub->timer_at_us = at_us;
}

static void
client_flush(struct publisher *pub, struct client *c, int64_t now)
{
	if (client_write_pending(pub, c, now) < 0) {
		/* a dead socket: lws closes it on its next turn */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	if (c->cursor != pub->head)
		lws_callback_on_writable(c->wsi);	/* the rest */
}

/* Messages published per µs over the last RATE_WINDOW_US or so. */
static void
rate_update(struct publisher *pub, int64_t now)
{
	if (pub->rate_t0_us == 0) {
		pub->rate_t0_us = now;
		pub->rate_head = pub->head;
	}
	if (now - pub->rate_t0_us < RATE_WINDOW_US)
		return;
	pub->rate = (double)(pub->head - pub->rate_head) /
	    (double)(now - pub->rate_t0_us);
	pub->rate_t0_us = now;
	pub->rate_head = pub->head;
}

/*
 * Writes @c now if its pace allows (ticker/pace.h);
 * otherwise returns when it will be.  *pending: it has messages waiting.
 * INT64_MIN: @c could be written now, so new ticks must be read at once.
 * INT64_MAX: @c is lws' to write (WRITEABLE) and waits for nobody.
 */
static int64_t
client_flush_or_due(struct publisher *pub, struct client *c, int64_t now,
    int *pending)
{
	int64_t gap = pace_gap(pub), due;

	*pending = c->cursor != pub->head || c->priv_len > 0;
	if (!client_direct_ok(c)) {
		if (*pending)
			lws_callback_on_writable(c->wsi);
		return INT64_MAX;
	}
	if (!tk_pace_may_write(&c->pace, gap, now, pub->head - c->cursor))
		return tk_pace_due(&c->pace, gap);
	if (!*pending)
		return INT64_MIN;
	client_flush(pub, c, now);
	*pending = 0;
	due = tk_pace_due(&c->pace, gap);
	return due > now ? due : INT64_MIN;
}

int64_t
publisher_flush(struct publisher *pub, void (*refill)(void *), void *arg)
{
	int64_t now = now_mono_us(), next = INT64_MAX, first = INT64_MAX;
	int64_t due, quiet;
	uint64_t oldest = pub->head;	/* cursor of the most behind */
	struct client *c;
	unsigned n = 0;
	int pending;

	rate_update(pub, now);
	/* no "continue" in here: the macro's step is at its end */
	lws_start_foreach_dll(struct lws_dll2 *, d, lws_dll2_get_head(
	    &pub->clients)) {
		c = lws_container_of(d, struct client, node);
		due = client_flush_or_due(pub, c, now, &pending);
		if (due < first)
			first = due;
		if (pending && due != INT64_MIN && due < next)
			next = due;
		if (due != INT64_MAX && c->cursor < oldest)
			oldest = c->cursor;
		if (refill != NULL && ++n % REFILL_EVERY == 0) {
			refill(arg);
			now = now_mono_us();
		}
	} lws_end_foreach_dll(d);
	/*
	 * No client to pace (INT64_MAX), or one writable now: read at once.
	 * The refills may have left the first clients of the pass with ticks
	 * waiting.
	 */
	if (refill != NULL && n >= REFILL_EVERY)
		now = now_mono_us();
	quiet = first == INT64_MAX ? 0 : tk_pace_quiet_until(now, first,
	    pub->head - oldest, pub->rate, pub->coalesce_max_us,
	    QUIET_MIN_US);
	if (quiet > 0 && quiet < next)
		next = quiet;
	if (next != INT64_MAX)
		flush_timer_arm(pub, next);
	return quiet;
}

/* The coalescing timer expired: the pump flushes the clients now due. */
static int
flush_timer_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));
	uint64_t expirations;

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE || td->pub == NULL)
		return 0;
	if (read(td->pub->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_warnx("timerfd read: %s", strerror(errno));
	td->pub->timer_at_us = 0;
	pump_resume(td);
	return 0;
}

const struct lws_protocols publisher_timer_protocol = {
	"flush", flush_timer_cb, 0, 0, 0, NULL, 0
};

/*
 * Timers faster than about 20 Hz make lws' poll loop spin: it rounds the
 * wait down to whole milliseconds, wakes early and polls without blocking
 * until the timer is due (see doc/libwebsockets.md).  So the coalescing
 * timer is a timerfd on the loop instead.  Without one, every tick is
 * written at once.
 */
static void
flush_timer_open(struct publisher *pub)
{
	lws_sock_file_fd_type fd;

	pub->timer_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (pub->timer_fd < 0) {
		log_warnx("timerfd: %s; writes are not coalesced",
		    strerror(errno));
		pub->coalesce_max_us = 0;
		return;
	}
	fd.filefd = pub->timer_fd;
	if (lws_adopt_descriptor_vhost(pub->td->vh_ctl,
	    LWS_ADOPT_RAW_FILE_DESC, fd, "flush", NULL) == NULL) {
		log_warnx("cannot watch the timerfd; writes are not coalesced");
		close(pub->timer_fd);
		pub->timer_fd = -1;
		pub->coalesce_max_us = 0;
	}
}

/* clients.coalesce_ms, at start and on reload: the timer once it is needed. */
void
flush_configure(struct publisher *pub, const struct tk_config *conf)
{
	pub->coalesce_max_us = (int64_t)conf->clients.coalesce_ms * 1000;
	if (pub->coalesce_max_us > 0 && pub->timer_fd < 0)
		flush_timer_open(pub);
}
