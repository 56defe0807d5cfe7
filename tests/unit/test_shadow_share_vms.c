/*
 * tests/unit/test_shadow_share_vms.c — two VMs overcommitted on one pool of
 * machine frames (shadow/ocpool.c) with page sharing across them: the global
 * FIFO pages out either VM's pages; identical pages of the two VMs merge into
 * one read-only frame owned by one of them; the isolation check accepts the
 * other's read-only mapping of it but not a writable one; a write of one VM
 * copies (COW) and is never seen by the other; a VM that goes away hands its
 * shared frames to the other; the frame counts always add up.
 */
#include "test_shadow_env.h"
#include "tests/unit/check_run.h"

#define RESIDENT 8
#define PA_A (100ull << PAGE_SHIFT)  /* in VM 0 */
#define PA_B (101ull << PAGE_SHIFT)  /* in VM 1 */
#define VA_X 0x400000ull

static struct env *E;
static struct shadow_ocpool *P;
static unsigned nvms;

static void setup(void)
{
	E = env_new(0, 11);
	P = shadow_ocpool_create(&E->mf, RESIDENT);
	ck_assert_ptr_nonnull(P);
	E->mf.pool = P;
	for (unsigned i = 0; i < 2; i++) {
		E->next_pt[i] = ENV_PT_BASE + PAGE_SIZE;
		ck_assert_int_eq(shadow_vm_init(&E->vm[i], &E->mf, &E->tlb, (uint16_t)i, ENV_MEM, 4, ENV_CR0,
						ENV_PT_BASE, ENV_CR4, ENV_EFER), 0);
		ck_assert_int_eq(shadow_share_enable(&E->vm[i]), 0);
	}
	nvms = 2;
	/* each VM's part of the pool, in proportion to its pages: the balloon's aim */
	ck_assert_uint_eq(P->oc[0]->target, RESIDENT / 2);
	ck_assert_uint_eq(P->oc[1]->target, RESIDENT / 2);
}

static void teardown(void)
{
	for (unsigned i = 0; i < nvms; i++)
		shadow_vm_free(&E->vm[i]);
	shadow_ocpool_free(P);
	E->mf.pool = NULL;
	env_free(E, 0);
}

static ma_t frame(unsigned v, pa_t pa) { return E->vm[v].pmap.frame[pa >> PAGE_SHIFT]; }

static void fill_page(unsigned v, pa_t pa, uint8_t b)
{
	uint8_t buf[PAGE_SIZE];
	memset(buf, b, sizeof buf);
	ck_assert(shadow_pmap_write(&E->vm[v].pmap, pa, buf, sizeof buf));
}

/* Every byte of page pa of VM v is b, except the 8 at `except` which hold x. */
static void check_page(unsigned v, pa_t pa, uint8_t b, pa_t except, uint64_t x)
{
	uint8_t buf[PAGE_SIZE], want[PAGE_SIZE];
	memset(want, b, sizeof want);
	if (except >= pa && except < pa + PAGE_SIZE)
		memcpy(want + (except - pa), &x, 8);
	ck_assert(shadow_pmap_read(&E->vm[v].pmap, pa, buf, sizeof buf));
	ck_assert_mem_eq(buf, want, PAGE_SIZE);
}

/* The pool's counts are the sums of the VMs' and every frame a VM owns is mapped
 * by one of its pages (the one its tag names). */
static void check_counts(void)
{
	uint64_t frames = 0, sframes = 0, spages = 0;
	for (unsigned v = 0; v < SHADOW_POOL_VMS; v++) {
		const struct shadow_oc *oc = P->oc[v];
		if (!oc)
			continue;
		frames += oc->frames;
		sframes += oc->shared_frames;
		spages += oc->shared_pages;
		for (uint64_t f = 0; f < E->mf.nframes; f++)
			if (E->mf.owner[f] == v)
				ck_assert_uint_eq(oc->sh->pmap.frame[E->mf.tag[f]], f << PAGE_SHIFT);
	}
	ck_assert_uint_eq(frames, P->nresident);
	ck_assert_uint_eq(sframes, P->shared_frames);
	ck_assert_uint_eq(spages, P->shared_pages);
	ck_assert_uint_le(P->nresident, P->resident_max);
}

/* A of VM 0 and B of VM 1 hold the same bytes; paged out and in (A first, so A
 * is the older: the FIFO's victim merges into B's frame, which VM 1 owns). */
static ma_t make_shared_across(void)
{
	fill_page(0, PA_A, 0x5a);
	fill_page(1, PA_B, 0x5a);
	for (pa_t p = 120; p < 120 + 2 * RESIDENT; p++) /* VM 0's pages push VM 1's out too: one FIFO */
		fill_page(0, p << PAGE_SHIFT, (uint8_t)p);
	ck_assert(frame(0, PA_A) == MA_NONE && frame(1, PA_B) == MA_NONE);
	ck_assert_uint_ge(P->oc[1]->page_outs, 1);
	check_page(0, PA_A, 0x5a, 0, 0);
	check_page(1, PA_B, 0x5a, 0, 0);
	for (pa_t p = 140; p < 140 + RESIDENT && frame(0, PA_A) != frame(1, PA_B); p++)
		fill_page(0, p << PAGE_SHIFT, (uint8_t)p);
	ma_t s = frame(0, PA_A);
	ck_assert(s != MA_NONE && s == frame(1, PA_B));
	ck_assert_uint_eq(P->sharers[s >> PAGE_SHIFT], 2);
	ck_assert_uint_eq(shadow_mframe_owner(&E->mf, s), 1);
	ck_assert_uint_ge(P->oc[0]->merges, 1);
	check_counts();
	P->resident_max += 16; /* room for copies and page-table pages: nothing is paged out from here on */
	return s;
}

START_TEST(merge_across_vms_and_cow_isolates)
{
	ma_t s = make_shared_across();
	ck_assert_uint_eq(P->shared_pages - P->shared_frames, 1); /* one frame saved */
	/* VM 0 writes A: its own copy; VM 1 still reads the old bytes */
	ck_assert(shadow_pmap_write64(&E->vm[0].pmap, PA_A + 16, 0x1122334455667788ull));
	ck_assert(frame(0, PA_A) != s && frame(1, PA_B) == s);
	check_page(0, PA_A, 0x5a, PA_A + 16, 0x1122334455667788ull);
	check_page(1, PA_B, 0x5a, 0, 0);
	ck_assert_uint_eq(P->oc[0]->cow_breaks, 1);
	check_counts();
	/* VM 1, the last sharer, writes: no copy, the frame is private again */
	ck_assert(shadow_pmap_write64(&E->vm[1].pmap, PA_B + 8, 42));
	ck_assert(frame(1, PA_B) == s);
	ck_assert_uint_eq(P->sharers[s >> PAGE_SHIFT], 0);
	check_page(0, PA_A, 0x5a, PA_A + 16, 0x1122334455667788ull);
	check_page(1, PA_B, 0x5a, PA_B + 8, 42);
	check_counts();
}
END_TEST

START_TEST(isolation_accepts_read_only_sharing_only)
{
	env_map(E, 0, ENV_PT_BASE, VA_X, PA_A, PTE_P | PTE_RW | PTE_A | PTE_D, UPPER_ALL, 1);
	env_map(E, 1, ENV_PT_BASE, VA_X, PA_B, PTE_P | PTE_RW | PTE_A | PTE_D, UPPER_ALL, 1);
	ma_t s = make_shared_across();
	struct shadow_fill f;
	char why[200];
	/* VM 0 reads through a frame VM 1 owns: read-only, and the invariant holds */
	ck_assert_int_eq(shadow_fill(&E->vm[0], &f, VA_X, ACC_READ, 1), SHADOW_HIDDEN_FAULT);
	ck_assert(f.ma == s && !(f.spte & PTE_RW));
	ck_assert_int_eq(shadow_fill(&E->vm[1], &f, VA_X, ACC_READ, 2), SHADOW_HIDDEN_FAULT);
	for (unsigned v = 0; v < 2; v++)
		ck_assert_msg(shadow_check_isolation(&E->vm[v], why, sizeof why) == 0, "vm%u: %s", v, why);
	/* a writable leaf on the shared frame would let VM 0 write VM 1's page: caught */
	ck_assert_int_eq(shadow_fill(&E->vm[0], &f, VA_X, ACC_READ, 3), SHADOW_HIDDEN_FAULT);
	ck_assert(f.shadow_hit);
	struct shadow_lookup l;
	ck_assert(shadow_lookup_va(&E->vm[0], TLB_VIEW_KERNEL, VA_X, &l) && l.ma == s);
	uint64_t *leaf = shadow_mframe_word(&E->mf, l.entry_ma[l.levels - 1]);
	*leaf |= PTE_RW;
	ck_assert_uint_ge(shadow_check_isolation(&E->vm[0], why, sizeof why), 1);
	ck_assert_msg(strstr(why, "shared"), "%s", why);
	*leaf &= ~PTE_RW;
	ck_assert_uint_eq(shadow_check_isolation(&E->vm[0], why, sizeof why), 0);
	/* a guest write of VM 0 through the fill: its own frame, VM 1 keeps the old bytes */
	ck_assert_int_eq(shadow_fill(&E->vm[0], &f, VA_X, ACC_WRITE, 4), SHADOW_HIDDEN_FAULT);
	ck_assert(f.ma != s && (f.spte & PTE_RW));
	*(uint64_t *)(void *)(E->mf.ram + f.ma) = 77; /* the store the CPU would make */
	check_page(1, PA_B, 0x5a, 0, 0);
	for (unsigned v = 0; v < 2; v++)
		ck_assert_msg(shadow_check_isolation(&E->vm[v], why, sizeof why) == 0, "vm%u: %s", v, why);
	check_counts();
}
END_TEST

START_TEST(owner_leaves_frame_stays)
{
	ma_t s = make_shared_across();
	shadow_vm_free(&E->vm[1]); /* VM 1 owned the frame; VM 0 still maps it */
	nvms = 1;
	ck_assert_uint_eq(P->nvms, 1);
	ck_assert_uint_eq(P->oc[0]->target, P->resident_max);
	ck_assert_uint_eq(shadow_mframe_owner(&E->mf, s), 0);
	ck_assert(frame(0, PA_A) == s);
	check_page(0, PA_A, 0x5a, 0, 0);
	check_counts();
	/* VM 0 alone goes on paging in the whole pool */
	for (pa_t p = 160; p < 160 + 2 * RESIDENT; p++)
		fill_page(0, p << PAGE_SHIFT, (uint8_t)p);
	check_page(0, PA_A, 0x5a, 0, 0);
	check_counts();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_share_vms");
	TCase *tc = tcase_create("share_vms");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, merge_across_vms_and_cow_isolates);
	tcase_add_test(tc, isolation_accepts_read_only_sharing_only);
	tcase_add_test(tc, owner_leaves_frame_stays);
	suite_add_tcase(s, tc);
	return check_run(s);
}
