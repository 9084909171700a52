/* SPDX-License-Identifier: MIT */
/*
 * The floor under s7's NATS hop: how long nats-server and nats.c alone
 * take to carry a message from a JetStream publish to an ordered push
 * consumer, with no tickerd on either side.  Two connections, as an ingest
 * host and an edge have: one publishes at a fixed rate (asynchronously,
 * each message written at once, with a Nats-Msg-Id, as tickerd's sink
 * does), the other reads the stream through an ordered consumer.  Each
 * message carries its send time; the receive time minus it is the hop.
 *
 * Usage: nats_floor --url nats://HOST:PORT [--rate N] [--seconds S]
 *                   [--warmup S] [--size BYTES] [--memory]
 * The server must have JetStream; the stream FLOOR (subjects floor.>) is
 * created (file storage unless --memory) and deleted at the end.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#define STREAM		"FLOOR"
#define SUBJECTS	"floor.>"
#define SUBJECT		"floor.trade.ex1.BTC-USDT"

struct opts {
	const char	*url;
	double		 rate, seconds, warmup;
	size_t		 size;
	int		 memory;
};

static int64_t		*lat_ns;	/* after the warm-up, by arrival */
static size_t		 lat_cap;
static atomic_size_t	 nlat;
static atomic_uint_fast64_t received;
static int64_t		 measure_from_ns;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr, "usage: nats_floor --url nats://HOST:PORT [--rate N] "
	    "[--seconds S] [--warmup S] [--size BYTES] [--memory]\n");
	exit(2);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "url", 1, NULL, 'u' }, { "rate", 1, NULL, 'r' },
		{ "seconds", 1, NULL, 's' }, { "warmup", 1, NULL, 'w' },
		{ "size", 1, NULL, 'z' }, { "memory", 0, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	o->url = NULL;
	o->rate = 10000;
	o->seconds = 10;
	o->warmup = 3;
	o->size = 250;		/* about a trade's body */
	o->memory = 0;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'u': o->url = optarg; break;
		case 'r': o->rate = atof(optarg); break;
		case 's': o->seconds = atof(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'z': o->size = (size_t)atol(optarg); break;
		case 'm': o->memory = 1; break;
		default: usage();
		}
	}
	if (o->url == NULL || o->rate <= 0 || o->seconds <= 0 ||
	    o->warmup < 0 || o->size < 32 || o->size > 65536)
		usage();
}

/* The edge's side: nats.c's delivery thread, one message at a time. */
static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *ud)
{
	int64_t now = now_ns(), sent;
	size_t i;

	(void)nc;
	(void)sub;
	(void)ud;
	if (sscanf(natsMsg_GetData(msg), "{\"sent\":%" SCNd64, &sent) == 1) {
		atomic_fetch_add(&received, 1);
		if (sent >= measure_from_ns &&
		    (i = atomic_fetch_add(&nlat, 1)) < lat_cap)
			lat_ns[i] = now - sent;
	}
	natsMsg_Destroy(msg);
}

static natsStatus
connect_to(natsConnection **nc, const char *url, int send_asap)
{
	natsOptions *o = NULL;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, url);
	if (s == NATS_OK && send_asap)
		s = natsOptions_SetSendAsap(o, true);
	if (s == NATS_OK)
		s = natsConnection_Connect(nc, o);
	natsOptions_Destroy(o);
	return s;
}

static natsStatus
make_stream(jsCtx *js, int memory)
{
	const char *subjects[] = { SUBJECTS };
	jsStreamConfig cfg;
	jsErrCode jerr = 0;

	(void)js_DeleteStream(js, STREAM, NULL, &jerr);
	jsStreamConfig_Init(&cfg);
	cfg.Name = STREAM;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = memory ? js_MemoryStorage : js_FileStorage;
	cfg.Duplicates = INT64_C(30) * 1000000000;
	return js_AddStream(NULL, js, &cfg, NULL, &jerr);
}

/* One message: its send time, padded with spaces to @size bytes. */
static natsStatus
publish_one(jsCtx *js, char *buf, size_t size, uint64_t n)
{
	char id[32];
	natsMsg *m = NULL;
	natsStatus s;
	int len;

	len = snprintf(buf, size, "{\"sent\":%" PRId64 ",\"n\":%" PRIu64,
	    now_ns(), n);
	memset(buf + len, ' ', size - (size_t)len - 1);
	buf[size - 1] = '}';
	snprintf(id, sizeof(id), "ex1:BTC-USDT:trade:%" PRIu64, n);
	s = natsMsg_Create(&m, SUBJECT, NULL, buf, (int)size);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
	if (s == NATS_OK)
		s = js_PublishMsgAsync(js, &m, NULL);
	natsMsg_Destroy(m);	/* NULL once nats.c took it */
	return s;
}

/* Publishes at @rate for @seconds; the number of messages published. */
static uint64_t
publish_paced(jsCtx *js, const struct opts *o)
{
	int64_t start = now_ns(), step = (int64_t)(1e9 / o->rate), at;
	uint64_t n, total = (uint64_t)(o->rate * (o->warmup + o->seconds));
	struct timespec ts;
	char *buf = malloc(o->size + 1);

	if (buf == NULL)
		return 0;
	measure_from_ns = start + (int64_t)(o->warmup * 1e9);
	for (n = 0; n < total; n++) {
		at = start + (int64_t)n * step;
		ts.tv_sec = at / 1000000000;
		ts.tv_nsec = at % 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		if (publish_one(js, buf, o->size + 1, n) != NATS_OK) {
			fprintf(stderr, "publish: %s\n",
			    nats_GetLastError(NULL));
			break;
		}
	}
	free(buf);
	return n;
}

static int
by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100 * (double)n);

	if (n == 0)
		return 0;
	return (double)v[i < n ? i : n - 1] / 1e6;
}

static void
report(const struct opts *o, uint64_t published, double cpu_s)
{
	size_t n = atomic_load(&nlat);

	if (n > lat_cap)
		n = lat_cap;
	qsort(lat_ns, n, sizeof(*lat_ns), by_value);
	printf("nats_floor: %s storage, %.0f msgs/s of %zu bytes: %" PRIu64
	    " published, %" PRIu64 " received; publish -> consumer ms: "
	    "p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f; "
	    "%.2f CPU-us per message (both sides)\n",
	    o->memory ? "memory" : "file", o->rate, o->size, published,
	    (uint64_t)atomic_load(&received), pct_ms(lat_ns, n, 50),
	    pct_ms(lat_ns, n, 90), pct_ms(lat_ns, n, 99),
	    pct_ms(lat_ns, n, 99.9), n ? (double)lat_ns[n - 1] / 1e6 : 0,
	    published ? cpu_s * 1e6 / (double)published : 0);
}

int
main(int argc, char **argv)
{
	natsConnection *pub = NULL, *sub = NULL;
	jsCtx *pjs = NULL, *sjs = NULL;
	natsSubscription *s = NULL;
	jsErrCode jerr = 0;
	jsSubOptions so;
	struct opts o;
	uint64_t published;
	struct timespec c0, c1;

	parse_args(argc, argv, &o);
	lat_cap = (size_t)(o.rate * o.seconds) + 1024;
	if ((lat_ns = calloc(lat_cap, sizeof(*lat_ns))) == NULL)
		return 1;
	if (connect_to(&pub, o.url, 1) != NATS_OK ||
	    connect_to(&sub, o.url, 0) != NATS_OK ||
	    natsConnection_JetStream(&pjs, pub, NULL) != NATS_OK ||
	    natsConnection_JetStream(&sjs, sub, NULL) != NATS_OK ||
	    make_stream(pjs, o.memory) != NATS_OK) {
		fprintf(stderr, "nats_floor: %s\n", nats_GetLastError(NULL));
		return 1;
	}
	jsSubOptions_Init(&so);
	so.Stream = STREAM;
	so.Ordered = true;
	so.Config.Heartbeat = INT64_C(1000000000);
	if (js_Subscribe(&s, sjs, SUBJECTS, on_msg, NULL, NULL, &so,
	    &jerr) != NATS_OK) {
		fprintf(stderr, "subscribe: %s\n", nats_GetLastError(NULL));
		return 1;
	}
	natsSubscription_SetPendingLimits(s, -1, -1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	published = publish_paced(pjs, &o);
	js_PublishAsyncComplete(pjs, NULL);
	sleep(1);		/* the last ones arrive */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	report(&o, published, (double)(c1.tv_sec - c0.tv_sec) +
	    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
	natsSubscription_Unsubscribe(s);
	natsSubscription_Destroy(s);
	(void)js_DeleteStream(pjs, STREAM, NULL, &jerr);
	jsCtx_Destroy(pjs);
	jsCtx_Destroy(sjs);
	natsConnection_Destroy(pub);
	natsConnection_Destroy(sub);
	nats_Close();
	free(lat_ns);
	return 0;
}
