/*
 * monitor/vmm/host_memory.c — several overcommitted VMs on one host
 * (--machine-mem with --vm): the host's machine frames, the per-VM memory
 * table of the host summary (docs/overcommit.md, "Several VMs").
 */
#include "monitor/vmm/host.h"
#include "monitor/vmm/overcommit.h"
#include "monitor/vmm/vm.h"

uint64_t mon_host_overcommit(const struct host *h, uint64_t *resident, uint64_t *saved, uint64_t *saved_max)
{
	const struct shadow_ocpool *pool = h->mf_ok ? h->mf.pool : NULL;
	if (resident)
		*resident = pool ? pool->nresident : 0;
	if (saved)
		*saved = pool ? pool->shared_pages - pool->shared_frames : 0;
	if (saved_max)
		*saved_max = pool ? pool->saved_max : 0;
	return pool ? pool->resident_max : 0;
}

void mon_host_overcommit_summary(const struct host *h, FILE *f)
{
	uint64_t held, saved, most, frames = mon_host_overcommit(h, &held, &saved, &most), pages = 0;
	if (!frames)
		return;
	for (unsigned i = 0; i < MON_HOST_VMS_MAX; i++)
		if (h->vm[i])
			pages += h->vm[i]->sh.pmap.npages;
	fprintf(f, "memory:          %llu machine frames for %llu guest pages, %llu held; victim: the page resident "
		"longest of any VM (one FIFO); sharing saves %llu frames now, %llu at most\n", (unsigned long long)frames,
		(unsigned long long)pages, (unsigned long long)held, (unsigned long long)saved, (unsigned long long)most);
	fprintf(f, "%-4s %-10s %6s %6s %9s %8s %10s %6s %8s %7s %6s %6s %5s\n", "vm", "name", "pages", "part", "page-outs",
		"page-ins", "zero-fills", "double", "balloon", "frames", "shared", "saved", "cow");
	for (unsigned i = 0; i < MON_HOST_VMS_MAX; i++) {
		const struct vm *vm = h->vm[i];
		struct mon_overcommit_stats s;
		if (!vm || !mon_vm_overcommit_stats(vm, &s))
			continue;
		fprintf(f, "vm%-2u %-10s %6llu %6llu %9llu %8llu %10llu %6llu %8llu %7llu %6llu %6llu %5llu\n", vm->vmid,
			vm->name, (unsigned long long)vm->sh.pmap.npages, (unsigned long long)s.frames_max,
			(unsigned long long)s.page_outs, (unsigned long long)s.page_ins, (unsigned long long)s.zero_fills,
			(unsigned long long)s.double_paging, (unsigned long long)s.ballooned, (unsigned long long)s.resident,
			(unsigned long long)s.shared_pages, (unsigned long long)s.frames_saved,
			(unsigned long long)s.cow_breaks);
	}
}
