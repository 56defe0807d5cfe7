/*
 * monitor/grade/variant.c — per-student variants and @VAR@ substitution.
 *
 * A student id (any string) seeds every "vary" variable of the rubric: the same id
 * always gives the same values, two ids almost always differ, so a trace copied
 * from a friend does not match. The grader runs the reference with the same values
 * to make that student's expected output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/grade/grade.h"

void grade_env_set(struct grade_env *e, const char *name, const char *value)
{
	int i = 0;
	while (i < e->n && strcmp(e->names[i], name))
		i++;
	if (i == e->n) {
		if (e->n >= (int)(sizeof e->names / sizeof e->names[0]))
			return;
		e->n++;
	}
	snprintf(e->names[i], sizeof e->names[i], "%s", name);
	snprintf(e->values[i], sizeof e->values[i], "%s", value);
}

/* FNV-1a of "student/var", mixed by splitmix64's finalizer. */
static uint64_t variant_hash(const char *student, const char *var)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = student; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	for (const char *s = var; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

/* The k-th space-separated word of list into out. */
static void nth_word(const char *list, unsigned k, char *out, size_t len)
{
	const char *p = list;
	for (;;) {
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t");
		if (k-- == 0 || !p[n]) {
			snprintf(out, len, "%.*s", (int)n, p);
			return;
		}
		p += n;
	}
}

static unsigned count_words(const char *list)
{
	unsigned n = 0;
	for (const char *p = list + strspn(list, " \t"); *p; p += strspn(p, " \t")) {
		n++;
		p += strcspn(p, " \t");
	}
	return n;
}

void grade_env_variant(struct grade_env *e, const struct grade_rubric *r, const char *student)
{
	for (int i = 0; i < r->nvars; i++) {
		const struct grade_var *v = &r->vars[i];
		uint64_t h = variant_hash(student, v->name);
		char val[256];
		if (v->range)
			snprintf(val, sizeof val, "%lu", v->lo + (unsigned long)(h % (v->hi - v->lo + 1)));
		else
			nth_word(v->picks, (unsigned)(h % count_words(v->picks)), val, sizeof val);
		grade_env_set(e, v->name, val);
	}
}

void grade_env_describe(const struct grade_env *e, const struct grade_rubric *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < r->nvars; i++)
		for (int j = 0; j < e->n; j++)
			if (!strcmp(e->names[j], r->vars[i].name) && n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "",
						      e->names[j], e->values[j]);
}

char *grade_env_expand(const struct grade_env *e, const char *cmd)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	if (!m)
		return NULL;
	for (const char *p = cmd; *p;) {
		int hit = -1;
		if (*p == '@')
			for (int i = 0; i < e->n && hit < 0; i++) {
				size_t l = strlen(e->names[i]);
				if (!strncmp(p + 1, e->names[i], l) && p[1 + l] == '@')
					hit = i;
			}
		if (hit >= 0)
			fputs(e->values[hit], m);
		else
			fputc(*p, m);
		p += hit >= 0 ? strlen(e->names[hit]) + 2 : 1;
	}
	if (fclose(m)) {
		free(out);
		return NULL;
	}
	return out;
}
