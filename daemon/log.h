/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_LOG_H
#define TICKERD_LOG_H

/*
 * Logging to stderr, OpenBSD log.h style.  Under journald (JOURNAL_STREAM
 * matches stderr) every line carries a "<N>" syslog priority prefix;
 * otherwise a human timestamp and level.  Only the loop thread logs.
 */

#include <stdarg.h>
#include <stdint.h>

#define LOG_PRI_ERR	3
#define LOG_PRI_WARNING	4
#define LOG_PRI_NOTICE	5
#define LOG_PRI_INFO	6
#define LOG_PRI_DEBUG	7

/* Decides the output format; call once at start. @verbose enables debug. */
void	log_init(int verbose);
/* Routes libwebsockets' own log through log_emit at sensible levels. */
void	log_route_lws(int verbose);

void	log_emit(int pri, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vemit(int pri, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

#define log_warnx(...)	log_emit(LOG_PRI_WARNING, __VA_ARGS__)
#define log_errx(...)	log_emit(LOG_PRI_ERR, __VA_ARGS__)
#define log_notice(...)	log_emit(LOG_PRI_NOTICE, __VA_ARGS__)
#define log_info(...)	log_emit(LOG_PRI_INFO, __VA_ARGS__)
#define log_debug(...)	log_emit(LOG_PRI_DEBUG, __VA_ARGS__)

/*
 * A rate limit for lines that a client can cause at will (refusals): at
 * most LOG_LIMIT_BURST lines per LOG_LIMIT_WINDOW_US, the rest counted and
 * summed up in one line when the next window opens.  Zeroed = fresh.
 */
#define LOG_LIMIT_BURST		5
#define LOG_LIMIT_WINDOW_US	(10 * 1000 * 1000)

struct log_limit {
	int64_t		 window_start_us;	/* monotonic */
	unsigned	 lines;
	unsigned long	 dropped;
};

/* True if a line about @what may be logged now; counts it either way. */
int	log_limited(struct log_limit *, const char *what);

#endif
