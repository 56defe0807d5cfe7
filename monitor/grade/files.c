/*
 * monitor/grade/files.c — the few file operations the grader needs. Trees are
 * removed with rm(1) (copied by copy.c); results are written atomically (temporary file + rename), so
 * an interrupted run leaves no half-written result behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

char *grade_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		char *b = realloc(buf, cap * 2);
		if (!b) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = b;
		cap *= 2;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

int grade_write_file(const char *path, const char *data, size_t len)
{
	char tmp[GRADE_PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return -1;
	bool ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int grade_mkdirs(const char *path)
{
	char p[GRADE_PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) && errno != EEXIST ? -1 : 0;
}

static int run_tool(char *const argv[])
{
	struct grade_outcome o;
	grade_run_trusted(argv, NULL, "/dev/null", 600, &o);
	return o.status == 0 ? 0 : -1;
}

int grade_rmtree(const char *path)
{
	char *argv[] = { "rm", "-rf", "--", (char *)path, NULL };
	return run_tool(argv);
}

bool grade_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool grade_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int grade_open_beneath(const char *root, const char *rel, int flags)
{
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char part[GRADE_PATH_MAX];
	snprintf(part, sizeof part, "%s", rel);
	char *save = NULL, *name = strtok_r(part, "/", &save);
	while (dir >= 0 && name) {
		char *next = strtok_r(NULL, "/", &save);
		int fd = !strcmp(name, "..") ? (errno = EACCES, -1)
			 : openat(dir, name, (next ? O_RDONLY | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC, 0644);
		int e = errno;
		close(dir);
		errno = e;
		if (!next)
			return fd;
		dir = fd;
		name = next;
	}
	if (dir >= 0)
		close(dir);
	return -1;
}

char *grade_read_beneath(const char *root, const char *rel, size_t max, size_t *len)
{
	int fd = grade_open_beneath(root, rel, O_RDONLY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max &&
	    (buf = malloc((size_t)st.st_size + 1))) {
		size_t n = 0;
		for (ssize_t r; n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) > 0;)
			n += (size_t)r;
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	close(fd);
	return buf;
}
