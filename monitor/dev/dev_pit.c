/*
 * monitor/dev/dev_pit.c — the 8254 programmable interval timer. Channel 0's
 * output drives IRQ 0; channels 1 and 2 count but drive nothing.
 *
 * Programming model (datasheet): a control word at 0x43 selects a channel
 * (bits 7-6), an access mode (bits 5-4: 0 latch, 1 low byte, 2 high byte,
 * 3 low then high) and a counting mode (bits 3-1). The count is then written
 * to the channel's port (0x40 + n); counting starts when it is complete.
 * A count of 0 means 65536.
 *
 * SIMPLIFICATION: the input clock is derived from the retired-instruction count
 * (--pit-scale, see dev.h); modes 2 and 3 (and 1, 4, 5, treated like 2) are periodic with
 * period = count; mode 0 fires once at terminal count; the read-back command
 * and BCD counting are not implemented.
 */
#include <string.h>

#include "monitor/dev/dev.h"

void mon_pit_reset(struct mon_pit *p)
{
	memset(p, 0, sizeof *p);
	for (int i = 0; i < 3; i++) {
		p->ch[i].reload = 65536;
		p->ch[i].access = 3;
	}
}

/* The counter's current value at instruction count `now`. */
static uint16_t pit_count(const struct mon_pit_chan *c, uint64_t now)
{
	if (!c->armed)
		return (uint16_t)c->reload;
	uint64_t el = now - c->start;
	if (c->mode == 0)
		return el >= c->reload ? 0 : (uint16_t)(c->reload - el);
	return (uint16_t)(c->reload - el % c->reload);
}

uint8_t mon_pit_read(struct mon_pit *p, uint16_t port, uint64_t now)
{
	unsigned n = port & 3;
	if (n == 3)
		return 0xff; /* the control register is write-only */
	struct mon_pit_chan *c = &p->ch[n];
	uint16_t v = c->latched ? c->latch : pit_count(c, now);
	uint8_t out;
	if (c->access == 1) {
		out = (uint8_t)v;
		c->latched = false;
	} else if (c->access == 2) {
		out = (uint8_t)(v >> 8);
		c->latched = false;
	} else {
		out = c->read_hi ? (uint8_t)(v >> 8) : (uint8_t)v;
		if (c->read_hi)
			c->latched = false;
		c->read_hi = !c->read_hi;
	}
	return out;
}

/* A full count was written: (re)start counting now. */
static void pit_load(struct mon_pit_chan *c, uint32_t count, uint64_t now)
{
	c->reload = count ? count : 65536;
	c->armed = true;
	c->fired = false;
	c->start = now;
}

void mon_pit_write(struct mon_pit *p, uint16_t port, uint8_t v, uint64_t now)
{
	unsigned n = port & 3;
	if (n == 3) {
		unsigned ch = v >> 6;
		if (ch == 3)
			return; /* read-back: not implemented */
		struct mon_pit_chan *c = &p->ch[ch];
		unsigned access = (v >> 4) & 3;
		if (access == 0) { /* counter latch */
			if (!c->latched) {
				c->latch = pit_count(c, now);
				c->latched = true;
				c->read_hi = false;
			}
			return;
		}
		c->access = (uint8_t)access;
		c->mode = (uint8_t)((v >> 1) & 7);
		if (c->mode > 5)
			c->mode -= 4; /* 6, 7 are aliases of 2, 3 */
		c->armed = false;
		c->write_hi = false;
		c->read_hi = false;
		c->latched = false;
		return;
	}
	struct mon_pit_chan *c = &p->ch[n];
	if (c->access == 1) {
		pit_load(c, v, now);
	} else if (c->access == 2) {
		pit_load(c, (uint32_t)v << 8, now);
	} else if (!c->write_hi) {
		c->lo_pending = v;
		c->write_hi = true;
		if (c->mode == 0)
			c->armed = false; /* mode 0 stops counting on the first byte */
	} else {
		c->write_hi = false;
		pit_load(c, (uint32_t)c->lo_pending | ((uint32_t)v << 8), now);
	}
}

uint64_t mon_pit_next_irq(const struct mon_pit *p, uint64_t after)
{
	const struct mon_pit_chan *c = &p->ch[0];
	if (!c->armed)
		return UINT64_MAX;
	if (c->mode == 0) {
		uint64_t t = c->start + c->reload;
		return (c->fired || t <= after) ? UINT64_MAX : t;
	}
	if (after < c->start)
		return c->start + c->reload;
	uint64_t k = (after - c->start) / c->reload + 1;
	return c->start + k * c->reload;
}

void mon_pit_irq_done(struct mon_pit *p, uint64_t when)
{
	struct mon_pit_chan *c = &p->ch[0];
	if (c->mode == 0 && c->armed && when >= c->start + c->reload)
		c->fired = true;
}
