/*
 * monitor/dev/dev_pic.c — the 8259A programmable interrupt controller pair
 * (master at 0x20/0x21, slave at 0xa0/0xa1 cascaded on master IR2), edge
 * triggered, fully nested priority (IR0 highest).
 *
 * Programming model (datasheet): a command-port write with bit 4 set is ICW1
 * and starts initialisation; ICW2 (vector base), ICW3 (cascade, unless
 * single) and ICW4 (if ICW1 bit 0) follow on the data port. Afterwards the
 * data port is OCW1 (the mask register), command writes with bits 4,3 = 00
 * are OCW2 (EOI) and 01 are OCW3 (select IRR/ISR for reading).
 *
 * SIMPLIFICATION: no rotation, special mask or poll modes; level mode is
 * treated as edge mode.
 */
#include <string.h>

#include "monitor/dev/dev.h"

void mon_pic_reset(struct mon_pic *p)
{
	memset(p, 0, sizeof *p);
	p->chip[0].base = 0x08; /* the BIOS defaults */
	p->chip[1].base = 0x70;
}

static struct mon_pic_chip *chip_of(struct mon_pic *p, uint16_t port)
{
	return &p->chip[(port & 0x80) ? 1 : 0];
}

uint8_t mon_pic_read(struct mon_pic *p, uint16_t port)
{
	struct mon_pic_chip *c = chip_of(p, port);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

/* Lowest-numbered (highest-priority) set bit, or -1. */
static int lowest_bit(uint8_t v)
{
	for (int i = 0; i < 8; i++)
		if (v & (1u << i))
			return i;
	return -1;
}

void mon_pic_write(struct mon_pic *p, uint16_t port, uint8_t v)
{
	struct mon_pic_chip *c = chip_of(p, port);
	if (!(port & 1)) {
		if (v & 0x10) { /* ICW1 */
			c->init = 2;
			c->need_icw4 = v & 1;
			c->single = v & 2;
			c->imr = 0;
			c->isr = 0;
			c->irr = 0;
			c->auto_eoi = false;
			c->read_isr = false;
		} else if (v & 0x08) { /* OCW3 */
			if (v & 2)
				c->read_isr = v & 1;
		} else { /* OCW2 */
			unsigned op = v >> 5;
			if (op == 1) { /* non-specific EOI */
				int b = lowest_bit(c->isr);
				if (b >= 0)
					c->isr &= (uint8_t)~(1u << b);
			} else if (op == 3) { /* specific EOI */
				c->isr &= (uint8_t)~(1u << (v & 7));
			}
		}
		return;
	}
	switch (c->init) {
	case 2:
		c->base = v & 0xf8;
		c->init = c->single ? (c->need_icw4 ? 4 : 0) : 3;
		break;
	case 3:
		c->init = c->need_icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = v & 2;
		c->init = 0;
		break;
	default:
		c->imr = v;
		break;
	}
}

void mon_pic_raise(struct mon_pic *p, unsigned irq)
{
	if (irq < 8) {
		p->chip[0].irr |= (uint8_t)(1u << irq);
	} else if (irq < 16) {
		p->chip[1].irr |= (uint8_t)(1u << (irq - 8));
	}
}

/* The highest-priority request of one chip that is unmasked and not blocked by an in-service one. */
static int chip_best(const struct mon_pic_chip *c, uint8_t extra_irr)
{
	uint8_t req = (uint8_t)((c->irr | extra_irr) & ~c->imr);
	int r = lowest_bit(req);
	if (r < 0)
		return -1;
	int s = lowest_bit(c->isr);
	if (s >= 0 && s <= r)
		return -1;
	return r;
}

/* Does the slave present a request to master IR2? */
static bool slave_requests(const struct mon_pic *p)
{
	return chip_best(&p->chip[1], 0) >= 0;
}

bool mon_pic_pending(const struct mon_pic *p)
{
	uint8_t cascade = slave_requests(p) ? 0x04 : 0;
	return chip_best(&p->chip[0], cascade) >= 0;
}

int mon_pic_ack(struct mon_pic *p, unsigned *irq_out)
{
	struct mon_pic_chip *m = &p->chip[0], *s = &p->chip[1];
	uint8_t cascade = slave_requests(p) ? 0x04 : 0;
	int r = chip_best(m, cascade);
	if (r < 0)
		return -1;
	if (r == 2 && cascade) {
		int sr = chip_best(s, 0);
		s->irr &= (uint8_t)~(1u << sr);
		if (!s->auto_eoi)
			s->isr |= (uint8_t)(1u << sr);
		m->irr &= (uint8_t)~0x04;
		if (!m->auto_eoi)
			m->isr |= 0x04;
		if (irq_out)
			*irq_out = 8 + (unsigned)sr;
		return s->base + sr;
	}
	m->irr &= (uint8_t)~(1u << r);
	if (!m->auto_eoi)
		m->isr |= (uint8_t)(1u << r);
	if (irq_out)
		*irq_out = (unsigned)r;
	return m->base + r;
}
