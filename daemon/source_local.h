/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_SOURCE_LOCAL_H
#define TICKERD_SOURCE_LOCAL_H

/*
 * The loop side of the sources that need no network, sim and replay: lib's
 * streams are pure and take their time from us, so a timer here wakes them
 * when their next tick is due.
 */

struct tickerd;
struct tk_exchange_conf;
struct tk_stream;
struct source_local;

/* *@stream goes to the merge (which owns it).  NULL with reason logged. */
struct source_local *source_local_new(struct tickerd *td,
		    const struct tk_exchange_conf *conf,
		    struct tk_stream **stream);
void		 source_local_free(struct source_local *);	/* NULL ok */

#endif
