/*
 * tests/unit/test_shadow_env.h — shared fixture for the shadow/ unit tests:
 * a machine RAM, its frame allocator, a TLB and one or two VMs, plus a tiny
 * guest page-table builder working in guest-physical memory (through the pmap).
 * Header-only (static functions) so each test stays one Check binary.
 */
#ifndef TEST_SHADOW_ENV_H
#define TEST_SHADOW_ENV_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

#define ENV_RAM (8ull << 20)    /* machine RAM */
#define ENV_MEM (1ull << 20)    /* each VM's guest RAM */
#define ENV_PT_BASE 0x10000ull  /* guest PT pages are allocated from here up */
#define ENV_CR0 (CR0_PE | CR0_PG | CR0_WP)
#define ENV_CR4 (CR4_PAE | CR4_PGE)
#define ENV_EFER (EFER_LME | EFER_LMA | EFER_NXE)

struct env {
	uint8_t *ram;
	struct shadow_mframe mf;
	struct tlb tlb;
	struct shadow_vm vm[2];
	pa_t next_pt[2];        /* bump allocator for guest PT pages, per VM */
};

static inline struct env *env_new(unsigned nvms, uint64_t seed)
{
	struct env *e = calloc(1, sizeof *e);
	ck_assert_ptr_nonnull(e);
	e->ram = calloc(1, ENV_RAM);
	ck_assert_ptr_nonnull(e->ram);
	ck_assert_int_eq(shadow_mframe_init(&e->mf, e->ram, ENV_RAM, seed), 0);
	ck_assert_int_eq(tlb_init(&e->tlb, 16, 4, TLB_POLICY_LRU, seed), 0);
	for (unsigned i = 0; i < nvms; i++) {
		e->next_pt[i] = ENV_PT_BASE + PAGE_SIZE; /* ENV_PT_BASE itself is the PML4 */
		ck_assert_int_eq(shadow_vm_init(&e->vm[i], &e->mf, &e->tlb, (uint16_t)i, ENV_MEM, 4,
						ENV_CR0, ENV_PT_BASE, ENV_CR4, ENV_EFER), 0);
	}
	return e;
}

static inline void env_free(struct env *e, unsigned nvms)
{
	for (unsigned i = 0; i < nvms; i++)
		shadow_vm_free(&e->vm[i]);
	tlb_free(&e->tlb);
	shadow_mframe_free(&e->mf);
	free(e->ram);
	free(e);
}

static inline uint64_t gread(struct shadow_vm *vm, pa_t pa)
{
	uint64_t v = 0;
	ck_assert(shadow_pmap_read64(&vm->pmap, pa, &v));
	return v;
}

static inline void gwrite(struct shadow_vm *vm, pa_t pa, uint64_t v)
{
	ck_assert(shadow_pmap_write64(&vm->pmap, pa, v));
}

/*
 * Map va -> pa in the guest table rooted at cr3 with leaf flags `leaf`
 * (PTE_P etc.) at `level` (1: 4 KiB, 2: 2 MiB). Intermediate entries get
 * `upper` flags. Returns the PA of the leaf entry.
 */
static inline pa_t env_map(struct env *e, unsigned i, pa_t cr3, va_t va, pa_t pa, uint64_t leaf,
			   uint64_t upper, unsigned level)
{
	struct shadow_vm *vm = &e->vm[i];
	pa_t table = cr3;
	for (unsigned l = 4; l > level; l--) {
		pa_t epa = table + 8ull * shadow_pt_index(l, va);
		uint64_t v = gread(vm, epa);
		if (!(v & PTE_P)) {
			pa_t t = e->next_pt[i];
			e->next_pt[i] += PAGE_SIZE;
			v = t | upper;
		} else {
			v |= upper;
		}
		gwrite(vm, epa, v);
		table = v & PTE_ADDR_MASK;
	}
	pa_t epa = table + 8ull * shadow_pt_index(level, va);
	gwrite(vm, epa, pa | leaf | (level > 1 ? PTE_PS : 0));
	return epa;
}

#define UPPER_ALL (PTE_P | PTE_RW | PTE_US)

#endif
