/*
 * cpu/exec_alu.c — the eight ALU ops (add or adc sbb and sub xor cmp) in all
 * their forms, test, inc/dec, not/neg. Flags are left lazy (flags.c).
 */
#include "cpu/exec.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a OP b at `size`, recording flags; returns the (truncated) result. */
static inline __attribute__((always_inline)) uint64_t alu(struct cpu *cpu, unsigned op, unsigned size,
							 uint64_t a, uint64_t b)
{
	uint64_t m = size_mask(size), r;
	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
		r = (a + b) & m;
		lf_set(cpu, LF_ADD, size, a, b, r);
		return r;
	case ALU_ADC: {
		unsigned c = cpu_flag_cf(cpu);
		r = (a + b + c) & m;
		lf_set(cpu, LF_ADC, size, a, b, r);
		cpu->lf_.cf_in = (uint8_t)c;
		return r;
	}
	case ALU_SBB: {
		unsigned c = cpu_flag_cf(cpu);
		r = (a - b - c) & m;
		lf_set(cpu, LF_SBB, size, a, b, r);
		cpu->lf_.cf_in = (uint8_t)c;
		return r;
	}
	case ALU_SUB:
	case ALU_CMP:
		r = (a - b) & m;
		lf_set(cpu, LF_SUB, size, a, b, r);
		return r;
	case ALU_OR: r = a | b; break;
	case ALU_AND: r = a & b; break;
	default: r = a ^ b; break;
	}
	lf_set_res(cpu, LF_LOGIC, size, r);
	return r;
}

/* op Eb/Ev, Gb/Gv */
static inline __attribute__((always_inline)) enum cpu_exit_reason alu_rm_r(struct cpu *cpu, const struct insn *i,
									    unsigned s, enum form f, unsigned op)
{
	uint64_t b = reg_get(cpu, i->reg, s);
	if (form_reg(i, f)) {
		uint64_t r = alu(cpu, op, s, reg_get(cpu, i->rm, s), b);
		if (op != ALU_CMP)
			reg_set(cpu, i->rm, s, r);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea_f(cpu, i, f);
	if (op == ALU_CMP) {
		uint64_t a;
		if (!mem_load_f(cpu, ea, s, f, &a))
			return CPU_EXIT_RETRY;
		alu(cpu, op, s, a, b);
		return CPU_EXIT_NONE;
	}
	uint8_t *p;
	if (!rmw_begin_f(cpu, ea, s, f, &p))
		return CPU_EXIT_RETRY;
	rmw_store(cpu, p, ea, s, alu(cpu, op, s, rmw_load(cpu, p, ea, s), b));
	return CPU_EXIT_NONE;
}

/* op Gb/Gv, Eb/Ev */
static inline __attribute__((always_inline)) enum cpu_exit_reason alu_r_rm(struct cpu *cpu, const struct insn *i,
									    unsigned s, enum form f, unsigned op)
{
	uint64_t b;
	if (!rm_load_f(cpu, i, s, f, &b))
		return CPU_EXIT_RETRY;
	uint64_t r = alu(cpu, op, s, reg_get(cpu, i->reg, s), b);
	if (op != ALU_CMP)
		reg_set(cpu, i->reg, s, r);
	return CPU_EXIT_NONE;
}

/* op Eb/Ev, imm (and AL/rAX, imm) */
static inline __attribute__((always_inline)) enum cpu_exit_reason alu_rm_imm(struct cpu *cpu, const struct insn *i,
									      unsigned s, enum form f, unsigned op)
{
	if (form_reg(i, f)) {
		uint64_t r = alu(cpu, op, s, reg_get(cpu, i->rm, s), (uint64_t)i->imm);
		if (op != ALU_CMP)
			reg_set(cpu, i->rm, s, r);
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea_f(cpu, i, f);
	if (op == ALU_CMP) {
		uint64_t a;
		if (!mem_load_f(cpu, ea, s, f, &a))
			return CPU_EXIT_RETRY;
		alu(cpu, op, s, a, (uint64_t)i->imm);
		return CPU_EXIT_NONE;
	}
	uint8_t *p;
	if (!rmw_begin_f(cpu, ea, s, f, &p))
		return CPU_EXIT_RETRY;
	rmw_store(cpu, p, ea, s, alu(cpu, op, s, rmw_load(cpu, p, ea, s), (uint64_t)i->imm));
	return CPU_EXIT_NONE;
}

/* One handler per op and form, so the op is a constant inside each (and
 * copies per size and form, SPECIALISED). */
#define ALU_HANDLERS(name, op)                                 \
	SPECIALISED(cpu_op_##name##_rm_r, alu_rm_r, op)         \
	SPECIALISED(cpu_op_##name##_r_rm, alu_r_rm, op)         \
	SPECIALISED(cpu_op_##name##_rm_imm, alu_rm_imm, op)
ALU_HANDLERS(add, ALU_ADD)
ALU_HANDLERS(or, ALU_OR)
ALU_HANDLERS(adc, ALU_ADC)
ALU_HANDLERS(sbb, ALU_SBB)
ALU_HANDLERS(and, ALU_AND)
ALU_HANDLERS(sub, ALU_SUB)
ALU_HANDLERS(xor, ALU_XOR)
ALU_HANDLERS(cmp, ALU_CMP)

/* test Eb/Ev, Gb/Gv; test Eb/Ev, imm (and AL/rAX, imm) */
static inline __attribute__((always_inline)) enum cpu_exit_reason test(struct cpu *cpu, const struct insn *i,
									unsigned s, enum form f, bool imm)
{
	uint64_t b = imm ? (uint64_t)i->imm & size_mask(s) : reg_get(cpu, i->reg, s), a;
	if (!rm_load_f(cpu, i, s, f, &a))
		return CPU_EXIT_RETRY;
	lf_set_res(cpu, LF_LOGIC, s, a & b);
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_test_rm_r, test, false)
SPECIALISED(cpu_op_test_rm_imm, test, true)

/* inc/dec keep CF: it is captured into the lazy record. */
static enum cpu_exit_reason incdec(struct cpu *cpu, const struct insn *i, bool dec)
{
	unsigned s = i->osz;
	uint64_t m = size_mask(s);
	va_t ea = i->mod3 ? 0 : insn_ea(cpu, i);
	uint8_t *p = i->mod3 ? NULL : rmw_begin(cpu, ea, s);
	uint64_t a = i->mod3 ? reg_get(cpu, i->rm, s) : rmw_load(cpu, p, ea, s);
	uint64_t r = (dec ? a - 1 : a + 1) & m;
	if (i->mod3)
		reg_set(cpu, i->rm, s, r);
	else
		rmw_store(cpu, p, ea, s, r);
	uint8_t cf = cpu_flag_cf(cpu);
	lf_set(cpu, dec ? LF_DEC : LF_INC, s, a, 1, r);
	cpu->lf_.cf_in = cf;
	return CPU_EXIT_NONE;
}

HANDLER(cpu_op_inc_rm) { return incdec(cpu, i, false); }
HANDLER(cpu_op_dec_rm) { return incdec(cpu, i, true); }

/* not: no flags */
HANDLER(cpu_op_not_rm)
{
	unsigned s = i->osz;
	if (i->mod3) {
		reg_set(cpu, i->rm, s, ~reg_get(cpu, i->rm, s));
		return CPU_EXIT_NONE;
	}
	va_t ea = insn_ea(cpu, i);
	uint8_t *p = rmw_begin(cpu, ea, s);
	rmw_store(cpu, p, ea, s, ~rmw_load(cpu, p, ea, s));
	return CPU_EXIT_NONE;
}

/* neg: flags as 0 - x */
HANDLER(cpu_op_neg_rm)
{
	unsigned s = i->osz;
	va_t ea = i->mod3 ? 0 : insn_ea(cpu, i);
	uint8_t *p = i->mod3 ? NULL : rmw_begin(cpu, ea, s);
	uint64_t a = i->mod3 ? reg_get(cpu, i->rm, s) : rmw_load(cpu, p, ea, s);
	uint64_t r = alu(cpu, ALU_SUB, s, 0, a);
	if (i->mod3)
		reg_set(cpu, i->rm, s, r);
	else
		rmw_store(cpu, p, ea, s, r);
	return CPU_EXIT_NONE;
}
