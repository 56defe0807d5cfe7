/*
 * tests/unit/test_monitor_console_parse.c — the console's command parser:
 * every command with good arguments, abbreviations, numbers, symbol
 * expressions, /FMT, and bad input (one-line errors). Plus the ELF symbol
 * tables (read from this test binary itself) and the colour helpers.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "tests/unit/check_run.h"

static bool fake_sym(void *ctx, const char *name, uint64_t *out)
{
	(void)ctx;
	static const struct { const char *n; uint64_t a; } syms[] = {
		{"main", 0x401000}, {"kernel_entry", 0x100000}, {"hello:main", 0x401000},
		{"pf_handler", 0x102340}, {"big", 0xfffffffffffffff0ull},
	};
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
		if (!strcmp(syms[i].n, name)) {
			*out = syms[i].a;
			return true;
		}
	return false;
}

static bool fake_reg(void *ctx, const char *name, uint64_t *out)
{
	(void)ctx;
	if (!strcmp(name, "rip"))
		*out = 0x401234;
	else if (!strcmp(name, "rsp"))
		*out = 0x7fff0000;
	else
		return false;
	return true;
}

static const struct con_resolver R = {fake_sym, fake_reg, NULL};

/* A good line and what it parses to (fields not listed must be zero/false). */
struct good {
	const char *line;
	enum con_cmd_id id;
	int has_n;
	uint64_t n;
	int has_addr;
	uint64_t addr;
	unsigned count;
	char letter;
	unsigned size;
	int until;
	const char *topic;
};

static const struct good goods[] = {
	{"step", CON_STEP, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"step 3", CON_STEP, 1, 3, 0, 0, 0, 0, 0, 0, ""},
	{"s 0x10", CON_STEP, 1, 16, 0, 0, 0, 0, 0, 0, ""},
	{"  s   12  ", CON_STEP, 1, 12, 0, 0, 0, 0, 0, 0, ""},
	{"step 18446744073709551615", CON_STEP, 1, UINT64_MAX, 0, 0, 0, 0, 0, 0, ""},
	{"stepi", CON_STEPI, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"si", CON_STEPI, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"next-exit", CON_NEXT_EXIT, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"ne", CON_NEXT_EXIT, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"next", CON_NEXT_EXIT, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"until tlb-miss", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_TLB_MISS, ""},
	{"until exit", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_EXIT, ""},
	{"u syscall", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_SYSCALL, ""},
	{"until fault", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_FAULT, ""},
	{"until true-fault", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_TRUE_FAULT, ""},
	{"until hidden-fault", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_HIDDEN_FAULT, ""},
	{"until tlb_miss", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_TLB_MISS, ""}, /* the trace's spelling */
	{"until hidden_fault", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_HIDDEN_FAULT, ""},
	{"unt cr3", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_CR3, ""},
	{"until io", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_IO, ""},
	{"continue", CON_CONTINUE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"c", CON_CONTINUE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"cont", CON_CONTINUE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"finish", CON_FINISH, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"fin", CON_FINISH, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"break main", CON_BREAK, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"b 0x100000", CON_BREAK, 0, 0, 1, 0x100000, 0, 0, 0, 0, ""},
	{"b kernel_entry+0x10", CON_BREAK, 0, 0, 1, 0x100010, 0, 0, 0, 0, ""},
	{"b main + 4 - 2", CON_BREAK, 0, 0, 1, 0x401002, 0, 0, 0, 0, ""},
	{"break hello:main", CON_BREAK, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"b 4096", CON_BREAK, 0, 0, 1, 4096, 0, 0, 0, 0, ""},
	{"tbreak pf_handler", CON_TBREAK, 0, 0, 1, 0x102340, 0, 0, 0, 0, ""},
	{"tb $rip", CON_TBREAK, 0, 0, 1, 0x401234, 0, 0, 0, 0, ""},
	{"watch 0x7fff0000", CON_WATCH, 0, 0, 1, 0x7fff0000, 0, 0, 0, 0, ""},
	{"watch $rsp+8", CON_WATCH, 0, 0, 1, 0x7fff0008, 0, 0, 0, 0, ""},
	{"delete", CON_DELETE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"delete 2", CON_DELETE, 1, 2, 0, 0, 0, 0, 0, 0, ""},
	{"d 1", CON_DELETE, 1, 1, 0, 0, 0, 0, 0, 0, ""},
	{"info breakpoints", CON_INFO, 0, 0, 0, 0, 0, 0, 0, 0, "breakpoints"},
	{"i b", CON_INFO, 0, 0, 0, 0, 0, 0, 0, 0, "breakpoints"},
	{"info break", CON_INFO, 0, 0, 0, 0, 0, 0, 0, 0, "breakpoints"},
	{"i r", CON_INFO, 0, 0, 0, 0, 0, 0, 0, 0, "registers"},
	{"regs", CON_REGS, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"registers", CON_REGS, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"x 0x401000", CON_X, 0, 0, 1, 0x401000, 1, 'x', 4, 0, ""},
	{"x/4gx 0x401000", CON_X, 0, 0, 1, 0x401000, 4, 'x', 8, 0, ""},
	{"x/16xb main", CON_X, 0, 0, 1, 0x401000, 16, 'x', 1, 0, ""},
	{"x/s $rsp", CON_X, 0, 0, 1, 0x7fff0000, 1, 's', 1, 0, ""},
	{"x/3i $rip", CON_X, 0, 0, 1, 0x401234, 3, 'i', 4, 0, ""},
	{"x/2dw main+8", CON_X, 0, 0, 1, 0x401008, 2, 'd', 4, 0, ""},
	{"x/hu 0x10", CON_X, 0, 0, 1, 0x10, 1, 'u', 2, 0, ""},
	{"x/8c 0x10", CON_X, 0, 0, 1, 0x10, 8, 'c', 1, 0, ""},
	{"x/gc 0x10", CON_X, 0, 0, 1, 0x10, 1, 'c', 8, 0, ""},
	{"x /4gx 0x401000", CON_X, 0, 0, 1, 0x401000, 4, 'x', 8, 0, ""},
	{"xp/2gx 0x5000", CON_XP, 0, 0, 1, 0x5000, 2, 'x', 8, 0, ""},
	{"xp 0x5000", CON_XP, 0, 0, 1, 0x5000, 1, 'x', 4, 0, ""},
	{"xm/4096xb 0", CON_XM, 0, 0, 1, 0, 4096, 'x', 1, 0, ""},
	{"disas", CON_DISAS, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"disas main", CON_DISAS, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"disas main+4 20", CON_DISAS, 1, 20, 1, 0x401004, 0, 0, 0, 0, ""},
	{"disassemble $rip 1", CON_DISAS, 1, 1, 1, 0x401234, 0, 0, 0, 0, ""},
	{"tlb", CON_TLB, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"pt 0x401000", CON_PT, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"pt main", CON_PT, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"shadow 0x401000", CON_SHADOW, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"sh 0x401000", CON_SHADOW, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"translate 0xffff800000000000", CON_TRANSLATE, 0, 0, 1, 0xffff800000000000ull, 0, 0, 0, 0, ""},
	{"tr main", CON_TRANSLATE, 0, 0, 1, 0x401000, 0, 0, 0, 0, ""},
	{"stats", CON_STATS, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"vm", CON_VM, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"vm list", CON_VM, 0, 0, 0, 0, 0, 0, 0, 0, "list"},
	{"vm select b", CON_VM, 0, 0, 0, 0, 0, 0, 0, 0, "select"},
	{"vm  select   vm0 ", CON_VM, 0, 0, 0, 0, 0, 0, 0, 0, "select"},
	{"until vm-switch", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_VM_SWITCH, ""},
	{"until vm_switch", CON_UNTIL, 0, 0, 0, 0, 0, 0, 0, CON_UNTIL_VM_SWITCH, ""},
	{"trace", CON_TRACE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"trace 20", CON_TRACE, 1, 20, 0, 0, 0, 0, 0, 0, ""},
	{"backtrace", CON_BACKTRACE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"bt", CON_BACKTRACE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"where", CON_BACKTRACE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"help", CON_HELP, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"help step", CON_HELP, 0, 0, 0, 0, 0, 0, 0, 0, "step"},
	{"help bt", CON_HELP, 0, 0, 0, 0, 0, 0, 0, 0, "backtrace"},
	{"h i", CON_HELP, 0, 0, 0, 0, 0, 0, 0, 0, "info"},
	{"gdb-listen 1234", CON_GDB_LISTEN, 1, 1234, 0, 0, 0, 0, 0, 0, ""},
	{"gdb-listen 0", CON_GDB_LISTEN, 1, 0, 0, 0, 0, 0, 0, 0, ""},
	{"g 0x10", CON_GDB_LISTEN, 1, 16, 0, 0, 0, 0, 0, 0, ""},
	{"record s.rec", CON_RECORD, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"record /tmp/s.rec", CON_RECORD, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"quit", CON_QUIT, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"q", CON_QUIT, 0, 0, 0, 0, 0, 0, 0, 0, ""},
	{"exit", CON_QUIT, 0, 0, 0, 0, 0, 0, 0, 0, ""},
};

START_TEST(good_lines)
{
	const struct good *g = &goods[_i];
	struct con_cmd c;
	char err[160] = "";
	int rc = con_parse(g->line, &R, &c, err, sizeof err);
	ck_assert_msg(rc == 1, "'%s' rejected: %s", g->line, err);
	ck_assert_msg(c.id == g->id, "'%s': id %d, want %d", g->line, c.id, g->id);
	ck_assert_int_eq(c.has_n, g->has_n);
	ck_assert_msg(c.n == g->n, "'%s': n %llu", g->line, (unsigned long long)c.n);
	ck_assert_int_eq(c.has_addr, g->has_addr);
	ck_assert_msg(c.addr == g->addr, "'%s': addr 0x%llx", g->line, (unsigned long long)c.addr);
	ck_assert_uint_eq(c.fmt.count, g->count);
	ck_assert_int_eq(c.fmt.letter, g->letter);
	ck_assert_uint_eq(c.fmt.size, g->size);
	if (g->id == CON_UNTIL)
		ck_assert_int_eq(c.until, g->until);
	ck_assert_str_eq(c.topic, g->topic);
	if (!strcmp(g->topic, "select")) /* the name, without blanks */
		ck_assert_msg(c.expr[0] && !strchr(c.expr, ' ') && strstr(g->line, c.expr), "'%s': name '%s'", g->line,
			      c.expr);
}
END_TEST

/* A bad line and a fragment its one-line error must contain. */
static const char *const bads[][2] = {
	{"frobnicate", "unknown command 'frobnicate'"},
	{"st", "ambiguous command 'st': step, stepi, stats"},
	{"step 0", "count must be from 1"},
	{"step -1", "bad number '-1'"},
	{"step 3 4", "too many arguments"},
	{"step abc", "bad number"},
	{"step 99999999999999999999999", "number too large"},
	{"step 0x", "bad number"},
	{"stepi 2", "stepi takes no arguments"},
	{"next-exit now", "takes no arguments"},
	{"until", "until what?"},
	{"until banana", "until: unknown event 'banana'"},
	{"until tlb_miss_", "until: unknown event 'tlb_miss_'"},
	{"continue 5", "takes no arguments"},
	{"break", "missing address"},
	{"break nosuchsym", "no symbol 'nosuchsym'"},
	{"b main+", "missing address"},
	{"b main * 2", "bad address expression at '* 2'"},
	{"b 0x1fffffffffffffffff", "number too large"},
	{"b big+0x20", "address expression out of range"},
	{"b 0-1", "address expression out of range"},
	{"b $xyz", "unknown register '$xyz'"},
	{"b $", "bad register name"},
	{"b 12abc", "bad number '12abc'"},
	{"tbreak", "missing address"},
	{"watch", "missing address"},
	{"delete x", "bad number"},
	{"delete 0", "count must be from 1"},
	{"info", "info what?"},
	{"info frogs", "info what?"},
	{"regs now", "takes no arguments"},
	{"x", "missing address"},
	{"x/", "empty /FORMAT"},
	{"x/4q 0x10", "bad format letter 'q'"},
	{"x/0x 0x10", "count must be from 1 to 4096"},
	{"x/5000x 0x10", "count must be from 1 to 4096"},
	{"x/99999999999999999999999x 0", "number too large"},
	{"xp/4gx", "missing address"},
	{"xm/4gx nosuch", "no symbol 'nosuch'"},
	{"disas main 0", "count must be from 1"},
	{"disas main 5 6", "too many arguments"},
	{"disas nosuch", "no symbol"},
	{"tlb 3", "takes no arguments"},
	{"tlb/4x", "tlb takes no /FORMAT"},
	{"tlb /4x", "tlb takes no /FORMAT"},
	{"x / 0x10", "empty /FORMAT"},
	{"pt", "missing address"},
	{"gdb-listen", "gdb-listen needs one TCP port"},
	{"gdb-listen 1 2", "gdb-listen needs one TCP port"},
	{"gdb-listen 65536", "port 65536: a TCP port is 0..65535"},
	{"gdb-listen port", "bad number 'port'"},
	{"record", "record needs a file name"},
	{"shadow", "missing address"},
	{"translate", "missing address"},
	{"translate 0x10 0x20", "bad address expression"},
	{"stats x", "takes no arguments"},
	{"vm 1", "vm: '1'? (vm, vm list or vm select NAME)"},
	{"vm lis", "vm: 'lis'?"},
	{"vm list all", "vm list takes no arguments"},
	{"vm select", "vm select needs a VM's name"},
	{"vm select a b", "vm select takes one VM's name"},
	{"trace 0", "count must be from 1 to 4096"},
	{"trace 5000", "count must be from 1 to 4096"},
	{"bt full", "takes no arguments"},
	{"help nosuch", "unknown command 'nosuch'"},
	{"help step next", "help takes one command name"},
	{"quit now", "takes no arguments"},
	{"/4x", "unknown command ''"},
	{"\x01\x02", "unknown command"},
};

START_TEST(bad_lines)
{
	struct con_cmd c;
	char err[160] = "";
	int rc = con_parse(bads[_i][0], &R, &c, err, sizeof err);
	ck_assert_msg(rc == -1, "'%s' accepted", bads[_i][0]);
	ck_assert_msg(strstr(err, bads[_i][1]) != NULL, "'%s': error '%s' lacks '%s'", bads[_i][0], err,
		      bads[_i][1]);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(empty_and_comments)
{
	struct con_cmd c;
	char err[64];
	ck_assert_int_eq(con_parse("", &R, &c, err, sizeof err), 0);
	ck_assert_int_eq(con_parse("   \t ", &R, &c, err, sizeof err), 0);
	ck_assert_int_eq(con_parse("# a comment", &R, &c, err, sizeof err), 0);
	ck_assert_int_eq(con_parse("  # indented", &R, &c, err, sizeof err), 0);
}
END_TEST

START_TEST(long_and_huge_lines)
{
	struct con_cmd c;
	char err[160];
	char *line = malloc(100000);
	memset(line, 'a', 99999);
	line[99999] = 0;
	ck_assert_int_eq(con_parse(line, &R, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "line too long"));
	snprintf(line, 100000, "b %0200d", 1);
	ck_assert_int_eq(con_parse(line, &R, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	free(line);
}
END_TEST

START_TEST(no_resolver)
{
	struct con_cmd c;
	char err[160];
	ck_assert_int_eq(con_parse("b main", NULL, &c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no symbol 'main'"));
	ck_assert_int_eq(con_parse("b $rip", NULL, &c, err, sizeof err), -1);
	ck_assert_int_eq(con_parse("b 0x1000", NULL, &c, err, sizeof err), 1);
	ck_assert_str_eq(c.expr, "0x1000");
}
END_TEST

START_TEST(every_command_has_help)
{
	size_t n = 0;
	for (const struct con_cmd_info *ci; (ci = con_cmd_at(n)); n++) {
		ck_assert(strlen(ci->name) > 0);
		ck_assert(strlen(ci->usage) > 0);
		ck_assert(strlen(ci->help) > 10);
		ck_assert_ptr_eq(con_cmd_info(ci->id), ci);
		/* the full name parses to this command (with an argument if it needs one) */
		struct con_cmd c;
		char err[160], line[64];
		snprintf(line, sizeof line, "help %s", ci->name);
		ck_assert_int_eq(con_parse(line, NULL, &c, err, sizeof err), 1);
		ck_assert_str_eq(c.topic, ci->name);
	}
	ck_assert_uint_eq(n, CON_NCMDS);
}
END_TEST

START_TEST(fmt_parse)
{
	struct con_fmt f = {1, 'x', 4};
	char err[128];
	ck_assert_int_eq(con_parse_fmt("10", &f, err, sizeof err), 0);
	ck_assert_uint_eq(f.count, 10);
	ck_assert_int_eq(con_parse_fmt("bx", &f, err, sizeof err), 0);
	ck_assert_uint_eq(f.size, 1);
	ck_assert_int_eq(con_parse_fmt("xg", &f, err, sizeof err), 0);
	ck_assert_uint_eq(f.size, 8);
	ck_assert_int_eq(con_parse_fmt("x-", &f, err, sizeof err), -1);
}
END_TEST

START_TEST(eval_expressions)
{
	uint64_t v;
	char err[128];
	ck_assert_int_eq(con_eval("0x10+0x20-8", &R, &v, err, sizeof err), 0);
	ck_assert_uint_eq(v, 0x28);
	ck_assert_int_eq(con_eval(" main  -  0x1000 ", &R, &v, err, sizeof err), 0);
	ck_assert_uint_eq(v, 0x400000);
	ck_assert_int_eq(con_eval("18446744073709551615", &R, &v, err, sizeof err), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(con_eval("18446744073709551616", &R, &v, err, sizeof err), -1);
	ck_assert_int_eq(con_eval("0xFFFFffffFFFFffff", &R, &v, err, sizeof err), 0);
	ck_assert_int_eq(con_eval("0x10000000000000000", &R, &v, err, sizeof err), -1);
	ck_assert_int_eq(con_eval("", &R, &v, err, sizeof err), -1);
}
END_TEST

/* ---- symbols, read from this very binary ---- */

int con_test_marker_function(int x);
int con_test_marker_function(int x)
{
	return x * 3 + 1;
}

START_TEST(symbols_from_elf)
{
	struct con_symtab t = {0};
	char err[128];
	int n = con_symtab_add_file(&t, "/proc/self/exe", NULL, err, sizeof err);
	ck_assert_msg(n > 10, "%d symbols: %s", n, err);
	ck_assert_int_gt(con_symtab_add_file(&t, "/proc/self/exe", "self", err, sizeof err), 10);
	con_symtab_finish(&t);
	const struct con_sym *s = con_sym_lookup(&t, "con_test_marker_function", NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(s->prog);
	ck_assert(s->size > 0);
	const struct con_sym *u = con_sym_lookup(&t, "self:con_test_marker_function", NULL);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->prog, "self");
	ck_assert_ptr_null(con_sym_lookup(&t, "other:con_test_marker_function", NULL));
	ck_assert_ptr_eq(con_sym_lookup(&t, "kernel:con_test_marker_function", NULL), s);
	ck_assert_ptr_null(con_sym_lookup(&t, "no_such_symbol_here", NULL));
	/* address -> symbol */
	ck_assert_ptr_eq(con_sym_find(&t, s->addr, NULL), s);
	const struct con_sym *f = con_sym_find(&t, s->addr + 1, NULL);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "con_test_marker_function");
	char buf[128];
	ck_assert_str_eq(con_sym_format(&t, s->addr, NULL, buf, sizeof buf), "<con_test_marker_function>");
	ck_assert_str_eq(con_sym_format(&t, s->addr + 2, NULL, buf, sizeof buf),
			 "<con_test_marker_function+0x2>");
	ck_assert_str_eq(con_sym_format(&t, 0x10, NULL, buf, sizeof buf), "");
	ck_assert_str_eq(con_sym_format(NULL, s->addr, NULL, buf, sizeof buf), "");
	con_symtab_free(&t);
	ck_assert_uint_eq(t.n, 0);
}
END_TEST

static void count_cb(void *ctx, const char *name)
{
	(void)name;
	(*(int *)ctx)++;
}

START_TEST(symbols_prefix)
{
	struct con_symtab t = {0};
	char err[128];
	ck_assert_int_gt(con_symtab_add_file(&t, "/proc/self/exe", NULL, err, sizeof err), 0);
	con_symtab_finish(&t);
	int n = 0;
	con_sym_each_prefix(&t, "con_test_marker", count_cb, &n);
	ck_assert_int_eq(n, 1);
	n = 0;
	con_sym_each_prefix(&t, "zzz_no_such_prefix", count_cb, &n);
	ck_assert_int_eq(n, 0);
	con_symtab_free(&t);
}
END_TEST

START_TEST(symbols_bad_elf)
{
	struct con_symtab t = {0};
	char err[128];
	static uint8_t junk[4096];
	ck_assert_int_eq(con_symtab_add_elf(&t, junk, sizeof junk, NULL, err, sizeof err), -1);
	ck_assert_str_eq(err, "not an ELF file");
	ck_assert_int_eq(con_symtab_add_elf(&t, "\177ELF", 4, NULL, err, sizeof err), -1);
	ck_assert_int_eq(con_symtab_add_file(&t, "/nonexistent/kernel.elf", NULL, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	/* every truncation of a real ELF is either rejected or read safely */
	FILE *f = fopen("/proc/self/exe", "rb");
	ck_assert_ptr_nonnull(f);
	size_t cap = 64 << 20;
	uint8_t *buf = malloc(cap);
	size_t len = fread(buf, 1, cap, f);
	fclose(f);
	for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
		uint8_t *part = malloc(cut ? cut : 1);
		memcpy(part, buf, cut);
		struct con_symtab t2 = {0};
		(void)con_symtab_add_elf(&t2, part, cut, NULL, err, sizeof err);
		con_symtab_free(&t2);
		free(part);
	}
	/* corrupt section header offset */
	uint8_t *bad = malloc(len);
	memcpy(bad, buf, len);
	memset(bad + 0x28, 0xff, 8); /* e_shoff */
	ck_assert_int_eq(con_symtab_add_elf(&t, bad, len, NULL, err, sizeof err), -1);
	ck_assert_str_eq(err, "section headers outside the file");
	free(bad);
	free(buf);
	con_symtab_free(&t);
}
END_TEST

/* A "guest memory" reader over this process's own ELF image, as loaded from the file. */
static const struct con_symtab *sig_table;
static size_t read_sig(void *ctx, uint64_t va, void *buf, size_t len)
{
	const char *want = ctx;
	for (size_t i = 0; i < sig_table->nsigs; i++)
		if (!strcmp(sig_table->sigs[i].prog, want) && sig_table->sigs[i].va == va) {
			memcpy(buf, sig_table->sigs[i].bytes, len);
			return len;
		}
	return 0;
}
static size_t read_nothing(void *ctx, uint64_t va, void *buf, size_t len)
{
	(void)ctx, (void)va, (void)buf, (void)len;
	return 0;
}

START_TEST(symbols_identify_program)
{
	struct con_symtab t = {0};
	char err[128];
	ck_assert_int_gt(con_symtab_add_file(&t, "/proc/self/exe", "prog_a", err, sizeof err), 0);
	con_symtab_finish(&t);
	ck_assert_uint_eq(t.nsigs, 1);
	ck_assert_uint_eq(t.sigs[0].len, CON_SIG_BYTES);
	ck_assert(con_symtab_has_prog(&t, "prog_a"));
	ck_assert(!con_symtab_has_prog(&t, "prog_b"));
	ck_assert(!con_symtab_has_prog(&t, NULL));
	sig_table = &t;
	ck_assert_str_eq(con_symtab_identify(&t, read_sig, "prog_a"), "prog_a");
	ck_assert_ptr_null(con_symtab_identify(&t, read_nothing, NULL));
	/* two programs with the same main(): cannot tell them apart */
	ck_assert_int_gt(con_symtab_add_file(&t, "/proc/self/exe", "prog_b", err, sizeof err), 0);
	ck_assert_ptr_null(con_symtab_identify(&t, read_sig, "prog_a"));
	/* the kernel (prog NULL) has no signature */
	ck_assert_int_gt(con_symtab_add_file(&t, "/proc/self/exe", NULL, err, sizeof err), 0);
	ck_assert_uint_eq(t.nsigs, 2);
	con_symtab_free(&t);
}
END_TEST

START_TEST(colors)
{
	ck_assert_str_eq(con_color_on(false, CON_C_ERR), "");
	ck_assert_str_eq(con_color_off(false), "");
	ck_assert_str_eq(con_color_on(true, CON_C_ERR), "\033[1;31m");
	ck_assert_str_eq(con_color_off(true), "\033[0m");
	ck_assert_str_eq(con_color_on(true, (enum con_color)99), "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("console_parse");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, good_lines, 0, (int)(sizeof goods / sizeof goods[0]));
	tcase_add_loop_test(tc, bad_lines, 0, (int)(sizeof bads / sizeof bads[0]));
	tcase_add_test(tc, empty_and_comments);
	tcase_add_test(tc, long_and_huge_lines);
	tcase_add_test(tc, no_resolver);
	tcase_add_test(tc, every_command_has_help);
	tcase_add_test(tc, fmt_parse);
	tcase_add_test(tc, eval_expressions);
	suite_add_tcase(s, tc);
	TCase *ts = tcase_create("symbols");
	tcase_set_timeout(ts, 30);
	tcase_add_test(ts, symbols_from_elf);
	tcase_add_test(ts, symbols_prefix);
	tcase_add_test(ts, symbols_bad_elf);
	tcase_add_test(ts, colors);
	tcase_add_test(ts, symbols_identify_program);
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	return check_run(suite());
}
