/*
 * monitor/draw/report.c — `vmlab report`: one static HTML page for a lab
 * report, from files vmlab already writes:
 *
 *   vmlab report [--summary RUN.err] [--compare CMP.json] [--trace TRACE]
 *                [--va VA] [--window FIRST[:COUNT]] -o REPORT.html
 *
 *   --summary  `vmlab run`'s end-of-run summary (its stderr) as a table
 *   --compare  `vmlab compare --format json` as a table and bar charts
 *   --trace    a trace: its sequence diagram (the window, default the first
 *              40 events), the walk of VA (default: the first TLB miss's)
 *              and the TLB grid the trace leaves
 * The page has no scripts and no external files: pictures are inline SVG.
 * It is polyglot HTML5 / XHTML, so xmllint checks it as XML.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/draw/draw.h"
#include "monitor/draw/svg.h"
#include "monitor/vmm/monitor.h"

#define REPORT_MAX_ROWS 32
#define REPORT_SEQ_DEFAULT 40

struct report {
	const char *summary, *compare, *trace, *out;
	bool has_va;
	uint64_t va;
	size_t first, count;
	struct con_event rows[REPORT_MAX_ROWS]; /* compare results */
	size_t nrows;
	struct draw_events ev;
};

static void usage(FILE *f)
{
	fputs("usage: vmlab report [--summary RUN.err] [--compare CMP.json] [--trace TRACE]\n"
	      "                    [--va VA] [--window FIRST[:COUNT]] -o REPORT.html\n"
	      "  one HTML page (no scripts, pictures inline) from files vmlab writes:\n"
	      "  --summary  the end-of-run summary of vmlab run (what it prints on stderr)\n"
	      "  --compare  vmlab compare --format json output: a table and bar charts\n"
	      "  --trace    a vmlab run --trace file: sequence diagram, walk of VA, TLB grid\n",
	      f);
}

static int bad(const char *fmt, const char *arg)
{
	fputs("vmlab report: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static void html_esc(FILE *f, const char *s)
{
	svg_esc(f, s);
}

/* ---- the summary: "key:   value" lines, indented lines continue the last ---- */

static int write_summary(FILE *f, const char *path, char *err, size_t errlen)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	fputs("<h2>Summary</h2>\n<table class=\"summary\">\n", f);
	char line[1024];
	bool open_row = false;
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = 0;
		char *colon = strchr(line, ':');
		if (line[0] == ' ' && open_row) {
			fputs("<br/>", f);
			html_esc(f, line + strspn(line, " "));
			continue;
		}
		if (!colon || line[0] == '=' || strncmp(line, "vmlab", 5) == 0)
			continue;
		*colon = 0;
		if (open_row)
			fputs("</td></tr>\n", f);
		fputs("<tr><th>", f);
		html_esc(f, line);
		fputs("</th><td>", f);
		html_esc(f, colon + 1 + strspn(colon + 1, " "));
		open_row = true;
	}
	if (open_row)
		fputs("</td></tr>\n", f);
	fputs("</table>\n", f);
	fclose(in);
	return 0;
}

/* ---- compare: one JSON object per result line ---- */

static int load_compare(struct report *r, char *err, size_t errlen)
{
	FILE *in = fopen(r->compare, "r");
	if (!in) {
		snprintf(err, errlen, "cannot open %s", r->compare);
		return -1;
	}
	char line[4096];
	int rc = 0;
	while (!rc && fgets(line, sizeof line, in)) {
		char *p = line + strspn(line, " ");
		if (strncmp(p, "{\"workload\"", 11))
			continue;
		size_t n = strcspn(p, "\n");
		while (n && (p[n - 1] == ',' || p[n - 1] == ' '))
			n--;
		p[n] = 0;
		char why[160];
		if (r->nrows == REPORT_MAX_ROWS) {
			snprintf(err, errlen, "%s: more than %d results", r->compare, REPORT_MAX_ROWS);
			rc = -1;
		} else if (con_event_parse_json(&r->rows[r->nrows], p, why, sizeof why)) {
			snprintf(err, errlen, "%s: malformed result line: %s", r->compare, why);
			rc = -1;
		} else {
			r->nrows++;
		}
	}
	fclose(in);
	if (!rc && !r->nrows) {
		snprintf(err, errlen, "%s holds no results (vmlab compare --format json)", r->compare);
		rc = -1;
	}
	return rc;
}

static const char *const metrics[] = {
	"instructions", "exits", "exits_sensitive", "exits_exception", "exits_tlb_miss", "round_trips",
	"tlb_misses", "tlb_hit_rate", "hidden_faults", "true_faults", "walk_refs", "pt_writes",
	"hypercalls", "cycles", "slowdown",
};
/* The metrics drawn as bars (the ones the lecture compares). */
static const char *const charted[] = {"exits", "walk_refs", "cycles", "slowdown"};

static void compare_table(FILE *f, const struct report *r)
{
	fputs("<h2>MMU modes compared</h2>\n<table class=\"compare\">\n<tr><th>workload / mode</th>", f);
	for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++)
		fprintf(f, "<th>%s</th>", metrics[m]);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < r->nrows; i++) {
		const char *w = con_event_get(&r->rows[i], "workload"), *mode = con_event_get(&r->rows[i], "mode");
		fputs("<tr><td>", f);
		html_esc(f, w ? w : "?");
		fputs(" / ", f);
		html_esc(f, mode ? mode : "?");
		fputs("</td>", f);
		for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
			const char *v = con_event_get(&r->rows[i], metrics[m]);
			fputs("<td>", f);
			html_esc(f, v ? v : "");
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* One bar chart: metric per result row, bars scaled to the largest (values
 * are printed; the bar length is rounded to whole pixels). */
static void compare_chart(FILE *f, const struct report *r, const char *metric)
{
	double max = 0, v[REPORT_MAX_ROWS];
	for (size_t i = 0; i < r->nrows; i++) {
		const char *s = con_event_get(&r->rows[i], metric);
		v[i] = s ? strtod(s, NULL) : 0;
		if (v[i] > max)
			max = v[i];
	}
	int bar_max = 420, row = 22, h = 34 + (int)r->nrows * row;
	char title[64];
	snprintf(title, sizeof title, "%s by mode", metric);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-metric=\"%s\" width=\"720\" "
		   "height=\"%d\">\n", metric, h);
	svg_text(f, 4, 18, "title", "start", "%s", title);
	static const char *const colors[] = {"bar", "bar-alt", "bar-3", "bar-4"};
	for (size_t i = 0; i < r->nrows; i++) {
		const char *w = con_event_get(&r->rows[i], "workload"), *mode = con_event_get(&r->rows[i], "mode");
		const char *s = con_event_get(&r->rows[i], metric);
		int y = 28 + (int)i * row, len = max > 0 ? (int)(v[i] / max * bar_max + 0.5) : 0;
		svg_text(f, 4, y + 14, NULL, "start", "%.10s/%.8s", w ? w : "?", mode ? mode : "?");
		fprintf(f, "<rect x=\"160\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"%s\"/>\n", y, len, row - 6,
			colors[i % 4]);
		svg_text(f, 166 + len, y + 13, "small", "start", "%s", s ? s : "");
	}
	fputs("</svg>\n", f);
}

/* ---- pictures from the trace, inline ---- */

/* Write picture fn's SVG without its XML prolog (it sits inside HTML). */
static int inline_svg(FILE *f, int (*fn)(FILE *f, void *ctx, char *err, size_t errlen), void *ctx,
		      char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = fn(m, ctx, err, errlen);
	fclose(m);
	if (!rc) {
		const char *p = strstr(buf, "<svg");
		fputs(p ? p : buf, f);
	}
	free(buf);
	return rc;
}

static int pic_sequence(FILE *f, void *ctx, char *err, size_t errlen)
{
	struct report *r = ctx;
	return draw_sequence_svg(f, &r->ev, r->first, r->count ? r->count : REPORT_SEQ_DEFAULT, err, errlen);
}

static int pic_walk(FILE *f, void *ctx, char *err, size_t errlen)
{
	struct report *r = ctx;
	struct draw_walk w;
	if (draw_walk_from_events(&w, &r->ev, r->va, err, errlen))
		return -1;
	draw_walk_svg(f, &w);
	return 0;
}

static int pic_tlb(FILE *f, void *ctx, char *err, size_t errlen)
{
	struct report *r = ctx;
	return draw_tlb_events_svg(f, &r->ev, 16, 4, err, errlen);
}

static int write_pictures(FILE *f, struct report *r, char *err, size_t errlen)
{
	fputs("<h2>The round trip</h2>\n", f);
	if (inline_svg(f, pic_sequence, r, err, errlen))
		return -1;
	if (!r->has_va)
		for (size_t i = 0; i < r->ev.n && !r->has_va; i++)
			if (!strcmp(r->ev.ev[i].kind, "tlb_miss") && (r->ev.ev[i].has & DRAW_HAS_VA)) {
				r->va = r->ev.ev[i].va;
				r->has_va = true;
			}
	if (r->has_va) {
		fputs("<h2>The page-table walk</h2>\n", f);
		if (inline_svg(f, pic_walk, r, err, errlen))
			return -1;
	}
	fputs("<h2>The TLB</h2>\n", f);
	return inline_svg(f, pic_tlb, r, err, errlen);
}

static int write_page(FILE *f, void *ctx, char *err, size_t errlen)
{
	struct report *r = ctx;
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<title>vmlab lab report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:2em;max-width:1400px}"
	      "table{border-collapse:collapse;margin:1em 0}"
	      "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left;font-family:monospace}"
	      "svg{display:block;margin:1em 0;max-width:100%;height:auto}\n"
	      "</style>\n</head>\n<body>\n<h1>vmlab lab report</h1>\n",
	      f);
	if (r->summary && write_summary(f, r->summary, err, errlen))
		return -1;
	if (r->nrows) {
		compare_table(f, r);
		for (size_t i = 0; i < sizeof charted / sizeof charted[0]; i++)
			compare_chart(f, r, charted[i]);
	}
	if (r->trace && write_pictures(f, r, err, errlen))
		return -1;
	fputs("</body>\n</html>\n", f);
	return 0;
}

static int parse(struct report *r, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "--help") || !strcmp(o, "-h"))
			return -1;
		const char **slot = !strcmp(o, "--summary") ? &r->summary : !strcmp(o, "--compare") ? &r->compare
					: !strcmp(o, "--trace") ? &r->trace : !strcmp(o, "-o") ? &r->out : NULL;
		bool valued = slot || !strcmp(o, "--va") || !strcmp(o, "--window");
		if (!valued)
			return bad("unknown option or argument '%s' (vmlab report --help)", o);
		if (i + 1 == argc)
			return bad("%s needs a value", o);
		const char *v = argv[++i];
		if (slot) {
			*slot = v;
		} else if (!strcmp(o, "--va")) {
			if (!mon_parse_u64(v, &r->va))
				return bad("--va wants an address, not '%s'", v);
			r->has_va = true;
		} else if (!draw_parse_window(v, &r->first, &r->count)) {
			return bad("--window wants FIRST[:COUNT] (event numbers from 1), not '%s'", v);
		}
	}
	if (!r->out)
		return bad("%s", "no output file (-o REPORT.html)");
	if (!r->summary && !r->compare && !r->trace)
		return bad("%s", "nothing to report: give --summary, --compare and/or --trace");
	return 0;
}

int report_main(int argc, char **argv)
{
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return bad("%s", "out of memory");
	int rc = parse(r, argc, argv);
	if (rc < 0) {
		usage(stdout);
		rc = 0;
	} else if (!rc) {
		char err[256];
		if ((r->compare && load_compare(r, err, sizeof err)) ||
		    (r->trace && draw_events_load(&r->ev, r->trace, err, sizeof err)) ||
		    draw_to_file(r->out, write_page, r, err, sizeof err)) {
			fprintf(stderr, "vmlab report: %s\n", err);
			rc = 2;
		}
	}
	for (size_t i = 0; i < r->nrows; i++)
		con_event_free(&r->rows[i]);
	draw_events_free(&r->ev);
	free(r);
	return rc;
}
