/*
 * monitor/vmm/mode_nested.c — --mmu=nested: hardware-assisted paging.
 *
 * The CPU's MMU looks the VA up in the simulated TLB; on a miss it does the
 * two-dimensional walk itself (shadow/nested.h: the guest's tables, every
 * guest PA translated through the per-VM nested table) and installs VA -> MA:
 * no exit for TLB misses, none for guest page-table writes (the guest's
 * tables are ordinary memory; nothing is write-protected). A guest table
 * without a valid mapping is a #PF the CPU raises for the guest (it reaches
 * the monitor only because the guest kernel is deprivileged, and is
 * reflected). invlpg and CR3 writes still exit as sensitive instructions and
 * are emulated on the same TLB (emulate_sys.c), which keeps it coherent.
 */
#include <string.h>

#include "monitor/vmm/modes.h"

static const char *acc_name(enum cpu_access a)
{
	return a == ACC_WRITE ? "write" : a == ACC_EXEC ? "exec" : "read";
}

/* The 2-D walk in the trace: one line per guest level, then the data page. */
static void trace_walk(struct vm *vm, const struct shadow_walk2d *w, va_t va, enum cpu_access acc)
{
	if (!MON_TRACING(vm, MON_CAT_TLB | MON_CAT_SHADOW))
		return; /* (every 2-D walk comes here: not even the fields when nobody traces) */
	struct mon_event e = { .has = MON_EV_VA, .va = va };
	if (MON_TRACING(vm, MON_CAT_TLB))
		mon_trace_emit(vm, MON_CAT_TLB, NULL, "tlb_miss", &e,
			       "TLB miss VA 0x%016llx (%s) -> hardware 2-D walk (no exit)",
			       (unsigned long long)va, acc_name(acc));
	if (!MON_TRACING(vm, MON_CAT_SHADOW))
		return;
	for (unsigned i = 0; i < w->g.nrefs && i < w->nnested; i++) {
		const struct shadow_walk_ref *r = &w->g.ref[i];
		const struct shadow_nwalk *n = &w->nw[i];
		struct mon_event f = { .has = MON_EV_PA | MON_EV_MA | MON_EV_VALUE, .pa = r->pa,
				       .ma = n->ma, .value = r->val };
		mon_trace_emit(vm, MON_CAT_SHADOW, "CPU", "walk2d_ref", &f,
			       "  gL%u entry PA 0x%llx: nested walk %u ref%s -> MA 0x%llx; read 0x%llx (1 ref)",
			       r->level, (unsigned long long)r->pa, n->nrefs, mon_plural(n->nrefs), (unsigned long long)n->ma,
			       (unsigned long long)r->val);
	}
	if (w->g.status == SHADOW_WALK_OK) {
		const struct shadow_nwalk *n = &w->nw[w->nnested - 1];
		struct mon_event f = { .has = MON_EV_PA | MON_EV_MA, .pa = n->pa & PAGE_MASK,
				       .ma = n->ma & PAGE_MASK };
		mon_trace_emit(vm, MON_CAT_SHADOW, "CPU", "walk2d_ref", &f,
			       "  data page PA 0x%llx: nested walk %u ref%s -> MA 0x%llx",
			       (unsigned long long)(n->pa & PAGE_MASK), n->nrefs, mon_plural(n->nrefs),
			       (unsigned long long)(n->ma & PAGE_MASK));
	}
	struct mon_event f = { .has = MON_EV_VALUE, .value = w->refs };
	mon_trace_emit(vm, MON_CAT_SHADOW, "CPU", "walk2d", &f,
		       "2-D walk: %u guest levels x (4 nested + 1) + %u nested = %u memory references%s",
		       w->g.nrefs, w->g.status == SHADOW_WALK_OK ? 4u : 0u, w->refs,
		       w->g.status == SHADOW_WALK_OK ? " (+1 for the data access)" : " -> guest #PF");
}

/* Install the walk's result as a 4 KiB TLB entry in the current asid and view. */
static void install(struct vm *vm, const struct shadow_walk2d *w, va_t va, enum tlb_view view,
		    struct cpu *cpu)
{
	unsigned perm = TLB_R;
	if (w->g.w && w->g.dirty)
		perm |= TLB_W; /* a clean page stays read-only here: the first write re-walks to set D */
	if (w->g.x)
		perm |= TLB_X;
	if (w->g.u)
		perm |= TLB_U;
	if (w->g.g)
		perm |= TLB_G;
	/* SIMPLIFICATION: a guest 2 MiB page is installed in 4 KiB pieces. */
	struct tlb_entry e = { .vmid = vm->sh.vmid, .asid = shadow_asid(&vm->sh), .view = (uint8_t)view,
			       .perm = (uint8_t)perm, .va = va & PAGE_MASK, .ma = w->ma & PAGE_MASK,
			       .pa = w->g.pa & PAGE_MASK };
	struct tlb_insert_result r;
	if (!tlb_insert(vm->tlb, &e, cpu->icount, &r))
		return;
	if (MON_TRACING(vm, MON_CAT_TLB)) {
		char p[16];
		struct mon_event f = { .has = MON_EV_VA | MON_EV_MA | MON_EV_SETWAY, .va = e.va, .ma = e.ma,
				       .set = (int)r.slot.set, .way = (int)r.slot.way };
		mon_trace_emit(vm, MON_CAT_TLB, "CPU", "tlb_install", &f,
			       "TLB install VA 0x%llx -> MA 0x%llx [set %u way %u] %s",
			       (unsigned long long)e.va, (unsigned long long)e.ma, r.slot.set, r.slot.way,
			       tlb_perm_str(perm, p));
	}
}

/*
 * struct cpu_mmu translate for nested mode (ctx = struct vm *). TLB hit: as in
 * shadow mode. Miss: the 2-D walk here, in "hardware"; OK -> install and go
 * on; guest #PF -> MMU_FAULT (the core raises it); a PA outside guest RAM ->
 * MMU_MISS with bad_pa set (the monitor stops the VM: an EPT violation).
 */
static enum mmu_result nested_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
					unsigned cpl, struct mmu_xlat *out)
{
	struct vm *vm = ctx;
	struct mon_modes *m = vm->modes;
	enum tlb_view view = cpl == 0 ? TLB_VIEW_KERNEL : vm->sh.view;
	struct tlb_key k = { .vmid = vm->sh.vmid, .asid = shadow_asid(&vm->sh), .view = (uint8_t)view,
			     .va = va };
	unsigned need = acc == ACC_WRITE ? TLB_W : acc == ACC_EXEC ? TLB_X : TLB_R;
	struct tlb_entry *e = tlb_lookup_perm(vm->tlb, &k, need, cpu->icount, NULL, NULL);
	if (!e) {
		struct shadow_walk2d w;
		shadow_walk2d(&m->nested, &w, vm->sh.cr3 & CR3_ADDR_MASK, va, acc,
			      shadow_walk_flags(&vm->sh, view));
		m->walks2d++;
		m->walk2d_refs += w.refs;
		vm->stats.walk_refs += w.refs;
		trace_walk(vm, &w, va, acc);
		if (w.bad_pa) {
			m->bad_pa = w.nw[w.nnested - 1].pa;
			m->bad_va = va;
			return MMU_MISS;
		}
		if (w.g.status != SHADOW_WALK_OK) {
			vm->stats.true_faults++;
			out->err = w.g.err;
			return MMU_FAULT;
		}
		for (unsigned i = 0; i < w.g.nrefs; i++)
			if (w.g.ref[i].newval != w.g.ref[i].val)
				cpu_code_written(cpu, shadow_pa_to_ma(&vm->sh.pmap, w.g.ref[i].pa), 8);
		install(vm, &w, va, view, cpu);
		e = tlb_lookup_perm(vm->tlb, &k, need, cpu->icount, NULL, NULL);
		if (!e) { /* cannot happen: the entry was just installed with the permission */
			out->ma = (w.ma & PAGE_MASK) | (va & (PAGE_SIZE - 1));
			out->cacheable = false;
			out->touch = NULL;
			return MMU_OK;
		}
	}
	out->ma = e->ma + (va & (PAGE_SIZE - 1));
	out->cacheable = true;
	out->touch = &e->stamp;
	return MMU_OK;
}

int mon_nested_init(struct vm *vm, char *err, size_t errlen)
{
	struct mon_modes *m = vm->modes;
	if (shadow_nested_build(&m->nested, vm->mf, &vm->sh.pmap)) {
		snprintf(err, errlen, "no machine frames left for the nested table");
		return -1;
	}
	m->nested_ok = true;
	vm->cpu.mmu.translate = nested_translate;
	vm->cpu.mmu.ctx = vm;
	cpu_ftlb_flush(&vm->cpu);
	return 0;
}

/* Only an EPT violation comes here (translate returned MMU_MISS). */
bool mon_nested_miss(struct vm *vm)
{
	struct mon_modes *m = vm->modes;
	if (m->bad_pa == PA_NONE)
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "nested mode: unexpected TLB-miss exit");
	else
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1,
			    "EPT violation: VA 0x%llx needs PA 0x%llx, outside the guest's %llu MiB",
			    (unsigned long long)m->bad_va, (unsigned long long)m->bad_pa,
			    (unsigned long long)(vm->cfg.mem_size >> 20));
	return true;
}
