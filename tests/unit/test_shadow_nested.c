/*
 * tests/unit/test_shadow_nested.c — --mmu=nested's nested table and 2-D walk:
 * a cold 4-level miss costs exactly 24 memory references (4 guest levels x
 * (4 nested + 1 guest entry) + 4 nested for the data page), every reference
 * is where the picture in shadow/nested.h says, A/D bits are set, a 2 MiB
 * guest page costs 19, a guest #PF and a PA outside guest RAM are reported.
 */
#include "shadow/nested.h"
#include "tests/unit/test_shadow_env.h"
#include "tests/unit/check_run.h"

#define CR3 ENV_PT_BASE
#define VA 0x0000000000401234ull
#define PA 0x23000ull
#define FLAGS (SHADOW_WALK_USER | SHADOW_WALK_WP | SHADOW_WALK_NXE)

static struct env *E;
static struct shadow_vm *V;
static struct shadow_nested N;

static void setup(void)
{
	E = env_new(1, 7);
	V = &E->vm[0];
	ck_assert_int_eq(shadow_nested_build(&N, &E->mf, &V->pmap), 0);
}
static void teardown(void)
{
	shadow_nested_free(&N);
	env_free(E, 1);
}

START_TEST(nested_table_maps_every_pa_like_the_pmap)
{
	/* 1 MiB of guest RAM: 256 PTEs in 1 PT, plus PD, PDPT, PML4 */
	ck_assert_uint_eq(N.tables, 4);
	for (pa_t pa = 0; pa < ENV_MEM; pa += PAGE_SIZE) {
		struct shadow_nwalk w;
		ck_assert(shadow_nested_walk(&N, pa + 0x18, &w));
		ck_assert_uint_eq(w.nrefs, 4);
		ck_assert_uint_eq(w.ma, shadow_pa_to_ma(&V->pmap, pa + 0x18));
		ck_assert_uint_eq(shadow_mframe_owner(&E->mf, w.ref_ma[0]), SHADOW_OWNER_MONITOR);
	}
	struct shadow_nwalk w;
	ck_assert(!shadow_nested_walk(&N, ENV_MEM, &w)); /* outside RAM: an EPT violation */
	ck_assert_uint_eq(w.ma, MA_NONE);
}
END_TEST

START_TEST(cold_4level_miss_is_24_references)
{
	pa_t leaf = env_map(E, 0, CR3, VA, PA, PTE_P | PTE_RW | PTE_US, UPPER_ALL, 1);
	struct shadow_walk2d w;
	ck_assert_int_eq(shadow_walk2d(&N, &w, CR3, VA, ACC_WRITE, FLAGS), SHADOW_WALK_OK);
	ck_assert_uint_eq(w.refs, 24);
	ck_assert_uint_eq(w.g.nrefs, 4);
	ck_assert_uint_eq(w.nnested, 5);
	ck_assert_uint_eq(w.ma, shadow_pa_to_ma(&V->pmap, PA | 0x234));
	/* each guest entry was read at the MA the nested walk gave for its PA */
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(w.nw[i].pa, w.g.ref[i].pa);
		ck_assert_uint_eq(w.nw[i].ma, shadow_pa_to_ma(&V->pmap, w.g.ref[i].pa));
		ck_assert(gread(V, w.g.ref[i].pa) & PTE_A);
	}
	ck_assert_uint_eq(w.g.ref[3].pa, leaf);
	ck_assert(gread(V, leaf) & PTE_D);
	ck_assert_uint_eq(w.nw[4].pa, PA | 0x234);
}
END_TEST

START_TEST(large_page_is_19_references)
{
	env_map(E, 0, CR3, 0x40000000ull, 0x0ull, PTE_P | PTE_US, UPPER_ALL, 2);
	struct shadow_walk2d w;
	ck_assert_int_eq(shadow_walk2d(&N, &w, CR3, 0x40012345ull, ACC_READ, FLAGS), SHADOW_WALK_OK);
	ck_assert_uint_eq(w.refs, 3 * 5 + 4);
	ck_assert_uint_eq(w.ma, shadow_pa_to_ma(&V->pmap, 0x12345));
}
END_TEST

START_TEST(guest_fault_counts_the_references_made)
{
	/* upper levels present, the PT entry absent: 4 x (4 + 1) = 20, then #PF */
	pa_t leaf = env_map(E, 0, CR3, VA, PA, PTE_P | PTE_US, UPPER_ALL, 1);
	gwrite(V, leaf, 0);
	struct shadow_walk2d w;
	ck_assert_int_eq(shadow_walk2d(&N, &w, CR3, VA, ACC_READ, FLAGS), SHADOW_WALK_FAULT);
	ck_assert(!w.bad_pa);
	ck_assert_uint_eq(w.refs, 20);
	ck_assert_uint_eq(w.g.err, PFERR_U);
	/* a user write to a read-only page: protection fault, 20 references */
	env_map(E, 0, CR3, VA, PA, PTE_P | PTE_US, UPPER_ALL, 1);
	ck_assert_int_eq(shadow_walk2d(&N, &w, CR3, VA, ACC_WRITE, FLAGS), SHADOW_WALK_FAULT);
	ck_assert_uint_eq(w.g.err, PFERR_P | PFERR_W | PFERR_U);
}
END_TEST

START_TEST(pa_outside_ram_is_an_ept_violation)
{
	pa_t leaf = env_map(E, 0, CR3, VA, PA, PTE_P | PTE_US, UPPER_ALL, 1);
	gwrite(V, leaf, (ENV_MEM + 0x5000) | PTE_P | PTE_US); /* data page outside RAM */
	struct shadow_walk2d w;
	ck_assert_int_eq(shadow_walk2d(&N, &w, CR3, VA, ACC_READ, FLAGS), SHADOW_WALK_FAULT);
	ck_assert(w.bad_pa);
	ck_assert_uint_eq(w.refs, 24);
	ck_assert_uint_eq(w.nw[4].pa, ENV_MEM + 0x5234);
	/* a guest table outside RAM: stops at that entry's nested walk */
	gwrite(V, CR3 + 8 * shadow_pt_index(4, VA), (ENV_MEM + 0x10000) | UPPER_ALL);
	ck_assert_int_eq(shadow_walk2d(&N, &w, CR3, VA, ACC_READ, FLAGS), SHADOW_WALK_FAULT);
	ck_assert(w.bad_pa);
	ck_assert_uint_eq(w.refs, 4 + 1 + 4);
}
END_TEST

START_TEST(free_returns_the_frames)
{
	uint64_t before = E->mf.nfree;
	shadow_nested_free(&N);
	ck_assert_uint_eq(E->mf.nfree, before + 4);
	ck_assert_int_eq(shadow_nested_build(&N, &E->mf, &V->pmap), 0);
	ck_assert_uint_eq(E->mf.nfree, before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_nested");
	TCase *tc = tcase_create("nested");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nested_table_maps_every_pa_like_the_pmap);
	tcase_add_test(tc, cold_4level_miss_is_24_references);
	tcase_add_test(tc, large_page_is_19_references);
	tcase_add_test(tc, guest_fault_counts_the_references_made);
	tcase_add_test(tc, pa_outside_ram_is_an_ept_violation);
	tcase_add_test(tc, free_returns_the_frames);
	suite_add_tcase(s, tc);
	return check_run(s);
}
