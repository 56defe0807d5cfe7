/*
 * monitor/tools/interrupt.c — SIGINT and SIGTERM for `vmlab run`.
 *
 * The handler only records which signal came; the run loop polls it between
 * slices and asks the VM to stop through the VMM's API (mon_vm_interrupt):
 * the current instruction finishes, the summary says "interrupted", the
 * trace is closed (a temporary trace file renamed, never left behind). A
 * second signal while the first is being honoured ends the process at once;
 * one that comes before the run loop has seen the first is the same request
 * again, not a second one: `timeout` (not --foreground) and a terminal's ^C
 * reach a process both directly and through its process group, so one
 * request often arrives as two signals microseconds apart.
 *
 * Process-wide state, on purpose and only here: a signal handler can reach
 * nothing else (a volatile sig_atomic_t, as C11 7.14.1.1 allows). The VMM
 * itself keeps none.
 */
#include <signal.h>
#include <string.h>

#include "monitor/tools/tools.h"

static volatile sig_atomic_t caught, seen;

static void on_signal(int sig)
{
	if (caught && seen) { /* asked again after the loop began to stop: stop waiting */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	caught = sig;
}

void tool_catch_interrupts(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int tool_interrupted(void)
{
	if (caught)
		seen = 1;
	return caught;
}
