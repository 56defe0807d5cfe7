/*
 * monitor/grade/lab_main.c — `vmlab lab`: instructor tools.
 *
 *   vmlab lab export LAB DIR [--source-of LAB,...]  the student tree: holes stubbed,
 *                                other labs' hole files compiled (prebuilt/), no answers;
 *                                refused (and removed) if it holds solution text
 *   vmlab lab check LAB          reference scores full marks, the export scores zero
 *                                on every code check and holds no solution text
 *   vmlab lab answers LAB ID     the answer key of one student's variant
 *   vmlab lab variant LAB ID     the values of one student's variant (what to run with)
 *   vmlab lab solution LAB ID DIR  a submission with full marks for that variant (instructors)
 *   vmlab lab new NAME           scaffold labs/NN-NAME/ (rubric, HANDOUT.md)
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor/grade/grade.h"

static int fail(const char *what, const char *msg)
{
	fprintf(stderr, "vmlab lab %s: %s\n", what, msg);
	return 2;
}

static void usage(FILE *f)
{
	fputs("usage: vmlab lab export LAB DIR     write the student tree of LAB to DIR\n"
	      "       vmlab lab check LAB          reference full marks, export zero, no solution text\n"
	      "       vmlab lab answers LAB ID     the answer key of student ID's variant\n"
	      "       vmlab lab variant LAB ID     student ID's variant: the values to run with\n"
	      "       vmlab lab solution LAB ID DIR  write a full-marks submission of ID's variant to DIR\n"
	      "       vmlab lab new NAME           scaffold labs/NN-NAME/ with a rubric and a handout\n"
	      "options: --build DIR        the reference build (default build)\n"
	      "         --source-of LAB[,LAB...]  (export, check) keep those labs' hole files as source\n"
	      "                            (labs already due); by default an export holds every other\n"
	      "                            programming lab's hole files compiled, in prebuilt/\n",
	      f);
}

static void print_failures(const struct grade_report *rep, bool want_pass, bool code_only,
			   const struct grade_ctx *g)
{
	for (int i = 0; i < rep->n; i++) {
		const struct grade_result *r = &rep->r[i];
		if (code_only && !grade_check_is_code(&g->rubric.checks[i]))
			continue;
		if (r->passed != want_pass)
			printf("  %s %s: %.*s\n", want_pass ? "reference FAILS" : "export PASSES", r->name,
			       (int)strcspn(r->output, "\n"), r->output);
	}
}

static int lab_check(struct grade_ctx *g)
{
	const char *id = "lab-check";
	char refsub[GRADE_PATH_MAX], exp[GRADE_PATH_MAX], err[400];
	snprintf(refsub, sizeof refsub, "%s/reference", g->workroot);
	snprintf(exp, sizeof exp, "%s/export", g->workroot);
	struct grade_report *rep = malloc(sizeof *rep);
	if (!rep || grade_model_submission(g, refsub, id) || grade_submission(g, refsub, id, 0, rep))
		return fail("check", "cannot grade the reference");
	bool ok = rep->score == rep->max;
	printf("lab check %s: reference %g/%g%s\n", g->rubric.lab, rep->score, rep->max, ok ? "" : " (must be full)");
	print_failures(rep, true, false, g);
	if (grade_export(g, exp, err, sizeof err))
		return fail("check", err);
	int leak = grade_export_leaks(g, exp, err, sizeof err);
	printf("lab check %s: export %s\n", g->rubric.lab, leak ? err : "holds no solution text");
	ok = ok && !leak;
	if (grade_submission(g, NULL, id, 0, rep))
		return fail("check", "cannot grade the export");
	double code = 0;
	for (int i = 0; i < rep->n; i++)
		if (grade_check_is_code(&g->rubric.checks[i]))
			code += rep->r[i].score;
	/* a lab without a build check (read-and-answer) has nothing to build */
	bool built = rep->n && (rep->r[0].passed || g->rubric.checks[0].kind != GK_BUILD);
	printf("lab check %s: export %g/%g, %g on code checks%s%s\n", g->rubric.lab, rep->score, rep->max, code,
	       code ? " (must be 0)" : "", built ? "" : ", and it does not build");
	print_failures(rep, false, true, g);
	ok = ok && code == 0 && built;
	free(rep);
	printf("lab check %s: %s\n", g->rubric.lab, ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}

/* The verbs that run the reference: check, answers, solution. */
static int run_verb(struct grade_ctx *g, const char *verb, char **argv)
{
	if (!strcmp(verb, "check"))
		return lab_check(g);
	if (!strcmp(verb, "solution")) {
		if (!grade_model_submission(g, argv[4], argv[3]))
			return 0;
		grade_rmtree(argv[4]); /* nothing half-written left behind */
		return fail(verb, "cannot write the solution");
	}
	char *key = grade_answer_key(g, argv[3]);
	if (key)
		fputs(key, stdout);
	free(key);
	return key ? 0 : 1;
}

/* labs/NN-NAME with NN one more than the highest lab number. */
static int lab_new(const char *name)
{
	if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name))
		return fail("new", "NAME wants lower-case letters, digits and '-'");
	DIR *d = opendir("labs");
	if (!d)
		return fail("new", "no labs/ folder here (run from the top of the tree)");
	int top = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (atoi(e->d_name) > top)
			top = atoi(e->d_name);
	closedir(d);
	char dir[GRADE_PATH_MAX], p[GRADE_PATH_MAX + 16];
	snprintf(dir, sizeof dir, "labs/%02d-%s", top + 1, name);
	if (mkdir(dir, 0755))
		return fail("new", strerror(errno));
	char *rubric = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&rubric, &len);
	if (!m)
		return fail("new", "out of memory");
	fprintf(m, "# %s/rubric — read by `vmlab grade` (format: labs/README.md, \"Rubric format\").\n"
		   "lab     %s\n"
		   "title   (one line: what students build)\n"
		   "# hole  path/of/file.c       (mark the bodies with LAB-HOLE-BEGIN %s / LAB-HOLE-END %s)\n"
		   "vary    SEED range 1 65535\n"
		   "timeout 60\n"
		   "# vmlab lab check wants the export (holes stubbed) to score 0 on every check but build\n"
		   "# and answer: until a hole is marked, hello passes there too (or grade a hand-in: handin=)\n"
		   "check build 10 public build timeout=300 : @MAKE@ build/vmlab\n"
		   "check hello 10 public output : @VMLAB@ run --mem 4M --seed @SEED@ --cmdline run=hello\n",
		dir, name, name, name);
	fclose(m);
	snprintf(p, sizeof p, "%s/rubric", dir);
	int rc = grade_write_file(p, rubric, len);
	free(rubric);
	char handout[512];
	int n = snprintf(handout, sizeof handout,
			 "# Lab: %s\n\nWhat you build, where the holes are (`vmlab lab export`), how it is "
			 "graded (`vmlab grade`).\n", name);
	snprintf(p, sizeof p, "%s/HANDOUT.md", dir);
	rc |= grade_write_file(p, handout, (size_t)n);
	if (rc)
		return fail("new", "cannot write the scaffold");
	printf("%s: rubric and HANDOUT.md written; edit them, then: vmlab lab check %s\n", dir, name);
	return 0;
}

int grade_lab_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "new"))
		return argc == 3 ? lab_new(argv[2]) : fail("new", "usage: vmlab lab new NAME");
	int want = !strcmp(verb, "check")      ? 3
		   : !strcmp(verb, "solution") ? 5
		   : (!strcmp(verb, "export") || !strcmp(verb, "answers") || !strcmp(verb, "variant")) ? 4
											       : 0;
	if (!want)
		return fail(verb, "unknown (export, check, answers, variant, solution or new)");
	struct grade_ctx *g = calloc(1, sizeof *g);
	if (!g)
		return fail(verb, "out of memory");
	/* the options, anywhere after the verb: taken out of argv */
	int n = 2;
	bool bad = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool src = !strcmp(a, "--source-of") || !strncmp(a, "--source-of=", 12);
		if (!strcmp(a, "--build") && i + 1 < argc) {
			g->build = argv[++i]; /* the reference build folder (default build) */
		} else if (src && (strcmp(verb, "export") && strcmp(verb, "check"))) {
			bad = true;
		} else if (src) {
			const char *v = a[11] == '=' ? a + 12 : i + 1 < argc ? argv[++i] : "";
			if (!*v) {
				free(g);
				return fail(verb, "--source-of wants LAB[,LAB...]");
			}
			g->source_of = v;
		} else {
			argv[n++] = argv[i];
		}
	}
	argc = n;
	if (bad || argc != want) {
		free(g);
		return fail(verb, bad ? "--source-of LAB[,LAB...] is for export and check"
				      : "wrong number of arguments (vmlab lab --help)");
	}
	char err[512], tmp[] = "/tmp/vmlab-lab-XXXXXX";
	if (!g || grade_ctx_open(g, ".", argv[2], err, sizeof err)) {
		free(g);
		return fail(verb, g ? err : "out of memory");
	}
	int rc;
	if (!strcmp(verb, "variant")) {
		struct grade_env e = { .n = 0 };
		char line[512];
		grade_env_variant(&e, &g->rubric, argv[3]);
		grade_env_describe(&e, &g->rubric, line, sizeof line);
		printf("%s\n", *line ? line : "(this lab has no per-student variant)");
		rc = 0;
	} else if (!strcmp(verb, "solution") && grade_exists(argv[4])) {
		rc = fail(verb, "DIR already exists (the solution is written to a new folder)");
	} else if (!strcmp(verb, "export")) {
		/* a tree refused half-way (a stale object, a leak: what vmlab lab check proves, on
		 * the tree handed out) is removed: it holds other labs' sources until the end. A
		 * folder that was there before is never ours to remove (grade_export refuses it). */
		bool ours = !grade_exists(argv[3]);
		if (grade_export(g, argv[3], err, sizeof err) || grade_export_leaks(g, argv[3], err, sizeof err)) {
			if (ours)
				grade_rmtree(argv[3]);
			rc = fail(verb, err);
		} else {
			rc = 0;
		}
		if (!rc)
			printf("%s: student tree of lab %s (build it with make)\n", argv[3], g->rubric.lab);
	} else if (!mkdtemp(tmp)) {
		rc = fail(verb, strerror(errno));
	} else {
		g->workroot = tmp;
		g->quiet = true;
		char line[512];
		grade_sandbox_describe(&g->sandbox, line, sizeof line);
		if (line[0])
			printf("lab %s: %s\n", verb, line);
		rc = run_verb(g, verb, argv);
		grade_rmtree(tmp);
	}
	grade_rubric_free(&g->rubric);
	free(g);
	return rc;
}
