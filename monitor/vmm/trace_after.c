/*
 * monitor/vmm/trace_after.c — the event kinds a trace holds (the "kind" of
 * every event, as in JSON Lines), and `--trace-after KIND[@WHO][#N]`, parsed
 * and checked once, before the run: a misspelt event is one line listing the
 * valid ones, never an empty trace after a whole run.
 *
 * A kind may be written with '-' for '_' (tlb-miss = tlb_miss), the spelling
 * of the console's `until tlb-miss`.
 */
#include <string.h>

#include "monitor/vmm/monitor.h"

/* Every kind mon_trace_emit is called with, by category. tests/e2e/trace_kinds.sh
 * checks that the traces of all modes hold no other. */
static const char *const kinds[] = {
	"tlb_miss", "tlb_hit", "tlb_install", "tlb_evict", "tlb_write", "invlpg", "retry", "resume", "upcall",
	"walk", "walk_ref", "hw_walk", "shadow_fault", "shadow_fill", "shadow_hit", "shadow_reset", "pmap", "cow_break",
	"guest_walk", "walk2d", "walk2d_ref",
	"exit", "emulate", "hypercall", "strict",
	"irq", "timer", "idle",
	"io_in", "io_out",
	"syscall", "return",
	"true_fault", "reflect",
	"pt_write",
	"boot", "stop", "cr3", "mode", "swtlb", "vm_switch",
	"disk_read", "disk_write", "disk_cmd", "double_paging", "page_out", "page_out_forced",
	"insn",
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

bool mon_trace_kind_known(const char *kind)
{
	for (unsigned i = 0; i < NKINDS; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

const char *mon_trace_kinds(char *buf, size_t len)
{
	size_t p = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < NKINDS && p < len; i++) {
		int n = snprintf(buf + p, len - p, "%s%s", i ? " " : "", kinds[i]);
		if (n < 0)
			break;
		p += (size_t)n;
	}
	return buf;
}

/* The console's `until` events that are not trace kinds: the kinds to use
 * instead (the file starts with the earlier events of the same instruction). */
static const char *console_name_hint(const char *kind)
{
	if (!strcmp(kind, "hidden_fault"))
		return " (as the console's: use shadow_fill)";
	if (!strcmp(kind, "fault"))
		return " (as the console's: use shadow_fill or true_fault)";
	if (!strcmp(kind, "io"))
		return " (as the console's: use io_in or io_out)";
	return "";
}

/* WHO: app, kernel or app:NAME (the names the trace's who column shows). */
static bool who_ok(const char *who)
{
	return !strcmp(who, "app") || !strcmp(who, "kernel") || (!strncmp(who, "app:", 4) && who[4]);
}

int mon_trace_after_parse(const char *s, struct mon_trace_after *out, char *err, size_t errlen)
{
	char list[512];
	memset(out, 0, sizeof *out);
	out->nth = 1;
	size_t kl = strcspn(s, "@#");
	if (kl >= sizeof out->kind)
		kl = sizeof out->kind - 1;
	memcpy(out->kind, s, kl);
	for (char *c = out->kind; *c; c++)
		if (*c == '-')
			*c = '_';
	if (!mon_trace_kind_known(out->kind)) {
		snprintf(err, errlen, "bad --trace-after '%.40s': unknown event '%.24s'%s (events: %s)", s,
			 out->kind, console_name_hint(out->kind), mon_trace_kinds(list, sizeof list));
		return -1;
	}
	const char *p = s + strcspn(s, "@#");
	if (*p == '@') {
		size_t wl = strcspn(p + 1, "#");
		if (wl >= sizeof out->who)
			wl = sizeof out->who - 1;
		memcpy(out->who, p + 1, wl);
		if (!who_ok(out->who)) {
			snprintf(err, errlen, "bad --trace-after '%.40s': unknown runner '%.24s' (want app, app:NAME or kernel)",
				 s, out->who);
			return -1;
		}
		p += 1 + strcspn(p + 1, "#");
	}
	if (*p == '#' && (!mon_parse_u64(p + 1, &out->nth) || out->nth == 0)) {
		snprintf(err, errlen, "bad --trace-after '%.40s': bad count '%.24s' (want #N with N >= 1)", s, p + 1);
		return -1;
	}
	return 0;
}
