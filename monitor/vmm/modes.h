/*
 * monitor/vmm/modes.h — the MMU modes side by side (issue 6): --mmu=swtlb (the
 * lecture's software-managed TLB), --mmu=nested (hardware 2-D walks),
 * --paravirt (CPUID leaf + vmcall hypercalls), --strict-x86 (the
 * Popek-Goldberg holes of pre-VT x86), and `vmlab compare`.
 *
 * Files: modes.c (options, set-up, CPUID/MSR/vmcall dispatch, summary),
 * mode_nested.c, mode_swtlb.c, paravirt.c, strict.c (and tools/compare.c).
 * The rest of the monitor calls only the mon_modes_* hooks below; each is a
 * no-op (returns false/0) in plain shadow mode.
 *
 * ---- guest-visible interface (documented for the guest in guestos/README.md) ----
 *   CPUID 0x40000000: EAX = 0x40000001 (highest leaf), EBX ECX EDX = "VmlabVmlabVm"
 *   CPUID 0x40000001: EAX = features (VMLAB_FEAT_*), EBX = the refill error bit,
 *                     ECX = TLB-write MSR, EDX = refill-vector MSR
 *   MSR VMLAB_MSR_SWTLB_VECTOR (wrmsr, virtual CPL 0): bits 7..0 vector, bit 8
 *       enable: app TLB misses are delivered to that IDT vector with error code
 *       (#PF W/U/I bits | VMLAB_PFERR_TLBMISS) and CR2 = the VA.
 *   Kernel segment (swtlb): at virtual CPL 0, VA VMLAB_SWTLB_KSEG_BASE + PA for a
 *       PA inside guest RAM is untranslated (as MIPS kseg0): no TLB, no refill.
 *   MSR VMLAB_MSR_TLB_WRITE (wrmsr, virtual CPL 0): EDX:EAX = a PTE-format
 *       entry (PA bits 51..12, P RW US G NX), RDI = the VA: install VA -> (PA
 *       through the pmap = MA) in the app's (user-view) TLB.
 *   vmcall (--paravirt): RAX = op (VMLAB_HC_*), args RDI RSI RDX, result RAX
 *       (0 or a value; -1 on error). vmcall without --paravirt is #UD.
 */
#ifndef VMLAB_MONITOR_MODES_H
#define VMLAB_MONITOR_MODES_H

#include "monitor/vmm/vm.h"
#include "shadow/nested.h"

#define VMLAB_CPUID_FEATURES 0x40000001u
#define VMLAB_FEAT_HYPERCALL (1u << 0) /* --paravirt: vmcall works */
#define VMLAB_FEAT_SWTLB (1u << 1)     /* --mmu=swtlb: the TLB is software-managed */
#define VMLAB_FEAT_NESTED (1u << 2)    /* --mmu=nested (informative) */

#define VMLAB_MSR_SWTLB_VECTOR 0x40000100u
#define VMLAB_MSR_TLB_WRITE 0x40000101u
#define VMLAB_SWTLB_ENABLE (1u << 8)
/* --mmu=swtlb: at virtual CPL 0, VA VMLAB_SWTLB_KSEG_BASE + PA is an unmapped
 * segment (MIPS kseg0): translated to PA directly, never through the TLB. */
#define VMLAB_SWTLB_KSEG_BASE 0xffffffff80000000ull
#define VMLAB_PFERR_TLBMISS (1u << 31)

enum vmlab_hc {
	VMLAB_HC_VERSION = 0,       /* -> 1 */
	VMLAB_HC_CONSOLE_WRITE = 1, /* RDI = buffer VA, RSI = length (<= 4096): bytes to COM1 */
	VMLAB_HC_MMU_UPDATE = 2,    /* RDI = VA of RSI (<= 64) x { u64 pa; u64 val; u64 flush_va } */
	VMLAB_HC_INVLPG = 3,        /* RDI = VA */
	VMLAB_HC_SET_CR3 = 4,       /* RDI = new CR3 */
	VMLAB_HC_IRQ = 5,           /* RDI = 0 cli, 1 sti, 2 sti + hlt (idle until an interrupt) */
	VMLAB_HC_DISK_READ = 6,     /* RDI = buffer VA, RSI = LBA, RDX = sectors (1..255): disk -> memory */
	VMLAB_HC_DISK_WRITE = 7,    /* RDI = buffer VA, RSI = LBA, RDX = sectors (1..255): memory -> disk */
	VMLAB_HC_BALLOON = 8,       /* RDI = 0: -> pages the monitor wants back; RDI = 1: RSI = PA of a
				       frame the guest gives (--balloon; SET_CR3 returns 1 while it wants) */
	VMLAB_HC_COUNT
};
#define VMLAB_HC_BATCH_MAX 64

/* Per-VM state of this file group (vm->modes). */
struct mon_modes {
	/* nested */
	struct shadow_nested nested;
	bool nested_ok;
	uint64_t walks2d;           /* 2-D walks done by the CPU's MMU */
	uint64_t walk2d_refs;       /* their memory references */
	pa_t bad_pa;                /* a 2-D walk met a PA outside RAM (EPT violation), or PA_NONE */
	va_t bad_va;
	/* swtlb */
	unsigned swtlb_vector;      /* registered refill vector; 0x100 = none */
	uint64_t refills;           /* misses reflected to the guest's refill handler */
	uint64_t tlb_writes;        /* privileged TLB writes emulated */
	bool hit_pending;           /* the next access to hit_va is traced as the retry's hit */
	va_t hit_va;
	uint64_t upcall_icount;     /* icount at the last upcall (for "kernel A's walk: N insns") */
	uint64_t upcall_exits;      /* exits counted at the last upcall (and the exits on its way) */
	/* paravirt */
	uint64_t hypercalls[VMLAB_HC_COUNT];
	uint64_t hc_ptes;           /* PTE updates carried by MMU_UPDATE batches */
	uint64_t hc_sectors;        /* sectors moved by DISK_READ/DISK_WRITE */
	bool announced;             /* the mode's trace line was emitted */
	/* strict */
	uint64_t untrapped_seen[SOP_COUNT]; /* cpu->stats.untrapped already explained */
};

/* modes.c: hooks for the rest of the monitor (the option parsing is public: monitor.h) */
/* After the VM booted: set up the mode (nested table, MMU, strict controls). 0 or -1 + err. */
int mon_modes_init(struct vm *vm, char *err, size_t errlen);
void mon_modes_free(struct vm *vm);
/* A sensitive-instruction exit at virtual CPL 0 (or vmcall anywhere): true if handled here. */
bool mon_modes_emulate(struct vm *vm, const struct cpu_sens *s);
/* A TLB-miss exit: true if handled here (swtlb refill upcall, nested EPT violation). */
bool mon_modes_miss(struct vm *vm, va_t va, enum cpu_access acc);
/* After every cpu_run: strict-x86 explanations. */
void mon_modes_after_run(struct vm *vm);
/* Extra summary lines for the mode. */
void mon_modes_summary(const struct vm *vm, FILE *f);

/* mode_nested.c */
int mon_nested_init(struct vm *vm, char *err, size_t errlen);
bool mon_nested_miss(struct vm *vm);
/* mode_swtlb.c */
void mon_swtlb_init(struct vm *vm);
bool mon_swtlb_miss(struct vm *vm, va_t va, enum cpu_access acc);
bool mon_swtlb_wrmsr(struct vm *vm, uint32_t msr, uint64_t val, unsigned len);
/* paravirt.c */
void mon_paravirt_call(struct vm *vm, const struct cpu_sens *s);
/* strict.c */
void mon_strict_init(struct vm *vm);
void mon_strict_check(struct vm *vm);
void mon_strict_summary(const struct vm *vm, FILE *f);

#endif
