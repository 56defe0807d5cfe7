/*
 * monitor/tools/compare.c — `vmlab compare`: the same guest workload under each way
 * of virtualizing the MMU (shadow, swtlb, nested, shadow + paravirt), its
 * serial output checked identical in every mode, and one table of what each
 * cost: guest instructions, exits by reason, round trips, TLB hit rate,
 * hidden/true faults, page-walk references, traced PT writes, hypercalls,
 * modelled cycles and the slowdown against the bare core, with the cost
 * model's prices. docs/modes.md explains the numbers.
 *
 * Bare core: one baseline per workload, the same for every column: the
 * workload run once more with --bare-core (no monitor: the kernel at real
 * CPL 0, the CPU's own paging TLB and walker), its output checked identical
 * too, priced by the same function as every other run (mon_vm_cycles), so
 * it is the number `vmlab run --bare-core` prints.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/tools/tools.h"
#include "tlb/tlb.h"

#define CMP_MAX_WORKLOADS 8
#define CMP_MODES 4

enum cmp_format { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_MARKDOWN };

struct cmp_mode {
	const char *name;
	enum mon_mmu_mode mmu;
	bool paravirt, bare;
};
static const struct cmp_mode modes[CMP_MODES] = {
	{ "shadow", MON_MMU_SHADOW, false, false },
	{ "swtlb", MON_MMU_SWTLB, false, false },
	{ "nested", MON_MMU_NESTED, false, false },
	{ "paravirt", MON_MMU_SHADOW, true, false },
};
static const struct cmp_mode bare_mode = { "bare core", MON_MMU_SHADOW, false, true };

/* The workloads: guestos command lines. */
struct cmp_workload {
	const char *name, *cmdline, *what;
};
static const struct cmp_workload workloads[] = {
	{ "pagetouch", "run=pagetouch", "touches many fresh pages: demand paging, TLB misses" },
	{ "spawn", "run=spawn", "creates and reaps processes: new page tables, PT writes" },
	{ "pingpong", "run=pingpong", "two processes yielding: context switches, CR3 writes" },
	{ "cpubench", "run=cpubench", "CPU-bound loops: few exits of any kind" },
	{ "hello", "run=hello", "boot, one small program, shutdown" },
	{ "swaptest", "mem=1M run=swaptest:4", "pages out and in through the swap disk" },
};
#define NWORKLOADS (sizeof workloads / sizeof workloads[0])
#define CMP_CUSTOM NWORKLOADS /* the workload --cmdline describes */

/* One run's numbers. */
struct cmp_row {
	uint64_t insns, exits, ex_sens, ex_exc, ex_miss, round_trips, tlb_misses;
	double hit_rate;
	uint64_t hidden, true_, walk_refs, pt_writes, hypercalls, cycles, bare;
	double slowdown;
};

static void collect(struct vm *vm, struct cmp_row *r)
{
	const struct mon_stats *s = mon_vm_stats(vm);
	struct mon_mode_stats m;
	mon_vm_mode_stats(vm, &m);
	memset(r, 0, sizeof *r);
	r->insns = s->insns_user + s->insns_kernel;
	r->exits = mon_stats_exits(s);
	r->ex_sens = s->exits[CPU_EXIT_SENSITIVE] + s->exits[CPU_EXIT_IO];
	r->ex_exc = s->exits[CPU_EXIT_EXCEPTION];
	r->ex_miss = s->exits[CPU_EXIT_TLB_MISS];
	r->round_trips = s->round_trips;
	uint64_t hits = mon_vm_tlb_hits(vm), miss = mon_vm_tlb(vm)->stats.misses;
	r->tlb_misses = miss;
	r->hit_rate = hits + miss ? 100.0 * (double)hits / (double)(hits + miss) : 0.0;
	r->hidden = s->hidden_faults;
	r->true_ = mon_vm_true_faults(vm);
	r->walk_refs = s->walk_refs;
	r->pt_writes = s->pt_writes;
	r->hypercalls = m.hypercalls;
	r->cycles = mon_vm_cycles(vm);
}

/* Every column against the same bare-core baseline (its run's modelled cycles). */
static void set_baseline(struct cmp_row rows[CMP_MODES], uint64_t bare)
{
	for (unsigned m = 0; m < CMP_MODES; m++) {
		rows[m].bare = bare;
		rows[m].slowdown = bare ? (double)rows[m].cycles / (double)bare : 0.0;
	}
}

/* Run one workload in one mode; serial output copied to *out (malloc'd). 0 or -1. */
static int run_one(const struct mon_config *base, const struct cmp_workload *w,
		   const struct cmp_mode *md, struct cmp_row *row, char **out, size_t *outlen)
{
	struct mon_config cfg = *base;
	cfg.mmu = md->mmu;
	cfg.paravirt = md->paravirt;
	cfg.bare_core = md->bare;
	cfg.quiet = true;
	snprintf(cfg.cmdline, sizeof cfg.cmdline, "%s", w->cmdline);
	char err[MON_ERR_MAX];
	struct vm *vm = mon_vm_create(&cfg, 0, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab compare: %s (%s): %s\n", w->name, md->name, err);
		return -1;
	}
	mon_vm_set_serial_echo(vm, NULL);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	int rc = 0;
	const struct mon_stop *st = mon_vm_stop(vm);
	if (st->reason != MON_STOP_HALT) {
		fprintf(stderr, "vmlab compare: %s (%s) did not end cleanly: %s\n", w->name, md->name,
			st->message);
		rc = -1;
	}
	collect(vm, row);
	size_t n;
	const char *s = mon_vm_serial(vm, &n);
	*out = malloc(n + 1);
	if (*out) {
		memcpy(*out, s, n);
		*outlen = n;
	} else {
		rc = -1;
	}
	mon_vm_destroy(vm);
	return rc;
}

static void print_cost(const struct mon_cost *c, enum cmp_format f)
{
	if (f == FMT_JSON)
		return;
	printf("%scost model, cycles per event: ", f == FMT_CSV ? "# " : "");
	fflush(stdout);
	mon_cost_print_prices(stdout, c);
	printf("\n%smodelled cycles = each event's count x its price, summed (docs/cost-model.md); "
	       "bare core = the same workload run with --bare-core, priced the same way\n",
	       f == FMT_CSV ? "# " : "");
}

/* The table's rows: label and how to print a row's value. */
#define NMETRICS 17
static const char *const metric_names[NMETRICS] = {
	"guest instructions", "exits", "  sensitive/io", "  exception", "  tlb-miss", "round trips",
	"TLB misses", "TLB hit rate %", "hidden faults", "true faults", "page-walk refs", "traced PT writes",
	"hypercalls", "modelled cycles", "bare-core cycles", "slowdown vs bare", "serial output",
};
static const char *const metric_keys[NMETRICS] = {
	"instructions", "exits", "exits_sensitive", "exits_exception", "exits_tlb_miss", "round_trips",
	"tlb_misses", "tlb_hit_rate", "hidden_faults", "true_faults", "walk_refs", "pt_writes", "hypercalls",
	"cycles", "bare_cycles", "slowdown", "serial_bytes",
};

static void metric(const struct cmp_row *r, unsigned k, size_t serial, char *buf, size_t n)
{
	const uint64_t v[] = { r->insns, r->exits, r->ex_sens, r->ex_exc, r->ex_miss, r->round_trips,
			       r->tlb_misses, 0, r->hidden, r->true_, r->walk_refs, r->pt_writes,
			       r->hypercalls, r->cycles, r->bare, 0, serial };
	if (k == 7)
		snprintf(buf, n, "%.2f", r->hit_rate);
	else if (k == 15)
		snprintf(buf, n, "%.2f", r->slowdown);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v[k]);
}

static void print_workload(const struct cmp_workload *w, const struct cmp_row rows[CMP_MODES],
			   size_t serial, enum cmp_format f, bool first)
{
	char b[32];
	switch (f) {
	case FMT_TABLE:
		printf("\nworkload %s (%s): guest output identical in all modes (%zu bytes)\n", w->name,
		       w->what, serial);
		printf("%-20s", "");
		for (unsigned m = 0; m < CMP_MODES; m++)
			printf(" %14s", modes[m].name);
		printf("\n");
		for (unsigned k = 0; k + 1 < NMETRICS; k++) {
			printf("%-20s", metric_names[k]);
			for (unsigned m = 0; m < CMP_MODES; m++) {
				metric(&rows[m], k, serial, b, sizeof b);
				printf(" %14s", b);
			}
			printf("\n");
		}
		break;
	case FMT_MARKDOWN:
		printf("\n### %s\n\n%s; guest output identical in all modes (%zu bytes).\n\n| |", w->name,
		       w->what, serial);
		for (unsigned m = 0; m < CMP_MODES; m++)
			printf(" %s |", modes[m].name);
		printf("\n|---|");
		for (unsigned m = 0; m < CMP_MODES; m++)
			printf("---:|");
		printf("\n");
		for (unsigned k = 0; k + 1 < NMETRICS; k++) {
			printf("| %s |", metric_names[k][0] == ' ' ? metric_names[k] + 2 : metric_names[k]);
			for (unsigned m = 0; m < CMP_MODES; m++) {
				metric(&rows[m], k, serial, b, sizeof b);
				printf(" %s |", b);
			}
			printf("\n");
		}
		break;
	case FMT_CSV:
		if (first) {
			printf("workload,mode");
			for (unsigned k = 0; k < NMETRICS; k++)
				printf(",%s", metric_keys[k]);
			printf("\n");
		}
		for (unsigned m = 0; m < CMP_MODES; m++) {
			printf("%s,%s", w->name, modes[m].name);
			for (unsigned k = 0; k < NMETRICS; k++) {
				metric(&rows[m], k, serial, b, sizeof b);
				printf(",%s", b);
			}
			printf("\n");
		}
		break;
	case FMT_JSON:
		for (unsigned m = 0; m < CMP_MODES; m++) {
			printf("%s    {\"workload\": \"%s\", \"mode\": \"%s\"", first && m == 0 ? "" : ",\n",
			       w->name, modes[m].name);
			for (unsigned k = 0; k < NMETRICS; k++) {
				metric(&rows[m], k, serial, b, sizeof b);
				printf(", \"%s\": %s", metric_keys[k], b);
			}
			printf("}");
		}
		break;
	}
}

static void json_head(const struct mon_cost *c)
{
	printf("{\n  \"cost\": {");
	for (unsigned t = 0; t < MON_COST_TERMS; t++)
		printf("%s\"%s\": %u", t ? ", " : "", mon_cost_name((enum mon_cost_term)t),
		       mon_cost_price(c, (enum mon_cost_term)t));
	printf("},\n  \"results\": [\n");
}

static void usage(FILE *f)
{
	fputs("usage: vmlab compare [--workload NAME]... [--format table|csv|json|markdown] [run options]\n"
	      "  runs each workload under shadow, swtlb, nested and paravirt (shadow + --paravirt),\n"
	      "  checks that the guest's serial output is identical, prints one table per workload.\n"
	      "  workloads:",
	      f);
	for (unsigned i = 0; i < NWORKLOADS; i++)
		fprintf(f, " %s", workloads[i].name);
	fputs(" (default: pagetouch spawn pingpong cpubench)\n"
	      "  --cmdline STR adds a workload of its own: the guest booted with that command line\n"
	      "  (with --module, your own program: --module prog --cmdline run=prog)\n", f);
	mon_cli_print_run_options(f);
}

/* Parse the compare options; 0 ok, 1 help printed, 2 error printed. */
static int parse(int argc, char **argv, struct mon_config *cfg, unsigned *wl, unsigned *nwl,
		 enum cmp_format *fmt)
{
	mon_config_defaults(cfg);
	cfg->max_insns = 2000000000ull;
	*nwl = 0;
	*fmt = FMT_TABLE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		}
		bool is_wl = !strncmp(a, "--workload", 10) && (a[10] == '\0' || a[10] == '=');
		bool is_fmt = !strncmp(a, "--format", 8) && (a[8] == '\0' || a[8] == '=');
		if (is_wl || is_fmt) {
			const char *eq = strchr(a, '=');
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				fprintf(stderr, "vmlab compare: option %s needs a value\n", a);
				return 2;
			}
		}
		if (is_wl) {
			unsigned k;
			for (k = 0; k < NWORKLOADS && strcmp(workloads[k].name, val); k++)
				;
			if (k == NWORKLOADS) {
				fprintf(stderr, "vmlab compare: unknown workload '%s' (try vmlab compare --help)\n", val);
				return 2;
			}
			if (*nwl < CMP_MAX_WORKLOADS)
				wl[(*nwl)++] = k;
			continue;
		}
		if (is_fmt) {
			static const char *const f[] = { "table", "csv", "json", "markdown" };
			unsigned k;
			for (k = 0; k < 4 && strcmp(f[k], val); k++)
				;
			if (k == 4) {
				fprintf(stderr, "vmlab compare: bad --format '%s' (want table, csv, json or markdown)\n", val);
				return 2;
			}
			*fmt = (enum cmp_format)k;
			continue;
		}
		char err[MON_ERR_MAX];
		int r = mon_cli_parse_option(cfg, argc, argv, &i, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "vmlab compare: %s\n", err);
			return 2;
		}
		if (r == 0) {
			fprintf(stderr, "vmlab compare: unknown option '%s' (try vmlab compare --help)\n", a);
			return 2;
		}
	}
	if (cfg->trace_file) {
		fprintf(stderr, "vmlab compare: --trace is not supported here (use vmlab run --mmu=...)\n");
		return 2;
	}
	/* --cmdline is a workload of its own (e.g. a program given with --module). */
	if (cfg->cmdline[0] && *nwl < CMP_MAX_WORKLOADS)
		wl[(*nwl)++] = CMP_CUSTOM;
	if (*nwl == 0)
		for (unsigned k = 0; k < 4; k++)
			wl[(*nwl)++] = k;
	return 0;
}

int mon_modes_compare_main(int argc, char **argv)
{
	struct mon_config cfg;
	unsigned wl[CMP_MAX_WORKLOADS], nwl;
	enum cmp_format fmt;
	int r = parse(argc, argv, &cfg, wl, &nwl, &fmt);
	if (r)
		return r == 1 ? 0 : 2;
	if (fmt == FMT_JSON)
		json_head(&cfg.cost);
	else
		print_cost(&cfg.cost, fmt);
	int status = 0;
	for (unsigned i = 0; i < nwl; i++) {
		const struct cmp_workload custom = { "custom", cfg.cmdline, cfg.cmdline };
		const struct cmp_workload *w = wl[i] == CMP_CUSTOM ? &custom : &workloads[wl[i]];
		struct cmp_row rows[CMP_MODES + 1]; /* the last: the bare core */
		char *out[CMP_MODES + 1] = { 0 };
		size_t len[CMP_MODES + 1] = { 0 };
		bool ok = true;
		for (unsigned m = 0; m <= CMP_MODES; m++)
			if (run_one(&cfg, w, m < CMP_MODES ? &modes[m] : &bare_mode, &rows[m], &out[m], &len[m]))
				ok = false;
		for (unsigned m = 1; ok && m <= CMP_MODES; m++) {
			if (len[m] != len[0] || memcmp(out[m], out[0], len[0])) {
				fprintf(stderr, "vmlab compare: %s: the guest's output under %s differs from %s\n",
					w->name, m < CMP_MODES ? modes[m].name : bare_mode.name, modes[0].name);
				ok = false;
			}
		}
		if (ok) {
			set_baseline(rows, rows[CMP_MODES].cycles);
			print_workload(w, rows, len[0], fmt, i == 0);
		} else
			status = 1;
		for (unsigned m = 0; m <= CMP_MODES; m++)
			free(out[m]);
	}
	if (fmt == FMT_JSON)
		printf("\n  ]\n}\n");
	return status;
}
