/*
 * monitor/grade/answers.c — numbers for `answer` checks: the number a reference
 * run prints after a text, the value a student wrote for a key in answers.txt, and
 * whether they agree.
 *
 * Answers are often machine addresses (MA 0x7f3a1234, an IDT base 0xfffffe0000001000):
 * a double holds 53 bits, so two such numbers that differ in their low bits would be
 * equal as doubles. A number written in full as an integer (decimal or 0x hex, with an
 * optional sign) is kept exactly, and two exact numbers are compared as integers (the
 * tolerance too); any other number (99.96, 1e3, a hex float) is compared as a double.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/grade/grade.h"

typedef unsigned __int128 u128;

/* The integer at s (after its sign): 0x hex, else decimal (a leading 0 is not octal:
 * "010" is ten, as a student means it). Returns its end, or NULL if none or too large. */
static const char *parse_integer(const char *s, unsigned long long *v, bool *hex)
{
	*hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]);
	const char *digits = *hex ? s + 2 : s;
	if (!isdigit((unsigned char)digits[0]) && !*hex)
		return NULL;
	char *end;
	errno = 0;
	*v = strtoull(digits, &end, *hex ? 16 : 10);
	if (end == digits || errno == ERANGE)
		return NULL;
	return end;
}

bool grade_parse_number(const char *s, struct grade_number *n)
{
	memset(n, 0, sizeof *n);
	n->d = NAN;
	if (!strchr("+-.0123456789", *s) || !*s)
		return false;
	char *end;
	double d = strtod(s, &end);
	if (end == s)
		return false;
	n->d = d;
	const char *p = s;
	n->neg = *p == '-';
	p += *p == '-' || *p == '+';
	const char *iend = parse_integer(p, &n->mag, &n->hex);
	/* exact only when the integer is the whole number as strtod reads it */
	n->exact = iend && iend == end;
	if (!n->exact)
		n->hex = false, n->neg = false, n->mag = 0;
	else if (n->mag == 0)
		n->neg = false; /* -0 is 0 */
	size_t len = (size_t)(end - s);
	if (len >= sizeof n->text)
		len = sizeof n->text - 1;
	memcpy(n->text, s, len);
	n->text[len] = '\0';
	return true;
}

bool grade_number_after(const char *s, const char *text, struct grade_number *n)
{
	memset(n, 0, sizeof *n);
	n->d = NAN;
	const char *p = strstr(s, text);
	if (!p)
		return false;
	p += strlen(text);
	p += strcspn(p, "-0123456789.\n");
	if (!*p || *p == '\n')
		return false;
	return grade_parse_number(p, n);
}

bool grade_answer_of(const char *answers, const char *key, struct grade_number *n)
{
	memset(n, 0, sizeof *n);
	n->d = NAN;
	if (!answers || !*key)
		return false;
	size_t kl = strlen(key);
	for (const char *p = answers; *p;) {
		p += strspn(p, " \t");
		if (!strncmp(p, key, kl) && p[kl] && strchr(" \t=:", p[kl]))
			return grade_parse_number(p + kl + strspn(p + kl, " \t=:"), n);
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return false;
}

void grade_number_format(const struct grade_number *n, char *buf, size_t len)
{
	if (!n->exact)
		snprintf(buf, len, "%s", n->text);
	else
		snprintf(buf, len, n->hex ? "%s0x%llx" : "%s%llu", n->neg ? "-" : "", n->mag);
}

int grade_tol_parse(const char *s, struct grade_tol *t)
{
	memset(t, 0, sizeof *t);
	unsigned long long num = 0, den = 1;
	int digits = 0, frac = 0;
	bool point = false;
	const char *p = s;
	for (; *p; p++) {
		if (*p == '.' && !point) {
			point = true;
		} else if (*p >= '0' && *p <= '9') {
			if (++digits > 18)
				return -1;
			num = num * 10 + (unsigned long long)(*p - '0');
			if (point)
				den *= 10, frac++;
		} else {
			break;
		}
	}
	if (!digits)
		return -1;
	if (*p == '%') {
		t->rel = true;
		if (frac > 16)
			return -1;
		den *= 100;
		p++;
	}
	if (*p)
		return -1;
	t->num = num;
	t->den = den;
	t->value = (double)num / (double)den;
	return 0;
}

bool grade_number_within(const struct grade_number *got, const struct grade_number *want,
			 const struct grade_tol *tol)
{
	unsigned long long num = tol->den ? tol->num : 0, den = tol->den ? tol->den : 1;
	if (got->exact && want->exact) {
		/* |got - want| * den <= (rel ? |want| : 1) * num, in 128 bits: exact */
		u128 diff = got->neg == want->neg
				    ? (u128)(got->mag > want->mag ? got->mag - want->mag : want->mag - got->mag)
				    : (u128)got->mag + want->mag;
		u128 lhs = diff * den, rhs = (u128)(tol->rel ? want->mag : 1) * num;
		return lhs <= rhs;
	}
	if (isnan(got->d) || isnan(want->d))
		return false;
	double t = tol->den ? tol->value : 0;
	double allowed = tol->rel ? fabs(want->d) * t : t;
	return fabs(got->d - want->d) <= allowed + 1e-9;
}
