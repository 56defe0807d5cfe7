/*
 * tests/multivm/bad.c — bare-metal guests that go wrong, one per -DCASE_*, for
 * the multi-VM isolation tests (tests/multivm/multivm.sh): the VM beside them
 * must run to completion with its serial output unchanged.
 *   CASE_TRIPLE  loads an empty IDT and executes ud2: the #UD cannot be
 *                delivered, nor the #GP, nor the #DF: a triple fault
 *   CASE_SPIN    prints one line, then jmp . forever (its --max-insns stops it)
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
