/* SPDX-License-Identifier: MIT */
/* A NATS connection with tickerd's reconnect policy (see nats_conn.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include <ticker/backoff.h>

#include "nats_conn.h"
#include "nats_loop.h"

#define CONNECT_TIMEOUT_MS	2000
#define PING_INTERVAL_MS	2000	/* a silent server is dropped after */
#define PINGS_OUT_MAX		3	/* ... about 6 s */
#define CLOSE_WAIT_MS		2000

/* Between rounds over all the servers: 100 ms, doubling up to 5 s. */
static const struct tk_backoff reconnect_policy = {
	.min_ms = 100,
	.base_ms = 200,
	.cap_ms = 5000,
};

struct deferred {
	struct deferred	*next;
	void		(*fn)(void *);
	void		*p;
};

static unsigned lib_users;
static struct deferred *deferred;

static const char *const state_names[NATS_STATE_MAX] = {
	[NATS_STATE_CONNECTING] = "connecting",
	[NATS_STATE_CONNECTED] = "connected",
	[NATS_STATE_RECONNECTING] = "reconnecting",
	[NATS_STATE_CLOSED] = "closed",
};

const char *
nats_state_name(int state)
{
	return state >= 0 && state < NATS_STATE_MAX ? state_names[state] :
	    "?";
}

static void
set_state(struct nats_conn *c, enum nats_state st)
{
	atomic_store(&c->state, (int)st);
	if (c->changed != NULL)
		c->changed(c->ud);
}

static void
on_connected(natsConnection *nc, void *ud)
{
	set_state(ud, NATS_STATE_CONNECTED);
}

static void
on_disconnected(natsConnection *nc, void *ud)
{
	struct nats_conn *c = ud;

	/* closing also disconnects: that is not a reconnect */
	if (atomic_load(&c->state) != NATS_STATE_CLOSED)
		set_state(c, NATS_STATE_RECONNECTING);
}

static void
on_reconnected(natsConnection *nc, void *ud)
{
	struct nats_conn *c = ud;

	atomic_fetch_add(&c->reconnects, 1);
	set_state(c, NATS_STATE_CONNECTED);
}

static void
on_closed(natsConnection *nc, void *ud)
{
	set_state(ud, NATS_STATE_CLOSED);
}

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
    void *ud)
{
	struct nats_conn *c = ud;

	atomic_fetch_add(&c->async_errors, 1);
	if (c->changed != NULL)
		c->changed(c->ud);
}

/* Called after a whole round over the servers failed. */
static int64_t
reconnect_delay(natsConnection *nc, int attempts, void *ud)
{
	struct nats_conn *c = ud;
	struct tk_backoff b = reconnect_policy;

	b.attempt = attempts > 0 ? (uint32_t)attempts - 1 : 0;
	if (b.attempt > 16)
		b.attempt = 16;
	return (int64_t)tk_backoff_next(&b, tk_rand_next(&c->rnd));
}

static natsStatus
options(natsOptions **out, struct nats_conn *c, const char *name,
    char *const *servers, size_t nservers, int reconnect_buf)
{
	natsOptions *o = NULL;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, (const char **)servers,
		    (int)nservers);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, name);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, CONNECT_TIMEOUT_MS);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(o, true, on_connected,
		    c);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetCustomReconnectDelay(o, reconnect_delay, c);
	if (s == NATS_OK && reconnect_buf > 0)
		s = natsOptions_SetReconnectBufSize(o, reconnect_buf);
	if (s == NATS_OK && c->send_asap)
		s = natsOptions_SetSendAsap(o, true);
	if (s == NATS_OK && c->loop != NULL)
		s = nats_loop_options(c->loop, o);
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(o, PING_INTERVAL_MS);
	if (s == NATS_OK)
		s = natsOptions_SetMaxPingsOut(o, PINGS_OUT_MAX);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, c);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, c);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, c);
	if (s == NATS_OK)
		s = natsOptions_SetErrorHandler(o, on_error, c);
	if (s != NATS_OK) {
		natsOptions_Destroy(o);
		return s;
	}
	*out = o;
	return NATS_OK;
}

int
nats_conn_open(struct nats_conn *c, const char *name, char *const *servers,
    size_t nservers, int reconnect_buf, char *err, size_t errlen)
{
	natsOptions *o = NULL;
	natsStatus s;

	c->rnd = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
	atomic_store(&c->state, NATS_STATE_CONNECTING);
	s = options(&o, c, name, servers, nservers, reconnect_buf);
	if (s == NATS_OK) {
		s = natsConnection_Connect(&c->nc, o);
		natsOptions_Destroy(o);	/* the connection keeps a copy */
	}
	if (s == NATS_OK) {
		set_state(c, NATS_STATE_CONNECTED);
		return 0;
	}
	if (s == NATS_NOT_YET_CONNECTED && c->nc != NULL)
		return 0;	/* on_connected() will say when */
	snprintf(err, errlen, "%s", nats_GetLastError(NULL) != NULL ?
	    nats_GetLastError(NULL) : natsStatus_GetText(s));
	c->nc = NULL;
	return -1;
}

void
nats_conn_close(struct nats_conn *c)
{
	if (c->nc == NULL)
		return;
	atomic_store(&c->state, NATS_STATE_CLOSED);
	natsConnection_Close(c->nc);
	natsConnection_Destroy(c->nc);
	c->nc = NULL;
}

void
nats_lib_hold(void)
{
	lib_users++;
}

void
nats_lib_release(void)
{
	struct deferred *d;

	if (lib_users == 0 || --lib_users > 0)
		return;
	/* every connection, context and subscription is destroyed by now */
	if (nats_CloseAndWait(CLOSE_WAIT_MS) != NATS_OK)
		return;		/* a thread still runs: keep what it may use */
	while ((d = deferred) != NULL) {
		deferred = d->next;
		d->fn(d->p);
		free(d);
	}
}

void
nats_lib_defer(void (*fn)(void *), void *p)
{
	struct deferred *d = malloc(sizeof(*d));

	if (d == NULL) {
		/* better a leak than a use after free */
		return;
	}
	d->fn = fn;
	d->p = p;
	d->next = deferred;
	deferred = d;
}
