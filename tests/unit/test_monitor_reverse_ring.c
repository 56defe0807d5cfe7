/*
 * tests/unit/test_monitor_reverse_ring.c — the snapshot ring of reverse
 * execution (monitor/reverse/snapring.c): timeline order, the memory budget,
 * thinning (old history sparse, the start and the newest kept), the lookup
 * of the latest snapshot before a point, forgetting the future.
 */
#include <check.h>
#include <stdlib.h>

#include "monitor/reverse/reverse.h"
#include "tests/unit/check_run.h"

static unsigned freed;
static void count_free(void *p)
{
	free(p);
	freed++;
}

static struct rev_pos at(uint64_t icount)
{
	return (struct rev_pos){icount, 0, UINT64_MAX};
}

static void add(struct rev_ring *r, uint64_t icount, size_t size)
{
	ck_assert_int_eq(rev_ring_add(r, at(icount), malloc(1), size), 0);
}

START_TEST(test_order_and_lookup)
{
	struct rev_ring r;
	rev_ring_init(&r, 0, count_free);
	freed = 0;
	for (uint64_t i = 0; i < 10; i++)
		add(&r, i * 100, 10);
	ck_assert_uint_eq(r.n, 10);
	ck_assert_uint_eq(r.bytes, 100);
	ck_assert_int_eq(rev_ring_before(&r, at(0)), -1);       /* nothing strictly before the start */
	ck_assert_int_eq(rev_ring_before(&r, at(1)), 0);
	ck_assert_int_eq(rev_ring_before(&r, at(500)), 4);      /* strictly before */
	ck_assert_int_eq(rev_ring_before(&r, at(501)), 5);
	ck_assert_int_eq(rev_ring_before(&r, at(99999)), 9);
	/* inside the phases of one instruction: ord and sub order the points */
	struct rev_pos p = {500, 3, 7};
	ck_assert_int_eq(rev_ring_before(&r, p), 5);
	ck_assert_int_lt(rev_pos_cmp((struct rev_pos){5, 3, 7}, (struct rev_pos){5, 3, UINT64_MAX}), 0);
	ck_assert_int_lt(rev_pos_cmp((struct rev_pos){5, 3, UINT64_MAX}, (struct rev_pos){5, 4, 0}), 0);
	/* not after the last: refused, and the data freed */
	ck_assert_int_eq(rev_ring_add(&r, at(900), malloc(1), 1), -1);
	ck_assert_uint_eq(freed, 1);
	ck_assert_uint_eq(r.n, 10);
	rev_ring_free(&r);
	ck_assert_uint_eq(freed, 11);
}
END_TEST

START_TEST(test_budget_thins_old_history)
{
	struct rev_ring r;
	rev_ring_init(&r, 20 * 100, count_free); /* room for 20 snapshots of 100 bytes */
	freed = 0;
	for (uint64_t i = 0; i <= 1000; i++) {
		add(&r, i * 1000, 100);
		ck_assert_uint_le(r.bytes, 2000);
	}
	ck_assert_uint_eq(r.n, 20);
	ck_assert_uint_eq(r.thinned, 1001 - 20);
	ck_assert_uint_eq(freed, 1001 - 20);
	ck_assert_uint_eq(r.v[0].pos.icount, 0);            /* the start is kept */
	ck_assert_uint_eq(r.v[19].pos.icount, 1000000);     /* and the newest */
	/* spacing grows with age: the newest gaps are the smallest */
	uint64_t newest_gap = r.v[19].pos.icount - r.v[18].pos.icount;
	uint64_t oldest_gap = r.v[2].pos.icount - r.v[1].pos.icount;
	ck_assert_uint_lt(newest_gap, oldest_gap);
	for (size_t i = 2; i < r.n; i++)
		ck_assert_uint_gt(r.v[i].pos.icount, r.v[i - 1].pos.icount);
	/* the lookup still finds the nearest earlier one */
	long k = rev_ring_before(&r, at(999999));
	ck_assert_int_eq(k, 18);
	rev_ring_free(&r);
}
END_TEST

START_TEST(test_budget_keeps_start_and_newest)
{
	struct rev_ring r;
	rev_ring_init(&r, 50, count_free); /* smaller than any two snapshots */
	for (uint64_t i = 0; i < 5; i++)
		add(&r, i, 40);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(r.v[0].pos.icount, 0);
	ck_assert_uint_eq(r.v[1].pos.icount, 4);
	rev_ring_free(&r);
}
END_TEST

START_TEST(test_drop_after)
{
	struct rev_ring r;
	rev_ring_init(&r, 0, count_free);
	for (uint64_t i = 0; i < 6; i++)
		add(&r, i * 10, 5);
	rev_ring_drop_after(&r, at(25));
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.bytes, 15);
	rev_ring_drop_after(&r, at(20)); /* a snapshot at the point itself stays */
	ck_assert_uint_eq(r.n, 3);
	add(&r, 21, 5); /* the run goes forward again from there */
	ck_assert_uint_eq(r.n, 4);
	rev_ring_free(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("reverse_ring");
	TCase *tc = tcase_create("ring");
	tcase_add_test(tc, test_order_and_lookup);
	tcase_add_test(tc, test_budget_thins_old_history);
	tcase_add_test(tc, test_budget_keeps_start_and_newest);
	tcase_add_test(tc, test_drop_after);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
