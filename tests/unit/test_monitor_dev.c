/* tests/unit/test_monitor_dev.c — the virtual devices, one datasheet behaviour per test. */
#include <check.h>
#include <string.h>

#include "monitor/dev/dev.h"
#include "tests/unit/check_run.h"

START_TEST(uart_resets_to_5_bit_words)
{
	struct mon_uart u = { 0 };
	mon_uart_reset(&u);
	u.limit = 64; /* keep output (0 keeps none, see dev.h) */
	mon_uart_write(&u, 0, 'A'); /* 0x41 & 0x1f = 0x01: garbage, as on real hardware */
	ck_assert_uint_eq(u.len, 1);
	ck_assert_uint_eq((uint8_t)u.out[0], 0x01);
	mon_uart_free(&u);
}
END_TEST

START_TEST(uart_8n1_and_dlab)
{
	struct mon_uart u = { 0 };
	mon_uart_reset(&u);
	u.limit = 64; /* keep output (0 keeps none, see dev.h) */
	mon_uart_write(&u, 3, 0x80); /* DLAB */
	mon_uart_write(&u, 0, 0x01); /* divisor low: not output */
	mon_uart_write(&u, 1, 0x00);
	ck_assert_uint_eq(u.len, 0);
	ck_assert_uint_eq(mon_uart_read(&u, 0), 0x01);
	mon_uart_write(&u, 3, 0x03); /* 8N1 */
	ck_assert(mon_uart_read(&u, 5) & UART_LSR_THRE);
	mon_uart_write(&u, 0, 'h');
	mon_uart_write(&u, 0, 'i');
	ck_assert_uint_eq(u.len, 2);
	ck_assert(!memcmp(u.out, "hi", 2));
	ck_assert_uint_eq(mon_uart_read(&u, 3), 0x03);
	mon_uart_write(&u, 7, 0x5a);
	ck_assert_uint_eq(mon_uart_read(&u, 7), 0x5a);
	mon_uart_write(&u, 4, 0x10); /* loopback: nothing leaves */
	mon_uart_write(&u, 0, 'x');
	ck_assert_uint_eq(u.len, 2);
	mon_uart_free(&u);
}
END_TEST

/* The usual PC initialisation: master at 0x20, slave at 0x28. */
static void pic_init(struct mon_pic *p)
{
	mon_pic_reset(p);
	mon_pic_write(p, 0x20, 0x11);
	mon_pic_write(p, 0xa0, 0x11);
	mon_pic_write(p, 0x21, 0x20);
	mon_pic_write(p, 0xa1, 0x28);
	mon_pic_write(p, 0x21, 0x04);
	mon_pic_write(p, 0xa1, 0x02);
	mon_pic_write(p, 0x21, 0x01);
	mon_pic_write(p, 0xa1, 0x01);
}

START_TEST(pic_init_mask_ack_eoi)
{
	struct mon_pic p;
	pic_init(&p);
	ck_assert_uint_eq(mon_pic_read(&p, 0x21), 0);
	mon_pic_write(&p, 0x21, 0xfe); /* only IRQ 0 */
	mon_pic_raise(&p, 4);
	ck_assert(!mon_pic_pending(&p));
	mon_pic_raise(&p, 0);
	ck_assert(mon_pic_pending(&p));
	unsigned irq;
	ck_assert_int_eq(mon_pic_ack(&p, &irq), 0x20);
	ck_assert_uint_eq(irq, 0);
	ck_assert(!mon_pic_pending(&p));
	mon_pic_raise(&p, 0); /* in service: blocked until EOI */
	ck_assert(!mon_pic_pending(&p));
	mon_pic_write(&p, 0x20, 0x0b); /* OCW3: read ISR */
	ck_assert_uint_eq(mon_pic_read(&p, 0x20), 1);
	mon_pic_write(&p, 0x20, 0x20); /* EOI */
	ck_assert(mon_pic_pending(&p));
	mon_pic_write(&p, 0x21, 0xff);
	ck_assert(!mon_pic_pending(&p));
}
END_TEST

START_TEST(pic_cascade)
{
	struct mon_pic p;
	pic_init(&p);
	mon_pic_raise(&p, 14);
	ck_assert(mon_pic_pending(&p));
	unsigned irq;
	ck_assert_int_eq(mon_pic_ack(&p, &irq), 0x2e);
	ck_assert_uint_eq(irq, 14);
	mon_pic_write(&p, 0xa0, 0x20);
	mon_pic_write(&p, 0x20, 0x20);
	ck_assert(!mon_pic_pending(&p));
	ck_assert_int_eq(mon_pic_ack(&p, NULL), -1);
}
END_TEST

START_TEST(pit_periodic_counts_instructions)
{
	struct mon_pit p;
	mon_pit_reset(&p);
	ck_assert_uint_eq(mon_pit_next_irq(&p, 0), UINT64_MAX);
	mon_pit_write(&p, 0x43, 0x34, 100); /* ch0, lo/hi, mode 2 */
	mon_pit_write(&p, 0x40, 0x9c, 100);
	mon_pit_write(&p, 0x40, 0x2e, 100); /* 11932 */
	ck_assert_uint_eq(mon_pit_next_irq(&p, 100), 100 + 11932);
	ck_assert_uint_eq(mon_pit_next_irq(&p, 100 + 11932), 100 + 2 * 11932);
	mon_pit_write(&p, 0x43, 0x00, 1100); /* latch */
	uint16_t v = mon_pit_read(&p, 0x40, 5000);
	v |= (uint16_t)(mon_pit_read(&p, 0x40, 5000) << 8);
	ck_assert_uint_eq(v, 11932 - 1000);
}
END_TEST

START_TEST(pit_mode0_fires_once)
{
	struct mon_pit p;
	mon_pit_reset(&p);
	mon_pit_write(&p, 0x43, 0x30, 0);
	mon_pit_write(&p, 0x40, 10, 0);
	mon_pit_write(&p, 0x40, 0, 0);
	ck_assert_uint_eq(mon_pit_next_irq(&p, 0), 10);
	mon_pit_irq_done(&p, 10);
	ck_assert_uint_eq(mon_pit_next_irq(&p, 10), UINT64_MAX);
}
END_TEST

static void ata_cmd(struct mon_ata *a, uint8_t cmd, uint32_t lba, uint8_t count)
{
	mon_ata_write(a, 0x1f6, 1, 0xe0 | ((lba >> 24) & 0xf));
	mon_ata_write(a, 0x1f2, 1, count);
	mon_ata_write(a, 0x1f3, 1, lba & 0xff);
	mon_ata_write(a, 0x1f4, 1, (lba >> 8) & 0xff);
	mon_ata_write(a, 0x1f5, 1, (lba >> 16) & 0xff);
	mon_ata_write(a, 0x1f7, 1, cmd);
}

START_TEST(ata_write_then_read)
{
	struct mon_ata a;
	ck_assert_int_eq(mon_ata_init(&a, 1 << 20), 0);
	ata_cmd(&a, 0x30, 7, 2);
	ck_assert(mon_ata_read(&a, 0x1f7, 1) & ATA_SR_DRQ);
	for (unsigned i = 0; i < 512; i++)
		mon_ata_write(&a, 0x1f0, 2, i);
	ck_assert(!(mon_ata_read(&a, 0x1f7, 1) & ATA_SR_DRQ));
	ck_assert_uint_eq(a.disk[7 * 512 + 2], 1);
	ck_assert_uint_eq(a.disk[8 * 512], 0);
	ck_assert_uint_eq(a.disk[8 * 512 + 1], 1);
	ata_cmd(&a, 0x20, 8, 1);
	ck_assert_uint_eq(mon_ata_read(&a, 0x1f7, 1) & (ATA_SR_DRQ | ATA_SR_ERR), ATA_SR_DRQ);
	ck_assert_uint_eq(mon_ata_read(&a, 0x1f0, 2), 256);
	for (unsigned i = 1; i < 256; i++)
		mon_ata_read(&a, 0x1f0, 2);
	ck_assert_uint_eq(mon_ata_read(&a, 0x1f7, 1), ATA_SR_DRDY);
	mon_ata_free(&a);
}
END_TEST

START_TEST(ata_errors)
{
	struct mon_ata a;
	ck_assert_int_eq(mon_ata_init(&a, 1 << 20), 0);
	ata_cmd(&a, 0x20, 2047, 2); /* past the end */
	ck_assert(mon_ata_read(&a, 0x1f7, 1) & ATA_SR_ERR);
	ata_cmd(&a, 0x99, 0, 1);
	ck_assert(mon_ata_read(&a, 0x1f7, 1) & ATA_SR_ERR);
	ata_cmd(&a, 0xec, 0, 1);
	uint16_t w[256];
	for (int i = 0; i < 256; i++)
		w[i] = (uint16_t)mon_ata_read(&a, 0x1f0, 2);
	ck_assert_uint_eq(w[60], 2048);
	mon_ata_write(&a, 0x1f6, 1, 0xf0); /* slave: absent */
	ck_assert_uint_eq(mon_ata_read(&a, 0x1f7, 1), 0);
	mon_ata_free(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_dev");
	TCase *tc = tcase_create("dev");
	tcase_add_test(tc, uart_resets_to_5_bit_words);
	tcase_add_test(tc, uart_8n1_and_dlab);
	tcase_add_test(tc, pic_init_mask_ack_eoi);
	tcase_add_test(tc, pic_cascade);
	tcase_add_test(tc, pit_periodic_counts_instructions);
	tcase_add_test(tc, pit_mode0_fires_once);
	tcase_add_test(tc, ata_write_then_read);
	tcase_add_test(tc, ata_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
