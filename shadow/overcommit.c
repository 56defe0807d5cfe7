/*
 * shadow/overcommit.c — guest-physical pages paged out to a host swap area
 * and back, when the machine has fewer frames than the guests have pages
 * (--machine-mem). The policy and the data are described in shadow.h
 * (struct shadow_ocpool, struct shadow_oc; the victim FIFO is ocpool.c);
 * docs/overcommit.md tells the story.
 *
 * Page-ins happen inside shadow_pa_to_ma, whoever asks: the CPU's miss (a
 * fill), the guest walker reading a PT page, the monitor's own writes. So a
 * page-in may page out any page but the one being brought in and the page of
 * an open PT-write window; callers hold an MA only until their next lookup.
 *
 * Double paging: the guest kernel picks a page to swap out and reads it to
 * write it to its disk; if the monitor had paged that page out, the read
 * pages it back in only for it to leave again. Detected by content: a page
 * read back from swap whose 8 sectors then arrive, in order, in guest disk
 * writes (guestos writes a page as sectors 0..7 of a swap slot).
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

void shadow_oc_unmap(struct shadow_vm *vm, uint64_t p, ma_t ma)
{
	shadow_clear_leaves(vm, ma, ~0ull); /* the whole entry: not present */
	struct tlb_match m = {.match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = ma};
	tlb_invalidate(vm->tlb, &m, TLB_CAUSE_SHADOW);
	if (vm->cpu)
		cpu_code_written(vm->cpu, ma, PAGE_SIZE);
	vm->mapped_w[p] = 0;
}

ma_t shadow_oc_page_in(const struct shadow_pmap *pm, uint64_t p)
{
	struct shadow_oc *oc = pm->oc;
	if (!oc)
		return MA_NONE;
	struct shadow_ocpool *pool = oc->pool;
	uint64_t h = 0;
	ma_t ma = oc->hash ? shadow_share_find(pm, p, &h) : MA_NONE;
	if (ma == MA_NONE) {
		while (pool->nresident >= pool->resident_max || pm->mf->nfree == 0)
			if (!shadow_oc_page_out_one(pool, oc, p)) {
				oc->failed = true;
				return MA_NONE;
			}
		ma = shadow_oc_take_frame(oc, p);
		if (oc->swapped[p])
			memcpy(pm->mf->ram + ma, oc->swap + p * PAGE_SIZE, PAGE_SIZE);
	}
	pm->frame[p] = ma;
	if (oc->hash)
		oc->hash[p] = h;
	shadow_oc_fifo_push(pool, oc, p);
	if (oc->swapped[p]) {
		oc->swapped[p] = 0;
		oc->page_ins++;
		oc->recent[oc->recent_next] = p;
		oc->recent_seen[oc->recent_next] = 0;
		oc->recent_next = (oc->recent_next + 1) % SHADOW_OC_RECENT;
	} else {
		oc->zero_fills++;
	}
	return ma;
}

bool shadow_oc_disk_write(struct shadow_oc *oc, const struct shadow_pmap *pm, const uint8_t *sector,
			  unsigned index)
{
	if (!oc || index >= 8)
		return false;
	for (unsigned i = 0; i < SHADOW_OC_RECENT; i++) {
		uint64_t p = oc->recent[i];
		uint8_t want = (uint8_t)((1u << index) - 1); /* sectors 0..index-1 seen already */
		if (p == UINT64_MAX || pm->frame[p] == MA_NONE || oc->recent_seen[i] != want)
			continue;
		if (memcmp(pm->mf->ram + pm->frame[p] + index * 512u, sector, 512))
			continue;
		oc->recent_seen[i] |= (uint8_t)(1u << index);
		if (oc->recent_seen[i] == 0xff) {
			oc->double_paging++;
			oc->last_double = p;
			oc->recent[i] = UINT64_MAX; /* once per page-in */
			return true;
		}
	}
	return false;
}

int shadow_overcommit_enable(struct shadow_vm *vm, uint64_t resident_pages)
{
	struct shadow_pmap *pm = &vm->pmap;
	if (pm->oc || resident_pages < 4)
		return -1;
	struct shadow_ocpool *pool = shadow_ocpool_create(pm->mf, resident_pages);
	if (!pool || shadow_ocpool_join(pool, vm, true)) {
		shadow_ocpool_free(pool);
		return -1;
	}
	/* the eager frames go back (in reverse: the free stack is as before the pmap took them) */
	for (uint64_t i = pm->npages; i-- > 0;) {
		shadow_mframe_release(pm->mf, pm->frame[i]);
		pm->frame[i] = MA_NONE;
	}
	return 0;
}

int shadow_oc_balloon_take(struct shadow_vm *vm, uint64_t p)
{
	struct shadow_pmap *pm = &vm->pmap;
	struct shadow_oc *oc = pm->oc;
	if (!oc || p >= pm->npages || (vm->ptw.active && vm->ptw.pa >> PAGE_SHIFT == p))
		return -1;
	ma_t ma = pm->frame[p];
	if (ma != MA_NONE) { /* its FIFO entry goes stale; page_out_one skips it */
		shadow_oc_unmap(vm, p, ma);
		shadow_oc_drop_frame(oc, p);
	}
	oc->swapped[p] = 0;
	oc->ballooned++;
	return 0;
}
