/* SPDX-License-Identifier: MIT */
/*
 * Asynchronous DNS with getaddrinfo_a(), completions announced by a
 * realtime signal that every thread blocks and the loop reads from a
 * signalfd.  Not SIGEV_THREAD: glibc runs that notification on a new
 * thread with every signal unblocked, and a SIGTERM that the kernel hands
 * to it is lost (PID 1 in a container) or kills the process on the spot.
 */

#include <sys/signalfd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "log.h"
#include "resolve.h"
#include "tickerd.h"

struct resolve_req {
	struct resolve_req	*next;
	struct resolver		*res;
	struct gaicb		 gai;
	struct addrinfo		 hints;
	char			*host;
	resolve_cb		*cb;	/* NULL once cancelled */
	void			*ud;
};

struct resolver {
	struct tickerd		*td;
	int			 sfd;	/* signalfd of resolve_signal() */
	struct lws		*wsi;	/* the adopted signalfd */
	struct resolve_req	*pending;
};

int
resolve_signal(void)
{
	return SIGRTMIN + 1;
}

static int
numeric_text(const struct addrinfo *ai, char *buf, size_t cap)
{
	const void *a;

	if (ai->ai_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)
		    ai->ai_addr)->sin_addr;
	else if (ai->ai_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)
		    ai->ai_addr)->sin6_addr;
	else
		return -EAFNOSUPPORT;
	return inet_ntop(ai->ai_family, a, buf, (socklen_t)cap) ? 0 : -errno;
}

static void
req_free(struct resolve_req *r)
{
	if (r->gai.ar_result != NULL)
		freeaddrinfo(r->gai.ar_result);
	free(r->host);
	free(r);
}

static void
req_finish(struct resolve_req *r, int rc)
{
	char addr[INET6_ADDRSTRLEN];

	if (r->cb == NULL)
		return;
	if (rc != 0)
		r->cb(r->ud, NULL, gai_strerror(rc));
	else if (numeric_text(r->gai.ar_result, addr, sizeof(addr)) < 0)
		r->cb(r->ud, NULL, "no usable address");
	else
		r->cb(r->ud, addr, NULL);
}

/*
 * A completion was signalled: complete every finished request (signals of
 * several may have merged, or one been refused by a full queue).
 */
static void
resolver_drain(struct resolver *res)
{
	struct resolve_req **pp = &res->pending, *r;
	struct signalfd_siginfo si;
	int rc;

	while (read(res->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	while ((r = *pp) != NULL) {
		rc = gai_error(&r->gai);
		if (rc == EAI_INPROGRESS) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		req_finish(r, rc);
		req_free(r);
	}
}

static int
resolver_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct resolver *res = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (res != NULL)
			resolver_drain(res);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (res != NULL)
			res->wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols resolver_protocol = {
	"resolver", resolver_cb, 0, 0, 0, NULL, 0
};

struct resolver *
resolver_new(struct tickerd *td)
{
	struct resolver *res;
	lws_sock_file_fd_type fd;
	sigset_t set;

	res = calloc(1, sizeof(*res));
	if (res == NULL)
		return NULL;
	res->td = td;
	sigemptyset(&set);
	sigaddset(&set, resolve_signal());
	res->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (res->sfd < 0) {
		log_errx("resolver signalfd: %s", strerror(errno));
		free(res);
		return NULL;
	}
	fd.filefd = res->sfd;
	res->wsi = lws_adopt_descriptor_vhost(td->vh_ctl,
	    LWS_ADOPT_RAW_FILE_DESC, fd, "resolver", NULL);
	if (res->wsi == NULL) {
		log_errx("cannot watch the resolver signalfd");
		close(res->sfd);
		free(res);
		return NULL;
	}
	lws_set_opaque_user_data(res->wsi, res);
	return res;
}

/*
 * Requests glibc cannot cancel are waited for (briefly): their memory is
 * still in use by its thread.
 */
void
resolver_free(struct resolver *res)
{
	struct resolve_req *r, *next;
	const struct gaicb *list[1];
	struct timespec ts = { 2, 0 };

	if (res == NULL)
		return;
	for (r = res->pending; r != NULL; r = next) {
		next = r->next;
		if (gai_cancel(&r->gai) == EAI_NOTCANCELED) {
			list[0] = &r->gai;
			while (gai_error(&r->gai) == EAI_INPROGRESS &&
			    gai_suspend(list, 1, &ts) == 0)
				;
		}
		if (gai_error(&r->gai) != EAI_INPROGRESS)
			req_free(r);
	}
	if (res->wsi != NULL)
		lws_set_opaque_user_data(res->wsi, NULL);
	/* The adopted signalfd is closed by lws with its wsi. */
	free(res);
}

static int
resolve_numeric(const char *host, resolve_cb *cb, void *ud)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1) {
		cb(ud, host, NULL);
		return 1;
	}
	return 0;
}

struct resolve_req *
resolve_start(struct resolver *res, const char *host, resolve_cb *cb,
    void *ud)
{
	struct gaicb *list[1];
	struct sigevent sev;
	struct resolve_req *r;
	int rc;

	if (resolve_numeric(host, cb, ud))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->host = strdup(host)) == NULL) {
		free(r);
		cb(ud, NULL, "out of memory");
		return NULL;
	}
	r->res = res;
	r->cb = cb;
	r->ud = ud;
	r->hints.ai_family = AF_UNSPEC;
	r->hints.ai_socktype = SOCK_STREAM;
	r->hints.ai_flags = AI_ADDRCONFIG;
	r->gai.ar_name = r->host;
	r->gai.ar_request = &r->hints;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = resolve_signal();
	sev.sigev_value.sival_ptr = res;
	list[0] = &r->gai;
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
	if (rc != 0) {
		cb(ud, NULL, gai_strerror(rc));
		req_free(r);
		return NULL;
	}
	r->next = res->pending;
	res->pending = r;
	return r;
}

void
resolve_cancel(struct resolve_req *r)
{
	if (r != NULL)
		r->cb = NULL;
}
