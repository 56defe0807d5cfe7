/*
 * cpu/exec_string.c — movs, cmps, stos, lods, scas with rep/repe/repne.
 *
 * Each iteration updates rSI/rDI/rCX after its memory accesses, so a fault
 * part-way leaves the registers describing the work left, and restarting
 * the instruction (RIP is restored to it) finishes the job, as on hardware.
 * A long rep instruction yields (RIP stays on it) after STRING_CHUNK
 * iterations, so that budgets and interrupts are honoured, and before an
 * iteration that would touch a page the chunk's first iteration did not:
 * a TLB miss can then only happen in a chunk's first iteration, when nothing
 * of the chunk is done, and every chunk that is done is counted. (Without
 * that, a misaligned rep movs restarted after each miss with its progress
 * never counted: icount, and with it the LRU stamps, stood still and the
 * code and data pages could evict each other forever.)
 * SIMPLIFICATION: each chunk counts as one retired instruction in icount
 * (hardware counts the whole rep instruction once).
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

/* The pages an element at va touches, as [lo, hi] page numbers. */
struct pages {
	uint64_t lo, hi;
};

static struct pages pages_of(va_t va, unsigned size)
{
	return (struct pages){ va >> PAGE_SHIFT, (va + size - 1) >> PAGE_SHIFT };
}

static bool among(struct pages p, struct pages first)
{
	return (p.lo == first.lo || p.lo == first.hi) && (p.hi == first.lo || p.hi == first.hi);
}

/* Does the next iteration touch only pages the chunk's first iteration touched? */
static bool same_pages(const struct cpu *cpu, const struct insn *i, struct pages src, struct pages dst)
{
	return among(pages_of(src_addr(cpu, i), i->osz), src) &&
	       among(pages_of(reg_get(cpu, RDI, i->asz), i->osz), dst);
}

HANDLER_BRANCH(cpu_op_string)
{
	uint64_t step = (cpu->rflags_ & RFLAGS_DF) ? -(uint64_t)i->osz : i->osz;
	if (i->rep == REP_NONE) {
		one(cpu, i, step);
		return CPU_EXIT_NONE;
	}
	bool compares = i->ext == STR_CMPS || i->ext == STR_SCAS;
	struct pages src = pages_of(src_addr(cpu, i), i->osz);
	struct pages dst = pages_of(reg_get(cpu, RDI, i->asz), i->osz);
	for (unsigned n = 0; n < STRING_CHUNK; n++) {
		uint64_t c = reg_get(cpu, RCX, i->asz);
		if (c == 0)
			return CPU_EXIT_NONE;
		if (n && !same_pages(cpu, i, src, dst))
			break;
		one(cpu, i, step);
		reg_set(cpu, RCX, i->asz, c - 1);
		if (compares && cpu_cond(cpu, 4) != (i->rep == REP_F3))
			return CPU_EXIT_NONE;
		if (c - 1 == 0)
			return CPU_EXIT_NONE;
	}
	cpu->rip -= i->len; /* more to do (this chunk counts): run it again */
	return CPU_EXIT_NONE;
}
