/* SPDX-License-Identifier: MIT */
#ifndef TICKER_MERGE_H
#define TICKER_MERGE_H

/*
 * The merge: a stream over child streams that yields whichever child has a
 * tick first.  Ready children are served round-robin, at most @batch ticks
 * from one child per turn, so a flooding child never starves the others.
 * Every child is pulled again and again until it ends; a child that ends or
 * fails is removed alone (the on_done callback gets its reason) and the
 * merge answers END once a finishing child leaves it with no child (unless
 * kept open).  A merge that never had a child, or whose last child was
 * removed, answers PENDING: only children finishing end it, since END is
 * sticky and a later tk_merge_add() could not undo it.  Children can be
 * added and removed at any time.  next() never allocates.
 */

#include <stddef.h>

#include <ticker/stream.h>

/*
 * Told when a child finished: @how is TK_POLL_END or TK_POLL_ERROR, @child is
 * still valid during the call (tk_stream_name/_error/_reason) and is freed
 * right after it returns.  It is no longer a child then; the callback may
 * add and remove children, but must not free the merge.
 */
typedef void tk_merge_done_fn(void *ud, struct tk_stream *child,
    enum tk_poll how);

/* @batch: ticks taken from one child per turn (0 means the default, 64). */
struct tk_stream *tk_merge_new(const char *name, unsigned batch);

/* Optional; @fn may be NULL. */
void	tk_merge_set_done(struct tk_stream *merge, tk_merge_done_fn *fn,
	    void *ud);

/*
 * Adds @child, polled on the merge's next turn; if the merge was PENDING
 * its waker is called.  Who owns @child afterwards, by the result:
 *   0        the merge;
 *   -EINVAL  still the caller: nothing was done (@child is NULL or @merge
 *            itself, or @merge is NULL or not a merge);
 *   -ENOMEM, -EPIPE (the merge has answered END and never polls again):
 *            nobody, @child was freed.
 * So after any error but -EINVAL, @child must not be touched.
 */
int	tk_merge_add(struct tk_stream *merge, struct tk_stream *child);

/*
 * Detaches @child and gives it back to the caller (who frees it).
 * Returns -ENOENT if it is not a child of @merge.  Removing the last child
 * does not end the merge: a merge ends only when children *finish*.
 * Not to be called from inside that child's own next().
 */
int	tk_merge_remove(struct tk_stream *merge, struct tk_stream *child);

/*
 * A merge normally answers END once all its children have finished.  A
 * merge kept open (the daemon's, which gains children on reload) answers
 * PENDING instead and is woken by the next tk_merge_add().
 */
void	tk_merge_keep_open(struct tk_stream *merge, int keep_open);

/* Number of live children. */
size_t	tk_merge_count(const struct tk_stream *merge);

#endif
