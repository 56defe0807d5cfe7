/*
 * tests/unit/test_monitor_modes.c — the MMU modes on tiny hand-assembled
 * guests (monitor/vmm/modes.h): the hypervisor CPUID leaves, the console
 * hypercall and vmcall's #UD without --paravirt, the swtlb MSRs (refill
 * vector, privileged TLB write into the apps' view, #GP outside swtlb),
 * nested mode (no TLB-miss exits, 2-D walks counted, an EPT violation is a
 * clean stop), strict-x86 (sidt untrapped shows the monitor's IDT).
 */
#include <check.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmm/modes.h"
#include "tests/unit/guest_file.h"
#include "tests/unit/check_run.h"

/* The defaults of these tests: 4 MiB, no boot modules, a short instruction budget. */
static void guest_config(struct mon_config *c, const char *path)
{
	mon_config_defaults(c);
	c->kernel = path;
	c->nmodules = 0;
	c->modules_given = true;
	c->mem_size = 4ull << 20;
	c->max_insns = 100000;
}

/* Boot code with config c (its kernel set here) and run it to its stop. */
static struct vm *run_cfg(const uint8_t *code, size_t n, struct mon_config *c)
{
	char *path = test_guest_file(code, n, 512, 4096);
	c->kernel = path;
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "create: %s", err);
	mon_vm_set_serial_echo(vm, NULL);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	unlink(path);
	free(path);
	return vm;
}

static struct vm *run_guest(const uint8_t *code, size_t n, enum mon_mmu_mode mmu, bool pv,
			    bool strict)
{
	struct mon_config c;
	guest_config(&c, NULL);
	c.mmu = mmu;
	c.paravirt = pv;
	c.strict_x86 = strict;
	return run_cfg(code, n, &c);
}

/* mov eax, 0x40000000; cpuid; mov r8, rax; mov eax, 0x40000001; cpuid; cli; hlt */
static const uint8_t prog_cpuid[] = {
	0xb8, 0x00, 0x00, 0x00, 0x40, 0x0f, 0xa2, 0x49, 0x89, 0xc0,
	0x41, 0x89, 0xd9, 0x41, 0x89, 0xca, 0x41, 0x89, 0xd3, /* mov r9d,ebx; mov r10d,ecx; mov r11d,edx */
	0xb8, 0x01, 0x00, 0x00, 0x40, 0x0f, 0xa2, 0xfa, 0xf4,
};

START_TEST(cpuid_says_vmlab_and_the_features)
{
	for (int mode = 0; mode < 4; mode++) {
		enum mon_mmu_mode mmu = mode == 1 ? MON_MMU_SWTLB : mode == 2 ? MON_MMU_NESTED : MON_MMU_SHADOW;
		struct vm *vm = run_guest(prog_cpuid, sizeof prog_cpuid, mmu, mode == 3, false);
		const struct cpu *cpu = mon_vm_cpu(vm);
		ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
		char sig[13];
		uint32_t r[3] = { (uint32_t)cpu->gpr[R9], (uint32_t)cpu->gpr[R10], (uint32_t)cpu->gpr[R11] };
		memcpy(sig, r, 12);
		sig[12] = 0;
		ck_assert_str_eq(sig, "VmlabVmlabVm");
		ck_assert_uint_eq(cpu->gpr[R8], VMLAB_CPUID_FEATURES);
		uint32_t want = mode == 1 ? VMLAB_FEAT_SWTLB : mode == 2 ? VMLAB_FEAT_NESTED :
				mode == 3 ? VMLAB_FEAT_HYPERCALL : 0;
		ck_assert_uint_eq(cpu->gpr[RAX], want);
		ck_assert_uint_eq(cpu->gpr[RCX], VMLAB_MSR_TLB_WRITE);
		mon_vm_destroy(vm);
	}
}
END_TEST

/* LCR = 8N1 (one port exit); mov edi, 0x100100; mov esi, 5; mov eax, 1; vmcall; mov r8, rax;
 * cli; hlt; ... "hello" at +0x100 */
static uint8_t prog_vmcall[0x110] = {
	0x66, 0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee,
	0xbf, 0x00, 0x01, 0x10, 0x00, 0xbe, 0x05, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00,
	0x0f, 0x01, 0xc1, 0x49, 0x89, 0xc0, 0xfa, 0xf4,
};

START_TEST(console_hypercall_and_ud_without_paravirt)
{
	memcpy(prog_vmcall + 0x100, "hello", 5);
	struct vm *vm = run_guest(prog_vmcall, sizeof prog_vmcall, MON_MMU_SHADOW, true, false);
	size_t n;
	const char *s = mon_vm_serial(vm, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert(!memcmp(s, "hello", 5));
	ck_assert_uint_eq(mon_vm_cpu(vm)->gpr[R8], 5);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	ck_assert_uint_eq(mon_vm_stats(vm)->sens[SOP_VMCALL], 1);
	ck_assert_uint_eq(mon_vm_stats(vm)->io_accesses, 1); /* the LCR write; none per byte */
	mon_vm_destroy(vm);
	/* the same guest without --paravirt: #UD, no IDT -> triple fault, nothing printed */
	vm = run_guest(prog_vmcall, sizeof prog_vmcall, MON_MMU_SHADOW, false, false);
	mon_vm_serial(vm, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_TRIPLE_FAULT);
	mon_vm_destroy(vm);
}
END_TEST

/* wrmsr(0x40000100, 0x10e); wrmsr(0x40000101, PA 0x200000 | P RW US) with RDI = 0x700000; cli; hlt */
static const uint8_t prog_tlbwrite[] = {
	0xb9, 0x00, 0x01, 0x00, 0x40, 0xb8, 0x0e, 0x01, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
	0xb9, 0x01, 0x01, 0x00, 0x40, 0xb8, 0x07, 0x00, 0x20, 0x00, 0x31, 0xd2,
	0xbf, 0x00, 0x00, 0x70, 0x00, 0x0f, 0x30, 0xfa, 0xf4,
};

START_TEST(swtlb_tlb_write_installs_x_to_z_in_the_apps_view)
{
	struct vm *vm = run_guest(prog_tlbwrite, sizeof prog_tlbwrite, MON_MMU_SWTLB, false, false);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	ck_assert_uint_eq(vm->modes->swtlb_vector, 14);
	ck_assert_uint_eq(vm->modes->tlb_writes, 1);
	struct tlb_key k = { .vmid = 0, .asid = 0, .view = TLB_VIEW_USER, .va = 0x700123 };
	const struct tlb_entry *e = tlb_probe(mon_vm_tlb(vm), &k, NULL);
	ck_assert_ptr_nonnull(e);
	ma_t z;
	ck_assert(mon_pa_to_ma(vm, 0x200000, &z));
	ck_assert_uint_eq(e->ma, z);           /* X -> Z ... */
	ck_assert_uint_ne(e->ma, 0x200000);    /* ... not X -> Y */
	ck_assert_uint_eq(e->perm & (TLB_R | TLB_W | TLB_U | TLB_X), TLB_R | TLB_W | TLB_U | TLB_X);
	k.view = TLB_VIEW_KERNEL;
	ck_assert_ptr_null(tlb_probe(mon_vm_tlb(vm), &k, NULL));
	char why[160];
	ck_assert_uint_eq(shadow_check_isolation(mon_vm_shadow(vm), why, sizeof why), 0);
	mon_vm_destroy(vm);
	/* not in swtlb mode: an unknown MSR, #GP, no IDT -> triple fault */
	vm = run_guest(prog_tlbwrite, sizeof prog_tlbwrite, MON_MMU_SHADOW, false, false);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_TRIPLE_FAULT);
	mon_vm_destroy(vm);
}
END_TEST

/* movabs rax, 0xffffffff80100000 (kernel segment + PA 0x100000, this code); mov rbx, [rax]; cli; hlt */
static const uint8_t prog_kseg[] = {
	0x48, 0xb8, 0x00, 0x00, 0x10, 0x80, 0xff, 0xff, 0xff, 0xff, 0x48, 0x8b, 0x18, 0xfa, 0xf4,
};

/*
 * swtlb: kernel A's own addresses are an unmapped segment (MIPS kseg0): the
 * read through VMLAB_SWTLB_KSEG_BASE + PA needs no page table (the firmware
 * maps only low memory), takes no TLB entry and no exit. Under shadow paging
 * the same read goes through the guest's table: no mapping, a true fault.
 */
START_TEST(swtlb_kernel_segment_is_untranslated)
{
	struct vm *vm = run_guest(prog_kseg, sizeof prog_kseg, MON_MMU_SWTLB, false, false);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	uint64_t first8;
	memcpy(&first8, prog_kseg, 8);
	ck_assert_uint_eq(mon_vm_cpu(vm)->gpr[RBX], first8);
	struct tlb_key k = { .vmid = 0, .asid = 0, .view = TLB_VIEW_KERNEL, .va = 0xffffffff80100000ull };
	ck_assert_ptr_null(tlb_probe(mon_vm_tlb(vm), &k, NULL));
	/* the only TLB-miss exit is the firmware-mapped code page's first fetch */
	ck_assert_uint_eq(mon_vm_stats(vm)->exits[CPU_EXIT_TLB_MISS], 1);
	ck_assert_uint_eq(mon_vm_stats(vm)->true_faults, 0);
	mon_vm_destroy(vm);
	vm = run_guest(prog_kseg, sizeof prog_kseg, MON_MMU_SHADOW, false, false);
	ck_assert_int_ne(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	ck_assert_uint_eq(mon_vm_stats(vm)->true_faults, 1);
	mon_vm_destroy(vm);
}
END_TEST

/* LCR=8N1; poll THRE; out 'A'; touch VA 0x200000 (another 2 MiB page); cli; hlt */
static const uint8_t prog_hello[] = {
	0x66, 0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee,
	0x66, 0xba, 0xfd, 0x03, 0xec, 0xa8, 0x20, 0x74, 0xf7,
	0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee,
	0x88, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, /* mov [0x200000], al */
	0xfa, 0xf4,
};
/* PD[3] (VA 6M) -> PA 1 GiB, outside 4 MiB of RAM; then touch VA 6M */
static const uint8_t prog_badpa[] = {
	0x48, 0xb8, 0x83, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x48, 0x89, 0x04, 0x25, 0x18, 0x50, 0x00, 0x00,
	0x88, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00,
	0xeb, 0xfe,
};

START_TEST(nested_walks_without_exits_and_stops_on_ept_violation)
{
	struct vm *vm = run_guest(prog_hello, sizeof prog_hello, MON_MMU_NESTED, false, false);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	size_t n;
	ck_assert_int_eq(mon_vm_serial(vm, &n)[0], 'A');
	ck_assert_uint_eq(mon_vm_stats(vm)->exits[CPU_EXIT_TLB_MISS], 0);
	ck_assert_uint_ge(vm->modes->walks2d, 2);
	/* the firmware maps with 2 MiB pages: 3 guest levels x 5 + 4 = 19 per walk */
	ck_assert_uint_eq(vm->modes->walk2d_refs, 19 * vm->modes->walks2d);
	ck_assert_uint_eq(vm->tlb->stats.misses, vm->modes->walks2d);
	mon_vm_destroy(vm);
	vm = run_guest(prog_badpa, sizeof prog_badpa, MON_MMU_NESTED, false, false);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_BAD_GUEST);
	ck_assert_ptr_nonnull(strstr(mon_vm_stop(vm)->message, "EPT violation"));
	ck_assert_ptr_nonnull(strstr(mon_vm_stop(vm)->message, "0x40000000"));
	mon_vm_destroy(vm);
}
END_TEST

/*
 * One cost model: mon_vm_cycles is the sum of count x price over the terms
 * mon_vm_cost_counts lists, for a monitored run and a bare-core run alike
 * (the bare core: no exits, emulation or reflection; its own paging walks).
 * `vmlab run` and `vmlab compare` print this number (tests/modes/compare.sh
 * checks that they agree).
 */
START_TEST(cost_model_one_function)
{
	struct mon_config c;
	guest_config(&c, NULL);
	static const char *const names[] = { "insn", "tlb_hit", "tlb_miss", "walk_ref", "exit",
					     "emulate", "reflect", "shadow_fill", "pt_write", "io" };
	for (unsigned t = 0; t < MON_COST_TERMS; t++) {
		ck_assert_str_eq(mon_cost_name((enum mon_cost_term)t), names[t]);
		ck_assert(mon_cost_set(&c.cost, names[t], 3 + t)); /* every price distinct, non-zero */
		ck_assert_uint_eq(mon_cost_price(&c.cost, (enum mon_cost_term)t), 3 + t);
	}
	ck_assert(!mon_cost_set(&c.cost, "tlb-miss", 1));
	for (int bare = 0; bare < 2; bare++) {
		struct mon_config run = c;
		run.bare_core = bare;
		struct vm *vm = run_cfg(prog_hello, sizeof prog_hello, &run);
		ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
		struct mon_cost_counts n;
		mon_vm_cost_counts(vm, &n);
		uint64_t sum = 0;
		for (unsigned t = 0; t < MON_COST_TERMS; t++)
			sum += n.n[t] * (3 + t);
		ck_assert_uint_eq(mon_vm_cycles(vm), sum);
		ck_assert_uint_eq(mon_cost_cycles(&run.cost, &n), sum);
		ck_assert_uint_eq(n.n[MON_COST_INSN], mon_vm_stats(vm)->insns_user + mon_vm_stats(vm)->insns_kernel);
		ck_assert_uint_eq(n.n[MON_COST_IO], mon_vm_stats(vm)->io_accesses);
		ck_assert_uint_gt(n.n[MON_COST_IO], 0);
		if (bare) { /* no monitor: nothing exits, nothing is emulated; the core walked its own tables */
			ck_assert_uint_eq(n.n[MON_COST_EXIT] + n.n[MON_COST_EMULATE] + n.n[MON_COST_REFLECT], 0);
			ck_assert_uint_gt(n.n[MON_COST_TLB_MISS], 0);
			ck_assert_uint_ge(n.n[MON_COST_WALK_REF], 3 * n.n[MON_COST_TLB_MISS]);
		} else {
			ck_assert_uint_eq(n.n[MON_COST_EXIT], mon_stats_exits(mon_vm_stats(vm)));
			ck_assert_uint_gt(n.n[MON_COST_EXIT], 0);
		}
		mon_vm_destroy(vm);
	}
}
END_TEST

/* sidt [0x100200]; cli; hlt */
static const uint8_t prog_sidt[] = { 0x0f, 0x01, 0x0c, 0x25, 0x00, 0x02, 0x10, 0x00, 0xfa, 0xf4 };

START_TEST(strict_sidt_is_untrapped_and_leaks)
{
	struct vm *vm = run_guest(prog_sidt, sizeof prog_sidt, MON_MMU_SHADOW, false, true);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	uint8_t b[10];
	ck_assert_uint_eq(mon_read_va(vm, 0x100200, b, 10), 10);
	uint64_t base;
	memcpy(&base, b + 2, 8);
	ck_assert_uint_eq(base, 0xfffffe0000001000ull);
	ck_assert_uint_eq(mon_vm_cpu(vm)->stats.untrapped[SOP_SIDT], 1);
	ck_assert_uint_eq(mon_vm_stats(vm)->sens[SOP_SIDT], 0);
	mon_vm_destroy(vm);
	vm = run_guest(prog_sidt, sizeof prog_sidt, MON_MMU_SHADOW, false, false);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT); /* emulated, then cli; hlt */
	ck_assert_uint_eq(mon_read_va(vm, 0x100200, b, 10), 10);
	memcpy(&base, b + 2, 8);
	ck_assert_uint_eq(base, 0); /* the guest never loaded an IDT: its own (empty) IDTR */
	ck_assert_uint_eq(mon_vm_stats(vm)->sens[SOP_SIDT], 1);
	mon_vm_destroy(vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_modes");
	TCase *tc = tcase_create("modes");
	tcase_add_test(tc, cpuid_says_vmlab_and_the_features);
	tcase_add_test(tc, console_hypercall_and_ud_without_paravirt);
	tcase_add_test(tc, swtlb_tlb_write_installs_x_to_z_in_the_apps_view);
	tcase_add_test(tc, swtlb_kernel_segment_is_untranslated);
	tcase_add_test(tc, cost_model_one_function);
	tcase_add_test(tc, nested_walks_without_exits_and_stops_on_ept_violation);
	tcase_add_test(tc, strict_sidt_is_untrapped_and_leaks);
	suite_add_tcase(s, tc);
	return check_run(s);
}
