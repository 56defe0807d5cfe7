/*
 * tests/unit/test_monitor_trace.c — the trace file: categories, --trace-from,
 * --trace-limit, --trace-after KIND[@WHO][#N] with its same-instruction
 * preroll, the ring, the temp-name-then-rename rule; the header line (how
 * the trace was made): canonical options, image hashes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmm/vm.h"
#include "tests/unit/check_run.h"

static char path[64];
/* Images as a VM gets them (only hashed by the trace header here). */
static const uint8_t kernel_bytes[] = "not an ELF", pack_bytes[] = "raw module";
static const struct mon_images images = {
	.kernel = { "kernel.elf", kernel_bytes, sizeof kernel_bytes },
	.modules = { { "some/dir/initrd.pack", pack_bytes, sizeof pack_bytes } },
	.nmodules = 1,
};

/* A VM shell: only what the trace needs. */
static struct vm *trace_vm(struct mon_config *c)
{
	struct vm *vm = calloc(1, sizeof *vm);
	strcpy(vm->who, "kernel");
	snprintf(path, sizeof path, "/tmp/vmlab_trace_test_%d", (int)getpid());
	c->trace_file = path;
	char err[MON_ERR_MAX];
	ck_assert_int_eq(mon_trace_open(vm, c, &images, err, sizeof err), 0);
	return vm;
}

/* Emit: at icount ic, kind k, category cat, runner who. */
static void ev(struct vm *vm, uint64_t ic, enum mon_cat cat, const char *k, const char *who)
{
	vm->cpu.icount = ic;
	strcpy(vm->who, who);
	mon_trace_emit(vm, cat, NULL, k, NULL, "%s at %llu", k, (unsigned long long)ic);
}

/* Close and return the file's lines joined by '|' (kinds only). */
static char *finish(struct vm *vm)
{
	ck_assert_int_eq(mon_trace_close(vm, true), 0);
	free(vm);
	FILE *f = fopen(path, "r");
	ck_assert(f != NULL);
	static char out[4096];
	out[0] = 0;
	char line[512];
	ck_assert(fgets(line, sizeof line, f));
	ck_assert_msg(!strncmp(line, MON_TRACE_META_PREFIX "version=", strlen(MON_TRACE_META_PREFIX) + 8),
		      "no header first: %s", line);
	while (fgets(line, sizeof line, f)) {
		char kind[64];
		/* "[      ic] vm0 who        kind at ic" */
		char *p = strstr(line, "] vm0 ");
		ck_assert(p);
		sscanf(p + 6 + 11, "%63s", kind);
		if (out[0])
			strcat(out, "|");
		strcat(out, kind);
	}
	fclose(f);
	unlink(path);
	return out;
}

static void script(struct vm *vm)
{
	ev(vm, 1, MON_CAT_TLB, "tlb_miss", "kernel");
	ev(vm, 2, MON_CAT_IO, "io_in", "kernel");
	ev(vm, 5, MON_CAT_TLB, "tlb_miss", "app:hello");
	ev(vm, 5, MON_CAT_SHADOW, "walk", "app:hello");
	ev(vm, 5, MON_CAT_TLB, "tlb_install", "app:hello");
	ev(vm, 7, MON_CAT_TLB, "tlb_hit", "app:hello");
	ev(vm, 7, MON_CAT_TLB, "tlb_install", "app:hello");
	ev(vm, 9, MON_CAT_IO, "io_out", "kernel");
}

START_TEST(categories_from_limit)
{
	struct mon_config c;
	mon_config_defaults(&c);
	c.trace_cats = MON_CAT_TLB;
	struct vm *vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "tlb_miss|tlb_miss|tlb_install|tlb_hit|tlb_install");
	mon_config_defaults(&c);
	c.trace_from = 5;
	c.trace_limit = 3;
	vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "tlb_miss|walk|tlb_install");
}
END_TEST

START_TEST(after_with_preroll)
{
	struct mon_config c;
	mon_config_defaults(&c);
	c.trace_after = "tlb_install@app";
	struct vm *vm = trace_vm(&c);
	script(vm);
	/* starts at the first install while an app runs, with the same instruction's events before it */
	ck_assert_str_eq(finish(vm), "tlb_miss|walk|tlb_install|tlb_hit|tlb_install|io_out");
	mon_config_defaults(&c);
	c.trace_after = "tlb-install#2"; /* the console's spelling */
	c.trace_cats = MON_CAT_TLB | MON_CAT_IO;
	vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "tlb_hit|tlb_install|io_out");
	mon_config_defaults(&c);
	c.trace_after = "io_in@app:hello";
	vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "");
}
END_TEST

/* --trace-after is checked before the run: unknown events, runners and counts are one line. */
START_TEST(after_rejects_bad_input)
{
	static const struct { const char *arg, *msg; } bad[] = {
		{"tlb-mis", "unknown event 'tlb_mis' (events: tlb_miss tlb_hit"},
		{"hidden_fault", "unknown event 'hidden_fault' (as the console's: use shadow_fill) (events: tlb_miss"},
		{"fault", "unknown event 'fault' (as the console's: use shadow_fill or true_fault)"},
		{"", "unknown event ''"},
		{"@app", "unknown event ''"},
		{"syscall#-1", "bad count '-1' (want #N with N >= 1)"},
		{"syscall#0", "bad count '0'"},
		{"syscall#", "bad count ''"},
		{"syscall#2x", "bad count '2x'"},
		{"tlb_miss@bob", "unknown runner 'bob' (want app, app:NAME or kernel)"},
		{"tlb_miss@app:", "unknown runner 'app:'"},
		{"tlb_miss#2@app", "bad count '2@app'"},
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mon_trace_after a;
		char err[MON_ERR_MAX] = "";
		ck_assert_int_eq(mon_trace_after_parse(bad[i].arg, &a, err, sizeof err), -1);
		ck_assert_msg(strstr(err, bad[i].msg), "'%s': %s", bad[i].arg, err);
		ck_assert_ptr_null(strchr(err, '\n'));
		ck_assert_uint_lt(strlen(err), sizeof err - 1); /* the whole list fits */
		ck_assert(strstr(err, "insn)") || !strstr(err, "events:"));
	}
	struct mon_trace_after a;
	char err[MON_ERR_MAX];
	ck_assert_int_eq(mon_trace_after_parse("true-fault@app#4", &a, err, sizeof err), 0);
	ck_assert_str_eq(a.kind, "true_fault");
	ck_assert_str_eq(a.who, "app");
	ck_assert_uint_eq(a.nth, 4);
	ck_assert_int_eq(mon_trace_after_parse("cr3", &a, err, sizeof err), 0);
	ck_assert_str_eq(a.who, "");
	ck_assert_uint_eq(a.nth, 1);
	/* mon_trace_open refuses it too (a config not built by the CLI) */
	struct mon_config c;
	mon_config_defaults(&c);
	c.trace_after = "tlb_mis";
	struct vm *vm = calloc(1, sizeof *vm);
	ck_assert_int_eq(mon_trace_open(vm, &c, &images, err, sizeof err), -1);
	ck_assert(strstr(err, "unknown event"));
	free(vm);
}
END_TEST

START_TEST(temp_name_and_ring)
{
	struct mon_config c;
	mon_config_defaults(&c);
	struct vm *vm = trace_vm(&c);
	char tmp[80];
	snprintf(tmp, sizeof tmp, "%s", vm->trace.tmp_path); /* path.tmpXXXXXX (mkstemp) */
	ck_assert_int_eq(strncmp(tmp, path, strlen(path)), 0);
	ck_assert_int_eq(access(tmp, F_OK), 0);   /* written under the temp name ... */
	ck_assert_int_ne(access(path, F_OK), 0);
	for (int i = 0; i < 40; i++)
		ev(vm, (uint64_t)i, MON_CAT_IO, "io", "kernel");
	struct mon_event r[MON_RING_MAX + 4];
	ck_assert_uint_eq(mon_vm_recent_events(vm, r, MON_RING_MAX + 4), MON_RING_MAX);
	ck_assert_uint_eq(r[0].icount, 40 - MON_RING_MAX);
	ck_assert_uint_eq(r[MON_RING_MAX - 1].icount, 39);
	ck_assert_int_eq(mon_trace_close(vm, false), 0); /* ... and removed when the run failed */
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(vm);
}
END_TEST

/* Parse argv (NULL-terminated) over the defaults into c; all must be run options. */
static void parse(struct mon_config *c, char **argv)
{
	mon_config_defaults(c);
	int argc = 0;
	while (argv[argc])
		argc++;
	char err[MON_ERR_MAX];
	for (int i = 0; i < argc; i++)
		ck_assert_msg(mon_cli_parse_option(c, argc, argv, &i, err, sizeof err) == 1, "%s", argv[i]);
}

START_TEST(options_canonical)
{
	struct mon_config a, b;
	char sa[1024], sb[1024];
	char *one[] = { "--cmdline", "mem=1M run=swaptest:4", "--mem=4096K", "--tlb", "8x8", "--cost",
			"io=7,exit=9", "--trace-after", "tlb-miss@app#1", "--mmu", "swtlb", "--seed", "5",
			"--trace", "/tmp/x", "--quiet", "--trace-categories", "shadow,tlb", NULL };
	char *two[] = { "--trace-categories=tlb,shadow", "--mmu=swtlb", "--cost", "exit=9", "--cost=io=7",
			"--tlb=8x8", "--trace-after=tlb_miss@app", "--mem", "4M", "--trace-format", "jsonl",
			"--cmdline=mem=1M run=swaptest:4", NULL };
	parse(&a, one);
	parse(&b, two);
	ck_assert(mon_config_options(&a, sa, sizeof sa));
	ck_assert(mon_config_options(&b, sb, sizeof sb));
	ck_assert_str_eq(sa, "--mem 4M --cmdline 'mem=1M run=swaptest:4' --mmu swtlb --tlb 8x8 --cost exit=9,io=7 "
			     "--trace-categories tlb,shadow --trace-after tlb_miss@app");
	ck_assert_str_eq(sa, sb); /* order, spelling, file names and --seed left out */
	char *q[] = { "--cmdline", "it's", NULL };
	parse(&a, q);
	ck_assert(mon_config_options(&a, sa, sizeof sa));
	ck_assert_str_eq(sa, "--cmdline 'it'\\''s'");
	mon_config_defaults(&a);
	ck_assert(mon_config_options(&a, sa, sizeof sa));
	ck_assert_str_eq(sa, "");
	parse(&a, one);
	ck_assert(!mon_config_options(&a, sa, 20)); /* too short: refused, not cut */
}
END_TEST

START_TEST(header_line)
{
	struct mon_config c;
	char *argv[] = { "--mem", "4M", "--seed", "7", NULL };
	parse(&c, argv);
	char line[1024];
	ck_assert_int_eq(mon_trace_meta_format(&c, &images, MON_TRACE_TEXT, line, sizeof line), 0);
	char want[512];
	snprintf(want, sizeof want, "# vmlab trace version=%s seed=7 kernel=%016llx modules=initrd.pack:%016llx "
		 "options=--mem 4M", mon_version(),
		 (unsigned long long)mon_fnv1a(MON_FNV_INIT, kernel_bytes, sizeof kernel_bytes),
		 (unsigned long long)mon_fnv1a(MON_FNV_INIT, pack_bytes, sizeof pack_bytes));
	ck_assert_str_eq(line, want);
	ck_assert_int_eq(mon_trace_meta_format(&c, &images, MON_TRACE_JSONL, line, sizeof line), 0);
	ck_assert(!strncmp(line, "{\"meta\":{\"version\":\"", 20));
	ck_assert(strstr(line, "\"seed\":7,") && strstr(line, "\"options\":\"--mem 4M\"}}"));
	ck_assert_int_eq(mon_trace_meta_format(&c, &images, MON_TRACE_TEXT, line, 40), -1);
}
END_TEST

/* An ELF64 with one PT_LOAD of 4 bytes at file offset 120, then `tail` bytes
 * of something else (a debug section, say). */
static size_t tiny_elf(uint8_t *b, const char *tail)
{
	memset(b, 0, 256);
	memcpy(b, "\177ELF\2\1\1", 7);
	b[16] = 2;                /* ET_EXEC */
	b[18] = 62;               /* EM_X86_64 */
	b[24] = 0x10;             /* e_entry */
	b[32] = 64;               /* e_phoff */
	b[54] = 56;               /* e_phentsize */
	b[56] = 1;                /* e_phnum */
	b[64] = 1;                /* PT_LOAD */
	b[64 + 8] = 120;          /* p_offset */
	b[64 + 32] = b[64 + 40] = 4; /* p_filesz, p_memsz */
	memcpy(b + 120, "code", 4);
	size_t n = strlen(tail);
	memcpy(b + 124, tail, n);
	return 124 + n;
}

START_TEST(image_hash_of_what_loads)
{
	uint8_t a[256], b[256];
	size_t na = tiny_elf(a, "/work/main"), nb = tiny_elf(b, "/home/someone/else");
	ck_assert_uint_eq(mon_image_hash("k", a, na), mon_image_hash("k", b, nb)); /* debug info differs */
	b[121] = 'O';
	ck_assert_uint_ne(mon_image_hash("k", a, na), mon_image_hash("k", b, nb)); /* the code differs */
	b[121] = 'o';
	b[24] = 0x20;
	ck_assert_uint_ne(mon_image_hash("k", a, na), mon_image_hash("k", b, nb)); /* the entry differs */
	b[24] = 0x10;
	b[64 + 8] = 250; /* a segment outside the file: all bytes hashed, no read past the end */
	ck_assert_uint_eq(mon_image_hash("k", b, nb), mon_fnv1a(MON_FNV_INIT, b, nb));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_trace");
	TCase *tc = tcase_create("trace");
	tcase_add_test(tc, categories_from_limit);
	tcase_add_test(tc, after_with_preroll);
	tcase_add_test(tc, after_rejects_bad_input);
	tcase_add_test(tc, temp_name_and_ring);
	tcase_add_test(tc, options_canonical);
	tcase_add_test(tc, header_line);
	tcase_add_test(tc, image_hash_of_what_loads);
	suite_add_tcase(s, tc);
	return check_run(s);
}
