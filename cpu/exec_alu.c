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

/* op Eb/Ev, Gb/Gv (x = op) and op Eb/Ev, imm, also AL/rAX, imm (x = op | ALU_IMM).
 * cmp only reads its operand: no write permission needed. */
#define ALU_IMM 8
static inline __attribute__((always_inline)) enum cpu_exit_reason alu_rm(struct cpu *cpu, const struct insn *i,
									  unsigned s, enum form f, unsigned x)
{
	unsigned op = x & 7;
	uint64_t a, b = x & ALU_IMM ? (uint64_t)i->imm : reg_get(cpu, i->reg, s);
	if (op == ALU_CMP) {
		if (!rm_load_f(cpu, i, s, f, &a))
			return CPU_EXIT_RETRY;
		alu(cpu, op, s, a, b);
		return CPU_EXIT_NONE;
	}
	struct rmw_operand o = { 0 };
	if (!rmw_get_f(cpu, i, s, f, &o, &a))
		return CPU_EXIT_RETRY;
	rmw_put_f(cpu, i, s, f, &o, alu(cpu, op, s, a, b));
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

/* One handler per op and form, so the op is a constant inside each (and
 * copies per size and form, SPECIALISED). */
#define ALU_HANDLERS(name, op)                                 \
	SPECIALISED(cpu_op_##name##_rm_r, alu_rm, op)           \
	SPECIALISED(cpu_op_##name##_r_rm, alu_r_rm, op)         \
	SPECIALISED(cpu_op_##name##_rm_imm, alu_rm, op | ALU_IMM)
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

/*
 * The one-operand group: inc, dec (flags lazy; CF unchanged, so the
 * current CF is captured into the record), not (no flags), neg (flags as
 * 0 - x). A copy that cannot tell CF inline (cf_lazy) leaves the
 * instruction to the generic handler, so it makes no call.
 */
enum { UN_INC, UN_DEC, UN_NOT, UN_NEG };
static inline __attribute__((always_inline)) enum cpu_exit_reason unary(struct cpu *cpu, const struct insn *i,
									 unsigned s, enum form f, unsigned x)
{
	int cf = 0;
	if (x == UN_INC || x == UN_DEC) {
		cf = cf_lazy(cpu);
		if (cf < 0) {
			if (f != FORM_ANY)
				return CPU_EXIT_RETRY;
			cf = cpu_flag_cf(cpu);
		}
	}
	uint64_t a, r, m = size_mask(s);
	struct rmw_operand o = { 0 };
	if (!rmw_get_f(cpu, i, s, f, &o, &a))
		return CPU_EXIT_RETRY;
	switch (x) {
	case UN_INC:
	case UN_DEC:
		r = (x == UN_DEC ? a - 1 : a + 1) & m;
		lf_set_a(cpu, x == UN_DEC ? LF_DEC : LF_INC, s, a, r);
		cpu->lf_.cf_in = (uint8_t)cf;
		break;
	case UN_NOT: r = ~a & m; break;
	default: r = alu(cpu, ALU_SUB, s, 0, a); break;
	}
	rmw_put_f(cpu, i, s, f, &o, r);
	return CPU_EXIT_NONE;
}
SPECIALISED(cpu_op_inc_rm, unary, UN_INC)
SPECIALISED(cpu_op_dec_rm, unary, UN_DEC)
SPECIALISED(cpu_op_not_rm, unary, UN_NOT)
SPECIALISED(cpu_op_neg_rm, unary, UN_NEG)
