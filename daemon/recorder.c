/* SPDX-License-Identifier: MIT */
/* Appends raw upstream frames to a recording file. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include <ticker/record.h>

#include "log.h"
#include "recorder.h"
#include "tickerd.h"

#define FLUSH_US	(1000 * 1000)
#define STDIO_BUF	(256 * 1024)

struct recorder {
	struct tickerd		*td;
	FILE			*f;
	char			*path;
	char			*line;		/* formatting buffer */
	size_t			 cap;
	uint64_t		 frames, errors;
	lws_sorted_usec_list_t	 sul;
};

static void
recorder_flush(lws_sorted_usec_list_t *sul)
{
	struct recorder *r = lws_container_of(sul, struct recorder, sul);

	if (fflush(r->f) != 0 && r->errors++ == 0)
		log_errx("recording to %s: %s", r->path, strerror(errno));
	lws_sul_schedule(r->td->ctx, 0, &r->sul, recorder_flush, FLUSH_US);
}

struct recorder *
recorder_open(struct tickerd *td, const char *path)
{
	struct recorder *r;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->td = td;
	r->path = strdup(path);
	r->f = fopen(path, "ae");
	if (r->path == NULL || r->f == NULL) {
		log_errx("cannot record to %s: %s", path, strerror(errno));
		recorder_close(r);
		return NULL;
	}
	setvbuf(r->f, NULL, _IOFBF, STDIO_BUF);
	lws_sul_schedule(td->ctx, 0, &r->sul, recorder_flush, FLUSH_US);
	log_notice("recording every exchange frame to %s", path);
	return r;
}

void
recorder_close(struct recorder *r)
{
	if (r == NULL)
		return;
	lws_sul_cancel(&r->sul);
	if (r->f != NULL && fclose(r->f) != 0)
		log_errx("closing %s: %s", r->path, strerror(errno));
	if (r->frames > 0)
		log_notice("recorded %llu frames to %s",
		    (unsigned long long)r->frames, r->path);
	free(r->line);
	free(r->path);
	free(r);
}

void
recorder_write(struct recorder *r, int64_t recv_ts, const char *exchange,
    const char *adapter, const char *frame, size_t len)
{
	size_t need = tk_record_size(len);
	int n;

	if (need > r->cap) {
		char *p = realloc(r->line, need);

		if (p == NULL) {
			r->errors++;
			return;
		}
		r->line = p;
		r->cap = need;
	}
	n = tk_record_format(recv_ts, exchange, adapter, frame, len, r->line,
	    r->cap);
	if (n < 0 || fwrite(r->line, 1, (size_t)n, r->f) != (size_t)n) {
		if (r->errors++ == 0)
			log_errx("recording to %s failed", r->path);
		return;
	}
	r->frames++;
}
