/*
 * tests/unit/test_monitor_console_session.c — the console driving a real VM.
 *
 * Each test writes a tiny bare-metal ELF64 guest (code at PA 0x100000, a
 * symbol table with _start and func), boots it with mon_vm_create, and runs
 * console command lines against it, checking what they print: stepping,
 * until io, breakpoints on symbols, watchpoints, backtrace, memory reads of
 * mapped and unmapped addresses, translate, the VM's end, Ctrl-C during
 * continue, and random garbage that must never crash the console.
 */
#include <check.h>
#include <elf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "monitor/console/console.h"
#include "monitor/vmm/vm.h"
#include "tests/unit/check_run.h"

#define LOAD_PA 0x100000ull

/* The guest: set the UART to 8N1, print 'A', store 0x55 at 0x200000, call func, hlt. */
static const uint8_t guest_code[] = {
	0x66, 0xba, 0xfb, 0x03,                   /* 00 mov dx, 0x3fb */
	0xb0, 0x03,                               /* 04 mov al, 3 */
	0xee,                                     /* 06 out dx, al */
	0x66, 0xba, 0xf8, 0x03,                   /* 07 mov dx, 0x3f8 */
	0xb0, 0x41,                               /* 0b mov al, 'A' */
	0xee,                                     /* 0d out dx, al */
	0x48, 0xc7, 0xc3, 0x00, 0x00, 0x20, 0x00, /* 0e mov rbx, 0x200000 */
	0x48, 0xc7, 0x03, 0x55, 0x00, 0x00, 0x00, /* 15 mov qword [rbx], 0x55 */
	0xe8, 0x01, 0x00, 0x00, 0x00,             /* 1c call func (0x22) */
	0xf4,                                     /* 21 hlt */
	/* func: */
	0x55,                                     /* 22 push rbp */
	0x48, 0x89, 0xe5,                         /* 23 mov rbp, rsp */
	0x48, 0xc7, 0x03, 0x66, 0x00, 0x00, 0x00, /* 26 mov qword [rbx], 0x66 */
	0x5d,                                     /* 2d pop rbp */
	0xc3,                                     /* 2e ret */
};
#define FUNC_OFF 0x22

/* The looping guest for Ctrl-C: jmp $ */
static const uint8_t loop_code[] = {0xeb, 0xfe};

/* The user-mode guest: iretq to user mode (vCPL 3) at 0x10000f, under the
 * firmware's identity map, whose pages are all supervisor-only. */
static const uint8_t user_code[] = {
	0x6a, 0x2b,                   /* 00 push 0x2b (ss) */
	0x6a, 0x00,                   /* 02 push 0 (rsp) */
	0x6a, 0x02,                   /* 04 push 2 (rflags) */
	0x6a, 0x33,                   /* 06 push 0x33 (cs, RPL 3) */
	0x68, 0x0f, 0x00, 0x10, 0x00, /* 08 push 0x10000f (rip) */
	0x48, 0xcf,                   /* 0d iretq */
	0x90,                         /* 0f nop (the fetch faults: supervisor-only) */
};

static char dir[64], elf_path[128];

/* Write an ELF64 executable with one PT_LOAD at LOAD_PA and a symtab. */
static void write_elf(const char *path, const uint8_t *code, size_t len, bool with_func)
{
	static const char strtab[] = "\0_start\0func\0";
	static const char shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab\0";
	Elf64_Sym syms[3] = {{0}};
	syms[1] = (Elf64_Sym){.st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1,
			      .st_value = LOAD_PA, .st_size = with_func ? FUNC_OFF : len};
	syms[2] = (Elf64_Sym){.st_name = 8, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 1,
			      .st_value = LOAD_PA + FUNC_OFF, .st_size = len - FUNC_OFF};
	size_t nsyms = with_func ? 3 : 2;
	size_t off_code = 0x1000, off_sym = off_code + 0x1000, off_str = off_sym + nsyms * sizeof(Elf64_Sym);
	size_t off_shstr = off_str + sizeof strtab, off_sh = (off_shstr + sizeof shstr + 7) & ~7ul;
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = LOAD_PA;
	eh.e_phoff = sizeof eh;
	eh.e_shoff = off_sh;
	eh.e_ehsize = sizeof eh;
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 1;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 5;
	eh.e_shstrndx = 4;
	Elf64_Phdr ph = {.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = off_code, .p_vaddr = LOAD_PA,
			 .p_paddr = LOAD_PA, .p_filesz = len, .p_memsz = len, .p_align = 0x1000};
	Elf64_Shdr sh[5] = {{0}};
	sh[1] = (Elf64_Shdr){.sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			     .sh_addr = LOAD_PA, .sh_offset = off_code, .sh_size = len, .sh_addralign = 1};
	sh[2] = (Elf64_Shdr){.sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
			     .sh_size = nsyms * sizeof(Elf64_Sym), .sh_link = 3, .sh_info = 1,
			     .sh_addralign = 8, .sh_entsize = sizeof(Elf64_Sym)};
	sh[3] = (Elf64_Shdr){.sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = off_str,
			     .sh_size = sizeof strtab, .sh_addralign = 1};
	sh[4] = (Elf64_Shdr){.sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = off_shstr,
			     .sh_size = sizeof shstr, .sh_addralign = 1};
	size_t total = off_sh + sizeof sh;
	uint8_t *img = calloc(1, total);
	memcpy(img, &eh, sizeof eh);
	memcpy(img + sizeof eh, &ph, sizeof ph);
	memcpy(img + off_code, code, len);
	memcpy(img + off_sym, syms, nsyms * sizeof(Elf64_Sym));
	memcpy(img + off_str, strtab, sizeof strtab);
	memcpy(img + off_shstr, shstr, sizeof shstr);
	memcpy(img + off_sh, sh, sizeof sh);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(img, 1, total, f), total);
	fclose(f);
	free(img);
}

struct fixture {
	struct vm *vm;
	struct con_session s;
	char *buf;
	size_t len;
	FILE *out;
	volatile sig_atomic_t intr;
};
static struct fixture fx;

static void boot(const uint8_t *code, size_t len, bool with_func)
{
	strcpy(dir, "/tmp/vmlab_con_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(elf_path, sizeof elf_path, "%s/guest.elf", dir);
	write_elf(elf_path, code, len, with_func);
	struct mon_config cfg;
	mon_config_defaults(&cfg);
	cfg.kernel = elf_path;
	cfg.nmodules = 0;
	cfg.modules_given = true;
	cfg.quiet = true;
	char err[MON_ERR_MAX];
	fx.vm = mon_vm_create(&cfg, 0, err, sizeof err);
	ck_assert_msg(fx.vm != NULL, "mon_vm_create: %s", err);
	fx.out = open_memstream(&fx.buf, &fx.len);
	con_session_init(&fx.s, fx.vm, fx.out, false);
	fx.s.interrupt = &fx.intr;
	con_session_load_symbols(&fx.s, elf_path, NULL, 0);
}

static void setup_main(void)
{
	boot(guest_code, sizeof guest_code, true);
}

static void setup_loop(void)
{
	boot(loop_code, sizeof loop_code, false);
}

static void setup_user(void)
{
	boot(user_code, sizeof user_code, false);
}

static void teardown(void)
{
	con_session_free(&fx.s);
	mon_vm_destroy(fx.vm);
	fclose(fx.out);
	free(fx.buf);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Run one line; return what it printed (valid until the next call). */
static const char *run(const char *line)
{
	fflush(fx.out);
	size_t start = fx.len;
	con_exec_line(&fx.s, line);
	fflush(fx.out);
	return fx.buf + start;
}

#define HAS(text, frag) ck_assert_msg(strstr((text), (frag)) != NULL, "missing '%s' in:\n%s", (frag), (text))
#define LACKS(text, frag) ck_assert_msg(strstr((text), (frag)) == NULL, "unexpected '%s' in:\n%s", (frag), (text))

START_TEST(regs_at_entry)
{
	const char *o = run("regs");
	HAS(o, "rip 0x0000000000100000 <_start>");
	HAS(o, "vCPL 0 (guest kernel; real CPL 3)");
	HAS(o, "rsp 0x0000000000080000");
	o = run("info registers");
	HAS(o, "rip 0x0000000000100000 <_start>");
	o = run("vm");
	HAS(o, "vm0: running");
	HAS(o, "icount 0");
}
END_TEST

/* A session made by a front end that did not allow it (the page, a fuzzer)
 * never blocks on a socket; without a record, `record` says so. */
START_TEST(gdb_listen_and_record_refused)
{
	const char *o = run("gdb-listen 0");
	HAS(o, "error: gdb-listen: this front end cannot serve gdb (use vmlab console)");
	o = run("record /nonexistent/s.rec");
	HAS(o, "error: this session keeps no record");
	o = run("vm");
	HAS(o, "icount 0");
}
END_TEST

/* The console's sink must not switch on per-instruction events (they make
 * the monitor single-step the guest: ~200x slower `continue`). */
START_TEST(sink_leaves_insn_events_off)
{
	ck_assert_ptr_nonnull(fx.vm->trace.sink);
	ck_assert_uint_eq(fx.vm->trace.mask & MON_CAT_INSN, 0);
	ck_assert_uint_ne(fx.vm->trace.mask & MON_CAT_TLB, 0);
}
END_TEST

START_TEST(step_and_disas)
{
	const char *o = run("step");
	HAS(o, "icount 1");
	HAS(o, "=> 0x0000000000100004 <_start+0x4>:");
	HAS(o, "mov al, 3");
	o = run("step 2");
	HAS(o, "icount 3");
	HAS(o, "exit: out at RIP 0x100006 -> VMM"); /* step prints the events it passed */
	o = run("disas _start 3");
	HAS(o, "0x0000000000100000 <_start>:");
	HAS(o, "mov dx, 0x3fb");
	HAS(o, "out dx, al");
	o = run("x/2i $rip");
	HAS(o, "=> 0x000000000010000b <_start+0xb>:");
	HAS(o, "   0x000000000010000d <_start+0xd>:  ee");
	o = run("disas func 1");
	HAS(o, "<func>:");
	HAS(o, "push rbp");
}
END_TEST

START_TEST(until_io_and_phases)
{
	const char *o = run("until io");
	HAS(o, "io_out");
	HAS(o, "0x3fb");
	o = run("trace 3");
	HAS(o, "vm0");
	o = run("next-exit");
	HAS(o, "phase 1/");
	o = run("finish");
	HAS(o, "vCPL 0");
}
END_TEST

/* The guest's 'A' has no newline: the console ends that line before its own
 * next line, once, on its output only (the serial capture keeps "A"). */
START_TEST(serial_line_ended_before_console_line)
{
	run("until io"); /* out 0x3fb: LCR */
	const char *o = run("until io");
	ck_assert_msg(!strncmp(o, "A\nphase 1/1 io_out", 18), "got:\n%s", o);
	HAS(o, "0x3f8 (uart) <- 0x41");
	o = run("stepi");
	ck_assert_msg(o[0] != '\n' && strncmp(o, "A", 1), "got:\n%s", o);
	o = run("continue");
	ck_assert_msg(o[0] != '\n', "got:\n%s", o);
	HAS(o, "the VM has stopped");
	size_t len;
	const char *serial = mon_vm_serial(fx.vm, &len);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(serial[0], 'A');
	ck_assert_ptr_null(strstr(fx.buf, "\n\n"));
}
END_TEST

/* Write a VLABPACK pack of the files paths[i] named names[i]. */
static void write_pack(const char *path, const char *const *names, const char *const *paths, unsigned n)
{
	uint8_t *img = calloc(1, 16 + 48 * n);
	size_t len = 16 + 48 * n;
	memcpy(img, "VLABPACK", 8);
	img[8] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		char err[128];
		size_t flen;
		uint8_t *f = con_file_read(paths[i], &flen, err, sizeof err);
		ck_assert_msg(f != NULL, "%s", err);
		size_t off = (len + 15) & ~(size_t)15;
		img = realloc(img, off + flen);
		memset(img + len, 0, off - len);
		memcpy(img + off, f, flen);
		uint8_t *e = img + 16 + 48 * i;
		snprintf((char *)e, 32, "%s", names[i]);
		for (int k = 0; k < 8; k++) {
			e[32 + k] = (uint8_t)(off >> (8 * k));
			e[40 + k] = (uint8_t)(flen >> (8 * k));
		}
		len = off + flen;
		free(f);
	}
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(img, 1, len, fp), len);
	fclose(fp);
	free(img);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(b, 1, n, fp), n);
	fclose(fp);
}

/*
 * Symbols of --module programs: an ELF module by its file name, pack members
 * by their entry names, a later program hiding an earlier one of the same
 * name, a pack member without symbols falling back to <kernel dir>/user/.
 */
START_TEST(module_symbols)
{
	char full[160], small[160], pack[160], junk[160], userdir[160], fallback[160], bad[160];
	snprintf(full, sizeof full, "%s/prog1", dir);     /* _start and func */
	snprintf(small, sizeof small, "%s/small", dir);   /* _start only */
	snprintf(junk, sizeof junk, "%s/junk", dir);
	snprintf(pack, sizeof pack, "%s/my.pack", dir);
	snprintf(bad, sizeof bad, "%s/bad.pack", dir);
	snprintf(userdir, sizeof userdir, "%s/user", dir);
	snprintf(fallback, sizeof fallback, "%s/user/stripped", dir);
	write_elf(full, guest_code, sizeof guest_code, true);
	write_elf(small, loop_code, sizeof loop_code, false);
	write_bytes(junk, "no symbols here", 15);
	ck_assert_int_eq(mkdir(userdir, 0755), 0);
	write_elf(fallback, guest_code, sizeof guest_code, true);
	const char *names[] = {"packed", "prog1", "stripped"};
	const char *files[] = {full, small, junk};
	write_pack(pack, names, files, 3);
	/* a pack whose only entry points past its end, and one with too many entries */
	uint8_t b[64 + 16] = "VLABPACK";
	b[8] = 1;
	memcpy(b + 16, "ghost", 5);
	b[16 + 32 + 1] = 0x10; /* offset 0x1000 */
	write_bytes(bad, b, sizeof b);
	con_symtab_free(&fx.s.syms);
	const char *mods[] = {bad, pack, full};
	con_session_load_symbols(&fx.s, elf_path, mods, 3);
	const char *o = run("break packed:func");
	HAS(o, "breakpoint 1 at 0x0000000000100022 <func> in packed");
	o = run("break prog1:func"); /* the module prog1 hides the pack's prog1 (no func) */
	HAS(o, "breakpoint 2 at 0x0000000000100022 <func> in prog1");
	o = run("break stripped:func");
	HAS(o, "breakpoint 3 at 0x0000000000100022 <func> in stripped");
	o = run("break ghost:_start");
	HAS(o, "error: no symbol 'ghost:_start'");
	o = run("break small:_start"); /* named after the pack entry, not the file */
	HAS(o, "error: no symbol");
	const struct con_sym *y = con_sym_lookup(&fx.s.syms, "prog1:_start", NULL);
	ck_assert_ptr_nonnull(y);
	ck_assert_uint_eq(y->size, FUNC_OFF); /* from the full ELF, not the pack's small one */
	/* the default-initrd case: the pack members' own symbols, no user/ lookup needed */
	ck_assert_int_eq(remove(fallback), 0);
	con_symtab_free(&fx.s.syms);
	const char *one[] = {pack};
	con_session_load_symbols(&fx.s, elf_path, one, 1);
	ck_assert_ptr_nonnull(con_sym_lookup(&fx.s.syms, "packed:func", NULL));
	ck_assert_ptr_null(con_sym_lookup(&fx.s.syms, "stripped:func", NULL));
	ck_assert_ptr_nonnull(con_sym_lookup(&fx.s.syms, "prog1:_start", NULL));
	ck_assert_ptr_null(con_sym_lookup(&fx.s.syms, "prog1:func", NULL));
	ck_assert_ptr_nonnull(con_sym_lookup(&fx.s.syms, "_start", NULL)); /* the kernel's */
	/* a module that does not exist: no symbols, no crash */
	con_symtab_free(&fx.s.syms);
	const char *none[] = {"/nonexistent/module"};
	con_session_load_symbols(&fx.s, elf_path, none, 1);
	ck_assert_ptr_null(con_sym_lookup(&fx.s.syms, "module:_start", NULL));
}
END_TEST

/* Does the console's `tlb` table list the page of va (as a VA column)? */
static bool tlb_lists(uint64_t va)
{
	char col[32];
	snprintf(col, sizeof col, " 0x%016llx ", (unsigned long long)(va & ~0xfffull));
	return strstr(run("tlb"), col) != NULL;
}

/*
 * A TLB miss is really stepped: the monitor is paused between phases, so
 * mid-walk the TLB has no entry for the VA yet; the VMM writes only the
 * shadow entry, and the guest's retry (its hardware walk) fills the TLB.
 */
START_TEST(miss_paused_between_phases)
{
	const char *o = run("until hidden-fault");
	HAS(o, "phase 1 tlb_miss");
	HAS(o, "phase 2 shadow_fault");
	HAS(o, "(paused in the VMM; next phase: shadow lookup.");
	struct mon_miss m;
	ck_assert(mon_vm_miss(fx.vm, &m));
	ck_assert_int_eq(m.forecast, MON_MISS_HIDDEN);
	uint64_t icount = mon_vm_icount(fx.vm), misses = mon_vm_stats(fx.vm)->hidden_faults;
	ck_assert(!tlb_lists(m.va));
	o = run("stepi");
	HAS(o, "phase 3 walk ");
	/* walk entries, one per stepi, down to L2: still no TLB entry */
	bool l2 = false;
	for (int i = 0; i < 4 && !l2; i++) {
		o = run("stepi");
		HAS(o, "walk_ref");
		l2 = strstr(o, "L2 entry at PA") != NULL;
		ck_assert(!tlb_lists(m.va));
		ck_assert(mon_vm_miss(fx.vm, &m));
	}
	ck_assert_msg(l2, "the walk never read an L2 entry");
	LACKS(run("tlb"), "(phase"); /* no "state after the whole exit" note: it is the live state */
	/* the rest of the walk (a 4 KiB page has an L1 entry), then pmap */
	while (strstr(o = run("stepi"), "walk_ref"))
		ck_assert(!tlb_lists(m.va));
	HAS(o, "pmap PA");
	ck_assert(!tlb_lists(m.va));
	o = run("stepi");
	HAS(o, "shadow_fill");
	ck_assert(!tlb_lists(m.va)); /* only the shadow entry: the VMM cannot write the TLB */
	ck_assert(mon_vm_miss(fx.vm, &m));
	ck_assert_uint_eq(mon_vm_icount(fx.vm), icount);
	ck_assert_uint_eq(mon_vm_stats(fx.vm)->hidden_faults, misses);
	o = run("stepi");
	HAS(o, "retry");
	HAS(o, "icount");
	uint64_t va = m.va;
	ck_assert(!mon_vm_miss(fx.vm, &m));
	ck_assert_uint_eq(mon_vm_stats(fx.vm)->hidden_faults, misses + 1);
	ck_assert(!tlb_lists(va));
	o = run("stepi"); /* the retry: the hardware walk refills the TLB, no exit */
	HAS(o, "hardware walk of the shadow table (no exit)");
	ck_assert(tlb_lists(va));
}
END_TEST

/* finish in the middle of a paused miss runs its remaining phases; continue ends it too. */
START_TEST(miss_finish_and_continue)
{
	run("until tlb-miss");
	struct mon_miss m;
	ck_assert(mon_vm_miss(fx.vm, &m));
	run("stepi");
	uint64_t va = m.va;
	const char *o = run("finish");
	HAS(o, "phase 4 ");
	ck_assert(!mon_vm_miss(fx.vm, &m));
	run("stepi"); /* the retry refills the TLB */
	ck_assert(tlb_lists(va));
	run("until tlb-miss");
	ck_assert(mon_vm_miss(fx.vm, &m));
	o = run("continue");
	HAS(o, "the VM has stopped");
	ck_assert(!mon_vm_miss(fx.vm, &m));
}
END_TEST

START_TEST(breakpoint_on_symbol)
{
	const char *o = run("break func");
	HAS(o, "breakpoint 1 at 0x0000000000100022 <func>");
	o = run("info breakpoints");
	HAS(o, "breakpoint  0x0000000000100022 <func>");
	o = run("continue");
	HAS(o, "breakpoint 1 at 0x0000000000100022 <func>");
	HAS(o, "=> 0x0000000000100022 <func>:");
	/* at the first instruction the frame is not set up: the return address is at [rsp] */
	o = run("bt");
	HAS(o, "#0  0x0000000000100022 <func>\n#1  0x0000000000100021 <_start+0x21>\n");
	o = run("stepi");
	o = run("bt");
	HAS(o, "#0  0x0000000000100023 <func+0x1>\n#1  0x0000000000100021 <_start+0x21>\n");
	o = run("x/gx 0x200000");
	HAS(o, "0x0000000000200000:  0x0000000000000055");
	o = run("step 1");
	o = run("bt");
	HAS(o, "#0  0x0000000000100026 <func+0x4>");
	HAS(o, "#1  0x0000000000100021 <_start+0x21>");
	o = run("info b");
	HAS(o, "1  ");
	o = run("delete 1");
	HAS(o, "deleted breakpoint 1");
	o = run("delete 1");
	HAS(o, "error: no breakpoint number 1");
	o = run("continue");
	HAS(o, "the VM has stopped");
	o = run("step");
	HAS(o, "error: the VM is not running");
	o = run("vm");
	HAS(o, "vm0: stopped");
}
END_TEST

START_TEST(tbreak_and_watch)
{
	const char *o = run("tbreak _start+0x1c");
	HAS(o, "temporary breakpoint 1 at 0x000000000010001c <_start+0x1c>");
	o = run("c");
	HAS(o, "temporary breakpoint 1 at");
	o = run("i b");
	HAS(o, "no breakpoints or watchpoints");
	o = run("watch 0x200000");
	HAS(o, "watchpoint 2: VA 0x0000000000200000");
	o = run("continue");
	HAS(o, "watchpoint 2: VA 0x0000000000200000 changed to 0x0000000000000066");
	HAS(o, "<func+0x");
	o = run("delete");
	HAS(o, "deleted 1 breakpoint");
}
END_TEST

START_TEST(memory_and_translate)
{
	const char *o = run("translate 0x100000");
	HAS(o, "VA 0x0000000000100000 -> PA 0x0000000000100000 -> MA 0x");
	o = run("xp/2xb 0x100000");
	HAS(o, "PA 0x0000000000100000:  0x66  0xba");
	o = run("x/4xb _start");
	HAS(o, "<_start>:  0x66  0xba  0xfb  0x03");
	o = run("x/2dh 0x100000");
	HAS(o, "-17818");
	o = run("x/3c _start+4");
	HAS(o, "176 '\\xb0'  3 '\\x03'  238 '\\xee'");
	o = run("x/2uw 0x1000");
	HAS(o, "0x0000000000001000:  ");
	/* unmapped: far beyond the firmware's identity map */
	o = run("x/4gx 0x700000000000");
	HAS(o, "error: cannot read VA 0x700000000000: not mapped by the guest");
	o = run("translate 0x700000000000");
	HAS(o, "not mapped by the guest: it would take #PF");
	o = run("pt 0x700000000000");
	HAS(o, "-> #PF");
	o = run("pt 0x100000");
	HAS(o, "-> PA 0x0000000000100000 (pmap: MA 0x");
	o = run("xp/2gx 0x7fffffff000");
	HAS(o, "error: cannot read PA 0x7fffffff000: outside guest-physical memory");
	o = run("xm/gx 0xffffffffffff0000");
	HAS(o, "error: cannot read MA 0xffffffffffff0000: outside machine RAM");
	o = run("x/s 0x700000000000");
	HAS(o, "error: cannot read VA");
	o = run("disas 0x700000000000");
	HAS(o, "error: cannot read VA");
	o = run("tlb");
	HAS(o, "TLB 16 sets x 4 ways, lru:");
	o = run("shadow 0x100000");
	HAS(o, "VA 0x0000000000100000 -> PA");
	o = run("stats");
	HAS(o, "instructions");
}
END_TEST

/* A garbage script: its escape codes and stray bytes are shown as \xNN, never sent raw. */
START_TEST(garbage_script_not_echoed_raw)
{
	static const char script[] = "step \033[2J\xff\xc2\x9b" "1m h\xc3\xa9llo\n# \033]0;title\007\nhelp \001x\n\x9b\x80\n";
	FILE *in = fmemopen((void *)script, sizeof script - 1, "r");
	ck_assert_ptr_nonnull(in);
	fflush(fx.out);
	size_t start = fx.len;
	con_repl_batch(&fx.s, in);
	fclose(in);
	fflush(fx.out);
	const char *o = fx.buf + start;
	HAS(o, "(vmlab) step \\x1b[2J\\xff\\xc2\\x9b1m h\xc3\xa9llo\n"); /* UTF-8 stays, C1 CSI does not */
	HAS(o, "(vmlab) # \\x1b]0;title\\x07\n");
	HAS(o, "error: unknown command '\\x01x'");
	HAS(o, "(vmlab) \\x9b\\x80\n");
	for (const unsigned char *p = (const unsigned char *)o; *p; p++)
		ck_assert_msg(*p >= 0x20 || *p == '\n', "raw control byte 0x%02x in:\n%s", *p, o);
	LACKS(o, "\xff");
}
END_TEST

/* A bare-metal non-canonical VA: the CPU's #GP, before any walk. */
START_TEST(translate_noncanonical)
{
	const char *o = run("translate 0x800000000000");
	HAS(o, "VA 0x0000800000000000 -> #GP: non-canonical");
	o = run("pt 0xffff7fffffffffff");
	HAS(o, "-> #GP: non-canonical");
	LACKS(o, "PML4");
	o = run("x/gx 0x800000000000");
	HAS(o, "error: cannot read VA 0x800000000000: #GP: non-canonical");
	o = run("translate 0xffff800000000000");
	HAS(o, "not mapped by the guest: it would take #PF, error code 0x0");
}
END_TEST

/* From user mode a supervisor-only page is present but faults: error 0x5, not "not mapped". */
START_TEST(translate_supervisor_from_user)
{
	for (int i = 0; i < 60 && mon_vm_vcpu(fx.vm)->cpl != 3; i++) /* phases count as stepi */
		run("stepi");
	ck_assert_uint_eq(mon_vm_vcpu(fx.vm)->cpl, 3);
	const char *o = run("translate 0x100000");
	HAS(o, "VA 0x0000000000100000 -> present, supervisor-only: user access faults (error 0x5)\n");
	o = run("pt 0x100000");
	HAS(o, "-> present, supervisor-only: user access faults (error 0x5)");
	o = run("translate 0x800000000000");
	HAS(o, "#GP: non-canonical");
	o = run("translate 0x700000000000");
	HAS(o, "not mapped by the guest: it would take #PF, error code 0x4 (not present, read, user)");
}
END_TEST

/* The prologue scan on hand-written code: where the return address is, instruction by instruction. */
START_TEST(prologue_scan)
{
	static const uint8_t late_prologue[] = {
		0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, /* 00 movabs rax, imm64 (vm_fault's start) */
		0x55,                               /* 0a push rbp */
		0x48, 0x89, 0xe5,                   /* 0b mov rbp, rsp */
		0x41, 0x57,                         /* 0e push r15 */
		0x5d,                               /* 10 pop rbp (skipping r15 for the test) */
		0xc3,                               /* 11 ret */
		0x90,                               /* 12 nop: reached from the body */
	};
	const uint64_t base = 0x1000;
	uint64_t off = 99;
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base, &off), 1);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x0a, &off), 1);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x0b, &off), 1);
	ck_assert_uint_eq(off, 8);
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x0e, &off), 0);
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x10, &off), 0);
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x11, &off), 1);
	ck_assert_uint_eq(off, 8); /* r15 is still pushed */
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x12, &off), 0);
	/* not on an instruction boundary */
	ck_assert_int_eq(con_prologue_scan(late_prologue, sizeof late_prologue, base, base + 0x05, &off), -1);
	static const uint8_t leaf[] = {
		0x53,                   /* 00 push rbx */
		0x48, 0x83, 0xec, 0x18, /* 01 sub rsp, 0x18 */
		0x90,                   /* 05 nop */
	};
	ck_assert_int_eq(con_prologue_scan(leaf, sizeof leaf, base, base + 5, &off), 1);
	ck_assert_uint_eq(off, 0x20);
	static const uint8_t with_leave[] = {
		0x55, 0x48, 0x89, 0xe5, /* 00 push rbp; mov rbp, rsp */
		0x48, 0x83, 0xec, 0x10, /* 04 sub rsp, 0x10 */
		0xc9,                   /* 08 leave */
		0xc3,                   /* 09 ret */
	};
	ck_assert_int_eq(con_prologue_scan(with_leave, sizeof with_leave, base, base + 8, &off), 0);
	ck_assert_int_eq(con_prologue_scan(with_leave, sizeof with_leave, base, base + 9, &off), 1);
	ck_assert_uint_eq(off, 0);
	static const uint8_t aligned[] = {0x48, 0x83, 0xe4, 0xf0, 0x90}; /* and rsp, -16; nop */
	ck_assert_int_eq(con_prologue_scan(aligned, sizeof aligned, base, base + 4, &off), -1);
}
END_TEST

START_TEST(help_and_errors)
{
	const char *o = run("help");
	HAS(o, "step [n]");
	HAS(o, "translate <va>");
	o = run("help x");
	HAS(o, "x/FMT <va>");
	o = run("help stepi");
	HAS(o, "phases");
	o = run("finish");
	HAS(o, "error: finish: not inside a round trip");
	o = run("frob");
	HAS(o, "error: unknown command 'frob'");
	o = run("b nosuch");
	HAS(o, "error: no symbol 'nosuch'");
	o = run("");
	ck_assert_str_eq(o, "");
	unsigned before = fx.s.errors;
	run("step 0");
	ck_assert_uint_eq(fx.s.errors, before + 1);
	run("quit");
	ck_assert(fx.s.quit);
}
END_TEST

/* Random lines, built from command words and junk, never crash the console. */
START_TEST(garbage_never_crashes)
{
	static const char *const words[] = {
		"step", "s", "x/4gx", "x/s", "xp/8xb", "xm/2i", "disas", "b", "tb", "watch", "d", "i b", "until",
		"tlb", "pt", "shadow", "translate", "bt", "trace", "help", "regs", "vm", "stats", "finish", "si",
		"0x", "0xffffffffffffffff", "-1", "$rip", "$rsp+8", "_start", "func+9999999", "99999999999999999999",
		"/", "+", "%s%n", "\x7f", "", "io", "tlb-miss", "\t", "#",
	};
	uint64_t seed = 12345;
	for (int i = 0; i < 400; i++) {
		char line[256] = "";
		int n = 1 + (int)(seed % 4);
		for (int k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			strncat(line, words[(seed >> 33) % (sizeof words / sizeof words[0])], sizeof line - strlen(line) - 2);
			strcat(line, " ");
		}
		if (strstr(line, "continue") || !strncmp(line, "step 99", 7))
			continue;
		con_exec_line(&fx.s, line);
	}
	const char *o = run("vm");
	HAS(o, "vm0:");
}
END_TEST

static void raise_sigint(int sig)
{
	(void)sig;
	raise(SIGINT);
}

START_TEST(ctrl_c_stops_continue)
{
	fx.s.interrupt = con_sigint_flag();
	signal(SIGALRM, raise_sigint);
	struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 200000}};
	setitimer(ITIMER_REAL, &it, NULL);
	const char *o = run("continue");
	HAS(o, "interrupted");
	HAS(o, "<_start>");
	o = run("vm");
	HAS(o, "vm0: running");
	/* the console goes on: another command works */
	o = run("step");
	HAS(o, "icount");
}
END_TEST

/* `until` classification over a synthetic event stream (no VM needed). */
START_TEST(until_matching)
{
	static struct con_session ss;
	memset(&ss, 0, sizeof ss);
	static const struct { enum mon_cat cat; const char *kind; const char *text; } evs[] = {
		{MON_CAT_TLB, "tlb_miss", "TLB miss VA 0x401000 (read) -> VMM"},          /* 0 hidden */
		{MON_CAT_SHADOW, "walk", "shadow miss; walk guest PT"},
		{MON_CAT_SHADOW, "pmap", "pmap PA 0x1000 -> MA 0x2000"},
		{MON_CAT_TLB, "tlb_install", "TLB install VA 0x401000 -> MA 0x2000"},
		{MON_CAT_TLB, "retry", "-> app:x retry"},
		{MON_CAT_TLB, "tlb_miss", "TLB miss VA 0x402000 (write) -> VMM"},         /* 5 true */
		{MON_CAT_SHADOW, "walk", "shadow miss; walk guest PT: -> #PF err 0x6"},
		{MON_CAT_FAULT, "true_fault", "true fault: ... inject #PF err 0x6"},
		{MON_CAT_FAULT, "reflect", "reflect #PF (vector 14, error) from app:x"},
		{MON_CAT_SYSCALL, "syscall", "syscall 1 from app:x"},                     /* 9 */
		{MON_CAT_VM, "cr3", "CR3 write"},                                          /* 10 */
		{MON_CAT_IO, "io_out", "out port 0x3f8"},                                  /* 11 */
		{MON_CAT_SYSCALL, "return", "sysret -> app:x"},                            /* 12 */
		{MON_CAT_TLB, "tlb_miss", "TLB miss VA 0x403000 (write) -> VMM"},         /* 13 PT write */
		{MON_CAT_PT, "pt_write", "traced write"},
	};
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
		struct mon_event *e = &ss.ring[i];
		e->cat = evs[i].cat;
		e->kind = evs[i].kind;
		snprintf(e->text, sizeof e->text, "%s", evs[i].text);
		e->icount = 100;
	}
	ss.nevents = sizeof evs / sizeof evs[0];
	/* for each kind: the events it stops at */
	static const struct { enum con_until u; const char *hits; } want[] = {
		{CON_UNTIL_TLB_MISS, "0 5 13"},   {CON_UNTIL_EXIT, "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14"},
		{CON_UNTIL_SYSCALL, "9"},         {CON_UNTIL_FAULT, "0 5"},
		{CON_UNTIL_TRUE_FAULT, "5"},      {CON_UNTIL_HIDDEN_FAULT, "0"},
		{CON_UNTIL_CR3, "10"},            {CON_UNTIL_IO, "11"},
	};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		char got[128] = "";
		for (uint64_t i = 0; i < ss.nevents; i++)
			if (con_event_matches(&ss, i, want[k].u))
				snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", got[0] ? " " : "",
					 (unsigned long long)i);
		ck_assert_msg(!strcmp(got, want[k].hits), "until %s: stops at '%s', want '%s'",
			      con_until_names[want[k].u], got, want[k].hits);
	}
}
END_TEST

static int con(const char *a1, const char *a2, const char *a3)
{
	char *argv[5] = {"console"};
	int argc = 1;
	const char *args[] = {a1, a2, a3};
	for (int i = 0; i < 3 && args[i]; i++)
		argv[argc++] = (char *)args[i];
	freopen("/dev/null", "w", stdout);
	freopen("/dev/null", "w", stderr);
	return con_main(argc, argv);
}

START_TEST(cli_bad_input)
{
	ck_assert_int_eq(con("--frob", NULL, NULL), 2);
	ck_assert_int_eq(con("--script", NULL, NULL), 2);
	ck_assert_int_eq(con("--script=", NULL, NULL), 2);
	ck_assert_int_eq(con("--script", "/nonexistent/script.cmd", NULL), 2);
	ck_assert_int_eq(con("--mem", "lots", NULL), 2);
	ck_assert_int_eq(con("--kernel", "/nonexistent/kernel.elf", "--script=/dev/null"), 1);
	ck_assert_int_eq(con("--help", NULL, NULL), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("console_session");
	TCase *tc = tcase_create("bare guest");
	tcase_add_checked_fixture(tc, setup_main, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, regs_at_entry);
	tcase_add_test(tc, gdb_listen_and_record_refused);
	tcase_add_test(tc, step_and_disas);
	tcase_add_test(tc, sink_leaves_insn_events_off);
	tcase_add_test(tc, until_io_and_phases);
	tcase_add_test(tc, serial_line_ended_before_console_line);
	tcase_add_test(tc, module_symbols);
	tcase_add_test(tc, miss_paused_between_phases);
	tcase_add_test(tc, miss_finish_and_continue);
	tcase_add_test(tc, breakpoint_on_symbol);
	tcase_add_test(tc, tbreak_and_watch);
	tcase_add_test(tc, memory_and_translate);
	tcase_add_test(tc, help_and_errors);
	tcase_add_test(tc, garbage_never_crashes);
	suite_add_tcase(s, tc);
	TCase *tl = tcase_create("looping guest");
	tcase_add_checked_fixture(tl, setup_loop, teardown);
	tcase_set_timeout(tl, 30);
	tcase_add_test(tl, ctrl_c_stops_continue);
	tcase_add_test(tl, translate_noncanonical);
	tcase_add_test(tl, garbage_script_not_echoed_raw);
	suite_add_tcase(s, tl);
	TCase *tu = tcase_create("user-mode guest");
	tcase_add_checked_fixture(tu, setup_user, teardown);
	tcase_set_timeout(tu, 30);
	tcase_add_test(tu, translate_supervisor_from_user);
	suite_add_tcase(s, tu);
	TCase *tcli = tcase_create("command line");
	tcase_add_test(tcli, cli_bad_input);
	tcase_add_test(tcli, prologue_scan);
	tcase_add_test(tcli, until_matching);
	suite_add_tcase(s, tcli);
	return s;
}

int main(void)
{
	return check_run(suite());
}
