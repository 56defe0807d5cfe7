/*
 * monitor/grade/workdir.c — the trees checks run in.
 *
 * A submission's work tree is a copy of the reference tree (sources and the
 * reference build, timestamps kept, so make rebuilds only what changed) in which
 * each hole file is first stubbed (the export's version) and then replaced by the
 * student's file when the submission has one. Only hole files are taken from a
 * submission: a student cannot replace the tests or the Makefile.
 * The reference tree is a folder of symbolic links to the reference sources and
 * build, so commands run in both with the same relative paths (build/vmlab, ...)
 * and print the same text.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

#define MAX_HAND_IN (1u << 20) /* a hole file larger than 1 MiB is refused */

/* Entries of the reference root not copied into work trees. */
static bool skip_top(const char *name)
{
	return name[0] == '.' || !strncmp(name, "build", 5);
}

/* Folders of the reference build copied into a work tree: the objects (with their
 * dependency files) and the guest images, which make would otherwise rebuild. The
 * build folder's other folders hold test outputs, other builds (asan, coverage, ...),
 * fuzzers and unit test programs: hundreds of MB no lab needs (a check that does
 * needs a test program names it in its build command, and make relinks it from obj/),
 * so they are left out; its regular files (vmlab, the libraries) are copied. */
static bool skip_hidden(const char *name)
{
	return name[0] == '.';
}

static bool skip_build_dir(const char *name)
{
	static const char *const keep[] = { "obj", "guestos", "labs" };
	for (unsigned i = 0; i < sizeof keep / sizeof keep[0]; i++)
		if (!strcmp(name, keep[i]))
			return false;
	return true;
}

/* Copy (or, with link, symlink) every entry of src into dst except skipped ones;
 * skip_dir (if not NULL) is asked about folders only. */
static int copy_entries(const char *src, const char *dst, bool (*skip)(const char *),
			bool (*skip_dir)(const char *), bool link)
{
	DIR *d = opendir(src);
	if (!d)
		return -1;
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || skip(e->d_name))
			continue;
		char s[GRADE_PATH_MAX], t[GRADE_PATH_MAX];
		snprintf(s, sizeof s, "%s/%s", src, e->d_name);
		snprintf(t, sizeof t, "%s/%s", dst, e->d_name);
		if (skip_dir && grade_is_dir(s) && skip_dir(e->d_name))
			continue;
		rc = link ? symlink(s, t) : grade_copy_tree(s, t);
	}
	closedir(d);
	return rc;
}

int grade_copy_sources(const char *root, const char *dst)
{
	return copy_entries(root, dst, skip_top, NULL, false);
}

int grade_ref_tree(const struct grade_ctx *g, const char *dst, char *err, size_t errlen)
{
	char b[GRADE_PATH_MAX];
	snprintf(b, sizeof b, "%s/build", dst);
	if (grade_exists(b))
		return 0;
	char tmp[GRADE_PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", dst, (long)getpid());
	grade_rmtree(tmp);
	if (grade_mkdirs(tmp) || copy_entries(g->root, tmp, skip_top, NULL, true)) {
		snprintf(err, errlen, "cannot make the reference tree %s: %s", tmp, strerror(errno));
		return -1;
	}
	snprintf(b, sizeof b, "%s/build", tmp);
	if (symlink(g->build, b) || rename(tmp, dst)) {
		grade_rmtree(tmp);
		if (grade_exists(dst)) /* another worker made it first */
			return 0;
		snprintf(err, errlen, "cannot make the reference tree %s: %s", dst, strerror(errno));
		return -1;
	}
	return 0;
}

int grade_stub_hole(const struct grade_ctx *g, const char *tree, const char *rel, char *err, size_t errlen)
{
	char path[GRADE_PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", tree, rel);
	char *text = grade_read_file(path, NULL);
	if (!text) {
		snprintf(err, errlen, "hole %s: not in the reference tree", rel);
		return -1;
	}
	int n;
	char why[200];
	char *stub = grade_hole_stub(text, g->rubric.lab, &n, why, sizeof why);
	free(text);
	if (!stub) {
		snprintf(err, errlen, "hole %s: %s", rel, why);
		return -1;
	}
	char *clean = grade_hole_unmark(stub);
	free(stub);
	int rc = clean ? grade_write_file(path, clean, strlen(clean)) : -1;
	free(clean);
	if (rc)
		snprintf(err, errlen, "hole %s: cannot write the stub", rel);
	return rc;
}

/* Put the student's version of hole rel (if handed in) into tree. 1 if taken. */
static int take_hand_in(const char *sub, const char *tree, const char *rel, char *err, size_t errlen)
{
	char from[GRADE_PATH_MAX], to[GRADE_PATH_MAX];
	snprintf(from, sizeof from, "%s/%s", sub, rel);
	snprintf(to, sizeof to, "%s/%s", tree, rel);
	struct stat st;
	if (lstat(from, &st))
		return 0;
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_HAND_IN) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", rel);
		return -1;
	}
	size_t len;
	char *text = grade_read_file(from, &len);
	int rc = text ? grade_write_file(to, text, len) : -1;
	free(text);
	if (rc)
		snprintf(err, errlen, "%s: cannot copy the hand-in", rel);
	return rc ? -1 : 1;
}

int grade_work_tree(const struct grade_ctx *g, const char *sub, const char *tree,
		    int *taken, char *err, size_t errlen)
{
	char b[GRADE_PATH_MAX];
	*taken = 0;
	snprintf(b, sizeof b, "%s/build", tree);
	if (grade_mkdirs(b) || copy_entries(g->root, tree, skip_top, NULL, false) ||
	    copy_entries(g->build, b, skip_hidden, skip_build_dir, false)) {
		snprintf(err, errlen, "cannot copy the reference tree into %s", tree);
		return -1;
	}
	for (int i = 0; i < g->rubric.nholes; i++) {
		if (grade_stub_hole(g, tree, g->rubric.holes[i], err, errlen))
			return -1;
		int t = sub ? take_hand_in(sub, tree, g->rubric.holes[i], err, errlen) : 0;
		if (t < 0)
			return -1;
		*taken += t;
	}
	return 0;
}
