/*
 * monitor/vmm/mmu.c — TLB misses in shadow mode. The CPU's MMU (shadow/mmu.c)
 * walks the shadow table on a TLB miss as x86 hardware does; this file traces
 * that walk (TLB miss -> hardware walk -> TLB install, no exit), and when the
 * walk faults (no shadow entry, or one without the permission) handles the
 * exit: shadow/'s fill turned into the trace of ARCHITECTURE.md (guest walk
 * -> pmap -> shadow entry -> retry: a hidden fault), true faults injected as
 * #PF into the guest kernel, writes to guest page-table pages emulated by
 * single-stepping the instruction inside a PT-write window.
 */
#include <string.h>

#include "monitor/vmm/vm.h"

static const char *acc_name(enum cpu_access a)
{
	return a == ACC_WRITE ? "write" : a == ACC_EXEC ? "exec" : "read";
}

/* Why a hardware walk faulted, for its trace line. */
static const char *hwalk_why(const struct shadow_hwalk *w, char *buf, size_t n)
{
	if (w->root == MA_NONE)
		snprintf(buf, n, "no shadow PML4 yet for this CR3 and view");
	else if (w->denied)
		snprintf(buf, n, "the shadow entry forbids the %s", acc_name(w->acc));
	else
		snprintf(buf, n, "L%u shadow entry not present", 5 - w->nrefs);
	return buf;
}

/* The trace of one hardware walk of the shadow table (no exit if it refilled the TLB). */
static void trace_hwalk(struct vm *vm, const struct shadow_hwalk *w)
{
	if (!MON_TRACING(vm, MON_CAT_TLB | MON_CAT_SHADOW))
		return; /* (every TLB miss comes here: not even the fields when nobody traces) */
	struct mon_event e = { .has = MON_EV_VA, .va = w->va };
	if (MON_TRACING(vm, MON_CAT_TLB))
		mon_trace_emit(vm, MON_CAT_TLB, NULL, "tlb_miss", &e,
			       "TLB miss VA 0x%016llx (%s) -> hardware walk of the shadow table%s",
			       (unsigned long long)w->va, acc_name(w->acc), w->ok ? " (no exit)" : "");
	if (MON_TRACING(vm, MON_CAT_SHADOW)) {
		/* before the first fill of this CR3 and view there is no shadow root: no MA to name */
		ma_t ma = w->ok ? w->ma : w->root;
		struct mon_event r = { .has = ma != MA_NONE ? MON_EV_MA : 0, .ma = ma };
		char why[64];
		if (w->ok)
			mon_trace_emit(vm, MON_CAT_SHADOW, "CPU", "hw_walk", &r,
				       "shadow walk from root MA 0x%llx: %u ref%s -> MA 0x%llx",
				       (unsigned long long)w->root, w->nrefs, mon_plural(w->nrefs),
				       (unsigned long long)w->ma);
		else
			mon_trace_emit(vm, MON_CAT_SHADOW, "CPU", "shadow_fault", &r,
				       "shadow walk: %u ref%s, %s -> shadow page fault, exit to VMM",
				       w->nrefs, mon_plural(w->nrefs), hwalk_why(w, why, sizeof why));
	}
	if (!w->ok || !MON_TRACING(vm, MON_CAT_TLB))
		return;
	char perm[16];
	struct mon_event r = { .has = MON_EV_VA | MON_EV_MA | MON_EV_SETWAY, .va = w->va & PAGE_MASK,
			       .ma = w->ma, .set = (int)w->ins.slot.set, .way = (int)w->ins.slot.way };
	mon_trace_emit(vm, MON_CAT_TLB, "CPU", "tlb_install", &r,
		       "TLB install VA 0x%llx -> MA 0x%llx [set %u way %u] %s",
		       (unsigned long long)(w->va & PAGE_MASK), (unsigned long long)w->ma, w->ins.slot.set,
		       w->ins.slot.way, tlb_perm_str(w->perm, perm));
	if (w->ins.evicted) {
		struct mon_event v = { .has = MON_EV_VA | MON_EV_MA, .va = w->ins.victim.va,
				       .ma = w->ins.victim.ma };
		mon_trace_emit(vm, MON_CAT_TLB, "CPU", "tlb_evict", &v, "  evicted VA 0x%llx -> MA 0x%llx",
			       (unsigned long long)w->ins.victim.va, (unsigned long long)w->ins.victim.ma);
	}
}

enum mmu_result mon_shadow_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				     unsigned cpl, struct mmu_xlat *out)
{
	struct vm *vm = ctx;
	enum mmu_result r = shadow_mmu_translate(&vm->sh, cpu, va, acc, cpl, out);
	if (vm->sh.hwalk_new) {
		vm->sh.hwalk_new = false;
		vm->stats.hw_walks++;
		vm->stats.walk_refs += vm->sh.hwalk.nrefs;
		trace_hwalk(vm, &vm->sh.hwalk);
	}
	return r;
}

/* After LOOKUP: a shadow hit, or the head line of the guest walk w (its result). */
static void trace_lookup(struct vm *vm, const struct shadow_fill *f, const struct shadow_walk *w)
{
	if (!MON_TRACING(vm, MON_CAT_SHADOW))
		return;
	struct mon_event e = { .has = MON_EV_VA, .va = f->va };
	const char *why = f->shadow_present ? "shadow entry forbids it" : "shadow miss";
	if (f->shadow_hit) {
		mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "shadow_hit", &e,
			       "shadow entry already there: nothing to fill");
	} else if (f->walked) {
		if (w->status == SHADOW_WALK_OK) {
			struct mon_event r = { .has = MON_EV_PA, .pa = w->pa & PAGE_MASK };
			mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "walk", &r,
				       "%s; walk guest PT cr3=PA 0x%llx: %u ref%s -> PA 0x%llx", why,
				       (unsigned long long)f->cr3, w->nrefs, mon_plural(w->nrefs), (unsigned long long)(w->pa & PAGE_MASK));
		} else {
			mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "walk", NULL,
				       "%s; walk guest PT cr3=PA 0x%llx: %u ref%s -> #PF err 0x%x", why,
				       (unsigned long long)f->cr3, w->nrefs, mon_plural(w->nrefs), w->err);
		}
	}
}

static void trace_walk_ref(struct vm *vm, const struct shadow_walk_ref *ref)
{
	if (!MON_TRACING(vm, MON_CAT_SHADOW))
		return;
	struct mon_event r = { .has = MON_EV_PA | MON_EV_VALUE, .pa = ref->pa, .value = ref->val };
	mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "walk_ref", &r, "  L%u entry at PA 0x%llx = 0x%llx",
		       ref->level, (unsigned long long)ref->pa, (unsigned long long)ref->val);
}

static void trace_pmap(struct vm *vm, const struct shadow_fill *f)
{
	if (!MON_TRACING(vm, MON_CAT_SHADOW))
		return;
	struct mon_event r = { .has = MON_EV_PA | MON_EV_MA, .pa = f->pa, .ma = f->ma };
	mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "pmap", &r, "pmap PA 0x%llx -> MA 0x%llx",
		       (unsigned long long)f->pa, (unsigned long long)f->ma);
	if (f->cow)
		mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "cow_break", &r,
			       "copy-on-write: the write to shared PA 0x%llx broke its sharing, its own frame MA 0x%llx",
			       (unsigned long long)f->pa, (unsigned long long)f->ma);
}

/* The shadow leaf the VMM wrote; the retry's hardware walk will find it. */
static void trace_shadow_entry(struct vm *vm, const struct shadow_fill *f)
{
	if (!MON_TRACING(vm, MON_CAT_SHADOW))
		return;
	char perm[16];
	struct mon_event r = { .has = MON_EV_VA | MON_EV_MA, .va = f->va_page, .ma = f->ma };
	mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "shadow_fill", &r,
		       "shadow entry VA 0x%llx -> MA 0x%llx %s written at MA 0x%llx",
		       (unsigned long long)f->va_page, (unsigned long long)f->ma,
		       tlb_perm_str(shadow_spte_perm(&vm->sh, f->spte), perm), (unsigned long long)f->spte_ma);
}

static void trace_retry(struct vm *vm)
{
	if (MON_TRACING(vm, MON_CAT_TLB))
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "retry", NULL, "-> %s retry", vm->who);
}

/* The trace of a finished fill after its miss line, up to (not including) the retry. */
static void trace_body(struct vm *vm, const struct shadow_fill *f)
{
	trace_lookup(vm, f, &f->walk);
	if (f->walked)
		for (unsigned i = 0; i < f->walk.nrefs; i++)
			trace_walk_ref(vm, &f->walk.ref[i]);
	if (f->kind == SHADOW_HIDDEN_FAULT && !f->shadow_hit) {
		trace_pmap(vm, f);
		trace_shadow_entry(vm, f);
	}
}

/* The whole trace of a finished fill (its miss and shadow fault were traced by the walk). */
static void trace_fill(struct vm *vm, const struct shadow_fill *f)
{
	trace_body(vm, f);
	if (f->kind == SHADOW_HIDDEN_FAULT)
		trace_retry(vm);
}

/* The shadow pool ran out: drop every shadow table and this VM's TLB entries. */
static void pool_reset(struct vm *vm)
{
	if (MON_TRACING(vm, MON_CAT_SHADOW))
		mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "shadow_reset", NULL,
			       "shadow pool exhausted: all shadow tables and this VM's TLB entries dropped");
	vm->stats.shadow_resets++;
	shadow_reset(&vm->sh);
	tlb_flush_vmid(vm->tlb, (uint16_t)vm->vmid, false, TLB_CAUSE_SHADOW);
	cpu_ftlb_flush(&vm->cpu);
}

/* Run the fill; out of shadow frames once, drop all shadow state and retry. */
static enum shadow_fill_kind do_fill(struct vm *vm, struct shadow_fill *f, va_t va, enum cpu_access acc)
{
	enum shadow_fill_kind k = shadow_fill(&vm->sh, f, va, acc, vm->cpu.icount);
	if (k == SHADOW_FILL_ERROR && vm->mf->nfree == 0) {
		pool_reset(vm);
		k = shadow_fill(&vm->sh, f, va, acc, vm->cpu.icount);
	}
	if (f->walked)
		vm->stats.walk_refs += f->walk.nrefs;
	return k;
}

/* A true fault: the guest's CR2 and the trace line (the #PF reflection follows). */
static void true_fault(struct vm *vm, const struct shadow_fill *f)
{
	vm->stats.true_faults++;
	vm->v.cr2 = f->va;
	if (MON_TRACING(vm, MON_CAT_FAULT)) {
		struct mon_event e = { .has = MON_EV_VA, .va = f->va };
		/* The error code says which: nothing mapped, or mapped but not for this access. */
		const char *why = (f->err & PFERR_RSVD) ? "guest PT has reserved bits set for"
				  : (f->err & PFERR_P)  ? "guest PT forbids this access to"
							: "guest PT has no valid mapping for";
		mon_trace_emit(vm, MON_CAT_FAULT, "VMM", "true_fault", &e,
			       "true fault: %s VA 0x%llx (%s), inject #PF err 0x%x", why,
			       (unsigned long long)f->va, acc_name(f->acc), f->err);
	}
}

/* Handle the fill outcomes that do not need the PT-write window. Returns true if handled. */
static bool fill_outcome(struct vm *vm, struct shadow_fill *f, enum shadow_fill_kind k)
{
	switch (k) {
	case SHADOW_HIDDEN_FAULT:
		vm->stats.hidden_faults++;
		vm->stats.shadow_fills += !f->shadow_hit;
		return true;
	case SHADOW_TRUE_FAULT:
		true_fault(vm, f);
		mon_reflect(vm, VEC_PF, true, f->err, false, "#PF");
		return true;
	case SHADOW_BAD_PA:
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1,
			    "guest maps VA 0x%llx to PA 0x%llx outside its %llu MiB of memory (%s)",
			    (unsigned long long)f->va, (unsigned long long)f->walk.pa,
			    (unsigned long long)(vm->cfg.mem_size >> 20), f->why ? f->why : "no frame");
		return true;
	case SHADOW_FILL_ERROR:
		mon_vm_halt(vm, vm->mf->nfree == 0 ? MON_STOP_NO_MEMORY : MON_STOP_BAD_GUEST, 1,
			    "cannot map VA 0x%llx: %s", (unsigned long long)f->va, f->why ? f->why : "monitor error");
		return true;
	default:
		return false;
	}
}

/*
 * Inside an open PT-write window: single-step the instruction that writes the
 * PT page (a second page it touches is filled on the way). Returns the exit
 * the step ended in, or CPU_EXIT_NONE once the window has been closed early
 * (the VM stopped or a fault was reflected).
 */
static enum cpu_exit_reason pt_write_step(struct vm *vm)
{
	struct cpu *cpu = &vm->cpu;
	enum cpu_exit_reason r = CPU_EXIT_NONE;
	for (int tries = 0; tries < 8; tries++) {
		r = cpu_step(cpu);
		if (r != CPU_EXIT_TLB_MISS)
			return r;
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
			return CPU_EXIT_NONE;
		}
		fill_outcome(vm, &g, k);
	}
	return r;
}

/*
 * Emulate a write to a guest PT page: open the window, let the write happen
 * (single-step the instruction, or with ins_value store the element of an
 * ins whose port was already read), close the window and trace what changed.
 * An exit the single step ended in is left in cpu->exit for the caller's
 * loop (vm->exit_pending): exit handling never calls itself.
 */
static enum mon_miss_kind pt_write(struct vm *vm, const struct shadow_fill *f, const uint32_t *ins_value)
{
	struct cpu *cpu = &vm->cpu;
	if (shadow_ptwrite_begin(&vm->sh, f)) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "cannot emulate the PT write at VA 0x%llx",
			    (unsigned long long)f->va);
		return MON_MK_STOP;
	}
	enum cpu_exit_reason r = CPU_EXIT_NONE;
	va_t rip = cpu->rip;
	if (!ins_value) {
		r = pt_write_step(vm);
		if (!vm->sh.ptw.active) /* closed early: the VM stopped, or a fault was reflected */
			return vm->stopped ? MON_MK_STOP : MON_MK_TRUE;
	} else if (cpu_io_complete_in(cpu, *ins_value)) {
		mon_vm_halt(vm, MON_STOP_UNSUPPORTED, 1,
			    "ins element at VA 0x%llx crosses from a guest PT page into another page",
			    (unsigned long long)f->va);
	}
	/* the emulated store touched a watched range (of the PT page): a pause, not an exit */
	mon_watch_core_take(vm, rip);
	if (r == CPU_EXIT_WATCH)
		r = CPU_EXIT_NONE;
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
		vm->exit_pending = true;
	}
	return rec.nchanged ? MON_MK_PT_WRITE : MON_MK_PT_SAME;
}

/* What the monitor does once the fill f of a TLB-miss exit has ended in k;
 * the exit is counted by what it became (stats.miss_kinds). */
static void miss_outcome(struct vm *vm, struct shadow_fill *f, enum shadow_fill_kind k)
{
	enum mon_miss_kind end = k == SHADOW_HIDDEN_FAULT ? MON_MK_HIDDEN
				: k == SHADOW_TRUE_FAULT ? MON_MK_TRUE
							 : MON_MK_STOP;
	if (k == SHADOW_PT_WRITE)
		end = pt_write(vm, f, NULL);
	else if (!fill_outcome(vm, f, k))
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "TLB miss at VA 0x%llx left pending",
			    (unsigned long long)f->va);
	vm->stats.miss_kinds[end]++;
}

void mon_handle_miss(struct vm *vm, va_t va, enum cpu_access acc)
{
	struct shadow_fill f;
	enum shadow_fill_kind k = do_fill(vm, &f, va, acc);
	trace_fill(vm, &f);
	miss_outcome(vm, &f, k);
}

bool mon_complete_ins(struct vm *vm, uint32_t value)
{
	struct cpu *cpu = &vm->cpu;
	struct shadow_fill f;
	enum shadow_fill_kind k = do_fill(vm, &f, cpu->exit.sens.ea, ACC_WRITE);
	trace_fill(vm, &f);
	if (k == SHADOW_PT_WRITE) {
		pt_write(vm, &f, &value);
		return !vm->stopped;
	}
	fill_outcome(vm, &f, k);
	if (k != SHADOW_HIDDEN_FAULT)
		return false; /* a true fault was reflected: the element is lost, as on a faulting ins */
	if (cpu_io_complete_in(cpu, value)) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "ins destination 0x%llx stays unwritable",
			    (unsigned long long)cpu->exit.sens.ea);
		return false;
	}
	return true;
}

/* ---- the same miss, one phase per call (the console's stepi) ---- */

static bool is_canonical(va_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

/*
 * How the begun fill f will end, found without side effects (shadow lookup,
 * guest walk without A/D updates into *w, pmap): the console needs it to stop
 * at the miss of an `until hidden-fault` before the VMM has done anything, and
 * the walk's head line names its result before its entries are read.
 * SIMPLIFICATION: a fill that runs out of shadow frames (FILL_ERROR, then a
 * reset and a second fill) is forecast as its first try would end otherwise.
 */
static enum shadow_fill_kind forecast(struct vm *vm, const struct shadow_fill *f, struct shadow_walk *w)
{
	memset(w, 0, sizeof *w);
	if (!is_canonical(f->va))
		return SHADOW_FILL_ERROR;
	struct shadow_lookup l;
	if (shadow_lookup_va(&vm->sh, f->view, f->va, &l)) {
		if (shadow_spte_allows(l.entry[3], f->acc))
			return SHADOW_HIDDEN_FAULT;
	}
	shadow_walk_begin(w, f->cr3, f->va, f->acc, shadow_walk_flags(&vm->sh, f->view) | SHADOW_WALK_NO_AD);
	if (shadow_walk_run(w, &vm->sh.pmap) == SHADOW_WALK_FAULT)
		return SHADOW_TRUE_FAULT;
	pa_t pa = w->pa & PAGE_MASK;
	bool pt = shadow_is_pt_page(&vm->sh, pa);
	for (unsigned i = 0; i < w->nrefs; i++) /* the walk marks the tables it reads as PT pages */
		pt |= (w->ref[i].pa & PAGE_MASK) == pa && !w->ref[i].outside;
	if (f->acc == ACC_WRITE && pt)
		return SHADOW_PT_WRITE;
	if (shadow_pa_to_ma(&vm->sh.pmap, pa) == MA_NONE)
		return SHADOW_BAD_PA;
	return SHADOW_HIDDEN_FAULT;
}

void mon_miss_begin(struct vm *vm, va_t va, enum cpu_access acc)
{
	struct shadow_fill *f = &vm->fill;
	shadow_fill_begin(&vm->sh, f, va, acc, vm->cpu.icount);
	vm->fill_forecast = forecast(vm, f, &vm->fill_walk);
	vm->pending_fill = 1;
}

void mon_miss_step(struct vm *vm)
{
	struct shadow_fill *f = &vm->fill;
	if (!vm->pending_fill)
		return;
	if (vm->pending_fill == 2) { /* a true fault decided: deliver #PF through the guest's IDT */
		vm->pending_fill = 0;
		mon_reflect(vm, VEC_PF, true, f->err, false, "#PF");
		return;
	}
	if (f->phase == SHADOW_PH_DONE && f->kind == SHADOW_TRUE_FAULT) { /* CR2, then the reflection */
		vm->pending_fill = 2;
		if (f->walked)
			vm->stats.walk_refs += f->walk.nrefs;
		vm->stats.miss_kinds[MON_MK_TRUE]++;
		true_fault(vm, f);
		return;
	}
	if (f->phase == SHADOW_PH_DONE) { /* the VMM acts on the result and the guest resumes */
		vm->pending_fill = 0;
		if (f->walked)
			vm->stats.walk_refs += f->walk.nrefs;
		if (f->kind == SHADOW_HIDDEN_FAULT)
			trace_retry(vm);
		miss_outcome(vm, f, f->kind);
		return;
	}
	enum shadow_phase ph = f->phase;
	unsigned nrefs = f->walk.nrefs;
	shadow_fill_step(&vm->sh, f);
	if (f->phase == SHADOW_PH_DONE && f->kind == SHADOW_FILL_ERROR && vm->mf->nfree == 0) {
		/* as do_fill: out of shadow frames, drop everything and fill again in one go */
		pool_reset(vm);
		shadow_fill(&vm->sh, f, f->va, f->acc, f->now);
		trace_body(vm, f);
		return;
	}
	switch (ph) {
	case SHADOW_PH_LOOKUP:
		trace_lookup(vm, f, &vm->fill_walk);
		break;
	case SHADOW_PH_WALK:
		if (f->walk.nrefs > nrefs)
			trace_walk_ref(vm, &f->walk.ref[f->walk.nrefs - 1]);
		break;
	case SHADOW_PH_PMAP:
		if (f->phase != SHADOW_PH_DONE)
			trace_pmap(vm, f);
		break;
	case SHADOW_PH_SHADOW:
		if (f->kind == SHADOW_HIDDEN_FAULT)
			trace_shadow_entry(vm, f);
		break;
	case SHADOW_PH_DONE:
		break;
	}
}

bool mon_vm_miss(const struct vm *vm, struct mon_miss *out)
{
	memset(out, 0, sizeof *out);
	if (!vm->pending_fill)
		return false;
	const struct shadow_fill *f = &vm->fill;
	out->va = f->va;
	switch (vm->fill_forecast) {
	case SHADOW_HIDDEN_FAULT: out->forecast = MON_MISS_HIDDEN; break;
	case SHADOW_TRUE_FAULT: out->forecast = MON_MISS_TRUE; break;
	case SHADOW_PT_WRITE: out->forecast = MON_MISS_PT_WRITE; break;
	default: out->forecast = MON_MISS_OTHER; break;
	}
	out->step = (unsigned)f->phase * 8 + (f->phase == SHADOW_PH_WALK ? 5 - f->walk.level : 0) +
		    (vm->pending_fill == 2);
	switch (f->phase) {
	case SHADOW_PH_LOOKUP:
		snprintf(out->next, sizeof out->next, "shadow lookup");
		break;
	case SHADOW_PH_WALK:
		snprintf(out->next, sizeof out->next, "guest walk: L%u entry", f->walk.level);
		break;
	case SHADOW_PH_PMAP:
		snprintf(out->next, sizeof out->next, "pmap PA -> MA");
		break;
	case SHADOW_PH_SHADOW:
		snprintf(out->next, sizeof out->next, "write the shadow entry");
		break;
	case SHADOW_PH_DONE:
		snprintf(out->next, sizeof out->next, "%s",
			 f->kind == SHADOW_HIDDEN_FAULT ? "retry (hardware walk refills TLB)"
			 : vm->pending_fill == 2 ? "reflect #PF into the guest kernel"
			 : f->kind == SHADOW_TRUE_FAULT ? "true fault: set CR2, inject #PF"
			 : f->kind == SHADOW_PT_WRITE ? "emulate the PT write"
						      : "stop the VM");
		break;
	}
	return true;
}
