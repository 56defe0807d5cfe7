/*
 * tests/multivm/bad.c — bare-metal guests that go wrong, one per -DCASE_*, for
 * the multi-VM isolation tests (tests/multivm/multivm.sh): the VM beside them
 * must run to completion with its serial output unchanged.
 *   CASE_TRIPLE  loads an empty IDT and executes ud2: the #UD cannot be
 *                delivered, nor the #GP, nor the #DF: a triple fault
 *   CASE_SPIN    prints one line, then jmp . forever (its --max-insns stops it)
 *   CASE_SCAN    not bad, nosy: reads all of its 4 MiB of guest-physical memory
 *                looking for SCAN_OTHER (another VM's pattern) and writes
 *                SCAN_OWN over [2 MiB, 4 MiB), three times; prints what it found.
 *                Two of them beside each other (patterns swapped) must never
 *                see each other's data; with SCAN_OTHER == SCAN_OWN it finds
 *                its own pattern (the scan can fail).
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

void bad_main(void)
{
	outb(UART_BASE + 3, 0x03);
#if defined(CASE_TRIPLE)
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idt = { 0, 0 };
	puts_uart("bad: empty IDT, then ud2\n");
	__asm__ volatile("lidt %0" ::"m"(idt));
	__asm__ volatile("ud2");
	puts_uart("bad: SURVIVED ud2 without an IDT\n");
#elif defined(CASE_SPIN)
	puts_uart("bad: spinning forever\n");
	for (;;)
		__asm__ volatile("");
#elif defined(CASE_SCAN)
	static const char hex[] = "0123456789abcdef";
	const uint64_t end = 4ull << 20, own_from = 2ull << 20; /* below: stack, image, page tables */
	for (int pass = 0; pass < 3; pass++) {
		for (uint64_t pa = 0; pa < end; pa += 8) {
			volatile uint64_t *q = (volatile uint64_t *)pa; /* identity map: VA == PA */
			if (*q == SCAN_OTHER) {
				puts_uart("scan: found the other pattern at PA 0x");
				for (int sh = 28; sh >= 0; sh -= 4)
					putc_uart(hex[(pa >> sh) & 15]);
				puts_uart("\n");
				return;
			}
			if (pa >= own_from)
				*q = SCAN_OWN;
		}
	}
	puts_uart("scan: 3 passes over 4 MiB, none of the other pattern\n");
#else
#error "define one CASE_*"
#endif
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call bad_main\n"
	"  cli\n"
	"1: hlt\n"
	"  jmp 1b\n");
