/*
 * monitor/draw/output.c — writing a picture or a page to a file without
 * leaving half of it behind: into PATH.tmp, renamed over PATH on success.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/draw/draw.h"

int draw_to_file(const char *path, int (*fn)(FILE *f, void *ctx, char *err, size_t errlen), void *ctx,
		 char *err, size_t errlen)
{
	if (!path || !strcmp(path, "-")) {
		int rc = fn(stdout, ctx, err, errlen);
		fflush(stdout);
		return rc;
	}
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(tmp, n, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	int rc = fn(f, ctx, err, errlen);
	if (ferror(f) && !rc) {
		snprintf(err, errlen, "cannot write %s", path);
		rc = -1;
	}
	if (fclose(f) && !rc) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (!rc && rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}
