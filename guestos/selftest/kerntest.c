/*
 * guestos/selftest/kerntest.c — a user program that checks the kernel's
 * edges (not a demo): syscalls that must fail cleanly, sbrk shrink, sleep,
 * and faults that must kill only the faulting child with the right reason.
 * Without an argument it is the parent: it runs each check in a child
 * (spawn "kerntest" with the check's name) and prints one line per check.
 * With "preempt" it checks that the timer preempts a spinning process.
 * Built with the user library (guestos/user/lib), run by smoke-test.sh.
 */
#include "guestos/user/lib/ulib.h"

typedef void (*fn_t)(void);

static volatile unsigned char sink;
static volatile uintptr_t launder;

/* A pointer the compiler cannot reason about (so no bounds warnings). */
static volatile char *at(uintptr_t a)
{
	launder = a;
	return (volatile char *)launder;
}

static int child_nx(void)
{
	static unsigned char code[16] = { 0xc3 }; /* ret, in an NX data page */
	((fn_t)(uintptr_t)code)();
	return 0;
}

static int child_rotext(void)
{
	*(volatile unsigned char *)(uintptr_t)&child_rotext = 0x90;
	return 0;
}

static int child_heapgone(void)
{
	char *p = sbrk(0);
	sbrk(3 * PAGE_SIZE);
	p[2 * PAGE_SIZE] = 1;               /* mapped on demand */
	sbrk(-3 * PAGE_SIZE);               /* unmapped again */
	sink = p[2 * PAGE_SIZE];            /* must fault */
	return 0;
}

static int child_stack(void)
{
	char here;
	uintptr_t sp = (uintptr_t)&here;
	*at(sp - 64 * 1024) = 1;            /* stack growth: fine */
	*at(sp - 2 * 1024 * 1024) = 1;      /* beyond the 1 MiB stack: killed */
	return 0;
}

static int child_null(void)
{
	sink = (unsigned char)*at(8);
	return 0;
}

static int child_sleep(void)
{
	sleep(2);
	return 7;
}

/* Spin without any syscall for far longer than a timer tick. */
static int child_spin(void)
{
	volatile uint64_t x = 0;
	for (uint64_t i = 0; i < 30000000; i++)
		x += i;
	printf("kerntest: spinner done\n");
	return 0;
}

/* Preemption: a parent sleeping one tick must wake while its child spins.
 * The smoke test checks that "woke" comes before "spinner done". */
static int preempt(void)
{
	int st, pid = spawn("kerntest", "spin");
	sleep(1);
	printf("kerntest: parent woke while the spinner runs\n");
	wait(pid, &st);
	return st;
}

struct check {
	const char *name;
	int (*run)(void);
	int want;                           /* exit status the parent expects */
};

static const struct check checks[] = {
	{ "nx", child_nx, -1 },
	{ "rotext", child_rotext, -1 },
	{ "heapgone", child_heapgone, -1 },
	{ "stack", child_stack, -1 },
	{ "null", child_null, -1 },
	{ "sleep", child_sleep, 7 },
};
#define NCHECKS (int)(sizeof checks / sizeof checks[0])

static int report(const char *what, int ok)
{
	printf("kerntest: %s: %s\n", what, ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}

/* Syscalls that must fail with -1 and not kill the caller. */
static int syscall_errors(void)
{
	int bad = 0, st;
	bad += report("write from a bad pointer", write(1, (void *)16, 4) == -1);
	bad += report("write from kernel memory", write(1, (void *)0xffffffff80100000ul, 4) == -1);
	bad += report("write to fd 7", write(7, "x", 1) == -1);
	bad += report("wait for a non-child", wait(999, &st) == -1);
	bad += report("exec of a missing program", exec("nosuch", "") == -1);
	bad += report("spawn of a missing program", spawn("nosuch", "") == -1);
	bad += report("uname into kernel memory", uname((char *)0xffffffff80100000ul, 8) == -1);
	char *b0 = sbrk(0), *b1 = sbrk(8192);
	b1[8191] = 1;
	bad += report("sbrk grow and shrink", b0 == b1 && sbrk(-8192) == b0 + 8192 && sbrk(0) == b0);
	return bad;
}

int main(const char *arg)
{
	if (strcmp(arg, "spin") == 0)
		return child_spin();
	if (strcmp(arg, "preempt") == 0)
		return preempt();
	for (int i = 0; i < NCHECKS; i++)
		if (strcmp(arg, checks[i].name) == 0)
			return checks[i].run();
	int bad = syscall_errors();
	for (int i = 0; i < NCHECKS; i++) {
		int st = 0, pid = spawn("kerntest", checks[i].name);
		int r = wait(pid, &st);
		char what[64];
		snprintf(what, sizeof what, "child %s exits with %d", checks[i].name, checks[i].want);
		bad += report(what, pid > 0 && r == pid && st == checks[i].want);
	}
	printf("kerntest: %s\n", bad ? "FAIL" : "PASS");
	return bad;
}
