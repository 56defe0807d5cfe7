/*
 * cpu/disasm.c — a one-line, Intel-syntax disassembler built on capstone,
 * for tools, traces and tests. Each call opens its own capstone handle, so
 * there is no shared state (callers that disassemble in bulk, like
 * lencheck, use capstone directly).
 */
#include <stdio.h>

#include <capstone.h>

#include "cpu/cpu.h"

int cpu_disasm(const uint8_t *bytes, size_t n, uint64_t va, char *out, size_t outsz)
{
	csh h;
	cs_insn *insn;
	int len = 0;
	if (outsz)
		snprintf(out, outsz, "(bad)");
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return 0;
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
	if (cs_disasm(h, bytes, n, va, 1, &insn) == 1) {
		len = insn->size;
		if (outsz)
			snprintf(out, outsz, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
		cs_free(insn, 1);
	}
	cs_close(&h);
	return len;
}
