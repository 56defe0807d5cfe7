/*
 * monitor/grade/grade.c — grade one submission: find the lab, make the work tree,
 * run the rubric's checks in order, add up the points.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

/* labs/NAME exactly, labs/NN-* for a number, labs/NN-NAME for a name, or a path. */
static int find_lab(const char *root, const char *lab, char *out, size_t len)
{
	char p[GRADE_PATH_MAX];
	snprintf(p, sizeof p, "%s/rubric", lab);
	if (strchr(lab, '/') && grade_exists(p))
		return realpath(lab, out) ? 0 : -1;
	char labs[GRADE_PATH_MAX];
	snprintf(labs, sizeof labs, "%s/labs", root);
	DIR *d = opendir(labs);
	if (!d)
		return -1;
	int found = -1;
	size_t l = strlen(lab);
	for (struct dirent *e; found && (e = readdir(d));) {
		const char *n = e->d_name, *dash = strchr(n, '-');
		bool hit = !strcmp(n, lab) || (!strncmp(n, lab, l) && n[l] == '-' && l <= 3) ||
			   (dash && !strcmp(dash + 1, lab));
		if (hit && (size_t)snprintf(out, len, "%s/%s", labs, n) < len) {
			snprintf(p, sizeof p, "%s/rubric", out);
			found = grade_exists(p) ? 0 : -1;
		}
	}
	closedir(d);
	return found;
}

int grade_ctx_open(struct grade_ctx *g, const char *root, const char *lab, char *err, size_t errlen)
{
	char *rootbuf = g->paths[0], *buildbuf = g->paths[1];
	if (!realpath(root, rootbuf) || !grade_exists(rootbuf)) {
		snprintf(err, errlen, "%s: not a vmlab tree", root);
		return -1;
	}
	g->root = rootbuf;
	const char *b = g->build ? g->build : "build";
	char bp[GRADE_PATH_MAX];
	snprintf(bp, sizeof bp, "%s%s%s", b[0] == '/' ? "" : rootbuf, b[0] == '/' ? "" : "/", b);
	if (!realpath(bp, buildbuf)) {
		snprintf(err, errlen, "%s: no reference build (run make first)", bp);
		return -1;
	}
	g->build = buildbuf;
	snprintf(bp, sizeof bp, "%s/vmlab", buildbuf);
	if (access(bp, X_OK)) {
		snprintf(err, errlen, "%s: no reference vmlab (run make first)", bp);
		return -1;
	}
	if (find_lab(rootbuf, lab, g->labdir, sizeof g->labdir)) {
		snprintf(err, errlen, "%s: no such lab with a rubric under %s/labs", lab, rootbuf);
		return -1;
	}
	char rubric[GRADE_PATH_MAX + 8];
	snprintf(rubric, sizeof rubric, "%s/rubric", g->labdir);
	if (grade_rubric_load(rubric, &g->rubric, err, errlen))
		return -1;
	if (grade_sandbox_probe(&g->sandbox)) {
		snprintf(err, errlen, "%s", g->sandbox.why);
		return -1;
	}
	return 0;
}

/* The variables every command may use, then the student's variant. */
static void site_env(struct grade_env *e, const struct grade_ctx *g, const char *student)
{
	const char *labname = strrchr(g->labdir, '/') + 1;
	char lab[GRADE_PATH_MAX];
	snprintf(lab, sizeof lab, "labs/%s", labname);
	memset(e, 0, sizeof *e);
	grade_env_set(e, "BUILD", "build");
	grade_env_set(e, "VMLAB", "build/vmlab");
	/* how to build the tree (grade.mk sets it: "make -s OPT=-O1" under `make asan`) */
	const char *mk = getenv("VMLAB_GRADE_MAKE");
	grade_env_set(e, "MAKE", mk && *mk ? mk : "make -s");
	grade_env_set(e, "KERNEL", "build/guestos/kernel.elf");
	grade_env_set(e, "INITRD", "build/guestos/initrd.pack");
	grade_env_set(e, "LAB", lab);
	grade_env_variant(e, &g->rubric, student);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Changes when the reference build or the rubric changes: a cached reference
 * output is only reused for the same reference. */
static uint64_t reference_stamp(const struct grade_ctx *g)
{
	static const char *const files[] = { "vmlab", "guestos/kernel.elf", "guestos/initrd.pack" };
	uint64_t h = 0;
	for (unsigned i = 0; i < sizeof files / sizeof files[0] + 1; i++) {
		char p[GRADE_PATH_MAX];
		if (i < sizeof files / sizeof files[0])
			snprintf(p, sizeof p, "%s/%s", g->build, files[i]);
		else
			snprintf(p, sizeof p, "%s/rubric", g->labdir);
		struct stat st;
		if (stat(p, &st) == 0)
			h = (h ^ (uint64_t)st.st_mtim.tv_sec ^ ((uint64_t)st.st_mtim.tv_nsec << 20) ^
			     (uint64_t)st.st_size << 40) * 0x100000001b3ull;
	}
	return h;
}

/* Make the check's output folders before the tree is handed to the sandbox's uid. */
static void make_out_dirs(const struct grade_ctx *g, const char *tree)
{
	for (int i = 0; i < g->rubric.nchecks; i++) {
		char d[GRADE_PATH_MAX];
		snprintf(d, sizeof d, "%s/grade-out/%s", tree, g->rubric.checks[i].name);
		grade_mkdirs(d);
	}
}

/* The checks in two passes, results in the rubric's order: the build and the public
 * checks, then the hidden ones. A submission's code sees the command and environment of
 * each check it runs in and may keep them in its tree: had a hidden check run before a
 * public one, the public one's output could show what the hidden one runs. */
static void run_checks(const struct grade_ctx *g, struct grade_site *sub, struct grade_site *ref,
		       const char *answers, struct grade_report *rep)
{
	bool built = true;
	rep->n = g->rubric.nchecks;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < g->rubric.nchecks; i++) {
			const struct grade_check *c = &g->rubric.checks[i];
			if ((c->hidden && c->kind != GK_BUILD) != (pass == 1))
				continue;
			struct grade_result *r = &rep->r[i];
			memset(r, 0, sizeof *r);
			bool no_ref = g->rubric.student_copy && (c->kind == GK_OUTPUT || c->kind == GK_TRACE ||
								  c->kind == GK_ANSWER);
			if ((!built && c->kind != GK_ANSWER) || no_ref) {
				snprintf(r->name, sizeof r->name, "%s", c->name);
				r->max = c->points;
				r->hidden = c->hidden;
				snprintf(r->output, sizeof r->output, "%s",
					 no_ref ? "not run: a student copy has no reference to compare with (its vmlab runs "
						  "your code); the instructor's grade runs this check"
						: "not run: the build failed");
			} else {
				grade_check_run(g, c, sub, ref, answers, r);
			}
			if (c->kind == GK_BUILD && !r->passed)
				built = false;
			rep->score += r->score;
			rep->max += r->max;
			if (!g->quiet)
				fprintf(stderr, "grade: %s: %s %g/%g\n", rep->student, r->name, r->score, r->max);
		}
}

/* The reference site of a student's variant (its tree made if needed). */
static int ref_site(const struct grade_ctx *g, const char *student, struct grade_site *ref, char *tree,
		    char *variant, size_t vlen, char *err, size_t errlen)
{
	memset(ref, 0, sizeof *ref);
	site_env(&ref->env, g, student);
	grade_env_describe(&ref->env, &g->rubric, variant, vlen);
	snprintf(tree, GRADE_PATH_MAX, "%s/ref-%016llx", g->workroot,
		 (unsigned long long)(hash_str(variant) ^ reference_stamp(g)));
	snprintf(ref->outs, sizeof ref->outs, "%s/grade-out", tree);
	ref->tree = tree;
	if (grade_ref_tree(g, tree, err, errlen) || grade_mkdirs(ref->outs))
		return -1;
	chmod(tree, 0700); /* the reference's outputs are the grader's alone (a weaker sandbox's uid) */
	return 0;
}

/* Does any check run a command of the submission (else its tree needs no copy)? */
static bool runs_submission(const struct grade_rubric *r)
{
	for (int i = 0; i < r->nchecks; i++)
		if (r->checks[i].kind != GK_ANSWER && !r->checks[i].handin[0])
			return true;
	return false;
}

#define MAX_SUBMITTED (1u << 20) /* a hole file or answers.txt larger than this is refused
				   * (workdir.c's MAX_HAND_IN) */

/* Is the submission's file rel fit to grade: absent, or a regular file of at most
 * MAX_SUBMITTED bytes reached through no symbolic link (a link could point at the
 * reference's hole file or an answer key: Gradescope unpacks links)? Else why not. */
static bool submitted_file_ok(const char *subdir, const char *rel, char *why, size_t len)
{
	int fd = grade_open_beneath(subdir, rel, O_RDONLY | O_NONBLOCK);
	int e = errno;
	struct stat st;
	if (fd < 0 && e == ENOENT)
		return true;
	if (fd >= 0) {
		bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		close(fd);
		if (regular && st.st_size <= (off_t)MAX_SUBMITTED)
			return true;
		snprintf(why, len, regular ? "refused: %s is larger than 1 MiB" : "refused: %s is not a regular file",
			 rel);
		return false;
	}
	/* which part of the way is a link (or not a folder) */
	char part[GRADE_PATH_MAX], p[GRADE_PATH_MAX * 2];
	snprintf(part, sizeof part, "%s", rel);
	for (char *slash = part;; slash++) {
		slash = strchr(slash, '/');
		if (slash)
			*slash = '\0';
		snprintf(p, sizeof p, "%s/%s", subdir, part);
		bool last = !slash;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode)) {
			snprintf(why, len, "refused: %s is a symbolic link%s%s%s", part, last ? "" : " (on the way to ",
				 last ? "" : rel, last ? "" : ")");
			return false;
		}
		if (lstat(p, &st) == 0 && !last && !S_ISDIR(st.st_mode)) {
			snprintf(why, len, "refused: %s is not a folder (on the way to %s)", part, rel);
			return false;
		}
		if (last)
			break;
		*slash = '/';
	}
	snprintf(why, len, "refused: %s cannot be read (%s)", rel, strerror(e));
	return false;
}

/* Why the submission is refused as a whole (a hole file or answers.txt that is a link, not
 * a regular file, or too large), or false. */
static bool refused(const struct grade_ctx *g, const char *subdir, char *why, size_t len)
{
	for (int i = 0; i < g->rubric.nholes; i++)
		if (!submitted_file_ok(subdir, g->rubric.holes[i], why, len))
			return true;
	return !submitted_file_ok(subdir, "answers.txt", why, len);
}

/* A refused submission's report: every check zero, with the reason. */
static void refused_report(const struct grade_ctx *g, const char *student, const char *why,
			   struct grade_report *rep)
{
	struct grade_env env;
	site_env(&env, g, student);
	grade_env_describe(&env, &g->rubric, rep->variant, sizeof rep->variant);
	snprintf(rep->refused, sizeof rep->refused, "%s", why);
	rep->n = g->rubric.nchecks;
	for (int i = 0; i < rep->n; i++) {
		const struct grade_check *c = &g->rubric.checks[i];
		struct grade_result *r = &rep->r[i];
		snprintf(r->name, sizeof r->name, "%s", c->name);
		r->max = c->points;
		r->hidden = c->hidden;
		snprintf(r->output, sizeof r->output, "%s", why);
		rep->max += r->max;
		if (!g->quiet)
			fprintf(stderr, "grade: %s: %s 0/%g (%s)\n", rep->student, r->name, r->max, why);
	}
}

int grade_submission(struct grade_ctx *g, const char *subdir, const char *student,
		     unsigned slot, struct grade_report *rep)
{
	memset(rep, 0, sizeof *rep);
	snprintf(rep->student, sizeof rep->student, "%s", student);
	char why[sizeof rep->refused];
	if (subdir && refused(g, subdir, why, sizeof why)) {
		refused_report(g, student, why, rep);
		return 0;
	}
	struct grade_site sub = { .sandboxed = true, .slot = slot, .handins = subdir }, ref;
	site_env(&sub.env, g, student);
	char reftree[GRADE_PATH_MAX], tree[GRADE_PATH_MAX], err[300];
	snprintf(tree, sizeof tree, "%s/work-%u", g->workroot, slot);
	snprintf(sub.outs, sizeof sub.outs, "%s/out-%u", g->workroot, slot);
	grade_rmtree(tree);
	grade_rmtree(sub.outs);
	int taken = 0;
	if (mkdir(sub.outs, 0700)) {
		fprintf(stderr, "grade: %s: cannot make %s\n", student, sub.outs);
		return -1;
	}
	if (ref_site(g, student, &ref, reftree, rep->variant, sizeof rep->variant, err, sizeof err) ||
	    (runs_submission(&g->rubric) ? grade_work_tree(g, subdir, tree, &taken, err, sizeof err)
					 : grade_mkdirs(tree))) {
		fprintf(stderr, "grade: %s: %s\n", student, err);
		return -1;
	}
	make_out_dirs(g, tree);
	chmod(g->workroot, 0711); /* the sandbox's uid must reach its tree (mkdtemp makes 0700) */
	if (grade_sandbox_own(&g->sandbox, slot, tree)) {
		fprintf(stderr, "grade: %s: cannot hand %s to the sandbox uid\n", student, tree);
		return -1;
	}
	chmod(tree, 0700); /* no other slot's uid enters it (what keeps them apart without bwrap) */
	sub.tree = tree;
	/* a regular file, no link (it could point at an answer key) */
	char *answers = subdir ? grade_read_beneath(subdir, "answers.txt", MAX_SUBMITTED, NULL) : NULL;
	if (answers && strlen(answers) > 65536)
		answers[65536] = '\0';
	run_checks(g, &sub, &ref, answers, rep);
	free(answers);
	if (!g->keep) {
		grade_rmtree(tree);
		grade_rmtree(sub.outs);
	}
	return 0;
}

char *grade_answer_key(struct grade_ctx *g, const char *student)
{
	struct grade_site ref;
	char tree[GRADE_PATH_MAX], variant[256], err[300];
	if (ref_site(g, student, &ref, tree, variant, sizeof variant, err, sizeof err))
		return NULL;
	char *key = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&key, &len);
	if (!m)
		return NULL;
	fprintf(m, "# answer key for %s (%s)\n", student, variant);
	bool ok = true;
	for (int i = 0; i < g->rubric.nchecks && ok; i++) {
		const struct grade_check *c = &g->rubric.checks[i];
		if (c->kind != GK_ANSWER)
			continue;
		struct grade_number v;
		/* no number: the reference failed (a student tree's stubs) or the rubric's grep is wrong */
		if (!grade_check_expected(g, c, &ref, &v)) {
			fprintf(stderr, "grade: no answer key for %s: the reference run of check %s printed no "
				"\"%s\" number (is this tree's reference code complete?)\n", c->key, c->name, c->grep);
			ok = false;
		} else {
			char num[64];
			grade_number_format(&v, num, sizeof num);
			fprintf(m, "%s = %s\n", c->key, num);
		}
	}
	fclose(m);
	if (!ok) {
		free(key);
		return NULL;
	}
	return key;
}

/* The reference's hole files, without markers, into dir. */
static int reference_holes(const struct grade_ctx *g, const char *dir)
{
	for (int i = 0; i < g->rubric.nholes; i++) {
		char src[GRADE_PATH_MAX], dst[GRADE_PATH_MAX];
		snprintf(src, sizeof src, "%s/%s", g->root, g->rubric.holes[i]);
		snprintf(dst, sizeof dst, "%s/%s", dir, g->rubric.holes[i]);
		char *slash = strrchr(dst, '/');
		*slash = '\0';
		grade_mkdirs(dst);
		*slash = '/';
		char *text = grade_read_file(src, NULL), *clean = text ? grade_hole_unmark(text) : NULL;
		int rc = clean ? grade_write_file(dst, clean, strlen(clean)) : -1;
		free(text);
		free(clean);
		if (rc)
			return -1;
	}
	return 0;
}

/* The rubric's solve command, run on the reference with @OUT@ = dir (absolute). */
static int reference_solve(const struct grade_ctx *g, struct grade_site *ref, const char *dir)
{
	grade_env_set(&ref->env, "OUT", dir);
	char *cmd = grade_env_expand(&ref->env, g->rubric.solve), log[GRADE_PATH_MAX + 16];
	if (!cmd)
		return -1;
	snprintf(log, sizeof log, "%s/grade-out/solve.out", ref->tree);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct grade_outcome o;
	grade_run_trusted(argv, ref->tree, log, g->rubric.timeout * 4, &o);
	free(cmd);
	if (o.status != 0)
		fprintf(stderr, "grade: the rubric's solve command failed (exit status %d, %s)\n", o.status, log);
	return o.status == 0 ? 0 : -1;
}

int grade_model_submission(struct grade_ctx *g, const char *dir, const char *student)
{
	struct grade_site ref;
	char tree[GRADE_PATH_MAX], variant[256], err[300], abs[PATH_MAX];
	if (grade_mkdirs(dir) || !realpath(dir, abs) ||
	    ref_site(g, student, &ref, tree, variant, sizeof variant, err, sizeof err))
		return -1;
	if (g->rubric.solve ? reference_solve(g, &ref, abs) : reference_holes(g, abs))
		return -1;
	for (int i = 0; i < g->rubric.nchecks; i++) {
		const struct grade_check *c = &g->rubric.checks[i];
		char out[GRADE_PATH_MAX], trace[GRADE_PATH_MAX * 2], dst[GRADE_PATH_MAX * 2];
		if (!c->handin[0])
			continue;
		grade_check_reference(g, c, &ref, out, trace);
		snprintf(dst, sizeof dst, "%s/%s", abs, c->handin);
		size_t len;
		char *text = grade_read_file(c->kind == GK_TRACE ? trace : out, &len);
		int rc = text ? grade_write_file(dst, text, len) : -1;
		free(text);
		if (rc)
			return -1;
	}
	char *key = grade_answer_key(g, student), ans[GRADE_PATH_MAX + 16];
	snprintf(ans, sizeof ans, "%s/answers.txt", abs);
	int rc = key ? grade_write_file(ans, key, strlen(key)) : -1;
	free(key);
	return rc;
}
