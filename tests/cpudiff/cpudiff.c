/*
 * tests/cpudiff/cpudiff.c — differential test of the CPU core against the
 * host CPU.
 *
 *   cpudiff --seed S --cases N [--verbose]
 *
 * Each case is one random instance of a supported user-mode instruction form
 * (gen.c; the forms are in forms.c). It runs natively (native.c) and then in
 * the emulator at the same addresses (an MMU that maps the window onto
 * emulator RAM, CPL 3, exits instead of IDT delivery). The GPRs, RFLAGS
 * (minus the flags the SDM leaves undefined for that instruction and those
 * inputs), the next RIP and the data/stack memory must be identical.
 * Instances that would fault natively (div by zero) are not generated. The
 * last line is "cases: N mismatches: M"; the exit status is 1 on any
 * mismatch, 2 on bad usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/cpudiff/cpudiff.h"

/* ---- emulated execution ---- */
static enum mmu_result window_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc, unsigned cpl,
					struct mmu_xlat *out)
{
	(void)ctx;
	(void)cpu;
	(void)acc;
	(void)cpl;
	if (va < BASE || va >= BASE + WIN) {
		out->err = PFERR_U;
		return MMU_FAULT;
	}
	out->ma = va - BASE;
	out->cacheable = true;
	return MMU_OK;
}

/* Is the test's first instruction a rep/repe/repne string instruction? */
static bool rep_string(const struct tcase *t)
{
	bool rep = false;
	unsigned i = 0;
	for (; i < t->first_len; i++) {
		uint8_t b = t->bytes[i];
		if (b == 0xf2 || b == 0xf3)
			rep = true;
		else if (!(b == 0x66 || b == 0x67 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 ||
			   b == 0x64 || b == 0x65 || (b & 0xf0) == 0x40))
			break;
	}
	uint8_t op = i < t->first_len ? t->bytes[i] : 0;
	return rep && ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf));
}

static enum cpu_exit_reason run_emul(struct cpu *cpu, const uint8_t *win, const struct tcase *t, struct state *out)
{
	memcpy(cpu->ram, win, 0x1000); /* code page as run natively (exits included) */
	memcpy(cpu->ram + 0x1000, t->mem, sizeof(t->mem));
	cpu_code_written(cpu, 0, 0x1000);
	memcpy(cpu->gpr, t->in.gpr, sizeof(cpu->gpr));
	cpu_set_rflags(cpu, t->in.flags);
	cpu->rip = BASE + CODE_OFF;
	/* a rep string instruction counts one instruction per page-bounded piece
	 * (cpu/exec_string.c): run it piece by piece until it is done */
	enum cpu_exit_reason r = CPU_EXIT_BUDGET;
	if (rep_string(t))
		for (unsigned k = 0; k < 64 && r == CPU_EXIT_BUDGET && cpu->rip == BASE + CODE_OFF; k++)
			r = cpu_run(cpu, 1);
	if (r == CPU_EXIT_BUDGET)
		r = cpu_run(cpu, t->ninsn - (cpu->rip != BASE + CODE_OFF));
	memcpy(out->gpr, cpu->gpr, sizeof(out->gpr));
	out->flags = cpu_get_rflags(cpu);
	return r;
}

static void print_state(const char *what, const struct state *s)
{
	static const char *names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	printf("  %s:", what);
	for (unsigned k = 0; k < 16; k++)
		printf("%s %s=%016" PRIx64, k % 4 == 0 ? "\n   " : "", names[k], s->gpr[k]);
	printf("\n    rflags=%08" PRIx64 "\n", s->flags);
}

static void report(const struct tcase *t, const struct state *nat, const struct state *emu, uint64_t nrip,
		   uint64_t erip, enum cpu_exit_reason er, const char *why)
{
	char text[160], second[160] = "";
	cpu_disasm(t->bytes, t->first_len, BASE + CODE_OFF, text, sizeof(text));
	if (t->len > t->first_len) { /* what follows (middle, consumer) */
		char c[64];
		unsigned at = t->first_len;
		int l = cpu_disasm(t->bytes + at, t->len - at, BASE + CODE_OFF + at, c, sizeof(c));
		int l2 = l > 0 && at + (unsigned)l < t->len ? (int)(t->len - at - (unsigned)l) : 0;
		char d[64] = "";
		if (l2 > 0)
			cpu_disasm(t->bytes + at + l, (size_t)l2, BASE + CODE_OFF + at + (unsigned)l, d, sizeof(d));
		snprintf(second, sizeof(second), "; %s%s%s", c, l2 > 0 ? "; " : "", d);
	}
	printf("MISMATCH (%s) %s: bytes", why, t->f->name);
	for (unsigned k = 0; k < t->len; k++)
		printf(" %02x", t->bytes[k]);
	printf("  [%s%s]  emulator exit: %s\n", text, second, cpu_exit_name(er));
	print_state("input", &t->in);
	print_state("native", nat);
	print_state("emulated", emu);
	printf("    rip native=%" PRIx64 " emulated=%" PRIx64 " undefined-flags mask=%" PRIx64 "\n", nrip, erip,
	       cpudiff_undefined_flags(t));
}

static int usage(void)
{
	fprintf(stderr, "usage: cpudiff --seed S --cases N [--verbose]\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, cases = 1000;
	bool verbose = false;
	for (int k = 1; k < argc; k++) {
		char *end;
		if (!strcmp(argv[k], "--seed") && k + 1 < argc) {
			seed = strtoull(argv[++k], &end, 0);
			if (*end)
				return usage();
		} else if (!strcmp(argv[k], "--cases") && k + 1 < argc) {
			cases = strtoull(argv[++k], &end, 0);
			if (*end)
				return usage();
		} else if (!strcmp(argv[k], "--verbose")) {
			verbose = true;
		} else {
			fprintf(stderr, "cpudiff: unknown argument '%s'\n", argv[k]);
			return usage();
		}
	}
	uint8_t *win = cpudiff_native_init();
	if (!win)
		return 2;
	static uint8_t ram[WIN];
	struct cpu cpu;
	if (cpu_init(&cpu, ram, sizeof(ram)) < 0) {
		fprintf(stderr, "cpudiff: out of memory\n");
		return 2;
	}
	cpu.mmu.translate = window_translate;
	cpu_ftlb_flush(&cpu);
	cpu.cpl = 3;
	cpu.ctl.virt = true;
	cpu.ctl.sensitive = SENS_ALL;
	cpu.seg[SEG_GS].base = GS_BASE;
	/* the host's selectors, so that mov r/m, Sreg reads the same values */
	uint16_t sel[6];
	__asm__("mov %%es, %0; mov %%cs, %1; mov %%ss, %2; mov %%ds, %3; mov %%fs, %4; mov %%gs, %5"
		: "=r"(sel[0]), "=r"(sel[1]), "=r"(sel[2]), "=r"(sel[3]), "=r"(sel[4]), "=r"(sel[5]));
	for (unsigned k = 0; k < 6; k++)
		cpu.seg[k].sel = sel[k];

	static struct forms fs;
	cpudiff_build_forms(&fs);
	struct rng r = { seed * 0x9E3779B97F4A7C15ull + 1 };
	static struct tcase t;
	uint64_t bad = 0;
	for (uint64_t c = 0; c < cases; c++) {
		while (!cpudiff_generate(&r, &fs, &t))
			;
		struct state nat, emu;
		uint64_t nrip;
		if (!cpudiff_native_run(win, &t, &nat, &nrip)) {
			char text[160];
			cpu_disasm(t.bytes, t.len, BASE + CODE_OFF, text, sizeof(text));
			printf("native signal %d on %s [%s]: generator bug; bytes", (int)cpudiff_native_signal, t.f->name,
			       text);
			for (unsigned k = 0; k < t.len; k++)
				printf(" %02x", t.bytes[k]);
			printf("\n");
			print_state("input", &t.in);
			bad++;
			continue;
		}
		enum cpu_exit_reason er = run_emul(&cpu, win, &t, &emu);
		uint64_t fmask = FLAGS_CMP & ~cpudiff_undefined_flags(&t);
		const char *why = NULL;
		if (er != CPU_EXIT_BUDGET)
			why = "exit";
		else if (memcmp(nat.gpr, emu.gpr, sizeof(nat.gpr)))
			why = "registers";
		else if ((nat.flags ^ emu.flags) & fmask)
			why = "flags";
		else if (nrip != cpu.rip)
			why = "rip";
		else if (memcmp(win + 0x1000, ram + 0x1000, WIN - 0x1000))
			why = "memory";
		if (why) {
			bad++;
			if (bad <= 10)
				report(&t, &nat, &emu, nrip, cpu.rip, er, why);
		} else if (verbose) {
			char text[160];
			cpu_disasm(t.bytes, t.len, BASE + CODE_OFF, text, sizeof(text));
			printf("ok %s\n", text);
		}
	}
	cpu_free(&cpu);
	printf("cases: %" PRIu64 " mismatches: %" PRIu64 "\n", cases, bad);
	return bad ? 1 : 0;
}
