/* tests/unit/test_monitor_bootpack.c — mon_module_programs: ELF modules and VLABPACK packs, read like the kernel. */
#include <check.h>
#include <string.h>

#include "guestos/pack.h"
#include "monitor/vmm/monitor.h"
#include "tests/unit/check_run.h"

struct seen {
	char names[8][32];
	size_t sizes[8];
	bool in_pack[8];
	unsigned n;
};

static void note(void *ctx, const struct mon_program *p)
{
	struct seen *s = ctx;
	if (s->n < 8) {
		snprintf(s->names[s->n], 32, "%s", p->name);
		s->sizes[s->n] = p->size;
		s->in_pack[s->n] = p->in_pack;
		s->n++;
	}
}

/* A pack of three entries; entry 1 points past the end. */
static size_t make_pack(uint8_t *buf, size_t cap)
{
	memset(buf, 0, cap);
	struct pack_header h = {.count = 3};
	memcpy(h.magic, PACK_MAGIC, 8);
	memcpy(buf, &h, sizeof h);
	size_t data = sizeof h + 3 * sizeof(struct pack_entry);
	struct pack_entry e[3] = {
		{.name = "alpha", .offset = data, .size = 8},
		{.name = "broken", .offset = data, .size = 4096},
		{.name = "gamma-with-a-name-of-31-chars!!", .offset = data + 8, .size = 4},
	};
	memcpy(buf + sizeof h, e, sizeof e);
	return data + 12;
}

START_TEST(pack_entries_in_order_bad_entry_skipped)
{
	uint8_t buf[512];
	size_t len = make_pack(buf, sizeof buf);
	struct seen s = {.n = 0};
	ck_assert_int_eq(mon_module_programs("dir/initrd.pack", buf, len, note, &s), 2);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.names[0], "alpha");
	ck_assert_uint_eq(s.sizes[0], 8);
	ck_assert_str_eq(s.names[1], "gamma-with-a-name-of-31-chars!!");
	ck_assert(s.in_pack[0] && s.in_pack[1]);
}
END_TEST

START_TEST(bad_packs_rejected_whole)
{
	uint8_t buf[512];
	size_t len = make_pack(buf, sizeof buf);
	struct seen s = {.n = 0};
	/* entry table cut short */
	ck_assert_int_eq(mon_module_programs("p", buf, 40, note, &s), -1);
	/* too many entries */
	uint32_t many = PACK_MAX_ENTRIES + 1;
	memcpy(buf + 8, &many, 4);
	ck_assert_int_eq(mon_module_programs("p", buf, len, note, &s), -1);
	/* neither ELF nor pack */
	ck_assert_int_eq(mon_module_programs("p", (const uint8_t *)"hello", 5, note, &s), -1);
	ck_assert_int_eq(mon_module_programs("p", (const uint8_t *)"VLABPAC", 7, note, &s), -1);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(elf_module_named_after_its_file)
{
	const uint8_t elf[16] = {0x7f, 'E', 'L', 'F', 2};
	struct seen s = {.n = 0};
	ck_assert_int_eq(mon_module_programs("build/guestos/user/hello", elf, sizeof elf, note, &s), 1);
	ck_assert_str_eq(s.names[0], "hello");
	ck_assert(!s.in_pack[0]);
	ck_assert_uint_eq(s.sizes[0], sizeof elf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_bootpack");
	TCase *tc = tcase_create("bootpack");
	tcase_add_test(tc, pack_entries_in_order_bad_entry_skipped);
	tcase_add_test(tc, bad_packs_rejected_whole);
	tcase_add_test(tc, elf_module_named_after_its_file);
	suite_add_tcase(s, tc);
	return check_run(s);
}
