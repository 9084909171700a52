/* SPDX-License-Identifier: MIT */
/*
 * The single-producer single-consumer queue: bounds, order, the park/wake
 * handshake, and a two-thread run that loses, repeats and reorders nothing
 * and never misses a wake-up.
 */

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ticker/spsc.h>

#include "tk_check.h"

START_TEST(test_spsc_bounds_and_order)
{
	struct tk_spsc *q = tk_spsc_new(3, sizeof(int));
	int *p, i;

	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(tk_spsc_capacity(q), 4);	/* a power of two */
	ck_assert_ptr_null(tk_spsc_front(q));
	for (i = 0; i < 4; i++) {
		p = tk_spsc_slot(q);
		ck_assert_ptr_nonnull(p);
		*p = i;
		tk_spsc_push(q);
	}
	ck_assert_ptr_null(tk_spsc_slot(q));	/* full: nothing overwritten */
	ck_assert_uint_eq(tk_spsc_len(q), 4);
	for (i = 0; i < 4; i++) {
		p = tk_spsc_front(q);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(*p, i);
		tk_spsc_pop(q);
		/* a freed slot is usable again at once */
		p = tk_spsc_slot(q);
		ck_assert_ptr_nonnull(p);
		*p = 10 + i;
		tk_spsc_push(q);
	}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(*(int *)tk_spsc_front(q), 10 + i);
		tk_spsc_pop(q);
	}
	ck_assert_ptr_null(tk_spsc_front(q));
	tk_spsc_free(q);
	tk_spsc_free(NULL);
	ck_assert_ptr_null(tk_spsc_new(0, 8));
	ck_assert_ptr_null(tk_spsc_new(8, 0));
	ck_assert_ptr_null(tk_spsc_new(SIZE_MAX, 8));
}
END_TEST

/* A wake-up is owed exactly after a park that found the queue empty. */
START_TEST(test_spsc_park_and_wake)
{
	struct tk_spsc *q = tk_spsc_new(8, sizeof(int));

	/* nobody parked: pushes owe nothing */
	*(int *)tk_spsc_slot(q) = 1;
	ck_assert(!tk_spsc_push(q));
	/* not empty: the consumer must not sleep */
	ck_assert(!tk_spsc_park(q));
	*(int *)tk_spsc_slot(q) = 2;
	ck_assert(!tk_spsc_push(q));
	tk_spsc_pop(q);
	tk_spsc_pop(q);
	/* empty: parked, and the next push (only) says to wake it */
	ck_assert(tk_spsc_park(q));
	*(int *)tk_spsc_slot(q) = 3;
	ck_assert(tk_spsc_push(q));
	*(int *)tk_spsc_slot(q) = 4;
	ck_assert(!tk_spsc_push(q));
	tk_spsc_free(q);
}
END_TEST

struct item {
	uint64_t	 n;
	uint64_t	 check;		/* ~n: a torn copy would not match */
	char		 pad[48];
};

struct run {
	struct tk_spsc	*q;
	uint64_t	 total;
	atomic_int	 wakes;		/* owed wake-ups, like an eventfd */
	uint64_t	 full;		/* producer found it full */
};

static void
nap(void)
{
	sched_yield();
}

static void *
producer(void *arg)
{
	struct run *r = arg;
	struct item *it;
	uint64_t n;

	for (n = 0; n < r->total; n++) {
		while ((it = tk_spsc_slot(r->q)) == NULL) {
			r->full++;
			nap();
		}
		it->n = n;
		it->check = ~n;
		if (tk_spsc_push(r->q))
			atomic_fetch_add(&r->wakes, 1);
	}
	return NULL;
}

/*
 * The consumer sleeps only after a successful park and wakes only on an
 * owed wake-up: a lost wake-up would hang it (the test's timeout).
 */
START_TEST(test_spsc_two_threads)
{
	struct run r = { .total = 200000 };
	struct item *it;
	pthread_t th;
	uint64_t want = 0, sleeps = 0;

	r.q = tk_spsc_new(64, sizeof(struct item));
	atomic_init(&r.wakes, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, producer, &r), 0);
	while (want < r.total) {
		it = tk_spsc_front(r.q);
		if (it == NULL) {
			if (!tk_spsc_park(r.q))
				continue;
			sleeps++;
			while (atomic_load(&r.wakes) == 0)
				nap();
			atomic_fetch_sub(&r.wakes, 1);
			continue;
		}
		ck_assert_uint_eq(it->n, want);
		ck_assert_uint_eq(it->check, ~want);
		tk_spsc_pop(r.q);
		want++;
	}
	pthread_join(th, NULL);
	ck_assert_ptr_null(tk_spsc_front(r.q));
	tk_spsc_free(r.q);
	ck_assert_uint_gt(sleeps, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spsc");
	TCase *tc = tcase_create("spsc");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_spsc_bounds_and_order);
	tcase_add_test(tc, test_spsc_park_and_wake);
	tcase_add_test(tc, test_spsc_two_threads);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
