/*
 * guestos/user/host/sys_host.c — the guestos system calls of ulib.h mapped
 * onto Linux x86-64 system calls, so that user programs and the library can
 * be run and checked on the build machine (tests/guest/guest.mk). Processes
 * (spawn, wait, exec) do not exist here: they fail with -1.
 * The argument string is argv[1] (empty when absent).
 */
#include "guestos/user/lib/ulib.h"

#define LINUX_WRITE 1
#define LINUX_BRK 12
#define LINUX_SCHED_YIELD 24
#define LINUX_GETPID 39
#define LINUX_EXIT_GROUP 231

int main(const char *arg);
void ulib_host_start(long *sp) __attribute__((noreturn));

static long linux_call(long nr, long a0, long a1, long a2)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r11", "memory");
	return ret;
}

static const char *host_arg = "";

void ulib_host_start(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	if (argc > 1)
		host_arg = argv[1];
	exit(main(host_arg));
}

void exit(int status)
{
	ulib_flush();
	linux_call(LINUX_EXIT_GROUP, status, 0, 0);
	for (;;)
		;
}

long write(int fd, const void *buf, size_t len)
{
	return linux_call(LINUX_WRITE, fd, (long)buf, (long)len);
}

int getpid(void)
{
	/* SIMPLIFICATION: a fixed pid keeps host output comparable. */
	return 1;
}

int yield(void)
{
	ulib_flush();
	return (int)linux_call(LINUX_SCHED_YIELD, 0, 0, 0);
}

int sleep(long ticks)
{
	(void)ticks;
	return yield();
}

void *sbrk(long increment)
{
	static uintptr_t brk;
	if (!brk)
		brk = (uintptr_t)linux_call(LINUX_BRK, 0, 0, 0);
	uintptr_t old = brk;
	uintptr_t want = old + (uintptr_t)increment;
	if ((uintptr_t)linux_call(LINUX_BRK, (long)want, 0, 0) != want)
		return (void *)-1;
	brk = want;
	return (void *)old;
}

int spawn(const char *name, const char *arg)
{
	(void)name;
	(void)arg;
	return -1;
}

int wait(int pid, int *status)
{
	(void)pid;
	(void)status;
	return -1;
}

long uname(char *buf, size_t len)
{
	return snprintf(buf, len, "host");
}

int exec(const char *name, const char *arg)
{
	(void)name;
	(void)arg;
	return -1;
}

long getarg(char *buf, size_t len)
{
	size_t n = strlen(host_arg);
	if (len)
		snprintf(buf, len, "%s", host_arg);
	return (long)n;
}
