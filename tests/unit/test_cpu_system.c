/*
 * tests/unit/test_cpu_system.c — the sensitive instructions run directly
 * through cpu_exec_sens(): each at CPL 3 (#GP(0), #UD, or the real state
 * leaking out) and at CPL 0 (its real effect), plus the class table and
 * the names.
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

static struct cpu C;
static void setup(void) { fx_setup(&C); }
static void teardown(void) { fx_teardown(&C); }

#define S(...) ((struct cpu_sens){ __VA_ARGS__ })

/* ---- CPL 3: every privileged instruction is #GP(0) ---- */
struct priv_case {
	const char *name;
	struct cpu_sens s;
	uint8_t vector;
};
static const struct priv_case priv_cases[] = {
	{ "mov to cr0", { .op = SOP_MOV_TO_CR, .cr = 0, .reg = RAX }, VEC_GP },
	{ "mov to cr3", { .op = SOP_MOV_TO_CR, .cr = 3, .reg = RAX }, VEC_GP },
	{ "mov from cr3", { .op = SOP_MOV_FROM_CR, .cr = 3, .reg = RAX }, VEC_GP },
	{ "mov from cr8", { .op = SOP_MOV_FROM_CR, .cr = 8, .reg = RAX }, VEC_GP },
	{ "clts", { .op = SOP_CLTS }, VEC_GP },
	{ "invlpg", { .op = SOP_INVLPG, .mem = true, .ea = 0x5000 }, VEC_GP },
	{ "lgdt", { .op = SOP_LGDT, .mem = true, .ea = 0x5000 }, VEC_GP },
	{ "lidt", { .op = SOP_LIDT, .mem = true, .ea = 0x5000 }, VEC_GP },
	{ "ltr", { .op = SOP_LTR, .reg = RAX }, VEC_GP },
	{ "lldt", { .op = SOP_LLDT, .reg = RAX }, VEC_GP },
	{ "rdmsr", { .op = SOP_RDMSR }, VEC_GP },
	{ "wrmsr", { .op = SOP_WRMSR }, VEC_GP },
	{ "hlt", { .op = SOP_HLT }, VEC_GP },
	{ "sysret", { .op = SOP_SYSRET, .opsize = 8 }, VEC_GP },
	{ "swapgs", { .op = SOP_SWAPGS }, VEC_GP },
	{ "wbinvd", { .op = SOP_WBINVD }, VEC_GP },
	{ "invd", { .op = SOP_INVD }, VEC_GP },
	{ "cli (IOPL 0)", { .op = SOP_CLI }, VEC_GP },
	{ "sti (IOPL 0)", { .op = SOP_STI }, VEC_GP },
	{ "in (IOPL 0)", { .op = SOP_IN, .opsize = 1, .port = 0x3f8 }, VEC_GP },
	{ "out (IOPL 0)", { .op = SOP_OUT, .opsize = 1, .port = 0x3f8 }, VEC_GP },
	{ "ins (IOPL 0)", { .op = SOP_INS, .opsize = 1, .mem = true, .ea = 0x5000 }, VEC_GP },
	{ "outs (IOPL 0)", { .op = SOP_OUTS, .opsize = 1, .mem = true, .ea = 0x5000 }, VEC_GP },
	{ "vmcall", { .op = SOP_VMCALL }, VEC_UD },
};

START_TEST(test_cpl3_privileged)
{
	const struct priv_case *c = &priv_cases[_i];
	C.efer |= EFER_SCE;
	fx_user(&C);
	uint64_t rip = C.rip, cr0 = C.cr0;
	struct outcome o = fx_exec(&C, c->s);
	ck_assert_msg(o.faulted, "%s: no fault", c->name);
	ck_assert_msg(o.vector == c->vector, "%s: vector %u", c->name, o.vector);
	ck_assert_msg(o.error == (c->vector == VEC_GP ? 0 : CPU_NO_ERROR), "%s: error %#x", c->name,
		      o.error);
	ck_assert_uint_eq(C.rip, rip);
	ck_assert_uint_eq(C.cr0, cr0);
	ck_assert_uint_eq(C.cpl, 3);
}
END_TEST

/* The same instructions at CPL 0 do not #GP (vmcall still #UD). */
START_TEST(test_cpl0_not_gp)
{
	const struct priv_case *c = &priv_cases[_i];
	if (c->s.op == SOP_VMCALL)
		return;
	C.efer |= EFER_SCE;
	C.gpr[RAX] = c->s.op == SOP_MOV_TO_CR && c->s.cr == 0 ? C.cr0 : c->s.op == SOP_MOV_TO_CR ? 0x10000 : 0;
	C.gpr[RCX] = c->s.op == SOP_RDMSR || c->s.op == SOP_WRMSR ? MSR_STAR : 0x400000;
	if (c->s.op == SOP_LTR) {
		put_sysdesc(SEL_TSS, FX_TSS, 0x67, 0x9, true);
		C.gpr[RAX] = SEL_TSS;
	}
	if (c->s.op == SOP_LLDT)
		C.gpr[RAX] = SEL_LDT;
	struct outcome o = fx_exec(&C, c->s);
	ck_assert_msg(!o.faulted, "%s: vector %u error %#x", c->name, o.vector, o.error);
}
END_TEST

/* ---- the strict-x86 holes: readable state at CPL 3 ---- */
START_TEST(test_cpl3_store_descriptors_leak)
{
	C.gdtr = (struct cpu_dtr){ 0xffff800000001000ull, 0x5f };
	C.idtr = (struct cpu_dtr){ 0xffff800000002000ull, 0xfff };
	C.ldtr = SEL_LDT;
	fx_user(&C);
	ck_ok(fx_exec(&C, S(.op = SOP_SGDT, .mem = true, .ea = 0x5000)));
	ck_assert_uint_eq(get16(0x5000), 0x5f);
	ck_assert_uint_eq(get64(0x5002), 0xffff800000001000ull);
	ck_ok(fx_exec(&C, S(.op = SOP_SIDT, .mem = true, .ea = 0x5100)));
	ck_assert_uint_eq(get16(0x5100), 0xfff);
	ck_assert_uint_eq(get64(0x5102), 0xffff800000002000ull);
	C.gpr[RBX] = ~0ull;
	ck_ok(fx_exec(&C, S(.op = SOP_STR, .reg = RBX, .opsize = 4)));
	ck_assert_uint_eq(C.gpr[RBX], SEL_TSS);
	C.gpr[RBX] = ~0ull;
	ck_ok(fx_exec(&C, S(.op = SOP_SLDT, .reg = RBX, .opsize = 2)));
	ck_assert_uint_eq(C.gpr[RBX], 0xffffffffffff0000ull | SEL_LDT);
	ck_ok(fx_exec(&C, S(.op = SOP_STR, .mem = true, .ea = 0x5200)));
	ck_assert_uint_eq(get16(0x5200), SEL_TSS);
	C.gpr[RDX] = 0;
	ck_ok(fx_exec(&C, S(.op = SOP_SMSW, .reg = RDX, .opsize = 8)));
	ck_assert_uint_eq(C.gpr[RDX], C.cr0);
	ck_assert(C.gpr[RDX] & CR0_PE);
	ck_ok(fx_exec(&C, S(.op = SOP_SMSW, .mem = true, .ea = 0x5300)));
	ck_assert_uint_eq(get16(0x5300), C.cr0 & 0xffff);
}
END_TEST

/* ---- control registers ---- */
START_TEST(test_mov_cr)
{
	uint64_t rip = C.rip;
	C.gpr[RAX] = C.cr0 | CR0_WP;
	ck_ok(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 0, .reg = RAX)));
	ck_assert(C.cr0 & CR0_WP);
	ck_assert(C.cr0 & CR0_ET);
	ck_assert_uint_eq(C.rip, rip + 3);
	C.gpr[RAX] = C.cr0 & ~CR0_PG; /* leaving long mode */
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 0, .reg = RAX)), VEC_GP, 0);
	C.gpr[RAX] = C.cr0 | (1ull << 32);
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 0, .reg = RAX)), VEC_GP, 0);
	C.gpr[RAX] = C.cr0 | CR0_NW;
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 0, .reg = RAX)), VEC_GP, 0);

	C.gpr[RCX] = 0x7000;
	ck_ok(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 3, .reg = RCX)));
	ck_assert_uint_eq(C.cr3, 0x7000);
	ck_ok(fx_exec(&C, S(.op = SOP_MOV_FROM_CR, .cr = 3, .reg = R9)));
	ck_assert_uint_eq(C.gpr[R9], 0x7000);
	C.gpr[RCX] = 1ull << 45; /* above MAXPHYADDR */
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 3, .reg = RCX)), VEC_GP, 0);

	C.gpr[RDX] = C.cr4 | CR4_PGE | CR4_TSD;
	ck_ok(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 4, .reg = RDX)));
	ck_assert_uint_eq(C.cr4, CR4_PAE | CR4_PGE | CR4_TSD);
	C.gpr[RDX] = C.cr4 | (1ull << 20); /* SMEP: not implemented, not reported */
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 4, .reg = RDX)), VEC_GP, 0);
	C.gpr[RDX] = C.cr4 | (1ull << 9); /* OSFXSR: no SSE */
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 4, .reg = RDX)), VEC_GP, 0);
	C.gpr[RDX] = C.cr4 & ~CR4_PAE;
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 4, .reg = RDX)), VEC_GP, 0);
	C.cr3 = 0x7005;
	C.gpr[RDX] = C.cr4 | CR4_PCIDE; /* PCIDE needs CR3[11:0] == 0 */
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 4, .reg = RDX)), VEC_GP, 0);

	C.gpr[RSI] = 0xdead;
	ck_ok(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 2, .reg = RSI)));
	ck_assert_uint_eq(C.cr2, 0xdead);
	C.gpr[RSI] = 9;
	ck_ok(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 8, .reg = RSI)));
	ck_assert_uint_eq(C.cr8, 9);
	C.gpr[RSI] = 16;
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 8, .reg = RSI)), VEC_GP, 0);
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_TO_CR, .cr = 1, .reg = RSI)), VEC_UD, CPU_NO_ERROR);
	ck_fault(fx_exec(&C, S(.op = SOP_MOV_FROM_CR, .cr = 5, .reg = RSI)), VEC_UD, CPU_NO_ERROR);

	C.cr0 |= CR0_TS;
	ck_ok(fx_exec(&C, S(.op = SOP_CLTS)));
	ck_assert(!(C.cr0 & CR0_TS));
}
END_TEST

/* ---- descriptor tables ---- */
START_TEST(test_lgdt_lidt)
{
	put16(0x5000, 0x1234);
	put64(0x5002, 0xffff800000abc000ull);
	ck_ok(fx_exec(&C, S(.op = SOP_LGDT, .mem = true, .ea = 0x5000)));
	ck_assert_uint_eq(C.gdtr.limit, 0x1234);
	ck_assert_uint_eq(C.gdtr.base, 0xffff800000abc000ull);
	ck_ok(fx_exec(&C, S(.op = SOP_LIDT, .mem = true, .ea = 0x5000)));
	ck_assert_uint_eq(C.idtr.limit, 0x1234);
	ck_assert_uint_eq(C.idtr.base, 0xffff800000abc000ull);
	ck_fault(fx_exec(&C, S(.op = SOP_LGDT, .mem = false)), VEC_UD, CPU_NO_ERROR);
	/* beyond RAM: the flat MMU's #PF */
	struct outcome o = fx_exec(&C, S(.op = SOP_LIDT, .mem = true, .ea = FX_RAM + 0x1000));
	ck_assert(o.faulted && o.vector == VEC_PF);
}
END_TEST

START_TEST(test_ltr)
{
	put_sysdesc(SEL_TSS, 0xffff800000003000ull, 0x67, 0x9, true); /* available */
	C.tr = 0;
	C.gpr[RAX] = SEL_TSS;
	ck_ok(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)));
	ck_assert_uint_eq(C.tr, SEL_TSS);
	ck_assert_uint_eq(C.tr_base, 0xffff800000003000ull);
	ck_assert_uint_eq((get64(FX_GDT + SEL_TSS) >> 40) & 0xf, 0xb); /* busy now */
	/* loading a busy TSS */
	ck_fault(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)), VEC_GP, SEL_TSS);
	C.gpr[RAX] = 0;
	ck_fault(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)), VEC_GP, 0);
	C.gpr[RAX] = SEL_KDATA;
	ck_fault(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)), VEC_GP, SEL_KDATA);
	C.gpr[RAX] = 0x2c; /* TI = 1 */
	ck_fault(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)), VEC_GP, 0x2c);
	C.gpr[RAX] = 0x60; /* beyond the GDT limit */
	ck_fault(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)), VEC_GP, 0x60);
	put_sysdesc(SEL_TSS, 0x3000, 0x67, 0x9, false);
	put16(0x5000, SEL_TSS);
	ck_fault(fx_exec(&C, S(.op = SOP_LTR, .mem = true, .ea = 0x5000)), VEC_NP, SEL_TSS);
}
END_TEST

START_TEST(test_lldt)
{
	C.gpr[RAX] = SEL_LDT;
	ck_ok(fx_exec(&C, S(.op = SOP_LLDT, .reg = RAX)));
	ck_assert_uint_eq(C.ldtr, SEL_LDT);
	C.gpr[RAX] = 0;
	ck_ok(fx_exec(&C, S(.op = SOP_LLDT, .reg = RAX)));
	ck_assert_uint_eq(C.ldtr, 0);
	C.gpr[RAX] = SEL_TSS;
	ck_fault(fx_exec(&C, S(.op = SOP_LLDT, .reg = RAX)), VEC_GP, SEL_TSS);
}
END_TEST

/* ---- MSRs ---- */
static struct outcome wrmsr(uint32_t msr, uint64_t v)
{
	C.gpr[RCX] = msr;
	C.gpr[RAX] = (uint32_t)v | 0xabcd00000000ull; /* upper halves are ignored */
	C.gpr[RDX] = (v >> 32) | 0x123400000000ull;
	return fx_exec(&C, S(.op = SOP_WRMSR, .len = 2));
}

static uint64_t rdmsr(uint32_t msr)
{
	C.gpr[RCX] = msr;
	C.gpr[RAX] = C.gpr[RDX] = ~0ull;
	ck_ok(fx_exec(&C, S(.op = SOP_RDMSR, .len = 2)));
	ck_assert_uint_eq(C.gpr[RAX] >> 32, 0);
	ck_assert_uint_eq(C.gpr[RDX] >> 32, 0);
	return C.gpr[RAX] | (C.gpr[RDX] << 32);
}

START_TEST(test_msrs)
{
	ck_ok(wrmsr(MSR_STAR, 0x0023001000080000ull));
	ck_assert_uint_eq(C.star, 0x0023001000080000ull);
	ck_assert_uint_eq(rdmsr(MSR_STAR), 0x0023001000080000ull);
	ck_ok(wrmsr(MSR_LSTAR, 0xffffffff81000000ull));
	ck_assert_uint_eq(rdmsr(MSR_LSTAR), 0xffffffff81000000ull);
	ck_fault(wrmsr(MSR_LSTAR, 0x0000800000000000ull), VEC_GP, 0);
	ck_ok(wrmsr(MSR_FS_BASE, 0x7f0000001000ull));
	ck_assert_uint_eq(C.seg[SEG_FS].base, 0x7f0000001000ull);
	ck_ok(wrmsr(MSR_GS_BASE, 0x1000));
	ck_ok(wrmsr(MSR_KERNEL_GS_BASE, 0x2000));
	ck_assert_uint_eq(rdmsr(MSR_GS_BASE), 0x1000);
	ck_assert_uint_eq(rdmsr(MSR_KERNEL_GS_BASE), 0x2000);
	ck_fault(wrmsr(MSR_GS_BASE, 0x8000000000000000ull), VEC_GP, 0);
	ck_ok(wrmsr(MSR_FMASK, 0x47700));
	ck_assert_uint_eq(rdmsr(MSR_FMASK), 0x47700);
	ck_fault(wrmsr(MSR_FMASK, 1ull << 40), VEC_GP, 0);
	ck_ok(wrmsr(MSR_EFER, EFER_LME | EFER_SCE | EFER_NXE));
	ck_assert_uint_eq(C.efer, EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE);
	ck_fault(wrmsr(MSR_EFER, EFER_SCE), VEC_GP, 0); /* LME off while paging */
	ck_fault(wrmsr(MSR_EFER, EFER_LME | (1ull << 14)), VEC_GP, 0);
	C.icount = 0x1122334455ull;
	ck_assert_uint_eq(rdmsr(MSR_TSC), 0x1122334455ull);
	ck_fault(wrmsr(0x1b, 0), VEC_GP, 0); /* APIC base: not implemented */
	C.gpr[RCX] = 0xc0001234;
	ck_fault(fx_exec(&C, S(.op = SOP_RDMSR)), VEC_GP, 0);
}
END_TEST

/* ---- interrupt flag and pushf/popf ---- */
START_TEST(test_cli_sti)
{
	ck_ok(fx_exec(&C, S(.op = SOP_STI, .len = 1)));
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
	ck_ok(fx_exec(&C, S(.op = SOP_CLI, .len = 1)));
	ck_assert(!(cpu_get_rflags(&C) & RFLAGS_IF));
	/* CPL 3 with IOPL 3 may */
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IOPL);
	fx_user(&C);
	ck_ok(fx_exec(&C, S(.op = SOP_STI, .len = 1)));
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
	/* IOPL 2 is not enough */
	cpu_set_rflags(&C, RFLAGS_FIXED | (2ull << 12) | RFLAGS_IF);
	ck_fault(fx_exec(&C, S(.op = SOP_CLI, .len = 1)), VEC_GP, 0);
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
}
END_TEST

START_TEST(test_popf_user_keeps_if_and_iopl)
{
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF);
	fx_user(&C);
	C.gpr[RSP] = 0x7000;
	put64(0x7000, RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_AC);
	ck_ok(fx_exec(&C, S(.op = SOP_POPF, .opsize = 8, .len = 1)));
	uint64_t fl = cpu_get_rflags(&C);
	ck_assert(fl & RFLAGS_IF);     /* silently kept: the Popek-Goldberg hole */
	ck_assert(!(fl & RFLAGS_IOPL)); /* kept at CPL > 0 */
	ck_assert(fl & RFLAGS_CF);
	ck_assert(fl & RFLAGS_ZF);
	ck_assert(fl & RFLAGS_DF);
	ck_assert(fl & RFLAGS_AC);
	ck_assert_uint_eq(C.gpr[RSP], 0x7008);
	/* and clearing IF from user mode is equally ignored */
	put64(0x7008, RFLAGS_FIXED);
	ck_ok(fx_exec(&C, S(.op = SOP_POPF, .opsize = 8, .len = 1)));
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
	ck_assert(!(cpu_get_rflags(&C) & RFLAGS_CF));
}
END_TEST

START_TEST(test_popf_iopl3_user_sets_if)
{
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IOPL);
	fx_user(&C);
	C.gpr[RSP] = 0x7000;
	put64(0x7000, RFLAGS_FIXED | RFLAGS_IF);
	ck_ok(fx_exec(&C, S(.op = SOP_POPF, .opsize = 8, .len = 1)));
	ck_assert(cpu_get_rflags(&C) & RFLAGS_IF);
	ck_assert_uint_eq(cpu_get_rflags(&C) & RFLAGS_IOPL, RFLAGS_IOPL); /* not changeable at CPL 3 */
}
END_TEST

START_TEST(test_popf_kernel)
{
	C.gpr[RSP] = 0x7000;
	put64(0x7000, RFLAGS_FIXED | RFLAGS_IF | (2ull << 12) | RFLAGS_RF | (1ull << 17));
	ck_ok(fx_exec(&C, S(.op = SOP_POPF, .opsize = 8, .len = 1)));
	uint64_t fl = cpu_get_rflags(&C);
	ck_assert(fl & RFLAGS_IF);
	ck_assert_uint_eq(fl & RFLAGS_IOPL, 2ull << 12);
	ck_assert(!(fl & RFLAGS_RF));
	ck_assert(!(fl & (1ull << 17)));
	/* 16-bit popf changes only the low word */
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_AC);
	put16(0x6ffe, (uint16_t)(RFLAGS_FIXED | RFLAGS_CF));
	C.gpr[RSP] = 0x6ffe;
	ck_ok(fx_exec(&C, S(.op = SOP_POPF, .opsize = 2, .len = 2)));
	fl = cpu_get_rflags(&C);
	ck_assert(fl & RFLAGS_AC);
	ck_assert(fl & RFLAGS_CF);
	ck_assert_uint_eq(C.gpr[RSP], 0x7000);
}
END_TEST

START_TEST(test_pushf)
{
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF | RFLAGS_RF);
	fx_user(&C);
	ck_ok(fx_exec(&C, S(.op = SOP_PUSHF, .opsize = 8, .len = 1)));
	ck_assert_uint_eq(C.gpr[RSP], FX_USTACK - 8);
	/* the real IF shows through at CPL 3; RF is not pushed */
	ck_assert_uint_eq(get64(FX_USTACK - 8), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF);
	ck_ok(fx_exec(&C, S(.op = SOP_PUSHF, .opsize = 2, .len = 2)));
	ck_assert_uint_eq(C.gpr[RSP], FX_USTACK - 10);
	ck_assert_uint_eq(get16(FX_USTACK - 10), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF);
	/* a faulting push leaves RSP alone */
	C.gpr[RSP] = FX_RAM + 0x1008;
	struct outcome o = fx_exec(&C, S(.op = SOP_PUSHF, .opsize = 8, .len = 1));
	ck_assert(o.faulted && o.vector == VEC_PF);
	ck_assert_uint_eq(C.gpr[RSP], FX_RAM + 0x1008);
}
END_TEST

/* ---- hlt, cache, cpuid, rdtsc ---- */
START_TEST(test_hlt_and_cache)
{
	uint64_t rip = C.rip;
	struct outcome o = fx_exec(&C, S(.op = SOP_HLT, .len = 1));
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_HLT);
	ck_assert_uint_eq(C.rip, rip + 1);
	o = fx_exec(&C, S(.op = SOP_WBINVD, .len = 2));
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_NONE);
	ck_ok(fx_exec(&C, S(.op = SOP_INVD, .len = 2)));
	ck_assert_uint_eq(C.rip, rip + 5);
	ck_fault(fx_exec(&C, S(.op = SOP_VMCALL)), VEC_UD, CPU_NO_ERROR);
}
END_TEST

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	C.gpr[RAX] = leaf | 0xffffffff00000000ull;
	C.gpr[RCX] = 0;
	ck_ok(fx_exec(&C, S(.op = SOP_CPUID, .len = 2)));
	r[0] = (uint32_t)C.gpr[RAX];
	r[1] = (uint32_t)C.gpr[RBX];
	r[2] = (uint32_t)C.gpr[RCX];
	r[3] = (uint32_t)C.gpr[RDX];
	static const int regs[4] = { RAX, RBX, RCX, RDX };
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(C.gpr[regs[i]] >> 32, 0);
}

START_TEST(test_cpuid)
{
	uint32_t r[4];
	fx_user(&C); /* cpuid is not privileged */
	cpuid(0, r);
	char v[13] = { 0 };
	memcpy(v, &r[1], 4);
	memcpy(v + 4, &r[3], 4);
	memcpy(v + 8, &r[2], 4);
	ck_assert_str_eq(v, "VmlabVmlabVm");
	ck_assert_uint_ge(r[0], 1);
	cpuid(1, r);
	ck_assert_uint_eq(r[3] & 1, 0);           /* no FPU */
	ck_assert_uint_eq(r[3] & (1u << 23), 0);  /* no MMX */
	ck_assert_uint_eq(r[3] & (3u << 25), 0);  /* no SSE, SSE2 */
	ck_assert_uint_eq(r[2] & 1, 0);           /* no SSE3 */
	ck_assert_uint_ne(r[3] & (1u << 4), 0);   /* TSC */
	ck_assert_uint_ne(r[3] & (1u << 6), 0);   /* PAE */
	ck_assert_uint_ne(r[3] & (1u << 13), 0);  /* PGE */
	ck_assert_uint_eq(r[2] & (1u << 31), 0);  /* no hypervisor bit on bare metal */
	cpuid(CPUID_HV_LEAF, r);
	ck_assert(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0);
	cpuid(0x80000001, r);
	ck_assert_uint_ne(r[3] & (1u << 29), 0);  /* LM */
	ck_assert_uint_ne(r[3] & (1u << 11), 0);  /* SYSCALL */
	ck_assert_uint_ne(r[3] & (1u << 20), 0);  /* NX */
	cpuid(0x80000008, r);
	ck_assert_uint_eq(r[0] & 0xff, 40);
	/* deterministic */
	uint32_t again[4];
	cpuid(1, r);
	cpuid(1, again);
	ck_assert(memcmp(r, again, sizeof r) == 0);
}
END_TEST

START_TEST(test_rdtsc)
{
	C.icount = 0x0000000500000007ull;
	ck_ok(fx_exec(&C, S(.op = SOP_RDTSC, .len = 2)));
	ck_assert_uint_eq(C.gpr[RAX], 7);
	ck_assert_uint_eq(C.gpr[RDX], 5);
	fx_user(&C);
	ck_ok(fx_exec(&C, S(.op = SOP_RDTSC, .len = 2)));
	C.cr4 |= CR4_TSD;
	ck_fault(fx_exec(&C, S(.op = SOP_RDTSC, .len = 2)), VEC_GP, 0);
}
END_TEST

/* ---- swapgs, syscall, sysret ---- */
START_TEST(test_swapgs)
{
	C.seg[SEG_GS].base = 0x1111;
	C.kernel_gs_base = 0x2222;
	ck_ok(fx_exec(&C, S(.op = SOP_SWAPGS)));
	ck_assert_uint_eq(C.seg[SEG_GS].base, 0x2222);
	ck_assert_uint_eq(C.kernel_gs_base, 0x1111);
}
END_TEST

START_TEST(test_syscall_sysret)
{
	C.star = 0x0010000800000000ull; /* kernel CS 0x08 SS 0x10; user base 0x10 */
	C.lstar = 0xffffffff81000000ull;
	C.fmask = RFLAGS_IF | RFLAGS_DF | RFLAGS_TF;
	fx_user(&C);
	C.rip = 0x401000;
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_CF);
	/* without EFER.SCE: #UD */
	ck_fault(fx_exec(&C, S(.op = SOP_SYSCALL, .len = 2)), VEC_UD, CPU_NO_ERROR);
	C.efer |= EFER_SCE;
	ck_ok(fx_exec(&C, S(.op = SOP_SYSCALL, .len = 2)));
	ck_assert_uint_eq(C.cpl, 0);
	ck_assert_uint_eq(C.rip, 0xffffffff81000000ull);
	ck_assert_uint_eq(C.gpr[RCX], 0x401002);
	ck_assert_uint_eq(C.gpr[R11], RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_CF);
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_CF);
	ck_assert_uint_eq(C.seg[SEG_CS].sel, SEL_KCODE);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, SEL_KDATA);

	C.gpr[R11] |= RFLAGS_IOPL | RFLAGS_RF;
	ck_ok(fx_exec(&C, S(.op = SOP_SYSRET, .opsize = 8)));
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.rip, 0x401002);
	ck_assert_uint_eq(C.seg[SEG_CS].sel, SEL_UCODE);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, SEL_UDATA);
	/* R11 & 0x3c7fd7: RF and VM are not taken */
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_CF |
						  RFLAGS_IOPL);
	/* sysret to a non-canonical RCX: #GP(0) at CPL 0 */
	cpu_sys_set_cpl(&C, 0);
	C.gpr[RCX] = 0x0000800000000000ull;
	ck_fault(fx_exec(&C, S(.op = SOP_SYSRET, .opsize = 8)), VEC_GP, 0);
	ck_assert_uint_eq(C.cpl, 0);
	C.efer &= ~EFER_SCE;
	ck_fault(fx_exec(&C, S(.op = SOP_SYSRET, .opsize = 8)), VEC_UD, CPU_NO_ERROR);
}
END_TEST

/* ---- port I/O ---- */
START_TEST(test_in_out)
{
	uint64_t rip = C.rip;
	C.gpr[RAX] = 0x1122334455667788ull;
	struct outcome o = fx_exec(&C, S(.op = SOP_OUT, .opsize = 2, .port = 0x3f8, .len = 1));
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_IO);
	ck_assert_uint_eq(C.rip, rip); /* at the instruction until completed */
	ck_assert_int_eq(C.exit.sens.op, SOP_OUT);
	ck_assert_uint_eq(C.exit.sens.port, 0x3f8);
	ck_assert_uint_eq(C.exit.io_value, 0x7788);
	cpu_io_complete_out(&C);
	ck_assert_uint_eq(C.rip, rip + 1);

	o = fx_exec(&C, S(.op = SOP_IN, .opsize = 1, .port = 0x60, .len = 2));
	ck_assert_int_eq(o.r, CPU_EXIT_IO);
	ck_assert_int_eq(cpu_io_complete_in(&C, 0xab), 0);
	ck_assert_uint_eq(C.gpr[RAX], 0x11223344556677abull);
	ck_assert_uint_eq(C.rip, rip + 3);
	o = fx_exec(&C, S(.op = SOP_IN, .opsize = 4, .port = 0x60, .len = 1));
	ck_assert_int_eq(cpu_io_complete_in(&C, 0xdeadbeef), 0);
	ck_assert_uint_eq(C.gpr[RAX], 0xdeadbeefull); /* 32-bit: zero-extended */
	/* CPL 3 with IOPL 3 may */
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IOPL);
	fx_user(&C);
	o = fx_exec(&C, S(.op = SOP_OUT, .opsize = 1, .port = 0x80, .len = 1));
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_IO);
}
END_TEST

START_TEST(test_rep_outs)
{
	memcpy(fx_ram + 0x5000, "hey", 3);
	C.gpr[RSI] = 0x5000;
	C.gpr[RCX] = 3;
	uint64_t rip = C.rip;
	char got[4] = { 0 };
	for (int n = 0; n < 3; n++) {
		struct cpu_sens s = { .op = SOP_OUTS, .opsize = 1, .port = 0xe9, .rep = true,
				      .mem = true, .ea = C.gpr[RSI], .len = 2 };
		struct outcome o = fx_exec(&C, s);
		ck_assert_int_eq(o.r, CPU_EXIT_IO);
		got[n] = (char)C.exit.io_value;
		cpu_io_complete_out(&C);
		ck_assert_uint_eq(C.rip, n < 2 ? rip : rip + 2);
	}
	ck_assert_str_eq(got, "hey");
	ck_assert_uint_eq(C.gpr[RCX], 0);
	ck_assert_uint_eq(C.gpr[RSI], 0x5003);
	/* rep with RCX = 0 does nothing and does not exit */
	struct outcome o = fx_exec(&C, S(.op = SOP_OUTS, .opsize = 1, .rep = true, .mem = true,
					 .ea = 0x5000, .len = 2));
	ck_assert_int_eq(o.r, CPU_EXIT_NONE);
	ck_assert_uint_eq(C.rip, rip + 4);
}
END_TEST

START_TEST(test_ins_backwards)
{
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_DF);
	C.gpr[RDI] = 0x5002;
	C.gpr[RCX] = 2;
	uint64_t rip = C.rip;
	for (int n = 0; n < 2; n++) {
		struct cpu_sens s = { .op = SOP_INS, .opsize = 2, .port = 0x1f0, .rep = true,
				      .mem = true, .ea = C.gpr[RDI], .len = 3 };
		ck_assert_int_eq(fx_exec(&C, s).r, CPU_EXIT_IO);
		ck_assert_int_eq(cpu_io_complete_in(&C, 0x4100u + (unsigned)n), 0);
	}
	ck_assert_uint_eq(get16(0x5002), 0x4100);
	ck_assert_uint_eq(get16(0x5000), 0x4101);
	ck_assert_uint_eq(C.gpr[RDI], 0x4ffe);
	ck_assert_uint_eq(C.rip, rip + 3);
	/* a destination outside RAM faults in the instruction, before any I/O */
	struct outcome o = fx_exec(&C, S(.op = SOP_INS, .opsize = 1, .mem = true, .ea = FX_RAM + 5));
	ck_assert(o.faulted && o.vector == VEC_PF);
}
END_TEST

/* ---- classes and names ---- */
START_TEST(test_classes_and_names)
{
	for (int op = SOP_NONE + 1; op < SOP_COUNT; op++) {
		uint32_t c = cpu_sens_class((enum cpu_sens_op)op);
		ck_assert_msg(c && !(c & (c - 1)), "op %d: class %#x", op, c);
		ck_assert_str_ne(cpu_sens_op_name((enum cpu_sens_op)op), "sop?");
	}
	ck_assert_uint_eq(cpu_sens_class(SOP_POPF), SENS_FLAGS);
	ck_assert_uint_eq(cpu_sens_class(SOP_SIDT), SENS_DESC_STORE);
	ck_assert_uint_eq(cpu_sens_class(SOP_SMSW), SENS_DESC_STORE);
	ck_assert_uint_eq(cpu_sens_class(SOP_SYSRET), SENS_IRET);
	ck_assert_uint_eq(cpu_sens_class(SOP_SYSCALL), SENS_INT);
	ck_assert_uint_eq(cpu_sens_class(SOP_INVD), SENS_CACHE);
	ck_assert_uint_eq(cpu_sens_class(SOP_NONE), 0);
	ck_assert_str_eq(cpu_sens_op_name(SOP_IRETQ), "iretq");
	ck_assert_str_eq(cpu_vector_name(VEC_PF), "#PF");
	ck_assert_str_eq(cpu_vector_name(VEC_DF), "#DF");
	ck_assert_str_eq(cpu_vector_name(0x80), "INTR");
	ck_assert_str_eq(cpu_exit_name(CPU_EXIT_TRIPLE_FAULT), "triple-fault");
	ck_assert_str_eq(cpu_exit_name((enum cpu_exit_reason)99), "exit?");
}
END_TEST

/* CPL 3 with IOPL 0: the TSS I/O permission bitmap decides, port by port. */
START_TEST(test_io_bitmap)
{
	/* bitmap at TSS+0x68 for ports 0..0x3ff (0x80 bytes) + the 0xff byte */
	memset(fx_ram + FX_TSS + 0x68, 0xff, 0x81);
	fx_ram[FX_TSS + 0x68 + 0x3f8 / 8] = 0x00; /* 0x3f8..0x3ff allowed */
	fx_ram[FX_TSS + 0x68 + 0x80 / 8] = 0xfe;  /* 0x80 allowed, 0x81.. not */
	C.tr_limit = 0x68 + 0x80;
	fx_user(&C);
	struct outcome o = fx_exec(&C, S(.op = SOP_OUT, .opsize = 1, .port = 0x3f8, .len = 1));
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_IO);
	o = fx_exec(&C, S(.op = SOP_IN, .opsize = 4, .port = 0x3fc, .len = 1));
	ck_ok(o);
	ck_assert_int_eq(o.r, CPU_EXIT_IO);
	ck_ok(fx_exec(&C, S(.op = SOP_IN, .opsize = 1, .port = 0x80, .len = 1)));
	ck_fault(fx_exec(&C, S(.op = SOP_IN, .opsize = 2, .port = 0x80, .len = 1)), VEC_GP, 0);
	ck_fault(fx_exec(&C, S(.op = SOP_OUT, .opsize = 1, .port = 0x3f7, .len = 1)), VEC_GP, 0);
	/* 0x3fe as a dword spans 0x3fe..0x401: the next byte is 0xff */
	ck_fault(fx_exec(&C, S(.op = SOP_OUT, .opsize = 4, .port = 0x3fe, .len = 1)), VEC_GP, 0);
	/* the second byte read must be inside the limit too */
	C.tr_limit = 0x68 + 0x3f8 / 8;
	ck_fault(fx_exec(&C, S(.op = SOP_OUT, .opsize = 1, .port = 0x3f8, .len = 1)), VEC_GP, 0);
	/* ltr takes the limit from the descriptor */
	cpu_sys_set_cpl(&C, 0);
	put_sysdesc(SEL_TSS, FX_TSS, 0x2068, 0x9, true);
	C.gpr[RAX] = SEL_TSS;
	ck_ok(fx_exec(&C, S(.op = SOP_LTR, .reg = RAX)));
	ck_assert_uint_eq(C.tr_limit, 0x2068);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_system");
	TCase *t = tcase_create("system");
	tcase_add_checked_fixture(t, setup, teardown);
	int n = (int)(sizeof priv_cases / sizeof priv_cases[0]);
	tcase_add_loop_test(t, test_cpl3_privileged, 0, n);
	tcase_add_loop_test(t, test_cpl0_not_gp, 0, n);
	tcase_add_test(t, test_cpl3_store_descriptors_leak);
	tcase_add_test(t, test_mov_cr);
	tcase_add_test(t, test_lgdt_lidt);
	tcase_add_test(t, test_ltr);
	tcase_add_test(t, test_lldt);
	tcase_add_test(t, test_msrs);
	tcase_add_test(t, test_cli_sti);
	tcase_add_test(t, test_popf_user_keeps_if_and_iopl);
	tcase_add_test(t, test_popf_iopl3_user_sets_if);
	tcase_add_test(t, test_popf_kernel);
	tcase_add_test(t, test_pushf);
	tcase_add_test(t, test_hlt_and_cache);
	tcase_add_test(t, test_cpuid);
	tcase_add_test(t, test_rdtsc);
	tcase_add_test(t, test_swapgs);
	tcase_add_test(t, test_syscall_sysret);
	tcase_add_test(t, test_in_out);
	tcase_add_test(t, test_rep_outs);
	tcase_add_test(t, test_io_bitmap);
	tcase_add_test(t, test_ins_backwards);
	tcase_add_test(t, test_classes_and_names);
	suite_add_tcase(s, t);
	return check_run(s);
}
