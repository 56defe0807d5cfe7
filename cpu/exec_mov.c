/*
 * cpu/exec_mov.c — data movement: mov (all forms), movzx/movsx/movsxd, lea,
 * xchg, cmpxchg, xadd, cbw/cwd families, segment register moves, cmovcc,
 * setcc, bswap, xlat, lahf/sahf, nop and the single-flag instructions.
 */
#include "cpu/exec.h"

/* mov Eb/Ev, Gb/Gv */
static inline __attribute__((always_inline)) enum cpu_exit_reason mov_rm_r(struct cpu *cpu, const struct insn *i,
									    unsigned s, enum form f, int x)
{
	(void)x;
	return rm_store_f(cpu, i, s, reg_get(cpu, i->reg, s), f) ? CPU_EXIT_NONE : CPU_EXIT_RETRY;
}
SPECIALISED(cpu_op_mov_rm_r, mov_rm_r, 0)

/* mov Gb/Gv, Eb/Ev (also movsxd without REX.W) */
static inline __attribute__((always_inline)) enum cpu_exit_reason mov_r_rm(struct cpu *cpu, const struct insn *i,
									    unsigned s, enum form f, int x)
{
	(void)x;
	uint64_t v;
	if (!rm_load_f(cpu, i, s, f, &v))
		return CPU_EXIT_RETRY;
	reg_set(cpu, i->reg, s, v);
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_mov_r_rm, mov_r_rm, 0)

/* mov Eb/Ev, imm and mov r, imm (B0-BF) */
static inline __attribute__((always_inline)) enum cpu_exit_reason mov_rm_imm(struct cpu *cpu, const struct insn *i,
									      unsigned s, enum form f, int x)
{
	(void)x;
	return rm_store_f(cpu, i, s, (uint64_t)i->imm, f) ? CPU_EXIT_NONE : CPU_EXIT_RETRY;
}
SPECIALISED(cpu_op_mov_rm_imm, mov_rm_imm, 0)

/* The absolute address of a moffs operand. */
static va_t moffs(const struct cpu *cpu, const struct insn *i)
{
	va_t a = (uint64_t)i->imm;
	if (i->asz == 4)
		a = (uint32_t)a;
	if (i->seg)
		a += cpu->seg[i->seg].base;
	return a;
}

/* mov AL/rAX, moffs */
HANDLER(cpu_op_mov_a_moffs)
{
	reg_set(cpu, RAX, i->osz, mem_read(cpu, moffs(cpu, i), i->osz));
	return CPU_EXIT_NONE;
}

/* mov moffs, AL/rAX */
HANDLER(cpu_op_mov_moffs_a)
{
	mem_write(cpu, moffs(cpu, i), i->osz, reg_get(cpu, RAX, i->osz));
	return CPU_EXIT_NONE;
}

/* movzx Gv, Eb/Ew (ext2 = source size; x: the source size when known, else 0) */
static inline __attribute__((always_inline)) enum cpu_exit_reason movzx(struct cpu *cpu, const struct insn *i,
									 unsigned s, enum form f, int x)
{
	uint64_t v;
	if (!rm_load_f(cpu, i, x ? (unsigned)x : i->ext2, f, &v))
		return CPU_EXIT_RETRY;
	reg_set(cpu, i->reg, s, v);
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_movzx, movzx, 0)
SPECIALISED(cpu_op_movzx8, movzx, 1)
SPECIALISED(cpu_op_movzx16, movzx, 2)

/* movsx Gv, Eb/Ew (ext2 = source size); movsxd Gq, Ed (ext2 = 0);
 * x: the source size when known, else 0 */
static inline __attribute__((always_inline)) enum cpu_exit_reason movsx(struct cpu *cpu, const struct insn *i,
									 unsigned s, enum form f, int x)
{
	unsigned from = x ? (unsigned)x : i->ext2 ? i->ext2 : 4;
	uint64_t v;
	if (!rm_load_f(cpu, i, from, f, &v))
		return CPU_EXIT_RETRY;
	reg_set(cpu, i->reg, s, (uint64_t)sext(v, from));
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_movsx, movsx, 0)
SPECIALISED(cpu_op_movsx8, movsx, 1)
SPECIALISED(cpu_op_movsx16, movsx, 2)
SPECIALISED(cpu_op_movsxd, movsx, 4)

/* lea Gv, M: the offset only (no segment base), truncated to the sizes */
static inline __attribute__((always_inline)) enum cpu_exit_reason lea(struct cpu *cpu, const struct insn *i,
								       unsigned s, enum form f, int x)
{
	(void)x;
	reg_set(cpu, i->reg, s, insn_offset_f(cpu, i, f));
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_lea, lea, 0)

/* xchg Eb/Ev, Gb/Gv and xchg r, rAX */
HANDLER(cpu_op_xchg)
{
	unsigned s = i->osz;
	uint64_t r = reg_get(cpu, i->reg, s);
	if (i->mod3) {
		uint64_t m = reg_get(cpu, i->rm, s);
		reg_set(cpu, i->rm, s, r);
		reg_set(cpu, i->reg, s, m);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea(cpu, i);
	uint8_t *p = rmw_begin(cpu, ea, s);
	uint64_t m = rmw_load(cpu, p, ea, s);
	rmw_store(cpu, p, ea, s, r);
	reg_set(cpu, i->reg, s, m);
	return CPU_EXIT_NONE;
}

/* cmpxchg Eb/Ev, Gb/Gv: compare rAX with the destination; equal: store the
 * source; else load the destination into rAX (memory is written back
 * unchanged, as the bus cycle does). */
HANDLER(cpu_op_cmpxchg)
{
	unsigned s = i->osz;
	uint64_t m = size_mask(s), acc = reg_get(cpu, RAX, s), src = reg_get(cpu, i->reg, s);
	if (i->mod3) {
		uint64_t d = reg_get(cpu, i->rm, s);
		lf_set(cpu, LF_SUB, s, acc, d, (acc - d) & m);
		if (acc == d)
			reg_set(cpu, i->rm, s, src);
		else
			reg_set(cpu, RAX, s, d);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea(cpu, i);
	uint8_t *p = rmw_begin(cpu, ea, s);
	uint64_t d = rmw_load(cpu, p, ea, s);
	lf_set(cpu, LF_SUB, s, acc, d, (acc - d) & m);
	rmw_store(cpu, p, ea, s, acc == d ? src : d);
	if (acc != d)
		reg_set(cpu, RAX, s, d);
	return CPU_EXIT_NONE;
}

/* xadd Eb/Ev, Gb/Gv: source gets the old destination, destination the sum */
HANDLER(cpu_op_xadd)
{
	unsigned s = i->osz;
	uint64_t m = size_mask(s), src = reg_get(cpu, i->reg, s);
	if (i->mod3) {
		uint64_t d = reg_get(cpu, i->rm, s);
		reg_set(cpu, i->reg, s, d);
		reg_set(cpu, i->rm, s, (d + src) & m);
		lf_set(cpu, LF_ADD, s, d, src, (d + src) & m);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea(cpu, i);
	uint8_t *p = rmw_begin(cpu, ea, s);
	uint64_t d = rmw_load(cpu, p, ea, s);
	rmw_store(cpu, p, ea, s, (d + src) & m);
	reg_set(cpu, i->reg, s, d);
	lf_set(cpu, LF_ADD, s, d, src, (d + src) & m);
	return CPU_EXIT_NONE;
}

/* cmpxchg8b m64 / cmpxchg16b m128 (REX.W): compare rDX:rAX with the
 * operand; equal: store rCX:rBX and set ZF; else load it into rDX:rAX
 * (the memory is written back unchanged) and clear ZF. cmpxchg16b needs a
 * 16-byte aligned operand (#GP(0)). */
HANDLER(cpu_op_cmpxchg_wide)
{
	unsigned s = i->osz == 8 ? 8 : 4;
	va_t ea = insn_ea(cpu, i);
	if (s == 8 && (ea & 15))
		cpu_fault(cpu, VEC_GP, 0);
	uint8_t *p0 = rmw_begin(cpu, ea, s);
	uint8_t *p1 = rmw_begin(cpu, ea + s, s);
	uint64_t lo = rmw_load(cpu, p0, ea, s), hi = rmw_load(cpu, p1, ea + s, s);
	bool eq = lo == reg_get(cpu, RAX, s) && hi == reg_get(cpu, RDX, s);
	rmw_store(cpu, p0, ea, s, eq ? reg_get(cpu, RBX, s) : lo);
	rmw_store(cpu, p1, ea + s, s, eq ? reg_get(cpu, RCX, s) : hi);
	if (!eq) {
		reg_set(cpu, RAX, s, lo);
		reg_set(cpu, RDX, s, hi);
	}
	flags_put(cpu, RFLAGS_ZF, eq ? RFLAGS_ZF : 0);
	return CPU_EXIT_NONE;
}

/* cbw / cwde / cdqe: sign-extend the lower half of rAX into rAX */
HANDLER(cpu_op_cbw)
{
	unsigned half = i->osz / 2;
	reg_set(cpu, RAX, i->osz, (uint64_t)sext(cpu->gpr[RAX], half));
	return CPU_EXIT_NONE;
}

/* cwd / cdq / cqo: rDX = the sign of rAX */
HANDLER(cpu_op_cwd)
{
	unsigned s = i->osz;
	reg_set(cpu, RDX, s, (cpu->gpr[RAX] & sign_bit(s)) ? ~0ull : 0);
	return CPU_EXIT_NONE;
}

/* mov Ev, Sreg: a register destination gets the selector zero-extended */
HANDLER(cpu_op_mov_rm_sreg)
{
	uint16_t sel = cpu->seg[i->reg & 7].sel;
	if (i->mod3)
		reg_set(cpu, i->rm, i->osz, sel);
	else
		mem_write(cpu, insn_ea(cpu, i), 2, sel);
	return CPU_EXIT_NONE;
}

/* mov Sreg, Ew: the descriptor checks are the system side's */
HANDLER(cpu_op_mov_sreg_rm)
{
	cpu_load_seg(cpu, (enum cpu_segreg)(i->reg & 7), (uint16_t)rm_read(cpu, i, 2));
	return CPU_EXIT_NONE;
}

/* cmovcc Gv, Ev: the source is read either way; a 32-bit destination is
 * zero-extended even when the condition is false. setcc Eb. The generic
 * handlers (cc = ext) ask cpu_cond; the copies per condition code below,
 * which special.c picks, have it inline (cond_lazy; when that cannot tell,
 * they leave it to the generic handler, so they make no call): cpu_op_cmovcc_<cc>
 * with a register operand, cpu_op_cmovcc_<cc>_b with memory at base +
 * displacement (FORM_BD), the same for setcc. */
static inline __attribute__((always_inline)) enum cpu_exit_reason cmovcc(struct cpu *cpu, const struct insn *i,
									  enum form f, int cc)
{
	unsigned s = i->osz;
	int take = cc < 0 ? cpu_cond(cpu, i->ext) : cond_lazy(cpu, (unsigned)cc);
	uint64_t v;
	if (take < 0 || !rm_load_f(cpu, i, s, f, &v))
		return CPU_EXIT_RETRY; /* a copy: not inline, or a miss; the generic handler runs it */
	if (take)
		reg_set(cpu, i->reg, s, v);
	else if (s == 4)
		cpu->gpr[i->reg] = (uint32_t)cpu->gpr[i->reg];
	return CPU_EXIT_NONE;
}

static inline __attribute__((always_inline)) enum cpu_exit_reason setcc(struct cpu *cpu, const struct insn *i,
									 enum form f, int cc)
{
	int c = cc < 0 ? cpu_cond(cpu, i->ext) : cond_lazy(cpu, (unsigned)cc);
	return c >= 0 && rm_store_f(cpu, i, 1, (uint64_t)c, f) ? CPU_EXIT_NONE : CPU_EXIT_RETRY;
}
HANDLER(cpu_op_cmovcc) { return cmovcc(cpu, i, FORM_ANY, -1); }
HANDLER(cpu_op_setcc) { return setcc(cpu, i, FORM_ANY, -1); }
#define CC_COPIES(name, cc)                                                                             \
	HANDLER_OR(cpu_op_cmovcc_##name, cpu_op_cmovcc) { return cmovcc(cpu, i, FORM_REG, cc); }        \
	HANDLER_OR(cpu_op_cmovcc_##name##_b, cpu_op_cmovcc) { return cmovcc(cpu, i, FORM_BD, cc); }      \
	HANDLER_OR(cpu_op_setcc_##name, cpu_op_setcc) { return setcc(cpu, i, FORM_REG, cc); }            \
	HANDLER_OR(cpu_op_setcc_##name##_b, cpu_op_setcc) { return setcc(cpu, i, FORM_BD, cc); }
CC_COPIES(o, 0) CC_COPIES(no, 1) CC_COPIES(b, 2) CC_COPIES(ae, 3) CC_COPIES(e, 4) CC_COPIES(ne, 5)
CC_COPIES(be, 6) CC_COPIES(a, 7) CC_COPIES(s, 8) CC_COPIES(ns, 9) CC_COPIES(p, 10) CC_COPIES(np, 11)
CC_COPIES(l, 12) CC_COPIES(ge, 13) CC_COPIES(le, 14) CC_COPIES(g, 15)

/* bswap r32/r64 (SIMPLIFICATION: the undefined 16-bit form clears the word, as Intel parts do) */
HANDLER(cpu_op_bswap)
{
	uint64_t v = cpu->gpr[i->rm];
	switch (i->osz) {
	case 8: cpu->gpr[i->rm] = __builtin_bswap64(v); break;
	case 4: cpu->gpr[i->rm] = __builtin_bswap32((uint32_t)v); break;
	default: reg_set(cpu, i->rm, 2, 0); break;
	}
	return CPU_EXIT_NONE;
}

/* xlat: AL = [rBX + AL] */
HANDLER(cpu_op_xlat)
{
	va_t a = cpu->gpr[RBX] + (cpu->gpr[RAX] & 0xff);
	if (i->asz == 4)
		a = (uint32_t)a;
	if (i->seg)
		a += cpu->seg[i->seg].base;
	reg_set(cpu, RAX, 1, mem_read(cpu, a, 1));
	return CPU_EXIT_NONE;
}

/* lahf: AH = SF ZF 0 AF 0 PF 1 CF */
HANDLER(cpu_op_lahf)
{
	(void)i;
	uint64_t f = cpu_flags_materialize(cpu);
	reg_set(cpu, R8_HIGH + RAX, 1, (f & 0xd5) | 2);
	return CPU_EXIT_NONE;
}

/* sahf: SF ZF AF PF CF from AH */
HANDLER(cpu_op_sahf)
{
	(void)i;
	uint64_t mask = RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF;
	flags_put(cpu, mask, (cpu->gpr[RAX] >> 8) & mask);
	return CPU_EXIT_NONE;
}

/* nop, pause, hint nops, prefetch, endbr64, fences */
HANDLER(cpu_op_nop)
{
	(void)cpu;
	(void)i;
	return CPU_EXIT_NONE;
}

/* ext: 0 cmc, 1 clc, 2 stc, 3 cld, 4 std */
HANDLER(cpu_op_flagop)
{
	switch (i->ext) {
	case 0: flags_put(cpu, RFLAGS_CF, cpu_flag_cf(cpu) ? 0 : RFLAGS_CF); break;
	case 1: flags_put(cpu, RFLAGS_CF, 0); break;
	case 2: flags_put(cpu, RFLAGS_CF, RFLAGS_CF); break;
	case 3: cpu->rflags_ &= ~RFLAGS_DF; break;
	default: cpu->rflags_ |= RFLAGS_DF; break;
	}
	return CPU_EXIT_NONE;
}
