/*
 * monitor/console/console_cmds_bp.c — breakpoints and watchpoints: break, tbreak,
 * watch, delete, info breakpoints, and the check the run loop makes after
 * every instruction.
 *
 * A breakpoint stops the guest when RIP equals its address, before the
 * instruction there runs. A watchpoint watches the 8 bytes at a VA (in any
 * address space) and stops after the guest instruction that changed them.
 * Both live in the VMM (mon_vm_break_set, mon_vm_watch_set), which pauses the
 * VM at them without stepping: the console keeps the numbers, hit counts,
 * `break prog:sym` scoping and values, and decides whether a pause is a stop.
 */
#include <string.h>

#include "monitor/console/console.h"

static struct con_bp *bp_alloc(struct con_session *s)
{
	for (int i = 0; i < CON_MAX_BPS; i++)
		if (!s->bp[i].used) {
			memset(&s->bp[i], 0, sizeof s->bp[i]);
			s->bp[i].used = true;
			s->bp[i].id = s->next_bp_id++;
			return &s->bp[i];
		}
	return NULL;
}

static bool watch_read(struct vm *vm, uint64_t va, uint64_t *v)
{
	*v = 0;
	return mon_read_va(vm, va, v, sizeof *v) == sizeof *v;
}

/* Give the VMM the session's breakpoints and watchpoints of vm, in the
 * order of bp[] (it checks them off its fast paths; con_run runs at full
 * speed to them). -1 with err if the VMM refuses (nothing changed there). */
static int bp_sync_vm(struct con_session *s, struct vm *vm, char *err, size_t errlen)
{
	va_t brk[CON_MAX_BPS];
	struct mon_watch w[MON_WATCH_MAX];
	unsigned nb = 0, nw = 0;
	for (int i = 0; i < CON_MAX_BPS; i++) {
		const struct con_bp *b = &s->bp[i];
		if (!b->used || b->vm != vm)
			continue;
		if (!b->watch) {
			brk[nb++] = b->addr;
			continue;
		}
		if (nw == MON_WATCH_MAX) {
			snprintf(err, errlen, "too many watchpoints (at most %d)", MON_WATCH_MAX);
			return -1;
		}
		w[nw++] = (struct mon_watch){.va = b->addr, .len = 8, .kind = MON_WATCH_WRITE};
	}
	if (mon_vm_watch_set(vm, w, nw, err, errlen))
		return -1;
	return mon_vm_break_set(vm, brk, nb, err, errlen);
}

/* The same for every VM of the session. */
static int bp_sync(struct con_session *s, char *err, size_t errlen)
{
	for (unsigned i = 0; i < con_session_nvms(s); i++)
		if (bp_sync_vm(s, con_session_vm(s, i), err, errlen))
			return -1;
	return 0;
}

void con_bp_sync(struct con_session *s)
{
	char err[MON_ERR_MAX];
	if (bp_sync(s, err, sizeof err))
		con_error(s, "%s", err);
}

void con_bp_refresh(struct con_session *s)
{
	for (int i = 0; i < CON_MAX_BPS; i++)
		if (s->bp[i].used && s->bp[i].watch)
			s->bp[i].old_ok = watch_read(s->bp[i].vm, s->bp[i].addr, &s->bp[i].old);
}

struct con_bp *con_bp_paused(struct con_session *s, bool skip_break)
{
	const struct mon_pause *p = mon_vm_pause(s->vm);
	if (p->reason == MON_PAUSE_WATCH) {
		struct con_bp *b = NULL; /* the VM's watchpoint p->index, in bp_sync_vm's order */
		for (int i = 0, k = 0; i < CON_MAX_BPS && !b; i++)
			if (s->bp[i].used && s->bp[i].watch && s->bp[i].vm == s->vm && k++ == (int)p->index)
				b = &s->bp[i];
		if (!b)
			return NULL;
		bool changed = !b->old_ok || p->new_value != b->old;
		b->old_ok = true;
		b->old = p->new_value;
		return changed ? b : NULL; /* a write of the same value goes on, as in gdb */
	}
	if (p->reason != MON_PAUSE_BREAK || skip_break)
		return NULL;
	for (int i = 0; i < CON_MAX_BPS; i++) {
		struct con_bp *b = &s->bp[i];
		if (!b->used || b->watch || b->vm != s->vm || b->addr != p->va)
			continue;
		const char *cur = b->prog[0] ? con_cur_prog(s) : NULL;
		if (!b->prog[0] || (cur && !strcmp(cur, b->prog)))
			return b;
	}
	return NULL; /* another program's breakpoint: run on */
}

static int cmd_add(struct con_session *s, const struct con_cmd *c)
{
	struct con_bp *b = bp_alloc(s);
	if (!b)
		return con_error(s, "too many breakpoints (at most %d)", CON_MAX_BPS);
	b->addr = c->addr;
	b->vm = s->vm;
	b->temp = c->id == CON_TBREAK;
	b->watch = c->id == CON_WATCH;
	snprintf(b->expr, sizeof b->expr, "%s", c->expr);
	/* `break hello:main`: a user address is only meaningful in that program */
	const char *colon = strchr(c->expr, ':');
	size_t plen = colon ? (size_t)(colon - c->expr) : 0;
	if (colon && plen < sizeof b->prog) {
		snprintf(b->prog, sizeof b->prog, "%.*s", (int)plen, c->expr);
		if (!con_symtab_has_prog(&s->syms, b->prog))
			b->prog[0] = 0;
	}
	char a[200], tag[MON_VM_NAME_MAX + 8];
	con_fmt_addr_prog(s, b->addr, b->prog[0] ? b->prog : con_cur_prog(s), a, sizeof a);
	con_vm_tag(s, b->vm, tag, sizeof tag);
	char err[MON_ERR_MAX];
	if (bp_sync(s, err, sizeof err)) {
		b->used = false;
		bp_sync(s, err, sizeof err);
		return con_error(s, "%s", err);
	}
	if (b->watch) {
		b->old_ok = watch_read(b->vm, b->addr, &b->old);
		fprintf(s->out, "watchpoint %u: VA %s (8 bytes, now %s)%s\n", b->id, a,
			b->old_ok ? "readable" : "unmapped", tag);
	} else {
		fprintf(s->out, "%s %u at %s%s%s%s\n", b->temp ? "temporary breakpoint" : "breakpoint", b->id, a,
			b->prog[0] ? " in " : "", b->prog, tag);
	}
	return 0;
}

static int cmd_delete(struct con_session *s, const struct con_cmd *c)
{
	if (!c->has_n) {
		unsigned n = 0;
		for (int i = 0; i < CON_MAX_BPS; i++)
			if (s->bp[i].used) {
				s->bp[i].used = false;
				n++;
			}
		con_bp_sync(s);
		fprintf(s->out, "deleted %u breakpoint%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	for (int i = 0; i < CON_MAX_BPS; i++)
		if (s->bp[i].used && s->bp[i].id == c->n) {
			s->bp[i].used = false;
			con_bp_sync(s);
			fprintf(s->out, "deleted breakpoint %u\n", s->bp[i].id);
			return 0;
		}
	return con_error(s, "no breakpoint number %llu", (unsigned long long)c->n);
}

static int cmd_info(struct con_session *s)
{
	unsigned n = 0;
	for (int i = 0; i < CON_MAX_BPS; i++) {
		const struct con_bp *b = &s->bp[i];
		if (!b->used)
			continue;
		if (!n++)
			fprintf(s->out, "%sNum  Type        Address                                  Hits  What%s\n",
				con_color_on(s->color, CON_C_HEAD), con_color_off(s->color));
		char a[200], tag[MON_VM_NAME_MAX + 8];
		struct vm *sel = s->vm;
		con_multi_select(s, b->vm); /* its VM's symbols (several VMs) */
		con_fmt_addr_prog(s, b->addr, b->prog[0] ? b->prog : con_cur_prog(s), a, sizeof a);
		con_multi_select(s, sel);
		fprintf(s->out, "%-4u %-11s %-40s %4llu  %s%s\n", b->id,
			b->watch ? "watch" : b->temp ? "tbreak" : "breakpoint", a,
			(unsigned long long)b->hits, b->expr, con_vm_tag(s, b->vm, tag, sizeof tag));
	}
	if (!n)
		fprintf(s->out, "no breakpoints or watchpoints\n");
	return 0;
}

int con_cmd_bp(struct con_session *s, const struct con_cmd *c)
{
	switch (c->id) {
	case CON_BREAK:
	case CON_TBREAK:
	case CON_WATCH:
		return cmd_add(s, c);
	case CON_DELETE:
		return cmd_delete(s, c);
	case CON_INFO:
		if (!strcmp(c->topic, "registers")) {
			struct con_cmd r = {.id = CON_REGS};
			return con_cmd_inspect(s, &r);
		}
		if (!strcmp(c->topic, "snapshots")) {
			con_reverse_print(s);
			return 0;
		}
		return cmd_info(s);
	default:
		return con_error(s, "internal: not a breakpoint command");
	}
}
