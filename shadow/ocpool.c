/*
 * shadow/ocpool.c — the machine frames that the overcommitted VMs of one host
 * share (struct shadow_ocpool, shadow.h): who joins, the one FIFO of resident
 * pages over every VM (the victim policy), and a frame's coming and going
 * (taken for a page, freed, its ownership passed between the VMs sharing it).
 * A VM alone has a pool of its own: then this is exactly one VM's FIFO.
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

#define ENTRY(vmid, p) ((uint64_t)(vmid) << 32 | (p))
#define ENTRY_VM(e) ((unsigned)((e) >> 32))
#define ENTRY_PAGE(e) ((e) & 0xffffffffull)

struct shadow_ocpool *shadow_ocpool_create(struct shadow_mframe *mf, uint64_t frames)
{
	if (frames < 4)
		return NULL;
	struct shadow_ocpool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return NULL;
	pool->mf = mf;
	pool->resident_max = frames;
	return pool;
}

void shadow_ocpool_free(struct shadow_ocpool *pool)
{
	if (!pool)
		return;
	free(pool->fifo);
	free(pool->sharers);
	free(pool);
}

/* Every VM's part of the frames, in proportion to its pages (the balloon's aim). */
static void retarget(struct shadow_ocpool *pool)
{
	uint64_t pages = 0;
	for (unsigned v = 0; v < SHADOW_POOL_VMS; v++)
		if (pool->oc[v])
			pages += pool->oc[v]->sh->pmap.npages;
	for (unsigned v = 0; v < SHADOW_POOL_VMS; v++)
		if (pool->oc[v])
			pool->oc[v]->target = pages ? pool->resident_max * pool->oc[v]->sh->pmap.npages / pages : 0;
}

/* Lay the ring out anew in `ring` entries (oldest first), keeping only entries
 * of VMs still in the pool (a VM that left leaves none behind). 0 or -1. */
static int relayout(struct shadow_ocpool *pool, uint64_t ring)
{
	uint64_t *f = malloc(ring * sizeof *f), n = 0;
	if (!f)
		return -1;
	for (uint64_t i = 0; i < pool->count; i++) {
		uint64_t e = pool->fifo[(pool->head + i) % pool->ring];
		if (pool->oc[ENTRY_VM(e)])
			f[n++] = e;
	}
	free(pool->fifo);
	pool->fifo = f;
	pool->ring = ring;
	pool->head = 0;
	pool->count = n;
	return 0;
}

int shadow_ocpool_join(struct shadow_ocpool *pool, struct shadow_vm *vm, bool own)
{
	struct shadow_pmap *pm = &vm->pmap;
	if (pm->oc || vm->vmid >= SHADOW_POOL_VMS || pool->oc[vm->vmid])
		return -1;
	struct shadow_oc *oc = calloc(1, sizeof *oc);
	/* a page given to the balloon leaves a stale entry: twice the pages is room enough */
	uint64_t ring = pool->ring + 2 * pm->npages;
	if (!oc || !(oc->swap = malloc(pm->npages * PAGE_SIZE)) || !(oc->swapped = calloc(pm->npages, 1)) ||
	    relayout(pool, ring)) {
		if (oc)
			free(oc->swap), free(oc->swapped);
		free(oc);
		return -1;
	}
	oc->sh = vm;
	oc->pool = pool;
	oc->own_pool = own;
	for (unsigned i = 0; i < SHADOW_OC_RECENT; i++)
		oc->recent[i] = UINT64_MAX;
	pool->oc[vm->vmid] = oc;
	pool->nvms++;
	retarget(pool);
	pm->oc = oc;
	return 0;
}

void shadow_ocpool_leave(struct shadow_vm *vm)
{
	struct shadow_pmap *pm = &vm->pmap;
	struct shadow_oc *oc = pm->oc;
	if (!oc)
		return;
	struct shadow_ocpool *pool = oc->pool;
	/* in reverse: a VM alone leaves the mframe's free stack as it found it */
	for (uint64_t i = pm->npages; i-- > 0;)
		if (pm->frame[i] != MA_NONE)
			shadow_oc_drop_frame(oc, i);
	pool->oc[vm->vmid] = NULL;
	pool->nvms--;
	relayout(pool, pool->ring); /* its entries go; on no host memory they stay, skipped as stale */
	retarget(pool);
	free(oc->swap);
	free(oc->swapped);
	free(oc->hash);
	if (oc->own_pool)
		shadow_ocpool_free(pool);
	free(oc);
	pm->oc = NULL;
}

void shadow_oc_fifo_push(struct shadow_ocpool *pool, const struct shadow_oc *oc, uint64_t p)
{
	pool->fifo[(pool->head + pool->count) % pool->ring] = ENTRY(oc->sh->vmid, p);
	pool->count++;
}

uint64_t shadow_oc_pinned(const struct shadow_oc *oc)
{
	const struct shadow_vm *vm = oc->sh;
	return vm->ptw.active ? vm->ptw.pa >> PAGE_SHIFT : UINT64_MAX;
}

/* Page p of oc (resident, its frame private or shared) out to its swap slot,
 * for by's page-in of by_page (oc->on_page_out is told). */
static void page_out(struct shadow_oc *oc, uint64_t p, const struct shadow_oc *by, uint64_t by_page)
{
	struct shadow_pmap *pm = &oc->sh->pmap;
	ma_t ma = pm->frame[p];
	shadow_oc_unmap(oc->sh, p, ma);
	memcpy(oc->swap + p * PAGE_SIZE, pm->mf->ram + ma, PAGE_SIZE);
	oc->swapped[p] = 1;
	shadow_oc_drop_frame(oc, p);
	oc->page_outs++;
	if (oc->on_page_out)
		oc->on_page_out(oc->on_page_out_ctx, p, ma, by, by_page);
}

bool shadow_oc_page_out_one(struct shadow_ocpool *pool, const struct shadow_oc *keep_oc, uint64_t keep)
{
	for (uint64_t tries = 0; tries < pool->count;) {
		uint64_t e = pool->fifo[pool->head];
		pool->head = (pool->head + 1) % pool->ring;
		struct shadow_oc *oc = pool->oc[ENTRY_VM(e)];
		uint64_t p = ENTRY_PAGE(e);
		if (!oc || oc->sh->pmap.frame[p] == MA_NONE) { /* stale: the page went to the balloon */
			pool->count--;
			continue;
		}
		tries++;
		if ((oc == keep_oc && p == keep) || p == shadow_oc_pinned(oc)) { /* back of the queue */
			pool->fifo[(pool->head + pool->count - 1) % pool->ring] = e;
			continue;
		}
		pool->count--;
		if (oc->hash && shadow_share_merge_victim(oc, p))
			return true;
		page_out(oc, p, keep_oc, keep);
		return true;
	}
	return false;
}

ma_t shadow_oc_take_frame(struct shadow_oc *oc, uint64_t p)
{
	struct shadow_pmap *pm = &oc->sh->pmap;
	ma_t ma = shadow_mframe_alloc(pm->mf, pm->vmid); /* zeroed */
	if (ma == MA_NONE)
		return MA_NONE;
	pm->mf->tag[ma >> PAGE_SHIFT] = (uint32_t)p;
	oc->pool->nresident++;
	oc->frames++;
	return ma;
}

/* The VM of the pool owning frame ma (NULL: none of them). */
static struct shadow_oc *owner_of(const struct shadow_ocpool *pool, ma_t ma)
{
	uint16_t o = shadow_mframe_owner(pool->mf, ma);
	return o < SHADOW_POOL_VMS ? pool->oc[o] : NULL;
}

void shadow_oc_rehome(struct shadow_ocpool *pool, ma_t s, const struct shadow_oc *from, uint64_t p)
{
	struct shadow_mframe *mf = pool->mf;
	struct shadow_oc *old = owner_of(pool, s);
	if (old != from || mf->tag[s >> PAGE_SHIFT] != p)
		return; /* its owner is another page */
	for (unsigned v = 0; v < SHADOW_POOL_VMS; v++) {
		struct shadow_oc *oc = pool->oc[v];
		const struct shadow_pmap *pm = oc ? &oc->sh->pmap : NULL;
		for (uint64_t q = 0; pm && q < pm->npages; q++) {
			if (pm->frame[q] != s || (oc == from && q == p))
				continue;
			mf->owner[s >> PAGE_SHIFT] = pm->vmid;
			mf->tag[s >> PAGE_SHIFT] = (uint32_t)q;
			if (oc != old) {
				old->frames--, oc->frames++;
				if (pool->sharers[s >> PAGE_SHIFT])
					old->shared_frames--, oc->shared_frames++;
			}
			return;
		}
	}
}

bool shadow_oc_drop_frame(struct shadow_oc *oc, uint64_t p)
{
	struct shadow_ocpool *pool = oc->pool;
	struct shadow_pmap *pm = &oc->sh->pmap;
	ma_t ma = pm->frame[p];
	uint32_t *n = pool->sharers ? &pool->sharers[ma >> PAGE_SHIFT] : NULL;
	bool was_shared = n && *n;
	if (was_shared) {
		pool->shared_pages--;
		oc->shared_pages--;
		if (--*n) { /* other pages still map it */
			shadow_oc_rehome(pool, ma, oc, p);
			pm->frame[p] = MA_NONE;
			return false;
		}
		pool->shared_frames--;
	}
	struct shadow_oc *owner = owner_of(pool, ma);
	if (owner) { /* always one of the pool's VMs: a VM leaving hands its shared frames on */
		owner->frames--;
		owner->shared_frames -= was_shared;
	}
	pm->frame[p] = MA_NONE;
	pool->nresident--;
	shadow_mframe_release(pm->mf, ma);
	/* a VM that broke its sharing of the frame may still hold decoded code there */
	for (unsigned v = 0; pool->sharers && v < SHADOW_POOL_VMS; v++)
		if (pool->oc[v] && pool->oc[v] != oc && pool->oc[v]->sh->cpu)
			cpu_code_written(pool->oc[v]->sh->cpu, ma, PAGE_SIZE);
	return true;
}

void shadow_oc_make_private(struct shadow_oc *oc, uint64_t p)
{
	struct shadow_ocpool *pool = oc->pool;
	struct shadow_mframe *mf = pool->mf;
	ma_t s = oc->sh->pmap.frame[p];
	struct shadow_oc *owner = owner_of(pool, s);
	pool->sharers[s >> PAGE_SHIFT] = 0;
	pool->shared_frames--;
	pool->shared_pages--;
	oc->shared_pages--;
	if (owner) {
		owner->shared_frames--;
		owner->frames--;
	}
	oc->frames++;
	mf->owner[s >> PAGE_SHIFT] = oc->sh->vmid;
	mf->tag[s >> PAGE_SHIFT] = (uint32_t)p;
}
