/*
 * guestos/user/lib/sys.c — system-call stubs (ABI in guestos/syscall.h):
 * `syscall` with the number in RAX, arguments in RDI, RSI, RDX, R10, R8,
 * result in RAX; the instruction clobbers RCX and R11.
 */
#include "guestos/syscall.h"
#include "guestos/user/lib/ulib.h"

/* One stub for every arity: unused arguments are passed as zero. */
static long sys_call(long nr, long a0, long a1, long a2)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "rcx", "r11", "memory");
	return ret;
}

void exit(int status)
{
	ulib_flush();
	sys_call(SYS_EXIT, status, 0, 0);
	for (;;)
		; /* SYS_EXIT never returns; keep the compiler's noreturn promise */
}

long write(int fd, const void *buf, size_t len)
{
	return sys_call(SYS_WRITE, fd, (long)buf, (long)len);
}

int getpid(void)
{
	return (int)sys_call(SYS_GETPID, 0, 0, 0);
}

int yield(void)
{
	ulib_flush();
	return (int)sys_call(SYS_YIELD, 0, 0, 0);
}

int sleep(long ticks)
{
	ulib_flush();
	return (int)sys_call(SYS_SLEEP, ticks, 0, 0);
}

void *sbrk(long increment)
{
	return (void *)sys_call(SYS_SBRK, increment, 0, 0);
}

int spawn(const char *name, const char *arg)
{
	ulib_flush();
	return (int)sys_call(SYS_SPAWN, (long)name, (long)(arg ? arg : ""), 0);
}

int wait(int pid, int *status)
{
	ulib_flush();
	return (int)sys_call(SYS_WAIT, pid, (long)status, 0);
}

long uname(char *buf, size_t len)
{
	return sys_call(SYS_UNAME, (long)buf, (long)len, 0);
}

int exec(const char *name, const char *arg)
{
	ulib_flush();
	return (int)sys_call(SYS_EXEC, (long)name, (long)(arg ? arg : ""), 0);
}

long getarg(char *buf, size_t len)
{
	return sys_call(SYS_GETARG, (long)buf, (long)len, 0);
}
