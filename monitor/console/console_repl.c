/*
 * monitor/console/console_repl.c — the console's two front ends.
 *
 * Interactive (stdin is a terminal, no --script): GNU readline with the
 * prompt "(vmlab) ", line editing, history persisted in $HOME/.vmlab_history
 * (none when HOME is unset or empty), tab completion of command names, of
 * `until`/`info`/`help` arguments and of symbols. Ctrl-C at the prompt
 * discards the line; during `continue` it stops the guest (the run loop polls
 * the flag) and returns to the prompt. EOF (Ctrl-D) leaves cleanly.
 *
 * Batch (--script FILE or stdin not a terminal): no prompt, each non-blank
 * line echoed as "(vmlab) LINE" before its output, so a transcript reads
 * like a session and is byte-identical from run to run.
 */
#include <readline/history.h>
#include <readline/readline.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

#define HISTORY_MAX 1000

/*
 * Process-wide state, on purpose: a signal handler and readline's completion
 * callbacks take no context pointer, so they can only reach statics. This is
 * terminal front-end state, not emulator state (the VM knows nothing of it).
 */
static volatile sig_atomic_t sigint_flag;
static struct con_session *complete_session;

static void on_sigint(int sig)
{
	(void)sig;
	sigint_flag = 1;
}

volatile sig_atomic_t *con_sigint_flag(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	return &sigint_flag;
}

/* ---- batch ---- */

int con_repl_batch(struct con_session *s, FILE *in)
{
	return con_repl_batch_from(s, NULL, in);
}

int con_repl_batch_from(struct con_session *s, const char *first, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (first)
		con_batch_line(s, first);
	while (!s->quit && (n = getline(&line, &cap, in)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		con_batch_line(s, line);
	}
	free(line);
	return s->errors ? 1 : 0;
}

/* ---- completion ---- */

struct matches {
	char **v;
	size_t n, cap;
};

static void add_match(void *ctx, const char *name)
{
	struct matches *m = ctx;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i], name))
			return;
	if (m->n + 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		char **v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return;
		m->v = v;
		m->cap = cap;
	}
	char *copy = strdup(name);
	if (copy)
		m->v[m->n++] = copy;
}

static void add_words(struct matches *m, const char *prefix, const char *words)
{
	size_t n = strlen(prefix);
	while (*words) {
		size_t k = strcspn(words, " ");
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)k, words);
		if (!strncmp(w, prefix, n))
			add_match(m, w);
		words += k;
		words += strspn(words, " ");
	}
}

/* All completions of text, given the command word of the line (NULL: text is the command). */
static void collect(struct matches *m, const char *cmd, const char *text)
{
	if (!cmd) {
		for (size_t i = 0; con_cmd_at(i); i++)
			add_words(m, text, con_cmd_at(i)->name);
		return;
	}
	struct con_cmd c;
	char err[128];
	if (con_parse(cmd, NULL, &c, err, sizeof err) != 1) {
		/* a command needing arguments does not parse alone: find it by its help */
		char line[96];
		snprintf(line, sizeof line, "help %s", cmd);
		if (con_parse(line, NULL, &c, err, sizeof err) != 1)
			return;
		const struct con_cmd_info *ci = NULL;
		for (size_t i = 0; con_cmd_at(i); i++)
			if (!strcmp(con_cmd_at(i)->name, c.topic))
				ci = con_cmd_at(i);
		c.id = ci ? ci->id : CON_HELP;
	}
	if (c.id == CON_UNTIL) {
		for (int i = 0; i < CON_UNTIL_COUNT; i++)
			add_words(m, text, con_until_names[i]);
	} else if (c.id == CON_HELP) {
		for (size_t i = 0; con_cmd_at(i); i++)
			add_words(m, text, con_cmd_at(i)->name);
	} else if (c.id == CON_VM) {
		add_words(m, text, "list select");
		for (unsigned i = 0; complete_session && i < con_session_nvms(complete_session); i++)
			if (complete_session->multi)
				add_words(m, text, mon_vm_name(con_session_vm(complete_session, i)));
	} else if (c.id == CON_INFO) {
		add_words(m, text, "breakpoints registers snapshots");
	} else if (text[0] == '$') {
		static const char regs[] = "$rax $rbx $rcx $rdx $rsi $rdi $rbp $rsp $r8 $r9 $r10 $r11 $r12 "
					   "$r13 $r14 $r15 $rip $rflags $cr2 $cr3";
		add_words(m, text, regs);
	} else if (complete_session) {
		const struct con_symtab *t = &complete_session->syms;
		const char *colon = strchr(text, ':');
		if (!colon) {
			con_sym_each_prefix(t, text, add_match, m);
			for (size_t i = 0; i < t->nprogs; i++) /* "hel" -> "hello:" */
				if (!strncmp(t->progs[i], text, strlen(text))) {
					char w[96];
					snprintf(w, sizeof w, "%s:", t->progs[i]);
					add_match(m, w);
				}
		} else {
			/* prog:sym -> the symbols of that program */
			for (size_t i = 0; i < t->n; i++) {
				const struct con_sym *y = &t->s[i];
				size_t plen = (size_t)(colon - text);
				if (y->prog && strlen(y->prog) == plen && !strncmp(y->prog, text, plen) &&
				    !strncmp(y->name, colon + 1, strlen(colon + 1))) {
					char w[160];
					snprintf(w, sizeof w, "%s:%s", y->prog, y->name);
					add_match(m, w);
				}
			}
		}
	}
}

static struct matches gen_list;
static size_t gen_next;

static char *generator(const char *text, int state)
{
	(void)text;
	if (!state)
		gen_next = 0;
	return gen_next < gen_list.n ? strdup(gen_list.v[gen_next++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	for (size_t i = 0; i < gen_list.n; i++)
		free(gen_list.v[i]);
	gen_list.n = 0;
	const char *line = rl_line_buffer;
	size_t lead = strspn(line, " \t");
	if ((size_t)start <= lead) {
		collect(&gen_list, NULL, text);
	} else {
		char cmd[64];
		size_t k = strcspn(line + lead, " \t/");
		snprintf(cmd, sizeof cmd, "%.*s", (int)(k < 63 ? k : 63), line + lead);
		collect(&gen_list, cmd, text);
	}
	return rl_completion_matches(text, generator);
}

/* Ctrl-C at the prompt: drop the line, show a fresh prompt. */
static int on_signal_event(void)
{
	if (sigint_flag) {
		sigint_flag = 0;
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

/* ---- interactive ---- */

static char *history_path(void)
{
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	size_t n = strlen(home) + sizeof "/.vmlab_history";
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/.vmlab_history", home);
	return p;
}

int con_repl_interactive(struct con_session *s)
{
	char *hist = history_path();
	complete_session = s;
	rl_readline_name = "vmlab";
	rl_catch_signals = 0;
	rl_signal_event_hook = on_signal_event;
	rl_attempted_completion_function = complete;
	rl_basic_word_break_characters = " \t+-";
	rl_completer_word_break_characters = " \t+-";
	rl_completion_append_character = ' ';
	using_history();
	if (hist)
		read_history(hist);
	if (s->multi)
		fprintf(s->out, "vmlab console: %u VMs on one host, stopped before their first instruction; %s is "
			"selected ('vm list' shows them, 'help vm' says more)\n", con_session_nvms(s), mon_vm_name(s->vm));
	else
		fprintf(s->out, "vmlab console: vm%u is stopped before its first instruction ('help' lists the commands)\n",
			mon_vm_id(s->vm));
	con_print_where(s);
	while (!s->quit) {
		char prompt[MON_VM_NAME_MAX + 16];
		char *line = readline(con_prompt(s, prompt, sizeof prompt));
		if (!line) {
			fputc('\n', s->out);
			break;
		}
		char *p = line + strspn(line, " \t");
		size_t n = strlen(p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = 0; /* completion leaves a blank: keep history tidy */
		if (*p) {
			add_history(p);
			if (hist && append_history(1, hist) != 0)
				write_history(hist);
			con_exec_line(s, p);
		}
		free(line);
		fflush(s->out);
	}
	if (hist)
		history_truncate_file(hist, HISTORY_MAX);
	free(hist);
	for (size_t i = 0; i < gen_list.n; i++)
		free(gen_list.v[i]);
	free(gen_list.v);
	gen_list = (struct matches){0};
	complete_session = NULL;
	return 0;
}
