/*
 * monitor/dev/dev.h — the virtual devices, each a plain struct with a datasheet
 * programming model and no knowledge of the VM (so each has unit tests).
 *
 * Port map (ISA, as on a PC):
 *   0x20-0x21  8259A master PIC     0xa0-0xa1  8259A slave PIC
 *   0x40-0x43  8254 PIT (channel 0 drives IRQ 0)
 *   0x3f8-0x3ff 16550 UART (COM1, IRQ 4)
 *   0x1f0-0x1f7, 0x3f6  ATA PIO primary channel, master disk (IRQ 14)
 *   0xf4       isa-debug-exit (as QEMU's: status = (value << 1) | 1)
 */
#ifndef VMLAB_MONITOR_DEV_H
#define VMLAB_MONITOR_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- 16550 UART ---- */
#define UART_BASE 0x3f8
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

struct mon_uart {
	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t dll, dlm;
	char *out;        /* everything transmitted */
	size_t len, cap;
	void (*echo)(void *ctx, const char *p, size_t n); /* also given here as it comes (NULL: capture only) */
	void *echo_ctx;
	bool oom;         /* capture buffer could not grow */
	size_t limit;     /* bytes kept and echoed at most (0: none) */
	bool full;        /* the guest wrote past the limit: the rest was dropped */
};
void mon_uart_reset(struct mon_uart *u);
void mon_uart_free(struct mon_uart *u);
/* reg is the offset from the base (0..7). */
uint8_t mon_uart_read(struct mon_uart *u, unsigned reg);
void mon_uart_write(struct mon_uart *u, unsigned reg, uint8_t v);

/* ---- 8259A PIC pair ---- */
struct mon_pic_chip {
	uint8_t irr, isr, imr;
	uint8_t base;      /* ICW2: vector of IR0 */
	uint8_t init;      /* 0: ready; 2..4: expecting ICW2..ICW4 */
	bool need_icw4, single, auto_eoi, read_isr;
};
struct mon_pic {
	struct mon_pic_chip chip[2]; /* 0 master, 1 slave on master IR2 */
};
void mon_pic_reset(struct mon_pic *p);
/* port: 0x20, 0x21, 0xa0, 0xa1 */
uint8_t mon_pic_read(struct mon_pic *p, uint16_t port);
void mon_pic_write(struct mon_pic *p, uint16_t port, uint8_t v);
/* An edge on IRQ line 0..15. */
void mon_pic_raise(struct mon_pic *p, unsigned irq);
/* Is an unmasked interrupt pending that the CPU should take? */
bool mon_pic_pending(const struct mon_pic *p);
/* The CPU acknowledges (INTA): returns the vector and moves IRR to ISR; -1 if none. */
int mon_pic_ack(struct mon_pic *p, unsigned *irq_out);

/* ---- 8254 PIT ---- */
/*
 * SIMPLIFICATION: the PIT's input clock is derived from the retired guest
 * instruction count (not 1.193182 MHz of real time), so timer interrupts
 * arrive at exact, reproducible instruction counts. The device counts in PIT
 * clocks (`now` below); the VM converts: one PIT clock = --pit-scale guest
 * instructions (default 100, a ~119 MIPS guest), so a divisor of 11932
 * (100 Hz on a PC) gives an IRQ 0 every 1193200 guest instructions.
 */
struct mon_pit_chan {
	uint32_t reload;      /* 1..65536 */
	uint8_t mode, access; /* control word fields */
	bool armed;           /* a count has been written */
	bool write_hi;        /* lo/hi access: next write is the high byte */
	bool read_hi;
	bool latched;
	uint16_t latch;
	uint64_t start;       /* instruction count when counting started */
	uint8_t lo_pending;
	bool fired;           /* mode 0: terminal count reached */
};
struct mon_pit {
	struct mon_pit_chan ch[3];
};
void mon_pit_reset(struct mon_pit *p);
/* port 0x40..0x43; now = current instruction count */
uint8_t mon_pit_read(struct mon_pit *p, uint16_t port, uint64_t now);
void mon_pit_write(struct mon_pit *p, uint16_t port, uint8_t v, uint64_t now);
/* Instruction count of channel 0's next IRQ 0 edge strictly after `after`, or UINT64_MAX. */
uint64_t mon_pit_next_irq(const struct mon_pit *p, uint64_t after);
/* Mark the edge at `when` as delivered (mode 0 fires once). */
void mon_pit_irq_done(struct mon_pit *p, uint64_t when);

/* ---- ATA PIO disk (primary master) ---- */
#define ATA_SECTOR 512
#define ATA_SR_ERR 0x01
#define ATA_SR_DRQ 0x08
#define ATA_SR_DF 0x20
#define ATA_SR_DRDY 0x40
#define ATA_SR_BSY 0x80
struct mon_ata {
	uint8_t *disk;
	uint64_t sectors;
	uint8_t features, error, count, lba0, lba1, lba2, dev, status, ctl;
	uint8_t cmd;             /* command in progress (0x20, 0x30, 0xec) or 0 */
	uint32_t remaining;      /* sectors left in the command */
	uint64_t lba;            /* sector being transferred */
	uint8_t buf[ATA_SECTOR];
	unsigned pos;            /* byte position in buf */
	bool irq;                /* IRQ 14 raised (cleared by reading status) */
};
/* Returns -1 if the disk memory cannot be had. */
int mon_ata_init(struct mon_ata *a, uint64_t bytes);
void mon_ata_free(struct mon_ata *a);
/* port 0x1f0..0x1f7 or 0x3f6; size 1, 2 (data port) or 4 */
uint32_t mon_ata_read(struct mon_ata *a, uint16_t port, unsigned size);
void mon_ata_write(struct mon_ata *a, uint16_t port, unsigned size, uint32_t v);
/* Take (and clear) the pending IRQ edge. */
bool mon_ata_take_irq(struct mon_ata *a);

#endif
