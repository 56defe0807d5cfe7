/*
 * monitor/dev/dev_uart.c — a 16550 UART (COM1) with the datasheet's programming
 * model: DLAB in LCR bit 7 switches ports 0/1 to the divisor latch, LCR
 * bits 0-1 select the word length (reset: 5 bits), LSR bit 5 (THRE) says the
 * transmit holding register is empty.
 *
 * SIMPLIFICATION: transmission is instantaneous (THRE and TEMT always read 1),
 * there is no receiver input (LSR.DR stays 0) and the UART raises no
 * interrupts. A character is masked to the programmed word length, so a
 * driver that never sets LCR to 8 bits prints garbage, as on real hardware.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/dev/dev.h"

enum { R_DATA = 0, R_IER = 1, R_IIR = 2, R_LCR = 3, R_MCR = 4, R_LSR = 5, R_MSR = 6, R_SCR = 7 };
#define LCR_DLAB 0x80

void mon_uart_reset(struct mon_uart *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->dll = 0x0c; /* 9600 baud, as many BIOSes leave it */
	u->dlm = 0;
}

void mon_uart_free(struct mon_uart *u)
{
	free(u->out);
	u->out = NULL;
	u->len = u->cap = 0;
}

/* Append one transmitted byte to the capture buffer (and the echo stream),
 * up to u->limit bytes: a guest cannot make the host keep more. */
static void uart_emit(struct mon_uart *u, uint8_t c)
{
	if (u->len >= u->limit) {
		u->full = true; /* the monitor stops the VM (--max-output) */
		return;
	}
	if (u->len == u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 4096;
		char *n = realloc(u->out, ncap);
		if (!n) {
			u->oom = true;
			return;
		}
		u->out = n;
		u->cap = ncap;
	}
	u->out[u->len++] = (char)c;
	if (u->echo) {
		char ch = (char)c;
		u->echo(u->echo_ctx, &ch, 1);
	}
}

uint8_t mon_uart_read(struct mon_uart *u, unsigned reg)
{
	switch (reg & 7) {
	case R_DATA:
		return (u->lcr & LCR_DLAB) ? u->dll : 0; /* no input */
	case R_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case R_IIR:
		return (u->fcr & 1) ? 0xc1 : 0x01; /* no interrupt pending */
	case R_LCR:
		return u->lcr;
	case R_MCR:
		return u->mcr;
	case R_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT;
	case R_MSR:
		/* loopback mode reflects MCR outputs; otherwise CTS|DSR|DCD */
		if (u->mcr & 0x10)
			return (uint8_t)(((u->mcr & 0x0f) << 4));
		return 0xb0;
	default:
		return u->scr;
	}
}

void mon_uart_write(struct mon_uart *u, unsigned reg, uint8_t v)
{
	switch (reg & 7) {
	case R_DATA:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
		} else if (!(u->mcr & 0x10)) { /* loopback: nothing leaves the chip */
			unsigned bits = 5 + (u->lcr & 3);
			uart_emit(u, (uint8_t)(v & ((1u << bits) - 1)));
		}
		break;
	case R_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case R_IIR:
		u->fcr = v;
		break;
	case R_LCR:
		u->lcr = v;
		break;
	case R_MCR:
		u->mcr = v & 0x1f;
		break;
	case R_SCR:
		u->scr = v;
		break;
	default: /* LSR, MSR: read-only */
		break;
	}
}
