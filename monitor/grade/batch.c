/*
 * monitor/grade/batch.c — grade a folder of submissions with N parallel workers.
 *
 * Each worker is a forked process grading one submission in its slot (its own work
 * tree and, as root, its own sandbox uid). A finished result is written atomically
 * to ROSTER.d/ID.json; results already there are not graded again, so an
 * interrupted run resumes. At the end the roster CSV is written from every result
 * and a histogram of the scores is printed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

#define MAX_SUBS 4096

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Can a folder's name be a student id? It names the result file ROSTER.d/ID.json and is
 * kept in reports of GRADE_NAME_MAX bytes; it cannot hold '/' (a folder name), and any
 * other byte is written safely (JSON escapes, CSV quotes). A name starting with '.' is
 * refused: ".", "..", and ".git" or ".hidden" are no submissions (and ".json" files
 * beside ours would be hidden). */
static const char *id_refusal(const char *name)
{
	if (name[0] == '.')
		return "a name starting with '.' is not a student id";
	if (strlen(name) >= GRADE_NAME_MAX)
		return "a student id is at most 63 bytes";
	if (strchr(name, '/'))
		return "a student id has no '/'";
	return NULL;
}

/* Subfolders of dir, sorted; *refused counts those whose names cannot be student ids,
 * each named on stderr (never a submission left out without a word). */
static int list_subs(const char *dir, char **names, int max, int *refused)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	*refused = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char p[GRADE_PATH_MAX];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (!grade_is_dir(p))
			continue;
		const char *why = n < max ? id_refusal(e->d_name) : "more submissions than one run grades (4096)";
		if (why) {
			fprintf(stderr, "vmlab grade: not graded: folder \"%s\": %s\n", e->d_name, why);
			++*refused;
			continue;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, cmp_str);
	return n;
}

static void result_path(const char *roster, const char *student, char *out, size_t len)
{
	snprintf(out, len, "%s.d/%s.json", roster, student);
}

/* In a forked worker: grade one submission, keep its result. Exit status 0 if kept. */
static int worker(struct grade_ctx *g, const char *dir, const char *roster, const char *student,
		  unsigned slot)
{
	struct grade_report *rep = malloc(sizeof *rep);
	char sub[GRADE_PATH_MAX], res[GRADE_PATH_MAX];
	snprintf(sub, sizeof sub, "%s/%s", dir, student);
	result_path(roster, student, res, sizeof res);
	if (!rep || grade_submission(g, sub, student, slot, rep))
		return 1;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return 1;
	grade_report_json(m, rep, g);
	fclose(m);
	int rc = grade_write_file(res, buf, len) ? 1 : 0;
	free(buf);
	free(rep);
	return rc;
}

/* Top-level "key":number of a result file (the first occurrence is top-level). */
static double json_number(const char *s, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(s, k);
	return p ? strtod(p + strlen(k), NULL) : 0;
}

/* The top-level "key":"text" of a result file, unescaped (grade_json_string's escapes). */
static void json_text(const char *s, const char *key, char *out, size_t len)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":\"", key);
	const char *p = strstr(s, k);
	size_t n = 0;
	for (p = p ? p + strlen(k) : ""; *p && *p != '"' && n + 1 < len; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			c = *++p;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'u' && strlen(p) >= 5) {
				c = (char)strtol((char[]){ p[1], p[2], p[3], p[4], 0 }, NULL, 16);
				p += 4;
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
}

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, its quotes doubled. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Write the roster and print the histogram; returns how many results are missing. */
static int summarize(const char *roster, char **names, int n)
{
	char *csv = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&csv, &len);
	if (!m)
		return n;
	fputs("student_id,score,max_score,variant,refused\n", m);
	unsigned bins[11] = { 0 };
	int missing = 0;
	for (int i = 0; i < n; i++) {
		char p[GRADE_PATH_MAX], variant[256], why[256];
		result_path(roster, names[i], p, sizeof p);
		char *s = grade_read_file(p, NULL);
		if (!s) {
			missing++;
			continue;
		}
		double score = json_number(s, "score"), max = json_number(s, "max_score");
		json_text(s, "variant", variant, sizeof variant);
		json_text(s, "refused", why, sizeof why);
		csv_field(m, names[i]);
		fprintf(m, ",%.15g,%.15g,", score, max);
		csv_field(m, variant);
		fputc(',', m);
		csv_field(m, why);
		fputc('\n', m);
		unsigned b = max > 0 ? (unsigned)(score * 10 / max + 1e-9) : 0;
		bins[b > 10 ? 10 : b]++;
		free(s);
	}
	fclose(m);
	if (grade_write_file(roster, csv, len))
		fprintf(stderr, "vmlab grade: cannot write %s\n", roster);
	free(csv);
	printf("scores (%d graded%s):\n", n - missing, missing ? ", some missing" : "");
	for (int b = 0; b <= 10; b++) {
		if (b < 10)
			printf("  %3d-%3d%% %4u ", b * 10, b * 10 + 9, bins[b]);
		else
			printf("     100%% %4u ", bins[b]);
		for (unsigned k = 0; k < bins[b] && k < 60; k++)
			putchar('#');
		putchar('\n');
	}
	return missing;
}

int grade_batch(struct grade_ctx *g, const char *dir, const char *roster, unsigned jobs)
{
	char **names = calloc(MAX_SUBS, sizeof *names);
	int refused_ids;
	int n = names ? list_subs(dir, names, MAX_SUBS, &refused_ids) : -1;
	if (n < 0) {
		fprintf(stderr, "vmlab grade: cannot read %s\n", dir);
		free(names);
		return 2;
	}
	if (n == 0 && !refused_ids) { /* a wrong folder, most likely: not "0 students", exit 0 */
		fprintf(stderr, "vmlab grade: %s holds no submission (one folder per student)\n", dir);
		char d[GRADE_PATH_MAX];
		snprintf(d, sizeof d, "%s.d", roster);
		grade_rmtree(g->workroot);
		rmdir(d); /* made for this run, unless an earlier one left results there */
		free(names);
		return 2;
	}
	pid_t slots[64] = { 0 };
	int next = 0, running = 0, skipped = 0, failed = 0;
	g->quiet = true;
	while (next < n || running) {
		unsigned free_slot = 0;
		while (free_slot < jobs && slots[free_slot])
			free_slot++;
		if (next < n && free_slot < jobs) {
			char res[GRADE_PATH_MAX];
			result_path(roster, names[next], res, sizeof res);
			if (grade_exists(res)) { /* done in an earlier run */
				skipped++, next++;
				continue;
			}
			fflush(NULL);
			pid_t grader = getpid(), p = fork();
			if (p == 0) {
				/* a worker dies with its grader (killed, say): left running it would
				 * write results after the grader is gone and share its work folder
				 * with a rerun's worker */
				grade_sandbox_die_with_parent();
				if (getppid() != grader)
					_exit(1);
				_exit(worker(g, dir, roster, names[next], free_slot));
			}
			if (p < 0) {
				fprintf(stderr, "vmlab grade: fork failed\n");
				break;
			}
			slots[free_slot] = p;
			running++, next++;
			continue;
		}
		int st;
		pid_t p = wait(&st);
		if (p < 0)
			break;
		for (unsigned s = 0; s < jobs; s++)
			if (slots[s] == p)
				slots[s] = 0, running--;
		failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	if (skipped)
		printf("%d already graded (kept from an earlier run)\n", skipped);
	int missing = summarize(roster, names, n);
	printf("roster: %s (%d students)\n", roster, n - missing);
	for (unsigned s = 0; s < jobs; s++) {
		char w[GRADE_PATH_MAX];
		snprintf(w, sizeof w, "%s/work-%u", g->workroot, s);
		grade_rmtree(w);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (failed || missing)
		fprintf(stderr, "vmlab grade: %d submission(s) could not be graded (rerun to retry)\n", missing);
	if (refused_ids)
		fprintf(stderr, "vmlab grade: %d folder(s) not graded: their names cannot be student ids "
				"(rename them)\n", refused_ids);
	return failed || missing || refused_ids ? 1 : 0;
}
