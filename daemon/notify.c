/* SPDX-License-Identifier: MIT */
/* sd_notify: readiness, reload and stop, STATUS= and the watchdog. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include <libwebsockets.h>

#include <ticker/state.h>

#include "clock.h"
#include "log.h"
#include "notify.h"
#include "publisher.h"
#include "sources.h"
#include "tickerd.h"

#define STATUS_US	(5 * LWS_US_PER_SEC)	/* STATUS= refresh period */
#define STATUS_MAX	160

static void
send_state(struct tickerd *td, const char *state)
{
	int rc;

	if (!td->notify.enabled)
		return;
	rc = sd_notify(0, state);
	if (rc < 0)
		log_warnx("sd_notify: %s", strerror(-rc));
}

/* Up means connected, as /health says. */
static void
count_exchanges(const struct tickerd *td, unsigned *up, unsigned *total)
{
	const struct source *s;

	*up = *total = 0;
	for (s = td->sources; s != NULL; s = s->next) {
		(*total)++;
		if (source_state(s) == TK_STATE_CONNECTED)
			(*up)++;
	}
}

/* The rate over the last refresh period, so it reads as "now". */
static void
update_rate(struct tickerd *td)
{
	struct notify *n = &td->notify;
	uint64_t ticks = td->pub ? publisher_stats(td->pub)->ticks : 0;
	int64_t now = now_mono_us();

	if (n->rate_us != 0 && now > n->rate_us)
		n->ticks_per_s = (double)(ticks - n->rate_ticks) * 1e6 /
		    (double)(now - n->rate_us);
	n->rate_ticks = ticks;
	n->rate_us = now;
}

static void
send_status(struct tickerd *td, const char *prefix)
{
	char msg[STATUS_MAX + 32];
	unsigned up, total;

	count_exchanges(td, &up, &total);
	snprintf(msg, sizeof(msg), "%sSTATUS=%u/%u exchanges up, %u clients, "
	    "%.0f ticks/s", prefix, up, total,
	    td->pub ? publisher_clients(td->pub) : 0, td->notify.ticks_per_s);
	send_state(td, msg);
}

static void
status_timer(lws_sorted_usec_list_t *sul)
{
	struct tickerd *td = lws_container_of(sul, struct tickerd,
	    notify.sul_status);

	update_rate(td);
	send_status(td, "");
	lws_sul_schedule(td->ctx, 0, sul, status_timer, STATUS_US);
}

/*
 * The ping rides on the loop: if the loop stops turning, so do the pings,
 * and the manager kills and restarts the service.
 */
static void
watchdog_timer(lws_sorted_usec_list_t *sul)
{
	struct tickerd *td = lws_container_of(sul, struct tickerd,
	    notify.sul_watchdog);

	send_state(td, "WATCHDOG=1");
	lws_sul_schedule(td->ctx, 0, sul, watchdog_timer,
	    (lws_usec_t)(td->notify.watchdog_us / 2));
}

void
notify_init(struct tickerd *td)
{
	struct notify *n = &td->notify;
	uint64_t usec = 0;
	int rc;

	memset(n, 0, sizeof(*n));
	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	n->enabled = 1;
	n->rate_us = now_mono_us();
	/* > 0 only when WATCHDOG_PID, if set, names this process */
	rc = sd_watchdog_enabled(0, &usec);
	if (rc < 0)
		log_warnx("watchdog settings: %s", strerror(-rc));
	else if (rc > 0 && usec > 0) {
		n->watchdog_us = usec;
		log_info("watchdog: ping every %llu ms",
		    (unsigned long long)(usec / 2000));
		watchdog_timer(&n->sul_watchdog);
	}
	lws_sul_schedule(td->ctx, 0, &n->sul_status, status_timer, STATUS_US);
}

void
notify_ready(struct tickerd *td)
{
	send_status(td, "READY=1\n");
}

void
notify_reloading(struct tickerd *td)
{
	send_state(td, "RELOADING=1\nSTATUS=reloading the configuration");
}

void
notify_stopping(struct tickerd *td)
{
	lws_sul_cancel(&td->notify.sul_status);
	send_state(td, "STOPPING=1\nSTATUS=stopping");
}

void
notify_finish(struct tickerd *td)
{
	lws_sul_cancel(&td->notify.sul_status);
	lws_sul_cancel(&td->notify.sul_watchdog);
}
