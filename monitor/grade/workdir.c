/*
 * monitor/grade/workdir.c — the trees checks run in.
 *
 * A submission's work tree is the lab's export (grade_export_tree: the sources as
 * its students got them, each hole stubbed, without any lab's expected/, solution/
 * or private files and without hidden checks) plus a copy of the reference build
 * (timestamps kept, so make rebuilds only what changed), in which each hole file is
 * replaced by the student's when the submission has one. Only hole files are taken
 * from a submission: a student cannot replace the tests or the Makefile. Nothing
 * hidden is in it: the sandbox shows a submission this tree and the system only,
 * and the grader compares what it wrote with the reference's outputs outside it.
 * The reference tree is a folder of symbolic links to the reference sources and
 * build, so commands run in both with the same relative paths (build/vmlab, ...)
 * and print the same text.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

#define MAX_HAND_IN (1u << 20) /* a hole file larger than 1 MiB is refused */

/* Entries of the reference root not copied into work trees. */
static bool skip_top(const char *name, bool dir)
{
	(void)dir;
	return name[0] == '.' || !strncmp(name, "build", 5);
}

/* Folders of the reference build copied into a work tree: the objects (with their
 * dependency files) and the guest images, which make would otherwise rebuild. The
 * build folder's other folders hold test outputs, other builds (asan, coverage, ...),
 * fuzzers and unit test programs: hundreds of MB no lab needs (a check that does
 * needs a test program names it in its build command, and make relinks it from obj/),
 * so they are left out; its regular files (vmlab, the libraries) are copied. */
static bool skip_build(const char *name, bool dir)
{
	static const char *const keep[] = { "obj", "guestos", "labs" };
	if (name[0] == '.')
		return true;
	for (unsigned i = 0; dir && i < sizeof keep / sizeof keep[0]; i++)
		if (!strcmp(name, keep[i]))
			return false;
	return dir;
}

int grade_copy_sources(const char *root, const char *dst)
{
	return grade_copy_entries(root, dst, skip_top, false);
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
	if (grade_mkdirs(tmp) || grade_copy_entries(g->root, tmp, skip_top, true)) {
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

/* Put the student's version of hole rel (if handed in) into tree. 1 if taken. A hole
 * file is read where it is in the submission folder, through no symbolic link: a
 * submission that links shadow/ to the reference's (Gradescope unpacks links) would
 * hand in the reference solution. */
static int take_hand_in(const char *sub, const char *tree, const char *rel, char *err, size_t errlen)
{
	char to[GRADE_PATH_MAX];
	snprintf(to, sizeof to, "%s/%s", tree, rel);
	int fd = grade_open_beneath(sub, rel, O_RDONLY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	struct stat st;
	bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (off_t)MAX_HAND_IN;
	if (fd >= 0)
		close(fd);
	if (!ok) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB (symbolic links are refused)", rel);
		return -1;
	}
	size_t len;
	char *text = grade_read_beneath(sub, rel, MAX_HAND_IN, &len);
	int rc = text ? grade_write_file(to, text, len) : -1;
	free(text);
	if (rc)
		snprintf(err, errlen, "%s: cannot copy the hand-in", rel);
	return rc ? -1 : 1;
}

/* ---- the reference build without the reference holes
 * The reference build's objects, libraries and programs hold the reference's hole
 * code compiled (and its messages): a submission could take them in while it builds
 * (.incbin "build/vmlab") and print them. So every file of the build copy that was
 * made from a hole file is removed, and make remakes it from the student's file (a
 * build check that did not remake it would test the reference, not the student).
 * "Made from" is read in the file itself: the debug information of an object, of a
 * library holding it or of a program linked from it names its source as it was given
 * to the compiler ("shadow/fill.c"), and an ELF symbol table names it without its
 * folder ("fill.c"), which is used when no other source file of the tree has that
 * name (the guest's user programs are built without debug information). Files made
 * from the lab's private files, and builds of answers (answer_build), go too. */
struct scrub {
	const struct grade_rubric *r;
	bool unique[GRADE_MAX_HOLES]; /* no other source file has the hole's file name */
	int same[GRADE_MAX_HOLES];    /* source files with the hole's file name */
	size_t blen;                  /* the length of the build copy's path */
};
typedef void scrub_fn(struct scrub *sc, const char *path, const char *name, const struct stat *st);

/* Call fn for every file below dir that is neither a folder nor a symbolic link
 * (links are not followed); with skip_build, dir's own folders named build* are
 * not entered. A folder that cannot be read is passed over; -1 if dir is one. */
static int walk_files(const char *dir, bool skip_build, struct scrub *sc, scrub_fn *fn)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));) {
		char p[GRADE_PATH_MAX];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p || lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!skip_build || strncmp(e->d_name, "build", 5))
				walk_files(p, false, sc, fn);
		} else if (!S_ISLNK(st.st_mode)) {
			fn(sc, p, e->d_name, &st);
		}
	}
	closedir(d);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void count_name(struct scrub *sc, const char *path, const char *name, const struct stat *st)
{
	(void)path, (void)st;
	for (int i = 0; i < sc->r->nholes; i++)
		sc->same[i] += !strcmp(name, base_name(sc->r->holes[i]));
}

/* Does data hold "\0NAME\0" (whole: NAME is a file), or "\0NAME" (a folder's files)? */
static bool names(const char *data, size_t len, const char *name, bool whole)
{
	char pat[300];
	int n = snprintf(pat, sizeof pat, "%c%s", '\0', name);
	return n > 0 && (size_t)n + 1 < sizeof pat && memmem(data, len, pat, (size_t)n + whole);
}

/* Is the file at path (under the build copy b) a build of answers: under a folder
 * named expected or solution, or with "solution" in its name (lab 06's reference
 * strider is build/labs/solution/strider, from labs/obj/strider-solution.o)? */
static bool answer_build(const char *path, size_t blen)
{
	const char *rel = path + blen;
	return strstr(rel, "solution") || strstr(rel, "/expected/");
}

static void scrub_file(struct scrub *sc, const char *path, const char *name, const struct stat *st)
{
	(void)name;
	size_t l = strlen(path);
	if (answer_build(path, sc->blen)) {
		unlink(path);
		return;
	}
	if (!S_ISREG(st->st_mode) || st->st_size == 0 || (l > 2 && !strcmp(path + l - 2, ".d")))
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *m = fd >= 0 ? mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	if (fd >= 0)
		close(fd);
	if (m == MAP_FAILED)
		return;
	bool made = false;
	for (int i = 0; !made && i < sc->r->nholes; i++)
		made = names(m, (size_t)st->st_size, sc->r->holes[i], true) ||
		       (sc->unique[i] && names(m, (size_t)st->st_size, base_name(sc->r->holes[i]), true));
	for (int i = 0; !made && i < sc->r->nprivates; i++) /* compiled from a private file */
		made = names(m, (size_t)st->st_size, sc->r->privates[i], false);
	munmap(m, (size_t)st->st_size);
	if (made)
		unlink(path);
}

/* Remove what the build copy b of tree holds of the reference's holes; -1 if it fails. */
static int scrub_build(const struct grade_ctx *g, const char *tree, const char *b)
{
	struct scrub sc = { .r = &g->rubric, .blen = strlen(b) };
	if (g->rubric.nholes && walk_files(tree, true, &sc, count_name))
		return -1;
	for (int i = 0; i < g->rubric.nholes; i++)
		sc.unique[i] = sc.same[i] == 1;
	return walk_files(b, false, &sc, scrub_file);
}

int grade_work_tree(const struct grade_ctx *g, const char *sub, const char *tree,
		    int *taken, char *err, size_t errlen)
{
	char b[GRADE_PATH_MAX];
	*taken = 0;
	snprintf(b, sizeof b, "%s/build", tree);
	if (grade_export_tree(g, tree, err, errlen))
		return -1;
	if (grade_mkdirs(b) || grade_copy_entries(g->build, b, skip_build, false) || scrub_build(g, tree, b)) {
		snprintf(err, errlen, "cannot copy the reference build into %s", tree);
		return -1;
	}
	for (int i = 0; sub && i < g->rubric.nholes; i++) {
		int t = take_hand_in(sub, tree, g->rubric.holes[i], err, errlen);
		if (t < 0)
			return -1;
		*taken += t;
	}
	return 0;
}
