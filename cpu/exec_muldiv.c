/*
 * cpu/exec_muldiv.c — mul, imul (one-, two- and three-operand forms), div,
 * idiv. Products and quotients up to 128 bits use the compiler's __int128.
 * div/idiv raise #DE on a zero divisor or a quotient that does not fit.
 * SF, ZF, AF, PF after mul/imul are undefined in the SDM; here they follow
 * the low half of the product (AF cleared). The flags are left lazy (LF_MUL).
 */
#include "cpu/exec.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static void mul_flags(struct cpu *cpu, uint64_t low, unsigned s, bool overflow)
{
	lf_set_a(cpu, LF_MUL, s, overflow, low);
}

/* Store a double-width result: AX for bytes, else rDX:rAX. */
static void store_pair(struct cpu *cpu, unsigned s, uint64_t lo, uint64_t hi)
{
	if (s == 1) {
		reg_set(cpu, RAX, 2, (lo & 0xff) | ((hi & 0xff) << 8));
		return;
	}
	reg_set(cpu, RAX, s, lo);
	reg_set(cpu, RDX, s, hi);
}

/* The double-width dividend: AX for bytes, else rDX:rAX. */
static u128 dividend(const struct cpu *cpu, unsigned s)
{
	if (s == 1)
		return cpu->gpr[RAX] & 0xffff;
	return ((u128)reg_get(cpu, RDX, s) << (s * 8)) | reg_get(cpu, RAX, s);
}

static void mul(struct cpu *cpu, unsigned s, uint64_t b)
{
	unsigned bits = s * 8;
	u128 p = (u128)reg_get(cpu, RAX, s) * b;
	uint64_t lo = (uint64_t)p & size_mask(s), hi = (uint64_t)(p >> bits) & size_mask(s);
	store_pair(cpu, s, lo, hi);
	mul_flags(cpu, lo, s, hi != 0);
}

static void imul1(struct cpu *cpu, unsigned s, uint64_t b)
{
	unsigned bits = s * 8;
	s128 p = (s128)sext(reg_get(cpu, RAX, s), s) * sext(b, s);
	uint64_t lo = (uint64_t)p & size_mask(s), hi = (uint64_t)(p >> bits) & size_mask(s);
	store_pair(cpu, s, lo, hi);
	mul_flags(cpu, lo, s, (s128)sext(lo, s) != p);
}

static void divide(struct cpu *cpu, unsigned s, uint64_t b)
{
	if (b == 0)
		cpu_fault(cpu, VEC_DE, CPU_NO_ERROR);
	u128 n = dividend(cpu, s), q = n / b, r = n % b;
	if (q > size_mask(s))
		cpu_fault(cpu, VEC_DE, CPU_NO_ERROR);
	store_pair(cpu, s, (uint64_t)q, (uint64_t)r);
}

static void idivide(struct cpu *cpu, unsigned s, uint64_t b)
{
	unsigned bits = s * 8;
	if (b == 0)
		cpu_fault(cpu, VEC_DE, CPU_NO_ERROR);
	u128 raw = dividend(cpu, s);
	/* sign-extend the 2*bits-wide dividend */
	s128 n = (s128)(raw << (128 - 2 * bits)) >> (128 - 2 * bits);
	s128 d = sext(b, s);
	s128 minq = -((s128)1 << (bits - 1)), maxq = ((s128)1 << (bits - 1)) - 1;
	s128 q, r;
	if (d == -1) { /* n / -1 = -n: check before negating (-n may not exist) */
		if (n < -maxq || n > -minq)
			cpu_fault(cpu, VEC_DE, CPU_NO_ERROR);
		q = -n;
		r = 0;
	} else {
		q = n / d;
		r = n % d;
	}
	if (q < minq || q > maxq)
		cpu_fault(cpu, VEC_DE, CPU_NO_ERROR);
	store_pair(cpu, s, (uint64_t)q & size_mask(s), (uint64_t)r & size_mask(s));
}

/* F6/F7 /4../7: mul, imul, div, idiv r/m (ext = /reg) */
HANDLER(cpu_op_muldiv)
{
	unsigned s = i->osz;
	uint64_t b = rm_read(cpu, i, s);
	switch (i->ext) {
	case 4: mul(cpu, s, b); break;
	case 5: imul1(cpu, s, b); break;
	case 6: divide(cpu, s, b); break;
	default: idivide(cpu, s, b); break;
	}
	return CPU_EXIT_NONE;
}

static inline __attribute__((always_inline)) void imul2(struct cpu *cpu, const struct insn *i, unsigned s,
							 uint64_t a, uint64_t b)
{
	int64_t p;
	bool overflow = __builtin_mul_overflow(sext(a, s), sext(b, s), &p); /* exact below 64 bits */
	uint64_t lo = (uint64_t)p & size_mask(s);
	reg_set(cpu, i->reg, s, lo);
	mul_flags(cpu, lo, s, s == 8 ? overflow : sext(lo, s) != p);
}

/* imul Gv, Ev (x = 0) and imul Gv, Ev, imm (x = 1) */
static inline __attribute__((always_inline)) enum cpu_exit_reason imul_r_rm(struct cpu *cpu, const struct insn *i,
									     unsigned s, enum form f, int x)
{
	uint64_t b;
	if (!rm_load_f(cpu, i, s, f, &b))
		return CPU_EXIT_RETRY;
	imul2(cpu, i, s, x ? (uint64_t)i->imm : reg_get(cpu, i->reg, s), b);
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_imul_r_rm, imul_r_rm, 0)
SPECIALISED(cpu_op_imul_r_rm_imm, imul_r_rm, 1)
