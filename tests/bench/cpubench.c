/*
 * tests/bench/cpubench.c — the CPU benchmark: runs the freestanding
 * workload image on the core in bare-metal mode (4-level paging on, CPL 0;
 * --flat for the flat MMU) and the same workload natively, checks that both
 * return the same checksum, and prints guest instructions, guest MIPS and
 * the native/emulated time ratio. Times are the thread's CPU time, so a
 * busy machine does not skew them. (Timing belongs to the benchmark only.)
 *
 *   cpubench IMAGE [--rounds N] [--flat]
 *
 * Guest physical layout (identity-mapped with 4 KiB pages, supervisor RW):
 *   0x100000 image | 0x3f0000 stack top | 0x400000 work area | 0xf00000 page tables
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "tests/bench/workload.h"

#define RAM_SIZE (16ull << 20)
#define LOAD 0x100000ull
#define STACK_TOP 0x3f0000ull
#define WORK 0x400000ull
#define PT 0xf00000ull
#define MAP_LIMIT (15ull << 20) /* identity map below the page tables */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void put64(uint8_t *ram, uint64_t at, uint64_t v)
{
	memcpy(ram + at, &v, 8);
}

/* Identity-map [0, MAP_LIMIT) with 4 KiB pages; returns CR3. */
static uint64_t build_page_tables(uint8_t *ram)
{
	uint64_t pml4 = PT, pdpt = PT + 0x1000, pd = PT + 0x2000, pt = PT + 0x3000;
	memset(ram + PT, 0, 0x3000);
	put64(ram, pml4, pdpt | 3);
	put64(ram, pdpt, pd | 3);
	for (uint64_t va = 0; va < MAP_LIMIT; va += 0x1000) {
		uint64_t table = pt + (va >> 21) * 0x1000;
		if ((va & 0x1fffff) == 0)
			put64(ram, pd + (va >> 21) * 8, table | 3);
		put64(ram, table + ((va >> 12) & 511) * 8, va | 3);
	}
	return pml4;
}

static int fail(const char *msg, const char *arg)
{
	fprintf(stderr, "cpubench: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	return 2;
}

int main(int argc, char **argv)
{
	const char *image = NULL;
	unsigned rounds = 60;
	int flat = 0;
	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--rounds") && k + 1 < argc)
			rounds = (unsigned)strtoul(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--flat"))
			flat = 1;
		else if (argv[k][0] == '-')
			return fail("unknown option", argv[k]);
		else
			image = argv[k];
	}
	if (!image)
		return fail("usage: cpubench IMAGE [--rounds N] [--flat]", NULL);
	uint8_t *ram = calloc(1, RAM_SIZE);
	FILE *f = fopen(image, "rb");
	if (!ram || !f)
		return fail("cannot read", image);
	size_t n = fread(ram + LOAD, 1, STACK_TOP - 0x10000 - LOAD, f);
	fclose(f);
	if (n == 0)
		return fail("empty image", image);

	struct cpu cpu;
	if (cpu_init(&cpu, ram, RAM_SIZE) < 0)
		return fail("out of memory", NULL);
	if (!flat) {
		cpu.cr3 = build_page_tables(ram);
		cpu_mmu_use_paging(&cpu);
	}
	cpu.rip = LOAD;
	cpu.gpr[RSP] = STACK_TOP - 8;
	cpu.gpr[RDI] = WORK;
	cpu.gpr[RSI] = rounds;
	double t0 = now();
	enum cpu_exit_reason r;
	while ((r = cpu_run(&cpu, 1ull << 28)) == CPU_EXIT_BUDGET)
		;
	double emu = now() - t0;
	if (r != CPU_EXIT_HLT) {
		fprintf(stderr, "cpubench: guest stopped with %s at rip 0x%" PRIx64 "\n", cpu_exit_name(r), cpu.rip);
		return 1;
	}
	uint64_t guest_sum = cpu.gpr[RAX], insns = cpu.icount;

	void *mem = calloc(1, bench_workload_size());
	t0 = now();
	uint64_t native_sum = bench_workload(mem, rounds);
	double nat = now() - t0;
	free(mem);

	printf("cpubench: %s, %u rounds, MMU %s\n", image, rounds, flat ? "flat" : "4-level paging");
	printf("  guest instructions: %" PRIu64 "\n", insns);
	printf("  emulated: %.3f s  guest MIPS: %.1f\n", emu, (double)insns / emu / 1e6);
	printf("  native:   %.3f s  native/emulated time ratio: 1/%.1f\n", nat, emu / nat);
	printf("  icache hits %" PRIu64 " misses %" PRIu64 "\n", cpu.stats.icache_hits, cpu.stats.icache_misses);
	printf("  checksum guest %016" PRIx64 " native %016" PRIx64 " %s\n", guest_sum, native_sum,
	       guest_sum == native_sum ? "(same)" : "(DIFFERENT)");
	cpu_free(&cpu);
	free(ram);
	return guest_sum == native_sum ? 0 : 1;
}
