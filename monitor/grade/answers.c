/*
 * monitor/grade/answers.c — numbers for `answer` checks: the number a reference
 * run prints after a text, and the value a student wrote for a key in answers.txt.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/grade/grade.h"

double grade_number_after(const char *s, const char *text)
{
	const char *p = strstr(s, text);
	if (!p)
		return NAN;
	p += strlen(text);
	p += strcspn(p, "-0123456789.\n");
	if (!*p || *p == '\n')
		return NAN;
	char *end;
	double v = strtod(p, &end);
	return end == p ? NAN : v;
}

bool grade_answer_of(const char *answers, const char *key, double *v)
{
	if (!answers || !*key)
		return false;
	size_t kl = strlen(key);
	for (const char *p = answers; *p;) {
		p += strspn(p, " \t");
		if (!strncmp(p, key, kl) && p[kl] && strchr(" \t=:", p[kl])) {
			const char *q = p + kl + strspn(p + kl, " \t=:");
			char *end;
			*v = strtod(q, &end);
			return end != q;
		}
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return false;
}
