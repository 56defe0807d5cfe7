/*
 * monitor/vmm/modes.c — options, set-up and dispatch for the MMU modes,
 * paravirtualization and strict x86 (monitor/modes.h): the hooks the rest of
 * the monitor calls, the hypervisor CPUID leaves, the vmlab MSRs, and the
 * mode's lines of the end-of-run summary.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/modes.h"

int mon_modes_parse_option(struct mon_config *cfg, int argc, char **argv, int *i, char *err,
			   size_t errlen)
{
	const char *arg = argv[*i];
	if (!strcmp(arg, "--paravirt")) {
		cfg->paravirt = true;
		return 1;
	}
	if (!strcmp(arg, "--strict-x86")) {
		cfg->strict_x86 = true;
		return 1;
	}
	if (strncmp(arg, "--mmu", 5) || (arg[5] != '\0' && arg[5] != '='))
		return 0;
	const char *val;
	if (arg[5] == '=') {
		val = arg + 6;
	} else {
		if (*i + 1 >= argc) {
			snprintf(err, errlen, "option --mmu needs a value (shadow, swtlb or nested)");
			return -1;
		}
		val = argv[++*i];
	}
	if (!strcmp(val, "shadow"))
		cfg->mmu = MON_MMU_SHADOW;
	else if (!strcmp(val, "swtlb"))
		cfg->mmu = MON_MMU_SWTLB;
	else if (!strcmp(val, "nested"))
		cfg->mmu = MON_MMU_NESTED;
	else {
		snprintf(err, errlen, "bad --mmu '%s' (want shadow, swtlb or nested)", val);
		return -1;
	}
	return 1;
}

void mon_modes_print_options(FILE *f)
{
	fputs("  --mmu MODE               shadow (default): shadow page tables, TLB misses exit;\n"
	      "                           swtlb: misses go to the guest kernel's TLB-refill handler;\n"
	      "                           nested: the CPU walks guest and nested tables (no exits)\n"
	      "  --paravirt               the guest sees CPUID 0x40000000 \"VmlabVmlabVm\" and uses\n"
	      "                           vmcall hypercalls (console, batched PTE updates, flushes, IF)\n"
	      "  --strict-x86             pre-VT x86: popf/pushf and sgdt/sidt/smsw/str/sldt do not\n"
	      "                           trap (the Popek-Goldberg holes), with explanations\n",
	      f);
}

const char *mon_modes_name(const struct mon_config *cfg)
{
	static const char *const names[3][2] = {
		{ "shadow", "shadow+paravirt" },
		{ "swtlb", "swtlb+paravirt" },
		{ "nested", "nested+paravirt" },
	};
	if (cfg->bare_core)
		return "bare core (no monitor: the CPU's own paging and IDT)";
	unsigned m = cfg->mmu <= MON_MMU_NESTED ? (unsigned)cfg->mmu : 0;
	return names[m][cfg->paravirt ? 1 : 0];
}

int mon_modes_init(struct vm *vm, char *err, size_t errlen)
{
	vm->modes = calloc(1, sizeof *vm->modes);
	if (!vm->modes) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	vm->modes->bad_pa = PA_NONE;
	vm->modes->nested.root = MA_NONE;
	vm->modes->swtlb_vector = 0x100;
	if (vm->bare) {
		if (vm->cfg.mmu == MON_MMU_SHADOW && !vm->cfg.paravirt && !vm->cfg.strict_x86)
			return 0;
		snprintf(err, errlen, "--bare-core runs without a monitor: --mmu, --paravirt and --strict-x86 do not apply");
		return -1;
	}
	if (vm->cfg.mmu == MON_MMU_NESTED && mon_nested_init(vm, err, errlen))
		return -1;
	if (vm->cfg.mmu == MON_MMU_SWTLB)
		mon_swtlb_init(vm);
	if (vm->cfg.strict_x86)
		mon_strict_init(vm);
	return 0;
}

void mon_modes_free(struct vm *vm)
{
	if (!vm->modes)
		return;
	if (vm->modes->nested_ok)
		shadow_nested_free(&vm->modes->nested);
	free(vm->modes);
	vm->modes = NULL;
}

/* The hypervisor leaves: who we are and what this VM's mode offers. */
static bool hv_cpuid(struct vm *vm, const struct cpu_sens *s)
{
	struct cpu *cpu = &vm->cpu;
	uint32_t leaf = (uint32_t)cpu->gpr[RAX], a, b = 0, c = 0, d = 0;
	if (leaf == CPUID_HV_LEAF) {
		a = VMLAB_CPUID_FEATURES;
		memcpy(&b, "Vmla", 4);
		memcpy(&c, "bVml", 4);
		memcpy(&d, "abVm", 4);
	} else if (leaf == VMLAB_CPUID_FEATURES) {
		a = (vm->cfg.paravirt ? VMLAB_FEAT_HYPERCALL : 0) |
		    (vm->cfg.mmu == MON_MMU_SWTLB ? VMLAB_FEAT_SWTLB : 0) |
		    (vm->cfg.mmu == MON_MMU_NESTED ? VMLAB_FEAT_NESTED : 0);
		b = VMLAB_PFERR_TLBMISS;
		c = VMLAB_MSR_TLB_WRITE;
		d = VMLAB_MSR_SWTLB_VECTOR;
	} else {
		return false;
	}
	cpu->gpr[RAX] = a;
	cpu->gpr[RBX] = b;
	cpu->gpr[RCX] = c;
	cpu->gpr[RDX] = d;
	cpu->rip += s->len;
	return true;
}

bool mon_modes_emulate(struct vm *vm, const struct cpu_sens *s)
{
	if (!vm->modes)
		return false;
	switch (s->op) {
	case SOP_CPUID:
		return hv_cpuid(vm, s);
	case SOP_WRMSR: {
		uint32_t msr = (uint32_t)vm->cpu.gpr[RCX];
		uint64_t v = (vm->cpu.gpr[RDX] << 32) | (uint32_t)vm->cpu.gpr[RAX];
		/* mon_swtlb_wrmsr advances RIP itself (or reflects a fault) */
		return vm->cfg.mmu == MON_MMU_SWTLB && vm->v.cpl == 0 && mon_swtlb_wrmsr(vm, msr, v, s->len);
	}
	case SOP_VMCALL:
		if (!vm->cfg.paravirt || vm->v.cpl != 0)
			return false; /* #UD, as without a hypervisor */
		mon_paravirt_call(vm, s);
		return true;
	default:
		return false;
	}
}

bool mon_modes_miss(struct vm *vm, va_t va, enum cpu_access acc)
{
	if (!vm->modes)
		return false;
	if (vm->cfg.mmu == MON_MMU_NESTED)
		return mon_nested_miss(vm);
	if (vm->cfg.mmu == MON_MMU_SWTLB)
		return mon_swtlb_miss(vm, va, acc);
	return false;
}

void mon_modes_after_run(struct vm *vm)
{
	struct mon_modes *m = vm->modes;
	if (!m)
		return;
	if (!m->announced) { /* the trace file opens after mon_modes_init: say it here */
		m->announced = true;
		if (MON_TRACING(vm, MON_CAT_VM) && (vm->cfg.mmu != MON_MMU_SHADOW || vm->cfg.paravirt ||
						    vm->cfg.strict_x86))
			mon_trace_emit(vm, MON_CAT_VM, "VMM", "mode", NULL, "MMU mode %s%s",
				       mon_modes_name(&vm->cfg), vm->cfg.strict_x86 ? ", strict x86" : "");
	}
	if (vm->cfg.strict_x86)
		mon_strict_check(vm);
}

void mon_modes_summary(const struct vm *vm, FILE *f)
{
	const struct mon_modes *m = vm->modes;
	if (!m)
		return;
	fprintf(f, "mode:            %s%s\n", mon_modes_name(&vm->cfg), vm->cfg.strict_x86 ? ", strict x86" : "");
	if (vm->cfg.mmu == MON_MMU_NESTED)
		fprintf(f, "nested:          2-D walks %llu, references %llu (%.1f per walk), nested tables %llu frames\n",
			(unsigned long long)m->walks2d, (unsigned long long)m->walk2d_refs,
			m->walks2d ? (double)m->walk2d_refs / (double)m->walks2d : 0.0,
			(unsigned long long)m->nested.tables);
	if (vm->cfg.mmu == MON_MMU_SWTLB) {
		uint64_t to_pf = m->refills > m->tlb_writes ? m->refills - m->tlb_writes : 0;
		fprintf(f, "swtlb:           refill upcalls %llu, privileged TLB writes %llu (%llu upcall%s became the guest's page fault%s), refill vector %s%u\n",
			(unsigned long long)m->refills, (unsigned long long)m->tlb_writes, (unsigned long long)to_pf,
			to_pf == 1 ? "" : "s", to_pf == 1 ? "" : "s",
			m->swtlb_vector < 0x100 ? "" : "none ", m->swtlb_vector & 0xff);
	}
	if (vm->cfg.paravirt) {
		uint64_t n = 0;
		for (unsigned i = 0; i < VMLAB_HC_COUNT; i++)
			n += m->hypercalls[i];
		fprintf(f, "hypercalls:      %llu (console %llu, mmu-update %llu carrying %llu PTEs, invlpg %llu, cr3 %llu, irq %llu, disk %llu moving %llu sectors)\n",
			(unsigned long long)n, (unsigned long long)m->hypercalls[VMLAB_HC_CONSOLE_WRITE],
			(unsigned long long)m->hypercalls[VMLAB_HC_MMU_UPDATE], (unsigned long long)m->hc_ptes,
			(unsigned long long)m->hypercalls[VMLAB_HC_INVLPG],
			(unsigned long long)m->hypercalls[VMLAB_HC_SET_CR3],
			(unsigned long long)m->hypercalls[VMLAB_HC_IRQ],
			(unsigned long long)(m->hypercalls[VMLAB_HC_DISK_READ] + m->hypercalls[VMLAB_HC_DISK_WRITE]),
			(unsigned long long)m->hc_sectors);
	}
	if (vm->cfg.strict_x86)
		mon_strict_summary(vm, f);
}

void mon_vm_mode_stats(const struct vm *vm, struct mon_mode_stats *out)
{
	const struct mon_modes *m = vm->modes;
	memset(out, 0, sizeof *out);
	if (!m)
		return;
	out->refills = m->refills;
	out->tlb_writes = m->tlb_writes;
	for (unsigned i = 0; i < VMLAB_HC_COUNT; i++)
		out->hypercalls += m->hypercalls[i];
}

/*
 * The fewest TLB ways for cfg's mode. One instruction's translations must
 * coexist (tlb_min_ways). Under --mmu=swtlb the app's miss runs the guest
 * kernel's refill handler in between, whose own translations land in the
 * same sets: what the handler installed for the app is pinned until the app
 * retires (mode_swtlb.c), and the handler needs at least one way beside the
 * app's worst case in every set (with exactly tlb_min_ways, `run=hello`
 * livelocks at 2x3). A handler that needs more of one set than is left
 * there while the app instruction needs the rest is not ruled out (that
 * would take twice the ways, refusing the default 16x4): the progress guard
 * stops such a VM with an explained reason (vm.c).
 */
static unsigned min_ways(const struct mon_config *cfg)
{
	unsigned w = tlb_min_ways(cfg->tlb_sets);
	return cfg->mmu == MON_MMU_SWTLB ? w + 1 : w;
}

int mon_modes_check_tlb(const struct mon_config *cfg, char *err, size_t errlen)
{
	unsigned w = min_ways(cfg);
	if (cfg->tlb_ways >= w)
		return 0;
	if (cfg->mmu == MON_MMU_SWTLB)
		snprintf(err, errlen, "--tlb %ux%u is too small for --mmu swtlb: the app's translations and its "
			 "TLB-refill handler's share the sets; use at least %ux%u",
			 cfg->tlb_sets, cfg->tlb_ways, cfg->tlb_sets, w);
	else
		snprintf(err, errlen, "a %ux%u TLB has too few ways: use at least %ux%u", cfg->tlb_sets,
			 cfg->tlb_ways, cfg->tlb_sets, w);
	return 1;
}
