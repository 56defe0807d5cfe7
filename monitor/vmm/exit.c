/*
 * monitor/vmm/exit.c — what the monitor does with each exit of the CPU.
 *
 *   SENSITIVE  emulate on the virtual CPU (emulate_sys.c, emulate_io.c)
 *   IO         the same (only seen if the core lets I/O run at this CPL)
 *   EXCEPTION  reflect into the guest kernel through its IDT (reflect.c),
 *              except the segment loads of a deprivileged guest kernel
 *   TLB_MISS   shadow fill (mmu.c)
 *   HLT        cannot happen at real CPL 3; treated like an emulated hlt
 *   TRIPLE_FAULT, UNSUPPORTED: clean stop
 */
#include <string.h>

#include "monitor/vmm/modes.h"
#include "monitor/vmm/vm.h"

static void trace_exit(struct vm *vm)
{
	const struct cpu_exit *e = &vm->cpu.exit;
	/* the bare core has no monitor: it stopped for the device model, nothing exited */
	if (!MON_TRACING(vm, MON_CAT_EXIT) || e->reason == CPU_EXIT_TLB_MISS || vm->bare)
		return;
	struct mon_event f; /* (not = {...}: that zeroes 300 bytes on every exit) */
	mon_event_fields(&f, MON_EV_VA);
	f.va = vm->cpu.rip;
	if (e->reason == CPU_EXIT_SENSITIVE || e->reason == CPU_EXIT_IO)
		mon_trace_emit(vm, MON_CAT_EXIT, NULL, "exit", &f, "exit: %s at RIP 0x%llx -> VMM",
			       cpu_sens_op_name(e->sens.op), (unsigned long long)vm->cpu.rip);
	else if (e->reason == CPU_EXIT_EXCEPTION)
		mon_trace_emit(vm, MON_CAT_EXIT, NULL, "exit", &f, "exit: %s at RIP 0x%llx -> VMM",
			       cpu_vector_name(e->vector), (unsigned long long)vm->cpu.rip);
}

/*
 * The guest kernel, deprivileged to real CPL 3, loads its own DPL-0 segment
 * selectors (mov to DS/ES/SS/FS/GS, lretq to its code selector); real x86
 * answers #GP(selector). Emulate those few forms at virtual CPL 0.
 * SIMPLIFICATION: only the register form of mov-to-Sreg and lret/lretq are
 * recognised; the selector is taken as the guest gives it (flat 64-bit
 * segments, bases of FS/GS untouched). Returns true if emulated.
 */
static bool emulate_seg_load(struct vm *vm)
{
	struct cpu *cpu = &vm->cpu;
	uint8_t b[4];
	if (mon_read_va(vm, cpu->rip, b, sizeof b) < 2)
		return false;
	unsigned i = 0, rex = 0;
	bool o16 = false;
	while (i < 2 && (b[i] == 0x66 || (b[i] & 0xf0) == 0x40)) {
		if (b[i] == 0x66)
			o16 = true;
		else
			rex = b[i];
		i++;
	}
	(void)o16;
	if (b[i] == 0x8e && i + 1 < sizeof b && (b[i + 1] >> 6) == 3) {
		unsigned sr = (b[i + 1] >> 3) & 7, rm = (b[i + 1] & 7) | ((rex & 1) << 3);
		if (sr == SEG_CS || sr > SEG_GS)
			return false;
		cpu->seg[sr].sel = (uint16_t)cpu->gpr[rm];
		if (sr != SEG_FS && sr != SEG_GS)
			cpu->seg[sr].base = 0;
		cpu->rip += i + 2;
		return true;
	}
	if (b[i] == 0xcb) {
		unsigned sz = (rex & 8) ? 8 : 4;
		uint64_t rip = 0, cs = 0;
		uint32_t pf;
		if (!mon_guest_rw(vm, cpu->gpr[RSP], &rip, sz, false, &pf) ||
		    !mon_guest_rw(vm, cpu->gpr[RSP] + sz, &cs, sz, false, &pf))
			return false;
		if ((cs & 3) != 0)
			return false; /* a return to user mode by lret: let the guest see #GP */
		cpu->gpr[RSP] += 2 * sz;
		cpu->rip = rip;
		cpu->seg[SEG_CS].sel = (uint16_t)cs;
		return true;
	}
	return false;
}

static void exception(struct vm *vm)
{
	const struct cpu_exit *e = &vm->cpu.exit;
	if (e->vector == VEC_GP && vm->v.cpl == 0 && emulate_seg_load(vm)) {
		if (MON_TRACING(vm, MON_CAT_EXIT))
			mon_trace_emit(vm, MON_CAT_EXIT, "VMM", "emulate", NULL,
				       "emulate segment load (kernel runs deprivileged): CS 0x%x SS 0x%x",
				       vm->cpu.seg[SEG_CS].sel, vm->cpu.seg[SEG_SS].sel);
		return;
	}
	if (e->vector == VEC_PF)
		vm->v.cr2 = e->va;
	char why[48];
	snprintf(why, sizeof why, "%s", cpu_vector_name(e->vector));
	mon_reflect(vm, e->vector, e->has_error, e->error, e->soft, why);
}

static void exit_dispatch(struct vm *vm)
{
	struct cpu *cpu = &vm->cpu;
	const struct cpu_exit *e = &cpu->exit;
	trace_exit(vm);
	switch (e->reason) {
	case CPU_EXIT_SENSITIVE:
	case CPU_EXIT_IO:
		mon_emulate_sens(vm);
		break;
	case CPU_EXIT_EXCEPTION:
		exception(vm);
		break;
	case CPU_EXIT_TLB_MISS:
		if (mon_modes_miss(vm, e->va, e->access)) { /* swtlb upcall, nested EPT violation */
			vm->stats.miss_kinds[vm->stopped ? MON_MK_STOP : MON_MK_UPCALL]++;
			break;
		}
		if (vm->miss_phases) { /* the console steps it: one phase per mon_vm_step */
			mon_miss_begin(vm, e->va, e->access);
			break;
		}
		mon_handle_miss(vm, e->va, e->access);
		break;
	case CPU_EXIT_HLT: /* bare core only: RIP is past the hlt */
		mon_hlt_wait(vm);
		break;
	case CPU_EXIT_TRIPLE_FAULT:
		mon_vm_halt(vm, MON_STOP_TRIPLE_FAULT, 1, "triple fault at RIP 0x%llx",
			    (unsigned long long)cpu->rip);
		break;
	case CPU_EXIT_UNSUPPORTED: {
		char bytes[64] = "";
		size_t p = 0;
		for (unsigned i = 0; i < e->nbytes && i < 15 && p + 4 < sizeof bytes; i++)
			p += (size_t)snprintf(bytes + p, sizeof bytes - p, " %02x", e->bytes[i]);
		mon_vm_halt(vm, MON_STOP_UNSUPPORTED, 1, "unimplemented instruction at RIP 0x%llx:%s",
			    (unsigned long long)cpu->rip, bytes);
		break;
	}
	default:
		break;
	}
}

/* One exit; re-entry would be a monitor bug (unbounded recursion on a guest's
 * say-so), so it stops the VM instead. */
static void exit_once(struct vm *vm)
{
	if (vm->in_exit) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "monitor error: exit handling re-entered at RIP 0x%llx",
			    (unsigned long long)vm->cpu.rip);
		return;
	}
	vm->in_exit = true;
	exit_dispatch(vm);
	vm->in_exit = false;
}

void mon_exit_drain(struct vm *vm)
{
	while (vm->exit_pending && !vm->stopped && !vm->pending_fill) {
		vm->exit_pending = false;
		exit_once(vm);
	}
	if (vm->stopped)
		vm->exit_pending = false;
}

void mon_exit_handle(struct vm *vm)
{
	vm->exit_pending = false;
	exit_once(vm);
	mon_exit_drain(vm);
}
