/*
 * cpu/mmu_flat.c — the flat bare-metal MMU: VA == MA, no permissions.
 * SIMPLIFICATION: an access beyond the end of RAM raises #PF (not-present)
 * with CR2 = the address, so a stray pointer in a flat guest is a clean,
 * explained stop rather than a host crash.
 */
#include "cpu/exec.h"

static enum mmu_result flat_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc, unsigned cpl,
				      struct mmu_xlat *out)
{
	(void)ctx;
	if (va >= cpu->ram_size) {
		out->err = (acc == ACC_WRITE ? PFERR_W : 0) | (acc == ACC_EXEC ? PFERR_I : 0) |
			   (cpl == 3 ? PFERR_U : 0);
		return MMU_FAULT;
	}
	out->ma = va;
	out->cacheable = true;
	out->touch = NULL;
	return MMU_OK;
}

void cpu_mmu_use_flat(struct cpu *cpu)
{
	cpu->mmu.translate = flat_translate;
	cpu->mmu.ctx = NULL;
	cpu_ftlb_flush(cpu);
}
