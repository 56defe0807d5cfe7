/*
 * monitor/vmm/emulate_sys.c — emulation of the sensitive instructions on the
 * virtual CPU (control registers, descriptor tables, MSRs, flags, cpuid,
 * rdtsc, hlt, swapgs). The core decoded the instruction into cpu->exit.sens;
 * RIP is at it. Executed at virtual CPL 0 they act on vm->v; the privileged
 * ones at virtual CPL 3 raise #GP(0) in the guest kernel, as hardware would.
 */
#include <string.h>

#include "monitor/vmm/modes.h"
#include "monitor/vmm/vm.h"

/* Is op privileged (CPL 0 only) on real x86? */
static bool op_privileged(enum cpu_sens_op op)
{
	switch (op) {
	case SOP_MOV_TO_CR: case SOP_MOV_FROM_CR: case SOP_CLTS: case SOP_INVLPG:
	case SOP_LGDT: case SOP_LIDT: case SOP_LTR: case SOP_LLDT:
	case SOP_RDMSR: case SOP_WRMSR: case SOP_HLT: case SOP_SWAPGS:
	case SOP_WBINVD: case SOP_INVD: case SOP_SYSRET:
	case SOP_CLI: case SOP_STI: /* IOPL is 0 */
	case SOP_IN: case SOP_OUT: case SOP_INS: case SOP_OUTS:
		return true;
	default:
		return false;
	}
}

static void advance(struct vm *vm)
{
	vm->cpu.rip += vm->cpu.exit.sens.len;
}

static void gp0(struct vm *vm, const char *why)
{
	mon_reflect(vm, VEC_GP, true, 0, false, why);
}

/* Write back a guest memory operand; reflect #PF on failure. Returns success. */
static bool put_mem(struct vm *vm, va_t ea, const void *v, size_t n)
{
	uint32_t pf;
	if (mon_guest_rw(vm, ea, (void *)v, n, true, &pf))
		return true;
	mon_reflect(vm, VEC_PF, true, pf, false, "#PF (emulated store)");
	return false;
}

static bool get_mem(struct vm *vm, va_t ea, void *v, size_t n)
{
	uint32_t pf;
	if (mon_guest_rw(vm, ea, v, n, false, &pf))
		return true;
	mon_reflect(vm, VEC_PF, true, pf, false, "#PF (emulated load)");
	return false;
}

static void trace_sens(struct vm *vm, const char *fmt, unsigned long long a, unsigned long long b)
{
	if (MON_TRACING(vm, MON_CAT_EXIT)) {
		char text[120];
		snprintf(text, sizeof text, fmt, a, b);
		mon_trace_emit(vm, MON_CAT_EXIT, "VMM", "emulate", NULL, "emulate %s: %s",
			       cpu_sens_op_name(vm->cpu.exit.sens.op), text);
	}
}

static void paging_changed(struct vm *vm)
{
	struct shadow_flush_rec rec;
	shadow_set_paging(&vm->sh, vm->v.cr0, vm->v.cr4, vm->v.efer, &rec);
}

static void mov_to_cr(struct vm *vm, const struct cpu_sens *s)
{
	uint64_t val = vm->cpu.gpr[s->reg];
	switch (s->cr) {
	case 0:
		vm->v.cr0 = val | CR0_ET;
		paging_changed(vm);
		break;
	case 2:
		vm->v.cr2 = val;
		break;
	case 3: {
		struct shadow_flush_rec rec;
		memset(&rec, 0, sizeof rec);
		shadow_write_cr3(&vm->sh, val, &rec);
		vm->v.cr3 = val & ~CR3_NOFLUSH;
		vm->stats.cr3_writes++;
		if (MON_TRACING(vm, MON_CAT_VM | MON_CAT_TLB)) {
			struct mon_event f = { .has = MON_EV_PA, .pa = val & CR3_ADDR_MASK };
			mon_trace_emit(vm, MON_CAT_VM, "VMM", "cr3", &f,
				       "CR3 write: address space PA 0x%llx; TLB dropped %u, shadow root %s",
				       (unsigned long long)(val & CR3_ADDR_MASK), rec.tlb_dropped,
				       rec.root_hit ? "cached" : "new");
		}
		break;
	}
	case 4:
		vm->v.cr4 = val;
		paging_changed(vm);
		break;
	case 8:
		vm->cpu.cr8 = val & 0xf;
		break;
	default:
		mon_reflect(vm, VEC_UD, false, 0, false, "#UD (bad control register)");
		return;
	}
	trace_sens(vm, "CR%llu <- 0x%llx", s->cr, val);
	advance(vm);
}

static void mov_from_cr(struct vm *vm, const struct cpu_sens *s)
{
	uint64_t v;
	switch (s->cr) {
	case 0: v = vm->v.cr0; break;
	case 2: v = vm->v.cr2; break;
	case 3: v = vm->v.cr3; break;
	case 4: v = vm->v.cr4; break;
	case 8: v = vm->cpu.cr8; break;
	default:
		mon_reflect(vm, VEC_UD, false, 0, false, "#UD (bad control register)");
		return;
	}
	vm->cpu.gpr[s->reg] = v;
	advance(vm);
}

/* Read a descriptor-table register operand (limit:16, base:64). */
static bool load_dtr(struct vm *vm, const struct cpu_sens *s, struct cpu_dtr *d)
{
	uint8_t b[10];
	if (!get_mem(vm, s->ea, b, 10))
		return false;
	memcpy(&d->limit, b, 2);
	memcpy(&d->base, b + 2, 8);
	return true;
}

static void ltr(struct vm *vm, const struct cpu_sens *s)
{
	uint16_t sel;
	if (s->mem) {
		if (!get_mem(vm, s->ea, &sel, 2))
			return;
	} else {
		sel = (uint16_t)vm->cpu.gpr[s->reg];
	}
	uint64_t d[2];
	uint32_t pf;
	if ((sel & 4) || (sel | 7u) > vm->v.gdtr.limit || !(sel & 0xfff8)) {
		gp0(vm, "#GP (ltr selector)");
		return;
	}
	if (!mon_guest_rw(vm, vm->v.gdtr.base + (sel & 0xfff8), d, 16, false, &pf)) {
		mon_reflect(vm, VEC_PF, true, pf, false, "#PF (ltr descriptor)");
		return;
	}
	unsigned type = (unsigned)(d[0] >> 40) & 0xf;
	if (type != 9 || !((d[0] >> 47) & 1)) {
		mon_reflect(vm, VEC_GP, true, sel & 0xfffc, false, "#GP (ltr: not an available TSS)");
		return;
	}
	uint64_t base = ((d[0] >> 16) & 0xffffff) | ((d[0] >> 32) & 0xff000000ull) | (d[1] << 32);
	d[0] |= 2ull << 40; /* busy */
	mon_guest_rw(vm, vm->v.gdtr.base + (sel & 0xfff8), d, 8, true, &pf);
	vm->v.tr = sel;
	vm->cpu.tr = sel;
	vm->cpu.tr_base = base;
	trace_sens(vm, "TR <- 0x%llx (TSS at 0x%llx)", sel, base);
	advance(vm);
}

static bool msr_read(struct vm *vm, uint32_t msr, uint64_t *v)
{
	struct mon_vcpu *c = &vm->v;
	switch (msr) {
	case MSR_EFER: *v = c->efer; return true;
	case MSR_STAR: *v = c->star; return true;
	case MSR_LSTAR: *v = c->lstar; return true;
	case MSR_CSTAR: *v = c->cstar; return true;
	case MSR_FMASK: *v = c->fmask; return true;
	case MSR_FS_BASE: *v = vm->cpu.seg[SEG_FS].base; return true;
	case MSR_GS_BASE: *v = vm->cpu.seg[SEG_GS].base; return true;
	case MSR_KERNEL_GS_BASE: *v = c->kernel_gs_base; return true;
	case MSR_TSC: *v = vm->cpu.icount; return true;
	case 0x1b: *v = 0xfee00900ull; return true; /* APIC base: BSP, enabled */
	default: return false;
	}
}

static bool msr_write(struct vm *vm, uint32_t msr, uint64_t v)
{
	struct mon_vcpu *c = &vm->v;
	switch (msr) {
	case MSR_EFER:
		if (v & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return false;
		c->efer = v | EFER_LMA | EFER_LME; /* long mode stays on */
		paging_changed(vm);
		return true;
	case MSR_STAR: c->star = v; return true;
	case MSR_LSTAR: c->lstar = v; return true;
	case MSR_CSTAR: c->cstar = v; return true;
	case MSR_FMASK: c->fmask = v & 0xffffffffull; return true;
	case MSR_FS_BASE: vm->cpu.seg[SEG_FS].base = c->fs_base = v; return true;
	case MSR_GS_BASE: vm->cpu.seg[SEG_GS].base = c->gs_base = v; return true;
	case MSR_KERNEL_GS_BASE: c->kernel_gs_base = v; return true;
	case MSR_TSC: return true; /* SIMPLIFICATION: the TSC is the instruction count, not writable */
	default: return false;
	}
}

static void rdwrmsr(struct vm *vm, bool write)
{
	struct cpu *cpu = &vm->cpu;
	uint32_t msr = (uint32_t)cpu->gpr[RCX];
	uint64_t v = (cpu->gpr[RDX] << 32) | (uint32_t)cpu->gpr[RAX];
	if (write) {
		if (!msr_write(vm, msr, v)) {
			gp0(vm, "#GP (wrmsr to an unknown MSR)");
			return;
		}
		trace_sens(vm, "MSR 0x%llx <- 0x%llx", msr, v);
	} else {
		if (!msr_read(vm, msr, &v)) {
			gp0(vm, "#GP (rdmsr of an unknown MSR)");
			return;
		}
		cpu->gpr[RAX] = (uint32_t)v;
		cpu->gpr[RDX] = v >> 32;
	}
	advance(vm);
}

/* cpuid as the virtual CPU answers it. */
static void cpuid(struct vm *vm)
{
	struct cpu *cpu = &vm->cpu;
	uint32_t leaf = (uint32_t)cpu->gpr[RAX], a = 0, b = 0, c = 0, d = 0;
	switch (leaf) {
	case 0:
		a = 1;
		memcpy(&b, "Genu", 4);
		memcpy(&d, "ineI", 4);
		memcpy(&c, "ntel", 4);
		break;
	case 1:
		a = 0x00000f01;
		d = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 13) |
		    (1u << 15) | (1u << 24) | (1u << 25) | (1u << 26);
		c = 1u << 31; /* hypervisor present */
		break;
	case CPUID_HV_LEAF:
		a = CPUID_HV_LEAF;
		memcpy(&b, "vmla", 4);
		memcpy(&c, "bVMM", 4);
		memcpy(&d, "    ", 4);
		break;
	case 0x80000000:
		a = 0x80000001;
		break;
	case 0x80000001:
		d = (1u << 11) | (1u << 20) | (1u << 29); /* syscall, NX, long mode */
		break;
	default:
		break;
	}
	cpu->gpr[RAX] = a;
	cpu->gpr[RBX] = b;
	cpu->gpr[RCX] = c;
	cpu->gpr[RDX] = d;
	advance(vm);
}

static void pushf(struct vm *vm, const struct cpu_sens *s)
{
	/* LAB-HOLE-BEGIN strict-x86 stub: (void)s; (void)put_mem; mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "not implemented: pushf"); */
	uint64_t f = mon_vm_guest_rflags(vm) & ~(RFLAGS_RF | RFLAGS_TF);
	uint64_t rsp = vm->cpu.gpr[RSP] - s->opsize;
	if (!put_mem(vm, rsp, &f, s->opsize))
		return;
	vm->cpu.gpr[RSP] = rsp;
	advance(vm);
	/* LAB-HOLE-END strict-x86 */
}

static void popf(struct vm *vm, const struct cpu_sens *s)
{
	/* LAB-HOLE-BEGIN strict-x86 stub: (void)s; mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "not implemented: popf"); */
	uint64_t f = 0;
	if (!get_mem(vm, vm->cpu.gpr[RSP], &f, s->opsize))
		return;
	vm->cpu.gpr[RSP] += s->opsize;
	uint64_t old = cpu_get_rflags(&vm->cpu);
	uint64_t changeable = s->opsize == 2 ? 0x7fd5ull : 0x254fd5ull;
	changeable &= ~(RFLAGS_IF | RFLAGS_IOPL | RFLAGS_RF);
	cpu_set_rflags(&vm->cpu, (old & ~changeable) | (f & changeable) | RFLAGS_FIXED);
	if (vm->v.cpl == 0)
		vm->v.iflag = f & RFLAGS_IF; /* at virtual CPL 3 IF is silently kept, as with IOPL 0 */
	advance(vm);
	/* LAB-HOLE-END strict-x86 */
}

/* hlt: with IF clear the VM is done; with IF set, idle until the next timer edge. */
static void hlt(struct vm *vm)
{
	advance(vm);
	mon_hlt_wait(vm);
}

void mon_hlt_wait(struct vm *vm)
{
	if (!vm->v.iflag) {
		mon_vm_halt(vm, MON_STOP_HALT, 0, "guest halted with interrupts disabled (hlt, IF=0)");
		return;
	}
	if (mon_pic_pending(&vm->pic))
		return;
	if (vm->next_tick == UINT64_MAX) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1,
			    "guest waits in hlt with no interrupt source armed (deadlock)");
		return;
	}
	/* SIMPLIFICATION: idle time passes instantly: the instruction count jumps to the next tick. */
	mon_vm_account(vm);
	if (MON_TRACING(vm, MON_CAT_IRQ))
		mon_trace_emit(vm, MON_CAT_IRQ, "VMM", "idle", NULL, "hlt: idle until the timer at %llu",
			       (unsigned long long)vm->next_tick);
	vm->cpu.icount = vm->next_tick;
	vm->last_icount = vm->cpu.icount;
}

/* ---- one handler per sensitive instruction (RIP at it; each advances or reflects) ---- */
typedef void (*sens_fn)(struct vm *vm, const struct cpu_sens *s);

static void e_clts(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	vm->v.cr0 &= ~CR0_TS;
	advance(vm);
}

static void e_invlpg(struct vm *vm, const struct cpu_sens *s)
{
	struct shadow_flush_rec rec;
	memset(&rec, 0, sizeof rec);
	shadow_invlpg(&vm->sh, s->ea, &rec);
	if (MON_TRACING(vm, MON_CAT_TLB)) {
		struct mon_event f = { .has = MON_EV_VA, .va = s->ea };
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "invlpg", &f, "invlpg VA 0x%llx: TLB dropped %u, shadow cleared %u",
			       (unsigned long long)s->ea, rec.tlb_dropped, rec.shadow_cleared);
	}
	advance(vm);
}

static void e_lgdt_lidt(struct vm *vm, const struct cpu_sens *s)
{
	struct cpu_dtr d;
	if (!load_dtr(vm, s, &d))
		return;
	if (s->op == SOP_LGDT) {
		vm->v.gdtr = d;
		vm->cpu.gdtr = d; /* user-mode segment loads check the guest's own GDT */
	} else {
		vm->v.idtr = d;
	}
	trace_sens(vm, "base 0x%llx limit 0x%llx", d.base, d.limit);
	advance(vm);
}

static void e_lldt(struct vm *vm, const struct cpu_sens *s)
{
	uint16_t sel = s->mem ? 0 : (uint16_t)vm->cpu.gpr[s->reg];
	if (s->mem && !get_mem(vm, s->ea, &sel, 2))
		return;
	if (sel & 0xfffc) { /* SIMPLIFICATION: no LDTs */
		mon_vm_halt(vm, MON_STOP_UNSUPPORTED, 1, "lldt with a non-null selector is not supported");
		return;
	}
	advance(vm);
}

static void e_sgdt_sidt(struct vm *vm, const struct cpu_sens *s)
{
	/* LAB-HOLE-BEGIN strict-x86 stub: (void)s; mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "not implemented: sgdt/sidt"); */
	const struct cpu_dtr *d = s->op == SOP_SGDT ? &vm->v.gdtr : &vm->v.idtr;
	uint8_t b[10];
	memcpy(b, &d->limit, 2);
	memcpy(b + 2, &d->base, 8);
	if (put_mem(vm, s->ea, b, 10))
		advance(vm);
	/* LAB-HOLE-END strict-x86 */
}

/* str, sldt, smsw: the virtual TR / LDTR (0) / CR0 low word. */
static void e_store_sys(struct vm *vm, const struct cpu_sens *s)
{
	/* LAB-HOLE-BEGIN strict-x86 stub: (void)s; mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "not implemented: str/sldt/smsw"); */
	uint64_t v = s->op == SOP_STR ? vm->v.tr : s->op == SOP_SLDT ? 0 : (vm->v.cr0 & 0xffff);
	uint64_t *r = &vm->cpu.gpr[s->reg];
	if (s->mem) {
		uint16_t low = (uint16_t)v; /* a store to memory writes 16 bits */
		if (!put_mem(vm, s->ea, &low, 2))
			return;
	} else {
		*r = s->opsize == 2 ? (*r & ~0xffffull) | (v & 0xffff) : v;
	}
	advance(vm);
	/* LAB-HOLE-END strict-x86 */
}

static void e_rdmsr(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	rdwrmsr(vm, false);
}

static void e_wrmsr(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	rdwrmsr(vm, true);
}

/* cli / sti on the virtual IF; sti that sets IF delays interrupts by one instruction
 * (the x86 interrupt shadow: `sti; hlt` sleeps until an interrupt, losing none). */
static void e_cli_sti(struct vm *vm, const struct cpu_sens *s)
{
	if (s->op == SOP_STI && !vm->v.iflag)
		vm->sti_shadow = true;
	vm->v.iflag = s->op == SOP_STI;
	advance(vm);
}

static void e_hlt(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	hlt(vm);
}

static void e_io(struct vm *vm, const struct cpu_sens *s)
{
	mon_emulate_io(vm, s);
}

static void e_iretq(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	mon_emulate_iretq(vm);
}

static void e_sysret(struct vm *vm, const struct cpu_sens *s)
{
	mon_emulate_sysret(vm, s->opsize);
}

static void e_swapgs(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	struct cpu *cpu = &vm->cpu;
	uint64_t t = cpu->seg[SEG_GS].base;
	cpu->seg[SEG_GS].base = vm->v.kernel_gs_base;
	vm->v.kernel_gs_base = t;
	vm->v.gs_base = cpu->seg[SEG_GS].base;
	advance(vm);
}

static void e_cpuid(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	cpuid(vm);
}

/* rdtsc: the instruction count (privileged under CR4.TSD). */
static void e_rdtsc(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	if (vm->v.cpl != 0 && (vm->v.cr4 & CR4_TSD)) {
		gp0(vm, "#GP (rdtsc with CR4.TSD)");
		return;
	}
	vm->cpu.gpr[RAX] = (uint32_t)vm->cpu.icount;
	vm->cpu.gpr[RDX] = vm->cpu.icount >> 32;
	advance(vm);
}

static void e_nop(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	advance(vm);
}

/* int3 / int n: a software interrupt through the guest IDT (gate DPL checked). */
static void e_int(struct vm *vm, const struct cpu_sens *s)
{
	advance(vm);
	if (s->op == SOP_INT3)
		mon_reflect(vm, VEC_BP, false, 0, true, "int3");
	else
		mon_reflect(vm, s->imm, false, 0, true, "int n");
}

static void e_syscall(struct vm *vm, const struct cpu_sens *s)
{
	mon_reflect_syscall(vm, s->len);
}

static void e_vmcall(struct vm *vm, const struct cpu_sens *s)
{
	(void)s;
	mon_reflect(vm, VEC_UD, false, 0, false, "#UD (vmcall without --paravirt)");
}

static const sens_fn sens_table[SOP_COUNT] = {
	[SOP_MOV_TO_CR] = mov_to_cr,    /* mov cr*, reg: CR0/CR3/CR4 go to the shadow MMU */
	[SOP_MOV_FROM_CR] = mov_from_cr, /* mov reg, cr*: the virtual value */
	[SOP_CLTS] = e_clts,
	[SOP_INVLPG] = e_invlpg,        /* shadow entry + TLB entries of the page */
	[SOP_LGDT] = e_lgdt_lidt,
	[SOP_LIDT] = e_lgdt_lidt,       /* the IDT reflections go through */
	[SOP_LTR] = ltr,                /* the TSS whose RSP0 reflections use */
	[SOP_LLDT] = e_lldt,
	[SOP_SGDT] = e_sgdt_sidt,       /* the virtual GDTR/IDTR, never the monitor's */
	[SOP_SIDT] = e_sgdt_sidt,
	[SOP_STR] = e_store_sys,
	[SOP_SLDT] = e_store_sys,
	[SOP_SMSW] = e_store_sys,
	[SOP_RDMSR] = e_rdmsr,
	[SOP_WRMSR] = e_wrmsr,
	[SOP_CLI] = e_cli_sti,          /* the virtual IF */
	[SOP_STI] = e_cli_sti,
	[SOP_PUSHF] = pushf,            /* virtual IF in the pushed image */
	[SOP_POPF] = popf,              /* virtual IF from the popped image (virtual CPL 0) */
	[SOP_HLT] = e_hlt,              /* IF=0: the VM is done; IF=1: idle to the next tick */
	[SOP_IN] = e_io,
	[SOP_OUT] = e_io,
	[SOP_INS] = e_io,
	[SOP_OUTS] = e_io,
	[SOP_IRETQ] = e_iretq,          /* back to the app: a round trip closes */
	[SOP_SYSRET] = e_sysret,
	[SOP_SWAPGS] = e_swapgs,
	[SOP_CPUID] = e_cpuid,
	[SOP_RDTSC] = e_rdtsc,
	[SOP_WBINVD] = e_nop,
	[SOP_INVD] = e_nop,
	[SOP_INT3] = e_int,
	[SOP_INTN] = e_int,
	[SOP_SYSCALL] = e_syscall,      /* into the kernel at LSTAR: a round trip opens */
	[SOP_VMCALL] = e_vmcall,        /* (--paravirt handles it in modes.c first) */
};

void mon_emulate_sens(struct vm *vm)
{
	const struct cpu_sens s = vm->cpu.exit.sens;
	if (s.op < SOP_COUNT)
		vm->stats.sens[s.op]++;
	if (vm->v.cpl != 0 && op_privileged(s.op)) {
		gp0(vm, "#GP (privileged instruction in user mode)");
		return;
	}
	if (mon_modes_emulate(vm, &s)) /* hypervisor CPUID leaves, vmlab MSRs, vmcall */
		return;
	if (s.op < SOP_COUNT && sens_table[s.op]) {
		sens_table[s.op](vm, &s);
		return;
	}
	mon_vm_halt(vm, MON_STOP_UNSUPPORTED, 1, "sensitive instruction %s is not emulated (RIP 0x%llx)",
		    cpu_sens_op_name(s.op), (unsigned long long)vm->cpu.rip);
}
