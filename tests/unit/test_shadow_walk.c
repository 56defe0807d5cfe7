/*
 * tests/unit/test_shadow_walk.c — the guest page-table walker: exact #PF
 * error codes, A/D bits, large pages, reserved bits, entries recorded,
 * stepping, and tables pointing outside guest RAM.
 */
#include "tests/unit/test_shadow_env.h"
#include "tests/unit/check_run.h"

#define CR3 ENV_PT_BASE
#define VA 0x0000000000401234ull
#define PA 0x23000ull
#define WP SHADOW_WALK_WP
#define NXE SHADOW_WALK_NXE
#define USER SHADOW_WALK_USER

static struct env *E;
static struct shadow_vm *V;

static void setup(void)
{
	E = env_new(1, 7);
	V = &E->vm[0];
}
static void teardown(void)
{
	env_free(E, 1);
}

static struct shadow_walk walk(va_t va, enum cpu_access acc, unsigned flags)
{
	struct shadow_walk w;
	shadow_walk_begin(&w, CR3, va, acc, flags);
	shadow_walk_run(&w, &V->pmap);
	return w;
}

START_TEST(ok_4k_records_entries_and_sets_accessed)
{
	pa_t leaf = env_map(E, 0, CR3, VA, PA, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_walk w = walk(VA, ACC_READ, USER | WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert_uint_eq(w.pa, PA | 0x234);
	ck_assert_uint_eq(w.page_shift, 12);
	ck_assert_uint_eq(w.nrefs, 4);
	ck_assert_uint_eq(w.ref[0].pa, CR3 + 8 * shadow_pt_index(4, VA));
	ck_assert_uint_eq(w.ref[3].pa, leaf);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(w.ref[i].level, 4 - i);
		ck_assert(!(w.ref[i].val & PTE_A));
		ck_assert(w.ref[i].newval & PTE_A);
		ck_assert_uint_eq(gread(V, w.ref[i].pa), w.ref[i].newval);
	}
	ck_assert(!(gread(V, leaf) & PTE_D));
	ck_assert(!w.w && w.u && w.x && !w.dirty);
}
END_TEST

START_TEST(write_sets_dirty_on_leaf_only)
{
	pa_t leaf = env_map(E, 0, CR3, VA, PA, PTE_P | PTE_RW | PTE_US, UPPER_ALL, 1);
	struct shadow_walk w = walk(VA, ACC_WRITE, USER | WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert(gread(V, leaf) & PTE_D);
	ck_assert(w.dirty && w.w);
	for (unsigned i = 0; i < 3; i++)
		ck_assert(!(gread(V, w.ref[i].pa) & PTE_D));
}
END_TEST

START_TEST(not_present_error_codes)
{
	/* nothing mapped: the PML4 entry is not present */
	struct shadow_walk w = walk(VA, ACC_WRITE, USER | WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_FAULT);
	ck_assert_uint_eq(w.err, PFERR_W | PFERR_U);
	ck_assert_uint_eq(w.nrefs, 1);
	/* leaf not present, supervisor instruction fetch: I only with NXE */
	env_map(E, 0, CR3, VA, PA, 0, UPPER_ALL, 1);
	w = walk(VA, ACC_EXEC, WP | NXE);
	ck_assert_uint_eq(w.err, PFERR_I);
	ck_assert_uint_eq(w.nrefs, 4);
	w = walk(VA, ACC_EXEC, WP);
	ck_assert_uint_eq(w.err, 0);
	/* a faulting walk sets no A bits */
	ck_assert(!(gread(V, w.ref[0].pa) & PTE_A));
}
END_TEST

START_TEST(protection_error_codes)
{
	env_map(E, 0, CR3, VA, PA, PTE_P, UPPER_ALL, 1); /* supervisor, read-only */
	struct shadow_walk w = walk(VA, ACC_READ, USER | WP | NXE);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_U);
	w = walk(VA, ACC_WRITE, WP | NXE);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_W);
	/* CR0.WP = 0: the supervisor writes read-only pages */
	w = walk(VA, ACC_WRITE, NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert(w.w);
	/* a read-only upper level makes the page read-only for users */
	env_map(E, 0, CR3, 0x800000, PA, PTE_P | PTE_RW | PTE_US, PTE_P | PTE_US, 1);
	w = walk(0x800000, ACC_WRITE, USER | WP | NXE);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_W | PFERR_U);
	w = walk(0x800000, ACC_READ, USER | WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert(!w.w);
}
END_TEST

START_TEST(nx_and_reserved_bits)
{
	env_map(E, 0, CR3, VA, PA, PTE_P | PTE_US | PTE_NX, UPPER_ALL, 1);
	struct shadow_walk w = walk(VA, ACC_EXEC, USER | WP | NXE);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_U | PFERR_I);
	w = walk(VA, ACC_READ, USER | WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert(!w.x);
	/* without EFER.NXE the NX bit is reserved */
	w = walk(VA, ACC_READ, USER | WP);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_RSVD | PFERR_U);
	/* an address bit above MAXPHYADDR in a PDE */
	pa_t leaf = env_map(E, 0, CR3, 0x40000000, PA, PTE_P, UPPER_ALL, 1);
	struct shadow_walk w2 = walk(0x40000000, ACC_READ, WP | NXE);
	ck_assert_int_eq(w2.status, SHADOW_WALK_OK);
	gwrite(V, w2.ref[2].pa, gread(V, w2.ref[2].pa) | (1ull << 45));
	w2 = walk(0x40000000, ACC_READ, WP | NXE);
	ck_assert_uint_eq(w2.err, PFERR_P | PFERR_RSVD);
	ck_assert_uint_eq(w2.nrefs, 3);
	(void)leaf;
	/* PS in a PML4 entry is reserved */
	gwrite(V, CR3 + 8 * 3, 0x20000 | PTE_P | PTE_PS);
	w2 = walk(3ull << 39, ACC_READ, WP | NXE);
	ck_assert_uint_eq(w2.err, PFERR_P | PFERR_RSVD);
}
END_TEST

START_TEST(large_pages)
{
	env_map(E, 0, CR3, 0x200000, 0x400000, PTE_P | PTE_RW | PTE_US | PTE_G, UPPER_ALL, 2);
	struct shadow_walk w = walk(0x2abcde, ACC_WRITE, USER | WP | NXE | SHADOW_WALK_PGE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert_uint_eq(w.nrefs, 3);
	ck_assert_uint_eq(w.page_shift, 21);
	ck_assert_uint_eq(w.pa, 0x4abcde);
	ck_assert(w.g && w.dirty);
	/* without CR4.PGE the G bit means nothing */
	w = walk(0x2abcde, ACC_READ, USER | WP | NXE);
	ck_assert(!w.g);
	/* bit 13 of a 2 MiB PDE is reserved */
	gwrite(V, w.ref[2].pa, gread(V, w.ref[2].pa) | (1ull << 13));
	w = walk(0x2abcde, ACC_READ, WP | NXE);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_RSVD);
	/* 1 GiB page (PS in a PDPTE) */
	env_map(E, 0, CR3, 0x8000000000ull, 0x40000000, PTE_P | PTE_PS, UPPER_ALL, 3);
	w = walk(0x8000012345ull, ACC_READ, WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_OK);
	ck_assert_uint_eq(w.nrefs, 2);
	ck_assert_uint_eq(w.pa, 0x40012345);
	ck_assert_uint_eq(w.page_shift, 30);
}
END_TEST

START_TEST(tables_outside_guest_ram)
{
	/* the PML4 entry points far beyond guest RAM: the walker reads "all ones"
	 * (never host memory outside the VM) and faults with RSVD */
	gwrite(V, CR3, 0x7f000000 | PTE_P | PTE_RW | PTE_US);
	struct shadow_walk w = walk(0x1000, ACC_READ, USER | WP | NXE);
	ck_assert_int_eq(w.status, SHADOW_WALK_FAULT);
	ck_assert_uint_eq(w.err, PFERR_P | PFERR_RSVD | PFERR_U);
	ck_assert(w.ref[1].outside);
	/* CR3 itself outside guest RAM */
	shadow_walk_begin(&w, 0x7fff0000, 0x1000, ACC_READ, WP);
	ck_assert_int_eq(shadow_walk_run(&w, &V->pmap), SHADOW_WALK_FAULT);
	ck_assert(w.ref[0].outside);
}
END_TEST

START_TEST(stepping_and_inspect_only)
{
	pa_t leaf = env_map(E, 0, CR3, VA, PA, PTE_P | PTE_RW, UPPER_ALL, 1);
	struct shadow_walk w;
	shadow_walk_begin(&w, CR3 | 0x18, VA, ACC_WRITE, WP | NXE | SHADOW_WALK_NO_AD);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(shadow_walk_step(&w, &V->pmap), SHADOW_WALK_RUNNING);
		ck_assert_uint_eq(w.nrefs, (unsigned)i + 1);
	}
	ck_assert_int_eq(shadow_walk_step(&w, &V->pmap), SHADOW_WALK_OK);
	ck_assert_int_eq(shadow_walk_step(&w, &V->pmap), SHADOW_WALK_OK);
	ck_assert_uint_eq(gread(V, leaf) & (PTE_A | PTE_D), 0);
	ck_assert_uint_eq(w.ref[3].newval, w.ref[3].val);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_walk");
	TCase *tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ok_4k_records_entries_and_sets_accessed);
	tcase_add_test(tc, write_sets_dirty_on_leaf_only);
	tcase_add_test(tc, not_present_error_codes);
	tcase_add_test(tc, protection_error_codes);
	tcase_add_test(tc, nx_and_reserved_bits);
	tcase_add_test(tc, large_pages);
	tcase_add_test(tc, tables_outside_guest_ram);
	tcase_add_test(tc, stepping_and_inspect_only);
	suite_add_tcase(s, tc);
	return check_run(s);
}
