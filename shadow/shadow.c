/*
 * shadow/shadow.c — shadow page tables and the root cache.
 *
 * A shadow table maps VA -> MA directly, in the x86 entry format, in
 * monitor-owned machine frames. There is one per (guest CR3, view): the
 * kernel view holds what the guest kernel (virtual CPL 0) may touch, the user
 * view what its apps may touch (ring compression). The roots of the last few
 * CR3s are kept (bounded cache, LRU) so a context switch back to a recent
 * process finds its shadow still filled.
 *
 * Non-leaf shadow entries: table MA | P | RW | US (permissions live in the leaf).
 * Leaf shadow entries: frame MA | P | RW? | US? | G? | NX?, always 4 KiB.
 * SIMPLIFICATION: guest 2 MiB / 1 GiB pages are "splintered" into 4 KiB
 * shadow entries and TLB entries (the pmap scatters frames, so a guest large
 * page is not machine-contiguous).
 */
#include <string.h>

#include "shadow/shadow.h"

#define SPTE_TABLE (PTE_P | PTE_RW | PTE_US)

static uint64_t *word(const struct shadow_vm *vm, ma_t ma)
{
	return shadow_mframe_word(vm->mf, ma);
}

/* Free the table at `ma` of `level` and everything below it. Returns leaves dropped. */
static unsigned free_table(struct shadow_vm *vm, int r, ma_t ma, unsigned level)
{
	unsigned leaves = 0;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *word(vm, ma + 8ull * i);
		if (!(e & PTE_P))
			continue;
		if (level > 1)
			leaves += free_table(vm, r, e & PTE_ADDR_MASK, level - 1);
		else
			leaves++;
	}
	shadow_mframe_release(vm->mf, ma);
	vm->root[r].tables--;
	vm->stats.tables_freed++;
	return leaves;
}

static void root_drop(struct shadow_vm *vm, int r)
{
	struct shadow_root *rt = &vm->root[r];
	for (int v = 0; v < TLB_VIEW_COUNT; v++) {
		if (rt->l4[v] != MA_NONE)
			free_table(vm, r, rt->l4[v], 4);
		rt->l4[v] = MA_NONE;
	}
	rt->valid = false;
}

unsigned shadow_root_empty(struct shadow_vm *vm, int r)
{
	unsigned n = 0;
	if (r < 0 || !vm->root[r].valid)
		return 0;
	for (int v = 0; v < TLB_VIEW_COUNT; v++) {
		if (vm->root[r].l4[v] != MA_NONE)
			n += free_table(vm, r, vm->root[r].l4[v], 4);
		vm->root[r].l4[v] = MA_NONE;
	}
	vm->stats.shadow_entries_cleared += n;
	return n;
}

/* The root slot to reuse: an unused one, else the least recently used. */
static int root_victim(const struct shadow_vm *vm)
{
	int victim = 0;
	for (unsigned i = 0; i < vm->roots_max; i++) {
		if (!vm->root[i].valid)
			return (int)i;
		if (vm->root[i].last_use < vm->root[victim].last_use)
			victim = (int)i;
	}
	return victim;
}

int shadow_root_switch(struct shadow_vm *vm, pa_t cr3, bool *hit, pa_t *evicted_cr3)
{
	cr3 &= CR3_ADDR_MASK;
	if (evicted_cr3)
		*evicted_cr3 = PA_NONE;
	if (hit)
		*hit = false;
	for (unsigned i = 0; i < vm->roots_max; i++) {
		if (vm->root[i].valid && vm->root[i].cr3 == cr3) {
			vm->root[i].last_use = ++vm->clock;
			vm->cur = (int)i;
			vm->stats.root_hits++;
			if (hit)
				*hit = true;
			return vm->cur;
		}
	}
	int victim = root_victim(vm);
	if (vm->root[victim].valid) {
		if (evicted_cr3)
			*evicted_cr3 = vm->root[victim].cr3;
		root_drop(vm, victim);
		vm->stats.roots_evicted++;
	}
	struct shadow_root *rt = &vm->root[victim];
	rt->valid = true;
	rt->cr3 = cr3;
	rt->l4[0] = rt->l4[1] = MA_NONE;
	rt->tables = 0;
	rt->last_use = ++vm->clock;
	vm->cur = victim;
	vm->stats.roots_created++;
	return victim;
}

/* A zeroed monitor frame for a shadow table of root r; evicts other roots if needed. */
static ma_t table_alloc(struct shadow_vm *vm, int r)
{
	for (;;) {
		ma_t ma = shadow_mframe_alloc(vm->mf, SHADOW_OWNER_MONITOR);
		if (ma != MA_NONE) {
			vm->root[r].tables++;
			vm->stats.tables_alloc++;
			return ma;
		}
		int old = -1;
		for (unsigned i = 0; i < vm->roots_max; i++)
			if ((int)i != r && vm->root[i].valid && vm->root[i].tables &&
			    (old < 0 || vm->root[i].last_use < vm->root[old].last_use))
				old = (int)i;
		if (old < 0)
			return MA_NONE;
		root_drop(vm, old);
		vm->stats.roots_evicted++;
	}
}

int shadow_fill_table(struct shadow_vm *vm, enum tlb_view view, va_t va, uint64_t leaf,
		      ma_t *spte_ma, unsigned *tables_alloc)
{
	int r = vm->cur;
	struct shadow_root *rt = &vm->root[r];
	if (rt->l4[view] == MA_NONE) {
		rt->l4[view] = table_alloc(vm, r);
		if (rt->l4[view] == MA_NONE)
			return -1;
		(*tables_alloc)++;
	}
	ma_t table = rt->l4[view];
	for (unsigned level = 4; level > 1; level--) {
		uint64_t *e = word(vm, table + 8ull * shadow_pt_index(level, va));
		if (!(*e & PTE_P)) {
			ma_t t = table_alloc(vm, r);
			if (t == MA_NONE)
				return -1;
			(*tables_alloc)++;
			*e = t | SPTE_TABLE;
		}
		table = *e & PTE_ADDR_MASK;
	}
	*spte_ma = table + 8ull * shadow_pt_index(1, va);
	*word(vm, *spte_ma) = leaf;
	return 0;
}

bool shadow_lookup_va(const struct shadow_vm *vm, enum tlb_view view, va_t va,
		      struct shadow_lookup *l)
{
	memset(l, 0, sizeof *l);
	l->ma = MA_NONE;
	if (vm->cur < 0 || vm->root[vm->cur].l4[view] == MA_NONE)
		return false;
	ma_t table = vm->root[vm->cur].l4[view];
	for (unsigned level = 4; level >= 1; level--) {
		ma_t ema = table + 8ull * shadow_pt_index(level, va);
		uint64_t e = *word(vm, ema);
		l->entry_ma[l->levels] = ema;
		l->entry[l->levels++] = e;
		if (!(e & PTE_P))
			return false;
		table = e & PTE_ADDR_MASK;
	}
	l->present = true;
	l->ma = table;
	return true;
}

/* Clear the entry of `level` for va under table `l4`, freeing what hangs below. */
static unsigned clear_in(struct shadow_vm *vm, int r, ma_t l4, va_t va, unsigned level)
{
	ma_t table = l4;
	for (unsigned l = 4; l > level; l--) {
		uint64_t e = *word(vm, table + 8ull * shadow_pt_index(l, va));
		if (!(e & PTE_P))
			return 0;
		table = e & PTE_ADDR_MASK;
	}
	uint64_t *e = word(vm, table + 8ull * shadow_pt_index(level, va));
	if (!(*e & PTE_P))
		return 0;
	unsigned n = level > 1 ? free_table(vm, r, *e & PTE_ADDR_MASK, level - 1) : 1;
	*e = 0;
	return n;
}

unsigned shadow_clear_range(struct shadow_vm *vm, int r, va_t va, unsigned level)
{
	unsigned n = 0;
	if (r < 0 || !vm->root[r].valid)
		return 0;
	for (int v = 0; v < TLB_VIEW_COUNT; v++)
		if (vm->root[r].l4[v] != MA_NONE)
			n += clear_in(vm, r, vm->root[r].l4[v], va, level);
	vm->stats.shadow_entries_cleared += n;
	return n;
}

void shadow_roots_drop(struct shadow_vm *vm)
{
	for (unsigned i = 0; i < vm->roots_max; i++)
		if (vm->root[i].valid)
			root_drop(vm, (int)i);
	vm->cur = -1;
}

void shadow_reset(struct shadow_vm *vm)
{
	shadow_roots_drop(vm);
	for (uint64_t p = 0; p < vm->pmap.npages; p++) {
		if (vm->pt[p])
			shadow_ptpage_forget(vm, p);
		vm->mapped_w[p] = 0;
	}
	vm->stats.resets++;
	shadow_root_switch(vm, vm->cr3, NULL, NULL);
}

uint64_t shadow_tables_in_use(const struct shadow_vm *vm)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < vm->roots_max; i++)
		if (vm->root[i].valid)
			n += vm->root[i].tables;
	return n;
}

static void visit(const struct shadow_vm *vm, int r, int view, ma_t table, unsigned level,
		  va_t base, shadow_visit_fn fn, void *ctx)
{
	for (unsigned i = 0; i < 512; i++) {
		ma_t ema = table + 8ull * i;
		uint64_t e = *word(vm, ema);
		if (!(e & PTE_P))
			continue;
		va_t va = base | ((uint64_t)i << (PAGE_SHIFT + 9 * (level - 1)));
		if (level == 4 && (va & (1ull << 47)))
			va |= 0xffff000000000000ull; /* canonical */
		fn(ctx, r, (enum tlb_view)view, level, va, ema, e);
		if (level > 1)
			visit(vm, r, view, e & PTE_ADDR_MASK, level - 1, va, fn, ctx);
	}
}

void shadow_for_each_entry(const struct shadow_vm *vm, shadow_visit_fn fn, void *ctx)
{
	for (unsigned i = 0; i < vm->roots_max; i++) {
		if (!vm->root[i].valid)
			continue;
		for (int v = 0; v < TLB_VIEW_COUNT; v++)
			if (vm->root[i].l4[v] != MA_NONE)
				visit(vm, (int)i, v, vm->root[i].l4[v], 4, 0, fn, ctx);
	}
}

struct clear_ctx {
	struct shadow_vm *vm;
	ma_t frame;                   /* MA_NONE: every frame */
	uint64_t bits;
	unsigned n;
};
static void clear_one(void *c, int r, enum tlb_view view, unsigned level, va_t va, ma_t ema, uint64_t e)
{
	struct clear_ctx *p = c;
	(void)r;
	(void)view;
	(void)va;
	if (level == 1 && (e & p->bits) && (p->frame == MA_NONE || (e & PTE_ADDR_MASK) == p->frame)) {
		*word(p->vm, ema) = e & ~p->bits;
		p->n++;
	}
}

unsigned shadow_clear_leaves(struct shadow_vm *vm, ma_t frame, uint64_t bits)
{
	struct clear_ctx p = { vm, frame == MA_NONE ? MA_NONE : frame & PTE_ADDR_MASK, bits, 0 };
	shadow_for_each_entry(vm, clear_one, &p);
	return p.n;
}

bool shadow_spte_allows(uint64_t e, enum cpu_access acc)
{
	if (acc == ACC_WRITE)
		return (e & PTE_RW) != 0;
	if (acc == ACC_EXEC)
		return !(e & PTE_NX);
	return true;
}

unsigned shadow_spte_perm(const struct shadow_vm *vm, uint64_t e)
{
	unsigned p = TLB_R;
	if (e & PTE_RW)
		p |= TLB_W;
	if (!(e & PTE_NX))
		p |= TLB_X;
	if (e & PTE_US)
		p |= TLB_U;
	if ((e & PTE_G) && (vm->cr4 & CR4_PGE))
		p |= TLB_G;
	return p;
}

unsigned shadow_protect_frame(struct shadow_vm *vm, ma_t frame)
{
	return shadow_clear_leaves(vm, frame, PTE_RW);
}
