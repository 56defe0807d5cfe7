/* monitor/compare.c — `vmlab compare` (filled in below). */
#include "monitor/modes.h"

int mon_modes_compare_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vmlab compare: not ready yet\n");
	return 2;
}
