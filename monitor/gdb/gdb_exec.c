/*
 * monitor/gdb/gdb_exec.c — carrying out one gdb request on the VM through
 * the VMM's public API: registers, memory by VA (the guest's current page
 * tables, no side effects on reads), breakpoints and watchpoints as the
 * VMM's own (guest memory is never written for a breakpoint), continue and
 * step, stop replies, and `monitor` commands, which run the console's
 * inspection commands (tlb, translate, pt, shadow, until) on the same VM.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/gdb/gdb.h"

static const char hexdig[] = "0123456789abcdef";

static void put_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[b[i] >> 4];
		out[2 * i + 1] = hexdig[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void gdb_stop_reply(struct gdb_stub *g, char *reply, size_t len)
{
	const struct mon_stop *st = mon_vm_stop(g->vm);
	if (st->reason != MON_STOP_NONE) {
		snprintf(reply, len, "W%02x", st->status & 0xff);
		return;
	}
	const struct mon_pause *p = mon_vm_pause(g->vm);
	if (p->reason == MON_PAUSE_BREAK) {
		snprintf(reply, len, "T05swbreak:;");
	} else if (p->reason == MON_PAUSE_WATCH) {
		enum mon_watch_kind k = g->watch[p->index].kind;
		snprintf(reply, len, "T05%s:%llx;",
			 k == MON_WATCH_WRITE ? "watch" : k == MON_WATCH_READ ? "rwatch" : "awatch",
			 (unsigned long long)p->va);
	} else {
		snprintf(reply, len, "S05");
	}
}

/* Give the VMM the stub's breakpoints and watchpoints. */
static int sync_points(struct gdb_stub *g)
{
	char err[MON_ERR_MAX];
	if (mon_vm_break_set(g->vm, g->brk, g->nbrk, err, sizeof err))
		return -1;
	return mon_vm_watch_set(g->vm, g->watch, g->nwatch, err, sizeof err);
}

static int break_insert(struct gdb_stub *g, const struct gdb_req *r)
{
	if (r->type <= 1) {
		for (unsigned i = 0; i < g->nbrk; i++)
			if (g->brk[i] == r->addr)
				return 0;
		if (g->nbrk == GDB_MAX_BREAKS)
			return -1;
		g->brk[g->nbrk++] = r->addr;
	} else {
		if (g->nwatch == MON_WATCH_MAX)
			return -1;
		static const enum mon_watch_kind kinds[5] = {0, 0, MON_WATCH_WRITE, MON_WATCH_READ, MON_WATCH_ACCESS};
		g->watch[g->nwatch++] = (struct mon_watch){.va = r->addr, .len = (unsigned)r->len, .kind = kinds[r->type]};
	}
	if (sync_points(g)) { /* refused (bad range): take it back */
		if (r->type <= 1)
			g->nbrk--;
		else
			g->nwatch--;
		sync_points(g);
		return -1;
	}
	return 0;
}

static int break_remove(struct gdb_stub *g, const struct gdb_req *r)
{
	if (r->type <= 1) {
		for (unsigned i = 0; i < g->nbrk; i++)
			if (g->brk[i] == r->addr) {
				g->brk[i] = g->brk[--g->nbrk];
				return sync_points(g);
			}
		return -1;
	}
	for (unsigned i = 0; i < g->nwatch; i++)
		if (g->watch[i].va == r->addr && g->watch[i].len == r->len) {
			memmove(&g->watch[i], &g->watch[i + 1], (g->nwatch - i - 1) * sizeof g->watch[0]);
			g->nwatch--;
			return sync_points(g);
		}
	return -1;
}

void gdb_step_insn(struct vm *vm, const struct gdb_hooks *h)
{
	uint64_t ic = mon_vm_icount(vm);
	va_t rip = mon_vm_cpu(vm)->rip;
	for (int k = 0; k < 64; k++) {
		enum mon_state st = mon_vm_step(vm, MON_STEP_INSN);
		if (h && h->tick)
			h->tick(h->ctx);
		if (st == MON_STOPPED || mon_vm_icount(vm) != ic || mon_vm_cpu(vm)->rip != rip)
			return;
	}
}

bool gdb_run(struct vm *vm, const struct gdb_hooks *h, gdb_poll_fn poll_stop, void *ctx)
{
	uint64_t ic = mon_vm_icount(vm);
	for (;;) {
		enum mon_state st = mon_vm_step(vm, MON_STEP_RUN);
		if (h && h->tick)
			h->tick(h->ctx);
		if (st == MON_STOPPED)
			return false;
		if (st == MON_PAUSED) {
			/* a breakpoint on the instruction we resume at: it runs now */
			if (mon_vm_pause(vm)->reason == MON_PAUSE_BREAK && mon_vm_icount(vm) == ic)
				continue;
			if (mon_vm_pause(vm)->reason != MON_PAUSE_ICOUNT)
				return false;
		}
		if (poll_stop && poll_stop(ctx))
			return true;
	}
}

static const char *const monitor_verbs[] = {"tlb", "translate", "pt", "shadow", "until", NULL};

/* `monitor CMD`: a console inspection command on this VM; its output hex-encoded. */
static void monitor_cmd(struct gdb_stub *g, const char *cmd, char *reply, size_t len)
{
	char verb[16] = "";
	sscanf(cmd, "%15s", verb);
	bool ok = false;
	for (unsigned i = 0; monitor_verbs[i]; i++)
		ok |= !strcmp(verb, monitor_verbs[i]);
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	if (!out) {
		snprintf(reply, len, "E01");
		return;
	}
	if (!ok) {
		fprintf(out, "vmlab monitor commands: tlb, translate VA, pt VA, shadow VA, until EVENT%s%s\n",
			verb[0] ? "; not " : "", verb);
	} else if (g->hooks.monitor) {
		g->hooks.monitor(g->hooks.ctx, cmd, out);
	} else {
		struct con_session *s = calloc(1, sizeof *s);
		if (s) {
			con_session_init(s, g->vm, out, false);
			con_exec_line(s, cmd);
			con_session_free(s);
			free(s);
		}
		mon_vm_set_serial_echo(g->vm, g->echo);
	}
	fclose(out);
	size_t max = (len - 1) / 2;
	put_hex(reply, (const uint8_t *)text, n < max ? n : max);
	free(text);
}

static void reply_mem(struct gdb_stub *g, const struct gdb_req *r, char *reply)
{
	uint8_t buf[GDB_PACKET_MAX / 2];
	size_t n = mon_read_va(g->vm, r->addr, buf, r->len);
	if (n == 0 && r->len)
		snprintf(reply, GDB_PACKET_MAX, "E14");
	else
		put_hex(reply, buf, n);
}

static void reply_xfer(const struct gdb_req *r, char *reply)
{
	const char *xml = gdb_target_xml();
	size_t total = strlen(xml);
	if (r->addr >= total) {
		snprintf(reply, GDB_PACKET_MAX, "l");
		return;
	}
	size_t n = total - r->addr;
	size_t max = r->len < GDB_PACKET_MAX - 2 ? r->len : GDB_PACKET_MAX - 2;
	bool more = n > max;
	if (more)
		n = max;
	reply[0] = more ? 'm' : 'l';
	memcpy(reply + 1, xml + r->addr, n); /* the xml holds none of $ # } *: no escapes needed */
	reply[1 + n] = '\0';
}

void gdb_exec(struct gdb_stub *g, const struct gdb_req *r, char *reply, gdb_poll_fn poll_stop, void *ctx)
{
	struct vm *vm = g->vm;
	const size_t len = GDB_REPLY_MAX;
	uint8_t regs[GDB_REGS_BYTES];
	reply[0] = '\0';
	bool stopped = mon_vm_stop(vm)->reason != MON_STOP_NONE;
	switch (r->kind) {
	case GDB_REQ_UNKNOWN: break;
	case GDB_REQ_BAD: snprintf(reply, len, "E01"); break;
	case GDB_REQ_STATUS: gdb_stop_reply(g, reply, len); break;
	case GDB_REQ_SUPPORTED:
		snprintf(reply, len, "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+%s",
			 GDB_PACKET_MAX, g->hooks.reverse ? ";ReverseContinue+;ReverseStep+" : "");
		break;
	case GDB_REQ_XFER_FEATURES: reply_xfer(r, reply); break;
	case GDB_REQ_ATTACHED: snprintf(reply, len, "1"); break;
	case GDB_REQ_THREAD_INFO: snprintf(reply, len, "m1"); break;
	case GDB_REQ_THREAD_INFO_MORE: snprintf(reply, len, "l"); break;
	case GDB_REQ_CUR_THREAD: snprintf(reply, len, "QC1"); break;
	case GDB_REQ_OK: snprintf(reply, len, "OK"); break;
	case GDB_REQ_NOACK: g->noack = true; snprintf(reply, len, "OK"); break;
	case GDB_REQ_READ_REGS: put_hex(reply, regs, gdb_regs_read(vm, regs)); break;
	case GDB_REQ_WRITE_REGS: snprintf(reply, len, gdb_regs_write(vm, r->data, r->ndata) ? "E01" : "OK"); break;
	case GDB_REQ_READ_REG: {
		size_t n = gdb_reg_read(vm, r->regno, regs);
		if (n)
			put_hex(reply, regs, n);
		else
			snprintf(reply, len, "E45");
		break;
	}
	case GDB_REQ_WRITE_REG:
		snprintf(reply, len, gdb_reg_write(vm, r->regno, r->data, r->ndata) ? "E01" : "OK");
		break;
	case GDB_REQ_READ_MEM: reply_mem(g, r, reply); break;
	case GDB_REQ_WRITE_MEM:
		snprintf(reply, len, mon_write_va(vm, r->addr, r->data, r->ndata) == r->ndata ? "OK" : "E14");
		break;
	case GDB_REQ_VCONT_QUERY: snprintf(reply, len, "vCont;c;C;s;S"); break;
	case GDB_REQ_CONTINUE:
	case GDB_REQ_STEP: {
		if (stopped) {
			gdb_stop_reply(g, reply, len);
			break;
		}
		if (r->has_addr) {
			struct mon_regs rg;
			char err[MON_ERR_MAX];
			mon_vm_get_regs(vm, &rg);
			rg.rip = r->addr;
			mon_vm_set_regs(vm, &rg, err, sizeof err);
		}
		bool interrupted = false;
		if (r->kind == GDB_REQ_STEP)
			gdb_step_insn(vm, &g->hooks);
		else
			interrupted = gdb_run(vm, &g->hooks, poll_stop, ctx);
		if (interrupted)
			snprintf(reply, len, "S02");
		else
			gdb_stop_reply(g, reply, len);
		break;
	}
	case GDB_REQ_REVERSE_CONTINUE:
	case GDB_REQ_REVERSE_STEP: {
		if (!g->hooks.reverse) { /* no recorder plugged in */
			snprintf(reply, len, "E01");
			break;
		}
		int rc = g->hooks.reverse(g->hooks.ctx, r->kind == GDB_REQ_REVERSE_CONTINUE);
		if (rc < 0)
			snprintf(reply, len, "E01");
		else if (rc > 0) /* gdb: "No more reverse-execution history." */
			snprintf(reply, len, "T05replaylog:begin;");
		else
			gdb_stop_reply(g, reply, len);
		break;
	}
	case GDB_REQ_BREAK_INSERT: snprintf(reply, len, break_insert(g, r) ? "E01" : "OK"); break;
	case GDB_REQ_BREAK_REMOVE: snprintf(reply, len, break_remove(g, r) ? "E01" : "OK"); break;
	case GDB_REQ_MONITOR: monitor_cmd(g, (const char *)r->data, reply, len); break;
	case GDB_REQ_DETACH:
		g->nbrk = g->nwatch = 0;
		sync_points(g);
		g->detached = true;
		snprintf(reply, len, "OK");
		break;
	case GDB_REQ_KILL:
		mon_vm_request_stop(vm, "killed by gdb");
		g->killed = true;
		snprintf(reply, len, "OK");
		break;
	}
}
