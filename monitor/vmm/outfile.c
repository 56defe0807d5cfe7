/*
 * monitor/vmm/outfile.c — an output file that is written whole or not at all
 * (the trace, --stats-json): under a temporary name next to it, renamed to its
 * name when complete, removed when the run failed. A path that is a directory,
 * or in a directory that does not exist, is refused when opening: before the
 * run, in one line.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/vmm/vm.h"

int mon_outfile_open(struct mon_outfile *o, const char *path, const char *what, unsigned tag, char *err,
		     size_t errlen)
{
	memset(o, 0, sizeof *o);
	struct stat st;
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s is a directory", what, path);
		return -1;
	}
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
		mon_outfile_close(o, false);
		snprintf(err, errlen, "cannot write %s %s", what, path);
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
