/*
 * monitor/console/console_parse.c — the console's command table and line parser.
 *
 * A line is COMMAND[/FMT] [ARGS]. COMMAND is a full name, an alias (gdb's
 * s, si, c, b, bt, q, i, ...) or any unambiguous prefix of a name. Each
 * command row says which arguments it takes; the parser checks them all, so
 * the executor (console_cmds_*.c) only ever sees well-formed commands.
 * Errors are one line; the console prints it and goes on.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

enum argspec {
	ARG_NONE,     /* nothing */
	ARG_OPT_COUNT,/* [n], n >= 1 */
	ARG_UNTIL,    /* one of con_until_names */
	ARG_ADDR,     /* an address expression (may contain blanks) */
	ARG_OPT_ID,   /* [n] breakpoint number */
	ARG_INFO,     /* breakpoints | registers */
	ARG_FMT_ADDR, /* /FMT (in the command word) and an address expression */
	ARG_DISAS,    /* [addr] [n] */
	ARG_TOPIC,    /* [command name] */
	ARG_DRAW,     /* walk <addr> FILE | tlb FILE | sequence FILE */
	ARG_FILE,     /* a file name (the rest of the line) */
	ARG_PORT,     /* a TCP port, 0..65535 */
	ARG_VM,       /* nothing | list | select NAME */
};

struct cmd_row {
	struct con_cmd_info info;
	enum argspec arg;
};

/* The commands, in help order. Aliases are exact words; prefixes are tried after them. */
static const struct cmd_row cmds[] = {
	{{CON_STEP, "step", "s", "step [n]", "execute n guest instructions (default 1)"}, ARG_OPT_COUNT},
	{{CON_STEPI, "stepi", "si", "stepi", "monitor-level step: the next phase of this exit, else one insn"}, ARG_NONE},
	{{CON_NEXT_EXIT, "next-exit", "ne", "next-exit", "run to the next VM exit and stop at its first phase"}, ARG_NONE},
	{{CON_UNTIL, "until", "u", "until <event>", "run to the next tlb-miss|exit|syscall|fault|true-fault|hidden-fault|cr3|io"}, ARG_UNTIL},
	{{CON_CONTINUE, "continue", "c", "continue", "run until a breakpoint, a watchpoint, the VM's end or Ctrl-C"}, ARG_NONE},
	{{CON_FINISH, "finish", "fin", "finish", "leave the round trip: the exit's last phases, or back to user mode"}, ARG_NONE},
	{{CON_REVERSE_STEPI, "reverse-stepi", "rsi", "reverse-stepi [n]", "go back n stepi (phases or instructions), showing what stepi showed there"}, ARG_OPT_COUNT},
	{{CON_REVERSE_STEP, "reverse-step", "rs", "reverse-step [n]", "go back n guest instructions, showing what step showed there"}, ARG_OPT_COUNT},
	{{CON_REVERSE_CONTINUE, "reverse-continue", "rc", "reverse-continue", "back to the previous breakpoint or watchpoint hit (else the start)"}, ARG_NONE},
	{{CON_REVERSE_UNTIL, "reverse-until", "ru", "reverse-until <event>", "back to where 'until <event>' last stopped (same events as until)"}, ARG_UNTIL},
	{{CON_BREAK, "break", "b br", "break <sym|addr>", "stop when the guest is about to execute that address"}, ARG_ADDR},
	{{CON_TBREAK, "tbreak", "tb", "tbreak <sym|addr>", "a breakpoint deleted when it is hit"}, ARG_ADDR},
	{{CON_WATCH, "watch", "wa", "watch <va>", "stop when the 8 bytes at that VA change"}, ARG_ADDR},
	{{CON_DELETE, "delete", "d del", "delete [n]", "delete breakpoint/watchpoint n, or all"}, ARG_OPT_ID},
	{{CON_INFO, "info", "i", "info b|r|s", "list breakpoints and watchpoints, the registers, or the checkpoints kept"}, ARG_INFO},
	{{CON_REGS, "regs", "r registers", "regs", "guest GPRs, RIP, RFLAGS decoded, virtual CPL, control registers"}, ARG_NONE},
	{{CON_X, "x", "", "x/FMT <va>", "memory by virtual address (FMT: count, x d u c s i, b h w g)"}, ARG_FMT_ADDR},
	{{CON_XP, "xp", "", "xp/FMT <pa>", "memory by guest-physical address"}, ARG_FMT_ADDR},
	{{CON_XM, "xm", "", "xm/FMT <ma>", "memory by machine address"}, ARG_FMT_ADDR},
	{{CON_DISAS, "disas", "disassemble", "disas [addr] [n]", "disassemble n instructions (8) at addr (RIP)"}, ARG_DISAS},
	{{CON_TLB, "tlb", "", "tlb", "the simulated TLB: set/way, VMID, ASID, VA, PA, MA, perms, age"}, ARG_NONE},
	{{CON_PT, "pt", "", "pt <va>", "the guest's walk for va: each level's entry, its PA and flags"}, ARG_ADDR},
	{{CON_SHADOW, "shadow", "", "shadow <va>", "the monitor's shadow tables and TLB entry for va, per view"}, ARG_ADDR},
	{{CON_TRANSLATE, "translate", "tr", "translate <va>", "VA -> PA -> MA in one line, or the fault it would take"}, ARG_ADDR},
	{{CON_STATS, "stats", "", "stats", "counters: instructions, exits, round trips, TLB, faults, cycles"}, ARG_NONE},
	{{CON_VM, "vm", "", "vm [list | select NAME]", "the VM: id, who runs, virtual CPL, instruction count, state; several VMs: list, select one"}, ARG_VM},
	{{CON_TRACE, "trace", "", "trace [n]", "the last n trace events (default 10)"}, ARG_OPT_COUNT},
	{{CON_BACKTRACE, "backtrace", "bt where", "backtrace", "guest call stack (return address at [rsp] until the prologue has run, then the rbp chain)"}, ARG_NONE},
	{{CON_DRAW, "draw", "", "draw walk <va> FILE | tlb FILE | sequence FILE", "write a picture (SVG): va's walk, the TLB, the last events"}, ARG_DRAW},
	{{CON_RECORD, "record", "", "record FILE", "write the session so far (options, images, commands) for vmlab replay"}, ARG_FILE},
	{{CON_GDB_LISTEN, "gdb-listen", "", "gdb-listen PORT", "serve gdb on 127.0.0.1:PORT (0: any free port) until it detaches"}, ARG_PORT},
	{{CON_HELP, "help", "h ?", "help [cmd]", "list the commands, or explain one"}, ARG_TOPIC},
	{{CON_QUIT, "quit", "q exit", "quit", "leave the console"}, ARG_NONE},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

const char *const con_until_names[CON_UNTIL_COUNT] = {
	"tlb-miss", "exit", "syscall", "fault", "true-fault", "hidden-fault", "cr3", "io", "vm-switch",
};

const struct con_cmd_info *con_cmd_at(size_t i)
{
	return i < NCMDS ? &cmds[i].info : NULL;
}

const struct con_cmd_info *con_cmd_info(enum con_cmd_id id)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].info.id == id)
			return &cmds[i].info;
	return NULL;
}

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is w (length n) one of the space-separated words of list? */
static bool in_list(const char *list, const char *w, size_t n)
{
	while (*list) {
		size_t k = strcspn(list, " ");
		if (k == n && !strncmp(list, w, n))
			return true;
		list += k;
		list += strspn(list, " ");
	}
	return false;
}

/* The row for command word w: exact name, alias, then unique prefix. */
static const struct cmd_row *find_cmd(const char *w, size_t n, char *err, size_t errlen)
{
	if (n == 0) {
		perr(err, errlen, "unknown command '' (try 'help')");
		return NULL;
	}
	for (size_t i = 0; i < NCMDS; i++)
		if (strlen(cmds[i].info.name) == n && !strncmp(cmds[i].info.name, w, n))
			return &cmds[i];
	for (size_t i = 0; i < NCMDS; i++)
		if (in_list(cmds[i].info.aliases, w, n))
			return &cmds[i];
	const struct cmd_row *found = NULL;
	char cands[200] = "";
	int ncand = 0;
	for (size_t i = 0; i < NCMDS; i++) {
		if (strncmp(cmds[i].info.name, w, n))
			continue;
		found = &cmds[i];
		if (strlen(cands) + strlen(found->info.name) + 3 < sizeof cands) {
			if (ncand++)
				strcat(cands, ", ");
			strcat(cands, found->info.name);
		}
	}
	if (ncand == 1)
		return found;
	if (ncand > 1)
		perr(err, errlen, "ambiguous command '%.*s': %s", (int)n, w, cands);
	else
		perr(err, errlen, "unknown command '%.*s' (try 'help')", (int)(n > 40 ? 40 : n), w);
	return NULL;
}

/* ---- numbers and expressions ---- */

/* A number: 0x-hex or decimal, whole token. */
static int parse_number(const char *s, size_t n, uint64_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;
	bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t i = hex ? 2 : 0;
	if (i == n)
		return perr(err, errlen, "bad number '%.*s'", (int)n, s);
	for (; i < n; i++) {
		int d;
		if (isdigit((unsigned char)s[i]))
			d = s[i] - '0';
		else if (hex && isxdigit((unsigned char)s[i]))
			d = tolower((unsigned char)s[i]) - 'a' + 10;
		else
			return perr(err, errlen, "bad number '%.*s'", (int)(n > 40 ? 40 : n), s);
		unsigned base = hex ? 16 : 10;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return perr(err, errlen, "number too large: '%.*s'", (int)(n > 40 ? 40 : n), s);
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

static bool sym_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' || (!first && (isdigit((unsigned char)c) || c == ':' || c == '$'));
}

/* One term at *pp: number, symbol, prog:symbol or $register. */
static int eval_term(const char **pp, const struct con_resolver *r, uint64_t *out, char *err,
		     size_t errlen)
{
	const char *p = *pp, *q = p;
	if (*p == '$') {
		q++;
		while (isalnum((unsigned char)*q))
			q++;
		char name[16];
		if (q - p < 2 || q - p > 12)
			return perr(err, errlen, "bad register name '%.*s'", (int)(q - p), p);
		snprintf(name, sizeof name, "%.*s", (int)(q - p - 1), p + 1);
		if (!r || !r->reg || !r->reg(r->ctx, name, out))
			return perr(err, errlen, "unknown register '$%s'", name);
	} else if (isdigit((unsigned char)*p)) {
		while (isalnum((unsigned char)*q))
			q++;
		if (parse_number(p, (size_t)(q - p), out, err, errlen))
			return -1;
	} else if (sym_char(*p, true)) {
		while (sym_char(*q, q == p))
			q++;
		char name[CON_EXPR_MAX];
		if ((size_t)(q - p) >= sizeof name)
			return perr(err, errlen, "symbol name too long");
		snprintf(name, sizeof name, "%.*s", (int)(q - p), p);
		if (!r || !r->sym || !r->sym(r->ctx, name, out))
			return perr(err, errlen, "no symbol '%s'", name);
	} else if (!*p) {
		return perr(err, errlen, "missing address");
	} else {
		return perr(err, errlen, "bad address expression at '%.20s'", p);
	}
	*pp = q;
	return 0;
}

int con_eval(const char *expr, const struct con_resolver *r, uint64_t *out, char *err,
	     size_t errlen)
{
	const char *p = expr;
	uint64_t acc = 0;
	int sign = 1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		uint64_t v;
		if (eval_term(&p, r, &v, err, errlen))
			return -1;
		if (sign > 0 ? acc > UINT64_MAX - v : acc < v)
			return perr(err, errlen, "address expression out of range");
		acc = sign > 0 ? acc + v : acc - v;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (*p != '+' && *p != '-')
			return perr(err, errlen, "bad address expression at '%.20s'", p);
		sign = *p++ == '+' ? 1 : -1;
	}
	*out = acc;
	return 0;
}

int con_parse_fmt(const char *s, struct con_fmt *fmt, char *err, size_t errlen)
{
	const char *p = s;
	bool sized = false;
	if (isdigit((unsigned char)*p)) {
		const char *q = p;
		while (isdigit((unsigned char)*q))
			q++;
		uint64_t n;
		if (parse_number(p, (size_t)(q - p), &n, err, errlen))
			return -1;
		if (n < 1 || n > CON_MAX_COUNT)
			return perr(err, errlen, "count must be from 1 to %d", CON_MAX_COUNT);
		fmt->count = (unsigned)n;
		p = q;
	}
	for (; *p; p++) {
		const char *sz = strchr("bhwg", *p);
		if (*p && sz) {
			fmt->size = 1u << (sz - "bhwg");
			sized = true;
		} else if (*p && strchr("xducsi", *p)) {
			fmt->letter = *p;
		} else {
			return perr(err, errlen, "bad format letter '%c' (use a count, x d u c s i, and b h w g)",
				    isprint((unsigned char)*p) ? *p : '?');
		}
	}
	if (!sized && (fmt->letter == 'c' || fmt->letter == 's'))
		fmt->size = 1;
	return 0;
}

/* ---- arguments ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int parse_count(const char *a, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	size_t n = strcspn(a, " \t");
	if (*skip_ws(a + n))
		return perr(err, errlen, "too many arguments");
	if (parse_number(a, n, out, err, errlen))
		return -1;
	if (*out < 1 || *out > max)
		return perr(err, errlen, "count must be from 1 to %llu", (unsigned long long)max);
	return 0;
}

static int parse_addr(const char *a, const struct con_resolver *r, struct con_cmd *cmd,
		      char *err, size_t errlen)
{
	if (!*a)
		return perr(err, errlen, "missing address");
	if (strlen(a) >= sizeof cmd->expr)
		return perr(err, errlen, "address expression too long");
	if (con_eval(a, r, &cmd->addr, err, errlen))
		return -1;
	snprintf(cmd->expr, sizeof cmd->expr, "%s", a);
	cmd->has_addr = true;
	return 0;
}

/* Equal but for '_' written for '-' (tlb_miss, the trace's spelling, = tlb-miss). */
static bool same_event_name(const char *a, const char *name)
{
	for (; *a && *name; a++, name++)
		if (*a != *name && !(*a == '_' && *name == '-'))
			return false;
	return *a == *name;
}

static int parse_until(const char *a, struct con_cmd *cmd, char *err, size_t errlen)
{
	for (int i = 0; i < CON_UNTIL_COUNT; i++) {
		if (same_event_name(a, con_until_names[i])) {
			cmd->until = (enum con_until)i;
			return 0;
		}
	}
	if (!*a)
		return perr(err, errlen, "until what? tlb-miss, exit, syscall, fault, true-fault, hidden-fault, cr3 or io");
	return perr(err, errlen, "until: unknown event '%.30s' (tlb-miss, exit, syscall, fault, true-fault, hidden-fault, cr3, io)", a);
}

static int parse_info(const char *a, struct con_cmd *cmd, char *err, size_t errlen)
{
	size_t n = strlen(a);
	if (n && !strncmp("breakpoints", a, n)) {
		snprintf(cmd->topic, sizeof cmd->topic, "breakpoints");
	} else if (n && (!strncmp("registers", a, n) || !strcmp(a, "regs"))) {
		snprintf(cmd->topic, sizeof cmd->topic, "registers");
	} else if (n && !strncmp("snapshots", a, n)) {
		snprintf(cmd->topic, sizeof cmd->topic, "snapshots");
	} else if (n == 1 && a[0] == 'w') {
		snprintf(cmd->topic, sizeof cmd->topic, "breakpoints");
	} else {
		return perr(err, errlen, "info what? breakpoints, registers or snapshots");
	}
	return 0;
}

static int parse_disas(const char *a, const struct con_resolver *r, struct con_cmd *cmd,
		       char *err, size_t errlen)
{
	if (!*a)
		return 0;
	size_t n = strcspn(a, " \t");
	const char *rest = skip_ws(a + n);
	char first[CON_EXPR_MAX];
	if (n >= sizeof first)
		return perr(err, errlen, "address expression too long");
	snprintf(first, sizeof first, "%.*s", (int)n, a);
	if (parse_addr(first, r, cmd, err, errlen))
		return -1;
	if (*rest) {
		if (parse_count(rest, CON_MAX_COUNT, &cmd->n, err, errlen))
			return -1;
		cmd->has_n = true;
	}
	return 0;
}

static int parse_topic(const char *a, struct con_cmd *cmd, char *err, size_t errlen)
{
	if (!*a)
		return 0;
	size_t n = strcspn(a, " \t");
	if (*skip_ws(a + n))
		return perr(err, errlen, "help takes one command name");
	const struct cmd_row *row = find_cmd(a, n, err, errlen);
	if (!row)
		return -1;
	snprintf(cmd->topic, sizeof cmd->topic, "%s", row->info.name);
	return 0;
}

/* draw walk <addr> FILE | draw tlb FILE | draw sequence FILE (FILE is the last word). */
static int parse_draw(const char *a, const struct con_resolver *r, struct con_cmd *cmd, char *err,
		      size_t errlen)
{
	static const char *const pictures[] = {"walk", "tlb", "sequence"};
	size_t n = strcspn(a, " \t");
	bool known = false;
	for (size_t i = 0; i < sizeof pictures / sizeof pictures[0]; i++)
		known |= n == strlen(pictures[i]) && !strncmp(a, pictures[i], n);
	if (!known)
		return perr(err, errlen, "draw what? walk <va> FILE, tlb FILE or sequence FILE");
	snprintf(cmd->topic, sizeof cmd->topic, "%.*s", (int)n, a);
	char rest[CON_EXPR_MAX + sizeof cmd->file];
	snprintf(rest, sizeof rest, "%s", skip_ws(a + n));
	char *file = strrchr(rest, ' '), *tab = strrchr(rest, '\t');
	if (tab > file)
		file = tab;
	file = file ? file + 1 : rest;
	if (!*file)
		return perr(err, errlen, "draw %s needs a file name", cmd->topic);
	if (strlen(file) >= sizeof cmd->file)
		return perr(err, errlen, "file name too long");
	memcpy(cmd->file, file, strlen(file) + 1); /* fits: checked above */
	*file = 0;
	size_t len = strlen(rest);
	while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
		rest[--len] = 0;
	if (!strcmp(cmd->topic, "walk"))
		return *rest ? parse_addr(rest, r, cmd, err, errlen)
			     : perr(err, errlen, "draw walk needs an address and a file name");
	return *rest ? perr(err, errlen, "draw %s takes only a file name", cmd->topic) : 0;
}

/* record FILE: the rest of the line; gdb-listen PORT: 0..65535. */
static int parse_file(const char *a, struct con_cmd *cmd, char *err, size_t errlen)
{
	if (!*a)
		return perr(err, errlen, "record needs a file name");
	if (strlen(a) >= sizeof cmd->file)
		return perr(err, errlen, "file name too long");
	memcpy(cmd->file, a, strlen(a) + 1); /* fits: checked above */
	return 0;
}

static int parse_port(const char *a, struct con_cmd *cmd, char *err, size_t errlen)
{
	size_t n = strcspn(a, " \t");
	if (!n || *skip_ws(a + n))
		return perr(err, errlen, "gdb-listen needs one TCP port (0: any free port)");
	if (parse_number(a, n, &cmd->n, err, errlen))
		return -1;
	if (cmd->n > 65535)
		return perr(err, errlen, "port %llu: a TCP port is 0..65535", (unsigned long long)cmd->n);
	cmd->has_n = true;
	return 0;
}

/* vm | vm list | vm select NAME (the name is checked when it runs: the VMs are the session's). */
static int parse_vm(const char *a, struct con_cmd *cmd, char *err, size_t errlen)
{
	if (!*a)
		return 0;
	size_t n = strcspn(a, " \t");
	const char *rest = skip_ws(a + n);
	if (n == 4 && !strncmp(a, "list", 4)) {
		if (*rest)
			return perr(err, errlen, "vm list takes no arguments");
		snprintf(cmd->topic, sizeof cmd->topic, "list");
		return 0;
	}
	if (n != 6 || strncmp(a, "select", 6))
		return perr(err, errlen, "vm: '%.*s'? (vm, vm list or vm select NAME)", (int)(n > 30 ? 30 : n), a);
	size_t k = strcspn(rest, " \t");
	if (!k)
		return perr(err, errlen, "vm select needs a VM's name (vm list shows them)");
	if (*skip_ws(rest + k))
		return perr(err, errlen, "vm select takes one VM's name");
	if (k >= sizeof cmd->expr)
		return perr(err, errlen, "VM name too long");
	snprintf(cmd->topic, sizeof cmd->topic, "select");
	snprintf(cmd->expr, sizeof cmd->expr, "%.*s", (int)k, rest);
	return 0;
}

static int parse_args(const struct cmd_row *row, const char *fmt, const char *a,
		      const struct con_resolver *r, struct con_cmd *cmd, char *err, size_t errlen)
{
	if (fmt && row->arg != ARG_FMT_ADDR)
		return perr(err, errlen, "%s takes no /FORMAT", row->info.name);
	switch (row->arg) {
	case ARG_NONE:
		return *a ? perr(err, errlen, "%s takes no arguments", row->info.name) : 0;
	case ARG_OPT_COUNT:
	case ARG_OPT_ID:
		if (!*a)
			return 0;
		cmd->has_n = true;
		return parse_count(a, row->arg == ARG_OPT_ID || cmd->id == CON_STEP ? UINT64_MAX : CON_MAX_COUNT,
				   &cmd->n, err, errlen);
	case ARG_UNTIL:
		return parse_until(a, cmd, err, errlen);
	case ARG_ADDR:
		return parse_addr(a, r, cmd, err, errlen);
	case ARG_INFO:
		return parse_info(a, cmd, err, errlen);
	case ARG_FMT_ADDR:
		cmd->fmt = (struct con_fmt){1, 'x', 4};
		if (fmt && con_parse_fmt(fmt, &cmd->fmt, err, errlen))
			return -1;
		return parse_addr(a, r, cmd, err, errlen);
	case ARG_DISAS:
		return parse_disas(a, r, cmd, err, errlen);
	case ARG_TOPIC:
		return parse_topic(a, cmd, err, errlen);
	case ARG_DRAW:
		return parse_draw(a, r, cmd, err, errlen);
	case ARG_FILE:
		return parse_file(a, cmd, err, errlen);
	case ARG_PORT:
		return parse_port(a, cmd, err, errlen);
	case ARG_VM:
		return parse_vm(a, cmd, err, errlen);
	}
	return perr(err, errlen, "internal: bad argument spec");
}

int con_parse(const char *line, const struct con_resolver *r, struct con_cmd *cmd, char *err,
	      size_t errlen)
{
	memset(cmd, 0, sizeof *cmd);
	char buf[512];
	const char *p = skip_ws(line);
	if (!*p || *p == '#')
		return 0;
	if (strlen(p) >= sizeof buf)
		return perr(err, errlen, "line too long (at most %zu characters)", sizeof buf - 1);
	strcpy(buf, p);
	size_t n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	size_t wlen = strcspn(buf, " \t/");
	const char *fmt = NULL;
	char *after = buf + wlen;
	if (*after == '/') {
		*after++ = 0;
		fmt = after;
		after += strcspn(after, " \t");
		if (*after)
			*after++ = 0;
		if (!*fmt)
			return perr(err, errlen, "empty /FORMAT");
	} else if (*after) {
		*after++ = 0;
		after = (char *)skip_ws(after);
		char ignore[96];
		const struct cmd_row *word = find_cmd(buf, wlen, ignore, sizeof ignore);
		/* gdb also accepts "x /4gx addr" (but `record /abs/path` is a file) */
		if (*after == '/' && !(word && word->arg == ARG_FILE)) {
			fmt = ++after;
			after += strcspn(after, " \t");
			if (*after)
				*after++ = 0;
			if (!*fmt)
				return perr(err, errlen, "empty /FORMAT");
		}
	}
	const struct cmd_row *row = find_cmd(buf, wlen, err, errlen);
	if (!row)
		return -1;
	cmd->id = row->info.id;
	if (parse_args(row, fmt, skip_ws(after), r, cmd, err, errlen))
		return -1;
	return 1;
}
