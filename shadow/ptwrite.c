/*
 * shadow/ptwrite.c — keeping shadow tables and the TLB coherent with the
 * guest's page tables: which guest pages are page-table pages (learned from
 * walks), traced writes to them, and the x86 rules for invlpg, CR3, CR0, CR4
 * and EFER.
 *
 * Every guest PT page a successful walk read is recorded with its "uses":
 * (guest CR3, level, first VA the table maps). The shadow maps PT pages
 * read-only, so a guest write to one exits; after emulating it, each changed
 * entry i of a use (cr3, L, base) governs VAs [base + i*span(L), +span(L)):
 * that range is cleared from the shadow root of cr3 (both views) and from the
 * TLB (all ASIDs and views of the VM, globals too).
 *
 * A page that takes vm->unshadow_writes changed entries with no walk
 * through it in between (a freed table page reused for data, or a table being
 * rebuilt) is "unshadowed": everything derived from it (the shadow subtree its
 * parent entry points to, in every recorded use) is dropped and it is no
 * longer tracked, so its writes stop trapping; the next walk through it marks
 * it again. Unshadowing a PML4 empties that CR3's shadow root and flushes
 * the VM's TLB entries (a freed PML4 reused for data is the usual case).
 * SIMPLIFICATION: a page with more than SHADOW_PTUSE_MAX distinct uses goes
 * "wild": a write to it resets all shadow state of the VM.
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

static va_t canonical(va_t va)
{
	return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : (va & 0x0000ffffffffffffull);
}

bool shadow_is_pt_page(const struct shadow_vm *vm, pa_t pa)
{
	uint64_t p = pa >> PAGE_SHIFT;
	return p < vm->pmap.npages && vm->pt[p] != NULL;
}

void shadow_ptpage_forget(struct shadow_vm *vm, uint64_t p)
{
	free(vm->pt[p]);
	vm->pt[p] = NULL;
	vm->stats.pt_pages--;
}

static void add_use(struct shadow_ptpage *pg, const struct shadow_ptuse *u)
{
	if (pg->wild)
		return;
	for (unsigned i = 0; i < pg->nuse; i++)
		if (pg->use[i].cr3 == u->cr3 && pg->use[i].level == u->level &&
		    pg->use[i].va_base == u->va_base)
			return;
	if (pg->nuse == SHADOW_PTUSE_MAX) {
		pg->wild = true;
		return;
	}
	pg->use[pg->nuse++] = *u;
}

/*
 * Record every table page a successful walk read as a guest PT page. A page
 * that becomes one while some shadow leaf maps it writable is write-protected
 * now: those leaves lose RW and the TLB forgets the frame.
 */
void shadow_pt_mark(struct shadow_vm *vm, const struct shadow_walk *w)
{
	for (unsigned i = 0; i < w->nrefs; i++) {
		const struct shadow_walk_ref *r = &w->ref[i];
		uint64_t p = r->pa >> PAGE_SHIFT;
		if (r->outside || p >= vm->pmap.npages)
			continue;
		if (vm->pt[p])
			vm->pt[p]->writes = 0;
		if (!vm->pt[p]) {
			vm->pt[p] = calloc(1, sizeof *vm->pt[p]);
			if (!vm->pt[p])
				continue; /* no host memory: the page just is not tracked */
			vm->stats.pt_pages++;
			if (vm->mapped_w[p]) {
				ma_t frame = vm->pmap.frame[p];
				shadow_protect_frame(vm, frame);
				struct tlb_match m = { .match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = frame };
				tlb_invalidate(vm->tlb, &m, TLB_CAUSE_PTWRITE);
				vm->mapped_w[p] = 0;
			}
		}
		uint64_t table_span = shadow_level_span(r->level) * 512;
		struct shadow_ptuse u = {
			.cr3 = w->cr3, .level = r->level,
			.va_base = w->va & ~(table_span - 1) & 0x0000ffffffffffffull,
		};
		add_use(vm->pt[p], &u);
	}
}

/* Root index caching guest cr3, or -1. */
static int root_of(const struct shadow_vm *vm, pa_t cr3)
{
	for (unsigned i = 0; i < vm->roots_max; i++)
		if (vm->root[i].valid && vm->root[i].cr3 == cr3)
			return (int)i;
	return -1;
}

/* Entry `idx` of PT page p changed: clear what it governs from shadow and TLB. */
static void invalidate_entry(struct shadow_vm *vm, uint64_t p, unsigned idx, struct shadow_ptw_rec *rec)
{
	struct shadow_ptpage *pg = vm->pt[p];
	if (pg->wild) {
		shadow_reset(vm); /* frees pg */
		rec->tlb_dropped += tlb_flush_vmid(vm->tlb, vm->vmid, false, TLB_CAUSE_PTWRITE);
		rec->wild = true;
		return;
	}
	va_t done_lo[SHADOW_PTUSE_MAX];
	unsigned ndone = 0;
	for (unsigned i = 0; i < pg->nuse; i++) {
		const struct shadow_ptuse *u = &pg->use[i];
		uint64_t span = shadow_level_span(u->level);
		va_t va = canonical(u->va_base + idx * span);
		rec->shadow_cleared += shadow_clear_range(vm, root_of(vm, u->cr3), va, u->level);
		bool seen = false;
		for (unsigned k = 0; k < ndone; k++)
			seen |= done_lo[k] == va;
		if (seen)
			continue;
		done_lo[ndone++] = va;
		struct tlb_match m = { .match = TLB_M_VMID | TLB_M_RANGE, .vmid = vm->vmid,
				       .va_lo = va, .va_hi = va + span - 1 };
		rec->tlb_dropped += tlb_invalidate(vm->tlb, &m, TLB_CAUSE_PTWRITE);
	}
}

/* Stop tracking PT page p: drop every shadow subtree and TLB range derived from it. */
static void unshadow(struct shadow_vm *vm, uint64_t p, struct shadow_ptw_rec *rec)
{
	struct shadow_ptpage *pg = vm->pt[p];
	bool root = false;
	for (unsigned i = 0; i < pg->nuse; i++) {
		const struct shadow_ptuse *u = &pg->use[i];
		if (u->level == 4) {
			/* a PML4: everything under that CR3's shadow root */
			rec->shadow_cleared += shadow_root_empty(vm, root_of(vm, u->cr3));
			root = true;
			continue;
		}
		unsigned parent = u->level + 1u;
		va_t va = canonical(u->va_base);
		rec->shadow_cleared += shadow_clear_range(vm, root_of(vm, u->cr3), va, parent);
		struct tlb_match m = { .match = TLB_M_VMID | TLB_M_RANGE, .vmid = vm->vmid, .va_lo = va,
				       .va_hi = va + shadow_level_span(parent) - 1 };
		rec->tlb_dropped += tlb_invalidate(vm->tlb, &m, TLB_CAUSE_PTWRITE);
	}
	if (root)
		rec->tlb_dropped += tlb_flush_vmid(vm->tlb, vm->vmid, false, TLB_CAUSE_PTWRITE);
	shadow_ptpage_forget(vm, p);
	vm->stats.unshadowed++;
	rec->unshadowed = true;
}

/* Entry at pa changed from old to new: record it and invalidate. */
static void changed(struct shadow_vm *vm, pa_t pa, uint64_t old, uint64_t new_,
		    struct shadow_ptw_rec *rec)
{
	if (rec->nchanged < SHADOW_PTW_REC_MAX)
		rec->ch[rec->nchanged] = (struct shadow_ptw_change){ pa, old, new_ };
	rec->nchanged++;
	vm->stats.pt_writes++;
	uint64_t p = pa >> PAGE_SHIFT;
	if (!vm->pt[p])
		return;
	invalidate_entry(vm, p, (unsigned)((pa & (PAGE_SIZE - 1)) >> 3), rec);
	if (vm->pt[p] && vm->unshadow_writes && ++vm->pt[p]->writes >= vm->unshadow_writes)
		unshadow(vm, p, rec);
}

/* A trapped write that changed no entry (zeroing zeros...) still counts toward unshadowing. */
static void unchanged_write(struct shadow_vm *vm, pa_t page, struct shadow_ptw_rec *rec)
{
	uint64_t p = page >> PAGE_SHIFT;
	if (rec->nchanged || p >= vm->pmap.npages || !vm->pt[p])
		return;
	if (vm->unshadow_writes && ++vm->pt[p]->writes >= vm->unshadow_writes)
		unshadow(vm, p, rec);
}

int shadow_ptwrite_emulate(struct shadow_vm *vm, pa_t pa, uint64_t value, unsigned size,
			   struct shadow_ptw_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	if ((size != 1 && size != 2 && size != 4 && size != 8) || pa >= vm->pmap.mem_size ||
	    vm->pmap.mem_size - pa < size)
		return -1;
	rec->page = pa & PAGE_MASK;
	pa_t first = pa & ~7ull, last = (pa + size - 1) & ~7ull;
	uint64_t old[2], now[2];
	for (pa_t e = first, i = 0; e <= last; e += 8, i++)
		shadow_pmap_read64(&vm->pmap, e, &old[i]);
	shadow_pmap_write(&vm->pmap, pa, &value, size); /* little-endian host, as x86 */
	if (vm->cpu)
		cpu_code_written(vm->cpu, shadow_pa_to_ma(&vm->pmap, pa), size);
	for (pa_t e = first, i = 0; e <= last; e += 8, i++) {
		shadow_pmap_read64(&vm->pmap, e, &now[i]);
		if (now[i] != old[i])
			changed(vm, e, old[i], now[i], rec);
	}
	unchanged_write(vm, rec->page, rec);
	return 0;
}

int shadow_write_pa(struct shadow_vm *vm, pa_t pa, const void *src, uint64_t len,
		    struct shadow_ptw_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	if (pa >= vm->pmap.mem_size || len > vm->pmap.mem_size - pa)
		return -1;
	const uint8_t *p = src;
	while (len) {
		uint64_t off = pa & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		pa_t page = pa & PAGE_MASK;
		ma_t ma = shadow_pa_to_ma_w(&vm->pmap, page);
		if (ma == MA_NONE)
			return -1; /* overcommitted, no frame to be had */
		shadow_pmap_mark_dirty(&vm->pmap, page);
		if (shadow_is_pt_page(vm, page)) {
			rec->page = page;
			uint64_t first = off >> 3, last = (off + n - 1) >> 3, old[512];
			memcpy(old, vm->mf->ram + ma, PAGE_SIZE);
			memcpy(vm->mf->ram + ma + off, p, n);
			const uint64_t *now = (const uint64_t *)(const void *)(vm->mf->ram + ma);
			for (uint64_t i = first; i <= last && !rec->wild; i++)
				if (now[i] != old[i])
					changed(vm, page + 8 * i, old[i], now[i], rec);
		} else {
			memcpy(vm->mf->ram + ma + off, p, n);
		}
		if (vm->cpu)
			cpu_code_written(vm->cpu, ma + off, n);
		pa += n;
		p += n;
		len -= n;
	}
	return 0;
}

int shadow_ptwrite_begin(struct shadow_vm *vm, const struct shadow_fill *f)
{
	if (vm->ptw.active || f->kind != SHADOW_PT_WRITE)
		return -1;
	pa_t pa = f->walk.pa & PAGE_MASK;
	ma_t ma = shadow_pa_to_ma_w(&vm->pmap, pa);
	if (ma == MA_NONE)
		return -1;
	vm->ptw.active = true;
	vm->ptw.view = f->view;
	vm->ptw.va = f->va & PAGE_MASK;
	vm->ptw.pa = pa;
	vm->ptw.ma = ma;
	memcpy(vm->ptw.snap, vm->mf->ram + ma, PAGE_SIZE);
	shadow_pmap_mark_dirty(&vm->pmap, pa); /* the CPU writes it inside the window */
	return 0;
}

int shadow_ptwrite_end(struct shadow_vm *vm, struct shadow_ptw_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	if (!vm->ptw.active)
		return -1;
	vm->ptw.active = false;
	rec->page = vm->ptw.pa;
	const uint64_t *now = (const uint64_t *)(const void *)(vm->mf->ram + vm->ptw.ma);
	for (unsigned i = 0; i < 512; i++) {
		if (now[i] == vm->ptw.snap[i])
			continue;
		changed(vm, vm->ptw.pa + 8ull * i, vm->ptw.snap[i], now[i], rec);
		if (rec->wild)
			break; /* everything was reset already */
	}
	unchanged_write(vm, rec->page, rec);
	return 0;
}

void shadow_invlpg(struct shadow_vm *vm, va_t va, struct shadow_flush_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->evicted_cr3 = PA_NONE;
	rec->tlb_dropped = tlb_invlpg(vm->tlb, vm->vmid, shadow_asid(vm), va, TLB_CAUSE_INVLPG);
	rec->shadow_cleared = shadow_clear_range(vm, vm->cur, va & PAGE_MASK, 1);
	vm->stats.invlpgs++;
}

void shadow_write_cr3(struct shadow_vm *vm, uint64_t cr3, struct shadow_flush_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	bool pcide = (vm->cr4 & CR4_PCIDE) != 0;
	bool noflush = pcide && (cr3 & CR3_NOFLUSH);
	vm->cr3 = cr3 & ~CR3_NOFLUSH;
	if (!noflush) {
		rec->flushed_tlb = true;
		if (pcide)
			rec->tlb_dropped = tlb_flush_asid(vm->tlb, vm->vmid, shadow_asid(vm), true,
							  TLB_CAUSE_CR3);
		else
			rec->tlb_dropped = tlb_flush_vmid(vm->tlb, vm->vmid, true, TLB_CAUSE_CR3);
	}
	shadow_root_switch(vm, vm->cr3, &rec->root_hit, &rec->evicted_cr3);
	if (vm->cpu)
		cpu_ftlb_flush(vm->cpu);
	vm->stats.cr3_writes++;
}

void shadow_set_paging(struct shadow_vm *vm, uint64_t cr0, uint64_t cr4, uint64_t efer,
		       struct shadow_flush_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->evicted_cr3 = PA_NONE;
	bool rules = ((vm->cr0 ^ cr0) & (CR0_WP | CR0_PG)) || ((vm->efer ^ efer) & EFER_NXE);
	bool flush = rules || ((vm->cr4 ^ cr4) & CR4_PGE) ||
		     ((vm->cr4 & CR4_PCIDE) && !(cr4 & CR4_PCIDE));
	vm->cr0 = cr0;
	vm->cr4 = cr4;
	vm->efer = efer;
	if (rules) {
		shadow_reset(vm);
		rec->reset = true;
	}
	if (flush) {
		rec->flushed_tlb = true;
		rec->tlb_dropped = tlb_flush_vmid(vm->tlb, vm->vmid, false, TLB_CAUSE_GLOBAL);
		if (vm->cpu)
			cpu_ftlb_flush(vm->cpu);
	}
}

void shadow_set_view(struct shadow_vm *vm, enum tlb_view view)
{
	if (vm->view == view)
		return;
	vm->view = view;
	if (vm->cpu)
		cpu_ftlb_flush(vm->cpu);
}
