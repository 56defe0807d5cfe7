/*
 * spawn — the process-creation demo.
 *
 *   spawn            parent: spawns NCHILD copies of itself ("child K"), each
 *                    doing some heap and CPU work, then waits for them in
 *                    spawn order and prints each exit status, checked against
 *                    the value it computes itself; then spawns one child that
 *                    exec()s `hello` and waits for it.
 *   spawn child K    compute work(K), exit with it (0..199)
 *   spawn exec       exec("hello", "via exec"); exit 99 only if exec fails
 *
 * Children never print (except the exec'ed hello, which runs while the
 * parent is blocked in wait), so interleaving cannot change the output.
 */
#include "guestos/user/lib/ulib.h"

#define NCHILD 4

/* The child's job: fill a heap array, sum it with a multiplier. Returns a
 * value in 0..199 that depends only on k. */
static int work(unsigned k)
{
	unsigned n = 1000 * (k + 1);
	uint32_t *a = malloc(n * sizeof *a);
	if (!a)
		return 199;
	for (unsigned i = 0; i < n; i++)
		a[i] = i * (k + 3) + 7;
	uint32_t sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum = sum * 31 + a[i];
	free(a);
	return (int)(sum % 199);
}

static int parent(void)
{
	int pids[NCHILD];
	char arg[16];
	printf("spawn: parent pid %d starts %d children\n", getpid(), NCHILD);
	for (int k = 0; k < NCHILD; k++) {
		snprintf(arg, sizeof arg, "child %d", k);
		pids[k] = spawn("spawn", arg);
		if (pids[k] < 0)
			printf("spawn: spawn of child %d failed\n", k);
	}
	int bad = 0;
	for (int k = 0; k < NCHILD; k++) {
		int status = -1;
		if (pids[k] < 0)
			continue;
		int r = wait(pids[k], &status);
		int want = work((unsigned)k);
		printf("spawn: child %d (pid %d) exited with status %d, expected %d: %s\n",
		       k, pids[k], status, want, r == pids[k] && status == want ? "ok" : "WRONG");
		if (r != pids[k] || status != want)
			bad++;
	}
	printf("spawn: now a child that execs hello\n");
	int pid = spawn("spawn", "exec");
	int status = -1;
	if (pid < 0 || wait(pid, &status) != pid || status != 0)
		bad++;
	printf("spawn: exec child exited with status %d\n", status);
	printf("spawn: %s\n", bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}

int main(const char *arg)
{
	if (strncmp(arg, "child ", 6) == 0)
		return work((unsigned)atoi(arg + 6));
	if (strcmp(arg, "exec") == 0) {
		exec("hello", "via exec");
		return 99;
	}
	return parent();
}
