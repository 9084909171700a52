/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP: reload the configuration without dropping clients.  The new file
 * is validated first; a bad one keeps the running configuration (and the
 * service READY).  A good one is applied as a diff: unchanged exchanges
 * keep their connections, removed/changed/added ones are stopped/started.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/config.h>
#include <ticker/utf8.h>

#include "log.h"
#include "nats_sink.h"
#include "notify.h"
#include "publisher.h"
#include "pump.h"
#include "reload.h"
#include "sources.h"
#include "tickerd.h"

int
config_warning(const struct tk_config *conf, size_t i, char *buf, size_t cap)
{
	static const char prefix[] = "exchanges[";
	const char *w = conf->warnings[i], *num = w + sizeof(prefix) - 1;
	unsigned long ex;
	char *end;

	/* the loader names the exchange by its place: "exchanges[2].url" */
	if (strncmp(w, prefix, sizeof(prefix) - 1) == 0) {
		errno = 0;
		ex = strtoul(num, &end, 10);
		if (errno == 0 && end != num && *end == ']' &&
		    ex < conf->nexchanges)
			return tk_utf8_snprintf(buf, cap, "%s: %s",
			    conf->exchanges[ex].name, w);
	}
	return tk_utf8_snprintf(buf, cap, "%s", w);
}

void
config_warnings_log(const struct tk_config *conf)
{
	char buf[512];
	size_t i;

	for (i = 0; i < conf->nwarnings; i++) {
		config_warning(conf, i, buf, sizeof(buf));
		log_warnx("%s: %s", conf->path, buf);
	}
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/*
 * Moves the running value into @next: @what needs a restart to change
 * (NULL: the value does not matter, nothing to say).
 */
static void
keep_running_str(char **next, char **running, const char *what)
{
	if (what != NULL && str_differs(*next, *running))
		log_warnx("reload: %s changed (%s -> %s); a restart applies it, "
		    "still using %s", what, *running ? *running : "none",
		    *next ? *next : "none", *running ? *running : "none");
	free(*next);
	*next = *running;
	*running = NULL;
}

/*
 * Listeners stay as they are: their sockets (and the clients on them)
 * belong to the running daemon, possibly handed over by systemd.  The
 * ring's size is fixed for the same reason.
 */
static void
keep_running_listeners(struct tickerd *td, struct tk_config *next)
{
	struct tk_config *running = &td->conf;

	if (td->act != NULL) {
		/* systemd's sockets are served, whatever "listen" says */
		keep_running_str(&next->listen_tcp, &running->listen_tcp, NULL);
		keep_running_str(&next->listen_unix, &running->listen_unix,
		    NULL);
	} else {
		keep_running_str(&next->listen_tcp, &running->listen_tcp,
		    "listen.tcp");
		keep_running_str(&next->listen_unix, &running->listen_unix,
		    "listen.unix");
	}
	if (next->clients.queue_ticks != running->clients.queue_ticks) {
		log_warnx("reload: clients.queue_ticks changed (%zu -> %zu); a "
		    "restart applies it", running->clients.queue_ticks,
		    next->clients.queue_ticks);
		next->clients.queue_ticks = running->clients.queue_ticks;
	}
}

void
reload_config(struct tickerd *td)
{
	struct tk_config next, old;
	char err[TK_CONFIG_ERR_MAX];

	notify_reloading(td);
	log_notice("reloading %s", td->conf.path);
	if (tk_config_load(td->conf.path, &next, err, sizeof(err)) < 0) {
		log_errx("reload failed, keeping the running configuration: %s",
		    err);
		notify_ready(td);
		return;
	}
	keep_running_listeners(td, &next);
	nats_sink_reload(td->nats_sink, &next);
	if (publisher_reconfigure(td->pub, &next) < 0) {
		log_errx("reload failed, keeping the running configuration: out "
		    "of memory");
		tk_config_free(&next);
		notify_ready(td);
		return;
	}
	pump_configure(td, &next);
	if (sources_apply(td, &next) < 0)
		log_errx("reload: some exchanges could not start (see above)");
	old = td->conf;
	td->conf = next;
	tk_config_free(&old);
	log_notice("reloaded %s: %zu exchanges", td->conf.path,
	    td->conf.nexchanges);
	config_warnings_log(&td->conf);
	notify_ready(td);
}
