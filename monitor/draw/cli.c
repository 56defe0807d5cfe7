/*
 * monitor/draw/cli.c — `vmlab draw`: a picture from a trace file.
 *
 *   vmlab draw sequence TRACE [--window FIRST[:COUNT]] [-o OUT.svg]
 *   vmlab draw walk --va VA TRACE [-o OUT.svg]
 *   vmlab draw tlb TRACE [--tlb SETSxWAYS] [-o OUT.svg]
 *
 * TRACE is a `vmlab run --trace` file, text or JSON Lines. Without -o the
 * SVG goes to stdout. Bad input: one line on stderr, exit status 2, no file.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/draw/draw.h"
#include "monitor/vmm/monitor.h"

static void usage(FILE *f)
{
	fputs("usage: vmlab draw sequence TRACE [--window FIRST[:COUNT]] [-o OUT.svg]\n"
	      "       vmlab draw walk --va VA TRACE [-o OUT.svg]\n"
	      "       vmlab draw tlb TRACE [--tlb SETSxWAYS] [-o OUT.svg]\n"
	      "  sequence  the events as a sequence diagram (lanes app, CPU/MMU, TLB, VMM, kernel A),\n"
	      "            events FIRST.. (counted from 1), at most COUNT (default all, at most 400)\n"
	      "  walk      the first TLB miss or true fault of VA's page: guest page table, shadow\n"
	      "            table, pmap PA -> MA, the TLB entry installed\n"
	      "  tlb       the TLB the trace's installs leave (default 16x4), the last changes marked\n"
	      "  TRACE is a vmlab run --trace file (text or --trace-format jsonl); the SVG goes to\n"
	      "  OUT.svg, or stdout without -o\n",
	      f);
}

struct draw_args {
	const char *what, *trace, *out;
	size_t first, count;
	bool has_va;
	uint64_t va;
	unsigned sets, ways;
	struct draw_events ev;
};

static int bad(const char *fmt, const char *arg)
{
	fputs("vmlab draw: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static int parse_window(struct draw_args *a, const char *s)
{
	if (!draw_parse_window(s, &a->first, &a->count))
		return bad("--window wants FIRST[:COUNT] (event numbers from 1), not '%s'", s);
	return 0;
}

static int parse_geometry(struct draw_args *a, const char *s)
{
	unsigned sets, ways;
	char tail;
	if (sscanf(s, "%ux%u%c", &sets, &ways, &tail) != 2)
		return bad("--tlb wants SETSxWAYS (e.g. 16x4), not '%s'", s);
	a->sets = sets;
	a->ways = ways;
	return 0;
}

/* Parse argv (argv[0] = "draw"). Returns 0, 2 after an error, -1 for --help. */
static int parse(struct draw_args *a, int argc, char **argv)
{
	if (argc < 2)
		return bad("%s", "which picture? sequence, walk or tlb (vmlab draw --help)");
	a->what = argv[1];
	if (!strcmp(a->what, "--help") || !strcmp(a->what, "-h"))
		return -1;
	if (strcmp(a->what, "sequence") && strcmp(a->what, "walk") && strcmp(a->what, "tlb"))
		return bad("unknown picture '%s' (sequence, walk or tlb)", a->what);
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		bool more = i + 1 < argc;
		int rc = 0;
		if (!strcmp(o, "--help") || !strcmp(o, "-h"))
			return -1;
		if ((!strcmp(o, "-o") || !strcmp(o, "--window") || !strcmp(o, "--va") || !strcmp(o, "--tlb")) &&
		    !more)
			return bad("%s needs a value", o);
		if (!strcmp(o, "-o"))
			a->out = argv[++i];
		else if (!strcmp(o, "--window"))
			rc = parse_window(a, argv[++i]);
		else if (!strcmp(o, "--va")) {
			if (!mon_parse_u64(argv[++i], &a->va))
				return bad("--va wants an address (0x... or decimal), not '%s'", argv[i]);
			a->has_va = true;
		} else if (!strcmp(o, "--tlb"))
			rc = parse_geometry(a, argv[++i]);
		else if (o[0] == '-' && o[1])
			return bad("unknown option '%s' (vmlab draw --help)", o);
		else if (a->trace)
			return bad("one trace file only ('%s' is a second)", o);
		else
			a->trace = o;
		if (rc)
			return rc;
	}
	if (!a->trace)
		return bad("%s", "no trace file given");
	if (!strcmp(a->what, "walk") && !a->has_va)
		return bad("%s", "draw walk needs --va VA");
	return 0;
}

static int write_picture(FILE *f, void *ctx, char *err, size_t errlen)
{
	struct draw_args *a = ctx;
	if (!strcmp(a->what, "sequence"))
		return draw_sequence_svg(f, &a->ev, a->first, a->count, err, errlen);
	if (!strcmp(a->what, "walk")) {
		struct draw_walk w;
		if (draw_walk_from_events(&w, &a->ev, a->va, err, errlen))
			return -1;
		draw_walk_svg(f, &w);
		return 0;
	}
	return draw_tlb_events_svg(f, &a->ev, a->sets, a->ways, err, errlen);
}

int draw_main(int argc, char **argv)
{
	struct draw_args a = {.sets = 16, .ways = 4};
	int rc = parse(&a, argc, argv);
	if (rc < 0) {
		usage(stdout);
		return 0;
	}
	if (rc)
		return rc;
	char err[256];
	if (draw_events_load(&a.ev, a.trace, err, sizeof err) ||
	    draw_to_file(a.out, write_picture, &a, err, sizeof err)) {
		fprintf(stderr, "vmlab draw: %s\n", err);
		rc = 2;
	}
	draw_events_free(&a.ev);
	return rc;
}
