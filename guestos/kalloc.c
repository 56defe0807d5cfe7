/*
 * guestos/kalloc.c — physical page frames: one free list (LIFO, threaded
 * through the free frames via the kernel map) of every 4 KiB frame of RAM
 * above the kernel image that no boot module occupies.
 */
#include "guestos/kernel.h"

extern char _kernel_end[];

struct freeframe {
	struct freeframe *next;
};

static struct freeframe *freelist;
static uint64_t nfree;

static int in_module(uint64_t pa)
{
	for (uint32_t i = 0; i < kboot.nmodules; i++) {
		const struct boot_module *m = &kboot.modules[i];
		if (pa + PAGE_SIZE > m->pa && pa < m->pa + m->size)
			return 1;
	}
	return 0;
}

/* Put every usable frame on the free list, lowest address first out. */
void kalloc_init(void)
{
	uint64_t start = PAGE_ROUND_UP(V2P(_kernel_end));
	uint64_t end = PAGE_ROUND_DOWN(kboot.mem_size);
	if (end > KMAP_MAX)
		end = KMAP_MAX; /* SIMPLIFICATION: the kernel maps at most 1 GiB of RAM */
	for (uint64_t pa = end; pa > start;) {
		pa -= PAGE_SIZE;
		if (!in_module(pa))
			kfree_frame(pa);
	}
}

/* A zeroed frame's PA, or 0 when memory is exhausted. */
uint64_t kalloc_frame(void)
{
	struct freeframe *f = freelist;
	if (!f)
		return 0;
	freelist = f->next;
	nfree--;
	memset(f, 0, PAGE_SIZE);
	return V2P(f);
}

/* Return frame `pa` (page-aligned, from kalloc_frame or kalloc_init). */
void kfree_frame(uint64_t pa)
{
	struct freeframe *f = P2V(pa);
	f->next = freelist;
	freelist = f;
	nfree++;
}

uint64_t kalloc_free_count(void)
{
	return nfree;
}
