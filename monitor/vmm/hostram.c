/*
 * monitor/vmm/hostram.c — the machine RAM buffer of a host: zeroed memory
 * straight from mmap, backed by transparent huge pages where the kernel
 * offers them, between two inaccessible guard pages.
 *
 * Why not calloc: the guest kernel writes every frame at boot (its free list
 * is threaded through them), so a 64M guest faults in all its RAM. With 4 KiB
 * pages that is ~20,000 host page faults, about 0.3 s of CPU per VM (most of
 * a short `vmlab run`; the test suite boots thousands of VMs). With 2 MiB
 * pages it is ~40 faults. The guard pages keep a run past either end a crash
 * (as a heap overflow report under ASan was), since the sanitizers do not
 * watch mmap'd memory.
 *
 * In the browser (emscripten) mmap is malloc underneath and cannot unmap part
 * of a mapping (the trimming and the guards): plain calloc there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "monitor/vmm/host.h"

#ifdef __EMSCRIPTEN__
uint8_t *host_ram_alloc(uint64_t size)
{
	return size && size <= SIZE_MAX ? calloc(1, (size_t)size) : NULL;
}

void host_ram_free(uint8_t *ram, uint64_t size)
{
	(void)size;
	free(ram);
}
#else
#define HUGE_PAGE (2ull << 20)
#define GUARD     HUGE_PAGE /* keeps the RAM itself huge-page aligned */

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

uint8_t *host_ram_alloc(uint64_t size)
{
	if (size == 0 || size > UINT64_MAX / 2)
		return NULL;
	/* a whole number of huge pages and a guard on each side, plus slack to align */
	uint64_t len = round_up(size, HUGE_PAGE);
	uint64_t span = len + 2 * GUARD + HUGE_PAGE;
	uint8_t *m = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uint8_t *ram = (uint8_t *)round_up((uintptr_t)m + GUARD, HUGE_PAGE);
	/* give back the slack before the lower guard and after the upper one */
	uint8_t *lo = ram - GUARD, *hi = ram + len + GUARD;
	if (lo > m)
		munmap(m, (size_t)(lo - m));
	if (m + span > hi)
		munmap(hi, (size_t)(m + span - hi));
	if (mprotect(ram, len, PROT_READ | PROT_WRITE)) {
		munmap(lo, (size_t)(hi - lo));
		return NULL;
	}
	(void)madvise(ram, len, MADV_HUGEPAGE); /* a hint: without THP, plain pages */
	return ram;
}

void host_ram_free(uint8_t *ram, uint64_t size)
{
	if (ram)
		munmap(ram - GUARD, (size_t)(round_up(size, HUGE_PAGE) + 2 * GUARD));
}
#endif
