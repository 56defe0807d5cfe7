/*
 * misbehave — the protection demo. The parent runs three children one after
 * another (spawn, then wait), each doing one forbidden thing:
 *   write-kernel  store to a kernel address (supervisor page -> #PF)
 *   privileged    execute `hlt` in user mode (-> #GP)
 *   divide        integer divide by zero (-> #DE)
 * The kernel must kill each child with a message and go on. A child that
 * survives its bad deed exits with SURVIVED, which the parent reports as a
 * failure. Children run one at a time, so the kernel's kill messages and the
 * parent's lines come out in a fixed order.
 */
#include "guestos/user/lib/ulib.h"

#define SURVIVED 42

/* An address in the kernel's half of every address space: the kernel image
 * (guestos/kernel.ld links it there). Mapped supervisor-only, so a user
 * write must fault whatever the kernel's other choices. */
#define KERNEL_VA 0xffffffff80100000ull

static const char *const deeds[] = { "write-kernel", "privileged", "divide" };
#define NDEEDS (int)(sizeof deeds / sizeof deeds[0])

static volatile int zero; /* volatile: the compiler must not fold the division */

static int do_deed(const char *deed)
{
	if (strcmp(deed, "write-kernel") == 0) {
		*(volatile uint64_t *)KERNEL_VA = 0xbadc0de;
	} else if (strcmp(deed, "privileged") == 0) {
		__asm__ volatile("hlt");
	} else if (strcmp(deed, "divide") == 0) {
		volatile int x = 1000 / zero;
		(void)x;
	} else {
		return 2; /* unknown deed: not a crash, just a wrong argument */
	}
	return SURVIVED;
}

int main(const char *arg)
{
	if (*arg)
		return do_deed(arg);
	int bad = 0;
	printf("misbehave: parent pid %d, running %d bad children one by one\n", getpid(), NDEEDS);
	for (int i = 0; i < NDEEDS; i++) {
		printf("misbehave: child %d will do: %s\n", i, deeds[i]);
		int pid = spawn("misbehave", deeds[i]);
		int status = -1;
		if (pid < 0 || wait(pid, &status) != pid) {
			printf("misbehave: could not run child %d\n", i);
			bad++;
			continue;
		}
		if (status == SURVIVED || status == 0) {
			printf("misbehave: child %d (%s) was NOT stopped (status %d)\n", i, deeds[i], status);
			bad++;
		} else {
			printf("misbehave: child %d (%s) died with status %d\n", i, deeds[i], status);
		}
	}
	printf("misbehave: parent survived: %s\n", bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}
