/*
 * monitor/tracediff.c — `vmlab trace-diff EXPECTED ACTUAL`: compare two traces
 * event by event. (First cut: argument parsing only; comparison follows.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console.h"

static int usage(const char *why)
{
	fprintf(stderr, "vmlab trace-diff: %s\n"
		"usage: vmlab trace-diff EXPECTED ACTUAL [--ignore FIELD]... [--context N]\n", why);
	return 2;
}

int mon_tracediff_main(int argc, char **argv)
{
	const char *files[2] = {0};
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ignore") || !strcmp(argv[i], "--context")) {
			if (++i >= argc)
				return usage("option needs a value");
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage("unknown option");
		} else if (nfiles < 2) {
			files[nfiles++] = argv[i];
		} else {
			return usage("too many files");
		}
	}
	if (nfiles != 2)
		return usage("need two trace files");
	fprintf(stderr, "vmlab trace-diff: %s vs %s: not implemented yet\n", files[0], files[1]);
	return 2;
}
