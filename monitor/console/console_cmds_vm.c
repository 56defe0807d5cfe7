/*
 * monitor/console/console_cmds_vm.c — the vm command: `vm` (the selected
 * VM), and with several VMs on one host (vmlab console --vm ...) `vm list`
 * (every VM: state, instructions, exits, share) and `vm select NAME`
 * (inspection commands show that VM from then on); `help vm` explains how
 * the console runs several VMs.
 */
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/vmm/sched.h"

#define ONE_VM "this console runs one VM (vmlab console --vm SPEC --vm SPEC ... runs several)"

/* `vm`: the selected VM. */
static int vm_show(struct con_session *s)
{
	const struct mon_stop *st = mon_vm_stop(s->vm);
	const struct mon_vcpu *v = mon_vm_vcpu(s->vm);
	fprintf(s->out, "vm%u", mon_vm_id(s->vm));
	if (s->multi)
		fprintf(s->out, " (%s)", mon_vm_name(s->vm));
	fprintf(s->out, ": %s", st->reason == MON_STOP_NONE ? "running" : "stopped");
	if (st->reason != MON_STOP_NONE)
		fprintf(s->out, " (%s; exit status %d)", st->message, st->status);
	fprintf(s->out, "\n  who %s, vCPL %u, virtual IF %s, icount %llu, CR3 0x%llx\n", mon_vm_who(s->vm),
		v->cpl, v->iflag ? "on" : "off", (unsigned long long)mon_vm_icount(s->vm),
		(unsigned long long)v->cr3);
	fprintf(s->out, "  %llu trace events seen, %zu symbols loaded\n", (unsigned long long)s->nevents,
		s->syms.n);
	return 0;
}

/* `vm list`: one row per VM, '*' on the selected one. */
static int vm_list(struct con_session *s)
{
	const struct mon_sched *sc = con_multi_sched(s);
	const struct vm *cur = mon_sched_current(sc);
	unsigned shares = 0;
	for (unsigned i = 0; i < mon_sched_nvms(sc); i++)
		shares += mon_sched_vm(sc, i)->share;
	fprintf(s->out, "%u VMs on one host, %llu world switches; %s %s\n", mon_sched_nvms(sc),
		(unsigned long long)mon_host_switches(mon_vm_host(s->vm)), cur ? mon_vm_name(cur) : "none",
		!cur ? "runs (every VM has stopped)" : mon_sched_in_slice(sc) ? "is in its slice" : "runs next");
	fprintf(s->out, "%s  %-4s %-10s %-16s %12s %8s %6s %7s %6s %8s%s\n", con_color_on(s->color, CON_C_HEAD), "vm",
		"name", "state", "icount", "exits", "slices", "share", "asked", "received", con_color_off(s->color));
	for (unsigned i = 0; i < mon_sched_nvms(sc); i++) {
		const struct mon_sched_vm *e = mon_sched_vm(sc, i);
		const struct mon_stop *st = mon_vm_stop(e->vm);
		char id[12], state[40], share[24], asked[16] = "-", got[16] = "-";
		snprintf(id, sizeof id, "vm%u", mon_vm_id(e->vm));
		if (st->reason == MON_STOP_NONE)
			snprintf(state, sizeof state, "running");
		else
			snprintf(state, sizeof state, "stopped: %s", mon_stop_name(st->reason));
		snprintf(share, sizeof share, "%u/%u", e->share, shares);
		if (e->fair_time) { /* it ran in a round that counts for the shares */
			snprintf(asked, sizeof asked, "%.1f%%", mon_sched_share_asked(sc, i));
			snprintf(got, sizeof got, "%.1f%%", mon_sched_share_received(sc, i));
		}
		fprintf(s->out, "%c %-4s %-10s %-16s %12llu %8llu %6llu %7s %6s %8s\n", e->vm == s->vm ? '*' : ' ', id,
			mon_vm_name(e->vm), state, (unsigned long long)mon_vm_icount(e->vm),
			(unsigned long long)mon_stats_exits(mon_vm_stats(e->vm)), (unsigned long long)e->slices, share,
			asked, got);
	}
	return 0;
}

/* `vm select NAME`: NAME, or vmN by id. */
static int vm_select(struct con_session *s, const char *name)
{
	struct host *h = mon_vm_host(s->vm);
	struct vm *vm = mon_host_vm_named(h, name);
	for (unsigned i = 0; !vm && i < con_session_nvms(s); i++) {
		char id[12];
		snprintf(id, sizeof id, "vm%u", mon_vm_id(con_session_vm(s, i)));
		if (!strcmp(id, name))
			vm = con_session_vm(s, i);
	}
	if (!vm) {
		char names[MON_HOST_VMS_MAX * (MON_VM_NAME_MAX + 2)] = "";
		for (unsigned i = 0; i < con_session_nvms(s); i++)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
				 mon_vm_name(con_session_vm(s, i)));
		return con_error(s, "vm select: no VM '%s' (the VMs: %s)", name, names);
	}
	con_phase_flush(s); /* the exit being shown was the other VM's */
	con_multi_select(s, vm);
	fprintf(s->out, "selected vm%u (%s)\n", mon_vm_id(vm), mon_vm_name(vm));
	con_print_where(s);
	return 0;
}

int con_cmd_vm(struct con_session *s, const struct con_cmd *c)
{
	if (!c->topic[0])
		return vm_show(s);
	if (!s->multi)
		return con_error(s, "vm %s: %s", c->topic, ONE_VM);
	if (!strcmp(c->topic, "list"))
		return vm_list(s);
	return vm_select(s, c->expr);
}

void con_help_multi(struct con_session *s, enum con_cmd_id id)
{
	if (id == CON_UNTIL && s->multi)
		fprintf(s->out, "  with several VMs also vm-switch: the end of the running VM's slice\n");
	if (id != CON_VM)
		return;
	fprintf(s->out, "  Several VMs on one host (vmlab console --vm SPEC --vm SPEC ...):\n"
			"  vm list shows them (* the selected one), vm select NAME picks the one\n"
			"  regs, x, xp, xm, disas, translate, tlb, pt, shadow, backtrace, stats, draw\n"
			"  and break/watch act on (the prompt names it). step, stepi, next-exit,\n"
			"  until, continue and finish run the host: its scheduler gives each VM\n"
			"  its slice in turn, as vmlab run --vm does, and the VM that ran when the\n"
			"  command stopped becomes the selected one (stepi: one instruction of the\n"
			"  VM whose slice it is; step N: N instructions of the host). until\n"
			"  vm-switch stops where a slice ends and selects the VM that runs next.\n"
			"  A breakpoint stops only its VM (the one selected when it was set).\n"
			"  %s\n",
		s->multi ? "Reverse execution, record and gdb-listen are for one VM." : ONE_VM);
}
