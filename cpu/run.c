/*
 * cpu/run.c — CPU set-up and the run loop.
 *
 * cpu_run() fetches pre-decoded instructions (icache.c) and calls their
 * handlers until the budget is spent or a handler asks to stop. Faults
 * raised anywhere inside an instruction longjmp back here (cpu_fault); the
 * instruction is undone (RIP and RSP restored) and the exception is either
 * delivered through the IDT (ctl.virt off) or becomes CPU_EXIT_EXCEPTION.
 */
#include <stdlib.h>

#include "cpu/exec.h"

int cpu_init(struct cpu *cpu, uint8_t *ram, uint64_t ram_size)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->in = calloc(1, sizeof(*cpu->in));
	if (!cpu->in)
		return -1;
	cpu->ram = ram;
	cpu->ram_size = ram_size;
	if (cpu_icache_init(cpu) < 0) {
		cpu_free(cpu);
		return -1;
	}
	cpu->cr0 = CR0_PE | CR0_PG;
	cpu->cr4 = CR4_PAE;
	cpu->efer = EFER_LME | EFER_LMA;
	cpu_set_rflags(cpu, 0);
	cpu_mmu_use_flat(cpu);
	cpu_ftlb_sync_cpl(cpu);
	return 0;
}

void cpu_free(struct cpu *cpu)
{
	if (!cpu->in)
		return;
	cpu_icache_free(cpu);
	cpu_paging_free(cpu);
	free(cpu->in);
	cpu->in = NULL;
}

/* Single-step: an instruction that began with RFLAGS.TF set has completed:
 * #DB, a trap (RIP after it). SIMPLIFICATION: no DR6 is kept. */
static enum cpu_exit_reason single_step_trap(struct cpu *cpu)
{
	if (cpu->ctl.virt) {
		struct cpu_exit *x = &cpu->exit;
		x->vector = VEC_DB;
		x->has_error = false;
		x->error = 0;
		x->soft = false;
		x->va = 0;
		return CPU_EXIT_EXCEPTION;
	}
	cpu_account(cpu);
	enum cpu_exit_reason r = cpu_deliver(cpu, VEC_DB, CPU_NO_ERROR, false);
	if (cpu->cpl != cpu->in->ftlb_cpl)
		cpu_ftlb_sync_cpl(cpu);
	return r;
}

/* RIP was the block's first instruction's: move it to where the run stops
 * (a branch that ended the block set it itself: off 0). */
enum cpu_exit_reason cpu_insn_stop(struct cpu *cpu, const struct insn *i)
{
	cpu->rip += i->off;
	return CPU_EXIT_NONE;
}

enum cpu_exit_reason cpu_insn_stop_early(struct cpu *cpu, const struct insn *i)
{
	cpu->rip += i->off;
	return CPU_EXIT_BLOCK_STOP;
}

/* The running block ends other than at its last instruction's stop slot
 * (cpu_insn_stop_early, an exit, a fault): count the fetches of the run of
 * blocks it ends, put back the handler that cpu_block_stop_after_current
 * replaced. `unretired`: 1 when the current instruction was fetched but not
 * retired (it faulted or exits). */
static void block_end(struct cpu *cpu, unsigned unretired)
{
	struct cpu_internal *in = cpu->in;
	cpu->stats.icache_hits += cpu->icount - in->run_base + unretired;
	if (in->blk_touch)
		cpu_block_account(cpu, unretired);
	if (in->patch_at) {
		in->patch_at->fn = in->patch_fn;
		in->patch_at = NULL;
	}
	in->blk_first = NULL;
}

/*
 * Run predecoded blocks, starting with b (on the fetch page, fits in the
 * budget), one after the other while the next one is on the fetch page,
 * already built and fits in the budget. Each block remembers the two
 * blocks that ran after it last (next[]: a taken branch and a fall-through),
 * found again by their MA without the lookup table. One call per block: the handlers
 * thread from one instruction to the next (exec.h). A block that returns
 * CPU_EXIT_NONE ran from its first instruction to its stop slot or to a
 * taken jcc, unless something ended it early (cpu_block_stop_after_current:
 * patch_at is set, or the patched slot returned CPU_EXIT_BLOCK_STOP), which
 * takes block_end. The fetches of the whole run, icount - run_base
 * instructions, are counted once at its end. Returns CPU_EXIT_NONE to go on
 * with the run loop.
 */
static inline __attribute__((always_inline)) enum cpu_exit_reason run_blocks(struct cpu *cpu, struct block *b,
									      uint64_t end)
{
	struct cpu_internal *in = cpu->in;
	enum cpu_exit_reason r;
	uint64_t base = cpu->icount;
	in->run_base = base;
	in->blk_touch = in->fetch_touch;
	for (;;) {
		in->blk_base = cpu->icount;
		in->blk_rip = cpu->rip;
		in->blk_first = b->insn;
		r = b->insn[0].fn(cpu, b->insn);
		if (UNLIKELY(r != CPU_EXIT_NONE))
			break;
		if (UNLIKELY(in->patch_at != NULL)) { /* a taken jcc skipped the patched slot */
			r = CPU_EXIT_BLOCK_STOP;
			break;
		}
		/* the next block, if the run loop would take it at once */
		uint64_t rip = cpu->rip;
		if (UNLIKELY((rip & PAGE_MASK) != in->fetch_page))
			break;
		ma_t ma = rip + in->fetch_ma_add;
		struct block *next = b->next[0];
		if (UNLIKELY(next->ma != ma)) {
			next = b->next[1];
			if (next->ma != ma) {
				next = in->btab[cpu_block_index(ma)];
				if (UNLIKELY(next->ma != ma))
					break;
			}
			b->next[1] = b->next[0];
			b->next[0] = next;
		}
		b = next;
		if (UNLIKELY(cpu->icount + b->n > end))
			break;
	}
	if (LIKELY(r == CPU_EXIT_NONE)) {
		uint64_t n = cpu->icount - base; /* at least the first block's first instruction */
		cpu->stats.icache_hits += n;
		if (in->blk_touch) { /* cpu_block_account, unretired 0 */
			cpu->stats.ftlb_hits += n;
			*in->blk_touch = cpu->icount - 1;
			in->blk_touch = NULL;
		}
		in->blk_first = NULL;
		return r;
	}
	unsigned unretired = 0;
	if (r == CPU_EXIT_RECHECK)
		cpu->icount++;
	else if (r == CPU_EXIT_BLOCK_STOP)
		r = in->watch_hit ? CPU_EXIT_WATCH : CPU_EXIT_NONE; /* it ended after the watched access */
	else
		unretired = 1;
	block_end(cpu, unretired);
	return r;
}

/*
 * The instruction loop: runs until icount reaches `end` or a handler stops.
 * `stepping` is a constant in each of the two copies: the fast one runs
 * whole blocks when RIP is on the fetch page and the block fits in the
 * budget, and never looks at TF; the stepping one runs one instruction at a
 * time while TF is set, trapping after each. CPU_EXIT_RECHECK (TF may have
 * changed: popf, iretq, ...) sends the caller back to pick the right copy.
 */
static inline __attribute__((always_inline)) enum cpu_exit_reason run_insns(struct cpu *cpu, uint64_t end,
									     bool stepping)
{
	struct cpu_internal *in = cpu->in;
	while (LIKELY(cpu->icount < end)) {
		if (stepping && !(cpu->rflags_ & RFLAGS_TF))
			return CPU_EXIT_RECHECK;
		/* the code of a page with a breakpoint takes the per-instruction path, where they are checked */
		if (!stepping && LIKELY(!in->brk_fetch && (cpu->rip & PAGE_MASK) == in->fetch_page)) {
			ma_t ma = cpu->rip + in->fetch_ma_add;
			struct block *b = in->btab[cpu_block_index(ma)];
			if (UNLIKELY(b->ma != ma))
				b = cpu_block_build(cpu, ma);
			if (LIKELY(b && cpu->icount + b->n <= end)) {
				enum cpu_exit_reason r = run_blocks(cpu, b, end);
				if (UNLIKELY(r != CPU_EXIT_NONE))
					return r;
				continue;
			}
		}
		in->insn_rip = cpu->rip;
		const struct insn *i = icache_lookup(cpu);
		if (UNLIKELY(!i))
			return CPU_EXIT_UNSUPPORTED;
		/* one instruction: its handler retires it and stops at the slot after it */
		enum cpu_exit_reason r = i->fn(cpu, i);
		if (UNLIKELY(r != CPU_EXIT_NONE)) {
			if (r != CPU_EXIT_RECHECK)
				return r;
			cpu->icount++;
			if (stepping && (r = single_step_trap(cpu)) != CPU_EXIT_NONE)
				return r;
			return CPU_EXIT_RECHECK;
		}
		if (stepping && (r = single_step_trap(cpu)) != CPU_EXIT_NONE)
			return r;
		if (UNLIKELY(in->watch_hit))
			return CPU_EXIT_WATCH;
	}
	return CPU_EXIT_BUDGET;
}

/* Kept out of cpu_run, whose setjmp would force every variable to memory. */
__attribute__((noinline)) static enum cpu_exit_reason run_fast(struct cpu *cpu, uint64_t end)
{
	return run_insns(cpu, end, false);
}

__attribute__((noinline)) static enum cpu_exit_reason run_stepping(struct cpu *cpu, uint64_t end)
{
	return run_insns(cpu, end, true);
}

/*
 * An instruction faulted (or missed in the MMU) and unwound here. Undo it,
 * then exit or deliver. Returns CPU_EXIT_NONE to keep running.
 */
static enum cpu_exit_reason after_fault(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	const struct cpu_fault_rec *f = &in->fault;
	struct cpu_exit *x = &cpu->exit;
	in->watch_hit = false; /* the instruction is undone: its accesses do not count */
	uint64_t rip = in->insn_rip;
	if (in->blk_first) {
		rip = in->blk_rip + in->blk_first[cpu->icount - in->blk_base].off;
		block_end(cpu, 1); /* the faulting instruction was fetched */
	}
	if (f->miss || cpu_vector_is_fault(f->vector)) {
		cpu->rip = rip;
		if (in->rsp_saved)
			cpu->gpr[RSP] = in->insn_rsp;
	}
	in->rsp_saved = false;
	if (f->miss) {
		x->va = f->va;
		x->access = f->access;
		return CPU_EXIT_TLB_MISS;
	}
	if (cpu->ctl.virt) {
		x->vector = f->vector;
		x->has_error = f->error != CPU_NO_ERROR;
		x->error = x->has_error ? f->error : 0;
		x->soft = false;
		x->va = f->vector == VEC_PF ? f->va : 0;
		return CPU_EXIT_EXCEPTION;
	}
	if (f->vector == VEC_PF)
		cpu->cr2 = f->va;
	cpu_account(cpu);
	enum cpu_exit_reason r = cpu_deliver(cpu, f->vector, f->error, false);
	if (cpu->cpl != in->ftlb_cpl)
		cpu_ftlb_sync_cpl(cpu);
	return r;
}

enum cpu_exit_reason cpu_run(struct cpu *cpu, uint64_t budget)
{
	struct cpu_internal *in = cpu->in;
	const uint64_t end = cpu->icount + budget;
	enum cpu_exit_reason r;
	jmp_buf jb;
	jmp_buf *old = cpu_catch(cpu, &jb);

	memset(&cpu->exit, 0, sizeof(cpu->exit));
	in->count_mark = cpu->icount;
	in->watch_hit = false;
	if (cpu->cpl != in->ftlb_cpl)
		cpu_ftlb_sync_cpl(cpu);
	for (;;) {
		if (setjmp(jb) == 0) {
			do
				r = (cpu->rflags_ & RFLAGS_TF) ? run_stepping(cpu, end) : run_fast(cpu, end);
			while (r == CPU_EXIT_RECHECK && !in->watch_hit);
			if (r == CPU_EXIT_RECHECK) /* it retired after a watched access */
				r = CPU_EXIT_WATCH;
			break;
		}
		r = after_fault(cpu);
		if (r != CPU_EXIT_NONE)
			break;
	}
	cpu_account(cpu);
	cpu_catch(cpu, old);
	cpu->exit.reason = r;
	return r;
}

enum cpu_exit_reason cpu_step(struct cpu *cpu)
{
	return cpu_run(cpu, 1);
}
