/*
 * tests/unit/test_shadow_pmap.c — machine frames and the pmap: scattered but
 * seed-determined frames, owners, bounds, copies across pages.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"
#include "tests/unit/check_run.h"

#define RAM (4ull << 20)

static uint8_t *ram;
static void setup(void) { ram = calloc(1, RAM); }
static void teardown(void) { free(ram); }

static void frames_of(uint64_t seed, uint64_t mem, ma_t *out, uint64_t n)
{
	struct shadow_mframe mf;
	struct shadow_pmap pm;
	ck_assert_int_eq(shadow_mframe_init(&mf, ram, RAM, seed), 0);
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, 3, mem), 0);
	for (uint64_t i = 0; i < n; i++)
		out[i] = shadow_pa_to_ma(&pm, i << PAGE_SHIFT);
	shadow_pmap_free(&pm);
	shadow_mframe_free(&mf);
}

START_TEST(scattered_and_deterministic)
{
	enum { N = 256 };
	ma_t a[N], b[N], c[N];
	frames_of(42, N * PAGE_SIZE, a, N);
	frames_of(42, N * PAGE_SIZE, b, N);
	frames_of(43, N * PAGE_SIZE, c, N);
	ck_assert(memcmp(a, b, sizeof a) == 0);
	ck_assert(memcmp(a, c, sizeof a) != 0);
	unsigned identity = 0, contiguous = 0;
	for (unsigned i = 0; i < N; i++) {
		identity += a[i] == (ma_t)i << PAGE_SHIFT;
		if (i)
			contiguous += a[i] == a[i - 1] + PAGE_SIZE;
		ck_assert_uint_eq(a[i] & (PAGE_SIZE - 1), 0);
		for (unsigned j = 0; j < i; j++)
			ck_assert_uint_ne(a[i], a[j]);
	}
	ck_assert_uint_lt(identity, 3);
	ck_assert_uint_lt(contiguous, 5);
}
END_TEST

START_TEST(owners_bounds_and_inverse)
{
	struct shadow_mframe mf;
	struct shadow_pmap pm;
	ck_assert_int_eq(shadow_mframe_init(&mf, ram, RAM, 1), 0);
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, 5, 64 * 1024 + 1), 0); /* rounds up to 17 pages */
	ck_assert_uint_eq(pm.npages, 17);
	ck_assert_uint_eq(mf.nfree, mf.nframes - 17);
	ma_t ma = shadow_pa_to_ma(&pm, 0x3123);
	ck_assert_uint_eq(shadow_mframe_owner(&mf, ma), 5);
	ck_assert_uint_eq(ma & 0xfff, 0x123);
	ck_assert_uint_eq(shadow_ma_to_pa(&pm, ma), 0x3123);
	ck_assert_uint_eq(shadow_pa_to_ma(&pm, 17 * PAGE_SIZE), MA_NONE);
	ck_assert_uint_eq(shadow_pa_to_ma(&pm, ~0ull), MA_NONE);
	uint64_t v;
	ck_assert(!shadow_pmap_read64(&pm, 17 * PAGE_SIZE, &v));
	ck_assert(!shadow_pmap_write64(&pm, 0x1004, 1)); /* unaligned */
	/* a monitor frame is nobody's guest memory */
	ma_t m = shadow_mframe_alloc(&mf, SHADOW_OWNER_MONITOR);
	ck_assert_uint_eq(shadow_mframe_owner(&mf, m), SHADOW_OWNER_MONITOR);
	ck_assert_uint_eq(shadow_ma_to_pa(&pm, m), PA_NONE);
	ck_assert_uint_eq(mf.monitor_frames, 1);
	shadow_mframe_release(&mf, m);
	ck_assert_uint_eq(shadow_mframe_alloc(&mf, SHADOW_OWNER_MONITOR), m); /* LIFO */
	ck_assert_uint_eq(shadow_mframe_owner(&mf, RAM + 5), SHADOW_OWNER_FREE);
	ck_assert_ptr_null(shadow_mframe_word(&mf, RAM));
	shadow_pmap_free(&pm);
	ck_assert_uint_eq(shadow_mframe_owner(&mf, ma), SHADOW_OWNER_FREE);
	shadow_mframe_free(&mf);
}
END_TEST

START_TEST(too_much_memory_fails_cleanly)
{
	struct shadow_mframe mf;
	struct shadow_pmap pm;
	ck_assert_int_eq(shadow_mframe_init(&mf, ram, RAM, 1), 0);
	uint64_t before = mf.nfree;
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, 0, RAM + PAGE_SIZE), -1);
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, 0, 0), -1);
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, SHADOW_OWNER_MONITOR, PAGE_SIZE), -1);
	ck_assert_uint_eq(mf.nfree, before);
	/* two VMs: their frames never overlap */
	struct shadow_pmap a, b;
	ck_assert_int_eq(shadow_pmap_init(&a, &mf, 0, RAM / 2), 0);
	ck_assert_int_eq(shadow_pmap_init(&b, &mf, 1, RAM / 4), 0);
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, 2, RAM / 2), -1);
	for (pa_t pa = 0; pa < RAM / 4; pa += PAGE_SIZE)
		ck_assert_uint_eq(shadow_mframe_owner(&mf, shadow_pa_to_ma(&b, pa)), 1);
	shadow_pmap_free(&a);
	shadow_pmap_free(&b);
	ck_assert_uint_eq(mf.nfree, before);
	shadow_mframe_free(&mf);
}
END_TEST

START_TEST(copies_cross_pages)
{
	struct shadow_mframe mf;
	struct shadow_pmap pm;
	ck_assert_int_eq(shadow_mframe_init(&mf, ram, RAM, 9), 0);
	ck_assert_int_eq(shadow_pmap_init(&pm, &mf, 0, 16 * PAGE_SIZE), 0);
	char msg[10000], back[10000];
	for (unsigned i = 0; i < sizeof msg; i++)
		msg[i] = (char)(i * 7 + 1);
	ck_assert(shadow_pmap_write(&pm, 0xff0, msg, sizeof msg));
	ck_assert(shadow_pmap_read(&pm, 0xff0, back, sizeof back));
	ck_assert(memcmp(msg, back, sizeof msg) == 0);
	/* the bytes really are in the scattered frames */
	ck_assert_int_eq(ram[shadow_pa_to_ma(&pm, 0x1000)], msg[0x10]);
	ck_assert(!shadow_pmap_write(&pm, 16 * PAGE_SIZE - 4, msg, 5));
	ck_assert(!shadow_pmap_read(&pm, ~0ull - 2, back, 5));
	shadow_pmap_free(&pm);
	shadow_mframe_free(&mf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_pmap");
	TCase *tc = tcase_create("pmap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scattered_and_deterministic);
	tcase_add_test(tc, owners_bounds_and_inverse);
	tcase_add_test(tc, too_much_memory_fails_cleanly);
	tcase_add_test(tc, copies_cross_pages);
	suite_add_tcase(s, tc);
	return check_run(s);
}
