/*
 * monitor/mmu.c — TLB misses: run shadow/'s miss handler and turn its record
 * into the trace of ARCHITECTURE.md (miss -> VMM -> shadow lookup -> guest
 * walk -> pmap -> TLB install -> retry), inject true faults as #PF into the
 * guest kernel, and emulate writes to guest page-table pages by
 * single-stepping the instruction inside a PT-write window.
 */
#include <string.h>

#include "monitor/vm.h"

static const char *acc_name(enum cpu_access a)
{
	return a == ACC_WRITE ? "write" : a == ACC_EXEC ? "exec" : "read";
}

static void trace_fill(struct vm *vm, const struct shadow_fill *f)
{
	struct mon_event e = { .has = MON_EV_VA, .va = f->va };
	if (MON_TRACING(vm, MON_CAT_TLB))
		mon_trace_emit(vm, MON_CAT_TLB, NULL, "tlb_miss", &e, "TLB miss VA 0x%016llx (%s) -> VMM",
			       (unsigned long long)f->va, acc_name(f->acc));
	if (!MON_TRACING(vm, MON_CAT_SHADOW))
		goto install;
	if (f->shadow_hit) {
		mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "shadow_hit", &e, "shadow hit: no guest walk");
	} else if (f->walked) {
		const struct shadow_walk *w = &f->walk;
		if (w->status == SHADOW_WALK_OK) {
			struct mon_event r = { .has = MON_EV_PA, .pa = f->pa };
			mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "walk", &r,
				       "shadow miss; walk guest PT cr3=PA 0x%llx: %u refs -> PA 0x%llx",
				       (unsigned long long)f->cr3, w->nrefs, (unsigned long long)f->pa);
		} else {
			mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "walk", NULL,
				       "shadow miss; walk guest PT cr3=PA 0x%llx: %u refs -> #PF err 0x%x",
				       (unsigned long long)f->cr3, w->nrefs, w->err);
		}
		for (unsigned i = 0; i < w->nrefs; i++) {
			struct mon_event r = { .has = MON_EV_PA | MON_EV_VALUE, .pa = w->ref[i].pa,
					       .value = w->ref[i].val };
			mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "walk_ref", &r,
				       "  L%u entry at PA 0x%llx = 0x%llx", w->ref[i].level,
				       (unsigned long long)w->ref[i].pa, (unsigned long long)w->ref[i].val);
		}
	}
	if (f->kind == SHADOW_HIDDEN_FAULT) {
		struct mon_event r = { .has = MON_EV_PA | MON_EV_MA, .pa = f->pa, .ma = f->ma };
		mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "pmap", &r, "pmap PA 0x%llx -> MA 0x%llx",
			       (unsigned long long)f->pa, (unsigned long long)f->ma);
	}
install:
	if (f->kind == SHADOW_HIDDEN_FAULT && MON_TRACING(vm, MON_CAT_TLB)) {
		char perm[16];
		struct mon_event r = { .has = MON_EV_VA | MON_EV_MA | MON_EV_SETWAY, .va = f->va_page,
				       .ma = f->ma, .set = (int)f->ins.slot.set, .way = (int)f->ins.slot.way };
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "tlb_install", &r,
			       "TLB install VA 0x%llx -> MA 0x%llx [set %u way %u] %s",
			       (unsigned long long)f->va_page, (unsigned long long)f->ma, f->ins.slot.set,
			       f->ins.slot.way, tlb_perm_str(f->perm, perm));
		if (f->ins.evicted) {
			struct mon_event v = { .has = MON_EV_VA | MON_EV_MA, .va = f->ins.victim.va,
					       .ma = f->ins.victim.ma };
			mon_trace_emit(vm, MON_CAT_TLB, "VMM", "tlb_evict", &v,
				       "  evicted VA 0x%llx -> MA 0x%llx", (unsigned long long)f->ins.victim.va,
				       (unsigned long long)f->ins.victim.ma);
		}
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "retry", NULL, "-> %s retry", vm->who);
	}
}

/* Run the fill; out of shadow frames once, drop all shadow state and retry. */
static enum shadow_fill_kind do_fill(struct vm *vm, struct shadow_fill *f, va_t va, enum cpu_access acc)
{
	enum shadow_fill_kind k = shadow_fill(&vm->sh, f, va, acc, vm->cpu.icount);
	if (k == SHADOW_FILL_ERROR && vm->mf.nfree == 0) {
		if (MON_TRACING(vm, MON_CAT_SHADOW))
			mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "shadow_reset", NULL,
				       "shadow pool exhausted: all shadow tables and this VM's TLB entries dropped");
		vm->stats.shadow_resets++;
		shadow_reset(&vm->sh);
		tlb_flush_vmid(&vm->tlb, (uint16_t)vm->vmid, false, TLB_CAUSE_SHADOW);
		cpu_ftlb_flush(&vm->cpu);
		k = shadow_fill(&vm->sh, f, va, acc, vm->cpu.icount);
	}
	if (f->walked)
		vm->stats.walk_refs += f->walk.nrefs;
	return k;
}

/* Handle the fill outcomes that do not need the PT-write window. Returns true if handled. */
static bool fill_outcome(struct vm *vm, struct shadow_fill *f, enum shadow_fill_kind k)
{
	switch (k) {
	case SHADOW_HIDDEN_FAULT:
		vm->stats.hidden_faults++;
		vm->stats.shadow_fills++;
		return true;
	case SHADOW_TRUE_FAULT:
		vm->stats.true_faults++;
		vm->v.cr2 = f->va;
		if (MON_TRACING(vm, MON_CAT_FAULT)) {
			struct mon_event e = { .has = MON_EV_VA, .va = f->va };
			mon_trace_emit(vm, MON_CAT_FAULT, "VMM", "true_fault", &e,
				       "true fault: guest PT has no valid mapping for VA 0x%llx (%s), inject #PF err 0x%x",
				       (unsigned long long)f->va, acc_name(f->acc), f->err);
		}
		mon_reflect(vm, VEC_PF, true, f->err, false, "#PF");
		return true;
	case SHADOW_BAD_PA:
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1,
			    "guest maps VA 0x%llx to PA 0x%llx outside its %llu MiB of memory (%s)",
			    (unsigned long long)f->va, (unsigned long long)f->walk.pa,
			    (unsigned long long)(vm->cfg.mem_size >> 20), f->why ? f->why : "no frame");
		return true;
	case SHADOW_FILL_ERROR:
		mon_vm_halt(vm, vm->mf.nfree == 0 ? MON_STOP_NO_MEMORY : MON_STOP_BAD_GUEST, 1,
			    "cannot map VA 0x%llx: %s", (unsigned long long)f->va, f->why ? f->why : "monitor error");
		return true;
	default:
		return false;
	}
}

/* Emulate a write to a guest PT page: open the window, single-step, compare. */
static void pt_write(struct vm *vm, const struct shadow_fill *f)
{
	struct cpu *cpu = &vm->cpu;
	if (shadow_ptwrite_begin(&vm->sh, f)) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "cannot emulate the PT write at VA 0x%llx",
			    (unsigned long long)f->va);
		return;
	}
	enum cpu_exit_reason r = CPU_EXIT_NONE;
	for (int tries = 0; tries < 8; tries++) {
		r = cpu_step(cpu);
		if (r != CPU_EXIT_TLB_MISS)
			break;
		struct shadow_fill g;
		enum shadow_fill_kind k = do_fill(vm, &g, cpu->exit.va, cpu->exit.access);
		trace_fill(vm, &g);
		if (k != SHADOW_HIDDEN_FAULT) {
			struct shadow_ptw_rec rec;
			shadow_ptwrite_end(&vm->sh, &rec);
			if (k == SHADOW_PT_WRITE)
				mon_vm_halt(vm, MON_STOP_UNSUPPORTED, 1,
					    "instruction at RIP 0x%llx writes two guest PT pages at once",
					    (unsigned long long)cpu->rip);
			else
				fill_outcome(vm, &g, k);
			return;
		}
		fill_outcome(vm, &g, k);
	}
	mon_vm_account(vm);
	struct shadow_ptw_rec rec;
	memset(&rec, 0, sizeof rec);
	shadow_ptwrite_end(&vm->sh, &rec);
	vm->stats.pt_writes += rec.nchanged;
	if (MON_TRACING(vm, MON_CAT_PT)) {
		for (unsigned i = 0; i < rec.nchanged && i < SHADOW_PTW_REC_MAX; i++) {
			struct mon_event e = { .has = MON_EV_PA | MON_EV_VALUE, .pa = rec.ch[i].pa,
					       .value = rec.ch[i].new_ };
			mon_trace_emit(vm, MON_CAT_PT, "VMM", "pt_write", &e,
				       "traced PT write at PA 0x%llx: 0x%llx -> 0x%llx (shadow cleared %u, TLB dropped %u)",
				       (unsigned long long)rec.ch[i].pa, (unsigned long long)rec.ch[i].old,
				       (unsigned long long)rec.ch[i].new_, rec.shadow_cleared, rec.tlb_dropped);
		}
	}
	if (r != CPU_EXIT_NONE && r != CPU_EXIT_BUDGET && r != CPU_EXIT_TLB_MISS) {
		if ((unsigned)r <= CPU_EXIT_UNSUPPORTED)
			vm->stats.exits[r]++;
		mon_exit_dispatch(vm);
	}
}

void mon_handle_miss(struct vm *vm, va_t va, enum cpu_access acc)
{
	struct shadow_fill f;
	enum shadow_fill_kind k = do_fill(vm, &f, va, acc);
	trace_fill(vm, &f);
	if (fill_outcome(vm, &f, k))
		return;
	if (k == SHADOW_PT_WRITE) {
		pt_write(vm, &f);
		return;
	}
	mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "TLB miss at VA 0x%llx left pending", (unsigned long long)va);
}
