/*
 * cpu/sys_msr.c — rdmsr/wrmsr (CPL 0), cpuid and rdtsc (any CPL).
 *
 * cpuid is deterministic and reports only what the core implements: long
 * mode, syscall, NX, 1G pages, PAE/PGE/PSE, PCID, TSC, MSRs, cmov, popcnt,
 * lzcnt, lahf/sahf; no FPU, MMX, SSE, cmpxchg8b/16b, APIC or debug
 * extensions. Leaves 0x40000000..0x400000ff belong to the monitor
 * (CPUID_HV_LEAF); the bare core answers them with zeros.
 */
#include <string.h>

#include "cpu/internal.h"

#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

/* Leaf 1 feature bits. */
#define CPUID1_EDX ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 13) | \
		    (1u << 15)) /* PSE TSC MSR PAE PGE CMOV */
#define CPUID1_ECX ((1u << 17) | (1u << 23)) /* PCID POPCNT */
/* Leaf 0x80000001. */
#define CPUIDX1_EDX ((1u << 11) | (1u << 20) | (1u << 26) | (1u << 29)) /* SYSCALL NX 1GB LM */
#define CPUIDX1_ECX ((1u << 0) | (1u << 5)) /* LAHF/SAHF in 64-bit mode, ABM (lzcnt) */

static const char vendor[12] = "VmlabVmlabVm";
static const char brand[48] = "vmlab interpretive x86-64 core";

/* Four little-endian bytes of a string as a register value. */
static uint32_t str4(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* EFER: SCE, LME, NXE writable; LMA is read-only (writes ignored); other
 * bits #GP(0). LME cannot change while paging is on. */
static void write_efer(struct cpu *cpu, uint64_t val)
{
	if (val & ~(EFER_WRITABLE | EFER_LMA))
		cpu_fault(cpu, VEC_GP, 0);
	if ((cpu->cr0 & CR0_PG) && ((val ^ cpu->efer) & EFER_LME))
		cpu_fault(cpu, VEC_GP, 0);
	uint64_t nv = (cpu->efer & EFER_LMA) | (val & EFER_WRITABLE);
	bool nx_changed = (nv ^ cpu->efer) & EFER_NXE;
	cpu->efer = nv;
	if (nx_changed) {
		cpu_ftlb_flush(cpu);
		cpu_paging_flush(cpu, false);
	}
}

/* Store `val` to a base MSR, #GP(0) unless canonical. */
static void write_canonical(struct cpu *cpu, uint64_t *dst, uint64_t val)
{
	if (!cpu_sys_canonical(val))
		cpu_fault(cpu, VEC_GP, 0);
	*dst = val;
}

/* SIMPLIFICATION: writes to the TSC are ignored (it is the instruction count). */
static void wrmsr(struct cpu *cpu, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_EFER: write_efer(cpu, val); break;
	case MSR_STAR: cpu->star = val; break;
	case MSR_LSTAR: write_canonical(cpu, &cpu->lstar, val); break;
	case MSR_CSTAR: write_canonical(cpu, &cpu->cstar, val); break;
	case MSR_FMASK:
		if (val >> 32)
			cpu_fault(cpu, VEC_GP, 0);
		cpu->fmask = val;
		break;
	case MSR_FS_BASE: write_canonical(cpu, &cpu->seg[SEG_FS].base, val); break;
	case MSR_GS_BASE: write_canonical(cpu, &cpu->seg[SEG_GS].base, val); break;
	case MSR_KERNEL_GS_BASE: write_canonical(cpu, &cpu->kernel_gs_base, val); break;
	case MSR_TSC: break;
	default: cpu_fault(cpu, VEC_GP, 0);
	}
}

static uint64_t rdmsr(struct cpu *cpu, uint32_t msr)
{
	switch (msr) {
	case MSR_EFER: return cpu->efer;
	case MSR_STAR: return cpu->star;
	case MSR_LSTAR: return cpu->lstar;
	case MSR_CSTAR: return cpu->cstar;
	case MSR_FMASK: return cpu->fmask;
	case MSR_FS_BASE: return cpu->seg[SEG_FS].base;
	case MSR_GS_BASE: return cpu->seg[SEG_GS].base;
	case MSR_KERNEL_GS_BASE: return cpu->kernel_gs_base;
	case MSR_TSC: return cpu->icount;
	default: cpu_fault(cpu, VEC_GP, 0);
	}
}

/* CPUID leaf `leaf`, subleaf `sub` into r[0..3] = EAX, EBX, ECX, EDX.
 * SIMPLIFICATION: unknown leaves return zeros (Intel repeats the highest
 * basic leaf). */
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	(void)sub;
	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case 0:
		r[0] = 7;
		r[1] = str4(vendor);
		r[3] = str4(vendor + 4);
		r[2] = str4(vendor + 8);
		break;
	case 1:
		r[0] = 0x00000601; /* family 6, model 0, stepping 1 */
		r[2] = CPUID1_ECX;
		r[3] = CPUID1_EDX;
		break;
	case 0x80000000:
		r[0] = 0x80000008;
		break;
	case 0x80000001:
		r[2] = CPUIDX1_ECX;
		r[3] = CPUIDX1_EDX;
		break;
	case 0x80000002: case 0x80000003: case 0x80000004: {
		const char *p = brand + 16 * (leaf - 0x80000002);
		for (int i = 0; i < 4; i++)
			r[i] = str4(p + 4 * i);
		break;
	}
	case 0x80000008:
		r[0] = 0x3028; /* 48-bit linear, 40-bit physical addresses */
		break;
	default:
		break;
	}
}

enum cpu_exit_reason cpu_sys_msr(struct cpu *cpu, const struct cpu_sens *s)
{
	uint64_t *g = cpu->gpr;
	switch (s->op) {
	case SOP_RDMSR: {
		cpu_sys_need_cpl0(cpu);
		uint64_t v = rdmsr(cpu, (uint32_t)g[RCX]);
		g[RAX] = (uint32_t)v;
		g[RDX] = v >> 32;
		break;
	}
	case SOP_WRMSR:
		cpu_sys_need_cpl0(cpu);
		wrmsr(cpu, (uint32_t)g[RCX], ((g[RDX] & 0xffffffffull) << 32) | (uint32_t)g[RAX]);
		break;
	case SOP_CPUID: {
		uint32_t r[4];
		cpuid((uint32_t)g[RAX], (uint32_t)g[RCX], r);
		g[RAX] = r[0];
		g[RBX] = r[1];
		g[RCX] = r[2];
		g[RDX] = r[3];
		break;
	}
	case SOP_RDTSC:
		if (cpu->cpl > 0 && (cpu->cr4 & CR4_TSD))
			cpu_fault(cpu, VEC_GP, 0);
		g[RAX] = (uint32_t)cpu->icount;
		g[RDX] = cpu->icount >> 32;
		break;
	default:
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
	cpu_sys_next(cpu, s);
	return CPU_EXIT_NONE;
}
