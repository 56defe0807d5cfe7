/*
 * cpu/cpu.h — the interpretive x86-64 core: public interface.
 *
 * The core runs 64-bit long-mode code against a block of "machine RAM" owned
 * by its caller. It knows nothing of the monitor: cpu_run() executes until
 * something the caller must decide happens, and returns an exit reason.
 *
 * Memory goes through an MMU interface (struct cpu_mmu): the core asks it to
 * translate a VA for an access and gets back a machine address (an offset
 * into cpu->ram), a miss (cpu_run returns CPU_EXIT_TLB_MISS), or a page fault
 * (the core raises #PF). cpu/mmu_flat.c and cpu/mmu_paging.c provide the
 * bare-metal implementations; the monitor provides the shadow/TLB one.
 *
 * A host-side fast cache of translations (cpu->ftlb) makes the interpreter
 * quick. It is NOT the simulated TLB students see: whoever implements the MMU
 * says which translations may be cached, and must call cpu_ftlb_flush() /
 * cpu_ftlb_invalidate() whenever a translation it handed out stops being valid.
 */
#ifndef VMLAB_CPU_H
#define VMLAB_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The lecture's three kinds of address. */
typedef uint64_t va_t; /* virtual: what guest code issues */
typedef uint64_t pa_t; /* guest-physical: what the guest's page tables produce */
typedef uint64_t ma_t; /* machine: offset into the one host buffer that is real RAM */

/* A 48-bit VA is canonical when bits 63..47 are all equal; any other VA faults
 * (#GP, #SS on the stack) before the page walk. */
static inline bool cpu_va_canonical(va_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

enum cpu_gpr {
	RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15
};

/* RFLAGS bits */
#define RFLAGS_CF (1ull << 0)
#define RFLAGS_FIXED (1ull << 1) /* always 1 */
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_ID (1ull << 21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* Control register and EFER bits the core honours. */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_TSD (1ull << 2)  /* rdtsc is privileged */
#define CR4_DE (1ull << 3)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_PCIDE (1ull << 17)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* MSR numbers */
#define MSR_EFER 0xC0000080u
#define MSR_STAR 0xC0000081u
#define MSR_LSTAR 0xC0000082u
#define MSR_CSTAR 0xC0000083u
#define MSR_FMASK 0xC0000084u
#define MSR_FS_BASE 0xC0000100u
#define MSR_GS_BASE 0xC0000101u
#define MSR_KERNEL_GS_BASE 0xC0000102u
#define MSR_TSC 0x10u

/* CPUID leaves 0x40000000-0x400000ff are left to the monitor (hypervisor
 * leaf); the bare core answers them with zeros. */
#define CPUID_HV_LEAF 0x40000000u

/* Exception vectors */
enum cpu_vector {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17
};

/* #PF error code bits */
#define PFERR_P (1u << 0)   /* 1: protection violation, 0: not present */
#define PFERR_W (1u << 1)   /* write access */
#define PFERR_U (1u << 2)   /* access from CPL 3 */
#define PFERR_RSVD (1u << 3)
#define PFERR_I (1u << 4)   /* instruction fetch */

/* Memory access kinds, as passed to the MMU. */
enum cpu_access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

/*
 * The MMU interface.
 * translate(): VA -> MA for an access of kind `acc` at privilege `cpl`.
 *   MMU_OK:    *ma set. If *cacheable is set true, the core may remember the
 *              page's translation in its fast cache for this access kind
 *              (until cpu_ftlb_flush/invalidate). *touch may be set to a
 *              stamp the core overwrites with cpu->icount on every fast-cache
 *              hit (lets a simulated LRU TLB see hits it never handles).
 *   MMU_MISS:  cpu_run() stops with CPU_EXIT_TLB_MISS; the instruction has
 *              not executed and is restarted on the next cpu_run().
 *   MMU_FAULT: the core raises #PF with CR2 = va and error code *err.
 * The callback must not touch the CPU's registers.
 */
enum mmu_result { MMU_OK = 0, MMU_MISS = 1, MMU_FAULT = 2 };
struct cpu;
struct mmu_xlat {
	ma_t ma;
	bool cacheable;
	uint64_t *touch;
	uint32_t err;
};
struct cpu_mmu {
	enum mmu_result (*translate)(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				     unsigned cpl, struct mmu_xlat *out);
	void *ctx;
};

/*
 * Virtualization controls (like a VMCS's exit controls).
 * With `virt` set, every sensitive instruction executed at CPL > 0 whose
 * class bit is set in `sensitive` exits with CPU_EXIT_SENSITIVE before it
 * runs, and every exception, software interrupt and `syscall` exits with
 * CPU_EXIT_EXCEPTION / CPU_EXIT_SENSITIVE instead of being delivered through
 * the IDT. A class whose bit is clear behaves as real x86 does at CPL 3
 * (strict-x86: popf silently keeps IF, sgdt reveals the real GDTR).
 */
enum cpu_sens_class {
	SENS_CR = 1u << 0,      /* mov to/from cr*, clts */
	SENS_INVLPG = 1u << 1,
	SENS_DESC_LOAD = 1u << 2,  /* lgdt lidt ltr lldt */
	SENS_DESC_STORE = 1u << 3, /* sgdt sidt str sldt smsw: not trapped by pre-VT x86 */
	SENS_MSR = 1u << 4,     /* rdmsr wrmsr */
	SENS_IF = 1u << 5,      /* cli sti */
	SENS_FLAGS = 1u << 6,   /* pushf popf: popf silently drops IF on pre-VT x86 */
	SENS_HLT = 1u << 7,
	SENS_IO = 1u << 8,      /* in out ins outs */
	SENS_IRET = 1u << 9,    /* iretq sysret */
	SENS_SWAPGS = 1u << 10,
	SENS_CPUID = 1u << 11,
	SENS_RDTSC = 1u << 12,
	SENS_CACHE = 1u << 13,  /* wbinvd invd */
	SENS_INT = 1u << 14,    /* int3, int n, syscall */
	SENS_VMCALL = 1u << 15, /* vmcall: the paravirt hypercall */
	SENS_ALL = 0xffffu
};
struct cpu_ctl {
	bool virt;
	uint32_t sensitive; /* enum cpu_sens_class bits that exit */
};

/* What the core stopped for. */
enum cpu_exit_reason {
	CPU_EXIT_NONE = 0,
	CPU_EXIT_BUDGET,       /* ran the instruction budget */
	CPU_EXIT_HLT,          /* hlt at CPL 0 (bare metal): RIP after the hlt */
	CPU_EXIT_IO,           /* in/out/ins/outs allowed at this CPL: see exit.sens; RIP at it */
	CPU_EXIT_SENSITIVE,    /* virt: sensitive insn at CPL>0: see exit.sens; RIP at it */
	CPU_EXIT_EXCEPTION,    /* virt: exception/interrupt to reflect: exit.vector etc. */
	CPU_EXIT_TLB_MISS,     /* MMU said MMU_MISS: exit.va, exit.access; insn restarts */
	CPU_EXIT_TRIPLE_FAULT, /* a fault while delivering #DF */
	CPU_EXIT_UNSUPPORTED,  /* valid x86 the core does not implement: exit.bytes; RIP at it */
	CPU_EXIT_BREAKPOINT,   /* RIP is on a cpu_break_set address: nothing of it ran */
	CPU_EXIT_WATCH,        /* an instruction touched a cpu_watch_set range: it has retired */
};

/* The sensitive instructions, as decoded for whoever emulates them. */
enum cpu_sens_op {
	SOP_NONE = 0,
	SOP_MOV_TO_CR, SOP_MOV_FROM_CR, SOP_CLTS, SOP_INVLPG,
	SOP_LGDT, SOP_LIDT, SOP_LTR, SOP_LLDT,
	SOP_SGDT, SOP_SIDT, SOP_STR, SOP_SLDT, SOP_SMSW,
	SOP_RDMSR, SOP_WRMSR, SOP_CLI, SOP_STI, SOP_PUSHF, SOP_POPF, SOP_HLT,
	SOP_IN, SOP_OUT, SOP_INS, SOP_OUTS,
	SOP_IRETQ, SOP_SYSRET, SOP_SWAPGS, SOP_CPUID, SOP_RDTSC, SOP_WBINVD, SOP_INVD,
	SOP_INT3, SOP_INTN, SOP_SYSCALL, SOP_VMCALL,
	SOP_COUNT
};

/*
 * A decoded sensitive instruction, with operands resolved by the core so the
 * emulator does not have to decode x86 itself.
 *   reg:     GPR operand (mov cr: the GPR; ltr/str/smsw/... register form)
 *   cr:      control register number (mov cr)
 *   mem:     true if the operand is in memory; ea is its VA (segment base applied)
 *   opsize:  operand size in bytes (in/out: 1, 2 or 4; pushf/popf: 8 or 2)
 *   port:    in/out port (immediate or DX, already read)
 *   imm:     int n vector
 *   rep:     rep prefix present (ins/outs)
 *   len:     instruction length; RIP + len is the next instruction
 */
struct cpu_sens {
	enum cpu_sens_op op;
	uint8_t reg, cr, opsize, len;
	bool mem, rep;
	uint16_t port;
	uint8_t imm;
	va_t ea;
};

struct cpu_exit {
	enum cpu_exit_reason reason;
	struct cpu_sens sens;      /* SENSITIVE, IO */
	uint8_t vector;            /* EXCEPTION */
	bool has_error;            /* EXCEPTION: error code pushed */
	uint32_t error;            /* EXCEPTION */
	bool soft;                 /* EXCEPTION: int n/int3 (RIP is after the insn) */
	va_t va;                   /* TLB_MISS: faulting VA; EXCEPTION #PF: CR2 */
	enum cpu_access access;    /* TLB_MISS */
	uint8_t bytes[15];         /* UNSUPPORTED: the instruction bytes */
	uint8_t nbytes;
	uint32_t io_value;         /* IO out/outs: the value to write (exit.sens.opsize bytes) */
};

struct cpu_dtr {
	uint64_t base;
	uint16_t limit;
};

/* A segment register: selector plus the cached base (only FS/GS bases matter in 64-bit mode). */
struct cpu_seg {
	uint16_t sel;
	uint64_t base;
};
enum cpu_segreg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct cpu_stats {
	uint64_t insns_user;   /* retired at CPL 3 */
	uint64_t insns_kernel; /* retired at CPL 0 */
	uint64_t ftlb_hits;    /* fast-cache hits (host side, not the simulated TLB) */
	uint64_t icache_hits, icache_misses; /* pre-decoded instruction cache */
	uint64_t paging_walks, paging_refs; /* bare-metal paging (mmu_paging.c): TLB misses walked,
					       page-table entries those walks read */
	uint64_t untrapped[SOP_COUNT]; /* virt: sensitive instructions run at CPL > 0 without an exit
					(their class bit clear: strict x86, the monitor never sees them) */
};

struct cpu_internal; /* private to cpu/: decoded-instruction cache, lazy flags, fast TLB */

struct cpu {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags_; /* use cpu_get_rflags / cpu_set_rflags: flags are computed lazily */
	struct cpu_seg seg[6];
	unsigned cpl; /* current privilege level = CS.RPL */
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t cr8;     /* task priority: external vectors with (vector >> 4) <= cr8 wait */
	uint64_t star, lstar, cstar, fmask, kernel_gs_base;
	struct cpu_dtr gdtr, idtr;
	uint16_t tr, ldtr;
	uint64_t tr_base; /* TSS base, loaded by ltr */
	uint32_t tr_limit; /* TSS limit, loaded by ltr (0: no I/O permission bitmap reachable) */
	uint64_t icount;  /* instructions retired; rdtsc returns it */
	uint64_t irq_shadow; /* sti's interrupt shadow: external interrupts wait while icount + 1 == irq_shadow */

	uint8_t *ram;     /* machine RAM; an MA is an offset into it */
	uint64_t ram_size;
	struct cpu_mmu mmu;
	struct cpu_ctl ctl;
	struct cpu_exit exit; /* why cpu_run last returned */
	struct cpu_stats stats;
	struct cpu_internal *in;
	void *mmu_paging; /* state of cpu/mmu_paging.c; freed by cpu_free */
	/* cpu/'s own, kept here rather than behind `in` so that the hot path
	 * reaches them without loading `in` first (cpu/exec.h): */
	struct ftlb_entry *ftlb_; /* the fast translation cache's set for the current CPL */
	struct cpu_lazy_flags {   /* the pending arithmetic flags (lf_set) */
		uint64_t res, a, b;
		uint16_t op, size; /* 16 bits each: one 32-bit store sets both */
		uint8_t cf_in;
	} lf_;
};

/* Set up a CPU in 64-bit mode at CPL 0, registers zero, over `ram`.
 * Returns 0, or -1 if memory for the internal caches cannot be had. */
int cpu_init(struct cpu *cpu, uint8_t *ram, uint64_t ram_size);
void cpu_free(struct cpu *cpu);

/* Execute at most `budget` instructions. Returns why it stopped (also in cpu->exit). */
enum cpu_exit_reason cpu_run(struct cpu *cpu, uint64_t budget);

/* Execute exactly one instruction (or stop for an exit). */
enum cpu_exit_reason cpu_step(struct cpu *cpu);

uint64_t cpu_get_rflags(const struct cpu *cpu);
void cpu_set_rflags(struct cpu *cpu, uint64_t rflags);

/*
 * Deliver an interrupt or exception through the IDT as a real CPU would
 * (privilege switch via TSS RSP0, error code, #DF on a nested fault).
 * Used by the core itself when ctl.virt is off, and by bare-metal callers
 * for external interrupts. Returns false if vector is an external
 * interrupt (`external`) and RFLAGS.IF is clear, true once delivered (or
 * when it escalated into a triple fault: then cpu->exit.reason says so).
 */
bool cpu_interrupt(struct cpu *cpu, uint8_t vector, bool external);

/*
 * Completing an I/O exit (CPU_EXIT_IO; RIP still at the instruction).
 * The caller performs ONE element of I/O and then calls one of these:
 *   in, ins:   read exit.sens.opsize bytes from exit.sens.port, then
 *              cpu_io_complete_in(cpu, value): in writes AL/AX/EAX (EAX
 *              zero-extends into RAX); ins stores the element at ES:RDI.
 *   out, outs: write exit.io_value (exit.sens.opsize bytes; outs has already
 *              read it from memory) to exit.sens.port, then
 *              cpu_io_complete_out(cpu).
 * For ins/outs the completion moves RDI/RSI by the element size (backwards
 * when RFLAGS.DF), and with a rep prefix decrements RCX and leaves RIP at the
 * instruction while RCX != 0: the next cpu_run() exits again for the next
 * element (so rep ins/outs costs one exit per element). Otherwise RIP moves
 * past the instruction. cpu_io_complete_in returns 0, or -1 if the ins
 * destination stopped being writable since the exit: the value is dropped,
 * nothing changes, and re-running the instruction raises the fault.
 */
int cpu_io_complete_in(struct cpu *cpu, uint32_t value);
void cpu_io_complete_out(struct cpu *cpu);

/* The fast translation cache must forget a page, or everything. */
void cpu_ftlb_invalidate(struct cpu *cpu, va_t va);
void cpu_ftlb_flush(struct cpu *cpu);
/* Turn the fast translation cache off (every access then asks the MMU) or
 * back on. Slower, and nothing else may change: the equality test of the
 * simulated TLB's statistics runs with it off. On by default. */
void cpu_ftlb_set_enabled(struct cpu *cpu, bool on);

/* Machine memory at [ma, ma+len) was written by someone other than the core:
 * forget pre-decoded instructions there. */
void cpu_code_written(struct cpu *cpu, ma_t ma, uint64_t len);
/* The caller has overwritten the architectural state (registers, icount, RAM;
 * a snapshot restored) with RFLAGS `rflags`: forget every cache of the old one. */
void cpu_state_loaded(struct cpu *cpu, uint64_t rflags);

/*
 * Debugger breakpoints (cpu/breakpoint.c): cpu_run stops with
 * CPU_EXIT_BREAKPOINT before an instruction whose RIP is in the list, whatever
 * the address space. Checked only when an instruction is decoded (such an
 * instruction is never kept pre-decoded), so runs go at full speed. Replaces
 * the list (at most CPU_BREAK_MAX; n = 0 clears it); -1 if too many.
 */
#define CPU_BREAK_MAX 64
int cpu_break_set(struct cpu *cpu, const va_t *va, unsigned n);
/* Let the instruction at the current RIP run once more without stopping (resuming
 * from a breakpoint): until it retires, its breakpoint does not fire. */
void cpu_break_skip(struct cpu *cpu);

/*
 * Debugger watchpoints (cpu/watchpoint.c): cpu_run stops with CPU_EXIT_WATCH
 * after an instruction (it has retired, RIP after it) that read or wrote a
 * byte of a watched VA range, whatever the address space. A watched page is
 * never kept in the host-side fast translation cache, so its accesses take
 * the slow path, where the ranges are checked; every other page runs at full
 * speed. A range is 1..8 bytes within one page. Replaces the list (n = 0
 * clears it): 0, or -1 if too many or a bad range.
 * SIMPLIFICATION: only the core's own accesses for instructions count (not an
 * instruction fetch, not what the caller writes with cpu_mem_*_sys or into
 * RAM directly), and a read-modify-write counts as a write only.
 */
#define CPU_WATCH_MAX 16
#define CPU_WATCH_WRITE 1u
#define CPU_WATCH_READ 2u
struct cpu_watch {
	va_t va;
	unsigned len;      /* 1..8, not crossing a page */
	unsigned kinds;    /* CPU_WATCH_WRITE | CPU_WATCH_READ */
};
int cpu_watch_set(struct cpu *cpu, const struct cpu_watch *w, unsigned n);
/* What the last CPU_EXIT_WATCH saw (the first watched access of the instruction). */
struct cpu_watch_hit {
	unsigned index;    /* into the cpu_watch_set list */
	va_t va;           /* the access's VA */
	unsigned size;     /* the access's size in bytes (its part in the range's page) */
	bool write;
	va_t rip;          /* the instruction that made the access (RIP before it) */
	ma_t ma;           /* the watched range's first byte in machine RAM */
	uint8_t old[8];    /* the range's bytes before the instruction wrote (reads: as they were) */
};
const struct cpu_watch_hit *cpu_watch_last(const struct cpu *cpu);
/* Did a watched range take an access outside cpu_run (cpu_io_complete_in
 * storing an ins element for the VMM)? Forgets it; cpu_watch_last says which. */
bool cpu_watch_take(struct cpu *cpu);

/* Bare-metal MMUs (cpu/mmu_flat.c, cpu/mmu_paging.c). */
void cpu_mmu_use_flat(struct cpu *cpu);    /* VA == MA, bounds-checked against ram_size */
void cpu_mmu_use_paging(struct cpu *cpu);  /* real 4-level x86-64 paging from CR3 over ram */

/* Names for messages and traces. */
const char *cpu_exit_name(enum cpu_exit_reason r);
const char *cpu_sens_op_name(enum cpu_sens_op op);
const char *cpu_vector_name(unsigned vector);

/* Disassemble the instruction at bytes[0..n) (located at `va`) with capstone,
 * Intel syntax, as one line ("mnemonic operands") into out[0..outsz).
 * Returns its length in bytes, or 0 if capstone does not know it (out then
 * says "(bad)"). (cpu/disasm.c) */
int cpu_disasm(const uint8_t *bytes, size_t n, uint64_t va, char *out, size_t outsz);

#endif
