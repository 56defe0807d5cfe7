/*
 * cpu/sys_io.c — port I/O: in, out, ins, outs (with rep).
 *
 * The core has no devices: an I/O instruction allowed at this CPL stops
 * cpu_run() with CPU_EXIT_IO, RIP still at the instruction and
 * cpu->exit.sens describing it; the caller performs one element and calls
 * cpu_io_complete_in() / cpu_io_complete_out() (contract in cpu.h), which
 * finish the instruction. String forms move one element per exit; a rep
 * prefix keeps RIP at the instruction until RCX reaches 0.
 *
 * Permission: CPL <= IOPL, or else the TSS I/O permission bitmap (offset at
 * TSS+0x66) must have a 0 bit for every port accessed, with the two bytes
 * read for it inside the TSS limit (cpu->tr_limit, set by ltr), as on
 * real hardware; otherwise #GP(0).
 */
#include "cpu/internal.h"

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* The VA of the current string element. */
static va_t element_va(const struct cpu *cpu, const struct cpu_sens *s)
{
	if (s->mem)
		return s->ea;
	return cpu->gpr[s->op == SOP_INS ? RDI : RSI];
}

/* Whether the TSS I/O permission bitmap allows ports [port, port+size).
 * The CPU reads two bytes at bitmap + port/8 (hence the bitmap's trailing
 * 0xff byte); both must lie within the TSS limit. */
static bool io_bitmap_allows(struct cpu *cpu, uint16_t port, unsigned size)
{
	if (cpu->tr_limit < 0x67)
		return false;
	uint32_t map = (uint32_t)cpu_mem_read_sys(cpu, cpu->tr_base + 0x66, 2);
	uint32_t at = map + port / 8u;
	if (at + 1 > cpu->tr_limit)
		return false;
	uint32_t bits = (uint32_t)cpu_mem_read_sys(cpu, cpu->tr_base + at, 2);
	uint32_t want = ((1u << size) - 1) << (port & 7u);
	return (bits & want) == 0;
}

enum cpu_exit_reason cpu_sys_io(struct cpu *cpu, const struct cpu_sens *s)
{
	unsigned iopl = (unsigned)(cpu_get_rflags(cpu) >> 12) & 3u;
	unsigned size = s->opsize ? s->opsize : 1;
	if (cpu->cpl > iopl && !io_bitmap_allows(cpu, s->port, size))
		cpu_fault(cpu, VEC_GP, 0);
	bool string = s->op == SOP_INS || s->op == SOP_OUTS;
	if (string && s->rep && cpu->gpr[RCX] == 0) {
		cpu_sys_next(cpu, s);
		return CPU_EXIT_NONE;
	}
	struct cpu_sens e = *s;
	e.opsize = (uint8_t)size;
	if (string) {
		e.ea = element_va(cpu, s);
		e.mem = true;
	}
	uint32_t value = 0;
	switch (s->op) {
	case SOP_IN:
		break;
	case SOP_OUT:
		value = (uint32_t)(cpu->gpr[RAX] & size_mask(size));
		break;
	case SOP_INS: {
		/* Probe the destination now so a fault is raised by the instruction,
		 * not by the completion: read it and write it back unchanged. */
		uint64_t old = cpu_mem_read(cpu, e.ea, size);
		cpu_mem_write(cpu, e.ea, size, old);
		break;
	}
	case SOP_OUTS:
		value = (uint32_t)cpu_mem_read(cpu, e.ea, size);
		break;
	default:
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
	cpu->exit.sens = e;
	cpu->exit.io_value = value;
	return CPU_EXIT_IO;
}

/* Finish a string element: step RSI/RDI, count RCX down under rep. */
static void string_done(struct cpu *cpu, const struct cpu_sens *s, enum cpu_gpr idx)
{
	int64_t step = (cpu_get_rflags(cpu) & RFLAGS_DF) ? -(int64_t)s->opsize : s->opsize;
	cpu->gpr[idx] += (uint64_t)step;
	if (s->rep && --cpu->gpr[RCX] != 0)
		return; /* RIP stays: the next element exits again */
	cpu->rip += s->len;
}

int cpu_io_complete_in(struct cpu *cpu, uint32_t value)
{
	const struct cpu_sens *s = &cpu->exit.sens;
	uint64_t *rax = &cpu->gpr[RAX];
	if (s->op == SOP_IN) {
		if (s->opsize == 4)
			*rax = value;
		else
			*rax = (*rax & ~size_mask(s->opsize)) | (value & size_mask(s->opsize));
		cpu->rip += s->len;
		return 0;
	}
	if (s->op != SOP_INS)
		return -1;
	jmp_buf jb;
	jmp_buf *old = cpu_catch(cpu, &jb);
	if (setjmp(jb)) {
		cpu_catch(cpu, old);
		return -1;
	}
	cpu_mem_write(cpu, s->ea, s->opsize, value & size_mask(s->opsize));
	cpu_catch(cpu, old);
	string_done(cpu, s, RDI);
	return 0;
}

void cpu_io_complete_out(struct cpu *cpu)
{
	const struct cpu_sens *s = &cpu->exit.sens;
	if (s->op == SOP_OUTS)
		string_done(cpu, s, RSI);
	else if (s->op == SOP_OUT)
		cpu->rip += s->len;
}
