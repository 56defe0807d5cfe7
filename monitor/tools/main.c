/*
 * monitor/tools/main.c — `vmlab`: dispatch to a subcommand.
 *
 *   vmlab run [options]          boot a guest under the monitor
 *   vmlab console [options]      the step-by-step student console
 *   vmlab trace-diff A B         compare two traces
 *   vmlab compare [options]      one workload under each MMU mode
 *   vmlab bench [options]        guest MIPS under the monitor vs the bare core
 *   vmlab draw PICTURE TRACE ..  a trace as SVG (monitor/draw/)
 *   vmlab report [options]       the HTML lab report (monitor/draw/)
 *   vmlab place [options]        VMs onto nodes: the lecture's bin packing
 *   vmlab migrate [options]      live migration of a running guest (monitor/cloud/)
 *   vmlab grade LAB SUBMISSION   score a programming lab submission (monitor/grade/)
 *   vmlab lab export|new|check   instructor tools for labs
 *
 * Bad input: one line on stderr naming the problem, exit status 2.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/cloud/migrate.h"
#include "monitor/cloud/place.h"
#include "monitor/console/console.h"
#include "monitor/draw/draw.h"
#include "monitor/grade/grade.h"
#include "monitor/tools/tools.h"

static void usage(FILE *f)
{
	fputs("usage: vmlab <command> [options]\n"
	      "\n"
	      "Commands:\n"
	      "  run         boot a guest kernel under the monitor (trap and emulate, shadow paging)\n"
	      "  console     drive a VM step by step: step, until, tlb, pt, translate, trace, ...\n"
	      "  record      a console session into a file (options, images' hashes, commands)\n"
	      "  replay      run a recorded console session again: the same transcript\n"
	      "  trace-diff  compare two traces event by event\n"
	      "  compare     run one workload under each MMU mode, side by side\n"
	      "  bench       guest MIPS under the monitor against the bare core\n"
	      "  draw        a trace as a picture (SVG): sequence diagram, page-table walk, TLB grid\n"
	      "  report      one HTML page: summary, compare's table as bars, the pictures\n"
	      "  place       place VMs onto nodes (bin packing: exact optimum and heuristics), rebalance\n"
	      "  migrate     live migration of a running guest: pre-copy rounds, stop and copy\n"
	      "  grade       score a lab submission (or a folder of them) in a sandbox\n"
	      "  lab         lab tools: export a student copy, scaffold, check a lab\n"
	      "\n"
	      "  vmlab <command> --help   options of one command\n"
	      "  vmlab --version\n"
	      "\n"
	      "Exit status (vmlab run):\n"
	      "  0          the guest halted with interrupts off (hlt, IF=0)\n"
	      "  2N+1       the guest wrote N to the debug-exit port 0xf4\n"
	      "  1          any other stop (explained on stderr: fault, --max-insns, --max-output, ...)\n"
	      "             or a file that cannot be loaded (or an output file whose writing failed)\n"
	      "  2          bad command line, or an output path (--trace, --stats-json, --save-at,\n"
	      "             serial=, record FILE) that cannot be written: one line on stderr naming\n"
	      "             it, before the run\n"
	      "  130, 143   interrupted by SIGINT, SIGTERM (summary printed, trace closed)\n"
	      "  trace-diff: 0 equal, 1 different, 2 bad input, 3 made with other options\n"
	      "             (--require-same-options)\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("vmlab %s\n", mon_version());
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return mon_run_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "console"))
		return con_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "record"))
		return con_record_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return con_replay_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "trace-diff"))
		return mon_tracediff_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return mon_modes_compare_main(argc - 1, argv + 1); /* tools/compare.c */
	if (!strcmp(cmd, "draw"))
		return draw_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return report_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "place"))
		return place_main(argc - 1, argv + 1); /* monitor/cloud/place_cli.c */
	if (!strcmp(cmd, "migrate"))
		return migrate_main(argc - 1, argv + 1); /* monitor/cloud/migrate_cli.c */
	if (!strcmp(cmd, "bench"))
		return mon_bench_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "grade"))
		return grade_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "lab"))
		return grade_lab_main(argc - 1, argv + 1);
	fprintf(stderr, "vmlab: unknown command '%s' (try vmlab --help)\n", cmd);
	return 2;
}
