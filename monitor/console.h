/*
 * monitor/console.h — the student console (`vmlab console`) and the trace
 * comparer (`vmlab trace-diff`).
 *
 * The CLI (monitor/main.c) dispatches:
 *   vmlab console [run options] [--script FILE] [--no-color]  -> con_main()
 *   vmlab trace-diff EXPECTED ACTUAL [--ignore F]... [--context N] -> mon_tracediff_main()
 * argv[0] is the subcommand name ("console" / "trace-diff"); options follow.
 *
 * Exit statuses: 0 success / traces equal, 1 traces differ (trace-diff) or the
 * session ended on an error, 2 bad command-line input (one line on stderr).
 */
#ifndef VMLAB_MONITOR_CONSOLE_H
#define VMLAB_MONITOR_CONSOLE_H

int con_main(int argc, char **argv);
int mon_tracediff_main(int argc, char **argv);

#endif
