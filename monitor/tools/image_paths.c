/*
 * monitor/tools/image_paths.c — where the default guest images are.
 *
 * vmlab is run from anywhere, so the default kernel and initrd are looked up
 * beside the program, not in the working directory. For a path REL such as
 * "guestos/kernel.elf", in this order:
 *   1. DIR/REL                    DIR = the directory of the running program
 *                                 (the build tree: build/vmlab, build/guestos/)
 *   2. DIR/../share/vmlab/REL     an install: PREFIX/bin/vmlab and
 *                                 PREFIX/share/vmlab/guestos/ (`make install`)
 *   3. build/REL                  the working directory, as before (programs
 *                                 built elsewhere: unit tests, fuzzers)
 * The first that exists is the default; if none does, the first is, and the
 * error on loading it names all three (images.c).
 */
#include <limits.h>
#undef PAGE_SIZE /* emscripten's limits.h has one; cpu/cpu.h defines the guest's */
#include <string.h>
#include <unistd.h>

#include "monitor/tools/tools.h"

unsigned tool_image_candidates(const char *rel, char out[][MON_PATH_MAX], unsigned max)
{
	char exe[MON_PATH_MAX];
	unsigned n = 0;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (n < max && (size_t)snprintf(out[n], MON_PATH_MAX, "%s/%s", exe, rel) < MON_PATH_MAX)
				n++;
			if (n < max && (size_t)snprintf(out[n], MON_PATH_MAX, "%s/../share/vmlab/%s", exe, rel) <
					       MON_PATH_MAX)
				n++;
		}
	}
	if (n < max)
		snprintf(out[n++], MON_PATH_MAX, "build/%s", rel);
	return n;
}

void tool_default_image(const char *rel, char *buf)
{
	char c[TOOL_IMAGE_CANDIDATES][MON_PATH_MAX];
	unsigned n = tool_image_candidates(rel, c, TOOL_IMAGE_CANDIDATES);
	for (unsigned i = 0; i < n; i++) {
		if (access(c[i], R_OK) == 0) {
			memcpy(buf, c[i], MON_PATH_MAX);
			return;
		}
	}
	memcpy(buf, c[0], MON_PATH_MAX);
}

void tool_image_tried(const char *rel, char *buf, size_t len)
{
	char c[TOOL_IMAGE_CANDIDATES][MON_PATH_MAX];
	unsigned n = tool_image_candidates(rel, c, TOOL_IMAGE_CANDIDATES);
	size_t at = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", c[i]);
}
