/*
 * tests/cloud/place_bench.c — how far the exact placement solver goes.
 *
 * For growing numbers of VMs (seeded, the same cases on every machine), the
 * exact branch and bound's thread CPU time (median and max of the cases),
 * whether it proved its answer within the budget, and the gap of first-fit
 * and best-fit decreasing to the optimum. A benchmark, not a test: times vary
 * with the machine; the expansions and gaps do not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/cloud/place.h"

#define CASES 5

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void gen_case(struct place_problem *p, uint64_t seed, int nvms)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 7;
	memset(p, 0, sizeof *p);
	p->nnodes = nvms / 2 + 2;
	for (int n = 0; n < p->nnodes; n++) {
		bool big = n % 3 == 2;
		snprintf(p->nodes[n].name, PLACE_NAME_MAX, "n%d", n);
		p->nodes[n].cap[PLACE_CPU] = big ? 32000 : 16000;
		p->nodes[n].cap[PLACE_MEM] = big ? 131072 : 65536;
		p->nodes[n].cost = big ? 3 : 2;
	}
	p->nvms = nvms;
	for (int v = 0; v < nvms; v++) {
		snprintf(p->vms[v].name, PLACE_NAME_MAX, "vm%03d", v);
		p->vms[v].need[PLACE_CPU] = 1000 * (1 + rng_next(&s) % 8);
		p->vms[v].need[PLACE_MEM] = 2048 * (1 + rng_next(&s) % 16);
		p->vms[v].node = PLACE_NONE;
	}
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	uint64_t budget = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
	struct place_problem *p = malloc(sizeof *p);
	struct place_result ex, ff, bf;
	printf("exact placement (branch and bound, budget %llu expansions), %d seeded cases per size\n",
	       (unsigned long long)budget, CASES);
	printf("%5s %6s %10s %10s %8s %14s %9s %9s\n", "VMs", "nodes", "median s", "max s", "proven", "expansions max",
	       "ffd gap", "bfd gap");
	for (int nvms = 6; nvms <= 40; nvms += 2) {
		double t[CASES], gap_ff = 0, gap_bf = 0;
		int proven = 0;
		uint64_t exp_max = 0;
		for (int c = 0; c < CASES; c++) {
			gen_case(p, (uint64_t)(nvms * 100 + c), nvms);
			double t0 = cpu_seconds();
			place_exact(p, budget, &ex);
			t[c] = cpu_seconds() - t0;
			place_ffd(p, &ff);
			place_bfd(p, &bf);
			proven += ex.optimal;
			if (ex.expansions > exp_max)
				exp_max = ex.expansions;
			gap_ff += 100.0 * (double)(ff.cost - ex.cost) / (double)ex.cost / CASES;
			gap_bf += 100.0 * (double)(bf.cost - ex.cost) / (double)ex.cost / CASES;
		}
		qsort(t, CASES, sizeof t[0], cmp_double);
		printf("%5d %6d %10.4f %10.4f %5d/%d %14llu %8.1f%% %8.1f%%\n", nvms, p->nnodes, t[CASES / 2], t[CASES - 1],
		       proven, CASES, (unsigned long long)exp_max, gap_ff, gap_bf);
		if (proven < CASES) {
			printf("stopped: the exact solver no longer proves every case within the budget at %d VMs\n", nvms);
			break;
		}
	}
	free(p);
	return 0;
}
