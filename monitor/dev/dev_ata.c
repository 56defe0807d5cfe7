/*
 * monitor/dev/dev_ata.c — an ATA disk on the primary channel (master), PIO only,
 * backed by host memory: the guest kernel's swap area.
 *
 * Programming model (ATA-6): write the sector count (0x1f2), the LBA (0x1f3..
 * 0x1f5, bits 24-27 in the low nibble of 0x1f6 with bit 6 = LBA mode), then a
 * command to 0x1f7: 0x20 READ SECTORS, 0x30 WRITE SECTORS, 0xec IDENTIFY
 * DEVICE, 0xe7 FLUSH CACHE. Poll the status (0x1f7) until BSY is clear and
 * DRQ set, then move 256 16-bit words through the data port (0x1f0) per
 * sector. A sector count of 0 means 256. Writing the device-control register
 * (0x3f6) with bit 1 (nIEN) set disables IRQ 14.
 *
 * SIMPLIFICATION: commands complete instantly (BSY is never seen set); there
 * is no slave device (selecting it reads status 0); DMA, LBA48 and CHS
 * addressing are not implemented (CHS-mode commands abort).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/dev/dev.h"

enum { P_DATA = 0x1f0, P_ERR = 0x1f1, P_COUNT = 0x1f2, P_LBA0 = 0x1f3, P_LBA1 = 0x1f4,
       P_LBA2 = 0x1f5, P_DEV = 0x1f6, P_CMD = 0x1f7, P_CTL = 0x3f6 };
#define ERR_ABRT 0x04
#define ERR_IDNF 0x10

int mon_ata_init(struct mon_ata *a, uint64_t bytes)
{
	memset(a, 0, sizeof *a);
	a->sectors = bytes / ATA_SECTOR;
	a->disk = calloc(a->sectors ? a->sectors : 1, ATA_SECTOR);
	if (!a->disk)
		return -1;
	a->status = ATA_SR_DRDY;
	a->dev = 0xa0;
	return 0;
}

void mon_ata_free(struct mon_ata *a)
{
	free(a->disk);
	a->disk = NULL;
}

static bool slave_selected(const struct mon_ata *a)
{
	return a->dev & 0x10;
}

static void raise_irq(struct mon_ata *a)
{
	if (!(a->ctl & 2))
		a->irq = true;
}

static void abort_cmd(struct mon_ata *a, uint8_t err)
{
	a->error = err;
	a->status = ATA_SR_DRDY | ATA_SR_ERR;
	a->cmd = 0;
	raise_irq(a);
}

/* Put a little-endian ATA string (byte-swapped words) into IDENTIFY data. */
static void ident_string(uint8_t *w, const char *s, unsigned len)
{
	for (unsigned i = 0; i < len; i += 2) {
		char c0 = *s ? *s++ : ' ';
		char c1 = *s ? *s++ : ' ';
		w[i] = (uint8_t)c1;
		w[i + 1] = (uint8_t)c0;
	}
}

static void build_identify(struct mon_ata *a)
{
	memset(a->buf, 0, sizeof a->buf);
	uint8_t *b = a->buf;
	b[0] = 0x40; /* fixed device */
	ident_string(b + 20, "VMLAB0001", 20);
	ident_string(b + 46, "0.1", 8);
	ident_string(b + 54, "vmlab swap disk", 40);
	b[99] = 0x02; /* word 49: LBA supported */
	uint32_t n = a->sectors > 0x0fffffff ? 0x0fffffff : (uint32_t)a->sectors;
	memcpy(b + 120, &n, 4); /* words 60-61: user-addressable sectors (LBA28) */
}

/* Start the transfer of sector a->lba (read: fill buf). */
static void start_sector(struct mon_ata *a)
{
	a->pos = 0;
	if (a->cmd == 0x20)
		memcpy(a->buf, a->disk + a->lba * ATA_SECTOR, ATA_SECTOR);
	a->status = ATA_SR_DRDY | ATA_SR_DRQ;
}

static void start_command(struct mon_ata *a, uint8_t cmd)
{
	a->error = 0;
	if (slave_selected(a))
		return;
	switch (cmd) {
	case 0x20: case 0x21: case 0x30: case 0x31: {
		if (!(a->dev & 0x40)) {
			abort_cmd(a, ERR_ABRT);
			return;
		}
		uint64_t lba = a->lba0 | ((uint64_t)a->lba1 << 8) | ((uint64_t)a->lba2 << 16) |
			       ((uint64_t)(a->dev & 0x0f) << 24);
		uint32_t n = a->count ? a->count : 256;
		if (lba + n > a->sectors) {
			abort_cmd(a, ERR_IDNF);
			return;
		}
		a->cmd = (cmd & 0xf0) == 0x20 ? 0x20 : 0x30;
		a->lba = lba;
		a->remaining = n;
		start_sector(a);
		if (a->cmd == 0x20)
			raise_irq(a);
		return;
	}
	case 0xec:
		a->cmd = 0xec;
		a->remaining = 1;
		build_identify(a);
		a->pos = 0;
		a->status = ATA_SR_DRDY | ATA_SR_DRQ;
		raise_irq(a);
		return;
	case 0xe7: case 0xea:
		a->cmd = 0;
		a->status = ATA_SR_DRDY;
		raise_irq(a);
		return;
	default:
		abort_cmd(a, ERR_ABRT);
	}
}

/* A whole sector has been moved through the data port. */
static void sector_done(struct mon_ata *a)
{
	if (a->cmd == 0x30)
		memcpy(a->disk + a->lba * ATA_SECTOR, a->buf, ATA_SECTOR);
	a->remaining--;
	a->lba++;
	if (a->remaining && a->cmd != 0xec) {
		start_sector(a);
		raise_irq(a);
	} else {
		bool wrote = a->cmd == 0x30;
		a->cmd = 0;
		a->status = ATA_SR_DRDY;
		if (wrote)
			raise_irq(a);
	}
}

static uint32_t data_read(struct mon_ata *a, unsigned size)
{
	if (!(a->status & ATA_SR_DRQ) || a->cmd == 0x30)
		return 0;
	uint32_t v = 0;
	for (unsigned i = 0; i < size && a->pos < ATA_SECTOR; i++)
		v |= (uint32_t)a->buf[a->pos++] << (8 * i);
	if (a->pos >= ATA_SECTOR)
		sector_done(a);
	return v;
}

static void data_write(struct mon_ata *a, unsigned size, uint32_t v)
{
	if (!(a->status & ATA_SR_DRQ) || a->cmd != 0x30)
		return;
	for (unsigned i = 0; i < size && a->pos < ATA_SECTOR; i++)
		a->buf[a->pos++] = (uint8_t)(v >> (8 * i));
	if (a->pos >= ATA_SECTOR)
		sector_done(a);
}

uint32_t mon_ata_read(struct mon_ata *a, uint16_t port, unsigned size)
{
	if (port != P_DATA && port != P_CTL && slave_selected(a) && port != P_DEV)
		return 0;
	switch (port) {
	case P_DATA: return data_read(a, size);
	case P_ERR: return a->error;
	case P_COUNT: return a->count;
	case P_LBA0: return a->lba0;
	case P_LBA1: return a->lba1;
	case P_LBA2: return a->lba2;
	case P_DEV: return a->dev;
	case P_CMD: a->irq = false; return a->status;
	case P_CTL: return slave_selected(a) ? 0 : a->status; /* alternate status */
	default: return 0xff;
	}
}

void mon_ata_write(struct mon_ata *a, uint16_t port, unsigned size, uint32_t v)
{
	uint8_t b = (uint8_t)v;
	switch (port) {
	case P_DATA: data_write(a, size, v); break;
	case P_ERR: a->features = b; break;
	case P_COUNT: a->count = b; break;
	case P_LBA0: a->lba0 = b; break;
	case P_LBA1: a->lba1 = b; break;
	case P_LBA2: a->lba2 = b; break;
	case P_DEV: a->dev = b; break;
	case P_CMD: start_command(a, b); break;
	case P_CTL:
		if ((b & 4) && !(a->ctl & 4)) { /* software reset */
			a->cmd = 0;
			a->status = ATA_SR_DRDY;
			a->error = 1;
		}
		a->ctl = b;
		break;
	default: break;
	}
}

bool mon_ata_take_irq(struct mon_ata *a)
{
	bool r = a->irq;
	a->irq = false;
	return r;
}
