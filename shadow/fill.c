/*
 * shadow/fill.c — the TLB-miss handler of shadow mode, as a sequence of
 * phases the monitor runs at once (shadow_fill) or the console steps
 * (shadow_fill_step):
 *
 *   LOOKUP   shadow table of the current CR3 and view: a leaf allowing the
 *            access is a "shadow hit" -> done, nothing to fill (the hardware
 *            walk finds it on the retry); else (missing or write-protected)
 *   WALK     the guest's table, one entry per step; sets A/D; a fault ends in
 *            TRUE_FAULT; a write to a guest PT page ends in PT_WRITE
 *   PMAP     PA -> MA (a PA outside guest RAM ends in BAD_PA)
 *   SHADOW   write the shadow leaf: permissions = guest's ∩ monitor's
 *            (RW only if the guest allows the write, its D bit is set, and the
 *            page is not a guest PT page) -> HIDDEN_FAULT (retry)
 *
 * The VMM never writes the TLB itself (x86 has no instruction for it): the
 * guest's retry misses again and the hardware walk (mmu.c) refills the TLB
 * from the entry written here.
 */
#include <string.h>

#include "shadow/shadow.h"

static bool is_canonical(va_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

void shadow_fill_begin(struct shadow_vm *vm, struct shadow_fill *f, va_t va,
		       enum cpu_access acc, uint64_t now)
{
	memset(f, 0, sizeof *f);
	f->va = va;
	f->acc = acc;
	f->view = vm->view;
	if (vm->miss_pending && vm->miss_va == va)
		f->view = vm->miss_view;
	vm->miss_pending = false;
	f->asid = shadow_asid(vm);
	f->cr3 = vm->cr3 & CR3_ADDR_MASK;
	f->now = now;
	f->phase = SHADOW_PH_LOOKUP;
	f->kind = SHADOW_FILL_PENDING;
	f->va_page = va & PAGE_MASK;
	f->pa = PA_NONE;
	f->ma = MA_NONE;
	f->spte_ma = MA_NONE;
}

static void finish(struct shadow_fill *f, enum shadow_fill_kind kind, const char *why)
{
	f->kind = kind;
	f->why = why;
	f->phase = SHADOW_PH_DONE;
}

static void phase_lookup(struct shadow_vm *vm, struct shadow_fill *f)
{
	if (!is_canonical(f->va)) {
		finish(f, SHADOW_FILL_ERROR, "non-canonical virtual address");
		return;
	}
	struct shadow_lookup l;
	if (shadow_lookup_va(vm, f->view, f->va, &l)) {
		f->shadow_present = true;
		f->spte_ma = l.entry_ma[3];
		f->spte = l.entry[3];
		if (shadow_spte_allows(f->spte, f->acc)) {
			f->shadow_hit = true;
			f->ma = l.ma;
			f->pa = shadow_ma_to_pa(&vm->pmap, l.ma);
			finish(f, SHADOW_HIDDEN_FAULT, NULL);
			return;
		}
	}
	f->walked = true;
	shadow_walk_begin(&f->walk, f->cr3, f->va, f->acc, shadow_walk_flags(vm, f->view));
	f->phase = SHADOW_PH_WALK;
}

static void phase_walk(struct shadow_vm *vm, struct shadow_fill *f)
{
	enum shadow_walk_status st = shadow_walk_step(&f->walk, &vm->pmap);
	if (st == SHADOW_WALK_RUNNING)
		return;
	if (st == SHADOW_WALK_FAULT) {
		f->err = f->walk.err;
		finish(f, SHADOW_TRUE_FAULT, NULL);
		return;
	}
	/* the walker wrote A/D bits: the CPU must not run stale pre-decoded code there */
	for (unsigned i = 0; i < f->walk.nrefs && vm->cpu; i++)
		if (f->walk.ref[i].newval != f->walk.ref[i].val)
			cpu_code_written(vm->cpu, shadow_pa_to_ma(&vm->pmap, f->walk.ref[i].pa), 8);
	shadow_pt_mark(vm, &f->walk);
	f->pa = f->walk.pa & PAGE_MASK;
	f->pt_page = shadow_is_pt_page(vm, f->pa);
	if (f->acc == ACC_WRITE && f->pt_page) {
		finish(f, SHADOW_PT_WRITE, NULL);
		return;
	}
	f->phase = SHADOW_PH_PMAP;
}

static void phase_pmap(struct shadow_vm *vm, struct shadow_fill *f)
{
	/* LAB-HOLE-BEGIN shadow-fill stub: (void)vm; finish(f, SHADOW_FILL_ERROR, "not implemented: phase_pmap"); return; */
	/* a write to a shared page (--share-pages) gets its own frame first: COW */
	f->cow = f->acc == ACC_WRITE && shadow_share_is_shared(&vm->pmap, shadow_pa_to_ma(&vm->pmap, f->pa));
	f->ma = f->acc == ACC_WRITE ? shadow_pa_to_ma_w(&vm->pmap, f->pa) : shadow_pa_to_ma(&vm->pmap, f->pa);
	if (f->ma == MA_NONE) {
		finish(f, SHADOW_BAD_PA, "the guest page table maps a PA outside guest RAM");
		return;
	}
	/* LAB-HOLE-END shadow-fill */
	f->phase = SHADOW_PH_SHADOW;
}

static void phase_shadow(struct shadow_vm *vm, struct shadow_fill *f)
{
	/* LAB-HOLE-BEGIN shadow-fill stub: (void)vm; finish(f, SHADOW_FILL_ERROR, "not implemented: phase_shadow"); return; */
	const struct shadow_walk *w = &f->walk;
	uint64_t e = f->ma | PTE_P | PTE_A;
	/* with a dirty log, only a write makes the page writable (and dirty) */
	if (w->w && w->dirty && !f->pt_page && (!vm->pmap.dirty || f->acc == ACC_WRITE) &&
	    !shadow_share_is_shared(&vm->pmap, f->ma))
		e |= PTE_RW | PTE_D;
	if (w->u)
		e |= PTE_US;
	if (!w->x)
		e |= PTE_NX;
	if (w->ref[w->nrefs - 1].val & PTE_G) /* the guest's G bit; CR4.PGE applies at install */
		e |= PTE_G;
	if (shadow_fill_table(vm, f->view, f->va, e, &f->spte_ma, &f->tables_alloc) < 0) {
		finish(f, SHADOW_FILL_ERROR, "out of machine frames for shadow tables");
		return;
	}
	f->spte = e;
	if (e & PTE_RW) {
		vm->mapped_w[f->pa >> PAGE_SHIFT] = 1;
		shadow_pmap_mark_dirty(&vm->pmap, f->pa);
	}
	/* LAB-HOLE-END shadow-fill */
	finish(f, SHADOW_HIDDEN_FAULT, NULL);
}

static void count(struct shadow_vm *vm, const struct shadow_fill *f)
{
	struct shadow_stats *s = &vm->stats;
	s->fills++;
	s->shadow_hits += f->shadow_hit;
	if (f->walked) {
		s->walks++;
		s->walk_refs += f->walk.nrefs;
	}
	switch (f->kind) {
	case SHADOW_HIDDEN_FAULT: s->hidden_faults++; break;
	case SHADOW_TRUE_FAULT: s->true_faults++; break;
	case SHADOW_PT_WRITE: s->pt_write_exits++; break;
	case SHADOW_BAD_PA: s->bad_pa++; break;
	default: s->errors++; break;
	}
}

bool shadow_fill_step(struct shadow_vm *vm, struct shadow_fill *f)
{
	switch (f->phase) {
	case SHADOW_PH_LOOKUP: phase_lookup(vm, f); break;
	case SHADOW_PH_WALK: phase_walk(vm, f); break;
	case SHADOW_PH_PMAP: phase_pmap(vm, f); break;
	case SHADOW_PH_SHADOW: phase_shadow(vm, f); break;
	case SHADOW_PH_DONE: return true;
	}
	if (f->phase == SHADOW_PH_DONE) {
		count(vm, f);
		return true;
	}
	return false;
}

enum shadow_fill_kind shadow_fill(struct shadow_vm *vm, struct shadow_fill *f, va_t va,
				  enum cpu_access acc, uint64_t now)
{
	shadow_fill_begin(vm, f, va, acc, now);
	while (!shadow_fill_step(vm, f))
		;
	return f->kind;
}

const char *shadow_fill_kind_name(enum shadow_fill_kind k)
{
	static const char *const n[] = {
		[SHADOW_FILL_PENDING] = "pending", [SHADOW_HIDDEN_FAULT] = "hidden fault",
		[SHADOW_TRUE_FAULT] = "true fault", [SHADOW_PT_WRITE] = "pt write",
		[SHADOW_BAD_PA] = "bad pa", [SHADOW_FILL_ERROR] = "error",
	};
	return (unsigned)k <= SHADOW_FILL_ERROR ? n[k] : "?";
}

const char *shadow_phase_name(enum shadow_phase p)
{
	static const char *const n[] = {
		[SHADOW_PH_LOOKUP] = "shadow lookup", [SHADOW_PH_WALK] = "guest walk",
		[SHADOW_PH_PMAP] = "pmap", [SHADOW_PH_SHADOW] = "shadow fill",
		[SHADOW_PH_DONE] = "done",
	};
	return (unsigned)p <= SHADOW_PH_DONE ? n[p] : "?";
}

int shadow_install_pa(struct shadow_vm *vm, enum tlb_view view, va_t va, pa_t pa, unsigned perm,
		      uint64_t now, ma_t *ma, struct tlb_insert_result *ins)
{
	ma_t m = shadow_pa_to_ma(&vm->pmap, pa & PAGE_MASK);
	if (ma)
		*ma = m;
	if (m == MA_NONE)
		return -1;
	struct tlb_entry e = {
		.vmid = vm->vmid, .asid = shadow_asid(vm), .view = (uint8_t)view,
		.perm = (uint8_t)((perm & ~TLB_LARGE) | TLB_R), .va = va & PAGE_MASK, .ma = m,
		.pa = pa & PAGE_MASK,
	};
	return tlb_insert(vm->tlb, &e, now, ins) ? 0 : -1;
}
