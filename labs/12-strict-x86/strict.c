/*
 * labs/12-strict-x86/strict.c — the Popek-Goldberg holes of pre-VT x86, as a
 * bare-metal guest kernel for `vmlab run --kernel` (runs on the firmware's
 * identity map, like tests/e2e/bare/bare.c; lab 12, and tests/modes/strict.sh).
 * It runs four instructions that are sensitive but not privileged and checks
 * what it gets back:
 *   sidt  after its own lidt: its own IDT, or someone else's?
 *   smsw  against mov from cr0 (which traps even on pre-VT x86)
 *   pushf after sti (which traps): does it show IF=1?
 *   popf  with IF=1, then pushf: did IF stick?
 * Under vmlab (trap and emulate) every one exits and is emulated: the right
 * answers. Under `vmlab run --strict-x86` they run untrapped at the kernel's
 * real CPL 3: sidt shows the monitor's IDT, smsw the real CR0, pushf the real
 * IF (0: the monitor, not the guest, takes the real interrupts), and popf
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

/* What each instruction gave back. All four run first, one after the other (so a
 * trace window of the exits shows them together); the report is printed after. */
struct seen {
	struct dtr idt;
	uint64_t msw, cr0, pushf_flags, popf_flags;
};

static void run_sidt(struct seen *r)
{
	struct dtr mine = { MY_IDT_LIMIT, MY_IDT_BASE };
	__asm__ volatile("lidt %0" ::"m"(mine));
	__asm__ volatile("sidt %0" : "=m"(r->idt));
}

static void run_smsw(struct seen *r)
{
	uint64_t cr0;
	/* set CR0.MP and CR0.NE in my (virtual) CR0: mov to cr0 always traps */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= (1ull << 1) | (1ull << 5);
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
	__asm__ volatile("smsw %0" : "=r"(r->msw));
	__asm__ volatile("mov %%cr0, %0" : "=r"(r->cr0));
}

static void run_pushf(struct seen *r)
{
	__asm__ volatile("sti; pushfq; popq %0; cli" : "=r"(r->pushf_flags) : : "memory");
}

static void run_popf(struct seen *r)
{
	uint64_t before;
	__asm__ volatile("pushfq; popq %0" : "=r"(before));
	before |= RFLAGS_IF;
	__asm__ volatile("pushq %1; popfq; pushfq; popq %0; cli" : "=r"(r->popf_flags) : "r"(before) : "cc", "memory");
}

static void report(const struct seen *r)
{
	puts_uart("sidt: base ");
	puthex_w(r->idt.base, 16);
	puts_uart(" limit ");
	puthex_w(r->idt.limit, 4);
	if (r->idt.base == MY_IDT_BASE && r->idt.limit == MY_IDT_LIMIT)
		puts_uart(" = the IDT I loaded: right\n");
	else
		puts_uart(" != the IDT I loaded: someone else's IDT leaked\n");
	puts_uart("smsw: ");
	puthex_w(r->msw & 0xffff, 4);
	puts_uart(", mov from cr0: ");
	puthex_w(r->cr0 & 0xffff, 4);
	if ((r->msw & 0xffff) == (r->cr0 & 0xffff))
		puts_uart(": they agree: right\n");
	else
		puts_uart(": they differ: smsw read a CR0 that is not mine\n");
	puts_uart("pushf: after sti, pushf shows IF=");
	putc_uart(r->pushf_flags & RFLAGS_IF ? '1' : '0');
	puts_uart(r->pushf_flags & RFLAGS_IF ? ": right\n" : ": the real IF leaked, not mine\n");
	puts_uart("popf: IF=1 requested, pushf then shows IF=");
	putc_uart(r->popf_flags & RFLAGS_IF ? '1' : '0');
	puts_uart(r->popf_flags & RFLAGS_IF ? ": right\n" : ": IF was silently lost\n");
}

void strict_main(void)
{
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x80);
	outb(0x3f8 + 0, 0x01);
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x03);
	puts_uart("strict-x86 demo: four sensitive but unprivileged instructions\n");
	struct seen r = { { 0, 0 }, 0, 0, 0, 0 };
	run_sidt(&r);
	run_smsw(&r);
	run_pushf(&r);
	run_popf(&r);
	report(&r);
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
