/*
 * cpu/sys_flow.c — privilege-changing control transfers: iretq, syscall,
 * sysret, software interrupts (int3, int n), and swapgs.
 */
#include "cpu/internal.h"

#define RFLAGS_VM (1ull << 17)
#define RFLAGS_VIF (1ull << 19)
#define RFLAGS_VIP (1ull << 20)
#define SYSRET_RFLAGS 0x3c7fd7ull /* bits sysret takes from R11 */

/*
 * iretq (opsize 8; 4 and 2 are iretd and iretw): pops RIP, CS, RFLAGS, RSP, SS —
 * 64-bit mode always pops SS:RSP, also without a privilege change. May
 * return to the same or an outer level only. RFLAGS: IOPL changes only at
 * CPL 0, IF only when CPL <= IOPL (the CPL before the return).
 * Nothing changes if a check or a pop faults.
 */
static void exec_iret(struct cpu *cpu, unsigned os)
{
	uint64_t old = cpu_get_rflags(cpu);
	if (old & RFLAGS_NT)
		cpu_fault(cpu, VEC_GP, 0); /* no task switches in IA-32e mode */
	uint64_t mask = os == 8 ? ~0ull : 0xffffffffull;
	uint64_t rsp = cpu->gpr[RSP];
	uint64_t rip = cpu_mem_read(cpu, rsp, os) & mask;
	uint16_t cs = (uint16_t)cpu_mem_read(cpu, rsp + os, os);
	uint64_t fl = cpu_mem_read(cpu, rsp + 2 * os, os) & mask;
	uint64_t new_rsp = cpu_mem_read(cpu, rsp + 3 * os, os) & mask;
	uint16_t ss = (uint16_t)cpu_mem_read(cpu, rsp + 4 * os, os);
	unsigned new_cpl = cpu_seg_check_ret_cs(cpu, cs);
	cpu_seg_check_ret_ss(cpu, ss, new_cpl);
	if (!cpu_sys_canonical(rip))
		cpu_fault(cpu, VEC_GP, 0);

	uint64_t fmask = RFLAGS_ARITH | RFLAGS_TF | RFLAGS_DF | RFLAGS_NT | RFLAGS_RF |
			 RFLAGS_AC | RFLAGS_ID;
	if (cpu->cpl == 0)
		fmask |= RFLAGS_IOPL | RFLAGS_VIF | RFLAGS_VIP;
	if (cpu->cpl <= ((old >> 12) & 3u))
		fmask |= RFLAGS_IF;
	if (os == 2)
		fmask &= 0xffff; /* iretw: only FLAGS */
	cpu_set_rflags(cpu, (old & ~fmask) | (fl & fmask) | RFLAGS_FIXED);
	cpu->rip = rip;
	cpu->gpr[RSP] = new_rsp;
	cpu->seg[SEG_CS].sel = cs;
	cpu->seg[SEG_SS].sel = ss;
	if (new_cpl != cpu->cpl) {
		cpu_sys_set_cpl(cpu, new_cpl);
		cpu_seg_null_outer(cpu);
	}
}

/* syscall: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS/SS from
 * STAR[47:32], RIP = LSTAR, CPL 0. #UD unless EFER.SCE. */
static void exec_syscall(struct cpu *cpu, const struct cpu_sens *s)
{
	if (!(cpu->efer & EFER_SCE))
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	uint64_t fl = cpu_get_rflags(cpu);
	uint16_t cs = (uint16_t)(cpu->star >> 32) & 0xfffc;
	cpu->gpr[RCX] = cpu->rip + s->len;
	cpu->gpr[R11] = fl & ~RFLAGS_RF;
	cpu_set_rflags(cpu, (fl & ~cpu->fmask & ~RFLAGS_RF & ~RFLAGS_VM) | RFLAGS_FIXED);
	cpu->seg[SEG_CS].sel = cs;
	cpu->seg[SEG_SS].sel = (uint16_t)(cs + 8);
	cpu_sys_set_cpl(cpu, 0);
	cpu->rip = cpu->lstar;
}

/* sysretq: back to CPL 3 at RCX with RFLAGS from R11, CS = STAR[63:48]+16,
 * SS = STAR[63:48]+8 (RPL 3). #UD unless EFER.SCE, #GP(0) at CPL > 0 or
 * for a non-canonical RCX. The 32-bit form (to compatibility mode) is
 * not supported: CPU_EXIT_UNSUPPORTED. */
static enum cpu_exit_reason exec_sysret(struct cpu *cpu, const struct cpu_sens *s)
{
	if (!(cpu->efer & EFER_SCE))
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	cpu_sys_need_cpl0(cpu);
	if (s->opsize == 4) {
		cpu->exit.nbytes = 0;
		return CPU_EXIT_UNSUPPORTED;
	}
	if (!cpu_sys_canonical(cpu->gpr[RCX]))
		cpu_fault(cpu, VEC_GP, 0);
	uint16_t base = (uint16_t)(cpu->star >> 48);
	cpu_set_rflags(cpu, (cpu->gpr[R11] & SYSRET_RFLAGS & ~RFLAGS_VM) | RFLAGS_FIXED);
	cpu->rip = cpu->gpr[RCX];
	cpu->seg[SEG_CS].sel = (uint16_t)((base + 16) | 3);
	cpu->seg[SEG_SS].sel = (uint16_t)((base + 8) | 3);
	cpu_sys_set_cpl(cpu, 3);
	return CPU_EXIT_NONE;
}

/* int3 / int n: a trap (RIP after the instruction) through the IDT with the
 * gate-DPL check. Under the virtualization control it exits instead, as
 * every software interrupt does (the monitor reflects it). */
static enum cpu_exit_reason exec_int(struct cpu *cpu, const struct cpu_sens *s, uint8_t vector)
{
	uint64_t at = cpu->rip;
	cpu->rip += s->len;
	if (cpu->ctl.virt) {
		cpu->exit.vector = vector;
		cpu->exit.has_error = false;
		cpu->exit.error = 0;
		cpu->exit.soft = true;
		return CPU_EXIT_EXCEPTION;
	}
	return cpu_deliver_at(cpu, vector, CPU_NO_ERROR, true, at);
}

enum cpu_exit_reason cpu_sys_flow(struct cpu *cpu, const struct cpu_sens *s)
{
	switch (s->op) {
	case SOP_IRETQ:
		exec_iret(cpu, s->opsize == 2 || s->opsize == 4 ? s->opsize : 8);
		return CPU_EXIT_NONE;
	case SOP_SYSCALL:
		exec_syscall(cpu, s);
		return CPU_EXIT_NONE;
	case SOP_SYSRET:
		return exec_sysret(cpu, s);
	case SOP_INT3:
		return exec_int(cpu, s, VEC_BP);
	case SOP_INTN:
		return exec_int(cpu, s, s->imm);
	case SOP_SWAPGS: {
		cpu_sys_need_cpl0(cpu);
		uint64_t t = cpu->seg[SEG_GS].base;
		cpu->seg[SEG_GS].base = cpu->kernel_gs_base;
		cpu->kernel_gs_base = t;
		cpu_sys_next(cpu, s);
		return CPU_EXIT_NONE;
	}
	default:
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
}
