/* SPDX-License-Identifier: MIT */
#ifndef TICKERD_SOURCE_SIM_H
#define TICKERD_SOURCE_SIM_H

/*
 * The loop side of the sim adapter: lib's sim stream is pure and takes its
 * time from us, so a timer here wakes it when its next tick is due.
 */

struct tickerd;
struct tk_exchange_conf;
struct tk_stream;
struct source_sim;

/* *@stream goes to the merge (which owns it).  NULL with reason logged. */
struct source_sim *source_sim_new(struct tickerd *td,
		    const struct tk_exchange_conf *conf,
		    struct tk_stream **stream);
void		 source_sim_free(struct source_sim *);	/* NULL ok */

#endif
