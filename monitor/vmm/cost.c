/*
 * monitor/vmm/cost.c — the cost model (docs/cost-model.md): modelled cycles =
 * the sum over event kinds of count x price. The one place that says which
 * counts of a run are priced, for a monitored VM and for the bare core alike,
 * so `vmlab run` (with or without --bare-core) and `vmlab compare` print the
 * same number for the same run.
 */
#include <stddef.h>
#include <string.h>

#include "monitor/vmm/vm.h"

/* The events, in the order of struct mon_cost (its field names are the --cost names). */
static const struct {
	const char *name;
	size_t off;
} terms[MON_COST_TERMS] = {
	[MON_COST_INSN] = { "insn", offsetof(struct mon_cost, insn) },
	[MON_COST_TLB_HIT] = { "tlb_hit", offsetof(struct mon_cost, tlb_hit) },
	[MON_COST_TLB_MISS] = { "tlb_miss", offsetof(struct mon_cost, tlb_miss) },
	[MON_COST_WALK_REF] = { "walk_ref", offsetof(struct mon_cost, walk_ref) },
	[MON_COST_EXIT] = { "exit", offsetof(struct mon_cost, exit) },
	[MON_COST_EMULATE] = { "emulate", offsetof(struct mon_cost, emulate) },
	[MON_COST_REFLECT] = { "reflect", offsetof(struct mon_cost, reflect) },
	[MON_COST_SHADOW_FILL] = { "shadow_fill", offsetof(struct mon_cost, shadow_fill) },
	[MON_COST_PT_WRITE] = { "pt_write", offsetof(struct mon_cost, pt_write) },
	[MON_COST_IO] = { "io", offsetof(struct mon_cost, io) },
};

const char *mon_cost_name(enum mon_cost_term t)
{
	return (unsigned)t < MON_COST_TERMS ? terms[t].name : "?";
}

uint32_t mon_cost_price(const struct mon_cost *c, enum mon_cost_term t)
{
	uint32_t v = 0;
	if ((unsigned)t < MON_COST_TERMS)
		memcpy(&v, (const char *)c + terms[t].off, sizeof v);
	return v;
}

bool mon_cost_set(struct mon_cost *c, const char *name, uint32_t price)
{
	for (unsigned t = 0; t < MON_COST_TERMS; t++) {
		if (!strcmp(name, terms[t].name)) {
			memcpy((char *)c + terms[t].off, &price, sizeof price);
			return true;
		}
	}
	return false;
}

/*
 * The bare core has no monitor: no exits, nothing emulated, reflected or
 * shadowed; its CPU delivers interrupts through the IDT itself. Its device
 * accesses still cost `io` (the core stops for each so the device model can
 * answer: that is how vmlab models a device, not a world switch), and its own
 * paging TLB's misses cost tlb_miss + the entries its walker read.
 * SIMPLIFICATION: its TLB hits are not counted (the core's fast cache serves
 * most of them without telling anybody), so they stay 0: with the default
 * price (tlb_hit 0) that changes nothing.
 */
static void bare_counts(const struct vm *vm, struct mon_cost_counts *n)
{
	const struct cpu_stats *c = &vm->cpu.stats;
	n->n[MON_COST_INSN] = vm->stats.insns_user + vm->stats.insns_kernel;
	n->n[MON_COST_TLB_MISS] = c->paging_walks;
	n->n[MON_COST_WALK_REF] = c->paging_refs;
	n->n[MON_COST_IO] = vm->stats.io_accesses;
}

void mon_vm_cost_counts(const struct vm *vm, struct mon_cost_counts *n)
{
	memset(n, 0, sizeof *n);
	if (vm->bare) {
		bare_counts(vm, n);
		return;
	}
	const struct mon_stats *s = &vm->stats;
	uint64_t sens = 0;
	for (unsigned i = 0; i < SOP_COUNT; i++)
		sens += s->sens[i];
	n->n[MON_COST_INSN] = s->insns_user + s->insns_kernel;
	n->n[MON_COST_TLB_HIT] = mon_vm_tlb_hits(vm);
	n->n[MON_COST_TLB_MISS] = mon_vm_tlb_misses(vm);
	n->n[MON_COST_WALK_REF] = s->walk_refs;
	n->n[MON_COST_EXIT] = mon_stats_exits(s);
	n->n[MON_COST_EMULATE] = sens;
	n->n[MON_COST_REFLECT] = s->reflections;
	n->n[MON_COST_SHADOW_FILL] = s->shadow_fills;
	n->n[MON_COST_PT_WRITE] = s->pt_writes;
	n->n[MON_COST_IO] = s->io_accesses;
}

uint64_t mon_cost_cycles(const struct mon_cost *c, const struct mon_cost_counts *n)
{
	uint64_t sum = 0;
	for (unsigned t = 0; t < MON_COST_TERMS; t++)
		sum += n->n[t] * mon_cost_price(c, (enum mon_cost_term)t);
	return sum;
}

uint64_t mon_vm_cycles(const struct vm *vm)
{
	struct mon_cost_counts n;
	mon_vm_cost_counts(vm, &n);
	return mon_cost_cycles(&vm->cfg.cost, &n);
}

void mon_cost_print_prices(FILE *f, const struct mon_cost *c)
{
	for (unsigned t = 0; t < MON_COST_TERMS; t++)
		fprintf(f, "%s%s %u", t ? ", " : "", terms[t].name, mon_cost_price(c, (enum mon_cost_term)t));
}
