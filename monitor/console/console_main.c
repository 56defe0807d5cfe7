/*
 * monitor/console/console_main.c — `vmlab console [run options] [--script FILE] [--no-color]`:
 * option parsing, the VM (created exactly as `vmlab run` creates it, stopped
 * before its first instruction), symbols, and the choice of front end.
 *
 * A batch of commands (--script FILE, or stdin when it is not a terminal)
 * whose first line is "#! OPTIONS" carries its own options
 * (console_scriptline.c): the console runs with them. The command line may
 * repeat them and add options that change no number (--trace, --no-color,
 * ...), but an option that would change the run -- another --mem, --seed,
 * --tlb, one the line does not give -- is refused with one line naming both
 * option sets: a script run with other options must not print believable
 * but different numbers. Images: the command line's --kernel and --module
 * are used when the #! line names none of that kind (another build of the
 * guest); when it does, they must be the same files.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/console/console.h"

struct con_opts {
	const char *script;
	bool no_color;
	uint64_t snap_every, snap_budget;
};

static void usage(FILE *f)
{
	fputs("usage: vmlab console [run options] [--script FILE] [--no-color]\n"
	      "  --script FILE  run the commands in FILE (batch: no prompt, each command echoed);\n"
	      "                 a first line \"#! OPTIONS\" gives the options to run them with\n"
	      "  --no-color     plain output even on a terminal\n"
	      "  --snapshot-every N     reverse execution: a checkpoint every N instructions\n"
	      "                         (default 1000000; 0: only the start, going back re-runs from there)\n"
	      "  --snapshot-budget SIZE memory for checkpoints (default 256M, at least 1M); old ones\n"
	      "                         are thinned out when it is reached\n"
	      "Without --script, a terminal on stdin gets the interactive console (readline);\n"
	      "any other stdin is read in batch mode. Type 'help' in the console for commands.\n"
	      "Run options (as for vmlab run):\n",
	      f);
	mon_cli_print_run_options(f);
}

/* --snapshot-every N / --snapshot-budget SIZE (also NAME=VALUE). true if it was one
 * of them; then err is empty, or holds the one-line error. */
static bool snap_option(int argc, char **argv, int *i, struct con_opts *o, char *err, size_t errlen)
{
	static const char *const names[2] = {"--snapshot-every", "--snapshot-budget"};
	const char *a = argv[*i], *val = NULL;
	err[0] = 0;
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(names[k]);
		if (strncmp(a, names[k], n) || (a[n] && a[n] != '='))
			continue;
		if (a[n] == '=')
			val = a + n + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		char *end = NULL;
		uint64_t v = 0;
		bool ok = val && *val;
		if (ok && k == 0) {
			v = strtoull(val, &end, 10);
			ok = *val >= '0' && *val <= '9' && !*end;
		} else if (ok) {
			ok = mon_parse_size(val, &v) && v >= (1ull << 20);
		}
		if (!ok)
			snprintf(err, errlen, k == 0 ? "bad --snapshot-every '%s' (want a count of instructions, e.g. 100000)"
						     : "bad --snapshot-budget '%s' (want a size of at least 1M, e.g. 256M)",
				 val ? val : "");
		else if (k == 0)
			o->snap_every = v;
		else
			o->snap_budget = v;
		return true;
	}
	return false;
}

/* Parse argv (argv[0] is not an option). Returns 0, 2 after a one-line error
 * (prefixed with `where`), or -1 after --help. */
static int parse_args(int argc, char **argv, struct mon_config *cfg, struct con_opts *o, const char *where)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char err[MON_ERR_MAX];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "--script") || !strncmp(a, "--script=", 9)) {
			if (a[8] == '=') {
				o->script = a + 9;
			} else if (i + 1 < argc) {
				o->script = argv[++i];
			} else {
				fprintf(stderr, "vmlab console: %s--script needs a file\n", where);
				return 2;
			}
			if (!*o->script) {
				fprintf(stderr, "vmlab console: %s--script needs a file\n", where);
				return 2;
			}
		} else if (snap_option(argc, argv, &i, o, err, sizeof err)) {
			if (err[0]) {
				fprintf(stderr, "vmlab console: %s%s\n", where, err);
				return 2;
			}
		} else if (!strcmp(a, "--no-color") || !strcmp(a, "--no-colour")) {
			o->no_color = true;
		} else {
			int rc = mon_cli_parse_option(cfg, argc, argv, &i, err, sizeof err);
			if (rc < 0) {
				fprintf(stderr, "vmlab console: %s%s\n", where, err);
				return 2;
			}
			if (rc == 0) {
				fprintf(stderr, "vmlab console: %sunknown option '%s' (try vmlab console --help)\n", where, a);
				return 2;
			}
		}
	}
	return 0;
}

/* Colour only on a terminal, never with --no-color, NO_COLOR or TERM=dumb. */
static bool want_color(const struct con_opts *o)
{
	const char *term = getenv("TERM");
	const char *nc = getenv("NO_COLOR");
	return !o->no_color && isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

/* What a batch of commands runs with: its "#!" line's options (with their
 * defaults in cfg_line, which the final config may point into). */
struct con_batch_opts {
	struct con_script_line line;
	struct mon_config cfg_line;
};

/* The run options as one string, the seed included (for the conflict message). */
static void options_text(const struct mon_config *cfg, char *buf, size_t len)
{
	if (!mon_config_options(cfg, buf, len))
		snprintf(buf, len, "(too long to show)");
	size_t n = strlen(buf);
	if (cfg->seed != 1)
		snprintf(buf + n, len - n, "%s--seed %llu", n ? " " : "", (unsigned long long)cfg->seed);
	if (!buf[0])
		snprintf(buf, len, "(the defaults)");
}

/* Are paths a and b the same file (or, if either is missing, the same string)? */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) || stat(b, &sb))
		return !strcmp(a, b);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool same_modules(const struct mon_config *a, const struct mon_config *b)
{
	if (a->nmodules != b->nmodules)
		return false;
	for (unsigned i = 0; i < a->nmodules; i++)
		if (!same_file(a->modules[i], b->modules[i]))
			return false;
	return true;
}

/* The command line's images (cli) where the script's line (line) names none
 * of that kind, into both; -1 after a one-line error if they differ. */
static int merge_images(const char *name, const struct mon_config *cli, const struct mon_config *line,
			struct mon_config *both)
{
	bool line_kernel = line->kernel != line->default_kernel;
	if (cli->kernel != cli->default_kernel && line_kernel && !same_file(cli->kernel, line->kernel)) {
		fprintf(stderr, "vmlab console: --kernel %s is not the kernel the #! line of %s names (%s): leave it out\n",
			cli->kernel, name, line->kernel);
		return -1;
	}
	both->kernel = line_kernel || cli->kernel == cli->default_kernel ? line->kernel : cli->kernel;
	const struct mon_config *m = line->modules_given ? line : cli;
	if (line->modules_given && cli->modules_given && !same_modules(cli, line)) {
		fprintf(stderr, "vmlab console: the --module files are not the ones the #! line of %s names "
			"(%s%s): leave them out\n", name, line->modules[0], line->nmodules > 1 ? ", ..." : "");
		return -1;
	}
	memcpy(both->modules, m->modules, sizeof both->modules);
	both->nmodules = m->nmodules;
	both->modules_given = m->modules_given;
	return 0;
}

/*
 * The batch's first line `first` is "#! OPTIONS" (read into b->line): run
 * with those options. The command line (argc, argv; already parsed into
 * *cfg) is applied on top; it may not change them (one-line error, 2).
 * On success *cfg and *o hold the result; 0.
 */
static int use_script_line(const char *name, const char *first, int argc, char **argv, struct mon_config *cfg,
			   struct con_opts *o, struct con_batch_opts *b)
{
	char err[MON_ERR_MAX], where[MON_PATH_MAX + 32];
	snprintf(where, sizeof where, "%s, #! line: ", name);
	if (con_script_line_read(&b->line, first, err, sizeof err) < 0) {
		fprintf(stderr, "vmlab console: %s%s\n", where, err);
		return 2;
	}
	struct con_opts lo = {.snap_every = CON_SNAPSHOT_EVERY, .snap_budget = CON_SNAPSHOT_BUDGET};
	mon_config_defaults(&b->cfg_line);
	b->cfg_line.quiet = true;
	int rc = parse_args(b->line.argc, b->line.argv, &b->cfg_line, &lo, where);
	if (rc || lo.script) {
		if (rc <= 0)
			fprintf(stderr, "vmlab console: %s%s is not an option of a script\n", where,
				rc < 0 ? "--help" : "--script");
		return 2;
	}
	/* the command line over the script's options: it may repeat them, not change them */
	struct mon_config both = b->cfg_line;
	struct con_opts bo = lo;
	parse_args(argc, argv, &both, &bo, ""); /* it parsed before: no error now */
	char line_opts[MON_ERR_MAX], both_opts[MON_ERR_MAX];
	options_text(&b->cfg_line, line_opts, sizeof line_opts);
	options_text(&both, both_opts, sizeof both_opts);
	if (strcmp(line_opts, both_opts)) {
		fprintf(stderr, "vmlab console: the command line changes the options of %s (its #! line: %s; with "
			"the command line: %s): leave them out\n", name, line_opts, both_opts);
		return 2;
	}
	if (merge_images(name, cfg, &b->cfg_line, &both))
		return 2;
	bo.script = o->script;
	*o = bo;
	*cfg = both;
	return 0;
}

/* The batch's first line (NULL at end of input or for a terminal); the caller frees it. */
static char *first_line(FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	return line;
}

static int run_console(struct mon_config *cfg, const struct con_opts *o, FILE *in, const char *first)
{
	char err[MON_ERR_MAX];
	struct vm *vm = mon_vm_create(cfg, 0, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab console: %s\n", err);
		return 1;
	}
	struct con_session *s = calloc(1, sizeof *s);
	if (!s) {
		fprintf(stderr, "vmlab console: out of memory\n");
		mon_vm_destroy(vm);
		return 1;
	}
	con_session_init(s, vm, stdout, want_color(o));
	s->interrupt = con_sigint_flag();
	con_session_load_symbols(s, cfg->kernel, cfg->modules, cfg->nmodules);
	if (con_reverse_init(s, o->snap_every, o->snap_budget, err, sizeof err))
		fprintf(stderr, "vmlab console: reverse execution is off: %s\n", err);
	int rc = in ? con_repl_batch_from(s, first, in) : con_repl_interactive(s);
	fflush(stdout);
	con_session_free(s);
	free(s);
	mon_vm_destroy(vm);
	return rc;
}

int con_main(int argc, char **argv)
{
	struct mon_config cfg;
	struct con_opts o = {.snap_every = CON_SNAPSHOT_EVERY, .snap_budget = CON_SNAPSHOT_BUDGET};
	mon_config_defaults(&cfg);
	cfg.quiet = true;
	int rc = parse_args(argc, argv, &cfg, &o, "");
	if (rc)
		return rc < 0 ? 0 : rc;
	if (cfg.stats_json) {
		fprintf(stderr, "vmlab console: --stats-json is an option of vmlab run (here: the stats command)\n");
		return 2;
	}
	FILE *script = NULL;
	if (o.script && !(script = fopen(o.script, "r"))) {
		fprintf(stderr, "vmlab console: cannot open script %s\n", o.script);
		return 2;
	}
	struct stat st;
	if (script && !fstat(fileno(script), &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmlab console: script %s is a directory, not a file of commands\n", o.script);
		fclose(script);
		return 2;
	}
	FILE *in = script ? script : isatty(STDIN_FILENO) ? NULL : stdin;
	char *first = in ? first_line(in) : NULL;
	struct con_batch_opts *b = calloc(1, sizeof *b);
	if (!b) {
		fprintf(stderr, "vmlab console: out of memory\n");
		rc = 1;
	} else if (first && !strncmp(first, "#!", 2)) {
		rc = use_script_line(script ? o.script : "the script on stdin", first, argc, argv, &cfg, &o, b);
	}
	if (!rc)
		rc = run_console(&cfg, &o, in, first);
	if (b)
		con_script_line_free(&b->line);
	free(b);
	free(first);
	if (script)
		fclose(script);
	return rc;
}
