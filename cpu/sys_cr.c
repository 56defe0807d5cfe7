/*
 * cpu/sys_cr.c — control registers: mov to/from CR0/CR2/CR3/CR4/CR8, clts,
 * smsw, invlpg, and the fast-cache / paging-TLB flushes they imply.
 *
 * The core always runs in 64-bit mode, so writes that would leave long
 * mode (clear CR0.PG or CR4.PAE while EFER.LMA) are #GP(0), as on real
 * hardware.
 */
#include "cpu/internal.h"
#include "cpu/x86_pte.h"

#define CR3_RSVD_HI (~0ull << X86_MAXPHYADDR)
#define CR3_NOFLUSH (1ull << 63)
/* CR4 bits the core accepts; anything else is #GP(0) (CPUID does not report them). */
#define CR4_SUPPORTED (CR4_TSD | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE)

/* Forget every translation: the fast cache and, if active, the paging TLB. */
static void flush_all(struct cpu *cpu, bool keep_global)
{
	cpu_ftlb_flush(cpu);
	cpu_paging_flush(cpu, keep_global);
}

static void write_cr0(struct cpu *cpu, uint64_t val)
{
	if (val >> 32)
		cpu_fault(cpu, VEC_GP, 0);
	if ((val & CR0_PG) && !(val & CR0_PE))
		cpu_fault(cpu, VEC_GP, 0);
	if ((val & CR0_NW) && !(val & CR0_CD))
		cpu_fault(cpu, VEC_GP, 0);
	if ((cpu->efer & EFER_LMA) && !(val & CR0_PG))
		cpu_fault(cpu, VEC_GP, 0);
	val |= CR0_ET; /* hard-wired to 1 */
	uint64_t changed = cpu->cr0 ^ val;
	cpu->cr0 = val;
	if (changed & (CR0_PG | CR0_WP))
		flush_all(cpu, false);
}

/* CR3 write. With CR4.PCIDE, bit 63 set asks not to flush the new PCID's
 * entries; without it, non-global entries go (globals stay if CR4.PGE). */
static void write_cr3(struct cpu *cpu, uint64_t val)
{
	bool pcide = cpu->cr4 & CR4_PCIDE;
	bool noflush = pcide && (val & CR3_NOFLUSH);
	if (pcide)
		val &= ~CR3_NOFLUSH;
	if (val & CR3_RSVD_HI)
		cpu_fault(cpu, VEC_GP, 0);
	uint64_t old = cpu->cr3;
	cpu->cr3 = val;
	/* The fast cache is untagged: it must go whenever the space changes. */
	if (!(noflush && old == val))
		cpu_ftlb_flush(cpu);
	cpu_paging_cr3_written(cpu, noflush);
}

static void write_cr4(struct cpu *cpu, uint64_t val)
{
	if (val & ~CR4_SUPPORTED)
		cpu_fault(cpu, VEC_GP, 0);
	if ((cpu->efer & EFER_LMA) && !(val & CR4_PAE))
		cpu_fault(cpu, VEC_GP, 0);
	if ((val & CR4_PCIDE) && !(cpu->cr4 & CR4_PCIDE) && (cpu->cr3 & 0xfff))
		cpu_fault(cpu, VEC_GP, 0);
	uint64_t changed = cpu->cr4 ^ val;
	cpu->cr4 = val;
	if (changed & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_PCIDE))
		flush_all(cpu, false);
}

static void mov_to_cr(struct cpu *cpu, unsigned cr, uint64_t val)
{
	switch (cr) {
	case 0: write_cr0(cpu, val); break;
	case 2: cpu->cr2 = val; break;
	case 3: write_cr3(cpu, val); break;
	case 4: write_cr4(cpu, val); break;
	case 8:
		if (val & ~0xfull)
			cpu_fault(cpu, VEC_GP, 0);
		cpu->cr8 = val;
		break;
	}
}

static uint64_t mov_from_cr(const struct cpu *cpu, unsigned cr)
{
	switch (cr) {
	case 0: return cpu->cr0;
	case 2: return cpu->cr2;
	case 3: return cpu->cr3;
	case 4: return cpu->cr4;
	default: return cpu->cr8;
	}
}

/* smsw is not privileged (no UMIP): it reveals the real CR0. */
static void exec_smsw(struct cpu *cpu, const struct cpu_sens *s)
{
	if (s->mem) {
		cpu_mem_write(cpu, s->ea, 2, cpu->cr0 & 0xffff);
		return;
	}
	uint64_t *r = &cpu->gpr[s->reg & 15];
	if (s->opsize == 2)
		*r = (*r & ~0xffffull) | (cpu->cr0 & 0xffff);
	else
		*r = s->opsize == 4 ? (uint32_t)cpu->cr0 : cpu->cr0;
}

enum cpu_exit_reason cpu_sys_cr(struct cpu *cpu, const struct cpu_sens *s)
{
	switch (s->op) {
	case SOP_MOV_TO_CR:
	case SOP_MOV_FROM_CR:
		if (s->cr != 0 && s->cr != 2 && s->cr != 3 && s->cr != 4 && s->cr != 8)
			cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
		cpu_sys_need_cpl0(cpu);
		if (s->op == SOP_MOV_TO_CR)
			mov_to_cr(cpu, s->cr, cpu->gpr[s->reg & 15]);
		else
			cpu->gpr[s->reg & 15] = mov_from_cr(cpu, s->cr);
		break;
	case SOP_CLTS:
		cpu_sys_need_cpl0(cpu);
		cpu->cr0 &= ~CR0_TS;
		break;
	case SOP_INVLPG:
		if (!s->mem)
			cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
		cpu_sys_need_cpl0(cpu);
		cpu_ftlb_invalidate(cpu, s->ea);
		cpu_paging_invlpg(cpu, s->ea);
		break;
	case SOP_SMSW:
		exec_smsw(cpu, s);
		break;
	default:
		cpu_fault(cpu, VEC_UD, CPU_NO_ERROR);
	}
	cpu_sys_next(cpu, s);
	return CPU_EXIT_NONE;
}
