/*
 * tests/fuzz/fuzz_loaders.c — the loaders of everything a user hands vmlab:
 * kernel ELF files (mon_elf_parse, then mon_boot_load into a flat 4 MiB
 * guest memory, with the input also as a boot module and a command line),
 * ELF symbol tables (con_symtab_add_elf), and boot modules (ELF programs
 * and VLABPACK packs: mon_module_programs, and its users, the monitor's app
 * naming and the console's module symbols). Input: the file itself. Invariants: no sanitizer
 * report; a rejected file gives a one-line reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmm/boot.h"
#include "monitor/console/console.h"
#include "monitor/vmm/vm.h"
#include "tests/fuzz/gen.h"
#include "tests/fuzz/harness.h"
#include "tests/fuzz/vmrun.h"

#define MEM (4u << 20)

static uint8_t *flat_page(void *ctx, pa_t pa)
{
	return pa < MEM ? (uint8_t *)ctx + (pa & ~(pa_t)0xfff) : NULL;
}

static void check_err(const char *err)
{
	if (!err[0] || strchr(err, '\n'))
		fz_fail("fuzz-loaders", "a rejection without a one-line reason");
}

static void kernel_elf(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	if (!mem && !(mem = malloc(MEM)))
		fz_fail("fuzz-loaders", "out of memory");
	struct mon_elf elf;
	char err[MON_ERR_MAX] = "";
	if (mon_elf_parse(data, size, MEM, &elf, err, sizeof err)) {
		check_err(err);
		return;
	}
	struct mon_gmem g = { flat_page, mem, MEM };
	struct mon_module mod = { "fuzz.pack", data, size };
	char cmdline[64];
	snprintf(cmdline, sizeof cmdline, "%.*s", (int)(size < 40 ? size : 40), (const char *)data);
	struct mon_boot_regs regs;
	if (mon_boot_load(&g, data, &elf, &mod, 1, cmdline, &regs, err, sizeof err))
		check_err(err);
}

static void symbols(const uint8_t *data, size_t size)
{
	struct con_symtab t = { 0 };
	char err[256] = "";
	if (con_symtab_add_elf(&t, data, size, (size & 1) ? "prog" : NULL, err, sizeof err) < 0)
		check_err(err);
	con_symtab_finish(&t);
	(void)con_sym_find(&t, 0x401000, "prog");
	con_symtab_free(&t);
}

static char mod_path[64];

static void mod_remove(void)
{
	unlink(mod_path);
}

/* The console's module loader reads files: the input as a module file. */
static void console_modules(const uint8_t *data, size_t size)
{
	static struct con_session s;
	if (!mod_path[0]) {
		snprintf(mod_path, sizeof mod_path, "/tmp/vmlab-fuzz-mod-%ld", (long)getpid());
		atexit(mod_remove);
	}
	FILE *f = fopen(mod_path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		fz_fail("fuzz-loaders", "cannot write a scratch file in /tmp");
	memset(&s, 0, sizeof s);
	const char *mods[1] = { mod_path };
	con_session_load_symbols(&s, NULL, mods, 1);
	con_symtab_free(&s.syms);
}

/* Every program of a boot module (bootpack.c): each image must lie inside the module. */
static const uint8_t *mod_lo, *mod_hi;

static void check_program(void *ctx, const struct mon_program *p)
{
	(void)ctx;
	if (p->image < mod_lo || p->size > (size_t)(mod_hi - p->image) || !memchr(p->name, 0, sizeof p->name))
		fz_fail("fuzz-loaders", "a boot-module program outside its module or with an unterminated name");
}

static void module_programs(const uint8_t *data, size_t size)
{
	mod_lo = data;
	mod_hi = data + size;
	(void)mon_module_programs("fuzz.pack", data, size, check_program, NULL);
}

/* The monitor's app naming learns the entry pages of boot modules. */
static void appnames(const uint8_t *data, size_t size)
{
	static struct vm *vm;
	if (!vm) {
		static struct gen_guest g;
		static const uint8_t hlt[] = { 0xf4 };
		gen_raw_kernel(&g, hlt, sizeof hlt);
		char err[MON_ERR_MAX];
		if (!(vm = fz_vm_create(g.elf, sizeof g.elf, fz_mode(0), 100, false, err, sizeof err)))
			fz_fail("fuzz-loaders", err);
	}
	vm->nsigs = 0;
	mon_appname_learn(vm, "fuzz.pack", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kernel_elf(data, size);
	symbols(data, size);
	module_programs(data, size);
	console_modules(data, size);
	appnames(data, size);
	fz_count("loaders", size);
	return 0;
}
