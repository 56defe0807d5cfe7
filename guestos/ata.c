/*
 * guestos/ata.c — the swap disk: ATA PIO on the primary IDE channel
 * (command block 0x1F0-0x1F7, control 0x3F6), master drive, LBA28,
 * READ SECTORS (0x20) and WRITE SECTORS (0x30), polled with nIEN set
 * (no disk interrupts). One sector = 512 bytes moved as 256 16-bit words.
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"

#define ATA_DATA 0x1f0
#define ATA_COUNT 0x1f2
#define ATA_LBA0 0x1f3
#define ATA_LBA1 0x1f4
#define ATA_LBA2 0x1f5
#define ATA_DRIVE 0x1f6
#define ATA_STATUS 0x1f7 /* read: status; write: command */
#define ATA_CTRL 0x3f6   /* write: device control; read: alternate status */
#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_DRDY 0x40
#define ST_BSY 0x80
#define CTRL_NIEN 0x02
#define CMD_READ 0x20
#define CMD_WRITE 0x30

/* The 400 ns the drive needs before its status is valid: four reads of
 * the alternate status register. */
static void ata_delay(void)
{
	for (int i = 0; i < 4; i++)
		(void)inb(ATA_CTRL);
}

static uint8_t ata_wait_idle(void)
{
	uint8_t st;
	while ((st = inb(ATA_STATUS)) & ST_BSY)
		;
	return st;
}

/* Wait for DRQ (data ready) after a command; panic on a drive error. */
static void ata_wait_drq(uint32_t lba)
{
	for (;;) {
		uint8_t st = inb(ATA_STATUS);
		if (st & ST_BSY)
			continue;
		if (st & (ST_ERR | ST_DF))
			panic("swap disk error (status 0x%x) at LBA %u", st, lba);
		if (st & ST_DRQ)
			return;
	}
}

/* Select the master drive with interrupts off; 1 if it answers (DRDY and
 * not a floating bus, 0xFF), else 0 (no swap). */
int ata_init(void)
{
	outb(ATA_CTRL, CTRL_NIEN);
	outb(ATA_DRIVE, 0xe0);
	ata_delay();
	uint8_t st = inb(ATA_STATUS);
	if (st == 0xff || st == 0x00)
		return 0;
	st = ata_wait_idle();
	return (st & ST_DRDY) != 0;
}

static void ata_command(uint8_t cmd, uint32_t lba, int nsect)
{
	ata_wait_idle();
	outb(ATA_DRIVE, 0xe0 | ((lba >> 24) & 0x0f)); /* LBA mode, master */
	outb(ATA_COUNT, (uint8_t)nsect);
	outb(ATA_LBA0, lba & 0xff);
	outb(ATA_LBA1, (lba >> 8) & 0xff);
	outb(ATA_LBA2, (lba >> 16) & 0xff);
	outb(ATA_STATUS, cmd);
	ata_delay();
}

/* Read nsect (1..255) sectors at lba into buf. */
void ata_read(uint32_t lba, void *buf, int nsect)
{
	uint16_t *w = buf;
	if (pv_disk(0, lba, buf, nsect)) /* vmlab --paravirt: one hypercall */
		return;
	ata_command(CMD_READ, lba, nsect);
	for (int s = 0; s < nsect; s++) {
		ata_wait_drq(lba + s);
		for (int i = 0; i < 256; i++)
			*w++ = inw(ATA_DATA);
		ata_delay();
	}
}

/* Write nsect (1..255) sectors from buf at lba; returns when the drive is idle. */
void ata_write(uint32_t lba, const void *buf, int nsect)
{
	const uint16_t *w = buf;
	if (pv_disk(1, lba, (void *)buf, nsect)) /* vmlab --paravirt: one hypercall */
		return;
	ata_command(CMD_WRITE, lba, nsect);
	for (int s = 0; s < nsect; s++) {
		ata_wait_drq(lba + s);
		for (int i = 0; i < 256; i++)
			outw(ATA_DATA, *w++);
		ata_delay();
	}
	uint8_t st = ata_wait_idle();
	if (st & (ST_ERR | ST_DF))
		panic("swap disk write error (status 0x%x) at LBA %u", st, lba);
}
