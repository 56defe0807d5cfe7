/*
 * tests/fuzz/fuzz_tracediff.c — the trace-diff parsers (text and JSON Lines)
 * and the comparer. Input: byte 0 picks options (--ignore, --context), the
 * rest is EXPECTED, a NUL byte, ACTUAL. Every line of both goes through
 * con_event_parse_text, con_event_parse_json and con_trace_meta_parse (the
 * header line); then `vmlab trace-diff` itself compares the two files.
 * Invariants: no sanitizer report, exit status 0, 1 or 2 (equal, different,
 * bad input), or 3 with --require-same-options.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/console/console.h"
#include "tests/fuzz/harness.h"

static void parse_lines(const uint8_t *p, size_t n)
{
	char *buf = malloc(n + 1);
	if (!buf)
		return;
	memcpy(buf, p, n);
	buf[n] = '\0';
	char err[200];
	struct con_event ev = { 0 };
	for (char *line = buf, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		(void)con_event_parse_text(&ev, line, err, sizeof err);
		(void)con_event_get(&ev, "text");
		(void)con_event_parse_json(&ev, line, err, sizeof err);
		(void)con_event_get(&ev, "icount");
		(void)con_trace_meta_parse(&ev, line, err, sizeof err);
		(void)con_event_get(&ev, "options");
	}
	con_event_free(&ev);
	free(buf);
}

static char path[2][64];

static void scratch_remove(void)
{
	unlink(path[0]);
	unlink(path[1]);
}

/* A file of this process holding p[0..n). */
static const char *scratch(int which, const uint8_t *p, size_t n)
{
	if (!path[which][0]) {
		snprintf(path[which], sizeof path[which], "/tmp/vmlab-fuzz-td%d-%ld", which, (long)getpid());
		if (which == 0)
			atexit(scratch_remove);
	}
	FILE *f = fopen(path[which], "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		fz_fail("fuzz-tracediff", "cannot write a scratch file in /tmp");
	return path[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static bool quiet;
	if (!quiet && !(quiet = freopen("/dev/null", "w", stdout) != NULL))
		fz_fail("fuzz-tracediff", "cannot send stdout to /dev/null");
	const uint8_t *a = data + 1, *nul = memchr(a, 0, size - 1);
	size_t na = nul ? (size_t)(nul - a) : size - 1;
	const uint8_t *b = nul ? nul + 1 : a + na;
	size_t nb = (size_t)(data + size - b);
	parse_lines(a, na);
	parse_lines(b, nb);
	char *argv[10] = { "trace-diff", (char *)scratch(0, a, na), (char *)scratch(1, b, nb) };
	int argc = 3;
	static char *ignores[] = { "ma", "way", "meta.options", "seed" };
	if (data[0] & 4) {
		argv[argc++] = "--ignore";
		argv[argc++] = ignores[data[0] & 3];
	}
	if (data[0] & 32)
		argv[argc++] = "--require-same-options";
	if (data[0] & 8) {
		argv[argc++] = "--context";
		argv[argc++] = (data[0] & 16) ? "0" : "2";
	}
	int rc = mon_tracediff_main(argc, argv);
	if (rc < 0 || rc > ((data[0] & 32) ? 3 : 2))
		fz_fail("fuzz-tracediff", "trace-diff exit status outside 0..2 (0..3 with --require-same-options)");
	fz_count("tracediff", size);
	return 0;
}
