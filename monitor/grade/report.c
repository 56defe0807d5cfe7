/*
 * monitor/grade/report.c — a graded submission as text (one line per check and a
 * total), JSON (score, max_score, tests[]), JUnit XML, or Gradescope's
 * results.json (tests with name, score, max_score, output, visibility).
 */
#include <string.h>

#include "monitor/grade/grade.h"

int grade_parse_format(const char *s, enum grade_format *f)
{
	static const char *const names[] = { "text", "json", "junit", "gradescope" };
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(s, names[i])) {
			*f = (enum grade_format)i;
			return 0;
		}
	return -1;
}

void grade_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c < 0x20 ? c : '?');
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void xml_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(c < 0x20 && c != '\n' && c != '\t' ? '?' : c >= 0x7f ? '?' : c, f);
		}
	}
}

/* The first line of a result's output (its reason). */
static int reason_len(const char *s)
{
	return (int)strcspn(s, "\n");
}

static void write_text(FILE *f, const struct grade_report *rep, const struct grade_ctx *g)
{
	fprintf(f, "lab %s, student %s%s%s\n", g->rubric.lab, rep->student, rep->variant[0] ? ", variant " : "",
		rep->variant);
	for (int i = 0; i < rep->n; i++) {
		const struct grade_result *r = &rep->r[i];
		fprintf(f, "  %-24s %6g/%-4g %s%s: %.*s\n", r->name, r->score, r->max,
			r->passed ? "PASS" : "FAIL", r->hidden ? " (hidden)" : "", reason_len(r->output), r->output);
	}
	fprintf(f, "total %g/%g\n", rep->score, rep->max);
}

static void write_json_tests(FILE *f, const struct grade_report *rep, bool gradescope)
{
	fputs("\"tests\":[", f);
	for (int i = 0; i < rep->n; i++) {
		const struct grade_result *r = &rep->r[i];
		fprintf(f, "%s{\"name\":", i ? "," : "");
		grade_json_string(f, r->name);
		fprintf(f, ",\"score\":%g,\"max_score\":%g,\"status\":\"%s\",\"output\":", r->score, r->max,
			r->passed ? "passed" : "failed");
		grade_json_string(f, r->output);
		fprintf(f, ",\"visibility\":\"%s\"}", r->hidden ? (gradescope ? "after_published" : "hidden")
								: "visible");
	}
	fputc(']', f);
}

void grade_report_json(FILE *f, const struct grade_report *rep, const struct grade_ctx *g)
{
	fputs("{\"lab\":", f);
	grade_json_string(f, g->rubric.lab);
	fputs(",\"student_id\":", f);
	grade_json_string(f, rep->student);
	fputs(",\"variant\":", f);
	grade_json_string(f, rep->variant);
	fprintf(f, ",\"sandbox\":\"%s\",\"score\":%g,\"max_score\":%g,",
		grade_sandbox_name(&g->sandbox), rep->score, rep->max);
	write_json_tests(f, rep, false);
	fputs("}\n", f);
}

static void write_gradescope(FILE *f, const struct grade_report *rep, const struct grade_ctx *g)
{
	fprintf(f, "{\"score\":%g,\"output\":", rep->score);
	char head[512];
	snprintf(head, sizeof head, "vmlab grade %s: %g/%g%s%s%s", g->rubric.lab, rep->score, rep->max,
		 rep->variant[0] ? " (your variant: " : "", rep->variant, rep->variant[0] ? ")" : "");
	grade_json_string(f, head);
	fputs(",\"stdout_visibility\":\"visible\",", f);
	write_json_tests(f, rep, true);
	fputs("}\n", f);
}

static void write_junit(FILE *f, const struct grade_report *rep, const struct grade_ctx *g)
{
	int failures = 0;
	for (int i = 0; i < rep->n; i++)
		failures += !rep->r[i].passed;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"", f);
	xml_string(f, g->rubric.lab);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n", rep->n, failures);
	for (int i = 0; i < rep->n; i++) {
		const struct grade_result *r = &rep->r[i];
		fputs("  <testcase classname=\"", f);
		xml_string(f, g->rubric.lab);
		fputs("\" name=\"", f);
		xml_string(f, r->name);
		fputs("\">", f);
		if (!r->passed) {
			fputs("<failure message=\"", f);
			char reason[256];
			snprintf(reason, sizeof reason, "%.*s", reason_len(r->output), r->output);
			xml_string(f, reason);
			fputs("\">", f);
			xml_string(f, r->output);
			fputs("</failure>", f);
		}
		fprintf(f, "<system-out>score %g/%g</system-out></testcase>\n", r->score, r->max);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
}

void grade_report_write(FILE *f, const struct grade_report *rep, const struct grade_ctx *g,
			enum grade_format fmt)
{
	switch (fmt) {
	case GF_TEXT: write_text(f, rep, g); break;
	case GF_JSON: grade_report_json(f, rep, g); break;
	case GF_JUNIT: write_junit(f, rep, g); break;
	case GF_GRADESCOPE: write_gradescope(f, rep, g); break;
	}
}
