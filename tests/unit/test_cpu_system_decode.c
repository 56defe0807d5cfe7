/*
 * tests/unit/test_cpu_system_decode.c — every sensitive instruction, as
 * bytes run by the core at CPL 3 under the virtualization control:
 *   - with its class trapped: CPU_EXIT_SENSITIVE before it runs, the
 *     decoded op and length in exit.sens, RIP at the instruction;
 *   - with nothing trapped (strict x86): what real hardware does — #GP(0)
 *     for the privileged ones, the instruction simply running for the
 *     rest (a ud2 placed after it then exits with #UD past it).
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

#define CODE 0x20000u
#define LSTAR_UD2 0x21000u
#define DONE 0xff /* "ran": the ud2 after it raised #UD */

struct sens_case {
	const char *name;
	uint8_t bytes[4];
	uint8_t len;
	enum cpu_sens_op op;
	uint8_t strict; /* vector of the exception exit with nothing trapped, or DONE */
};

static const struct sens_case cases[] = {
	{ "mov cr0, rax", { 0x0f, 0x22, 0xc0 }, 3, SOP_MOV_TO_CR, VEC_GP },
	{ "mov rax, cr3", { 0x0f, 0x20, 0xd8 }, 3, SOP_MOV_FROM_CR, VEC_GP },
	{ "clts", { 0x0f, 0x06 }, 2, SOP_CLTS, VEC_GP },
	{ "invlpg [rax]", { 0x0f, 0x01, 0x38 }, 3, SOP_INVLPG, VEC_GP },
	{ "lgdt [rax]", { 0x0f, 0x01, 0x10 }, 3, SOP_LGDT, VEC_GP },
	{ "lidt [rax]", { 0x0f, 0x01, 0x18 }, 3, SOP_LIDT, VEC_GP },
	{ "ltr ax", { 0x0f, 0x00, 0xd8 }, 3, SOP_LTR, VEC_GP },
	{ "lldt ax", { 0x0f, 0x00, 0xd0 }, 3, SOP_LLDT, VEC_GP },
	{ "sgdt [rax]", { 0x0f, 0x01, 0x00 }, 3, SOP_SGDT, DONE },
	{ "sidt [rax]", { 0x0f, 0x01, 0x08 }, 3, SOP_SIDT, DONE },
	{ "str ecx", { 0x0f, 0x00, 0xc9 }, 3, SOP_STR, DONE },
	{ "sldt ecx", { 0x0f, 0x00, 0xc1 }, 3, SOP_SLDT, DONE },
	{ "smsw ecx", { 0x0f, 0x01, 0xe1 }, 3, SOP_SMSW, DONE },
	{ "rdmsr", { 0x0f, 0x32 }, 2, SOP_RDMSR, VEC_GP },
	{ "wrmsr", { 0x0f, 0x30 }, 2, SOP_WRMSR, VEC_GP },
	{ "cli", { 0xfa }, 1, SOP_CLI, VEC_GP },
	{ "sti", { 0xfb }, 1, SOP_STI, VEC_GP },
	{ "pushf", { 0x9c }, 1, SOP_PUSHF, DONE },
	{ "popf", { 0x9d }, 1, SOP_POPF, DONE },
	{ "hlt", { 0xf4 }, 1, SOP_HLT, VEC_GP },
	{ "in al, dx", { 0xec }, 1, SOP_IN, VEC_GP },
	{ "out dx, al", { 0xee }, 1, SOP_OUT, VEC_GP },
	{ "insb", { 0x6c }, 1, SOP_INS, VEC_GP },
	{ "outsb", { 0x6e }, 1, SOP_OUTS, VEC_GP },
	{ "sysretq", { 0x48, 0x0f, 0x07 }, 3, SOP_SYSRET, VEC_GP },
	{ "swapgs", { 0x0f, 0x01, 0xf8 }, 3, SOP_SWAPGS, VEC_GP },
	{ "cpuid", { 0x0f, 0xa2 }, 2, SOP_CPUID, DONE },
	{ "rdtsc", { 0x0f, 0x31 }, 2, SOP_RDTSC, DONE },
	{ "wbinvd", { 0x0f, 0x09 }, 2, SOP_WBINVD, VEC_GP },
	{ "invd", { 0x0f, 0x08 }, 2, SOP_INVD, VEC_GP },
	{ "vmcall", { 0x0f, 0x01, 0xc1 }, 3, SOP_VMCALL, VEC_UD },
	{ "int3", { 0xcc }, 1, SOP_INT3, VEC_BP },
	{ "int 0x80", { 0xcd, 0x80 }, 2, SOP_INTN, 0x80 },
	{ "syscall", { 0x0f, 0x05 }, 2, SOP_SYSCALL, DONE },
};

static struct cpu C;

static void setup(void)
{
	fx_setup(&C);
	C.efer |= EFER_SCE;
	C.star = 0x0010000800000000ull;
	C.lstar = LSTAR_UD2;
	fx_ram[LSTAR_UD2] = 0x0f;
	fx_ram[LSTAR_UD2 + 1] = 0x0b;
	fx_user(&C);
	C.rip = CODE;
	C.gpr[RAX] = 0x5000;
	C.gpr[RSI] = 0x5100;
	C.gpr[RDI] = 0x5200;
	C.gpr[RDX] = 0x80;
	put64(C.gpr[RSP] - 8, 0); /* something for popf */
	C.gpr[RSP] -= 8;
	C.ctl.virt = true;
}
static void teardown(void) { fx_teardown(&C); }

static void load(const struct sens_case *c)
{
	memcpy(fx_ram + CODE, c->bytes, c->len);
	fx_ram[CODE + c->len] = 0x0f; /* ud2 */
	fx_ram[CODE + c->len + 1] = 0x0b;
}

START_TEST(test_trapped_exits)
{
	const struct sens_case *c = &cases[_i];
	load(c);
	C.ctl.sensitive = SENS_ALL;
	enum cpu_exit_reason r = cpu_run(&C, 10);
	ck_assert_msg(r == CPU_EXIT_SENSITIVE, "%s: exit %s", c->name, cpu_exit_name(r));
	ck_assert_msg(C.exit.sens.op == c->op, "%s: op %s", c->name, cpu_sens_op_name(C.exit.sens.op));
	ck_assert_msg(C.exit.sens.len == c->len, "%s: len %u", c->name, C.exit.sens.len);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(C.cpl, 3);
	/* only its own class traps it */
	C.ctl.sensitive = SENS_ALL & ~cpu_sens_class(c->op);
	r = cpu_run(&C, 10);
	ck_assert_msg(r != CPU_EXIT_SENSITIVE, "%s: exits with its class clear", c->name);
}
END_TEST

START_TEST(test_strict_x86)
{
	const struct sens_case *c = &cases[_i];
	load(c);
	C.ctl.sensitive = 0;
	enum cpu_exit_reason r = cpu_run(&C, 10);
	ck_assert_msg(r == CPU_EXIT_EXCEPTION, "%s: exit %s", c->name, cpu_exit_name(r));
	if (c->strict == DONE) {
		ck_assert_msg(C.exit.vector == VEC_UD, "%s: vector %u", c->name, C.exit.vector);
		uint64_t after = c->op == SOP_SYSCALL ? LSTAR_UD2 : CODE + c->len;
		ck_assert_msg(C.rip == after, "%s: rip %#lx", c->name, (unsigned long)C.rip);
		return;
	}
	ck_assert_msg(C.exit.vector == c->strict, "%s: vector %u", c->name, C.exit.vector);
	if (c->strict == VEC_GP) {
		ck_assert(C.exit.has_error);
		ck_assert_uint_eq(C.exit.error, 0);
	}
	bool trap = c->op == SOP_INT3 || c->op == SOP_INTN;
	ck_assert_uint_eq(C.exit.soft, trap);
	ck_assert_uint_eq(C.rip, trap ? CODE + c->len : CODE);
	ck_assert_uint_eq(C.cpl, 3);
}
END_TEST

/* The holes, concretely: at CPL 3 with nothing trapped, sidt returns the
 * real IDTR and popf cannot clear IF. */
START_TEST(test_strict_holes)
{
	static const uint8_t prog[] = {
		0x0f, 0x01, 0x08, /* sidt [rax] */
		0x6a, 0x02,       /* push 2 (IF clear) */
		0x9d,             /* popf */
		0x9c,             /* pushf */
		0x59,             /* pop rcx */
		0x0f, 0x0b,       /* ud2 */
	};
	memcpy(fx_ram + CODE, prog, sizeof prog);
	C.ctl.sensitive = 0;
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	enum cpu_exit_reason r = cpu_run(&C, 100);
	ck_assert_int_eq(r, CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_UD);
	ck_assert_uint_eq(get16(0x5000), C.idtr.limit);
	ck_assert_uint_eq(get64(0x5002), FX_IDT);
	ck_assert_uint_eq(C.gpr[RCX] & RFLAGS_IF, RFLAGS_IF);
}
END_TEST

/* Bare metal (no virtualization control): out at CPL 0 is an I/O exit the
 * caller completes; the instruction after it then runs. */
START_TEST(test_io_exit_bare_metal)
{
	static const uint8_t prog[] = {
		0xb0, 0x41,       /* mov al, 'A' */
		0xe6, 0xe9,       /* out 0xe9, al */
		0xe4, 0x60,       /* in al, 0x60 */
		0xf4,             /* hlt */
	};
	fx_teardown(&C);
	fx_setup(&C);
	memcpy(fx_ram + CODE, prog, sizeof prog);
	C.rip = CODE;
	enum cpu_exit_reason r = cpu_run(&C, 100);
	ck_assert_int_eq(r, CPU_EXIT_IO);
	ck_assert_int_eq(C.exit.sens.op, SOP_OUT);
	ck_assert_uint_eq(C.exit.sens.port, 0xe9);
	ck_assert_uint_eq(C.exit.io_value, 'A');
	ck_assert_uint_eq(C.rip, CODE + 2);
	cpu_io_complete_out(&C);
	r = cpu_run(&C, 100);
	ck_assert_int_eq(r, CPU_EXIT_IO);
	ck_assert_int_eq(C.exit.sens.op, SOP_IN);
	ck_assert_uint_eq(C.exit.sens.opsize, 1);
	ck_assert_int_eq(cpu_io_complete_in(&C, 0x5a), 0);
	r = cpu_run(&C, 100);
	ck_assert_int_eq(r, CPU_EXIT_HLT);
	ck_assert_uint_eq(C.gpr[RAX] & 0xff, 0x5a);
	ck_assert_uint_eq(C.rip, CODE + sizeof prog);
}
END_TEST

/* sti opens a one-instruction interrupt shadow: an interrupt offered right
 * after it waits until the next instruction (here hlt) has run. */
START_TEST(test_sti_shadow)
{
	static const uint8_t prog[] = { 0xfb, 0xf4 }; /* sti; hlt */
	fx_teardown(&C);
	fx_setup(&C);
	memcpy(fx_ram + CODE, prog, sizeof prog);
	C.rip = CODE;
	cpu_set_rflags(&C, RFLAGS_FIXED);
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
	ck_assert(!cpu_interrupt(&C, 0x20, true)); /* in the shadow */
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_HLT);
	ck_assert(cpu_interrupt(&C, 0x20, true));
	ck_assert_uint_eq(C.rip, HANDLER(0x20));
	ck_assert_uint_eq(get64(C.gpr[RSP]), CODE + 2); /* returns after the hlt */
	/* sti with IF already set opens no shadow */
	fx_teardown(&C);
	fx_setup(&C);
	memcpy(fx_ram + CODE, prog, sizeof prog);
	C.rip = CODE;
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert(cpu_interrupt(&C, 0x20, true));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_system_decode");
	TCase *t = tcase_create("sensitive");
	tcase_add_checked_fixture(t, setup, teardown);
	int n = (int)(sizeof cases / sizeof cases[0]);
	tcase_add_loop_test(t, test_trapped_exits, 0, n);
	tcase_add_loop_test(t, test_strict_x86, 0, n);
	tcase_add_test(t, test_strict_holes);
	tcase_add_test(t, test_io_exit_bare_metal);
	tcase_add_test(t, test_sti_shadow);
	suite_add_tcase(s, t);
	return check_run(s);
}
