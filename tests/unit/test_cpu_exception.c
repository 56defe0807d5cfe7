/*
 * tests/unit/test_cpu_exception.c — delivery through the 64-bit IDT:
 * frames with and without a privilege switch, error codes, IF clearing by
 * interrupt gates, IST stacks, gate checks (DPL, present, IDT limit), #DF
 * from nested faults and the triple fault, software and external
 * interrupts.
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

static struct cpu C;
static void setup(void) { fx_setup(&C); }
static void teardown(void) { fx_teardown(&C); }
static void reset(void) { fx_teardown(&C); fx_setup(&C); }

/* The 64-bit interrupt frame at `sp` (lowest address = what RSP points at). */
struct frame {
	uint64_t err, rip, cs, rflags, rsp, ss;
};
static struct frame frame_at(uint64_t sp, bool has_err)
{
	struct frame f = { 0 };
	if (has_err) {
		f.err = get64(sp);
		sp += 8;
	}
	f.rip = get64(sp);
	f.cs = get64(sp + 8);
	f.rflags = get64(sp + 16);
	f.rsp = get64(sp + 24);
	f.ss = get64(sp + 32);
	return f;
}

START_TEST(test_same_level_fault_with_error)
{
	C.gpr[RSP] = 0x8f38; /* not 16-aligned: the CPU aligns first */
	C.rip = 0x201234;
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_TF | RFLAGS_CF);
	ck_assert_int_eq(cpu_deliver(&C, VEC_GP, 0x18, false), CPU_EXIT_NONE);
	ck_assert_uint_eq(C.gpr[RSP], 0x8f30 - 48);
	struct frame f = frame_at(C.gpr[RSP], true);
	ck_assert_uint_eq(f.err, 0x18);
	ck_assert_uint_eq(f.rip, 0x201234);
	ck_assert_uint_eq(f.cs, SEL_KCODE);
	ck_assert_uint_eq(f.rflags, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_TF | RFLAGS_CF | RFLAGS_RF);
	ck_assert_uint_eq(f.rsp, 0x8f38);
	ck_assert_uint_eq(f.ss, SEL_KDATA);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP));
	ck_assert_uint_eq(C.cpl, 0);
	/* interrupt gate: IF cleared; TF cleared */
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_CF);
}
END_TEST

START_TEST(test_trap_gate_keeps_if)
{
	set_gate(0x40, SEL_KCODE, 0xffffffff80001000ull, 0xf, 0, 0, true);
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	uint64_t sp = C.gpr[RSP];
	ck_assert(cpu_interrupt(&C, 0x40, true));
	ck_assert_uint_eq(C.rip, 0xffffffff80001000ull);
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
	ck_assert_uint_eq(C.gpr[RSP], sp - 40); /* no error code */
	ck_assert_uint_eq(frame_at(C.gpr[RSP], false).rflags, RFLAGS_FIXED | RFLAGS_IF); /* no RF */
}
END_TEST

START_TEST(test_privilege_switch)
{
	fx_user(&C);
	C.gpr[RSP] = 0x7ff8;
	C.rip = 0x401000;
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	C.cr2 = 0;
	ck_assert_int_eq(cpu_deliver(&C, VEC_PF, PFERR_U | PFERR_W, false), CPU_EXIT_NONE);
	ck_assert_uint_eq(C.cpl, 0);
	ck_assert_uint_eq(C.seg[SEG_CS].sel, SEL_KCODE);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, 0); /* null SS with RPL 0 */
	ck_assert_uint_eq(C.gpr[RSP], FX_RSP0 - 48);
	struct frame f = frame_at(C.gpr[RSP], true);
	ck_assert_uint_eq(f.err, PFERR_U | PFERR_W);
	ck_assert_uint_eq(f.rip, 0x401000);
	ck_assert_uint_eq(f.cs, SEL_UCODE);
	ck_assert_uint_eq(f.rsp, 0x7ff8);
	ck_assert_uint_eq(f.ss, SEL_UDATA);
	ck_assert_uint_eq(f.rflags, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_RF);
	ck_assert(!(cpu_get_rflags(&C) & RFLAGS_IF));
}
END_TEST

START_TEST(test_ist_stack)
{
	set_gate(VEC_NMI, SEL_KCODE, HANDLER(VEC_NMI), 0xe, 0, 1, true);
	ck_assert_int_eq(cpu_deliver(&C, VEC_NMI, CPU_NO_ERROR, false), CPU_EXIT_NONE);
	ck_assert_uint_eq(C.gpr[RSP], FX_IST1 - 40);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_NMI));
}
END_TEST

/* int n from CPL 3: a DPL-3 gate lets it through (RIP after the insn), a
 * DPL-0 gate turns it into #GP(vector*8+2) reported at the int itself. */
START_TEST(test_soft_int_dpl)
{
	set_gate(0x80, SEL_KCODE, HANDLER(0x80), 0xf, 3, 0, true);
	fx_user(&C);
	C.rip = 0x401000;
	struct cpu_sens s = { .op = SOP_INTN, .imm = 0x80, .len = 2 };
	struct outcome o = fx_exec(&C, s);
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_NONE);
	ck_assert_uint_eq(C.rip, HANDLER(0x80));
	ck_assert_uint_eq(C.cpl, 0);
	struct frame f = frame_at(C.gpr[RSP], false);
	ck_assert_uint_eq(f.rip, 0x401002);
	ck_assert_uint_eq(f.rflags & RFLAGS_RF, 0);

	fx_user(&C);
	C.rip = 0x401000;
	s.imm = 0x81; /* DPL 0 gate */
	o = fx_exec(&C, s);
	ck_ok(o);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP));
	f = frame_at(C.gpr[RSP], true);
	ck_assert_uint_eq(f.err, 0x81 * 8 + 2); /* IDT bit, EXT clear */
	ck_assert_uint_eq(f.rip, 0x401000);

	/* int3 is checked too */
	fx_user(&C);
	C.rip = 0x401000;
	o = fx_exec(&C, (struct cpu_sens){ .op = SOP_INT3, .len = 1 });
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP));
	ck_assert_uint_eq(frame_at(C.gpr[RSP], true).err, VEC_BP * 8 + 2);
	set_gate(VEC_BP, SEL_KCODE, HANDLER(VEC_BP), 0xf, 3, 0, true);
	fx_user(&C);
	C.rip = 0x401000;
	o = fx_exec(&C, (struct cpu_sens){ .op = SOP_INT3, .len = 1 });
	ck_assert_uint_eq(C.rip, HANDLER(VEC_BP));
	ck_assert_uint_eq(frame_at(C.gpr[RSP], false).rip, 0x401001);
}
END_TEST

START_TEST(test_soft_int_virt_exits)
{
	C.ctl.virt = true;
	fx_user(&C);
	C.rip = 0x401000;
	struct outcome o = fx_exec(&C, (struct cpu_sens){ .op = SOP_INTN, .imm = 0x80, .len = 2 });
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, 0x80);
	ck_assert(C.exit.soft);
	ck_assert(!C.exit.has_error);
	ck_assert_uint_eq(C.rip, 0x401002);
	ck_assert_uint_eq(C.cpl, 3);
}
END_TEST

START_TEST(test_gate_not_present_and_limit)
{
	set_gate(0x30, SEL_KCODE, HANDLER(0x30), 0xe, 0, 0, false);
	ck_assert(cpu_interrupt(&C, 0x30, false));
	ck_assert_uint_eq(C.rip, HANDLER(VEC_NP));
	ck_assert_uint_eq(frame_at(C.gpr[RSP], true).err, 0x30 * 8 + 2 + 1); /* IDT + EXT */

	reset();
	C.idtr.limit = 0x40 * 16 - 1;
	ck_assert(cpu_interrupt(&C, 0x40, false));
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP));
	ck_assert_uint_eq(frame_at(C.gpr[RSP], true).err, 0x40 * 8 + 2 + 1);

	/* a 32-bit gate type (or any non-64-bit gate) is #GP */
	reset();
	uint64_t lo = get64(FX_IDT + 16 * 0x41);
	put64(FX_IDT + 16 * 0x41, (lo & ~(0xfull << 40)) | (0xcull << 40));
	ck_assert(cpu_interrupt(&C, 0x41, false));
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP));
	ck_assert_uint_eq(frame_at(C.gpr[RSP], true).err, 0x41 * 8 + 2 + 1);

	/* a gate whose code segment is a data segment: #GP(selector | EXT) */
	reset();
	set_gate(0x42, SEL_KDATA, HANDLER(0x42), 0xe, 0, 0, true);
	ck_assert(cpu_interrupt(&C, 0x42, false));
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP));
	ck_assert_uint_eq(frame_at(C.gpr[RSP], true).err, SEL_KDATA | 1);
}
END_TEST

/* #UD (benign) whose gate is missing: the #NP is delivered, no #DF. */
START_TEST(test_benign_then_contributory_is_serial)
{
	set_gate(VEC_UD, SEL_KCODE, HANDLER(VEC_UD), 0xe, 0, 0, false);
	ck_assert_int_eq(cpu_deliver(&C, VEC_UD, CPU_NO_ERROR, false), CPU_EXIT_NONE);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_NP));
}
END_TEST

/* #GP whose gate is missing: #NP while delivering #GP makes a #DF. */
START_TEST(test_double_fault_contributory)
{
	set_gate(VEC_GP, SEL_KCODE, HANDLER(VEC_GP), 0xe, 0, 0, false);
	C.rip = 0x205000;
	ck_assert_int_eq(cpu_deliver(&C, VEC_GP, 0, false), CPU_EXIT_NONE);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_DF));
	struct frame f = frame_at(C.gpr[RSP], true);
	ck_assert_uint_eq(f.err, 0);
	ck_assert_uint_eq(f.rip, 0x205000);
}
END_TEST

/* A #PF whose frame cannot be pushed (RSP0 outside RAM): the nested #PF
 * makes a #DF, which runs on its IST stack; CR2 is the stack address. */
START_TEST(test_double_fault_page_fault_on_stack)
{
	set_gate(VEC_DF, SEL_KCODE, HANDLER(VEC_DF), 0xe, 0, 1, true);
	put64(FX_TSS + 4, FX_RAM + 0x10000);
	fx_user(&C);
	C.rip = 0x401000;
	ck_assert_int_eq(cpu_deliver(&C, VEC_PF, PFERR_U, false), CPU_EXIT_NONE);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_DF));
	ck_assert_uint_eq(C.gpr[RSP], FX_IST1 - 48);
	ck_assert_uint_eq(C.cr2, FX_RAM + 0x10000 - 8);
	struct frame f = frame_at(C.gpr[RSP], true);
	ck_assert_uint_eq(f.rip, 0x401000);
	ck_assert_uint_eq(f.cs, SEL_UCODE);
	ck_assert_uint_eq(C.cpl, 0);
}
END_TEST

START_TEST(test_triple_fault)
{
	set_gate(VEC_GP, SEL_KCODE, HANDLER(VEC_GP), 0xe, 0, 0, false);
	set_gate(VEC_DF, SEL_KCODE, HANDLER(VEC_DF), 0xe, 0, 0, false);
	C.rip = 0x205000;
	uint64_t rsp = C.gpr[RSP];
	ck_assert_int_eq(cpu_deliver(&C, VEC_GP, 0, false), CPU_EXIT_TRIPLE_FAULT);
	ck_assert_int_eq(C.exit.reason, CPU_EXIT_TRIPLE_FAULT);
	ck_assert_uint_eq(C.rip, 0x205000); /* nothing committed */
	ck_assert_uint_eq(C.gpr[RSP], rsp);

	/* an empty IDT: the classic triple fault */
	reset();
	C.idtr.limit = 0;
	ck_assert(cpu_interrupt(&C, VEC_UD, false));
	ck_assert_int_eq(C.exit.reason, CPU_EXIT_TRIPLE_FAULT);
}
END_TEST

START_TEST(test_external_interrupt_masking)
{
	cpu_set_rflags(&C, RFLAGS_FIXED);
	uint64_t rip = C.rip;
	ck_assert(!cpu_interrupt(&C, 0x20, true));
	ck_assert_uint_eq(C.rip, rip);
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	C.cr8 = 2; /* blocks priority classes 0..2 */
	ck_assert(!cpu_interrupt(&C, 0x2f, true));
	ck_assert(cpu_interrupt(&C, 0x30, true));
	ck_assert_uint_eq(C.rip, HANDLER(0x30));
	struct frame f = frame_at(C.gpr[RSP], false);
	ck_assert_uint_eq(f.rip, rip);
	ck_assert_uint_eq(f.rflags, RFLAGS_FIXED | RFLAGS_IF);
}
END_TEST

START_TEST(test_vector_kinds)
{
	static const unsigned faults[] = { 0, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17 };
	static const unsigned traps[] = { 1, 2, 3, 4, 18, 32, 0x80, 255 };
	for (unsigned i = 0; i < sizeof faults / sizeof faults[0]; i++)
		ck_assert_msg(cpu_vector_is_fault(faults[i]), "vector %u", faults[i]);
	for (unsigned i = 0; i < sizeof traps / sizeof traps[0]; i++)
		ck_assert_msg(!cpu_vector_is_fault(traps[i]), "vector %u", traps[i]);
}
END_TEST

/* A DPL-3 gate to a DPL-3 code segment taken at CPL 3: no privilege
 * switch, the frame goes on the user stack (pushed as user accesses). */
START_TEST(test_user_level_handler)
{
	set_gate(0x90, SEL_UCODE, 0x402000, 0xe, 3, 0, true);
	fx_user(&C);
	C.gpr[RSP] = 0x7f00;
	C.rip = 0x401000;
	ck_ok(fx_exec(&C, (struct cpu_sens){ .op = SOP_INTN, .imm = 0x90, .len = 2 }));
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.rip, 0x402000);
	ck_assert_uint_eq(C.gpr[RSP], 0x7f00 - 40);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, SEL_UDATA);
	struct frame f = frame_at(C.gpr[RSP], false);
	ck_assert_uint_eq(f.rip, 0x401002);
	ck_assert_uint_eq(f.cs, SEL_UCODE);
	ck_assert_uint_eq(f.ss, SEL_UDATA);
}
END_TEST

/* A non-canonical RSP0: #SS(EXT) while switching stacks, again for the
 * #SS itself, so #DF, which has its own IST stack. */
START_TEST(test_bad_rsp0_double_faults)
{
	put64(FX_TSS + 4, 0x0000800000000000ull);
	set_gate(VEC_DF, SEL_KCODE, HANDLER(VEC_DF), 0xe, 0, 1, true);
	fx_user(&C);
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	ck_assert(cpu_interrupt(&C, 0x20, true));
	ck_assert_uint_eq(C.rip, HANDLER(VEC_DF));
	ck_assert_uint_eq(C.gpr[RSP], FX_IST1 - 48);
	ck_assert_uint_eq(frame_at(C.gpr[RSP], true).err, 0);
}
END_TEST

/* No TSS loaded: a switch to CPL 0 is #TS, so is delivering the #TS, and
 * the #DF cannot switch stacks either: triple fault. */
START_TEST(test_no_tss_triple_faults)
{
	C.tr = 0;
	fx_user(&C);
	ck_assert(cpu_interrupt(&C, VEC_UD, false));
	ck_assert_int_eq(C.exit.reason, CPU_EXIT_TRIPLE_FAULT);
	ck_assert_uint_eq(C.cpl, 3);
}
END_TEST

/* An MMU that misses on one page: delivery stops with a TLB-miss exit and
 * changes nothing, so the event can be raised again. */
static enum mmu_result miss_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				      unsigned cpl, struct mmu_xlat *out)
{
	(void)ctx; (void)cpu; (void)acc; (void)cpl;
	if ((va & PAGE_MASK) == ((FX_RSP0 - 8) & PAGE_MASK))
		return MMU_MISS;
	out->ma = va;
	out->cacheable = false;
	out->touch = NULL;
	return MMU_OK;
}

START_TEST(test_miss_during_delivery)
{
	C.mmu.translate = miss_translate;
	C.mmu.ctx = NULL;
	cpu_ftlb_flush(&C);
	fx_user(&C);
	C.rip = 0x401000;
	ck_assert_int_eq(cpu_deliver(&C, VEC_GP, 0, false), CPU_EXIT_TLB_MISS);
	ck_assert_uint_eq(C.exit.va & PAGE_MASK, (FX_RSP0 - 8) & PAGE_MASK);
	ck_assert_int_eq(C.exit.access, ACC_WRITE);
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.rip, 0x401000);
	ck_assert_uint_eq(C.gpr[RSP], FX_USTACK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_exception");
	TCase *t = tcase_create("idt");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_same_level_fault_with_error);
	tcase_add_test(t, test_trap_gate_keeps_if);
	tcase_add_test(t, test_privilege_switch);
	tcase_add_test(t, test_ist_stack);
	tcase_add_test(t, test_soft_int_dpl);
	tcase_add_test(t, test_soft_int_virt_exits);
	tcase_add_test(t, test_gate_not_present_and_limit);
	tcase_add_test(t, test_benign_then_contributory_is_serial);
	tcase_add_test(t, test_double_fault_contributory);
	tcase_add_test(t, test_double_fault_page_fault_on_stack);
	tcase_add_test(t, test_triple_fault);
	tcase_add_test(t, test_external_interrupt_masking);
	tcase_add_test(t, test_vector_kinds);
	tcase_add_test(t, test_user_level_handler);
	tcase_add_test(t, test_bad_rsp0_double_faults);
	tcase_add_test(t, test_no_tss_triple_faults);
	tcase_add_test(t, test_miss_during_delivery);
	suite_add_tcase(s, t);
	return check_run(s);
}
