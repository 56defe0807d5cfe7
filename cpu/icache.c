/*
 * cpu/icache.c — the pre-decoded instruction cache.
 *
 * Instructions are decoded once and kept, keyed by the machine address of
 * their first byte, in a direct-mapped table of ICACHE_SIZE entries indexed
 * by the low bits of the MA. Because the table is larger than a page, the
 * entries of one machine page occupy one contiguous run of 4096 slots, so
 * forgetting a page is a scan of that run.
 *
 * Coherence: a machine page that holds cached instructions is marked in
 * in->codepage, and the write side of the fast translation cache never maps
 * such a page; so every write to it goes through cpu_xlat(), which calls
 * cpu_icache_invalidate_page() before the write lands. Writes by others
 * (the monitor, DMA) come in through cpu_code_written().
 * An instruction that crosses a page boundary is never cached (it is decoded
 * into in->scratch at every execution), so it needs no invalidation.
 */
#include <stdlib.h>

#include "cpu/exec.h"

int cpu_icache_init(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	in->icache = malloc(sizeof(*in->icache) * ICACHE_SIZE);
	in->npages = (cpu->ram_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	in->codepage = calloc(in->npages ? in->npages : 1, 1);
	if (!in->icache || !in->codepage)
		return -1;
	for (unsigned k = 0; k < ICACHE_SIZE; k++)
		in->icache[k].ma = MA_NONE;
	return cpu_block_init(cpu);
}

void cpu_icache_free(struct cpu *cpu)
{
	free(cpu->in->icache);
	free(cpu->in->codepage);
	cpu_block_free(cpu);
}

void cpu_icache_invalidate_page(struct cpu *cpu, uint64_t page)
{
	struct cpu_internal *in = cpu->in;
	ma_t first = page << PAGE_SHIFT;
	for (unsigned k = 0; k < PAGE_SIZE; k++) {
		struct icache_entry *e = &in->icache[(first + k) & (ICACHE_SIZE - 1)];
		if ((e->ma >> PAGE_SHIFT) == page)
			e->ma = MA_NONE;
	}
	cpu_block_drop_page(cpu, page);
	in->codepage[page] = 0;
}

void cpu_code_written(struct cpu *cpu, ma_t ma, uint64_t len)
{
	if (len == 0 || ma >= cpu->ram_size)
		return;
	uint64_t last = (ma + len - 1) >> PAGE_SHIFT;
	if (last >= cpu->in->npages)
		last = cpu->in->npages - 1;
	for (uint64_t p = ma >> PAGE_SHIFT; p <= last; p++)
		if (cpu->in->codepage[p])
			cpu_icache_invalidate_page(cpu, p);
}

/* Page `page` now holds cached code: stop the fast cache from writing it. */
void cpu_mark_code_page(struct cpu *cpu, uint64_t page)
{
	struct cpu_internal *in = cpu->in;
	in->codepage[page] = 1;
	for (unsigned u = 0; u < 2; u++)
		for (unsigned k = 0; k < FTLB_SIZE; k++) {
			struct ftlb_entry *e = &in->ftlb.e[u][ACC_WRITE][k];
			if (e->tag != FTLB_EMPTY && (ftlb_aux_of(e)->ma >> PAGE_SHIFT) == page)
				e->tag = FTLB_EMPTY;
		}
}

/* Point the fetch shortcut at RIP's page (if the MMU lets the core keep
 * the translation; its touch stamp, if any, is then set on every fetch).
 * Returns the host pointer. */
static uint8_t *fetch_page(struct cpu *cpu, va_t va)
{
	struct cpu_internal *in = cpu->in;
	uint8_t *host = cpu_xlat(cpu, va, 1, ACC_EXEC, cpu->cpl);
	struct ftlb_entry *e = &cpu->ftlb_[ACC_EXEC * FTLB_SIZE + ((va >> PAGE_SHIFT) & (FTLB_SIZE - 1))];
	cpu_fetch_forget(in, cpu);
	if (ftlb_holds(e, va & PAGE_MASK)) {
		in->fetch_page = va & PAGE_MASK;
		in->brk_fetch = UNLIKELY(in->nbrk) && cpu_break_on_page(in, in->fetch_page);
		in->fetch_ma_add = ftlb_aux_of(e)->ma - (va & PAGE_MASK);
		in->fetch_touch = ftlb_aux_of(e)->touch;
	}
	return host;
}

/* Turn a decoder verdict other than DEC_OK into the exception or exit. */
static void decode_failed(struct cpu *cpu, enum dec_status st, const uint8_t *buf, unsigned n)
{
	switch (st) {
	case DEC_X87:
		if (cpu->cr0 & (CR0_EM | CR0_TS))
			cpu_fault(cpu, VEC_NM, CPU_NO_ERROR);
		break;
	case DEC_SIMD:
		if (cpu->cr0 & CR0_EM)
			cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
		if (cpu->cr0 & CR0_TS)
			cpu_fault(cpu, VEC_NM, CPU_NO_ERROR);
		break;
	case DEC_GP:
		cpu_fault(cpu, VEC_GP, 0);
	case DEC_UNSUP:
		break;
	default:
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
	/* the decoder does not size what it does not implement: ask capstone */
	int len = cpu_disasm(buf, n, cpu->rip, NULL, 0);
	if (len > 0 && (unsigned)len < n)
		n = (unsigned)len;
	cpu->exit.reason = CPU_EXIT_UNSUPPORTED;
	memcpy(cpu->exit.bytes, buf, n);
	cpu->exit.nbytes = (uint8_t)n;
}

/* Decode (and cache when it lies within one page) the instruction at
 * cpu->rip, whose first byte is at host pointer `host`, already translated
 * (and counted as a fetch) by the caller. */
const struct insn *cpu_icache_fill(struct cpu *cpu, const uint8_t *host)
{
	struct cpu_internal *in = cpu->in;
	va_t va = cpu->rip;
	ma_t ma = (ma_t)(host - cpu->ram);
	struct icache_entry *e = &in->icache[ma & (ICACHE_SIZE - 1)];
	cpu->stats.icache_misses++;
	/* icache_lookup already stopped at a breakpoint that fires; one here runs
	 * (cpu_break_skip) and must not be cached */
	bool brk = UNLIKELY(in->nbrk) && cpu_break_check(cpu) != BRK_NONE;
	uint8_t buf[15];
	unsigned avail = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	if (avail > 15)
		avail = 15;
	memcpy(buf, host, avail);
	enum dec_status st = cpu_decode(buf, avail, &e->insn);
	if (st == DEC_OK) {
		cpu_predecoded(&e->insn, 0, &e->stop);
		e->ma = brk ? MA_NONE : ma; /* a breakpoint's instruction is decoded every time */
		if (!in->codepage[ma >> PAGE_SHIFT])
			cpu_mark_code_page(cpu, ma >> PAGE_SHIFT);
		return &e->insn;
	}
	e->ma = MA_NONE;
	if (st == DEC_TRUNC && avail < 15) {
		/* crosses into the next page: fetch its bytes (may #PF there) */
		const uint8_t *next = cpu_xlat(cpu, (va & PAGE_MASK) + PAGE_SIZE, 1, ACC_EXEC, cpu->cpl);
		memcpy(buf + avail, next, 15 - avail);
		avail = 15;
		cpu_fetch_forget(in, cpu);
		st = cpu_decode(buf, avail, &in->scratch[0]);
		if (st == DEC_OK) {
			cpu_predecoded(&in->scratch[0], 0, &in->scratch[1]);
			return &in->scratch[0];
		}
	}
	decode_failed(cpu, st, buf, avail);
	return NULL;
}

const struct insn *cpu_icache_fetch(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	const uint8_t *host = fetch_page(cpu, cpu->rip);
	ma_t ma = (ma_t)(host - cpu->ram);
	struct icache_entry *e = &in->icache[ma & (ICACHE_SIZE - 1)];
	if (e->ma == ma) {
		cpu->stats.icache_hits++;
		return &e->insn;
	}
	return cpu_icache_fill(cpu, host);
}
