/*
 * monitor/draw/svg.c — the SVG writer shared by the pictures: escaping,
 * text, boxes, arrows, one style sheet. Integer coordinates only.
 */
#include <stdarg.h>

#include "monitor/draw/svg.h"

/* One style for every picture: a student's browser, a report and xmllint
 * all see the same file. */
static const char style[] =
	"text{font-family:monospace;font-size:12px;fill:#222}"
	".title{font-size:15px;font-weight:bold}"
	".small{font-size:10px;fill:#555}"
	".lane-head{font-weight:bold}"
	".lane-line{stroke:#bbb;stroke-dasharray:4 3}"
	".arrow{stroke:#333;stroke-width:1.4;fill:none}"
	".arrow-vmm{stroke:#b03a2e}.arrow-guest{stroke:#1f618d}.arrow-hw{stroke:#117a65}"
	".phase{font-weight:bold;font-size:11px}"
	".box{fill:#fdfefe;stroke:#555}"
	".box-guest{fill:#eaf2f8;stroke:#1f618d}"
	".box-shadow{fill:#fdedec;stroke:#b03a2e}"
	".box-tlb{fill:#e8f8f5;stroke:#117a65}"
	".box-fault{fill:#fef9e7;stroke:#b7950b}"
	".cell{fill:#fff;stroke:#aaa}"
	".cell-valid{fill:#eaf2f8;stroke:#1f618d}"
	".cell-new{fill:#fcf3cf;stroke:#b7950b;stroke-width:2}"
	".cell-gone{fill:#f2f3f4;stroke:#b7950b;stroke-width:2;stroke-dasharray:3 2}"
	".bar{fill:#5dade2}.bar-alt{fill:#ec7063}.bar-3{fill:#58d68d}.bar-4{fill:#f5b041}";

void svg_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
		}
	}
}

void svg_begin(FILE *f, int w, int h, const char *cls, const char *title)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vmlab-%s\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\">\n<title>",
		cls, w, h, w, h);
	svg_esc(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n", style);
	fputs("<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
	      "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n",
	      f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", w, h);
}

void svg_end(FILE *f)
{
	fputs("</svg>\n", f);
}

void svg_text(FILE *f, int x, int y, const char *cls, const char *anchor, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(f, "<text x=\"%d\" y=\"%d\"", x, y);
	if (cls && *cls)
		fprintf(f, " class=\"%s\"", cls);
	if (anchor && *anchor && anchor[0] != 's')
		fprintf(f, " text-anchor=\"%s\"", anchor);
	fputc('>', f);
	svg_esc(f, buf);
	fputs("</text>\n", f);
}

void svg_rect(FILE *f, int x, int y, int w, int h, const char *cls)
{
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" class=\"%s\"/>\n", x, y, w,
		h, cls);
}

void svg_line(FILE *f, int x1, int y1, int x2, int y2, const char *cls, int with_head)
{
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"%s/>\n", x1, y1, x2, y2, cls,
		with_head ? " marker-end=\"url(#head)\"" : "");
}

void svg_loop(FILE *f, int x, int y1, int y2, const char *cls)
{
	fprintf(f, "<path d=\"M%d,%d h24 v%d h-22\" class=\"%s\" marker-end=\"url(#head)\"/>\n", x, y1,
		y2 - y1, cls);
}

void svg_group(FILE *f, const char *cls, const char *attrs)
{
	fprintf(f, "<g class=\"%s\"%s%s>\n", cls, attrs ? " " : "", attrs ? attrs : "");
}

void svg_group_end(FILE *f)
{
	fputs("</g>\n", f);
}
