/*
 * tests/e2e/bare/adv.c — adversarial bare-metal guests, one per -DCASE_*,
 * each reproducing a way a guest once crashed, hung or exhausted the
 * monitor (issue 10). They run on the firmware's identity map (CR3 = 0x3000,
 * PDs of 2 MiB pages at 0x5000). tests/e2e/adversarial.sh runs each one
 * under `timeout`, so a hang fails instead of stalling the suite.
 *
 *   CASE_INSB_PT     insb/rep insb whose destination is the guest's own page
 *                    directory (used to recurse in the monitor without bound)
 *   CASE_REP_MOVSB   one misaligned rep movsb of 512 KiB (used to livelock:
 *                    LRU stamps never advanced while the chunk restarted)
 *   CASE_REP_OUTSB   rep outsb/insb to a port with RCX = 2^40 (used to run past
 *                    --max-insns: the elements were never counted)
 *   CASE_UART_FLOOD  writes to the UART forever (used to grow host memory
 *                    without bound)
 *   CASE_SPIN        jmp . forever (the default instruction limit stops it)
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

#define PD_PA 0x5000ull

#if defined(CASE_INSB_PT)
void adv_main(void)
{
	outb(UART_BASE + 3, 0x03);
	/* PD entry 400 (VA 800 MiB, unused): the UART data register reads 0 (no input) */
	volatile uint64_t *pde = (volatile uint64_t *)(PD_PA + 8 * 400);
	*pde = 0x1234;
	void *dst = (void *)pde;
	__asm__ volatile("insb" : "+D"(dst) : "d"(UART_BASE) : "memory");
	puts_uart(*pde == 0x1200 ? "adv: insb into the page directory done\n" : "adv: insb lost\n");
	uint64_t n = 8;
	dst = (void *)pde;
	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(UART_BASE) : "memory");
	puts_uart(*pde == 0 ? "adv: rep insb into the page directory done\n" : "adv: rep insb lost\n");
}
#elif defined(CASE_REP_MOVSB)
void adv_main(void)
{
	outb(UART_BASE + 3, 0x03);
	const char *src = (const char *)0x400001;
	char *dst = (char *)0x800003;
	uint64_t n = 512 << 10;
	for (uint64_t i = 0; i < 4; i++)
		((volatile char *)src)[i * 4096] = (char)(i + 1);
	__asm__ volatile("rep movsb" : "+S"(src), "+D"(dst), "+c"(n)::"memory");
	int ok = n == 0 && ((volatile char *)0x800003)[3 * 4096] == 4;
	puts_uart(ok ? "adv: rep movsb of 512 KiB done\n" : "adv: rep movsb wrong\n");
}
#elif defined(CASE_REP_OUTSB)
void adv_main(void)
{
	const void *src = (const void *)0x400000; /* data, never the code */
	uint64_t n = 1ull << 40;
#ifdef INS
	__asm__ volatile("rep insb" : "+D"(src), "+c"(n) : "d"(0x80) : "memory");
#else
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"(0x80) : "memory");
#endif
	puts_uart("adv: 2^40 port elements done?\n");
}
#elif defined(CASE_UART_FLOOD)
void adv_main(void)
{
	outb(UART_BASE + 3, 0x03);
	for (;;)
		outb(UART_BASE, 'x');
}
#elif defined(CASE_SPIN)
void adv_main(void)
{
	for (;;)
		__asm__ volatile("");
}
#else
#error "define one CASE_*"
#endif

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call adv_main\n"
	"  cli\n"
	"1: hlt\n"
	"  jmp 1b\n");
