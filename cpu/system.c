/*
 * cpu/system.c — sensitive instructions: the class each belongs to, and the
 * dispatcher that executes them with real-hardware semantics at the current
 * CPL. The instruction families live in sys_cr.c (control registers),
 * sys_desc.c (descriptor tables), sys_msr.c (MSRs, cpuid, rdtsc),
 * sys_io.c (port I/O) and sys_flow.c (iretq, syscall/sysret, int n, swapgs);
 * the flag instructions, hlt and the cache instructions are here.
 *
 * The decoder calls cpu_exec_sens() only when the virtualization control
 * does not make the instruction exit; it behaves as a real CPU without
 * UMIP would: privileged instructions #GP(0) at CPL > 0, sgdt and friends
 * quietly reveal the real state, popf silently keeps IF and IOPL.
 */
#include "cpu/internal.h"

uint32_t cpu_sens_class(enum cpu_sens_op op)
{
	static const uint32_t cls[SOP_COUNT] = {
		[SOP_MOV_TO_CR] = SENS_CR, [SOP_MOV_FROM_CR] = SENS_CR, [SOP_CLTS] = SENS_CR,
		[SOP_INVLPG] = SENS_INVLPG,
		[SOP_LGDT] = SENS_DESC_LOAD, [SOP_LIDT] = SENS_DESC_LOAD,
		[SOP_LTR] = SENS_DESC_LOAD, [SOP_LLDT] = SENS_DESC_LOAD,
		[SOP_SGDT] = SENS_DESC_STORE, [SOP_SIDT] = SENS_DESC_STORE,
		[SOP_STR] = SENS_DESC_STORE, [SOP_SLDT] = SENS_DESC_STORE,
		[SOP_SMSW] = SENS_DESC_STORE,
		[SOP_RDMSR] = SENS_MSR, [SOP_WRMSR] = SENS_MSR,
		[SOP_CLI] = SENS_IF, [SOP_STI] = SENS_IF,
		[SOP_PUSHF] = SENS_FLAGS, [SOP_POPF] = SENS_FLAGS,
		[SOP_HLT] = SENS_HLT,
		[SOP_IN] = SENS_IO, [SOP_OUT] = SENS_IO, [SOP_INS] = SENS_IO, [SOP_OUTS] = SENS_IO,
		[SOP_IRETQ] = SENS_IRET, [SOP_SYSRET] = SENS_IRET,
		[SOP_SWAPGS] = SENS_SWAPGS, [SOP_CPUID] = SENS_CPUID, [SOP_RDTSC] = SENS_RDTSC,
		[SOP_WBINVD] = SENS_CACHE, [SOP_INVD] = SENS_CACHE,
		[SOP_INT3] = SENS_INT, [SOP_INTN] = SENS_INT, [SOP_SYSCALL] = SENS_INT,
		[SOP_VMCALL] = SENS_VMCALL,
	};
	return (unsigned)op < SOP_COUNT ? cls[op] : 0;
}

#define IOPL(fl) ((unsigned)((fl) >> 12) & 3u)

/* cli / sti: allowed when CPL <= IOPL, else #GP(0). An sti that sets IF
 * opens a one-instruction interrupt shadow (so `sti; hlt` cannot lose a
 * wake-up): the instruction after it completes before cpu_interrupt()
 * delivers an external interrupt. This sti retires as instruction icount,
 * the next one as icount + 1.
 * SIMPLIFICATION: mov ss / pop ss open no shadow. */
static void exec_cli_sti(struct cpu *cpu, bool set)
{
	uint64_t fl = cpu_get_rflags(cpu);
	if (cpu->cpl > IOPL(fl))
		cpu_fault(cpu, VEC_GP, 0);
	if (set && !(fl & RFLAGS_IF))
		cpu->irq_shadow = cpu->icount + 2;
	cpu_set_rflags(cpu, set ? fl | RFLAGS_IF : fl & ~RFLAGS_IF);
}

/* pushf: the image has RF and VM clear. A fault leaves RSP unchanged. */
static void exec_pushf(struct cpu *cpu, unsigned opsize)
{
	uint64_t fl = cpu_get_rflags(cpu) & ~(RFLAGS_RF | (1ull << 17));
	uint64_t rsp = cpu->gpr[RSP] - opsize;
	cpu_mem_write(cpu, rsp, opsize, opsize == 2 ? fl & 0xffff : fl);
	cpu->gpr[RSP] = rsp;
}

/* popf: arithmetic flags, TF, DF, NT, AC, ID always; IOPL only at CPL 0; IF
 * only when CPL <= IOPL (else silently kept: the Popek-Goldberg hole); RF
 * cleared; VM/VIF/VIP kept. A 16-bit popf changes only the low word. */
static void exec_popf(struct cpu *cpu, unsigned opsize)
{
	uint64_t old = cpu_get_rflags(cpu);
	uint64_t val = cpu_mem_read(cpu, cpu->gpr[RSP], opsize);
	uint64_t mask = RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC | RFLAGS_ID;
	if (cpu->cpl == 0)
		mask |= RFLAGS_IOPL;
	if (cpu->cpl <= IOPL(old))
		mask |= RFLAGS_IF;
	if (opsize == 2)
		mask &= 0xffff;
	uint64_t fl = ((old & ~mask) | (val & mask)) & ~RFLAGS_RF;
	cpu->gpr[RSP] += opsize;
	cpu_set_rflags(cpu, fl | RFLAGS_FIXED);
}

enum cpu_exit_reason cpu_exec_sens(struct cpu *cpu, const struct cpu_sens *s)
{
	switch (s->op) {
	case SOP_MOV_TO_CR: case SOP_MOV_FROM_CR: case SOP_CLTS: case SOP_INVLPG:
	case SOP_SMSW:
		return cpu_sys_cr(cpu, s);
	case SOP_LGDT: case SOP_LIDT: case SOP_LTR: case SOP_LLDT:
	case SOP_SGDT: case SOP_SIDT: case SOP_STR: case SOP_SLDT:
		return cpu_sys_desc(cpu, s);
	case SOP_RDMSR: case SOP_WRMSR: case SOP_CPUID: case SOP_RDTSC:
		return cpu_sys_msr(cpu, s);
	case SOP_IN: case SOP_OUT: case SOP_INS: case SOP_OUTS:
		return cpu_sys_io(cpu, s);
	case SOP_IRETQ: case SOP_SYSRET: case SOP_SWAPGS: case SOP_INT3: case SOP_INTN:
	case SOP_SYSCALL:
		return cpu_sys_flow(cpu, s);
	case SOP_CLI: case SOP_STI:
		exec_cli_sti(cpu, s->op == SOP_STI);
		break;
	case SOP_PUSHF:
		exec_pushf(cpu, s->opsize == 2 ? 2 : 8);
		break;
	case SOP_POPF:
		exec_popf(cpu, s->opsize == 2 ? 2 : 8);
		break;
	case SOP_HLT:
		cpu_sys_need_cpl0(cpu);
		cpu_sys_next(cpu, s);
		return CPU_EXIT_HLT;
	case SOP_WBINVD: case SOP_INVD:
		/* No caches are modelled: a no-op at CPL 0. */
		cpu_sys_need_cpl0(cpu);
		break;
	case SOP_VMCALL:
		/* Without a monitor intercepting it, vmcall is #UD (no VMX root). */
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	case SOP_NONE: case SOP_COUNT:
	default:
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
	cpu_sys_next(cpu, s);
	return CPU_EXIT_NONE;
}
