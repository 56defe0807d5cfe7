/*
 * tests/unit/test_shadow_isolation.c — the isolation invariant and shadow
 * coherence under fuzzing: two VMs in one process, sharing one machine RAM and
 * one TLB, whose guests write random entries into their page tables (valid
 * ones, ones pointing outside guest RAM, into other tables, with reserved
 * bits, large pages...) while misses are filled, CR3 is switched, views change
 * and invlpg runs. After every step:
 *   - isolation: no shadow or TLB entry of VM n points outside VM n's frames;
 * and regularly:
 *   - coherence: every shadow leaf agrees with a fresh walk of its guest table,
 *     every non-global TLB entry with a walk of the current CR3 (PT writes are
 *     traced and invalidate what they govern).
 */
#include <stdio.h>

#include "tests/unit/test_shadow_env.h"
#include "tests/unit/check_run.h"

#define NCR3 3
#define PT_LO 0x10000ull
#define PT_HI 0x30000ull

static uint64_t rng;
static uint64_t rnd(void) { return tlb_rng_next(&rng); }

static const unsigned idx_pool[] = { 0, 1, 2, 511 };

static va_t recent[16]; /* VAs that filled: touched again, they hit or refill after invalidation */

static va_t random_va(void)
{
	if (rnd() % 3 == 0 && recent[0])
		return recent[rnd() % 16];
	va_t va = 0;
	for (unsigned l = 4; l >= 1; l--)
		va |= (uint64_t)idx_pool[rnd() % 4] << (PAGE_SHIFT + 9 * (l - 1));
	va |= rnd() & 0xff8;
	if (va & (1ull << 47))
		va |= 0xffff000000000000ull;
	return va;
}

/* A random page-table entry: mostly plausible, sometimes hostile. */
static uint64_t random_entry(void)
{
	uint64_t r = rnd();
	uint64_t flags = PTE_P | (r & (PTE_A | PTE_D | PTE_G));
	if ((r >> 30 & 7) != 0)
		flags |= PTE_RW;
	if ((r >> 33 & 7) != 0)
		flags |= PTE_US;
	pa_t target;
	switch (r >> 8 & 15) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: /* another table page */
		target = PT_LO + (rnd() % ((PT_HI - PT_LO) / PAGE_SIZE)) * PAGE_SIZE;
		break;
	case 7: case 8: case 9: case 10: /* a data page in guest RAM */
		target = (rnd() % (ENV_MEM / PAGE_SIZE)) * PAGE_SIZE;
		break;
	case 11: /* outside guest RAM (where other VMs' frames may be) */
		target = ENV_MEM + (rnd() % 4096) * PAGE_SIZE;
		break;
	case 12: case 13: /* a large page (PS), maybe misaligned */
		target = ((rnd() % 4) << 21) | ((rnd() % 8 == 0) ? 0x2000 : 0);
		flags |= PTE_PS;
		break;
	case 14: /* reserved address bits */
		target = (1ull << 44) | PT_LO;
		break;
	default: /* junk: any bits at all */
		return rnd();
	}
	if ((r >> 36 & 3) == 0)
		flags |= PTE_NX;
	if ((r >> 21 & 31) == 0)
		flags &= ~PTE_P;
	return target | flags;
}

/* Write as the guest would: PT pages through the traced path, others directly. */
static void guest_write(struct shadow_vm *vm, pa_t pa, uint64_t v)
{
	if (shadow_is_pt_page(vm, pa)) {
		struct shadow_ptw_rec rec;
		ck_assert_int_eq(shadow_ptwrite_emulate(vm, pa, v, 8, &rec), 0);
	} else {
		gwrite(vm, pa, v);
	}
}

static void check_isolation(struct env *e, int step)
{
	char why[256];
	for (int i = 0; i < 2; i++)
		ck_assert_msg(shadow_check_isolation(&e->vm[i], why, sizeof why) == 0, "step %d: %s", step, why);
}

struct coh {
	struct shadow_vm *vm;
	int step;
	unsigned checked;
};

static void check_leaf(void *ctx, int root, enum tlb_view view, unsigned level, va_t va, ma_t ema,
		       uint64_t e)
{
	struct coh *c = ctx;
	(void)ema;
	if (level != 1)
		return;
	struct shadow_walk w;
	shadow_walk_begin(&w, c->vm->root[root].cr3, va, ACC_READ,
			  shadow_walk_flags(c->vm, view) | SHADOW_WALK_NO_AD);
	shadow_walk_run(&w, &c->vm->pmap);
	ck_assert_msg(w.status == SHADOW_WALK_OK, "step %d: stale shadow leaf va 0x%llx view %d", c->step,
		      (unsigned long long)va, view);
	ck_assert_msg(shadow_pa_to_ma(&c->vm->pmap, w.pa & PAGE_MASK) == (e & PTE_ADDR_MASK),
		      "step %d: shadow leaf va 0x%llx maps the wrong frame", c->step, (unsigned long long)va);
	ck_assert(!(e & PTE_RW) || (w.w && w.dirty));
	ck_assert(!(e & PTE_RW) || !shadow_is_pt_page(c->vm, w.pa));
	ck_assert((e & PTE_NX) || w.x);
	c->checked++;
}

static unsigned check_coherence(struct env *e, int step)
{
	unsigned n = 0;
	for (int i = 0; i < 2; i++) {
		struct shadow_vm *vm = &e->vm[i];
		struct coh c = { vm, step, 0 };
		shadow_for_each_entry(vm, check_leaf, &c);
		n += c.checked;
		for (unsigned s = 0; s < e->tlb.sets; s++) {
			for (unsigned w = 0; w < e->tlb.ways; w++) {
				const struct tlb_entry *t = tlb_entry_at(&e->tlb, s, w);
				if (!t->valid || t->vmid != vm->vmid || (t->perm & TLB_G))
					continue;
				struct shadow_walk wk;
				shadow_walk_begin(&wk, vm->cr3, t->va, ACC_READ,
						  shadow_walk_flags(vm, (enum tlb_view)t->view) | SHADOW_WALK_NO_AD);
				shadow_walk_run(&wk, &vm->pmap);
				ck_assert_msg(wk.status == SHADOW_WALK_OK && (wk.pa & PAGE_MASK) == t->pa,
					      "step %d: stale TLB entry va 0x%llx", step, (unsigned long long)t->va);
				ck_assert(!(t->perm & TLB_W) || wk.w);
			}
		}
	}
	return n;
}

static void fuzz(uint64_t seed, int steps, unsigned unshadow_writes)
{
	struct env *e = env_new(2, seed);
	e->vm[0].unshadow_writes = e->vm[1].unshadow_writes = unshadow_writes;
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	memset(recent, 0, sizeof recent);
	unsigned kinds[SHADOW_FILL_ERROR + 1] = { 0 };
	unsigned leaves = 0;
	/* each VM: NCR3 PML4s at the start of the PT region, randomly filled */
	for (int i = 0; i < 2; i++)
		for (pa_t pg = PT_LO; pg < PT_HI; pg += PAGE_SIZE)
			for (unsigned k = 0; k < 4; k++)
				if (rnd() % 4)
					gwrite(&e->vm[i], pg + 8 * idx_pool[k], random_entry());
	for (int step = 0; step < steps; step++) {
		struct shadow_vm *vm = &e->vm[rnd() % 2];
		unsigned op = (unsigned)(rnd() % 100);
		if (op < 60) {
			struct shadow_fill f;
			enum shadow_fill_kind k = shadow_fill(vm, &f, random_va(), (enum cpu_access)(rnd() % 3),
							      (uint64_t)step);
			kinds[k]++;
			if (k == SHADOW_HIDDEN_FAULT)
				recent[rnd() % 16] = f.va;
			if (k == SHADOW_PT_WRITE)
				guest_write(vm, f.walk.pa & ~7ull, random_entry());
		} else if (op < 85) {
			/* the guest kernel edits a table (or a page that later becomes one) */
			pa_t pa = PT_LO + PAGE_SIZE * (rnd() % ((PT_HI - PT_LO) / PAGE_SIZE)) +
				  8 * idx_pool[rnd() % 4];
			if (rnd() % 8 == 0)
				pa = 8 * (rnd() % (ENV_MEM / 8));
			guest_write(vm, pa, random_entry());
		} else if (op < 92) {
			struct shadow_flush_rec r;
			shadow_write_cr3(vm, PT_LO + (rnd() % NCR3) * PAGE_SIZE, &r);
		} else if (op < 96) {
			shadow_set_view(vm, (enum tlb_view)(rnd() % 2));
		} else {
			struct shadow_flush_rec r;
			shadow_invlpg(vm, random_va(), &r);
		}
		check_isolation(e, step);
		if (step % 64 == 0)
			leaves += check_coherence(e, step);
	}
	leaves += check_coherence(e, steps);
	fprintf(stderr, "seed %llu: hidden %u true %u pt-write %u bad-pa %u | leaves checked %u,"
		" PT writes %llu, unshadowed %llu\n", (unsigned long long)seed, kinds[1], kinds[2], kinds[3],
		kinds[4], leaves, (unsigned long long)(e->vm[0].stats.pt_writes + e->vm[1].stats.pt_writes),
		(unsigned long long)(e->vm[0].stats.unshadowed + e->vm[1].stats.unshadowed));
	/* the fuzz must actually exercise things */
	ck_assert_uint_gt(kinds[SHADOW_HIDDEN_FAULT], 50);
	ck_assert_uint_gt(kinds[SHADOW_TRUE_FAULT], 50);
	ck_assert_uint_gt(kinds[SHADOW_BAD_PA] + kinds[SHADOW_PT_WRITE], 0);
	ck_assert_uint_gt(leaves, 50);
	ck_assert_uint_gt(e->vm[0].stats.pt_writes + e->vm[1].stats.pt_writes, 50);
	ck_assert_uint_eq(kinds[SHADOW_FILL_ERROR], 0);
	/* tear down VM 0: its frames come back, VM 1 is untouched */
	uint64_t free_before = e->mf.nfree;
	shadow_vm_free(&e->vm[0]);
	ck_assert_uint_gt(e->mf.nfree, free_before);
	check_isolation(e, steps);
	shadow_vm_free(&e->vm[1]);
	ck_assert_uint_eq(e->mf.nfree, e->mf.nframes);
	ck_assert_uint_eq(e->mf.monitor_frames, 0);
	ck_assert_uint_eq(tlb_count_valid(&e->tlb), 0);
	tlb_free(&e->tlb);
	shadow_mframe_free(&e->mf);
	free(e->ram);
	free(e);
}

START_TEST(fuzz_seed_1) { fuzz(1, 6000, SHADOW_UNSHADOW_WRITES); }
END_TEST
START_TEST(fuzz_seed_2) { fuzz(2, 6000, SHADOW_UNSHADOW_WRITES); }
END_TEST
START_TEST(fuzz_seed_3_unshadow_often) { fuzz(3, 6000, 2); }
END_TEST
START_TEST(fuzz_seed_4_unshadow_often) { fuzz(4, 6000, 3); }
END_TEST

int main(void)
{
	Suite *s = suite_create("shadow_isolation");
	TCase *tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fuzz_seed_1);
	tcase_add_test(tc, fuzz_seed_2);
	tcase_add_test(tc, fuzz_seed_3_unshadow_often);
	tcase_add_test(tc, fuzz_seed_4_unshadow_often);
	suite_add_tcase(s, tc);
	return check_run(s);
}
