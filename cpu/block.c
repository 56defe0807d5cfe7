/*
 * cpu/block.c — predecoded basic blocks, the run loop's fast path.
 *
 * A block is the run of instructions from one machine address up to and
 * including the first that may branch or stop (jmp/call/ret/loop, far
 * return, string and sensitive instructions), never crossing a page, at most
 * BLOCK_MAX instructions; a taken jcc on the way leaves it early. Blocks live in one arena, are found through a
 * direct-mapped table keyed by MA, and each machine page keeps the list of
 * its blocks, so a write to code drops exactly that page's blocks (the page
 * is marked in in->codepage, as for the icache, so every write to it takes
 * the slow path; a dropped block's MA becomes MA_NONE, so the blocks that
 * chain to it (next[]) no longer find it). When the arena is full every
 * block is dropped, between blocks, never while one runs.
 *
 * A block's instructions are followed by a cpu_insn_stop slot: the threaded
 * handlers (exec.h) run from the first to it without returning to the loop.
 * RIP stays the block's first while it runs and is set once, at its end, by
 * the stop slot or the branch that ends it (exec.h).
 *
 * Running a block (run.c) skips the per-instruction fetch: each instruction
 * of it is still one hit of the fetch translation, and those hits are
 * counted and stamped exactly as the per-instruction path does, in one go
 * when the block ends (cpu_block_account), and brought up to date before
 * anything can read them (the MMU slow path, a fast-cache flush, a fault).
 */
#include <stdlib.h>

#include "cpu/exec.h"

/* The arena's first bytes: no_block, which fills the empty slots of btab
 * (its MA, MA_NONE, matches no lookup: the run loop tests no NULL). */
#define ARENA_START ((sizeof(struct block) + 15) & ~(size_t)15)

/* Empty the lookup table and the per-page lists, keep no arena block. */
static void drop_all(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	for (unsigned k = 0; k < BLOCK_TAB_SIZE; k++)
		in->btab[k] = in->no_block;
	memset(in->page_blocks, 0, sizeof(*in->page_blocks) * (in->npages ? in->npages : 1));
	in->arena_used = ARENA_START;
}

int cpu_block_init(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	in->arena = malloc(BLOCK_ARENA);
	in->btab = malloc(BLOCK_TAB_SIZE * sizeof(*in->btab));
	in->page_blocks = calloc(in->npages ? in->npages : 1, sizeof(*in->page_blocks));
	if (!in->arena || !in->btab || !in->page_blocks)
		return -1;
	in->no_block = (struct block *)(void *)in->arena;
	in->no_block->ma = MA_NONE;
	in->no_block->n = 0;
	in->no_block->page_next = NULL;
	in->no_block->next[0] = in->no_block->next[1] = in->no_block;
	drop_all(cpu);
	return 0;
}

void cpu_block_free(struct cpu *cpu)
{
	free(cpu->in->arena);
	free(cpu->in->btab);
	free(cpu->in->page_blocks);
}

void cpu_block_drop_page(struct cpu *cpu, uint64_t page)
{
	struct cpu_internal *in = cpu->in;
	for (struct block *b = in->page_blocks[page]; b; b = b->page_next) {
		struct block **slot = &in->btab[cpu_block_index(b->ma)];
		if (*slot == b)
			*slot = in->no_block;
		b->ma = MA_NONE; /* no block's next[] finds it either */
	}
	in->page_blocks[page] = NULL;
	cpu_block_stop_after_current(in, cpu); /* the running block may be one of them */
}

/* Instructions after which a block ends: they branch, or may stop the run,
 * change the privilege level or re-run themselves (their handlers are
 * HANDLER_BRANCH: they set RIP). A conditional branch does not: taken, it
 * leaves the block itself (exec_stack.c). */
static bool ends_block(insn_fn fn)
{
	return fn == cpu_op_jmp_rel || fn == cpu_op_jmp_rm || fn == cpu_op_call_rel ||
	       fn == cpu_op_call_rm || fn == cpu_op_ret || fn == cpu_op_loop || fn == cpu_op_lret ||
	       fn == cpu_op_string || fn == cpu_op_sens;
}

bool cpu_predecoded(struct insn *i, unsigned off, struct insn *stop)
{
	bool last = ends_block(i->fn);
	i->off = (uint16_t)off;
	i->end = (uint16_t)(off + i->len);
	/* the specialised copies see the block's RIP, not the instruction's (exec.h) */
	if (i->mod3 || i->base != R_RIP)
		i->fn = cpu_specialise(i);
	stop->fn = cpu_insn_stop;
	stop->off = last ? 0 : i->end;
	return last;
}

struct block *cpu_block_build(struct cpu *cpu, ma_t ma)
{
	struct cpu_internal *in = cpu->in;
	size_t most = sizeof(struct block) + (BLOCK_MAX + 1) * sizeof(struct insn);
	if (in->arena_used + most > BLOCK_ARENA)
		drop_all(cpu);
	struct block *b = (struct block *)(void *)(in->arena + in->arena_used);
	const uint8_t *page_end = cpu->ram + (ma & PAGE_MASK) + PAGE_SIZE;
	const uint8_t *p = cpu->ram + ma;
	unsigned n = 0;
	while (n < BLOCK_MAX && p < page_end) {
		struct insn d; /* not into the slot: that is the last one's stop until this one decodes */
		if (cpu_decode(p, (unsigned)(page_end - p < 15 ? page_end - p : 15), &d) != DEC_OK)
			break; /* crossing the page, or faulting: the per-instruction path deals with it */
		struct insn *i = &b->insn[n];
		*i = d;
		bool last = cpu_predecoded(i, (unsigned)(p - (cpu->ram + ma)), i + 1);
		p += i->len;
		n++;
		if (last)
			break;
	}
	if (n == 0)
		return NULL;
	b->ma = ma;
	b->n = n;
	b->next[0] = b->next[1] = in->no_block;
	uint64_t page = ma >> PAGE_SHIFT;
	b->page_next = in->page_blocks[page];
	in->page_blocks[page] = b;
	in->btab[cpu_block_index(ma)] = b;
	in->arena_used += (sizeof(struct block) + (n + 1) * sizeof(struct insn) + 15) & ~(size_t)15;
	if (!in->codepage[page])
		cpu_mark_code_page(cpu, page);
	return b;
}

void cpu_block_account(struct cpu *cpu, unsigned unretired)
{
	struct cpu_internal *in = cpu->in;
	uint64_t fetched = cpu->icount - in->run_base + unretired;
	cpu->stats.ftlb_hits += fetched;
	if (fetched)
		*in->blk_touch = in->run_base + fetched - 1; /* the last fetch's stamp */
	in->blk_touch = NULL;
}
