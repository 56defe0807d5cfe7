/*
 * monitor/vmm/progress.c — the progress guard: the same instruction exiting
 * again and again without retiring stops the VM with an explained reason.
 *
 * It is a backstop. Each instruction is meant to make progress by itself
 * (TLB victims never an entry the instruction uses, swtlb pins, string
 * instructions counted in pieces); what is left is a guest whose own kernel
 * never lets an instruction finish (a fault handler that returns to the
 * faulting instruction unchanged, a swtlb refill handler that installs the
 * wrong page), or a set too small for an app instruction and its refill
 * handler together (modes.c). Without the guard such a VM spins until
 * --max-insns (default 10^10, hours); with it, it stops after
 * MON_PROGRESS_EXITS exits.
 *
 * "Retired" is counted per virtual CPL: under swtlb the kernel's refill
 * handler retires instructions on every round while the app's instruction
 * never does. RCX is part of the instruction's identity so that a rep
 * ins/outs, which exits once per element, is progress.
 */
#include "monitor/vmm/vm.h"

void mon_progress_exit(struct vm *vm, unsigned cpl, uint64_t rip, uint64_t rcx)
{
	bool user = cpl == 3;
	struct mon_progress *p = &vm->progress[user];
	uint64_t insns = user ? vm->stats.insns_user : vm->stats.insns_kernel;
	if (p->rip != rip || p->rcx != rcx || p->insns != insns) {
		p->rip = rip;
		p->rcx = rcx;
		p->insns = insns;
		p->same = 0;
		return;
	}
	if (++p->same < MON_PROGRESS_EXITS)
		return;
	mon_vm_halt(vm, MON_STOP_NO_PROGRESS, 1,
		    "no progress: the %s instruction at RIP 0x%llx exited %u times in a row without "
		    "retiring (its translations or its fault never resolved)",
		    user ? "guest user" : "guest kernel", (unsigned long long)rip, MON_PROGRESS_EXITS);
}
