/*
 * monitor/web/capstone_js.c — the few capstone calls vmlab makes (cpu/disasm.c,
 * the console's disas), answered in the browser by capstone's own JavaScript
 * build (npm @alexaltea/capstone-js, loaded by the page as Module.vmlabCs).
 * Debian ships capstone only as a native library, so the wasm build links
 * this file instead; the native build never sees it.
 *
 * One instruction per JavaScript call: cs_disasm asks for `count` of them in
 * a loop. Capstone's x86 default syntax is Intel, as the native build sets.
 * SIMPLIFICATION: the npm build is capstone 5, the Debian library 4.0.2; for
 * the instructions the guest runs they print the same text (the transcript
 * equality test compares them), rare instructions may differ.
 */
#include <capstone/capstone.h>
#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

/* Decode the instruction at code[0..n) located at addr: its length (0 if
 * none), its mnemonic and operands written into mnem / ops. */
EM_JS(int, js_disasm_one, (const uint8_t *code, int n, uint32_t addr_lo, uint32_t addr_hi, char *mnem,
			    int mnem_len, char *ops, int ops_len), {
	var cs = Module.vmlabCs;
	if (!cs)
		return 0;
	var bytes = HEAPU8.slice(code, code + n);
	var addr = (BigInt(addr_hi >>> 0) << BigInt(32)) | BigInt(addr_lo >>> 0);
	var list;
	try {
		list = cs.disasm(Array.from(bytes), addr, 1);
	} catch (e) {
		return 0;
	}
	if (!list.length)
		return 0;
	stringToUTF8(list[0].mnemonic, mnem, mnem_len);
	stringToUTF8(list[0].op_str, ops, ops_len);
	return list[0].size;
});

cs_err cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
	if (arch != CS_ARCH_X86 || mode != CS_MODE_64)
		return CS_ERR_ARCH;
	*handle = 1;
	return CS_ERR_OK;
}

cs_err cs_option(csh handle, cs_opt_type type, size_t value)
{
	(void)handle;
	/* Intel syntax is the default; nothing else is asked for */
	return type == CS_OPT_SYNTAX && value == CS_OPT_SYNTAX_INTEL ? CS_ERR_OK : CS_ERR_OPTION;
}

size_t cs_disasm(csh handle, const uint8_t *code, size_t size, uint64_t address, size_t count,
		 cs_insn **insn)
{
	(void)handle;
	*insn = NULL;
	if (!count)
		count = size;
	cs_insn *out = calloc(count ? count : 1, sizeof *out);
	if (!out)
		return 0;
	size_t n = 0, off = 0;
	while (n < count && off < size) {
		cs_insn *i = &out[n];
		int len = js_disasm_one(code + off, (int)(size - off > 15 ? 15 : size - off),
					(uint32_t)(address + off), (uint32_t)((address + off) >> 32), i->mnemonic,
					(int)sizeof i->mnemonic, i->op_str, (int)sizeof i->op_str);
		if (len <= 0)
			break;
		i->address = address + off;
		i->size = (uint16_t)len;
		memcpy(i->bytes, code + off, (size_t)len < sizeof i->bytes ? (size_t)len : sizeof i->bytes);
		off += (size_t)len;
		n++;
	}
	if (!n) {
		free(out);
		return 0;
	}
	*insn = out;
	return n;
}

void cs_free(cs_insn *insn, size_t count)
{
	(void)count;
	free(insn);
}

cs_err cs_close(csh *handle)
{
	*handle = 0;
	return CS_ERR_OK;
}
