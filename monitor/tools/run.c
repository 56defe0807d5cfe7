/*
 * monitor/tools/run.c — `vmlab run` and `vmlab bench` (`vmlab compare` is compare.c).
 *
 * run: parse options (exit 2 on bad input), create the VM, run it to its
 * stop, print the summary on stderr (stdout carries only the guest's serial
 * output, so it can be compared byte for byte with QEMU's). Exit status: 0
 * for hlt with IF=0, (value << 1) | 1 for the debug-exit port, 128 + the
 * signal number after SIGINT/SIGTERM (the summary says "interrupted"), 1 for
 * any other stop (after one explanatory line and the last trace events).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/console/console.h"
#include "monitor/tools/multivm.h"

/* `vmlab run`'s own options: snapshots and breakpoints. */
struct run_snap {
	uint64_t save_at;
	const char *save_file;    /* --save-at ICOUNT FILE; NULL: none */
	const char *restore_file; /* --restore FILE; NULL: boot */
	va_t brk[64];             /* --break VA: report each arrival on stderr */
	unsigned nbrk;
	bool gdb;                 /* --gdb PORT: serve gdb before running (monitor/gdb/) */
	uint64_t gdb_port;
	/* several VMs on one host (run_multi.c) */
	struct tool_multi_args multi; /* --vm SPEC ... */
};

/* The multi-VM options (multihost.c): 1 taken, 0 not these, -1 bad (message printed). */
static int parse_multi_option(struct run_snap *s, int argc, char **argv, int *i)
{
	char err[MON_ERR_MAX];
	int r = tool_multi_option(&s->multi, argc, argv, i, err, sizeof err);
	if (r < 0)
		fprintf(stderr, "vmlab run: %s\n", err);
	return r;
}

/* --save-at ICOUNT FILE, --restore FILE: 1 taken, 0 not these, -1 bad (message printed). */
static int parse_snap_option(struct run_snap *s, int argc, char **argv, int *i)
{
	if (!strcmp(argv[*i], "--save-at")) {
		if (*i + 2 >= argc || !mon_parse_u64(argv[*i + 1], &s->save_at)) {
			fprintf(stderr, "vmlab run: --save-at needs an instruction count and a file\n");
			return -1;
		}
		s->save_file = argv[*i + 2];
		*i += 2;
		return 1;
	}
	if (!strcmp(argv[*i], "--break")) {
		if (*i + 1 >= argc || !mon_parse_u64(argv[*i + 1], &s->brk[s->nbrk]) || s->nbrk == 64) {
			fprintf(stderr, "vmlab run: --break needs an address (at most 64 of them)\n");
			return -1;
		}
		s->nbrk++;
		++*i;
		return 1;
	}
	if (!strcmp(argv[*i], "--gdb")) {
		if (*i + 1 >= argc || !mon_parse_u64(argv[*i + 1], &s->gdb_port) || s->gdb_port > 65535) {
			fprintf(stderr, "vmlab run: --gdb needs a TCP port (0-65535; 0: any free port)\n");
			return -1;
		}
		s->gdb = true;
		++*i;
		return 1;
	}
	if (!strcmp(argv[*i], "--restore")) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "vmlab run: --restore needs a snapshot file\n");
			return -1;
		}
		s->restore_file = argv[++*i];
		return 1;
	}
	return 0;
}

/* Parse all run options; returns 0, 1 (help printed) or 2 (error printed). */
static int parse_run_args(const char *cmd, int argc, char **argv, struct mon_config *cfg,
			  struct run_snap *snap)
{
	mon_config_defaults(cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: vmlab %s [options]\n", cmd);
			if (snap)
				printf("       vmlab %s --vm KEY=VALUE,... --vm ... [options]   (several VMs on one host)\n", cmd);
			if (!strcmp(cmd, "bench"))
				printf("  --repeat N               runs of each (monitor, bare core), alternating;\n"
				       "                           min and median of thread CPU time (default 3)\n");
			if (snap)
				printf("  --save-at ICOUNT FILE    write a snapshot of the whole VM to FILE at the first\n"
				       "                           instruction boundary at or after ICOUNT, then go on\n"
				       "  --restore FILE           start from a snapshot instead of booting (same machine\n"
				       "                           options as when it was saved; output options may differ)\n"
				       "  --break VA               a breakpoint: each time RIP reaches VA, one line on\n"
				       "                           stderr (icount, who), then on (repeatable, at most 64)\n"
				       "  --gdb PORT               wait for gdb on 127.0.0.1:PORT (0: any free port, printed\n"
				       "                           on stderr) before running; after it detaches, run on\n"
				       "  --vm KEY=VALUE,...       one VM of several on one host (repeatable, at most 16); the\n"
				       "                           options below are every VM's, keys override them: name,\n"
				       "                           share (1-1000, default 1), serial=FILE, and kernel module\n"
				       "                           mem cmdline trace trace-format trace-categories trace-from\n"
				       "                           trace-limit trace-after max-insns max-output pit-scale cost\n"
				       "                           shadow-pool mmu paravirt strict-x86 check-isolation as the\n"
				       "                           options of those names (docs/multi-vm.md)\n"
				       "  --vm-file FILE           more VMs: one --vm spec a line (# comments)\n"
				       "  --vm-slice N             instructions per share unit of a VM's slice (default 10000)\n"
				       "  --tlb-flush-on-vm-switch flush the whole TLB at every switch between VMs (as a TLB\n"
				       "                           without VMID tags)\n");
			mon_cli_print_run_options(stdout);
			return 1;
		}
		if (snap) {
			int s = parse_snap_option(snap, argc, argv, &i);
			if (!s)
				s = parse_multi_option(snap, argc, argv, &i);
			if (s < 0)
				return 2;
			if (s)
				continue;
		}
		char err[MON_ERR_MAX];
		int r = mon_cli_parse_option(cfg, argc, argv, &i, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "vmlab %s: %s\n", cmd, err);
			return 2;
		}
		if (r == 0) {
			fprintf(stderr, "vmlab %s: unknown option '%s' (try vmlab %s --help)\n", cmd, argv[i], cmd);
			return 2;
		}
	}
	char err[MON_ERR_MAX];
	if (mon_modes_check_tlb(cfg, err, sizeof err)) {
		fprintf(stderr, "vmlab %s: %s\n", cmd, err);
		return 2;
	}
	if (cfg->stats_json && strcmp(cmd, "run")) {
		fprintf(stderr, "vmlab %s: --stats-json is an option of vmlab run\n", cmd);
		return 2;
	}
	return 0;
}

/* One line, then the last few trace events (the context of the stop). */
void tool_report_stop(struct vm *vm)
{
	const struct mon_stop *st = mon_vm_stop(vm);
	const char *name = mon_vm_config(vm)->name;
	if (*name) /* a VM of several: its name too */
		fprintf(stderr, "vmlab: vm%u (%s) stopped: %s\n", mon_vm_id(vm), name, st->message);
	else
		fprintf(stderr, "vmlab: vm%u stopped: %s\n", mon_vm_id(vm), st->message);
	if (st->reason == MON_STOP_HALT || st->reason == MON_STOP_DEBUG_EXIT)
		return;
	struct mon_event ev[8];
	unsigned n = mon_vm_recent_events(vm, ev, 8);
	if (n)
		fprintf(stderr, "last %u events:\n", n);
	for (unsigned i = 0; i < n; i++) {
		char line[512];
		mon_event_format(&ev[i], MON_TRACE_TEXT, line, sizeof line);
		fprintf(stderr, "  %s\n", line);
	}
}

/* Write the snapshot into o (opened before the run, under a temporary name),
 * then rename it to its name: never half a file. 0 or -1. */
static int save_snapshot(struct vm *vm, struct mon_outfile *o)
{
	char err[MON_ERR_MAX];
	size_t len;
	uint8_t *buf = mon_vm_save(vm, &len, err, sizeof err);
	if (!buf) {
		fprintf(stderr, "vmlab run: cannot save a snapshot: %s\n", err);
		mon_outfile_close(o, false);
		return -1;
	}
	const char *path = o->path;
	o->write_error = fwrite(buf, 1, len, o->f) != len;
	free(buf);
	char *name = strdup(path);
	int rc = mon_outfile_close(o, true);
	if (rc)
		fprintf(stderr, "vmlab run: cannot write snapshot %s\n", name ? name : "");
	free(name);
	return rc;
}

static int restore_snapshot(struct vm *vm, const char *path)
{
	char err[MON_ERR_MAX];
	size_t len;
	uint8_t *buf = con_file_read(path, &len, err, sizeof err);
	if (!buf) {
		fprintf(stderr, "vmlab run: %s\n", err);
		return -1;
	}
	int rc = mon_vm_restore(vm, buf, len, err, sizeof err);
	free(buf);
	if (rc)
		fprintf(stderr, "vmlab run: %s: %s\n", path, err);
	return rc;
}

/* vmlab run --vm ...: the VMs' specs on top of cfg, then run_multi.c. */
static int run_multi_main(const struct mon_config *cfg, struct run_snap *snap)
{
	const char *no = snap->save_file ? "--save-at" : snap->restore_file ? "--restore" : snap->nbrk ? "--break"
		       : snap->gdb ? "--gdb" : tool_multi_refused(cfg);
	if (no) {
		fprintf(stderr, "vmlab run: %s is not with --vm (one VM on a host of its own only)\n", no);
		return 2;
	}
	if (cfg->trace_file && cfg->trace_after) {
		fprintf(stderr, "vmlab run: --trace-after with --vm: give it to one VM (trace=FILE,trace-after=...)\n");
		return 2;
	}
	struct tool_vmspec *v = calloc(MON_HOST_VMS_MAX, sizeof *v);
	if (!v) {
		fprintf(stderr, "vmlab run: out of memory\n");
		return 1;
	}
	unsigned n = 0;
	char err[MON_ERR_MAX];
	int status = 2;
	if (tool_vmspecs_load(cfg, snap->multi.spec, snap->multi.nvm, snap->multi.file, v, &n, err, sizeof err))
		fprintf(stderr, "vmlab run: %s\n", err);
	else
		status = tool_run_multi(cfg, v, n, &snap->multi.opts);
	for (unsigned i = 0; i < n; i++)
		tool_vmspec_free(&v[i]);
	free(v);
	return status;
}

/* The output files of a run, opened before it so that a bad path costs no
 * run (exit 2, one line naming it; the trace file, which the VM opens, is
 * checked), and removed (not left half-written) when it fails. */
struct run_outs {
	struct mon_outfile stats_json, snapshot;
};

static void run_outs_drop(struct run_outs *o)
{
	mon_outfile_close(&o->stats_json, false);
	mon_outfile_close(&o->snapshot, false);
}

static int run_outs_open(struct run_outs *o, const struct mon_config *cfg, const struct run_snap *snap)
{
	char err[MON_ERR_MAX];
	memset(o, 0, sizeof *o);
	if ((cfg->trace_file && mon_outfile_check(cfg->trace_file, "trace file", err, sizeof err)) ||
	    (cfg->stats_json && mon_outfile_open(&o->stats_json, cfg->stats_json, "--stats-json file", 0, err,
						 sizeof err)) ||
	    (snap->save_file && mon_outfile_open(&o->snapshot, snap->save_file, "--save-at file", 1, err,
						 sizeof err))) {
		fprintf(stderr, "vmlab run: %s\n", err);
		run_outs_drop(o);
		return -1;
	}
	return 0;
}

/* The VM before its run: a snapshot restored, breakpoints, gdb. 0, or the exit status. */
static int run_prepare(struct vm *vm, struct run_snap *snap)
{
	char err[MON_ERR_MAX];
	if (snap->restore_file && restore_snapshot(vm, snap->restore_file))
		return 1;
	if (snap->nbrk && mon_vm_break_set(vm, snap->brk, snap->nbrk, err, sizeof err)) {
		fprintf(stderr, "vmlab run: %s\n", err);
		return 2;
	}
	if (snap->gdb && con_gdb_serve_vm(vm, (unsigned)snap->gdb_port, stderr, stdout, err, sizeof err) < 0) {
		fprintf(stderr, "vmlab run: %s\n", err);
		return 2;
	}
	if (snap->save_file)
		mon_vm_pause_at(vm, snap->save_at);
	return 0;
}

int mon_run_main(int argc, char **argv)
{
	struct mon_config cfg;
	struct run_snap snap = {0};
	tool_multi_args_init(&snap.multi);
	int r = parse_run_args("run", argc, argv, &cfg, &snap);
	if (r)
		return r == 1 ? 0 : 2;
	if (snap.multi.nvm || snap.multi.file)
		return run_multi_main(&cfg, &snap);
	if (snap.multi.opt) {
		fprintf(stderr, "vmlab run: %s only with --vm (several VMs on one host)\n", snap.multi.opt);
		return 2;
	}
	char err[MON_ERR_MAX];
	tool_catch_interrupts();
	struct run_outs outs;
	if (run_outs_open(&outs, &cfg, &snap))
		return 2;
	struct vm *vm = mon_vm_create(&cfg, 0, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab run: %s\n", err);
		run_outs_drop(&outs);
		return 1;
	}
	int snap_status = run_prepare(vm, &snap);
	if (snap_status) {
		mon_vm_destroy(vm);
		run_outs_drop(&outs);
		return snap_status;
	}
	enum mon_state st;
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) != MON_STOPPED) {
		if (st == MON_PAUSED && mon_vm_at_break(vm))
			fprintf(stderr, "vmlab run: breakpoint 0x%llx at icount %llu (%s)\n",
				(unsigned long long)mon_vm_cpu(vm)->rip, (unsigned long long)mon_vm_icount(vm),
				mon_vm_who(vm));
		else if (st == MON_PAUSED && outs.snapshot.f && save_snapshot(vm, &outs.snapshot))
			snap_status = 1;
		if (tool_interrupted())
			mon_vm_interrupt(vm, tool_interrupted() == SIGINT ? "SIGINT" : "SIGTERM");
	}
	fflush(stdout);
	if (outs.snapshot.f) {
		fprintf(stderr, "vmlab run: the VM stopped at icount %llu, before --save-at %llu: no snapshot\n",
			(unsigned long long)mon_vm_icount(vm), (unsigned long long)snap.save_at);
		snap_status = 1;
	}
	tool_report_stop(vm);
	if (!cfg.quiet)
		mon_print_summary(vm, stderr);
	int status = mon_vm_stop(vm)->status;
	bool interrupted = mon_vm_stop(vm)->reason == MON_STOP_INTERRUPTED;
	if (mon_vm_trace_after_pending(vm))
		fprintf(stderr, "vmlab run: --trace-after %s: no such event in this run; the trace file holds only "
				"its header line\n", cfg.trace_after);
	if (mon_vm_trace_finish(vm)) {
		fprintf(stderr, "vmlab run: cannot write trace file %s\n", cfg.trace_file);
		status = status ? status : 1;
	}
	struct mon_outfile *sj = &outs.stats_json;
	if (sj->f) {
		mon_print_summary_json(vm, sj->f);
		sj->write_error = ferror(sj->f);
		if (mon_outfile_close(sj, true)) {
			fprintf(stderr, "vmlab run: cannot write --stats-json file %s\n", cfg.stats_json);
			status = status ? status : 1;
		}
	}
	run_outs_drop(&outs);
	mon_vm_destroy(vm);
	if (interrupted) /* as a shell reports a process ended by the signal */
		return 128 + tool_interrupted();
	return status ? status : snap_status;
}

/* The calling thread's CPU time: other processes on a busy machine do not count. */
static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A run shorter than this (thread CPU time) is not timed into a slowdown. */
#define BENCH_MIN_SECS 0.1

/* One configuration timed over several runs. */
struct bench_series {
	const char *name;
	struct mon_config cfg;
	double secs[MON_BENCH_MAX_RUNS];
	unsigned n;
	uint64_t insns, exits;
	char stop[MON_ERR_MAX];
};

/* Run one VM to its stop with the serial output discarded; adds its time to s. */
static int timed_run(struct bench_series *s, char *err, size_t errlen)
{
	struct vm *vm = mon_vm_create(&s->cfg, 0, err, errlen);
	if (!vm)
		return -1;
	mon_vm_set_serial_echo(vm, NULL);
	double t0 = cpu_seconds();
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	s->secs[s->n++] = cpu_seconds() - t0;
	const struct mon_stats *st = mon_vm_stats(vm);
	s->insns = st->insns_user + st->insns_kernel;
	s->exits = mon_stats_exits(st);
	snprintf(s->stop, sizeof s->stop, "%s", mon_vm_stop(vm)->message);
	mon_vm_destroy(vm);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts the times; *min and *median of them. */
static void min_median(struct bench_series *s, double *min, double *median)
{
	qsort(s->secs, s->n, sizeof s->secs[0], cmp_double);
	*min = s->secs[0];
	*median = s->n % 2 ? s->secs[s->n / 2] : (s->secs[s->n / 2 - 1] + s->secs[s->n / 2]) / 2;
}

static double mips(uint64_t insns, double secs)
{
	return secs > 0 ? (double)insns / secs / 1e6 : 0.0;
}

/* Print one series; returns its minimum time, *noise = (median - min) / min. */
static double report_series(struct bench_series *s, double *noise)
{
	double min, med;
	min_median(s, &min, &med);
	*noise = min > 0 ? (med - min) / min : 0.0;
	printf("bench: %-9s %llu guest instructions, %u runs: min %.3f s, median %.3f s of thread CPU time: "
	       "%.1f guest MIPS (median %.1f)",
	       s->name, (unsigned long long)s->insns, s->n, min, med, mips(s->insns, min), mips(s->insns, med));
	if (!s->cfg.bare_core)
		printf("; %llu exits, %.1f per million instructions", (unsigned long long)s->exits,
		       s->insns ? (double)s->exits * 1e6 / (double)s->insns : 0.0);
	printf(" (%s)\n", s->stop);
	return min;
}

/* Takes "--repeat N" out of argv (bench's own option); returns N, 0 on a bad value. */
static unsigned take_repeat(int *argc, char **argv)
{
	unsigned n = 3;
	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int words = 0;
		if (!strcmp(argv[i], "--repeat") && i + 1 < *argc)
			v = argv[i + 1], words = 2;
		else if (!strncmp(argv[i], "--repeat=", 9))
			v = argv[i] + 9, words = 1;
		if (!words)
			continue;
		uint64_t x;
		if (!mon_parse_u64(v, &x) || x < 1 || x > MON_BENCH_MAX_RUNS)
			return 0;
		n = (unsigned)x;
		memmove(&argv[i], &argv[i + words], sizeof(char *) * (size_t)(*argc - i - words));
		*argc -= words;
		i--;
	}
	return n;
}

/*
 * bench: the workload under the full monitor and on the bare core (no
 * monitor: the kernel at real CPL 0, the core's own paging and IDT delivery),
 * alternately, --repeat times each (default 3), timed by thread CPU time:
 * min and median, guest MIPS, exits per million instructions, and the
 * slowdown of the monitor from the minimum times. A monitor that looks
 * faster than the bare core by less than the runs' own spread is reported as
 * "no measurable slowdown", not as a speed-up.
 * Host time appears only here, never in traces or summaries.
 */
int mon_bench_main(int argc, char **argv)
{
	unsigned repeat = take_repeat(&argc, argv);
	if (!repeat) {
		fprintf(stderr, "vmlab bench: --repeat needs a number from 1 to %u\n", MON_BENCH_MAX_RUNS);
		return 2;
	}
	struct bench_series *mon = calloc(2, sizeof *mon), *bare = mon + 1;
	if (!mon) {
		fprintf(stderr, "vmlab bench: out of memory\n");
		return 1;
	}
	int r = parse_run_args("bench", argc, argv, &mon->cfg, NULL);
	if (r) {
		free(mon);
		return r == 1 ? 0 : 2;
	}
	mon->name = "monitor:";
	bare->name = "bare core:";
	/* Machine memory is faulted in when each VM is created, outside the
	 * timed run: the bare core's guest first-touched it inside its timed
	 * run, where the host's page faults made cpubench look 3.4x slower on
	 * the bare core (0.275 s against 0.080 s) while the monitor's run did
	 * not pay them (0.10 s either way). */
	mon->cfg.prefault_ram = true;
	bare->cfg = mon->cfg;
	bare->cfg.bare_core = true;
	bare->cfg.trace_file = NULL;
	char err[MON_ERR_MAX];
	for (unsigned k = 0; k < repeat; k++) {
		if (timed_run(mon, err, sizeof err) || timed_run(bare, err, sizeof err)) {
			fprintf(stderr, "vmlab bench: %s%s\n", mon->n == k + 1 ? "bare core: " : "", err);
			free(mon);
			return 1;
		}
	}
	double nm, nb, tm = report_series(mon, &nm), tb = report_series(bare, &nb);
	if (tm < BENCH_MIN_SECS || tb < BENCH_MIN_SECS) {
		/* start-up and the first misses dominate a short run: its ratio means nothing */
		printf("bench: slowdown of the monitor against the bare core: not measured: the %s run took %.1f ms "
		       "of CPU time, too short to time (want %.0f ms: a longer workload, e.g. --cmdline run=cpubench)\n",
		       tm < tb ? "monitor's" : "bare core's", 1e3 * (tm < tb ? tm : tb), 1e3 * BENCH_MIN_SECS);
		free(mon);
		return 0;
	}
	double per_m = tm / (double)(mon->insns ? mon->insns : 1), per_b = tb / (double)(bare->insns ? bare->insns : 1);
	double noise = nm > nb ? nm : nb, slow = per_b > 0 ? per_m / per_b : 0.0;
	if (slow >= 1.0 || slow == 0.0)
		printf("bench: slowdown of the monitor against the bare core: %.2fx (time per guest instruction, minimum times)\n",
		       slow);
	else if (1.0 - slow <= noise)
		printf("bench: slowdown of the monitor against the bare core: none measurable (%.2fx, inside this run's "
		       "timing noise of %.0f%%)\n", slow, noise * 100);
	else
		printf("bench: slowdown of the monitor against the bare core: %.2fx: the monitor ran faster by more than "
		       "this run's timing noise (%.0f%%)\n", slow, noise * 100);
	free(mon);
	return 0;
}
