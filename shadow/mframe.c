/*
 * shadow/mframe.c — the machine-frame allocator over the one machine RAM
 * buffer (MA = offset). Every frame has an owner: a VM (its pmap frames), the
 * monitor (shadow tables), or nobody. The owner table is what the isolation
 * check trusts.
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int shadow_mframe_init(struct shadow_mframe *mf, uint8_t *ram, uint64_t ram_size, uint64_t seed)
{
	memset(mf, 0, sizeof *mf);
	uint64_t n = ram_size >> PAGE_SHIFT;
	if (!ram || n == 0 || n > 0xffffffffull)
		return -1;
	mf->owner = malloc(n * sizeof *mf->owner);
	mf->free = malloc(n * sizeof *mf->free);
	mf->tag = calloc(n, sizeof *mf->tag);
	if (!mf->owner || !mf->free || !mf->tag) {
		shadow_mframe_free(mf);
		return -1;
	}
	mf->ram = ram;
	mf->ram_size = n << PAGE_SHIFT;
	mf->nframes = n;
	for (uint64_t i = 0; i < n; i++) {
		mf->owner[i] = SHADOW_OWNER_FREE;
		mf->free[i] = (uint32_t)i;
	}
	/* Fisher-Yates with a seeded splitmix64: scattered, reproducible order. */
	uint64_t s = seed;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = splitmix64(&s) % (i + 1);
		uint32_t t = mf->free[i];
		mf->free[i] = mf->free[j];
		mf->free[j] = t;
	}
	mf->nfree = n;
	return 0;
}

void shadow_mframe_free(struct shadow_mframe *mf)
{
	free(mf->owner);
	free(mf->free);
	free(mf->tag);
	mf->tag = NULL;
	mf->owner = NULL;
	mf->free = NULL;
	mf->nfree = mf->nframes = 0;
}

ma_t shadow_mframe_alloc(struct shadow_mframe *mf, uint16_t owner)
{
	if (mf->nfree == 0 || owner == SHADOW_OWNER_FREE)
		return MA_NONE;
	uint32_t f = mf->free[--mf->nfree];
	mf->owner[f] = owner;
	if (owner == SHADOW_OWNER_MONITOR)
		mf->monitor_frames++;
	ma_t ma = (ma_t)f << PAGE_SHIFT;
	if (mf->nfree < mf->nfresh)
		mf->nfresh = mf->nfree; /* f came from the never-used part: still zero */
	else
		memset(mf->ram + ma, 0, PAGE_SIZE);
	return ma;
}

void shadow_mframe_ram_zero(struct shadow_mframe *mf)
{
	mf->nfresh = mf->nfree;
}

void shadow_mframe_dirty(struct shadow_mframe *mf)
{
	mf->nfresh = 0;
}

void shadow_mframe_release(struct shadow_mframe *mf, ma_t ma)
{
	uint64_t f = ma >> PAGE_SHIFT;
	if (f >= mf->nframes || mf->owner[f] == SHADOW_OWNER_FREE)
		return;
	if (mf->owner[f] == SHADOW_OWNER_MONITOR)
		mf->monitor_frames--;
	mf->owner[f] = SHADOW_OWNER_FREE;
	mf->free[mf->nfree++] = (uint32_t)f;
}

uint16_t shadow_mframe_owner(const struct shadow_mframe *mf, ma_t ma)
{
	uint64_t f = ma >> PAGE_SHIFT;
	return f < mf->nframes ? mf->owner[f] : SHADOW_OWNER_FREE;
}

uint64_t *shadow_mframe_word(const struct shadow_mframe *mf, ma_t ma)
{
	if ((ma & 7) || ma >= mf->ram_size)
		return NULL;
	return (uint64_t *)(void *)(mf->ram + ma);
}
