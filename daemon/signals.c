/* SPDX-License-Identifier: MIT */
/* Signals through a signalfd watched by the loop (no async handlers). */

#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "log.h"
#include "reload.h"
#include "resolve.h"
#include "signals.h"
#include "tickerd.h"

/* The signals tickerd takes: blocked, then read from the signalfd. */
static void
handled_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static void
on_signal(struct tickerd *td, int signo)
{
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		if (td->stopping)
			return;
		log_notice("%s: stopping", strsignal(signo));
		td->stopping = 1;
		break;
	case SIGHUP:
		if (!td->stopping)
			reload_config(td);
		break;
	}
}

/* lws calls this when the signalfd is readable (a raw-file protocol). */
static int
signals_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));
	struct signalfd_siginfo si;

	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	while (read(td->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		on_signal(td, (int)si.ssi_signo);
	return 0;
}

const struct lws_protocols signals_protocol = {
	"sys", signals_cb, 0, 0, 0, NULL, 0
};

/* And the resolver's completion signal (resolve.h), read by it alone. */
void
signals_block(void)
{
	sigset_t set;

	handled_set(&set);
	sigaddset(&set, resolve_signal());
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/*
 * The signals were blocked (signals_block()) before any thread existed;
 * here they become readable events on the loop.
 */
int
signals_adopt(struct tickerd *td)
{
	lws_sock_file_fd_type fd;
	sigset_t set;

	handled_set(&set);
	td->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (td->sigfd < 0) {
		log_errx("signalfd: %s", strerror(errno));
		return -1;
	}
	fd.filefd = td->sigfd;
	if (lws_adopt_descriptor_vhost(td->vh_ctl, LWS_ADOPT_RAW_FILE_DESC, fd,
	    "sys", NULL) == NULL) {
		log_errx("cannot watch the signalfd");
		close(td->sigfd);
		td->sigfd = -1;
		return -1;
	}
	return 0;
}
