/*
 * monitor/grade/rubric.c — read a lab's rubric file (format: labs/README.md,
 * "Rubric format"). One directive per line, '#' starts a comment:
 *
 *   lab NAME | title TEXT | hole FILE | private PATH | timeout SECONDS
 *   vary VAR range LO HI | vary VAR pick V1 V2 ...
 *   solve COMMAND
 *   check NAME POINTS public|hidden KIND [key=value ...] : COMMAND
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/grade/grade.h"

static const char *const kind_names[] = { "build", "exit", "output", "trace", "answer" };

const char *grade_kind_name(enum grade_kind k)
{
	return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

bool grade_check_is_code(const struct grade_check *c)
{
	return c->kind != GK_BUILD && c->kind != GK_ANSWER;
}

/* Next space-separated word of *p (NUL-terminated in place), or NULL. */
static char *word(char **p)
{
	char *s = *p + strspn(*p, " \t");
	if (!*s)
		return NULL;
	char *e = s + strcspn(s, " \t");
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static int copy_word(char *dst, size_t len, const char *src)
{
	if (!src || strlen(src) >= len)
		return -1;
	strcpy(dst, src);
	return 0;
}

static int parse_kind(const char *s, enum grade_kind *k)
{
	for (unsigned i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (!strcmp(s, kind_names[i])) {
			*k = (enum grade_kind)i;
			return 0;
		}
	return -1;
}

/* key=value option of a check; NULL on success, else what was wrong. */
static const char *check_option(struct grade_check *c, char *opt)
{
	char *eq = strchr(opt, '=');
	if (!eq)
		return "option without '='";
	*eq = '\0';
	const char *v = eq + 1;
	if (!strcmp(opt, "timeout")) {
		char *end;
		unsigned long t = strtoul(v, &end, 10);
		if (*end || t == 0 || t > 3600)
			return "timeout= wants 1..3600 seconds";
		c->timeout = (unsigned)t;
	} else if (!strcmp(opt, "ignore")) {
		if (copy_word(c->ignore, sizeof c->ignore, v))
			return "ignore= too long";
	} else if (!strcmp(opt, "file")) {
		if (copy_word(c->file, sizeof c->file, v) || strchr(v, '/'))
			return "file= wants a plain file name";
	} else if (!strcmp(opt, "handin")) {
		/* a file name of the submission folder, as a student names it */
		if (copy_word(c->handin, sizeof c->handin, v) || strchr(v, '/') || v[0] == '.')
			return "handin= wants a plain file name";
	} else if (!strcmp(opt, "key")) {
		if (copy_word(c->key, sizeof c->key, v))
			return "key= too long";
	} else if (!strcmp(opt, "grep")) {
		/* grep=TEXT: underscores stand for spaces (words cannot hold spaces) */
		if (copy_word(c->grep, sizeof c->grep, v))
			return "grep= too long";
		for (char *s = c->grep; *s; s++)
			if (*s == '_')
				*s = ' ';
	} else if (!strcmp(opt, "tol")) {
		if (grade_tol_parse(v, &c->tol))
			return "tol= wants a decimal number or percentage (0.5, 2%) of at most 18 digits";
	} else {
		return "unknown option";
	}
	return NULL;
}

/* "check NAME POINTS VIS KIND [opts] : COMMAND" (rest = after "check"). */
static const char *parse_check(struct grade_rubric *r, char *rest)
{
	if (r->nchecks >= GRADE_MAX_CHECKS)
		return "too many checks";
	char *colon = strstr(rest, " : ");
	if (!colon)
		return "check without ' : COMMAND'";
	*colon = '\0';
	const char *cmd = colon + 3;
	cmd += strspn(cmd, " \t");
	struct grade_check *c = &r->checks[r->nchecks];
	memset(c, 0, sizeof *c);
	char *name = word(&rest), *pts = word(&rest), *vis = word(&rest), *kind = word(&rest);
	if (!kind)
		return "check wants NAME POINTS public|hidden KIND";
	if (copy_word(c->name, sizeof c->name, name))
		return "check name too long";
	for (int i = 0; i < r->nchecks; i++)
		if (!strcmp(r->checks[i].name, c->name))
			return "two checks with the same name";
	char *end;
	c->points = strtod(pts, &end);
	if (*end || c->points < 0 || c->points > 1000)
		return "points must be a number 0..1000";
	if (strcmp(vis, "public") && strcmp(vis, "hidden"))
		return "visibility must be public or hidden";
	c->hidden = !strcmp(vis, "hidden");
	if (parse_kind(kind, &c->kind))
		return "kind must be build, exit, output, trace or answer";
	if (c->kind == GK_BUILD && r->nchecks > 0)
		return "the build check must come first";
	for (char *o; (o = word(&rest));) {
		const char *bad = check_option(c, o);
		if (bad)
			return bad;
	}
	if (c->kind == GK_ANSWER && (!c->key[0] || !c->grep[0]))
		return "an answer check needs key= and grep=";
	if (c->handin[0] && c->kind != GK_TRACE && c->kind != GK_OUTPUT)
		return "handin= is for trace and output checks";
	if (!*cmd)
		return "empty command";
	if (!c->file[0])
		strcpy(c->file, "trace");
	c->cmd = strdup(cmd);
	if (!c->cmd)
		return "out of memory";
	r->nchecks++;
	return NULL;
}

static const char *parse_vary(struct grade_rubric *r, char *rest)
{
	if (r->nvars >= GRADE_MAX_VARS)
		return "too many vary lines";
	struct grade_var *v = &r->vars[r->nvars];
	memset(v, 0, sizeof *v);
	char *name = word(&rest), *how = word(&rest);
	if (!how || copy_word(v->name, sizeof v->name, name))
		return "vary wants VAR range LO HI or VAR pick V...";
	if (!strcmp(how, "range")) {
		char *lo = word(&rest), *hi = word(&rest), *e1, *e2;
		if (!hi)
			return "vary VAR range wants LO HI";
		v->lo = strtoul(lo, &e1, 0);
		v->hi = strtoul(hi, &e2, 0);
		if (*e1 || *e2 || v->lo > v->hi)
			return "vary VAR range wants numbers LO <= HI";
		v->range = true;
	} else if (!strcmp(how, "pick")) {
		rest += strspn(rest, " \t");
		if (!*rest || copy_word(v->picks, sizeof v->picks, rest))
			return "vary VAR pick wants values (at most 255 characters)";
	} else {
		return "vary wants range or pick";
	}
	r->nvars++;
	return NULL;
}

static const char *parse_line(struct grade_rubric *r, char *line)
{
	char *hash = strchr(line, '#');
	if (hash && !strstr(line, " : ") && strncmp(line, "solve", 5)) /* a command may contain '#' */
		*hash = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	char *rest = line;
	char *dir = word(&rest);
	if (!dir)
		return NULL;
	rest += strspn(rest, " \t");
	if (!strcmp(dir, "lab"))
		return copy_word(r->lab, sizeof r->lab, word(&rest)) ? "lab wants a name" : NULL;
	if (!strcmp(dir, "title"))
		return copy_word(r->title, sizeof r->title, rest) ? "title too long" : NULL;
	if (!strcmp(dir, "hole")) {
		if (r->nholes >= GRADE_MAX_HOLES)
			return "too many holes";
		char *f = word(&rest);
		if (!f || f[0] == '/' || strstr(f, ".."))
			return "hole wants a file path inside the tree";
		return copy_word(r->holes[r->nholes++], sizeof r->holes[0], f) ? "hole path too long" : NULL;
	}
	if (!strcmp(dir, "private")) {
		if (r->nprivates >= GRADE_MAX_HOLES)
			return "too many private lines";
		char *f = word(&rest);
		if (!f || f[0] == '/' || strstr(f, ".."))
			return "private wants a path inside the tree";
		return copy_word(r->privates[r->nprivates++], sizeof r->privates[0], f) ? "private path too long"
											 : NULL;
	}
	if (!strcmp(dir, "timeout")) {
		char *end;
		unsigned long t = strtoul(rest, &end, 10);
		if (end == rest || t == 0 || t > 3600)
			return "timeout wants 1..3600 seconds";
		r->timeout = (unsigned)t;
		return NULL;
	}
	if (!strcmp(dir, "vary"))
		return parse_vary(r, rest);
	if (!strcmp(dir, "solve")) {
		if (r->solve || !*rest)
			return "one solve line, with a command";
		r->solve = strdup(rest);
		return r->solve ? NULL : "out of memory";
	}
	if (!strcmp(dir, "check"))
		return parse_check(r, rest);
	if (!strcmp(dir, "student-copy")) {
		r->student_copy = true;
		return NULL;
	}
	return "unknown directive";
}

int grade_rubric_load(const char *path, struct grade_rubric *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->timeout = 60;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[2048];
	int n = 0;
	const char *bad = NULL;
	while (!bad && fgets(line, sizeof line, f)) {
		n++;
		bad = parse_line(r, line);
	}
	fclose(f);
	if (!bad && !r->lab[0])
		bad = "no 'lab NAME' line", n = 0;
	if (!bad && r->nchecks == 0)
		bad = "no checks", n = 0;
	if (bad) {
		snprintf(err, errlen, "%s:%d: %s", path, n, bad);
		grade_rubric_free(r);
		return -1;
	}
	for (int i = 0; i < r->nchecks; i++)
		if (!r->checks[i].timeout)
			r->checks[i].timeout = r->timeout;
	return 0;
}

void grade_rubric_free(struct grade_rubric *r)
{
	for (int i = 0; i < r->nchecks; i++) {
		free(r->checks[i].cmd);
		r->checks[i].cmd = NULL;
	}
	r->nchecks = 0;
	free(r->solve);
	r->solve = NULL;
}
