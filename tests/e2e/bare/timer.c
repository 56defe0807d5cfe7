/*
 * tests/e2e/bare/timer.c — a bare-metal guest with its own IDT: programs the
 * 8259A PICs and the 8254 (channel 0, mode 2), then sleeps in `sti; hlt`
 * five times; each timer interrupt (delivered through its IDT by the
 * monitor, with the interrupt shadow of sti) bumps a counter and sends EOI.
 * Prints the count and halts with interrupts off.
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

volatile uint64_t ticks;
static uint64_t idt[2 * 256] __attribute__((aligned(16)));

void timer_isr(void);
__asm__(".text\n"
	"timer_isr:\n"
	"  push %rax\n"
	"  incq ticks(%rip)\n"
	"  mov $0x20, %al\n"
	"  outb %al, $0x20\n"
	"  pop %rax\n"
	"  iretq\n");

static void set_gate(unsigned vec, void (*fn)(void))
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	idt[2 * vec] = (a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((a >> 16) << 48);
	idt[2 * vec + 1] = a >> 32;
}

void timer_main(void)
{
	outb(0x3fb, 0x03);
	set_gate(0x20, timer_isr);
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(d));
	outb(0x20, 0x11); outb(0xa0, 0x11); /* ICW1 */
	outb(0x21, 0x20); outb(0xa1, 0x28); /* ICW2: vectors 0x20, 0x28 */
	outb(0x21, 0x04); outb(0xa1, 0x02); /* ICW3 */
	outb(0x21, 0x01); outb(0xa1, 0x01); /* ICW4 */
	outb(0x21, 0xfe); outb(0xa1, 0xff); /* only IRQ 0 */
	outb(0x43, 0x34);                   /* channel 0, lo/hi, mode 2 */
	outb(0x40, 0x9c); outb(0x40, 0x2e); /* 11932: 100 Hz */
	for (int i = 0; i < 5; i++)
		__asm__ volatile("sti; hlt; cli");
	char msg[] = "timer: ticks = ?\n";
	msg[15] = (char)('0' + (ticks > 9 ? 9 : ticks));
	puts_uart(msg);
	__asm__ volatile("cli; hlt");
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call timer_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
