/*
 * monitor/grade/export.c — `vmlab lab export`: the tree students get.
 *
 * A copy of the reference sources in which this lab's holes are stubbed, every
 * other programming lab's hole files are shipped compiled instead of as source
 * (prebuilt/, from the reference build: vmlab must run, and their source is those
 * labs' solutions; --source-of keeps a lab's as source, markers dropped), and
 * nothing that gives answers away remains: no labs/ * /expected/ or solution/
 * folders, no path a rubric calls private, no hidden check in the lab's rubric.
 * grade_export_leaks() proves it on the written tree. The grader's work trees are
 * this same tree (grade_export_tree) plus the reference build and the hand-ins: what
 * a submission can read while it builds and runs is what its student was handed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

/* Apply f(rubric-of-that-lab, folder name, arg) to every lab folder under root/labs that
 * has a rubric, in name order; stops at the first that does not return 0, and fails on a
 * rubric that does not parse (err says why: an export cannot know that lab's holes). */
static int each_lab(const char *root, int (*f)(const struct grade_rubric *, const char *, void *), void *arg,
		    char *err, size_t errlen)
{
	char labs[GRADE_PATH_MAX];
	snprintf(labs, sizeof labs, "%s/labs", root);
	struct dirent **e;
	int n = scandir(labs, &e, NULL, alphasort);
	if (n < 0)
		return 0; /* no labs: nothing to do */
	struct grade_rubric *r = malloc(sizeof *r); /* big: not on the stack */
	int rc = r ? 0 : -1;
	if (!r)
		snprintf(err, errlen, "out of memory");
	for (int i = 0; i < n; i++) {
		char p[GRADE_PATH_MAX], why[300];
		snprintf(p, sizeof p, "%s/%s/rubric", labs, e[i]->d_name);
		if (rc == 0 && e[i]->d_name[0] != '.' && grade_exists(p)) {
			if (grade_rubric_load(p, r, why, sizeof why)) {
				snprintf(err, errlen, "%s", why);
				rc = -1;
			} else {
				rc = f(r, e[i]->d_name, arg);
				grade_rubric_free(r);
			}
		}
		free(e[i]);
	}
	free(e);
	free(r);
	return rc;
}

/* Does the word w (of a --source-of list) name the lab in labs/folder (called lab)?
 * Its folder name, its number or its name, as LAB on the command line. */
static bool names_lab(const char *w, size_t wl, const char *folder, const char *lab)
{
	bool number = wl && wl <= 3 && strspn(w, "0123456789") >= wl;
	return (strlen(folder) == wl && !strncmp(folder, w, wl)) || (strlen(lab) == wl && !strncmp(lab, w, wl)) ||
	       (number && !strncmp(folder, w, wl) && folder[wl] == '-');
}

/* Is the lab (labs/folder, called lab) in the comma-separated list (NULL: none)? */
static bool listed(const char *list, const char *folder, const char *lab)
{
	for (const char *w = list; w && *w; w += strcspn(w, ",") + (w[strcspn(w, ",")] == ',')) {
		size_t wl = strcspn(w, ",");
		if (names_lab(w, wl, folder, lab))
			return true;
	}
	return false;
}

int grade_prebuilt_path(const char *src, char *obj, size_t len)
{
	size_t l = strlen(src);
	bool c = l > 2 && !strcmp(src + l - 2, ".c"), s = l > 2 && !strcmp(src + l - 2, ".S");
	/* the guest kernel (guestos/guestos.mk): guestos/X.c -> guestos/obj/X.c.o */
	if (!strncmp(src, "guestos/", 8) && !strchr(src + 8, '/') && (c || s))
		return (size_t)snprintf(obj, len, "guestos/obj/%s.o", src + 8) < len ? 0 : -1;
	/* the host libraries (the top Makefile's module_lib): X/Y.c -> obj/X/Y.o */
	static const char *const mods[] = { "cpu/", "tlb/", "shadow/" };
	bool host = false;
	for (unsigned i = 0; i < sizeof mods / sizeof mods[0]; i++)
		host = host || (!strncmp(src, mods[i], strlen(mods[i])) && !strchr(src + strlen(mods[i]), '/'));
	const char *part = !strncmp(src, "monitor/", 8) ? strchr(src + 8, '/') : NULL;
	host = host || (part && part > src + 8 && !strchr(part + 1, '/'));
	if (!host || !c || !strcmp(src, "monitor/tools/main.c"))
		return -1;
	return (size_t)snprintf(obj, len, "obj/%.*s.o", (int)(l - 2), src) < len ? 0 : -1;
}

/* The export being written: where, from what, and what it has shipped compiled. */
struct exporting {
	const struct grade_ctx *g;
	const char *dir;
	bool fresh;    /* refuse objects older than their source (vmlab lab export) */
	FILE *readme;  /* prebuilt/README's list, one line per file shipped compiled */
	int shipped;
	char *err;
	size_t errlen;
};

/* Does the file hold a LAB-HOLE-BEGIN marker of lab? */
static bool holds_markers(const char *path, const char *lab)
{
	char tag[GRADE_NAME_MAX + 32];
	snprintf(tag, sizeof tag, "LAB-HOLE-BEGIN %s ", lab);
	char *text = grade_read_file(path, NULL);
	bool found = text && strstr(text, tag);
	free(text);
	return found;
}

/* Put the reference build's object of hole file rel (a hole of the lab in labs/folder)
 * into the export's prebuilt/ folder, at its path in the build folder and with its
 * modification time (a work tree's build copy has the same file: make copies nothing),
 * and remove the source. */
static int ship_compiled(struct exporting *x, const char *rel, const char *folder)
{
	char obj[GRADE_PATH_MAX], from[GRADE_PATH_MAX + 8], to[GRADE_PATH_MAX + 16], src[GRADE_PATH_MAX + 8];
	if (grade_prebuilt_path(rel, obj, sizeof obj)) {
		snprintf(x->err, x->errlen,
			 "%s, a hole file of lab %s, cannot be shipped compiled (only .c files of cpu/, tlb/, "
			 "shadow/, monitor/PART/ and guestos/ .c and .S files can): name that lab with --source-of",
			 rel, folder);
		return -1;
	}
	snprintf(from, sizeof from, "%s/%s", x->g->build, obj);
	snprintf(src, sizeof src, "%s/%s", x->g->root, rel);
	struct stat so, ss;
	if (stat(from, &so)) {
		snprintf(x->err, x->errlen,
			 "no %s: the export ships %s (lab %s) compiled from the reference build; build it first (make)",
			 from, rel, folder);
		return -1;
	}
	if (x->fresh && stat(src, &ss) == 0 &&
	    (ss.st_mtim.tv_sec > so.st_mtim.tv_sec ||
	     (ss.st_mtim.tv_sec == so.st_mtim.tv_sec && ss.st_mtim.tv_nsec > so.st_mtim.tv_nsec))) {
		snprintf(x->err, x->errlen, "%s is older than %s: rebuild the reference first (make)", from, rel);
		return -1;
	}
	size_t len;
	char *data = grade_read_file(from, &len);
	snprintf(to, sizeof to, "%s/prebuilt/%s", x->dir, obj);
	char *slash = strrchr(to, '/');
	*slash = '\0';
	int rc = data ? grade_mkdirs(to) : -1;
	*slash = '/';
	struct timespec times[2] = { so.st_atim, so.st_mtim };
	if (!rc)
		rc = grade_write_file(to, data, len) || utimensat(AT_FDCWD, to, times, 0);
	free(data);
	snprintf(src, sizeof src, "%s/%s", x->dir, rel);
	if (rc || unlink(src)) {
		snprintf(x->err, x->errlen, "cannot write %s (or remove %s)", to, src);
		return -1;
	}
	fprintf(x->readme, "  %-26s prebuilt/%-30s (lab %s)\n", rel, obj, folder);
	x->shipped++;
	return 0;
}

/* Another lab's files in the export: its hole files compiled (unless --source-of names
 * it; those keep their code, markers dropped), its privates gone. A file whose markers
 * are dropped keeps its modification time: in a work tree the reference build's object
 * of it stays up to date (only comment lines went), so make does not recompile it for
 * every submission. The lab's own hole files were stubbed already: left as they are. */
static int clean_lab(const struct grade_rubric *r, const char *folder, void *arg)
{
	struct exporting *x = arg;
	const struct grade_rubric *own = &x->g->rubric;
	bool other = folder && strcmp(r->lab, own->lab) && !listed(x->g->source_of, folder, r->lab);
	char p[GRADE_PATH_MAX];
	for (int i = 0; i < r->nholes; i++) {
		bool mine = false;
		for (int j = 0; j < own->nholes && !mine; j++)
			mine = !strcmp(r->holes[i], own->holes[j]);
		snprintf(p, sizeof p, "%s/%s", x->dir, r->holes[i]);
		if (mine)
			continue;
		if (other && holds_markers(p, r->lab)) {
			if (ship_compiled(x, r->holes[i], folder))
				return -1;
			continue;
		}
		char *text = grade_read_file(p, NULL);
		char *clean = text ? grade_hole_unmark(text) : NULL;
		struct stat st;
		if (clean && strcmp(clean, text) && stat(p, &st) == 0 && grade_write_file(p, clean, strlen(clean)) == 0) {
			struct timespec times[2] = { st.st_atim, st.st_mtim };
			utimensat(AT_FDCWD, p, times, 0);
		}
		free(text);
		free(clean);
	}
	for (int i = 0; i < r->nprivates; i++) {
		snprintf(p, sizeof p, "%s/%s", x->dir, r->privates[i]);
		grade_rmtree(p);
	}
	return 0;
}

static const char prebuilt_readme[] =
	"prebuilt/ -- other labs' files, compiled\n"
	"\n"
	"The files below are the holes of other programming labs: their source is\n"
	"those labs' solutions, so this copy holds them compiled (vmlab's reference\n"
	"build, with debug information: the console's symbols, breakpoints and\n"
	"backtraces work in them), not as source. Each lab's own copy holds its\n"
	"files as source, with the holes for you to fill. A file is at its path in\n"
	"the build folder: `make` copies prebuilt/X to build/X when X's source is\n"
	"absent (the Makefile, guestos/guestos.mk). Do not edit or hand them in.\n"
	"\n";

/* Write prebuilt/README: what these are, then the list. */
static int write_readme(struct exporting *x, const char *list, size_t len)
{
	char p[GRADE_PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/prebuilt/README", x->dir);
	size_t hl = sizeof prebuilt_readme - 1;
	char *text = malloc(hl + len + 1);
	if (!text)
		return -1;
	memcpy(text, prebuilt_readme, hl);
	memcpy(text + hl, list, len);
	int rc = grade_write_file(p, text, hl + len);
	free(text);
	return rc;
}

/* Every labs/NN-x/expected and labs/NN-x/solution folder (rubric or not). */
static void drop_answers(const char *dir)
{
	char labs[GRADE_PATH_MAX];
	snprintf(labs, sizeof labs, "%s/labs", dir);
	DIR *d = opendir(labs);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		static const char *const sub[] = { "expected", "solution" };
		for (unsigned i = 0; i < 2 && e->d_name[0] != '.'; i++) {
			char p[GRADE_PATH_MAX];
			snprintf(p, sizeof p, "%s/%s/%s", labs, e->d_name, sub[i]);
			if (grade_exists(p))
				grade_rmtree(p);
		}
	}
	closedir(d);
}

/* Does a hole file of the reference hold this lab's LAB-HOLE-BEGIN markers (the export stubs it)? */
static bool has_markers(const struct grade_ctx *g)
{
	char tag[GRADE_NAME_MAX + 32];
	snprintf(tag, sizeof tag, "LAB-HOLE-BEGIN %s ", g->rubric.lab);
	bool found = false;
	for (int i = 0; i < g->rubric.nholes && !found; i++) {
		char p[GRADE_PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", g->root, g->rubric.holes[i]);
		char *text = grade_read_file(p, NULL);
		found = text && strstr(text, tag);
		free(text);
	}
	return found;
}

/* The lab's rubric without hidden checks and private lines; a "student-copy" line when
 * the holes are stubbed (the copy's own vmlab is then no reference: grade.c). */
static int public_rubric(const struct grade_ctx *g, const char *dir)
{
	char src[GRADE_PATH_MAX + 8], dst[GRADE_PATH_MAX];
	snprintf(src, sizeof src, "%s/rubric", g->labdir);
	/* at the lab's own place in the tree (labs/NAME, or wherever a test's lab is) */
	size_t rl = strlen(g->root);
	if (!strncmp(g->labdir, g->root, rl) && g->labdir[rl] == '/')
		snprintf(dst, sizeof dst, "%s%s/rubric", dir, g->labdir + rl);
	else
		snprintf(dst, sizeof dst, "%s/labs/%s/rubric", dir, strrchr(g->labdir, '/') + 1);
	char *slash = strrchr(dst, '/');
	*slash = '\0';
	grade_mkdirs(dst);
	*slash = '/';
	char *text = grade_read_file(src, NULL);
	if (!text)
		return -1;
	char *out = malloc(strlen(text) + 1);
	size_t n = 0;
	for (char *line = text; out && *line;) {
		size_t len = strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n');
		char w1[16] = "", w2[64] = "", w3[32] = "", w4[16] = "";
		sscanf(line, "%15s %63s %31s %15s", w1, w2, w3, w4);
		bool drop = (!strcmp(w1, "check") && !strcmp(w4, "hidden")) || !strcmp(w1, "private") ||
			    !strcmp(w1, "solve");
		if (!drop)
			memcpy(out + n, line, len), n += len;
		line += len;
	}
	static const char copy[] = "\n# written by vmlab lab export: this tree's holes are yours, so its vmlab\n"
				   "# is no reference; vmlab grade here runs only the checks that need none\n"
				   "student-copy\n";
	if (out && has_markers(g)) {
		char *more = realloc(out, n + sizeof copy);
		if (more) {
			size_t skip = n && more[n - 1] == '\n'; /* the blank line only after a full line */
			memcpy(more + n, copy + !skip, sizeof copy - 1 - !skip);
			n += sizeof copy - 1 - !skip;
		}
		out = more;
	}
	int rc = out ? grade_write_file(dst, out, n) : -1;
	free(out);
	free(text);
	return rc;
}

/* The tree; fresh: refuse objects older than their source (an export handed out). */
static int export_tree(const struct grade_ctx *g, const char *dir, bool fresh, char *err, size_t errlen)
{
	if (grade_mkdirs(dir) || grade_copy_sources(g->root, dir)) {
		snprintf(err, errlen, "cannot copy the sources into %s", dir);
		return -1;
	}
	for (int i = 0; i < g->rubric.nholes; i++)
		if (grade_stub_hole(g, dir, g->rubric.holes[i], err, errlen))
			return -1;
	char *list = NULL;
	size_t len = 0;
	struct exporting x = { .g = g, .dir = dir, .fresh = fresh, .err = err, .errlen = errlen };
	x.readme = open_memstream(&list, &len);
	if (!x.readme) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*err = '\0';
	int rc = each_lab(g->root, clean_lab, &x, err, errlen);
	rc = rc || clean_lab(&g->rubric, NULL, &x); /* the lab itself may live outside labs/ */
	fclose(x.readme);
	if (!rc && x.shipped && write_readme(&x, list, len)) {
		snprintf(err, errlen, "cannot write %s/prebuilt/README", dir);
		rc = -1;
	}
	free(list);
	if (rc) {
		if (!*err)
			snprintf(err, errlen, "cannot write the export");
		return -1;
	}
	drop_answers(dir);
	if (public_rubric(g, dir)) {
		snprintf(err, errlen, "cannot write the public rubric");
		return -1;
	}
	return 0;
}

int grade_export_tree(const struct grade_ctx *g, const char *dir, char *err, size_t errlen)
{
	return export_tree(g, dir, false, err, errlen);
}

/* Does each lab --source-of names exist (under labs/, with a rubric)? */
static int find_listed(const struct grade_rubric *r, const char *folder, void *arg)
{
	char *words = arg; /* each word found is blanked out */
	for (char *w = words; *w; w += strcspn(w, ",") + (w[strcspn(w, ",")] == ',')) {
		size_t wl = strcspn(w, ",");
		if (names_lab(w, wl, folder, r->lab))
			memset(w, ' ', wl);
	}
	return 0;
}

int grade_export(const struct grade_ctx *g, const char *dir, char *err, size_t errlen)
{
	if (grade_exists(dir)) {
		snprintf(err, errlen, "%s already exists (the export writes a new folder)", dir);
		return -1;
	}
	if (g->source_of) {
		char *words = strdup(g->source_of);
		if (!words)
			snprintf(err, errlen, "out of memory");
		if (!words || each_lab(g->root, find_listed, words, err, errlen)) {
			free(words);
			return -1;
		}
		char *w = words + strspn(words, " ,");
		bool unknown = *w;
		if (unknown)
			snprintf(err, errlen, "--source-of %.*s: no such lab with a rubric under %s/labs",
				 (int)strcspn(w, " ,"), w, g->root);
		free(words);
		if (unknown)
			return -1;
	}
	return export_tree(g, dir, true, err, errlen);
}

/* Distinctive lines of the hole bodies of lab r (at least 20 characters, not also in the
 * file as the lab's own export has it, stubbed), one per line, into m. */
static void solution_lines(const char *root, const struct grade_rubric *r, FILE *m)
{
	for (int i = 0; i < r->nholes; i++) {
		char p[GRADE_PATH_MAX], why[200];
		snprintf(p, sizeof p, "%s/%s", root, r->holes[i]);
		int n;
		char *ref = grade_read_file(p, NULL);
		char *bodies = ref ? grade_hole_bodies(ref, r->lab) : NULL;
		char *stub = ref ? grade_hole_stub(ref, r->lab, &n, why, sizeof why) : NULL;
		char *exp = stub ? grade_hole_unmark(stub) : NULL;
		for (char *line = bodies; line && *line;) {
			size_t len = strcspn(line, "\n");
			char *t = line + strspn(line, " \t");
			size_t tl = len - (size_t)(t - line);
			char save = t[tl];
			t[tl] = '\0';
			if (tl >= 20 && exp && !strstr(exp, t))
				fprintf(m, "%s\n", t);
			t[tl] = save;
			line += len + (line[len] == '\n');
		}
		free(ref);
		free(bodies);
		free(stub);
		free(exp);
	}
}

/* What the export must not hold: the lab's own hole bodies, and every other lab's
 * unless --source-of names it (their files are compiled: prebuilt/). */
struct leak_lines {
	const struct grade_ctx *g;
	FILE *m;
};

static int other_lines(const struct grade_rubric *r, const char *folder, void *arg)
{
	struct leak_lines *l = arg;
	if (strcmp(r->lab, l->g->rubric.lab) && !listed(l->g->source_of, folder, r->lab))
		solution_lines(l->g->root, r, l->m);
	return 0;
}

int grade_export_leaks(const struct grade_ctx *g, const char *dir, char *err, size_t errlen)
{
	for (int i = 0; i < g->rubric.nprivates; i++) {
		char p[GRADE_PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dir, g->rubric.privates[i]);
		if (grade_exists(p)) {
			snprintf(err, errlen, "the export holds private %s", g->rubric.privates[i]);
			return 1;
		}
	}
	char *pat = NULL;
	size_t plen = 0;
	struct leak_lines l = { .g = g, .m = open_memstream(&pat, &plen) };
	if (!l.m) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	solution_lines(g->root, &g->rubric, l.m);
	int other = each_lab(g->root, other_lines, &l, err, errlen);
	fclose(l.m);
	if (!pat || other) {
		if (!pat)
			snprintf(err, errlen, "out of memory");
		free(pat);
		return 1;
	}
	char patfile[GRADE_PATH_MAX], hits[GRADE_PATH_MAX];
	snprintf(patfile, sizeof patfile, "%s.solution-lines", dir);
	snprintf(hits, sizeof hits, "%s.leaks", dir);
	int rc = 0;
	if (*pat) {
		grade_write_file(patfile, pat, strlen(pat));
		char *argv[] = { "grep", "-rlF", "-f", patfile, "--", (char *)dir, NULL };
		struct grade_outcome o;
		grade_run_trusted(argv, NULL, hits, 120, &o);
		char *found = grade_read_file(hits, NULL);
		if (o.status == 0) {
			snprintf(err, errlen, "the export holds solution text in %.*s",
				 found ? (int)strcspn(found, "\n") : 1, found ? found : "?");
			rc = 1;
		}
		free(found);
		unlink(patfile);
		unlink(hits);
	}
	free(pat);
	if (!rc) {
		char labs[GRADE_PATH_MAX];
		snprintf(labs, sizeof labs, "%s/labs", dir);
		char *argv[] = { "find", labs, "-name", "expected", "-o", "-name", "solution", NULL };
		struct grade_outcome o;
		grade_run_trusted(argv, NULL, hits, 60, &o);
		char *found = grade_read_file(hits, NULL);
		if (found && *found) {
			snprintf(err, errlen, "the export holds %.*s", (int)strcspn(found, "\n"), found);
			rc = 1;
		}
		free(found);
		unlink(hits);
	}
	return rc;
}
