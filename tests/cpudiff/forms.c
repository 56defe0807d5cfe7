/*
 * tests/cpudiff/forms.c — the instruction forms cpudiff generates (every
 * supported user-mode integer form), and the flags the SDM leaves undefined
 * for each, which are not compared.
 */
#include "tests/cpudiff/cpudiff.h"

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
void cpudiff_build_forms(struct forms *fs)
{
	static const char *alu[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	for (unsigned op = 0; op < 8; op++) {
		unsigned u = (op == 1 || op == 4 || op == 6) ? U_AF : U_NONE;
		uint32_t lk = op == 7 ? 0 : M_LOCK; /* cmp cannot be locked */
		add(fs, alu[op], op * 8 + 0, -1, -1, -1, IM_NONE, 1, u, lk);
		add(fs, alu[op], op * 8 + 1, -1, -1, -1, IM_NONE, V, u, lk);
		add(fs, alu[op], op * 8 + 2, -1, -1, -1, IM_NONE, 1, u, 0);
		add(fs, alu[op], op * 8 + 3, -1, -1, -1, IM_NONE, V, u, 0);
		add(fs, alu[op], op * 8 + 4, -1, -1, -2, IM_8, 1, u, 0);
		add(fs, alu[op], op * 8 + 5, -1, -1, -2, IM_Z, V, u, 0);
		add(fs, alu[op], 0x80, -1, -1, (int)op, IM_8, 1, u, lk);
		add(fs, alu[op], 0x81, -1, -1, (int)op, IM_Z, V, u, lk);
		add(fs, alu[op], 0x83, -1, -1, (int)op, IM_8, V, u, lk);
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
		uint32_t fl = d >= 6 ? M_DIV : d < 4 ? M_LOCK : 0;
		add(fs, g3[d], 0xF6, -1, -1, (int)d, IM_NONE, 1, u, fl);
		add(fs, g3[d], 0xF7, -1, -1, (int)d, IM_NONE, V, u, fl);
	}
	add(fs, "inc", 0xFE, -1, -1, 0, IM_NONE, 1, U_NONE, M_LOCK);
	add(fs, "dec", 0xFE, -1, -1, 1, IM_NONE, 1, U_NONE, M_LOCK);
	add(fs, "inc", 0xFF, -1, -1, 0, IM_NONE, V, U_NONE, M_LOCK);
	add(fs, "dec", 0xFF, -1, -1, 1, IM_NONE, V, U_NONE, M_LOCK);
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
	static const char *sreg[6] = { "mov r/m, es", "mov r/m, cs", "mov r/m, ss", "mov r/m, ds", "mov r/m, fs",
				       "mov r/m, gs" };
	for (int k = 0; k < 6; k++)
		add(fs, sreg[k], 0x8C, -1, -1, k, IM_NONE, V, U_NONE, 0);
	add(fs, "lea", 0x8D, -1, -1, -1, IM_NONE, V, U_NONE, M_MEMONLY);
	add(fs, "xchg", 0x86, -1, -1, -1, IM_NONE, 1, U_NONE, M_LOCK);
	add(fs, "xchg", 0x87, -1, -1, -1, IM_NONE, V, U_NONE, M_LOCK);
	add(fs, "xchg", 0x90, -1, -1, -2, IM_NONE, V, U_NONE, M_OPREG);
	add(fs, "cmpxchg", 0x0F, 0xB0, -1, -1, IM_NONE, 1, U_NONE, M_CMPXCHG | M_LOCK);
	add(fs, "cmpxchg", 0x0F, 0xB1, -1, -1, IM_NONE, V, U_NONE, M_CMPXCHG | M_LOCK);
	add(fs, "cmpxchg8b/16b", 0x0F, 0xC7, -1, 1, IM_NONE, 4 | 8, U_NONE, M_MEMONLY | M_WIDE | M_LOCK);
	add(fs, "xadd", 0x0F, 0xC0, -1, -1, IM_NONE, 1, U_NONE, M_LOCK);
	add(fs, "xadd", 0x0F, 0xC1, -1, -1, IM_NONE, V, U_NONE, M_LOCK);
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
		uint32_t lk = k ? M_LOCK : 0; /* bt cannot be locked */
		add(fs, btn[k], 0x0F, btop[k], -1, -1, IM_NONE, V, U_BT, M_BTREG | lk);
		add(fs, btn[k], 0x0F, 0xBA, -1, 4 + (int)k, IM_8, V, U_BT, lk);
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

/* Flags the SDM leaves undefined for this case. */
uint64_t cpudiff_undefined_flags(const struct tcase *t)
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

