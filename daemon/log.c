/* SPDX-License-Identifier: MIT */
/* stderr logging with journald priority prefixes. */

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include <ticker/utf8.h>

#include "clock.h"
#include "log.h"

static int log_journald;
static int log_verbose;

static int
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	/* "<dev>:<ino>"; strtoull, unlike sscanf, reports overflow */
	if (e == NULL)
		return 0;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (end == e || *end != ':')
		return 0;
	e = end + 1;
	ino = strtoull(e, &end, 10);
	if (end == e || *end != '\0' || errno != 0)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void
log_init(int verbose)
{
	log_journald = stderr_is_journal();
	log_verbose = verbose;
}

static const char *
pri_name(int pri)
{
	static const char *const names[] = { "emerg", "alert", "crit",
	    "error", "warning", "notice", "info", "debug" };

	return pri >= 0 && pri <= 7 ? names[pri] : "?";
}

/*
 * Messages quote exchange errors, close reasons and client headers: the
 * escape runs here, on the formatted line, so that no caller can forge a
 * line (or a journald "<N>" priority) with a newline, reach the terminal
 * with ESC, or write invalid UTF-8.
 */
void
log_vemit(int pri, const char *fmt, va_list ap)
{
	char text[1024], line[4 * sizeof(text)];
	struct timespec ts;
	struct tm tm;
	char when[32];
	int n;

	if (pri >= LOG_PRI_DEBUG && !log_verbose)
		return;
	n = tk_utf8_vsnprintf(text, sizeof(text), fmt, ap);
	tk_utf8_escape_line(text, n > 0 ? (size_t)n : 0, line, sizeof(line));
	if (log_journald) {
		fprintf(stderr, "<%d>%s\n", pri, line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: %s\n", when, ts.tv_nsec / 1000000,
	    pri_name(pri), line);
}

void
log_emit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(pri, fmt, ap);
	va_end(ap);
}

/* lws hands us its formatted line, usually with a trailing newline. */
static void
lws_emit(int level, const char *line)
{
	int pri;
	size_t n = strlen(line);

	if (level & LLL_ERR)
		pri = LOG_PRI_ERR;
	else if (level & LLL_WARN)
		pri = LOG_PRI_WARNING;
	else if (level & LLL_NOTICE)
		pri = LOG_PRI_NOTICE;
	else if (level & (LLL_USER | LLL_INFO))
		pri = LOG_PRI_INFO;
	else
		pri = LOG_PRI_DEBUG;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_emit(pri, "lws: %.*s", (int)n, line);
}

void
log_route_lws(int verbose)
{
	int levels = LLL_ERR | LLL_WARN;

	if (verbose)
		levels |= LLL_NOTICE | LLL_USER;
	lws_set_log_level(levels, lws_emit);
}

int
log_limited(struct log_limit *l, const char *what)
{
	int64_t now = now_mono_us();

	if (l->window_start_us == 0 ||
	    now - l->window_start_us >= LOG_LIMIT_WINDOW_US) {
		if (l->dropped > 0)
			log_info("%lu more %s not logged", l->dropped, what);
		l->window_start_us = now;
		l->lines = 0;
		l->dropped = 0;
	}
	if (l->lines < LOG_LIMIT_BURST) {
		l->lines++;
		return 1;
	}
	l->dropped++;
	return 0;
}
