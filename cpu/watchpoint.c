/*
 * cpu/watchpoint.c — debugger watchpoints without slowing the run loop. A
 * page that holds a watched range is never kept in the fast translation
 * cache (setting watchpoints empties it), so every data access to it takes
 * the slow path (cpu_xlat), which calls cpu_watch_access. The access that
 * touches a range marks the instruction; the run loop stops once it has
 * retired (run.c). All other pages hit the fast cache as before.
 */
#include "cpu/exec.h"

int cpu_watch_set(struct cpu *cpu, const struct cpu_watch *w, unsigned n)
{
	struct cpu_internal *in = cpu->in;
	if (n > CPU_WATCH_MAX)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (w[i].len < 1 || w[i].len > 8 || !(w[i].kinds & (CPU_WATCH_READ | CPU_WATCH_WRITE)))
			return -1;
		if (((w[i].va + w[i].len - 1) & PAGE_MASK) != (w[i].va & PAGE_MASK))
			return -1;
	}
	for (unsigned i = 0; i < n; i++)
		in->watch[i] = w[i];
	in->nwatch = n;
	in->watch_hit = false;
	cpu_ftlb_flush(cpu); /* a watched page's cached translation would skip the check */
	return 0;
}

const struct cpu_watch_hit *cpu_watch_last(const struct cpu *cpu)
{
	return &cpu->in->hit;
}

bool cpu_watch_take(struct cpu *cpu)
{
	bool hit = cpu->in->watch_hit;
	cpu->in->watch_hit = false;
	return hit;
}

bool cpu_watch_page(const struct cpu_internal *in, va_t va)
{
	for (unsigned i = 0; i < in->nwatch; i++)
		if ((in->watch[i].va & PAGE_MASK) == (va & PAGE_MASK))
			return true;
	return false;
}

void cpu_watch_access(struct cpu *cpu, va_t va, unsigned size, bool write, const uint8_t *host)
{
	struct cpu_internal *in = cpu->in;
	if (in->watch_hit)
		return; /* the instruction's first watched access is the one reported */
	for (unsigned i = 0; i < in->nwatch; i++) {
		const struct cpu_watch *w = &in->watch[i];
		if (!(w->kinds & (write ? CPU_WATCH_WRITE : CPU_WATCH_READ)))
			continue;
		if (va >= w->va + w->len || w->va >= va + size)
			continue;
		/* the range lies in va's page: host - (va - w->va) is its first byte */
		const uint8_t *first = host + (int64_t)(w->va - va);
		in->watch_hit = true;
		cpu_block_stop_after_current(in, cpu); /* a running block ends after this instruction */
		in->hit.index = i;
		in->hit.va = va;
		in->hit.size = size;
		in->hit.write = write;
		in->hit.rip = in->blk_first ? in->blk_rip + in->blk_first[cpu->icount - in->blk_base].off
					    : in->insn_rip;
		in->hit.ma = (ma_t)(first - cpu->ram);
		memset(in->hit.old, 0, sizeof in->hit.old);
		memcpy(in->hit.old, first, w->len);
		return;
	}
}
