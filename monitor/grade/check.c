/*
 * monitor/grade/check.c — run one rubric check on a submission and judge it
 * against the same command on the reference (with the student's variant).
 * Every check scores all its points or none, with a one-line reason.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

#define SHOW 400 /* bytes of a command's output quoted in a result */

/* dir: the check's @OUT@ folder in the tree; out: its output file, outside the tree. */
static void outpaths(const struct grade_site *s, const struct grade_check *c, char *dir, char *out)
{
	snprintf(dir, GRADE_PATH_MAX, "%s/grade-out/%s", s->tree, c->name);
	snprintf(out, GRADE_PATH_MAX, "%s/%s.out", s->outs, c->name);
}

#define MAX_TRACE_MB 64 /* a trace the sandbox wrote larger than this is refused */

/* The file c's command wrote under @OUT@ (c->file) as the grader compares it: for the
 * sandbox's tree, copied to outs/NAME.trace through no symbolic link (a submission
 * could otherwise point it at any file of the host, which the grader would read and
 * quote); for the reference, where it is. False if there is none. */
static bool written_file(const struct grade_site *s, const struct grade_check *c, char *path, size_t len)
{
	char rel[GRADE_PATH_MAX];
	snprintf(rel, sizeof rel, "grade-out/%s/%s", c->name, c->file);
	if (!s->sandboxed) {
		snprintf(path, len, "%s/%s", s->tree, rel);
		return grade_exists(path);
	}
	snprintf(path, len, "%s/%s.trace", s->outs, c->name);
	size_t n;
	char *text = grade_read_beneath(s->tree, rel, (size_t)MAX_TRACE_MB << 20, &n);
	bool ok = text && grade_write_file(path, text, n) == 0;
	free(text);
	return ok;
}

#define MAX_HANDIN_MB 64 /* a hand-in file larger than this is refused */

/* The submission's hand-in file of c into path; NULL reason if it is usable, else why not. */
static const char *handin_file(const struct grade_check *c, const struct grade_site *sub, char *path)
{
	snprintf(path, GRADE_PATH_MAX, "%s/%s", sub->handins ? sub->handins : "/nonexistent", c->handin);
	struct stat st;
	int fd = sub->handins ? grade_open_beneath(sub->handins, c->handin, O_RDONLY | O_NONBLOCK) : -1;
	if (fd < 0 && (!sub->handins || errno == ENOENT))
		return "not handed in";
	bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (off_t)MAX_HANDIN_MB << 20;
	if (fd >= 0)
		close(fd);
	return ok ? NULL : "not a regular file of at most 64 MiB (symbolic links are refused)";
}

/* Run c's command at site s; its output in grade-out/NAME.out, its files in grade-out/NAME/. */
static void run_at(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *s,
		   struct grade_outcome *o)
{
	char dir[GRADE_PATH_MAX], out[GRADE_PATH_MAX], rel[GRADE_PATH_MAX];
	outpaths(s, c, dir, out);
	snprintf(rel, sizeof rel, "grade-out/%s", c->name);
	grade_env_set(&s->env, "OUT", rel);
	if (!s->sandboxed)
		grade_mkdirs(dir); /* the sandbox's were made before its tree was handed over */
	char *cmd = grade_env_expand(&s->env, c->cmd);
	if (!cmd) {
		memset(o, 0, sizeof *o);
		o->status = -1;
		snprintf(o->reason, sizeof o->reason, "out of memory");
		return;
	}
	if (s->sandboxed) {
		/* nothing planted by an earlier check counts (removed through no link) */
		int d = grade_open_beneath(s->tree, rel, O_RDONLY | O_DIRECTORY);
		if (d >= 0) {
			unlinkat(d, c->file, 0);
			close(d);
		}
		struct grade_limits lim = { .cpu_s = c->timeout, .wall_s = c->timeout, .mem_mb = 2048,
					    .fsize_mb = 64, .nproc = 64 };
		grade_sandbox_run(&g->sandbox, s->slot, s->tree, cmd, &lim, out, o);
	} else {
		char *argv[] = { "/bin/sh", "-c", cmd, NULL };
		grade_run_trusted(argv, s->tree, out, c->timeout * 4, o);
	}
	free(cmd);
}

/* The reference's run of c, made once per variant (a lock keeps parallel workers apart). */
static void run_reference(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *ref,
			  struct grade_outcome *o)
{
	char lockpath[GRADE_PATH_MAX], donepath[GRADE_PATH_MAX];
	snprintf(lockpath, sizeof lockpath, "%s/grade-out/lock", ref->tree);
	snprintf(donepath, sizeof donepath, "%s/grade-out/%s.status", ref->tree, c->name);
	int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	char *done = grade_read_file(donepath, NULL);
	if (done) {
		memset(o, 0, sizeof *o);
		o->status = atoi(done);
		free(done);
	} else {
		run_at(g, c, ref, o);
		char st[32];
		int n = snprintf(st, sizeof st, "%d\n", o->status);
		if (!o->timed_out)
			grade_write_file(donepath, st, (size_t)n);
	}
	if (lock >= 0)
		close(lock);
}

/* Up to SHOW bytes of the end of a file, as one printable string. */
static void quote_tail(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	long from = size > SHOW ? size - SHOW : 0;
	fseek(f, from, SEEK_SET);
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)buf[i]) && buf[i] != '\n' && buf[i] != '\t')
			buf[i] = '?';
}

static void result(struct grade_result *r, bool passed, const char *fmt, const char *detail)
{
	r->passed = passed;
	r->score = passed ? r->max : 0;
	snprintf(r->output, sizeof r->output, "%s%s%s", fmt, detail && *detail ? "\n" : "", detail ? detail : "");
}

/* First differing line of two files: 0 if equal, else its number, with both lines. */
static long first_difference(const char *a, const char *b, char *la, char *lb, size_t len)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	char *x = NULL, *y = NULL;
	size_t cx = 0, cy = 0;
	long line = 0, diff = 0;
	while (fa && fb && !diff) {
		ssize_t nx = getline(&x, &cx, fa), ny = getline(&y, &cy, fb);
		line++;
		if (nx < 0 && ny < 0)
			break;
		if (nx != ny || memcmp(x, y, (size_t)nx)) {
			diff = line;
			snprintf(la, len, "%.*s", nx < 0 ? 0 : (int)strcspn(x, "\n"), nx < 0 ? "" : x);
			snprintf(lb, len, "%.*s", ny < 0 ? 0 : (int)strcspn(y, "\n"), ny < 0 ? "" : y);
			if (nx < 0)
				snprintf(la, len, "(end of output)");
			if (ny < 0)
				snprintf(lb, len, "(end of output)");
		}
	}
	if (!fa || !fb)
		diff = -1;
	free(x);
	free(y);
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return diff;
}

static void judge_output(const struct grade_check *c, struct grade_site *sub, struct grade_site *ref,
			 const struct grade_outcome *so, const struct grade_outcome *ro, struct grade_result *r)
{
	char d1[GRADE_PATH_MAX], a[GRADE_PATH_MAX], b[GRADE_PATH_MAX], la[120], lb[120], msg[400];
	outpaths(ref, c, d1, a);
	outpaths(sub, c, d1, b);
	const char *why = c->handin[0] ? handin_file(c, sub, b) : NULL;
	if (why) {
		snprintf(msg, sizeof msg, "%s: %s", c->handin, why);
		result(r, false, msg, NULL);
		return;
	}
	long line = first_difference(a, b, la, lb, sizeof la);
	if (line == 0 && (c->handin[0] || so->status == ro->status)) {
		result(r, true, "output matches the reference", NULL);
		return;
	}
	if (line == 0)
		snprintf(msg, sizeof msg, "%s%sexit status %d, the reference's %d", so->reason,
			 so->reason[0] ? "; " : "", so->status, ro->status);
	else
		snprintf(msg, sizeof msg, "%s%soutput differs from the reference at line %ld: expected \"%s\", got \"%s\"",
			 so->reason, so->reason[0] ? "; " : "", line, la, lb);
	char tail[SHOW + 1];
	quote_tail(b, tail, sizeof tail);
	result(r, false, msg, tail);
}

static void judge_trace(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *sub,
			struct grade_site *ref, const struct grade_outcome *so, struct grade_result *r)
{
	char ta[GRADE_PATH_MAX * 2], tb[GRADE_PATH_MAX * 2], d[GRADE_PATH_MAX], o[GRADE_PATH_MAX];
	char vmlab[GRADE_PATH_MAX], diffout[GRADE_PATH_MAX + 8];
	written_file(ref, c, ta, sizeof ta);
	outpaths(sub, c, d, o);
	snprintf(diffout, sizeof diffout, "%s.diff", o);
	snprintf(vmlab, sizeof vmlab, "%s/vmlab", g->build);
	const char *why = c->handin[0] ? handin_file(c, sub, tb) : NULL;
	if (why) {
		char msg[200];
		snprintf(msg, sizeof msg, "%s: %s", c->handin, why);
		result(r, false, msg, NULL);
		return;
	}
	if (!c->handin[0] && !written_file(sub, c, tb, sizeof tb)) {
		char msg[400];
		snprintf(msg, sizeof msg, "%s%sno trace written (%s: a regular file, no link, of at most %d MiB)",
			 so->reason, so->reason[0] ? "; " : "", c->file, MAX_TRACE_MB);
		result(r, false, msg, NULL);
		return;
	}
	/* a trace made with other options or another seed than the reference's fails */
	char *argv[32] = { vmlab, "trace-diff", "--require-same-options" };
	int n = 3;
	char ign[sizeof c->ignore];
	snprintf(ign, sizeof ign, "%s", c->ignore);
	for (char *save, *f = strtok_r(ign, ",", &save); f && n < 28; f = strtok_r(NULL, ",", &save)) {
		argv[n++] = "--ignore";
		argv[n++] = f;
	}
	argv[n++] = ta;
	argv[n++] = tb;
	argv[n] = NULL;
	struct grade_outcome to;
	grade_run_trusted(argv, NULL, diffout, 120, &to);
	char text[SHOW + 1];
	quote_tail(diffout, text, sizeof text);
	if (to.status == 0)
		result(r, true, "trace matches the reference", NULL);
	else
		result(r, false, to.status == 1   ? "trace differs from the reference (vmlab trace-diff)"
				 : to.status == 3 ? "trace made with other options than the reference's (vmlab trace-diff)"
						  : "vmlab trace-diff could not compare the traces", text);
}

/* The number after text in file. */
static bool number_after(const char *path, const char *text, struct grade_number *n)
{
	char *s = grade_read_file(path, NULL);
	bool ok = grade_number_after(s ? s : "", text, n);
	free(s);
	return ok;
}

void grade_check_reference(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *ref,
			   char *out, char *trace)
{
	struct grade_outcome ro;
	char d[GRADE_PATH_MAX];
	run_reference(g, c, ref, &ro);
	outpaths(ref, c, d, out);
	snprintf(trace, GRADE_PATH_MAX * 2, "%s/%s", d, c->file);
}

bool grade_check_expected(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *ref,
			  struct grade_number *n)
{
	char o[GRADE_PATH_MAX], t[GRADE_PATH_MAX * 2];
	grade_check_reference(g, c, ref, o, t);
	return number_after(o, c->grep, n);
}

/* The student's number is echoed as they wrote it; a wrong answer's message does not
 * show the reference's (public checks' outputs are the students'). */
static void judge_answer(const struct grade_check *c, struct grade_site *ref, const char *answers,
			 struct grade_result *r)
{
	char d[GRADE_PATH_MAX], o[GRADE_PATH_MAX], msg[300];
	struct grade_number want, got;
	outpaths(ref, c, d, o);
	if (!number_after(o, c->grep, &want)) {
		snprintf(msg, sizeof msg, "rubric error: the reference output has no \"%s\" number", c->grep);
		result(r, false, msg, NULL);
		return;
	}
	if (!grade_answer_of(answers, c->key, &got)) {
		snprintf(msg, sizeof msg, "no answer \"%s\" in answers.txt", c->key);
		result(r, false, msg, NULL);
		return;
	}
	bool ok = grade_number_within(&got, &want, &c->tol);
	snprintf(msg, sizeof msg, "%s = %s: %s", c->key, got.text, ok ? "right" : "wrong");
	result(r, ok, msg, NULL);
}

/* The first compiler error line of a build log, for the one-line reason. */
static void first_error(const char *path, char *buf, size_t len)
{
	char *s = grade_read_file(path, NULL);
	char *e = s ? strstr(s, "error:") : NULL;
	buf[0] = '\0';
	if (e) {
		while (e > s && e[-1] != '\n')
			e--;
		snprintf(buf, len, "%.*s", (int)strcspn(e, "\n"), e);
	}
	free(s);
}

void grade_check_run(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *sub,
		     struct grade_site *ref, const char *answers, struct grade_result *res)
{
	struct grade_outcome so, ro;
	char tail[SHOW + 1], msg[400], d[GRADE_PATH_MAX], o[GRADE_PATH_MAX];
	snprintf(res->name, sizeof res->name, "%s", c->name);
	res->max = c->points;
	res->hidden = c->hidden;
	if (c->kind == GK_ANSWER) {
		run_reference(g, c, ref, &ro);
		judge_answer(c, ref, answers, res);
		return;
	}
	if (c->kind == GK_OUTPUT || c->kind == GK_TRACE)
		run_reference(g, c, ref, &ro);
	memset(&so, 0, sizeof so);
	if (!c->handin[0]) /* a hand-in check runs nothing of the submission */
		run_at(g, c, sub, &so);
	outpaths(sub, c, d, o);
	quote_tail(o, tail, sizeof tail);
	switch (c->kind) {
	case GK_BUILD:
	case GK_EXIT:
		snprintf(msg, sizeof msg, "%s%s%s", c->kind == GK_BUILD ? "build " : "",
			 so.status == 0 ? "passed" : "failed", "");
		if (so.status != 0 && c->kind == GK_BUILD && !so.reason[0])
			first_error(o, so.reason, sizeof so.reason);
		if (so.status != 0 && so.reason[0])
			snprintf(msg, sizeof msg, "%sfailed: %s", c->kind == GK_BUILD ? "build " : "", so.reason);
		else if (so.status != 0)
			snprintf(msg, sizeof msg, "%sfailed: exit status %d", c->kind == GK_BUILD ? "build " : "",
				 so.status);
		result(res, so.status == 0, msg, so.status == 0 ? NULL : tail);
		break;
	case GK_OUTPUT:
		judge_output(c, sub, ref, &so, &ro, res);
		break;
	case GK_TRACE:
		judge_trace(g, c, sub, ref, &so, res);
		break;
	case GK_ANSWER:
		break;
	}
}
