/*
 * hello — the first program: a greeting, its pid and the kernel's uname.
 * Output is deterministic as long as the kernel hands out pids in a fixed
 * order (it is started by the kernel, never racing another spawner).
 */
#include "guestos/user/lib/ulib.h"

int main(const char *arg)
{
	char name[128];
	long n = uname(name, sizeof name);
	if (n < 0)
		snprintf(name, sizeof name, "(uname failed: %ld)", n);
	else if (n >= (long)sizeof name)
		name[sizeof name - 1] = '\0';
	else
		name[n] = '\0';
	printf("hello: hello, world from guestos user space\n");
	printf("hello: pid %d, arg \"%s\"\n", getpid(), arg);
	printf("hello: uname: %s\n", name);
	return 0;
}
