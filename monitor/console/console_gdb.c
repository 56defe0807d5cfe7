/*
 * monitor/console/console_gdb.c — gdb attached to a console session: the
 * console command `gdb-listen PORT` and `vmlab run --gdb PORT` serve the
 * gdb stub (monitor/gdb/) with the console behind it, which gives gdb
 * reverse execution (bc/bs go back with the console's checkpoints and
 * re-execution, console_reverse.c) and `monitor` commands that run on the
 * same session. While gdb is attached the console waits; gdb's breakpoints
 * and watchpoints replace the console's in the VMM until it detaches.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/gdb/gdb.h"

static int hook_reverse(void *ctx, bool cont)
{
	return con_reverse_gdb(ctx, cont);
}

static void hook_tick(void *ctx)
{
	con_reverse_poll(ctx);
}

/* `monitor CMD`: the console command with its output (and the guest's, for until) in out. */
static void hook_monitor(void *ctx, const char *cmd, FILE *out)
{
	struct con_session *s = ctx;
	FILE *saved = s->out;
	bool color = s->color;
	s->out = out;
	s->color = false;
	mon_vm_set_serial_echo(s->vm, out);
	con_exec_line(s, cmd);
	con_phase_flush(s);
	con_miss_flush(s);
	mon_vm_set_miss_phases(s->vm, false);
	s->out = saved;
	s->color = color;
	mon_vm_set_serial_echo(s->vm, saved);
}

int con_gdb_serve(struct con_session *s, unsigned port, FILE *log, char *err, size_t errlen)
{
	con_record_broken(s->record, "gdb was attached (its packets are not recorded)");
	/* gdb sees instruction boundaries: finish the exit the console is showing */
	con_phase_flush(s);
	con_miss_flush(s);
	mon_vm_set_miss_phases(s->vm, false);
	/* gdb starts with no breakpoints or watchpoints of its own */
	mon_vm_break_set(s->vm, NULL, 0, err, errlen);
	mon_vm_watch_set(s->vm, NULL, 0, err, errlen);
	struct gdb_hooks h = {s->rev.null ? hook_reverse : NULL, hook_tick, hook_monitor, s};
	int rc = gdb_serve(s->vm, port, log, s->out, &h, err, errlen);
	mon_vm_pause_at(s->vm, UINT64_MAX);
	con_bp_sync(s); /* the console's own breakpoints and watchpoints again */
	return rc;
}

int con_cmd_gdb_listen(struct con_session *s, const struct con_cmd *c)
{
	char err[MON_ERR_MAX];
	if (!s->gdb_ok)
		return con_error(s, "gdb-listen: this front end cannot serve gdb (use vmlab console)");
	fflush(s->out);
	int rc = con_gdb_serve(s, (unsigned)c->n, s->out, err, sizeof err);
	if (rc < 0)
		return con_error(s, "%s", err);
	con_serial_eol(s);
	con_print_where(s);
	return 0;
}

int con_gdb_serve_vm(struct vm *vm, unsigned port, FILE *log, FILE *echo, char *err, size_t errlen)
{
	struct con_session *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	con_session_init(s, vm, echo, false);
	char why[MON_ERR_MAX];
	if (con_reverse_init(s, CON_SNAPSHOT_EVERY, CON_SNAPSHOT_BUDGET, why, sizeof why) && log)
		fprintf(log, "gdb: reverse execution is off: %s\n", why);
	int rc = con_gdb_serve(s, port, log, err, errlen);
	con_session_free(s);
	free(s);
	mon_vm_set_serial_echo(vm, echo);
	return rc;
}
