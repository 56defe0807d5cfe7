/*
 * monitor/grade/copy.c — copy a tree into a work tree, the grader's most frequent
 * file operation (each submission's sources and reference build).
 *
 * Done in-process (no cp(1) per entry): regular files with copy_file_range, modes
 * and modification times kept (make compares them, so only what the student changed
 * rebuilds), symbolic links recreated, other file types left out. Folders named
 * node_modules are left out too: the web front end's npm packages, thousands of
 * files (tens of MB) that no lab builds and that made every copy, chown and removal
 * of a work tree several times slower.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

/* Copy the bytes of a regular file; 0 or -1. */
static int copy_bytes(int in, int out, off_t size)
{
	for (off_t left = size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n > 0) {
			left -= n;
			continue;
		}
		if (n == 0)
			return 0; /* the file shrank meanwhile */
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return -1;
		char buf[1 << 16]; /* file systems without copy_file_range */
		while ((n = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)n) != n)
				return -1;
		return n < 0 ? -1 : 0;
	}
	return 0;
}

static int copy_file(const char *src, const char *dst, const struct stat *st)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st->st_mode & 07777);
	int rc = out < 0 ? -1 : copy_bytes(in, out, st->st_size);
	if (out >= 0) {
		struct timespec times[2] = { st->st_atim, st->st_mtim };
		if (fchmod(out, st->st_mode & 07777) || futimens(out, times))
			rc = -1;
		if (close(out))
			rc = -1;
	}
	close(in);
	return rc;
}

int grade_copy_entries(const char *src, const char *dst, bool (*skip)(const char *name, bool dir), bool link)
{
	DIR *d = opendir(src);
	if (!d)
		return -1;
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char s[GRADE_PATH_MAX], t[GRADE_PATH_MAX];
		if ((size_t)snprintf(s, sizeof s, "%s/%s", src, e->d_name) >= sizeof s ||
		    (size_t)snprintf(t, sizeof t, "%s/%s", dst, e->d_name) >= sizeof t)
			rc = -1;
		else if (!skip(e->d_name, grade_is_dir(s)))
			rc = link ? symlink(s, t) : grade_copy_tree(s, t);
	}
	closedir(d);
	return rc;
}

static bool never_copied(const char *name, bool dir)
{
	return dir && !strcmp(name, "node_modules");
}

int grade_copy_tree(const char *src, const char *dst)
{
	struct stat st;
	if (lstat(src, &st))
		return -1;
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof target - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		return symlink(target, dst);
	}
	if (!S_ISDIR(st.st_mode))
		return 0; /* sockets, fifos, devices: nothing a build needs */
	if (mkdir(dst, st.st_mode & 07777) && errno != EEXIST)
		return -1;
	return grade_copy_entries(src, dst, never_copied, false);
}
