/*
 * monitor/console/console_cmds_run.c — the commands that move the guest: step, stepi,
 * next-exit, until, continue, finish.
 */
#include <string.h>

#include "monitor/console/console.h"

/* stepi: the next phase of the exit being shown (a paused TLB miss: really run
 * it), else one instruction (or one exit). */
static int cmd_stepi(struct con_session *s)
{
	if (con_phase_next(s))
		return 0;
	struct con_goal g = {.insns = 1, .any_event = true};
	return con_run(s, &g);
}

/*
 * finish: leave the current round trip. Inside a shown exit: its remaining
 * phases (a paused TLB miss: run them). Inside the guest kernel after a
 * reflection (true fault, syscall, interrupt from user mode): run until the
 * guest is back in user mode.
 */
static int cmd_finish(struct con_session *s)
{
	struct mon_miss m;
	if (s->in_phases || mon_vm_miss(s->vm, &m)) {
		con_phase_flush(s);
		con_miss_flush(s);
		if (mon_vm_stop(s->vm)->reason != MON_STOP_NONE)
			fprintf(s->out, "the VM has stopped: %s\n", mon_vm_stop(s->vm)->message);
		else
			con_print_where(s);
		return 0;
	}
	if (mon_vm_vcpu(s->vm)->cpl == 3 || !mon_vm_in_round_trip(s->vm))
		return con_error(s, "finish: not inside a round trip (%s, no exit being shown)",
				 mon_vm_vcpu(s->vm)->cpl == 3 ? "guest user mode" : "guest kernel not entered from user mode");
	struct con_goal g = {.to_user = true};
	return con_run(s, &g);
}

int con_cmd_run(struct con_session *s, const struct con_cmd *c)
{
	struct con_goal g = {0};
	switch (c->id) {
	case CON_STEP:
		g.insns = c->has_n ? c->n : 1;
		g.print_events = true;
		return con_run(s, &g);
	case CON_STEPI:
		return cmd_stepi(s);
	case CON_NEXT_EXIT:
		g.any_event = true;
		return con_run(s, &g);
	case CON_UNTIL:
		g.vm_switch = c->until == CON_UNTIL_VM_SWITCH;
		g.until = !g.vm_switch;
		g.what = c->until;
		return con_run(s, &g);
	case CON_CONTINUE:
		return con_run(s, &g);
	case CON_FINISH:
		return cmd_finish(s);
	default:
		return con_error(s, "internal: not a run command");
	}
}
