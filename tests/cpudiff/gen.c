/*
 * tests/cpudiff/gen.c — random test cases: pick a form, an operand size,
 * prefixes (66, 67, GS, rep, REX with random R/X/B), registers, an
 * addressing mode (RIP-relative, [base], [base+disp8/32],
 * [base+index*scale+disp], [index*scale+disp32]), immediates, then fix the
 * register and memory values so that every access lands in the window and
 * nothing faults natively (no #DE, no stray branch). Half of the
 * flag-producing cases get a flag consumer (jcc/setcc/cmovcc/adc/sbb)
 * after them, so lazily kept flags are read back the way real code does.
 */
#include "tests/cpudiff/cpudiff.h"

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
/* Sometimes an instruction between producer and consumer: inc/dec keep CF
 * and set the rest; not, mov and lea leave every flag alone. */
static unsigned middle(struct rng *r, uint8_t *b)
{
	unsigned n = 0, a = rn(r, 16), c = rn(r, 16);
	b[n++] = (uint8_t)(0x48 | (a >= 8 ? 4 : 0) | (c >= 8 ? 1 : 0));
	switch (rn(r, 5)) {
	case 0: b[n++] = 0xFF; b[n++] = (uint8_t)(0xC0 | (c & 7)); break;            /* inc r64 */
	case 1: b[n++] = 0xFF; b[n++] = (uint8_t)(0xC8 | (c & 7)); break;            /* dec r64 */
	case 2: b[n++] = 0xF7; b[n++] = (uint8_t)(0xD0 | (c & 7)); break;            /* not r64 */
	case 3: b[n++] = 0x89; b[n++] = (uint8_t)(0xC0 | ((a & 7) << 3) | (c & 7)); break; /* mov */
	default: /* lea r64, [r64 + 1] (not rsp/r12: those need a SIB) */
		if ((c & 7) == 4)
			c++;
		b[0] = (uint8_t)(0x48 | (a >= 8 ? 4 : 0) | (c >= 8 ? 1 : 0));
		b[n++] = 0x8D;
		b[n++] = (uint8_t)(0x40 | ((a & 7) << 3) | (c & 7));
		b[n++] = 1;
		break;
	}
	return n;
}

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

/* Everything about the case being built. */
struct build {
	struct rng *r;
	const struct form *f;
	struct tcase *t;
	struct gen g;
	struct memop m;
	unsigned osz, reg, rmreg, rep, rex_at, imm_at, imm_len;
	uint8_t rex;
	bool memform, has_modrm, has_rex, want_rex;
	uint64_t imm, exit2;
};

/* Random registers, flags (arithmetic and DF only: TF/AC would trap) and memory. */
static void random_state(struct build *b)
{
	struct tcase *t = b->t;
	for (unsigned k = 0; k < 16; k++)
		t->in.gpr[k] = rnd(b->r) >> (rn(b->r, 4) * 16);
	t->in.flags = (rnd(b->r) & RFLAGS_ARITH) | (rn(b->r, 8) == 0 ? RFLAGS_DF : 0) | RFLAGS_FIXED;
	for (unsigned k = 0; k < sizeof(t->mem); k += 8) {
		uint64_t v = rnd(b->r);
		memcpy(t->mem + k, &v, 8);
	}
}

static unsigned pick_size(struct rng *r, const struct form *f)
{
	unsigned sizes[3], n = 0;
	if (f->sizes == 1)
		return 1;
	for (unsigned s = 2; s <= 8; s *= 2)
		if (f->sizes & s)
			sizes[n++] = s;
	return sizes[rn(r, n)];
}

/* Registers with constrained values: never a random base or index. */
static unsigned fixed_registers(const struct form *f)
{
	unsigned fixed = 1u << RSP;
	if (f->flags & M_STRING)
		fixed |= (1u << RSI) | (1u << RDI) | (1u << RCX);
	if (f->flags & (M_CL | M_DIV | M_CMPXCHG | M_WIDE))
		fixed |= (1u << RBX) | (1u << RCX) | (1u << RAX) | (1u << RDX);
	if (f->flags & (M_XLAT | M_LEAVE))
		fixed |= (1u << RBX) | (1u << RAX) | (1u << RBP);
	return fixed;
}

/* Legacy prefixes, then a REX placeholder (dropped later if unused). */
static void prefixes(struct build *b)
{
	const struct form *f = b->f;
	struct gen *g = &b->g;
	if (f->flags & M_F3)
		b->rep = 0xF3;
	else if ((f->flags & M_REP) && rn(b->r, 2))
		b->rep = rn(b->r, 2) ? 0xF3 : 0xF2;
	if (b->rep)
		g->b[g->n++] = (uint8_t)b->rep;
	if ((f->flags & M_LOCK) && b->memform && rn(b->r, 4) == 0)
		g->b[g->n++] = 0xF0;
	if (b->osz == 2)
		g->b[g->n++] = 0x66;
	b->m.addr32 = (b->memform || (f->flags & M_STRING)) && rn(b->r, 8) == 0 &&
		      !(f->flags & (M_INDIRECT | M_STACK));
	if (b->m.addr32)
		g->b[g->n++] = 0x67;
	b->m.gs = (b->memform || (f->flags & M_STRING)) && rn(b->r, 8) == 0 && f->op[0] != 0x8D &&
		  !(f->flags & M_STACK);
	if (b->m.gs)
		g->b[g->n++] = 0x65;
	if (g->n > 0 && rn(b->r, 8) == 0) {
		/* a REX followed by a legacy prefix is ignored: prove it */
		memmove(g->b + 1, g->b, g->n);
		g->b[0] = (uint8_t)(0x40 | rn(b->r, 16));
		g->n++;
	}
	b->rex_at = g->n++;
	b->rex = 0x40;
	b->want_rex = rn(b->r, 2);
	if (b->osz == 8 && !(f->flags & M_NOREX_W) && f->sizes != (2 | 8))
		b->rex |= 8;
}

/* Opcode bytes (with the register of opcode-register forms) and ModRM. */
static void opcode_and_modrm(struct build *b)
{
	const struct form *f = b->f;
	struct gen *g = &b->g;
	unsigned op_at = g->n;
	for (unsigned k = 0; k < f->oplen; k++)
		g->b[g->n++] = f->op[k];
	b->reg = rn(b->r, 16);
	b->rmreg = rn(b->r, 16);
	if ((f->flags & (M_OPREG | M_STACK | M_INDIRECT)))
		while (b->rmreg == RSP)
			b->rmreg = rn(b->r, 16);
	if (f->flags & M_OPREG) {
		g->b[op_at + f->oplen - 1] |= (uint8_t)(b->rmreg & 7);
		if (b->rmreg >= 8)
			b->rex |= 1;
	}
	if (f->flags & M_BTREG)
		g->fixed |= 1u << b->reg; /* the bit offset must not double as the base */
	if ((f->flags & M_DIV) && !b->memform) {
		static const unsigned ok[] = { RBX, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
		b->rmreg = ok[rn(b->r, 11)]; /* the divisor must not be rAX/rDX, which get fixed */
	}
	if (!b->has_modrm)
		return;
	unsigned regf = f->digit >= 0 ? (unsigned)f->digit : b->reg;
	if (f->digit < 0 && b->reg >= 8)
		b->rex |= 4;
	if (f->digit >= 0 && rn(b->r, 4) == 0)
		b->rex |= 4; /* REX.R is ignored for /digit forms */
	if (b->memform) {
		encode_mem(b->r, g, b->t, &b->m, regf, &b->rex);
		return;
	}
	g->b[g->n++] = (uint8_t)(0xC0 | ((regf & 7) << 3) | (b->rmreg & 7));
	if (b->rmreg >= 8)
		b->rex |= 1;
}

/* Keep the REX byte if it says something (or at random), else remove it. */
static void settle_rex(struct build *b)
{
	struct gen *g = &b->g;
	b->has_rex = b->rex != 0x40 || b->want_rex;
	if (b->has_rex) {
		g->b[b->rex_at] = b->rex;
		return;
	}
	memmove(g->b + b->rex_at, g->b + b->rex_at + 1, g->n - b->rex_at - 1);
	g->n--;
	if (b->m.disp_at)
		b->m.disp_at--;
}

static void immediate(struct build *b)
{
	struct rng *r = b->r;
	b->imm = rnd(r);
	switch (b->f->imm) {
	case IM_8: b->imm_len = 1; break;
	case IM_16: b->imm_len = 2; b->imm &= 0x38; break;
	case IM_Z: b->imm_len = b->osz == 2 ? 2 : 4; break;
	case IM_V: b->imm_len = b->osz; break;
	case IM_MOFFS: b->imm_len = b->m.addr32 ? 4 : 8; break;
	case IM_REL8: b->imm_len = 1; b->imm = 64; break;
	case IM_REL32: b->imm_len = 4; b->imm = 64; break;
	case IM_ENTER: b->imm_len = 3; b->imm = (rn(r, 64) * 8) | ((uint64_t)rn(r, 3) << 16); break;
	default: b->imm_len = 0; break;
	}
	b->imm_at = b->g.n;
	emit(&b->g, b->imm, b->imm_len);
}

/* String, xlat, enter/leave, ret, moffs and bit-offset registers. */
static void implicit_operands(struct build *b)
{
	const struct form *f = b->f;
	struct rng *r = b->r;
	struct tcase *t = b->t;
	uint64_t *R = t->in.gpr;
	R[RSP] = STACK_TOP - 8 * rn(r, 64);
	if (f->flags & M_STRING) {
		R[RSI] = DATA + 0x800 + rn(r, 0x800);
		R[RDI] = DATA + 0x800 + rn(r, 0x800);
		if (b->rep)
			R[RCX] = rn(r, 17);
		if (b->m.gs) /* GS applies to the source only */
			R[RSI] -= GS_BASE;
		if (b->m.addr32) { /* the upper halves must not matter */
			R[RCX] |= rnd(r) << 32;
			R[RSI] |= rnd(r) << 32;
			R[RDI] |= rnd(r) << 32;
		}
		bool compares = f->op[0] == 0xA6 || f->op[0] == 0xA7 || f->op[0] == 0xAE || f->op[0] == 0xAF;
		if (compares && rn(r, 2)) { /* equal data, so repe runs a while */
			uint64_t src = b->m.gs ? R[RSI] + GS_BASE : R[RSI];
			memset(t->mem + ((src - DATA) & 0xffffffff) - 0x100, 0x5a, 0x300);
			memset(t->mem + ((R[RDI] - DATA) & 0xffffffff) - 0x100, 0x5a, 0x300);
			R[RAX] = 0x5a5a5a5a5a5a5a5aull;
		}
	}
	if (f->flags & M_XLAT)
		R[RBX] = DATA + 0x800 + rn(r, 0x400) - (R[RAX] & 0xff);
	if (f->flags & M_LEAVE)
		R[RBP] = STACK_TOP - 8 * rn(r, 64) - 0x100;
	if ((f->flags & M_LEAVE) && f->op[0] == 0xC9)
		R[RSP] = R[RBP] - 8 * rn(r, 16);
	if (f->flags & M_RET)
		memcpy(t->mem + (R[RSP] - BASE - 0x1000), &b->exit2, 8);
	if (f->imm == IM_MOFFS) {
		uint64_t a = DATA + 0x800 + rn(r, 0x400);
		memcpy(t->bytes + b->imm_at, &a, b->imm_len);
	}
	if (f->flags & M_BTREG) {
		int64_t off = (int64_t)rn(r, 1024) - 512; /* stays inside the data area */
		R[b->reg] = b->memform ? (uint64_t)off & (b->osz == 8 ? ~0ull : (1ull << (8 * b->osz)) - 1) : rnd(r);
	}
}

/* Place the memory operand; returns the host copy of its bytes or NULL. */
static uint8_t *memory_operand(struct build *b)
{
	const struct form *f = b->f;
	struct memop *m = &b->m;
	if (!m->used)
		return NULL;
	m->target = DATA + 0x800 + rn(b->r, 0x800);
	if (f->flags & M_INDIRECT)
		m->target &= ~7ull;
	if (f->flags & M_WIDE)
		m->target &= ~15ull;
	if (f->flags & M_STACK)
		m->target = DATA + 0x800 + rn(b->r, 0x400);
	fix_mem(b->r, b->t, m, BASE + CODE_OFF + b->t->first_len);
	if (!m->rip && m->base < 0 && m->index >= 0) {
		/* the displacement was adjusted: re-encode it (disp32 is last before imm) */
		int32_t d = (int32_t)m->disp;
		memcpy(b->t->bytes + b->imm_at - 4, &d, 4);
	}
	return b->t->mem + (m->target - BASE - 0x1000);
}

/* The masked shift count; false if the SDM leaves the result undefined. */
static bool shift_count(struct build *b)
{
	const struct form *f = b->f;
	uint64_t *R = b->t->in.gpr;
	unsigned cnt = 0;
	b->t->count = 0;
	if (f->undef != U_SHIFT && f->undef != U_ROT && f->undef != U_SHXD)
		return true;
	if ((f->flags & M_CL) && rn(b->r, 4) == 0)
		R[RCX] = (R[RCX] & ~0xffull) | rn(b->r, 3); /* small counts: 0, 1, 2 */
	if (f->flags & M_ONE)
		cnt = 1;
	else if (f->flags & M_CL)
		cnt = R[RCX] & 0xff;
	else
		cnt = (unsigned)b->imm & 0xff;
	cnt &= b->osz == 8 ? 63 : 31;
	b->t->count = cnt;
	return !(f->undef == U_SHXD && cnt > 8 * b->osz);
}

/* The r/m source value (register, byte register or memory), masked. */
static uint64_t source_value(const struct build *b, const uint8_t *memop)
{
	const uint64_t *R = b->t->in.gpr;
	uint64_t v = 0;
	if (memop)
		memcpy(&v, memop, 8);
	else if (b->has_modrm)
		v = (!b->has_rex && b->osz == 1 && b->rmreg >= 4 && b->rmreg < 8) ? R[b->rmreg - 4] >> 8 : R[b->rmreg];
	return b->osz == 8 ? v : v & ((1ull << (8 * b->osz)) - 1);
}

/* Make div/idiv not fault: the quotient must fit. False if it cannot. */
static bool fix_division(struct build *b, uint64_t src)
{
	uint64_t *R = b->t->in.gpr;
	unsigned osz = b->osz, bits = 8 * osz;
	uint64_t mask = osz == 8 ? ~0ull : (1ull << bits) - 1;
	if (src == 0)
		return false;
	if (b->f->digit == 6) { /* div: high half below the divisor */
		uint64_t high = osz == 1 ? (R[RAX] >> 8) & 0xff : R[RDX] & mask;
		if (high >= src) {
			R[RDX] &= ~mask;
			if (osz == 1)
				R[RAX] &= ~0xff00ull;
		}
		return true;
	}
	/* idiv: the dividend is the sign extension of its low half; fits unless MIN / -1 */
	int64_t d = (int64_t)(src << (64 - bits)) >> (64 - bits);
	uint64_t lo = R[RAX] & (osz == 1 ? 0xff : mask);
	bool neg = lo >> (bits - 1);
	if (osz == 1)
		R[RAX] = (R[RAX] & ~0xff00ull) | (neg ? 0xff00 : 0);
	else
		R[RDX] = (R[RDX] & ~mask) | (neg ? mask : 0);
	return !(d == -1 && lo == (1ull << (bits - 1)));
}

/* Operand values that make the instruction interesting or safe. */
static bool fix_values(struct build *b, uint8_t *memop)
{
	const struct form *f = b->f;
	uint64_t *R = b->t->in.gpr;
	if (f->flags & M_INDIRECT) {
		if (memop)
			memcpy(memop, &b->exit2, 8);
		else
			R[b->rmreg] = b->exit2;
	}
	if (!shift_count(b))
		return false;
	uint64_t src = source_value(b, memop);
	b->t->src = src;
	if ((f->flags & M_NOZERO) && src == 0)
		return false; /* bsf/bsr of 0: destination undefined */
	if ((f->flags & M_WIDE) && rn(b->r, 2)) { /* cmpxchg8b/16b: make it equal */
		uint64_t lo, hi, hm = b->osz == 8 ? ~0ull : 0xffffffffull;
		memcpy(&lo, memop, 8);
		memcpy(&hi, memop + (b->osz == 8 ? 8 : 4), 8);
		R[RAX] = (R[RAX] & ~hm) | (lo & hm);
		R[RDX] = (R[RDX] & ~hm) | (hi & hm);
	}
	if ((f->flags & M_CMPXCHG) && rn(b->r, 2)) {
		uint64_t mask = b->osz == 8 ? ~0ull : (1ull << (8 * b->osz)) - 1;
		R[RAX] = (R[RAX] & ~mask) | src;
	}
	if (f->flags & M_DIV)
		return fix_division(b, src);
	return true;
}

bool cpudiff_generate(struct rng *r, const struct forms *fs, struct tcase *t)
{
	struct build b = { .r = r, .t = t, .f = &fs->f[rn(r, fs->n)] };
	const struct form *f = b.f;
	bool pair = (f->undef == U_NONE || f->undef == U_AF) && !(f->flags & (M_BRANCH | M_STACK)) && rn(r, 2);
	b.g.b = t->bytes;
	memset(t->bytes, 0x90, sizeof(t->bytes));
	t->f = f;
	random_state(&b);
	b.osz = t->osz = pick_size(r, f);
	b.has_modrm = f->digit != -2;
	b.memform = b.has_modrm && !(f->flags & M_REGONLY) && ((f->flags & M_MEMONLY) || rn(r, 2));
	b.g.fixed = fixed_registers(f);
	prefixes(&b);
	opcode_and_modrm(&b);
	settle_rex(&b);
	if ((f->flags & M_OPREG) && f->op[0] == 0x90 && b.rmreg == 0 && !(b.rex & 1))
		return false; /* 90 is nop, not xchg eax,eax */
	immediate(&b);
	t->first_len = b.g.n;
	if (t->first_len > 15)
		return false; /* too long: #GP on hardware (the decoder tests cover it) */
	t->ninsn = 1;
	if (pair && rn(r, 3) == 0) {
		b.g.n += middle(r, b.g.b + b.g.n);
		t->ninsn++;
	}
	if (pair) {
		b.g.n += consumer(r, b.g.b + b.g.n);
		t->ninsn++;
	}
	t->len = b.g.n;
	b.exit2 = BASE + CODE_OFF + t->len + 64;
	implicit_operands(&b);
	return fix_values(&b, memory_operand(&b));
}
