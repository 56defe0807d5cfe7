/*
 * monitor/grade/export.c — `vmlab lab export`: the tree students get.
 *
 * A copy of the reference sources in which this lab's holes are stubbed, every
 * other lab's hole markers are dropped (their code stays), and nothing that gives
 * answers away remains: no labs/ * /expected/ or solution/ folders, no path a
 * rubric calls private, no hidden check in the lab's rubric.
 * grade_export_leaks() proves it on the written tree. The grader's work trees are
 * this same tree (grade_export_tree) plus the reference build and the hand-ins: what
 * a submission can read while it builds and runs is what its student was handed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

/* Apply f(g-of-that-lab, path) to every lab folder under root/labs that has a rubric. */
static int each_lab(const char *root, int (*f)(const struct grade_rubric *, const char *, void *), void *arg)
{
	char labs[GRADE_PATH_MAX];
	snprintf(labs, sizeof labs, "%s/labs", root);
	DIR *d = opendir(labs);
	if (!d)
		return -1;
	int rc = 0;
	static struct grade_rubric r; /* big; only used here, one at a time */
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char p[GRADE_PATH_MAX], lab[GRADE_PATH_MAX], err[300];
		snprintf(lab, sizeof lab, "%s/%s", labs, e->d_name);
		snprintf(p, sizeof p, "%s/rubric", lab);
		if (e->d_name[0] == '.' || !grade_exists(p) || grade_rubric_load(p, &r, err, sizeof err))
			continue;
		rc = f(&r, e->d_name, arg);
		grade_rubric_free(&r);
	}
	closedir(d);
	return rc;
}

/* Drop other labs' markers, privates and expected/ hand-ins from the export. A file
 * whose markers are dropped keeps its modification time: in a work tree the reference
 * build's object of it stays up to date (only comment lines went), so make does not
 * recompile every lab's hole files for every submission. */
static int clean_lab(const struct grade_rubric *r, const char *folder, void *arg)
{
	const char *dir = arg;
	char p[GRADE_PATH_MAX];
	for (int i = 0; i < r->nholes; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, r->holes[i]);
		char *text = grade_read_file(p, NULL);
		char *clean = text ? grade_hole_unmark(text) : NULL;
		struct stat st;
		if (clean && strcmp(clean, text) && stat(p, &st) == 0 && grade_write_file(p, clean, strlen(clean)) == 0) {
			struct timespec times[2] = { st.st_atim, st.st_mtim };
			utimensat(AT_FDCWD, p, times, 0);
		}
		free(text);
		free(clean);
	}
	for (int i = 0; i < r->nprivates; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, r->privates[i]);
		grade_rmtree(p);
	}
	(void)folder;
	return 0;
}

/* Every labs/NN-x/expected and labs/NN-x/solution folder (rubric or not). */
static void drop_answers(const char *dir)
{
	char labs[GRADE_PATH_MAX];
	snprintf(labs, sizeof labs, "%s/labs", dir);
	DIR *d = opendir(labs);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		static const char *const sub[] = { "expected", "solution" };
		for (unsigned i = 0; i < 2 && e->d_name[0] != '.'; i++) {
			char p[GRADE_PATH_MAX];
			snprintf(p, sizeof p, "%s/%s/%s", labs, e->d_name, sub[i]);
			if (grade_exists(p))
				grade_rmtree(p);
		}
	}
	closedir(d);
}

/* Does a hole file of the reference hold this lab's LAB-HOLE-BEGIN markers (the export stubs it)? */
static bool has_markers(const struct grade_ctx *g)
{
	char tag[GRADE_NAME_MAX + 32];
	snprintf(tag, sizeof tag, "LAB-HOLE-BEGIN %s ", g->rubric.lab);
	bool found = false;
	for (int i = 0; i < g->rubric.nholes && !found; i++) {
		char p[GRADE_PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", g->root, g->rubric.holes[i]);
		char *text = grade_read_file(p, NULL);
		found = text && strstr(text, tag);
		free(text);
	}
	return found;
}

/* The lab's rubric without hidden checks and private lines; a "student-copy" line when
 * the holes are stubbed (the copy's own vmlab is then no reference: grade.c). */
static int public_rubric(const struct grade_ctx *g, const char *dir)
{
	char src[GRADE_PATH_MAX + 8], dst[GRADE_PATH_MAX];
	snprintf(src, sizeof src, "%s/rubric", g->labdir);
	/* at the lab's own place in the tree (labs/NAME, or wherever a test's lab is) */
	size_t rl = strlen(g->root);
	if (!strncmp(g->labdir, g->root, rl) && g->labdir[rl] == '/')
		snprintf(dst, sizeof dst, "%s%s/rubric", dir, g->labdir + rl);
	else
		snprintf(dst, sizeof dst, "%s/labs/%s/rubric", dir, strrchr(g->labdir, '/') + 1);
	char *slash = strrchr(dst, '/');
	*slash = '\0';
	grade_mkdirs(dst);
	*slash = '/';
	char *text = grade_read_file(src, NULL);
	if (!text)
		return -1;
	char *out = malloc(strlen(text) + 1);
	size_t n = 0;
	for (char *line = text; out && *line;) {
		size_t len = strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n');
		char w1[16] = "", w2[64] = "", w3[32] = "", w4[16] = "";
		sscanf(line, "%15s %63s %31s %15s", w1, w2, w3, w4);
		bool drop = (!strcmp(w1, "check") && !strcmp(w4, "hidden")) || !strcmp(w1, "private") ||
			    !strcmp(w1, "solve");
		if (!drop)
			memcpy(out + n, line, len), n += len;
		line += len;
	}
	static const char copy[] = "\n# written by vmlab lab export: this tree's holes are yours, so its vmlab\n"
				   "# is no reference; vmlab grade here runs only the checks that need none\n"
				   "student-copy\n";
	if (out && has_markers(g)) {
		char *more = realloc(out, n + sizeof copy);
		if (more) {
			size_t skip = n && more[n - 1] == '\n'; /* the blank line only after a full line */
			memcpy(more + n, copy + !skip, sizeof copy - 1 - !skip);
			n += sizeof copy - 1 - !skip;
		}
		out = more;
	}
	int rc = out ? grade_write_file(dst, out, n) : -1;
	free(out);
	free(text);
	return rc;
}

int grade_export_tree(const struct grade_ctx *g, const char *dir, char *err, size_t errlen)
{
	if (grade_mkdirs(dir) || grade_copy_sources(g->root, dir)) {
		snprintf(err, errlen, "cannot copy the sources into %s", dir);
		return -1;
	}
	for (int i = 0; i < g->rubric.nholes; i++)
		if (grade_stub_hole(g, dir, g->rubric.holes[i], err, errlen))
			return -1;
	each_lab(g->root, clean_lab, (void *)dir);
	clean_lab(&g->rubric, NULL, (void *)dir); /* the lab itself may live outside labs/ */
	drop_answers(dir);
	if (public_rubric(g, dir)) {
		snprintf(err, errlen, "cannot write the public rubric");
		return -1;
	}
	return 0;
}

int grade_export(const struct grade_ctx *g, const char *dir, char *err, size_t errlen)
{
	if (grade_exists(dir)) {
		snprintf(err, errlen, "%s already exists (the export writes a new folder)", dir);
		return -1;
	}
	return grade_export_tree(g, dir, err, errlen);
}

/* Distinctive lines of the lab's hole bodies (not also in the stubbed file), one per line. */
static char *solution_lines(const struct grade_ctx *g, const char *dir)
{
	char *pat = NULL;
	size_t plen = 0;
	FILE *m = open_memstream(&pat, &plen);
	if (!m)
		return NULL;
	for (int i = 0; i < g->rubric.nholes; i++) {
		char p[GRADE_PATH_MAX], q[GRADE_PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", g->root, g->rubric.holes[i]);
		snprintf(q, sizeof q, "%s/%s", dir, g->rubric.holes[i]);
		char *ref = grade_read_file(p, NULL), *exp = grade_read_file(q, NULL);
		char *bodies = ref ? grade_hole_bodies(ref, g->rubric.lab) : NULL;
		for (char *line = bodies; line && *line;) {
			size_t len = strcspn(line, "\n");
			char *t = line + strspn(line, " \t");
			size_t tl = len - (size_t)(t - line);
			char save = t[tl];
			t[tl] = '\0';
			if (tl >= 20 && exp && !strstr(exp, t))
				fprintf(m, "%s\n", t);
			t[tl] = save;
			line += len + (line[len] == '\n');
		}
		free(ref);
		free(exp);
		free(bodies);
	}
	fclose(m);
	return pat;
}

int grade_export_leaks(const struct grade_ctx *g, const char *dir, char *err, size_t errlen)
{
	for (int i = 0; i < g->rubric.nprivates; i++) {
		char p[GRADE_PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dir, g->rubric.privates[i]);
		if (grade_exists(p)) {
			snprintf(err, errlen, "the export holds private %s", g->rubric.privates[i]);
			return 1;
		}
	}
	char *pat = solution_lines(g, dir);
	if (!pat)
		return 1;
	char patfile[GRADE_PATH_MAX], hits[GRADE_PATH_MAX];
	snprintf(patfile, sizeof patfile, "%s.solution-lines", dir);
	snprintf(hits, sizeof hits, "%s.leaks", dir);
	int rc = 0;
	if (*pat) {
		grade_write_file(patfile, pat, strlen(pat));
		char *argv[] = { "grep", "-rlF", "-f", patfile, "--", (char *)dir, NULL };
		struct grade_outcome o;
		grade_run_trusted(argv, NULL, hits, 120, &o);
		char *found = grade_read_file(hits, NULL);
		if (o.status == 0) {
			snprintf(err, errlen, "the export holds solution text in %.*s",
				 found ? (int)strcspn(found, "\n") : 1, found ? found : "?");
			rc = 1;
		}
		free(found);
		unlink(patfile);
		unlink(hits);
	}
	free(pat);
	if (!rc) {
		char labs[GRADE_PATH_MAX];
		snprintf(labs, sizeof labs, "%s/labs", dir);
		char *argv[] = { "find", labs, "-name", "expected", "-o", "-name", "solution", NULL };
		struct grade_outcome o;
		grade_run_trusted(argv, NULL, hits, 60, &o);
		char *found = grade_read_file(hits, NULL);
		if (found && *found) {
			snprintf(err, errlen, "the export holds %.*s", (int)strcspn(found, "\n"), found);
			rc = 1;
		}
		free(found);
		unlink(hits);
	}
	return rc;
}
