/*
 * tests/fuzz/harness.c — execution totals and invariant failures (harness.h).
 * One harness per process, so the totals are plain statics of this file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/harness.h"

static const char *stats_name;
static unsigned long long stats_execs, stats_bytes;

static void stats_print(void)
{
	fprintf(stderr, "fuzz-stats: %s: %llu executions, %llu bytes\n", stats_name, stats_execs,
		stats_bytes);
}

void fz_count(const char *name, size_t bytes)
{
	if (!stats_name) {
		stats_name = name;
		atexit(stats_print);
	}
	stats_execs++;
	stats_bytes += bytes;
}

void fz_fail(const char *name, const char *what)
{
	fprintf(stderr, "%s: INVARIANT BROKEN: %s\n", name, what);
	abort();
}
