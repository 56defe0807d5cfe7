/*
 * guestos/trap.c — what happens on an interrupt or exception: the timer
 * tick (preempts a user process), demand-paging faults, faults that kill a
 * user process with a one-line message, and the panic path for anything the
 * kernel itself did wrong.
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"

#define DEBUG_EXIT_PORT 0xf4

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
	"page fault", "reserved 15", "x87 floating-point error", "alignment check",
	"machine check", "SIMD floating-point error", "virtualization exception",
	"control protection exception", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "hypervisor injection",
	"VMM communication", "security exception", "reserved 31",
};

static void dump_regs(const struct trapframe *tf)
{
	kprintf("  vector %lu error 0x%lx rip 0x%016lx cs 0x%lx rflags 0x%lx\n", tf->vector,
		tf->error, tf->rip, tf->cs, tf->rflags);
	kprintf("  rsp 0x%016lx ss 0x%lx cr2 0x%016lx cr3 0x%016lx\n", tf->rsp, tf->ss, rcr2(),
		rcr3());
	kprintf("  rax 0x%016lx rbx 0x%016lx rcx 0x%016lx rdx 0x%016lx\n", tf->rax, tf->rbx,
		tf->rcx, tf->rdx);
	kprintf("  rsi 0x%016lx rdi 0x%016lx rbp 0x%016lx r8  0x%016lx\n", tf->rsi, tf->rdi,
		tf->rbp, tf->r8);
	kprintf("  r9  0x%016lx r10 0x%016lx r11 0x%016lx r12 0x%016lx\n", tf->r9, tf->r10,
		tf->r11, tf->r12);
	kprintf("  r13 0x%016lx r14 0x%016lx r15 0x%016lx\n", tf->r13, tf->r14, tf->r15);
}

static void __attribute__((noreturn)) halt_failed(void)
{
	outb(DEBUG_EXIT_PORT, 1); /* QEMU: exit status 3; vmlab: status 3 too */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Print the cause, the trap frame's registers and CR2, and stop the machine. */
void panic_tf(struct trapframe *tf, const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kprintf("[kernel] PANIC: %s\n", buf);
	if (tf)
		dump_regs(tf);
	halt_failed();
}

/* Panic without a trap frame: the cause, CR2, CR3 and the caller's RSP. */
void panic(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	uint64_t rsp;
	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	kprintf("[kernel] PANIC: %s\n", buf);
	kprintf("  rsp 0x%016lx cr2 0x%016lx cr3 0x%016lx\n", rsp, rcr2(), rcr3());
	halt_failed();
}

/* A user page fault: map the page (demand paging / swap-in) or kill. */
static void user_page_fault(struct trapframe *tf)
{
	uint64_t va = rcr2();
	int write = (tf->error & 2) != 0, exec = (tf->error & 16) != 0;
	const char *why = "";
	if (tf->error & 1) /* present: a protection violation, never demand paging */
		why = va >= USER_TOP ? "kernel address" : exec ? "non-executable page" : write ? "read-only page" : "protected page";
	else if (vm_fault(curproc, va, write, &why) == 0)
		return;
	const char *access = exec ? "execute at" : write ? "write to" : "read of";
	proc_kill(curproc, "page fault: %s %s 0x%lx", access, why, va);
}

static void user_exception(struct trapframe *tf)
{
	switch (tf->vector) {
	case 14:
		user_page_fault(tf);
		return;
	case 13:
		proc_kill(curproc, "general protection fault (privileged instruction or bad access)");
	case 6:
		proc_kill(curproc, "invalid opcode");
	case 0:
		proc_kill(curproc, "divide error");
	default:
		proc_kill(curproc, "%s (exception %lu)", exc_names[tf->vector], tf->vector);
	}
}

/* Called by alltraps with interrupts disabled. */
void trap(struct trapframe *tf)
{
	int from_user = (tf->cs & 3) == 3;
	if (tf->vector == 14 && (tf->error & VMLAB_PFERR_TLBMISS) && swtlb_refill(tf))
		return; /* vmlab --mmu=swtlb: an app TLB miss, refilled (swtlb.c) */
	if (tf->vector == VEC_IRQ0) {
		ticks++;
		pic_eoi(0);
		proc_tick();
		if (from_user && curproc)
			proc_yield();
		return;
	}
	if (tf->vector >= VEC_IRQ0 && tf->vector < VEC_IRQ0 + 16) {
		int irq = (int)(tf->vector - VEC_IRQ0);
		if (irq == 15)
			pic_eoi(0);       /* spurious on the slave: EOI the master only */
		else if (irq != 7)
			pic_eoi(irq);     /* masked lines should not fire; 7 is spurious */
		return;
	}
	if (from_user && curproc) {
		user_exception(tf);
		return;
	}
	panic_tf(tf, "%s in kernel mode", tf->vector < 32 ? exc_names[tf->vector] : "unknown trap");
}
