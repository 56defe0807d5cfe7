/*
 * tests/fuzz/replay_main.c — a plain driver for a fuzz harness, for builds
 * without libFuzzer (gcc): `replay-NAME FILE|DIR...` feeds every file (a
 * directory's files in name order) to LLVMFuzzerTestOneInput once. The
 * corpora and crash inputs in tests/fuzz/ are replayed this way by make test.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/harness.h"

#define REPLAY_MAX_BYTES (1u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	uint8_t *buf = malloc(REPLAY_MAX_BYTES);
	size_t n = buf ? fread(buf, 1, REPLAY_MAX_BYTES, f) : 0;
	bool big = buf && !feof(f);
	fclose(f);
	if (!buf || big) {
		fprintf(stderr, "replay: %s: %s\n", path, buf ? "larger than 1 MiB" : "out of memory");
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay a file, or each regular file of a directory in name order. Returns the count, -1 on error. */
static long replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) ? -1 : 1;
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, NULL);
	if (n < 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	char **names = calloc((size_t)n + 1, sizeof *names);
	long count = 0, rc = 0;
	for (int i = 0; i < n; i++) {
		if (names && ents[i]->d_name[0] != '.')
			names[count++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	if (!names)
		return -1;
	qsort(names, (size_t)count, sizeof *names, by_name);
	for (long i = 0; i < count; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, names[i]);
		if (rc == 0 && replay_file(p))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc ? -1 : count;
}

int main(int argc, char **argv)
{
	long total = 0;
	for (int i = 1; i < argc; i++) {
		long n = replay_path(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	fprintf(stderr, "replay: %ld inputs, every invariant held\n", total);
	return 0;
}
