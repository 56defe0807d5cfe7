/*
 * guestos/proc.c — processes and the scheduler.
 *
 * One kernel stack per process slot; a process's user state is the trap
 * frame at the top of that stack. The scheduler runs on the boot stack and
 * picks RUNNABLE processes round-robin by slot; a process gives up the CPU
 * with swtch() back to it (yield on a timer tick from user mode, sleep,
 * wait, exit). The kernel itself is never preempted: interrupts are off in
 * kernel mode except in the scheduler's idle loop.
 *
 * When no process is left the machine shuts down (machine_shutdown).
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"

struct proc *curproc;
static struct proc procs[NPROC];
static uint8_t kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static uint64_t sched_rsp;
static int next_pid = 1;
static int last_slot = NPROC - 1;

static struct proc *find_pid(int pid)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* Give the CPU back to the scheduler; returns when p runs again. */
static void sched(void)
{
	swtch(&curproc->ctx_rsp, sched_rsp);
}

/* Point p's kernel stack at a fresh user trap frame: swtch to it lands in
 * trapret, which irets to `entry` with RSP = the user stack top. */
static void setup_stack(struct proc *p, uint64_t entry)
{
	uint64_t *sp = (uint64_t *)(p->kstack + KSTACK_SIZE);
	p->tf = (struct trapframe *)sp - 1;
	memset(p->tf, 0, sizeof *p->tf);
	p->tf->rip = entry;
	p->tf->cs = SEL_UCODE;
	p->tf->rflags = 0x202; /* IF */
	p->tf->rsp = USER_STACK_TOP;
	p->tf->ss = SEL_UDATA;
	sp = (uint64_t *)p->tf;
	*--sp = (uint64_t)trapret; /* swtch's ret */
	for (int i = 0; i < 6; i++)
		*--sp = 0;         /* rbp rbx r12 r13 r14 r15 */
	p->ctx_rsp = (uint64_t)sp;
}

/* Create a RUNNABLE process running program `name` with argument `arg`,
 * child of `parent` (0 = none). Returns its pid, or -1 (no such program,
 * bad ELF, no free slot, no memory). */
int proc_spawn(const char *name, const char *arg, int parent)
{
	const struct program *prog = program_find(name);
	if (!prog)
		return -1;
	struct proc *p = NULL;
	for (int i = 0; i < NPROC && !p; i++)
		if (procs[i].state == P_FREE)
			p = &procs[i], p->kstack = kstacks[i];
	if (!p)
		return -1;
	p->pml4 = vm_new_user();
	if (!p->pml4)
		return -1;
	uint64_t entry;
	const char *why;
	if (elf_load(p, prog, &entry, &why) != 0) {
		kprintf("[kernel] cannot run %s: %s\n", name, why);
		vm_free_user(p->pml4);
		return -1;
	}
	p->pid = next_pid++;
	p->parent = parent;
	p->exit_status = 0;
	kstrlcpy(p->name, name, sizeof p->name);
	kstrlcpy(p->arg, arg, sizeof p->arg);
	setup_stack(p, entry);
	p->state = P_RUNNABLE;
	return p->pid;
}

/*
 * Replace the running process p's program with `name`: new address space,
 * fresh registers, stack and heap. Returns 0 (the syscall then returns into
 * the new program) or -1 with p unchanged.
 */
int proc_exec(struct proc *p, const char *name, const char *arg)
{
	const struct program *prog = program_find(name);
	if (!prog)
		return -1;
	struct proc tmp = *p;
	tmp.pml4 = vm_new_user();
	if (!tmp.pml4)
		return -1;
	uint64_t entry;
	const char *why;
	if (elf_load(&tmp, prog, &entry, &why) != 0) {
		kprintf("[kernel] cannot exec %s: %s\n", name, why);
		vm_free_user(tmp.pml4);
		return -1;
	}
	uint64_t *old = p->pml4;
	p->pml4 = tmp.pml4;
	p->prog = tmp.prog;
	memcpy(p->regions, tmp.regions, sizeof p->regions);
	p->nregions = tmp.nregions;
	p->heap_start = tmp.heap_start;
	p->brk = tmp.brk;
	kstrlcpy(p->name, name, sizeof p->name);
	kstrlcpy(p->arg, arg, sizeof p->arg);
	pv_lcr3(V2P(p->pml4));
	vm_free_user(old);
	struct trapframe *tf = p->tf;
	memset(tf, 0, sizeof *tf);
	tf->rip = entry;
	tf->cs = SEL_UCODE;
	tf->rflags = 0x202;
	tf->rsp = USER_STACK_TOP;
	tf->ss = SEL_UDATA;
	return 0;
}

/* Terminate p (the running process): free its memory, orphan its children,
 * become a zombie for a living parent (waking it if it waits), and switch
 * away for good. */
void proc_exit(struct proc *p, int status)
{
	pv_lcr3(vm_kernel_cr3());
	vm_free_user(p->pml4);
	p->pml4 = NULL;
	p->exit_status = status;
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = &procs[i];
		if (c->state != P_FREE && c->parent == p->pid) {
			c->parent = 0;
			if (c->state == P_ZOMBIE)
				c->state = P_FREE;
		}
	}
	struct proc *parent = p->parent ? find_pid(p->parent) : NULL;
	if (parent) {
		p->state = P_ZOMBIE;
		if (parent->state == P_WAITING && parent->wait_for == p->pid)
			parent->state = P_RUNNABLE;
	} else {
		p->state = P_FREE; /* nobody will wait: reap now (we leave its stack below) */
	}
	sched();
	panic("exited process %d ran again", p->pid);
}

/* Print "[kernel] pid N (name) killed: <reason>" and exit p with status -1. */
void proc_kill(struct proc *p, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kprintf("[kernel] pid %d (%s) killed: %s\n", p->pid, p->name, buf);
	proc_exit(p, -1);
}

/* Wait for p's child `pid` to exit; its pid (and *status), or -1 if it is
 * not p's child. */
int proc_wait(struct proc *p, int pid, int *status)
{
	struct proc *c = find_pid(pid);
	if (!c || c->parent != p->pid || c == p)
		return -1;
	while (c->state != P_ZOMBIE) {
		p->state = P_WAITING;
		p->wait_for = pid;
		sched();
	}
	*status = c->exit_status;
	c->state = P_FREE;
	return pid;
}

/* Block p (the running process) for at least `nticks` timer ticks. */
void proc_sleep(struct proc *p, uint64_t nticks)
{
	p->wake_tick = ticks + nticks;
	p->state = nticks ? P_SLEEPING : P_RUNNABLE;
	sched();
}

/* Let the next runnable process run (the caller stays runnable). */
void proc_yield(void)
{
	curproc->state = P_RUNNABLE;
	sched();
}

/* Timer tick: wake the sleepers whose time has come. */
void proc_tick(void)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == P_SLEEPING && ticks >= procs[i].wake_tick)
			procs[i].state = P_RUNNABLE;
}

static struct proc *pick_next(int *live)
{
	*live = 0;
	for (int k = 1; k <= NPROC; k++) {
		int i = (last_slot + k) % NPROC;
		if (procs[i].state != P_FREE && procs[i].state != P_ZOMBIE)
			(*live)++;
	}
	for (int k = 1; k <= NPROC; k++) {
		int i = (last_slot + k) % NPROC;
		if (procs[i].state == P_RUNNABLE) {
			last_slot = i;
			return &procs[i];
		}
	}
	return NULL;
}

/* The scheduler loop, on the boot stack: run processes round-robin; idle
 * with interrupts on when all are blocked; shut down when none is left. */
void scheduler(void)
{
	for (;;) {
		int live;
		struct proc *p = pick_next(&live);
		if (p) {
			curproc = p;
			p->state = P_RUNNING;
			cpu_set_kstack((uint64_t)(p->kstack + KSTACK_SIZE));
			pv_lcr3(V2P(p->pml4));
			swtch(&sched_rsp, p->ctx_rsp);
			curproc = NULL;
			continue;
		}
		if (!live)
			machine_shutdown();
		if (!pv_idle()) /* vmlab --paravirt: sti + hlt in one hypercall */
			__asm__ volatile("sti; hlt; cli" ::: "memory"); /* wait for a tick */
	}
}
