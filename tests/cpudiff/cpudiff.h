/*
 * tests/cpudiff/cpudiff.h — what the parts of cpudiff share: the memory
 * window, the instruction forms, one test case, the random generator.
 *
 * Memory window (same VA natively and in the emulator):
 *   BASE+0x0000 code page: entry stub, the instruction at +0x100, exits, slots
 *   BASE+0x1000 data (8 KiB): memory operands point into its middle
 *   BASE+0x3000 stack (8 KiB)
 */
#ifndef VMLAB_CPUDIFF_H
#define VMLAB_CPUDIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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
static inline uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}
static inline unsigned rn(struct rng *r, unsigned n) { return (unsigned)(rnd(r) % n); }

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
#define M_LOCK 0x200000  /* a lock prefix is allowed with a memory destination */

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

struct state {
	uint64_t gpr[16];
	uint64_t flags;
};

struct tcase {
	const struct form *f;
	uint8_t bytes[32];
	unsigned len, first_len; /* all instructions, the first (producer [+ middle] + consumer) */
	unsigned ninsn;          /* 1, 2 or 3 */
	unsigned osz;
	struct state in;
	uint8_t mem[WIN - 0x1000]; /* data + stack at BASE+0x1000 */
	/* for the undefined-flags rules */
	unsigned count;   /* shift count after masking */
	uint64_t src;     /* bsf/bsr source */
};

/* forms.c */
void cpudiff_build_forms(struct forms *fs);
uint64_t cpudiff_undefined_flags(const struct tcase *t);
/* gen.c: one random case; false to retry (an input the SDM leaves undefined) */
bool cpudiff_generate(struct rng *r, const struct forms *fs, struct tcase *t);
/* native.c: map the window and install the stubs (NULL on failure), run natively */
uint8_t *cpudiff_native_init(void);
bool cpudiff_native_run(uint8_t *win, const struct tcase *t, struct state *out, uint64_t *rip);
extern volatile int cpudiff_native_signal;

#endif
