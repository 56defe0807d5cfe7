/*
 * tests/unit/test_cpu_decode.c — decoder edge cases: prefix combinations,
 * REX.W vs 66, REX placement, RIP-relative operands with immediates, 8-bit
 * register encoding (AH..BH vs SPL..DIL), SIB forms, lock rules, the 15-byte
 * limit, truncated input, invalid/unsupported classes, and a garbage fuzz
 * that must never read past its buffer (run under ASan: make asan).
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/exec.h"
#include "tests/unit/check_run.h"

/* Decode `n` bytes from an exactly-sized heap copy (so ASan sees overreads). */
static enum dec_status dec(const uint8_t *bytes, unsigned n, struct insn *i)
{
	uint8_t *buf = malloc(n ? n : 1);
	memcpy(buf, bytes, n);
	enum dec_status st = cpu_decode(buf, n, i);
	free(buf);
	return st;
}
#define DEC(i, ...) dec((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), (i))

struct len_case {
	const char *name;
	uint8_t b[16];
	unsigned n;
	unsigned len;   /* expected length */
	unsigned osz;   /* expected operand size, 0: do not check */
};

/* Lengths and operand sizes of a table of named encodings. */
static const struct len_case lens[] = {
	{ "add eax,ecx", { 0x01, 0xc8 }, 2, 2, 4 },
	{ "66 REX.W add: REX.W wins", { 0x66, 0x48, 0x01, 0xc8 }, 4, 4, 8 },
	{ "REX before 66 is ignored", { 0x48, 0x66, 0x01, 0xc8 }, 4, 4, 2 },
	{ "mov ax, imm16", { 0x66, 0xb8, 0x34, 0x12 }, 4, 4, 2 },
	{ "mov eax, imm32", { 0xb8, 1, 2, 3, 4 }, 5, 5, 4 },
	{ "mov rax, imm64", { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10, 8 },
	{ "66 REX.W mov: imm64", { 0x66, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 11, 11, 8 },
	{ "mov dword [rip+d], imm32", { 0xc7, 0x05, 0, 0, 0, 0, 1, 2, 3, 4 }, 10, 10, 4 },
	{ "mov word [rip+d], imm16", { 0x66, 0xc7, 0x05, 0, 0, 0, 0, 1, 2 }, 9, 9, 2 },
	{ "cmp byte [rip+d], imm8", { 0x80, 0x3d, 0, 0, 0, 0, 7 }, 7, 7, 1 },
	{ "cmp qword [rip+d], imm8", { 0x48, 0x83, 0x3d, 0, 0, 0, 0, 7 }, 8, 8, 8 },
	{ "mov eax, [disp32] (SIB no base)", { 0x8b, 0x04, 0x25, 0, 0x10, 0, 0 }, 7, 7, 4 },
	{ "mov eax, [rsp]", { 0x8b, 0x04, 0x24 }, 3, 3, 4 },
	{ "mov eax, [rbp+0]", { 0x8b, 0x45, 0x00 }, 3, 3, 4 },
	{ "mov eax, [r13+0]", { 0x41, 0x8b, 0x45, 0x00 }, 4, 4, 4 },
	{ "mov eax, [rbp+rax*4+disp32] mod2", { 0x8b, 0x84, 0x85, 1, 2, 3, 4 }, 7, 7, 4 },
	{ "lea with addr32", { 0x67, 0x8d, 0x04, 0x08 }, 4, 4, 4 },
	{ "push imm8", { 0x6a, 0xff }, 2, 2, 8 },
	{ "push word imm16", { 0x66, 0x68, 1, 2 }, 4, 4, 2 },
	{ "call rel32", { 0xe8, 0, 0, 0, 0 }, 5, 5, 8 },
	{ "jcc rel32", { 0x0f, 0x84, 0, 0, 0, 0 }, 6, 6, 8 },
	{ "enter", { 0xc8, 0x10, 0x00, 0x01 }, 4, 4, 8 },
	{ "ret imm16", { 0xc2, 0x08, 0x00 }, 3, 3, 8 },
	{ "mov al, moffs64", { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8 }, 9, 9, 1 },
	{ "mov eax, moffs32 (67)", { 0x67, 0xa1, 1, 2, 3, 4 }, 6, 6, 4 },
	{ "test byte [rax], imm8 (F6 /0)", { 0xf6, 0x00, 0x7f }, 3, 3, 1 },
	{ "test dword [rax], imm32 (F7 /0)", { 0xf7, 0x00, 1, 2, 3, 4 }, 6, 6, 4 },
	{ "not dword [rax] (F7 /2, no imm)", { 0xf7, 0x10 }, 2, 2, 4 },
	{ "shl eax, imm8", { 0xc1, 0xe0, 0x05 }, 3, 3, 4 },
	{ "shld [rax], ecx, imm8", { 0x0f, 0xa4, 0x08, 0x03 }, 4, 4, 4 },
	{ "bt dword [rax], imm8", { 0x0f, 0xba, 0x20, 0x03 }, 4, 4, 4 },
	{ "imul eax, ecx, imm32", { 0x69, 0xc1, 1, 2, 3, 4 }, 6, 6, 4 },
	{ "movzx eax, byte [rip+d]", { 0x0f, 0xb6, 0x05, 0, 0, 0, 0 }, 7, 7, 4 },
	{ "movsxd rax, dword [rcx]", { 0x48, 0x63, 0x01 }, 3, 3, 8 },
	{ "nopw 0(%rax,%rax)", { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 6, 6, 2 },
	{ "nopw cs:0(%rax,%rax) disp32", { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 10, 10, 2 },
	{ "endbr64", { 0xf3, 0x0f, 0x1e, 0xfa }, 4, 4, 0 },
	{ "pause", { 0xf3, 0x90 }, 2, 2, 0 },
	{ "rep stosq", { 0xf3, 0x48, 0xab }, 3, 3, 8 },
	{ "popcnt", { 0xf3, 0x48, 0x0f, 0xb8, 0xc1 }, 5, 5, 8 },
	{ "lock cmpxchg [rdi], ecx", { 0xf0, 0x0f, 0xb1, 0x0f }, 4, 4, 4 },
	{ "mov rax, fs:[0x28]", { 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0 }, 9, 9, 8 },
	{ "mov cr3, rax", { 0x0f, 0x22, 0xd8 }, 3, 3, 8 },
	{ "in al, imm8", { 0xe4, 0x60 }, 2, 2, 1 },
	{ "REX.W in eax, dx keeps 4", { 0x48, 0xed }, 2, 2, 4 },
	{ "14 prefixes + nop = 15 bytes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					    0x66, 0x66, 0x66, 0x90 }, 15, 15, 0 },
};

START_TEST(test_lengths)
{
	const struct len_case *c = &lens[_i];
	struct insn i;
	enum dec_status st = dec(c->b, c->n, &i);
	ck_assert_msg(st == DEC_OK, "%s: status %d", c->name, st);
	ck_assert_msg(i.len == c->len, "%s: length %u, want %u", c->name, i.len, c->len);
	if (c->osz)
		ck_assert_msg(i.osz == c->osz, "%s: osz %u, want %u", c->name, i.osz, c->osz);
}
END_TEST

START_TEST(test_rip_relative_fields)
{
	struct insn i;
	ck_assert_int_eq(DEC(&i, 0xc7, 0x05, 0x10, 0, 0, 0, 0x78, 0x56, 0x34, 0x12), DEC_OK);
	ck_assert_uint_eq(i.base, R_RIP);
	ck_assert_uint_eq(i.index, R_NONE);
	ck_assert_int_eq(i.disp, 0x10);
	ck_assert_int_eq(i.imm, 0x12345678);
	ck_assert(!i.mod3);
}
END_TEST

START_TEST(test_byte_registers)
{
	struct insn i;
	/* mov al, ah: without REX, reg 4 is AH */
	ck_assert_int_eq(DEC(&i, 0x88, 0xe0), DEC_OK);
	ck_assert_uint_eq(i.reg, R8_HIGH + 0);
	ck_assert_uint_eq(i.rm, RAX);
	/* with any REX, reg 4 is SPL */
	ck_assert_int_eq(DEC(&i, 0x40, 0x88, 0xe0), DEC_OK);
	ck_assert_uint_eq(i.reg, RSP);
	/* REX.R: r12b */
	ck_assert_int_eq(DEC(&i, 0x44, 0x88, 0xe0), DEC_OK);
	ck_assert_uint_eq(i.reg, R12);
	/* mov bh, imm8 (B7) vs mov dil, imm8 (40 B7) */
	ck_assert_int_eq(DEC(&i, 0xb7, 0x01), DEC_OK);
	ck_assert_uint_eq(i.rm, R8_HIGH + 3);
	ck_assert_int_eq(DEC(&i, 0x40, 0xb7, 0x01), DEC_OK);
	ck_assert_uint_eq(i.rm, RDI);
	/* movzx eax, ah: only the r/m is a byte register */
	ck_assert_int_eq(DEC(&i, 0x0f, 0xb6, 0xc4), DEC_OK);
	ck_assert_uint_eq(i.rm, R8_HIGH + 0);
	ck_assert_uint_eq(i.reg, RAX);
	/* movzx esp, ah: the destination is a full register, not AH */
	ck_assert_int_eq(DEC(&i, 0x0f, 0xb6, 0xe4), DEC_OK);
	ck_assert_uint_eq(i.reg, RSP);
	/* setcc spl needs REX */
	ck_assert_int_eq(DEC(&i, 0x40, 0x0f, 0x94, 0xc4), DEC_OK);
	ck_assert_uint_eq(i.rm, RSP);
}
END_TEST

START_TEST(test_sib_and_rex)
{
	struct insn i;
	/* [r12] needs a SIB; REX.X=1 index 4 is r12 (not "none") */
	ck_assert_int_eq(DEC(&i, 0x41, 0x8b, 0x04, 0x24), DEC_OK);
	ck_assert_uint_eq(i.base, R12);
	ck_assert_uint_eq(i.index, R_NONE);
	ck_assert_int_eq(DEC(&i, 0x42, 0x8b, 0x04, 0xa0), DEC_OK);
	ck_assert_uint_eq(i.base, RAX);
	ck_assert_uint_eq(i.index, R12);
	ck_assert_uint_eq(i.scale, 2);
	/* SIB base 5 with mod 0: no base, disp32 (also with REX.B: r13 is not used) */
	ck_assert_int_eq(DEC(&i, 0x41, 0x8b, 0x04, 0x25, 0, 0, 1, 0), DEC_OK);
	ck_assert_uint_eq(i.base, R_NONE);
	ck_assert_int_eq(i.disp, 0x10000);
	ck_assert_uint_eq(i.len, 8);
}
END_TEST

START_TEST(test_lock_rules)
{
	struct insn i;
	ck_assert_int_eq(DEC(&i, 0xf0, 0x01, 0x00), DEC_OK);   /* lock add [rax], eax */
	ck_assert_int_eq(DEC(&i, 0xf0, 0x01, 0xc0), DEC_UD);   /* register destination */
	ck_assert_int_eq(DEC(&i, 0xf0, 0x8b, 0x00), DEC_UD);   /* mov is not lockable */
	ck_assert_int_eq(DEC(&i, 0xf0, 0x83, 0x38, 1), DEC_UD); /* cmp is not lockable */
	ck_assert_int_eq(DEC(&i, 0xf0, 0x0f, 0xc1, 0x07), DEC_OK); /* lock xadd */
}
END_TEST

START_TEST(test_limits)
{
	struct insn i;
	uint8_t b[16];
	memset(b, 0x66, sizeof(b));
	b[15] = 0x90;
	ck_assert_int_eq(dec(b, 16, &i), DEC_GP); /* 16 bytes: too long */
	ck_assert_int_eq(dec(b, 10, &i), DEC_TRUNC);
	ck_assert_int_eq(DEC(&i, 0x48), DEC_TRUNC);
	ck_assert_int_eq(DEC(&i, 0xb8, 0, 0), DEC_TRUNC);
	ck_assert_int_eq(DEC(&i, 0x0f), DEC_TRUNC);
	ck_assert_int_eq(DEC(&i, 0x8b, 0x04), DEC_TRUNC);
	ck_assert_int_eq(dec(b, 0, &i), DEC_TRUNC);
	/* a 16-byte instruction is #GP even if only its prefix bytes are there */
	uint8_t lp[15];
	memset(lp, 0x66, sizeof(lp));
	ck_assert_int_eq(dec(lp, 15, &i), DEC_GP);
}
END_TEST

START_TEST(test_classes)
{
	struct insn i;
	ck_assert_int_eq(DEC(&i, 0x06), DEC_UD);              /* push es: invalid in 64-bit */
	ck_assert_int_eq(DEC(&i, 0x0f, 0x0b), DEC_UD);        /* ud2 */
	ck_assert_int_eq(DEC(&i, 0x0f, 0xb9, 0xc0), DEC_UD);  /* ud1 */
	ck_assert_int_eq(DEC(&i, 0xd6), DEC_UD);              /* salc */
	ck_assert_int_eq(DEC(&i, 0x0f, 0xb8, 0xc0), DEC_UD);  /* jmpe (no F3) */
	ck_assert_int_eq(DEC(&i, 0x8e, 0xc8), DEC_UD);        /* mov cs, ax */
	ck_assert_int_eq(DEC(&i, 0x0f, 0x20, 0xc8), DEC_UD);  /* mov rax, cr1 */
	ck_assert_int_eq(DEC(&i, 0x8d, 0xc0), DEC_UD);        /* lea with a register */
	ck_assert_int_eq(DEC(&i, 0xd9, 0xc0), DEC_X87);       /* fld st0 */
	ck_assert_int_eq(DEC(&i, 0x0f, 0x10, 0xc0), DEC_SIMD); /* movups */
	ck_assert_int_eq(DEC(&i, 0xc5, 0xf8, 0x77), DEC_SIMD); /* vzeroupper */
	ck_assert_int_eq(DEC(&i, 0xf1), DEC_UNSUP);           /* int1 */
	ck_assert_int_eq(DEC(&i, 0x0f, 0xa2), DEC_OK);        /* cpuid: sensitive, decoded */
	ck_assert_int_eq(DEC(&i, 0x66, 0xe8, 0, 0), DEC_UNSUP); /* 16-bit near call */
}
END_TEST

START_TEST(test_sensitive_fields)
{
	struct insn i;
	ck_assert_int_eq(DEC(&i, 0x0f, 0x22, 0xd8), DEC_OK); /* mov cr3, rax */
	ck_assert_ptr_eq(i.fn, cpu_op_sens);
	ck_assert_uint_eq(i.ext, SOP_MOV_TO_CR);
	ck_assert_uint_eq(i.reg, 3);
	ck_assert_uint_eq(i.rm, RAX);
	ck_assert_int_eq(DEC(&i, 0x44, 0x0f, 0x20, 0xc1), DEC_OK); /* mov rcx, cr8 */
	ck_assert_uint_eq(i.ext, SOP_MOV_FROM_CR);
	ck_assert_uint_eq(i.reg, 8);
	ck_assert_uint_eq(i.rm, RCX);
	ck_assert_int_eq(DEC(&i, 0x0f, 0x01, 0xf8), DEC_OK); /* swapgs */
	ck_assert_uint_eq(i.ext, SOP_SWAPGS);
	ck_assert_int_eq(DEC(&i, 0x0f, 0x01, 0x38), DEC_OK); /* invlpg [rax] */
	ck_assert_uint_eq(i.ext, SOP_INVLPG);
	ck_assert_int_eq(DEC(&i, 0x48, 0x0f, 0x07), DEC_OK); /* sysretq */
	ck_assert_uint_eq(i.osz, 8);
	ck_assert_int_eq(DEC(&i, 0x48, 0xcf), DEC_OK); /* iretq */
	ck_assert_uint_eq(i.ext, SOP_IRETQ);
	ck_assert_uint_eq(i.osz, 8);
	ck_assert_int_eq(DEC(&i, 0xcd, 0x80), DEC_OK);
	ck_assert_uint_eq(i.ext, SOP_INTN);
	ck_assert_int_eq(i.imm, 0x80);
}
END_TEST

/* Random bytes of random length from an exactly-sized buffer: the decoder
 * returns a status, never reads beyond the buffer (ASan), and a DEC_OK
 * length fits in what it was given. */
START_TEST(test_garbage)
{
	uint64_t s = 88172645463325252ull;
	for (unsigned n = 0; n < 300000; n++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		unsigned len = (unsigned)(s % 16);
		uint8_t *buf = malloc(len ? len : 1);
		uint64_t t = s;
		for (unsigned k = 0; k < len; k++) {
			t = t * 6364136223846793005ull + 1442695040888963407ull;
			uint8_t b = (uint8_t)(t >> 56);
			/* bias towards prefixes and escapes, where the edge cases are */
			if ((t >> 20) % 4 == 0)
				b = (uint8_t[]){ 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x48, 0x41, 0x0f, 0x64, 0x2e }[(t >> 30) % 10];
			buf[k] = b;
		}
		struct insn i;
		enum dec_status st = cpu_decode(buf, len, &i);
		ck_assert(st <= DEC_SIMD);
		if (st == DEC_OK)
			ck_assert(i.len >= 1 && i.len <= len);
		free(buf);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_decode");
	TCase *tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_lengths, 0, sizeof(lens) / sizeof(lens[0]));
	tcase_add_test(tc, test_rip_relative_fields);
	tcase_add_test(tc, test_byte_registers);
	tcase_add_test(tc, test_sib_and_rex);
	tcase_add_test(tc, test_lock_rules);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_sensitive_fields);
	tcase_add_test(tc, test_garbage);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
