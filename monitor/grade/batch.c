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

/* Subfolders of dir, sorted; names that cannot be student ids are skipped. */
static int list_subs(const char *dir, char **names, int max)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; n < max && (e = readdir(d));) {
		char p[GRADE_PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || strlen(e->d_name) >= GRADE_NAME_MAX || !grade_is_dir(p))
			continue;
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

static void json_text(const char *s, const char *key, char *out, size_t len)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":\"", key);
	const char *p = strstr(s, k);
	out[0] = '\0';
	if (p) {
		p += strlen(k);
		snprintf(out, len, "%.*s", (int)strcspn(p, "\""), p);
	}
}

/* Write the roster and print the histogram; returns how many results are missing. */
static int summarize(const char *roster, char **names, int n)
{
	char *csv = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&csv, &len);
	if (!m)
		return n;
	fputs("student_id,score,max_score,variant\n", m);
	unsigned bins[11] = { 0 };
	int missing = 0;
	for (int i = 0; i < n; i++) {
		char p[GRADE_PATH_MAX], variant[256];
		result_path(roster, names[i], p, sizeof p);
		char *s = grade_read_file(p, NULL);
		if (!s) {
			missing++;
			continue;
		}
		double score = json_number(s, "score"), max = json_number(s, "max_score");
		json_text(s, "variant", variant, sizeof variant);
		fprintf(m, "%s,%g,%g,%s\n", names[i], score, max, variant);
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
	static char *names[MAX_SUBS];
	int n = list_subs(dir, names, MAX_SUBS);
	if (n < 0) {
		fprintf(stderr, "vmlab grade: cannot read %s\n", dir);
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
			pid_t p = fork();
			if (p == 0)
				_exit(worker(g, dir, roster, names[next], free_slot));
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
	if (failed || missing)
		fprintf(stderr, "vmlab grade: %d submission(s) could not be graded (rerun to retry)\n", missing);
	return failed || missing ? 1 : 0;
}
