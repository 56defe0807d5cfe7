/*
 * cpu/sys_desc.c — descriptor-table registers: lgdt, lidt, ltr, lldt (CPL 0)
 * and sgdt, sidt, str, sldt (any CPL: without UMIP they reveal the real
 * tables, which is how a guest can tell it is virtualized on pre-VT x86).
 */
#include "cpu/internal.h"

/* lgdt/lidt: 2-byte limit then 8-byte base at ea. */
static void load_dtr(struct cpu *cpu, const struct cpu_sens *s, struct cpu_dtr *dtr)
{
	if (!s->mem)
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	cpu_sys_need_cpl0(cpu);
	uint16_t limit = (uint16_t)cpu_mem_read(cpu, s->ea, 2);
	uint64_t base = cpu_mem_read(cpu, s->ea + 2, 8);
	dtr->limit = limit;
	dtr->base = base;
}

static void store_dtr(struct cpu *cpu, const struct cpu_sens *s, const struct cpu_dtr *dtr)
{
	if (!s->mem)
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	cpu_mem_write(cpu, s->ea, 2, dtr->limit);
	cpu_mem_write(cpu, s->ea + 2, 8, dtr->base);
}

/* The 16-bit selector operand of ltr/lldt. */
static uint16_t sel_operand(struct cpu *cpu, const struct cpu_sens *s)
{
	if (s->mem)
		return (uint16_t)cpu_mem_read(cpu, s->ea, 2);
	return (uint16_t)cpu->gpr[s->reg & 15];
}

/* A 16-byte system descriptor from the GDT (#GP(sel) if TI=1 or beyond the
 * limit); returns the low quadword, *base the 64-bit base, *where its VA. */
static uint64_t sys_desc_read(struct cpu *cpu, uint16_t sel, uint64_t *base, va_t *where)
{
	if (SEL_TI(sel) || (sel & 0xfff8u) + 15u > cpu->gdtr.limit)
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	*where = cpu->gdtr.base + (sel & 0xfff8u);
	uint64_t lo = cpu_mem_read_sys(cpu, *where, 8);
	uint64_t hi = cpu_mem_read_sys(cpu, *where + 8, 8);
	*base = DESC_BASE(lo) | (hi << 32);
	return lo;
}

/* ltr: the selector must name an available 64-bit TSS in the GDT; it is
 * marked busy and its base becomes tr_base. */
static void exec_ltr(struct cpu *cpu, const struct cpu_sens *s)
{
	cpu_sys_need_cpl0(cpu);
	uint16_t sel = sel_operand(cpu, s);
	if ((sel & 0xfffc) == 0)
		cpu_fault(cpu, VEC_GP, 0);
	uint64_t base;
	va_t where;
	uint64_t d = sys_desc_read(cpu, sel, &base, &where);
	if (DESC_S(d) || DESC_TYPE(d) != 0x9)
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	if (!DESC_P(d))
		cpu_fault(cpu, VEC_NP, SEL_ERR(sel));
	if (!cpu_sys_canonical(base))
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	cpu_mem_write_sys(cpu, where + 5, 1, (uint8_t)(d >> 40) | 0x2u); /* busy */
	cpu->tr = sel;
	cpu->tr_base = base;
	cpu->tr_limit = (d & (1ull << 55)) ? (uint32_t)(DESC_LIMIT(d) << 12) | 0xfffu : (uint32_t)DESC_LIMIT(d);
}

/* lldt: a null selector disables the LDT; otherwise an LDT descriptor
 * (type 2) from the GDT. The LDT's base is re-read from the GDT on use. */
static void exec_lldt(struct cpu *cpu, const struct cpu_sens *s)
{
	cpu_sys_need_cpl0(cpu);
	uint16_t sel = sel_operand(cpu, s);
	if ((sel & 0xfffc) == 0) {
		cpu->ldtr = sel;
		return;
	}
	uint64_t base;
	va_t where;
	uint64_t d = sys_desc_read(cpu, sel, &base, &where);
	if (DESC_S(d) || DESC_TYPE(d) != 0x2)
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	if (!DESC_P(d))
		cpu_fault(cpu, VEC_NP, SEL_ERR(sel));
	if (!cpu_sys_canonical(base))
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	cpu->ldtr = sel;
}

/* str/sldt: memory gets 16 bits; a register the zero-extended selector
 * (opsize 2 replaces only the low word). */
static void store_sel(struct cpu *cpu, const struct cpu_sens *s, uint16_t sel)
{
	if (s->mem) {
		cpu_mem_write(cpu, s->ea, 2, sel);
		return;
	}
	uint64_t *r = &cpu->gpr[s->reg & 15];
	*r = s->opsize == 2 ? (*r & ~0xffffull) | sel : sel;
}

enum cpu_exit_reason cpu_sys_desc(struct cpu *cpu, const struct cpu_sens *s)
{
	switch (s->op) {
	case SOP_LGDT: load_dtr(cpu, s, &cpu->gdtr); break;
	case SOP_LIDT: load_dtr(cpu, s, &cpu->idtr); break;
	case SOP_SGDT: store_dtr(cpu, s, &cpu->gdtr); break;
	case SOP_SIDT: store_dtr(cpu, s, &cpu->idtr); break;
	case SOP_LTR: exec_ltr(cpu, s); break;
	case SOP_LLDT: exec_lldt(cpu, s); break;
	case SOP_STR: store_sel(cpu, s, cpu->tr); break;
	case SOP_SLDT: store_sel(cpu, s, cpu->ldtr); break;
	default: cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
	cpu_sys_next(cpu, s);
	return CPU_EXIT_NONE;
}
