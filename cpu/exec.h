/*
 * cpu/exec.h — private to the decode/execute side of cpu/: the internal CPU
 * state (fast translation cache, lazy flags, pre-decoded instruction cache),
 * the decoded-instruction struct and the inline helpers every exec_*.c uses.
 * The system side needs only cpu/internal.h.
 */
#ifndef VMLAB_CPU_EXEC_H
#define VMLAB_CPU_EXEC_H

#include <string.h>

#include "cpu/internal.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A handler's private "keep going, but look at RFLAGS.TF again" (never
 * returned by cpu_run). */
#define CPU_EXIT_RECHECK ((enum cpu_exit_reason)0x7f)

/* ---- the decoded instruction ---- */
struct insn;
/* A handler executes one decoded instruction. cpu->rip already points past
 * it. Returns CPU_EXIT_NONE, or an exit reason to stop cpu_run with. */
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
};

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

/* ---- host-side fast translation cache (NOT the simulated TLB) ---- */
#define FTLB_BITS 8
#define FTLB_SIZE (1u << FTLB_BITS)
#define FTLB_EMPTY 1ull /* never equal to a page-aligned tag */
struct ftlb_entry {
	uint64_t tag;     /* VA page, or FTLB_EMPTY */
	uint64_t addend;  /* host address = VA + addend */
	uint64_t *touch;  /* MMU stamp to set on a hit, or NULL */
	ma_t ma;          /* MA of the page */
};

/* ---- lazy flags ----
 * The arithmetic flags of the last flag-setting ALU op are kept as its
 * operands and result; they are computed only when read. With op == LF_NONE
 * the flags are in cpu->rflags_. Values are stored truncated to `size`. */
enum lf_op { LF_NONE, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC };
struct lazy_flags {
	uint64_t res, a, b;
	uint8_t op, size, cf_in;
};

/* ---- pre-decoded instruction cache, keyed by MA ---- */
#define ICACHE_BITS 15
#define ICACHE_SIZE (1u << ICACHE_BITS)
#define MA_NONE (~0ull)
struct icache_entry {
	ma_t ma;        /* MA of the first byte, or MA_NONE */
	struct insn insn;
};

/* ---- predecoded basic blocks (block.c) ---- */
#define BLOCK_MAX 64                 /* instructions per block */
#define BLOCK_TAB_SIZE (1u << 14)    /* direct-mapped lookup by MA */
#define BLOCK_ARENA (4u << 20)       /* bytes; all blocks are dropped when it is full */
struct block {
	ma_t ma;                 /* MA of the first instruction */
	struct block *page_next; /* the other blocks of its machine page */
	unsigned n;              /* instructions */
	struct insn insn[];
};

struct cpu_internal {
	struct lazy_flags lf;
	/* fetch shortcut: the page RIP is on */
	uint64_t fetch_page;   /* VA page or FTLB_EMPTY */
	uint64_t fetch_ma_add; /* MA = VA + fetch_ma_add */
	uint64_t *fetch_touch; /* the MMU's stamp for that page, or NULL */
	struct ftlb_entry *ftlb; /* current set: ftlb_set[cpl == 3] */
	unsigned ftlb_cpl;       /* CPL the current set belongs to */
	bool ftlb_off;           /* cpu_ftlb_set_enabled(false): never fill the fast cache */
	struct ftlb_entry ftlb_set[2][3][FTLB_SIZE]; /* [user][access][index] */
	/* fault unwinding */
	jmp_buf *catcher;
	struct cpu_fault_rec fault;
	uint64_t insn_rip, insn_rsp; /* RIP/RSP at the start of the current instruction */
	uint64_t count_mark;         /* icount already attributed to stats.insns_* */
	/* instruction cache */
	struct icache_entry *icache; /* ICACHE_SIZE entries */
	uint8_t *codepage;           /* per RAM page: holds pre-decoded instructions */
	uint64_t npages;
	struct insn scratch;         /* a page-crossing instruction, decoded each time */
	/* blocks */
	uint8_t *arena;              /* BLOCK_ARENA bytes of blocks */
	size_t arena_used;
	struct block **btab;         /* BLOCK_TAB_SIZE slots */
	struct block **page_blocks;  /* per RAM page: its blocks */
	const struct insn *blk_first, *blk_end; /* the running block; blk_end = blk_first stops it */
	uint64_t *blk_touch;         /* fetch stamp of the running block, hits not yet counted, or NULL */
	uint64_t blk_base;           /* icount when the running block started */
	/* debugger breakpoints (breakpoint.c) */
	va_t brk[CPU_BREAK_MAX];
	unsigned nbrk;
	va_t brk_skip_rip;           /* cpu_break_skip: this RIP ... */
	uint64_t brk_skip_icount;    /* ... at this icount runs (UINT64_MAX: none) */
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

/* Fast path: one compare on the page tag (plus the in-page check), one add. */
static inline uint64_t mem_read(struct cpu *cpu, va_t va, unsigned size)
{
	struct ftlb_entry *e = &cpu->in->ftlb[ACC_READ * FTLB_SIZE + ((va >> PAGE_SHIFT) & (FTLB_SIZE - 1))];
	if (LIKELY(e->tag == (va & PAGE_MASK) && (va & (PAGE_SIZE - 1)) <= PAGE_SIZE - size)) {
		if (e->touch)
			cpu_touch(cpu, e->touch);
		return load_le((const uint8_t *)(uintptr_t)(va + e->addend), size);
	}
	return cpu_mem_read_slow(cpu, va, size, cpu->cpl);
}

static inline void mem_write(struct cpu *cpu, va_t va, unsigned size, uint64_t v)
{
	struct ftlb_entry *e = &cpu->in->ftlb[ACC_WRITE * FTLB_SIZE + ((va >> PAGE_SHIFT) & (FTLB_SIZE - 1))];
	if (LIKELY(e->tag == (va & PAGE_MASK) && (va & (PAGE_SIZE - 1)) <= PAGE_SIZE - size)) {
		if (e->touch)
			cpu_touch(cpu, e->touch);
		store_le((uint8_t *)(uintptr_t)(va + e->addend), size, v);
		return;
	}
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
const struct block *cpu_block_build(struct cpu *cpu, ma_t ma);
/* Forget the blocks of machine page `page` (and stop the running block after
 * the current instruction). */
void cpu_block_drop_page(struct cpu *cpu, uint64_t page);
/* Count and stamp the running block's fetch hits: every instruction retired
 * since it started, plus `unretired` (1: the current one was fetched but
 * faulted or exits). */
void cpu_block_account(struct cpu *cpu, unsigned unretired);

static inline unsigned cpu_block_index(ma_t ma)
{
	return (unsigned)(ma ^ (ma >> 13)) & (BLOCK_TAB_SIZE - 1);
}

/* The fetch translation is gone: bring the running block's fetch hits up to
 * date and end it after the current instruction. */
static inline void cpu_fetch_forget(struct cpu_internal *in, struct cpu *cpu)
{
	if (in->blk_touch)
		cpu_block_account(cpu, 1);
	in->blk_end = in->blk_first;
	in->fetch_page = FTLB_EMPTY;
}

/* The hot part of cpu_icache_fetch: the fetch page shortcut and one icache
 * compare. The fetch is counted once, here or in cpu_icache_fetch: a miss of
 * the icache after a fetch-page hit decodes without translating again. */
static inline const struct insn *icache_lookup(struct cpu *cpu)
{
	struct cpu_internal *in = cpu->in;
	va_t va = cpu->rip;
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

static inline void lf_set(struct cpu *cpu, enum lf_op op, unsigned size, uint64_t a, uint64_t b, uint64_t res)
{
	struct lazy_flags *lf = &cpu->in->lf;
	lf->op = (uint8_t)op;
	lf->size = (uint8_t)size;
	lf->a = a;
	lf->b = b;
	lf->res = res;
}

/* Set the flags in `mask` to `bits` (eagerly computed flags). Pending lazy
 * flags are computed first unless all six are overwritten anyway. */
static inline void flags_put(struct cpu *cpu, uint64_t mask, uint64_t bits)
{
	uint64_t f = cpu->rflags_;
	if (cpu->in->lf.op != LF_NONE) {
		if ((mask & RFLAGS_ARITH) != RFLAGS_ARITH)
			f = cpu_flags_materialize(cpu);
		cpu->in->lf.op = LF_NONE;
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

/* Effective address of the memory operand (segment base applied). */
static inline va_t insn_ea(const struct cpu *cpu, const struct insn *i)
{
	uint64_t a = insn_offset(cpu, i);
	if (i->seg)
		a += cpu->seg[i->seg].base;
	return a;
}

/* The r/m operand, register or memory, of size i->osz (or `size`). */
static inline uint64_t rm_read(struct cpu *cpu, const struct insn *i, unsigned size)
{
	if (i->mod3)
		return reg_get(cpu, i->rm, size);
	return mem_read(cpu, insn_ea(cpu, i), size);
}

static inline void rm_write(struct cpu *cpu, const struct insn *i, unsigned size, uint64_t v)
{
	if (i->mod3)
		reg_set(cpu, i->rm, size, v);
	else
		mem_write(cpu, insn_ea(cpu, i), size, v);
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
	struct ftlb_entry *e = &cpu->in->ftlb[ACC_WRITE * FTLB_SIZE + ((va >> PAGE_SHIFT) & (FTLB_SIZE - 1))];
	if ((va & (PAGE_SIZE - 1)) <= PAGE_SIZE - size) {
		if (LIKELY(e->tag == (va & PAGE_MASK))) {
			if (e->touch)
				cpu_touch(cpu, e->touch); /* one hit: the write's translation serves the read too */
			return (uint8_t *)(uintptr_t)(va + e->addend);
		}
		return cpu_xlat(cpu, va, size, ACC_WRITE, cpu->cpl);
	}
	unsigned first = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	cpu_xlat(cpu, va, first, ACC_WRITE, cpu->cpl);
	cpu_xlat(cpu, (va & PAGE_MASK) + PAGE_SIZE, size - first, ACC_WRITE, cpu->cpl);
	return NULL;
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

/* ---- handler tables: each exec_*.c exports its handlers ---- */
#define HANDLER(name) enum cpu_exit_reason name(struct cpu *cpu, const struct insn *i)

/* ---- handlers (exec_*.c), named cpu_op_<what>_<operands> ---- */
/* exec_alu.c: ext = ALU op 0..7 (add or adc sbb and sub xor cmp) where shared */
HANDLER(cpu_op_add_rm_r); HANDLER(cpu_op_or_rm_r); HANDLER(cpu_op_adc_rm_r); HANDLER(cpu_op_sbb_rm_r);
HANDLER(cpu_op_and_rm_r); HANDLER(cpu_op_sub_rm_r); HANDLER(cpu_op_xor_rm_r); HANDLER(cpu_op_cmp_rm_r);
HANDLER(cpu_op_add_r_rm); HANDLER(cpu_op_or_r_rm); HANDLER(cpu_op_adc_r_rm); HANDLER(cpu_op_sbb_r_rm);
HANDLER(cpu_op_and_r_rm); HANDLER(cpu_op_sub_r_rm); HANDLER(cpu_op_xor_r_rm); HANDLER(cpu_op_cmp_r_rm);
HANDLER(cpu_op_add_rm_imm); HANDLER(cpu_op_or_rm_imm); HANDLER(cpu_op_adc_rm_imm); HANDLER(cpu_op_sbb_rm_imm);
HANDLER(cpu_op_and_rm_imm); HANDLER(cpu_op_sub_rm_imm); HANDLER(cpu_op_xor_rm_imm); HANDLER(cpu_op_cmp_rm_imm);
HANDLER(cpu_op_test_rm_r); HANDLER(cpu_op_test_rm_imm);
HANDLER(cpu_op_inc_rm); HANDLER(cpu_op_dec_rm); HANDLER(cpu_op_not_rm); HANDLER(cpu_op_neg_rm);
/* exec_mov.c */
HANDLER(cpu_op_mov_rm_r); HANDLER(cpu_op_mov_r_rm); HANDLER(cpu_op_mov_rm_imm);
HANDLER(cpu_op_mov_a_moffs); HANDLER(cpu_op_mov_moffs_a);
HANDLER(cpu_op_movzx); HANDLER(cpu_op_movsx); HANDLER(cpu_op_lea);
HANDLER(cpu_op_xchg); HANDLER(cpu_op_cmpxchg); HANDLER(cpu_op_xadd); HANDLER(cpu_op_cmpxchg_wide);
HANDLER(cpu_op_cbw); HANDLER(cpu_op_cwd); HANDLER(cpu_op_mov_rm_sreg); HANDLER(cpu_op_mov_sreg_rm);
HANDLER(cpu_op_cmovcc); HANDLER(cpu_op_setcc); HANDLER(cpu_op_bswap); HANDLER(cpu_op_xlat);
HANDLER(cpu_op_lahf); HANDLER(cpu_op_sahf); HANDLER(cpu_op_nop); HANDLER(cpu_op_flagop);
/* exec_stack.c */
HANDLER(cpu_op_push_rm); HANDLER(cpu_op_pop_rm); HANDLER(cpu_op_push_imm);
HANDLER(cpu_op_call_rel); HANDLER(cpu_op_call_rm); HANDLER(cpu_op_jmp_rel); HANDLER(cpu_op_jmp_rm);
HANDLER(cpu_op_jcc); HANDLER(cpu_op_ret); HANDLER(cpu_op_enter); HANDLER(cpu_op_leave);
HANDLER(cpu_op_loop); HANDLER(cpu_op_lret); HANDLER(cpu_op_push_seg); HANDLER(cpu_op_pop_seg);
/* exec_shift.c: ext = /reg (rol ror rcl rcr shl shr sal sar), ext2 = count source */
HANDLER(cpu_op_shift); HANDLER(cpu_op_shld); HANDLER(cpu_op_shrd);
/* exec_muldiv.c: mul_group ext = /reg (4 mul 5 imul 6 div 7 idiv) */
HANDLER(cpu_op_muldiv); HANDLER(cpu_op_imul_r_rm); HANDLER(cpu_op_imul_r_rm_imm);
/* exec_bit.c: bt* ext = 0 bt 1 bts 2 btr 3 btc */
HANDLER(cpu_op_bt_rm_r); HANDLER(cpu_op_bt_rm_imm); HANDLER(cpu_op_bsf); HANDLER(cpu_op_bsr);
HANDLER(cpu_op_tzcnt); HANDLER(cpu_op_lzcnt); HANDLER(cpu_op_popcnt);
/* exec_string.c: ext = enum str_op */
enum str_op { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };
HANDLER(cpu_op_string);
/* exec_sens.c: ext = enum cpu_sens_op */
HANDLER(cpu_op_sens);
/* count sources of shifts (ext2) */
enum shift_count { CNT_ONE, CNT_CL, CNT_IMM };

#endif
