/*
 * guestos/timer.c — the preemption timer: an 8259A PIC pair remapped to
 * vectors 0x20-0x2f with every line masked except IRQ0, and 8254 PIT
 * channel 0 in mode 2 (rate generator) at TIMER_HZ.
 *
 * Nothing the kernel prints depends on the tick count: ticks only drive
 * preemption and sleep().
 */
#include "guestos/kernel.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182u
#define TIMER_HZ 100u

volatile uint64_t ticks;

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);      /* ICW1: edge triggered, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_IRQ0); /* ICW2: vector base 0x20 */
	outb(PIC2_DATA, VEC_IRQ0 + 8);
	outb(PIC1_DATA, 0x04);     /* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 0x02);     /*       slave identity 2 */
	outb(PIC1_DATA, 0x01);     /* ICW4: 8086 mode, normal EOI */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xfe);     /* OCW1: only IRQ0 unmasked */
	outb(PIC2_DATA, 0xff);
}

/* Program the PIC and the PIT; interrupts stay disabled until the
 * scheduler's idle loop or a return to user mode enables them. */
void timer_init(void)
{
	pic_init();
	uint16_t div = (uint16_t)(PIT_HZ / TIMER_HZ);
	outb(PIT_CMD, 0x34);       /* channel 0, lobyte/hibyte, mode 2, binary */
	outb(PIT_CH0, div & 0xff);
	outb(PIT_CH0, div >> 8);
}

/* Non-specific EOI for `irq` (to the slave too when irq >= 8). */
void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}
