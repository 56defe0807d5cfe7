/*
 * tests/e2e/bare/evil.c — a malicious bare-metal guest for the isolation
 * test. Running on the firmware's identity map (CR3 = 0x3000, PDs at
 * 0x5000), it rewrites its own page tables without invlpg, aliases its page
 * tables, and finally maps guest-physical addresses far outside its memory
 * and touches them. The monitor must keep shadow and TLB coherent (the
 * second read sees the new mapping), never give it a foreign machine frame,
 * and end the VM cleanly when it reaches for memory it does not have.
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

#define PD ((volatile uint64_t *)0x5000)
#define MB2 0x200000ull

void evil_main(void)
{
	outb(0x3fb, 0x03);
	puts_uart("evil: start\n");
	/* 1. remap the 2 MiB page at VA 6M to PA 8M without invlpg; reads must follow */
	volatile uint64_t *x = (volatile uint64_t *)(3 * MB2);
	volatile uint64_t *y = (volatile uint64_t *)(4 * MB2);
	*x = 0x1111;
	*y = 0x2222;
	(void)*x;
	PD[3] = (4 * MB2) | 0x83;
	puts_uart(*x == 0x2222 ? "evil: remap without invlpg seen (coherent)\n"
			       : "evil: stale translation used\n");
	/* 2. clear an entry without invlpg: the page must be gone (true fault -> no IDT -> triple fault)
	 *    is too final for this test; instead alias the page tables themselves and write through them */
	PD[5] = 0x0 | 0x83; /* VA 10M -> PA 0 (the firmware tables, writable alias) */
	volatile uint64_t *alias_pd = (volatile uint64_t *)(5 * MB2 + 0x5000);
	alias_pd[6] = (6 * MB2) | 0x83; /* write PD[6] through the alias */
	puts_uart(PD[6] == ((6 * MB2) | 0x83) ? "evil: PT write through an alias traced\n"
					      : "evil: alias write lost\n");
	/* 3. map a PA far outside guest memory and touch it */
	PD[7] = 0x40000000ull | 0x83; /* PA 1 GiB: beyond the VM's memory */
	puts_uart("evil: touching PA 1 GiB\n");
	volatile uint64_t *z = (volatile uint64_t *)(7 * MB2);
	*z = 0xdeadbeef;
	puts_uart("evil: SURVIVED with a foreign frame\n");
	outb(0xf4, 0x7f);
	for (;;)
		;
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call evil_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
