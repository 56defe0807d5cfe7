/*
 * monitor/console/console_cmds_inspect.c — looking at the guest: regs, x/xp/xm,
 * disas (capstone, with symbols); backtrace is console_backtrace.c.
 *
 * Memory is read without side effects through the monitor (mon_read_va/pa/ma):
 * reading an unmapped address prints what was readable and then the fault
 * the access would take; it never touches host memory outside guest RAM.
 */
#include <capstone/capstone.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

#define X_MAX_BYTES (CON_MAX_COUNT * 8)
#define STR_MAX 256

enum space { SP_VA, SP_PA, SP_MA };
static const char *const space_name[] = {"VA", "PA", "MA"};

static size_t read_space(struct con_session *s, enum space sp, uint64_t addr, void *buf, size_t len)
{
	if (sp == SP_VA)
		return mon_read_va(s->vm, addr, buf, len);
	if (sp == SP_PA)
		return mon_read_pa(s->vm, addr, buf, len);
	return mon_read_ma(s->vm, addr, buf, len);
}

/* One line explaining why addr in space sp cannot be read. */
static int read_fault(struct con_session *s, enum space sp, uint64_t addr)
{
	if (sp == SP_VA) {
		struct mon_xlat x;
		mon_translate(s->vm, addr, &x);
		char why[160];
		if (!x.pa_ok)
			return con_error(s, "cannot read VA 0x%llx: %s%s", (unsigned long long)addr,
					 con_xlat_unmapped(&x), con_xlat_fault(&x, why, sizeof why));
		return con_error(s, "cannot read VA 0x%llx: it maps to PA 0x%llx, outside guest memory",
				 (unsigned long long)addr, (unsigned long long)x.pa);
	}
	return con_error(s, "cannot read %s 0x%llx: outside %s", space_name[sp], (unsigned long long)addr,
			 sp == SP_PA ? "guest-physical memory" : "machine RAM");
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	if (size == 8)
		return (int64_t)v;
	unsigned shift = 64 - 8 * size;
	return (int64_t)(v << shift) >> shift;
}

static void line_head(struct con_session *s, enum space sp, uint64_t addr)
{
	char a[200];
	if (sp == SP_VA)
		con_fmt_addr(s, addr, a, sizeof a);
	else
		snprintf(a, sizeof a, "%s%s 0x%016llx%s", con_color_on(s->color, CON_C_ADDR), space_name[sp],
			 (unsigned long long)addr, con_color_off(s->color));
	fprintf(s->out, "%s:", a);
}

static void put_char_escaped(FILE *f, unsigned char c)
{
	static const char esc[] = "\n\\n\t\\t\r\\r\"\\\"\\\\\\";
	const char *e = c ? memchr(esc, c, sizeof esc - 1) : NULL;
	if (e && ((e - esc) % 3) == 0)
		fprintf(f, "%.2s", e + 1);
	else if (isprint(c))
		fputc(c, f);
	else
		fprintf(f, "\\x%02x", c);
}

/* x/Ns: strings. */
static int examine_strings(struct con_session *s, enum space sp, uint64_t addr, unsigned count)
{
	for (unsigned k = 0; k < count; k++) {
		uint8_t buf[STR_MAX];
		size_t got = read_space(s, sp, addr, buf, sizeof buf);
		size_t n = 0;
		while (n < got && buf[n])
			n++;
		if (n == got && got < sizeof buf)
			return read_fault(s, sp, addr + got);
		line_head(s, sp, addr);
		fputs("  \"", s->out);
		for (size_t i = 0; i < n; i++)
			put_char_escaped(s->out, buf[i]);
		fprintf(s->out, "\"%s\n", n == sizeof buf ? "..." : "");
		addr += n + 1;
	}
	return 0;
}

/* x/FMT, xp/FMT, xm/FMT. */
static int examine(struct con_session *s, enum space sp, const struct con_cmd *c)
{
	const struct con_fmt *f = &c->fmt;
	if (f->letter == 'i') {
		if (sp != SP_VA)
			return con_error(s, "x/i works on virtual addresses only (use x/i)");
		return con_disas(s, c->addr, f->count, true) ? 0 : -1;
	}
	if (f->letter == 's')
		return examine_strings(s, sp, c->addr, f->count);
	size_t want = (size_t)f->count * f->size;
	uint8_t *buf = malloc(X_MAX_BYTES);
	if (!buf)
		return con_error(s, "out of memory");
	size_t got = read_space(s, sp, c->addr, buf, want);
	unsigned per_line = f->letter == 'c' ? 8 : f->size >= 4 ? 16 / f->size : 8;
	unsigned items = (unsigned)(got / f->size);
	for (unsigned i = 0; i < items; i++) {
		if (i % per_line == 0) {
			if (i)
				fputc('\n', s->out);
			line_head(s, sp, c->addr + (uint64_t)i * f->size);
		}
		uint64_t v = load_le(buf + (size_t)i * f->size, f->size);
		switch (f->letter) {
		case 'd':
			fprintf(s->out, "  %lld", (long long)sign_extend(v, f->size));
			break;
		case 'u':
			fprintf(s->out, "  %llu", (unsigned long long)v);
			break;
		case 'c':
			fprintf(s->out, "  %u '", (unsigned)(v & 0xff));
			put_char_escaped(s->out, (unsigned char)v);
			fputc('\'', s->out);
			break;
		default:
			fprintf(s->out, "  0x%0*llx", (int)(2 * f->size), (unsigned long long)v);
		}
	}
	if (items)
		fputc('\n', s->out);
	free(buf);
	if (got < want)
		return read_fault(s, sp, c->addr + got);
	return 0;
}

unsigned con_disas(struct con_session *s, uint64_t va, unsigned n, bool mark_rip)
{
	size_t want = (size_t)n * 15;
	uint8_t *code = malloc(want);
	csh h;
	if (!code || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		free(code);
		con_error(s, "capstone cannot be opened");
		return 0;
	}
	size_t got = mon_read_va(s->vm, va, code, want);
	uint64_t rip = mon_vm_cpu(s->vm)->rip;
	cs_insn *insn = NULL;
	size_t count = got ? cs_disasm(h, code, got, va, n, &insn) : 0;
	for (size_t i = 0; i < count; i++) {
		char a[200], bytes[64] = "";
		for (size_t b = 0; b < insn[i].size && b < 10; b++)
			snprintf(bytes + 3 * b, sizeof bytes - 3 * b, "%02x ", insn[i].bytes[b]);
		fprintf(s->out, "%s %s:  %-30s %s%s%s\n", mark_rip && insn[i].address == rip ? "=>" : "  ",
			con_fmt_addr(s, insn[i].address, a, sizeof a), bytes, insn[i].mnemonic,
			insn[i].op_str[0] ? " " : "", insn[i].op_str);
	}
	uint64_t next = count ? insn[count - 1].address + insn[count - 1].size : va;
	if (count)
		cs_free(insn, count);
	cs_close(&h);
	free(code);
	if (count < n) {
		if (next - va < got)
			con_error(s, "cannot decode the bytes at VA 0x%llx", (unsigned long long)next);
		else
			read_fault(s, SP_VA, next);
	}
	return (unsigned)count;
}

static const char *const reg_order[16][2] = {
	{"rax", "0"}, {"rbx", "3"}, {"rcx", "1"}, {"rdx", "2"}, {"rsi", "6"}, {"rdi", "7"},
	{"rbp", "5"}, {"rsp", "4"}, {"r8", "8"}, {"r9", "9"}, {"r10", "10"}, {"r11", "11"},
	{"r12", "12"}, {"r13", "13"}, {"r14", "14"}, {"r15", "15"},
};

static void print_flags(FILE *f, uint64_t fl)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{RFLAGS_CF, "CF"}, {RFLAGS_PF, "PF"}, {RFLAGS_AF, "AF"}, {RFLAGS_ZF, "ZF"},
		{RFLAGS_SF, "SF"}, {RFLAGS_TF, "TF"}, {RFLAGS_IF, "IF"}, {RFLAGS_DF, "DF"},
		{RFLAGS_OF, "OF"}, {RFLAGS_NT, "NT"}, {RFLAGS_RF, "RF"}, {RFLAGS_AC, "AC"}, {RFLAGS_ID, "ID"},
	};
	fputs(" [", f);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (fl & names[i].bit)
			fprintf(f, " %s", names[i].name);
	fprintf(f, " ] IOPL %u\n", (unsigned)((fl >> 12) & 3));
}

static int cmd_regs(struct con_session *s)
{
	const struct cpu *cpu = mon_vm_cpu(s->vm);
	const struct mon_vcpu *v = mon_vm_vcpu(s->vm);
	for (int i = 0; i < 16; i++) {
		int r = atoi(reg_order[i][1]);
		fprintf(s->out, "%-3s 0x%016llx%s", reg_order[i][0], (unsigned long long)cpu->gpr[r],
			i % 4 == 3 ? "\n" : "  ");
	}
	char a[200];
	fprintf(s->out, "rip %s\n", con_fmt_addr(s, cpu->rip, a, sizeof a));
	uint64_t fl = mon_vm_guest_rflags(s->vm);
	fprintf(s->out, "rflags 0x%016llx", (unsigned long long)fl);
	print_flags(s->out, fl);
	fprintf(s->out, "vCPL %u (%s; real CPL %u), virtual IF %s, who %s\n", v->cpl,
		v->cpl ? "guest user" : "guest kernel", cpu->cpl, v->iflag ? "on" : "off", mon_vm_who(s->vm));
	fprintf(s->out, "cr0 0x%016llx  cr2 0x%016llx  cr3 0x%016llx\ncr4 0x%016llx  efer 0x%016llx\n",
		(unsigned long long)v->cr0, (unsigned long long)v->cr2, (unsigned long long)v->cr3,
		(unsigned long long)v->cr4, (unsigned long long)v->efer);
	fprintf(s->out, "gdtr 0x%llx/0x%x  idtr 0x%llx/0x%x  tr 0x%x  lstar 0x%llx\n",
		(unsigned long long)v->gdtr.base, v->gdtr.limit, (unsigned long long)v->idtr.base,
		v->idtr.limit, v->tr, (unsigned long long)v->lstar);
	return 0;
}

int con_cmd_inspect(struct con_session *s, const struct con_cmd *c)
{
	switch (c->id) {
	case CON_REGS:
		return cmd_regs(s);
	case CON_X:
		return examine(s, SP_VA, c);
	case CON_XP:
		return examine(s, SP_PA, c);
	case CON_XM:
		return examine(s, SP_MA, c);
	case CON_DISAS: {
		uint64_t va = c->has_addr ? c->addr : mon_vm_cpu(s->vm)->rip;
		unsigned n = c->has_n ? (unsigned)c->n : 8;
		return con_disas(s, va, n, true) == n ? 0 : -1;
	}
	case CON_BACKTRACE:
		return con_cmd_backtrace(s);
	default:
		return con_error(s, "internal: not an inspection command");
	}
}
