/*
 * tests/unit/test_cpu_exec.c — the run loop and execution: exceptions with
 * the right vector, error code and faulting RIP (#DE, #UD, #PF, #NM, #GP),
 * MMU misses that restart the instruction, page-crossing fetches and
 * accesses, self-modifying code and cpu_code_written, unsupported
 * instructions, sensitive-instruction exits with decoded operands, budgets,
 * per-CPL instruction counts, FS/GS bases, string instructions, stack ops.
 *
 * Machine: 1 MiB RAM. A test MMU maps VA == MA, except that pages listed
 * as "absent" fault (not present) and "missing" pages return MMU_MISS.
 * Code goes at 0x1000, the stack top is 0x8000. ctl.virt is on, so faults
 * exit (CPU_EXIT_EXCEPTION) instead of going through an IDT.
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/exec.h"
#include "tests/unit/check_run.h"

#define RAM (1u << 20)
#define CODE 0x1000u

struct testmmu {
	va_t absent[4];  /* pages that fault */
	va_t missing[4]; /* pages that miss */
	unsigned calls;
	bool stamp;     /* hand out a touch stamp */
	uint64_t touch;
};

static struct cpu C;
static uint8_t *ram;
static struct testmmu M;

static enum mmu_result test_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc, unsigned cpl,
				      struct mmu_xlat *out)
{
	struct testmmu *m = ctx;
	(void)cpu;
	m->calls++;
	for (unsigned k = 0; k < 4; k++) {
		if (m->absent[k] && (va & PAGE_MASK) == m->absent[k]) {
			out->err = (acc == ACC_WRITE ? PFERR_W : 0) | (acc == ACC_EXEC ? PFERR_I : 0) |
				   (cpl == 3 ? PFERR_U : 0);
			return MMU_FAULT;
		}
		if (m->missing[k] && (va & PAGE_MASK) == m->missing[k])
			return MMU_MISS;
	}
	if (va >= RAM) {
		out->err = 0;
		return MMU_FAULT;
	}
	out->ma = va;
	out->cacheable = true;
	out->touch = m->stamp ? &m->touch : NULL;
	return MMU_OK;
}

static void setup(void)
{
	ram = calloc(1, RAM);
	ck_assert_int_eq(cpu_init(&C, ram, RAM), 0);
	memset(&M, 0, sizeof(M));
	C.mmu.translate = test_translate;
	C.mmu.ctx = &M;
	cpu_ftlb_flush(&C);
	C.ctl.virt = true;
	C.ctl.sensitive = SENS_ALL;
	C.rip = CODE;
	C.gpr[RSP] = 0x8000;
}

static void teardown(void)
{
	cpu_free(&C);
	free(ram);
}

static void code_at(uint64_t at, const uint8_t *b, size_t n)
{
	memcpy(ram + at, b, n);
}
#define CODE_AT(at, ...) code_at((at), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static uint64_t get64(uint64_t a) { uint64_t v; memcpy(&v, ram + a, 8); return v; }
static void put64(uint64_t a, uint64_t v) { memcpy(ram + a, &v, 8); }

START_TEST(test_divide_error)
{
	CODE_AT(CODE, 0xf7, 0xf1); /* div ecx */
	C.gpr[RCX] = 0;
	C.gpr[RAX] = 5;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_DE);
	ck_assert(!C.exit.has_error);
	ck_assert_uint_eq(C.rip, CODE); /* a fault: RIP at the instruction */
	ck_assert_uint_eq(C.gpr[RAX], 5);
	ck_assert_uint_eq(C.icount, 0);
}
END_TEST

START_TEST(test_idiv_overflow)
{
	CODE_AT(CODE, 0x48, 0xf7, 0xf9); /* idiv rcx */
	C.gpr[RAX] = 0x8000000000000000ull;
	C.gpr[RDX] = ~0ull;
	C.gpr[RCX] = ~0ull; /* INT64_MIN / -1 */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_DE);
	/* div with a quotient too big for 8 bits */
	C.rip = CODE;
	CODE_AT(CODE, 0xf6, 0xf1); /* div cl */
	cpu_code_written(&C, CODE, 2);
	C.gpr[RAX] = 0x1000;
	C.gpr[RCX] = 2;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_DE);
}
END_TEST

START_TEST(test_invalid_opcode)
{
	CODE_AT(CODE, 0x90, 0x0f, 0x0b); /* nop; ud2 */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_UD);
	ck_assert_uint_eq(C.rip, CODE + 1);
	ck_assert_uint_eq(C.icount, 1);
}
END_TEST

START_TEST(test_page_fault_read)
{
	M.absent[0] = 0x5000;
	CODE_AT(CODE, 0x48, 0x8b, 0x04, 0x25, 0x08, 0x50, 0, 0); /* mov rax, [0x5008] */
	C.gpr[RAX] = 77;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_PF);
	ck_assert(C.exit.has_error);
	ck_assert_uint_eq(C.exit.error, 0);
	ck_assert_uint_eq(C.exit.va, 0x5008);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(C.gpr[RAX], 77);
}
END_TEST

START_TEST(test_page_fault_push_restores_rsp)
{
	M.absent[0] = 0x7000;
	C.gpr[RSP] = 0x7008;
	CODE_AT(CODE, 0x50); /* push rax: writes 0x7000 */
	C.cpl = 3;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_PF);
	ck_assert_uint_eq(C.exit.error, PFERR_W | PFERR_U);
	ck_assert_uint_eq(C.gpr[RSP], 0x7008);
	ck_assert_uint_eq(C.rip, CODE);
}
END_TEST

START_TEST(test_rmw_faults_as_write_before_flags)
{
	/* add [0x5000], eax with the page absent: no flag changes, W in the error */
	M.absent[0] = 0x5000;
	CODE_AT(CODE, 0x01, 0x04, 0x25, 0x00, 0x50, 0, 0);
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.error, PFERR_W);
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
}
END_TEST

START_TEST(test_crossing_write_is_atomic)
{
	M.absent[0] = 0x6000;
	put64(0x5ffc, 0x1111111111111111ull);
	C.gpr[RAX] = 0x2222222222222222ull;
	CODE_AT(CODE, 0x48, 0x89, 0x04, 0x25, 0xfc, 0x5f, 0, 0); /* mov [0x5ffc], rax */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.va, 0x6000);
	ck_assert_uint_eq(get64(0x5ffc), 0x1111111111111111ull);
	/* with the page present the crossing write lands on both pages */
	M.absent[0] = 0;
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(get64(0x5ffc), 0x2222222222222222ull);
}
END_TEST

START_TEST(test_fetch_crossing_into_absent_page)
{
	M.absent[0] = 0x3000;
	C.rip = 0x2ffe;
	CODE_AT(0x2ffe, 0x48, 0xb8); /* mov rax, imm64: the immediate is on the next page */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_PF);
	ck_assert_uint_eq(C.exit.va, 0x3000);
	ck_assert_uint_eq(C.exit.error, PFERR_I);
	ck_assert_uint_eq(C.rip, 0x2ffe);
	/* a short instruction at the end of the page does not touch the next one */
	C.rip = 0x2fff;
	CODE_AT(0x2fff, 0x90);
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.rip, 0x3000);
	/* and the crossing instruction runs once the page is there */
	M.absent[0] = 0;
	CODE_AT(0x2ffe, 0x48, 0xb8);
	cpu_code_written(&C, 0x2ffe, 2);
	CODE_AT(0x3000, 1, 2, 3, 4, 5, 6, 7, 8);
	C.rip = 0x2ffe;
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RAX], 0x0807060504030201ull);
}
END_TEST

START_TEST(test_tlb_miss_restarts)
{
	M.missing[0] = 0x5000;
	CODE_AT(CODE, 0x48, 0xff, 0x04, 0x25, 0x00, 0x50, 0, 0); /* inc qword [0x5000] */
	put64(0x5000, 41);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_TLB_MISS);
	ck_assert_uint_eq(C.exit.va, 0x5000);
	ck_assert_uint_eq(C.exit.access, ACC_WRITE);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(C.icount, 0);
	M.missing[0] = 0; /* "installed" */
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(get64(0x5000), 42);
}
END_TEST

START_TEST(test_self_modifying_code)
{
	/* 0x1000: mov eax, 1      (b8 01 00 00 00)
	 * 0x1005: mov byte [rip - 10], 7   -> patches the immediate at 0x1001
	 * 0x100c: jmp 0x1000                (eb f2)  */
	CODE_AT(CODE, 0xb8, 0x01, 0, 0, 0, 0xc6, 0x05, 0xf5, 0xff, 0xff, 0xff, 0x07, 0xeb, 0xf2);
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RAX], 1);
	ck_assert_int_eq(cpu_run(&C, 3), CPU_EXIT_BUDGET); /* patch, jmp, mov */
	ck_assert_uint_eq(C.rip, CODE + 5);
	ck_assert_uint_eq(C.gpr[RAX], 7);
}
END_TEST

START_TEST(test_code_written_by_others)
{
	CODE_AT(CODE, 0xb8, 0x01, 0, 0, 0, 0xeb, 0xf9); /* mov eax,1; jmp back */
	ck_assert_int_eq(cpu_run(&C, 4), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RAX], 1);
	ram[CODE + 1] = 9; /* the monitor patches guest code */
	cpu_code_written(&C, CODE + 1, 1);
	ck_assert_int_eq(cpu_run(&C, 2), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RAX], 9);
}
END_TEST

START_TEST(test_unsupported_and_nm)
{
	CODE_AT(CODE, 0x0f, 0x10, 0xc1); /* movups xmm0, xmm1 */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_UNSUPPORTED);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(C.exit.bytes[0], 0x0f);
	ck_assert_uint_eq(C.exit.bytes[1], 0x10);
	ck_assert_uint_eq(C.exit.nbytes, 3);
	C.cr0 |= CR0_TS;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_NM);
	C.cr0 = (C.cr0 & ~CR0_TS) | CR0_EM;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_UD); /* SSE with CR0.EM is #UD */
	CODE_AT(CODE, 0xd9, 0xe8); /* fld1 */
	cpu_code_written(&C, CODE, 2);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_NM); /* x87 with CR0.EM is #NM */
	C.cr0 &= ~CR0_EM;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_UNSUPPORTED);
}
END_TEST

START_TEST(test_sensitive_exits)
{
	C.cpl = 3;
	CODE_AT(CODE, 0x90, 0xfa); /* nop; cli */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_SENSITIVE);
	ck_assert_uint_eq(C.exit.sens.op, SOP_CLI);
	ck_assert_uint_eq(C.exit.sens.len, 1);
	ck_assert_uint_eq(C.rip, CODE + 1);
	ck_assert_uint_eq(C.icount, 1);
	C.rip = CODE;
	CODE_AT(CODE, 0x0f, 0x22, 0xd9); /* mov cr3, rcx */
	cpu_code_written(&C, CODE, 3);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_SENSITIVE);
	ck_assert_uint_eq(C.exit.sens.op, SOP_MOV_TO_CR);
	ck_assert_uint_eq(C.exit.sens.cr, 3);
	ck_assert_uint_eq(C.exit.sens.reg, RCX);
	CODE_AT(CODE, 0x66, 0xed); /* in ax, dx */
	cpu_code_written(&C, CODE, 2);
	C.gpr[RDX] = 0x3f8;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_SENSITIVE);
	ck_assert_uint_eq(C.exit.sens.op, SOP_IN);
	ck_assert_uint_eq(C.exit.sens.port, 0x3f8);
	ck_assert_uint_eq(C.exit.sens.opsize, 2);
	CODE_AT(CODE, 0x0f, 0x01, 0x50, 0x10); /* lgdt [rax+0x10] */
	cpu_code_written(&C, CODE, 4);
	C.gpr[RAX] = 0x4000;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_SENSITIVE);
	ck_assert_uint_eq(C.exit.sens.op, SOP_LGDT);
	ck_assert(C.exit.sens.mem);
	ck_assert_uint_eq(C.exit.sens.ea, 0x4010);
	ck_assert_uint_eq(C.exit.sens.len, 4);
	CODE_AT(CODE, 0xcd, 0x80); /* int 0x80 */
	cpu_code_written(&C, CODE, 2);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_SENSITIVE);
	ck_assert_uint_eq(C.exit.sens.op, SOP_INTN);
	ck_assert_uint_eq(C.exit.sens.imm, 0x80);
	ck_assert_uint_eq(C.rip, CODE);
}
END_TEST

/* Every sensitive instruction at CPL 3 under ctl.virt exits before running. */
static const struct sens_case {
	enum cpu_sens_op op;
	uint8_t b[4], n;
} sens_cases[] = {
	{ SOP_MOV_TO_CR, { 0x0f, 0x22, 0xd8 }, 3 }, { SOP_MOV_FROM_CR, { 0x0f, 0x20, 0xd8 }, 3 },
	{ SOP_CLTS, { 0x0f, 0x06 }, 2 },            { SOP_INVLPG, { 0x0f, 0x01, 0x38 }, 3 },
	{ SOP_LGDT, { 0x0f, 0x01, 0x10 }, 3 },      { SOP_LIDT, { 0x0f, 0x01, 0x18 }, 3 },
	{ SOP_LTR, { 0x0f, 0x00, 0xd8 }, 3 },       { SOP_LLDT, { 0x0f, 0x00, 0xd0 }, 3 },
	{ SOP_SGDT, { 0x0f, 0x01, 0x00 }, 3 },      { SOP_SIDT, { 0x0f, 0x01, 0x08 }, 3 },
	{ SOP_STR, { 0x0f, 0x00, 0xc8 }, 3 },       { SOP_SLDT, { 0x0f, 0x00, 0xc0 }, 3 },
	{ SOP_SMSW, { 0x0f, 0x01, 0xe0 }, 3 },      { SOP_RDMSR, { 0x0f, 0x32 }, 2 },
	{ SOP_WRMSR, { 0x0f, 0x30 }, 2 },           { SOP_CLI, { 0xfa }, 1 },
	{ SOP_STI, { 0xfb }, 1 },                   { SOP_PUSHF, { 0x9c }, 1 },
	{ SOP_POPF, { 0x9d }, 1 },                  { SOP_HLT, { 0xf4 }, 1 },
	{ SOP_IN, { 0xe4, 0x60 }, 2 },              { SOP_OUT, { 0xe6, 0x80 }, 2 },
	{ SOP_INS, { 0x6c }, 1 },                   { SOP_OUTS, { 0x6e }, 1 },
	{ SOP_IRETQ, { 0x48, 0xcf }, 2 },           { SOP_SYSRET, { 0x48, 0x0f, 0x07 }, 3 },
	{ SOP_SWAPGS, { 0x0f, 0x01, 0xf8 }, 3 },    { SOP_CPUID, { 0x0f, 0xa2 }, 2 },
	{ SOP_RDTSC, { 0x0f, 0x31 }, 2 },           { SOP_WBINVD, { 0x0f, 0x09 }, 2 },
	{ SOP_INVD, { 0x0f, 0x08 }, 2 },            { SOP_INT3, { 0xcc }, 1 },
	{ SOP_INTN, { 0xcd, 0x80 }, 2 },            { SOP_SYSCALL, { 0x0f, 0x05 }, 2 },
	{ SOP_VMCALL, { 0x0f, 0x01, 0xc1 }, 3 },
};

START_TEST(test_every_sensitive_op_exits)
{
	const struct sens_case *c = &sens_cases[_i];
	C.cpl = 3;
	code_at(CODE, c->b, c->n);
	uint64_t rsp = C.gpr[RSP];
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_SENSITIVE);
	ck_assert_msg(C.exit.sens.op == c->op, "%s decoded as %s", cpu_sens_op_name(c->op),
		      cpu_sens_op_name(C.exit.sens.op));
	ck_assert_uint_eq(C.exit.sens.len, c->n);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(C.gpr[RSP], rsp);
	ck_assert_uint_eq(C.icount, 0);
	/* at CPL 0 the same instruction does not exit as sensitive */
	C.cpl = 0;
	ck_assert_int_ne(cpu_run(&C, 1), CPU_EXIT_SENSITIVE);
}
END_TEST

START_TEST(test_single_step_trap)
{
	CODE_AT(CODE, 0x90, 0x90);
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_TF);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_DB);
	ck_assert(!C.exit.has_error);
	ck_assert_uint_eq(C.rip, CODE + 1); /* a trap: after the instruction */
	ck_assert_uint_eq(C.icount, 1);
	/* a faulting instruction reports its fault, not #DB */
	CODE_AT(CODE + 1, 0x0f, 0x0b);
	cpu_code_written(&C, CODE + 1, 2);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_UD);
	ck_assert_uint_eq(C.rip, CODE + 1);
}
END_TEST

START_TEST(test_popf_sets_tf_then_trap)
{
	/* push 0x102; popf (sets TF); nop -> #DB after the nop, not after popf */
	CODE_AT(CODE, 0x68, 0x02, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_DB);
	ck_assert_uint_eq(C.rip, CODE + 7);
	ck_assert_uint_eq(C.icount, 3);
}
END_TEST

START_TEST(test_budget_and_counts)
{
	CODE_AT(CODE, 0xeb, 0xfe); /* jmp $ */
	ck_assert_int_eq(cpu_run(&C, 5), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.icount, 5);
	ck_assert_uint_eq(C.stats.insns_kernel, 5);
	C.cpl = 3;
	ck_assert_int_eq(cpu_run(&C, 7), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.icount, 12);
	ck_assert_uint_eq(C.stats.insns_user, 7);
	ck_assert_int_eq(cpu_step(&C), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.icount, 13);
}
END_TEST

START_TEST(test_fs_gs_bases)
{
	C.seg[SEG_FS].base = 0x30000;
	C.seg[SEG_GS].base = 0x40000;
	put64(0x30028, 0xf5);
	put64(0x40010, 0x65);
	CODE_AT(CODE, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0, /* mov rax, fs:[0x28] */
		0x65, 0x48, 0x8b, 0x0c, 0x25, 0x10, 0, 0, 0,         /* mov rcx, gs:[0x10] */
		0x64, 0x48, 0x8d, 0x14, 0x25, 0x28, 0, 0, 0);        /* lea rdx, fs:[0x28]: no base */
	ck_assert_int_eq(cpu_run(&C, 3), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RAX], 0xf5);
	ck_assert_uint_eq(C.gpr[RCX], 0x65);
	ck_assert_uint_eq(C.gpr[RDX], 0x28);
}
END_TEST

START_TEST(test_rip_relative_with_immediate)
{
	/* mov dword [rip+0x100], 0x11223344: EA = end of the instruction + 0x100 */
	CODE_AT(CODE, 0xc7, 0x05, 0x00, 0x01, 0, 0, 0x44, 0x33, 0x22, 0x11);
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	uint32_t v;
	memcpy(&v, ram + CODE + 10 + 0x100, 4);
	ck_assert_uint_eq(v, 0x11223344);
}
END_TEST

START_TEST(test_rep_string_fault_midway)
{
	/* rep stosb from 0x5ff0 for 32 bytes: faults at 0x6000 with 16 left */
	M.absent[0] = 0x6000;
	C.gpr[RDI] = 0x5ff0;
	C.gpr[RCX] = 32;
	C.gpr[RAX] = 0xab;
	CODE_AT(CODE, 0xf3, 0xaa);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.va, 0x6000);
	ck_assert_uint_eq(C.gpr[RCX], 16);
	ck_assert_uint_eq(C.gpr[RDI], 0x6000);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(ram[0x5fff], 0xab);
	M.absent[0] = 0;
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RCX], 0);
	ck_assert_uint_eq(ram[0x600f], 0xab);
	ck_assert_uint_eq(ram[0x6010], 0);
}
END_TEST

START_TEST(test_long_rep_yields_and_finishes)
{
	/* rep stosb of 10000 bytes runs in chunks, RIP staying on it until done */
	C.gpr[RDI] = 0x10000;
	C.gpr[RCX] = 10000;
	C.gpr[RAX] = 0x5a;
	CODE_AT(CODE, 0xf3, 0xaa, 0x90);
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.rip, CODE); /* not finished yet */
	ck_assert_uint_lt(C.gpr[RCX], 10000);
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RCX], 0);
	ck_assert_uint_eq(C.gpr[RDI], 0x10000 + 10000);
	ck_assert_uint_eq(ram[0x10000], 0x5a);
	ck_assert_uint_eq(ram[0x10000 + 9999], 0x5a);
	ck_assert_uint_eq(ram[0x10000 + 10000], 0);
	ck_assert_uint_ge(C.rip, CODE + 2);
}
END_TEST

START_TEST(test_repe_cmps_and_df)
{
	memcpy(ram + 0x5000, "abcdefgh", 8);
	memcpy(ram + 0x5100, "abcdXfgh", 8);
	C.gpr[RSI] = 0x5000;
	C.gpr[RDI] = 0x5100;
	C.gpr[RCX] = 8;
	CODE_AT(CODE, 0xf3, 0xa6); /* repe cmpsb */
	ck_assert_int_eq(cpu_run(&C, 1), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.gpr[RCX], 3);
	ck_assert_uint_eq(C.gpr[RSI], 0x5005);
	ck_assert(!(cpu_get_rflags(&C) & RFLAGS_ZF));
	/* std; rep movsq backwards */
	put64(0x5200, 1);
	put64(0x5208, 2);
	C.rip = CODE;
	CODE_AT(CODE, 0xfd, 0xf3, 0x48, 0xa5, 0xfc); /* std; rep movsq; cld */
	cpu_code_written(&C, CODE, 5);
	C.gpr[RSI] = 0x5208;
	C.gpr[RDI] = 0x5308;
	C.gpr[RCX] = 2;
	ck_assert_int_eq(cpu_run(&C, 3), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(get64(0x5300), 1);
	ck_assert_uint_eq(get64(0x5308), 2);
	ck_assert_uint_eq(C.gpr[RSI], 0x51f8);
	ck_assert(!(cpu_get_rflags(&C) & RFLAGS_DF));
}
END_TEST

START_TEST(test_call_ret_enter_leave)
{
	/* 0x1000: call 0x1010; hlt-free: 0x1005: jmp $ ;  0x1010: enter 16,0; leave; ret */
	CODE_AT(CODE, 0xe8, 0x0b, 0, 0, 0, 0xeb, 0xfe);
	CODE_AT(CODE + 0x10, 0xc8, 0x10, 0x00, 0x00, 0xc9, 0xc3);
	C.gpr[RBP] = 0x1234;
	ck_assert_int_eq(cpu_run(&C, 2), CPU_EXIT_BUDGET); /* call, enter */
	ck_assert_uint_eq(C.gpr[RSP], 0x8000 - 8 - 8 - 16);
	ck_assert_uint_eq(C.gpr[RBP], 0x8000 - 16);
	ck_assert_uint_eq(get64(0x8000 - 8), CODE + 5);
	ck_assert_uint_eq(get64(0x8000 - 16), 0x1234);
	ck_assert_int_eq(cpu_run(&C, 2), CPU_EXIT_BUDGET); /* leave, ret */
	ck_assert_uint_eq(C.rip, CODE + 5);
	ck_assert_uint_eq(C.gpr[RSP], 0x8000);
	ck_assert_uint_eq(C.gpr[RBP], 0x1234);
}
END_TEST

START_TEST(test_touch_stamps)
{
	/* fast-cache hits (fetches included) stamp the MMU's touch word */
	M.stamp = true;
	cpu_ftlb_flush(&C);
	CODE_AT(CODE, 0xeb, 0xfe); /* jmp $ */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(M.touch, 9); /* icount when the 10th instruction was fetched */
	unsigned calls = M.calls;
	uint64_t hits = C.stats.ftlb_hits;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(M.calls, calls); /* all hits: the MMU was not asked again */
	ck_assert_uint_eq(M.touch, 19);
	/* each fetch is a hit of the TLB the MMU stands for, and is counted */
	ck_assert_uint_eq(C.stats.ftlb_hits - hits, 10);
}
END_TEST

/* Every guest access is one access of the TLB the MMU stands for: either the
 * MMU sees it or it is counted as a fast-cache hit, never both, never neither. */
START_TEST(test_fetch_icache_miss_counted_once)
{
	M.stamp = true;
	cpu_ftlb_flush(&C);
	memset(ram + CODE, 0x90, 10); /* 10 nops, each decoded for the first time */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(C.stats.icache_misses, 10);
	ck_assert_uint_eq(M.calls, 1);            /* the first fetch */
	ck_assert_uint_eq(C.stats.ftlb_hits, 9);  /* the other nine, once each */
}
END_TEST

START_TEST(test_rmw_hit_counted)
{
	M.stamp = true;
	cpu_ftlb_flush(&C);
	for (unsigned k = 0; k < 10; k++)
		CODE_AT(CODE + 2 * k, 0x01, 0x03); /* add [rbx], eax */
	C.gpr[RBX] = 0x5000;
	C.gpr[RAX] = 1;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(M.calls, 2);            /* first fetch, first write */
	ck_assert_uint_eq(C.stats.ftlb_hits, 18); /* 9 fetches + 9 read-modify-writes */
	ck_assert_uint_eq(M.touch, 9);
	C.rip = CODE;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET); /* all warm */
	ck_assert_uint_eq(M.calls, 2);
	ck_assert_uint_eq(C.stats.ftlb_hits, 38);
	ck_assert_uint_eq(get64(0x5000), 20);
}
END_TEST

START_TEST(test_fast_cache_off_asks_mmu_every_time)
{
	M.stamp = true;
	cpu_ftlb_set_enabled(&C, false);
	for (unsigned k = 0; k < 10; k++)
		CODE_AT(CODE + 2 * k, 0x01, 0x03); /* add [rbx], eax */
	C.gpr[RBX] = 0x5000;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(M.calls, 20); /* 10 fetches, 10 read-modify-writes */
	ck_assert_uint_eq(C.stats.ftlb_hits, 0);
	cpu_ftlb_set_enabled(&C, true);
	C.rip = CODE;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_BUDGET);
	ck_assert_uint_eq(M.calls, 22);
	ck_assert_uint_eq(C.stats.ftlb_hits, 18);
}
END_TEST

START_TEST(test_noncanonical_branch_faults_at_branch)
{
	put64(0x7ff8, 0x0000800000000000ull);
	C.gpr[RSP] = 0x7ff8;
	CODE_AT(CODE, 0xc3); /* ret to a non-canonical address */
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_GP);
	ck_assert_uint_eq(C.rip, CODE);
	ck_assert_uint_eq(C.gpr[RSP], 0x7ff8);
}
END_TEST

START_TEST(test_partial_last_page)
{
	/* RAM that ends inside a page: the partial page is not handed out */
	static uint8_t small[2 * 4096 + 100];
	struct cpu c;
	ck_assert_int_eq(cpu_init(&c, small, sizeof(small)), 0);
	c.ctl.virt = true;
	small[0x100] = 0x48; /* mov rax, [0x2000] */
	memcpy(small + 0x101, (const uint8_t[]){ 0x8b, 0x04, 0x25, 0x00, 0x20, 0, 0 }, 7);
	c.rip = 0x100;
	ck_assert_int_eq(cpu_run(&c, 1), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(c.exit.vector, VEC_GP);
	cpu_free(&c);
}
END_TEST

START_TEST(test_outside_ram_is_clean)
{
	/* jump far outside RAM: the fetch faults, no host crash */
	C.rip = 0x7fffffff0000ull;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_PF);
	/* non-canonical: #GP */
	C.rip = 0x0000800000000000ull;
	ck_assert_int_eq(cpu_run(&C, 10), CPU_EXIT_EXCEPTION);
	ck_assert_uint_eq(C.exit.vector, VEC_GP);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_exec");
	TCase *tc = tcase_create("exec");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_divide_error);
	tcase_add_test(tc, test_idiv_overflow);
	tcase_add_test(tc, test_invalid_opcode);
	tcase_add_test(tc, test_page_fault_read);
	tcase_add_test(tc, test_page_fault_push_restores_rsp);
	tcase_add_test(tc, test_rmw_faults_as_write_before_flags);
	tcase_add_test(tc, test_crossing_write_is_atomic);
	tcase_add_test(tc, test_fetch_crossing_into_absent_page);
	tcase_add_test(tc, test_tlb_miss_restarts);
	tcase_add_test(tc, test_self_modifying_code);
	tcase_add_test(tc, test_code_written_by_others);
	tcase_add_test(tc, test_unsupported_and_nm);
	tcase_add_test(tc, test_sensitive_exits);
	tcase_add_loop_test(tc, test_every_sensitive_op_exits, 0, sizeof(sens_cases) / sizeof(sens_cases[0]));
	tcase_add_test(tc, test_single_step_trap);
	tcase_add_test(tc, test_popf_sets_tf_then_trap);
	tcase_add_test(tc, test_budget_and_counts);
	tcase_add_test(tc, test_fs_gs_bases);
	tcase_add_test(tc, test_rip_relative_with_immediate);
	tcase_add_test(tc, test_rep_string_fault_midway);
	tcase_add_test(tc, test_long_rep_yields_and_finishes);
	tcase_add_test(tc, test_repe_cmps_and_df);
	tcase_add_test(tc, test_call_ret_enter_leave);
	tcase_add_test(tc, test_touch_stamps);
	tcase_add_test(tc, test_fetch_icache_miss_counted_once);
	tcase_add_test(tc, test_rmw_hit_counted);
	tcase_add_test(tc, test_fast_cache_off_asks_mmu_every_time);
	tcase_add_test(tc, test_noncanonical_branch_faults_at_branch);
	tcase_add_test(tc, test_partial_last_page);
	tcase_add_test(tc, test_outside_ram_is_clean);
	suite_add_tcase(s, tc);
	return check_run(s);
}
