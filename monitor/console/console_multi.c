/*
 * monitor/console/console_multi.c — a console over several VMs on one host
 * (`vmlab console --vm SPEC --vm SPEC ...`; docs/multi-vm.md).
 *
 * The host, its scheduler and VMs are made by monitor/tools/multihost.c, as
 * for `vmlab run --vm`. The session's vm is the selected VM: inspection
 * commands (regs, x, translate, tlb, backtrace, draw, ...) show it, with its
 * own symbols (each VM may run another kernel). Run commands step the host:
 * mon_sched_step runs the VM whose slice is in progress, so the console
 * sees exactly the schedule `vmlab run` has; the VM that ran becomes the
 * selected one, so a stop shows the VM it happened in. Each VM's serial
 * output goes to the console a line at a time behind its name ("a| "); a
 * line another VM interrupts is ended first and goes on behind a new "a| ".
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/tools/multivm.h"

/* One VM's serial output on the console. */
struct serial_view {
	struct con_multi *m;
	unsigned index;
};

struct con_multi {
	struct con_session *s;
	struct tool_multi_host h;
	struct tool_vmspec *spec;          /* the VMs' specs (their configs point into them) */
	unsigned nspec;
	unsigned sel;                      /* the selected VM's index */
	struct con_symtab syms[MON_HOST_VMS_MAX]; /* the others' symbols (the selected VM's are s->syms) */
	struct serial_view serial[MON_HOST_VMS_MAX];
	int open;                          /* the VM whose serial line is open on the console, or -1 */
};

static void serial_out(void *ctx, const char *text, size_t len)
{
	const struct serial_view *w = ctx;
	struct con_multi *m = w->m;
	FILE *f = m->s->out;
	for (size_t i = 0; i < len; i++) {
		if (m->open != (int)w->index) {
			if (m->open >= 0)
				fputc('\n', f);
			fprintf(f, "%s| ", mon_vm_name(m->h.vm[w->index]));
			m->open = (int)w->index;
		}
		fputc(text[i], f);
		if (text[i] == '\n')
			m->open = -1;
	}
	if (memchr(text, '\n', len))
		fflush(f);
}

void con_multi_serial_eol(struct con_session *s)
{
	if (s->multi && s->multi->open >= 0) {
		fputc('\n', s->out);
		s->multi->open = -1;
	}
}

static unsigned index_of(const struct con_multi *m, const struct vm *vm)
{
	for (unsigned i = 0; i < m->h.n; i++)
		if (m->h.vm[i] == vm)
			return i;
	return 0;
}

void con_multi_select(struct con_session *s, struct vm *vm)
{
	struct con_multi *m = s->multi;
	if (!m || vm == s->vm)
		return;
	unsigned i = index_of(m, vm);
	m->syms[m->sel] = s->syms;
	s->syms = m->syms[i];
	memset(&m->syms[i], 0, sizeof m->syms[i]);
	m->sel = i;
	s->vm = vm;
}

int con_multi_attach(struct con_session *s, struct tool_multi_host *h, struct tool_vmspec *v, unsigned n,
		     char *err, size_t errlen)
{
	struct con_multi *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		tool_multi_host_destroy(h);
		for (unsigned i = 0; i < n; i++)
			tool_vmspec_free(&v[i]);
		free(v);
		return -1;
	}
	m->s = s;
	m->h = *h;
	memset(h, 0, sizeof *h);
	m->spec = v;
	m->nspec = n;
	m->open = -1;
	s->multi = m;
	s->vm = m->h.vm[0];
	for (unsigned i = 0; i < m->h.n; i++) {
		struct vm *vm = m->h.vm[i];
		m->serial[i] = (struct serial_view){m, i};
		con_session_watch_vm(s, vm);
		mon_vm_set_serial_sink(vm, serial_out, &m->serial[i]);
		con_multi_select(s, vm);
		const struct mon_config *c = &v[i].cfg;
		con_session_load_symbols(s, c->kernel, c->modules, c->nmodules);
	}
	con_multi_select(s, m->h.vm[0]);
	con_record_broken(s->record, "it runs several VMs (--vm): vmlab replay runs one");
	return 0;
}

void con_multi_free(struct con_session *s)
{
	struct con_multi *m = s->multi;
	if (!m)
		return;
	m->syms[m->sel] = s->syms;
	memset(&s->syms, 0, sizeof s->syms);
	for (unsigned i = 0; i < m->h.n; i++)
		con_symtab_free(&m->syms[i]);
	tool_multi_host_destroy(&m->h);
	for (unsigned i = 0; i < m->nspec; i++)
		tool_vmspec_free(&m->spec[i]);
	free(m->spec);
	free(m);
	s->multi = NULL;
	s->vm = NULL;
}

const struct mon_sched *con_multi_sched(const struct con_session *s)
{
	return s->multi ? s->multi->h.sched : NULL;
}

unsigned con_session_nvms(const struct con_session *s)
{
	return s->multi ? s->multi->h.n : 1;
}

struct vm *con_session_vm(const struct con_session *s, unsigned i)
{
	return s->multi ? s->multi->h.vm[i] : s->vm;
}

enum mon_state con_host_step(struct con_session *s, enum mon_step_kind kind, bool *slice_end)
{
	*slice_end = false;
	if (!s->multi)
		return mon_vm_step(s->vm, kind);
	struct vm *ran;
	enum mon_state st = mon_sched_step(s->multi->h.sched, kind, &ran, slice_end);
	if (ran)
		con_multi_select(s, ran);
	return st;
}

uint64_t con_host_icount(const struct con_session *s)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < con_session_nvms(s); i++)
		sum += mon_vm_icount(con_session_vm(s, i));
	return sum;
}

bool con_all_stopped(const struct con_session *s)
{
	if (s->multi)
		return !mon_sched_current(s->multi->h.sched);
	return mon_vm_stop(s->vm)->reason != MON_STOP_NONE;
}

void con_run_mark(struct con_session *s)
{
	for (unsigned i = 0; i < con_session_nvms(s); i++)
		s->run_start[i] = mon_vm_icount(con_session_vm(s, i));
}

bool con_vm_unmoved(const struct con_session *s)
{
	unsigned i = s->multi ? s->multi->sel : 0;
	return mon_vm_icount(s->vm) == s->run_start[i];
}

const char *con_vm_tag(const struct con_session *s, const struct vm *vm, char *buf, size_t len)
{
	if (s->multi)
		snprintf(buf, len, " (vm %s)", mon_vm_name(vm));
	else if (len)
		buf[0] = 0;
	return buf;
}

const char *con_vm_prefix(const struct con_session *s, char *buf, size_t len)
{
	if (s->multi)
		snprintf(buf, len, "[%s] ", mon_vm_name(s->vm));
	else if (len)
		buf[0] = 0;
	return buf;
}

void con_multi_switched(struct con_session *s)
{
	struct con_multi *m = s->multi;
	struct vm *ran = s->vm, *next = mon_sched_current(m->h.sched);
	fprintf(s->out, "vm-switch: %s's slice ended at its icount %llu (%llu world switches so far); ", mon_vm_name(ran),
		(unsigned long long)mon_vm_icount(ran), (unsigned long long)mon_host_switches(m->h.host));
	if (!next) {
		fprintf(s->out, "every VM has stopped\n");
		return;
	}
	fprintf(s->out, "%s runs next%s\n", mon_vm_name(next), next == ran ? " (the only one left)" : "");
	con_multi_select(s, next);
}

const char *con_prompt(const struct con_session *s, char *buf, size_t len)
{
	if (s->multi)
		snprintf(buf, len, "(vmlab %s) ", mon_vm_name(s->vm));
	else
		snprintf(buf, len, "%s", CON_PROMPT);
	return buf;
}
