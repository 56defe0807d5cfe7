/*
 * pingpong [N] — a context-switch-heavy pair. The parent spawns a partner
 * ("pingpong partner N"); both then loop N times (default 2000), each
 * iteration doing a little work and yielding the CPU (every 500th round
 * sleeping one timer tick instead), so the scheduler
 * switches address spaces (CR3) back and forth about 2N times. The partner
 * exits with a checksum of its loop; the parent waits for it and prints both
 * checksums, which depend only on N.
 */
#include "guestos/user/lib/ulib.h"

#define DEFAULT_ROUNDS 2000

/* The loop both sides run; `salt` makes their sums differ. With `yielding`
 * 0 it computes the same sum without giving up the CPU (to check the
 * partner's result). */
static uint32_t rounds(unsigned n, uint32_t salt, int yielding)
{
	uint32_t sum = salt;
	for (unsigned i = 0; i < n; i++) {
		sum = sum * 1103515245u + 12345u + i;
		if (yielding && i % 500 == 499)
			sleep(1); /* now and then block on the timer instead */
		else if (yielding)
			yield();
	}
	return sum;
}

int main(const char *arg)
{
	if (strncmp(arg, "partner ", 8) == 0) {
		unsigned n = (unsigned)atoi(arg + 8);
		return (int)(rounds(n, 2, 1) % 251);
	}
	unsigned n = (unsigned)ulib_arg_num(arg, DEFAULT_ROUNDS);
	char parg[32];
	snprintf(parg, sizeof parg, "partner %u", n);
	printf("pingpong: %u rounds each, yielding every round\n", n);
	int pid = spawn("pingpong", parg);
	if (pid < 0) {
		printf("pingpong: spawn failed\n");
		return 1;
	}
	uint32_t mine = rounds(n, 1, 1);
	int status = -1;
	int r = wait(pid, &status);
	int want = (int)(rounds(n, 2, 0) % 251);
	int ok = r == pid && status == want && mine == rounds(n, 1, 0);
	printf("pingpong: ping checksum %08x\n", mine);
	printf("pingpong: pong exited with status %d, expected %d\n", status, want);
	printf("pingpong: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
