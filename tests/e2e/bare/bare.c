/*
 * tests/e2e/bare/bare.c — a bare-metal guest for `vmlab run --kernel`: no
 * page tables of its own (it runs on the firmware's identity map), prints a
 * line on the 16550 as the datasheet says (8N1, poll THRE), reports the
 * boot_info it was handed, then either halts with interrupts off (exit
 * status 0) or, built with -DDEBUG_EXIT=N, writes N to port 0xf4.
 */
#include <stdint.h>

#include "guestos/boot.h"

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_uart(char c)
{
	while (!(inb(0x3f8 + 5) & 0x20))
		;
	outb(0x3f8, (uint8_t)c);
}

static void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

static void putnum(uint64_t v)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc_uart(buf[--n]);
}

void bare_main(const struct boot_info *bi)
{
	outb(0x3f8 + 1, 0x00); /* no interrupts */
	outb(0x3f8 + 3, 0x80); /* DLAB */
	outb(0x3f8 + 0, 0x01); /* 115200 baud */
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x03); /* 8N1 */
	puts_uart("hello from a bare-metal guest\n");
	if (bi->magic == BOOT_INFO_MAGIC) {
		puts_uart("boot_info: mem ");
		putnum(bi->mem_size >> 20);
		puts_uart(" MiB, modules ");
		putnum(bi->nmodules);
		puts_uart(", cmdline '");
		puts_uart(bi->cmdline);
		puts_uart("'\n");
	}
#ifdef DEBUG_EXIT
	outb(0xf4, DEBUG_EXIT);
#endif
	__asm__ volatile("cli; hlt");
	for (;;)
		;
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call bare_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
