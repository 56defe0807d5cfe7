/*
 * monitor/draw/live.c — picture models filled from a running VM through the
 * VMM's public API (monitor/vmm/monitor.h, tlb/, shadow/ headers): the TLB
 * as it is, and a walk with the shadow table's levels and the TLB entry.
 * Used by the console's `draw` command and by the browser front end.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/draw/draw.h"
#include "monitor/vmm/monitor.h"
#include "shadow/shadow.h"

int draw_tlb_from_vm(struct draw_tlb *d, struct vm *vm, char *err, size_t errlen)
{
	const struct tlb *t = mon_vm_tlb(vm);
	if (t->sets > DRAW_TLB_MAX_SETS || t->ways > DRAW_TLB_MAX_WAYS) {
		snprintf(err, errlen, "a %ux%u TLB is too large to draw (at most %dx%d)", t->sets, t->ways,
			 DRAW_TLB_MAX_SETS, DRAW_TLB_MAX_WAYS);
		return -1;
	}
	memset(d, 0, sizeof *d);
	d->sets = t->sets;
	d->ways = t->ways;
	d->now = mon_vm_tlb_now(vm); /* the TLB is the host's: ages in the running VM's clock */
	for (unsigned set = 0; set < t->sets; set++)
		for (unsigned way = 0; way < t->ways; way++) {
			const struct tlb_entry *e = tlb_entry_at(t, set, way);
			struct draw_tlb_entry *o = &d->e[set * t->ways + way];
			if (!e || !e->valid)
				continue;
			o->valid = true;
			o->vmid = e->vmid;
			o->asid = e->asid;
			o->asid_known = true;
			o->kernel_view = e->view == TLB_VIEW_KERNEL;
			o->va = e->va;
			o->ma = e->ma;
			o->stamp = e->stamp;
			tlb_perm_str(e->perm, o->perm);
		}
	return 0;
}

/* The shadow table's entries for w->va in the current view, top level first. */
static void shadow_levels(struct draw_walk *w, struct vm *vm)
{
	struct shadow_vm *sh = mon_vm_shadow(vm);
	if (!sh || sh->cur < 0)
		return;
	ma_t table = sh->root[sh->cur].l4[sh->view];
	for (unsigned level = 4; level >= 1 && table != MA_NONE; level--) {
		ma_t at = table + 8ull * shadow_pt_index(level, w->va);
		uint64_t e;
		if (mon_read_ma(vm, at, &e, sizeof e) != sizeof e)
			return;
		w->sh_ma[w->nshadow] = at;
		w->sh_val[w->nshadow++] = e;
		if (!(e & PTE_P) || (e & PTE_PS))
			return;
		table = e & PTE_ADDR_MASK;
	}
}

/* The TLB entry for w->va in the current view and address space, if any. */
static void tlb_entry(struct draw_walk *w, struct vm *vm)
{
	struct shadow_vm *sh = mon_vm_shadow(vm);
	if (!sh)
		return;
	struct tlb_key key = {.vmid = (uint16_t)mon_vm_id(vm), .asid = shadow_asid(sh),
			      .view = (uint8_t)sh->view, .va = w->va};
	struct tlb_slot slot;
	const struct tlb_entry *e = tlb_probe(mon_vm_tlb(vm), &key, &slot);
	if (!e)
		return;
	w->tlb_ok = true;
	w->set = (int)slot.set;
	w->way = (int)slot.way;
	char perm[32];
	snprintf(w->perm, sizeof w->perm, "%s", tlb_perm_str(e->perm, perm));
}

void draw_walk_from_vm(struct draw_walk *w, struct vm *vm, uint64_t va)
{
	memset(w, 0, sizeof *w);
	w->va = va;
	struct mon_xlat x;
	mon_translate(vm, va, &x);
	w->has_cr3 = true;
	w->cr3 = mon_vm_vcpu(vm)->cr3 & CR3_ADDR_MASK;
	for (unsigned i = 0; i < x.nrefs && i < 4; i++) {
		w->ref_pa[i] = x.ref_pa[i];
		w->ref_val[i] = x.ref_val[i];
	}
	w->nrefs = x.nrefs < 4 ? x.nrefs : 4;
	w->pa_ok = x.pa_ok;
	w->pa = x.pa;
	w->ma_ok = x.pa_ok && x.ma_ok;
	w->ma = x.ma;
	if (!x.pa_ok) {
		w->fault = true;
		snprintf(w->fault_text, sizeof w->fault_text, "the guest would take #PF, error code 0x%x",
			 x.pf_error);
		return;
	}
	shadow_levels(w, vm);
	tlb_entry(w, vm);
}

int draw_tlb_vm_svg(FILE *f, struct vm *vm, const struct draw_tlb *prev, char *err, size_t errlen)
{
	struct draw_tlb *now = malloc(sizeof *now);
	if (!now) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = draw_tlb_from_vm(now, vm, err, errlen);
	if (!rc)
		draw_tlb_svg(f, now, prev);
	free(now);
	return rc;
}
