/*
 * tests/unit/test_cpu_segment.c — segment loads in 64-bit mode (mov/pop
 * sreg), iretq and far return: the selector checks and their error codes,
 * CPL changes, and the nulling of data segments on a return to CPL 3.
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

static struct cpu C;
static void setup(void) { fx_setup(&C); }
static void teardown(void) { fx_teardown(&C); }

static struct outcome load(enum cpu_segreg sr, uint16_t sel)
{
	struct outcome o = { 0 };
	jmp_buf jb;
	jmp_buf *old = cpu_catch(&C, &jb);
	if (setjmp(jb)) {
		cpu_catch(&C, old);
		o.faulted = true;
		o.vector = cpu_last_fault(&C)->vector;
		o.error = cpu_last_fault(&C)->error;
		return o;
	}
	cpu_load_seg(&C, sr, sel);
	cpu_catch(&C, old);
	return o;
}

struct load_case {
	const char *name;
	unsigned cpl;
	enum cpu_segreg sr;
	uint16_t sel;
	uint8_t vector; /* 0: loads */
	uint32_t error;
};
static const struct load_case load_cases[] = {
	{ "ds kdata cpl0", 0, SEG_DS, SEL_KDATA, 0, 0 },
	{ "ds kcode (readable) cpl0", 0, SEG_DS, SEL_KCODE, 0, 0 },
	{ "ds udata cpl3", 3, SEG_DS, SEL_UDATA, 0, 0 },
	{ "ds null cpl3", 3, SEG_DS, 0, 0, 0 },
	{ "ds kdata cpl3", 3, SEG_DS, SEL_KDATA | 3, VEC_GP, SEL_KDATA },
	{ "ds kdata rpl3 cpl0", 0, SEG_DS, SEL_KDATA | 3, VEC_GP, SEL_KDATA },
	{ "ds not present", 0, SEG_DS, SEL_NPDATA, VEC_NP, SEL_NPDATA },
	{ "ds tss", 0, SEG_DS, SEL_TSS, VEC_GP, SEL_TSS },
	{ "ds beyond gdt", 0, SEG_DS, 0x60, VEC_GP, 0x60 },
	{ "es ldt without ldtr", 0, SEG_ES, 0x0c, VEC_GP, 0x0c },
	{ "ss kdata cpl0", 0, SEG_SS, SEL_KDATA, 0, 0 },
	{ "ss null cpl0", 0, SEG_SS, 0, 0, 0 },
	{ "ss null cpl3", 3, SEG_SS, 3, VEC_GP, 0 },
	{ "ss udata cpl0", 0, SEG_SS, SEL_UDATA, VEC_GP, SEL_UDATA & ~3 },
	{ "ss udata cpl3", 3, SEG_SS, SEL_UDATA, 0, 0 },
	{ "ss code", 0, SEG_SS, SEL_KCODE, VEC_GP, SEL_KCODE },
	{ "ss not present", 0, SEG_SS, SEL_NPDATA, VEC_SS, SEL_NPDATA },
	{ "cs", 0, SEG_CS, SEL_KCODE, VEC_UD, CPU_NO_ERROR },
};

START_TEST(test_load_table)
{
	const struct load_case *c = &load_cases[_i];
	if (c->cpl == 3)
		fx_user(&C);
	uint16_t before = C.seg[c->sr].sel;
	struct outcome o = load(c->sr, c->sel);
	if (!c->vector) {
		ck_assert_msg(!o.faulted, "%s: vector %u error %#x", c->name, o.vector, o.error);
		ck_assert_uint_eq(C.seg[c->sr].sel, c->sel);
	} else {
		ck_assert_msg(o.faulted, "%s: loaded", c->name);
		ck_assert_msg(o.vector == c->vector && o.error == c->error, "%s: vector %u error %#x",
			      c->name, o.vector, o.error);
		ck_assert_uint_eq(C.seg[c->sr].sel, before);
	}
}
END_TEST

START_TEST(test_load_sets_accessed_and_fs_base)
{
	ck_assert_uint_eq((get64(FX_GDT + SEL_KDATA) >> 40) & 1, 0);
	ck_ok(load(SEG_DS, SEL_KDATA));
	ck_assert_uint_eq((get64(FX_GDT + SEL_KDATA) >> 40) & 1, 1);
	ck_ok(load(SEG_FS, SEL_KDATA_FS));
	ck_assert_uint_eq(C.seg[SEG_FS].base, 0x12345000);
	ck_ok(load(SEG_FS, 0));
	ck_assert_uint_eq(C.seg[SEG_FS].base, 0);
}
END_TEST

START_TEST(test_ldt_selector)
{
	put64(0x4000 + 8, D_UDATA); /* LDT entry 1, DPL 3 */
	C.ldtr = SEL_LDT;
	fx_user(&C);
	ck_ok(load(SEG_ES, 0x0f)); /* index 1, TI, RPL 3 */
	ck_assert_uint_eq(C.seg[SEG_ES].sel, 0x0f);
	ck_fault(load(SEG_ES, 0x10f), VEC_GP, 0x10c); /* beyond the LDT limit 0xff */
}
END_TEST

/* Build an iretq frame at `sp`. */
static void iret_frame(uint64_t sp, uint64_t rip, uint16_t cs, uint64_t fl, uint64_t rsp, uint16_t ss)
{
	put64(sp, rip);
	put64(sp + 8, cs);
	put64(sp + 16, fl);
	put64(sp + 24, rsp);
	put64(sp + 32, ss);
}

static struct outcome iretq(void)
{
	return fx_exec(&C, (struct cpu_sens){ .op = SOP_IRETQ, .opsize = 8, .len = 2 });
}

START_TEST(test_iretq_to_user)
{
	uint64_t sp = C.gpr[RSP];
	C.seg[SEG_DS].sel = SEL_KDATA;
	C.seg[SEG_ES].sel = SEL_UDATA;
	cpu_set_rflags(&C, RFLAGS_FIXED);
	iret_frame(sp, 0x401000, SEL_UCODE, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF, 0x7ff0, SEL_UDATA);
	ck_ok(iretq());
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.rip, 0x401000);
	ck_assert_uint_eq(C.gpr[RSP], 0x7ff0);
	ck_assert_uint_eq(C.seg[SEG_CS].sel, SEL_UCODE);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, SEL_UDATA);
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF);
	ck_assert_uint_eq(C.seg[SEG_DS].sel, 0);        /* DPL 0 data: nulled */
	ck_assert_uint_eq(C.seg[SEG_ES].sel, SEL_UDATA); /* usable at CPL 3: kept */
}
END_TEST

START_TEST(test_iretq_same_level)
{
	uint64_t sp = C.gpr[RSP];
	iret_frame(sp, 0xffffffff80002000ull, SEL_KCODE, RFLAGS_FIXED | (3ull << 12) | RFLAGS_IF,
		   0x8800, SEL_KDATA);
	ck_ok(iretq());
	ck_assert_uint_eq(C.cpl, 0);
	ck_assert_uint_eq(C.rip, 0xffffffff80002000ull);
	ck_assert_uint_eq(C.gpr[RSP], 0x8800); /* 64-bit iretq always pops SS:RSP */
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | (3ull << 12) | RFLAGS_IF);
}
END_TEST

START_TEST(test_iretq_user_cannot_set_if_or_iopl)
{
	fx_user(&C);
	cpu_set_rflags(&C, RFLAGS_FIXED);
	uint64_t sp = C.gpr[RSP] - 40;
	C.gpr[RSP] = sp;
	iret_frame(sp, 0x401000, SEL_UCODE, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_IOPL | RFLAGS_ZF,
		   0x7000, SEL_UDATA);
	ck_ok(iretq());
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_ZF);
}
END_TEST

struct iret_case {
	const char *name;
	uint64_t rip;
	uint16_t cs, ss;
	uint64_t fl;       /* RFLAGS before the iretq */
	unsigned cpl;
	uint8_t vector;
	uint32_t error;
};
static const struct iret_case iret_cases[] = {
	{ "user to kernel", 0x1000, SEL_KCODE, SEL_KDATA, RFLAGS_FIXED, 3, VEC_GP, SEL_KCODE },
	{ "nested task", 0x1000, SEL_KCODE, SEL_KDATA, RFLAGS_FIXED | RFLAGS_NT, 0, VEC_GP, 0 },
	{ "non-canonical rip", 0x0000800000000000ull, SEL_KCODE, SEL_KDATA, RFLAGS_FIXED, 0, VEC_GP, 0 },
	{ "compat-mode cs", 0x1000, SEL_KCODE32, SEL_KDATA, RFLAGS_FIXED, 0, VEC_GP, SEL_KCODE32 },
	{ "data as cs", 0x1000, SEL_KDATA, SEL_KDATA, RFLAGS_FIXED, 0, VEC_GP, SEL_KDATA },
	{ "null cs", 0x1000, 0, SEL_KDATA, RFLAGS_FIXED, 0, VEC_GP, 0 },
	{ "ss rpl mismatch", 0x1000, SEL_UCODE, SEL_KDATA, RFLAGS_FIXED, 0, VEC_GP, SEL_KDATA },
	{ "null ss to cpl3", 0x1000, SEL_UCODE, 3, RFLAGS_FIXED, 0, VEC_GP, 0 },
	{ "ss not present", 0x1000, SEL_KCODE, SEL_NPDATA, RFLAGS_FIXED, 0, VEC_SS, SEL_NPDATA },
};

START_TEST(test_iretq_checks)
{
	const struct iret_case *c = &iret_cases[_i];
	if (c->cpl == 3)
		fx_user(&C);
	cpu_set_rflags(&C, c->fl);
	C.gpr[RSP] -= 64;
	iret_frame(C.gpr[RSP], c->rip, c->cs, RFLAGS_FIXED, 0x7000, c->ss);
	uint64_t rip = C.rip, rsp = C.gpr[RSP];
	struct outcome o = iretq();
	ck_assert_msg(o.faulted, "%s: no fault", c->name);
	ck_assert_msg(o.vector == c->vector && o.error == c->error, "%s: vector %u error %#x",
		      c->name, o.vector, o.error);
	ck_assert_uint_eq(C.rip, rip);
	ck_assert_uint_eq(C.gpr[RSP], rsp);
	ck_assert_uint_eq(C.cpl, c->cpl);
}
END_TEST

START_TEST(test_iretq_cs_not_present)
{
	put64(FX_GDT + (SEL_UCODE & ~7), D_UCODE & ~(1ull << 47));
	iret_frame(C.gpr[RSP], 0x1000, SEL_UCODE, RFLAGS_FIXED, 0x7000, SEL_UDATA);
	ck_fault(iretq(), VEC_NP, SEL_UCODE & ~3);
}
END_TEST

/* Deliver from CPL 3 and come back with iretq: the state is as before. */
START_TEST(test_interrupt_round_trip)
{
	fx_user(&C);
	C.rip = 0x401234;
	C.gpr[RSP] = 0x7ab8;
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_SF);
	ck_assert(cpu_interrupt(&C, 0x20, true));
	ck_assert_uint_eq(C.cpl, 0);
	ck_ok(iretq());
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.rip, 0x401234);
	ck_assert_uint_eq(C.gpr[RSP], 0x7ab8);
	ck_assert_uint_eq(C.seg[SEG_CS].sel, SEL_UCODE);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, SEL_UDATA);
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_SF);
}
END_TEST

static struct outcome far_ret(unsigned opsize, uint16_t imm)
{
	struct outcome o = { 0 };
	jmp_buf jb;
	jmp_buf *old = cpu_catch(&C, &jb);
	if (setjmp(jb)) {
		cpu_catch(&C, old);
		o.faulted = true;
		o.vector = cpu_last_fault(&C)->vector;
		o.error = cpu_last_fault(&C)->error;
		return o;
	}
	cpu_far_ret(&C, opsize, imm);
	cpu_catch(&C, old);
	return o;
}

START_TEST(test_far_ret)
{
	/* lretq to the same level: reload CS after lgdt, the usual use */
	uint64_t sp = C.gpr[RSP];
	put64(sp, 0x202000);
	put64(sp + 8, SEL_KCODE);
	ck_ok(far_ret(8, 0));
	ck_assert_uint_eq(C.rip, 0x202000);
	ck_assert_uint_eq(C.gpr[RSP], sp + 16);
	/* 32-bit lret with an immediate, to CPL 3 */
	sp = C.gpr[RSP];
	put64(sp, 0);
	put16(sp, 0x1000);
	put16(sp + 2, 0); /* EIP 0x1000 */
	put64(sp + 4, SEL_UCODE);
	put64(sp + 8 + 16, 0x7000);
	put64(sp + 8 + 16 + 4, SEL_UDATA);
	memcpy(fx_ram + sp + 8 + 16, &(uint32_t){ 0x7000 }, 4);
	memcpy(fx_ram + sp + 8 + 16 + 4, &(uint32_t){ SEL_UDATA }, 4);
	ck_ok(far_ret(4, 16));
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.rip, 0x1000);
	ck_assert_uint_eq(C.gpr[RSP], 0x7000 + 16);
	ck_assert_uint_eq(C.seg[SEG_SS].sel, SEL_UDATA);
	/* and not back up */
	sp = C.gpr[RSP];
	put64(sp, 0x1000);
	put64(sp + 8, SEL_KCODE);
	ck_fault(far_ret(8, 0), VEC_GP, SEL_KCODE);
}
END_TEST

/* iretd pops 4-byte slots (zero-extended). */
START_TEST(test_iretd)
{
	uint64_t sp = C.gpr[RSP];
	uint32_t fr[5] = { 0x402000, SEL_UCODE, RFLAGS_FIXED | RFLAGS_ZF, 0x7100, SEL_UDATA };
	memcpy(fx_ram + sp, fr, sizeof fr);
	ck_ok(fx_exec(&C, (struct cpu_sens){ .op = SOP_IRETQ, .opsize = 4, .len = 1 }));
	ck_assert_uint_eq(C.rip, 0x402000);
	ck_assert_uint_eq(C.cpl, 3);
	ck_assert_uint_eq(C.gpr[RSP], 0x7100);
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED | RFLAGS_ZF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_segment");
	TCase *t = tcase_create("segment");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, test_load_table, 0, (int)(sizeof load_cases / sizeof load_cases[0]));
	tcase_add_test(t, test_load_sets_accessed_and_fs_base);
	tcase_add_test(t, test_ldt_selector);
	tcase_add_test(t, test_iretq_to_user);
	tcase_add_test(t, test_iretq_same_level);
	tcase_add_test(t, test_iretq_user_cannot_set_if_or_iopl);
	tcase_add_loop_test(t, test_iretq_checks, 0, (int)(sizeof iret_cases / sizeof iret_cases[0]));
	tcase_add_test(t, test_iretq_cs_not_present);
	tcase_add_test(t, test_interrupt_round_trip);
	tcase_add_test(t, test_far_ret);
	tcase_add_test(t, test_iretd);
	suite_add_tcase(s, t);
	return check_run(s);
}
