/* SPDX-License-Identifier: MIT */
/* nats.c's event-loop adapter for the lws loop (see nats_loop.h). */

#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <nats/nats.h>

#include "log.h"
#include "nats_loop.h"
#include "writable.h"

struct nats_loop {
	/* the loop's */
	struct lws_vhost	*vh;
	void			(*on_read)(void *);
	void			(*on_wake)(void *);
	void			*ud;
	struct lws		*ev_wsi;	/* watches a copy of efd */
	struct lws		*sock_wsi;	/* watches a copy of the socket */
	unsigned		 sock_gen;	/* ... of that attach */
	int			 held;
	int			 stopped;

	int			 efd;		/* nats.c's threads -> loop */

	/* what nats.c asked, under mu */
	pthread_mutex_t		 mu;
	natsConnection		*nc;		/* NULL once detached */
	int			 new_fd;	/* a copy to watch, or -1 */
	unsigned		 gen;		/* attaches so far */
	unsigned		 dropped;	/* the last attach let go */
	bool			 want_write;
};

void
nats_loop_poke(struct nats_loop *l)
{
	uint64_t one = 1;

	if (write(l->efd, &one, sizeof(one)) < 0)
		return;		/* EAGAIN: the counter is full, still readable */
}

/* ---- nats.c's side: any thread, its connection locked ---- */

static natsStatus
ev_attach(void **userData, void *loop, natsConnection *nc, natsSock sock)
{
	struct nats_loop *l = loop;
	int fd = fcntl(sock, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return NATS_SYS_ERROR;
	pthread_mutex_lock(&l->mu);
	if (l->new_fd >= 0)
		close(l->new_fd);	/* attached and lost before the loop saw */
	l->new_fd = fd;
	l->gen++;
	l->nc = nc;
	l->want_write = false;
	pthread_mutex_unlock(&l->mu);
	*userData = l;
	nats_loop_poke(l);
	return NATS_OK;
}

/* Reading is removed only when the socket is about to be closed. */
static natsStatus
ev_read(void *userData, bool add)
{
	struct nats_loop *l = userData;

	if (add)
		return NATS_OK;		/* an attached socket is always read */
	pthread_mutex_lock(&l->mu);
	l->dropped = l->gen;
	pthread_mutex_unlock(&l->mu);
	nats_loop_poke(l);
	return NATS_OK;
}

static natsStatus
ev_write(void *userData, bool add)
{
	struct nats_loop *l = userData;

	pthread_mutex_lock(&l->mu);
	l->want_write = add;
	pthread_mutex_unlock(&l->mu);
	if (add)
		nats_loop_poke(l);
	return NATS_OK;
}

static natsStatus
ev_detach(void *userData)
{
	struct nats_loop *l = userData;

	pthread_mutex_lock(&l->mu);
	l->dropped = l->gen;
	l->nc = NULL;
	l->want_write = false;
	pthread_mutex_unlock(&l->mu);
	nats_loop_poke(l);
	return NATS_OK;
}

natsStatus
nats_loop_options(struct nats_loop *l, natsOptions *o)
{
	return natsOptions_SetEventLoop(o, l, ev_attach, ev_read, ev_write,
	    ev_detach);
}

/* ---- the loop's side ---- */

static void
kill_watch(struct lws *wsi)
{
	lws_set_opaque_user_data(wsi, NULL);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void
drop_socket(struct nats_loop *l)
{
	if (l->sock_wsi == NULL)
		return;
	kill_watch(l->sock_wsi);	/* lws closes the copy */
	l->sock_wsi = NULL;
}

/* Watches @fd (a copy, closed by lws with its wsi, or here on failure). */
static struct lws *
watch_fd(struct nats_loop *l, int fd)
{
	lws_sock_file_fd_type desc;
	struct lws *wsi;

	desc.filefd = fd;
	wsi = lws_adopt_descriptor_vhost(l->vh, LWS_ADOPT_RAW_FILE_DESC, desc,
	    nats_loop_protocol.name, NULL);
	if (wsi == NULL) {
		close(fd);
		return NULL;
	}
	lws_set_opaque_user_data(wsi, l);
	return wsi;
}

static natsConnection *
attached_conn(struct nats_loop *l)
{
	natsConnection *nc;

	pthread_mutex_lock(&l->mu);
	nc = l->nc;
	pthread_mutex_unlock(&l->mu);
	return nc;
}

/* Does what nats.c asked since last time. */
static void
apply(struct nats_loop *l)
{
	unsigned gen, dropped;
	bool want_write;
	int fd;

	pthread_mutex_lock(&l->mu);
	fd = l->new_fd;
	l->new_fd = -1;
	gen = l->gen;
	dropped = l->dropped;
	want_write = l->want_write;
	pthread_mutex_unlock(&l->mu);

	if (l->sock_wsi != NULL && (dropped >= l->sock_gen || fd >= 0))
		drop_socket(l);
	if (fd >= 0 && dropped >= gen)
		close(fd);		/* lost already */
	else if (fd >= 0) {
		if ((l->sock_wsi = watch_fd(l, fd)) == NULL)
			log_warnx("nats: cannot watch its socket: %s",
			    strerror(errno));
		else if (l->held)
			lws_rx_flow_control(l->sock_wsi, 0);
		l->sock_gen = gen;
	}
	if (l->sock_wsi != NULL && want_write)
		want_writable(l->sock_wsi);
}

static void
socket_readable(struct nats_loop *l)
{
	natsConnection *nc = attached_conn(l);

	if (nc == NULL)
		return;
	natsConnection_ProcessReadEvent(nc);
	l->on_read(l->ud);
}

static void
socket_writable(struct nats_loop *l)
{
	natsConnection *nc;
	bool more;

	pthread_mutex_lock(&l->mu);
	nc = l->want_write ? l->nc : NULL;
	pthread_mutex_unlock(&l->mu);
	if (nc == NULL)
		return;
	natsConnection_ProcessWriteEvent(nc);	/* done: want_write cleared */
	pthread_mutex_lock(&l->mu);
	more = l->want_write;
	pthread_mutex_unlock(&l->mu);
	if (more && l->sock_wsi != NULL)
		want_writable(l->sock_wsi);
}

static int
nats_loop_cb(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct nats_loop *l = lws_get_opaque_user_data(wsi);
	uint64_t n;

	if (l == NULL)
		return 0;	/* let go of: being closed */
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (wsi == l->sock_wsi) {
			socket_readable(l);
			return 0;
		}
		if (read(lws_get_socket_fd(wsi), &n, sizeof(n)) < 0 &&
		    errno != EAGAIN)
			log_warnx("nats: eventfd: %s", strerror(errno));
		apply(l);
		l->on_wake(l->ud);
		return 0;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (wsi == l->sock_wsi)
			socket_writable(l);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (wsi == l->ev_wsi)
			l->ev_wsi = NULL;
		else if (wsi == l->sock_wsi) {
			/* lws saw a hang-up: nats.c finds out by reading */
			l->sock_wsi = NULL;
			socket_readable(l);
		}
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols nats_loop_protocol = {
	"nats-loop", nats_loop_cb, 0, 0, 0, NULL, 0
};

struct nats_loop *
nats_loop_new(struct lws_vhost *vh, void (*on_read)(void *),
    void (*on_wake)(void *), void *ud)
{
	struct nats_loop *l = calloc(1, sizeof(*l));
	int fd;

	if (l == NULL)
		return NULL;
	l->vh = vh;
	l->on_read = on_read;
	l->on_wake = on_wake;
	l->ud = ud;
	l->new_fd = -1;
	pthread_mutex_init(&l->mu, NULL);
	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0 || (fd = fcntl(l->efd, F_DUPFD_CLOEXEC, 0)) < 0 ||
	    (l->ev_wsi = watch_fd(l, fd)) == NULL) {
		nats_loop_free(l);
		return NULL;
	}
	return l;
}

void
nats_loop_hold(struct nats_loop *l, int hold)
{
	l->held = hold;
	if (l->sock_wsi != NULL)
		lws_rx_flow_control(l->sock_wsi, !hold);
}

size_t
nats_loop_rx_fd(const struct nats_loop *l, struct lws_pollfd *fd)
{
	if (l->sock_wsi == NULL)
		return 0;
	fd->fd = lws_get_socket_fd(l->sock_wsi);
	fd->events = LWS_POLLIN;
	fd->revents = 0;
	return fd->fd >= 0;
}

void
nats_loop_stop(struct nats_loop *l)
{
	if (l->stopped)
		return;
	l->stopped = 1;
	drop_socket(l);
	if (l->ev_wsi != NULL) {
		kill_watch(l->ev_wsi);
		l->ev_wsi = NULL;
	}
}

void
nats_loop_free(struct nats_loop *l)
{
	if (l == NULL)
		return;
	if (l->new_fd >= 0)
		close(l->new_fd);
	if (l->efd >= 0)
		close(l->efd);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
