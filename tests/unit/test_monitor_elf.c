/* tests/unit/test_monitor_elf.c — ELF validation and the firmware hand-off. */
#include <check.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "guestos/boot.h"
#include "monitor/vmm/boot.h"
#include "tests/elf_image.h"
#include "tests/unit/check_run.h"

#define MEM (4ull << 20)

/* A minimal valid image: one RX segment at PA 0x100000 with 16 bytes + 16 of bss. */
static size_t make_elf(uint8_t *buf)
{
	memset(buf, 0, 512);
	elf_image_header(buf, 0x100004, 0x100000, 256, 16, 32, PF_R | PF_X);
	for (int i = 0; i < 16; i++)
		buf[256 + i] = (uint8_t)(0xa0 + i);
	return 272;
}

static Elf64_Ehdr *EH(uint8_t *b) { return (Elf64_Ehdr *)b; }
static Elf64_Phdr *PH(uint8_t *b) { return (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr)); }

START_TEST(valid_elf_parses)
{
	uint8_t buf[512];
	size_t n = make_elf(buf);
	struct mon_elf e;
	char err[256] = "";
	ck_assert_int_eq(mon_elf_parse(buf, n, MEM, &e, err, sizeof err), 0);
	ck_assert_uint_eq(e.entry, 0x100004);
	ck_assert_uint_eq(e.nsegs, 1);
	ck_assert_uint_eq(e.lo, 0x100000);
	ck_assert_uint_eq(e.hi, 0x100020);
}
END_TEST


static void bad_magic(uint8_t *b, size_t *n) { (void)n; b[1] = 'X'; }
static void class32(uint8_t *b, size_t *n) { (void)n; b[EI_CLASS] = ELFCLASS32; }
static void big_endian(uint8_t *b, size_t *n) { (void)n; b[EI_DATA] = ELFDATA2MSB; }
static void arm(uint8_t *b, size_t *n) { (void)n; EH(b)->e_machine = EM_AARCH64; }
static void dyn(uint8_t *b, size_t *n) { (void)n; EH(b)->e_type = ET_DYN; }
static void truncated_hdr(uint8_t *b, size_t *n) { (void)b; *n = 40; }
static void ph_outside(uint8_t *b, size_t *n) { (void)n; EH(b)->e_phoff = 0xfffffffffffffff8ull; }
static void phnum_huge(uint8_t *b, size_t *n) { (void)n; EH(b)->e_phnum = 0xffff; }
static void seg_outside_file(uint8_t *b, size_t *n) { (void)n; PH(b)->p_offset = 0xffffffffffffff00ull; }
static void filesz_gt_memsz(uint8_t *b, size_t *n) { (void)n; PH(b)->p_filesz = 64; }
static void seg_low(uint8_t *b, size_t *n) { (void)n; PH(b)->p_paddr = 0x1000; EH(b)->e_entry = 0x1004; }
static void seg_beyond_mem(uint8_t *b, size_t *n) { (void)n; PH(b)->p_memsz = MEM; }
static void seg_wraps(uint8_t *b, size_t *n) { (void)n; PH(b)->p_paddr = 0xfffffffffffff000ull; }
static void entry_outside(uint8_t *b, size_t *n) { (void)n; EH(b)->e_entry = 0x200000; }
static void entry_not_exec(uint8_t *b, size_t *n) { (void)n; PH(b)->p_flags = PF_R; }
static void empty_file(uint8_t *b, size_t *n) { (void)b; *n = 0; }
static void phentsize(uint8_t *b, size_t *n) { (void)n; EH(b)->e_phentsize = 32; }

static const struct {
	const char *name, *expect;
	void (*fn)(uint8_t *, size_t *);
} cases[] = {
	{ "bad magic", "magic", bad_magic },
	{ "32-bit", "64-bit", class32 },
	{ "big endian", "little-endian", big_endian },
	{ "aarch64", "x86-64", arm },
	{ "ET_DYN", "executable", dyn },
	{ "truncated header", "truncated", truncated_hdr },
	{ "phdrs outside file", "outside the file", ph_outside },
	{ "phnum huge", "outside the file", phnum_huge },
	{ "segment outside file", "outside the file", seg_outside_file },
	{ "filesz > memsz", "larger", filesz_gt_memsz },
	{ "segment in firmware area", "firmware", seg_low },
	{ "segment beyond memory", "does not fit", seg_beyond_mem },
	{ "segment wraps", "does not fit", seg_wraps },
	{ "entry outside", "entry point", entry_outside },
	{ "entry not executable", "entry point", entry_not_exec },
	{ "empty file", "magic", empty_file },
	{ "phentsize", "program header size", phentsize },
};

START_TEST(corrupted_elf_rejected)
{
	uint8_t buf[512];
	size_t n = make_elf(buf);
	cases[_i].fn(buf, &n);
	struct mon_elf e;
	char err[256] = "";
	ck_assert_msg(mon_elf_parse(buf, n, MEM, &e, err, sizeof err) == -1, "%s accepted", cases[_i].name);
	ck_assert_msg(strstr(err, cases[_i].expect), "%s: message '%s' lacks '%s'", cases[_i].name, err,
		      cases[_i].expect);
	ck_assert(strchr(err, '\n') == NULL);
}
END_TEST

/* Flat guest memory for the boot test. */
static uint8_t *flat_page(void *ctx, pa_t pa)
{
	return (uint8_t *)ctx + (pa & PAGE_MASK);
}

START_TEST(boot_handoff_layout)
{
	uint8_t img[512];
	make_elf(img);
	struct mon_elf e;
	char err[256];
	ck_assert_int_eq(mon_elf_parse(img, 512, MEM, &e, err, sizeof err), 0);
	uint8_t *mem = malloc(MEM);
	memset(mem, 0xcc, MEM);
	struct mon_gmem g = { flat_page, mem, MEM };
	const uint8_t modbytes[5] = { 1, 2, 3, 4, 5 };
	struct mon_module mods[2] = { { "dir/initrd.pack", modbytes, 5 }, { "two", modbytes, 3 } };
	struct mon_boot_regs r;
	ck_assert_int_eq(mon_boot_load(&g, img, &e, mods, 2, "run=hello", &r, err, sizeof err), 0);
	ck_assert_uint_eq(r.rip, 0x100004);
	ck_assert_uint_eq(r.rsp, BOOT_STACK_TOP);
	ck_assert_uint_eq(r.rdi, BOOT_INFO_PA);
	ck_assert_uint_eq(r.cr3, BOOT_FW_PML4);
	ck_assert(r.efer & EFER_LMA);
	/* segment copied, bss zeroed */
	ck_assert_uint_eq(mem[0x100000], 0xa0);
	ck_assert_uint_eq(mem[0x10001f], 0);
	struct boot_info *bi = (struct boot_info *)(mem + BOOT_INFO_PA);
	ck_assert_uint_eq(bi->magic, BOOT_INFO_MAGIC);
	ck_assert_uint_eq(bi->mem_size, MEM);
	ck_assert_uint_eq(bi->kernel_end, 0x101000);
	ck_assert_uint_eq(bi->nmodules, 2);
	ck_assert_uint_eq(bi->modules[0].pa, 0x101000);
	ck_assert_str_eq(bi->modules[0].name, "initrd.pack");
	ck_assert_uint_eq(bi->modules[1].pa, 0x102000);
	ck_assert_str_eq(bi->cmdline, "run=hello");
	ck_assert_uint_eq(mem[0x101004], 5);
	/* identity map: PML4[0] -> PDPT, PD[1] maps 2 MiB at 2 MiB, PD[2] absent (4 MiB of RAM) */
	uint64_t *pml4 = (uint64_t *)(mem + BOOT_FW_PML4);
	ck_assert_uint_eq(pml4[0], 0x4003);
	uint64_t *pd = (uint64_t *)(mem + 0x5000);
	ck_assert_uint_eq(pd[1], 0x200083);
	ck_assert_uint_eq(pd[2], 0);
	uint64_t *gdt = (uint64_t *)(mem + BOOT_FW_GDT_PA);
	ck_assert_uint_eq(gdt[1] >> 40 & 0xff, 0x9a);
	free(mem);
}
END_TEST

START_TEST(boot_modules_too_big)
{
	uint8_t img[512];
	make_elf(img);
	struct mon_elf e;
	char err[256];
	ck_assert_int_eq(mon_elf_parse(img, 512, MEM, &e, err, sizeof err), 0);
	uint8_t *mem = calloc(1, MEM);
	struct mon_gmem g = { flat_page, mem, MEM };
	struct mon_module m = { "huge", mem, MEM };
	struct mon_boot_regs r;
	ck_assert_int_eq(mon_boot_load(&g, img, &e, &m, 1, "", &r, err, sizeof err), -1);
	/* the kernel ends at 0x101000 (page-aligned), the module needs MEM more: the real minimum */
	ck_assert_msg(strstr(err, "guest memory too small: --mem 4096K, but the kernel (to PA 0x100020) and 1 module "
				  "need at least --mem 5124K"), "%s", err);
	/* a memory one page short of kernel + modules is refused; exactly enough is not */
	struct mon_module two[2] = { { "a", mem, 5 }, { "b", mem, 4096 } };
	struct mon_gmem tight = { flat_page, mem, 0x103000 - PAGE_SIZE };
	ck_assert_int_eq(mon_boot_load(&tight, img, &e, two, 2, "", &r, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "2 modules need at least --mem 1036K"), "%s", err);
	tight.size = 0x103000;
	ck_assert_int_eq(mon_boot_load(&tight, img, &e, two, 2, "", &r, err, sizeof err), 0);
	free(mem);
}
END_TEST

int main(void)
{

	Suite *s = suite_create("monitor_elf");
	TCase *tc = tcase_create("elf");
	tcase_add_test(tc, valid_elf_parses);
	tcase_add_loop_test(tc, corrupted_elf_rejected, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, boot_handoff_layout);
	tcase_add_test(tc, boot_modules_too_big);
	suite_add_tcase(s, tc);
	return check_run(s);
}
