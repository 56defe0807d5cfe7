/*
 * shadow/pmap.c — per-VM guest-physical memory: PA page -> MA frame.
 *
 * Eager: every PA page of the VM gets its machine frame when the VM is made,
 * in the mframe's seeded, scattered order, so PA != MA visibly and the layout
 * does not depend on what the guest touches first. On a host whose VMs share
 * an overcommit pool (mf->pool) a page gets its frame when first touched. Everything the monitor
 * and the walker read or write of guest-physical memory goes through here,
 * bounds-checked: a PA outside [0, mem_size) has no frame.
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

int shadow_pmap_init(struct shadow_pmap *pm, struct shadow_mframe *mf, uint16_t vmid,
		     uint64_t mem_size)
{
	memset(pm, 0, sizeof *pm);
	if (vmid >= SHADOW_OWNER_MONITOR || mem_size == 0 || (mem_size > mf->ram_size && !mf->pool))
		return -1;
	uint64_t n = (mem_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (n > mf->nfree && !mf->pool)
		return -1;
	pm->frame = malloc(n * sizeof *pm->frame);
	if (!pm->frame)
		return -1;
	pm->vmid = vmid;
	pm->mf = mf;
	pm->npages = n;
	pm->mem_size = n << PAGE_SHIFT;
	for (uint64_t i = 0; i < n; i++) {
		if (mf->pool) { /* frames on demand from the host's overcommit pool (shadow_vm_init joins it) */
			pm->frame[i] = MA_NONE;
			continue;
		}
		pm->frame[i] = shadow_mframe_alloc(mf, vmid);
		mf->tag[pm->frame[i] >> PAGE_SHIFT] = (uint32_t)i;
	}
	return 0;
}

void shadow_pmap_free(struct shadow_pmap *pm)
{
	if (!pm->frame)
		return;
	if (pm->oc) /* overcommitted: its resident pages' frames go back through the pool */
		shadow_ocpool_leave(pm->oc->sh);
	/* release in reverse so the mframe's free stack returns to its earlier order */
	for (uint64_t i = pm->npages; i-- > 0;)
		if (pm->frame[i] != MA_NONE)
			shadow_mframe_release(pm->mf, pm->frame[i]);
	free(pm->frame);
	free(pm->dirty);
	pm->frame = NULL;
	pm->dirty = NULL;
	pm->npages = pm->mem_size = 0;
}

ma_t shadow_pa_to_ma(const struct shadow_pmap *pm, pa_t pa)
{
	if (pa >= pm->mem_size)
		return MA_NONE;
	ma_t f = pm->frame[pa >> PAGE_SHIFT];
	if (f == MA_NONE && (f = shadow_oc_page_in(pm, pa >> PAGE_SHIFT)) == MA_NONE)
		return MA_NONE; /* overcommitted and no frame to be had */
	return f | (pa & (PAGE_SIZE - 1));
}

pa_t shadow_ma_to_pa(const struct shadow_pmap *pm, ma_t ma)
{
	if (shadow_mframe_owner(pm->mf, ma) != pm->vmid)
		return PA_NONE;
	return ((pa_t)pm->mf->tag[ma >> PAGE_SHIFT] << PAGE_SHIFT) | (ma & (PAGE_SIZE - 1));
}

bool shadow_pmap_read64(const struct shadow_pmap *pm, pa_t pa, uint64_t *v)
{
	ma_t ma = shadow_pa_to_ma(pm, pa);
	if (ma == MA_NONE || (pa & 7))
		return false;
	memcpy(v, pm->mf->ram + ma, 8);
	return true;
}

bool shadow_pmap_write64(const struct shadow_pmap *pm, pa_t pa, uint64_t v)
{
	ma_t ma = shadow_pa_to_ma_w(pm, pa);
	if (ma == MA_NONE || (pa & 7))
		return false;
	memcpy(pm->mf->ram + ma, &v, 8);
	shadow_pmap_mark_dirty(pm, pa);
	return true;
}

/* Copy len bytes between host memory and guest-physical pa, page by page. */
static bool copy(const struct shadow_pmap *pm, pa_t pa, void *host, uint64_t len, bool to_guest)
{
	if (pa >= pm->mem_size || len > pm->mem_size - pa)
		return false;
	uint8_t *h = host;
	while (len) {
		uint64_t off = pa & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		ma_t ma = to_guest ? shadow_pa_to_ma_w(pm, pa) : shadow_pa_to_ma(pm, pa);
		if (ma == MA_NONE)
			return false; /* overcommitted, no frame to be had (a part may be copied) */
		uint8_t *g = pm->mf->ram + ma;
		if (to_guest) {
			memcpy(g, h, n);
			shadow_pmap_mark_dirty(pm, pa);
		} else {
			memcpy(h, g, n);
		}
		pa += n;
		h += n;
		len -= n;
	}
	return true;
}

bool shadow_pmap_write(const struct shadow_pmap *pm, pa_t pa, const void *src, uint64_t len)
{
	return copy(pm, pa, (void *)(uintptr_t)src, len, true);
}

bool shadow_pmap_read(const struct shadow_pmap *pm, pa_t pa, void *dst, uint64_t len)
{
	return copy(pm, pa, dst, len, false);
}
