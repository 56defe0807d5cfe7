/*
 * cpu/decode.c — the 64-bit-mode instruction decoder.
 *
 * Turns the bytes of one instruction into a struct insn: handler, length,
 * operand and address size, registers, memory operand (base, index, scale,
 * displacement, FS/GS override), immediate. Layout of an instruction:
 *
 *   [legacy prefixes] [REX] opcode (1, 2 or 3 bytes) [ModRM [SIB] [disp]] [imm]
 *
 * Table rows (one per opcode, commented) say what follows the opcode and which
 * handler runs it. Group opcodes (80, C0, F6, FF, 0F 01, ...) pick a sub-row
 * by ModRM.reg. The decoder never reads beyond `avail` bytes and never more
 * than 15 (longer is #GP).
 */
#include "cpu/exec.h"

enum row_kind {
	K_UD = 0, /* invalid in 64-bit mode: #UD (the default for unlisted rows) */
	K_OK,     /* supported */
	K_GROUP,  /* ModRM.reg selects a sub-row in `grp` */
	K_UNSUP,  /* valid, not implemented */
	K_X87,    /* x87 escape */
	K_SIMD,   /* SSE/AVX */
};

/* row flags */
#define F_MODRM 0x001   /* has a ModRM byte */
#define F_BYTE 0x002    /* 8-bit operands (both reg and r/m) */
#define F_DEF64 0x004   /* operand size 64 by default, 16 with 66 (push/pop) */
#define F_F64 0x008     /* operand size always 64 (near branches); 66: unsupported */
#define F_LOCK 0x010    /* lock prefix allowed (memory destination only) */
#define F_MEM 0x020     /* r/m must be memory (else #UD) */
#define F_OPREG 0x040   /* register in the opcode's low 3 bits (+REX.B) */
#define F_ACC 0x080     /* implicit accumulator operand: rm = rAX */
#define F_RMBYTE 0x100  /* only the r/m operand is 8-bit (movzx/movsx Eb, setcc) */
#define F_RMWORD 0x200  /* only the r/m operand is 16-bit (movzx/movsx Ew) */
#define F_CRREG 0x400   /* mov cr: r/m is a register whatever ModRM.mod says */
#define F_SIZE32 0x800  /* operand size 32 unless REX.W (in/out ignore REX.W) */

/* immediate kinds */
enum imm_kind { I_NONE, I_B, I_UB, I_W, I_Z, I_V, I_WB, I_MOFFS };

struct oprow {
	insn_fn fn;
	uint8_t kind, imm, ext, ext2;
	uint16_t flags;
	const struct oprow *grp;
};

#define OP(fn, flags, imm, ext) { fn, K_OK, imm, ext, 0, flags, NULL }
#define OP2(fn, flags, imm, ext, ext2) { fn, K_OK, imm, ext, ext2, flags, NULL }
#define GRP(flags, imm, table) { NULL, K_GROUP, imm, 0, 0, flags, table }
#define GRP2(flags, imm, cnt) { NULL, K_GROUP, imm, 0, cnt, flags, grp2 }
#define UNSUP { NULL, K_UNSUP, 0, 0, 0, 0, NULL }
#define UNSUP_M { NULL, K_UNSUP, 0, 0, 0, F_MODRM, NULL }
#define SENS(op, flags, imm) { cpu_op_sens, K_OK, imm, op, 0, flags, NULL }

/* The eight ALU ops share one layout: op*8 + 0..5. */
#define ALU_ROWS(base, name, opn)                                               \
	[base + 0] = OP(cpu_op_##name##_rm_r, F_MODRM | F_BYTE | F_LOCK, I_NONE, opn), \
	[base + 1] = OP(cpu_op_##name##_rm_r, F_MODRM | F_LOCK, I_NONE, opn),          \
	[base + 2] = OP(cpu_op_##name##_r_rm, F_MODRM | F_BYTE, I_NONE, opn),          \
	[base + 3] = OP(cpu_op_##name##_r_rm, F_MODRM, I_NONE, opn),                   \
	[base + 4] = OP(cpu_op_##name##_rm_imm, F_ACC | F_BYTE, I_B, opn),             \
	[base + 5] = OP(cpu_op_##name##_rm_imm, F_ACC, I_Z, opn)

/* 80/81/83: group 1, ALU op by ModRM.reg (cmp may not be locked) */
static const struct oprow grp1[8] = {
	OP(cpu_op_add_rm_imm, F_LOCK, 0, 0), OP(cpu_op_or_rm_imm, F_LOCK, 0, 1),
	OP(cpu_op_adc_rm_imm, F_LOCK, 0, 2), OP(cpu_op_sbb_rm_imm, F_LOCK, 0, 3),
	OP(cpu_op_and_rm_imm, F_LOCK, 0, 4), OP(cpu_op_sub_rm_imm, F_LOCK, 0, 5),
	OP(cpu_op_xor_rm_imm, F_LOCK, 0, 6), OP(cpu_op_cmp_rm_imm, 0, 0, 7),
};
/* C0/C1/D0-D3: group 2, shifts and rotates; /6 is an alias of shl */
static const struct oprow grp2[8] = {
	OP(cpu_op_shift, 0, 0, 0), OP(cpu_op_shift, 0, 0, 1), OP(cpu_op_shift, 0, 0, 2),
	OP(cpu_op_shift, 0, 0, 3), OP(cpu_op_shift, 0, 0, 4), OP(cpu_op_shift, 0, 0, 5),
	OP(cpu_op_shift, 0, 0, 4), OP(cpu_op_shift, 0, 0, 7),
};
/* F6: group 3 byte: test Ib, test Ib (alias), not, neg, mul, imul, div, idiv */
static const struct oprow grp3b[8] = {
	OP(cpu_op_test_rm_imm, 0, I_B, 0), OP(cpu_op_test_rm_imm, 0, I_B, 0),
	OP(cpu_op_not_rm, F_LOCK, 0, 0), OP(cpu_op_neg_rm, F_LOCK, 0, 0),
	OP(cpu_op_muldiv, 0, 0, 4), OP(cpu_op_muldiv, 0, 0, 5),
	OP(cpu_op_muldiv, 0, 0, 6), OP(cpu_op_muldiv, 0, 0, 7),
};
/* F7: group 3: as F6 with Iz for test */
static const struct oprow grp3v[8] = {
	OP(cpu_op_test_rm_imm, 0, I_Z, 0), OP(cpu_op_test_rm_imm, 0, I_Z, 0),
	OP(cpu_op_not_rm, F_LOCK, 0, 0), OP(cpu_op_neg_rm, F_LOCK, 0, 0),
	OP(cpu_op_muldiv, 0, 0, 4), OP(cpu_op_muldiv, 0, 0, 5),
	OP(cpu_op_muldiv, 0, 0, 6), OP(cpu_op_muldiv, 0, 0, 7),
};
/* FE: group 4: inc/dec Eb */
static const struct oprow grp4[8] = {
	OP(cpu_op_inc_rm, F_LOCK, 0, 0), OP(cpu_op_dec_rm, F_LOCK, 0, 0),
};
/* FF: group 5 */
static const struct oprow grp5[8] = {
	OP(cpu_op_inc_rm, F_LOCK, 0, 0),      /* /0 inc Ev */
	OP(cpu_op_dec_rm, F_LOCK, 0, 0),      /* /1 dec Ev */
	OP(cpu_op_call_rm, F_F64, 0, 0),      /* /2 call Ev (near, absolute) */
	{ NULL, K_UNSUP, 0, 0, 0, F_MEM, NULL }, /* /3 call far Mp */
	OP(cpu_op_jmp_rm, F_F64, 0, 0),       /* /4 jmp Ev */
	{ NULL, K_UNSUP, 0, 0, 0, F_MEM, NULL }, /* /5 jmp far Mp */
	OP(cpu_op_push_rm, F_DEF64, 0, 0),    /* /6 push Ev */
};
/* 8F: group 1A: pop Ev */
static const struct oprow grp1a[8] = { OP(cpu_op_pop_rm, F_DEF64, 0, 0) };
/* C6/C7: group 11: mov Eb/Ev, imm (C6 F8 / C7 F8 are xabort/xbegin) */
static const struct oprow grp11b[8] = { OP(cpu_op_mov_rm_imm, 0, I_B, 0), [7] = UNSUP };
static const struct oprow grp11v[8] = { OP(cpu_op_mov_rm_imm, 0, I_Z, 0), [7] = UNSUP };
/* 0F 00: group 6 */
static const struct oprow grp6[8] = {
	SENS(SOP_SLDT, 0, 0), SENS(SOP_STR, 0, 0), SENS(SOP_LLDT, 0, 0), SENS(SOP_LTR, 0, 0),
	UNSUP, UNSUP, /* verr verw */
};
/* 0F 01 with a memory operand: group 7 (register forms are decoded apart) */
static const struct oprow grp7[8] = {
	SENS(SOP_SGDT, F_MEM, 0), SENS(SOP_SIDT, F_MEM, 0), SENS(SOP_LGDT, F_MEM, 0),
	SENS(SOP_LIDT, F_MEM, 0), SENS(SOP_SMSW, 0, 0), UNSUP,
	UNSUP /* lmsw */, SENS(SOP_INVLPG, F_MEM, 0),
};
/* 0F BA: group 8: bt/bts/btr/btc Ev, Ib */
static const struct oprow grp8[8] = {
	[4] = OP(cpu_op_bt_rm_imm, 0, 0, 0), [5] = OP(cpu_op_bt_rm_imm, F_LOCK, 0, 1),
	[6] = OP(cpu_op_bt_rm_imm, F_LOCK, 0, 2), [7] = OP(cpu_op_bt_rm_imm, F_LOCK, 0, 3),
};
/* 0F C7: group 9: cmpxchg8b/16b, rdrand, rdseed, ... */
static const struct oprow grp9[8] = {
	[1] = OP(cpu_op_cmpxchg_wide, F_MEM | F_LOCK, 0, 0), /* cmpxchg8b/16b */
	[3] = UNSUP, [4] = UNSUP, [5] = UNSUP, [6] = UNSUP, [7] = UNSUP, /* xrstors xsavec xsaves rdrand rdseed */
};

/* The one-byte opcode map. */
static const struct oprow map1[256] = {
	ALU_ROWS(0x00, add, 0),                                  /* 00-05 add */
	ALU_ROWS(0x08, or, 1),                                   /* 08-0D or */
	ALU_ROWS(0x10, adc, 2),                                  /* 10-15 adc */
	ALU_ROWS(0x18, sbb, 3),                                  /* 18-1D sbb */
	ALU_ROWS(0x20, and, 4),                                  /* 20-25 and */
	ALU_ROWS(0x28, sub, 5),                                  /* 28-2D sub */
	ALU_ROWS(0x30, xor, 6),                                  /* 30-35 xor */
	ALU_ROWS(0x38, cmp, 7),                                  /* 38-3D cmp */
	[0x50 ... 0x57] = OP(cpu_op_push_rm, F_OPREG | F_DEF64, I_NONE, 0), /* push r64 */
	[0x58 ... 0x5F] = OP(cpu_op_pop_rm, F_OPREG | F_DEF64, I_NONE, 0),  /* pop r64 */
	[0x62] = { NULL, K_SIMD, 0, 0, 0, 0, NULL },            /* EVEX (AVX-512) */
	[0x63] = OP(cpu_op_movsx, F_MODRM, I_NONE, 4),          /* movsxd Gv, Ed */
	[0x68] = OP(cpu_op_push_imm, F_DEF64, I_Z, 0),          /* push Iz */
	[0x69] = OP(cpu_op_imul_r_rm_imm, F_MODRM, I_Z, 0),     /* imul Gv, Ev, Iz */
	[0x6A] = OP(cpu_op_push_imm, F_DEF64, I_B, 0),          /* push Ib */
	[0x6B] = OP(cpu_op_imul_r_rm_imm, F_MODRM, I_B, 0),     /* imul Gv, Ev, Ib */
	[0x6C] = SENS(SOP_INS, F_BYTE, I_NONE),                 /* insb */
	[0x6D] = SENS(SOP_INS, F_SIZE32, I_NONE),               /* insw/insd */
	[0x6E] = SENS(SOP_OUTS, F_BYTE, I_NONE),                /* outsb */
	[0x6F] = SENS(SOP_OUTS, F_SIZE32, I_NONE),              /* outsw/outsd */
	[0x70 ... 0x7F] = OP(cpu_op_jcc, F_F64, I_B, 0),        /* jcc rel8 */
	[0x80] = GRP(F_MODRM | F_BYTE, I_B, grp1),              /* grp1 Eb, Ib */
	[0x81] = GRP(F_MODRM, I_Z, grp1),                       /* grp1 Ev, Iz */
	[0x83] = GRP(F_MODRM, I_B, grp1),                       /* grp1 Ev, Ib */
	[0x84] = OP(cpu_op_test_rm_r, F_MODRM | F_BYTE, I_NONE, 0), /* test Eb, Gb */
	[0x85] = OP(cpu_op_test_rm_r, F_MODRM, I_NONE, 0),      /* test Ev, Gv */
	[0x86] = OP(cpu_op_xchg, F_MODRM | F_BYTE | F_LOCK, I_NONE, 0), /* xchg Eb, Gb */
	[0x87] = OP(cpu_op_xchg, F_MODRM | F_LOCK, I_NONE, 0),  /* xchg Ev, Gv */
	[0x88] = OP(cpu_op_mov_rm_r, F_MODRM | F_BYTE, I_NONE, 0), /* mov Eb, Gb */
	[0x89] = OP(cpu_op_mov_rm_r, F_MODRM, I_NONE, 0),       /* mov Ev, Gv */
	[0x8A] = OP(cpu_op_mov_r_rm, F_MODRM | F_BYTE, I_NONE, 0), /* mov Gb, Eb */
	[0x8B] = OP(cpu_op_mov_r_rm, F_MODRM, I_NONE, 0),       /* mov Gv, Ev */
	[0x8C] = OP(cpu_op_mov_rm_sreg, F_MODRM, I_NONE, 0),    /* mov Ev, Sreg */
	[0x8D] = OP(cpu_op_lea, F_MODRM | F_MEM, I_NONE, 0),    /* lea Gv, M */
	[0x8E] = OP(cpu_op_mov_sreg_rm, F_MODRM, I_NONE, 0),    /* mov Sreg, Ew */
	[0x8F] = GRP(F_MODRM, I_NONE, grp1a),                   /* pop Ev */
	[0x90 ... 0x97] = OP(cpu_op_xchg, F_OPREG, I_NONE, 0),  /* xchg r, rAX (90: nop/pause) */
	[0x98] = OP(cpu_op_cbw, 0, I_NONE, 0),                  /* cbw/cwde/cdqe */
	[0x99] = OP(cpu_op_cwd, 0, I_NONE, 0),                  /* cwd/cdq/cqo */
	[0x9B] = { NULL, K_X87, 0, 0, 0, 0, NULL },             /* fwait */
	[0x9C] = SENS(SOP_PUSHF, F_DEF64, I_NONE),              /* pushf */
	[0x9D] = SENS(SOP_POPF, F_DEF64, I_NONE),               /* popf */
	[0x9E] = OP(cpu_op_sahf, 0, I_NONE, 0),                 /* sahf */
	[0x9F] = OP(cpu_op_lahf, 0, I_NONE, 0),                 /* lahf */
	[0xA0] = OP(cpu_op_mov_a_moffs, F_BYTE, I_MOFFS, 0),    /* mov AL, moffs */
	[0xA1] = OP(cpu_op_mov_a_moffs, 0, I_MOFFS, 0),         /* mov rAX, moffs */
	[0xA2] = OP(cpu_op_mov_moffs_a, F_BYTE, I_MOFFS, 0),    /* mov moffs, AL */
	[0xA3] = OP(cpu_op_mov_moffs_a, 0, I_MOFFS, 0),         /* mov moffs, rAX */
	[0xA4] = OP(cpu_op_string, F_BYTE, I_NONE, STR_MOVS),   /* movsb */
	[0xA5] = OP(cpu_op_string, 0, I_NONE, STR_MOVS),        /* movs */
	[0xA6] = OP(cpu_op_string, F_BYTE, I_NONE, STR_CMPS),   /* cmpsb */
	[0xA7] = OP(cpu_op_string, 0, I_NONE, STR_CMPS),        /* cmps */
	[0xA8] = OP(cpu_op_test_rm_imm, F_ACC | F_BYTE, I_B, 0), /* test AL, Ib */
	[0xA9] = OP(cpu_op_test_rm_imm, F_ACC, I_Z, 0),         /* test rAX, Iz */
	[0xAA] = OP(cpu_op_string, F_BYTE, I_NONE, STR_STOS),   /* stosb */
	[0xAB] = OP(cpu_op_string, 0, I_NONE, STR_STOS),        /* stos */
	[0xAC] = OP(cpu_op_string, F_BYTE, I_NONE, STR_LODS),   /* lodsb */
	[0xAD] = OP(cpu_op_string, 0, I_NONE, STR_LODS),        /* lods */
	[0xAE] = OP(cpu_op_string, F_BYTE, I_NONE, STR_SCAS),   /* scasb */
	[0xAF] = OP(cpu_op_string, 0, I_NONE, STR_SCAS),        /* scas */
	[0xB0 ... 0xB7] = OP(cpu_op_mov_rm_imm, F_OPREG | F_BYTE, I_B, 0), /* mov r8, Ib */
	[0xB8 ... 0xBF] = OP(cpu_op_mov_rm_imm, F_OPREG, I_V, 0), /* mov r, Iv (imm64 with REX.W) */
	[0xC0] = GRP2(F_MODRM | F_BYTE, I_UB, CNT_IMM),         /* shift Eb, Ib */
	[0xC1] = GRP2(F_MODRM, I_UB, CNT_IMM),                  /* shift Ev, Ib */
	[0xC2] = OP(cpu_op_ret, F_F64, I_W, 0),                 /* ret Iw */
	[0xC3] = OP(cpu_op_ret, F_F64, I_NONE, 0),              /* ret */
	[0xC4] = { NULL, K_SIMD, 0, 0, 0, 0, NULL },            /* VEX3 */
	[0xC5] = { NULL, K_SIMD, 0, 0, 0, 0, NULL },            /* VEX2 */
	[0xC6] = GRP(F_MODRM | F_BYTE, I_NONE, grp11b),         /* mov Eb, Ib */
	[0xC7] = GRP(F_MODRM, I_NONE, grp11v),                  /* mov Ev, Iz */
	[0xC8] = OP(cpu_op_enter, F_DEF64, I_WB, 0),            /* enter Iw, Ib */
	[0xC9] = OP(cpu_op_leave, F_DEF64, I_NONE, 0),          /* leave */
	[0xCA] = OP(cpu_op_lret, 0, I_W, 0),                    /* lret Iw */
	[0xCB] = OP(cpu_op_lret, 0, I_NONE, 0),                 /* lret */
	[0xCC] = SENS(SOP_INT3, 0, I_NONE),                     /* int3 */
	[0xCD] = SENS(SOP_INTN, 0, I_UB),                       /* int n */
	[0xCF] = SENS(SOP_IRETQ, 0, I_NONE),                    /* iret/iretq */
	[0xD0] = GRP2(F_MODRM | F_BYTE, I_NONE, CNT_ONE),       /* shift Eb, 1 */
	[0xD1] = GRP2(F_MODRM, I_NONE, CNT_ONE),                /* shift Ev, 1 */
	[0xD2] = GRP2(F_MODRM | F_BYTE, I_NONE, CNT_CL),        /* shift Eb, CL */
	[0xD3] = GRP2(F_MODRM, I_NONE, CNT_CL),                 /* shift Ev, CL */
	[0xD7] = OP(cpu_op_xlat, F_BYTE, I_NONE, 0),            /* xlat */
	[0xD8 ... 0xDF] = { NULL, K_X87, 0, 0, 0, F_MODRM, NULL }, /* x87 */
	[0xE0] = OP(cpu_op_loop, F_F64, I_B, 0),                /* loopne */
	[0xE1] = OP(cpu_op_loop, F_F64, I_B, 1),                /* loope */
	[0xE2] = OP(cpu_op_loop, F_F64, I_B, 2),                /* loop */
	[0xE3] = OP(cpu_op_loop, F_F64, I_B, 3),                /* jrcxz */
	[0xE4] = SENS(SOP_IN, F_BYTE, I_UB),                    /* in AL, Ib */
	[0xE5] = SENS(SOP_IN, F_SIZE32, I_UB),                  /* in eAX, Ib */
	[0xE6] = SENS(SOP_OUT, F_BYTE, I_UB),                   /* out Ib, AL */
	[0xE7] = SENS(SOP_OUT, F_SIZE32, I_UB),                 /* out Ib, eAX */
	[0xE8] = OP(cpu_op_call_rel, F_F64, I_Z, 0),            /* call rel32 */
	[0xE9] = OP(cpu_op_jmp_rel, F_F64, I_Z, 0),             /* jmp rel32 */
	[0xEB] = OP(cpu_op_jmp_rel, F_F64, I_B, 0),             /* jmp rel8 */
	[0xEC] = SENS(SOP_IN, F_BYTE, I_NONE),                  /* in AL, DX */
	[0xED] = SENS(SOP_IN, F_SIZE32, I_NONE),                /* in eAX, DX */
	[0xEE] = SENS(SOP_OUT, F_BYTE, I_NONE),                 /* out DX, AL */
	[0xEF] = SENS(SOP_OUT, F_SIZE32, I_NONE),               /* out DX, eAX */
	[0xF1] = UNSUP,                                         /* int1 */
	[0xF4] = SENS(SOP_HLT, 0, I_NONE),                      /* hlt */
	[0xF5] = OP(cpu_op_flagop, 0, I_NONE, 0),               /* cmc */
	[0xF6] = GRP(F_MODRM | F_BYTE, I_NONE, grp3b),          /* grp3 Eb */
	[0xF7] = GRP(F_MODRM, I_NONE, grp3v),                   /* grp3 Ev */
	[0xF8] = OP(cpu_op_flagop, 0, I_NONE, 1),               /* clc */
	[0xF9] = OP(cpu_op_flagop, 0, I_NONE, 2),               /* stc */
	[0xFA] = SENS(SOP_CLI, 0, I_NONE),                      /* cli */
	[0xFB] = SENS(SOP_STI, 0, I_NONE),                      /* sti */
	[0xFC] = OP(cpu_op_flagop, 0, I_NONE, 3),               /* cld */
	[0xFD] = OP(cpu_op_flagop, 0, I_NONE, 4),               /* std */
	[0xFE] = GRP(F_MODRM | F_BYTE, I_NONE, grp4),           /* grp4 inc/dec Eb */
	[0xFF] = GRP(F_MODRM, I_NONE, grp5),                    /* grp5 */
};

/* SSE rows of the 0F map (prefix selects the instruction; not implemented) */
#define SIMD_M { NULL, K_SIMD, 0, 0, 0, F_MODRM, NULL }

/* The two-byte opcode map (0F xx). */
static const struct oprow map2[256] = {
	[0x00] = GRP(F_MODRM, I_NONE, grp6),                    /* grp6 sldt str lldt ltr */
	[0x01] = GRP(F_MODRM, I_NONE, grp7),                    /* grp7 sgdt sidt lgdt lidt smsw invlpg */
	[0x02] = UNSUP_M, [0x03] = UNSUP_M,                     /* lar lsl */
	[0x05] = SENS(SOP_SYSCALL, 0, I_NONE),                  /* syscall */
	[0x06] = SENS(SOP_CLTS, 0, I_NONE),                     /* clts */
	[0x07] = SENS(SOP_SYSRET, 0, I_NONE),                   /* sysret */
	[0x08] = SENS(SOP_INVD, 0, I_NONE),                     /* invd */
	[0x09] = SENS(SOP_WBINVD, 0, I_NONE),                   /* wbinvd */
	[0x0D] = OP(cpu_op_nop, F_MODRM, I_NONE, 0),            /* prefetch/prefetchw */
	[0x10 ... 0x17] = SIMD_M,                               /* movups... */
	[0x18 ... 0x1F] = OP(cpu_op_nop, F_MODRM, I_NONE, 0),   /* hint nops, prefetch, endbr64 */
	[0x20] = SENS(SOP_MOV_FROM_CR, F_MODRM | F_CRREG, I_NONE), /* mov r64, crN */
	[0x21] = UNSUP_M,                                       /* mov r64, drN */
	[0x22] = SENS(SOP_MOV_TO_CR, F_MODRM | F_CRREG, I_NONE), /* mov crN, r64 */
	[0x23] = UNSUP_M,                                       /* mov drN, r64 */
	[0x28 ... 0x2F] = SIMD_M,                               /* movaps... */
	[0x30] = SENS(SOP_WRMSR, 0, I_NONE),                    /* wrmsr */
	[0x31] = SENS(SOP_RDTSC, 0, I_NONE),                    /* rdtsc */
	[0x32] = SENS(SOP_RDMSR, 0, I_NONE),                    /* rdmsr */
	[0x33] = UNSUP, [0x34] = UNSUP, [0x35] = UNSUP,         /* rdpmc sysenter sysexit */
	[0x37] = UNSUP,                                         /* getsec */
	[0x40 ... 0x4F] = OP(cpu_op_cmovcc, F_MODRM, I_NONE, 0), /* cmovcc Gv, Ev */
	[0x50 ... 0x7F] = SIMD_M,                               /* SSE/MMX */
	[0x80 ... 0x8F] = OP(cpu_op_jcc, F_F64, I_Z, 0),        /* jcc rel32 */
	[0x90 ... 0x9F] = OP(cpu_op_setcc, F_MODRM | F_RMBYTE, I_NONE, 0), /* setcc Eb */
	[0xA0] = OP(cpu_op_push_seg, F_DEF64, I_NONE, SEG_FS),  /* push fs */
	[0xA1] = OP(cpu_op_pop_seg, F_DEF64, I_NONE, SEG_FS),   /* pop fs */
	[0xA2] = SENS(SOP_CPUID, 0, I_NONE),                    /* cpuid */
	[0xA3] = OP(cpu_op_bt_rm_r, F_MODRM, I_NONE, 0),        /* bt Ev, Gv */
	[0xA4] = OP2(cpu_op_shld, F_MODRM, I_UB, 0, CNT_IMM),   /* shld Ev, Gv, Ib */
	[0xA5] = OP2(cpu_op_shld, F_MODRM, I_NONE, 0, CNT_CL),  /* shld Ev, Gv, CL */
	[0xA8] = OP(cpu_op_push_seg, F_DEF64, I_NONE, SEG_GS),  /* push gs */
	[0xA9] = OP(cpu_op_pop_seg, F_DEF64, I_NONE, SEG_GS),   /* pop gs */
	[0xAA] = UNSUP,                                         /* rsm */
	[0xAB] = OP(cpu_op_bt_rm_r, F_MODRM | F_LOCK, I_NONE, 1), /* bts Ev, Gv */
	[0xAC] = OP2(cpu_op_shrd, F_MODRM, I_UB, 0, CNT_IMM),   /* shrd Ev, Gv, Ib */
	[0xAD] = OP2(cpu_op_shrd, F_MODRM, I_NONE, 0, CNT_CL),  /* shrd Ev, Gv, CL */
	[0xAE] = UNSUP_M,                                       /* grp15: fences handled apart */
	[0xAF] = OP(cpu_op_imul_r_rm, F_MODRM, I_NONE, 0),      /* imul Gv, Ev */
	[0xB0] = OP(cpu_op_cmpxchg, F_MODRM | F_BYTE | F_LOCK, I_NONE, 0), /* cmpxchg Eb, Gb */
	[0xB1] = OP(cpu_op_cmpxchg, F_MODRM | F_LOCK, I_NONE, 0), /* cmpxchg Ev, Gv */
	[0xB2] = UNSUP_M,                                       /* lss */
	[0xB3] = OP(cpu_op_bt_rm_r, F_MODRM | F_LOCK, I_NONE, 2), /* btr Ev, Gv */
	[0xB4] = UNSUP_M, [0xB5] = UNSUP_M,                     /* lfs lgs */
	[0xB6] = OP2(cpu_op_movzx, F_MODRM | F_RMBYTE, I_NONE, 0, 1), /* movzx Gv, Eb */
	[0xB7] = OP2(cpu_op_movzx, F_MODRM | F_RMWORD, I_NONE, 0, 2), /* movzx Gv, Ew */
	[0xB8] = OP(cpu_op_popcnt, F_MODRM, I_NONE, 0),         /* popcnt (F3 only) */
	[0xB9] = { NULL, K_UD, 0, 0, 0, F_MODRM, NULL },        /* ud1 */
	[0xBA] = GRP(F_MODRM, I_UB, grp8),                      /* grp8 bt* Ev, Ib */
	[0xBB] = OP(cpu_op_bt_rm_r, F_MODRM | F_LOCK, I_NONE, 3), /* btc Ev, Gv */
	[0xBC] = OP(cpu_op_bsf, F_MODRM, I_NONE, 0),            /* bsf (F3: tzcnt) */
	[0xBD] = OP(cpu_op_bsr, F_MODRM, I_NONE, 0),            /* bsr (F3: lzcnt) */
	[0xBE] = OP2(cpu_op_movsx, F_MODRM | F_RMBYTE, I_NONE, 0, 1), /* movsx Gv, Eb */
	[0xBF] = OP2(cpu_op_movsx, F_MODRM | F_RMWORD, I_NONE, 0, 2), /* movsx Gv, Ew */
	[0xC0] = OP(cpu_op_xadd, F_MODRM | F_BYTE | F_LOCK, I_NONE, 0), /* xadd Eb, Gb */
	[0xC1] = OP(cpu_op_xadd, F_MODRM | F_LOCK, I_NONE, 0),  /* xadd Ev, Gv */
	[0xC2 ... 0xC6] = SIMD_M,                               /* cmpps movnti pinsrw ... */
	[0xC7] = GRP(F_MODRM, I_NONE, grp9),                    /* grp9 */
	[0xC8 ... 0xCF] = OP(cpu_op_bswap, F_OPREG, I_NONE, 0), /* bswap r */
	[0xD0 ... 0xFE] = SIMD_M,                               /* SSE/MMX */
	[0xFF] = { NULL, K_UD, 0, 0, 0, F_MODRM, NULL },        /* ud0 */
};

/* Decoding state while walking the bytes. */
struct dec {
	const uint8_t *buf;
	unsigned avail, p;
	uint8_t rex;
	bool opsz, adsz, lock;
};

/* Make sure n more bytes are there: 0, or the status to return. */
static enum dec_status need(const struct dec *d, unsigned n)
{
	if (d->p + n > 15)
		return DEC_GP;
	if (d->p + n > d->avail)
		return DEC_TRUNC;
	return DEC_OK;
}

static uint64_t take(struct dec *d, unsigned n)
{
	uint64_t v = 0;
	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)d->buf[d->p + k] << (8 * k);
	d->p += n;
	return v;
}

/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
static uint8_t byte_reg(const struct dec *d, unsigned r)
{
	if (!d->rex && r >= 4 && r < 8)
		return (uint8_t)(R8_HIGH + r - 4);
	return (uint8_t)r;
}

/* ModRM, SIB and displacement. */
static enum dec_status modrm(struct dec *d, struct insn *i, bool crreg)
{
	enum dec_status st = need(d, 1);
	if (st)
		return st;
	uint8_t m = (uint8_t)take(d, 1);
	unsigned mod = m >> 6, rm = m & 7;
	i->reg = (uint8_t)(((m >> 3) & 7) | ((d->rex & 4) << 1));
	if (mod == 3 || crreg) {
		i->mod3 = 1;
		i->rm = (uint8_t)(rm | ((d->rex & 1) << 3));
		return DEC_OK;
	}
	if (rm == 4) {
		if ((st = need(d, 1)))
			return st;
		uint8_t sib = (uint8_t)take(d, 1);
		unsigned idx = ((sib >> 3) & 7) | ((d->rex & 2) << 2);
		i->scale = sib >> 6;
		i->index = idx == 4 ? R_NONE : (uint8_t)idx;
		if ((sib & 7) == 5 && mod == 0) {
			i->base = R_NONE;
			mod = 2; /* disp32 follows */
		} else {
			i->base = (uint8_t)((sib & 7) | ((d->rex & 1) << 3));
		}
	} else if (rm == 5 && mod == 0) {
		i->base = R_RIP;
		mod = 2;
	} else {
		i->base = (uint8_t)(rm | ((d->rex & 1) << 3));
	}
	if (mod == 1) {
		if ((st = need(d, 1)))
			return st;
		i->disp = (int8_t)take(d, 1);
	} else if (mod == 2) {
		if ((st = need(d, 4)))
			return st;
		i->disp = (int32_t)take(d, 4);
	}
	return DEC_OK;
}

static enum dec_status immediate(struct dec *d, struct insn *i, unsigned kind)
{
	unsigned n;
	enum dec_status st;
	switch (kind) {
	case I_B: case I_UB: n = 1; break;
	case I_W: n = 2; break;
	case I_Z: n = i->osz == 2 ? 2 : 4; break;
	case I_V: n = i->osz; break;
	case I_WB: n = 3; break;
	case I_MOFFS: n = d->adsz ? 4 : 8; break;
	default: return DEC_OK;
	}
	if ((st = need(d, n)))
		return st;
	uint64_t v = take(d, n);
	switch (kind) {
	case I_B: i->imm = (int8_t)v; break;
	case I_Z: i->imm = n == 2 ? (int16_t)v : (int32_t)v; break;
	case I_WB: i->imm = (uint16_t)v; i->ext2 = (uint8_t)(v >> 16); break;
	default: i->imm = (int64_t)v; break;
	}
	return DEC_OK;
}

/* Legacy prefixes and REX. Returns the status if the bytes run out. */
static enum dec_status prefixes(struct dec *d, struct insn *i)
{
	for (;;) {
		enum dec_status st = need(d, 1);
		if (st)
			return st;
		uint8_t b = d->buf[d->p];
		if ((b & 0xF0) == 0x40) {
			d->rex = b;
			d->p++;
			continue;
		}
		switch (b) {
		case 0x66: d->opsz = true; break;
		case 0x67: d->adsz = true; break;
		case 0xF0: d->lock = true; break;
		case 0xF2: i->rep = REP_F2; break;
		case 0xF3: i->rep = REP_F3; break;
		case 0x64: i->seg = SEG_FS; break;
		case 0x65: i->seg = SEG_GS; break;
		case 0x26: case 0x2E: case 0x36: case 0x3E: break; /* ignored in 64-bit mode */
		default: return DEC_OK;
		}
		d->rex = 0; /* a REX not directly before the opcode is ignored */
		d->p++;
	}
}

/* The opcode: picks the row (and the 0F map's exceptions). */
static enum dec_status opcode(struct dec *d, const struct oprow **row, unsigned *opc)
{
	enum dec_status st = need(d, 1);
	if (st)
		return st;
	unsigned b = (unsigned)take(d, 1);
	if (b != 0x0F) {
		*row = &map1[b];
		*opc = b;
		return DEC_OK;
	}
	if ((st = need(d, 1)))
		return st;
	b = (unsigned)take(d, 1);
	*opc = 0x100 | b;
	*row = &map2[b];
	if (b == 0x38 || b == 0x3A) {
		/* three-byte maps: SSSE3/SSE4 (and movbe, crc32, adcx, ...) */
		if ((st = need(d, 1)))
			return st;
		unsigned c = d->buf[d->p];
		return b == 0x38 && c >= 0xF0 ? DEC_UNSUP : DEC_SIMD;
	}
	return DEC_OK;
}

static unsigned operand_size(const struct dec *d, unsigned flags)
{
	if (flags & F_BYTE)
		return 1;
	if (d->rex & 8)
		return 8;
	if (flags & (F_DEF64 | F_F64))
		return d->opsz ? 2 : 8;
	return d->opsz ? 2 : 4;
}

/* 0F 01 with mod == 3: the instructions encoded in the whole ModRM byte. */
static enum dec_status grp7_reg(struct insn *i, uint8_t m)
{
	switch (m) {
	case 0xC1: i->fn = cpu_op_sens; i->ext = SOP_VMCALL; return DEC_OK;
	case 0xF8: i->fn = cpu_op_sens; i->ext = SOP_SWAPGS; return DEC_OK;
	default: break;
	}
	if ((m & 0xF8) == 0xE0) { /* smsw r */
		i->fn = cpu_op_sens;
		i->ext = SOP_SMSW;
		return DEC_OK;
	}
	return DEC_UNSUP; /* vmx/svm, monitor/mwait, clac/stac, xgetbv, rdtscp, lmsw r, ... */
}

/* Opcode-specific fix-ups after the generic decode. */
static enum dec_status special(const struct dec *d, struct insn *i, unsigned opc)
{
	if ((opc >= 0x70 && opc <= 0x7F) || (opc >= 0x140 && opc <= 0x14F) || (opc >= 0x180 && opc <= 0x19F))
		i->ext = opc & 0xF; /* condition code */
	if (opc >= 0x90 && opc <= 0x97)
		i->reg = RAX; /* xchg r, rAX */
	switch (opc) {
	case 0xEC: case 0xED: case 0xEE: case 0xEF:
		i->ext2 = 1; /* port in DX */
		if (i->osz == 8)
			i->osz = 4;
		break;
	case 0x90: /* nop, pause; with REX.B it is xchg r8, rax */
		if (!(d->rex & 1))
			i->fn = cpu_op_nop;
		break;
	case 0x63: /* movsxd: without REX.W a plain 32/16-bit move */
		if (i->osz != 8)
			i->fn = cpu_op_mov_r_rm;
		break;
	case 0x8C: /* mov Ev, Sreg: 6 segment registers (REX.R is ignored, as hardware does) */
	case 0x8E: /* mov Sreg, Ew: not CS */
		i->reg &= 7;
		if (i->reg > 5 || (opc == 0x8E && i->reg == SEG_CS))
			return DEC_UD;
		if (opc == 0x8E)
			i->osz = 2;
		break;
	case 0x1B8: /* popcnt needs F3; 0F B8 alone is jmpe (#UD in 64-bit mode) */
		if (i->rep != REP_F3)
			return DEC_UD;
		break;
	case 0x1BC: /* F3 0F BC tzcnt */
		if (i->rep == REP_F3)
			i->fn = cpu_op_tzcnt;
		break;
	case 0x1BD: /* F3 0F BD lzcnt */
		if (i->rep == REP_F3)
			i->fn = cpu_op_lzcnt;
		break;
	case 0x120: /* mov cr: cr0 cr2 cr3 cr4 cr8 */
	case 0x122: {
		unsigned cr = i->reg;
		if (!(cr == 0 || cr == 2 || cr == 3 || cr == 4 || cr == 8))
			return DEC_UD;
		i->osz = 8;
		break;
	}
	case 0xCA:
	case 0xCB:
	case 0xCF: /* far returns: 64 with REX.W, else 32 (16 with 66) */
		i->osz = (d->rex & 8) ? 8 : d->opsz ? 2 : 4;
		break;
	case 0x107: /* sysretq with REX.W */
		i->osz = (d->rex & 8) ? 8 : 4;
		break;
	case 0x6C: case 0x6D: case 0x6E: case 0x6F: case 0xE4: case 0xE5: case 0xE6: case 0xE7: /* in/out: 1, 2 or 4 bytes, REX.W ignored */
		if (i->osz == 8)
			i->osz = 4;
		break;
	default:
		break;
	}
	return DEC_OK;
}

/* What a row's kind means when it is not K_OK. */
static enum dec_status kind_status(unsigned kind)
{
	switch (kind) {
	case K_UNSUP: return DEC_UNSUP;
	case K_X87: return DEC_X87;
	case K_SIMD: return DEC_SIMD;
	default: return DEC_UD;
	}
}

/* ModRM and the group sub-row: updates fn/ext/flags/imm kind. */
static enum dec_status operands(struct dec *d, struct insn *i, const struct oprow *row, unsigned opc,
				unsigned *flags, unsigned *immk)
{
	unsigned at = d->p;
	enum dec_status st = modrm(d, i, *flags & F_CRREG);
	if (st)
		return st;
	if (opc == 0x101 && i->mod3)
		return grp7_reg(i, d->buf[at]);
	if (opc == 0x1AE) { /* lfence mfence sfence; the rest (fxsave, clflush, ...) is not done */
		if (i->mod3 && (i->reg & 7) >= 5 && !d->opsz && i->rep == REP_NONE) {
			i->fn = cpu_op_nop;
			return DEC_OK;
		}
		return DEC_UNSUP;
	}
	if (row->kind == K_GROUP) {
		const struct oprow *sub = &row->grp[i->reg & 7];
		if (sub->kind != K_OK)
			return kind_status(sub->kind);
		i->fn = sub->fn;
		i->ext = sub->ext;
		*flags |= sub->flags;
		if (sub->imm)
			*immk = sub->imm;
	} else if (row->kind != K_OK) {
		return kind_status(row->kind);
	}
	return DEC_OK;
}

/* Register operands: opcode-register forms, the accumulator, byte registers. */
static void registers(const struct dec *d, struct insn *i, unsigned flags, unsigned opc)
{
	if (flags & F_OPREG) {
		unsigned r = (opc & 7) | ((d->rex & 1) << 3);
		i->reg = i->rm = (flags & F_BYTE) ? byte_reg(d, r) : (uint8_t)r;
		i->mod3 = 1;
		return;
	}
	if (flags & F_ACC) {
		i->reg = i->rm = RAX;
		i->mod3 = 1;
		return;
	}
	if (flags & F_BYTE)
		i->reg = byte_reg(d, i->reg);
	if ((flags & (F_BYTE | F_RMBYTE)) && i->mod3)
		i->rm = byte_reg(d, i->rm);
}

enum dec_status cpu_decode(const uint8_t *buf, unsigned avail, struct insn *i)
{
	struct dec d = { .buf = buf, .avail = avail };
	const struct oprow *row;
	unsigned opc;
	enum dec_status st;

	memset(i, 0, sizeof(*i));
	i->base = i->index = R_NONE;
	if ((st = prefixes(&d, i)) || (st = opcode(&d, &row, &opc)))
		return st;
	i->asz = d.adsz ? 4 : 8;
	unsigned flags = row->flags, immk = row->imm;
	i->fn = row->fn;
	i->ext = row->ext;
	i->ext2 = row->ext2;
	if (row->kind == K_GROUP || (flags & F_MODRM)) {
		if ((st = operands(&d, i, row, opc, &flags, &immk)))
			return st;
	} else if (row->kind != K_OK) {
		return kind_status(row->kind);
	}
	if ((flags & F_F64) && d.opsz)
		return DEC_UNSUP; /* 16-bit near branches */
	i->osz = (uint8_t)operand_size(&d, flags);
	registers(&d, i, flags, opc);
	if ((flags & F_MEM) && i->mod3)
		return DEC_UD;
	if (d.lock && (!(flags & F_LOCK) || i->mod3))
		return DEC_UD;
	if ((st = immediate(&d, i, immk)))
		return st;
	if ((st = special(&d, i, opc)))
		return st;
	i->len = (uint8_t)d.p;
	return DEC_OK;
}
