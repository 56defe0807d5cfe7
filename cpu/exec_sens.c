/*
 * cpu/exec_sens.c — sensitive instructions: resolve the operands into a
 * struct cpu_sens, then either exit to the monitor (ctl.virt, CPL > 0, the
 * class is trapped) or hand them to the system side's cpu_exec_sens().
 */
#include "cpu/exec.h"

/* The decoded operands, as cpu.h and internal.h describe them. */
static void resolve(const struct cpu *cpu, const struct insn *i, struct cpu_sens *s)
{
	memset(s, 0, sizeof(*s));
	s->op = (enum cpu_sens_op)i->ext;
	s->len = i->len;
	s->opsize = i->osz;
	s->rep = i->rep != REP_NONE;
	switch (s->op) {
	case SOP_MOV_TO_CR:
	case SOP_MOV_FROM_CR:
		s->reg = i->rm;
		s->cr = i->reg;
		break;
	case SOP_IN:
	case SOP_OUT:
		s->port = i->ext2 ? (uint16_t)cpu->gpr[RDX] : (uint16_t)(i->imm & 0xff);
		break;
	case SOP_INS:
		s->mem = true;
		s->ea = cpu->gpr[RDI];
		s->port = (uint16_t)cpu->gpr[RDX];
		break;
	case SOP_OUTS:
		s->mem = true;
		s->ea = cpu->gpr[RSI] + (i->seg ? cpu->seg[i->seg].base : 0);
		s->port = (uint16_t)cpu->gpr[RDX];
		break;
	case SOP_INTN:
		s->imm = (uint8_t)i->imm;
		break;
	case SOP_SLDT: case SOP_STR: case SOP_SMSW: case SOP_LLDT: case SOP_LTR:
	case SOP_SGDT: case SOP_SIDT: case SOP_LGDT: case SOP_LIDT: case SOP_INVLPG:
		if (i->mod3) {
			s->reg = i->rm;
		} else {
			s->mem = true;
			s->ea = insn_ea(cpu, i);
		}
		break;
	default:
		break;
	}
}

HANDLER_BRANCH_SAVE(cpu_op_sens)
{
	struct cpu_internal *in = cpu->in;
	struct cpu_sens s;
	resolve(cpu, i, &s);
	cpu->rip -= i->len; /* RIP at the instruction, for an exit or for cpu_exec_sens */
	if (cpu->ctl.virt && cpu->cpl > 0 && (cpu->ctl.sensitive & cpu_sens_class(s.op))) {
		cpu->exit.sens = s;
		return CPU_EXIT_SENSITIVE;
	}
	cpu_account(cpu);
	unsigned old_cpl = cpu->cpl;
	enum cpu_exit_reason r = cpu_exec_sens(cpu, &s);
	if (cpu->cpl != in->ftlb_cpl)
		cpu_ftlb_sync_cpl(cpu);
	bool retired = r == CPU_EXIT_NONE || r == CPU_EXIT_HLT || (r == CPU_EXIT_EXCEPTION && cpu->exit.soft);
	if (retired) {
		if (cpu->ctl.virt && old_cpl > 0 && s.op < SOP_COUNT)
			cpu->stats.untrapped[s.op]++; /* ran without an exit (strict x86); counted once, when it retires */
		/* count it at the CPL it ran at, even if it changed CPL */
		if (old_cpl == 3)
			cpu->stats.insns_user++;
		else
			cpu->stats.insns_kernel++;
		in->count_mark = cpu->icount + 1;
		if (r != CPU_EXIT_NONE) { /* the run loop does not count a stopping instruction */
			cpu->icount++;
			in->count_mark = cpu->icount;
		}
	}
	if (r == CPU_EXIT_IO && !cpu->exit.sens.op)
		cpu->exit.sens = s;
	if (r == CPU_EXIT_NONE && (cpu->rflags_ & RFLAGS_TF))
		return CPU_EXIT_RECHECK; /* popf/iretq may have set TF: single-step from here */
	return r;
}
