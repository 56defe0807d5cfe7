/*
 * tests/bench/guest_start.c — the guest side of the benchmark image: entry
 * point and the memset/memcpy a freestanding gcc may call.
 * The host (tests/bench/cpubench.c) sets RSP and RDI = the work area,
 * RSI = rounds, starts at the image's first byte, and reads the checksum
 * from RAX when the guest halts.
 */
#include <stddef.h>

#include "tests/bench/workload.h"

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

__attribute__((section(".text.start"), noreturn)) void _start(void *mem, unsigned rounds)
{
	uint64_t r = bench_workload(mem, rounds);
	__asm__ volatile("hlt" : : "a"(r));
	for (;;)
		;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}
