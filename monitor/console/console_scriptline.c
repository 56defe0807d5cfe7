/*
 * monitor/console/console_scriptline.c — the first line of a console script,
 * "#! OPTIONS": the options the script is meant to run with (labs/README.md).
 * Split like a shell command line ('...' literal, "..." with \" and \\, a
 * backslash outside quotes escapes the next character; no variables), and
 * the values of --kernel and --module found by the normal image lookup
 * (tools/image_paths.c: beside the vmlab program, then an install's share
 * folder, then build/), so a script names `--module labs/strider` and runs
 * from any folder with any build. A path found nowhere stays as written
 * (relative to the current folder); loading it names the problem.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/console/console.h"
#include "monitor/tools/tools.h"

void con_script_line_free(struct con_script_line *sl)
{
	for (int i = 0; i < sl->argc; i++)
		free(sl->argv[i]);
	free(sl->argv);
	sl->argv = NULL;
	sl->argc = 0;
}

/* Append one word (owned). false when out of memory. */
static bool add_word(struct con_script_line *sl, char *w, size_t *cap)
{
	if (!w)
		return false;
	if ((size_t)sl->argc + 2 > *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		char **v = realloc(sl->argv, n * sizeof *v);
		if (!v) {
			free(w);
			return false;
		}
		sl->argv = v;
		*cap = n;
	}
	sl->argv[sl->argc++] = w;
	sl->argv[sl->argc] = NULL;
	return true;
}

/* Split s into words after argv[0] = "#!". 0, or -1 with err. */
static int split(struct con_script_line *sl, const char *s, char *err, size_t errlen)
{
	size_t cap = 0;
	char *w = malloc(strlen(s) + 1);
	if (!w || !add_word(sl, strdup("#!"), &cap))
		goto oom;
	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		size_t n = 0;
		while (*s && *s != ' ' && *s != '\t') {
			char q = *s;
			if (q == '\'' || q == '"') {
				const char *end = s + 1;
				while (*end && *end != q) {
					if (q == '"' && *end == '\\' && (end[1] == '"' || end[1] == '\\'))
						end++;
					w[n++] = *end++;
				}
				if (!*end) {
					snprintf(err, errlen, "unterminated %s quote", q == '"' ? "double" : "single");
					free(w);
					return -1;
				}
				s = end + 1;
			} else if (q == '\\' && s[1]) {
				w[n++] = s[1];
				s += 2;
			} else {
				w[n++] = *s++;
			}
		}
		if (!add_word(sl, strndup(w, n), &cap))
			goto oom;
	}
	free(w);
	return 0;
oom:
	free(w);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The image at a relative path, by the normal lookup; path itself if found nowhere. */
static char *find_image(const char *path)
{
	char c[TOOL_IMAGE_CANDIDATES][MON_PATH_MAX];
	unsigned n = path[0] == '/' ? 0 : tool_image_candidates(path, c, TOOL_IMAGE_CANDIDATES);
	for (unsigned i = 0; i < n; i++)
		if (access(c[i], R_OK) == 0)
			return strdup(c[i]);
	return strdup(path);
}

/* Replace the values of --kernel and --module (both forms) by found paths. */
static int resolve_images(struct con_script_line *sl, char *err, size_t errlen)
{
	static const char *const opts[] = { "--kernel", "--module" };
	for (int i = 1; i < sl->argc; i++) {
		for (unsigned k = 0; k < 2; k++) {
			size_t n = strlen(opts[k]);
			char *a = sl->argv[i], *found = NULL;
			if (strncmp(a, opts[k], n))
				continue;
			if (a[n] == '=' && a[n + 1]) {
				char *p = find_image(a + n + 1);
				size_t len = p ? n + 2 + strlen(p) : 0;
				if (p && (found = malloc(len)))
					snprintf(found, len, "%s=%s", opts[k], p);
				free(p);
			} else if (!a[n] && i + 1 < sl->argc && sl->argv[i + 1][0]) {
				a = sl->argv[++i];
				found = find_image(a);
			} else {
				continue; /* no value: the option parser says so */
			}
			if (!found) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			free(sl->argv[i]);
			sl->argv[i] = found;
			break;
		}
	}
	return 0;
}

int con_script_line_read(struct con_script_line *sl, const char *line, char *err, size_t errlen)
{
	memset(sl, 0, sizeof *sl);
	if (strncmp(line, "#!", 2))
		return 0;
	if (split(sl, line + 2, err, errlen) || resolve_images(sl, err, errlen)) {
		con_script_line_free(sl);
		return -1;
	}
	return 1;
}
