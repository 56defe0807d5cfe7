/*
 * cpu/exec_stack.c — the stack and near control flow: push/pop, call/ret,
 * jmp, jcc, loop/jrcxz, enter/leave, far return (via the system side's
 * cpu_far_ret), push/pop fs/gs.
 *
 * In a branch's body (HANDLER_BRANCH) cpu->rip is already the next
 * instruction's address, so relative branches add to it. An instruction that faults part-way is undone by the
 * run loop, which restores RIP and RSP.
 */
#include "cpu/exec.h"

/* A near branch to a non-canonical address is #GP(0) at the branch (the
 * SDM's check), not a fault at the target. */
static inline void branch_to(struct cpu *cpu, uint64_t target)
{
	if (UNLIKELY((uint64_t)((int64_t)(target << 16) >> 16) != target))
		cpu_fault(cpu, VEC_GP, 0);
	cpu->rip = target;
}

/* push r/m (FF /6) and push r (50+r) */
HANDLER(cpu_op_push_rm)
{
	push(cpu, i->osz, rm_read(cpu, i, i->osz));
	return CPU_EXIT_NONE;
}

/* pop r/m (8F /0) and pop r (58+r). A memory destination addressed through
 * RSP sees RSP after the pop, as the SDM says. */
HANDLER_SAVE(cpu_op_pop_rm)
{
	uint64_t v = pop(cpu, i->osz);
	rm_write(cpu, i, i->osz, v);
	return CPU_EXIT_NONE;
}

/* push imm (sign-extended) */
HANDLER(cpu_op_push_imm)
{
	push(cpu, i->osz, (uint64_t)i->imm);
	return CPU_EXIT_NONE;
}

HANDLER_BRANCH(cpu_op_call_rel)
{
	push(cpu, 8, cpu->rip);
	cpu->rip += (uint64_t)i->imm;
	return CPU_EXIT_NONE;
}

/* call r/m64: the target is read before the push (it may be addressed via RSP) */
HANDLER_BRANCH_SAVE(cpu_op_call_rm)
{
	uint64_t target = rm_read(cpu, i, 8);
	push(cpu, 8, cpu->rip);
	branch_to(cpu, target);
	return CPU_EXIT_NONE;
}

HANDLER_BRANCH(cpu_op_jmp_rel)
{
	cpu->rip += (uint64_t)i->imm;
	return CPU_EXIT_NONE;
}

HANDLER_BRANCH(cpu_op_jmp_rm)
{
	branch_to(cpu, rm_read(cpu, i, 8));
	return CPU_EXIT_NONE;
}

/*
 * jcc rel8/rel32 (ext = condition code). Not taken, it threads on to the
 * next instruction, so a block goes on past its conditional branches; taken,
 * it leaves the block (returns to the run loop, which counts the block's
 * instructions from icount). icount is already past it; RIP is the block's
 * (exec.h), i->end bytes before the next instruction.
 */
#define JCC_TAKE(taken)                                                   \
	{                                                                 \
		if (taken) {                                              \
			cpu->rip += i->end + (uint64_t)i->imm;            \
			return CPU_EXIT_NONE;                             \
		}                                                         \
		return cpu_next(cpu, i);                                  \
	}
/* The condition from the materialized flags (cpu_cond): jumped to, never
 * inlined, so that the copies below need no stack frame for the call. */
__attribute__((noinline)) HANDLER_DECL(cpu_jcc_resolve) JCC_TAKE(cpu_cond(cpu, i->ext))

HANDLER_DECL(cpu_op_jcc)
{
	cpu->icount++;
	return cpu_jcc_resolve(cpu, i);
}

/* ... and its copies with the condition code constant (JCC_DECLS) */
#define JCC(name, cc)                                           \
	HANDLER_DECL(cpu_op_jcc_##name)                         \
	{                                                       \
		cpu->icount++;                                  \
		int c = cond_lazy(cpu, cc);                     \
		if (UNLIKELY(c < 0))                            \
			return cpu_jcc_resolve(cpu, i);         \
		JCC_TAKE(c)                                     \
	}
JCC(o, 0) JCC(no, 1) JCC(b, 2) JCC(ae, 3) JCC(e, 4) JCC(ne, 5) JCC(be, 6) JCC(a, 7)
JCC(s, 8) JCC(ns, 9) JCC(p, 10) JCC(np, 11) JCC(l, 12) JCC(ge, 13) JCC(le, 14) JCC(g, 15)

/* ret / ret imm16 */
HANDLER_BRANCH_SAVE(cpu_op_ret)
{
	branch_to(cpu, pop(cpu, 8));
	cpu->gpr[RSP] += (uint64_t)i->imm;
	return CPU_EXIT_NONE;
}

/* enter imm16, imm8: push rBP, copy `level` outer frame pointers, allocate */
HANDLER_SAVE(cpu_op_enter)
{
	unsigned s = i->osz, level = i->ext2 & 31;
	uint64_t bp = cpu->gpr[RBP];
	push(cpu, s, reg_get(cpu, RBP, s));
	uint64_t frame = cpu->gpr[RSP];
	if (level > 0) {
		for (unsigned k = 1; k < level; k++) {
			bp -= s;
			push(cpu, s, mem_read(cpu, bp, s));
		}
		push(cpu, s, frame);
	}
	reg_set(cpu, RBP, s, frame);
	cpu->gpr[RSP] -= (uint64_t)i->imm;
	return CPU_EXIT_NONE;
}

/* leave: rSP = rBP, pop rBP */
HANDLER(cpu_op_leave)
{
	uint64_t v = mem_read(cpu, cpu->gpr[RBP], i->osz);
	cpu->gpr[RSP] = cpu->gpr[RBP] + i->osz;
	reg_set(cpu, RBP, i->osz, v);
	return CPU_EXIT_NONE;
}

/* ext: 0 loopne, 1 loope, 2 loop, 3 jrcxz; the counter is rCX or eCX (67) */
HANDLER_BRANCH(cpu_op_loop)
{
	unsigned a = i->asz;
	uint64_t c = reg_get(cpu, RCX, a);
	bool take;
	if (i->ext == 3) {
		take = c == 0;
	} else {
		c = (c - 1) & size_mask(a);
		reg_set(cpu, RCX, a, c);
		take = c != 0;
		if (i->ext == 0)
			take = take && !cpu_cond(cpu, 4);
		else if (i->ext == 1)
			take = take && cpu_cond(cpu, 4);
	}
	if (take)
		cpu->rip += (uint64_t)i->imm;
	return CPU_EXIT_NONE;
}

/* lret / lretq [imm16]: the selector checks are the system side's */
HANDLER_BRANCH_SAVE(cpu_op_lret)
{
	cpu_account(cpu); /* the CPL may change */
	cpu_far_ret(cpu, i->osz, (uint16_t)i->imm);
	if (cpu->cpl != cpu->in->ftlb_cpl)
		cpu_ftlb_sync_cpl(cpu);
	return CPU_EXIT_NONE;
}

/* push fs / push gs (ext = segment register) */
HANDLER(cpu_op_push_seg)
{
	push(cpu, i->osz, cpu->seg[i->ext].sel);
	return CPU_EXIT_NONE;
}

/* pop fs / pop gs */
HANDLER(cpu_op_pop_seg)
{
	uint16_t sel = (uint16_t)mem_read(cpu, cpu->gpr[RSP], i->osz);
	cpu_load_seg(cpu, (enum cpu_segreg)i->ext, sel);
	cpu->gpr[RSP] += i->osz;
	return CPU_EXIT_NONE;
}
