/*
 * cpu/segment.c — segment selectors in 64-bit mode: descriptor lookup,
 * mov/pop to a segment register, far return, and the checks iretq shares.
 *
 * In 64-bit mode segmentation is almost gone: bases and limits of CS, DS,
 * ES and SS are ignored, FS/GS keep a base. What remains is the protection
 * checks on loads, which are what a guest kernel exercises (and what
 * students see fault), so they follow the SDM's pseudo-code for MOV, POP,
 * RET (far) and IRET.
 */
#include <string.h>

#include "cpu/internal.h"

/* #GP(0) at CPL > 0. */
void cpu_sys_need_cpl0(struct cpu *cpu)
{
	if (cpu->cpl != 0)
		cpu_fault(cpu, VEC_GP, 0);
}

void cpu_sys_set_cpl(struct cpu *cpu, unsigned cpl)
{
	cpu->cpl = cpl;
	cpu_ftlb_sync_cpl(cpu);
}

/* Base and limit of the table a selector indexes (LDT when TI is set, read
 * from the LDT descriptor named by LDTR). #GP(sel) if TI is set and LDTR is
 * null. */
static void desc_table(struct cpu *cpu, uint16_t sel, uint64_t *base, uint32_t *limit)
{
	if (!SEL_TI(sel)) {
		*base = cpu->gdtr.base;
		*limit = cpu->gdtr.limit;
		return;
	}
	if ((cpu->ldtr & 0xfffc) == 0 || SEL_TI(cpu->ldtr))
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	uint64_t where = cpu->gdtr.base + (cpu->ldtr & 0xfff8u);
	if ((cpu->ldtr & 0xfff8u) + 15u > cpu->gdtr.limit)
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	uint64_t lo = cpu_mem_read_sys(cpu, where, 8);
	uint64_t hi = cpu_mem_read_sys(cpu, where + 8, 8);
	*base = DESC_BASE(lo) | (hi << 32);
	*limit = (uint32_t)DESC_LIMIT(lo);
}

uint64_t cpu_desc_read(struct cpu *cpu, uint16_t sel, va_t *where)
{
	uint64_t base;
	uint32_t limit;
	desc_table(cpu, sel, &base, &limit);
	uint32_t off = sel & 0xfff8u;
	if (off + 7u > limit)
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
	if (where)
		*where = base + off;
	return cpu_mem_read_sys(cpu, base + off, 8);
}

/* Set the descriptor's accessed bit in memory, as a load does. */
static void desc_set_accessed(struct cpu *cpu, va_t where, uint64_t d)
{
	if (DESC_S(d) && !(d & (1ull << 40)))
		cpu_mem_write_sys(cpu, where + 5, 1, (uint8_t)(d >> 40) | 1u);
}

/* SIMPLIFICATION: a null selector load clears the FS/GS base, as Intel
 * parts do (AMD keeps it); DS/ES/SS have no base in 64-bit mode. */
void cpu_load_seg(struct cpu *cpu, enum cpu_segreg sr, uint16_t sel)
{
	if (sr == SEG_CS || sr > SEG_GS)
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	if ((sel & 0xfffc) == 0) {
		if (sr == SEG_SS && (cpu->cpl == 3 || SEL_RPL(sel) != cpu->cpl))
			cpu_fault(cpu, VEC_GP, 0);
		cpu->seg[sr].sel = sel;
		cpu->seg[sr].base = 0;
		return;
	}
	va_t where;
	uint64_t d = cpu_desc_read(cpu, sel, &where);
	if (sr == SEG_SS) {
		if (SEL_RPL(sel) != cpu->cpl || DESC_DPL(d) != cpu->cpl || !DESC_DATA(d) ||
		    !(DESC_TYPE(d) & 2u))
			cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
		if (!DESC_P(d))
			cpu_fault(cpu, VEC_SS, SEL_ERR(sel));
	} else {
		if (!DESC_S(d) || (DESC_CODE(d) && !(DESC_TYPE(d) & 2u)))
			cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
		if (!DESC_CONFORMING(d) && (SEL_RPL(sel) > DESC_DPL(d) || cpu->cpl > DESC_DPL(d)))
			cpu_fault(cpu, VEC_GP, SEL_ERR(sel));
		if (!DESC_P(d))
			cpu_fault(cpu, VEC_NP, SEL_ERR(sel));
	}
	desc_set_accessed(cpu, where, d);
	cpu->seg[sr].sel = sel;
	cpu->seg[sr].base = (sr == SEG_FS || sr == SEG_GS) ? DESC_BASE(d) : 0;
}

unsigned cpu_seg_check_ret_cs(struct cpu *cpu, uint16_t cs)
{
	if ((cs & 0xfffc) == 0)
		cpu_fault(cpu, VEC_GP, 0);
	uint64_t d = cpu_desc_read(cpu, cs, NULL);
	unsigned rpl = SEL_RPL(cs);
	if (rpl < cpu->cpl || !DESC_CODE(d))
		cpu_fault(cpu, VEC_GP, SEL_ERR(cs));
	if (DESC_CONFORMING(d) ? DESC_DPL(d) > rpl : DESC_DPL(d) != rpl)
		cpu_fault(cpu, VEC_GP, SEL_ERR(cs));
	if (!DESC_P(d))
		cpu_fault(cpu, VEC_NP, SEL_ERR(cs));
	if (!DESC_L(d) || DESC_DB(d))
		cpu_fault(cpu, VEC_GP, SEL_ERR(cs));
	return rpl;
}

void cpu_seg_check_ret_ss(struct cpu *cpu, uint16_t ss, unsigned new_cpl)
{
	if ((ss & 0xfffc) == 0) {
		/* 64-bit mode allows a null SS for CPL 0..2, with RPL = CPL. */
		if (new_cpl == 3 || SEL_RPL(ss) != new_cpl)
			cpu_fault(cpu, VEC_GP, 0);
		return;
	}
	uint64_t d = cpu_desc_read(cpu, ss, NULL);
	if (SEL_RPL(ss) != new_cpl || DESC_DPL(d) != new_cpl || !DESC_DATA(d) ||
	    !(DESC_TYPE(d) & 2u))
		cpu_fault(cpu, VEC_GP, SEL_ERR(ss));
	if (!DESC_P(d))
		cpu_fault(cpu, VEC_SS, SEL_ERR(ss));
}

/* Whether data segment register `sr` must be nulled at the (new) CPL: its
 * descriptor is data or non-conforming code with DPL < CPL, or unreadable. */
static bool seg_unusable(struct cpu *cpu, enum cpu_segreg sr)
{
	uint16_t sel = cpu->seg[sr].sel;
	if ((sel & 0xfffc) == 0)
		return false;
	jmp_buf jb;
	jmp_buf *old = cpu_catch(cpu, &jb);
	if (setjmp(jb)) {
		cpu_catch(cpu, old);
		return true;
	}
	uint64_t d = cpu_desc_read(cpu, sel, NULL);
	cpu_catch(cpu, old);
	if (!DESC_S(d))
		return true;
	return !DESC_CONFORMING(d) && DESC_DPL(d) < cpu->cpl;
}

/* SIMPLIFICATION: the hardware decides from the descriptor cached at load
 * time; this re-reads the GDT/LDT. A nulled FS/GS keeps its base. */
void cpu_seg_null_outer(struct cpu *cpu)
{
	static const enum cpu_segreg regs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
		if (seg_unusable(cpu, regs[i]))
			cpu->seg[regs[i]].sel = 0;
}

void cpu_far_ret(struct cpu *cpu, unsigned opsize, uint16_t imm)
{
	uint64_t rsp = cpu->gpr[RSP];
	uint64_t mask = opsize == 8 ? ~0ull : 0xffffffffull;
	uint64_t rip = cpu_mem_read(cpu, rsp, opsize) & mask;
	uint16_t cs = (uint16_t)cpu_mem_read(cpu, rsp + opsize, opsize);
	unsigned new_cpl = cpu_seg_check_ret_cs(cpu, cs);
	if (!cpu_sys_canonical(rip))
		cpu_fault(cpu, VEC_GP, 0);
	rsp += 2 * opsize + imm;
	if (new_cpl > cpu->cpl) {
		uint64_t new_rsp = cpu_mem_read(cpu, rsp, opsize) & mask;
		uint16_t ss = (uint16_t)cpu_mem_read(cpu, rsp + opsize, opsize);
		cpu_seg_check_ret_ss(cpu, ss, new_cpl);
		cpu->seg[SEG_SS].sel = ss;
		rsp = new_rsp + imm;
	}
	cpu->rip = rip;
	cpu->seg[SEG_CS].sel = cs;
	cpu->gpr[RSP] = rsp;
	if (new_cpl != cpu->cpl) {
		cpu_sys_set_cpl(cpu, new_cpl);
		cpu_seg_null_outer(cpu);
	}
}
