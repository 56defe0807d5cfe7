/*
 * pagetouch [N] — the TLB-miss / page-fault demo. Touches N pages (default
 * 64) of freshly sbrk'd heap and N pages of a large static (bss) array, each
 * with a stride that lands on a different offset in every page, then reads
 * everything back in reverse order and prints a checksum.
 *
 * Every first touch is a demand-paging fault in the kernel (bss and heap are
 * mapped lazily); every page is a TLB miss on first use. A recursion then
 * grows the stack by about 64 KiB, page by page. The printed numbers
 * depend only on N, never on addresses.
 */
#include "guestos/user/lib/ulib.h"

#define STATIC_PAGES 256  /* 1 MiB of bss */
#define DEFAULT_PAGES 64
#define MAX_PAGES 4096
#define STACK_FRAMES 64   /* about 64 KiB of stack */

static uint8_t big[STATIC_PAGES * PAGE_SIZE];

/* The value stored in page `page` of region `region`: depends only on them. */
static uint32_t pattern(unsigned region, unsigned page)
{
	uint32_t x = (region + 1) * 0x9e3779b9u ^ (page * 0x85ebca6bu);
	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	return x ^ (x >> 12);
}

/* Offset inside a page for page `page`: 64-byte stride, wrapping, 4-aligned. */
static unsigned page_offset(unsigned page)
{
	return (page * 64u) % (PAGE_SIZE - 4);
}

/* Write the pattern into `pages` pages at `base`, read it back backwards.
 * Returns the checksum; counts mismatches in *bad. */
static uint32_t touch(uint8_t *base, unsigned pages, unsigned region, unsigned *bad)
{
	for (unsigned p = 0; p < pages; p++) {
		uint32_t *w = (uint32_t *)(base + (size_t)p * PAGE_SIZE + page_offset(p));
		*w = pattern(region, p);
	}
	uint32_t sum = 0;
	for (unsigned p = pages; p-- > 0;) {
		uint32_t v = *(volatile uint32_t *)(base + (size_t)p * PAGE_SIZE + page_offset(p));
		if (v != pattern(region, p))
			(*bad)++;
		sum = (sum << 5 | sum >> 27) ^ v;
	}
	return sum;
}

/* Recurse `depth` frames of about 1 KiB each, so the stack grows by
 * several pages (each a demand-paging fault below the initial stack). */
static uint32_t __attribute__((noinline)) stack_walk(unsigned depth)
{
	volatile uint8_t frame[1000];
	for (unsigned i = 0; i < sizeof frame; i += 100)
		frame[i] = (uint8_t)(depth + i);
	uint32_t below = depth ? stack_walk(depth - 1) : 0;
	uint32_t sum = below * 3;
	for (unsigned i = 0; i < sizeof frame; i += 100)
		sum += frame[i];
	return sum;
}

int main(const char *arg)
{
	unsigned n = (unsigned)ulib_arg_num(arg, DEFAULT_PAGES);
	if (n == 0 || n > MAX_PAGES) {
		printf("pagetouch: page count must be 1..%d, got \"%s\"\n", MAX_PAGES, arg);
		return 2;
	}
	unsigned bad = 0;
	uint8_t *heap = sbrk((long)n * PAGE_SIZE);
	if (heap == (uint8_t *)-1) {
		printf("pagetouch: sbrk of %u pages failed\n", n);
		return 1;
	}
	uint32_t heap_sum = touch(heap, n, 0, &bad);
	unsigned sn = n < STATIC_PAGES ? n : STATIC_PAGES;
	uint32_t bss_sum = touch(big, sn, 1, &bad);
	printf("pagetouch: heap %u pages checksum %08x\n", n, heap_sum);
	printf("pagetouch: bss %u pages checksum %08x\n", sn, bss_sum);
	printf("pagetouch: stack %d frames checksum %08x\n", STACK_FRAMES, stack_walk(STACK_FRAMES));
	printf("pagetouch: %s (%u mismatches)\n", bad ? "FAIL" : "PASS", bad);
	return bad ? 1 : 0;
}
