/*
 * monitor/grade/grade_main.c — `vmlab grade`: one submission, or a folder of them.
 *
 *   vmlab grade LAB SUBMISSION [--student-id ID] [--format text|json|junit|gradescope]
 *                              [--output FILE]
 *   vmlab grade LAB DIR --roster out.csv [--jobs N]
 *
 * A submission is a folder holding the lab's hole files at their paths in the tree
 * (e.g. shadow/fill.c) and, when the lab asks questions, answers.txt. With --roster,
 * every subfolder of DIR is one student (its name is the student id), graded by N
 * parallel workers; each result is kept in out.csv.d/ID.json as soon as it is done,
 * so a run that is interrupted resumes where it stopped.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

struct grade_opts {
	const char *lab, *sub, *student, *output, *roster, *root, *work;
	enum grade_format fmt;
	unsigned jobs;
	bool keep;
};

static void usage(FILE *f)
{
	fputs("usage: vmlab grade LAB SUBMISSION [--student-id ID] [--format text|json|junit|gradescope]\n"
	      "                                  [--output FILE] [--keep]\n"
	      "       vmlab grade LAB DIR --roster OUT.csv [--jobs N]\n"
	      "  LAB          a lab folder under labs/ (name, number or path) with a rubric\n"
	      "  SUBMISSION   a folder with the lab's hole files at their paths (and answers.txt)\n"
	      "  --roster     grade every subfolder of DIR (its name is the student id); results\n"
	      "               go to OUT.csv and OUT.csv.d/, a rerun resumes without regrading\n"
	      "  --root DIR   the reference vmlab tree (default .), --build DIR its build (default build)\n",
	      f);
}

static int bad(const char *msg, const char *what)
{
	fprintf(stderr, "vmlab grade: %s%s%s\n", msg, what ? ": " : "", what ? what : "");
	return 2;
}

static int parse(int argc, char **argv, struct grade_opts *o, struct grade_ctx *g)
{
	const char *pos[2] = { 0 };
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--student-id") || !strcmp(a, "--format") || !strcmp(a, "--output") ||
			     !strcmp(a, "--roster") || !strcmp(a, "--jobs") || !strcmp(a, "--root") ||
			     !strcmp(a, "--build") || !strcmp(a, "--work");
		if (takes && !v)
			return bad("option wants a value", a);
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--student-id")) {
			o->student = v;
		} else if (!strcmp(a, "--format")) {
			if (grade_parse_format(v, &o->fmt))
				return bad("--format wants text, json, junit or gradescope", v);
		} else if (!strcmp(a, "--output")) {
			o->output = v;
		} else if (!strcmp(a, "--roster")) {
			o->roster = v;
		} else if (!strcmp(a, "--jobs")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*end || n < 1 || n > 64)
				return bad("--jobs wants 1..64", v);
			o->jobs = (unsigned)n;
		} else if (!strcmp(a, "--root")) {
			o->root = v;
		} else if (!strcmp(a, "--build")) {
			g->build = v;
		} else if (!strcmp(a, "--work")) {
			o->work = v;
		} else if (!strcmp(a, "--keep")) {
			o->keep = true;
		} else if (!strcmp(a, "--quiet")) {
			g->quiet = true;
		} else if (a[0] == '-' || npos == 2) {
			return bad("unexpected argument", a);
		} else {
			pos[npos++] = a;
		}
		i += takes;
	}
	if (npos != 2) {
		usage(stderr);
		return 2;
	}
	o->lab = pos[0];
	o->sub = pos[1];
	if (!grade_is_dir(o->sub))
		return bad("not a folder", o->sub);
	if (o->jobs > 1 && !o->roster)
		return bad("--jobs grades a folder of submissions in parallel: it needs --roster", NULL);
	if (o->output && !o->roster) { /* before grading, not after minutes of it */
		char dir[GRADE_PATH_MAX];
		const char *slash = strrchr(o->output, '/');
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - o->output) + 1 : 1, slash ? o->output : ".");
		if (grade_is_dir(o->output) || !grade_is_dir(dir) || access(dir, W_OK))
			return bad("cannot write --output", o->output);
	}
	return 0;
}

/* The student id of a single submission: --student-id, else the folder's name. */
static const char *student_of(const struct grade_opts *o)
{
	if (o->student)
		return o->student;
	const char *s = strrchr(o->sub, '/');
	while (s && !s[1] && s > o->sub) { /* trailing slash */
		const char *t = s - 1;
		while (t > o->sub && *t != '/')
			t--;
		return *t == '/' ? t + 1 : t;
	}
	return s ? s + 1 : o->sub;
}

static int grade_one(struct grade_ctx *g, const struct grade_opts *o)
{
	struct grade_report *rep = malloc(sizeof *rep);
	if (!rep)
		return bad("out of memory", NULL);
	/* --student-id as given (the variant must be the one `vmlab lab variant/answers ID` shows,
	 * whatever the id holds: an email, a '/', 70 bytes); a folder's name without its '/' */
	char student[GRADE_PATH_MAX];
	if (o->student)
		snprintf(student, sizeof student, "%s", o->student);
	else
		snprintf(student, sizeof student, "%.*s", (int)strcspn(student_of(o), "/"), student_of(o));
	int rc = grade_submission(g, o->sub, student, 0, rep);
	if (rc == 0) {
		FILE *f = o->output ? fopen(o->output, "w") : stdout;
		if (!f) {
			free(rep);
			return bad("cannot write", o->output);
		}
		grade_report_write(f, rep, g, o->fmt);
		if (o->output && fclose(f))
			rc = -1;
	}
	free(rep);
	return rc ? 1 : 0;
}


int grade_main(int argc, char **argv)
{
	struct grade_opts o = { .fmt = GF_TEXT, .jobs = 1, .root = "." };
	struct grade_ctx *g = calloc(1, sizeof *g);
	if (!g)
		return bad("out of memory", NULL);
	int rc = parse(argc, argv, &o, g);
	char err[512];
	if (rc) {
		free(g);
		return rc == 1 ? 0 : rc;
	}
	if (grade_ctx_open(g, o.root, o.lab, err, sizeof err)) {
		free(g);
		return bad(err, NULL);
	}
	char line[512];
	grade_sandbox_describe(&g->sandbox, line, sizeof line);
	if (line[0])
		fprintf(stderr, "vmlab grade: %s%s\n", g->sandbox.kind == SANDBOX_LIMITS_ONLY ? "warning: " : "", line);
	if (g->rubric.student_copy)
		fprintf(stderr, "vmlab grade: note: %s/rubric says this is a student copy (vmlab lab export): "
				"only the checks that need no reference run (build, unit tests)\n", g->labdir);
	g->keep = o.keep;
	char tmp[] = "/tmp/vmlab-grade-XXXXXX";
	char work[GRADE_PATH_MAX];
	if (o.roster)
		snprintf(work, sizeof work, "%s.d/work", o.roster);
	else if (o.work)
		snprintf(work, sizeof work, "%s", o.work);
	else if (mkdtemp(tmp))
		snprintf(work, sizeof work, "%s", tmp);
	else
		work[0] = '\0';
	if (!work[0] || grade_mkdirs(work)) {
		grade_rubric_free(&g->rubric);
		free(g);
		return bad("cannot make a work folder", strerror(errno));
	}
	g->workroot = work;
	rc = o.roster ? grade_batch(g, o.sub, o.roster, o.jobs) : grade_one(g, &o);
	if (!o.roster && !o.work && !o.keep)
		grade_rmtree(work);
	else if (o.keep && !o.roster && !o.work)
		fprintf(stderr, "vmlab grade: kept the work folder %s\n", work);
	grade_rubric_free(&g->rubric);
	free(g);
	return rc;
}
