/*
 * strider — lab 06 starter program (guestos user space).
 *
 * Touches NPAGES pages of a big static array, STRIDE_PAGES pages apart, in the
 * same order, ROUNDS times, and prints a checksum. Every page is touched once
 * before the measured loop (the warm-up), so the loop itself takes no page
 * faults: whatever the VMM does during the loop is pure TLB traffic.
 *
 * The simulated TLB (default 16 sets x 4 ways, LRU) picks the set of a page
 * from its virtual page number: set = (VA >> 12) mod 16. Two pages 16 pages
 * apart therefore compete for the same 4 ways.
 *
 * Your job (HANDOUT.md, part B): change NPAGES and/or STRIDE_PAGES (nothing
 * else) so that *every* touch in the measured loop misses in the TLB, with as
 * few pages as possible. Rebuild with `make labs-starter` and rerun.
 *
 * The measured loop is bracketed by two getpid() system calls, so that the
 * console can stop right before and right after it with `until syscall`
 * (strider's only other system calls are getarg at start-up and the write
 * of the result line). The difference between the two `stats` outputs is the
 * cost of the loop (plus one getpid).
 */
#include "guestos/user/lib/ulib.h"

/* ---- the numbers you may change ------------------------------------------ */
#ifndef NPAGES
#define NPAGES 8        /* pages touched in each round */
#endif
#ifndef STRIDE_PAGES
#define STRIDE_PAGES 1  /* distance between two touched pages, in pages */
#endif
/* ---- leave the rest alone ------------------------------------------------ */

#define ROUNDS 200
#define SPAN_PAGES 1024 /* the array: 4 MiB of bss, mapped only where touched */

_Static_assert(NPAGES >= 1 && STRIDE_PAGES >= 1 && (NPAGES - 1) * STRIDE_PAGES < SPAN_PAGES,
	       "NPAGES pages STRIDE_PAGES apart must fit in SPAN_PAGES");

static uint8_t area[SPAN_PAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* A marker the console can stop at: one system call, nothing else. */
static void marker(void)
{
	(void)getpid();
}

/* The address of the i-th touched page (a different offset in each page). */
static volatile uint32_t *slot(unsigned i)
{
	return (volatile uint32_t *)(area + (size_t)i * STRIDE_PAGES * PAGE_SIZE + (i % 64) * 64);
}

int main(const char *arg)
{
	(void)arg;
	for (unsigned i = 0; i < NPAGES; i++) /* warm-up: demand-page everything */
		*slot(i) = i * 0x9e3779b9u;
	marker(); /* measure_start */
	uint32_t sum = 0;
	for (unsigned r = 0; r < ROUNDS; r++)
		for (unsigned i = 0; i < NPAGES; i++)
			sum = (sum << 5 | sum >> 27) ^ (*slot(i) + r);
	marker(); /* measure_end */
	printf("strider: %u pages, stride %u pages, %u rounds: %u touches, checksum %08x\n",
	       (unsigned)NPAGES, (unsigned)STRIDE_PAGES, (unsigned)ROUNDS,
	       (unsigned)(NPAGES * ROUNDS), (unsigned)sum);
	return 0;
}
