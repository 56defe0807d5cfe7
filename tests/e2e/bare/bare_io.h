/*
 * tests/e2e/bare/bare_io.h — the little I/O every bare-metal test guest
 * needs: port access and polled output on the 16550 at 0x3F8 (wait for
 * LSR.THRE, bit 5, before each byte, as the datasheet says). Header-only so
 * each guest stays one freestanding C file.
 */
#ifndef VMLAB_BARE_IO_H
#define VMLAB_BARE_IO_H

#include <stdint.h>

#define UART_BASE 0x3f8
#define UART_LSR (UART_BASE + 5)
#define UART_LSR_THRE 0x20

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

static inline void putc_uart(char c)
{
	while (!(inb(UART_LSR) & UART_LSR_THRE))
		;
	outb(UART_BASE, (uint8_t)c);
}

static inline void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

/* Unsigned decimal. */
static inline void putnum(uint64_t v)
{
	char b[24];
	int n = 0;
	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc_uart(b[--n]);
}

/* "0x" and exactly `digits` hex digits. */
static inline void puthex_w(uint64_t v, int digits)
{
	puts_uart("0x");
	for (int i = digits - 1; i >= 0; i--)
		putc_uart("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

/* "0x" and as few hex digits as the value needs (at least one). */
static inline void puthex(uint64_t v)
{
	int digits = 1;
	while (digits < 16 && (v >> (4 * digits)))
		digits++;
	puthex_w(v, digits);
}

#endif
