/*
 * tests/unit/test_cpu_exec_deliver.c — the run loop on bare metal
 * (ctl.virt off): faults raised while executing are undone and delivered
 * through the IDT with the right frame (fault RIP = the instruction, trap
 * RIP = after it), CR2 is set for #PF, user-mode faults switch to RSP0,
 * privileged instructions at CPL 3 #GP, and retired instructions are
 * counted per CPL. Uses the system side's machine (test_cpu_sysfix.h);
 * every handler is a hlt, so cpu_run stops in it.
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

static struct cpu C;
static void setup(void)
{
	fx_setup(&C);
	for (unsigned v = 0; v < 32; v++)
		fx_ram[HANDLER(v)] = 0xf4; /* hlt */
}
static void teardown(void) { fx_teardown(&C); }

static void code(uint64_t at, const uint8_t *b, size_t n)
{
	memcpy(fx_ram + at, b, n);
	cpu_code_written(&C, at, n);
}
#define CODE(at, ...) code((at), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

START_TEST(test_page_fault_delivered)
{
	CODE(0x200000, 0x90, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x05); /* nop; mov rax, [0x5000000] */
	uint64_t sp = C.gpr[RSP];
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_HLT);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_PF) + 1);
	ck_assert_uint_eq(C.cr2, 0x5000000);
	ck_assert_uint_eq(get64(C.gpr[RSP]), 0);             /* error code: not present, read, supervisor */
	ck_assert_uint_eq(get64(C.gpr[RSP] + 8), 0x200001);  /* RIP of the faulting instruction */
	ck_assert_uint_eq(get64(C.gpr[RSP] + 32), sp);       /* RSP before */
	ck_assert_uint_eq(C.icount, 2);                      /* nop and hlt retired, not the mov */
}
END_TEST

START_TEST(test_divide_error_delivered)
{
	CODE(0x200000, 0x31, 0xc9, 0xf7, 0xf1); /* xor ecx, ecx; div ecx */
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_HLT);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_DE) + 1);
	ck_assert_uint_eq(get64(C.gpr[RSP]), 0x200002); /* no error code: RIP first */
}
END_TEST

START_TEST(test_int3_is_a_trap)
{
	CODE(0x200000, 0xcc);
	set_gate(VEC_BP, SEL_KCODE, HANDLER(VEC_BP), 0xe, 3, 0, true);
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_HLT);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_BP) + 1);
	ck_assert_uint_eq(get64(C.gpr[RSP]), 0x200001); /* after the int3 */
}
END_TEST

START_TEST(test_user_fault_switches_stack)
{
	fx_user(&C);
	CODE(0x200000, 0x0f, 0x0b); /* ud2 at CPL 3 */
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_HLT);
	ck_assert_uint_eq(C.cpl, 0);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_UD) + 1);
	ck_assert_uint_eq(C.gpr[RSP], FX_RSP0 - 40);
	ck_assert_uint_eq(get64(C.gpr[RSP]), 0x200000);
	ck_assert_uint_eq(get64(C.gpr[RSP] + 24), FX_USTACK);
	ck_assert_uint_eq(C.stats.insns_user, 0);
	ck_assert_uint_eq(C.stats.insns_kernel, 1); /* the hlt */
}
END_TEST

START_TEST(test_privileged_at_cpl3_is_gp)
{
	fx_user(&C);
	CODE(0x200000, 0x90, 0x90, 0x0f, 0x22, 0xd8); /* nop; nop; mov cr3, rax */
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_HLT);
	ck_assert_uint_eq(C.rip, HANDLER(VEC_GP) + 1);
	ck_assert_uint_eq(get64(C.gpr[RSP]), 0);        /* #GP(0) */
	ck_assert_uint_eq(get64(C.gpr[RSP] + 8), 0x200002);
	ck_assert_uint_eq(C.stats.insns_user, 2);
	ck_assert_uint_eq(C.stats.insns_kernel, 1);
}
END_TEST

START_TEST(test_virt_exit_instead_of_delivery)
{
	fx_user(&C);
	C.ctl.virt = true;
	C.ctl.sensitive = SENS_ALL;
	CODE(0x200000, 0x0f, 0x0b);
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_UD);
	ck_assert_uint_eq(C.rip, 0x200000);
	ck_assert_uint_eq(C.cpl, 3);
	/* a class that is not trapped behaves as on real x86 at CPL 3: #GP */
	C.ctl.sensitive = SENS_ALL & ~SENS_CR;
	CODE(0x200000, 0x0f, 0x22, 0xd8);
	ck_assert_int_eq(cpu_run(&C, 100), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_GP);
	ck_assert(C.exit.has_error);
	ck_assert_uint_eq(C.exit.error, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_exec_deliver");
	TCase *tc = tcase_create("deliver");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_page_fault_delivered);
	tcase_add_test(tc, test_divide_error_delivered);
	tcase_add_test(tc, test_int3_is_a_trap);
	tcase_add_test(tc, test_user_fault_switches_stack);
	tcase_add_test(tc, test_privileged_at_cpl3_is_gp);
	tcase_add_test(tc, test_virt_exit_instead_of_delivery);
	suite_add_tcase(s, tc);
	return check_run(s);
}
