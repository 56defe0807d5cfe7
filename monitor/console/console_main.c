/*
 * monitor/console/console_main.c — `vmlab console [run options] [--script FILE] [--no-color]`:
 * option parsing, the VM (created exactly as `vmlab run` creates it, stopped
 * before its first instruction), symbols, and the choice of front end.
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
	      "  --script FILE  run the commands in FILE (batch: no prompt, each command echoed)\n"
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

/* Parse argv. Returns 0, 2 after a one-line error, or -1 after --help. */
static int parse_args(int argc, char **argv, struct mon_config *cfg, struct con_opts *o)
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
				fprintf(stderr, "vmlab console: --script needs a file\n");
				return 2;
			}
			if (!*o->script) {
				fprintf(stderr, "vmlab console: --script needs a file\n");
				return 2;
			}
		} else if (snap_option(argc, argv, &i, o, err, sizeof err)) {
			if (err[0]) {
				fprintf(stderr, "vmlab console: %s\n", err);
				return 2;
			}
		} else if (!strcmp(a, "--no-color") || !strcmp(a, "--no-colour")) {
			o->no_color = true;
		} else {
			int rc = mon_cli_parse_option(cfg, argc, argv, &i, err, sizeof err);
			if (rc < 0) {
				fprintf(stderr, "vmlab console: %s\n", err);
				return 2;
			}
			if (rc == 0) {
				fprintf(stderr, "vmlab console: unknown option '%s' (try vmlab console --help)\n", a);
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

int con_main(int argc, char **argv)
{
	struct mon_config cfg;
	struct con_opts o = {.snap_every = CON_SNAPSHOT_EVERY, .snap_budget = CON_SNAPSHOT_BUDGET};
	mon_config_defaults(&cfg);
	cfg.quiet = true;
	int rc = parse_args(argc, argv, &cfg, &o);
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
	char err[MON_ERR_MAX];
	struct vm *vm = mon_vm_create(&cfg, 0, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab console: %s\n", err);
		if (script)
			fclose(script);
		return 1;
	}
	struct con_session *s = calloc(1, sizeof *s);
	if (!s) {
		fprintf(stderr, "vmlab console: out of memory\n");
		mon_vm_destroy(vm);
		if (script)
			fclose(script);
		return 1;
	}
	con_session_init(s, vm, stdout, want_color(&o));
	s->interrupt = con_sigint_flag();
	con_session_load_symbols(s, cfg.kernel, cfg.modules, cfg.nmodules);
	if (con_reverse_init(s, o.snap_every, o.snap_budget, err, sizeof err))
		fprintf(stderr, "vmlab console: reverse execution is off: %s\n", err);
	if (script)
		rc = con_repl_batch(s, script);
	else if (isatty(STDIN_FILENO))
		rc = con_repl_interactive(s);
	else
		rc = con_repl_batch(s, stdin);
	fflush(stdout);
	con_session_free(s);
	free(s);
	mon_vm_destroy(vm);
	if (script)
		fclose(script);
	return rc;
}
