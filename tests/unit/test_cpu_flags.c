/*
 * tests/unit/test_cpu_flags.c — lazy flags: cpu_get/set_rflags, flags of
 * add/sub/inc/logic, CF kept by inc/dec, the condition fast paths checked
 * against the generic evaluation for random operands, zero-count shifts,
 * lahf/sahf, adc chains.
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/exec.h"
#include "tests/unit/check_run.h"

#define RAM (64u << 10)
#define CODE 0x1000u

static struct cpu C;
static uint8_t *ram;

static void setup(void)
{
	ram = calloc(1, RAM);
	ck_assert_int_eq(cpu_init(&C, ram, RAM), 0);
	C.ctl.virt = true;
	C.gpr[RSP] = 0x8000;
}

static void teardown(void)
{
	cpu_free(&C);
	free(ram);
}

/* Run the given code from CODE for `n` instructions. */
static void run(const uint8_t *b, size_t len, unsigned n)
{
	memcpy(ram + CODE, b, len);
	cpu_code_written(&C, CODE, len);
	C.rip = CODE;
	ck_assert_int_eq(cpu_run(&C, n), CPU_EXIT_BUDGET);
}
#define RUN(n, ...) run((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), (n))

START_TEST(test_set_get)
{
	cpu_set_rflags(&C, ~0ull);
	uint64_t f = cpu_get_rflags(&C);
	ck_assert(f & RFLAGS_FIXED);
	ck_assert(!(f & (1ull << 3)) && !(f & (1ull << 5)) && !(f & (1ull << 15)) && !(f >> 22));
	ck_assert_uint_eq(f & RFLAGS_ARITH, RFLAGS_ARITH);
	cpu_set_rflags(&C, 0);
	ck_assert_uint_eq(cpu_get_rflags(&C), RFLAGS_FIXED);
}
END_TEST

START_TEST(test_add_overflow)
{
	C.gpr[RAX] = 0x7f;
	C.gpr[RBX] = 1;
	RUN(1, 0x00, 0xd8); /* add al, bl */
	uint64_t f = cpu_get_rflags(&C) & RFLAGS_ARITH;
	ck_assert_uint_eq(f, RFLAGS_OF | RFLAGS_SF | RFLAGS_AF);
	C.gpr[RAX] = 0xff;
	RUN(1, 0x00, 0xd8);
	f = cpu_get_rflags(&C) & RFLAGS_ARITH;
	ck_assert_uint_eq(f, RFLAGS_CF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF);
}
END_TEST

START_TEST(test_inc_keeps_cf)
{
	C.gpr[RAX] = 0xffffffff;
	RUN(2, 0xf9, 0xff, 0xc0); /* stc; inc eax */
	uint64_t f = cpu_get_rflags(&C);
	ck_assert(f & RFLAGS_CF);
	ck_assert(f & RFLAGS_ZF);
	RUN(2, 0xf8, 0xff, 0xc8); /* clc; dec eax: 0 -> ffffffff */
	f = cpu_get_rflags(&C);
	ck_assert(!(f & RFLAGS_CF));
	ck_assert(f & RFLAGS_SF);
	ck_assert_uint_eq(C.gpr[RAX], 0xffffffff);
}
END_TEST

/* What the SDM says cc means, from an RFLAGS value. */
static bool cond_ref(uint64_t f, unsigned cc)
{
	bool cf = f & RFLAGS_CF, zf = f & RFLAGS_ZF, sf = f & RFLAGS_SF, of = f & RFLAGS_OF, pf = f & RFLAGS_PF;
	bool r;
	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r != (cc & 1);
}

START_TEST(test_conditions_fast_vs_reference)
{
	/* cmp/sub/test/add/sbb at every size, random and edge operands */
	static const uint8_t ops[][4] = {
		{ 0x48, 0x39, 0xd8, 3 }, /* cmp rax, rbx */
		{ 0x39, 0xd8, 0x90, 2 }, /* cmp eax, ebx */
		{ 0x66, 0x39, 0xd8, 3 }, /* cmp ax, bx */
		{ 0x38, 0xd8, 0x90, 2 }, /* cmp al, bl */
		{ 0x48, 0x85, 0xd8, 3 }, /* test rax, rbx */
		{ 0x84, 0xd8, 0x90, 2 }, /* test al, bl */
		{ 0x48, 0x01, 0xd8, 3 }, /* add rax, rbx */
		{ 0x19, 0xd8, 0x90, 2 }, /* sbb eax, ebx */
		{ 0xff, 0xc0, 0x90, 2 }, /* inc eax */
		{ 0x48, 0xf7, 0xd8, 3 }, /* neg rax */
	};
	static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0x7fffffff, 0x80000000,
					 0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull };
	uint64_t s = 12345;
	for (unsigned n = 0; n < 20000; n++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		const uint8_t *op = ops[n % 10];
		uint64_t a = (n & 1) ? s : edge[(s >> 8) % 13], b = (n & 2) ? s >> 3 : edge[(s >> 20) % 13];
		if (n & 4)
			b = a; /* equal operands */
		C.gpr[RAX] = a;
		C.gpr[RBX] = b;
		cpu_set_rflags(&C, RFLAGS_FIXED | ((s >> 40) & RFLAGS_CF));
		run(op, op[3], 1);
		uint64_t f = cpu_get_rflags(&C);
		for (unsigned cc = 0; cc < 16; cc++)
			ck_assert_msg(cpu_cond(&C, cc) == cond_ref(f, cc), "op %u cc %u a %llx b %llx", n % 10, cc,
				      (unsigned long long)a, (unsigned long long)b);
	}
}
END_TEST

START_TEST(test_zero_count_shift_keeps_flags)
{
	C.gpr[RAX] = 5;
	C.gpr[RBX] = 5;
	C.gpr[RCX] = 0x100; /* cl = 0 */
	RUN(2, 0x39, 0xd8, 0xd3, 0xe0); /* cmp eax, ebx; shl eax, cl */
	ck_assert(cpu_get_rflags(&C) & RFLAGS_ZF);
	ck_assert_uint_eq(C.gpr[RAX], 5);
}
END_TEST

START_TEST(test_lahf_sahf)
{
	cpu_set_rflags(&C, RFLAGS_FIXED | RFLAGS_SF | RFLAGS_CF | RFLAGS_OF);
	RUN(1, 0x9f); /* lahf */
	ck_assert_uint_eq((C.gpr[RAX] >> 8) & 0xff, 0x83);
	C.gpr[RAX] = 0x4400; /* ZF PF */
	RUN(1, 0x9e);        /* sahf: OF untouched */
	ck_assert_uint_eq(cpu_get_rflags(&C) & RFLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF | RFLAGS_OF);
}
END_TEST

START_TEST(test_adc_chain)
{
	/* 128-bit add: (rdx:rax) += (rcx:rbx) */
	C.gpr[RAX] = ~0ull;
	C.gpr[RDX] = 1;
	C.gpr[RBX] = 1;
	C.gpr[RCX] = 2;
	RUN(2, 0x48, 0x01, 0xd8, 0x48, 0x11, 0xca); /* add rax, rbx; adc rdx, rcx */
	ck_assert_uint_eq(C.gpr[RAX], 0);
	ck_assert_uint_eq(C.gpr[RDX], 4);
	ck_assert(!(cpu_get_rflags(&C) & RFLAGS_CF));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_flags");
	TCase *tc = tcase_create("flags");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_set_get);
	tcase_add_test(tc, test_add_overflow);
	tcase_add_test(tc, test_inc_keeps_cf);
	tcase_add_test(tc, test_conditions_fast_vs_reference);
	tcase_add_test(tc, test_zero_count_shift_keeps_flags);
	tcase_add_test(tc, test_lahf_sahf);
	tcase_add_test(tc, test_adc_chain);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
