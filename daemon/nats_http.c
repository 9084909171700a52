/* SPDX-License-Identifier: MIT */
/* /health and /metrics for the NATS sink and sources (see nats_http.h). */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/state.h>
#include <ticker/tick.h>

#include "clock.h"
#include "nats_conn.h"
#include "nats_http.h"
#include "nats_sink.h"
#include "nats_source.h"
#include "publisher.h"
#include "sources.h"
#include "tickerd.h"

/* A growable string; on OOM it is dropped whole (NULL). */
struct text {
	char	*buf;
	size_t	 len, cap;
	int	 oom;
};

static void put(struct text *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *p;
	int n;

	for (;;) {
		if (t->oom)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->buf != NULL ? t->buf + t->len : NULL,
		    t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf != NULL && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		for (cap = t->cap ? t->cap : 2048; cap < t->len + (size_t)n + 1;)
			cap *= 2;
		if ((p = realloc(t->buf, cap)) == NULL) {
			t->oom = 1;
			return;
		}
		t->buf = p;
		t->cap = cap;
	}
}

static char *
done(struct text *t)
{
	if (t->oom || t->len == 0) {
		free(t->buf);
		return NULL;
	}
	return t->buf;
}

static void
head(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *
nats_http_health(struct tickerd *td)
{
	int64_t now = now_realtime_us();
	const struct source *s;
	struct pub_ex_stats ps;
	enum tk_state state;
	const char *name;
	char esc[TK_NAME_MAX * 6];
	struct text t = { 0 };
	size_t i;
	int n;

	for (s = td->sources; s != NULL; s = s->next) {
		for (i = 0; s->nats != NULL && nats_source_origin(s->nats, i,
		    &name, &state) == 0; i++) {
			n = tk_json_escape(name, strlen(name), esc,
			    sizeof(esc));
			memset(&ps, 0, sizeof(ps));
			publisher_exchange_stats(td->pub, name, &ps);
			put(&t, ",{\"name\":\"%.*s\",\"adapter\":\"nats\","
			    "\"via\":\"%s\",\"state\":\"%s\","
			    "\"last_tick_age_s\":", n > 0 ? n : 0, esc,
			    s->conf->name, tk_state_name(state));
			if (ps.last_tick_us > 0)
				put(&t, "%.3f", (double)(now - ps.last_tick_us)
				    / 1e6);
			else
				put(&t, "null");
			put(&t, ",\"reconnects\":0,\"ticks\":%" PRIu64 "}",
			    ps.ticks[TK_TICK_TRADE] + ps.ticks[TK_TICK_QUOTE]);
		}
	}
	return done(&t);
}

static void
states(struct text *t, const char *labels, const char *state)
{
	int i;

	for (i = 0; i < NATS_STATE_MAX; i++)
		put(t, "tickerd_nats_connection_state{%sstate=\"%s\"} %d\n",
		    labels, nats_state_name(i),
		    strcmp(state, nats_state_name(i)) == 0);
}

static void
sink_metrics(struct text *t, const struct nats_sink *sink)
{
	struct nats_sink_stats st;

	nats_sink_get_stats(sink, &st);
	head(t, "tickerd_nats_published_total", "counter",
	    "Messages handed to NATS for the stream.");
	put(t, "tickerd_nats_published_total %" PRIu64 "\n", st.published);
	head(t, "tickerd_nats_acked_total", "counter",
	    "Publishes the stream acknowledged (stored, or stored already).");
	put(t, "tickerd_nats_acked_total %" PRIu64 "\n", st.acked);
	head(t, "tickerd_nats_duplicates_total", "counter",
	    "Acknowledged as a duplicate: another host or a resend had "
	    "stored it.");
	put(t, "tickerd_nats_duplicates_total %" PRIu64 "\n", st.duplicates);
	head(t, "tickerd_nats_retries_total", "counter",
	    "Publishes sent again with the same Nats-Msg-Id.");
	put(t, "tickerd_nats_retries_total %" PRIu64 "\n", st.retries);
	head(t, "tickerd_nats_dropped_total", "counter",
	    "Messages not published: queue full, NATS down or no stream, "
	    "refused, or retried until the duplicate window ran out.");
	put(t, "tickerd_nats_dropped_total{reason=\"queue_full\"} %" PRIu64
	    "\n", st.dropped_full);
	put(t, "tickerd_nats_dropped_total{reason=\"nats_down\"} %" PRIu64
	    "\n", st.dropped_down);
	put(t, "tickerd_nats_dropped_total{reason=\"error\"} %" PRIu64 "\n",
	    st.dropped_error);
	put(t, "tickerd_nats_dropped_total{reason=\"expired\"} %" PRIu64 "\n",
	    st.expired);
	head(t, "tickerd_nats_pending", "gauge",
	    "Publishes awaiting their acknowledgment.");
	put(t, "tickerd_nats_pending %" PRIu64 "\n", st.pending);
	head(t, "tickerd_nats_stream_ready", "gauge",
	    "1 once the stream was found or created.");
	put(t, "tickerd_nats_stream_ready %d\n", st.ready);
}

static void
source_metrics(struct text *t, const struct tickerd *td)
{
	static const struct {
		const char	*name, *type, *help;
		size_t		 off;
	} m[] = {
#define M(n, ty, h, f) { "tickerd_nats_source_" n, ty, h, \
	offsetof(struct nats_source_stats, f) }
		M("received_total", "counter", "Messages read from the "
		    "stream.", received),
		M("ticks_total", "counter", "Ticks handed to the merge "
		    "(the start snapshot included).", delivered),
		M("snapshot_ticks_total", "counter", "Ticks of the start "
		    "snapshot (the stream's last per subject).", snapshot),
		M("missed_total", "counter", "Stream messages skipped "
		    "because the stream no longer held them.", missed),
		M("parse_errors_total", "counter", "Messages that were "
		    "not a tick or status.", parse_errors),
		M("filtered_total", "counter", "Ticks of symbols or "
		    "types this source does not take.", filtered),
		M("stale_quotes_total", "counter", "Quotes older than one "
		    "already delivered (a publisher's resend).", stale_quotes),
		M("sequence", "gauge", "Last stream sequence delivered.",
		    sequence),
		M("lag_messages", "gauge", "Stream messages after the last "
		    "one delivered (edge lag).", lag),
#undef M
	};
	struct nats_source_stats st;
	const struct source *s;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		head(t, m[i].name, m[i].type, m[i].help);
		for (s = td->sources; s != NULL; s = s->next) {
			if (s->nats == NULL)
				continue;
			nats_source_get_stats(s->nats, &st);
			put(t, "%s{exchange=\"%s\"} %" PRIu64 "\n", m[i].name,
			    s->conf->name, *(const uint64_t *)(const void *)
			    ((const char *)&st + m[i].off));
		}
	}
}

static void
link_metrics(struct text *t, const struct tickerd *td)
{
	struct nats_source_stats ss;
	struct nats_sink_stats ks;
	const struct source *s;
	char labels[80];

	head(t, "tickerd_nats_connection_state", "gauge",
	    "1 for the state each NATS connection is in.");
	if (td->nats_sink != NULL) {
		nats_sink_get_stats(td->nats_sink, &ks);
		states(t, "role=\"publish\",", ks.state);
	}
	for (s = td->sources; s != NULL; s = s->next) {
		if (s->nats == NULL)
			continue;
		nats_source_get_stats(s->nats, &ss);
		snprintf(labels, sizeof(labels), "role=\"source\","
		    "exchange=\"%s\",", s->conf->name);
		states(t, labels, ss.state);
	}
	head(t, "tickerd_nats_reconnects_total", "counter",
	    "NATS connections lost and regained.");
	if (td->nats_sink != NULL)
		put(t, "tickerd_nats_reconnects_total{role=\"publish\"} %"
		    PRIu64 "\n", ks.reconnects);
	for (s = td->sources; s != NULL; s = s->next) {
		if (s->nats == NULL)
			continue;
		nats_source_get_stats(s->nats, &ss);
		put(t, "tickerd_nats_reconnects_total{role=\"source\","
		    "exchange=\"%s\"} %" PRIu64 "\n", s->conf->name,
		    ss.reconnects);
	}
}

char *
nats_http_metrics(struct tickerd *td)
{
	struct text t = { 0 };
	const struct source *s;
	int sources = 0;

	for (s = td->sources; s != NULL; s = s->next)
		sources += s->nats != NULL;
	if (td->nats_sink == NULL && sources == 0)
		return NULL;
	if (td->nats_sink != NULL)
		sink_metrics(&t, td->nats_sink);
	if (sources > 0)
		source_metrics(&t, td);
	link_metrics(&t, td);
	return done(&t);
}
