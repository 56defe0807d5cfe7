/*
 * cpu/exec_string.c — movs, cmps, stos, lods, scas with rep/repe/repne.
 *
 * Each iteration updates rSI/rDI/rCX after its memory accesses, so a fault
 * part-way leaves the registers describing the work left, and restarting
 * the instruction (RIP is restored to it) finishes the job, as on hardware.
 * A long rep instruction yields every STRING_CHUNK iterations (RIP stays on
 * it) so that budgets and interrupts are honoured. SIMPLIFICATION: each
 * chunk counts as one retired instruction in icount (hardware counts the
 * whole rep instruction once).
 * The source is DS:rSI (FS/GS override honoured), the destination ES:rDI.
 */
#include "cpu/exec.h"

#define STRING_CHUNK 4096

static va_t src_addr(const struct cpu *cpu, const struct insn *i)
{
	va_t a = reg_get(cpu, RSI, i->asz);
	return i->seg ? a + cpu->seg[i->seg].base : a;
}

/* One iteration: the memory accesses, then rSI/rDI advance. */
static void one(struct cpu *cpu, const struct insn *i, uint64_t step)
{
	unsigned s = i->osz, a = i->asz;
	va_t dst = reg_get(cpu, RDI, a);
	uint64_t m = size_mask(s), x, y;
	switch (i->ext) {
	case STR_MOVS:
		mem_write(cpu, dst, s, mem_read(cpu, src_addr(cpu, i), s));
		break;
	case STR_CMPS:
		x = mem_read(cpu, src_addr(cpu, i), s);
		y = mem_read(cpu, dst, s);
		lf_set(cpu, LF_SUB, s, x, y, (x - y) & m);
		break;
	case STR_STOS:
		mem_write(cpu, dst, s, cpu->gpr[RAX]);
		break;
	case STR_LODS:
		reg_set(cpu, RAX, s, mem_read(cpu, src_addr(cpu, i), s));
		break;
	default: /* SCAS */
		x = reg_get(cpu, RAX, s);
		y = mem_read(cpu, dst, s);
		lf_set(cpu, LF_SUB, s, x, y, (x - y) & m);
		break;
	}
	if (i->ext != STR_STOS && i->ext != STR_SCAS)
		reg_set(cpu, RSI, a, cpu->gpr[RSI] + step);
	if (i->ext != STR_LODS)
		reg_set(cpu, RDI, a, cpu->gpr[RDI] + step);
}

HANDLER(cpu_op_string)
{
	uint64_t step = (cpu->rflags_ & RFLAGS_DF) ? -(uint64_t)i->osz : i->osz;
	if (i->rep == REP_NONE) {
		one(cpu, i, step);
		return CPU_EXIT_NONE;
	}
	bool compares = i->ext == STR_CMPS || i->ext == STR_SCAS;
	for (unsigned n = 0; n < STRING_CHUNK; n++) {
		uint64_t c = reg_get(cpu, RCX, i->asz);
		if (c == 0)
			return CPU_EXIT_NONE;
		one(cpu, i, step);
		reg_set(cpu, RCX, i->asz, c - 1);
		if (compares && cpu_cond(cpu, 4) != (i->rep == REP_F3))
			return CPU_EXIT_NONE;
		if (c - 1 == 0)
			return CPU_EXIT_NONE;
	}
	cpu->rip = cpu->in->insn_rip; /* more to do: run it again */
	return CPU_EXIT_NONE;
}
