/*
 * monitor/vmm/run.c — `vmlab run` and `vmlab bench` (`vmlab compare` is monitor/tools/compare.c).
 *
 * run: parse options (exit 2 on bad input), create the VM, run it to its
 * stop, print the summary on stderr (stdout carries only the guest's serial
 * output, so it can be compared byte for byte with QEMU's). Exit status: 0
 * for hlt with IF=0, (value << 1) | 1 for the debug-exit port, 1 for any
 * other stop (after one explanatory line and the last trace events).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/vmm/vm.h"

/* Parse all run options; returns 0, 1 (help printed) or 2 (error printed). */
static int parse_run_args(const char *cmd, int argc, char **argv, struct mon_config *cfg)
{
	mon_config_defaults(cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: vmlab %s [options]\n", cmd);
			mon_cli_print_run_options(stdout);
			return 1;
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
	return 0;
}

/* One line, then the last few trace events (the context of the stop). */
static void report_stop(struct vm *vm)
{
	const struct mon_stop *st = mon_vm_stop(vm);
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

int mon_run_main(int argc, char **argv)
{
	struct mon_config cfg;
	int r = parse_run_args("run", argc, argv, &cfg);
	if (r)
		return r == 1 ? 0 : 2;
	char err[MON_ERR_MAX];
	struct vm *vm = mon_vm_create(&cfg, 0, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab run: %s\n", err);
		return 1;
	}
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	fflush(stdout);
	report_stop(vm);
	if (!cfg.quiet)
		mon_print_summary(vm, stderr);
	int status = mon_vm_stop(vm)->status;
	if (mon_trace_close(vm, true)) {
		fprintf(stderr, "vmlab run: cannot write trace file %s\n", cfg.trace_file);
		status = status ? status : 1;
	}
	mon_vm_destroy(vm);
	return status;
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run one VM to its stop with the serial output discarded; *secs = host time of the run loop. */
static struct vm *timed_run(const struct mon_config *cfg, double *secs, char *err, size_t errlen)
{
	struct vm *vm = mon_vm_create(cfg, 0, err, errlen);
	if (!vm)
		return NULL;
	mon_vm_set_serial_echo(vm, NULL);
	double t0 = seconds();
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	*secs = seconds() - t0;
	return vm;
}

/*
 * bench: the workload under the full monitor, then on the bare core (no
 * monitor: the kernel at real CPL 0, the core's own paging and IDT delivery):
 * guest MIPS of each, exits per million instructions, and the slowdown.
 * Host time appears only here, never in traces or summaries.
 */
int mon_bench_main(int argc, char **argv)
{
	struct mon_config cfg;
	int r = parse_run_args("bench", argc, argv, &cfg);
	if (r)
		return r == 1 ? 0 : 2;
	char err[MON_ERR_MAX];
	double tm, tb;
	struct vm *vm = timed_run(&cfg, &tm, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab bench: %s\n", err);
		return 1;
	}
	const struct mon_stats *s = mon_vm_stats(vm);
	uint64_t insns = s->insns_user + s->insns_kernel, exits = mon_stats_exits(s);
	double mips_m = tm > 0 ? (double)insns / tm / 1e6 : 0.0;
	printf("bench: monitor:   %llu guest instructions in %.3f s: %.1f guest MIPS; %llu exits, %.1f per million instructions (%s)\n",
	       (unsigned long long)insns, tm, mips_m, (unsigned long long)exits,
	       insns ? (double)exits * 1e6 / (double)insns : 0.0, mon_vm_stop(vm)->message);
	mon_vm_destroy(vm);
	struct mon_config bare = cfg;
	bare.bare_core = true;
	bare.trace_file = NULL;
	vm = timed_run(&bare, &tb, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab bench: bare core: %s\n", err);
		return 1;
	}
	s = mon_vm_stats(vm);
	uint64_t binsns = s->insns_user + s->insns_kernel;
	double mips_b = tb > 0 ? (double)binsns / tb / 1e6 : 0.0;
	printf("bench: bare core: %llu guest instructions in %.3f s: %.1f guest MIPS (%s)\n",
	       (unsigned long long)binsns, tb, mips_b, mon_vm_stop(vm)->message);
	printf("bench: slowdown of the monitor against the bare core: %.2fx (time per guest instruction)\n",
	       mips_m > 0 ? mips_b / mips_m : 0.0);
	mon_vm_destroy(vm);
	return 0;
}
