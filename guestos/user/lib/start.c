/*
 * guestos/user/lib/start.c — the C side of program start: fetch the argument
 * string the process was spawned with, run main, exit with its result.
 */
#include "guestos/user/lib/ulib.h"

#define ARG_MAX 256

int main(const char *arg);
void ulib_start(void) __attribute__((noreturn));

static char arg_buf[ARG_MAX];

/* Entered from crt0's _start; never returns. A longer argument than
 * ARG_MAX-1 bytes is cut (the kernel NUL-terminates within len). */
void ulib_start(void)
{
	long n = getarg(arg_buf, sizeof arg_buf);
	if (n < 0)
		n = 0;
	if (n >= ARG_MAX)
		n = ARG_MAX - 1;
	arg_buf[n] = '\0';
	exit(main(arg_buf));
}
