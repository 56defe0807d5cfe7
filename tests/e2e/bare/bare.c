/*
 * tests/e2e/bare/bare.c — a bare-metal guest for `vmlab run --kernel`: no
 * page tables of its own (it runs on the firmware's identity map), prints a
 * line on the 16550 as the datasheet says (8N1, poll THRE), reports the
 * boot_info it was handed, then either halts with interrupts off (exit
 * status 0) or, built with -DDEBUG_EXIT=N, writes N to port 0xf4.
 */
#include <stdint.h>

#include "guestos/boot.h"
#include "tests/e2e/bare/bare_io.h"

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
