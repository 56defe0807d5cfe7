/*
 * tests/unit/test_shadow_share.c — page sharing under overcommit
 * (shadow/share.c): identical pages merge into one read-only frame at a
 * page-out decision, zero pages too; the first write copies (COW) and is
 * never visible through another page; a guest write through the fill gets a
 * private writable frame, a read a read-only one; the isolation invariant holds.
 */
#include "test_shadow_env.h"
#include "tests/unit/check_run.h"

#define RESIDENT 8
#define PA_A (100ull << PAGE_SHIFT)
#define PA_B (101ull << PAGE_SHIFT)
#define PA_C (102ull << PAGE_SHIFT)
#define VA_A 0x400000ull
#define VA_B 0x401000ull

static struct env *E;
static struct shadow_vm *V;
static struct shadow_oc *OC;

static void setup(void)
{
	E = env_new(1, 7);
	V = &E->vm[0];
	ck_assert_int_eq(shadow_overcommit_enable(V, RESIDENT), 0);
	ck_assert_int_eq(shadow_share_enable(V), 0);
	OC = V->pmap.oc;
}
static void teardown(void) { env_free(E, 1); }

static void fill_page(pa_t pa, uint8_t b)
{
	uint8_t buf[PAGE_SIZE];
	memset(buf, b, sizeof buf);
	ck_assert(shadow_pmap_write(&V->pmap, pa, buf, sizeof buf));
}

/* Every byte of page pa is b, except the 8 at `except` (if inside the page) which hold v. */
static void check_page(pa_t pa, uint8_t b, pa_t except, uint64_t v)
{
	uint8_t buf[PAGE_SIZE], want[PAGE_SIZE];
	memset(want, b, sizeof want);
	if (except >= pa && except < pa + PAGE_SIZE)
		memcpy(want + (except - pa), &v, 8);
	ck_assert(shadow_pmap_read(&V->pmap, pa, buf, sizeof buf));
	ck_assert_mem_eq(buf, want, PAGE_SIZE);
}

static ma_t frame(pa_t pa) { return V->pmap.frame[pa >> PAGE_SHIFT]; }

/* Read pages until A and B share a frame: A and B with equal bytes, paged out
 * and back in (their hashes recorded), then A becomes the FIFO's victim. */
static void make_a_b_shared(void)
{
	fill_page(PA_A, 0x5a);
	fill_page(PA_B, 0x5a);
	fill_page(PA_C, 0x33);
	uint64_t v;
	for (pa_t p = 120; p < 120 + 2 * RESIDENT; p++) /* push A, B, C out */
		fill_page(p << PAGE_SHIFT, (uint8_t)p);
	ck_assert(frame(PA_A) == MA_NONE && frame(PA_B) == MA_NONE);
	ck_assert(shadow_pmap_read64(&V->pmap, PA_A, &v) && shadow_pmap_read64(&V->pmap, PA_B, &v));
	for (pa_t p = 140; p < 140 + RESIDENT && frame(PA_A) != frame(PA_B); p++)
		fill_page(p << PAGE_SHIFT, (uint8_t)p);
	ck_assert(frame(PA_A) != MA_NONE);
	ck_assert(frame(PA_A) == frame(PA_B));
	ck_assert_uint_eq(OC->pool->sharers[frame(PA_A) >> PAGE_SHIFT], 2);
	ck_assert_uint_ge(OC->merges, 1);
	ck_assert_uint_le(OC->pool->nresident, RESIDENT);
	OC->pool->resident_max += 2; /* room for copies: no page-out in between moves A or B away */
}

START_TEST(identical_pages_merge_and_cow_isolates)
{
	make_a_b_shared();
	ma_t shared = frame(PA_A);
	check_page(PA_A, 0x5a, 0, 0);
	check_page(PA_B, 0x5a, 0, 0);
	uint64_t breaks = OC->cow_breaks, saved = OC->shared_pages - OC->shared_frames;
	ck_assert_uint_ge(saved, 1);
	/* the first write to A copies: B keeps the old bytes, A has its own frame */
	ck_assert(shadow_pmap_write64(&V->pmap, PA_A + 16, 0x1122334455667788ull));
	ck_assert_uint_eq(OC->cow_breaks, breaks + 1);
	ck_assert(frame(PA_A) != shared && frame(PA_B) == shared);
	check_page(PA_A, 0x5a, PA_A + 16, 0x1122334455667788ull);
	check_page(PA_B, 0x5a, 0, 0);
	ck_assert_uint_eq(OC->pool->sharers[shared >> PAGE_SHIFT], 1);
	/* B, the last sharer, writes: no copy, its frame becomes private again */
	ck_assert(shadow_pmap_write64(&V->pmap, PA_B + 8, 42));
	ck_assert_uint_eq(OC->cow_breaks, breaks + 2);
	ck_assert(frame(PA_B) == shared);
	ck_assert_uint_eq(OC->pool->sharers[shared >> PAGE_SHIFT], 0);
	check_page(PA_A, 0x5a, PA_A + 16, 0x1122334455667788ull);
	check_page(PA_B, 0x5a, PA_B + 8, 42);
	check_page(PA_C, 0x33, 0, 0);
	ck_assert_uint_le(OC->pool->nresident, RESIDENT + 2);
}
END_TEST

START_TEST(zero_pages_share_one_frame)
{
	uint64_t v;
	for (pa_t p = 60; p < 60 + 4 * RESIDENT; p++) /* first touches: zeros */
		ck_assert(shadow_pmap_read64(&V->pmap, p << PAGE_SHIFT, &v) && v == 0);
	ck_assert_uint_ge(OC->merges_zero + OC->shared_ins, 1);
	ck_assert_uint_ge(OC->shared_pages, 2);
	/* two pages on one zero frame: a write to one is not seen through the other */
	pa_t a = PA_NONE, b = PA_NONE;
	for (pa_t p = 60; p < 60 + 4 * RESIDENT && b == PA_NONE; p++) {
		ma_t m = V->pmap.frame[p];
		if (m == MA_NONE || !OC->pool->sharers[m >> PAGE_SHIFT])
			continue;
		if (a == PA_NONE)
			a = p << PAGE_SHIFT;
		else if (frame(a) == m)
			b = p << PAGE_SHIFT;
	}
	ck_assert(b != PA_NONE);
	ck_assert(shadow_pmap_write64(&V->pmap, a, 7));
	check_page(b, 0, 0, 0);
	check_page(a, 0, a, 7);
}
END_TEST

START_TEST(guest_write_through_fill_copies)
{
	/* the guest table maps VA_A -> A and VA_B -> B, writable */
	env_map(E, 0, ENV_PT_BASE, VA_A, PA_A, PTE_P | PTE_RW | PTE_A | PTE_D, UPPER_ALL, 1);
	env_map(E, 0, ENV_PT_BASE, VA_B, PA_B, PTE_P | PTE_RW | PTE_A | PTE_D, UPPER_ALL, 1);
	make_a_b_shared();
	ma_t shared = frame(PA_A);
	struct shadow_fill f;
	/* a read of B: the shadow leaf maps the shared frame without write permission */
	ck_assert_int_eq(shadow_fill(V, &f, VA_B, ACC_READ, 1), SHADOW_HIDDEN_FAULT);
	ck_assert(f.ma == shared);
	ck_assert(!(f.spte & PTE_RW));
	/* a write to A: COW, a writable leaf on A's own frame */
	ck_assert_int_eq(shadow_fill(V, &f, VA_A, ACC_WRITE, 2), SHADOW_HIDDEN_FAULT);
	ck_assert(f.ma != shared && f.ma == frame(PA_A));
	ck_assert(f.spte & PTE_RW);
	ck_assert(frame(PA_B) == shared);
	char why[200];
	ck_assert_msg(shadow_check_isolation(V, why, sizeof why) == 0, "%s", why);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_share");
	TCase *tc = tcase_create("share");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, identical_pages_merge_and_cow_isolates);
	tcase_add_test(tc, zero_pages_share_one_frame);
	tcase_add_test(tc, guest_write_through_fill_copies);
	suite_add_tcase(s, tc);
	return check_run(s);
}
