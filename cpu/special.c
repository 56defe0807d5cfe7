/*
 * cpu/special.c — the table of handlers specialised by operand size x form
 * (SPECIALISED in exec.h): at predecode time a block's instruction gets the
 * copy of its handler compiled for its size (64, 32, 16 or 8 bits) and operand
 * form (register, memory at base + displacement, other memory), which
 * decides nothing of that at run time. jcc, setcc and cmovcc (not 16-bit)
 * get the copy for their condition code, movzx/movsx the copy for their
 * source size, shl/shr/sar the copy for their count source.
 */
#include "cpu/exec.h"

struct special_row {
	insn_fn generic;
	insn_fn copy[3][4]; /* [register, memory, base + displacement][64, 32, 16, 8 bits] */
};

#define ROW(name)                                                                                \
	{ name, { { name##_r64, name##_r32, name##_r16, name##_r8 },                             \
		  { name##_m64, name##_m32, name##_m16, name##_m8 },                             \
		  { name##_b64, name##_b32, name##_b16, name##_b8 } } }
static const struct special_row rows[] = {
	ROW(cpu_op_add_rm_r),
	ROW(cpu_op_add_r_rm),
	ROW(cpu_op_add_rm_imm),
	ROW(cpu_op_or_rm_r),
	ROW(cpu_op_or_r_rm),
	ROW(cpu_op_or_rm_imm),
	ROW(cpu_op_adc_rm_r),
	ROW(cpu_op_adc_r_rm),
	ROW(cpu_op_adc_rm_imm),
	ROW(cpu_op_sbb_rm_r),
	ROW(cpu_op_sbb_r_rm),
	ROW(cpu_op_sbb_rm_imm),
	ROW(cpu_op_and_rm_r),
	ROW(cpu_op_and_r_rm),
	ROW(cpu_op_and_rm_imm),
	ROW(cpu_op_sub_rm_r),
	ROW(cpu_op_sub_r_rm),
	ROW(cpu_op_sub_rm_imm),
	ROW(cpu_op_xor_rm_r),
	ROW(cpu_op_xor_r_rm),
	ROW(cpu_op_xor_rm_imm),
	ROW(cpu_op_cmp_rm_r),
	ROW(cpu_op_cmp_r_rm),
	ROW(cpu_op_cmp_rm_imm),
	ROW(cpu_op_test_rm_r),
	ROW(cpu_op_test_rm_imm),
	ROW(cpu_op_mov_rm_r),
	ROW(cpu_op_mov_r_rm),
	ROW(cpu_op_mov_rm_imm),
	ROW(cpu_op_movzx8),
	ROW(cpu_op_movzx16),
	ROW(cpu_op_movsx8),
	ROW(cpu_op_movsx16),
	ROW(cpu_op_movsxd),
	ROW(cpu_op_lea),
	ROW(cpu_op_shift),
	ROW(cpu_op_shl_1),
	ROW(cpu_op_shl_cl),
	ROW(cpu_op_shl_i),
	ROW(cpu_op_shr_1),
	ROW(cpu_op_shr_cl),
	ROW(cpu_op_shr_i),
	ROW(cpu_op_sar_1),
	ROW(cpu_op_sar_cl),
	ROW(cpu_op_sar_i),
	ROW(cpu_op_imul_r_rm),
	ROW(cpu_op_imul_r_rm_imm),
};

static const insn_fn jcc_by_cc[16] = {
	cpu_op_jcc_o, cpu_op_jcc_no, cpu_op_jcc_b, cpu_op_jcc_ae, cpu_op_jcc_e, cpu_op_jcc_ne,
	cpu_op_jcc_be, cpu_op_jcc_a, cpu_op_jcc_s, cpu_op_jcc_ns, cpu_op_jcc_p, cpu_op_jcc_np,
	cpu_op_jcc_l, cpu_op_jcc_ge, cpu_op_jcc_le, cpu_op_jcc_g,
};
/* setcc and cmovcc by condition code: [0] register operand, [1] memory at
 * base + displacement */
#define CC_ROW(op, sfx)                                                                                   \
	{ op##_o##sfx, op##_no##sfx, op##_b##sfx, op##_ae##sfx, op##_e##sfx, op##_ne##sfx, op##_be##sfx, \
	  op##_a##sfx, op##_s##sfx, op##_ns##sfx, op##_p##sfx, op##_np##sfx, op##_l##sfx, op##_ge##sfx,  \
	  op##_le##sfx, op##_g##sfx }
static const insn_fn setcc_by_cc[2][16] = { CC_ROW(cpu_op_setcc, ), CC_ROW(cpu_op_setcc, _b) };
static const insn_fn cmovcc_by_cc[2][16] = { CC_ROW(cpu_op_cmovcc, ), CC_ROW(cpu_op_cmovcc, _b) };
/* shl, shr, sar by the count source (enum shift_count: 1, CL, imm8) */
static const insn_fn shift_by_src[3][3] = {
	{ cpu_op_shl_1, cpu_op_shl_cl, cpu_op_shl_i },
	{ cpu_op_shr_1, cpu_op_shr_cl, cpu_op_shr_i },
	{ cpu_op_sar_1, cpu_op_sar_cl, cpu_op_sar_i },
};

insn_fn cpu_specialise(const struct insn *i)
{
	if (i->fn == cpu_op_jcc)
		return jcc_by_cc[i->ext & 15];
	/* memory at base + displacement: FORM_BD */
	bool bd = !i->mod3 && i->base < 16 && i->index == R_NONE && !i->seg && i->asz == 8;
	if (i->fn == cpu_op_setcc && (i->mod3 || bd))
		return setcc_by_cc[bd][i->ext & 15];
	if (i->fn == cpu_op_cmovcc && i->osz != 2 && (i->mod3 || bd))
		return cmovcc_by_cc[bd][i->ext & 15];
	insn_fn fn = i->fn;
	if (fn == cpu_op_movzx) /* ext2: source size 1 or 2 */
		fn = i->ext2 == 1 ? cpu_op_movzx8 : cpu_op_movzx16;
	if (fn == cpu_op_movsx) /* ext2: source size 1 or 2, 0 for movsxd */
		fn = i->ext2 == 1 ? cpu_op_movsx8 : i->ext2 == 2 ? cpu_op_movsx16 : cpu_op_movsxd;
	if (fn == cpu_op_shift && i->ext >= 4 && i->ext2 <= CNT_IMM) /* group 2 ext: 4 shl, 5 shr, 6 sal (= shl), 7 sar */
		fn = shift_by_src[i->ext == 7 ? 2 : i->ext == 5 ? 1 : 0][i->ext2];
	unsigned form = i->mod3 ? 0 : bd ? 2 : 1;
	unsigned size = i->osz == 8 ? 0 : i->osz == 4 ? 1 : i->osz == 2 ? 2 : 3;
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		if (rows[k].generic == fn)
			return rows[k].copy[form][size];
	return i->fn;
}
