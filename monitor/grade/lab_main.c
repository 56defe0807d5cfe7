/*
 * monitor/grade/lab_main.c — `vmlab lab`: instructor tools (export, new, check).
 */
#include <string.h>

#include "monitor/grade/grade.h"

int grade_lab_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vmlab lab: not implemented yet\n");
	return 2;
}
