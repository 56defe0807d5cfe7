/*
 * cpu/internal.h — what the files of cpu/ share with each other (never
 * included outside cpu/ and its unit tests).
 *
 * Ownership while the core is being written in parallel:
 *   decode/execute/run-loop/memory/flags side: decode.c, exec_*.c, run.c, mem.c, flags.c, mmu_flat.c
 *   system side: system.c (cpu_exec_sens), exception.c (delivery, #DF, triple fault),
 *                mmu_paging.c, names.c
 * Both sides may add declarations here; do not change another side's declarations.
 *
 * Faults: any instruction may fault part-way through. cpu_fault() does not
 * return: it longjmps back to the run loop, which restores RIP to the start of
 * the faulting instruction (RSP too, where the instruction had changed it
 * before faulting) and then either delivers the exception through the IDT
 * (ctl.virt off) or exits with CPU_EXIT_EXCEPTION (ctl.virt on). An MMU miss
 * unwinds the same way and exits with CPU_EXIT_TLB_MISS.
 */
#ifndef VMLAB_CPU_INTERNAL_H
#define VMLAB_CPU_INTERNAL_H

#include "cpu/cpu.h"

#define CPU_NO_ERROR 0xffffffffu /* cpu_fault: the exception pushes no error code */

/* Raise an exception from inside an instruction. Never returns. */
_Noreturn void cpu_fault(struct cpu *cpu, uint8_t vector, uint32_t error);

/*
 * Memory access through the MMU and the fast cache, at the CPU's current CPL.
 * size is 1, 2, 4 or 8; accesses may cross a page boundary. On a fault or miss
 * they call cpu_fault / unwind and do not return.
 */
uint64_t cpu_mem_read(struct cpu *cpu, va_t va, unsigned size);
void cpu_mem_write(struct cpu *cpu, va_t va, unsigned size, uint64_t value);
/* The same as a supervisor access whatever the CPL (IDT, GDT, TSS, interrupt
 * stack frames pushed on a privilege switch). */
uint64_t cpu_mem_read_sys(struct cpu *cpu, va_t va, unsigned size);
void cpu_mem_write_sys(struct cpu *cpu, va_t va, unsigned size, uint64_t value);

/*
 * The system side's entry points.
 * cpu_sens_class: the enum cpu_sens_class bit an op belongs to.
 * cpu_exec_sens: execute a sensitive instruction with real-hardware semantics
 *   at the current CPL (privileged ones #GP at CPL>0 via cpu_fault, popf
 *   silently keeps IF when IOPL<CPL, ...). Advances RIP past it on success.
 *   Returns CPU_EXIT_NONE to continue, or an exit reason to stop with
 *   (CPU_EXIT_HLT, CPU_EXIT_IO with cpu->exit.sens filled).
 * cpu_deliver: deliver vector through the 64-bit IDT as hardware does; `soft`
 *   for int n/int3 (DPL check against CPL), `error` CPU_NO_ERROR for none.
 *   RIP must already be the return address. Escalates to #DF and triple
 *   fault; returns CPU_EXIT_TRIPLE_FAULT in that case, else CPU_EXIT_NONE.
 */
uint32_t cpu_sens_class(enum cpu_sens_op op);
enum cpu_exit_reason cpu_exec_sens(struct cpu *cpu, const struct cpu_sens *s);
enum cpu_exit_reason cpu_deliver(struct cpu *cpu, uint8_t vector, uint32_t error, bool soft);

/* Whether an exception vector is a fault (RIP = faulting insn) rather than a trap. */
bool cpu_vector_is_fault(unsigned vector);

/* ---- Fault unwinding (decode/execute side) ----
 * cpu_fault() and an MMU miss record what happened in a struct cpu_fault_rec
 * and longjmp to the current catcher (cpu_run installs one around the
 * instruction loop). Code that must survive a fault in a risky region (IDT
 * delivery escalating to #DF) installs its own catcher and restores the old
 * one on every path out:
 *     jmp_buf jb; jmp_buf *old = cpu_catch(cpu, &jb);
 *     if (setjmp(jb)) { cpu_catch(cpu, old); rec = cpu_last_fault(cpu); ... }
 *     ...risky accesses...
 *     cpu_catch(cpu, old);
 * cpu_fault() with no catcher installed (a caller outside cpu_run that did not
 * install one) is a bug in the caller: it aborts the host with a message.
 */
#include <setjmp.h>
struct cpu_fault_rec {
	bool miss;              /* MMU_MISS rather than an exception */
	uint8_t vector;         /* exception vector */
	uint32_t error;         /* error code or CPU_NO_ERROR */
	va_t va;                /* #PF / miss: the faulting VA (becomes CR2) */
	enum cpu_access access; /* miss: access kind */
};
/* Install `jb` as the fault catcher; returns the previous one (may be NULL). */
jmp_buf *cpu_catch(struct cpu *cpu, jmp_buf *jb);
/* The fault that last unwound to a catcher. */
const struct cpu_fault_rec *cpu_last_fault(const struct cpu *cpu);
/* Unwind as for an MMU miss on `va` (used by memory access code). */
_Noreturn void cpu_miss(struct cpu *cpu, va_t va, enum cpu_access acc);

/* ---- System side: segments, sensitive-instruction details, paging MMU ----
 * (owned by segment.c, system.c / sys_*.c, exception.c, mmu_paging.c)
 *
 * What the decoder puts in struct cpu_sens beyond cpu.h's description:
 *   smsw/str/sldt register form: reg = the GPR, opsize = 2, 4 or 8 (the
 *     selector / MSW is zero-extended for 4 and 8; 2 writes only the low word).
 *   ins/outs: mem = true, ea = VA of the current element (ES:RDI for ins,
 *     seg:RSI with any override for outs); opsize = element size; rep set for
 *     a rep prefix. Address size is 64-bit.
 *   sysret: opsize 8 for sysretq (REX.W), 4 for the 32-bit form.
 *   pushf/popf: opsize 8 or 2.  in/out: opsize 1, 2, 4; port resolved.
 *   lgdt/lidt/sgdt/sidt/invlpg: mem = true, ea = the operand's VA (mem false is #UD).
 *   ltr/lldt: mem ? 16-bit operand at ea : low word of gpr[reg].
 */

/* mov sreg / pop sreg in 64-bit mode (sr != SEG_CS): loads the selector with
 * the SDM's checks at the current CPL (#GP(sel), #NP(sel), #SS(sel) for SS,
 * via cpu_fault). Null selectors: allowed for DS/ES/FS/GS; for SS only at
 * CPL < 3 with RPL == CPL. FS/GS get the descriptor's 32-bit base. */
void cpu_load_seg(struct cpu *cpu, enum cpu_segreg sr, uint16_t sel);

/* Far return: lret (opsize 4) / lretq (opsize 8), then RSP += imm. Pops RIP
 * and CS, checks CS; on a return to an outer level also pops RSP and SS and
 * nulls DS/ES/FS/GS that the new CPL may not use. Faults via cpu_fault with
 * no register changed. */
void cpu_far_ret(struct cpu *cpu, unsigned opsize, uint16_t imm);

/* The bare-metal paging MMU (mmu_paging.c). Its state hangs off
 * cpu->mmu_paging; cpu_free() must call cpu_paging_free(). invlpg/flush are
 * no-ops when the paging MMU is not the CPU's current MMU. */
void cpu_paging_free(struct cpu *cpu);
bool cpu_paging_active(const struct cpu *cpu);
void cpu_paging_invlpg(struct cpu *cpu, va_t va);
/* keep_global: leave global entries (CR3 write with CR4.PGE); else drop all. */
void cpu_paging_flush(struct cpu *cpu, bool keep_global);
/* After a CR3 write (cpu->cr3 already new): drop what the SDM says goes
 * (non-global entries, or only the new PCID's, or nothing for `noflush`). */
void cpu_paging_cr3_written(struct cpu *cpu, bool noflush);

/* ---- System side, shared between its own files ---- */
/* Segment descriptor fields (the 8-byte legacy format; 64-bit system
 * descriptors add a second quadword with base 63:32).
 *   63..56 base 31:24 | 55 G | 54 D/B | 53 L | 52 AVL | 51..48 limit 19:16
 *   47 P | 46..45 DPL | 44 S | 43..40 type | 39..16 base 23:0 | 15..0 limit 15:0
 * type with S=1: bit 3 code; code: bit 2 conforming, bit 1 readable;
 * data: bit 1 writable. type with S=0: 2 LDT, 9/0xB TSS (avail/busy),
 * 0xE interrupt gate, 0xF trap gate. */
#define DESC_TYPE(d) ((unsigned)((d) >> 40) & 0xfu)
#define DESC_S(d) (((d) >> 44) & 1u)
#define DESC_DPL(d) ((unsigned)((d) >> 45) & 3u)
#define DESC_P(d) (((d) >> 47) & 1u)
#define DESC_L(d) (((d) >> 53) & 1u)
#define DESC_DB(d) (((d) >> 54) & 1u)
#define DESC_BASE(d) ((((d) >> 16) & 0xffffffull) | (((d) >> 32) & 0xff000000ull))
#define DESC_LIMIT(d) ((((d) & 0xffffull) | (((d) >> 32) & 0xf0000ull)))
#define DESC_CODE(d) (DESC_S(d) && (DESC_TYPE(d) & 8u))
#define DESC_DATA(d) (DESC_S(d) && !(DESC_TYPE(d) & 8u))
#define DESC_CONFORMING(d) (DESC_CODE(d) && (DESC_TYPE(d) & 4u))
#define SEL_RPL(s) ((unsigned)(s) & 3u)
#define SEL_TI(s) (((s) >> 2) & 1u)
#define SEL_ERR(s) ((uint32_t)((s) & 0xfffcu)) /* #GP/#NP/#SS/#TS error code of a selector */

static inline bool cpu_sys_canonical(uint64_t va)
{
	return cpu_va_canonical(va);
}
/* cpu_fault(#GP, 0) unless CPL is 0. */
void cpu_sys_need_cpl0(struct cpu *cpu);
/* Change CPL (and with it the fast cache's privilege set). */
void cpu_sys_set_cpl(struct cpu *cpu, unsigned cpl);
/* (mem.c) Select the fast-cache set for the current CPL. */
void cpu_ftlb_sync_cpl(struct cpu *cpu);
/* (mmu_paging.c) Walks and TLB hits of the paging MMU so far. */
void cpu_paging_counts(const struct cpu *cpu, uint64_t *walks, uint64_t *hits);
/* RIP past a sensitive instruction. */
static inline void cpu_sys_next(struct cpu *cpu, const struct cpu_sens *s)
{
	cpu->rip += s->len;
}

/* Descriptor `sel` from the GDT or LDT (supervisor read; *where gets its VA).
 * cpu_fault(#GP, SEL_ERR(sel)) if it lies outside the table. */
uint64_t cpu_desc_read(struct cpu *cpu, uint16_t sel, va_t *where);
/* Checks for a far return / iretq target CS (#GP(sel), #NP(sel)); returns
 * the new CPL. SIMPLIFICATION: only 64-bit code segments (L=1) are valid
 * targets: a compatibility-mode CS is #GP(sel). */
unsigned cpu_seg_check_ret_cs(struct cpu *cpu, uint16_t cs);
/* Checks for the SS popped by a return to CPL new_cpl (#GP, #SS). */
void cpu_seg_check_ret_ss(struct cpu *cpu, uint16_t ss, unsigned new_cpl);
/* After a return to an outer level: null DS/ES/FS/GS the new CPL may not use. */
void cpu_seg_null_outer(struct cpu *cpu);

/* Groups of sensitive instructions (sys_*.c): each executes its ops and
 * returns as cpu_exec_sens does. */
enum cpu_exit_reason cpu_sys_cr(struct cpu *cpu, const struct cpu_sens *s);
enum cpu_exit_reason cpu_sys_desc(struct cpu *cpu, const struct cpu_sens *s);
enum cpu_exit_reason cpu_sys_msr(struct cpu *cpu, const struct cpu_sens *s);
enum cpu_exit_reason cpu_sys_io(struct cpu *cpu, const struct cpu_sens *s);
enum cpu_exit_reason cpu_sys_flow(struct cpu *cpu, const struct cpu_sens *s);
/* Deliver with the RIP to report if delivery itself faults (the int n
 * instruction for a software interrupt). */
enum cpu_exit_reason cpu_deliver_at(struct cpu *cpu, uint8_t vector, uint32_t error,
				    bool soft, uint64_t fault_rip);

#endif
