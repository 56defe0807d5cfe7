/*
 * monitor/console/console.h — the student console (`vmlab console`) and the trace
 * comparer (`vmlab trace-diff`).
 *
 * The CLI (monitor/tools/main.c) dispatches:
 *   vmlab console [run options] [--script FILE] [--no-color]  -> con_main()
 *   vmlab trace-diff EXPECTED ACTUAL [--ignore F]... [--context N] -> mon_tracediff_main()
 * argv[0] is the subcommand name ("console" / "trace-diff"); options follow.
 *
 * Exit statuses: 0 success / traces equal, 1 traces differ (trace-diff) or the
 * session ended on an error, 2 bad command-line input (one line on stderr).
 */
#ifndef VMLAB_MONITOR_CONSOLE_H
#define VMLAB_MONITOR_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int con_main(int argc, char **argv);
int mon_tracediff_main(int argc, char **argv);

/* ---- trace events (monitor/console_traceparse.c): one trace line as fields.
 * A text line `[  1042] vm0 app:hello  TLB miss VA 0x401000 (read)  -> VMM`
 * gives icount="1042", vm="0", who="app:hello", text="TLB miss VA 0x401000
 * (read) -> VMM" (runs of blanks collapsed): the names and forms of the
 * monitor's JSONL keys (monitor/trace.c). A JSONL line gives one field per
 * top-level key; string values decoded, other values in compact JSON text. */
struct con_field {
	char *key;
	char *val;
};
/* Keys one JSONL event may have (the monitor writes 12): more is refused,
 * which keeps the per-key duplicate check linear in the line. */
#define CON_EVENT_MAX_KEYS 256
/* con_file_read: the largest file read (a guest has at most 1 GiB; boot files are far smaller). */
#define CON_FILE_MAX (256u << 20)
#define CON_EVENT_MAX_KEYS_STR "256"
struct con_event {
	struct con_field *f;
	size_t nf, cap;
};

/* Parse one line (no newline) into ev (cleared first). Return 0, or -1 with a
 * short reason in err (e.g. "missing ']' after the instruction count"). */
int con_event_parse_text(struct con_event *ev, const char *line, char *err, size_t errlen);
int con_event_parse_json(struct con_event *ev, const char *line, char *err, size_t errlen);
/* The value of field key, or NULL. */
const char *con_event_get(const struct con_event *ev, const char *key);
void con_event_free(struct con_event *ev);
/* Append a field to ev; takes ownership of key and val (freed on failure).
 * 0, or -1 when out of memory. */
int con_event_add(struct con_event *ev, char *key, char *val);
/* A comment line of a text trace ('#' first after blanks): readers skip it. */
bool con_trace_comment(const char *line);
/* The trace header (mon_trace_meta_format in monitor/vmm/monitor.h): if line
 * is one, text ("# vmlab trace k=v ... options=...") or JSON Lines
 * ({"meta":{...}}), put its fields (version, seed, kernel, modules, options,
 * and any others) into meta and return 1; 0 if line is not a header (meta
 * cleared); -1 with a short reason in err if it is a malformed one. */
int con_trace_meta_parse(struct con_event *meta, const char *line, char *err, size_t errlen);

/* ---- symbols (monitor/console_symbols.c): ELF symbol tables of the guest
 * kernel and of the user programs. A user symbol has its program's name as
 * `prog` ("hello"); all user programs are linked at the same addresses, so
 * address lookups in user space prefer the running program. */
struct con_sym {
	char *name;
	uint64_t addr, size;
	const char *prog; /* NULL: kernel */
};
/* How to recognise a user program in guest memory: the first bytes of its main(). */
#define CON_SIG_BYTES 32
struct con_progsig {
	const char *prog;
	uint64_t va;
	uint8_t bytes[CON_SIG_BYTES];
	unsigned len;
};
struct con_symtab {
	struct con_sym *s; /* sorted by (prog, addr) after con_symtab_finish */
	size_t n, cap;
	char **progs;      /* owned program names */
	size_t nprogs;
	struct con_progsig *sigs;
	size_t nsigs;
};

/* Add the function and object symbols of the ELF64 image buf[0..len) under
 * program name prog (NULL: kernel). Returns the number added, or -1 if it is
 * not a usable ELF64 file (err says why). */
int con_symtab_add_elf(struct con_symtab *t, const void *buf, size_t len, const char *prog,
		       char *err, size_t errlen);
/* The same for a file. */
int con_symtab_add_file(struct con_symtab *t, const char *path, const char *prog, char *err,
			size_t errlen);
/* The whole file at path (at most 256 MiB) in a malloc'd buffer (caller frees),
 * its size in *len; NULL with err on failure. */
void *con_file_read(const char *path, size_t *len, char *err, size_t errlen);
/* The same with at most max bytes (and CON_FILE_MAX): a regular file larger is
 * refused before anything is read, a stream (/dev/zero, a pipe, a FIFO) after
 * max + 1 bytes. why (may be "") ends the "too large" line, e.g. the room
 * left in guest memory. */
void *con_file_read_max(const char *path, uint64_t max, const char *why, size_t *len, char *err,
			size_t errlen);
void con_symtab_finish(struct con_symtab *t); /* sort; call after adding */
void con_symtab_free(struct con_symtab *t);
/* Resolve "name" or "prog:name" (prefer kernel, then cur_prog, then any program). */
const struct con_sym *con_sym_lookup(const struct con_symtab *t, const char *name,
				     const char *cur_prog);
/* The symbol containing addr (or the closest one below it within 64 KiB);
 * NULL if none. Kernel symbols first; user ones of cur_prog (if any) for
 * addresses in no kernel symbol. */
const struct con_sym *con_sym_find(const struct con_symtab *t, uint64_t addr, const char *cur_prog);
/* "<name+0x10>" into buf (empty string if no symbol). Returns buf. */
const char *con_sym_format(const struct con_symtab *t, uint64_t addr, const char *cur_prog,
			   char *buf, size_t len);
/* Is prog the name of a user program with symbols? */
bool con_symtab_has_prog(const struct con_symtab *t, const char *prog);
/* Which user program is mapped in the current address space: the one whose
 * main() bytes read(ctx, va, buf, len) finds at its address (exactly one must
 * match). NULL if none or several. */
const char *con_symtab_identify(const struct con_symtab *t,
				size_t (*read)(void *ctx, uint64_t va, void *buf, size_t len), void *ctx);
/* Call fn for each symbol name starting with prefix (completion). */
void con_sym_each_prefix(const struct con_symtab *t, const char *prefix,
			 void (*fn)(void *ctx, const char *name), void *ctx);

/* ---- the command parser (monitor/console_parse.c) ---- */
enum con_cmd_id {
	CON_STEP, CON_STEPI, CON_NEXT_EXIT, CON_UNTIL, CON_CONTINUE, CON_FINISH,
	CON_REVERSE_STEPI, CON_REVERSE_STEP, CON_REVERSE_CONTINUE, CON_REVERSE_UNTIL,
	CON_BREAK, CON_TBREAK, CON_WATCH, CON_DELETE, CON_INFO,
	CON_REGS, CON_X, CON_XP, CON_XM, CON_DISAS, CON_TLB, CON_PT, CON_SHADOW, CON_TRANSLATE,
	CON_STATS, CON_VM, CON_TRACE, CON_BACKTRACE, CON_DRAW, CON_RECORD, CON_GDB_LISTEN, CON_HELP, CON_QUIT,
	CON_NCMDS
};

/* What `until` waits for. */
enum con_until {
	CON_UNTIL_TLB_MISS, CON_UNTIL_EXIT, CON_UNTIL_SYSCALL, CON_UNTIL_FAULT, CON_UNTIL_TRUE_FAULT,
	CON_UNTIL_HIDDEN_FAULT, CON_UNTIL_CR3, CON_UNTIL_IO,
	CON_UNTIL_VM_SWITCH, /* several VMs: the next switch between them (no trace event) */
	CON_UNTIL_COUNT
};
extern const char *const con_until_names[CON_UNTIL_COUNT];

/* A gdb-like memory format: x/COUNT LETTER SIZE, e.g. x/4gx. */
struct con_fmt {
	unsigned count; /* 1..CON_MAX_COUNT */
	char letter;    /* x d u c s i */
	unsigned size;  /* 1 2 4 8 (b h w g) */
};
#define CON_MAX_COUNT 4096
#define CON_EXPR_MAX 96

/* Something that resolves names in address expressions: symbols and $registers. */
struct con_resolver {
	bool (*sym)(void *ctx, const char *name, uint64_t *out);
	bool (*reg)(void *ctx, const char *name, uint64_t *out);
	void *ctx;
};

/* One parsed command line. */
struct con_cmd {
	enum con_cmd_id id;
	bool has_n;
	uint64_t n;                 /* step n, delete n, trace n, disas count, gdb-listen port */
	bool has_addr;
	uint64_t addr;              /* break, watch, x*, pt, shadow, translate, disas */
	char expr[CON_EXPR_MAX];    /* the address expression as typed; vm select NAME: the name */
	struct con_fmt fmt;         /* x, xp, xm */
	enum con_until until;
	char topic[32];             /* help TOPIC, info WHAT, draw PICTURE, vm list|select */
	char file[200];             /* draw ... FILE, record FILE */
};

/* A command table row, for help and completion. */
struct con_cmd_info {
	enum con_cmd_id id;
	const char *name;
	const char *aliases; /* space-separated, "" if none */
	const char *usage;
	const char *help;    /* one line */
};
/* The i-th command in help order, NULL past the end. */
const struct con_cmd_info *con_cmd_at(size_t i);
const struct con_cmd_info *con_cmd_info(enum con_cmd_id id);

/*
 * Parse one line. Returns 1 with *cmd filled, 0 for an empty/comment line,
 * -1 with a one-line reason in err. r may be NULL (no symbols or registers).
 * Numbers are decimal or 0x-hex; expressions are TERM [(+|-) TERM]... with
 * TERM a number, a symbol, prog:symbol or $register.
 */
int con_parse(const char *line, const struct con_resolver *r, struct con_cmd *cmd, char *err,
	      size_t errlen);
/* Evaluate an address expression (exposed for tests). Returns 0 or -1 with err. */
int con_eval(const char *expr, const struct con_resolver *r, uint64_t *out, char *err,
	     size_t errlen);
/* Parse "/FMT" text (without the slash) over a default format. Returns 0 or -1 with err. */
int con_parse_fmt(const char *s, struct con_fmt *fmt, char *err, size_t errlen);

/* ---- colour (monitor/console_color.c) ---- */
enum con_color { CON_C_NONE, CON_C_ADDR, CON_C_SYM, CON_C_ERR, CON_C_HEAD, CON_C_EVENT, CON_C_OK };
/* The escape sequence starting colour c ("" when colour is off), and the reset. */
const char *con_color_on(bool enabled, enum con_color c);
const char *con_color_off(bool enabled);
/* Write typed text (a script line, a word in an error) to f with every control
 * byte and every byte that is not printable UTF-8 as \xNN: a script's
 * garbage never reaches the terminal raw. */
void con_put_text(FILE *f, const char *text);

/* ---- a console session (console_run.c, console_cmds_*.c, console_repl.c) ---- */
#include <signal.h>

#include "monitor/reverse/reverse.h"
#include "monitor/vmm/monitor.h"

#define CON_MAX_BPS 64
#define CON_RING 1024       /* trace events the console remembers (`trace n`) */
#define CON_SHOW_EVENTS 24  /* events printed after a step before summarising */

struct con_bp {
	bool used, temp, watch;
	unsigned id;
	uint64_t addr;
	char expr[CON_EXPR_MAX];
	char prog[32];         /* "hello" for `break hello:main`: only in that program */
	uint64_t hits;
	struct vm *vm;         /* the VM it applies to (the one selected when it was set) */
	bool old_ok;           /* watch: the 8 bytes were readable last time */
	uint64_t old;          /* watch: their value */
};

/* Reverse execution (console_reverse.c): checkpoints of the VM and of what the
 * console shows, every `every` instructions within a memory budget. */
#define CON_SNAPSHOT_EVERY 1000000ull
#define CON_SNAPSHOT_BUDGET (256ull << 20)
struct con_reverse {
	struct rev_ring ring;  /* checkpoints; the first is the session's start */
	uint64_t every;        /* instructions between checkpoints (0: only the start) */
	uint64_t next_at;      /* icount of the next checkpoint */
	bool replaying;        /* re-executing to go back: no checkpoints, no output */
	FILE *null;            /* where output goes while re-executing */
	bool at_start;         /* the last going back ended at the start of the history */
	uint64_t bound;        /* re-executing gdb's continue: stop at this icount */
	uint64_t taken;        /* checkpoints taken */
};

struct con_record;
struct con_multi;

struct con_session {
	struct vm *vm;
	FILE *out;
	bool color;
	struct con_symtab syms;
	struct con_bp bp[CON_MAX_BPS];
	unsigned next_bp_id;
	/* every trace event since the session began, the last CON_RING kept */
	struct mon_event ring[CON_RING];
	uint64_t nevents;       /* events received (absolute index of the next one) */
	/* phase stepping: events [phase_cur, phase_end) of the exit being shown */
	bool in_phases;
	uint64_t phase_first, phase_cur, phase_end;
	/* a shadow-mode TLB miss really paused in the monitor (mon_vm_miss): phases shown so far */
	unsigned miss_phase_no;
	volatile sig_atomic_t *interrupt; /* set by SIGINT; polled by the run loop */
	bool quit;
	unsigned errors;        /* commands that failed */
	size_t serial_eol_at;   /* serial length at which the console last ended a guest line */
	struct draw_tlb *tlb_before; /* the TLB before the last run command (draw tlb), or NULL */
	unsigned last_bp_id;    /* the breakpoint/watchpoint that ended the last run (0: none) */
	struct con_reverse rev;
	struct con_record *record; /* the session as a record file (console_record.c), or NULL */
	bool gdb_ok;            /* gdb-listen may block on a socket (vmlab console; not the page, fuzzers) */
	struct con_multi *multi; /* several VMs on one host (console_multi.c); NULL: one VM */
	uint64_t run_start[MON_HOST_VMS_MAX]; /* each VM's icount when the last run command began */
};

/* Set the session up on a created VM: event sink, serial echo to out. */
void con_session_init(struct con_session *s, struct vm *vm, FILE *out, bool color);
/* Send vm's trace events (all but single instructions) to the session. */
void con_session_watch_vm(struct con_session *s, struct vm *vm);
void con_session_free(struct con_session *s);
/* (console_modules.c) Load the kernel's symbols and those of the user
 * programs in the boot modules, named as the guest kernel names them: a
 * module that is an ELF file by its file name, each member of a VLABPACK pack
 * (guestos/pack.h) by its entry name; a later program of the same name hides
 * an earlier one, as in the kernel. A pack member without symbols (stripped)
 * takes them from <kernel dir>/user/<name> if that file exists. Missing or
 * unreadable files are not an error (disas just shows no symbols). */
void con_session_load_symbols(struct con_session *s, const char *kernel_path,
			      const char *const *modules, unsigned nmodules);
/* Parse and run one line; errors are one line on s->out. Returns -1 on error. */
int con_exec_line(struct con_session *s, const char *line);
/* Run one parsed command. Returns 0 or -1 (error already printed). */
int con_exec(struct con_session *s, const struct con_cmd *c);
/* The session's resolver for expressions (symbols, $registers). */
struct con_resolver con_session_resolver(struct con_session *s);
/* The running program's name for symbol lookups ("hello" for "app:hello", or
 * recognised by its main() bytes when who does not name it), or NULL. */
const char *con_cur_prog(struct con_session *s);

/* One-line error "error: ..." (coloured on a terminal). Returns -1. */
int con_error(struct con_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "0x0000000000401000 <main+0x10>" into buf (addr coloured). Returns buf. */
const char *con_fmt_addr(struct con_session *s, uint64_t addr, char *buf, size_t len);
/* The same with the symbols of user program prog (NULL: kernel only). */
const char *con_fmt_addr_prog(struct con_session *s, uint64_t addr, const char *prog, char *buf,
			      size_t len);

/* console_run.c: running the VM towards a goal */
struct con_goal {
	uint64_t insns;          /* stop after this many guest instructions (0: no limit) */
	bool any_event;          /* stop at the first trace event (the next exit) */
	bool until;              /* stop at the first event matching `what` */
	enum con_until what;
	bool to_user;            /* stop when the guest is back in user mode (finish) */
	bool print_events;       /* print the events that happen (step) */
	bool vm_switch;          /* several VMs: stop when a VM's slice ends (until vm-switch) */
};
/* Run towards the goal; prints why it stopped and where. Returns 0 or -1. */
int con_run(struct con_session *s, const struct con_goal *g);
/* The guest's serial output is echoed to s->out as it is sent. Before the
 * console prints a line after running the guest: if the guest's last serial
 * line is unfinished, end it with a newline on s->out (only there: the
 * capture, traces and `vmlab run` keep the guest's bytes). Once per break. */
void con_serial_eol(struct con_session *s);
/* Print the guest's location: RIP with symbol, who, vCPL, icount, instruction. */
void con_print_where(struct con_session *s);
/* Show the next pending phase, if any. Returns false if none was pending. */
bool con_phase_next(struct con_session *s);
/* Print all the remaining phases and leave phase mode. */
void con_phase_flush(struct con_session *s);
/* Run (and print) the remaining phases of a TLB miss paused in the monitor, if any. */
void con_miss_flush(struct con_session *s);
/* Does event ev (with the events after it, for fault classification) match u? */
bool con_event_matches(const struct con_session *s, uint64_t idx, enum con_until u);
/* (console_cmds_mmu.c) What an access that mon_translate could not take to a
 * PA would really do, in one phrase: "#GP: non-canonical ...", "present,
 * supervisor-only: user access faults (error 0x5)" or "#PF, error code 0x0
 * (...)". Returns buf. con_xlat_unmapped: the words before it in a sentence
 * ("not mapped by the guest: it would take " when nothing maps the VA, or ""). */
const char *con_xlat_fault(const struct mon_xlat *x, char *buf, size_t len);
const char *con_xlat_unmapped(const struct mon_xlat *x);
/* (console_backtrace.c) The `backtrace` command. */
int con_cmd_backtrace(struct con_session *s);
/* Scan the code of a function from its start to pc (code[0] is at start,
 * len bytes, linear decode): 0 if its frame is set up at pc (rbp is its frame
 * pointer), 1 if not yet or no longer (the return address is at rsp +
 * *ra_off, rbp is the caller's), -1 if that cannot be told. */
int con_prologue_scan(const uint8_t *code, size_t len, uint64_t start, uint64_t pc, uint64_t *ra_off);
/* Disassemble n instructions at va into s->out, marking RIP. Returns how many decoded. */
unsigned con_disas(struct con_session *s, uint64_t va, unsigned n, bool mark_rip);

/* console_cmds_*.c: the command implementations, by group */
int con_cmd_run(struct con_session *s, const struct con_cmd *c);     /* step .. finish */
int con_cmd_bp(struct con_session *s, const struct con_cmd *c);      /* break .. info */
int con_cmd_inspect(struct con_session *s, const struct con_cmd *c); /* regs x xp xm disas bt */
int con_cmd_mmu(struct con_session *s, const struct con_cmd *c);     /* tlb pt shadow translate */
int con_cmd_draw(struct con_session *s, const struct con_cmd *c);    /* draw walk|tlb|sequence */
/* Remember the TLB as it is before a run command, for `draw tlb`'s highlights. */
void con_draw_before_step(struct con_session *s);
/* The session's last n trace events (at most CON_RING) appended to t. */
struct draw_events;
void con_draw_events(const struct con_session *s, struct draw_events *t, uint64_t n);
/* (stats vm trace help quit are run by con_exec itself, console_cmds_misc.c) */
/* Give the VMM the session's breakpoints and watchpoints again (after a change). */
void con_bp_sync(struct con_session *s);
/* Read the watched values afresh (before a run). */
void con_bp_refresh(struct con_session *s);
/* The VM has paused (MON_PAUSED): the breakpoint or watchpoint that makes it a
 * stop, or NULL to run on (another program's breakpoint, a write of the same
 * value, a breakpoint at the start of the run when skip_break). */
struct con_bp *con_bp_paused(struct con_session *s, bool skip_break);

/* console_reverse.c: reverse execution. Start it at the session's current point
 * (the first checkpoint): 0, or -1 with err. */
int con_reverse_init(struct con_session *s, uint64_t every, size_t budget, char *err, size_t errlen);
void con_reverse_free(struct con_session *s);
/* Called by the run loop between VM steps: take a checkpoint when one is due
 * and arm the VM to pause at the next one. */
void con_reverse_poll(struct con_session *s);
int con_cmd_reverse(struct con_session *s, const struct con_cmd *c); /* reverse-* */
/* `info snapshots`-style summary line: checkpoints kept, bytes, thinned. */
void con_reverse_print(struct con_session *s);
/* gdb's bc (cont) / bs: back to the previous breakpoint or watchpoint pause of
 * the VMM / by one gdb stepi, silently. 0 arrived, 1 went back to the start of
 * the recorded history, -1 failed (reverse execution off, out of memory). */
int con_reverse_gdb(struct con_session *s, bool cont);

/* console_gdb.c: gdb attached to a session (gdb-listen PORT) or to a VM (vmlab run --gdb).
 * Returns what gdb_serve returns: 0 detached, 1 killed, -1 with err. */
int con_gdb_serve(struct con_session *s, unsigned port, FILE *log, char *err, size_t errlen);
int con_cmd_gdb_listen(struct con_session *s, const struct con_cmd *c);
int con_gdb_serve_vm(struct vm *vm, unsigned port, FILE *log, FILE *echo, char *err, size_t errlen);

/* console_repl.c: the front ends. Return the process exit status. */
int con_repl_interactive(struct con_session *s);
int con_repl_batch(struct con_session *s, FILE *in);
/* The same, with `first` (if not NULL) as the line before the rest of in. */
int con_repl_batch_from(struct con_session *s, const char *first, FILE *in);

/* ---- a script's options (console_scriptline.c) ---- */

/* A script's first line "#! OPTIONS", split into argv[1..argc) (argv[0] is
 * "#!", argv[argc] NULL), --kernel and --module values found by the normal
 * image lookup. */
struct con_script_line {
	char **argv;
	int argc;
};
/* 1 and sl filled if line starts with "#!", 0 if not (sl empty), -1 with
 * one line in err (an unterminated quote). */
int con_script_line_read(struct con_script_line *sl, const char *line, char *err, size_t errlen);
void con_script_line_free(struct con_script_line *sl);

/* (console_cmds_misc.c) One line of batch mode: echoed behind the prompt, then run (blank: nothing). */
#define CON_PROMPT "(vmlab) "
/* The prompt: CON_PROMPT, or "(vmlab b) " with several VMs (b selected). Returns buf. */
const char *con_prompt(const struct con_session *s, char *buf, size_t len);
void con_batch_line(struct con_session *s, const char *line);

/* ---- several VMs on one host (console_multi.c, console_cmds_vm.c; docs/multi-vm.md) ----
 * The session's vm is the selected VM: inspection commands show it. Run
 * commands run the host (its scheduler's slices, monitor/vmm/sched.h); the
 * VM that ran last, where a run stops, becomes the selected one. */
struct tool_multi_host;
struct tool_vmspec;
/* Take over the host h (moved: *h is left empty) made of specs v[0..n) (moved too), with
 * the session made on its first VM: every VM's events, serial output (each line behind
 * its name) and symbols. 0, or -1 with err (the host and specs are freed). */
int con_multi_attach(struct con_session *s, struct tool_multi_host *h, struct tool_vmspec *v, unsigned n,
		     char *err, size_t errlen);
/* Free the host, its VMs and their symbols (con_session_free calls it). */
void con_multi_free(struct con_session *s);
/* The host's scheduler (several VMs), or NULL. */
struct mon_sched;
const struct mon_sched *con_multi_sched(const struct con_session *s);
/* The session's VMs: one, or the host's (in --vm order). */
unsigned con_session_nvms(const struct con_session *s);
struct vm *con_session_vm(const struct con_session *s, unsigned i);
/* Select vm (one of the session's): its symbols, the prompt, inspection. */
void con_multi_select(struct con_session *s, struct vm *vm);
/* One step of the host (several VMs: the scheduler's, the VM that ran selected) or of the VM.
 * *slice_end: a VM's slice ended with it. MON_STOPPED: the VM that ran stopped, or every VM has. */
enum mon_state con_host_step(struct con_session *s, enum mon_step_kind kind, bool *slice_end);
/* Guest instructions of every VM (one VM: its icount). */
uint64_t con_host_icount(const struct con_session *s);
/* Has every VM stopped? (One VM: has it.) */
bool con_all_stopped(const struct con_session *s);
/* Before a run: remember where each VM is; con_vm_unmoved: the selected VM has not run since. */
void con_run_mark(struct con_session *s);
bool con_vm_unmoved(const struct con_session *s);
/* " (vm b)" with several VMs, "" with one: which VM a breakpoint or message is about. */
const char *con_vm_tag(const struct con_session *s, const struct vm *vm, char *buf, size_t len);
/* Several VMs: a line "[b] " before where the guest is; "" with one. */
const char *con_vm_prefix(const struct con_session *s, char *buf, size_t len);
/* The serial line of a VM left open on s->out: end it (several VMs). */
void con_multi_serial_eol(struct con_session *s);
/* until vm-switch: a slice has just ended; say which VM ran and which runs next, select it. */
void con_multi_switched(struct con_session *s);
/* console_cmds_vm.c: vm, vm list, vm select NAME. */
int con_cmd_vm(struct con_session *s, const struct con_cmd *c);
/* console_cmds_vm.c: `help vm` / `help until`'s lines about several VMs. */
void con_help_multi(struct con_session *s, enum con_cmd_id id);

/* console_record.c: the session as a record file (vmlab record / replay, `record FILE`). */
struct con_record *con_record_new(void);
void con_record_free(struct con_record *r);
/* The session's options (as typed, one argument each) and its boot images' hashes. 0 or -1 with err. */
int con_record_opt(struct con_record *r, const char *arg, char *err, size_t errlen);
int con_record_images(struct con_record *r, const struct mon_config *cfg, char *err, size_t errlen);
/* A command line about to run (con_exec_line calls it). */
void con_record_note(struct con_session *s, const char *line);
/* Something happened that the record cannot reproduce: saving it fails with why. */
void con_record_broken(struct con_record *r, const char *why);
/* Write the record to path (under a temporary name, then renamed). 0 or -1 with err. */
int con_record_save(const struct con_record *r, const char *path, char *err, size_t errlen);
int con_cmd_record(struct con_session *s, const struct con_cmd *c); /* record FILE */
/* Read a record file (and check it was written by this vmlab). 0 or -1 with one line in err. */
int con_record_load(struct con_record *r, const char *path, char *err, size_t errlen);
/* Are have's images those want was recorded with? 0, or -1 with one line in err. */
int con_record_same_images(const struct con_record *want, const struct con_record *have, char *err,
			   size_t errlen);
const char *const *con_record_opts(const struct con_record *r, size_t *n);
/* Run the recorded commands as batch lines, each checked to start at its recorded icount.
 * 0, or -1 with err when the run diverged. */
int con_record_replay(struct con_session *s, const struct con_record *r, char *err, size_t errlen);
/* console_main.c: vmlab record FILE [options] / vmlab replay FILE. */
int con_record_main(int argc, char **argv);
int con_replay_main(int argc, char **argv);
/* Install the SIGINT handler; returns the flag it sets. */
volatile sig_atomic_t *con_sigint_flag(void);

#endif
