/*
 * cpu/special.c — the table of handlers specialised by operand size x form
 * (SPECIALISED in exec.h): at predecode time a block's instruction gets the
 * copy of its handler compiled for its size (64, 32 or 8 bits) and operand
 * form (register, memory at base + displacement, other memory), which
 * decides nothing of that at run time.
 * 16-bit operands keep the generic handler. jcc gets the copy
 * for its condition code, movzx/movsx the copy for their source size.
 */
#include "cpu/exec.h"

struct special_row {
	insn_fn generic;
	insn_fn copy[9]; /* r64, r32, r8, m64, m32, m8, b64, b32, b8 */
};

#define ROW(name)                                                                        \
	{ name, { name##_r64, name##_r32, name##_r8, name##_m64, name##_m32, name##_m8,  \
		  name##_b64, name##_b32, name##_b8 } }
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
	ROW(cpu_op_shl),
	ROW(cpu_op_shr),
	ROW(cpu_op_sar),
	ROW(cpu_op_imul_r_rm),
};

static const insn_fn jcc_by_cc[16] = {
	cpu_op_jcc_o, cpu_op_jcc_no, cpu_op_jcc_b, cpu_op_jcc_ae, cpu_op_jcc_e, cpu_op_jcc_ne,
	cpu_op_jcc_be, cpu_op_jcc_a, cpu_op_jcc_s, cpu_op_jcc_ns, cpu_op_jcc_p, cpu_op_jcc_np,
	cpu_op_jcc_l, cpu_op_jcc_ge, cpu_op_jcc_le, cpu_op_jcc_g,
};

insn_fn cpu_specialise(const struct insn *i)
{
	if (i->fn == cpu_op_jcc)
		return jcc_by_cc[i->ext & 15];
	if (i->osz == 2)
		return i->fn;
	insn_fn fn = i->fn;
	if (fn == cpu_op_movzx) /* ext2: source size 1 or 2 */
		fn = i->ext2 == 1 ? cpu_op_movzx8 : cpu_op_movzx16;
	if (fn == cpu_op_movsx) /* ext2: source size 1 or 2, 0 for movsxd */
		fn = i->ext2 == 1 ? cpu_op_movsx8 : i->ext2 == 2 ? cpu_op_movsx16 : cpu_op_movsxd;
	if (fn == cpu_op_shift) /* group 2 ext: 4 shl, 5 shr, 6 sal (= shl), 7 sar */
		fn = i->ext == 4 || i->ext == 6 ? cpu_op_shl : i->ext == 5 ? cpu_op_shr : i->ext == 7 ? cpu_op_sar : fn;
	/* memory at base + displacement: FORM_BD */
	bool bd = !i->mod3 && i->base < 16 && i->index == R_NONE && !i->seg && i->asz == 8;
	unsigned form = i->mod3 ? 0 : bd ? 6 : 3;
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		if (rows[k].generic == fn)
			return rows[k].copy[form + (i->osz == 8 ? 0 : i->osz == 4 ? 1 : 2)];
	return i->fn;
}
