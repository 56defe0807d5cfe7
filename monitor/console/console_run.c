/*
 * monitor/console/console_run.c — the console session: the event sink, running the
 * VM towards a goal (n instructions, the next exit, an `until` event, back to
 * user mode, a breakpoint), Ctrl-C, and phase-by-phase display of an exit.
 * Breakpoints and watchpoints are the VMM's: `continue` runs whole slices and
 * the VM pauses at them by itself.
 *
 * A TLB miss in shadow mode is really stepped: while the goal can stop at an
 * event, the console turns the monitor's phase steps on
 * (mon_vm_set_miss_phases), so the monitor pauses after the miss reaches the
 * VMM (the hardware walk of the shadow table faulted) and each `stepi` runs
 * one phase (lookup, one walk entry, pmap, shadow entry, retry / #PF
 * injection); `tlb`, `pt`, `shadow`, `regs` in between show the state of that
 * moment. A miss the hardware walk refills (no exit) is not paused in.
 * SIMPLIFICATION: every other exit (syscalls, reflections, I/O, emulated
 * instructions, misses under --mmu=swtlb|nested, hardware walks) is handled in
 * one go; its phases are replayed from the trace one per `stepi`, and state
 * inspected meanwhile is the one after the whole exit (the console says so).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

/* The event sink: remember every event except single instructions. */
static void sink(void *ctx, const struct mon_event *ev)
{
	struct con_session *s = ctx;
	if (ev->cat == MON_CAT_INSN)
		return;
	s->ring[s->nevents % CON_RING] = *ev;
	s->nevents++;
}

void con_session_init(struct con_session *s, struct vm *vm, FILE *out, bool color)
{
	memset(s, 0, sizeof *s);
	s->vm = vm;
	s->out = out;
	s->color = color;
	s->next_bp_id = 1;
	con_session_watch_vm(s, vm);
	mon_vm_set_serial_echo(vm, out);
}

void con_session_watch_vm(struct con_session *s, struct vm *vm)
{
	mon_vm_set_event_sink(vm, sink, s);
	/* Tracing single instructions runs the guest one instruction at a time
	 * (about 200x slower): the console never wants them. */
	mon_vm_set_sink_cats(vm, MON_CAT_ALL & ~(uint32_t)MON_CAT_INSN);
}

void con_session_free(struct con_session *s)
{
	con_reverse_free(s);
	con_multi_free(s);
	if (s->vm)
		mon_vm_set_event_sink(s->vm, NULL, NULL);
	con_symtab_free(&s->syms);
	free(s->tlb_before);
	s->tlb_before = NULL;
}

int con_error(struct con_session *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(s->out, "%serror: ", con_color_on(s->color, CON_C_ERR));
	con_put_text(s->out, msg); /* it may quote what was typed */
	fprintf(s->out, "%s\n", con_color_off(s->color));
	s->errors++;
	return -1;
}

static size_t read_va_cb(void *ctx, uint64_t va, void *buf, size_t len)
{
	return mon_read_va(ctx, va, buf, len);
}

/*
 * The user program of the current address space: from who ("app:hello") when
 * it names a program with symbols, else recognised by the bytes of each
 * program's main() in guest memory (the kernel may name apps by number, and
 * runs in the same address space after a reflection).
 */
const char *con_cur_prog(struct con_session *s)
{
	const char *who = mon_vm_who(s->vm);
	if (!strncmp(who, "app:", 4) && con_symtab_has_prog(&s->syms, who + 4))
		return who + 4;
	return con_symtab_identify(&s->syms, read_va_cb, s->vm);
}

const char *con_fmt_addr(struct con_session *s, uint64_t addr, char *buf, size_t len)
{
	return con_fmt_addr_prog(s, addr, con_cur_prog(s), buf, len);
}

const char *con_fmt_addr_prog(struct con_session *s, uint64_t addr, const char *prog, char *buf,
			      size_t len)
{
	char sym[160];
	con_sym_format(&s->syms, addr, prog, sym, sizeof sym);
	snprintf(buf, len, "%s0x%016llx%s%s%s%s%s", con_color_on(s->color, CON_C_ADDR),
		 (unsigned long long)addr, con_color_off(s->color), sym[0] ? " " : "",
		 con_color_on(s->color && sym[0], CON_C_SYM), sym, con_color_off(s->color && sym[0]));
	return buf;
}

/* ---- resolver: symbols and registers ---- */

static bool res_sym(void *ctx, const char *name, uint64_t *out)
{
	struct con_session *s = ctx;
	const struct con_sym *sym = con_sym_lookup(&s->syms, name, con_cur_prog(s));
	if (sym)
		*out = sym->addr;
	return sym != NULL;
}

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static bool res_reg(void *ctx, const char *name, uint64_t *out)
{
	struct con_session *s = ctx;
	const struct cpu *cpu = mon_vm_cpu(s->vm);
	const struct mon_vcpu *v = mon_vm_vcpu(s->vm);
	for (int i = 0; i < 16; i++)
		if (!strcmp(name, gpr_names[i])) {
			*out = cpu->gpr[i];
			return true;
		}
	if (!strcmp(name, "rip") || !strcmp(name, "pc"))
		*out = cpu->rip;
	else if (!strcmp(name, "sp"))
		*out = cpu->gpr[RSP];
	else if (!strcmp(name, "fp"))
		*out = cpu->gpr[RBP];
	else if (!strcmp(name, "cr2"))
		*out = v->cr2;
	else if (!strcmp(name, "cr3"))
		*out = v->cr3;
	else if (!strcmp(name, "rflags"))
		*out = mon_vm_guest_rflags(s->vm);
	else
		return false;
	return true;
}

struct con_resolver con_session_resolver(struct con_session *s)
{
	return (struct con_resolver){res_sym, res_reg, s};
}

/* ---- events and phases ---- */

static const struct mon_event *ev_at(const struct con_session *s, uint64_t idx)
{
	return &s->ring[idx % CON_RING];
}

static bool is_tlb_miss(const struct mon_event *e)
{
	return (e->kind && (!strcmp(e->kind, "tlb_miss") || !strcmp(e->kind, "miss"))) ||
	       !strncmp(e->text, "TLB miss", 8);
}

static bool is_pf_reflect(const struct mon_event *e)
{
	return e->cat == MON_CAT_FAULT && strstr(e->text, "#PF") != NULL;
}

static bool is_install(const struct mon_event *e)
{
	return (e->kind && strstr(e->kind, "install")) || strstr(e->text, "TLB install") != NULL;
}

/* How the miss at idx ended: 'h' hidden fault (the VMM filled it, the guest
 * retries), 't' true fault, 'w' refilled by a hardware walk (no exit: shadow
 * or nested), 0 unknown/other. A miss still paused in the monitor has no
 * outcome yet: its forecast answers. */
static char miss_outcome(const struct con_session *s, uint64_t idx)
{
	for (uint64_t i = idx + 1; i < s->nevents; i++) {
		const struct mon_event *e = ev_at(s, i);
		const char *k = e->kind ? e->kind : "";
		if (is_tlb_miss(e))
			return 0;
		if (is_pf_reflect(e))
			return 't';
		if (!strcmp(k, "retry"))
			return 'h';
		if (!strcmp(k, "hw_walk") || !strcmp(k, "walk2d"))
			return 'w';
		if (is_install(e)) /* swtlb: the privileged TLB write */
			return 'h';
	}
	struct mon_miss m;
	if (s->vm && mon_vm_miss(s->vm, &m))
		return m.forecast == MON_MISS_HIDDEN ? 'h' : m.forecast == MON_MISS_TRUE ? 't' : 0;
	return 0;
}

/* Is the #PF reflection at idx preceded, in the same exit, by the miss that caused it? */
static bool pf_has_miss(const struct con_session *s, uint64_t idx)
{
	uint64_t oldest = s->nevents > CON_RING ? s->nevents - CON_RING : 0;
	for (uint64_t i = idx; i > oldest && idx - i < 16; i--) {
		const struct mon_event *e = ev_at(s, i - 1);
		if (is_tlb_miss(e))
			return e->icount == ev_at(s, idx)->icount;
	}
	return false;
}

bool con_event_matches(const struct con_session *s, uint64_t idx, enum con_until u)
{
	const struct mon_event *e = ev_at(s, idx);
	const char *k = e->kind ? e->kind : "";
	switch (u) {
	case CON_UNTIL_TLB_MISS:
		return is_tlb_miss(e);
	case CON_UNTIL_EXIT:
		return true;
	case CON_UNTIL_SYSCALL:
		return !strcmp(k, "syscall");
	case CON_UNTIL_FAULT: {
		char o = is_tlb_miss(e) ? miss_outcome(s, idx) : 0;
		return o == 'h' || o == 't' || (is_pf_reflect(e) && !pf_has_miss(s, idx));
	}
	case CON_UNTIL_TRUE_FAULT:
		return (is_tlb_miss(e) && miss_outcome(s, idx) == 't') ||
		       (is_pf_reflect(e) && !pf_has_miss(s, idx));
	case CON_UNTIL_HIDDEN_FAULT:
		return is_tlb_miss(e) && miss_outcome(s, idx) == 'h';
	case CON_UNTIL_CR3:
		return !strcmp(k, "cr3");
	case CON_UNTIL_IO:
		return e->cat == MON_CAT_IO;
	case CON_UNTIL_VM_SWITCH: /* not an event: con_run watches the scheduler */
	case CON_UNTIL_COUNT:
		break;
	}
	return false;
}

static void print_event_line(struct con_session *s, const char *prefix, const struct mon_event *e)
{
	char line[512];
	mon_event_format(e, MON_TRACE_TEXT, line, sizeof line);
	fprintf(s->out, "%s%s%s%s\n", prefix, con_color_on(s->color, CON_C_EVENT), line,
		con_color_off(s->color));
}

static void print_stop(struct con_session *s);
static bool miss_phase(struct con_session *s);
static void miss_paused_note(struct con_session *s, bool first);

/* Print the phase at s->phase_cur. */
static void show_phase(struct con_session *s)
{
	const struct mon_event *e = ev_at(s, s->phase_cur);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "phase %llu/%llu %-11s ",
		 (unsigned long long)(s->phase_cur - s->phase_first + 1),
		 (unsigned long long)(s->phase_end - s->phase_first), e->kind ? e->kind : "");
	print_event_line(s, prefix, e);
}

/* Enter phase mode at event idx; the exit's events run to s->nevents. */
static void phases_begin(struct con_session *s, uint64_t idx)
{
	if (s->nevents - idx > CON_RING)
		idx = s->nevents - CON_RING;
	s->in_phases = true;
	s->phase_first = s->phase_cur = idx;
	s->phase_end = s->nevents;
	show_phase(s);
	bool vmm = false; /* a TLB miss the CPU's page walker refilled never reaches the VMM */
	for (uint64_t i = idx; i < s->phase_end && !vmm; i++)
		vmm = !strcmp(ev_at(s, i)->who, "VMM");
	if (s->phase_end - s->phase_cur > 1)
		fprintf(s->out, "(in the %s: %llu more phase%s; stepi shows the next, finish the rest)\n",
			vmm ? "VMM" : "CPU's page walker, no exit", (unsigned long long)(s->phase_end - s->phase_cur - 1),
			s->phase_end - s->phase_cur - 1 == 1 ? "" : "s");
	else
		s->in_phases = false;
}

bool con_phase_next(struct con_session *s)
{
	struct mon_miss m;
	if (!s->in_phases && mon_vm_miss(s->vm, &m) && mon_vm_stop(s->vm)->reason == MON_STOP_NONE) {
		if (!miss_phase(s))
			miss_paused_note(s, false);
		else if (mon_vm_stop(s->vm)->reason != MON_STOP_NONE)
			print_stop(s);
		else
			con_print_where(s);
		return true;
	}
	if (!s->in_phases)
		return false;
	s->phase_cur++;
	show_phase(s);
	if (s->phase_cur + 1 >= s->phase_end) {
		s->in_phases = false;
		con_print_where(s);
	}
	return true;
}

void con_phase_flush(struct con_session *s)
{
	while (s->in_phases && s->phase_cur + 1 < s->phase_end) {
		s->phase_cur++;
		show_phase(s);
	}
	s->in_phases = false;
}

/* Print the events [from, nevents) of a paused miss, numbering them as phases. */
static void show_miss_events(struct con_session *s, uint64_t from)
{
	if (s->nevents - from > CON_RING)
		from = s->nevents - CON_RING;
	for (uint64_t i = from; i < s->nevents; i++) {
		const struct mon_event *e = ev_at(s, i);
		char prefix[64];
		snprintf(prefix, sizeof prefix, "phase %u %-11s ", ++s->miss_phase_no, e->kind ? e->kind : "");
		print_event_line(s, prefix, e);
	}
}

/* Stopped inside a paused miss: say what the next stepi does. */
static void miss_paused_note(struct con_session *s, bool first)
{
	struct mon_miss m;
	if (!mon_vm_miss(s->vm, &m))
		return;
	if (first)
		fprintf(s->out, "(paused in the VMM; next phase: %s. stepi runs it, finish the rest)\n", m.next);
	else
		fprintf(s->out, "(next phase: %s)\n", m.next);
}

/* Run one phase of the paused miss and print its events. Returns true if it has ended. */
static bool miss_phase(struct con_session *s)
{
	struct mon_miss m;
	mon_vm_miss(s->vm, &m);
	uint64_t before = s->nevents;
	mon_vm_set_miss_phases(s->vm, true);
	mon_vm_step(s->vm, MON_STEP_INSN);
	con_serial_eol(s);
	if (s->nevents == before)
		fprintf(s->out, "phase %u (%s: no trace event)\n", ++s->miss_phase_no, m.next);
	show_miss_events(s, before);
	return !mon_vm_miss(s->vm, &m);
}

void con_miss_flush(struct con_session *s)
{
	struct mon_miss m;
	while (mon_vm_miss(s->vm, &m) && mon_vm_stop(s->vm)->reason == MON_STOP_NONE)
		miss_phase(s);
}

/* ---- the guest's serial output ---- */

void con_serial_eol(struct con_session *s)
{
	if (s->multi) {
		con_multi_serial_eol(s);
		return;
	}
	size_t len;
	const char *o = mon_vm_serial(s->vm, &len);
	if (len && o[len - 1] != '\n' && len != s->serial_eol_at) {
		fputc('\n', s->out);
		s->serial_eol_at = len;
	}
}

/* ---- where the guest is ---- */

void con_print_where(struct con_session *s)
{
	const struct cpu *cpu = mon_vm_cpu(s->vm);
	const struct mon_vcpu *v = mon_vm_vcpu(s->vm);
	char pre[MON_VM_NAME_MAX + 4];
	fprintf(s->out, "%s%s vCPL %u, icount %llu\n", con_vm_prefix(s, pre, sizeof pre), mon_vm_who(s->vm), v->cpl,
		(unsigned long long)mon_vm_icount(s->vm));
	if (mon_vm_stop(s->vm)->reason == MON_STOP_NONE)
		con_disas(s, cpu->rip, 1, true);
}

static void print_stop(struct con_session *s)
{
	const struct mon_stop *st = mon_vm_stop(s->vm);
	char pre[MON_VM_NAME_MAX + 4];
	fprintf(s->out, "%s%sthe VM has stopped: %s%s\n", con_color_on(s->color, CON_C_ERR),
		con_vm_prefix(s, pre, sizeof pre), st->message, con_color_off(s->color));
}

/* Print the events [from, s->nevents): the last CON_SHOW_EVENTS of them, the
 * ones just before the stop, after a line counting those left out. */
static void print_events(struct con_session *s, uint64_t from)
{
	uint64_t n = s->nevents - from;
	if (n > CON_SHOW_EVENTS) {
		uint64_t kept = n < CON_RING ? n : CON_RING;
		fprintf(s->out, "... %llu earlier event%s (see 'trace %llu')\n",
			(unsigned long long)(n - CON_SHOW_EVENTS), n - CON_SHOW_EVENTS == 1 ? "" : "s",
			(unsigned long long)kept);
		from = s->nevents - CON_SHOW_EVENTS;
	}
	for (uint64_t i = from; i < s->nevents; i++)
		print_event_line(s, "", ev_at(s, i));
}

/* The first new event in [from, nevents) that meets the goal, or UINT64_MAX. */
static uint64_t goal_event(struct con_session *s, const struct con_goal *g, uint64_t from)
{
	if (s->nevents - from > CON_RING)
		from = s->nevents - CON_RING;
	for (uint64_t i = from; i < s->nevents; i++) {
		if (g->any_event)
			return i;
		if (g->until && con_event_matches(s, i, g->what))
			return i;
	}
	return UINT64_MAX;
}

/* Report a breakpoint/watchpoint hit (deleting a tbreak). */
static void report_bp(struct con_session *s, struct con_bp *b)
{
	char a[200], tag[MON_VM_NAME_MAX + 8];
	b->hits++;
	s->last_bp_id = b->id;
	con_vm_tag(s, b->vm, tag, sizeof tag);
	if (b->watch)
		fprintf(s->out, "watchpoint %u: VA %s changed to 0x%016llx%s\n", b->id,
			con_fmt_addr(s, b->addr, a, sizeof a), (unsigned long long)b->old, tag);
	else
		fprintf(s->out, "%sbreakpoint %u at %s%s\n", b->temp ? "temporary " : "", b->id,
			con_fmt_addr(s, b->addr, a, sizeof a), tag);
	if (b->temp) {
		b->used = false;
		con_bp_sync(s);
	}
}

/* Turn phase steps inside TLB misses on or off in every VM. */
static void miss_phases(struct con_session *s, bool on)
{
	for (unsigned i = 0; i < con_session_nvms(s); i++)
		mon_vm_set_miss_phases(con_session_vm(s, i), on);
}

/* The run has stopped at the end of what it printed: the events, then why. */
static void stop_events(struct con_session *s, const struct con_goal *g, uint64_t first_ev)
{
	con_serial_eol(s);
	if (g->print_events)
		print_events(s, first_ev);
}

/*
 * Run towards the goal. With several VMs each step is the host's
 * (con_host_step): the VM that ran is s->vm from then on, so stops are
 * reported in the VM they happened in; instruction counts are the host's
 * (every VM's); `finish` waits for the VM it began in.
 */
int con_run(struct con_session *s, const struct con_goal *g)
{
	if (s->in_phases)
		con_phase_flush(s);
	con_miss_flush(s); /* a paused miss ends first */
	if (con_all_stopped(s)) {
		if (s->multi) {
			fprintf(s->out, "every VM has stopped\n");
			return con_error(s, "the VMs are not running");
		}
		print_stop(s);
		return con_error(s, "the VM is not running");
	}
	if (g->vm_switch && !s->multi)
		return con_error(s, "until vm-switch: this console runs one VM (vmlab console --vm SPEC --vm SPEC ... runs several)");
	const uint64_t start = con_host_icount(s), first_ev = s->nevents;
	const struct vm *fin_vm = s->vm;
	/* breakpoints and watchpoints pause the VM themselves: only counting
	 * instructions and `finish` need instruction steps */
	const bool fine = g->insns || g->to_user;
	const enum mon_step_kind kind = fine ? MON_STEP_INSN : (g->any_event || g->until) ? MON_STEP_EXIT : MON_STEP_RUN;
	con_bp_refresh(s);
	/* pause inside TLB misses only when the goal may stop at one of their events */
	miss_phases(s, g->any_event || g->until);
	*s->interrupt = 0;
	s->last_bp_id = 0;
	con_run_mark(s);
	con_reverse_poll(s);
	for (;;) {
		if (*s->interrupt) {
			*s->interrupt = 0;
			stop_events(s, g, first_ev);
			fprintf(s->out, "interrupted\n");
			con_record_broken(s->record, "a command was interrupted by Ctrl-C (at a host-timed point)");
			break;
		}
		uint64_t before = s->nevents;
		bool slice_end;
		enum mon_state st = con_host_step(s, kind, &slice_end);
		con_reverse_poll(s);
		uint64_t hit = goal_event(s, g, before);
		if (hit != UINT64_MAX) {
			stop_events(s, g, first_ev);
			struct mon_miss m;
			if (mon_vm_miss(s->vm, &m)) { /* really paused inside the miss */
				s->miss_phase_no = 0;
				show_miss_events(s, hit);
				miss_paused_note(s, true);
				return 0;
			}
			phases_begin(s, hit);
			if (!s->in_phases)
				con_print_where(s);
			return 0;
		}
		if (st == MON_STOPPED) {
			stop_events(s, g, first_ev);
			print_stop(s);
			if (s->multi && con_all_stopped(s))
				fprintf(s->out, "every VM has stopped\n");
			return 0;
		}
		if (g->vm_switch && slice_end) {
			stop_events(s, g, first_ev);
			con_multi_switched(s);
			break;
		}
		if (g->insns && con_host_icount(s) - start >= g->insns)
			break;
		if (g->to_user && s->vm == fin_vm && mon_vm_vcpu(s->vm)->cpl == 3)
			break;
		struct con_bp *b = st == MON_PAUSED ? con_bp_paused(s, con_vm_unmoved(s)) : NULL;
		if (b) {
			stop_events(s, g, first_ev);
			report_bp(s, b);
			con_print_where(s);
			return 0;
		}
	}
	stop_events(s, g, first_ev);
	con_print_where(s);
	return 0;
}
