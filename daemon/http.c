/* SPDX-License-Identifier: MIT */
/*
 * Plain HTTP on the client listeners: GET /health (JSON) and GET /metrics
 * (Prometheus text format).  Bodies are small and built whole, then sent
 * from HTTP_WRITEABLE in one write.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/adapter.h>
#include <ticker/config.h>
#include <ticker/hist.h>
#include <ticker/state.h>
#include <ticker/tick.h>

#include "clock.h"
#include "http.h"
#include "nats_http.h"
#include "nats_source.h"
#include "page.h"
#include "publisher.h"
#include "pump.h"
#include "reload.h"
#include "sbuf.h"
#include "sources.h"
#include "tickerd.h"
#include "upstream.h"
#include "writable.h"

/* State of one exchange as /health and /metrics tell it. */
struct ex_view {
	const char	*name;
	const char	*adapter;
	enum tk_state	 state;
	struct upstream_stats up;	/* zero for local sources */
	struct pub_ex_stats pub;	/* zero before the first tick */
};

static void
ex_view(struct tickerd *td, const struct source *s, struct ex_view *v)
{
	memset(v, 0, sizeof(*v));
	v->name = s->conf->name;
	v->adapter = s->conf->adapter->name;
	v->state = source_state(s);
	if (s->up != NULL)
		upstream_get_stats(s->up, &v->up);
	publisher_exchange_stats(td->pub, v->name, &v->pub);
}

/* Every type an exchange's ticks can have (a bbo is nobody's). */
static uint64_t
ticks_of(const struct pub_ex_stats *pub)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < TK_TICK_TYPE_MAX; i++)
		n += pub->ticks[i];
	return n;
}

/*
 * One entry of /health's "exchanges": a source, or (@via, its name) an
 * exchange behind a NATS source, whose name came from the wire.
 */
/* ,"detail":"...": why an exchange is in its state, where it says. */
static void
health_detail(struct sbuf *sb, const char *detail)
{
	char esc[256 * 6];
	int n;

	if (detail == NULL || detail[0] == '\0')
		return;
	n = tk_json_escape(detail, strlen(detail), esc, sizeof(esc));
	if (n >= 0)
		sb_printf(sb, ",\"detail\":\"%.*s\"", n, esc);
}

static void
health_entry(struct sbuf *sb, int64_t now, const struct ex_view *v,
    const char *via, int delivering)
{
	char name[TK_NAME_MAX * 6];
	int n;

	n = tk_json_escape(v->name, strlen(v->name), name, sizeof(name));
	sb_printf(sb, "{\"name\":\"%.*s\",\"adapter\":\"%s\",",
	    n > 0 ? n : 0, name, v->adapter);
	if (via != NULL)
		sb_printf(sb, "\"via\":\"%s\",", via);
	sb_printf(sb, "\"state\":\"%s\",\"delivering\":%s,"
	    "\"last_tick_age_s\":", tk_state_name(v->state),
	    delivering ? "true" : "false");
	if (v->pub.last_tick_us > 0)
		sb_printf(sb, "%.3f",
		    (double)(now - v->pub.last_tick_us) / 1e6);
	else
		sb_printf(sb, "null");
	health_detail(sb, v->up.detail);
	sb_printf(sb, ",\"reconnects\":%llu,\"ticks\":%llu}",
	    (unsigned long long)v->up.reconnects,
	    (unsigned long long)ticks_of(&v->pub));
}

/* The exchanges behind NATS source @s, as their ingest hosts report them. */
static void
health_origins(struct tickerd *td, struct sbuf *sb, int64_t now,
    const struct source *s)
{
	struct ex_view v;
	size_t i;

	for (i = 0;; i++) {
		memset(&v, 0, sizeof(v));
		if (nats_source_origin(s->nats, i, &v.name, &v.state) < 0)
			return;
		v.adapter = s->conf->adapter->name;
		publisher_exchange_stats(td->pub, v.name, &v.pub);
		sb_printf(sb, ",");
		health_entry(sb, now, &v, s->conf->name,
		    source_origin_delivering(td, s, i, now));
	}
}

/* ,"warnings":[...]: what the config allows but weakens (reload.h). */
static void
health_warnings(struct tickerd *td, struct sbuf *sb)
{
	char w[512], esc[sizeof(w) * 6];
	size_t i;
	int n;

	sb_printf(sb, ",\"warnings\":[");
	for (i = 0; i < td->conf.nwarnings; i++) {
		n = config_warning(&td->conf, i, w, sizeof(w));
		n = tk_json_escape(w, n > 0 ? (size_t)n : 0, esc, sizeof(esc));
		if (n >= 0)
			sb_printf(sb, "%s\"%.*s\"", i ? "," : "", n, esc);
	}
	sb_printf(sb, "]");
}

/*
 * "status": ok, degraded or down (sources.h says when a source delivers),
 * or stopping during a shutdown.  Returns the HTTP status: 503 when down
 * or stopping, so that a health check that reads only the code is right.
 */
static unsigned
health_body(struct tickerd *td, struct sbuf *sb)
{
	int64_t now = now_realtime_us();
	const struct source *s;
	struct ex_view v;
	uint64_t oldest;
	enum health h;
	unsigned delivering, total;
	int first = 1;

	h = sources_health(td, now, &delivering, &total);
	sb_printf(sb, "{\"status\":\"%s\",\"version\":\"%s\",\"uptime_s\":%lld,"
	    "\"clients\":%u,\"delivering\":%u,\"exchanges\":[",
	    td->stopping ? "stopping" : health_name(h), TICKERD_VERSION,
	    (long long)((now - td->started_us) / 1000000),
	    publisher_clients(td->pub), delivering);
	for (s = td->sources; s != NULL; s = s->next) {
		ex_view(td, s, &v);
		if (!first)
			sb_printf(sb, ",");
		health_entry(sb, now, &v, NULL,
		    source_delivering(s, now));
		if (s->nats != NULL)
			health_origins(td, sb, now, s);
		first = 0;
	}
	sb_printf(sb, "],\"ring_depth_s\":%.3f",
	    (double)publisher_ring_depth(td->pub, now, &oldest) / 1e6);
	health_warnings(td, sb);
	sb_printf(sb, "}\n");
	return td->stopping || h == HEALTH_DOWN ?
	    HTTP_STATUS_SERVICE_UNAVAILABLE : HTTP_STATUS_OK;
}

static void
metric_hist(struct sbuf *sb, const char *name, const char *labels,
    const struct tk_hist *h)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < TK_HIST_BUCKETS; i++) {
		cum += h->count[i];
		sb_printf(sb, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels,
		    *labels ? "," : "", (double)tk_hist_bound_us(i) / 1e6,
		    (unsigned long long)cum);
	}
	sb_printf(sb, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
	    *labels ? "," : "", (unsigned long long)h->n);
	sb_printf(sb, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, labels,
	    (double)h->sum_us / 1e6, name, labels, (unsigned long long)h->n);
}

/* One counter per exchange, read from the upstream stats. */
static void
metric_per_exchange(struct tickerd *td, struct sbuf *sb, const char *name,
    const char *help, size_t offset)
{
	const struct source *s;
	struct ex_view v;

	sb_metric_head(sb, name, "counter", help);
	for (s = td->sources; s != NULL; s = s->next) {
		ex_view(td, s, &v);
		sb_printf(sb, "%s{exchange=\"%s\"} %llu\n", name, v.name,
		    (unsigned long long)*(const uint64_t *)(const void *)
		    ((const char *)&v.up + offset));
	}
}

static void
metrics_exchanges(struct tickerd *td, struct sbuf *sb)
{
	const struct source *s;
	struct ex_view v;
	char labels[64];
	size_t i;

	sb_metric_head(sb, "tickerd_ticks_total", "counter",
	    "Ticks published, by exchange and type (bbo: tickerd_bbo_total).");
	for (s = td->sources; s != NULL; s = s->next) {
		ex_view(td, s, &v);
		for (i = 0; i < TK_TICK_TYPE_MAX; i++) {
			if (!(TK_TYPES_FEED & TK_TYPE_BIT(i)))
				continue;
			sb_printf(sb, "tickerd_ticks_total{exchange=\"%s\","
			    "type=\"%s\"} %llu\n", v.name,
			    tk_tick_type_name((enum tk_tick_type)i),
			    (unsigned long long)v.pub.ticks[i]);
		}
	}
	sb_metric_head(sb, "tickerd_upstream_state", "gauge",
	    "1 for the state each exchange is in.");
	for (s = td->sources; s != NULL; s = s->next) {
		ex_view(td, s, &v);
		for (i = 0; i < TK_STATE_MAX; i++)
			sb_printf(sb, "tickerd_upstream_state{exchange=\"%s\","
			    "state=\"%s\"} %d\n", v.name,
			    tk_state_name((enum tk_state)i),
			    v.state == (enum tk_state)i);
	}
	metric_per_exchange(td, sb, "tickerd_frames_total",
	    "Frames received from the exchange.",
	    offsetof(struct upstream_stats, frames));
	metric_per_exchange(td, sb, "tickerd_parse_errors_total",
	    "Frames that could not be parsed (malformed, binary, too large).",
	    offsetof(struct upstream_stats, parse_errors));
	metric_per_exchange(td, sb, "tickerd_unknown_symbol_total",
	    "Data for symbols that are not configured, ignored.",
	    offsetof(struct upstream_stats, unknown));
	metric_per_exchange(td, sb, "tickerd_reconnects_total",
	    "Connections lost and reopened.",
	    offsetof(struct upstream_stats, reconnects));
	metric_per_exchange(td, sb, "tickerd_rotations_total",
	    "Make-before-break switches to a new connection.",
	    offsetof(struct upstream_stats, rotations));
	metric_per_exchange(td, sb, "tickerd_stale_total",
	    "Connections dropped for sending no data for stale_s.",
	    offsetof(struct upstream_stats, stale_events));
	metric_per_exchange(td, sb, "tickerd_throttled_total",
	    "Connection attempts (upgrade or REST) refused with HTTP 429 "
	    "or 418.",
	    offsetof(struct upstream_stats, throttles));
	metric_per_exchange(td, sb, "tickerd_duplicate_trades_total",
	    "Trades seen twice (e.g. across a rotation), published once.",
	    offsetof(struct upstream_stats, duplicates));
	metric_per_exchange(td, sb, "tickerd_upstream_dropped_total",
	    "Ticks dropped because the merge fell behind the exchange.",
	    offsetof(struct upstream_stats, drops));
	sb_metric_head(sb, "tickerd_exchange_lag_seconds", "histogram",
	    "Exchange event time to tickerd receive time.");
	for (s = td->sources; s != NULL; s = s->next) {
		struct tk_hist empty;

		ex_view(td, s, &v);
		memset(&empty, 0, sizeof(empty));
		snprintf(labels, sizeof(labels), "exchange=\"%s\"", v.name);
		metric_hist(sb, "tickerd_exchange_lag_seconds", labels,
		    v.pub.lag ? v.pub.lag : &empty);
	}
}

/* How far back a reconnecting client can resume; input moderation. */
static void
metrics_ring(struct tickerd *td, struct sbuf *sb)
{
	uint64_t oldest;
	int64_t depth = publisher_ring_depth(td->pub, now_realtime_us(),
	    &oldest);

	sb_metric_head(sb, "tickerd_ring_depth_seconds", "gauge",
	    "Age of the oldest message the ring holds: how long a client "
	    "may be away and still resume.");
	sb_printf(sb, "tickerd_ring_depth_seconds %.3f\n", (double)depth / 1e6);
	sb_metric_head(sb, "tickerd_ring_oldest_seq", "gauge",
	    "Seq of the oldest tick the ring holds: a client may resume "
	    "after the one before it.");
	sb_printf(sb, "tickerd_ring_oldest_seq %llu\n",
	    (unsigned long long)oldest);
	sb_metric_head(sb, "tickerd_input_held_seconds_total", "counter",
	    "Time the exchanges were not read while every client waited "
	    "for a coalesced write (input moderation).");
	sb_printf(sb, "tickerd_input_held_seconds_total %.6f\n",
	    (double)pump_held_us(td) / 1e6);
	sb_metric_head(sb, "tickerd_loop_polls_total", "counter",
	    "The loop's poll() calls: over every socket, or over the "
	    "exchanges' sockets alone (many clients, input not held).");
	sb_printf(sb, "tickerd_loop_polls_total{sockets=\"all\"} %llu\n",
	    (unsigned long long)td->pump.polls_all);
	sb_printf(sb, "tickerd_loop_polls_total{sockets=\"sources\"} %llu\n",
	    (unsigned long long)td->pump.polls_sources);
}

static void
metrics_body(struct tickerd *td, struct sbuf *sb)
{
	const struct pub_stats *ps = publisher_stats(td->pub);

	metrics_exchanges(td, sb);
	sb_metric_head(sb, "tickerd_bbo_total", "counter",
	    "Consolidated best bid/offer ticks published (every exchange's).");
	sb_printf(sb, "tickerd_bbo_total %llu\n", (unsigned long long)ps->bbo);
	sb_metric_head(sb, "tickerd_clients", "gauge", "Connected clients.");
	sb_printf(sb, "tickerd_clients %u\n", publisher_clients(td->pub));
	sb_metric_head(sb, "tickerd_delivered_total", "counter",
	    "Tick frames written to clients.");
	sb_printf(sb, "tickerd_delivered_total %llu\n",
	    (unsigned long long)ps->delivered);
	sb_metric_head(sb, "tickerd_client_writes_total", "counter",
	    "Sends to clients; fewer than frames when writes are coalesced.");
	sb_printf(sb, "tickerd_client_writes_total %llu\n",
	    (unsigned long long)ps->writes);
	sb_metric_head(sb, "tickerd_slow_client_closes_total", "counter",
	    "Clients closed for falling a whole queue behind.");
	sb_printf(sb, "tickerd_slow_client_closes_total %llu\n",
	    (unsigned long long)ps->slow_closes);
	sb_metric_head(sb, "tickerd_conflated_total", "counter",
	    "Superseded quotes, funding and bbo skipped for lagging clients.");
	sb_printf(sb, "tickerd_conflated_total %llu\n",
	    (unsigned long long)ps->conflated);
	sb_metric_head(sb, "tickerd_origin_refused_total", "counter",
	    "WebSocket upgrades refused: a browser page from another site.");
	sb_printf(sb, "tickerd_origin_refused_total %llu\n",
	    (unsigned long long)ps->origin_refused);
	sb_metric_head(sb, "tickerd_host_refused_total", "counter",
	    "Requests on TCP whose Host is not loopback or in listen.hosts.");
	sb_printf(sb, "tickerd_host_refused_total %llu\n",
	    (unsigned long long)ps->host_refused);
	sb_metric_head(sb, "tickerd_connections_refused_total", "counter",
	    "Connections refused at accept: the connection cap was reached.");
	sb_printf(sb, "tickerd_connections_refused_total %llu\n",
	    (unsigned long long)ps->conns_refused);
	sb_metric_head(sb, "tickerd_connections_evicted_total", "counter",
	    "Connections closed before their request head was complete, "
	    "to make room for a new one at the cap.");
	sb_printf(sb, "tickerd_connections_evicted_total %llu\n",
	    (unsigned long long)ps->conns_evicted);
	sb_metric_head(sb, "tickerd_dropped_total", "counter",
	    "Messages the closed slow clients did not receive.");
	sb_printf(sb, "tickerd_dropped_total %llu\n",
	    (unsigned long long)ps->lost);
	sb_metric_head(sb, "tickerd_delivery_latency_seconds", "histogram",
	    "tickerd receive time to the write to a client.");
	metric_hist(sb, "tickerd_delivery_latency_seconds", "", &ps->latency);
	metrics_ring(td, sb);
	sb_metric_head(sb, "tickerd_uptime_seconds", "gauge",
	    "Seconds since start.");
	sb_printf(sb, "tickerd_uptime_seconds %lld\n",
	    (long long)((now_realtime_us() - td->started_us) / 1000000));
	nats_http_metrics(td, sb);
}

static int
http_reply(struct lws *wsi, struct http_txn *txn, unsigned status,
    const char *ctype, struct sbuf *sb)
{
	unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start;
	unsigned char *end = hdr + sizeof(hdr) - 1;

	if (sb->oom) {
		free(sb->buf);
		return lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR,
		    NULL) ? -1 : 0;
	}
	if (lws_add_http_common_headers(wsi, status, ctype, sb->len, &p, end) ||
	    lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"cache-control:",
	    (const unsigned char *)"no-store", 8, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end)) {
		free(sb->buf);
		return -1;
	}
	txn->body = sb->buf;
	txn->len = sb->len;
	want_writable(wsi);
	return 0;
}

int
http_request(struct tickerd *td, struct lws *wsi, struct http_txn *txn,
    const char *path)
{
	struct sbuf sb = { 0 };

	if (strcmp(path, "/health") == 0) {
		unsigned code = health_body(td, &sb);

		return http_reply(wsi, txn, code, "application/json", &sb);
	}
	if (strcmp(path, "/metrics") == 0) {
		metrics_body(td, &sb);
		return http_reply(wsi, txn, HTTP_STATUS_OK,
		    "text/plain; version=0.0.4; charset=utf-8", &sb);
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
		size_t len;
		const unsigned char *page = page_data(&len);

		sb_printf(&sb, "%.*s", (int)len, (const char *)page);
		return http_reply(wsi, txn, HTTP_STATUS_OK,
		    "text/html; charset=utf-8", &sb);
	}
	if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int
http_writeable(struct lws *wsi, struct http_txn *txn)
{
	int n;

	if (txn->body == NULL)
		return 0;
	n = lws_write(wsi, (unsigned char *)txn->body + LWS_PRE, txn->len,
	    LWS_WRITE_HTTP_FINAL);
	http_txn_finish(txn);
	if (n < (int)0)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void
http_txn_finish(struct http_txn *txn)
{
	free(txn->body);
	txn->body = NULL;
	txn->len = 0;
}
