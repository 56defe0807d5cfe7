/*
 * monitor/console_main.c — `vmlab console`: option parsing and session setup.
 * (First cut: argument parsing only; the REPL follows.)
 */
#include <stdio.h>
#include <string.h>

#include "monitor/console.h"

int con_main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--script")) {
			if (++i >= argc) {
				fprintf(stderr, "vmlab console: --script needs a file\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--no-color")) {
			continue;
		}
	}
	fprintf(stderr, "vmlab console: not implemented yet\n");
	return 2;
}
