/*
 * guestos/syscall.h — the guest kernel's system-call ABI, shared by the
 * kernel and the user library. Freestanding.
 *
 * Convention (like Linux x86-64): `syscall` with the number in RAX and
 * arguments in RDI, RSI, RDX, R10, R8; the result comes back in RAX
 * (negative = error); RCX and R11 are clobbered.
 */
#ifndef GUESTOS_SYSCALL_H
#define GUESTOS_SYSCALL_H

#define SYS_EXIT 0    /* exit(status) — never returns */
#define SYS_WRITE 1   /* write(fd, buf, len) -> bytes written; fd 1 and 2 go to the serial console */
#define SYS_GETPID 2  /* getpid() -> pid */
#define SYS_YIELD 3   /* yield() -> 0 */
#define SYS_SLEEP 4   /* sleep(ticks) -> 0: block for that many timer ticks */
#define SYS_SBRK 5    /* sbrk(increment) -> old break, or -1 */
#define SYS_SPAWN 6   /* spawn(name, arg) -> pid of a new process running boot module `name`, or -1 */
#define SYS_WAIT 7    /* wait(pid, &status) -> pid when that child exited, or -1 */
#define SYS_UNAME 8   /* uname(buf, len) -> length: kernel name and version string */
#define SYS_EXEC 9    /* exec(name, arg) -> only returns -1 on error */
#define SYS_GETARG 10 /* getarg(buf, len) -> length of the argument string given at spawn/boot */

#endif
