/*
 * cpu/exec_shift.c — shifts and rotates (group 2: rol ror rcl rcr shl shr
 * sar), shld and shrd. shl/shr/sar leave their flags lazy (flags.c); the
 * rotates and double shifts compute theirs here.
 *
 * The count is masked to 5 bits (6 with a 64-bit operand). A masked count
 * of zero changes nothing, not even flags. Flags the SDM leaves undefined
 * (OF for counts > 1, AF, CF for shl/shr counts >= the operand size) get
 * the same formula as the defined case; they are not relied upon.
 */
#include "cpu/exec.h"

enum { ROL, ROR, RCL, RCR, SHL, SHR, SAL_ALIAS, SAR };

/* Where the count comes from: enum shift_count (ext2), or SHIFT_CNT_ANY: read
 * ext2 at run time (the generic handler). */
#define SHIFT_CNT_ANY 3u

/* s: the operand size, src: the count source (both constant in the
 * specialised copies) */
static inline __attribute__((always_inline)) unsigned shift_count(const struct cpu *cpu, const struct insn *i,
								  unsigned s, unsigned src)
{
	unsigned c;
	switch (src == SHIFT_CNT_ANY ? i->ext2 : src) {
	case CNT_ONE: return 1;
	case CNT_CL: c = (unsigned)cpu->gpr[RCX] & 0xff; break;
	default: c = (unsigned)i->imm & 0xff; break;
	}
	return c & (s == 8 ? 63 : 31);
}

static uint64_t msb(uint64_t v, unsigned s)
{
	return (v >> (s * 8 - 1)) & 1;
}

/* rcl/rcr through CF, one bit at a time (rare instructions). */
static uint64_t rotate_carry(struct cpu *cpu, unsigned op, unsigned s, uint64_t a, unsigned cnt)
{
	unsigned bits = s * 8;
	uint64_t m = size_mask(s), cf = cpu_flag_cf(cpu), of = 0;
	unsigned t = s == 1 ? cnt % 9 : s == 2 ? cnt % 17 : cnt;
	if (op == RCR)
		of = msb(a, s) ^ cf;
	for (unsigned k = 0; k < t; k++) {
		uint64_t out;
		if (op == RCL) {
			out = msb(a, s);
			a = ((a << 1) | cf) & m;
		} else {
			out = a & 1;
			a = (a >> 1) | (cf << (bits - 1));
		}
		cf = out;
	}
	if (op == RCL)
		of = msb(a, s) ^ cf;
	flags_put(cpu, RFLAGS_CF | RFLAGS_OF, (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
	return a;
}

/* The shifted value and the flags of one group-2 operation. */
static inline __attribute__((always_inline)) uint64_t shift_op(struct cpu *cpu, unsigned op, unsigned s, uint64_t a, unsigned cnt)
{
	unsigned bits = s * 8, k = cnt % bits;
	uint64_t m = size_mask(s), r, cf, of;
	switch (op) {
	case ROL:
		r = k ? ((a << k) | (a >> (bits - k))) & m : a;
		cf = r & 1;
		flags_put(cpu, RFLAGS_CF | RFLAGS_OF, (cf ? RFLAGS_CF : 0) | ((msb(r, s) ^ cf) ? RFLAGS_OF : 0));
		return r;
	case ROR:
		r = k ? ((a >> k) | (a << (bits - k))) & m : a;
		cf = msb(r, s);
		of = cf ^ ((r >> (bits - 2)) & 1);
		flags_put(cpu, RFLAGS_CF | RFLAGS_OF, (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
		return r;
	case RCL:
	case RCR:
		return rotate_carry(cpu, op, s, a, cnt);
	case SHL:
	case SAL_ALIAS:
		r = (a << cnt) & m;
		lf_set(cpu, LF_SHL, s, a, cnt, r);
		return r;
	case SHR:
		r = a >> cnt;
		lf_set(cpu, LF_SHR, s, a, cnt, r);
		return r;
	default: /* SAR */
		r = (uint64_t)(sext(a, s) >> cnt) & m;
		lf_set(cpu, LF_SAR, s, a, cnt, r);
		return r;
	}
}

/* group 2: C0/C1 (imm8), D0/D1 (1), D2/D3 (CL); ext = operation.
 * x: the operation | the count source << 3, or -1 for both from the
 * instruction (the generic handler). */
static inline __attribute__((always_inline)) enum cpu_exit_reason shift(struct cpu *cpu, const struct insn *i,
									 unsigned s, enum form f, int x)
{
	unsigned op = x < 0 ? i->ext : (unsigned)x & 7;
	unsigned cnt = shift_count(cpu, i, s, x < 0 ? SHIFT_CNT_ANY : (unsigned)x >> 3);
	if (form_reg(i, f)) {
		uint64_t a = reg_get(cpu, i->rm, s);
		reg_set(cpu, i->rm, s, cnt ? shift_op(cpu, op, s, a, cnt) : a);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea_f(cpu, i, f);
	uint8_t *p;
	if (!rmw_begin_f(cpu, ea, s, f, &p))
		return CPU_EXIT_RETRY;
	uint64_t a = rmw_load(cpu, p, ea, s);
	if (cnt)
		rmw_store(cpu, p, ea, s, shift_op(cpu, op, s, a, cnt));
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_shift, shift, -1)
/* shl, shr and sar by count source (1, CL, imm8): special.c picks the copy */
SPECIALISED(cpu_op_shl_1, shift, SHL | CNT_ONE << 3)
SPECIALISED(cpu_op_shl_cl, shift, SHL | CNT_CL << 3)
SPECIALISED(cpu_op_shl_i, shift, SHL | CNT_IMM << 3)
SPECIALISED(cpu_op_shr_1, shift, SHR | CNT_ONE << 3)
SPECIALISED(cpu_op_shr_cl, shift, SHR | CNT_CL << 3)
SPECIALISED(cpu_op_shr_i, shift, SHR | CNT_IMM << 3)
SPECIALISED(cpu_op_sar_1, shift, SAR | CNT_ONE << 3)
SPECIALISED(cpu_op_sar_cl, shift, SAR | CNT_CL << 3)
SPECIALISED(cpu_op_sar_i, shift, SAR | CNT_IMM << 3)

/* shld/shrd: shift dest, filling from src. SIMPLIFICATION: 16-bit counts
 * above 16 (undefined in the SDM) shift the 32-bit pair dest:src. */
static uint64_t double_shift(struct cpu *cpu, bool left, unsigned s, uint64_t a, uint64_t b, unsigned cnt)
{
	unsigned bits = s * 8;
	uint64_t m = size_mask(s), r, cf;
	if (left) {
		if (cnt < bits) {
			r = ((a << cnt) | (b >> (bits - cnt))) & m;
			cf = (a >> (bits - cnt)) & 1;
		} else { /* 16-bit only: cnt 16..31 */
			uint64_t pair = (a << 16) | b;
			r = ((pair << cnt) >> 16) & m;
			cf = (pair >> (32 - cnt)) & 1;
		}
	} else {
		if (cnt < bits) {
			r = ((a >> cnt) | (b << (bits - cnt))) & m;
			cf = (a >> (cnt - 1)) & 1;
		} else {
			uint64_t pair = (b << 16) | a;
			r = (pair >> cnt) & m;
			cf = (pair >> (cnt - 1)) & 1;
		}
	}
	uint64_t of = msb(r, s) ^ msb(a, s);
	flags_put(cpu, RFLAGS_ARITH, szp_flags(r, s) | (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0));
	return r;
}

static enum cpu_exit_reason shxd(struct cpu *cpu, const struct insn *i, bool left)
{
	unsigned s = i->osz, cnt = shift_count(cpu, i, s, SHIFT_CNT_ANY);
	uint64_t b = reg_get(cpu, i->reg, s);
	if (i->mod3) {
		uint64_t a = reg_get(cpu, i->rm, s);
		reg_set(cpu, i->rm, s, cnt ? double_shift(cpu, left, s, a, b, cnt) : a);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea(cpu, i);
	uint8_t *p = rmw_begin(cpu, ea, s);
	uint64_t a = rmw_load(cpu, p, ea, s);
	if (cnt)
		rmw_store(cpu, p, ea, s, double_shift(cpu, left, s, a, b, cnt));
	return CPU_EXIT_NONE;
}

HANDLER(cpu_op_shld) { return shxd(cpu, i, true); }
HANDLER(cpu_op_shrd) { return shxd(cpu, i, false); }
