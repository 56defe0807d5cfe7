/*
 * monitor/console/console_cmds_misc.c — stats, trace, help, quit, the
 * dispatcher from a parsed command to its group, and one line of batch mode.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

static int cmd_trace(struct con_session *s, const struct con_cmd *c)
{
	uint64_t n = c->has_n ? c->n : 10;
	uint64_t have = s->nevents < CON_RING ? s->nevents : CON_RING;
	if (n > have)
		n = have;
	if (!n) {
		fprintf(s->out, "no trace events yet\n");
		return 0;
	}
	for (uint64_t i = s->nevents - n; i < s->nevents; i++) {
		char line[512];
		mon_event_format(&s->ring[i % CON_RING], MON_TRACE_TEXT, line, sizeof line);
		fprintf(s->out, "%s\n", line);
	}
	return 0;
}

static int cmd_help(struct con_session *s, const struct con_cmd *c)
{
	if (c->topic[0]) {
		for (size_t i = 0; con_cmd_at(i); i++) {
			const struct con_cmd_info *ci = con_cmd_at(i);
			if (strcmp(ci->name, c->topic))
				continue;
			fprintf(s->out, "%s\n  %s\n", ci->usage, ci->help);
			if (ci->aliases[0])
				fprintf(s->out, "  also: %s (and any unambiguous prefix)\n", ci->aliases);
			if (ci->id == CON_STEPI || ci->id == CON_NEXT_EXIT)
				fprintf(s->out, "  A TLB miss (shadow mode) really pauses in the monitor between phases:\n"
						"  miss -> lookup -> walk (one entry per stepi) -> pmap -> install -> retry;\n"
						"  tlb/pt/shadow/regs show the state of that moment. Other exits are\n"
						"  handled in one go: their phases are replayed from the trace, and\n"
						"  registers/TLB already show the state after the whole exit.\n");
			if (ci->id >= CON_REVERSE_STEPI && ci->id <= CON_REVERSE_UNTIL)
				fprintf(s->out, "  Going back re-runs the guest from the checkpoint before (docs/reverse.md):\n"
						"  the console then shows what the forward command showed there. Options:\n"
						"  --snapshot-every N (instructions), --snapshot-budget SIZE; info snapshots.\n");
			if (ci->id == CON_X)
				fprintf(s->out, "  e.g. x/4gx $rsp, x/s 0x402000, x/8i main, x/16xb main+4\n");
			con_help_multi(s, ci->id);
			return 0;
		}
	}
	fprintf(s->out, "Commands (any unambiguous prefix works; addresses take numbers, symbols,\n"
			"prog:symbol, $registers and + -):\n");
	for (size_t i = 0; con_cmd_at(i); i++) {
		const struct con_cmd_info *ci = con_cmd_at(i);
		fprintf(s->out, "  %-28s %s\n", ci->usage, ci->help);
	}
	return 0;
}

static int cmd_stats(struct con_session *s)
{
	mon_print_summary(s->vm, s->out);
	return 0;
}

/* Inspection in the middle of a replayed exit (not a paused TLB miss, which
 * shows the live state) shows the state after the whole exit. */
static void phase_note(struct con_session *s, const struct con_cmd *c)
{
	static const enum con_cmd_id inspect[] = {CON_REGS, CON_TLB, CON_PT, CON_SHADOW, CON_TRANSLATE,
						  CON_X, CON_XP, CON_XM, CON_BACKTRACE};
	if (!s->in_phases)
		return;
	for (size_t i = 0; i < sizeof inspect / sizeof inspect[0]; i++)
		if (c->id == inspect[i] || (c->id == CON_INFO && !strcmp(c->topic, "registers"))) {
			fprintf(s->out, "(phase %llu/%llu: the state shown is the one after the whole exit or hardware refill)\n",
				(unsigned long long)(s->phase_cur - s->phase_first + 1),
				(unsigned long long)(s->phase_end - s->phase_first));
			return;
		}
}

int con_exec(struct con_session *s, const struct con_cmd *c)
{
	phase_note(s, c);
	switch (c->id) {
	case CON_STEP: case CON_STEPI: case CON_NEXT_EXIT: case CON_UNTIL: case CON_CONTINUE:
	case CON_FINISH:
		con_draw_before_step(s);
		return con_cmd_run(s, c);
	case CON_REVERSE_STEPI: case CON_REVERSE_STEP: case CON_REVERSE_CONTINUE: case CON_REVERSE_UNTIL:
		if (c->id == CON_REVERSE_UNTIL && c->until == CON_UNTIL_VM_SWITCH)
			return con_error(s, "reverse-until vm-switch: going back is for one VM (not with --vm)");
		con_draw_before_step(s);
		return con_cmd_reverse(s, c);
	case CON_BREAK: case CON_TBREAK: case CON_WATCH: case CON_DELETE: case CON_INFO:
		return con_cmd_bp(s, c);
	case CON_REGS: case CON_X: case CON_XP: case CON_XM: case CON_DISAS: case CON_BACKTRACE:
		return con_cmd_inspect(s, c);
	case CON_TLB: case CON_PT: case CON_SHADOW: case CON_TRANSLATE:
		return con_cmd_mmu(s, c);
	case CON_STATS:
		return cmd_stats(s);
	case CON_VM:
		return con_cmd_vm(s, c);
	case CON_TRACE:
		return cmd_trace(s, c);
	case CON_DRAW:
		return con_cmd_draw(s, c);
	case CON_RECORD:
		return con_cmd_record(s, c);
	case CON_GDB_LISTEN:
		if (s->multi)
			return con_error(s, "gdb-listen: this console runs several VMs (gdb is served for one: vmlab run --gdb)");
		return con_cmd_gdb_listen(s, c);
	case CON_HELP:
		return cmd_help(s, c);
	case CON_QUIT:
		s->quit = true;
		return 0;
	case CON_NCMDS:
		break;
	}
	return con_error(s, "internal: unknown command id");
}

int con_exec_line(struct con_session *s, const char *line)
{
	struct con_cmd c;
	char err[256];
	struct con_resolver r = con_session_resolver(s);
	int rc = con_parse(line, &r, &c, err, sizeof err);
	if (rc <= 0 || c.id != CON_RECORD) /* every line but `record` itself */
		con_record_note(s, line);
	if (rc < 0)
		return con_error(s, "%s", err);
	if (rc == 0)
		return 0;
	rc = con_exec(s, &c);
	fflush(s->out);
	return rc;
}

void con_batch_line(struct con_session *s, const char *line)
{
	const char *p = line + strspn(line, " \t");
	if (!*p)
		return;
	char prompt[MON_VM_NAME_MAX + 16];
	fputs(con_prompt(s, prompt, sizeof prompt), s->out);
	con_put_text(s->out, p);
	fputc('\n', s->out);
	con_exec_line(s, p);
	fflush(s->out);
}
