/*
 * monitor/vmm/overcommit.c — the VMM's side of overcommit: counters for the
 * summary (text and JSON) and the trace lines of a page-out (page_out, or
 * page_out_forced when another VM's page-in needed the frame) and of a
 * double-paging event (the paging itself is shadow/overcommit.c, ocpool.c).
 */
#include <string.h>

#include "monitor/vmm/host.h"
#include "monitor/vmm/overcommit.h"
#include "monitor/vmm/vm.h"

bool mon_vm_overcommit_stats(const struct vm *vm, struct mon_overcommit_stats *out)
{
	memset(out, 0, sizeof *out);
	const struct shadow_oc *oc = vm->bare ? NULL : vm->sh.pmap.oc;
	if (!oc)
		return false;
	*out = (struct mon_overcommit_stats){oc->target, oc->frames, oc->page_outs, oc->page_ins,
					     oc->zero_fills, oc->double_paging, oc->ballooned, oc->merges,
					     oc->merges_zero, oc->shared_ins, oc->shared_frames, oc->shared_pages,
					     oc->shared_pages - oc->shared_frames, oc->cow_breaks};
	return true;
}

void mon_overcommit_double_paging(struct vm *vm, uint64_t slot)
{
	if (!MON_TRACING(vm, MON_CAT_DISK))
		return;
	struct mon_event f = {.has = MON_EV_PA};
	f.pa = vm->sh.pmap.oc->last_double << PAGE_SHIFT;
	mon_trace_emit(vm, MON_CAT_DISK, "VMM", "double_paging", &f,
		       "double paging: PA 0x%llx was read back from the monitor's swap only to be written to "
		       "the guest's swap slot %llu", (unsigned long long)f.pa, (unsigned long long)slot);
}

/* shadow's on_page_out: the page-out, traced for the VM whose page went out:
 * page_out when its own page-in needed the frame, page_out_forced when another
 * VM's did (several VMs on one --machine-mem: one FIFO over all their pages). */
/*
 * Page-outs come in bursts (one fill may page out several pages, a boot
 * hundreds): emitted only when the trace file or the sink takes category
 * disk, or --trace-after waits for one. Not for the event ring alone (the
 * clean-stop report's last events, --trace-after's preroll of the trigger's
 * instruction), where they would push out the events of that instruction.
 */
static bool page_out_wanted(const struct vm *vm)
{
	const struct mon_trace *t = &vm->trace;
	if (!MON_TRACING(vm, MON_CAT_DISK))
		return false;
	if (t->sink && (t->sink_cats & MON_CAT_DISK))
		return true;
	if (!t->f)
		return false;
	return t->started ? (t->cats & MON_CAT_DISK) != 0 : !strncmp(t->after.kind, "page_out", 8);
}

static void page_out_event(void *ctx, uint64_t p, ma_t ma, const struct shadow_oc *by, uint64_t by_page)
{
	struct vm *vm = ctx;
	if (!page_out_wanted(vm))
		return;
	struct mon_event f = {.has = MON_EV_PA | MON_EV_MA, .pa = p << PAGE_SHIFT, .ma = ma};
	unsigned long long pa = p << PAGE_SHIFT, for_pa = by_page << PAGE_SHIFT;
	if (!by || by == vm->sh.pmap.oc) {
		mon_trace_emit(vm, MON_CAT_DISK, "VMM", "page_out", &f,
			       "monitor page-out: PA 0x%llx to the monitor's swap, its frame MA 0x%llx for PA 0x%llx",
			       pa, (unsigned long long)ma, for_pa);
		return;
	}
	const struct vm *o = host_vm(vm->host, by->sh->vmid);
	const char *name = o && o->name[0] ? o->name : "";
	mon_trace_emit(vm, MON_CAT_DISK, "VMM", "page_out_forced", &f,
		       "monitor page-out forced by vm%u%s%s%s: PA 0x%llx to the monitor's swap, its frame MA 0x%llx "
		       "for vm%u's PA 0x%llx (one FIFO over every VM's pages)",
		       by->sh->vmid, *name ? " (" : "", name, *name ? ")" : "", pa, (unsigned long long)ma,
		       by->sh->vmid, for_pa);
}

void mon_overcommit_attach(struct vm *vm)
{
	struct shadow_oc *oc = vm->bare ? NULL : vm->sh.pmap.oc;
	if (!oc)
		return;
	oc->on_page_out = page_out_event;
	oc->on_page_out_ctx = vm;
}

void mon_overcommit_summary(const struct vm *vm, FILE *f, bool json)
{
	struct mon_overcommit_stats s;
	if (!mon_vm_overcommit_stats(vm, &s))
		return;
	if (json) {
		fprintf(f, ",\n  \"overcommit\": {\"frames_max\": %llu, \"pages\": %llu, \"resident\": %llu, "
			"\"page_outs\": %llu, \"page_ins\": %llu, \"zero_fills\": %llu, \"double_paging\": %llu}",
			(unsigned long long)s.frames_max, (unsigned long long)vm->sh.pmap.npages,
			(unsigned long long)s.resident,
			(unsigned long long)s.page_outs, (unsigned long long)s.page_ins,
			(unsigned long long)s.zero_fills, (unsigned long long)s.double_paging);
		if (vm->cfg.balloon)
			fprintf(f, ",\n  \"balloon\": {\"frames\": %llu, \"budget_pages\": %llu}",
				(unsigned long long)s.ballooned, (unsigned long long)vm->sh.pmap.oc->balloon_budget);
		if (vm->cfg.share_pages)
			fprintf(f, ",\n  \"sharing\": {\"merges\": %llu, \"merges_zero\": %llu, \"shared_ins\": %llu, "
				"\"shared_frames\": %llu, \"shared_pages\": %llu, \"frames_saved\": %llu, "
				"\"cow_breaks\": %llu}", (unsigned long long)s.merges, (unsigned long long)s.merges_zero,
				(unsigned long long)s.shared_ins, (unsigned long long)s.shared_frames,
				(unsigned long long)s.shared_pages, (unsigned long long)s.frames_saved,
				(unsigned long long)s.cow_breaks);
		return;
	}
	fprintf(f, "overcommit:      %llu frames for %llu pages: page-outs %llu, page-ins %llu, zero fills %llu, "
		"double paging %llu\n", (unsigned long long)s.frames_max, (unsigned long long)vm->sh.pmap.npages,
		(unsigned long long)s.page_outs, (unsigned long long)s.page_ins, (unsigned long long)s.zero_fills,
		(unsigned long long)s.double_paging);
	if (vm->cfg.balloon)
		fprintf(f, "balloon:         %llu frames given back by the guest, its user-page budget %llu pages lower\n",
			(unsigned long long)s.ballooned, (unsigned long long)vm->sh.pmap.oc->balloon_budget);
	if (vm->cfg.share_pages)
		fprintf(f, "sharing:         %llu victims merged instead of paged out (%llu of zeros), %llu page-ins "
			"found a shared frame; now %llu frames shared by %llu pages (%llu frames saved); COW breaks %llu\n",
			(unsigned long long)s.merges, (unsigned long long)s.merges_zero,
			(unsigned long long)s.shared_ins, (unsigned long long)s.shared_frames,
			(unsigned long long)s.shared_pages, (unsigned long long)s.frames_saved,
			(unsigned long long)s.cow_breaks);
}


uint64_t mon_balloon_wanted(const struct vm *vm)
{
	const struct shadow_oc *oc = vm->sh.pmap.oc;
	if (!vm->cfg.balloon || !oc)
		return 0;
	/* the guest keeps its part of the machine's frames; the rest comes back */
	uint64_t excess = vm->sh.pmap.npages - oc->target;
	uint64_t back = oc->ballooned + oc->balloon_budget;
	return back < excess ? excess - back : 0;
}

int64_t mon_balloon_call(struct vm *vm, uint64_t op, uint64_t arg)
{
	if (!vm->cfg.balloon || !vm->sh.pmap.oc)
		return -1;
	if (op == 0)
		return (int64_t)mon_balloon_wanted(vm);
	struct shadow_oc *oc = vm->sh.pmap.oc;
	uint64_t want = mon_balloon_wanted(vm);
	if (op == 2) { /* the guest shrank its own working set instead of giving frames */
		if (arg > want)
			return -1;
		oc->balloon_budget += arg;
		return 0;
	}
	if (op != 1 || (arg & (PAGE_SIZE - 1)) || arg >= vm->sh.pmap.mem_size || !want)
		return -1;
	return shadow_oc_balloon_take(&vm->sh, arg >> PAGE_SHIFT);
}
