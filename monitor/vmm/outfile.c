/*
 * monitor/vmm/outfile.c — an output file that is written whole or not at all
 * (the trace, --stats-json): under a temporary name next to it, renamed to its
 * name when complete, removed when the run failed. A path that is a directory,
 * or in a directory that does not exist or cannot be written, is refused when
 * opening: before the run, in one line naming it ("cannot write WHAT PATH:
 * why"); vmlab run exits 2 for it, as for any bad command line. The trace file,
 * opened by the VM (trace.c), is checked the same way first (mon_outfile_check).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/vmm/vm.h"

int mon_outfile_check(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;
	int bad = 0;
	if (!*path)
		bad = ENOENT;
	else if (!stat(path, &st) && S_ISDIR(st.st_mode))
		bad = EISDIR;
	else if (!stat(path, &st) && !S_ISREG(st.st_mode)) { /* a FIFO, a device: written through */
		if (access(path, W_OK))
			bad = errno;
	} else { /* nothing there yet, or a regular file: replaced by a rename in its folder */
		char *dir = strdup(path);
		if (!dir) {
			snprintf(err, errlen, "out of host memory");
			return -1;
		}
		char *slash = strrchr(dir, '/');
		const char *d = !slash ? "." : slash == dir ? "/" : (*slash = 0, dir);
		if (stat(d, &st))
			bad = errno;
		else if (!S_ISDIR(st.st_mode))
			bad = ENOTDIR;
		else if (access(d, W_OK | X_OK))
			bad = errno;
		free(dir);
	}
	if (!bad)
		return 0;
	snprintf(err, errlen, "cannot write %s %s: %s", what, path,
		 bad == EISDIR ? "it is a directory" : strerror(bad));
	return -1;
}

int mon_outfile_open(struct mon_outfile *o, const char *path, const char *what, unsigned tag, char *err,
		     size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (mon_outfile_check(path, what, err, errlen))
		return -1;
	size_t n = strlen(path) + 16;
	o->path = strdup(path);
	o->tmp = malloc(n);
	if (!o->path || !o->tmp) {
		mon_outfile_close(o, false);
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	snprintf(o->tmp, n, "%s.tmp%u", path, tag);
	if (!(o->f = fopen(o->tmp, "w"))) {
		int e = errno;
		mon_outfile_close(o, false);
		snprintf(err, errlen, "cannot write %s %s: %s", what, path, strerror(e));
		return -1;
	}
	return 0;
}

int mon_outfile_close(struct mon_outfile *o, bool keep)
{
	int rc = 0;
	if (o->f) {
		if (fclose(o->f) || o->write_error)
			rc = -1;
		o->f = NULL;
		if (!keep || rc || rename(o->tmp, o->path)) {
			rc = keep ? -1 : rc;
			unlink(o->tmp);
		}
	}
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return rc;
}
