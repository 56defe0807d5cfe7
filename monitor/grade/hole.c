/*
 * monitor/grade/hole.c — the holes of a programming lab, marked in vmlab's own
 * source (the reference solution):
 *
 *	/\* LAB-HOLE-BEGIN shadow-fill stub: return lab_todo("phase_pmap"); *\/
 *	... the reference code the student writes ...
 *	/\* LAB-HOLE-END shadow-fill *\/
 *
 * (in assembly or make files '#' comments work the same). The export replaces
 * each marked body of the lab by its stub, which must compile and fail clearly
 * ("not implemented: ..."); marker lines of other labs are dropped, their code kept.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/grade/grade.h"

#define BEGIN_TAG "LAB-HOLE-BEGIN "
#define END_TAG "LAB-HOLE-END "

/* Does line (up to eol) carry tag followed by lab as a whole word? lab NULL: any. */
static bool marks(const char *line, const char *eol, const char *tag, const char *lab)
{
	const char *t = strstr(line, tag);
	if (!t || t >= eol)
		return false;
	if (!lab)
		return true;
	t += strlen(tag);
	size_t l = strlen(lab);
	return (size_t)(eol - t) >= l && !strncmp(t, lab, l) && (t[l] == ' ' || t + l == eol);
}

/* Growing output buffer. */
struct sbuf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void put(struct sbuf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t c = (b->n + len + 1) * 2;
		char *p = realloc(b->s, c);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = c;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

static char *done(struct sbuf *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	if (!b->s)
		put(b, "", 0);
	return b->s;
}

/* The stub of a BEGIN line: text after "stub:", without a closing comment mark. */
static void put_stub(struct sbuf *b, const char *line, const char *eol, const char *lab)
{
	size_t indent = strspn(line, " \t");
	const char *c = line + indent;
	bool hash = *c == '#';
	put(b, line, indent);
	put(b, hash ? "# " : "/* ", hash ? 2 : 3);
	put(b, "LAB-HOLE ", 9);
	put(b, lab, strlen(lab));
	put(b, ": your code here (see the lab's HANDOUT.md)", 43);
	put(b, hash ? "\n" : " */\n", hash ? 1 : 4);
	const char *s = strstr(line, "stub:");
	if (!s || s >= eol)
		return;
	s += 5;
	s += strspn(s, " \t");
	const char *e = eol;
	const char *close = strstr(s, "*/");
	if (close && close < e)
		e = close;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	put(b, line, indent);
	put(b, s, (size_t)(e - s));
	put(b, "\n", 1);
}

char *grade_hole_stub(const char *text, const char *lab, int *count, char *err, size_t errlen)
{
	struct sbuf b = { 0 };
	int depth = 0, n = 0, lineno = 0;
	*count = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *next = *eol ? eol + 1 : eol;
		lineno++;
		if (marks(p, eol, BEGIN_TAG, lab)) {
			if (depth) {
				snprintf(err, errlen, "line %d: LAB-HOLE-BEGIN %s inside another", lineno, lab);
				free(b.s);
				return NULL;
			}
			depth = 1;
			n++;
			put_stub(&b, p, eol, lab);
		} else if (marks(p, eol, END_TAG, lab)) {
			if (!depth) {
				snprintf(err, errlen, "line %d: LAB-HOLE-END %s without BEGIN", lineno, lab);
				free(b.s);
				return NULL;
			}
			depth = 0;
		} else if (!depth) {
			put(&b, p, (size_t)(next - p));
		}
		p = next;
	}
	if (depth) {
		snprintf(err, errlen, "LAB-HOLE-BEGIN %s without END", lab);
		free(b.s);
		return NULL;
	}
	*count = n;
	return done(&b);
}

char *grade_hole_unmark(const char *text)
{
	struct sbuf b = { 0 };
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *next = *eol ? eol + 1 : eol;
		if (!marks(p, eol, BEGIN_TAG, NULL) && !marks(p, eol, END_TAG, NULL))
			put(&b, p, (size_t)(next - p));
		p = next;
	}
	return done(&b);
}

char *grade_hole_bodies(const char *text, const char *lab)
{
	struct sbuf b = { 0 };
	bool in = false;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *next = *eol ? eol + 1 : eol;
		if (marks(p, eol, BEGIN_TAG, lab))
			in = true;
		else if (marks(p, eol, END_TAG, lab))
			in = false;
		else if (in)
			put(&b, p, (size_t)(next - p));
		p = next;
	}
	return done(&b);
}
