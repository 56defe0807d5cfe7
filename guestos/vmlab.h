/*
 * guestos/vmlab.h — what guestos knows about running on vmlab (README.md,
 * "Running on vmlab"). The same kernel binary runs everywhere: at boot
 * vmlab_detect() asks CPUID leaf 0x40000000 for the signature "VmlabVmlabVm";
 * only then does it read the feature leaf 0x40000001 and
 *   - with VMLAB_FEAT_HYPERCALL (--paravirt) use vmcall hypercalls for the
 *     console, batched PTE updates (with their invlpgs) and idling;
 *   - with VMLAB_FEAT_SWTLB (--mmu=swtlb) register its TLB-refill handler
 *     (swtlb.c) on the #PF vector: app TLB misses arrive there with error bit
 *     31 set, the handler walks the page table and writes the TLB itself.
 * Elsewhere (QEMU, plain vmlab) nothing changes.
 */
#ifndef GUESTOS_VMLAB_H
#define GUESTOS_VMLAB_H
#include "guestos/kernel.h"

#define VMLAB_CPUID_SIGNATURE 0x40000000u
#define VMLAB_CPUID_FEATURES 0x40000001u
#define VMLAB_FEAT_HYPERCALL (1u << 0)
#define VMLAB_FEAT_SWTLB (1u << 1)
#define VMLAB_FEAT_NESTED (1u << 2)
#define VMLAB_MSR_SWTLB_VECTOR 0x40000100u /* bits 7..0 vector, bit 8 enable */
#define VMLAB_MSR_TLB_WRITE 0x40000101u    /* EDX:EAX = PTE-format entry, RDI = VA */
#define VMLAB_SWTLB_ENABLE (1u << 8)
#define VMLAB_PFERR_TLBMISS (1ull << 31)

/* vmcall: RAX = op, RDI RSI RDX = arguments, result in RAX (-1: bad argument). */
#define VMLAB_HC_CONSOLE_WRITE 1 /* (buf, len <= 4096) */
#define VMLAB_HC_MMU_UPDATE 2    /* (list, count <= 64) of struct pv_pte_update */
#define VMLAB_HC_INVLPG 3        /* (va) */
#define VMLAB_HC_SET_CR3 4       /* (cr3) */
#define VMLAB_HC_IRQ 5           /* (0 cli, 1 sti, 2 sti + hlt) */
#define VMLAB_HC_DISK_READ 6     /* (buf, lba, sectors 1..255) */
#define VMLAB_HC_DISK_WRITE 7    /* (buf, lba, sectors 1..255) */
#define VMLAB_HC_BALLOON 8       /* (0): pages the monitor wants back; (1, pa): take frame pa;
                                    (2, n): the user-page budget shrank by n pages */

struct pv_pte_update {
	uint64_t pa;       /* PA of the 8-byte entry */
	uint64_t val;      /* its new value */
	uint64_t flush_va; /* invlpg this VA afterwards (0: none) */
};

extern uint32_t vmlab_features; /* 0 unless running on vmlab */

/* paravirt.c */
void vmlab_detect(void);
int pv_console_write(const char *s, size_t n); /* 1 if written by a hypercall */
/* Set *pte = val (then invlpg flush_va if not 0): directly, or queued in the
 * open batch, or by one hypercall. */
void pv_pte_set(uint64_t *pte, uint64_t val, uint64_t flush_va);
void pv_batch_begin(void);
void pv_batch_end(void);                       /* apply what is queued */
int pv_idle(void);                             /* sti; hlt in one call: 1 if done */
void pv_lcr3(uint64_t pa);                     /* mov to CR3, or the CR3 hypercall */
void pv_balloon_inflate(void);                /* balloon.c: give the monitor the frames it asks for */
/* Move nsect sectors by one hypercall: 1 if done (0: use the ATA ports). */
int pv_disk(int write, uint32_t lba, void *buf, int nsect);

/* swtlb.c */
void swtlb_init(void);
int swtlb_refill(struct trapframe *tf);        /* 1: TLB written; 0: a real #PF (tf->error fixed) */
#endif
