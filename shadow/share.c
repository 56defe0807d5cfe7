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
 * SIMPLIFICATION: one VM's pages only; with several VMs on one host the
 * sharers table belongs to the host's frame allocator (kernel text of two
 * guestos VMs).
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
	if (!oc || oc->sharers)
		return -1;
	oc->sharers = calloc(pm->mf->nframes, sizeof *oc->sharers);
	oc->hash = calloc(pm->npages, sizeof *oc->hash);
	if (!oc->sharers || !oc->hash) {
		free(oc->sharers);
		free(oc->hash);
		oc->sharers = NULL;
		oc->hash = NULL;
		return -1;
	}
	oc->zero_hash = page_hash(zero_page);
	return 0;
}

bool shadow_share_is_shared(const struct shadow_pmap *pm, ma_t ma)
{
	const struct shadow_oc *oc = pm->oc;
	return oc && oc->sharers && ma != MA_NONE && oc->sharers[ma >> PAGE_SHIFT] != 0;
}

/* A resident page, not `skip`, whose recorded hash is h and whose frame holds
 * exactly bytes b (only shared frames if `shared_only`): its frame, or MA_NONE. */
static ma_t find_frame(const struct shadow_pmap *pm, uint64_t h, const uint8_t *b, uint64_t skip,
		       uint64_t pinned, bool shared_only)
{
	const struct shadow_oc *oc = pm->oc;
	uint64_t ring = 2 * pm->npages;
	for (uint64_t i = 0; i < oc->count; i++) {
		uint64_t q = oc->fifo[(oc->head + i) % ring];
		ma_t m = pm->frame[q];
		if (q == skip || q == pinned || m == MA_NONE || oc->hash[q] != h)
			continue;
		if (shared_only && !oc->sharers[m >> PAGE_SHIFT])
			continue;
		if (pm->mf->ram + m != b && !memcmp(pm->mf->ram + m, b, PAGE_SIZE))
			return m;
	}
	return MA_NONE;
}

/* Page p now maps shared frame s (write-protected already). */
static void add_sharer(struct shadow_oc *oc, const struct shadow_pmap *pm, uint64_t p, ma_t s)
{
	pm->frame[p] = s;
	oc->sharers[s >> PAGE_SHIFT]++;
	oc->shared_pages++;
}

/* Recorded hashes go stale as the guest writes; each page-out decision rehashes
 * the next SHADOW_SHARE_SCAN private resident pages of the FIFO (a cursor). */
static void rescan(const struct shadow_pmap *pm)
{
	struct shadow_oc *oc = pm->oc;
	for (unsigned k = 0; k < SHADOW_SHARE_SCAN && oc->count; k++) {
		uint64_t q = oc->fifo[(oc->head + oc->scan++ % oc->count) % (2 * pm->npages)];
		ma_t m = pm->frame[q];
		if (m != MA_NONE && !oc->sharers[m >> PAGE_SHIFT])
			oc->hash[q] = page_hash(pm->mf->ram + m);
	}
}

bool shadow_share_merge_victim(const struct shadow_pmap *pm, uint64_t p, uint64_t pinned)
{
	struct shadow_oc *oc = pm->oc;
	struct shadow_vm *vm = oc->sh;
	ma_t f = pm->frame[p];
	if (oc->sharers[f >> PAGE_SHIFT])
		return false; /* shared already: paging it out is what frees its share */
	rescan(pm);
	const uint8_t *b = pm->mf->ram + f;
	uint64_t h = page_hash(b);
	ma_t s = find_frame(pm, h, b, p, pinned, false);
	if (s == MA_NONE)
		return false;
	if (!oc->sharers[s >> PAGE_SHIFT]) { /* its first sharing: no writable mapping may stay */
		uint64_t q = pm->mf->tag[s >> PAGE_SHIFT];
		shadow_protect_frame(vm, s);
		struct tlb_match m = {.match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = s};
		tlb_invalidate(vm->tlb, &m, TLB_CAUSE_SHADOW);
		vm->mapped_w[q] = 0;
		oc->hash[q] = h;
		oc->sharers[s >> PAGE_SHIFT] = 1;
		oc->shared_frames++;
		oc->shared_pages++;
	}
	shadow_oc_unmap(vm, p, f);
	shadow_mframe_release(pm->mf, f);
	oc->nresident--;
	add_sharer(oc, pm, p, s);
	oc->hash[p] = h;
	shadow_oc_fifo_push(oc, pm, p); /* still resident */
	oc->merges++;
	oc->merges_zero += h == oc->zero_hash && !memcmp(b, zero_page, PAGE_SIZE);
	return true;
}

ma_t shadow_share_find(const struct shadow_pmap *pm, uint64_t p, uint64_t *hash)
{
	struct shadow_oc *oc = pm->oc;
	const uint8_t *b = oc->swapped[p] ? oc->swap + p * PAGE_SIZE : zero_page;
	*hash = oc->swapped[p] ? page_hash(b) : oc->zero_hash;
	ma_t s = find_frame(pm, *hash, b, p, UINT64_MAX, true);
	if (s != MA_NONE) {
		add_sharer(oc, pm, p, s);
		oc->shared_ins++;
	}
	return s;
}

/* Page p's first write since it was shared: its own frame (a copy) or, as the
 * last sharer, its frame made private again. MA_NONE if no frame could be had. */
static ma_t unshare(const struct shadow_pmap *pm, uint64_t p)
{
	struct shadow_oc *oc = pm->oc;
	struct shadow_vm *vm = oc->sh;
	oc->cow_breaks++;
	oc->last_cow = p;
	for (;;) {
		ma_t s = pm->frame[p];
		uint32_t *n = &oc->sharers[s >> PAGE_SHIFT];
		if (*n == 1) { /* the last one: no copy; the next fill may grant write */
			*n = 0;
			oc->shared_frames--;
			oc->shared_pages--;
			pm->mf->tag[s >> PAGE_SHIFT] = (uint32_t)p;
			return s;
		}
		if (oc->nresident < oc->resident_max && pm->mf->nfree)
			break;
		if (!shadow_oc_page_out_one(pm, p)) { /* may drop another sharer of s */
			oc->failed = true;
			return MA_NONE;
		}
	}
	ma_t s = pm->frame[p];
	ma_t c = shadow_mframe_alloc(pm->mf, pm->vmid);
	memcpy(pm->mf->ram + c, pm->mf->ram + s, PAGE_SIZE);
	pm->mf->tag[c >> PAGE_SHIFT] = (uint32_t)p;
	oc->nresident++;
	/* p's leaves (and, simply, the other sharers': they refill) stop reaching s */
	shadow_clear_leaves(vm, s, ~0ull);
	struct tlb_match m = {.match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = s};
	tlb_invalidate(vm->tlb, &m, TLB_CAUSE_SHADOW);
	oc->sharers[s >> PAGE_SHIFT]--;
	oc->shared_pages--;
	pm->frame[p] = c;
	if (pm->mf->tag[s >> PAGE_SHIFT] == p) /* the frame's tag names a page that still maps it */
		for (uint64_t q = 0; q < pm->npages; q++)
			if (pm->frame[q] == s) {
				pm->mf->tag[s >> PAGE_SHIFT] = (uint32_t)q;
				break;
			}
	return c;
}

ma_t shadow_pa_to_ma_w(const struct shadow_pmap *pm, pa_t pa)
{
	ma_t ma = shadow_pa_to_ma(pm, pa);
	if (!shadow_share_is_shared(pm, ma))
		return ma;
	ma_t c = unshare(pm, pa >> PAGE_SHIFT);
	return c == MA_NONE ? MA_NONE : c | (pa & (PAGE_SIZE - 1));
}
