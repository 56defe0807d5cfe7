/*
 * swaptest [MB] — a working set larger than the kernel's memory (boot with
 * mem= smaller than MB, default 4). Three passes over MB megabytes of heap:
 *   1 fill      every page gets 64 words (one per 64 bytes) derived from
 *               the page and word index, in ascending page order;
 *   2 shuffle   pages visited in a permuted order (p = i * STEP mod n):
 *               each word checked, then rewritten (value + page);
 *   3 reverse   pages visited from last to first, each word checked.
 * With too little memory the kernel must page out (clock) and page back in;
 * any lost or mixed-up page shows as a mismatch. The checksum over pass 3
 * is compared with the one computed from the formula alone, without memory.
 */
#include "guestos/user/lib/ulib.h"

#define DEFAULT_MB 4
#define WORDS_PER_PAGE 64
#define WORD_STRIDE (PAGE_SIZE / 8 / WORDS_PER_PAGE) /* in uint64_t */
#define STEP 7919u /* prime: coprime to every page count below 7919 pages */

static uint64_t value(uint64_t page, uint64_t word)
{
	uint64_t x = (page << 16 | word) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

static uint64_t *word_at(uint8_t *base, unsigned page, unsigned w)
{
	return (uint64_t *)(base + (size_t)page * PAGE_SIZE) + w * WORD_STRIDE;
}

/* Pass 3's checksum, from the formula only. */
static uint64_t expected_sum(unsigned npages)
{
	uint64_t sum = 0;
	for (unsigned p = npages; p-- > 0;)
		for (unsigned w = 0; w < WORDS_PER_PAGE; w++)
			sum = (sum << 7 | sum >> 57) ^ (value(p, w) + p);
	return sum;
}

int main(const char *arg)
{
	unsigned mb = (unsigned)ulib_arg_num(arg, DEFAULT_MB);
	if (mb == 0 || mb > 30) {
		printf("swaptest: size must be 1..30 MB, got \"%s\"\n", arg);
		return 2;
	}
	unsigned npages = mb * 256;
	printf("swaptest: %u MB working set, %u pages\n", mb, npages);
	uint8_t *base = sbrk((long)npages * PAGE_SIZE);
	if (base == (uint8_t *)-1) {
		printf("swaptest: sbrk failed\n");
		return 1;
	}
	for (unsigned p = 0; p < npages; p++)
		for (unsigned w = 0; w < WORDS_PER_PAGE; w++)
			*word_at(base, p, w) = value(p, w);
	unsigned bad = 0;
	for (unsigned i = 0; i < npages; i++) {
		unsigned p = (unsigned)(((uint64_t)i * STEP) % npages);
		for (unsigned w = 0; w < WORDS_PER_PAGE; w++) {
			uint64_t *q = word_at(base, p, w);
			if (*q != value(p, w))
				bad++;
			*q += p;
		}
	}
	uint64_t sum = 0;
	for (unsigned p = npages; p-- > 0;)
		for (unsigned w = 0; w < WORDS_PER_PAGE; w++) {
			uint64_t v = *word_at(base, p, w);
			if (v != value(p, w) + p)
				bad++;
			sum = (sum << 7 | sum >> 57) ^ v;
		}
	uint64_t want = expected_sum(npages);
	printf("swaptest: checksum %016lx, expected %016lx, %u bad words\n",
	       (unsigned long)sum, (unsigned long)want, bad);
	printf("swaptest: %s\n", sum == want && bad == 0 ? "PASS" : "FAIL");
	return sum == want && bad == 0 ? 0 : 1;
}
