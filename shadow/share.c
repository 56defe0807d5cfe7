/*
 * shadow/share.c — page sharing under overcommit (--share-pages): identical
 * guest pages map one read-only machine frame; the first write copies
 * (copy-on-write). The policy is in shadow.h (struct shadow_oc, "share.c");
 * docs/overcommit.md has the numbers.
 *
 * Candidates are found by a 64-bit content hash recorded when a page was paged
 * in (its swap slot or zeros) or merged; the hash only proposes, a byte
 * comparison decides. A page's bytes may have changed since its hash was
 * recorded: then it is simply not found (a missed merge, never a wrong one).
 * The candidates are the resident pages of every VM of the pool (one VM alone,
 * or the overcommitted VMs of one host: kernel text of two guestos VMs).
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

static const uint8_t zero_page[PAGE_SIZE];

static uint64_t page_hash(const uint8_t *b)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	for (unsigned i = 0; i < PAGE_SIZE; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

int shadow_share_enable(struct shadow_vm *vm)
{
	struct shadow_pmap *pm = &vm->pmap;
	struct shadow_oc *oc = pm->oc;
	if (!oc || oc->hash)
		return -1;
	struct shadow_ocpool *pool = oc->pool;
	if (!pool->sharers && !(pool->sharers = calloc(pm->mf->nframes, sizeof *pool->sharers)))
		return -1;
	if (!(oc->hash = calloc(pm->npages, sizeof *oc->hash)))
		return -1;
	pool->zero_hash = page_hash(zero_page);
	return 0;
}

bool shadow_share_is_shared(const struct shadow_pmap *pm, ma_t ma)
{
	const struct shadow_oc *oc = pm->oc;
	return oc && oc->pool->sharers && ma != MA_NONE && oc->pool->sharers[ma >> PAGE_SHIFT] != 0;
}

/* A resident page of any VM of the pool, not page `skip` of `skip_oc`, whose
 * recorded hash is h and whose frame holds exactly bytes b (only shared frames
 * if `shared_only`): its frame (its VM and page in *who, *q), or MA_NONE. */
static ma_t find_frame(const struct shadow_ocpool *pool, uint64_t h, const uint8_t *b, const struct shadow_oc *skip_oc,
		       uint64_t skip, bool shared_only, struct shadow_oc **who, uint64_t *q)
{
	const uint8_t *ram = pool->mf->ram;
	for (uint64_t i = 0; i < pool->count; i++) {
		uint64_t e = pool->fifo[(pool->head + i) % pool->ring];
		struct shadow_oc *oc = pool->oc[e >> 32];
		uint64_t p = e & 0xffffffffull;
		if (!oc || !oc->hash || (oc == skip_oc && p == skip) || p == shadow_oc_pinned(oc))
			continue;
		ma_t m = oc->sh->pmap.frame[p];
		if (m == MA_NONE || oc->hash[p] != h || (shared_only && !pool->sharers[m >> PAGE_SHIFT]))
			continue;
		if (ram + m != b && !memcmp(ram + m, b, PAGE_SIZE)) {
			*who = oc;
			*q = p;
			return m;
		}
	}
	return MA_NONE;
}

/* Page p of oc now maps shared frame s (write-protected already). */
static void add_sharer(struct shadow_oc *oc, uint64_t p, ma_t s)
{
	oc->sh->pmap.frame[p] = s;
	oc->pool->sharers[s >> PAGE_SHIFT]++;
	oc->pool->shared_pages++;
	oc->shared_pages++;
	if (oc->pool->shared_pages - oc->pool->shared_frames > oc->pool->saved_max)
		oc->pool->saved_max = oc->pool->shared_pages - oc->pool->shared_frames;
}

/* Recorded hashes go stale as the guests write; each page-out decision rehashes
 * the next SHADOW_SHARE_SCAN private resident pages of the FIFO (a cursor). */
static void rescan(struct shadow_ocpool *pool)
{
	for (unsigned k = 0; k < SHADOW_SHARE_SCAN && pool->count; k++) {
		uint64_t e = pool->fifo[(pool->head + pool->scan++ % pool->count) % pool->ring];
		struct shadow_oc *oc = pool->oc[e >> 32];
		uint64_t q = e & 0xffffffffull;
		ma_t m = oc && oc->hash ? oc->sh->pmap.frame[q] : MA_NONE;
		if (m != MA_NONE && !pool->sharers[m >> PAGE_SHIFT])
			oc->hash[q] = page_hash(pool->mf->ram + m);
	}
}

/* Private frame s of page q of `owner` becomes shared: no writable mapping of it may stay. */
static void first_share(struct shadow_ocpool *pool, struct shadow_oc *owner, uint64_t q, ma_t s, uint64_t h)
{
	struct shadow_vm *vm = owner->sh;
	shadow_protect_frame(vm, s);
	struct tlb_match m = {.match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = s};
	tlb_invalidate(vm->tlb, &m, TLB_CAUSE_SHADOW);
	vm->mapped_w[q] = 0;
	owner->hash[q] = h;
	pool->sharers[s >> PAGE_SHIFT] = 1;
	pool->shared_frames++;
	pool->shared_pages++;
	owner->shared_frames++;
	owner->shared_pages++;
}

bool shadow_share_merge_victim(struct shadow_oc *oc, uint64_t p)
{
	struct shadow_ocpool *pool = oc->pool;
	struct shadow_pmap *pm = &oc->sh->pmap;
	ma_t f = pm->frame[p];
	if (pool->sharers[f >> PAGE_SHIFT])
		return false; /* shared already: paging it out is what frees its share */
	rescan(pool);
	const uint8_t *b = pm->mf->ram + f;
	uint64_t h = page_hash(b), q;
	struct shadow_oc *owner;
	ma_t s = find_frame(pool, h, b, oc, p, false, &owner, &q);
	if (s == MA_NONE)
		return false;
	if (!pool->sharers[s >> PAGE_SHIFT])
		first_share(pool, owner, q, s, h);
	shadow_oc_unmap(oc->sh, p, f);
	shadow_oc_drop_frame(oc, p); /* its private frame: freed */
	add_sharer(oc, p, s);
	oc->hash[p] = h;
	shadow_oc_fifo_push(pool, oc, p); /* still resident */
	oc->merges++;
	oc->merges_zero += h == pool->zero_hash && !memcmp(b, zero_page, PAGE_SIZE);
	return true;
}

ma_t shadow_share_find(const struct shadow_pmap *pm, uint64_t p, uint64_t *hash)
{
	struct shadow_oc *oc = pm->oc, *owner;
	const uint8_t *b = oc->swapped[p] ? oc->swap + p * PAGE_SIZE : zero_page;
	*hash = oc->swapped[p] ? page_hash(b) : oc->pool->zero_hash;
	uint64_t q;
	ma_t s = find_frame(oc->pool, *hash, b, oc, p, true, &owner, &q);
	if (s != MA_NONE) {
		add_sharer(oc, p, s);
		oc->shared_ins++;
	}
	return s;
}

/* Page p's first write since it was shared: its own frame (a copy) or, as the
 * last sharer, its frame made private again. MA_NONE if no frame could be had. */
static ma_t unshare(struct shadow_oc *oc, uint64_t p)
{
	struct shadow_ocpool *pool = oc->pool;
	struct shadow_vm *vm = oc->sh;
	struct shadow_pmap *pm = &vm->pmap;
	oc->cow_breaks++;
	oc->last_cow = p;
	for (;;) {
		ma_t s = pm->frame[p];
		uint32_t *n = &pool->sharers[s >> PAGE_SHIFT];
		if (*n == 1) { /* the last one: no copy; the next fill may grant write */
			shadow_oc_make_private(oc, p);
			return s;
		}
		if (pool->nresident < pool->resident_max && pm->mf->nfree)
			break;
		if (!shadow_oc_page_out_one(pool, oc, p)) { /* may drop another sharer of s */
			oc->failed = true;
			return MA_NONE;
		}
	}
	ma_t s = pm->frame[p];
	ma_t c = shadow_oc_take_frame(oc, p);
	memcpy(pm->mf->ram + c, pm->mf->ram + s, PAGE_SIZE);
	/* p's leaves (and, simply, its VM's other sharers': they refill) stop reaching s */
	shadow_clear_leaves(vm, s, ~0ull);
	struct tlb_match m = {.match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = s};
	tlb_invalidate(vm->tlb, &m, TLB_CAUSE_SHADOW);
	shadow_oc_drop_frame(oc, p); /* s stays: others share it */
	pm->frame[p] = c;
	return c;
}

ma_t shadow_pa_to_ma_w(const struct shadow_pmap *pm, pa_t pa)
{
	ma_t ma = shadow_pa_to_ma(pm, pa);
	if (!shadow_share_is_shared(pm, ma))
		return ma;
	ma_t c = unshare(pm->oc, pa >> PAGE_SHIFT);
	return c == MA_NONE ? MA_NONE : c | (pa & (PAGE_SIZE - 1));
}
