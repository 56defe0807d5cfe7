/*
 * cpu/mem.c — guest memory access: the host-side fast translation cache, the
 * slow path through the MMU, page-crossing accesses, and fault unwinding.
 *
 * The fast cache ("ftlb") is direct-mapped, one table per access kind and
 * per privilege (supervisor/user), indexed by VA page. A hit costs one tag
 * compare and one add. It is not the simulated TLB: the MMU says which
 * translations may be kept, and flushes them through cpu_ftlb_*.
 *
 * Writes to machine pages that hold pre-decoded instructions never hit the
 * fast cache: the slow path sees them and drops the page's decoded code.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/exec.h"

jmp_buf *cpu_catch(struct cpu *cpu, jmp_buf *jb)
{
	jmp_buf *old = cpu->in->catcher;
	cpu->in->catcher = jb;
	return old;
}

const struct cpu_fault_rec *cpu_last_fault(const struct cpu *cpu)
{
	return &cpu->in->fault;
}

static _Noreturn void unwind(struct cpu *cpu)
{
	if (!cpu->in->catcher) {
		fprintf(stderr, "vmlab: cpu: fault (vector %u) outside any catcher\n", cpu->in->fault.vector);
		abort();
	}
	longjmp(*cpu->in->catcher, 1);
}

_Noreturn void cpu_fault(struct cpu *cpu, uint8_t vector, uint32_t error)
{
	struct cpu_fault_rec *f = &cpu->in->fault;
	f->miss = false;
	f->vector = vector;
	f->error = error;
	unwind(cpu);
}

_Noreturn void cpu_miss(struct cpu *cpu, va_t va, enum cpu_access acc)
{
	struct cpu_fault_rec *f = &cpu->in->fault;
	f->miss = true;
	f->va = va;
	f->access = acc;
	unwind(cpu);
}

static _Noreturn void page_fault(struct cpu *cpu, va_t va, uint32_t err)
{
	struct cpu_fault_rec *f = &cpu->in->fault;
	f->va = va;
	cpu_fault(cpu, VEC_PF, err);
}

static bool canonical(va_t va)
{
	return cpu_va_canonical(va);
}

void cpu_ftlb_sync_cpl(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	unsigned user = cpu->cpl == 3;
	cpu->ftlb_ = &in->ftlb.e[user][0][0];
	in->ftlb_cpl = cpu->cpl;
	cpu_fetch_forget(in, cpu);
}

void cpu_ftlb_flush(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	for (unsigned u = 0; u < 2; u++)
		for (unsigned a = 0; a < 3; a++)
			for (unsigned k = 0; k < FTLB_SIZE; k++)
				in->ftlb.e[u][a][k].tag = FTLB_EMPTY;
	cpu_fetch_forget(in, cpu);
}

void cpu_ftlb_invalidate(struct cpu *cpu, va_t va)
{
	struct cpu_internal *in = cpu->in;
	unsigned k = (va >> PAGE_SHIFT) & (FTLB_SIZE - 1);
	for (unsigned u = 0; u < 2; u++)
		for (unsigned a = 0; a < 3; a++)
			if (ftlb_holds(&in->ftlb.e[u][a][k], va & PAGE_MASK))
				in->ftlb.e[u][a][k].tag = FTLB_EMPTY;
	cpu_fetch_forget(in, cpu);
}

void cpu_ftlb_set_enabled(struct cpu *cpu, bool on)
{
	cpu->in->ftlb_off = !on;
	cpu_ftlb_flush(cpu);
}

/*
 * Translate va for an access through the MMU (the slow path) and fill the
 * fast cache when allowed. Returns the host pointer for va. A miss or fault
 * unwinds. `cpl` is the privilege the access is checked at (0 for the
 * supervisor accesses of exception delivery).
 */
uint8_t *cpu_xlat(struct cpu *cpu, va_t va, unsigned size, enum cpu_access acc, unsigned cpl)
{
	struct cpu_internal *in = cpu->in;
	unsigned user = cpl == 3;
	struct ftlb_entry *e = &in->ftlb.e[user][acc][(va >> PAGE_SHIFT) & (FTLB_SIZE - 1)];
	if (ftlb_holds(e, va & PAGE_MASK)) {
		if (e->tag & FTLB_STAMPED)
			cpu_touch(cpu, ftlb_aux_of(e)->touch);
		return (uint8_t *)(uintptr_t)(va + e->addend);
	}
	if (!canonical(va))
		cpu_fault(cpu, VEC_GP, 0);
	if (in->blk_touch)
		*in->blk_touch = cpu->icount; /* the MMU may read LRU stamps: this instruction was fetched */
	struct mmu_xlat x = { 0 };
	enum mmu_result r = cpu->mmu.translate(cpu->mmu.ctx, cpu, va, acc, cpl, &x);
	if (r == MMU_MISS)
		cpu_miss(cpu, va, acc);
	if (r == MMU_FAULT)
		page_fault(cpu, va, x.err);
	if ((x.ma & PAGE_MASK) + PAGE_SIZE > cpu->ram_size)
		/* SIMPLIFICATION: an MMU handing out an MA outside RAM is a bug in
		 * the MMU; the guest sees it as a #GP rather than the host crashing.
		 * A partial last page of RAM counts as outside: host pointers are
		 * good for a whole page. */
		cpu_fault(cpu, VEC_GP, 0);
	uint64_t page = x.ma >> PAGE_SHIFT;
	if (acc == ACC_WRITE && in->codepage[page])
		cpu_icache_invalidate_page(cpu, page);
	uint8_t *host = cpu->ram + x.ma;
	/* a watched page's data accesses all come here (fetches do not count) */
	bool watched = UNLIKELY(in->nwatch) && acc != ACC_EXEC && cpu_watch_page(in, va);
	if (watched)
		cpu_watch_access(cpu, va, size, acc == ACC_WRITE, host);
	if (x.cacheable && !in->ftlb_off && !watched && !(acc == ACC_WRITE && in->codepage[page])) {
		e->tag = (va & PAGE_MASK) | (x.touch ? FTLB_STAMPED : 0);
		e->addend = (uint64_t)(uintptr_t)host - va;
		ftlb_aux_of(e)->touch = x.touch;
		ftlb_aux_of(e)->ma = x.ma & PAGE_MASK;
	}
	return host;
}

/* Read `size` bytes at va, possibly across a page boundary. */
static uint64_t read_at(struct cpu *cpu, va_t va, unsigned size, unsigned cpl)
{
	unsigned off = va & (PAGE_SIZE - 1);
	if (off + size <= PAGE_SIZE)
		return load_le(cpu_xlat(cpu, va, size, ACC_READ, cpl), size);
	unsigned first = PAGE_SIZE - off;
	uint8_t *p1 = cpu_xlat(cpu, va, first, ACC_READ, cpl);
	uint8_t *p2 = cpu_xlat(cpu, va + first, size - first, ACC_READ, cpl);
	uint8_t buf[8];
	memcpy(buf, p1, first);
	memcpy(buf + first, p2, size - first);
	return load_le(buf, size);
}

/* Write `size` bytes at va; both pages of a crossing write are translated
 * before either is written, so a fault leaves memory unchanged. */
static void write_at(struct cpu *cpu, va_t va, unsigned size, uint64_t v, unsigned cpl)
{
	unsigned off = va & (PAGE_SIZE - 1);
	if (off + size <= PAGE_SIZE) {
		store_le(cpu_xlat(cpu, va, size, ACC_WRITE, cpl), size, v);
		return;
	}
	unsigned first = PAGE_SIZE - off;
	uint8_t *p1 = cpu_xlat(cpu, va, first, ACC_WRITE, cpl);
	uint8_t *p2 = cpu_xlat(cpu, va + first, size - first, ACC_WRITE, cpl);
	uint8_t buf[8];
	store_le(buf, size, v);
	memcpy(p1, buf, first);
	memcpy(p2, buf + first, size - first);
}

uint64_t cpu_mem_read_slow(struct cpu *cpu, va_t va, unsigned size, unsigned cpl)
{
	return read_at(cpu, va, size, cpl);
}

void cpu_mem_write_slow(struct cpu *cpu, va_t va, unsigned size, uint64_t v, unsigned cpl)
{
	write_at(cpu, va, size, v, cpl);
}

uint64_t cpu_mem_read(struct cpu *cpu, va_t va, unsigned size)
{
	return mem_read(cpu, va, size);
}

void cpu_mem_write(struct cpu *cpu, va_t va, unsigned size, uint64_t value)
{
	mem_write(cpu, va, size, value);
}

uint64_t cpu_mem_read_sys(struct cpu *cpu, va_t va, unsigned size)
{
	return read_at(cpu, va, size, 0);
}

void cpu_mem_write_sys(struct cpu *cpu, va_t va, unsigned size, uint64_t value)
{
	write_at(cpu, va, size, value, 0);
}
