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

#include <stdbool.h>
#include <stddef.h>

int con_main(int argc, char **argv);
int mon_tracediff_main(int argc, char **argv);

/* ---- trace events (monitor/console_traceparse.c): one trace line as fields.
 * A text line `[  1042] vm0 app:hello  TLB miss VA 0x401000 (read)  -> VMM`
 * gives icount="1042", vm="vm0", who="app:hello", event="TLB miss VA 0x401000
 * (read) -> VMM" (runs of blanks collapsed). A JSONL line gives one field per
 * top-level key; string values decoded, other values in compact JSON text. */
struct con_field {
	char *key;
	char *val;
};
struct con_event {
	struct con_field *f;
	size_t nf, cap;
};

/* Parse one line (no newline) into ev (cleared first). Return 0, or -1 with a
 * short reason in err (e.g. "missing ']' after the instruction count"). */
int con_event_parse_text(struct con_event *ev, const char *line, char *err, size_t errlen);
int con_event_parse_json(struct con_event *ev, const char *line, char *err, size_t errlen);
/* The value of field key, or NULL. */
const char *con_event_get(const struct con_event *ev, const char *key);
void con_event_free(struct con_event *ev);

#endif
