/*
 * cpu/names.c — printable names for exit reasons, sensitive operations and
 * exception vectors (messages, traces, the console).
 */
#include "cpu/cpu.h"

/* Name of an exit reason; "exit?" for a value outside the enum. */
const char *cpu_exit_name(enum cpu_exit_reason r)
{
	static const char *const names[] = {
		[CPU_EXIT_NONE] = "none",
		[CPU_EXIT_BUDGET] = "budget",
		[CPU_EXIT_HLT] = "hlt",
		[CPU_EXIT_IO] = "io",
		[CPU_EXIT_SENSITIVE] = "sensitive",
		[CPU_EXIT_EXCEPTION] = "exception",
		[CPU_EXIT_TLB_MISS] = "tlb-miss",
		[CPU_EXIT_TRIPLE_FAULT] = "triple-fault",
		[CPU_EXIT_UNSUPPORTED] = "unsupported",
		[CPU_EXIT_BREAKPOINT] = "breakpoint",
		[CPU_EXIT_WATCH] = "watchpoint",
	};
	if ((unsigned)r >= sizeof names / sizeof names[0] || !names[r])
		return "exit?";
	return names[r];
}

/* Mnemonic of a sensitive operation; "sop?" for a value outside the enum. */
const char *cpu_sens_op_name(enum cpu_sens_op op)
{
	static const char *const names[SOP_COUNT] = {
		[SOP_NONE] = "none",
		[SOP_MOV_TO_CR] = "mov-to-cr", [SOP_MOV_FROM_CR] = "mov-from-cr",
		[SOP_CLTS] = "clts", [SOP_INVLPG] = "invlpg",
		[SOP_LGDT] = "lgdt", [SOP_LIDT] = "lidt", [SOP_LTR] = "ltr", [SOP_LLDT] = "lldt",
		[SOP_SGDT] = "sgdt", [SOP_SIDT] = "sidt", [SOP_STR] = "str", [SOP_SLDT] = "sldt",
		[SOP_SMSW] = "smsw",
		[SOP_RDMSR] = "rdmsr", [SOP_WRMSR] = "wrmsr",
		[SOP_CLI] = "cli", [SOP_STI] = "sti", [SOP_PUSHF] = "pushf", [SOP_POPF] = "popf",
		[SOP_HLT] = "hlt",
		[SOP_IN] = "in", [SOP_OUT] = "out", [SOP_INS] = "ins", [SOP_OUTS] = "outs",
		[SOP_IRETQ] = "iretq", [SOP_SYSRET] = "sysret", [SOP_SWAPGS] = "swapgs",
		[SOP_CPUID] = "cpuid", [SOP_RDTSC] = "rdtsc",
		[SOP_WBINVD] = "wbinvd", [SOP_INVD] = "invd",
		[SOP_INT3] = "int3", [SOP_INTN] = "int", [SOP_SYSCALL] = "syscall",
		[SOP_VMCALL] = "vmcall",
	};
	if ((unsigned)op >= SOP_COUNT || !names[op])
		return "sop?";
	return names[op];
}

/* Mnemonic of an exception vector (#PF, ...); "INTR" for 32..255, "RSVD"
 * for reserved vectors. */
const char *cpu_vector_name(unsigned vector)
{
	static const char *const names[32] = {
		[VEC_DE] = "#DE", [VEC_DB] = "#DB", [VEC_NMI] = "NMI", [VEC_BP] = "#BP",
		[VEC_OF] = "#OF", [VEC_BR] = "#BR", [VEC_UD] = "#UD", [VEC_NM] = "#NM",
		[VEC_DF] = "#DF", [9] = "CSO", [VEC_TS] = "#TS", [VEC_NP] = "#NP",
		[VEC_SS] = "#SS", [VEC_GP] = "#GP", [VEC_PF] = "#PF", [VEC_MF] = "#MF",
		[VEC_AC] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE", [21] = "#CP",
	};
	if (vector >= 256)
		return "vector?";
	if (vector >= 32)
		return "INTR";
	return names[vector] ? names[vector] : "RSVD";
}
