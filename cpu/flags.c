/*
 * cpu/flags.c — lazy arithmetic flags.
 *
 * ALU instructions record (op, size, a, b, result) in cpu->lf_ instead of
 * computing six flags; the flags are derived only when something reads them
 * (jcc/setcc/cmovcc, adc/sbb, pushf, an eager flag update, cpu_get_rflags).
 * lf.op == LF_NONE means the arithmetic flags are in cpu->rflags_.
 *
 *   op        CF                  OF                           AF
 *   ADD       res < a             (a^res)&(b^res) sign         (a^b^res)&0x10
 *   ADC       cf ? res<=a : res<a  as ADD                       as ADD
 *   SUB       a < b               (a^b)&(a^res) sign           as ADD
 *   SBB       cf ? a<=b : a<b      as SUB                       as ADD
 *   LOGIC     0                   0                            0 (undefined)
 *   INC/DEC   unchanged (cf_in)   res == 0x80.. / a == 0x80..  as ADD with b = 1 (b not stored)
 *   SHL       last bit out        sign(res) ^ CF               0
 *   SHR       last bit out        sign(a)                      0
 *   SAR       last bit out        0                            0
 *   MUL       a (overflow)        a                            0
 * LOGIC records only res, MUL and INC/DEC only a and res (lf_set_res, lf_set_a):
 * the fields an op does not store hold an older op's values, never read.
 * (shifts with a masked count of 0 change no flags and record nothing.)
 */
#include "cpu/exec.h"

static bool lf_cf(const struct cpu_lazy_flags *lf)
{
	switch (lf->op) {
	case LF_ADD: return lf->res < lf->a;
	case LF_ADC: return lf->cf_in ? lf->res <= lf->a : lf->res < lf->a;
	case LF_SUB: return lf->a < lf->b;
	case LF_SBB: return lf->cf_in ? lf->a <= lf->b : lf->a < lf->b;
	case LF_INC:
	case LF_DEC: return lf->cf_in;
	case LF_SHL: return lf->b <= lf->size * 8u ? (lf->a >> (lf->size * 8u - lf->b)) & 1 : 0;
	case LF_SHR: return (lf->a >> (lf->b - 1)) & 1;
	case LF_SAR: return ((uint64_t)(sext(lf->a, lf->size) >> (lf->b - 1))) & 1;
	case LF_MUL: return lf->a != 0;
	default: return false;
	}
}

static bool lf_of(const struct cpu_lazy_flags *lf)
{
	uint64_t sb = sign_bit(lf->size);
	switch (lf->op) {
	case LF_ADD:
	case LF_ADC: return ((lf->a ^ lf->res) & (lf->b ^ lf->res) & sb) != 0;
	case LF_SUB:
	case LF_SBB: return ((lf->a ^ lf->b) & (lf->a ^ lf->res) & sb) != 0;
	case LF_INC: return lf->res == sb;
	case LF_DEC: return lf->a == sb;
	case LF_SHL: return ((lf->res & sb) != 0) != lf_cf(lf);
	case LF_SHR: return (lf->a & sb) != 0;
	case LF_MUL: return lf->a != 0;
	default: return false;
	}
}

static uint64_t lf_all(const struct cpu_lazy_flags *lf)
{
	uint64_t f = szp_flags(lf->res, lf->size);
	if (lf_cf(lf))
		f |= RFLAGS_CF;
	if (lf_of(lf))
		f |= RFLAGS_OF;
	uint64_t b = lf->op == LF_INC || lf->op == LF_DEC ? 1 : lf->b; /* not stored for them */
	if (lf->op != LF_LOGIC && lf->op < LF_SHL && ((lf->a ^ b ^ lf->res) & 0x10))
		f |= RFLAGS_AF;
	return f;
}

bool cpu_flag_cf(const struct cpu *cpu)
{
	const struct cpu_lazy_flags *lf = &cpu->lf_;
	if (lf->op == LF_NONE)
		return cpu->rflags_ & RFLAGS_CF;
	return lf_cf(lf);
}

/* Compute the pending flags into cpu->rflags_; returns the new rflags_. */
uint64_t cpu_flags_materialize(struct cpu *cpu)
{
	struct cpu_lazy_flags *lf = &cpu->lf_;
	if (lf->op != LF_NONE) {
		cpu->rflags_ = (cpu->rflags_ & ~RFLAGS_ARITH) | lf_all(lf);
		lf->op = LF_NONE;
	}
	return cpu->rflags_;
}

uint64_t cpu_get_rflags(const struct cpu *cpu)
{
	const struct cpu_lazy_flags *lf = &cpu->lf_;
	uint64_t f = cpu->rflags_;
	if (lf->op != LF_NONE)
		f = (f & ~RFLAGS_ARITH) | lf_all(lf);
	return f | RFLAGS_FIXED;
}

/* Bits software can hold in RFLAGS (the rest read as 0, bit 1 as 1). */
#define RFLAGS_VALID (RFLAGS_ARITH | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | \
		      RFLAGS_RF | RFLAGS_AC | (1ull << 19) | (1ull << 20) | RFLAGS_ID)

void cpu_set_rflags(struct cpu *cpu, uint64_t rflags)
{
	cpu->lf_.op = LF_NONE;
	cpu->rflags_ = (rflags & RFLAGS_VALID) | RFLAGS_FIXED;
}

/* Generic condition evaluation from the materialized flags. */
static bool cond_flags(uint64_t f, unsigned cc)
{
	bool r;
	switch (cc >> 1) {
	case 0: r = f & RFLAGS_OF; break;
	case 1: r = f & RFLAGS_CF; break;
	case 2: r = f & RFLAGS_ZF; break;
	case 3: r = f & (RFLAGS_CF | RFLAGS_ZF); break;
	case 4: r = f & RFLAGS_SF; break;
	case 5: r = f & RFLAGS_PF; break;
	case 6: r = !(f & RFLAGS_SF) != !(f & RFLAGS_OF); break;
	default: r = (f & RFLAGS_ZF) || (!(f & RFLAGS_SF) != !(f & RFLAGS_OF)); break;
	}
	return r ^ (cc & 1);
}

/*
 * Condition code cc (the low nibble of jcc/setcc/cmovcc) over the current
 * flags. After cmp/sub and test/and (the common case) it is computed from
 * the operands directly, without building RFLAGS.
 */
bool cpu_cond(struct cpu *cpu, unsigned cc)
{
	const struct cpu_lazy_flags *lf = &cpu->lf_;
	bool r;
	if (lf->op == LF_SUB) {
		switch (cc >> 1) {
		case 1: r = lf->a < lf->b; return r ^ (cc & 1);
		case 2: r = lf->res == 0; return r ^ (cc & 1);
		case 3: r = lf->a <= lf->b; return r ^ (cc & 1);
		case 6: r = sext(lf->a, lf->size) < sext(lf->b, lf->size); return r ^ (cc & 1);
		case 7: r = sext(lf->a, lf->size) <= sext(lf->b, lf->size); return r ^ (cc & 1);
		default: break;
		}
	} else if (lf->op == LF_LOGIC) {
		switch (cc >> 1) {
		case 2: r = lf->res == 0; return r ^ (cc & 1);
		case 4:
		case 6: r = (lf->res & sign_bit(lf->size)) != 0; return r ^ (cc & 1);
		default: break;
		}
	}
	uint64_t f = lf->op == LF_NONE ? cpu->rflags_ : (cpu->rflags_ & ~RFLAGS_ARITH) | lf_all(lf);
	return cond_flags(f, cc);
}
