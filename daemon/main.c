/* SPDX-License-Identifier: MIT */
/* tickerd: command line, set-up, the loop, and an orderly stop. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/merge.h>

#include "activate.h"
#include "clock.h"
#include "log.h"
#include "nats_sink.h"
#include "nats_loop.h"
#include "nats_source.h"
#include "notify.h"
#include "publisher.h"
#include "pump.h"
#include "recorder.h"
#include "reload.h"
#include "resolve.h"
#include "rest.h"
#include "signals.h"
#include "sources.h"
#include "tickerd.h"
#include "upstream.h"

#define DEFAULT_CONFIG	"/etc/tickerd/tickerd.json"
#define STOP_GRACE_US	800000	/* clients get their 1001 within this */

enum exit_code {
	EXIT_OK = 0,		/* clean stop */
	EXIT_RUNTIME = 1,	/* could not run (bind failed, ...) */
	EXIT_CONFIG = 2,	/* usage or configuration error */
};

struct options {
	const char	*config;
	const char	*record;
	int		 check_config;
	int		 verbose;
	int		 wedge_after_s;	/* test only: stall the loop */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tickerd [-c FILE] [--check-config] [--record FILE] [-v] [--version] [--help]\n"
	    "  -c, --config FILE   configuration file (default %s)\n"
	    "      --check-config  validate the configuration, print a summary, exit\n"
	    "      --record FILE   append every raw exchange frame to FILE (replayable)\n"
	    "  -v, --verbose       debug logging\n"
	    "      --version       print the version and exit\n"
	    "  -h, --help          this text\n"
	    "exit codes: 0 clean stop, 1 runtime failure, 2 usage or configuration error\n",
	    DEFAULT_CONFIG);
}

/* Returns -1 to continue, or an exit code. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "record", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		/* test only, not in --help: see tests/system */
		{ "test-wedge-after", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	o->config = DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->check_config = 1;
			break;
		case 'R':
			o->record = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'W': {
			char *end;
			long s;

			errno = 0;
			s = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    s < 0 || s > INT_MAX) {
				fprintf(stderr, "tickerd: bad --test-wedge-after "
				    "\"%s\"\n", optarg);
				return EXIT_CONFIG;
			}
			o->wedge_after_s = (int)s;
			break;
		}
		case 'V':
			printf("tickerd %s\n", TICKERD_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tickerd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}
	return -1;
}

static void
print_summary(const struct tk_config *c)
{
	size_t i, symbols = 0;

	for (i = 0; i < c->nexchanges; i++)
		symbols += c->exchanges[i].nsymbols;
	printf("%s: OK: %zu exchange%s (", c->path, c->nexchanges,
	    c->nexchanges == 1 ? "" : "s");
	for (i = 0; i < c->nexchanges; i++)
		printf("%s%s", i ? ", " : "", c->exchanges[i].name);
	printf("), %zu symbol%s; listen", symbols, symbols == 1 ? "" : "s");
	if (c->listen_tcp)
		printf(" tcp %s", c->listen_tcp);
	if (c->listen_unix)
		printf(" unix %s", c->listen_unix);
	printf("\n");
	for (i = 0; i < c->nwarnings; i++)
		fprintf(stderr, "tickerd: %s: warning: %s\n", c->path,
		    c->warnings[i]);
}

static void
merge_child_done(void *ud, struct tk_stream *child, enum tk_poll how)
{
	struct tickerd *td = ud;

	sources_stream_done(td, child);
	if (how == TK_POLL_ERROR)
		log_errx("%s: source failed: %s", tk_stream_name(child),
		    tk_stream_reason(child));
	else
		log_notice("%s: source ended", tk_stream_name(child));
}

static int
create_context(struct tickerd *td)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.user = td;
	info.max_http_header_data = 8192;
	/* lws reads at most this much per POLLIN: a held burst in one go */
	info.pt_serv_buf_size = 64 * 1024;
	td->ctx = lws_create_context(&info);
	return td->ctx ? 0 : -1;
}

static int
create_internal_vhosts(struct tickerd *td)
{
	static struct lws_protocols ctl_protocols[6];
	static struct lws_protocols client_protocols[3];
	struct lws_context_creation_info info;

	ctl_protocols[0] = signals_protocol;
	ctl_protocols[1] = resolver_protocol;
	ctl_protocols[2] = activate_protocol;
	ctl_protocols[3] = pump_timer_protocol;
	ctl_protocols[4] = nats_loop_protocol;	/* NATS sockets, eventfds */
	client_protocols[0] = upstream_protocol;
	client_protocols[1] = rest_protocol;

	memset(&info, 0, sizeof(info));
	info.vhost_name = "ctl";
	/*
	 * Not CONTEXT_PORT_NO_LISTEN_SERVER: lws binds an HTTP request to
	 * the first vhost with its connection's port, and connections
	 * adopted under socket activation come in on such a vhost.
	 */
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ctl_protocols;
	td->vh_ctl = lws_create_vhost(td->ctx, &info);

	memset(&info, 0, sizeof(info));
	info.vhost_name = "client";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.protocols = client_protocols;
	td->vh_client = lws_create_vhost(td->ctx, &info);
	return td->vh_ctl && td->vh_client ? 0 : -1;
}

/*
 * --test-wedge-after: the loop stops turning for good, as if stuck in a
 * blocking call, so that tests can see the watchdog kill it.  The stop
 * signals are blocked (they go to the signalfd), so only a kill ends it.
 */
static void
wedge_timer(lws_sorted_usec_list_t *sul)
{
	log_warnx("--test-wedge-after: the loop stops turning now");
	for (;;)
		pause();
}

static int
tickerd_setup(struct tickerd *td, const struct options *o)
{
	if (create_context(td) < 0 || create_internal_vhosts(td) < 0) {
		log_errx("cannot create the event loop");
		return -1;
	}
	notify_init(td);
	if (o->wedge_after_s > 0)
		lws_sul_schedule(td->ctx, 0, &td->sul_wedge, wedge_timer,
		    (lws_usec_t)o->wedge_after_s * LWS_US_PER_SEC);
	if (o->record != NULL &&
	    (td->recorder = recorder_open(td, o->record)) == NULL)
		return -1;
	if (signals_adopt(td) < 0)
		return -1;
	if ((td->resolver = resolver_new(td)) == NULL)
		return -1;
	if (activate_collect(td) < 0)
		return -1;
	pump_init(td);
	if ((td->pub = publisher_new(td, &td->pump.waker)) == NULL)
		return -1;
	pump_configure(td, &td->conf);
	if (publisher_listen(td->pub) < 0)
		return -1;
	/* publish.nats: before anything is published */
	if (td->conf.publish_nats != NULL &&
	    (td->nats_sink = nats_sink_new(td)) == NULL)
		return -1;
	if (activate_start(td) < 0)
		return -1;
	td->merge = tk_merge_new("merge", 64);
	if (td->merge == NULL)
		return -1;
	tk_merge_keep_open(td->merge, 1);
	tk_merge_set_done(td->merge, merge_child_done, td);
	if (sources_start(td) < 0)
		return -1;
	/* The first pass polls every source, which starts them. */
	pump_schedule(td);
	return 0;
}

static void
stop_timer(lws_sorted_usec_list_t *sul)
{
	(void)sul;	/* only wakes the loop so it sees the deadline */
}

/* Runs until SIGTERM/SIGINT, then lets clients get their close frames. */
static void
tickerd_run(struct tickerd *td)
{
	lws_sorted_usec_list_t sul;
	int stopping_seen = 0;

	memset(&sul, 0, sizeof(sul));
	while (pump_turn(td) >= 0) {
		if (!td->stopping)
			continue;
		if (!stopping_seen) {
			stopping_seen = 1;
			notify_stopping(td);
			pump_finish(td);
			sources_stop(td);
			publisher_shutdown(td->pub);
			td->stop_deadline_us = now_mono_us() + STOP_GRACE_US;
			lws_sul_schedule(td->ctx, 0, &sul, stop_timer,
			    STOP_GRACE_US);
		}
		if (publisher_clients(td->pub) == 0 ||
		    now_mono_us() >= td->stop_deadline_us)
			break;
	}
	lws_sul_cancel(&sul);
}

static void
tickerd_teardown(struct tickerd *td)
{
	if (td->ctx != NULL)
		pump_finish(td);
	sources_stop(td);
	sources_free(td);
	nats_sink_free(td->nats_sink);	/* after the sources */
	td->nats_sink = NULL;
	if (td->pub != NULL)
		publisher_shutdown(td->pub);
	recorder_close(td->recorder);
	notify_finish(td);
	activate_finish(td);
	lws_sul_cancel(&td->sul_wedge);
	if (td->ctx != NULL)
		lws_context_destroy(td->ctx);
	activate_free(td);
	tk_stream_free(td->merge);
	publisher_free(td->pub);
	resolver_free(td->resolver);
	tk_config_free(&td->conf);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct tickerd td;
	char err[TK_CONFIG_ERR_MAX];
	int rc;

	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	memset(&td, 0, sizeof(td));
	td.sigfd = -1;
	if (tk_config_load(o.config, &td.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "tickerd: %s\n", err);
		return EXIT_CONFIG;
	}
	if (o.check_config) {
		print_summary(&td.conf);
		tk_config_free(&td.conf);
		return EXIT_OK;
	}
	/* Before any thread exists, so that every thread inherits it. */
	signals_block();
	log_init(o.verbose);
	log_route_lws(o.verbose);
	td.started_us = now_realtime_us();
	td.exit_code = EXIT_OK;
	if (tickerd_setup(&td, &o) < 0)
		td.exit_code = EXIT_RUNTIME;
	else {
		log_notice("tickerd %s started with %s (%zu exchanges)",
		    TICKERD_VERSION, td.conf.path, td.conf.nexchanges);
		config_warnings_log(&td.conf);
		/* listening now; the exchanges connect in their own time */
		notify_ready(&td);
		tickerd_run(&td);
	}
	tickerd_teardown(&td);
	if (td.exit_code == EXIT_OK)
		log_notice("stopped");
	return td.exit_code;
}
