/*
 * guestos/syscall.c — the system calls of guestos/syscall.h. Called from
 * syscall_entry (trap.S) with interrupts off; the result goes to RAX.
 * User pointers are only touched through vm_copyin/vm_copyout, which fault
 * pages in (or fail with -1) without trapping in the kernel.
 */
#include "guestos/kernel.h"
#include "guestos/syscall.h"

#define WRITE_CHUNK 256

static int64_t sys_write(struct proc *p, uint64_t fd, uint64_t buf, uint64_t len)
{
	if (fd != 1 && fd != 2)
		return -1;
	char chunk[WRITE_CHUNK];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < WRITE_CHUNK ? len - done : WRITE_CHUNK;
		if (vm_copyin(p, chunk, buf + done, n) != 0)
			return done ? (int64_t)done : -1;
		console_write(chunk, n);
		done += n;
	}
	return (int64_t)len;
}

/* sbrk: move the break by `inc` bytes (may be negative); old break or -1. */
static int64_t sys_sbrk(struct proc *p, int64_t inc)
{
	uint64_t old = p->brk, new = old + (uint64_t)inc;
	uint64_t limit = USER_STACK_TOP - USER_STACK_MAX - PAGE_SIZE; /* keep a guard gap */
	if ((inc > 0 && (new < old || new > limit)) || (inc < 0 && (new > old || new < p->heap_start)))
		return -1;
	if (inc < 0)
		vm_unmap_range(p, PAGE_ROUND_UP(new), PAGE_ROUND_UP(old));
	p->brk = new;
	return (int64_t)old;
}

static int64_t sys_spawn_exec(struct proc *p, int exec, uint64_t uname, uint64_t uarg)
{
	char name[BOOT_NAME_MAX], arg[ARG_MAX];
	if (vm_copyinstr(p, name, uname, sizeof name) < 0)
		return -1;
	arg[0] = '\0';
	if (uarg && vm_copyinstr(p, arg, uarg, sizeof arg) < 0)
		return -1;
	if (exec)
		return proc_exec(p, name, arg) == 0 ? 0 : -1;
	return proc_spawn(name, arg, p->pid);
}

static int64_t sys_wait(struct proc *p, int pid, uint64_t ustatus)
{
	int status;
	int r = proc_wait(p, pid, &status);
	if (r > 0 && ustatus && vm_copyout(p, ustatus, &status, sizeof status) != 0)
		return -1;
	return r;
}

/* Copy string s (without its NUL) to user buf, at most len bytes; the
 * string's full length. */
static int64_t copy_string_out(struct proc *p, uint64_t buf, uint64_t len, const char *s)
{
	uint64_t n = strlen(s);
	if (vm_copyout(p, buf, s, n < len ? n : len) != 0)
		return -1;
	return (int64_t)n;
}

void syscall_dispatch(struct trapframe *tf)
{
	struct proc *p = curproc;
	p->tf = tf;
	int64_t r;
	switch (tf->rax) {
	case SYS_EXIT:
		proc_exit(p, (int)tf->rdi);
	case SYS_WRITE:
		r = sys_write(p, tf->rdi, tf->rsi, tf->rdx);
		break;
	case SYS_GETPID:
		r = p->pid;
		break;
	case SYS_YIELD:
		proc_yield();
		r = 0;
		break;
	case SYS_SLEEP:
		proc_sleep(p, (int64_t)tf->rdi > 0 ? tf->rdi : 0);
		r = 0;
		break;
	case SYS_SBRK:
		r = sys_sbrk(p, (int64_t)tf->rdi);
		break;
	case SYS_SPAWN:
		r = sys_spawn_exec(p, 0, tf->rdi, tf->rsi);
		break;
	case SYS_WAIT:
		r = sys_wait(p, (int)tf->rdi, tf->rsi);
		break;
	case SYS_UNAME:
		r = copy_string_out(p, tf->rdi, tf->rsi, KERNEL_NAME);
		break;
	case SYS_EXEC:
		r = sys_spawn_exec(p, 1, tf->rdi, tf->rsi);
		if (r == 0)
			return; /* tf now holds the new program's registers */
		break;
	case SYS_GETARG:
		r = copy_string_out(p, tf->rdi, tf->rsi, p->arg);
		break;
	default:
		r = -1;
	}
	tf->rax = (uint64_t)r;
}
