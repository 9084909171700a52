/* SPDX-License-Identifier: MIT */
/* Socket activation: accept on systemd's listening fds, adopt into lws. */

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <libwebsockets.h>

#include "activate.h"
#include "log.h"
#include "publisher.h"
#include "tickerd.h"

#define LISTEN_MAX	16
#define ACCEPT_BURST	64		/* then let the loop do other work */
#define PAUSE_US	(250 * 1000)	/* out of fds: retry accepting after */

struct listener {
	int		 fd;
	int		 inet;		/* TCP (else unix) */
	int		 paused;	/* POLLIN off */
	int		 starved;	/* out of fds; logged once per episode */
	struct lws	*wsi;		/* the fd, adopted as a raw file */
	char		 desc[160];	/* for the log: address and name */
};

struct activation {
	struct tickerd		*td;
	struct listener		 l[LISTEN_MAX];
	size_t			 n;
	lws_sorted_usec_list_t	 sul_resume;
};

static void
describe(struct listener *l, int fd, const char *name)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	char where[128] = "?";

	/* An abstract name is not NUL-terminated: zeroes end it. */
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
			snprintf(where, sizeof(where), "tcp %s:%u", addr,
			    ntohs(sin->sin_port));
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
			snprintf(where, sizeof(where), "tcp [%s]:%u", addr,
			    ntohs(s6->sin6_port));
		} else if (ss.ss_family == AF_UNIX) {
			struct sockaddr_un *un = (struct sockaddr_un *)&ss;

			/* abstract names start with NUL: show them as @ */
			snprintf(where, sizeof(where), "unix %s%.100s",
			    un->sun_path[0] ? "" : "@", un->sun_path[0] ?
			    un->sun_path : un->sun_path + 1);
		}
	}
	snprintf(l->desc, sizeof(l->desc), "%s (fd %d \"%s\")", where, fd,
	    name ? name : "");
}

/* Only listening stream sockets can be served; anything else is refused. */
static int
listener_add(struct activation *act, int fd, const char *name)
{
	struct listener *l;
	int inet;

	if (sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) > 0)
		inet = 1;
	else if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0)
		inet = 0;
	else {
		log_warnx("socket activation: fd %d (\"%s\") is not a "
		    "listening stream socket; closed", fd, name ? name : "");
		return -EINVAL;
	}
	if (act->n == LISTEN_MAX) {
		log_warnx("socket activation: more than %d sockets; fd %d "
		    "closed", LISTEN_MAX, fd);
		return -E2BIG;
	}
	l = &act->l[act->n++];
	l->fd = fd;
	l->inet = inet;
	/* systemd hands them over inheritable; nothing we run needs them */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	describe(l, fd, name);
	return 0;
}

static void
free_names(char **names)
{
	char **p;

	if (names == NULL)
		return;
	for (p = names; *p != NULL; p++)
		free(*p);
	free(names);
}

int
activate_collect(struct tickerd *td)
{
	struct activation *act;
	char **names = NULL;
	int i, n;

	td->act = NULL;
	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0) {
		if (n < 0)
			log_errx("socket activation: LISTEN_FDS: %s",
			    strerror(-n));
		free_names(names);
		return n;
	}
	act = calloc(1, sizeof(*act));
	if (act == NULL) {
		free_names(names);
		log_errx("socket activation: out of memory");
		return -ENOMEM;
	}
	act->td = td;
	for (i = 0; i < n; i++) {
		if (listener_add(act, SD_LISTEN_FDS_START + i,
		    names ? names[i] : NULL) < 0)
			close(SD_LISTEN_FDS_START + i);
	}
	free_names(names);
	if (act->n == 0) {
		log_errx("socket activation: none of the %d sockets systemd "
		    "passed can be served", n);
		free(act);
		return -EINVAL;
	}
	td->act = act;
	log_notice("socket activation: serving on %zu socket%s from systemd; "
	    "\"listen\" in %s is ignored", act->n, act->n == 1 ? "" : "s",
	    td->conf.path);
	return 0;
}

static void
listener_pause(struct listener *l, int pause)
{
	if (l->wsi == NULL || l->paused == pause)
		return;
	l->paused = pause;
	lws_rx_flow_control(l->wsi, !pause);
}

static void
resume_timer(lws_sorted_usec_list_t *sul)
{
	struct activation *act = lws_container_of(sul, struct activation,
	    sul_resume);
	size_t i;

	if (act->td->stopping)
		return;
	for (i = 0; i < act->n; i++)
		listener_pause(&act->l[i], 0);
}

/*
 * Out of fds (or kernel memory): the pending connection stays in the
 * backlog, so stop polling the socket for a moment instead of spinning.
 */
static void
accept_starved(struct activation *act, struct listener *l, int err)
{
	if (!l->starved)
		log_warnx("accept on %s: %s; retrying every %d ms", l->desc,
		    strerror(err), PAUSE_US / 1000);
	l->starved = 1;
	listener_pause(l, 1);
	lws_sul_schedule(act->td->ctx, 0, &act->sul_resume, resume_timer,
	    PAUSE_US);
}

static void
accept_one(struct activation *act, struct listener *l, int fd)
{
	struct lws_vhost *vh = publisher_activated_vhost(act->td->pub);
	int one = 1;

	if (l->starved)
		log_notice("accept on %s works again", l->desc);
	l->starved = 0;
	/*
	 * The connection cap, as lws' own listeners apply it in
	 * LWS_CALLBACK_FILTER_NETWORK_CONNECTION, which adopted sockets skip.
	 */
	if (publisher_admit(act->td->pub) < 0) {
		close(fd);
		return;
	}
	/* lws' own listeners set this; the adopt path does not */
	if (l->inet && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) < 0)
		log_debug("TCP_NODELAY: %s", strerror(errno));
	/* on failure lws has closed @fd already */
	if (lws_adopt_socket_vhost(vh, fd) == NULL)
		log_warnx("accept on %s: cannot adopt the connection",
		    l->desc);
}

static void
accept_burst(struct activation *act, struct listener *l)
{
	int i, fd;

	for (i = 0; i < ACCEPT_BURST; i++) {
		/*
		 * Stopping: connections wait in the backlog, which systemd
		 * keeps, for the next start instead of being refused.
		 */
		if (act->td->stopping) {
			listener_pause(l, 1);
			return;
		}
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(act, l, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		default:
			accept_starved(act, l, errno);
			return;
		}
	}
}

static int
activate_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct tickerd *td = lws_context_user(lws_get_context(wsi));
	struct listener *l = lws_get_opaque_user_data(wsi);

	if (td->act == NULL || l == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		accept_burst(td->act, l);
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		l->wsi = NULL;	/* lws closed the fd (context destroy) */
		break;
	default:
		break;
	}
	return 0;
}

const struct lws_protocols activate_protocol = {
	"tickerd-listen", activate_cb, 0, 0, 0, NULL, 0
};

int
activate_start(struct tickerd *td)
{
	struct activation *act = td->act;
	lws_sock_file_fd_type u;
	struct listener *l;
	size_t i;

	if (act == NULL)
		return 0;
	for (i = 0; i < act->n; i++) {
		l = &act->l[i];
		u.filefd = l->fd;
		l->wsi = lws_adopt_descriptor_vhost(td->vh_ctl,
		    LWS_ADOPT_RAW_FILE_DESC, u, activate_protocol.name, NULL);
		if (l->wsi == NULL) {
			log_errx("socket activation: cannot watch %s", l->desc);
			return -ENOMEM;
		}
		lws_set_opaque_user_data(l->wsi, l);
		log_notice("listening on %s", l->desc);
	}
	return 0;
}

void
activate_finish(struct tickerd *td)
{
	if (td->act != NULL)
		lws_sul_cancel(&td->act->sul_resume);
}

void
activate_free(struct tickerd *td)
{
	free(td->act);
	td->act = NULL;
}
