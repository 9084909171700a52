/* SPDX-License-Identifier: MIT */
/* /metrics for the NATS sink and sources (see nats_http.h). */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ticker/config.h>

#include "nats_conn.h"
#include "nats_http.h"
#include "nats_sink.h"
#include "nats_source.h"
#include "sbuf.h"
#include "sources.h"
#include "tickerd.h"

/* A counter or gauge read from a uint64_t of a stats struct. */
struct family {
	const char	*name, *type, *help;
	size_t		 off;
};

#define FAMILY(n, ty, h, f) { "tickerd_nats_" n, ty, h, \
	offsetof(struct nats_sink_stats, f) }

/* The sink's, without labels (tickerd_nats_dropped_total has some). */
static const struct family sink_families[] = {
	FAMILY("published_total", "counter", "Messages handed to NATS for the "
	    "stream.", published),
	FAMILY("acked_total", "counter", "Publishes the stream acknowledged "
	    "(stored, or stored already).", acked),
	FAMILY("duplicates_total", "counter", "Acknowledged as a duplicate: "
	    "another host or a resend had stored it.", duplicates),
	FAMILY("retries_total", "counter", "Publishes sent again with the "
	    "same Nats-Msg-Id.", retries),
	FAMILY("pending", "gauge", "Publishes awaiting their acknowledgment.",
	    pending),
};

#undef FAMILY
#define FAMILY(n, ty, h, f) { "tickerd_nats_source_" n, ty, h, \
	offsetof(struct nats_source_stats, f) }

/* Each NATS source's, labelled with its exchange name. */
static const struct family source_families[] = {
	FAMILY("received_total", "counter", "Messages read from the stream.",
	    received),
	FAMILY("ticks_total", "counter", "Ticks handed to the merge (the start "
	    "snapshot included).", delivered),
	FAMILY("snapshot_ticks_total", "counter", "Ticks of the start "
	    "snapshot (the stream's last per subject).", snapshot),
	FAMILY("missed_total", "counter", "Stream messages skipped because "
	    "the stream no longer held them.", missed),
	FAMILY("parse_errors_total", "counter", "Messages that were not a "
	    "tick or status.", parse_errors),
	FAMILY("filtered_total", "counter", "Ticks of symbols or types this "
	    "source does not take.", filtered),
	FAMILY("stale_quotes_total", "counter", "Quotes older than one "
	    "already delivered (a publisher's resend).", stale_quotes),
	FAMILY("wakeups_total", "counter", "Times ticks from the stream woke "
	    "the loop (fewer than ticks while input is moderated).", wakeups),
	FAMILY("sequence", "gauge", "Last stream sequence delivered.",
	    sequence),
	FAMILY("lag_messages", "gauge", "Stream messages after the last one "
	    "delivered (edge lag).", lag),
};

#undef FAMILY

static uint64_t
family_value(const struct family *f, const void *stats)
{
	return *(const uint64_t *)(const void *)((const char *)stats + f->off);
}

static void
sink_metrics(struct sbuf *sb, const struct nats_sink *sink)
{
	static const char dropped[] = "tickerd_nats_dropped_total";
	const struct family *f;
	struct nats_sink_stats st;
	size_t i;

	nats_sink_get_stats(sink, &st);
	for (i = 0; i < sizeof(sink_families) / sizeof(*f); i++) {
		f = &sink_families[i];
		sb_metric_head(sb, f->name, f->type, f->help);
		sb_printf(sb, "%s %" PRIu64 "\n", f->name,
		    family_value(f, &st));
	}
	sb_metric_head(sb, dropped, "counter",
	    "Messages not published: queue full, NATS down or no stream, "
	    "refused, or retried until the duplicate window ran out.");
	sb_printf(sb, "%s{reason=\"queue_full\"} %" PRIu64 "\n", dropped,
	    st.dropped_full);
	sb_printf(sb, "%s{reason=\"nats_down\"} %" PRIu64 "\n", dropped,
	    st.dropped_down);
	sb_printf(sb, "%s{reason=\"error\"} %" PRIu64 "\n", dropped,
	    st.dropped_error);
	sb_printf(sb, "%s{reason=\"expired\"} %" PRIu64 "\n", dropped,
	    st.expired);
	sb_metric_head(sb, "tickerd_nats_stream_ready", "gauge",
	    "1 once the stream was found or created.");
	sb_printf(sb, "tickerd_nats_stream_ready %d\n", st.ready);
}

static void
source_metrics(struct sbuf *sb, const struct tickerd *td)
{
	const struct family *f;
	struct nats_source_stats st;
	const struct source *s;
	size_t i;

	for (i = 0; i < sizeof(source_families) / sizeof(*f); i++) {
		f = &source_families[i];
		sb_metric_head(sb, f->name, f->type, f->help);
		for (s = td->sources; s != NULL; s = s->next) {
			if (s->nats == NULL)
				continue;
			nats_source_get_stats(s->nats, &st);
			sb_printf(sb, "%s{exchange=\"%s\"} %" PRIu64 "\n",
			    f->name, s->conf->name, family_value(f, &st));
		}
	}
}

/* The samples of one connection: its state (@family 0) or reconnects. */
static void
link_sample(struct sbuf *sb, int family, const char *labels,
    const char *state, uint64_t reconnects)
{
	int i;

	if (family != 0) {
		sb_printf(sb, "tickerd_nats_reconnects_total{%s} %" PRIu64 "\n",
		    labels, reconnects);
		return;
	}
	for (i = 0; i < NATS_STATE_MAX; i++)
		sb_printf(sb, "tickerd_nats_connection_state{%s,state=\"%s\"} "
		    "%d\n", labels, nats_state_name(i),
		    strcmp(state, nats_state_name(i)) == 0);
}

/* Every NATS connection: the sink's, then each source's. */
static void
link_metrics(struct sbuf *sb, const struct tickerd *td)
{
	struct nats_source_stats ss;
	struct nats_sink_stats ks;
	const struct source *s;
	char labels[80];
	int family;

	for (family = 0; family < 2; family++) {
		if (family == 0)
			sb_metric_head(sb, "tickerd_nats_connection_state",
			    "gauge", "1 for the state each NATS connection "
			    "is in.");
		else
			sb_metric_head(sb, "tickerd_nats_reconnects_total",
			    "counter", "NATS connections lost and regained.");
		if (td->nats_sink != NULL) {
			nats_sink_get_stats(td->nats_sink, &ks);
			link_sample(sb, family, "role=\"publish\"", ks.state,
			    ks.reconnects);
		}
		for (s = td->sources; s != NULL; s = s->next) {
			if (s->nats == NULL)
				continue;
			nats_source_get_stats(s->nats, &ss);
			snprintf(labels, sizeof(labels), "role=\"source\","
			    "exchange=\"%s\"", s->conf->name);
			link_sample(sb, family, labels, ss.state,
			    ss.reconnects);
		}
	}
}

void
nats_http_metrics(struct tickerd *td, struct sbuf *sb)
{
	const struct source *s;
	int sources = 0;

	for (s = td->sources; s != NULL; s = s->next)
		sources += s->nats != NULL;
	if (td->nats_sink == NULL && sources == 0)
		return;
	if (td->nats_sink != NULL)
		sink_metrics(sb, td->nats_sink);
	if (sources > 0)
		source_metrics(sb, td);
	link_metrics(sb, td);
}
