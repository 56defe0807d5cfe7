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
 * guest); naming them in both places is refused.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/console/console.h"
#include "monitor/tools/multivm.h"

struct con_opts {
	const char *script;
	bool no_color;
	uint64_t snap_every, snap_budget;
	struct tool_multi_args multi; /* --vm SPEC ...: several VMs on one host */
};

static void opts_init(struct con_opts *o)
{
	*o = (struct con_opts){.snap_every = CON_SNAPSHOT_EVERY, .snap_budget = CON_SNAPSHOT_BUDGET};
	tool_multi_args_init(&o->multi);
}

static bool several(const struct con_opts *o)
{
	return o->multi.nvm || o->multi.file;
}

static void usage(FILE *f)
{
	fputs("usage: vmlab console [run options] [--script FILE] [--no-color]\n"
	      "       vmlab console --vm KEY=VALUE,... --vm ... [options]   (several VMs on one host:\n"
	      "                 --vm, --vm-file, --vm-slice, --tlb-flush-on-vm-switch as for vmlab run;\n"
	      "                 'help vm' in the console; docs/multi-vm.md)\n"
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

/* Parse argv (prog names the subcommand in errors). Every argument but
 * --script's and --no-color goes into rec as well (if not NULL). Returns 0,
 * 2 after a one-line error, or -1 after --help. */
static int parse_args(int argc, char **argv, const char *prog, struct mon_config *cfg, struct con_opts *o,
		      struct con_record *rec)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const int first = i;
		char err[MON_ERR_MAX];
		int rc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "--script") || !strncmp(a, "--script=", 9)) {
			if (a[8] == '=') {
				o->script = a + 9;
			} else if (i + 1 < argc) {
				o->script = argv[++i];
			} else {
				fprintf(stderr, "vmlab %s: --script needs a file\n", prog);
				return 2;
			}
			if (!*o->script) {
				fprintf(stderr, "vmlab %s: --script needs a file\n", prog);
				return 2;
			}
			continue;
		} else if (snap_option(argc, argv, &i, o, err, sizeof err)) {
			if (err[0]) {
				fprintf(stderr, "vmlab %s: %s\n", prog, err);
				return 2;
			}
		} else if (!strcmp(a, "--no-color") || !strcmp(a, "--no-colour")) {
			o->no_color = true;
			continue;
		} else if ((rc = tool_multi_option(&o->multi, argc, argv, &i, err, sizeof err)) != 0) {
			if (rc < 0) {
				fprintf(stderr, "vmlab %s: %s\n", prog, err);
				return 2;
			}
		} else {
			rc = mon_cli_parse_option(cfg, argc, argv, &i, err, sizeof err);
			if (rc < 0) {
				fprintf(stderr, "vmlab %s: %s\n", prog, err);
				return 2;
			}
			if (rc == 0) {
				fprintf(stderr, "vmlab %s: unknown option '%s' (try vmlab console --help)\n", prog, a);
				return 2;
			}
		}
		for (int k = first; k <= i && rec; k++)
			if (con_record_opt(rec, argv[k], err, sizeof err)) {
				fprintf(stderr, "vmlab %s: %s\n", prog, err);
				return 2;
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

/*
 * The batch's first line `first` is "#! OPTIONS" (read into b->line): run
 * with those options. The command line (argc, argv; already parsed into
 * *cfg and *o) is applied on top; it may repeat them, not change them, and
 * not name images of a kind the line names (one-line error, 2). The line's
 * words go into rec after the command line's (replay gets the same run).
 * On success *cfg and *o hold the result; 0.
 */
static int use_script_line(const char *prog, const char *name, const char *first, int argc, char **argv,
			   struct mon_config *cfg, struct con_opts *o, struct con_batch_opts *b,
			   struct con_record *rec)
{
	char err[MON_ERR_MAX], where[MON_PATH_MAX + 64];
	snprintf(where, sizeof where, "%s: %s, #! line", prog, name);
	if (con_script_line_read(&b->line, first, err, sizeof err) < 0) {
		fprintf(stderr, "vmlab %s: %s\n", where, err);
		return 2;
	}
	struct con_opts lo;
	opts_init(&lo);
	mon_config_defaults(&b->cfg_line);
	b->cfg_line.quiet = true;
	int rc = parse_args(b->line.argc, b->line.argv, where, &b->cfg_line, &lo, rec);
	if (rc || lo.script) {
		if (rc <= 0)
			fprintf(stderr, "vmlab %s: %s is not an option of a script\n", where, rc < 0 ? "--help" : "--script");
		return 2;
	}
	const struct mon_config *line = &b->cfg_line;
	const char *kind = line->modules_given && cfg->modules_given ? "--module"
			   : line->kernel != line->default_kernel && cfg->kernel != cfg->default_kernel ? "--kernel"
			   : NULL;
	if (!kind && several(&lo) && several(o))
		kind = "--vm";
	if (kind) {
		fprintf(stderr, "vmlab %s: the #! line of %s names its own %s %s: leave %s out\n", prog, name,
			kind, strcmp(kind, "--vm") ? "files" : "VMs", kind);
		return 2;
	}
	/* the command line over the script's options: it may repeat them, not change them */
	struct mon_config both = *line;
	struct con_opts bo = lo;
	parse_args(argc, argv, prog, &both, &bo, NULL); /* it parsed before: no error now */
	char line_opts[MON_ERR_MAX], both_opts[MON_ERR_MAX];
	options_text(line, line_opts, sizeof line_opts);
	options_text(&both, both_opts, sizeof both_opts);
	if (strcmp(line_opts, both_opts)) {
		fprintf(stderr, "vmlab %s: the command line changes the options of %s (its #! line: %s; with "
			"the command line: %s): leave them out\n", prog, name, line_opts, both_opts);
		return 2;
	}
	bo.script = o->script;
	*o = bo;
	*cfg = both;
	return 0;
}

/* The batch's first line (NULL at end of input); the caller frees it. */
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

/* What the session is for, besides the console itself. */
struct launch {
	const char *prog;               /* "console", "record", "replay" (error lines) */
	const char *record_path;        /* vmlab record: write the session here when it ends */
	const struct con_record *replay;/* vmlab replay: run these commands, same images */
};

/* --vm and the options it goes with: 0, or 2 after a one-line error. */
static int multi_check(const struct launch *l, const struct mon_config *cfg, const struct con_opts *o)
{
	const char *no = !several(o) ? NULL : l->record_path || l->replay ? "--vm" : cfg->trace_file ? "--trace"
		       : tool_multi_refused(cfg);
	if (!several(o))
		fprintf(stderr, "vmlab %s: %s only with --vm (several VMs on one host)\n", l->prog, o->multi.opt);
	else if (no && !strcmp(no, "--vm"))
		fprintf(stderr, "vmlab %s: a session of several VMs (--vm) cannot be recorded or replayed\n", l->prog);
	else if (no && !strcmp(no, "--trace"))
		fprintf(stderr, "vmlab %s: --trace with --vm: give each VM its own (--vm ...,trace=FILE)\n", l->prog);
	else if (no)
		fprintf(stderr, "vmlab %s: %s is not with --vm (one VM on a host of its own only)\n", l->prog, no);
	return !several(o) || no ? 2 : 0;
}

/* Free what make_host made. */
static void drop_host(struct tool_multi_host *h, struct tool_vmspec *v, unsigned n)
{
	tool_multi_host_destroy(h);
	for (unsigned i = 0; i < n; i++)
		tool_vmspec_free(&v[i]);
	free(v);
}

/* The host of the --vm specs (as vmlab run --vm makes it), stopped before anything ran:
 * 0, or with one line in err (nothing left) 2 for bad specs, 1 if the host or a VM cannot be made. */
static int make_host(const struct mon_config *cfg, const struct tool_multi_args *a, struct tool_multi_host *h,
		     struct tool_vmspec **v, unsigned *n, char *err, size_t errlen)
{
	memset(h, 0, sizeof *h);
	*n = 0;
	*v = calloc(MON_HOST_VMS_MAX, sizeof **v);
	if (!*v) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	int rc = tool_vmspecs_load(cfg, a->spec, a->nvm, a->file, *v, n, err, errlen) ? 2
		 : tool_multi_host_create(h, cfg, *v, *n, &a->opts, err, errlen) ? 1 : 0;
	if (rc) {
		drop_host(h, *v, *n);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* The console session of vmlab console, record and replay. Returns the exit status. */
static int session_main(int argc, char **argv, const struct launch *l)
{
	const char *prog = l->prog;
	struct mon_config cfg;
	struct con_opts o;
	opts_init(&o);
	mon_config_defaults(&cfg);
	cfg.quiet = true;
	struct con_record *rec = con_record_new();
	if (!rec) {
		fprintf(stderr, "vmlab %s: out of memory\n", prog);
		return 1;
	}
	int rc = parse_args(argc, argv, prog, &cfg, &o, rec);
	if (rc) {
		con_record_free(rec);
		return rc < 0 ? 0 : rc;
	}
	if (cfg.stats_json) {
		fprintf(stderr, "vmlab %s: --stats-json is an option of vmlab run (here: the stats command)\n", prog);
		con_record_free(rec);
		return 2;
	}
	FILE *script = NULL;
	if (o.script && !(script = fopen(o.script, "r"))) {
		fprintf(stderr, "vmlab %s: cannot open script %s\n", prog, o.script);
		con_record_free(rec);
		return 2;
	}
	struct stat st;
	if (script && !fstat(fileno(script), &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmlab %s: script %s is a directory, not a file of commands\n", prog, o.script);
		fclose(script);
		con_record_free(rec);
		return 2;
	}
	/* a batch's first line "#! OPTIONS": its options (not when replaying a record) */
	FILE *in = l->replay ? NULL : script ? script : isatty(STDIN_FILENO) ? NULL : stdin;
	char *first = in ? first_line(in) : NULL;
	struct con_batch_opts *b = calloc(1, sizeof *b);
	if (!b)
		fprintf(stderr, "vmlab %s: out of memory\n", prog);
	else if (first && !strncmp(first, "#!", 2))
		rc = use_script_line(prog, script ? o.script : "the script on stdin", first, argc, argv, &cfg, &o, b,
				     rec);
	char err[MON_ERR_MAX];
	/* output paths (the script line's --trace too): refused before anything runs, as vmlab run does */
	if (b && !rc && ((cfg.trace_file && mon_outfile_check(cfg.trace_file, "trace file", err, sizeof err)) ||
			 (l->record_path && mon_outfile_check(l->record_path, "record file", err, sizeof err)))) {
		fprintf(stderr, "vmlab %s: %s\n", prog, err);
		rc = 2;
	}
	struct vm *vm = NULL;
	const bool multi = several(&o);
	struct tool_multi_host host = {0};
	struct tool_vmspec *specs = NULL;
	unsigned nspecs = 0;
	if (b && !rc && (multi || o.multi.opt))
		rc = multi_check(l, &cfg, &o);
	int failed = 1; /* the status when no VM is made: 2 for bad --vm specs */
	if (b && !rc && multi) {
		failed = make_host(&cfg, &o.multi, &host, &specs, &nspecs, err, sizeof err);
		if (!failed)
			vm = host.vm[0];
	} else if (b && !rc) {
		/* a boot file that cannot be read: mon_vm_create names it (and the defaults tried) */
		bool hashed = !con_record_images(rec, &cfg, err, sizeof err);
		if (!hashed || !l->replay || !con_record_same_images(l->replay, rec, err, sizeof err))
			vm = mon_vm_create(&cfg, 0, err, sizeof err);
		if (vm && !hashed) { /* readable for the VM, not for the hash: say so */
			mon_vm_destroy(vm);
			vm = NULL;
		}
	}
	struct con_session *s = vm ? calloc(1, sizeof *s) : NULL;
	if (!s) {
		if (b && !rc)
			fprintf(stderr, "vmlab %s: %s\n", prog, vm ? "out of memory" : err);
		if (multi)
			drop_host(&host, specs, nspecs);
		else
			mon_vm_destroy(vm);
		if (script)
			fclose(script);
		con_record_free(rec);
		free(first);
		if (b)
			con_script_line_free(&b->line);
		free(b);
		return rc ? rc : failed;
	}
	con_session_init(s, vm, stdout, want_color(&o));
	s->interrupt = con_sigint_flag();
	s->record = rec;
	s->gdb_ok = true;
	if (multi) { /* the host is the session's now; reverse execution is for one VM */
		if (con_multi_attach(s, &host, specs, nspecs, err, sizeof err)) {
			fprintf(stderr, "vmlab %s: %s\n", prog, err);
			rc = 1;
			s->quit = true;
		}
	} else {
		con_session_load_symbols(s, cfg.kernel, cfg.modules, cfg.nmodules);
		if (con_reverse_init(s, o.snap_every, o.snap_budget, err, sizeof err))
			fprintf(stderr, "vmlab %s: reverse execution is off: %s\n", prog, err);
	}
	if (s->quit) {
		/* nothing runs */
	} else if (l->replay) {
		rc = con_record_replay(s, l->replay, err, sizeof err);
		fflush(stdout);
		if (rc)
			fprintf(stderr, "vmlab replay: %s\n", err);
		rc = rc || s->errors ? 1 : 0;
	} else if (in) {
		rc = con_repl_batch_from(s, first, in);
	} else {
		rc = con_repl_interactive(s);
	}
	fflush(stdout);
	if (l->record_path && con_record_save(rec, l->record_path, err, sizeof err)) {
		fprintf(stderr, "vmlab record: %s\n", err);
		rc = 1;
	}
	con_session_free(s); /* several VMs: the host and its VMs with it */
	free(s);
	if (!multi)
		mon_vm_destroy(vm);
	if (script)
		fclose(script);
	con_record_free(rec);
	free(first);
	con_script_line_free(&b->line);
	free(b);
	return rc;
}

int con_main(int argc, char **argv)
{
	return session_main(argc, argv, &(struct launch){.prog = "console"});
}

/* vmlab record FILE [console options]: argv[1] is FILE. */
int con_record_main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs("usage: vmlab record FILE [console options] [--script CMDS]\n"
		      "  a console session (vmlab console --help) whose options, guest images' hashes and\n"
		      "  commands (with the instruction count each ran at) are written to FILE when it ends;\n"
		      "  vmlab replay FILE prints the same transcript again\n",
		      stdout);
		return 0;
	}
	if (argc < 2 || !argv[1][0] || argv[1][0] == '-') {
		fprintf(stderr, "vmlab record: usage: vmlab record FILE [console options] [--script CMDS]\n");
		return 2;
	}
	const char *path = argv[1];
	argv[1] = argv[0]; /* the options follow FILE */
	return session_main(argc - 1, argv + 1, &(struct launch){.prog = "record", .record_path = path});
}

/* vmlab replay FILE: the recorded options, checked images, the recorded commands. */
int con_replay_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs("usage: vmlab replay FILE\n"
		      "  run a session written by vmlab record (or the console's record command) again,\n"
		      "  with its options, on the same guest images (their hashes are checked): the\n"
		      "  transcript is the recorded session's, byte for byte\n",
		      stdout);
		return 0;
	}
	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "vmlab replay: usage: vmlab replay FILE\n");
		return 2;
	}
	struct con_record *want = con_record_new();
	char err[MON_ERR_MAX];
	if (!want || con_record_load(want, argv[1], err, sizeof err)) {
		fprintf(stderr, "vmlab replay: %s\n", want ? err : "out of memory");
		con_record_free(want);
		return 2;
	}
	size_t n;
	const char *const *opts = con_record_opts(want, &n);
	char **av = calloc(n + 2, sizeof *av);
	int rc = 1;
	if (!av) {
		fprintf(stderr, "vmlab replay: out of memory\n");
	} else {
		av[0] = argv[0];
		for (size_t i = 0; i < n; i++)
			av[i + 1] = (char *)opts[i];
		rc = session_main((int)n + 1, av, &(struct launch){.prog = "replay", .replay = want});
	}
	free(av);
	con_record_free(want);
	return rc;
}
