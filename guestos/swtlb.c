/*
 * guestos/swtlb.c — kernel A's TLB-refill handler for vmlab --mmu=swtlb (the
 * lecture's software-managed TLB; vmlab.h and README.md "Running on vmlab").
 *
 * An app's TLB miss arrives on the #PF vector with error bit 31
 * (VMLAB_PFERR_TLBMISS) and CR2 = the VA. The handler walks the process's
 * own 4-level table with ordinary loads, sets A (and D for a write) as the
 * hardware walker would, and issues the privileged TLB write (wrmsr
 * VMLAB_MSR_TLB_WRITE: EDX:EAX = the page's PA with P/RW/US/NX, RDI = the VA),
 * which traps to the monitor. Returning (iretq) lets the app retry and hit.
 * A missing or forbidding entry is a real page fault: the handler fixes the
 * error code (P = 1 for a protection violation) and the normal #PF path runs.
 * A clean page is written into the TLB read-only, so the first write misses
 * again and sets D (MIPS-style dirty-bit emulation; swap relies on D).
 */
#include "guestos/vmlab.h"

void swtlb_init(void)
{
	if (vmlab_features & VMLAB_FEAT_SWTLB)
		wrmsr(VMLAB_MSR_SWTLB_VECTOR, 14 | VMLAB_SWTLB_ENABLE);
}

static void tlb_write(uint64_t va, uint64_t entry)
{
	__asm__ volatile("wrmsr" ::"c"(VMLAB_MSR_TLB_WRITE), "a"((uint32_t)entry),
			 "d"((uint32_t)(entry >> 32)), "D"(va)
			 : "memory");
}

int swtlb_refill(struct trapframe *tf)
{
	uint64_t va = rcr2();
	uint64_t err = tf->error & ~VMLAB_PFERR_TLBMISS;
	int write = (err & 2) != 0, exec = (err & 16) != 0;
	tf->error = err;
	if (!curproc || va >= USER_TOP)
		return 0;
	/* LAB-HOLE-BEGIN swtlb-refill stub: (void)write; (void)exec; (void)tlb_write; panic("not implemented: swtlb_refill"); */
	uint64_t *table = curproc->pml4, *ent[4];
	int n = 0, rw = 1, us = 1, nx = 0, level;
	for (level = 4; level >= 1; level--) {
		uint64_t *e = &table[(va >> (12 + 9 * (level - 1))) & 511];
		if (!(*e & PTE_P))
			return 0; /* not present: demand paging or swap-in */
		ent[n++] = e;
		rw &= (*e & PTE_RW) != 0;
		us &= (*e & PTE_US) != 0;
		nx |= (*e & PTE_NX) != 0;
		if (level == 1 || (*e & PTE_PS))
			break;
		table = P2V(*e & PTE_ADDR_MASK); /* the next level's table */
	}
	if (!us || (write && !rw) || (exec && nx)) {
		tf->error = err | 1; /* present, but a protection violation */
		return 0;
	}
	for (int lv = 0; lv < n; lv++) {
		uint64_t want = PTE_A | (lv == n - 1 && write ? PTE_D : 0);
		if ((*ent[lv] & want) != want)
			*ent[lv] |= want;
	}
	uint64_t leaf = *ent[n - 1];
	uint64_t span = 1ull << (12 + 9 * (level - 1));
	uint64_t pa = ((leaf & PTE_ADDR_MASK) & ~(span - 1)) | (va & (span - 1) & ~(PAGE_SIZE - 1));
	uint64_t entry = pa | PTE_P | PTE_US | (nx ? PTE_NX : 0);
	if (rw && (leaf & PTE_D))
		entry |= PTE_RW;
	tlb_write(va & ~(PAGE_SIZE - 1), entry);
	return 1;
	/* LAB-HOLE-END swtlb-refill */
}
