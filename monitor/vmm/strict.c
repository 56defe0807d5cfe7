/*
 * monitor/vmm/strict.c — --strict-x86: the CPU as pre-VT x86 was. The
 * virtualization controls stop trapping popf/pushf (SENS_FLAGS) and
 * sgdt/sidt/smsw/str/sldt (SENS_DESC_STORE): they are sensitive but not
 * privileged, so at the guest kernel's real CPL 3 they simply run
 * (Popek-Goldberg's condition fails):
 *   popf   keeps the REAL IF (the guest kernel's sti-by-popf is silently lost)
 *   pushf  shows the real IF, not the guest's virtual one
 *   sidt   stores the monitor's IDTR, sgdt the real GDTR, smsw the real CR0,
 *          str/sldt the real TR/LDTR — the guest can see it is virtualized.
 * The monitor never sees them; the CPU only counts them
 * (cpu->stats.untrapped), and after each run slice this file explains the
 * first of each kind in the trace and on stderr.
 */
#include <string.h>

#include "monitor/vmm/modes.h"

/* The monitor's own IDT: what a leaked sidt shows (never used: exceptions exit). */
#define MON_IDT_BASE 0xfffffe0000001000ull
#define MON_IDT_LIMIT 0xfff

void mon_strict_init(struct vm *vm)
{
	vm->cpu.ctl.sensitive &= ~(uint32_t)(SENS_FLAGS | SENS_DESC_STORE);
	vm->cpu.idtr.base = MON_IDT_BASE;
	vm->cpu.idtr.limit = MON_IDT_LIMIT;
}

static const char *explain(enum cpu_sens_op op)
{
	switch (op) {
	case SOP_POPF: return "popf ran without a trap: an IF change by the guest kernel was silently dropped (the VMM cannot see it)";
	case SOP_PUSHF: return "pushf ran without a trap: the guest read the real IF, not its virtual IF";
	case SOP_SIDT: return "sidt ran without a trap: the guest read the monitor's IDTR, not its own";
	case SOP_SGDT: return "sgdt ran without a trap: the guest read the real GDTR";
	case SOP_SMSW: return "smsw ran without a trap: the guest read the real CR0, not its virtual CR0";
	case SOP_STR: return "str ran without a trap: the guest read the real TR";
	case SOP_SLDT: return "sldt ran without a trap: the guest read the real LDTR";
	default: return "a sensitive instruction ran without a trap";
	}
}

void mon_strict_check(struct vm *vm)
{
	struct mon_modes *m = vm->modes;
	const uint64_t *u = vm->cpu.stats.untrapped;
	for (unsigned op = 1; op < SOP_COUNT; op++) {
		if (u[op] == m->untrapped_seen[op])
			continue;
		bool first = m->untrapped_seen[op] == 0;
		m->untrapped_seen[op] = u[op];
		if (!first)
			continue;
		const char *why = explain((enum cpu_sens_op)op);
		if (vm->msg) {
			char line[MON_ERR_MAX];
			int n = snprintf(line, sizeof line,
					 "vmlab: strict-x86: %s (Popek-Goldberg: sensitive but not privileged)\n", why);
			vm->msg(vm->msg_ctx, line, n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
		}
		if (MON_TRACING(vm, MON_CAT_EXIT))
			mon_trace_emit(vm, MON_CAT_EXIT, "VMM", "strict", NULL, "strict-x86: %s", why);
	}
}

void mon_strict_summary(const struct vm *vm, FILE *f)
{
	const uint64_t *u = vm->cpu.stats.untrapped;
	fprintf(f, "strict-x86:      untrapped:");
	unsigned n = 0;
	for (unsigned op = 1; op < SOP_COUNT; op++)
		if (u[op])
			fprintf(f, "%s %s %llu", n++ ? "," : "", cpu_sens_op_name((enum cpu_sens_op)op),
				(unsigned long long)u[op]);
	fprintf(f, "%s\n", n ? "" : " none");
}
