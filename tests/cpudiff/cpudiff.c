/*
 * tests/cpudiff/cpudiff.c — differential test of the CPU core against the
 * host CPU.
 *
 *   cpudiff --seed S --cases N [--verbose]
 *
 * Each case is one random instance of a supported user-mode instruction form
 * (random prefixes, operand size, registers, addressing mode, immediates,
 * register/flag/memory values). It runs natively in an executable buffer
 * mapped at a fixed address (a generated stub loads all 16 GPRs and RFLAGS,
 * runs the instruction and saves them again) and then in the emulator at the
 * same addresses (an MMU that maps the same window onto emulator RAM). The
 * GPRs, RFLAGS (minus the flags the SDM leaves undefined for that
 * instruction and those inputs), the next RIP and the data/stack memory must
 * be identical. Instances that would fault natively (div by zero) are not
 * generated. The last line is "cases: N mismatches: M"; the exit status is 1
 * on any mismatch, 2 on bad usage.
 *
 * Memory window (same VA natively and in the emulator):
 *   BASE+0x0000 code page: entry stub, the instruction at +0x100, exits, slots
 *   BASE+0x1000 data (8 KiB): memory operands point into its middle
 *   BASE+0x3000 stack (8 KiB)
 */
#include <asm/prctl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include "cpu/cpu.h"

#define BASE 0x20000000ull
#define WIN 0x5000ull
#define CODE_OFF 0x100 /* the instruction under test */
#define SLOT_OFF 0x800 /* in[16], in_flags, out[16], out_flags, host_rsp, which */
#define COMMON_OFF 0x300
#define DATA (BASE + 0x1000)
#define DATA_LEN 0x2000
#define STACK_TOP (BASE + 0x5000 - 0x800)
#define GS_BASE (BASE + 0x1000)
#define FLAGS_CMP (RFLAGS_ARITH | RFLAGS_DF)

/* ---- random numbers: xorshift64* ---- */
struct rng { uint64_t s; };
static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}
static unsigned rn(struct rng *r, unsigned n) { return (unsigned)(rnd(r) % n); }

/* ---- instruction forms ---- */
enum imm_kind { IM_NONE, IM_8, IM_16, IM_Z, IM_V, IM_MOFFS, IM_REL8, IM_REL32, IM_ENTER };
enum undef_kind { U_NONE, U_AF, U_MUL, U_DIV, U_SHIFT, U_ROT, U_SHXD, U_BT, U_BSCAN, U_CNT };
/* form flags */
#define M_REGONLY 0x0001 /* r/m must be a register */
#define M_MEMONLY 0x0002
#define M_OPREG 0x0004   /* register in the opcode */
#define M_STACK 0x0008   /* uses the stack: RSP into the stack area */
#define M_BRANCH 0x0010  /* may jump to the second exit */
#define M_STRING 0x0020
#define M_DIV 0x0040
#define M_CL 0x0080      /* shift count in CL */
#define M_ONE 0x0100     /* shift count 1 */
#define M_BTREG 0x0200   /* bt* with a register bit offset */
#define M_NOZERO 0x0400  /* skip a zero r/m source (bsf/bsr) */
#define M_SHXD 0x0800
#define M_RET 0x1000     /* ret: stack top = the second exit */
#define M_INDIRECT 0x2000 /* call/jmp r/m: operand = the second exit */
#define M_F3 0x4000      /* mandatory F3 prefix */
#define M_NOREX_W 0x8000 /* REX.W not allowed (fixed size) */
#define M_XLAT 0x10000
#define M_LEAVE 0x20000
#define M_CMPXCHG 0x40000
#define M_REP 0x80000    /* string: may take rep/repe/repne */
#define M_WIDE 0x100000  /* cmpxchg8b/16b: 16-aligned operand, rDX:rAX often equal */

struct form {
	const char *name;
	uint8_t op[3], oplen;
	int8_t digit;  /* -1: ModRM.reg is a register operand; 0..7 fixed; -2: no ModRM */
	uint8_t imm;
	uint8_t sizes; /* 1 (byte op) or a mask of 2|4|8 */
	uint8_t undef;
	uint32_t flags;
};

#define MAX_FORMS 600
struct forms { struct form f[MAX_FORMS]; unsigned n; };

static void add(struct forms *fs, const char *name, unsigned op0, int op1, int op2, int digit, unsigned imm,
		unsigned sizes, unsigned undef, uint32_t flags)
{
	struct form *f = &fs->f[fs->n++];
	f->name = name;
	f->op[0] = (uint8_t)op0;
	f->oplen = 1;
	if (op1 >= 0)
		f->op[f->oplen++] = (uint8_t)op1;
	if (op2 >= 0)
		f->op[f->oplen++] = (uint8_t)op2;
	f->digit = (int8_t)digit;
	f->imm = (uint8_t)imm;
	f->sizes = (uint8_t)sizes;
	f->undef = (uint8_t)undef;
	f->flags = flags;
}

#define V (2 | 4 | 8)
static void build_forms(struct forms *fs)
{
	static const char *alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	for (unsigned op = 0; op < 8; op++) {
		unsigned u = (op == 1 || op == 4 || op == 6) ? U_AF : U_NONE;
		add(fs, alu[op], op * 8 + 0, -1, -1, -1, IM_NONE, 1, u, 0);
		add(fs, alu[op], op * 8 + 1, -1, -1, -1, IM_NONE, V, u, 0);
		add(fs, alu[op], op * 8 + 2, -1, -1, -1, IM_NONE, 1, u, 0);
		add(fs, alu[op], op * 8 + 3, -1, -1, -1, IM_NONE, V, u, 0);
		add(fs, alu[op], op * 8 + 4, -1, -1, -2, IM_8, 1, u, 0);
		add(fs, alu[op], op * 8 + 5, -1, -1, -2, IM_Z, V, u, 0);
		add(fs, alu[op], 0x80, -1, -1, (int)op, IM_8, 1, u, 0);
		add(fs, alu[op], 0x81, -1, -1, (int)op, IM_Z, V, u, 0);
		add(fs, alu[op], 0x83, -1, -1, (int)op, IM_8, V, u, 0);
	}
	add(fs, "test", 0x84, -1, -1, -1, IM_NONE, 1, U_AF, 0);
	add(fs, "test", 0x85, -1, -1, -1, IM_NONE, V, U_AF, 0);
	add(fs, "test", 0xA8, -1, -1, -2, IM_8, 1, U_AF, 0);
	add(fs, "test", 0xA9, -1, -1, -2, IM_Z, V, U_AF, 0);
	add(fs, "test", 0xF6, -1, -1, 0, IM_8, 1, U_AF, 0);
	add(fs, "test", 0xF7, -1, -1, 0, IM_Z, V, U_AF, 0);
	static const char *g3[8] = { 0, 0, "not", "neg", "mul", "imul", "div", "idiv" };
	for (unsigned d = 2; d < 8; d++) {
		unsigned u = d == 4 || d == 5 ? U_MUL : d >= 6 ? U_DIV : U_NONE;
		uint32_t fl = d >= 6 ? M_DIV : 0;
		add(fs, g3[d], 0xF6, -1, -1, (int)d, IM_NONE, 1, u, fl);
		add(fs, g3[d], 0xF7, -1, -1, (int)d, IM_NONE, V, u, fl);
	}
	add(fs, "inc", 0xFE, -1, -1, 0, IM_NONE, 1, U_NONE, 0);
	add(fs, "dec", 0xFE, -1, -1, 1, IM_NONE, 1, U_NONE, 0);
	add(fs, "inc", 0xFF, -1, -1, 0, IM_NONE, V, U_NONE, 0);
	add(fs, "dec", 0xFF, -1, -1, 1, IM_NONE, V, U_NONE, 0);
	add(fs, "imul", 0x0F, 0xAF, -1, -1, IM_NONE, V, U_MUL, 0);
	add(fs, "imul", 0x69, -1, -1, -1, IM_Z, V, U_MUL, 0);
	add(fs, "imul", 0x6B, -1, -1, -1, IM_8, V, U_MUL, 0);
	/* moves */
	add(fs, "mov", 0x88, -1, -1, -1, IM_NONE, 1, U_NONE, 0);
	add(fs, "mov", 0x89, -1, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "mov", 0x8A, -1, -1, -1, IM_NONE, 1, U_NONE, 0);
	add(fs, "mov", 0x8B, -1, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "mov", 0xC6, -1, -1, 0, IM_8, 1, U_NONE, 0);
	add(fs, "mov", 0xC7, -1, -1, 0, IM_Z, V, U_NONE, 0);
	add(fs, "mov", 0xB0, -1, -1, -2, IM_8, 1, U_NONE, M_OPREG);
	add(fs, "mov", 0xB8, -1, -1, -2, IM_V, V, U_NONE, M_OPREG);
	add(fs, "mov", 0xA0, -1, -1, -2, IM_MOFFS, 1, U_NONE, 0);
	add(fs, "mov", 0xA1, -1, -1, -2, IM_MOFFS, V, U_NONE, 0);
	add(fs, "mov", 0xA2, -1, -1, -2, IM_MOFFS, 1, U_NONE, 0);
	add(fs, "mov", 0xA3, -1, -1, -2, IM_MOFFS, V, U_NONE, 0);
	add(fs, "movzx", 0x0F, 0xB6, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "movzx", 0x0F, 0xB7, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "movsx", 0x0F, 0xBE, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "movsx", 0x0F, 0xBF, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "movsxd", 0x63, -1, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "lea", 0x8D, -1, -1, -1, IM_NONE, V, U_NONE, M_MEMONLY);
	add(fs, "xchg", 0x86, -1, -1, -1, IM_NONE, 1, U_NONE, 0);
	add(fs, "xchg", 0x87, -1, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "xchg", 0x90, -1, -1, -2, IM_NONE, V, U_NONE, M_OPREG);
	add(fs, "cmpxchg", 0x0F, 0xB0, -1, -1, IM_NONE, 1, U_NONE, M_CMPXCHG);
	add(fs, "cmpxchg", 0x0F, 0xB1, -1, -1, IM_NONE, V, U_NONE, M_CMPXCHG);
	add(fs, "cmpxchg8b/16b", 0x0F, 0xC7, -1, 1, IM_NONE, 4 | 8, U_NONE, M_MEMONLY | M_WIDE);
	add(fs, "xadd", 0x0F, 0xC0, -1, -1, IM_NONE, 1, U_NONE, 0);
	add(fs, "xadd", 0x0F, 0xC1, -1, -1, IM_NONE, V, U_NONE, 0);
	add(fs, "cbw", 0x98, -1, -1, -2, IM_NONE, V, U_NONE, 0);
	add(fs, "cwd", 0x99, -1, -1, -2, IM_NONE, V, U_NONE, 0);
	add(fs, "bswap", 0x0F, 0xC8, -1, -2, IM_NONE, 4 | 8, U_NONE, M_OPREG);
	add(fs, "xlat", 0xD7, -1, -1, -2, IM_NONE, 1, U_NONE, M_XLAT);
	add(fs, "lahf", 0x9F, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "sahf", 0x9E, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "cmc", 0xF5, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "clc", 0xF8, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "stc", 0xF9, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "cld", 0xFC, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "std", 0xFD, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "nop", 0x90, -1, -1, -2, IM_NONE, 1, U_NONE, 0);
	add(fs, "nopw", 0x0F, 0x1F, -1, 0, IM_NONE, V, U_NONE, 0);
	add(fs, "pause", 0x90, -1, -1, -2, IM_NONE, 1, U_NONE, M_F3);
	add(fs, "endbr64", 0x0F, 0x1E, 0xFA, -2, IM_NONE, 1, U_NONE, M_F3);
	/* condition codes */
	for (unsigned cc = 0; cc < 16; cc++) {
		add(fs, "cmovcc", 0x0F, 0x40 + (int)cc, -1, -1, IM_NONE, V, U_NONE, 0);
		add(fs, "setcc", 0x0F, 0x90 + (int)cc, -1, 0, IM_NONE, 1, U_NONE, 0);
		add(fs, "jcc8", 0x70 + cc, -1, -1, -2, IM_REL8, 1, U_NONE, M_BRANCH);
		add(fs, "jcc32", 0x0F, 0x80 + (int)cc, -1, -2, IM_REL32, 1, U_NONE, M_BRANCH);
	}
	add(fs, "jmp8", 0xEB, -1, -1, -2, IM_REL8, 1, U_NONE, M_BRANCH);
	add(fs, "jmp32", 0xE9, -1, -1, -2, IM_REL32, 1, U_NONE, M_BRANCH);
	add(fs, "call", 0xE8, -1, -1, -2, IM_REL32, 1, U_NONE, M_BRANCH | M_STACK);
	add(fs, "call", 0xFF, -1, -1, 2, IM_NONE, 8, U_NONE, M_BRANCH | M_STACK | M_INDIRECT | M_NOREX_W);
	add(fs, "jmp", 0xFF, -1, -1, 4, IM_NONE, 8, U_NONE, M_BRANCH | M_INDIRECT | M_NOREX_W);
	add(fs, "ret", 0xC3, -1, -1, -2, IM_NONE, 1, U_NONE, M_BRANCH | M_STACK | M_RET);
	add(fs, "ret", 0xC2, -1, -1, -2, IM_16, 1, U_NONE, M_BRANCH | M_STACK | M_RET);
	add(fs, "loop", 0xE2, -1, -1, -2, IM_REL8, 1, U_NONE, M_BRANCH);
	add(fs, "loope", 0xE1, -1, -1, -2, IM_REL8, 1, U_NONE, M_BRANCH);
	add(fs, "loopne", 0xE0, -1, -1, -2, IM_REL8, 1, U_NONE, M_BRANCH);
	add(fs, "jrcxz", 0xE3, -1, -1, -2, IM_REL8, 1, U_NONE, M_BRANCH);
	/* stack */
	add(fs, "push", 0x50, -1, -1, -2, IM_NONE, 2 | 8, U_NONE, M_OPREG | M_STACK | M_NOREX_W);
	add(fs, "pop", 0x58, -1, -1, -2, IM_NONE, 2 | 8, U_NONE, M_OPREG | M_STACK | M_NOREX_W);
	add(fs, "push", 0xFF, -1, -1, 6, IM_NONE, 2 | 8, U_NONE, M_STACK | M_NOREX_W);
	add(fs, "pop", 0x8F, -1, -1, 0, IM_NONE, 2 | 8, U_NONE, M_STACK | M_NOREX_W);
	add(fs, "push", 0x6A, -1, -1, -2, IM_8, 2 | 8, U_NONE, M_STACK | M_NOREX_W);
	add(fs, "push", 0x68, -1, -1, -2, IM_Z, 2 | 8, U_NONE, M_STACK | M_NOREX_W);
	add(fs, "leave", 0xC9, -1, -1, -2, IM_NONE, 8, U_NONE, M_STACK | M_LEAVE | M_NOREX_W);
	add(fs, "enter", 0xC8, -1, -1, -2, IM_ENTER, 8, U_NONE, M_STACK | M_LEAVE | M_NOREX_W);
	/* shifts and rotates */
	static const char *g2[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
	for (unsigned d = 0; d < 8; d++) {
		unsigned u = d < 4 ? U_ROT : U_SHIFT;
		add(fs, g2[d], 0xC0, -1, -1, (int)d, IM_8, 1, u, 0);
		add(fs, g2[d], 0xC1, -1, -1, (int)d, IM_8, V, u, 0);
		add(fs, g2[d], 0xD0, -1, -1, (int)d, IM_NONE, 1, u, M_ONE);
		add(fs, g2[d], 0xD1, -1, -1, (int)d, IM_NONE, V, u, M_ONE);
		add(fs, g2[d], 0xD2, -1, -1, (int)d, IM_NONE, 1, u, M_CL);
		add(fs, g2[d], 0xD3, -1, -1, (int)d, IM_NONE, V, u, M_CL);
	}
	add(fs, "shld", 0x0F, 0xA4, -1, -1, IM_8, V, U_SHXD, M_SHXD);
	add(fs, "shld", 0x0F, 0xA5, -1, -1, IM_NONE, V, U_SHXD, M_SHXD | M_CL);
	add(fs, "shrd", 0x0F, 0xAC, -1, -1, IM_8, V, U_SHXD, M_SHXD);
	add(fs, "shrd", 0x0F, 0xAD, -1, -1, IM_NONE, V, U_SHXD, M_SHXD | M_CL);
	/* bits */
	static const int btop[4] = { 0xA3, 0xAB, 0xB3, 0xBB };
	static const char *btn[4] = { "bt", "bts", "btr", "btc" };
	for (unsigned k = 0; k < 4; k++) {
		add(fs, btn[k], 0x0F, btop[k], -1, -1, IM_NONE, V, U_BT, M_BTREG);
		add(fs, btn[k], 0x0F, 0xBA, -1, 4 + (int)k, IM_8, V, U_BT, 0);
	}
	add(fs, "bsf", 0x0F, 0xBC, -1, -1, IM_NONE, V, U_BSCAN, M_NOZERO);
	add(fs, "bsr", 0x0F, 0xBD, -1, -1, IM_NONE, V, U_BSCAN, M_NOZERO);
	add(fs, "tzcnt", 0x0F, 0xBC, -1, -1, IM_NONE, V, U_CNT, M_F3);
	add(fs, "lzcnt", 0x0F, 0xBD, -1, -1, IM_NONE, V, U_CNT, M_F3);
	add(fs, "popcnt", 0x0F, 0xB8, -1, -1, IM_NONE, V, U_NONE, M_F3);
	/* strings */
	static const int strop[5][2] = { { 0xA4, 0xA5 }, { 0xA6, 0xA7 }, { 0xAA, 0xAB }, { 0xAC, 0xAD }, { 0xAE, 0xAF } };
	static const char *strn[5] = { "movs", "cmps", "stos", "lods", "scas" };
	for (unsigned k = 0; k < 5; k++) {
		add(fs, strn[k], (unsigned)strop[k][0], -1, -1, -2, IM_NONE, 1, U_NONE, M_STRING | M_REP);
		add(fs, strn[k], (unsigned)strop[k][1], -1, -1, -2, IM_NONE, V, U_NONE, M_STRING | M_REP);
	}
}

/* ---- one case ---- */
struct state {
	uint64_t gpr[16];
	uint64_t flags;
};

struct tcase {
	const struct form *f;
	uint8_t bytes[32];
	unsigned len, first_len; /* both instructions, the first (a pair is producer + consumer) */
	unsigned osz;
	struct state in;
	uint8_t mem[WIN - 0x1000]; /* data + stack at BASE+0x1000 */
	/* for the undefined-flags rules */
	unsigned count;   /* shift count after masking */
	uint64_t src;     /* bsf/bsr source */
};

struct gen {
	uint8_t *b;
	unsigned n;
	unsigned fixed; /* registers with constrained values (not usable as base/index) */
};

static void emit(struct gen *g, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		g->b[g->n++] = (uint8_t)(v >> (8 * k));
}

struct memop {
	bool used, rip, addr32, gs;
	int base, index;
	unsigned scale;
	int64_t disp;
	unsigned disp_at, disp_len; /* where disp32 of a RIP-relative operand sits */
	uint64_t target;
};

/* Pick a memory operand for ModRM (reg field `regf`, already with REX.R) and
 * encode ModRM/SIB/disp; register values are fixed up later. */
static void encode_mem(struct rng *r, struct gen *g, struct tcase *t, struct memop *m, unsigned regf,
		       uint8_t *rex)
{
	unsigned kind = rn(r, 7);
	m->used = true;
	m->base = m->index = -1;
	unsigned mod;
	if (kind == 0) { /* rip-relative */
		m->rip = true;
		g->b[g->n++] = (uint8_t)(((regf & 7) << 3) | 5);
		m->disp_at = g->n;
		m->disp_len = 4;
		emit(g, 0, 4);
		return;
	}
	do
		m->base = (int)rn(r, 16);
	while (g->fixed & (1u << m->base));
	if (kind >= 4) {
		do
			m->index = (int)rn(r, 16);
		while (m->index == 4 || m->index == m->base || (g->fixed & (1u << m->index)));
		m->scale = rn(r, 4);
	}
	if (kind == 6) /* no base: [index*scale + disp32] */
		m->base = -1;
	unsigned dk = rn(r, 3);
	if (m->base < 0)
		dk = 2;
	else if (dk == 0 && (m->base & 7) == 5)
		dk = 1; /* rbp/r13 need a displacement */
	mod = dk;
	m->disp = dk == 0 ? 0 : dk == 1 ? (int8_t)rnd(r) : (int32_t)(rn(r, 2048) - 1024);
	bool sib = m->index >= 0 || m->base < 0 || (m->base & 7) == 4;
	unsigned rm = sib ? 4 : (unsigned)(m->base & 7);
	if (m->base < 0)
		mod = 0;
	g->b[g->n++] = (uint8_t)((mod << 6) | ((regf & 7) << 3) | rm);
	if (sib) {
		unsigned idx = m->index >= 0 ? (unsigned)m->index : 4;
		unsigned bs = m->base >= 0 ? (unsigned)m->base & 7 : 5;
		g->b[g->n++] = (uint8_t)((m->scale << 6) | ((idx & 7) << 3) | bs);
		if (m->index >= 8)
			*rex |= 2;
	}
	if (m->base >= 8)
		*rex |= 1;
	if (mod == 1 || (mod == 0 && m->base < 0) || mod == 2)
		emit(g, (uint64_t)m->disp, mod == 1 ? 1 : 4);
	(void)t;
}

/* Place the memory operand at `target`: set base/index registers (or the
 * RIP-relative displacement). */
static void fix_mem(struct rng *r, struct tcase *t, struct memop *m, uint64_t insn_end)
{
	uint64_t want = m->target - (m->gs ? GS_BASE : 0);
	if (m->rip) {
		int64_t d = (int64_t)(want - insn_end);
		memcpy(t->bytes + m->disp_at, &d, 4);
		return;
	}
	uint64_t idx = 0;
	if (m->index >= 0) {
		idx = rn(r, 64);
		t->in.gpr[m->index] = idx;
	}
	uint64_t b = want - (uint64_t)m->disp - (idx << m->scale);
	if (m->base >= 0) {
		if (m->addr32)
			b = (b & 0xffffffffull) | (rnd(r) << 32);
		t->in.gpr[m->base] = b;
	} else if (m->index >= 0) {
		/* no base: make the index carry the rest (disp is random) */
		uint64_t rest = want - (uint64_t)m->disp;
		t->in.gpr[m->index] = rest >> m->scale;
		int64_t fixd = (int64_t)(rest - (t->in.gpr[m->index] << m->scale));
		m->disp += fixd; /* at most 7: still fits the encoded disp32 */
	}
}

/* A flag consumer after a flag producer, so that the lazy flags are read
 * the way jcc/setcc/cmovcc/adc read them in real code (register operands). */
static unsigned consumer(struct rng *r, uint8_t *b)
{
	unsigned n = 0, kind = rn(r, 4), cc = rn(r, 16);
	unsigned a = rn(r, 16), c = rn(r, 16);
	uint8_t rex = (uint8_t)(0x40 | (a >= 8 ? 4 : 0) | (c >= 8 ? 1 : 0));
	if (kind == 1 && rn(r, 2))
		rex |= 8;
	if (kind == 0) { /* jcc rel8 to the second exit */
		b[n++] = (uint8_t)(0x70 + cc);
		b[n++] = 64;
		return n;
	}
	if (rex != 0x40 || rn(r, 2))
		b[n++] = rex;
	switch (kind) {
	case 1: b[n++] = 0x0F; b[n++] = (uint8_t)(0x40 + cc); break; /* cmovcc */
	case 2: b[n++] = 0x0F; b[n++] = (uint8_t)(0x90 + cc); break; /* setcc */
	default: b[n++] = rn(r, 2) ? 0x11 : 0x19; break;          /* adc/sbb r/m, r */
	}
	b[n++] = (uint8_t)(0xC0 | ((a & 7) << 3) | (c & 7));
	return n;
}

/* Generate one case. Returns false to retry (an input the SDM leaves undefined). */
static bool generate(struct rng *r, const struct forms *fs, struct tcase *t)
{
	const struct form *f = &fs->f[rn(r, fs->n)];
	bool pair = (f->undef == U_NONE || f->undef == U_AF) && !(f->flags & (M_BRANCH | M_STACK)) && rn(r, 2);
	struct gen g = { .b = t->bytes };
	struct memop m = { 0 };
	memset(t->bytes, 0x90, sizeof(t->bytes));
	t->f = f;
	for (unsigned k = 0; k < 16; k++)
		t->in.gpr[k] = rnd(r) >> (rn(r, 4) * 16);
	t->in.flags = (rnd(r) & RFLAGS_ARITH) | (rn(r, 8) == 0 ? RFLAGS_DF : 0) | RFLAGS_FIXED;
	for (unsigned k = 0; k < sizeof(t->mem); k += 8) {
		uint64_t v = rnd(r);
		memcpy(t->mem + k, &v, 8);
	}
	/* operand size */
	unsigned sizes[3], ns = 0;
	for (unsigned s = 2; s <= 8; s *= 2)
		if (f->sizes & s)
			sizes[ns++] = s;
	unsigned osz = f->sizes == 1 ? 1 : sizes[rn(r, ns)];
	if (f->sizes == 1 && f->imm == IM_NONE && !(f->flags & M_STRING))
		osz = 1;
	t->osz = osz;
	bool has_modrm = f->digit != -2;
	bool memform = has_modrm && !(f->flags & M_REGONLY) && ((f->flags & M_MEMONLY) || rn(r, 2));
	g.fixed = 1u << RSP; /* RSP is never a random base: it must stay usable */
	if (f->flags & M_STRING)
		g.fixed |= (1u << RSI) | (1u << RDI) | (1u << RCX);
	if (f->flags & (M_CL | M_DIV | M_CMPXCHG | M_WIDE))
		g.fixed |= (1u << RBX);
	if (f->flags & (M_CL | M_DIV | M_CMPXCHG | M_WIDE))
		g.fixed |= (1u << RCX) | (1u << RAX) | (1u << RDX);
	if (f->flags & (M_XLAT | M_LEAVE))
		g.fixed |= (1u << RBX) | (1u << RAX) | (1u << RBP);
	/* prefixes */
	unsigned rep = 0;
	if (f->flags & M_F3)
		rep = 0xF3;
	else if ((f->flags & M_REP) && rn(r, 2))
		rep = rn(r, 2) ? 0xF3 : 0xF2;
	if (rep)
		g.b[g.n++] = (uint8_t)rep;
	if (osz == 2)
		g.b[g.n++] = 0x66;
	m.addr32 = (memform || (f->flags & M_STRING)) && rn(r, 8) == 0 && !(f->flags & (M_INDIRECT | M_STACK));
	if (m.addr32)
		g.b[g.n++] = 0x67;
	m.gs = memform && rn(r, 8) == 0 && f->op[0] != 0x8D && !(f->flags & M_STACK);
	if (m.gs)
		g.b[g.n++] = 0x65;
	unsigned rex_at = g.n;
	uint8_t rex = 0x40;
	bool want_rex = rn(r, 2);
	if (osz == 8 && !(f->flags & M_NOREX_W) && f->sizes != (2 | 8))
		rex |= 8;
	g.n++; /* REX placeholder (removed if unused) */
	unsigned op_at = g.n;
	for (unsigned k = 0; k < f->oplen; k++)
		g.b[g.n++] = f->op[k];
	unsigned reg = rn(r, 16), rmreg = rn(r, 16);
	if (f->flags & M_OPREG) {
		unsigned rr = rmreg;
		if (f->flags & M_STACK)
			while (rr == RSP)
				rr = rn(r, 16);
		g.b[op_at + f->oplen - 1] |= (uint8_t)(rr & 7);
		if (rr >= 8)
			rex |= 1;
		rmreg = rr;
	}
	if (f->flags & M_BTREG)
		g.fixed |= 1u << reg; /* the bit offset must not double as the base */
	if ((f->flags & M_DIV) && !memform) {
		static const unsigned ok[] = { RBX, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
		rmreg = ok[rn(r, 11)];
	}
	if (has_modrm) {
		unsigned regf = f->digit >= 0 ? (unsigned)f->digit : reg;
		if (f->digit < 0 && reg >= 8)
			rex |= 4;
		if (f->digit >= 0 && rn(r, 4) == 0)
			rex |= 4; /* REX.R is ignored for /digit forms */
		if (memform) {
			encode_mem(r, &g, t, &m, regf, &rex);
		} else {
			if (f->flags & (M_STACK | M_INDIRECT))
				while (rmreg == RSP)
					rmreg = rn(r, 16);
			g.b[g.n++] = (uint8_t)(0xC0 | ((regf & 7) << 3) | (rmreg & 7));
			if (rmreg >= 8)
				rex |= 1;
		}
	}
	/* REX present? */
	if (rex != 0x40 || want_rex)
		g.b[rex_at] = rex;
	else {
		memmove(g.b + rex_at, g.b + rex_at + 1, g.n - rex_at - 1);
		g.n--;
		if (m.disp_at)
			m.disp_at--;
	}
	bool has_rex = rex != 0x40 || want_rex;
	if ((f->flags & M_OPREG) && f->op[0] == 0x90 && rmreg == 0 && !(rex & 1))
		return false; /* 90 is nop, not xchg eax,eax */
	/* immediate */
	uint64_t imm = rnd(r);
	unsigned in = 0;
	switch (f->imm) {
	case IM_8: in = 1; break;
	case IM_16: in = 2; imm &= 0x38; break;
	case IM_Z: in = osz == 2 ? 2 : 4; break;
	case IM_V: in = osz; break;
	case IM_MOFFS: in = m.addr32 ? 4 : 8; break;
	case IM_REL8: in = 1; imm = 64; break;
	case IM_REL32: in = 4; imm = 64; break;
	case IM_ENTER: in = 3; imm = (rn(r, 64) * 8) | ((uint64_t)rn(r, 3) << 16); break;
	default: break;
	}
	unsigned imm_at = g.n;
	emit(&g, imm, in);
	t->first_len = g.n;
	if (pair)
		g.n += consumer(r, g.b + g.n);
	t->len = g.n;
	uint64_t insn_end = BASE + CODE_OFF + t->first_len;
	uint64_t exit2 = BASE + CODE_OFF + t->len + 64;

	/* register fix-ups */
	unsigned bits = osz * 8;
	uint64_t *R = t->in.gpr;
	R[RSP] = STACK_TOP - 8 * rn(r, 64);
	if (f->flags & M_STRING) {
		unsigned a = m.addr32 ? 4 : 8;
		R[RSI] = DATA + 0x800 + rn(r, 0x800);
		R[RDI] = DATA + 0x800 + rn(r, 0x800);
		if (rep)
			R[RCX] = rn(r, 17);
		if (a == 4) {
			R[RCX] |= rnd(r) << 32;
			R[RSI] |= rnd(r) << 32;
			R[RDI] |= rnd(r) << 32;
		}
		if ((f->op[0] == 0xA6 || f->op[0] == 0xA7 || f->op[0] == 0xAE || f->op[0] == 0xAF) && rn(r, 2)) {
			/* make repeated compares run a while: equal data */
			memset(t->mem + ((R[RSI] - DATA) & 0xffffffff) - 0x100, 0x5a, 0x300);
			memset(t->mem + ((R[RDI] - DATA) & 0xffffffff) - 0x100, 0x5a, 0x300);
			R[RAX] = 0x5a5a5a5a5a5a5a5aull;
		}
	}
	if (f->flags & M_XLAT)
		R[RBX] = DATA + 0x800 + rn(r, 0x400) - (R[RAX] & 0xff);
	if (f->flags & M_LEAVE)
		R[RBP] = STACK_TOP - 8 * rn(r, 64) - 0x100;
	if (f->flags & (M_LEAVE) && f->op[0] == 0xC9)
		R[RSP] = R[RBP] - 8 * rn(r, 16);
	if (f->flags & M_RET) {
		memcpy(t->mem + (R[RSP] - BASE - 0x1000), &exit2, 8);
	}
	if (f->imm == IM_MOFFS) {
		uint64_t a = DATA + 0x800 + rn(r, 0x400);
		memcpy(t->bytes + imm_at, &a, in);
	}
	if (f->flags & M_BTREG) {
		int64_t off = (int64_t)rn(r, 1024) - 512;
		R[reg] = (uint64_t)off & (bits == 64 ? ~0ull : (1ull << bits) - 1);
		if (!memform)
			R[reg] = rnd(r);
	}
	if (m.used) {
		m.target = DATA + 0x800 + rn(r, 0x800);
		if (f->flags & M_INDIRECT)
			m.target &= ~7ull;
		if (f->flags & M_WIDE)
			m.target &= ~15ull;
		if (f->flags & M_STACK)
			m.target = DATA + 0x800 + rn(r, 0x400);
		fix_mem(r, t, &m, insn_end);
		if (!m.rip && m.base < 0 && m.index >= 0) {
			/* the displacement was adjusted: re-encode it (disp32 is last before imm) */
			int32_t d = (int32_t)m.disp;
			memcpy(t->bytes + imm_at - 4, &d, 4);
		}
	}
	uint8_t *memop = m.used ? t->mem + (m.target - BASE - 0x1000) : NULL;
	if (f->flags & M_INDIRECT) {
		if (memop)
			memcpy(memop, &exit2, 8);
		else
			R[rmreg] = exit2;
	}
	/* shift counts */
	unsigned cnt = 0;
	if (f->undef == U_SHIFT || f->undef == U_ROT || f->undef == U_SHXD) {
		if (f->flags & M_ONE)
			cnt = 1;
		else if (f->flags & M_CL)
			cnt = R[RCX] & 0xff;
		else
			cnt = (unsigned)imm & 0xff;
		if (rn(r, 4) == 0 && (f->flags & M_CL)) {
			R[RCX] = (R[RCX] & ~0xffull) | rn(r, 3);
			cnt = R[RCX] & 0xff;
		}
		cnt &= osz == 8 ? 63 : 31;
		if (f->undef == U_SHXD && cnt > bits)
			return false;
	}
	t->count = cnt;
	/* the r/m source value */
	uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
	uint64_t src = 0;
	if (memop)
		memcpy(&src, memop, 8);
	else if (has_modrm)
		src = (!has_rex && osz == 1 && rmreg >= 4 && rmreg < 8) ? R[rmreg - 4] >> 8 : R[rmreg];
	src &= mask;
	t->src = src;
	if ((f->flags & M_NOZERO) && src == 0)
		return false;
	if ((f->flags & M_WIDE) && rn(r, 2)) {
		uint64_t lo, hi, hm = osz == 8 ? ~0ull : 0xffffffffull;
		memcpy(&lo, memop, 8);
		memcpy(&hi, memop + (osz == 8 ? 8 : 4), 8);
		R[RAX] = (R[RAX] & ~hm) | (lo & hm);
		R[RDX] = (R[RDX] & ~hm) | (hi & hm);
	}
	if (f->flags & M_CMPXCHG && rn(r, 2)) {
		R[RAX] = (R[RAX] & ~mask) | src;
	}
	if (f->flags & M_DIV) {
		bool sgn = ((has_modrm ? (unsigned)f->digit : 0) == 7);
		if (src == 0)
			return false;
		unsigned __int128 n;
		if (osz == 1)
			n = R[RAX] & 0xffff;
		else
			n = ((unsigned __int128)(R[RDX] & mask) << bits) | (R[RAX] & mask);
		if (!sgn) {
			if ((n >> bits) >= src) {
				R[RDX] &= ~mask;
				if (osz == 1)
					R[RAX] &= ~0xff00ull;
			}
		} else {
			__int128 d = (int64_t)(src << (64 - bits)) >> (64 - bits);
			/* make the dividend the sign extension of its low half: quotient fits unless MIN / -1 */
			uint64_t lo = osz == 1 ? R[RAX] & 0xff : R[RAX] & mask;
			bool neg = lo >> (bits - 1);
			if (osz == 1)
				R[RAX] = (R[RAX] & ~0xff00ull) | (neg ? 0xff00 : 0);
			else
				R[RDX] = (R[RDX] & ~mask) | (neg ? mask : 0);
			if (d == -1 && lo == (1ull << (bits - 1)))
				return false;
		}
	}
	return true;
}

/* ---- native execution ---- */
struct slots {
	uint64_t in[16], in_flags, out[16], out_flags, host_rsp, which;
};

static void emit_rip_mov(uint8_t *code, unsigned *n, bool store, unsigned reg, uint64_t target)
{
	/* mov [rip+d], r64 (89) / mov r64, [rip+d] (8B) */
	code[(*n)++] = (uint8_t)(0x48 | (reg >= 8 ? 4 : 0));
	code[(*n)++] = store ? 0x89 : 0x8B;
	code[(*n)++] = (uint8_t)(0x05 | ((reg & 7) << 3));
	int32_t d = (int32_t)(target - (BASE + *n + 4));
	memcpy(code + *n, &d, 4);
	*n += 4;
}

/* The fixed parts of the code page: entry stub at 0, common exit at COMMON_OFF. */
static void build_stubs(uint8_t *code)
{
	unsigned n = 0;
	const uint64_t S = BASE + SLOT_OFF;
	static const uint8_t save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	memcpy(code + n, save, sizeof(save));
	n += sizeof(save);
	emit_rip_mov(code, &n, true, RSP, S + offsetof(struct slots, host_rsp));
	/* push qword [rip+in_flags]; popfq */
	code[n++] = 0xFF;
	code[n++] = 0x35;
	int32_t d = (int32_t)(S + offsetof(struct slots, in_flags) - (BASE + n + 4));
	memcpy(code + n, &d, 4);
	n += 4;
	code[n++] = 0x9D;
	for (unsigned k = 0; k < 16; k++)
		if (k != RSP)
			emit_rip_mov(code, &n, false, k, S + k * 8);
	emit_rip_mov(code, &n, false, RSP, S + RSP * 8);
	/* jmp CODE_OFF */
	code[n++] = 0xE9;
	d = (int32_t)(CODE_OFF - (n + 4));
	memcpy(code + n, &d, 4);
	n += 4;

	n = COMMON_OFF;
	for (unsigned k = 0; k < 16; k++)
		emit_rip_mov(code, &n, true, k, S + offsetof(struct slots, out) + k * 8);
	emit_rip_mov(code, &n, false, RSP, S + offsetof(struct slots, host_rsp));
	code[n++] = 0x9C; /* pushfq */
	code[n++] = 0x58; /* pop rax */
	emit_rip_mov(code, &n, true, RAX, S + offsetof(struct slots, out_flags));
	code[n++] = 0xFC; /* cld */
	static const uint8_t restore[] = { 0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B, 0xC3 };
	memcpy(code + n, restore, sizeof(restore));
}

/* An exit at `at`: mov byte [rip+which], id; jmp COMMON_OFF */
static void put_exit(uint8_t *code, unsigned at, uint8_t id)
{
	unsigned n = at;
	code[n++] = 0xC6;
	code[n++] = 0x05;
	int32_t d = (int32_t)(SLOT_OFF + offsetof(struct slots, which) - (n + 5));
	memcpy(code + n, &d, 4);
	n += 4;
	code[n++] = id;
	code[n++] = 0xE9;
	d = (int32_t)(COMMON_OFF - (n + 4));
	memcpy(code + n, &d, 4);
}

/* A native fault is a bug in the generator: report it instead of dying. */
static sigjmp_buf native_fault;
static volatile sig_atomic_t native_signal;
static void on_signal(int sig)
{
	native_signal = sig;
	siglongjmp(native_fault, 1);
}

static void catch_signals(void)
{
	static uint8_t altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
}

static void run_native(uint8_t *win, const struct tcase *t, struct state *out, uint64_t *rip)
{
	struct slots *sl = (struct slots *)(win + SLOT_OFF);
	memset(win + CODE_OFF, 0xCC, 0x100);
	memcpy(win + CODE_OFF, t->bytes, t->len);
	put_exit(win, CODE_OFF + t->len, 1);
	put_exit(win, CODE_OFF + t->len + 64, 2);
	memcpy(win + 0x1000, t->mem, sizeof(t->mem));
	memcpy(sl->in, t->in.gpr, sizeof(sl->in));
	sl->in_flags = t->in.flags;
	sl->which = 0;
	__builtin___clear_cache((char *)win, (char *)win + 0x1000);
	((void (*)(void))(uintptr_t)BASE)();
	memcpy(out->gpr, sl->out, sizeof(out->gpr));
	out->flags = sl->out_flags;
	*rip = BASE + CODE_OFF + t->len + (sl->which == 2 ? 64 : 0);
}

/* run_native, catching a signal; false if the instruction faulted natively. */
static bool native_ok(uint8_t *win, const struct tcase *t, struct state *out, uint64_t *rip)
{
	if (sigsetjmp(native_fault, 1))
		return false;
	run_native(win, t, out, rip);
	return true;
}

/* ---- emulated execution ---- */
static enum mmu_result window_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc, unsigned cpl,
					struct mmu_xlat *out)
{
	(void)ctx;
	(void)cpu;
	(void)acc;
	(void)cpl;
	if (va < BASE || va >= BASE + WIN) {
		out->err = PFERR_U;
		return MMU_FAULT;
	}
	out->ma = va - BASE;
	out->cacheable = true;
	return MMU_OK;
}

static enum cpu_exit_reason run_emul(struct cpu *cpu, const uint8_t *win, const struct tcase *t, struct state *out)
{
	memcpy(cpu->ram, win, 0x1000); /* code page as run natively (exits included) */
	memcpy(cpu->ram + 0x1000, t->mem, sizeof(t->mem));
	cpu_code_written(cpu, 0, 0x1000);
	memcpy(cpu->gpr, t->in.gpr, sizeof(cpu->gpr));
	cpu_set_rflags(cpu, t->in.flags);
	cpu->rip = BASE + CODE_OFF;
	enum cpu_exit_reason r = cpu_run(cpu, t->len == t->first_len ? 1 : 2);
	memcpy(out->gpr, cpu->gpr, sizeof(out->gpr));
	out->flags = cpu_get_rflags(cpu);
	return r;
}

/* Flags the SDM leaves undefined for this case. */
static uint64_t undefined_flags(const struct tcase *t)
{
	const struct form *f = t->f;
	unsigned bits = t->osz * 8;
	switch (f->undef) {
	case U_AF: return RFLAGS_AF;
	case U_MUL: return RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF;
	case U_DIV: return RFLAGS_ARITH;
	case U_SHIFT:
		if (t->count == 0)
			return 0;
		return RFLAGS_AF | (t->count != 1 ? RFLAGS_OF : 0) | (t->count >= bits ? RFLAGS_CF | RFLAGS_OF : 0);
	case U_ROT: return t->count != 1 ? RFLAGS_OF : 0;
	case U_SHXD:
		if (t->count == 0)
			return 0;
		return RFLAGS_AF | (t->count != 1 ? RFLAGS_OF : 0) | (t->count >= bits ? RFLAGS_ARITH : 0);
	case U_BT: return RFLAGS_OF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF;
	case U_BSCAN: return RFLAGS_CF | RFLAGS_OF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF;
	case U_CNT: return RFLAGS_OF | RFLAGS_SF | RFLAGS_AF | RFLAGS_PF;
	default: return 0;
	}
}

static void print_state(const char *what, const struct state *s)
{
	static const char *names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	printf("  %s:", what);
	for (unsigned k = 0; k < 16; k++)
		printf("%s %s=%016" PRIx64, k % 4 == 0 ? "\n   " : "", names[k], s->gpr[k]);
	printf("\n    rflags=%08" PRIx64 "\n", s->flags);
}

static void report(const struct tcase *t, const struct state *nat, const struct state *emu, uint64_t nrip,
		   uint64_t erip, enum cpu_exit_reason er, const char *why)
{
	char text[160];
	cpu_disasm(t->bytes, t->len, BASE + CODE_OFF, text, sizeof(text));
	printf("MISMATCH (%s) %s: bytes", why, t->f->name);
	for (unsigned k = 0; k < t->len; k++)
		printf(" %02x", t->bytes[k]);
	printf("  [%s]  emulator exit: %s\n", text, cpu_exit_name(er));
	print_state("input", &t->in);
	print_state("native", nat);
	print_state("emulated", emu);
	printf("    rip native=%" PRIx64 " emulated=%" PRIx64 " undefined-flags mask=%" PRIx64 "\n", nrip, erip,
	       undefined_flags(t));
}

static int usage(void)
{
	fprintf(stderr, "usage: cpudiff --seed S --cases N [--verbose]\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, cases = 1000;
	bool verbose = false;
	for (int k = 1; k < argc; k++) {
		char *end;
		if (!strcmp(argv[k], "--seed") && k + 1 < argc) {
			seed = strtoull(argv[++k], &end, 0);
			if (*end)
				return usage();
		} else if (!strcmp(argv[k], "--cases") && k + 1 < argc) {
			cases = strtoull(argv[++k], &end, 0);
			if (*end)
				return usage();
		} else if (!strcmp(argv[k], "--verbose")) {
			verbose = true;
		} else {
			fprintf(stderr, "cpudiff: unknown argument '%s'\n", argv[k]);
			return usage();
		}
	}
	uint8_t *win = mmap((void *)BASE, WIN, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (win == MAP_FAILED || win != (uint8_t *)BASE) {
		fprintf(stderr, "cpudiff: cannot map the test window at 0x%llx\n", BASE);
		return 2;
	}
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, GS_BASE) != 0) {
		fprintf(stderr, "cpudiff: cannot set the GS base\n");
		return 2;
	}
	build_stubs(win);
	catch_signals();
	static uint8_t ram[WIN];
	struct cpu cpu;
	if (cpu_init(&cpu, ram, sizeof(ram)) < 0) {
		fprintf(stderr, "cpudiff: out of memory\n");
		return 2;
	}
	cpu.mmu.translate = window_translate;
	cpu_ftlb_flush(&cpu);
	cpu.cpl = 3;
	cpu.ctl.virt = true;
	cpu.ctl.sensitive = SENS_ALL;
	cpu.seg[SEG_GS].base = GS_BASE;

	static struct forms fs;
	build_forms(&fs);
	struct rng r = { seed * 0x9E3779B97F4A7C15ull + 1 };
	static struct tcase t;
	uint64_t bad = 0;
	for (uint64_t c = 0; c < cases; c++) {
		while (!generate(&r, &fs, &t))
			;
		struct state nat, emu;
		uint64_t nrip;
		if (!native_ok(win, &t, &nat, &nrip)) {
			char text[160];
			cpu_disasm(t.bytes, t.len, BASE + CODE_OFF, text, sizeof(text));
			printf("native signal %d on %s [%s]: generator bug\n", (int)native_signal, t.f->name, text);
			print_state("input", &t.in);
			bad++;
			continue;
		}
		enum cpu_exit_reason er = run_emul(&cpu, win, &t, &emu);
		uint64_t fmask = FLAGS_CMP & ~undefined_flags(&t);
		const char *why = NULL;
		if (er != CPU_EXIT_BUDGET)
			why = "exit";
		else if (memcmp(nat.gpr, emu.gpr, sizeof(nat.gpr)))
			why = "registers";
		else if ((nat.flags ^ emu.flags) & fmask)
			why = "flags";
		else if (nrip != cpu.rip)
			why = "rip";
		else if (memcmp(win + 0x1000, ram + 0x1000, WIN - 0x1000))
			why = "memory";
		if (why) {
			bad++;
			if (bad <= 10)
				report(&t, &nat, &emu, nrip, cpu.rip, er, why);
		} else if (verbose) {
			char text[160];
			cpu_disasm(t.bytes, t.len, BASE + CODE_OFF, text, sizeof(text));
			printf("ok %s\n", text);
		}
	}
	cpu_free(&cpu);
	printf("cases: %" PRIu64 " mismatches: %" PRIu64 "\n", cases, bad);
	return bad ? 1 : 0;
}
