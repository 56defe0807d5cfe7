/*
 * monitor/vmm/stats.c — counts derived from a run's statistics, and the
 * end-of-run summary (its cost-model lines come from cost.c).
 */
#include <stdbool.h>
#include <string.h>

#include "monitor/vmm/host.h"
#include "monitor/vmm/modes.h"
#include "monitor/vmm/vm.h"

uint64_t mon_stats_exits(const struct mon_stats *s)
{
	uint64_t n = 0; /* (a plain sum, then less the budget: no branch; it runs twice an exit) */
	for (unsigned i = 0; i <= CPU_EXIT_UNSUPPORTED; i++)
		n += s->exits[i];
	return n - s->exits[CPU_EXIT_BUDGET];
}

uint64_t mon_vm_tlb_hits(const struct vm *vm)
{
	struct tlb_stats t;
	host_tlb_stats(vm, &t);
	return t.hits + vm->cpu.stats.ftlb_hits;
}

uint64_t mon_vm_tlb_misses(const struct vm *vm)
{
	struct tlb_stats t;
	host_tlb_stats(vm, &t);
	return t.misses;
}

uint64_t mon_vm_true_faults(const struct vm *vm)
{
	const struct mon_modes *m = vm->modes;
	/* swtlb: a refill upcall that wrote no TLB entry went on to the guest's own #PF path */
	uint64_t fell = m && m->refills > m->tlb_writes ? m->refills - m->tlb_writes : 0;
	return vm->stats.true_faults + fell;
}

const struct mon_stats *mon_vm_stats(const struct vm *vm)
{
	return &vm->stats;
}

const char *mon_stop_name(enum mon_stop_reason r)
{
	switch (r) {
	case MON_STOP_NONE: return "running";
	case MON_STOP_HALT: return "halt";
	case MON_STOP_DEBUG_EXIT: return "debug-exit";
	case MON_STOP_TRIPLE_FAULT: return "triple-fault";
	case MON_STOP_UNSUPPORTED: return "unsupported";
	case MON_STOP_MAX_INSNS: return "max-insns";
	case MON_STOP_NO_MEMORY: return "no-memory";
	case MON_STOP_BAD_GUEST: return "bad-guest";
	case MON_STOP_USER: return "stopped";
	case MON_STOP_MAX_OUTPUT: return "max-output";
	case MON_STOP_INTERRUPTED: return "interrupted";
	case MON_STOP_NO_PROGRESS: return "no-progress";
	}
	return "?";
}

static uint64_t ex_sensitive(const struct vm *vm)
{
	return vm->stats.exits[CPU_EXIT_SENSITIVE] + vm->stats.exits[CPU_EXIT_IO];
}
static uint64_t ex_exception(const struct vm *vm) { return vm->stats.exits[CPU_EXIT_EXCEPTION]; }
static uint64_t ex_tlb_miss(const struct vm *vm) { return vm->stats.exits[CPU_EXIT_TLB_MISS]; }
static uint64_t ex_other(const struct vm *vm)
{
	const uint64_t *e = vm->stats.exits;
	return e[CPU_EXIT_HLT] + e[CPU_EXIT_TRIPLE_FAULT] + e[CPU_EXIT_UNSUPPORTED];
}
static uint64_t miss_hidden(const struct vm *vm) { return vm->stats.miss_kinds[MON_MK_HIDDEN]; }
static uint64_t miss_true(const struct vm *vm) { return vm->stats.miss_kinds[MON_MK_TRUE]; }
static uint64_t miss_pt_write(const struct vm *vm) { return vm->stats.miss_kinds[MON_MK_PT_WRITE]; }
static uint64_t miss_pt_same(const struct vm *vm) { return vm->stats.miss_kinds[MON_MK_PT_SAME]; }
static uint64_t miss_upcall(const struct vm *vm) { return vm->stats.miss_kinds[MON_MK_UPCALL]; }
static uint64_t miss_stop(const struct vm *vm) { return vm->stats.miss_kinds[MON_MK_STOP]; }
/* the console paused inside a miss (phase steps): counted as an exit, not yet become anything */
static uint64_t miss_pending(const struct vm *vm) { return vm->pending_fill == 1; }

const struct mon_stat_field mon_exit_fields[] = {
	{ "sensitive", "sensitive", ex_sensitive },
	{ "exception", "exception", ex_exception },
	{ "tlb-miss", "tlb_miss", ex_tlb_miss },
	{ "other", "other", ex_other },
	{ NULL, NULL, NULL },
};

static uint64_t fault_hidden(const struct vm *vm) { return vm->stats.hidden_faults; }
static uint64_t fault_true(const struct vm *vm) { return mon_vm_true_faults(vm); }

const struct mon_stat_field mon_fault_fields[] = {
	{ "hidden", "hidden", fault_hidden },
	{ "true", "true", fault_true },
	{ NULL, NULL, NULL },
};

const struct mon_stat_field mon_miss_fields[] = {
	{ "hidden fault", "hidden_fault", miss_hidden },
	{ "true fault", "true_fault", miss_true },
	{ "pt write", "pt_write", miss_pt_write },
	{ "pt write (no change)", "pt_write_no_change", miss_pt_same },
	{ "swtlb upcall", "swtlb_upcall", miss_upcall },
	{ "stopped", "stopped", miss_stop },
	{ "in progress", "in_progress", miss_pending },
	{ NULL, NULL, NULL },
};

/* "name N, name N" of the fields (only the nonzero ones with nonzero_only); how many. */
static unsigned print_fields(FILE *f, const struct vm *vm, const struct mon_stat_field *t, bool nonzero_only)
{
	unsigned shown = 0;
	for (; t->text; t++) {
		uint64_t n = t->get(vm);
		if (n || !nonzero_only)
			fprintf(f, "%s%s %llu", shown++ ? ", " : "", t->text, (unsigned long long)n);
	}
	return shown;
}

/* " name N" for each instruction counted, comma-separated; how many. */
static unsigned print_ops(FILE *f, const uint64_t *count)
{
	unsigned shown = 0;
	for (unsigned i = 1; i < SOP_COUNT; i++)
		if (count[i])
			fprintf(f, "%s %s %llu", shown++ ? "," : "", cpu_sens_op_name((enum cpu_sens_op)i),
				(unsigned long long)count[i]);
	return shown;
}

/* The exits, round trips, TLB, faults and shadow lines of a monitored VM. */
static void monitor_summary(const struct vm *vm, FILE *f)
{
	const struct mon_stats *s = &vm->stats;
	fprintf(f, "exits:           %llu (", (unsigned long long)mon_stats_exits(s));
	print_fields(f, vm, mon_exit_fields, false);
	fprintf(f, ")\n  by instruction:");
	fprintf(f, "%s\n", print_ops(f, s->sens) ? "" : " none");
	/* each TLB-miss exit by what it became: a student can add them up to tlb-miss */
	fprintf(f, "  tlb-miss kinds: ");
	fprintf(f, "%s\n", print_fields(f, vm, mon_miss_fields, true) ? "" : "none");
	fprintf(f, "round trips:     %llu (reflections %llu: syscalls %llu, interrupts %llu)\n",
		(unsigned long long)s->round_trips, (unsigned long long)s->reflections,
		(unsigned long long)s->syscalls, (unsigned long long)s->irqs);
	struct tlb_stats t;
	host_tlb_stats(vm, &t);
	uint64_t hits = mon_vm_tlb_hits(vm), miss = t.misses;
	double rate = hits + miss ? 100.0 * (double)hits / (double)(hits + miss) : 0.0;
	fprintf(f, "TLB:             %ux%u %s: hits %llu, misses %llu, hit rate %.2f%%, evictions %llu\n",
		vm->tlb->sets, vm->tlb->ways, tlb_policy_name(vm->tlb->policy), (unsigned long long)hits,
		(unsigned long long)miss, rate, (unsigned long long)t.evictions);
	fprintf(f, "faults:          ");
	print_fields(f, vm, mon_fault_fields, false);
	fputc('\n', f);
	fprintf(f, "shadow:          hardware walks %llu (%llu refilled the TLB, no exit), VMM fills %llu, "
		   "walk refs %llu, traced PT writes %llu, CR3 writes %llu, resets %llu\n",
		(unsigned long long)s->hw_walks, (unsigned long long)vm->sh.stats.hw_refills,
		(unsigned long long)s->shadow_fills, (unsigned long long)s->walk_refs,
		(unsigned long long)s->pt_writes, (unsigned long long)s->cr3_writes,
		(unsigned long long)s->shadow_resets);
}

/*
 * The same lines for the bare core, which has no monitor: nothing exits,
 * nothing is reflected, faulted into a VMM or shadowed (cost.c prices it that
 * way). The core still stops for each port access, so the device model can
 * answer (priced as io), and at hlt: those stops are counted as what they are.
 * Its TLB misses and walk references are its own paging's (cpu/mmu_paging.c).
 */
static void bare_summary(const struct vm *vm, FILE *f)
{
	const struct mon_stats *s = &vm->stats;
	fprintf(f, "exits:           none (bare core: no monitor to exit to)\n");
	fprintf(f, "  core stops:    %llu, for the device model and hlt:", (unsigned long long)mon_stats_exits(s));
	unsigned shown = print_ops(f, s->sens);
	if (s->exits[CPU_EXIT_HLT])
		fprintf(f, "%s hlt %llu", shown++ ? "," : "", (unsigned long long)s->exits[CPU_EXIT_HLT]);
	fprintf(f, "%s (no world switch: not priced as exits)\n", shown ? "" : " none");
	fprintf(f, "round trips:     none (bare core: syscalls and interrupts go straight to kernel A)\n");
	fprintf(f, "TLB:             not simulated (bare core: the CPU's own paging TLB)\n");
	fprintf(f, "faults:          none seen by a monitor (bare core: the CPU delivers page faults to kernel A)\n");
	fprintf(f, "paging:          the CPU walked kernel A's own page tables: %llu TLB misses, %llu walk refs "
		   "(no shadow tables)\n",
		(unsigned long long)vm->cpu.stats.paging_walks, (unsigned long long)vm->cpu.stats.paging_refs);
}

void mon_print_summary(const struct vm *vm, FILE *f)
{
	const struct mon_stats *s = &vm->stats;
	const struct mon_cost *c = &vm->cfg.cost;
	fprintf(f, "=== vmlab summary: vm%u ===\n", vm->vmid);
	if (vm->stop.message[0])
		fprintf(f, "stop:            %s, status %d: %s\n", mon_stop_name(vm->stop.reason), vm->stop.status,
			vm->stop.message);
	else
		fprintf(f, "stop:            %s\n", mon_stop_name(vm->stop.reason));
	fprintf(f, "instructions:    %llu (guest user %llu, guest kernel %llu)\n",
		(unsigned long long)(s->insns_user + s->insns_kernel), (unsigned long long)s->insns_user,
		(unsigned long long)s->insns_kernel);
	if (vm->cfg.bare_core)
		bare_summary(vm, f);
	else
		monitor_summary(vm, f);
	fprintf(f, "io:              %llu port accesses\n", (unsigned long long)s->io_accesses);
	struct mon_cost_counts n;
	mon_vm_cost_counts(vm, &n);
	fprintf(f, "modelled cycles: %llu (each event's count x its price, summed: docs/cost-model.md)\n",
		(unsigned long long)mon_cost_cycles(c, &n));
	fprintf(f, "  counts:        ");
	for (unsigned t = 0; t < MON_COST_TERMS; t++)
		fprintf(f, "%s%s %llu", t ? ", " : "", mon_cost_name((enum mon_cost_term)t),
			(unsigned long long)n.n[t]);
	fprintf(f, "\n  prices:        ");
	mon_cost_print_prices(f, c);
	fprintf(f, " (cycles per event)\n");
	mon_modes_summary(vm, f);
	mon_overcommit_summary(vm, f, false);
}
