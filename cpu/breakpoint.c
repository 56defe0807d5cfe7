/*
 * cpu/breakpoint.c — debugger breakpoints without slowing the run loop. The
 * code of a page that holds a breakpoint takes the per-instruction path, whose
 * lookup (icache_lookup) checks RIP before the fetch is translated or counted;
 * an instruction with a breakpoint is never cached. Every other page runs its
 * predecoded blocks as without breakpoints (brk_fetch, set with the fetch page:
 * blocks never leave it).
 */
#include "cpu/exec.h"

static enum cpu_exit_reason stop_here(struct cpu *cpu, const struct insn *i)
{
	(void)cpu;
	(void)i;
	return CPU_EXIT_BREAKPOINT;
}

/* len 0: the run loop's RIP advance leaves RIP on the instruction */
const struct insn cpu_break_insn = {.fn = stop_here, .len = 0};

int cpu_break_set(struct cpu *cpu, const va_t *va, unsigned n)
{
	struct cpu_internal *in = cpu->in;
	if (n > CPU_BREAK_MAX)
		return -1;
	for (unsigned i = 0; i < n; i++)
		in->brk[i] = va[i];
	in->nbrk = n;
	in->brk_fetch = n && cpu_break_on_page(in, in->fetch_page);
	/* forget pre-decoded code: a cached instruction would pass a new breakpoint */
	for (uint64_t p = 0; p < in->npages; p++)
		if (in->codepage[p])
			cpu_icache_invalidate_page(cpu, p);
	return 0;
}

bool cpu_break_on_page(const struct cpu_internal *in, va_t page)
{
	for (unsigned i = 0; i < in->nbrk; i++)
		if ((in->brk[i] & PAGE_MASK) == page)
			return true;
	return false;
}

void cpu_break_skip(struct cpu *cpu)
{
	cpu->in->brk_skip_rip = cpu->rip;
	cpu->in->brk_skip_icount = cpu->icount;
}

enum cpu_brk cpu_break_check(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	for (unsigned i = 0; i < in->nbrk; i++)
		if (in->brk[i] == cpu->rip)
			return cpu->rip == in->brk_skip_rip && cpu->icount == in->brk_skip_icount ? BRK_RUN
												 : BRK_STOP;
	return BRK_NONE;
}
