/*
 * tests/unit/test_shadow_mmu.c — the shadow MMU under the real CPU core: an
 * app runs at CPL 3 with the virtualization controls on; every CPU TLB miss
 * exits and is handled by shadow_fill, as the monitor will. Checks that the
 * program computes the right thing with PA != MA, that TLB evictions and
 * PT-write invalidations reach the CPU's fast cache (the drop hook), and what
 * goes wrong without the hook (the test can fail).
 */
#include "tests/unit/test_shadow_env.h"
#include "tests/unit/check_run.h"

#define CODE_VA 0x401000ull
#define CODE_PA 0x20000ull
#define DATA_VA 0x600000ull
#define DATA_PA 0x30000ull
#define NPAGES 100
#define OTHER_PA 0xa0000ull

static struct env *E;
static struct shadow_vm *V;
static struct cpu C;

/* The app. */
static const uint8_t prog[] = {
	0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00, /* mov rax, [0x600000] */
	0x48, 0x83, 0xc0, 0x01,                         /* add rax, 1 */
	0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x60, 0x00, /* mov [0x600008], rax */
	0xbb, 0x00, 0x00, 0x60, 0x00,                   /* mov ebx, 0x600000 */
	0xb9, NPAGES, 0x00, 0x00, 0x00,                 /* mov ecx, NPAGES */
	0x48, 0x89, 0x43, 0x10,                         /* loop: mov [rbx+16], rax */
	0x48, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00,       /* add rbx, 0x1000 */
	0xff, 0xc9,                                     /* dec ecx */
	0x75, 0xf1,                                     /* jnz loop */
	0x48, 0x8b, 0x14, 0x25, 0x00, 0x00, 0x60, 0x00, /* second: mov rdx, [0x600000] */
	0xf4,                                           /* hlt (exits: sensitive at CPL 3) */
};
#define SECOND_OFF (sizeof prog - 9)

static void setup(void)
{
	E = env_new(1, 21);
	V = &E->vm[0];
	env_map(E, 0, ENV_PT_BASE, CODE_VA, CODE_PA, PTE_P | PTE_US, UPPER_ALL, 1);
	for (unsigned i = 0; i < NPAGES; i++)
		env_map(E, 0, ENV_PT_BASE, DATA_VA + i * PAGE_SIZE, DATA_PA + i * PAGE_SIZE,
			PTE_P | PTE_RW | PTE_US | PTE_NX, UPPER_ALL, 1);
	ck_assert(shadow_pmap_write(&V->pmap, CODE_PA, prog, sizeof prog));
	gwrite(V, DATA_PA, 41);
	gwrite(V, OTHER_PA, 0x77);
	ck_assert_int_eq(cpu_init(&C, E->ram, ENV_RAM), 0);
	C.cpl = 3;
	C.seg[SEG_CS].sel = 0x23;
	C.seg[SEG_SS].sel = 0x1b;
	C.rip = CODE_VA;
	C.cr0 = ENV_CR0;
	C.cr4 = ENV_CR4;
	C.efer = ENV_EFER;
	C.ctl.virt = true;
	C.ctl.sensitive = SENS_ALL;
	shadow_attach_cpu(V, &C);
	tlb_set_drop_hook(&E->tlb, shadow_tlb_drop_hook, &C);
	shadow_set_view(V, TLB_VIEW_USER);
}

static void teardown(void)
{
	char why[200];
	ck_assert_msg(shadow_check_isolation(V, why, sizeof why) == 0, "%s", why);
	tlb_set_drop_hook(&E->tlb, NULL, NULL); /* before the CPU goes away */
	cpu_free(&C);
	env_free(E, 1);
}

/* The monitor's loop, reduced: run, fill misses, stop at hlt. Returns misses. */
static unsigned run_app(void)
{
	unsigned misses = 0;
	for (int guard = 0; guard < 10000; guard++) {
		enum cpu_exit_reason r = cpu_run(&C, 100000);
		if (r == CPU_EXIT_TLB_MISS) {
			struct shadow_fill f;
			enum shadow_fill_kind k = shadow_fill(V, &f, C.exit.va, C.exit.access, C.icount);
			ck_assert_msg(k == SHADOW_HIDDEN_FAULT, "fill at 0x%llx: %s",
				      (unsigned long long)C.exit.va, shadow_fill_kind_name(k));
			misses++;
			continue;
		}
		ck_assert_msg(r == CPU_EXIT_SENSITIVE && C.exit.sens.op == SOP_HLT, "stopped: %s",
			      cpu_exit_name(r));
		return misses;
	}
	ck_abort_msg("no progress");
	return 0;
}

START_TEST(app_runs_through_shadow_mmu)
{
	unsigned misses = run_app();
	ck_assert_uint_eq(C.gpr[RAX], 42);
	ck_assert_uint_eq(gread(V, DATA_PA + 8), 42);
	for (unsigned i = 0; i < NPAGES; i++)
		ck_assert_uint_eq(gread(V, DATA_PA + i * PAGE_SIZE + 16), 42);
	ck_assert_uint_eq(C.gpr[RDX], 41);
	/* code page + first data page read, then write (dirty), then NPAGES-1 more writes,
	 * then re-reading page 0 after it was evicted */
	ck_assert_uint_ge(misses, NPAGES + 2);
	ck_assert_uint_gt(E->tlb.stats.evictions, 0);
	ck_assert_uint_eq(V->stats.hidden_faults, misses);
	/* the guest's own tables got A and D like hardware would set them */
	struct shadow_walk w;
	shadow_walk_begin(&w, ENV_PT_BASE, DATA_VA + 5 * PAGE_SIZE, ACC_READ, SHADOW_WALK_NO_AD | SHADOW_WALK_NXE);
	ck_assert_int_eq(shadow_walk_run(&w, &V->pmap), SHADOW_WALK_OK);
	ck_assert_uint_eq(w.ref[3].val & (PTE_A | PTE_D), PTE_A | PTE_D);
}
END_TEST

/* Remap DATA_VA under the running app; the CPU must see the new frame. */
static uint64_t remap_and_rerun(void)
{
	run_app();
	struct shadow_walk w;
	shadow_walk_begin(&w, ENV_PT_BASE, DATA_VA, ACC_READ, SHADOW_WALK_NO_AD | SHADOW_WALK_NXE);
	ck_assert_int_eq(shadow_walk_run(&w, &V->pmap), SHADOW_WALK_OK);
	struct shadow_ptw_rec rec;
	ck_assert_int_eq(shadow_ptwrite_emulate(V, w.ref[3].pa, OTHER_PA | PTE_P | PTE_US, 8, &rec), 0);
	C.rip = CODE_VA + SECOND_OFF;
	run_app();
	return C.gpr[RDX];
}

START_TEST(pt_write_reaches_fast_cache)
{
	ck_assert_uint_eq(remap_and_rerun(), 0x77);
}
END_TEST

START_TEST(without_drop_hook_cpu_sees_stale_frame)
{
	tlb_set_drop_hook(&E->tlb, NULL, NULL);
	ck_assert_uint_eq(remap_and_rerun(), 41); /* stale: why the hook exists */
	cpu_ftlb_flush(&C);
	tlb_set_drop_hook(&E->tlb, shadow_tlb_drop_hook, &C);
}
END_TEST

START_TEST(lru_sees_fast_hits)
{
	/* After the run, the code page was used by every instruction through the fast
	 * cache only; its stamp must be recent, not the icount of its install. */
	run_app();
	struct tlb_key k = { .vmid = 0, .asid = 0, .view = TLB_VIEW_USER, .va = CODE_VA };
	const struct tlb_entry *e = tlb_probe(&E->tlb, &k, NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_ge(e->stamp + 5, C.icount);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_mmu");
	TCase *tc = tcase_create("mmu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, app_runs_through_shadow_mmu);
	tcase_add_test(tc, pt_write_reaches_fast_cache);
	tcase_add_test(tc, without_drop_hook_cpu_sees_stale_frame);
	tcase_add_test(tc, lru_sees_fast_hits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
