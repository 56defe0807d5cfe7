/*
 * shadow/mmu.c — the per-VM shadow state's life cycle, the struct cpu_mmu
 * the CPU calls in shadow mode (TLB lookup, and on a miss the hardware walk
 * of the shadow table), and the isolation check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

int shadow_vm_init(struct shadow_vm *vm, struct shadow_mframe *mf, struct tlb *tlb,
		   uint16_t vmid, uint64_t mem_size, unsigned roots_max,
		   uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	memset(vm, 0, sizeof *vm);
	if (roots_max == 0)
		roots_max = SHADOW_ROOTS_DEFAULT;
	if (roots_max > SHADOW_ROOTS_MAX || !tlb)
		return -1;
	if (shadow_pmap_init(&vm->pmap, mf, vmid, mem_size) < 0)
		return -1;
	vm->pt = calloc(vm->pmap.npages, sizeof *vm->pt);
	vm->mapped_w = calloc(vm->pmap.npages, 1);
	vm->vmid = vmid;
	if (!vm->pt || !vm->mapped_w || (mf->pool && shadow_ocpool_join(mf->pool, vm, false))) {
		free(vm->pt);
		free(vm->mapped_w);
		shadow_pmap_free(&vm->pmap);
		return -1;
	}
	vm->vmid = vmid;
	vm->mf = mf;
	vm->tlb = tlb;
	vm->roots_max = roots_max;
	vm->unshadow_writes = SHADOW_UNSHADOW_WRITES;
	for (unsigned i = 0; i < SHADOW_ROOTS_MAX; i++)
		vm->root[i].l4[0] = vm->root[i].l4[1] = MA_NONE;
	vm->cr0 = cr0;
	vm->cr3 = cr3 & ~CR3_NOFLUSH;
	vm->cr4 = cr4;
	vm->efer = efer;
	vm->view = TLB_VIEW_KERNEL;
	vm->cur = -1;
	shadow_root_switch(vm, vm->cr3, NULL, NULL);
	return 0;
}

void shadow_vm_free(struct shadow_vm *vm)
{
	if (!vm->pt)
		return;
	shadow_roots_drop(vm);
	for (uint64_t p = 0; p < vm->pmap.npages; p++)
		if (vm->pt[p])
			shadow_ptpage_forget(vm, p);
	tlb_flush_vmid(vm->tlb, vm->vmid, false, TLB_CAUSE_SHADOW);
	shadow_pmap_free(&vm->pmap);
	free(vm->pt);
	free(vm->mapped_w);
	vm->pt = NULL;
	vm->mapped_w = NULL;
}

void shadow_attach_cpu(struct shadow_vm *vm, struct cpu *cpu)
{
	vm->cpu = cpu;
	cpu->mmu.translate = shadow_mmu_translate;
	cpu->mmu.ctx = vm;
	cpu_ftlb_flush(cpu);
}

void shadow_tlb_drop_hook(void *ctx, const struct tlb_entry *e, enum tlb_cause cause)
{
	struct cpu *cpu = ctx;
	(void)cause;
	if (!cpu)
		return;
	if (e->perm & TLB_LARGE)
		cpu_ftlb_flush(cpu);
	else
		cpu_ftlb_invalidate(cpu, e->va);
}

uint16_t shadow_asid(const struct shadow_vm *vm)
{
	return (vm->cr4 & CR4_PCIDE) ? (uint16_t)(vm->cr3 & CR3_PCID_MASK) : 0;
}

unsigned shadow_walk_flags(const struct shadow_vm *vm, enum tlb_view view)
{
	unsigned f = 0;
	if (view == TLB_VIEW_USER)
		f |= SHADOW_WALK_USER;
	if (vm->cr0 & CR0_WP)
		f |= SHADOW_WALK_WP;
	if (vm->efer & EFER_NXE)
		f |= SHADOW_WALK_NXE;
	if (vm->cr4 & CR4_PGE)
		f |= SHADOW_WALK_PGE;
	return f;
}

/* The hardware walk; returns the TLB entry it installed, or NULL (a shadow page fault). */
static struct tlb_entry *hwalk(struct shadow_vm *vm, struct shadow_hwalk *w, va_t va,
			       enum cpu_access acc, enum tlb_view view, uint64_t now)
{
	memset(w, 0, sizeof *w);
	w->va = va;
	w->acc = acc;
	w->view = view;
	w->ma = MA_NONE;
	w->root = vm->cur >= 0 ? vm->root[vm->cur].l4[view] : MA_NONE;
	struct shadow_lookup l;
	bool present = shadow_lookup_va(vm, view, va, &l);
	w->nrefs = l.levels;
	memcpy(w->entry_ma, l.entry_ma, sizeof w->entry_ma);
	memcpy(w->entry, l.entry, sizeof w->entry);
	vm->stats.hw_walks++;
	vm->stats.hw_walk_refs += l.levels;
	if (!present)
		return NULL;
	if (!shadow_spte_allows(l.entry[3], acc)) {
		w->denied = true;
		return NULL;
	}
	w->perm = shadow_spte_perm(vm, l.entry[3]);
	w->ma = l.ma;
	struct tlb_entry e = {
		.vmid = vm->vmid, .asid = shadow_asid(vm), .view = (uint8_t)view, .perm = (uint8_t)w->perm,
		.va = va & PAGE_MASK, .ma = l.ma, .pa = shadow_ma_to_pa(&vm->pmap, l.ma),
	};
	struct tlb_entry *in = tlb_insert(vm->tlb, &e, now, &w->ins);
	w->ok = in != NULL;
	vm->stats.hw_refills += w->ok;
	return in;
}

bool shadow_hwalk(struct shadow_vm *vm, struct shadow_hwalk *w, va_t va, enum cpu_access acc,
		  enum tlb_view view, uint64_t now)
{
	return hwalk(vm, w, va, acc, view, now) != NULL;
}

enum mmu_result shadow_mmu_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				     unsigned cpl, struct mmu_xlat *out)
{
	struct shadow_vm *vm = ctx;
	enum tlb_view view = cpl == 0 ? TLB_VIEW_KERNEL : vm->view;
	if (vm->ptw.active && acc == ACC_WRITE && (va & PAGE_MASK) == vm->ptw.va &&
	    view == vm->ptw.view) {
		out->ma = vm->ptw.ma | (va & (PAGE_SIZE - 1));
		out->cacheable = false;
		out->touch = NULL;
		return MMU_OK;
	}
	struct tlb_key k = { .vmid = vm->vmid, .asid = shadow_asid(vm), .view = (uint8_t)view, .va = va };
	unsigned need = acc == ACC_WRITE ? TLB_W : acc == ACC_EXEC ? TLB_X : TLB_R;
	struct tlb_entry *e = tlb_lookup_perm(vm->tlb, &k, need, cpu->icount, NULL, NULL);
	if (!e && !(vm->sw_user && view == TLB_VIEW_USER)) {
		vm->hwalk_new = true;
		e = hwalk(vm, &vm->hwalk, va, acc, view, cpu->icount);
	}
	if (!e) {
		vm->miss_pending = true;
		vm->miss_view = view;
		vm->miss_va = va;
		return MMU_MISS;
	}
	uint64_t size = (e->perm & TLB_LARGE) ? TLB_LARGE_SIZE : PAGE_SIZE;
	out->ma = e->ma + (va & (size - 1));
	out->cacheable = true;
	out->touch = &e->stamp;
	return MMU_OK;
}

struct iso_ctx {
	const struct shadow_vm *vm;
	unsigned bad;
	char *why;
	size_t n;
};

static void violation(struct iso_ctx *c, const char *what, va_t va, ma_t ma, uint16_t owner)
{
	if (c->bad++ == 0 && c->why)
		snprintf(c->why, c->n, "vm%u: %s VA 0x%llx -> MA 0x%llx owned by %s%u", c->vm->vmid, what,
			 (unsigned long long)va, (unsigned long long)ma,
			 owner == SHADOW_OWNER_MONITOR ? "monitor" : owner == SHADOW_OWNER_FREE ? "nobody" : "vm",
			 owner < SHADOW_OWNER_MONITOR ? owner : 0);
}

static void iso_entry(void *ctx, int root, enum tlb_view view, unsigned level, va_t va, ma_t ema,
		      uint64_t e)
{
	struct iso_ctx *c = ctx;
	(void)root;
	(void)view;
	(void)ema;
	ma_t t = e & PTE_ADDR_MASK;
	uint16_t o = shadow_mframe_owner(c->vm->mf, t);
	if (level > 1 && o != SHADOW_OWNER_MONITOR)
		violation(c, "shadow table entry", va, t, o);
	/* a read-only mapping of a frame shared with other VMs (--share-pages) is allowed */
	bool shared = level == 1 && shadow_share_is_shared(&c->vm->pmap, t);
	if (shared && (e & PTE_RW)) /* a write through it would reach the other sharers */
		violation(c, "writable shadow leaf of a shared frame", va, t, o);
	else if (level == 1 && o != c->vm->vmid && !shared)
		violation(c, "shadow leaf", va, t, o);
}

unsigned shadow_check_isolation(const struct shadow_vm *vm, char *why, size_t n)
{
	struct iso_ctx c = { vm, 0, why, n };
	if (why && n)
		why[0] = '\0';
	shadow_for_each_entry(vm, iso_entry, &c);
	const struct tlb *t = vm->tlb;
	for (unsigned s = 0; s < t->sets; s++) {
		for (unsigned w = 0; w < t->ways; w++) {
			const struct tlb_entry *e = tlb_entry_at(t, s, w);
			if (!e->valid || e->vmid != vm->vmid)
				continue;
			uint64_t size = (e->perm & TLB_LARGE) ? TLB_LARGE_SIZE : PAGE_SIZE;
			for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
				uint16_t o = shadow_mframe_owner(vm->mf, e->ma + off);
				bool shared = shadow_share_is_shared(&vm->pmap, e->ma + off);
				if ((o != vm->vmid && !(shared && !(e->perm & TLB_W))) || (shared && (e->perm & TLB_W))) {
					violation(&c, shared ? "TLB entry writable to a shared frame" : "TLB entry", e->va + off,
						  e->ma + off, o);
					break;
				}
			}
			if (e->pa != PA_NONE && shadow_pa_to_ma(&vm->pmap, e->pa) != e->ma)
				violation(&c, "TLB entry not the pmap's frame", e->va, e->ma,
					  shadow_mframe_owner(vm->mf, e->ma));
		}
	}
	return c.bad;
}
