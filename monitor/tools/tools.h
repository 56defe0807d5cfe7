/*
 * monitor/tools/tools.h — the command-line front ends' subcommands, which
 * monitor/tools/main.c dispatches. They use only the VMM's public API
 * (monitor/vmm/monitor.h).
 */
#ifndef VMLAB_MONITOR_TOOLS_H
#define VMLAB_MONITOR_TOOLS_H

#include "monitor/vmm/monitor.h"


int mon_run_main(int argc, char **argv);           /* vmlab run (run.c) */
int mon_bench_main(int argc, char **argv);         /* vmlab bench (run.c) */
/* interrupt.c: SIGINT/SIGTERM recorded for the run loop to poll (0: none yet). */
void tool_catch_interrupts(void);
int tool_interrupted(void);
/* run.c: "vmlab: vmN stopped: why" on stderr, and the last trace events unless it halted. */
void tool_report_stop(struct vm *vm);
/* image_paths.c: the default guest images, found beside the program (see there). */
#define TOOL_IMAGE_CANDIDATES 3
unsigned tool_image_candidates(const char *rel, char out[][MON_PATH_MAX], unsigned max);
void tool_default_image(const char *rel, char *buf); /* buf: MON_PATH_MAX bytes */
void tool_image_tried(const char *rel, char *buf, size_t len); /* "A, B, C" */
#define TOOL_KERNEL_REL "guestos/kernel.elf"
#define TOOL_INITRD_REL "guestos/initrd.pack"
#define MON_BENCH_MAX_RUNS 99                      /* vmlab bench --repeat N: at most this many */
int mon_modes_compare_main(int argc, char **argv); /* vmlab compare (compare.c) */

#endif
