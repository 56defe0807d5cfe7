/*
 * shadow/walk.c — the guest page-table walker: x86-64 4-level paging with
 * 4 KiB, 2 MiB and 1 GiB pages, as the hardware would do it for the guest,
 * reading the guest's tables only through its pmap.
 *
 * Steppable: shadow_walk_step reads one entry, so the console can show the
 * walk entry by entry; shadow_walk_run loops.
 *
 * SIMPLIFICATION: no SMEP, SMAP or protection keys; bits 63..48 of the VA are
 * not checked (the CPU raises #GP for non-canonical addresses before
 * translating). A/D bits are set only once the whole walk succeeded and the
 * access is allowed (real CPUs may set A on upper levels of a walk that then
 * faults; the SDM allows either).
 */
#include <string.h>

#include "shadow/shadow.h"

void shadow_walk_begin(struct shadow_walk *w, pa_t cr3, va_t va, enum cpu_access acc,
		       unsigned flags)
{
	memset(w, 0, sizeof *w);
	w->cr3 = cr3 & CR3_ADDR_MASK;
	w->va = va;
	w->acc = acc;
	w->flags = flags;
	w->status = SHADOW_WALK_RUNNING;
	w->level = 4;
	w->table = w->cr3;
	w->all_rw = w->all_us = true;
	w->pa = w->page_pa = PA_NONE;
}

uint32_t shadow_pf_access_bits(enum cpu_access acc, unsigned flags)
{
	uint32_t e = 0;
	if (acc == ACC_WRITE)
		e |= PFERR_W;
	if (flags & SHADOW_WALK_USER)
		e |= PFERR_U;
	if (acc == ACC_EXEC && (flags & SHADOW_WALK_NXE))
		e |= PFERR_I; /* the I flag exists only with NXE (or SMEP) */
	return e;
}

static enum shadow_walk_status fault(struct shadow_walk *w, uint32_t bits)
{
	w->err = bits | shadow_pf_access_bits(w->acc, w->flags);
	w->status = SHADOW_WALK_FAULT;
	return w->status;
}

/* Reserved bits set in present entry v at `level`? (Intel SDM vol. 3, 4.5) */
static bool reserved(uint64_t v, unsigned level, unsigned flags)
{
	if (v & PTE_RSVD_MASK)
		return true;
	if ((v & PTE_NX) && !(flags & SHADOW_WALK_NXE))
		return true;
	if (level == 4 && (v & PTE_PS))
		return true;
	if (level == 3 && (v & PTE_PS) && (v & 0x3fffe000ull)) /* bits 29..13 */
		return true;
	if (level == 2 && (v & PTE_PS) && (v & 0x1fe000ull)) /* bits 20..13 */
		return true;
	return false;
}

/* Permission check at the leaf; on success record the effective permissions. */
static bool allowed(struct shadow_walk *w)
{
	bool user = (w->flags & SHADOW_WALK_USER) != 0;
	bool wp = (w->flags & SHADOW_WALK_WP) != 0;
	if (user && !w->all_us)
		return false;
	bool can_write = w->all_rw || (!user && !wp); /* CR0.WP=0: supervisor writes anything */
	if (w->acc == ACC_WRITE && !can_write)
		return false;
	if (w->acc == ACC_EXEC && w->any_nx)
		return false;
	w->w = can_write;
	w->u = w->all_us;
	w->x = !w->any_nx;
	return true;
}

/* Set A in every entry read and D in the leaf for a write, through the pmap. */
static void set_accessed_dirty(struct shadow_walk *w, const struct shadow_pmap *pm)
{
	for (unsigned i = 0; i < w->nrefs; i++) {
		struct shadow_walk_ref *r = &w->ref[i];
		r->newval = r->val | PTE_A;
		if (i == w->nrefs - 1 && w->acc == ACC_WRITE)
			r->newval |= PTE_D;
		if (r->newval != r->val)
			shadow_pmap_write64(pm, r->pa, r->newval);
	}
}

enum shadow_walk_status shadow_walk_step(struct shadow_walk *w, const struct shadow_pmap *pm)
{
	if (w->status != SHADOW_WALK_RUNNING)
		return w->status;
	unsigned level = w->level;
	struct shadow_walk_ref *r = &w->ref[w->nrefs++];
	r->level = (uint8_t)level;
	r->pa = w->table + 8ull * shadow_pt_index(level, w->va);
	uint64_t v;
	if (!shadow_pmap_read64(pm, r->pa, &v)) {
		/* no RAM there: the bus returns all ones (P set, reserved bits set) */
		v = ~0ull;
		r->outside = true;
	}
	r->val = r->newval = v;

	if (!(v & PTE_P))
		return fault(w, 0);
	if (reserved(v, level, w->flags))
		return fault(w, PFERR_P | PFERR_RSVD);
	w->all_rw &= (v & PTE_RW) != 0;
	w->all_us &= (v & PTE_US) != 0;
	if ((w->flags & SHADOW_WALK_NXE) && (v & PTE_NX))
		w->any_nx = true;

	bool leaf = level == 1 || ((level == 2 || level == 3) && (v & PTE_PS));
	if (!leaf) {
		w->table = v & PTE_ADDR_MASK;
		w->level = level - 1;
		return SHADOW_WALK_RUNNING;
	}
	w->page_shift = PAGE_SHIFT + 9 * (level - 1);
	uint64_t size = 1ull << w->page_shift;
	w->page_pa = v & PTE_ADDR_MASK & ~(size - 1);
	w->pa = w->page_pa | (w->va & (size - 1));
	if (!allowed(w))
		return fault(w, PFERR_P);
	w->g = (v & PTE_G) && (w->flags & SHADOW_WALK_PGE);
	if (!(w->flags & SHADOW_WALK_NO_AD))
		set_accessed_dirty(w, pm);
	w->dirty = (r->newval & PTE_D) != 0;
	w->status = SHADOW_WALK_OK;
	return w->status;
}

enum shadow_walk_status shadow_walk_run(struct shadow_walk *w, const struct shadow_pmap *pm)
{
	while (w->status == SHADOW_WALK_RUNNING)
		shadow_walk_step(w, pm);
	return w->status;
}
