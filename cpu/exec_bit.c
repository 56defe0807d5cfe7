/*
 * cpu/exec_bit.c — bit instructions: bt/bts/btr/btc (register and immediate
 * bit offsets), bsf/bsr, tzcnt/lzcnt, popcnt.
 *
 * With a register bit offset and a memory operand, the offset is a signed
 * bit index relative to the operand's address (it can reach far outside the
 * operand); with an immediate it is taken modulo the operand size.
 */
#include "cpu/exec.h"

/* Set CF to the tested bit; return the new value for bts/btr/btc. */
static uint64_t bit_op(struct cpu *cpu, unsigned op, uint64_t v, unsigned bit)
{
	uint64_t mask = 1ull << bit;
	flags_put(cpu, RFLAGS_CF, (v & mask) ? RFLAGS_CF : 0);
	switch (op) {
	case 1: return v | mask;
	case 2: return v & ~mask;
	case 3: return v ^ mask;
	default: return v;
	}
}

static enum cpu_exit_reason bt_common(struct cpu *cpu, const struct insn *i, int64_t off, bool reg_off)
{
	unsigned s = i->osz, bits = s * 8;
	if (i->mod3) {
		uint64_t v = reg_get(cpu, i->rm, s);
		uint64_t r = bit_op(cpu, i->ext, v, (unsigned)(off & (bits - 1)));
		if (i->ext)
			reg_set(cpu, i->rm, s, r);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea(cpu, i);
	if (reg_off) {
		int64_t word = off >> (bits == 8 ? 3 : bits == 16 ? 4 : bits == 32 ? 5 : 6);
		ea += (uint64_t)(word * (int64_t)s);
		if (i->asz == 4)
			ea = (uint32_t)ea;
	}
	unsigned bit = (unsigned)(off & (bits - 1));
	if (!i->ext) {
		bit_op(cpu, 0, mem_read(cpu, ea, s), bit);
		return CPU_EXIT_NONE;
	}
	uint8_t *p = rmw_begin(cpu, ea, s);
	rmw_store(cpu, p, ea, s, bit_op(cpu, i->ext, rmw_load(cpu, p, ea, s), bit));
	return CPU_EXIT_NONE;
}

/* bt/bts/btr/btc Ev, Gv (ext = op) */
HANDLER(cpu_op_bt_rm_r)
{
	return bt_common(cpu, i, sext(reg_get(cpu, i->reg, i->osz), i->osz), true);
}

/* bt/bts/btr/btc Ev, Ib */
HANDLER(cpu_op_bt_rm_imm)
{
	return bt_common(cpu, i, (int64_t)((uint64_t)i->imm & 0xff), false);
}

/* bsf/bsr: ZF = (source == 0); the destination is left alone then.
 * SIMPLIFICATION: CF OF SF AF PF (undefined) are cleared, PF set as Intel does. */
static enum cpu_exit_reason bscan(struct cpu *cpu, const struct insn *i, bool reverse)
{
	unsigned s = i->osz;
	uint64_t v = rm_read(cpu, i, s);
	if (v == 0) {
		flags_put(cpu, RFLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF);
		return CPU_EXIT_NONE;
	}
	unsigned r = reverse ? 63 - (unsigned)__builtin_clzll(v) : (unsigned)__builtin_ctzll(v);
	reg_set(cpu, i->reg, s, r);
	flags_put(cpu, RFLAGS_ARITH, parity_flag(r));
	return CPU_EXIT_NONE;
}

HANDLER(cpu_op_bsf) { return bscan(cpu, i, false); }
HANDLER(cpu_op_bsr) { return bscan(cpu, i, true); }

/* tzcnt/lzcnt: CF = (source == 0), ZF = (result == 0); others undefined */
static enum cpu_exit_reason count_zeros(struct cpu *cpu, const struct insn *i, bool leading)
{
	unsigned s = i->osz, bits = s * 8;
	uint64_t v = rm_read(cpu, i, s);
	unsigned r;
	if (v == 0)
		r = bits;
	else if (leading)
		r = (unsigned)__builtin_clzll(v) - (64 - bits);
	else
		r = (unsigned)__builtin_ctzll(v);
	reg_set(cpu, i->reg, s, r);
	flags_put(cpu, RFLAGS_ARITH, (v == 0 ? RFLAGS_CF : 0) | (r == 0 ? RFLAGS_ZF : 0));
	return CPU_EXIT_NONE;
}

HANDLER(cpu_op_tzcnt) { return count_zeros(cpu, i, false); }
HANDLER(cpu_op_lzcnt) { return count_zeros(cpu, i, true); }

/* popcnt: ZF = (source == 0), CF OF SF AF PF cleared */
HANDLER(cpu_op_popcnt)
{
	unsigned s = i->osz;
	uint64_t v = rm_read(cpu, i, s);
	reg_set(cpu, i->reg, s, (uint64_t)__builtin_popcountll(v));
	flags_put(cpu, RFLAGS_ARITH, v == 0 ? RFLAGS_ZF : 0);
	return CPU_EXIT_NONE;
}
