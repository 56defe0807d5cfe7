/*
 * cpu/restore.c — after a caller overwrote the CPU's architectural state
 * (registers, icount, machine RAM: a VM snapshot restored), drop everything
 * cpu/ derived from the old state: lazy flags, the fast translation cache,
 * pre-decoded instructions, the bare-metal paging TLB, and the breakpoint
 * the old run was resuming from (the restored run reaching the same RIP at
 * the same icount must stop there; the VMM re-arms the skip from its own
 * restored state when it resumes from a breakpoint).
 */
#include "cpu/exec.h"

void cpu_state_loaded(struct cpu *cpu, uint64_t rflags)
{
	struct cpu_internal *in = cpu->in;
	cpu_set_rflags(cpu, rflags);
	cpu_ftlb_flush(cpu);
	for (uint64_t p = 0; p < in->npages; p++)
		if (in->codepage[p])
			cpu_icache_invalidate_page(cpu, p);
	in->count_mark = cpu->icount;
	in->brk_skip_icount = UINT64_MAX;
	cpu_ftlb_sync_cpl(cpu);
	cpu_paging_flush(cpu, false);
}
