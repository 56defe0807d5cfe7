/*
 * monitor/tools/multihost.c — what `vmlab run --vm` and `vmlab console --vm`
 * share: the multi-VM options of the command line, and the host made of the
 * VMs' specs (one machine, a scheduler, the VMs added in spec order).
 */
#include <string.h>

#include "monitor/tools/multivm.h"

void tool_multi_args_init(struct tool_multi_args *m)
{
	memset(m, 0, sizeof *m);
	m->opts.slice = MON_SCHED_SLICE_DEFAULT;
}

int tool_multi_option(struct tool_multi_args *m, int argc, char **argv, int *i, char *err, size_t errlen)
{
	const char *a = argv[*i];
	if (!strcmp(a, "--tlb-flush-on-vm-switch")) {
		m->opts.flush_on_switch = true;
		m->opt = a;
		return 1;
	}
	bool vm = !strcmp(a, "--vm"), file = !strcmp(a, "--vm-file"), slice = !strcmp(a, "--vm-slice");
	if (!vm && !file && !slice)
		return 0;
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "%s needs %s", a, vm ? "a VM spec (KEY=VALUE,...)" : file ? "a file" : "a number");
		return -1;
	}
	char *v = argv[++*i];
	if (vm) {
		if (m->nvm == MON_HOST_VMS_MAX) {
			snprintf(err, errlen, "more than %u VMs", MON_HOST_VMS_MAX);
			return -1;
		}
		m->spec[m->nvm++] = v;
	} else if (file) {
		m->file = v;
	} else {
		if (!mon_parse_u64(v, &m->opts.slice) || !m->opts.slice) {
			snprintf(err, errlen, "bad --vm-slice '%s' (instructions per share unit, at least 1)", v);
			return -1;
		}
		m->opt = a;
	}
	return 1;
}

const char *tool_multi_refused(const struct mon_config *cfg)
{
	return cfg->bare_core ? "--bare-core" : NULL;
}

int tool_multi_host_create(struct tool_multi_host *m, const struct mon_config *base, const struct tool_vmspec *v,
			   unsigned n, const struct tool_multi_opts *o, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	struct mon_host_config hc;
	mon_host_config_from(&hc, base);
	uint64_t guest = 0, tables = 0; /* every VM's guest memory, and its shadow-table pool */
	for (unsigned i = 0; i < n; i++) {
		guest += v[i].cfg.mem_size;
		tables += mon_vm_machine_bytes(&v[i].cfg) - v[i].cfg.mem_size;
	}
	hc.ram_size = guest + tables;
	if (base->machine_mem && base->machine_mem < guest) { /* overcommitted: one RAM smaller than the VMs' */
		hc.ram_size = base->machine_mem + tables;
		hc.guest_frames = base->machine_mem >> 12;
	}
	hc.tlb_flush_on_switch = o->flush_on_switch;
	if (!(m->host = mon_host_create(&hc, err, errlen)) ||
	    !(m->sched = mon_sched_create(m->host, o->slice, err, errlen)))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct mon_config c = v[i].cfg;
		if (base->trace_file && c.trace_file == base->trace_file)
			c.trace_file = NULL; /* the run's one trace of every VM is the front end's */
		char why[MON_ERR_MAX];
		struct vm *vm = mon_vm_load_on(m->host, &c, why, sizeof why);
		if (!vm) {
			snprintf(err, errlen, "%s: %s", v[i].where, why);
			return -1;
		}
		m->vm[m->n++] = vm;
		if (mon_sched_add(m->sched, vm, v[i].share, err, errlen))
			return -1;
	}
	return 0;
}

void tool_multi_host_destroy(struct tool_multi_host *m)
{
	mon_sched_destroy(m->sched);
	for (unsigned i = 0; i < m->n; i++)
		mon_vm_destroy(m->vm[i]);
	mon_host_destroy(m->host);
	memset(m, 0, sizeof *m);
}
