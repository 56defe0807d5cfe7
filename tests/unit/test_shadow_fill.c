/*
 * tests/unit/test_shadow_fill.c — the shadow-mode miss handler and the MMU
 * the CPU calls: hidden faults, shadow hits, dirty tracking, true faults, ring
 * compression, phase stepping, traced PT writes (emulated and single-step),
 * invlpg, CR3 (with and without PCID), the root cache, CR0/CR4 changes.
 */
#include "tests/unit/test_shadow_env.h"
#include "tests/unit/check_run.h"

#define CR3A ENV_PT_BASE
#define UVA 0x0000000000401000ull   /* a user page */
#define KVA 0xffff800000200000ull   /* a supervisor page */
#define UPA 0x23000ull
#define KPA 0x24000ull

static struct env *E;
static struct shadow_vm *V;
static struct cpu CPU; /* only icount is read by translate */

static void setup(void)
{
	E = env_new(1, 11);
	V = &E->vm[0];
}
static void teardown(void)
{
	char why[200];
	ck_assert_msg(shadow_check_isolation(V, why, sizeof why) == 0, "%s", why);
	env_free(E, 1);
}

static enum mmu_result xlat(va_t va, enum cpu_access acc, struct mmu_xlat *x)
{
	return shadow_mmu_translate(V, &CPU, va, acc, 3, x);
}

/* The VMM's fill after a shadow page fault, then the guest's retry: the
 * hardware walk refills the TLB from the shadow entry just written. */
static enum shadow_fill_kind fill(va_t va, enum cpu_access acc, struct shadow_fill *f)
{
	CPU.icount++;
	enum shadow_fill_kind k = shadow_fill(V, f, va, acc, CPU.icount);
	if (k == SHADOW_HIDDEN_FAULT) {
		struct mmu_xlat x;
		ck_assert_int_eq(shadow_mmu_translate(V, &CPU, va, acc, f->view == TLB_VIEW_KERNEL ? 0 : 3, &x),
				 MMU_OK);
	}
	return k;
}

/* TLB_* bits the fill's shadow leaf gives (what the retry's refill installs). */
static unsigned perm_of(const struct shadow_fill *f)
{
	return shadow_spte_perm(V, f->spte);
}

/* The TLB slot holding va in view (the fill's retry put it there). */
static struct tlb_slot slot_of(va_t va, enum tlb_view view)
{
	struct tlb_key k = { .vmid = V->vmid, .asid = shadow_asid(V), .view = (uint8_t)view, .va = va };
	struct tlb_slot sl;
	ck_assert_ptr_nonnull(tlb_probe(&E->tlb, &k, &sl));
	return sl;
}

START_TEST(hidden_fault_then_hit)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	shadow_set_view(V, TLB_VIEW_USER);
	struct mmu_xlat x;
	/* no shadow entry: the hardware walk faults, the CPU exits (MMU_MISS) */
	ck_assert_int_eq(xlat(UVA + 8, ACC_READ, &x), MMU_MISS);
	ck_assert(V->hwalk_new && !V->hwalk.ok && !V->hwalk.denied);
	ck_assert_uint_eq(V->stats.hw_walks, 1);
	struct shadow_fill f;
	CPU.icount++;
	ck_assert_int_eq(shadow_fill(V, &f, UVA + 8, ACC_READ, CPU.icount), SHADOW_HIDDEN_FAULT);
	ck_assert(f.walked && !f.shadow_hit);
	ck_assert_uint_eq(f.walk.nrefs, 4);
	ck_assert_uint_eq(f.pa, UPA);
	ck_assert_uint_eq(f.ma, shadow_pa_to_ma(&V->pmap, UPA));
	ck_assert_uint_ne(f.ma, f.pa);
	ck_assert_uint_eq(perm_of(&f), TLB_R | TLB_U | TLB_X);
	/* the VMM wrote only the shadow entry: the TLB is the hardware's to fill */
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 0);
	/* the retry: the hardware walk reads 4 shadow entries and refills the TLB */
	ck_assert_int_eq(xlat(UVA + 8, ACC_READ, &x), MMU_OK);
	ck_assert(V->hwalk.ok);
	ck_assert_uint_eq(V->hwalk.nrefs, 4);
	ck_assert_uint_eq(V->hwalk.ma, f.ma);
	ck_assert_uint_eq(V->hwalk.ins.slot.set, tlb_set_index(&E->tlb, UVA, false));
	ck_assert_uint_eq(x.ma, f.ma + 8);
	ck_assert(x.cacheable);
	ck_assert_ptr_eq(x.touch, &tlb_entry_at(&E->tlb, V->hwalk.ins.slot.set, V->hwalk.ins.slot.way)->stamp);
	/* TLB gone, shadow kept: a shadow hit refills the TLB with no exit and no fill */
	tlb_flush_all(&E->tlb, TLB_CAUSE_OTHER);
	V->hwalk_new = false;
	ck_assert_int_eq(xlat(UVA, ACC_EXEC, &x), MMU_OK);
	ck_assert(V->hwalk_new && V->hwalk.ok);
	ck_assert_uint_eq(x.ma, f.ma);
	ck_assert_uint_eq(V->stats.hw_walks, 3);
	ck_assert_uint_eq(V->stats.hw_refills, 2);
	ck_assert_uint_eq(V->stats.hw_walk_refs, 8);
	ck_assert_uint_eq(V->stats.fills, 1);
	ck_assert_uint_eq(V->stats.walks, 1);
	ck_assert_uint_eq(V->stats.hidden_faults, 1);
	/* and a hit is a hit: no walk at all */
	V->hwalk_new = false;
	ck_assert_int_eq(xlat(UVA + 16, ACC_READ, &x), MMU_OK);
	ck_assert(!V->hwalk_new);
}
END_TEST

START_TEST(dirty_tracking)
{
	pa_t leaf = env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_RW | PTE_US, UPPER_ALL, 1);
	shadow_set_view(V, TLB_VIEW_USER);
	struct shadow_fill f;
	struct mmu_xlat x;
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(!(perm_of(&f) & TLB_W)); /* clean page: mapped read-only */
	ck_assert_int_eq(xlat(UVA, ACC_WRITE, &x), MMU_MISS);
	ck_assert_uint_eq(E->tlb.stats.perm_misses, 1);
	ck_assert(V->hwalk.denied); /* the shadow leaf is read-only: a shadow page fault */
	ck_assert(!(gread(V, leaf) & PTE_D));
	ck_assert_int_eq(fill(UVA, ACC_WRITE, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(f.walked && f.shadow_present && !f.shadow_hit);
	ck_assert(gread(V, leaf) & PTE_D);
	ck_assert(perm_of(&f) & TLB_W);
	ck_assert(V->hwalk.ok && V->hwalk.ins.replaced); /* the retry's refill replaced the clean entry */
	ck_assert_int_eq(xlat(UVA, ACC_WRITE, &x), MMU_OK);
}
END_TEST

START_TEST(true_fault_and_ring_compression)
{
	env_map(E, 0, CR3A, KVA, KPA, PTE_P | PTE_RW | PTE_D, UPPER_ALL, 1);
	struct shadow_fill f;
	struct mmu_xlat x;
	/* the guest kernel (kernel view) reaches its page */
	ck_assert_int_eq(fill(KVA, ACC_WRITE, &f), SHADOW_HIDDEN_FAULT);
	ck_assert_int_eq(xlat(KVA, ACC_WRITE, &x), MMU_OK);
	/* an app (user view) does not, though both run at real CPL 3 */
	shadow_set_view(V, TLB_VIEW_USER);
	ck_assert_int_eq(xlat(KVA, ACC_READ, &x), MMU_MISS);
	ck_assert_int_eq(fill(KVA, ACC_READ, &f), SHADOW_TRUE_FAULT);
	ck_assert_uint_eq(f.err, PFERR_P | PFERR_U);
	ck_assert_int_eq(fill(KVA, ACC_WRITE, &f), SHADOW_TRUE_FAULT);
	ck_assert_uint_eq(f.err, PFERR_P | PFERR_W | PFERR_U);
	/* nothing mapped at all */
	ck_assert_int_eq(fill(0x7000000, ACC_READ, &f), SHADOW_TRUE_FAULT);
	ck_assert_uint_eq(f.err, PFERR_U);
	ck_assert_uint_eq(V->stats.true_faults, 3);
	/* a supervisor access (cpl 0 from the CPU) uses the kernel view */
	ck_assert_int_eq(shadow_mmu_translate(V, &CPU, KVA, ACC_READ, 0, &x), MMU_OK);
	/* an implicit supervisor access (GDT read) while an app runs misses in the kernel
	 * view; the fill must fill that view, or the retry would miss forever */
	struct shadow_flush_rec r;
	shadow_invlpg(V, KVA, &r); /* TLB and shadow entry gone */
	ck_assert_int_eq(shadow_mmu_translate(V, &CPU, KVA, ACC_READ, 0, &x), MMU_MISS);
	ck_assert_int_eq(fill(KVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert_int_eq(f.view, TLB_VIEW_KERNEL);
	ck_assert_int_eq(shadow_mmu_translate(V, &CPU, KVA, ACC_READ, 0, &x), MMU_OK);
	ck_assert_int_eq(fill(KVA, ACC_READ, &f), SHADOW_TRUE_FAULT); /* next miss: user view again */
	/* non-canonical */
	ck_assert_int_eq(fill(0x0000800000000000ull, ACC_READ, &f), SHADOW_FILL_ERROR);
}
END_TEST

START_TEST(phases_step_one_at_a_time)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_fill f;
	shadow_fill_begin(V, &f, UVA, ACC_READ, 5);
	enum shadow_phase seen[16];
	unsigned n = 0;
	do {
		seen[n++] = f.phase;
	} while (!shadow_fill_step(V, &f) && n < 16);
	enum shadow_phase want[] = { SHADOW_PH_LOOKUP, SHADOW_PH_WALK, SHADOW_PH_WALK, SHADOW_PH_WALK,
				     SHADOW_PH_WALK, SHADOW_PH_PMAP, SHADOW_PH_SHADOW };
	ck_assert_uint_eq(n, 7);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(seen[i], want[i]);
	ck_assert_int_eq(f.kind, SHADOW_HIDDEN_FAULT);
	ck_assert_uint_eq(V->stats.fills, 1);
	ck_assert_str_eq(shadow_phase_name(SHADOW_PH_PMAP), "pmap");
	ck_assert_str_eq(shadow_fill_kind_name(SHADOW_TRUE_FAULT), "true fault");
}
END_TEST

START_TEST(bad_pa)
{
	env_map(E, 0, CR3A, UVA, 0x40000000, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_fill f;
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_BAD_PA);
	ck_assert_ptr_nonnull(f.why);
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 0);
}
END_TEST

/* The guest maps its own leaf PT page at PTVA, writable. */
#define PTVA 0x0000000000600000ull

START_TEST(pt_write_emulated_invalidates)
{
	pa_t leaf = env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_RW | PTE_US | PTE_D, UPPER_ALL, 1);
	pa_t ptpage = leaf & PAGE_MASK;
	env_map(E, 0, CR3A, PTVA, ptpage, PTE_P | PTE_RW | PTE_D, UPPER_ALL, 1);
	struct shadow_fill f;
	/* the kernel writes through PTVA before the page is known as a PT page: writable */
	ck_assert_int_eq(fill(PTVA, ACC_WRITE, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(perm_of(&f) & TLB_W);
	struct shadow_lookup l;
	ck_assert(shadow_lookup_va(V, TLB_VIEW_KERNEL, PTVA, &l));
	ck_assert(l.entry[3] & PTE_RW);
	/* a walk through that page marks it: the writable alias is revoked at once */
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(shadow_is_pt_page(V, ptpage));
	ck_assert(shadow_lookup_va(V, TLB_VIEW_KERNEL, PTVA, &l));
	ck_assert(!(l.entry[3] & PTE_RW));
	struct tlb_key k = { .vmid = 0, .view = TLB_VIEW_KERNEL, .va = PTVA };
	ck_assert_ptr_null(tlb_probe(&E->tlb, &k, NULL));
	/* reading the PT page is fine; writing it is a PT_WRITE exit */
	ck_assert_int_eq(fill(PTVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(!(perm_of(&f) & TLB_W));
	/* the hardware walk finds the write-protected shadow leaf: a write exits, a read does not */
	struct mmu_xlat x;
	ck_assert_int_eq(shadow_mmu_translate(V, &CPU, PTVA + (leaf & 0xfff), ACC_WRITE, 0, &x), MMU_MISS);
	ck_assert(V->hwalk.denied && !V->hwalk.ok);
	ck_assert_uint_eq(V->hwalk.nrefs, 4);
	ck_assert_int_eq(shadow_mmu_translate(V, &CPU, PTVA + (leaf & 0xfff), ACC_READ, 0, &x), MMU_OK);
	ck_assert_int_eq(fill(PTVA + (leaf & 0xfff), ACC_WRITE, &f), SHADOW_PT_WRITE);
	ck_assert(f.pt_page);
	/* the monitor emulates it: UVA now maps KPA */
	struct shadow_ptw_rec rec;
	ck_assert_int_eq(shadow_ptwrite_emulate(V, leaf, KPA | PTE_P | PTE_US, 8, &rec), 0);
	ck_assert_uint_eq(rec.nchanged, 1);
	ck_assert_uint_eq(rec.ch[0].pa, leaf);
	ck_assert_uint_eq(rec.ch[0].new_, KPA | PTE_P | PTE_US);
	ck_assert_uint_eq(rec.tlb_dropped, 1);
	ck_assert_uint_eq(rec.shadow_cleared, 1);
	k.va = UVA;
	ck_assert_ptr_null(tlb_probe(&E->tlb, &k, NULL));
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(f.walked);
	ck_assert_uint_eq(f.pa, KPA);
	ck_assert_uint_eq(E->tlb.stats.flushes[TLB_CAUSE_PTWRITE], 2);
	/* a write that changes nothing invalidates nothing */
	ck_assert_int_eq(shadow_ptwrite_emulate(V, leaf + 4, (KPA | PTE_P | PTE_US) >> 32, 4, &rec), 0);
	ck_assert_uint_eq(rec.nchanged, 0);
	ck_assert_int_eq(shadow_ptwrite_emulate(V, ENV_MEM, 0, 8, &rec), -1);
}
END_TEST

START_TEST(monitor_writes_are_tracked)
{
	pa_t leaf = env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_fill f;
	fill(UVA, ACC_READ, &f);
	/* the monitor "DMAs" 16 bytes over the leaf entry and its neighbour, and 8000 bytes of data */
	uint64_t buf[2] = { KPA | PTE_P | PTE_US, 0x1234 };
	struct shadow_ptw_rec rec;
	ck_assert_int_eq(shadow_write_pa(V, leaf, buf, sizeof buf, &rec), 0);
	ck_assert_uint_eq(rec.nchanged, 2);
	ck_assert_uint_eq(rec.tlb_dropped, 1);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert_uint_eq(f.pa, KPA);
	static uint8_t data[8000];
	memset(data, 0xab, sizeof data);
	ck_assert_int_eq(shadow_write_pa(V, 0x40ff0, data, sizeof data, &rec), 0);
	ck_assert_uint_eq(rec.nchanged, 0);
	ck_assert_uint_eq(gread(V, 0x41000), 0xababababababababull);
	ck_assert_int_eq(shadow_write_pa(V, ENV_MEM - 4, data, 8, &rec), -1);
}
END_TEST

START_TEST(pt_write_upper_level_clears_subtree)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	env_map(E, 0, CR3A, UVA + PAGE_SIZE, UPA + PAGE_SIZE, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_fill f;
	fill(UVA, ACC_READ, &f);
	pa_t pde = f.walk.ref[2].pa;
	fill(UVA + PAGE_SIZE, ACC_READ, &f);
	uint64_t tables = shadow_tables_in_use(V);
	ck_assert_uint_eq(tables, 4);
	/* clearing the PDE governs 2 MiB: both pages, and the shadow PT goes */
	struct shadow_ptw_rec rec;
	ck_assert_int_eq(shadow_ptwrite_emulate(V, pde, 0, 8, &rec), 0);
	ck_assert_uint_eq(rec.shadow_cleared, 2);
	ck_assert_uint_eq(rec.tlb_dropped, 2);
	ck_assert_uint_eq(shadow_tables_in_use(V), 3);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_TRUE_FAULT);
}
END_TEST

START_TEST(pt_write_single_step_window)
{
	pa_t leaf = env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	env_map(E, 0, CR3A, PTVA, leaf & PAGE_MASK, PTE_P | PTE_RW | PTE_D, UPPER_ALL, 1);
	struct shadow_fill f, g;
	fill(UVA, ACC_READ, &f);
	ck_assert_int_eq(fill(PTVA + (leaf & 0xfff), ACC_WRITE, &g), SHADOW_PT_WRITE);
	ck_assert_int_eq(shadow_ptwrite_begin(V, &g), 0);
	ck_assert_int_eq(shadow_ptwrite_begin(V, &g), -1); /* one window at a time */
	struct mmu_xlat x;
	ck_assert_int_eq(xlat(PTVA + (leaf & 0xfff), ACC_WRITE, &x), MMU_OK);
	ck_assert(!x.cacheable);
	ck_assert_uint_eq(x.ma, shadow_pa_to_ma(&V->pmap, leaf));
	/* "the CPU" executes the write */
	uint64_t nv = UPA | PTE_P; /* now supervisor-only */
	memcpy(E->ram + x.ma, &nv, 8);
	struct shadow_ptw_rec rec;
	ck_assert_int_eq(shadow_ptwrite_end(V, &rec), 0);
	ck_assert_uint_eq(rec.nchanged, 1);
	ck_assert_uint_eq(rec.ch[0].old & ~(PTE_A | PTE_D), UPA | PTE_P | PTE_US);
	ck_assert_uint_eq(rec.tlb_dropped, 1);
	ck_assert_int_eq(xlat(PTVA, ACC_WRITE, &x), MMU_MISS); /* window closed */
	shadow_set_view(V, TLB_VIEW_USER);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_TRUE_FAULT);
	ck_assert_int_eq(shadow_ptwrite_end(V, &rec), -1);
}
END_TEST

START_TEST(unshadow_after_many_writes)
{
	pa_t leaf = env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	pa_t ptpage = leaf & PAGE_MASK;
	struct shadow_fill f;
	fill(UVA, ACC_READ, &f);
	ck_assert(shadow_is_pt_page(V, ptpage));
	struct shadow_ptw_rec rec = { 0 };
	/* the page is reused for data: writes to other slots, never walked again */
	for (unsigned i = 0; i < SHADOW_UNSHADOW_WRITES; i++) {
		ck_assert(!rec.unshadowed || i == 0);
		shadow_ptwrite_emulate(V, ptpage + 8 * (100 + i), 0x1234 + i, 8, &rec);
	}
	ck_assert(rec.unshadowed);
	ck_assert(!shadow_is_pt_page(V, ptpage));
	ck_assert_uint_eq(V->stats.unshadowed, 1);
	ck_assert_uint_eq(rec.tlb_dropped, 1); /* UVA's entry, derived from that table */
	ck_assert_uint_eq(shadow_tables_in_use(V), 3); /* the shadow PT under that PDE went */
	/* writes that change nothing (zeroing zeros) count too */
	fill(UVA, ACC_READ, &f);
	memset(&rec, 0, sizeof rec);
	for (unsigned i = 0; i < SHADOW_UNSHADOW_WRITES && !rec.unshadowed; i++)
		shadow_ptwrite_emulate(V, ptpage + 8 * 300, 0, 8, &rec);
	ck_assert(rec.unshadowed);
	ck_assert_uint_eq(rec.nchanged, 0);
	ck_assert_uint_eq(V->stats.unshadowed, 2);
	/* a walk through it marks it again */
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(f.walked);
	ck_assert(shadow_is_pt_page(V, ptpage));
}
END_TEST

START_TEST(unshadow_freed_pml4)
{
	/* a process's PML4 (not the current one) is freed and reused for data */
	pa_t cr3b = E->next_pt[0];
	E->next_pt[0] += PAGE_SIZE;
	env_map(E, 0, cr3b, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_flush_rec r;
	struct shadow_fill f;
	shadow_write_cr3(V, cr3b, &r);
	fill(UVA, ACC_READ, &f);
	shadow_write_cr3(V, CR3A, &r);
	ck_assert(shadow_is_pt_page(V, cr3b));
	ck_assert_uint_eq(shadow_tables_in_use(V), 4);
	struct shadow_ptw_rec rec = { 0 };
	for (unsigned i = 0; i < SHADOW_UNSHADOW_WRITES && !rec.unshadowed; i++)
		shadow_ptwrite_emulate(V, cr3b + 8 * i, 0x1111 * (i + 1), 8, &rec);
	ck_assert(rec.unshadowed);
	ck_assert(!shadow_is_pt_page(V, cr3b));
	ck_assert_uint_eq(shadow_tables_in_use(V), 0); /* B's root was emptied */
	shadow_write_cr3(V, cr3b, &r);
	ck_assert(r.root_hit); /* the root slot stays, empty */
}
END_TEST

/* A table shared by more address spaces than SHADOW_PTUSE_MAX goes wild. */
START_TEST(wild_pt_page_resets_everything)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	uint64_t pml4e = gread(V, CR3A); /* -> the shared PDPT */
	pa_t pdpt = pml4e & PTE_ADDR_MASK;
	struct shadow_flush_rec r;
	struct shadow_fill f;
	for (unsigned i = 0; i <= SHADOW_PTUSE_MAX; i++) {
		pa_t c = E->next_pt[0];
		E->next_pt[0] += PAGE_SIZE;
		gwrite(V, c, pml4e);
		shadow_write_cr3(V, c, &r);
		ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	}
	ck_assert(V->pt[pdpt >> PAGE_SHIFT]->wild);
	struct shadow_ptw_rec rec;
	ck_assert_int_eq(shadow_ptwrite_emulate(V, pdpt + 8, 0x5000 | PTE_P, 8, &rec), 0);
	ck_assert(rec.wild);
	ck_assert_uint_eq(V->stats.resets, 1);
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 0);
	ck_assert_uint_eq(shadow_tables_in_use(V), 0);
	ck_assert(!shadow_is_pt_page(V, pdpt));
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
}
END_TEST

/* Out of machine frames for shadow tables: older roots are evicted, then the fill fails cleanly. */
START_TEST(out_of_monitor_frames)
{
	pa_t cr3b = E->next_pt[0];
	E->next_pt[0] += PAGE_SIZE;
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	env_map(E, 0, cr3b, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	while (E->mf.nfree > 5)
		shadow_mframe_alloc(&E->mf, SHADOW_OWNER_MONITOR);
	struct shadow_fill f;
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT); /* 4 tables */
	ck_assert_uint_eq(f.tables_alloc, 4);
	struct shadow_flush_rec r;
	shadow_write_cr3(V, cr3b, &r);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT); /* evicts A's root */
	ck_assert_uint_eq(V->stats.roots_evicted, 1);
	shadow_set_view(V, TLB_VIEW_USER);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_FILL_ERROR); /* nothing left to evict */
	ck_assert_ptr_nonnull(f.why);
	ck_assert_uint_eq(V->stats.errors, 1);
}
END_TEST

START_TEST(invlpg)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	env_map(E, 0, CR3A, KVA, KPA, PTE_P | PTE_G, UPPER_ALL, 1);
	struct shadow_fill f;
	fill(UVA, ACC_READ, &f);
	fill(KVA, ACC_READ, &f);
	ck_assert(perm_of(&f) & TLB_G);
	struct shadow_flush_rec r;
	shadow_invlpg(V, UVA + 0x80, &r);
	ck_assert_uint_eq(r.tlb_dropped, 1);
	ck_assert_uint_eq(r.shadow_cleared, 1);
	shadow_invlpg(V, KVA, &r); /* globals too */
	ck_assert_uint_eq(r.tlb_dropped, 1);
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 0);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(f.walked);
}
END_TEST

START_TEST(cr3_switch_root_cache_and_globals)
{
	pa_t cr3b = E->next_pt[0];
	E->next_pt[0] += PAGE_SIZE;
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	env_map(E, 0, CR3A, KVA, KPA, PTE_P | PTE_G, UPPER_ALL, 1);
	env_map(E, 0, cr3b, UVA, KPA + PAGE_SIZE, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_fill f;
	fill(UVA, ACC_READ, &f);
	fill(KVA, ACC_READ, &f);
	struct shadow_flush_rec r;
	shadow_write_cr3(V, cr3b, &r);
	ck_assert(r.flushed_tlb && !r.root_hit);
	ck_assert_uint_eq(r.tlb_dropped, 1); /* the global kernel page stays */
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 1);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert_uint_eq(f.pa, KPA + PAGE_SIZE);
	/* back to A: its shadow root is still cached -> shadow hit, no walk */
	shadow_write_cr3(V, CR3A, &r);
	ck_assert(r.root_hit);
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(f.shadow_hit);
	ck_assert_uint_eq(f.pa, UPA);
	/* more address spaces than the cache holds (4): the least recent root goes */
	uint64_t mon_before = E->mf.monitor_frames;
	pa_t evicted = PA_NONE;
	for (int i = 0; i < 4; i++) {
		pa_t c = E->next_pt[0];
		E->next_pt[0] += PAGE_SIZE;
		shadow_write_cr3(V, c, &r);
		if (r.evicted_cr3 != PA_NONE && evicted == PA_NONE)
			evicted = r.evicted_cr3; /* the first one evicted */
	}
	ck_assert_uint_eq(evicted, cr3b);
	ck_assert_uint_eq(V->stats.roots_evicted, 2); /* B, then A */
	ck_assert_uint_lt(E->mf.monitor_frames, mon_before);
	shadow_write_cr3(V, CR3A, &r);
	ck_assert(!r.root_hit); /* A was evicted too by now */
}
END_TEST

START_TEST(pcid_rules)
{
	struct shadow_flush_rec r;
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	shadow_set_paging(V, ENV_CR0, ENV_CR4 | CR4_PCIDE, ENV_EFER, &r);
	ck_assert(!r.flushed_tlb && !r.reset); /* PCIDE 0 -> 1 flushes nothing */
	struct shadow_fill f;
	shadow_write_cr3(V, CR3A | 1, &r);
	fill(UVA, ACC_READ, &f);
	ck_assert_uint_eq(f.asid, 1);
	/* switch to PCID 2 with no-flush: PCID 1's entry stays */
	shadow_write_cr3(V, CR3A | 2 | CR3_NOFLUSH, &r);
	ck_assert(!r.flushed_tlb);
	ck_assert_uint_eq(V->cr3, CR3A | 2);
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 1);
	/* back to PCID 1 without no-flush: PCID 1's non-global entries go */
	shadow_write_cr3(V, CR3A | 1, &r);
	ck_assert_uint_eq(r.tlb_dropped, 1);
	fill(UVA, ACC_READ, &f);
	/* PCIDE 1 -> 0 flushes everything */
	shadow_set_paging(V, ENV_CR0, ENV_CR4, ENV_EFER, &r);
	ck_assert(r.flushed_tlb && !r.reset);
	ck_assert_uint_eq(tlb_count_valid(&E->tlb), 0);
}
END_TEST

START_TEST(wp_change_resets_shadow)
{
	env_map(E, 0, CR3A, KVA, KPA, PTE_P | PTE_D, UPPER_ALL, 1); /* read-only supervisor */
	struct shadow_fill f;
	ck_assert_int_eq(fill(KVA, ACC_WRITE, &f), SHADOW_TRUE_FAULT);
	ck_assert_int_eq(fill(KVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	struct shadow_flush_rec r;
	shadow_set_paging(V, ENV_CR0 & ~CR0_WP, ENV_CR4, ENV_EFER, &r);
	ck_assert(r.reset && r.flushed_tlb);
	ck_assert_uint_eq(shadow_tables_in_use(V), 0);
	ck_assert_int_eq(fill(KVA, ACC_WRITE, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(perm_of(&f) & TLB_W);
}
END_TEST

START_TEST(pge_toggle_flushes_globals_keeps_shadow)
{
	env_map(E, 0, CR3A, KVA, KPA, PTE_P | PTE_G, UPPER_ALL, 1);
	struct shadow_fill f;
	fill(KVA, ACC_READ, &f);
	ck_assert(perm_of(&f) & TLB_G);
	struct shadow_flush_rec r;
	shadow_set_paging(V, ENV_CR0, ENV_CR4 & ~CR4_PGE, ENV_EFER, &r);
	ck_assert(r.flushed_tlb && !r.reset);
	ck_assert_uint_eq(r.tlb_dropped, 1);
	ck_assert_int_eq(fill(KVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(f.shadow_hit);
	ck_assert(!(perm_of(&f) & TLB_G)); /* not global without CR4.PGE */
	shadow_set_paging(V, ENV_CR0, ENV_CR4, ENV_EFER, &r);
	ck_assert_int_eq(fill(KVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	ck_assert(perm_of(&f) & TLB_G);
	ck_assert_uint_eq(V->stats.resets, 0);
}
END_TEST

START_TEST(isolation_check_can_fail)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	struct shadow_fill f;
	fill(UVA, ACC_READ, &f);
	char why[200];
	ck_assert_uint_eq(shadow_check_isolation(V, why, sizeof why), 0);
	/* corrupt the shadow leaf: point it at a monitor frame */
	uint64_t *spte = shadow_mframe_word(&E->mf, f.spte_ma);
	uint64_t saved = *spte;
	*spte = (V->root[V->cur].l4[TLB_VIEW_KERNEL]) | PTE_P;
	ck_assert_uint_eq(shadow_check_isolation(V, why, sizeof why), 1);
	ck_assert_ptr_nonnull(strstr(why, "monitor"));
	*spte = saved;
	/* and a TLB entry pointing at a free frame */
	struct tlb_slot sl = slot_of(UVA, f.view);
	struct tlb_entry *e = (struct tlb_entry *)tlb_entry_at(&E->tlb, sl.set, sl.way);
	ma_t ma = e->ma;
	e->ma = (E->mf.free[0]) * PAGE_SIZE;
	ck_assert_uint_ge(shadow_check_isolation(V, why, sizeof why), 1);
	e->ma = ma;
}
END_TEST

START_TEST(software_managed_user_view_is_never_walked)
{
	env_map(E, 0, CR3A, UVA, UPA, PTE_P | PTE_US, UPPER_ALL, 1);
	shadow_set_view(V, TLB_VIEW_USER);
	struct shadow_fill f;
	ck_assert_int_eq(fill(UVA, ACC_READ, &f), SHADOW_HIDDEN_FAULT);
	tlb_flush_all(&E->tlb, TLB_CAUSE_OTHER);
	V->sw_user = true; /* --mmu=swtlb: the guest's refill handler owns the apps' TLB */
	V->hwalk_new = false;
	uint64_t walks = V->stats.hw_walks;
	struct mmu_xlat x;
	ck_assert_int_eq(xlat(UVA, ACC_READ, &x), MMU_MISS);
	ck_assert(!V->hwalk_new);
	ck_assert_uint_eq(V->stats.hw_walks, walks);
	/* the kernel view still has its hardware walker */
	ck_assert_int_eq(shadow_mmu_translate(V, &CPU, UVA, ACC_READ, 0, &x), MMU_MISS);
	ck_assert(V->hwalk_new);
}
END_TEST

START_TEST(swtlb_install)
{
	ma_t ma;
	struct tlb_insert_result ins;
	ck_assert_int_eq(shadow_install_pa(V, TLB_VIEW_KERNEL, UVA + 5, UPA, TLB_U | TLB_W, 1, &ma, &ins), 0);
	ck_assert_uint_eq(ma, shadow_pa_to_ma(&V->pmap, UPA));
	struct mmu_xlat x;
	ck_assert_int_eq(xlat(UVA, ACC_WRITE, &x), MMU_OK);
	ck_assert_int_eq(shadow_install_pa(V, TLB_VIEW_USER, UVA, ENV_MEM, TLB_U, 1, &ma, &ins), -1);
	/* installed for the kernel view: an app does not hit it */
	shadow_set_view(V, TLB_VIEW_USER);
	ck_assert_int_eq(xlat(UVA, ACC_READ, &x), MMU_MISS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_fill");
	TCase *tc = tcase_create("fill");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hidden_fault_then_hit);
	tcase_add_test(tc, software_managed_user_view_is_never_walked);
	tcase_add_test(tc, dirty_tracking);
	tcase_add_test(tc, true_fault_and_ring_compression);
	tcase_add_test(tc, phases_step_one_at_a_time);
	tcase_add_test(tc, bad_pa);
	tcase_add_test(tc, pt_write_emulated_invalidates);
	tcase_add_test(tc, monitor_writes_are_tracked);
	tcase_add_test(tc, pt_write_upper_level_clears_subtree);
	tcase_add_test(tc, pt_write_single_step_window);
	tcase_add_test(tc, unshadow_after_many_writes);
	tcase_add_test(tc, unshadow_freed_pml4);
	tcase_add_test(tc, wild_pt_page_resets_everything);
	tcase_add_test(tc, out_of_monitor_frames);
	tcase_add_test(tc, invlpg);
	tcase_add_test(tc, cr3_switch_root_cache_and_globals);
	tcase_add_test(tc, pcid_rules);
	tcase_add_test(tc, wp_change_resets_shadow);
	tcase_add_test(tc, pge_toggle_flushes_globals_keeps_shadow);
	tcase_add_test(tc, isolation_check_can_fail);
	tcase_add_test(tc, swtlb_install);
	suite_add_tcase(s, tc);
	return check_run(s);
}
