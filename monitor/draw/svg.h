/*
 * monitor/draw/svg.h — the few SVG elements the pictures use, written with
 * integer coordinates only (so the bytes never depend on float formatting).
 * Internal to monitor/draw/.
 */
#ifndef VMLAB_MONITOR_DRAW_SVG_H
#define VMLAB_MONITOR_DRAW_SVG_H

#include <stdio.h>

/* The XML prolog, the <svg> element of w x h, a <title>, the shared style and
 * the arrow-head marker. cls is the class of the root element ("sequence"). */
void svg_begin(FILE *f, int w, int h, const char *cls, const char *title);
void svg_end(FILE *f);
/* s with & < > " escaped. */
void svg_esc(FILE *f, const char *s);
/* <text> at (x, y) with class cls and anchor ("start", "middle", "end"). */
void svg_text(FILE *f, int x, int y, const char *cls, const char *anchor, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void svg_rect(FILE *f, int x, int y, int w, int h, const char *cls);
/* A line; with_head draws the arrow head at (x2, y2). */
void svg_line(FILE *f, int x1, int y1, int x2, int y2, const char *cls, int with_head);
/* A right-hand loop on x from y1 to y2 with an arrow head (an event that stays in one lane). */
void svg_loop(FILE *f, int x, int y1, int y2, const char *cls);
/* Open / close a group <g class=".." data-KEY="VAL" ...>; attrs is a preformatted
 * (already safe) attribute string or NULL. */
void svg_group(FILE *f, const char *cls, const char *attrs);
void svg_group_end(FILE *f);

#endif
