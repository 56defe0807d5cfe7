/*
 * cpu/exec.h — private to the decode/execute side of cpu/: the internal CPU
 * state (fast translation cache, lazy flags, pre-decoded instruction cache),
 * the decoded-instruction struct and the inline helpers every exec_*.c uses.
 * The system side needs only cpu/internal.h.
 */
#ifndef VMLAB_CPU_EXEC_H
#define VMLAB_CPU_EXEC_H

#include <stddef.h>
#include <string.h>

#include "cpu/internal.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A handler's private "keep going, but look at RFLAGS.TF again" (never
 * returned by cpu_run). */
#define CPU_EXIT_RECHECK ((enum cpu_exit_reason)0x7f)
/* A block's private "ended before its last instruction" (cpu_insn_stop_early). */
#define CPU_EXIT_BLOCK_STOP ((enum cpu_exit_reason)0x7e)
/* A specialised copy's "my memory operand missed the fast cache, nothing
 * changed: run the generic handler instead" (HANDLER_OR). */
#define CPU_EXIT_RETRY ((enum cpu_exit_reason)0x7d)

/* ---- the decoded instruction ---- */
struct insn;
/* A handler executes one decoded instruction and then, threaded, the one
 * after it in memory (see HANDLER below). Returns CPU_EXIT_NONE when the
 * run reached a stop (cpu_insn_stop: the end of a block, or the one slot
 * after a single cached instruction), or an exit reason to stop cpu_run
 * with. */
typedef enum cpu_exit_reason (*insn_fn)(struct cpu *cpu, const struct insn *i);

#define R_NONE 0xff   /* no base / no index */
#define R_RIP 0x10    /* base: RIP-relative */
/* 8-bit register operands: 0..15 are AL..R15B (SPL..DIL with REX),
 * R8_HIGH + n (n = 0..3) are AH, CH, DH, BH (no REX). */
#define R8_HIGH 0x10

enum rep_kind { REP_NONE = 0, REP_F3 = 1, REP_F2 = 2 };

struct insn {
	insn_fn fn;
	int64_t imm;    /* immediate (sign- or zero-extended as the opcode says) */
	int32_t disp;   /* memory displacement */
	uint8_t len;    /* instruction length in bytes */
	uint8_t osz;    /* operand size: 1, 2, 4, 8 */
	uint8_t asz;    /* address size: 4 or 8 */
	uint8_t reg;    /* ModRM.reg (+REX.R) or opcode register; R8_HIGH form for bytes */
	uint8_t rm;     /* ModRM.rm register when mod3 */
	uint8_t mod3;   /* operand is the register rm, not memory */
	uint8_t base;   /* memory base register, R_RIP or R_NONE */
	uint8_t index;  /* memory index register or R_NONE */
	uint8_t scale;  /* index shift 0..3 */
	uint8_t seg;    /* 0, or SEG_FS/SEG_GS when overridden */
	uint8_t rep;    /* enum rep_kind */
	uint8_t ext;    /* per-opcode extra: condition code, ALU op, sensitive op, imm8 of enter */
	uint8_t ext2;   /* per-opcode extra: source size of movzx/movsx, ... */
	uint16_t off;   /* bytes from the block's first instruction (0 outside a block); in a
			 * stop slot: the bytes RIP moves on when the run stops there */
	uint16_t end;   /* off + len: where RIP points while its HANDLER's body runs */
};
/* Where a run of threaded handlers stops (returns CPU_EXIT_NONE). */
enum cpu_exit_reason cpu_insn_stop(struct cpu *cpu, const struct insn *i);
/* The stop put into a running block to end it early: CPU_EXIT_BLOCK_STOP. */
enum cpu_exit_reason cpu_insn_stop_early(struct cpu *cpu, const struct insn *i);

/* ---- decoder ---- */
enum dec_status {
	DEC_OK = 0,      /* supported: insn filled */
	DEC_UD,          /* invalid encoding: #UD */
	DEC_GP,          /* longer than 15 bytes: #GP(0) */
	DEC_TRUNC,       /* needs more bytes than given */
	DEC_UNSUP,       /* valid x86 the core does not implement */
	DEC_X87,         /* x87 instruction (not implemented): #NM rules of CR0.EM/TS */
	DEC_SIMD,        /* SSE/AVX instruction (not implemented): #UD/#NM rules */
};
/* Decode the 64-bit-mode instruction in buf[0..avail) into *i. Never reads
 * buf[avail] or beyond. On DEC_OK, i->len is the length. */
enum dec_status cpu_decode(const uint8_t *buf, unsigned avail, struct insn *i);

/* ---- host-side fast translation cache (NOT the simulated TLB) ----
 * An entry is only what a hit needs: its tag and the addend. A tag is the
 * page-aligned VA page, plus FTLB_STAMPED when the MMU gave a touch stamp
 * (a simulated-TLB hit to count): a plain entry hits on the first compare
 * and runs no stamp code at all; a stamped one fails it and matches the
 * second compare (off the plain hit path). The rest lives beside the table,
 * in struct ftlb_aux at the same index of the aux array. */
#define FTLB_BITS 8
#define FTLB_SIZE (1u << FTLB_BITS)
#define FTLB_STAMPED 1ull /* tag bit: hits stamp aux.touch and count */
#define FTLB_EMPTY 2ull   /* never equal to a tag (page-aligned, maybe + FTLB_STAMPED) */
struct ftlb_entry {
	uint64_t tag;     /* VA page (| FTLB_STAMPED), or FTLB_EMPTY */
	uint64_t addend;  /* host address = VA + addend */
};
struct ftlb_aux {
	uint64_t *touch;  /* MMU stamp to set on a hit (tag has FTLB_STAMPED), or NULL */
	ma_t ma;          /* MA of the page */
};
/* Both sets (supervisor, user) of the three tables (read, write, exec), and
 * their aux halves: the aux of entry e is at e + FTLB_AUX_OFFSET bytes. */
struct ftlb_sets {
	struct ftlb_entry e[2][3][FTLB_SIZE]; /* [user][access][index] */
	struct ftlb_aux aux[2][3][FTLB_SIZE];
};
#define FTLB_AUX_OFFSET (offsetof(struct ftlb_sets, aux) - offsetof(struct ftlb_sets, e))
_Static_assert(sizeof(struct ftlb_entry) == sizeof(struct ftlb_aux), "aux mirrors the entries");

static inline struct ftlb_aux *ftlb_aux_of(const struct ftlb_entry *e)
{
	return (struct ftlb_aux *)(uintptr_t)((const char *)e + FTLB_AUX_OFFSET);
}

/* Does e hold the translation of the page `page` (page-aligned)? */
static inline bool ftlb_holds(const struct ftlb_entry *e, uint64_t page)
{
	return (e->tag & ~FTLB_STAMPED) == page;
}

/* ---- lazy flags (cpu->lf_) ----
 * The arithmetic flags of the last flag-setting ALU op are kept as its
 * operands and result; they are computed only when read. With op == LF_NONE
 * the flags are in cpu->rflags_. Values are stored truncated to `size`. */
enum lf_op { LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
	     LF_SHL, LF_SHR, LF_SAR, /* a = the value shifted, b = the count (1..63) */
	     LF_MUL };               /* a = 1 if the product overflowed the low half */

/* ---- pre-decoded instruction cache, keyed by MA ---- */
#define ICACHE_BITS 15
#define ICACHE_SIZE (1u << ICACHE_BITS)
#define MA_NONE (~0ull)
struct icache_entry {
	ma_t ma;        /* MA of the first byte, or MA_NONE */
	struct insn insn;
	struct insn stop; /* cpu_insn_stop: where the threaded handler of insn goes next */
};

/* ---- predecoded basic blocks (block.c) ---- */
#define BLOCK_MAX 64                 /* instructions per block */
#define BLOCK_TAB_SIZE (1u << 14)    /* direct-mapped lookup by MA */
#define BLOCK_ARENA (4u << 20)       /* bytes; all blocks are dropped when it is full */
struct block {
	ma_t ma;                 /* MA of the first instruction */
	struct block *page_next; /* the other blocks of its machine page */
	struct block *next[2];   /* the blocks run after it lately, most recent first (run.c), or no_block */
	unsigned n;              /* instructions, followed by one cpu_insn_stop */
	struct insn insn[];
};

struct cpu_internal {
	/* fetch shortcut: the page RIP is on */
	uint64_t fetch_page;   /* VA page or FTLB_EMPTY */
	uint64_t fetch_ma_add; /* MA = VA + fetch_ma_add */
	uint64_t *fetch_touch; /* the MMU's stamp for that page, or NULL */
	/* the current set, ftlb.e[cpl == 3], is cpu->ftlb_ */
	unsigned ftlb_cpl;       /* CPL the current set belongs to */
	bool ftlb_off;           /* cpu_ftlb_set_enabled(false): never fill the fast cache */
	struct ftlb_sets ftlb;   /* the fast cache (cpu->ftlb_ points into ftlb.e) */
	/* fault unwinding */
	jmp_buf *catcher;
	struct cpu_fault_rec fault;
	/* RIP/RSP at the start of the current instruction: insn_rip on the
	 * per-instruction path only (a block's comes from blk_rip and the
	 * instruction's off); insn_rsp valid while rsp_saved (HANDLER_SAVE) */
	uint64_t insn_rip, insn_rsp;
	bool rsp_saved;
	uint64_t count_mark;         /* icount already attributed to stats.insns_* */
	/* instruction cache */
	struct icache_entry *icache; /* ICACHE_SIZE entries */
	uint8_t *codepage;           /* per RAM page: holds pre-decoded instructions */
	uint64_t npages;
	struct insn scratch[2];      /* a page-crossing instruction, decoded each time, and its stop */
	/* blocks */
	uint8_t *arena;              /* BLOCK_ARENA bytes of blocks */
	size_t arena_used;
	struct block **btab;         /* BLOCK_TAB_SIZE slots; an empty one holds no_block */
	struct block *no_block;      /* at the arena's start: a block of no MA (MA_NONE) */
	struct block **page_blocks;  /* per RAM page: its blocks */
	struct insn *blk_first;      /* the running block's first instruction, or NULL */
	uint64_t *blk_touch;         /* fetch stamp of the running blocks, hits since run_base not yet counted, or NULL */
	uint64_t run_base;           /* icount when the run of blocks (run.c's run_blocks) started */
	uint64_t blk_base;           /* icount when the running block started: insn blk_first[icount - blk_base] runs */
	uint64_t blk_rip;            /* RIP of blk_first */
	struct insn *patch_at;       /* an instruction of the running block whose fn is now cpu_insn_stop_early, or NULL */
	insn_fn patch_fn;            /* ... and its own fn, put back when the block ends */
	/* debugger breakpoints (breakpoint.c) */
	va_t brk[CPU_BREAK_MAX];
	unsigned nbrk;
	va_t brk_skip_rip;           /* cpu_break_skip: this RIP ... */
	uint64_t brk_skip_icount;    /* ... at this icount runs (UINT64_MAX: none) */
	bool brk_fetch;              /* a breakpoint lies on fetch_page: its code takes the per-instruction path */
	/* debugger watchpoints (watchpoint.c) */
	struct cpu_watch watch[CPU_WATCH_MAX];
	unsigned nwatch;
	bool watch_hit;              /* the current instruction touched a range: stop after it */
	struct cpu_watch_hit hit;
};

/* ---- memory (mem.c) ---- */
uint64_t cpu_mem_read_slow(struct cpu *cpu, va_t va, unsigned size, unsigned cpl);
void cpu_mem_write_slow(struct cpu *cpu, va_t va, unsigned size, uint64_t v, unsigned cpl);
/* Translate for an access of `acc` at `cpl` through the fast cache and MMU;
 * returns the host pointer for va (valid to the end of its page). */
uint8_t *cpu_xlat(struct cpu *cpu, va_t va, unsigned size, enum cpu_access acc, unsigned cpl);
/* (watchpoint.c) Is a watched range on va's page? Then it never enters the fast cache. */
bool cpu_watch_page(const struct cpu_internal *in, va_t va);
/* (watchpoint.c) An access of `size` bytes at va (host pointer `host`) was translated:
 * note the first watched range it touches (before a write changes it). */
void cpu_watch_access(struct cpu *cpu, va_t va, unsigned size, bool write, const uint8_t *host);
/* Select the fast-cache set for the current CPL (after CPL may have changed). */
void cpu_ftlb_sync_cpl(struct cpu *cpu);

/*
 * A fast-cache hit on a translation the MMU gave a touch stamp for: that is
 * a hit of the simulated TLB the MMU stands for, which never sees it. Keep
 * its LRU order exact and count the hit, so the simulated TLB reports the
 * same whether or not the host-side cache served the access.
 */
static inline void cpu_touch(struct cpu *cpu, uint64_t *touch)
{
	*touch = cpu->icount;
	cpu->stats.ftlb_hits++;
}

static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
	switch (size) {
	case 1: return *p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static inline void store_le(uint8_t *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t w = (uint16_t)v; memcpy(p, &w, 2); break; }
	case 4: { uint32_t w = (uint32_t)v; memcpy(p, &w, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

/*
 * Fast path: one compare, one add. The entry is chosen by the page of the
 * first byte and its tag compared with the page of the last byte: equal
 * only when both are the tagged page, since a tag sits in the slot its own
 * page indexes and the next page indexes the next slot. An access crossing
 * the page end therefore misses and takes the slow path. A stamped entry
 * (a simulated-TLB translation) matches the second compare instead: it
 * stamps and counts, off the plain path. On a hit *p is the host pointer.
 */
static inline __attribute__((always_inline)) bool ftlb_ptr(struct cpu *cpu, enum cpu_access acc, va_t va,
							    unsigned size, uint8_t **p)
{
	const struct ftlb_entry *e = &cpu->ftlb_[acc * FTLB_SIZE + ((va >> PAGE_SHIFT) & (FTLB_SIZE - 1))];
	uint64_t last = (va + size - 1) & PAGE_MASK;
	if (UNLIKELY(e->tag != last)) {
		/* read the tag again here: keeping it in a register would cost
		 * the plain hit path a load of its own */
		__asm__("" : "+r"(e));
		if (e->tag != (last | FTLB_STAMPED))
			return false;
		cpu_touch(cpu, ftlb_aux_of(e)->touch);
	}
	*p = (uint8_t *)(uintptr_t)(va + e->addend);
	return true;
}

static inline uint64_t mem_read(struct cpu *cpu, va_t va, unsigned size)
{
	uint8_t *p;
	if (LIKELY(ftlb_ptr(cpu, ACC_READ, va, size, &p)))
		return load_le(p, size);
	return cpu_mem_read_slow(cpu, va, size, cpu->cpl);
}

static inline void mem_write(struct cpu *cpu, va_t va, unsigned size, uint64_t v)
{
	uint8_t *p;
	if (LIKELY(ftlb_ptr(cpu, ACC_WRITE, va, size, &p)))
		store_le(p, size, v);
	else
		cpu_mem_write_slow(cpu, va, size, v, cpu->cpl);
}

/* ---- icache (icache.c) ---- */
int cpu_icache_init(struct cpu *cpu);
void cpu_icache_free(struct cpu *cpu);
/* The decoded instruction at cpu->rip (decoding and caching it if needed).
 * Faults (#PF on fetch, #UD, #NM, ...) unwind via cpu_fault. Returns NULL
 * when the instruction is valid but unimplemented: cpu->exit is filled. */
const struct insn *cpu_icache_fetch(struct cpu *cpu);
/* The decode half of cpu_icache_fetch, for a fetch already translated (and
 * counted) at host pointer `host`: an icache miss. */
const struct insn *cpu_icache_fill(struct cpu *cpu, const uint8_t *host);
/* (breakpoint.c) Is there a breakpoint on the instruction at RIP? BRK_STOP: stop
 * before it; BRK_RUN: yes, but it runs (cpu_break_skip) and must not be cached.
 * Only called on icache misses when nbrk != 0. */
enum cpu_brk { BRK_NONE = 0, BRK_STOP, BRK_RUN };
enum cpu_brk cpu_break_check(struct cpu *cpu);
/* (breakpoint.c) Is there a breakpoint on the page at VA page? */
bool cpu_break_on_page(const struct cpu_internal *in, va_t page);
extern const struct insn cpu_break_insn; /* stops with CPU_EXIT_BREAKPOINT, changes nothing */
/* A write hit machine page `page` which holds pre-decoded code: forget it. */
void cpu_icache_invalidate_page(struct cpu *cpu, uint64_t page);

/* Page `page` now holds predecoded code: writes to it must take the slow path. */
void cpu_mark_code_page(struct cpu *cpu, uint64_t page);

/* ---- blocks (block.c) ---- */
int cpu_block_init(struct cpu *cpu);
void cpu_block_free(struct cpu *cpu);
/* The block starting at `ma` (RIP's page is the fetch page), decoded now;
 * NULL when its first instruction must take the per-instruction path. */
struct block *cpu_block_build(struct cpu *cpu, ma_t ma);
/* Forget the blocks of machine page `page` (and stop the running block after
 * the current instruction). */
void cpu_block_drop_page(struct cpu *cpu, uint64_t page);
/* Finish a decoded instruction at `off` bytes into its block (0 alone):
 * its off and end, its specialised handler, and the stop slot that follows
 * it when it is the last. Returns true when it must be the last (a branch,
 * a string or sensitive instruction). */
bool cpu_predecoded(struct insn *i, unsigned off, struct insn *stop);
/* Count and stamp the running blocks' fetch hits: every instruction retired
 * since the run of blocks started (run_base), plus `unretired` (1: the
 * current one was fetched but faulted or exits). */
void cpu_block_account(struct cpu *cpu, unsigned unretired);

static inline unsigned cpu_block_index(ma_t ma)
{
	return (unsigned)(ma ^ (ma >> 13)) & (BLOCK_TAB_SIZE - 1);
}

/* End the running block (if any) after the current instruction: the next
 * one's handler becomes cpu_insn_stop_early until the block ends (run.c puts it
 * back), so running a block checks nothing between instructions. */
static inline void cpu_block_stop_after_current(struct cpu_internal *in, const struct cpu *cpu)
{
	if (!in->blk_first || in->patch_at)
		return;
	struct insn *next = in->blk_first + (cpu->icount - in->blk_base) + 1;
	in->patch_at = next;
	in->patch_fn = next->fn;
	next->fn = cpu_insn_stop_early;
}

/* The fetch translation is gone: bring the running block's fetch hits up to
 * date and end it after the current instruction. */
static inline void cpu_fetch_forget(struct cpu_internal *in, struct cpu *cpu)
{
	if (in->blk_touch)
		cpu_block_account(cpu, 1);
	cpu_block_stop_after_current(in, cpu);
	in->fetch_page = FTLB_EMPTY;
}

/* The hot part of cpu_icache_fetch: the fetch page shortcut and one icache
 * compare. The fetch is counted once, here or in cpu_icache_fetch: a miss of
 * the icache after a fetch-page hit decodes without translating again. */
static inline const struct insn *icache_lookup(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	va_t va = cpu->rip;
	/* A code breakpoint fires before the fetch (as x86's #DB code breakpoint has
	 * priority over the fetch's faults): the stop must not count a TLB access that
	 * the resumed instruction will count again. */
	if (UNLIKELY(in->nbrk) && cpu_break_check(cpu) == BRK_STOP)
		return &cpu_break_insn;
	if (LIKELY((va & PAGE_MASK) == in->fetch_page)) {
		ma_t ma = va + in->fetch_ma_add;
		if (in->fetch_touch)
			cpu_touch(cpu, in->fetch_touch);
		struct icache_entry *e = &in->icache[ma & (ICACHE_SIZE - 1)];
		if (LIKELY(e->ma == ma)) {
			cpu->stats.icache_hits++;
			return &e->insn;
		}
		return cpu_icache_fill(cpu, cpu->ram + ma);
	}
	return cpu_icache_fetch(cpu);
}

/* Attribute instructions retired since the last call to the current CPL. */
static inline void cpu_account(struct cpu *cpu)
{
	uint64_t n = cpu->icount - cpu->in->count_mark;
	if (cpu->cpl == 3)
		cpu->stats.insns_user += n;
	else
		cpu->stats.insns_kernel += n;
	cpu->in->count_mark = cpu->icount;
}

/* ---- lazy flags (flags.c) ---- */
uint64_t cpu_flags_materialize(struct cpu *cpu); /* flags into rflags_, returns it */
bool cpu_cond(struct cpu *cpu, unsigned cc);       /* condition code 0..15 */
bool cpu_flag_cf(const struct cpu *cpu);

static inline uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t sign_bit(unsigned size)
{
	return 1ull << (size * 8 - 1);
}

static inline int64_t sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - size * 8;
	return (int64_t)(v << sh) >> sh;
}

/*
 * Condition code cc inline, for a cc known at compile time (the jcc copies):
 * ZF and SF of every lazy record come from its result; after cmp/sub and
 * test/and/or/xor the other common conditions come from the operands.
 * Returns 1 or 0, or -1 for everything else (cpu_cond decides).
 */
static inline __attribute__((always_inline)) int cond_lazy(const struct cpu *cpu, unsigned cc)
{
	const struct cpu_lazy_flags *lf = &cpu->lf_;
	bool neg = cc & 1, r;
	if (lf->op == LF_NONE)
		return -1;
	switch (cc >> 1) {
	case 2: r = lf->res == 0; return r ^ neg;
	case 4: r = (lf->res & sign_bit(lf->size)) != 0; return r ^ neg;
	default: break;
	}
	if (lf->op == LF_SUB) {
		switch (cc >> 1) {
		case 1: r = lf->a < lf->b; return r ^ neg;
		case 3: r = lf->a <= lf->b; return r ^ neg;
		case 6: r = sext(lf->a, lf->size) < sext(lf->b, lf->size); return r ^ neg;
		case 7: r = sext(lf->a, lf->size) <= sext(lf->b, lf->size); return r ^ neg;
		default: break;
		}
	} else if (lf->op == LF_LOGIC) { /* CF = OF = 0 */
		switch (cc >> 1) {
		case 0:
		case 1: return neg;
		case 3: r = lf->res == 0; return r ^ neg;
		case 6: r = (lf->res & sign_bit(lf->size)) != 0; return r ^ neg;
		case 7: r = lf->res == 0 || (lf->res & sign_bit(lf->size)); return r ^ neg;
		default: break;
		}
	}
	return -1;
}

static inline __attribute__((always_inline)) bool cond_fast(struct cpu *cpu, unsigned cc)
{
	int c = cond_lazy(cpu, cc);
	return c >= 0 ? c : cpu_cond(cpu, cc);
}

/* Record the flags of an op as its operands a, b and its result res. */
static inline void lf_set(struct cpu *cpu, enum lf_op op, unsigned size, uint64_t a, uint64_t b, uint64_t res)
{
	struct cpu_lazy_flags *lf = &cpu->lf_;
	lf->op = (uint16_t)op;
	lf->size = (uint16_t)size;
	lf->a = a;
	lf->b = b;
	lf->res = res;
}

/* The same for the ops whose flags need fewer fields (flags.c's table):
 * LF_LOGIC reads only res; LF_INC/LF_DEC (b is 1) and LF_MUL read a and res. */
static inline void lf_set_res(struct cpu *cpu, enum lf_op op, unsigned size, uint64_t res)
{
	struct cpu_lazy_flags *lf = &cpu->lf_;
	lf->op = (uint16_t)op;
	lf->size = (uint16_t)size;
	lf->res = res;
}

static inline void lf_set_a(struct cpu *cpu, enum lf_op op, unsigned size, uint64_t a, uint64_t res)
{
	lf_set_res(cpu, op, size, res);
	cpu->lf_.a = a;
}

/* Set the flags in `mask` to `bits` (eagerly computed flags). Pending lazy
 * flags are computed first unless all six are overwritten anyway. */
static inline void flags_put(struct cpu *cpu, uint64_t mask, uint64_t bits)
{
	uint64_t f = cpu->rflags_;
	if (cpu->lf_.op != LF_NONE) {
		if ((mask & RFLAGS_ARITH) != RFLAGS_ARITH)
			f = cpu_flags_materialize(cpu);
		cpu->lf_.op = LF_NONE;
	}
	cpu->rflags_ = (f & ~mask) | (bits & mask);
}

static inline uint64_t parity_flag(uint64_t res)
{
	return __builtin_parity((unsigned)(res & 0xff)) ? 0 : RFLAGS_PF;
}

/* SF, ZF, PF of a result */
static inline uint64_t szp_flags(uint64_t res, unsigned size)
{
	res &= size_mask(size);
	return (res == 0 ? RFLAGS_ZF : 0) | ((res & sign_bit(size)) ? RFLAGS_SF : 0) | parity_flag(res);
}

/* ---- registers ---- */
static inline uint64_t reg_get(const struct cpu *cpu, unsigned r, unsigned size)
{
	switch (size) {
	case 1:
		return r < R8_HIGH ? (uint8_t)cpu->gpr[r] : (uint8_t)(cpu->gpr[r - R8_HIGH] >> 8);
	case 2: return (uint16_t)cpu->gpr[r];
	case 4: return (uint32_t)cpu->gpr[r];
	default: return cpu->gpr[r];
	}
}

/* Write a register: 32-bit writes zero the upper half, 8/16-bit writes merge. */
static inline void reg_set(struct cpu *cpu, unsigned r, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		if (r < R8_HIGH)
			cpu->gpr[r] = (cpu->gpr[r] & ~0xffull) | (uint8_t)v;
		else
			cpu->gpr[r - R8_HIGH] = (cpu->gpr[r - R8_HIGH] & ~0xff00ull) | ((uint64_t)(uint8_t)v << 8);
		break;
	case 2: cpu->gpr[r] = (cpu->gpr[r] & ~0xffffull) | (uint16_t)v; break;
	case 4: cpu->gpr[r] = (uint32_t)v; break;
	default: cpu->gpr[r] = v; break;
	}
}

/* Offset of the memory operand: base + index*scale + disp, truncated to the address size (lea's result). */
static inline uint64_t insn_offset(const struct cpu *cpu, const struct insn *i)
{
	uint64_t a = (uint64_t)(int64_t)i->disp;
	if (i->base != R_NONE)
		a += i->base == R_RIP ? cpu->rip : cpu->gpr[i->base];
	if (i->index != R_NONE)
		a += cpu->gpr[i->index] << i->scale;
	if (i->asz == 4)
		a = (uint32_t)a;
	return a;
}

/* The operand form a handler body is compiled for (SPECIALISED below):
 * decided by i->mod3 at run time, or known to be a register / memory;
 * FORM_BD: memory at base register + displacement (no index, no segment
 * override, 64-bit addressing, base not RIP), the commonest form. */
enum form { FORM_ANY, FORM_REG, FORM_MEM, FORM_BD };

static inline __attribute__((always_inline)) uint64_t insn_offset_f(const struct cpu *cpu, const struct insn *i,
								     enum form f)
{
	if (f == FORM_BD)
		return cpu->gpr[i->base] + (uint64_t)(int64_t)i->disp;
	return insn_offset(cpu, i);
}

/* Effective address of the memory operand (segment base applied). */
static inline va_t insn_ea(const struct cpu *cpu, const struct insn *i)
{
	uint64_t a = insn_offset(cpu, i);
	if (i->seg)
		a += cpu->seg[i->seg].base;
	return a;
}

static inline __attribute__((always_inline)) va_t insn_ea_f(const struct cpu *cpu, const struct insn *i, enum form f)
{
	return f == FORM_BD ? insn_offset_f(cpu, i, f) : insn_ea(cpu, i);
}

static inline __attribute__((always_inline)) bool form_reg(const struct insn *i, enum form f)
{
	return f == FORM_REG || (f == FORM_ANY && i->mod3);
}

/* The r/m operand, register or memory, of size `size`, in form f. */
static inline __attribute__((always_inline)) uint64_t rm_read_f(struct cpu *cpu, const struct insn *i,
								 unsigned size, enum form f)
{
	if (form_reg(i, f))
		return reg_get(cpu, i->rm, size);
	return mem_read(cpu, insn_ea_f(cpu, i, f), size);
}

static inline __attribute__((always_inline)) void rm_write_f(struct cpu *cpu, const struct insn *i,
							      unsigned size, uint64_t v, enum form f)
{
	if (form_reg(i, f))
		reg_set(cpu, i->rm, size, v);
	else
		mem_write(cpu, insn_ea_f(cpu, i, f), size, v);
}

/*
 * The same for the bodies of specialised handlers, which must not call out
 * on their fast path: in a copy with a memory form (FORM_MEM, FORM_BD) the
 * access is served by the fast cache alone and returns false on a miss,
 * before anything changed (the body then returns CPU_EXIT_RETRY); FORM_ANY
 * and FORM_REG always succeed.
 */
static inline __attribute__((always_inline)) bool mem_load_f(struct cpu *cpu, va_t va, unsigned size, enum form f,
							      uint64_t *v)
{
	if (f == FORM_ANY) {
		*v = mem_read(cpu, va, size);
		return true;
	}
	uint8_t *p;
	if (!ftlb_ptr(cpu, ACC_READ, va, size, &p))
		return false;
	*v = load_le(p, size);
	return true;
}

static inline __attribute__((always_inline)) bool rm_load_f(struct cpu *cpu, const struct insn *i, unsigned size,
							     enum form f, uint64_t *v)
{
	if (form_reg(i, f)) {
		*v = reg_get(cpu, i->rm, size);
		return true;
	}
	return mem_load_f(cpu, insn_ea_f(cpu, i, f), size, f, v);
}

static inline __attribute__((always_inline)) bool rm_store_f(struct cpu *cpu, const struct insn *i, unsigned size,
							      uint64_t v, enum form f)
{
	if (form_reg(i, f) || f == FORM_ANY) {
		rm_write_f(cpu, i, size, v, f);
		return true;
	}
	uint8_t *p;
	if (!ftlb_ptr(cpu, ACC_WRITE, insn_ea_f(cpu, i, f), size, &p))
		return false;
	store_le(p, size, v);
	return true;
}

static inline uint64_t rm_read(struct cpu *cpu, const struct insn *i, unsigned size)
{
	return rm_read_f(cpu, i, size, FORM_ANY);
}

static inline void rm_write(struct cpu *cpu, const struct insn *i, unsigned size, uint64_t v)
{
	rm_write_f(cpu, i, size, v, FORM_ANY);
}

/*
 * Read-modify-write operands. x86 checks a read-modify-write operand for
 * writing before it changes anything, so the memory is translated for a
 * write first: after rmw_begin() succeeds nothing can fault, and the
 * instruction may update flags before its store. Returns the host pointer,
 * or NULL for an operand that crosses a page (both pages are then probed
 * and rmw_load/rmw_store go through the slow path).
 */
static inline uint8_t *rmw_begin(struct cpu *cpu, va_t va, unsigned size)
{
	uint8_t *p;
	if (LIKELY(ftlb_ptr(cpu, ACC_WRITE, va, size, &p))) /* one hit: the write's translation serves the read too */
		return p;
	if ((va & (PAGE_SIZE - 1)) <= PAGE_SIZE - size)
		return cpu_xlat(cpu, va, size, ACC_WRITE, cpu->cpl);
	unsigned first = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	cpu_xlat(cpu, va, first, ACC_WRITE, cpu->cpl);
	cpu_xlat(cpu, (va & PAGE_MASK) + PAGE_SIZE, size - first, ACC_WRITE, cpu->cpl);
	return NULL;
}

/* rmw_begin in a specialised body (see rm_load_f): false on a fast-cache miss
 * of a memory-form copy. */
static inline __attribute__((always_inline)) bool rmw_begin_f(struct cpu *cpu, va_t va, unsigned size, enum form f,
							       uint8_t **p)
{
	if (f == FORM_ANY) {
		*p = rmw_begin(cpu, va, size);
		return true;
	}
	return ftlb_ptr(cpu, ACC_WRITE, va, size, p);
}

static inline uint64_t rmw_load(struct cpu *cpu, uint8_t *p, va_t va, unsigned size)
{
	return p ? load_le(p, size) : cpu_mem_read_slow(cpu, va, size, cpu->cpl);
}

static inline void rmw_store(struct cpu *cpu, uint8_t *p, va_t va, unsigned size, uint64_t v)
{
	if (p)
		store_le(p, size, v);
	else
		cpu_mem_write_slow(cpu, va, size, v, cpu->cpl);
}

/* Stack */
static inline void push(struct cpu *cpu, unsigned size, uint64_t v)
{
	uint64_t sp = cpu->gpr[RSP] - size;
	mem_write(cpu, sp, size, v);
	cpu->gpr[RSP] = sp;
}

static inline uint64_t pop(struct cpu *cpu, unsigned size)
{
	uint64_t v = mem_read(cpu, cpu->gpr[RSP], size);
	cpu->gpr[RSP] += size;
	return v;
}

/* ---- handlers ----
 * HANDLER(name) { body } defines handler `name` around `body` (which sees
 * cpu and i, RIP already past the instruction, and returns CPU_EXIT_NONE
 * or an exit reason). Threaded dispatch: after the body succeeds the
 * handler retires the instruction (icount) and tail-calls the handler of
 * the next instruction in memory, i + 1: the next of its block, or
 * cpu_insn_stop, which ends the run of handlers. No loop runs between the
 * instructions of a block; the run loop sees one call per block.
 *
 * RIP is written once per block: while a block runs, cpu->rip holds the
 * RIP of its first instruction (of the one instruction, on the
 * per-instruction path) when each handler starts. A HANDLER sets it past
 * its instruction (i->end bytes on) for the body and puts it back after;
 * the specialised copies (HANDLER_OR) leave it alone, which is why they are
 * never used for a RIP-relative operand (block.c); the stop slot moves it
 * past the block (its off), and a fault takes it from the instruction's
 * off. HANDLER_BRANCH, for the instructions that end a block (branches,
 * string and sensitive instructions: ends_block in block.c), leaves RIP
 * where its body put it.
 *
 * HANDLER_SAVE also saves RSP for the fault path (run.c restores it): for
 * the handlers that change RSP and may fault afterwards. HANDLER_OR(name,
 * generic): a specialised copy whose body may return CPU_EXIT_RETRY (its
 * memory operand missed the fast cache, nothing has changed yet): then the
 * generic handler runs the instruction instead, jumped to, so the copy
 * makes no call on its own fast path and needs no stack frame. */
#define HANDLER_DECL(name) enum cpu_exit_reason name(struct cpu *cpu, const struct insn *i)
/* Go on with the handler of the next instruction, i + 1 (a tail call). The
 * empty asm makes gcc keep i + 1 in the argument register and jump through
 * its fn (add; jmp *(reg): 2 host instructions, where it loaded both the
 * pointer and fn into other registers: 4). */
static inline __attribute__((always_inline)) enum cpu_exit_reason cpu_next(struct cpu *cpu, const struct insn *i)
{
	const struct insn *next = i + 1;
	__asm__("" : "+r"(next));
	return next->fn(cpu, next);
}
enum handler_kind { HK_PLAIN, HK_SAVE, HK_BRANCH, HK_BRANCH_SAVE, HK_COPY };
#define HANDLER_DEFINE_(name, kind, generic)                                                         \
	static inline __attribute__((always_inline)) enum cpu_exit_reason name##_body(struct cpu *cpu,  \
										     const struct insn *i); \
	HANDLER_DECL(name)                                                                           \
	{                                                                                            \
		const bool save_ = kind == HK_SAVE || kind == HK_BRANCH_SAVE;                        \
		const bool branch_ = kind == HK_BRANCH || kind == HK_BRANCH_SAVE;                    \
		if (save_) {                                                                         \
			cpu->in->insn_rsp = cpu->gpr[RSP];                                           \
			cpu->in->rsp_saved = true;                                                   \
		}                                                                                    \
		if (kind != HK_COPY)                                                                 \
			cpu->rip += i->end;                                                          \
		enum cpu_exit_reason r_ = name##_body(cpu, i);                                       \
		if (save_)                                                                           \
			cpu->in->rsp_saved = false;                                                  \
		if (UNLIKELY(r_ != CPU_EXIT_NONE)) {                                                 \
			if (kind != HK_COPY || r_ != CPU_EXIT_RETRY)                                 \
				return r_;                                                           \
			return generic(cpu, i);                                                      \
		}                                                                                    \
		if (kind != HK_COPY && !branch_)                                                     \
			cpu->rip -= i->end;                                                          \
		cpu->icount++;                                                                       \
		return cpu_next(cpu, i);                                                             \
	}                                                                                            \
	static inline __attribute__((always_inline)) enum cpu_exit_reason name##_body(struct cpu *cpu,  \
										     const struct insn *i)
#define HANDLER(name) HANDLER_DEFINE_(name, HK_PLAIN, name)
#define HANDLER_OR(name, generic) HANDLER_DEFINE_(name, HK_COPY, generic)
#define HANDLER_SAVE(name) HANDLER_DEFINE_(name, HK_SAVE, name)
#define HANDLER_BRANCH(name) HANDLER_DEFINE_(name, HK_BRANCH, name)
#define HANDLER_BRANCH_SAVE(name) HANDLER_DEFINE_(name, HK_BRANCH_SAVE, name)

/*
 * Handlers specialised at predecode time by operand size x operand form.
 * SPECIALISED(name, body, x) defines handler `name`, which runs
 * body(cpu, i, i->osz, FORM_ANY, x), and twelve copies with the size and
 * form constant: name_r64 / name_r32 / name_r16 / name_r8 (register
 * operand, 64/32/16/8 bits), name_m64 ... name_m8 (memory operand),
 * name_b64 ... name_b8 (memory at base + displacement, FORM_BD).
 * special.c's table lists every specialised handler; cpu_specialise()
 * picks the copy for a decoded instruction when a block is built.
 */
#define SPECIALISED_FORM_(name, body, x, f, F)                                                  \
	HANDLER_OR(name##_##f##64, name) { return body(cpu, i, 8, F, x); }                       \
	HANDLER_OR(name##_##f##32, name) { return body(cpu, i, 4, F, x); }                       \
	HANDLER_OR(name##_##f##16, name) { return body(cpu, i, 2, F, x); }                       \
	HANDLER_OR(name##_##f##8, name) { return body(cpu, i, 1, F, x); }
#define SPECIALISED(name, body, x)                                                     \
	HANDLER(name) { return body(cpu, i, i->osz, FORM_ANY, x); }                    \
	SPECIALISED_FORM_(name, body, x, r, FORM_REG)                                  \
	SPECIALISED_FORM_(name, body, x, m, FORM_MEM)                                  \
	SPECIALISED_FORM_(name, body, x, b, FORM_BD)
#define SPECIALISED_DECL_FORM_(name, f)                                                         \
	HANDLER_DECL(name##_##f##64); HANDLER_DECL(name##_##f##32); HANDLER_DECL(name##_##f##16); \
	HANDLER_DECL(name##_##f##8)
#define SPECIALISED_DECL(name)                                                         \
	HANDLER_DECL(name); SPECIALISED_DECL_FORM_(name, r); SPECIALISED_DECL_FORM_(name, m); \
	SPECIALISED_DECL_FORM_(name, b)
/* jcc, one copy per condition code (the condition inline, cond_fast):
 * cpu_op_jcc_o, _no, _b, _ae, _e, _ne, _be, _a, _s, _ns, _p, _np, _l, _ge,
 * _le, _g; special.c picks one by i->ext. */
#define JCC_DECLS                                                                              \
	HANDLER_DECL(cpu_op_jcc_o); HANDLER_DECL(cpu_op_jcc_no); HANDLER_DECL(cpu_op_jcc_b);         \
	HANDLER_DECL(cpu_op_jcc_ae); HANDLER_DECL(cpu_op_jcc_e); HANDLER_DECL(cpu_op_jcc_ne);        \
	HANDLER_DECL(cpu_op_jcc_be); HANDLER_DECL(cpu_op_jcc_a); HANDLER_DECL(cpu_op_jcc_s);         \
	HANDLER_DECL(cpu_op_jcc_ns); HANDLER_DECL(cpu_op_jcc_p); HANDLER_DECL(cpu_op_jcc_np);        \
	HANDLER_DECL(cpu_op_jcc_l); HANDLER_DECL(cpu_op_jcc_ge); HANDLER_DECL(cpu_op_jcc_le);        \
	HANDLER_DECL(cpu_op_jcc_g)
/* setcc and cmovcc, copies per condition code (cond_fast inline) for a
 * register operand and for memory at base + displacement (suffix _b):
 * cpu_op_setcc_o ... _g, cpu_op_setcc_o_b ... _g_b, the same for cmovcc;
 * special.c picks by i->ext. */
#define CC_DECL(op, cc) HANDLER_DECL(op##_##cc); HANDLER_DECL(op##_##cc##_b)
#define CC_DECLS(op)                                                                  \
	CC_DECL(op, o); CC_DECL(op, no); CC_DECL(op, b); CC_DECL(op, ae);             \
	CC_DECL(op, e); CC_DECL(op, ne); CC_DECL(op, be); CC_DECL(op, a);             \
	CC_DECL(op, s); CC_DECL(op, ns); CC_DECL(op, p); CC_DECL(op, np);             \
	CC_DECL(op, l); CC_DECL(op, ge); CC_DECL(op, le); CC_DECL(op, g)
/* (special.c) The specialised copy of i->fn for i's size and form, or i->fn
 * (block.c and icache.c use it on every instruction they decode). */
insn_fn cpu_specialise(const struct insn *i);

/* ---- handlers (exec_*.c), named cpu_op_<what>_<operands> ---- */
/* exec_alu.c: ext = ALU op 0..7 (add or adc sbb and sub xor cmp) where shared */
SPECIALISED_DECL(cpu_op_add_rm_r); SPECIALISED_DECL(cpu_op_or_rm_r); SPECIALISED_DECL(cpu_op_adc_rm_r); SPECIALISED_DECL(cpu_op_sbb_rm_r);
SPECIALISED_DECL(cpu_op_and_rm_r); SPECIALISED_DECL(cpu_op_sub_rm_r); SPECIALISED_DECL(cpu_op_xor_rm_r); SPECIALISED_DECL(cpu_op_cmp_rm_r);
SPECIALISED_DECL(cpu_op_add_r_rm); SPECIALISED_DECL(cpu_op_or_r_rm); SPECIALISED_DECL(cpu_op_adc_r_rm); SPECIALISED_DECL(cpu_op_sbb_r_rm);
SPECIALISED_DECL(cpu_op_and_r_rm); SPECIALISED_DECL(cpu_op_sub_r_rm); SPECIALISED_DECL(cpu_op_xor_r_rm); SPECIALISED_DECL(cpu_op_cmp_r_rm);
SPECIALISED_DECL(cpu_op_add_rm_imm); SPECIALISED_DECL(cpu_op_or_rm_imm); SPECIALISED_DECL(cpu_op_adc_rm_imm); SPECIALISED_DECL(cpu_op_sbb_rm_imm);
SPECIALISED_DECL(cpu_op_and_rm_imm); SPECIALISED_DECL(cpu_op_sub_rm_imm); SPECIALISED_DECL(cpu_op_xor_rm_imm); SPECIALISED_DECL(cpu_op_cmp_rm_imm);
SPECIALISED_DECL(cpu_op_test_rm_r); SPECIALISED_DECL(cpu_op_test_rm_imm);
HANDLER_DECL(cpu_op_inc_rm); HANDLER_DECL(cpu_op_dec_rm); HANDLER_DECL(cpu_op_not_rm); HANDLER_DECL(cpu_op_neg_rm);
/* exec_mov.c */
SPECIALISED_DECL(cpu_op_mov_rm_r); SPECIALISED_DECL(cpu_op_mov_r_rm); SPECIALISED_DECL(cpu_op_mov_rm_imm);
HANDLER_DECL(cpu_op_mov_a_moffs); HANDLER_DECL(cpu_op_mov_moffs_a);
SPECIALISED_DECL(cpu_op_movzx); SPECIALISED_DECL(cpu_op_movsx); SPECIALISED_DECL(cpu_op_lea);
/* ... movzx/movsx by source size (special.c picks one by ext2) */
SPECIALISED_DECL(cpu_op_movzx8); SPECIALISED_DECL(cpu_op_movzx16);
SPECIALISED_DECL(cpu_op_movsx8); SPECIALISED_DECL(cpu_op_movsx16); SPECIALISED_DECL(cpu_op_movsxd);
HANDLER_DECL(cpu_op_xchg); HANDLER_DECL(cpu_op_cmpxchg); HANDLER_DECL(cpu_op_xadd); HANDLER_DECL(cpu_op_cmpxchg_wide);
HANDLER_DECL(cpu_op_cbw); HANDLER_DECL(cpu_op_cwd); HANDLER_DECL(cpu_op_mov_rm_sreg); HANDLER_DECL(cpu_op_mov_sreg_rm);
HANDLER_DECL(cpu_op_cmovcc); HANDLER_DECL(cpu_op_setcc); CC_DECLS(cpu_op_cmovcc); CC_DECLS(cpu_op_setcc); HANDLER_DECL(cpu_op_bswap); HANDLER_DECL(cpu_op_xlat);
HANDLER_DECL(cpu_op_lahf); HANDLER_DECL(cpu_op_sahf); HANDLER_DECL(cpu_op_nop); HANDLER_DECL(cpu_op_flagop);
/* exec_stack.c */
HANDLER_DECL(cpu_op_push_rm); HANDLER_DECL(cpu_op_pop_rm); HANDLER_DECL(cpu_op_push_imm);
HANDLER_DECL(cpu_op_call_rel); HANDLER_DECL(cpu_op_call_rm); HANDLER_DECL(cpu_op_jmp_rel); HANDLER_DECL(cpu_op_jmp_rm);
HANDLER_DECL(cpu_op_jcc); JCC_DECLS; HANDLER_DECL(cpu_jcc_resolve); HANDLER_DECL(cpu_op_ret); HANDLER_DECL(cpu_op_enter); HANDLER_DECL(cpu_op_leave);
HANDLER_DECL(cpu_op_loop); HANDLER_DECL(cpu_op_lret); HANDLER_DECL(cpu_op_push_seg); HANDLER_DECL(cpu_op_pop_seg);
/* exec_shift.c: ext = /reg (rol ror rcl rcr shl shr sal sar), ext2 = count source */
SPECIALISED_DECL(cpu_op_shift); HANDLER_DECL(cpu_op_shld); HANDLER_DECL(cpu_op_shrd);
/* ... shl/shr/sar by count source (ext2: 1, CL, imm8), special.c picks one */
SPECIALISED_DECL(cpu_op_shl_1); SPECIALISED_DECL(cpu_op_shl_cl); SPECIALISED_DECL(cpu_op_shl_i);
SPECIALISED_DECL(cpu_op_shr_1); SPECIALISED_DECL(cpu_op_shr_cl); SPECIALISED_DECL(cpu_op_shr_i);
SPECIALISED_DECL(cpu_op_sar_1); SPECIALISED_DECL(cpu_op_sar_cl); SPECIALISED_DECL(cpu_op_sar_i);
/* exec_muldiv.c: mul_group ext = /reg (4 mul 5 imul 6 div 7 idiv) */
HANDLER_DECL(cpu_op_muldiv); SPECIALISED_DECL(cpu_op_imul_r_rm); SPECIALISED_DECL(cpu_op_imul_r_rm_imm);
/* exec_bit.c: bt* ext = 0 bt 1 bts 2 btr 3 btc */
HANDLER_DECL(cpu_op_bt_rm_r); HANDLER_DECL(cpu_op_bt_rm_imm); HANDLER_DECL(cpu_op_bsf); HANDLER_DECL(cpu_op_bsr);
HANDLER_DECL(cpu_op_tzcnt); HANDLER_DECL(cpu_op_lzcnt); HANDLER_DECL(cpu_op_popcnt);
/* exec_string.c: ext = enum str_op */
enum str_op { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };
HANDLER_DECL(cpu_op_string);
/* exec_sens.c: ext = enum cpu_sens_op */
HANDLER_DECL(cpu_op_sens);
/* count sources of shifts (ext2) */
enum shift_count { CNT_ONE, CNT_CL, CNT_IMM };

#endif
