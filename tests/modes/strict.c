/*
 * tests/modes/strict.c — the Popek-Goldberg holes of pre-VT x86, as a
 * bare-metal guest kernel for `vmlab run --kernel` (runs on the firmware's
 * identity map, like tests/e2e/bare/bare.c). It runs three instructions that
 * are sensitive but not privileged and checks what it gets back:
 *   sidt  after its own lidt: its own IDT, or someone else's?
 *   smsw  against mov from cr0 (which traps even on pre-VT x86)
 *   popf  with IF=1, then pushf: did IF stick?
 * Under vmlab (trap and emulate) every one exits and is emulated: the right
 * answers. Under `vmlab run --strict-x86` they run untrapped at the kernel's
 * real CPL 3: sidt shows the monitor's IDT, smsw the real CR0, and popf
 * silently loses IF. The program prints what it saw; vmlab prints why.
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

#define MY_IDT_BASE 0x200000ull
#define MY_IDT_LIMIT 0xfff
#define RFLAGS_IF (1ull << 9)

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static void demo_sidt(void)
{
	struct dtr mine = { MY_IDT_LIMIT, MY_IDT_BASE }, got = { 0, 0 };
	__asm__ volatile("lidt %0" ::"m"(mine));
	__asm__ volatile("sidt %0" : "=m"(got));
	puts_uart("sidt: base ");
	puthex_w(got.base, 16);
	puts_uart(" limit ");
	puthex_w(got.limit, 4);
	if (got.base == MY_IDT_BASE && got.limit == MY_IDT_LIMIT)
		puts_uart(" = the IDT I loaded: right\n");
	else
		puts_uart(" != the IDT I loaded: someone else's IDT leaked\n");
}

static void demo_smsw(void)
{
	uint64_t msw = 0, cr0;
	/* set CR0.MP and CR0.NE in my (virtual) CR0: mov to cr0 always traps */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= (1ull << 1) | (1ull << 5);
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
	__asm__ volatile("smsw %0" : "=r"(msw));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	puts_uart("smsw: ");
	puthex_w(msw & 0xffff, 4);
	puts_uart(", mov from cr0: ");
	puthex_w(cr0 & 0xffff, 4);
	if ((msw & 0xffff) == (cr0 & 0xffff))
		puts_uart(": they agree: right\n");
	else
		puts_uart(": they differ: smsw read a CR0 that is not mine\n");
}

static void demo_popf(void)
{
	uint64_t before, after;
	__asm__ volatile("pushfq; popq %0" : "=r"(before));
	before |= RFLAGS_IF;
	__asm__ volatile("pushq %1; popfq; pushfq; popq %0" : "=r"(after) : "r"(before) : "cc", "memory");
	__asm__ volatile("cli");
	puts_uart("popf: IF=1 requested, pushf then shows IF=");
	putc_uart(after & RFLAGS_IF ? '1' : '0');
	if (after & RFLAGS_IF)
		puts_uart(": right\n");
	else
		puts_uart(": IF was silently lost\n");
}

void strict_main(void)
{
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x80);
	outb(0x3f8 + 0, 0x01);
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x03);
	puts_uart("strict-x86 demo: three sensitive but unprivileged instructions\n");
	demo_sidt();
	demo_smsw();
	demo_popf();
	__asm__ volatile("cli; hlt");
	for (;;)
		;
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call strict_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
