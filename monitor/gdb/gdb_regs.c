/*
 * monitor/gdb/gdb_regs.c — the registers gdb sees: the target description
 * (target.xml: gdb's x86-64 core and SSE features, the FS/GS bases, and a
 * vmlab feature with the control registers and EFER), and the register file
 * in that order. The values are the guest's view (mon_vm_get_regs: virtual
 * IF, CPL, CRs). SIMPLIFICATION: the core has no x87/SSE state; those
 * registers read as their reset values and writes to them are ignored.
 */
#include <string.h>

#include "monitor/gdb/gdb.h"

enum reg_src { R_GPR, R_RIP, R_FLAGS, R_SEG, R_ZERO, R_CONST, R_FSB, R_GSB, R_KGSB, R_CR0, R_CR2, R_CR3, R_CR4, R_EFER };
struct reg_def {
	const char *name;
	unsigned size;
	enum reg_src src;
	unsigned idx;       /* R_GPR: mon_regs.gpr index; R_SEG: mon_regs.seg index; R_CONST: value */
};

/* gdb's register numbers are the rows' indexes (the order of target.xml). */
static const struct reg_def regs[] = {
	{"rax", 8, R_GPR, 0}, {"rbx", 8, R_GPR, 3}, {"rcx", 8, R_GPR, 1}, {"rdx", 8, R_GPR, 2},
	{"rsi", 8, R_GPR, 6}, {"rdi", 8, R_GPR, 7}, {"rbp", 8, R_GPR, 5}, {"rsp", 8, R_GPR, 4},
	{"r8", 8, R_GPR, 8}, {"r9", 8, R_GPR, 9}, {"r10", 8, R_GPR, 10}, {"r11", 8, R_GPR, 11},
	{"r12", 8, R_GPR, 12}, {"r13", 8, R_GPR, 13}, {"r14", 8, R_GPR, 14}, {"r15", 8, R_GPR, 15},
	{"rip", 8, R_RIP, 0}, {"eflags", 4, R_FLAGS, 0},
	{"cs", 4, R_SEG, 1}, {"ss", 4, R_SEG, 2}, {"ds", 4, R_SEG, 3},
	{"es", 4, R_SEG, 0}, {"fs", 4, R_SEG, 4}, {"gs", 4, R_SEG, 5},
	{"st0", 10, R_ZERO, 0}, {"st1", 10, R_ZERO, 0}, {"st2", 10, R_ZERO, 0}, {"st3", 10, R_ZERO, 0},
	{"st4", 10, R_ZERO, 0}, {"st5", 10, R_ZERO, 0}, {"st6", 10, R_ZERO, 0}, {"st7", 10, R_ZERO, 0},
	{"fctrl", 4, R_CONST, 0x37f}, {"fstat", 4, R_ZERO, 0}, {"ftag", 4, R_CONST, 0xffff},
	{"fiseg", 4, R_ZERO, 0}, {"fioff", 4, R_ZERO, 0}, {"foseg", 4, R_ZERO, 0},
	{"fooff", 4, R_ZERO, 0}, {"fop", 4, R_ZERO, 0},
	{"xmm0", 16, R_ZERO, 0}, {"xmm1", 16, R_ZERO, 0}, {"xmm2", 16, R_ZERO, 0}, {"xmm3", 16, R_ZERO, 0},
	{"xmm4", 16, R_ZERO, 0}, {"xmm5", 16, R_ZERO, 0}, {"xmm6", 16, R_ZERO, 0}, {"xmm7", 16, R_ZERO, 0},
	{"xmm8", 16, R_ZERO, 0}, {"xmm9", 16, R_ZERO, 0}, {"xmm10", 16, R_ZERO, 0}, {"xmm11", 16, R_ZERO, 0},
	{"xmm12", 16, R_ZERO, 0}, {"xmm13", 16, R_ZERO, 0}, {"xmm14", 16, R_ZERO, 0}, {"xmm15", 16, R_ZERO, 0},
	{"mxcsr", 4, R_CONST, 0x1f80},
	{"fs_base", 8, R_FSB, 0}, {"gs_base", 8, R_GSB, 0},
	{"k_gs_base", 8, R_KGSB, 0}, {"cr0", 8, R_CR0, 0}, {"cr2", 8, R_CR2, 0}, {"cr3", 8, R_CR3, 0},
	{"cr4", 8, R_CR4, 0}, {"efer", 8, R_EFER, 0},
};
#define NREGS (sizeof regs / sizeof regs[0])

static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/><reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/><reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/><reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/><reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/><reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/><reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/><reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/><reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/><reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/><reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/><reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/><reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n"
	"<vector id=\"v2u64\" type=\"uint64\" count=\"2\"/>\n"
	"<union id=\"vec128\"><field name=\"v2_int64\" type=\"v2u64\"/><field name=\"uint128\" type=\"uint128\"/></union>\n"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm8\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm9\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm10\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm11\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm12\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm13\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm14\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>\n"
	"</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/><reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n<feature name=\"org.vmlab.x86-64.system\">\n"
	"<reg name=\"k_gs_base\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr0\" bitsize=\"64\" type=\"int\" group=\"system\"/>"
	"<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>"
	"<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"efer\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"</feature>\n</target>\n";

const char *gdb_target_xml(void)
{
	return target_xml;
}

static uint64_t reg_value(const struct reg_def *d, const struct mon_regs *r)
{
	switch (d->src) {
	case R_GPR: return r->gpr[d->idx];
	case R_RIP: return r->rip;
	case R_FLAGS: return r->rflags;
	case R_SEG: return r->seg[d->idx];
	case R_CONST: return d->idx;
	case R_FSB: return r->fs_base;
	case R_GSB: return r->gs_base;
	case R_KGSB: return r->kernel_gs_base;
	case R_CR0: return r->cr0;
	case R_CR2: return r->cr2;
	case R_CR3: return r->cr3;
	case R_CR4: return r->cr4;
	case R_EFER: return r->efer;
	default: return 0;
	}
}

/* Store v little-endian into size bytes (zeros past 8). */
static void put_le(uint8_t *out, unsigned size, uint64_t v)
{
	memset(out, 0, size);
	for (unsigned i = 0; i < size && i < 8; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *in, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = size < 8 ? size : 8; i-- > 0;)
		v = v << 8 | in[i];
	return v;
}

size_t gdb_reg_read(struct vm *vm, unsigned n, uint8_t *out)
{
	if (n >= NREGS)
		return 0;
	struct mon_regs r;
	mon_vm_get_regs(vm, &r);
	put_le(out, regs[n].size, reg_value(&regs[n], &r));
	return regs[n].size;
}

size_t gdb_regs_read(struct vm *vm, uint8_t *out)
{
	struct mon_regs r;
	mon_vm_get_regs(vm, &r);
	size_t off = 0;
	for (unsigned n = 0; n < NREGS; n++) {
		put_le(out + off, regs[n].size, reg_value(&regs[n], &r));
		off += regs[n].size;
	}
	return off;
}

/* Put v into the writable field register d stands for; false if it has none. */
static bool reg_store(const struct reg_def *d, struct mon_regs *r, uint64_t v)
{
	switch (d->src) {
	case R_GPR: r->gpr[d->idx] = v; return true;
	case R_RIP: r->rip = v; return true;
	case R_FLAGS: r->rflags = v; return true;
	case R_FSB: r->fs_base = v; return true;
	case R_GSB: r->gs_base = v; return true;
	default: return false;
	}
}

int gdb_reg_write(struct vm *vm, unsigned n, const uint8_t *data, size_t len)
{
	if (n >= NREGS || len != regs[n].size)
		return -1;
	struct mon_regs r;
	mon_vm_get_regs(vm, &r);
	uint64_t v = get_le(data, regs[n].size);
	if (!reg_store(&regs[n], &r, v))
		return reg_value(&regs[n], &r) == v && regs[n].size <= 8 ? 0 : -1; /* unchanged: fine */
	char err[MON_ERR_MAX];
	return mon_vm_set_regs(vm, &r, err, sizeof err);
}

int gdb_regs_write(struct vm *vm, const uint8_t *data, size_t len)
{
	struct mon_regs r;
	mon_vm_get_regs(vm, &r);
	size_t off = 0;
	for (unsigned n = 0; n < NREGS && off + regs[n].size <= len; n++) {
		reg_store(&regs[n], &r, get_le(data + off, regs[n].size));
		off += regs[n].size;
	}
	char err[MON_ERR_MAX];
	return mon_vm_set_regs(vm, &r, err, sizeof err);
}
