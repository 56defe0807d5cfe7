/*
 * monitor/console/console_cmds_bp.c — breakpoints and watchpoints: break, tbreak,
 * watch, delete, info breakpoints, and the check the run loop makes after
 * every instruction.
 *
 * A breakpoint stops the guest when RIP equals its address, before the
 * instruction there runs. A watchpoint watches the 8 bytes at a VA (through
 * the guest's current page tables) and stops after the instruction that
 * changed them.
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

static bool watch_read(struct con_session *s, uint64_t va, uint64_t *v)
{
	*v = 0;
	return mon_read_va(s->vm, va, v, sizeof *v) == sizeof *v;
}

struct con_bp *con_bp_check(struct con_session *s, bool skip_break)
{
	uint64_t rip = mon_vm_cpu(s->vm)->rip;
	for (int i = 0; i < CON_MAX_BPS; i++) {
		struct con_bp *b = &s->bp[i];
		if (!b->used)
			continue;
		if (!b->watch) {
			if (!skip_break && b->addr == rip) {
				const char *cur = b->prog[0] ? con_cur_prog(s) : NULL;
				if (!b->prog[0] || (cur && !strcmp(cur, b->prog)))
					return b;
			}
			continue;
		}
		uint64_t v;
		bool ok = watch_read(s, b->addr, &v);
		bool changed = ok && b->old_ok && v != b->old;
		b->old_ok = ok;
		b->old = ok ? v : 0;
		if (changed && !skip_break)
			return b;
	}
	return NULL;
}

static int cmd_add(struct con_session *s, const struct con_cmd *c)
{
	struct con_bp *b = bp_alloc(s);
	if (!b)
		return con_error(s, "too many breakpoints (at most %d)", CON_MAX_BPS);
	b->addr = c->addr;
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
	char a[200];
	con_fmt_addr_prog(s, b->addr, b->prog[0] ? b->prog : con_cur_prog(s), a, sizeof a);
	if (b->watch) {
		b->old_ok = watch_read(s, b->addr, &b->old);
		fprintf(s->out, "watchpoint %u: VA %s (8 bytes, now %s)\n", b->id, a,
			b->old_ok ? "readable" : "unmapped");
	} else {
		fprintf(s->out, "%s %u at %s%s%s\n", b->temp ? "temporary breakpoint" : "breakpoint", b->id, a,
			b->prog[0] ? " in " : "", b->prog);
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
		fprintf(s->out, "deleted %u breakpoint%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	for (int i = 0; i < CON_MAX_BPS; i++)
		if (s->bp[i].used && s->bp[i].id == c->n) {
			s->bp[i].used = false;
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
		char a[200];
		fprintf(s->out, "%-4u %-11s %-40s %4llu  %s\n", b->id,
			b->watch ? "watch" : b->temp ? "tbreak" : "breakpoint",
			con_fmt_addr_prog(s, b->addr, b->prog[0] ? b->prog : con_cur_prog(s), a, sizeof a),
			(unsigned long long)b->hits, b->expr);
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
