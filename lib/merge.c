/* SPDX-License-Identifier: MIT */
/* The merge: round-robin over ready children, woken per child. */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <ticker/merge.h>
#include <ticker/stream_impl.h>

#define MERGE_BATCH_DEFAULT 64

/* Circular doubly-linked list with a sentinel: O(1) append and unlink. */
struct link {
	struct link	*prev, *next;
};

/*
 * One child.  The slot never moves once its waker was handed to the child,
 * and it is allocated on add, so next() never allocates.
 */
struct slot {
	struct tk_waker	 waker;		/* the child's consumer waker */
	struct merge	*m;
	struct tk_stream *child;
	struct link	 all;		/* every child */
	struct link	 ready;		/* on m->ready while queued */
	unsigned	 served;	/* ticks taken in this turn */
	bool		 queued;
	bool		 woken;		/* woken since its last poll began */
};

struct merge {
	struct tk_stream base;
	struct link	 all;
	struct link	 ready;		/* head is served first */
	size_t		 count;
	unsigned	 batch;
	bool		 keep_open;
	bool		 drained;	/* a finish left it without children */
	tk_merge_done_fn *done;
	void		*done_ud;
};

static enum tk_poll merge_next(struct tk_stream *, struct tk_tick *);
static void	merge_free(struct tk_stream *);
static void	slot_wake(struct tk_waker *);
static void	slot_finish(struct merge *, struct slot *, enum tk_poll);
static void	slot_detach(struct merge *, struct slot *);
static void	ready_push(struct merge *, struct slot *);
static void	ready_rotate(struct merge *, struct slot *);
static struct merge *to_merge(struct tk_stream *);
static void	list_init(struct link *);
static void	list_append(struct link *, struct link *);
static void	list_unlink(struct link *);

static const struct tk_stream_ops merge_ops = {
	.next = merge_next,
	.free = merge_free,
};

struct tk_stream *
tk_merge_new(const char *name, unsigned batch)
{
	struct merge *m;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	tk_stream_init(&m->base, &merge_ops, name != NULL ? name : "merge");
	list_init(&m->all);
	list_init(&m->ready);
	m->batch = batch != 0 ? batch : MERGE_BATCH_DEFAULT;
	return &m->base;
}

void
tk_merge_set_done(struct tk_stream *merge, tk_merge_done_fn *fn, void *ud)
{
	struct merge *m = to_merge(merge);

	if (m == NULL)
		return;
	m->done = fn;
	m->done_ud = ud;
}

int
tk_merge_add(struct tk_stream *merge, struct tk_stream *child)
{
	struct merge *m = to_merge(merge);
	struct slot *sl;

	/* Bad arguments: -EINVAL, and @child stays the caller's. */
	if (m == NULL || child == NULL || child == merge)
		return -EINVAL;
	if (merge->state != 0) {
		/* A finished merge never polls again: it cannot adopt. */
		tk_stream_free(child);
		return -EPIPE;
	}
	sl = calloc(1, sizeof(*sl));
	if (sl == NULL) {
		tk_stream_free(child);
		return -ENOMEM;
	}
	sl->waker.wake = slot_wake;
	sl->m = m;
	sl->child = child;
	list_append(&m->all, &sl->all);
	m->count++;
	m->drained = false;
	/* Sources start on their first poll, so a new child starts ready. */
	ready_push(m, sl);
	tk_stream_wake(&m->base);
	return 0;
}

int
tk_merge_remove(struct tk_stream *merge, struct tk_stream *child)
{
	struct merge *m = to_merge(merge);
	struct link *l;
	struct slot *sl;

	if (m == NULL)
		return -EINVAL;
	for (l = m->all.next; l != &m->all; l = l->next) {
		sl = tk_container_of(l, struct slot, all);
		if (sl->child != child)
			continue;
		slot_detach(m, sl);
		/* The child outlives the slot: it must not call into it. */
		if (child->waker == &sl->waker)
			child->waker = NULL;
		free(sl);
		return 0;
	}
	return -ENOENT;
}

void
tk_merge_keep_open(struct tk_stream *merge, int keep_open)
{
	struct merge *m = to_merge(merge);

	if (m == NULL)
		return;
	m->keep_open = keep_open != 0;
	/* Let a parked consumer see the END it now gets. */
	if (!m->keep_open && m->count == 0 && m->drained)
		tk_stream_wake(&m->base);
}

size_t
tk_merge_count(const struct tk_stream *merge)
{
	if (merge == NULL || merge->ops != &merge_ops)
		return 0;
	return ((const struct merge *)(const void *)merge)->count;
}

/*
 * Serves the head of the ready list until it has given @batch ticks, then
 * moves it to the back.  Children woken while we poll (even the one being
 * polled) are queued, and the work done per call is bounded so that a child
 * that keeps waking itself cannot spin us: past the budget we wake our own
 * consumer and yield.
 */
static enum tk_poll
merge_next(struct tk_stream *s, struct tk_tick *out)
{
	struct merge *m = tk_container_of(s, struct merge, base);
	size_t budget = m->count + 1, spent = 0;
	struct slot *sl;
	enum tk_poll r;

	while (m->ready.next != &m->ready) {
		if (spent++ == budget) {
			tk_stream_wake(s);
			return TK_POLL_PENDING;
		}
		sl = tk_container_of(m->ready.next, struct slot, ready);
		/* slot_finish() unlinks a queued slot before freeing it */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		sl->woken = false;
		r = tk_stream_next(sl->child, out, &sl->waker);
		switch (r) {
		case TK_POLL_READY:
			if (++sl->served >= m->batch)
				ready_rotate(m, sl);
			return TK_POLL_READY;
		case TK_POLL_PENDING:
			sl->served = 0;
			if (sl->woken)
				ready_rotate(m, sl);
			else {
				list_unlink(&sl->ready);
				sl->queued = false;
			}
			break;
		default:
			slot_finish(m, sl, r);
			break;
		}
	}
	if (m->count == 0 && m->drained && !m->keep_open)
		return TK_POLL_END;
	return TK_POLL_PENDING;
}

static void
merge_free(struct tk_stream *s)
{
	struct merge *m = tk_container_of(s, struct merge, base);
	struct link *l, *next;
	struct slot *sl;

	for (l = m->all.next; l != &m->all; l = next) {
		next = l->next;
		sl = tk_container_of(l, struct slot, all);
		slot_detach(m, sl);
		tk_stream_free(sl->child);
		free(sl);
	}
	free(m);
}

/* Only schedules: marks the child ready and wakes our consumer. */
static void
slot_wake(struct tk_waker *w)
{
	struct slot *sl = tk_container_of(w, struct slot, waker);

	sl->woken = true;
	ready_push(sl->m, sl);
	tk_stream_wake(&sl->m->base);
}

/*
 * The slot is unlinked before on_done runs, so the callback may add and
 * remove children (and tk_merge_remove() of this one says -ENOENT).
 */
static void
slot_finish(struct merge *m, struct slot *sl, enum tk_poll how)
{
	slot_detach(m, sl);
	if (m->done != NULL)
		m->done(m->done_ud, sl->child, how);
	if (m->count == 0)
		m->drained = true;
	tk_stream_free(sl->child);
	free(sl);
}

static void
slot_detach(struct merge *m, struct slot *sl)
{
	if (sl->queued) {
		list_unlink(&sl->ready);
		sl->queued = false;
	}
	list_unlink(&sl->all);
	m->count--;
}

static void
ready_push(struct merge *m, struct slot *sl)
{
	if (sl->queued)
		return;
	list_append(&m->ready, &sl->ready);
	sl->queued = true;
}

/* End of a turn: to the back of the ready list, with a fresh batch. */
static void
ready_rotate(struct merge *m, struct slot *sl)
{
	list_unlink(&sl->ready);
	list_append(&m->ready, &sl->ready);
	sl->queued = true;
	sl->served = 0;
}

/*
 * The checked downcast, for the public calls.  The ops callbacks use
 * tk_container_of() directly: only merge_ops calls them, so @s is ours.
 */
static struct merge *
to_merge(struct tk_stream *s)
{
	if (s == NULL || s->ops != &merge_ops)
		return NULL;
	return tk_container_of(s, struct merge, base);
}

static void
list_init(struct link *head)
{
	head->prev = head->next = head;
}

static void
list_append(struct link *head, struct link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static void
list_unlink(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}
