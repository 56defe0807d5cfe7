/*
 * monitor/vmm/reflect.c — crossing between guest user mode and the guest kernel.
 *
 * The guest kernel and its apps both run at real CPL 3; the monitor keeps the
 * virtual CPL (0 or 3). Exceptions, interrupts and syscalls are reflected into
 * the guest kernel through ITS IDT (64-bit gates, TSS RSP0/IST stacks) or ITS
 * LSTAR; iretq and sysret come back through the monitor. A user -> kernel
 * reflection that returns to user mode is one round trip.
 *
 * SIMPLIFICATION: the monitor's own accesses to guest memory (IDT gates, the
 * TSS, interrupt stack frames) walk the guest page table directly (A/D bits
 * set as hardware does) instead of going through the simulated TLB.
 */
#include <string.h>

#include "monitor/vmm/vm.h"

#define GATE_INTR 0xe
#define GATE_TRAP 0xf

void mon_set_vcpl(struct vm *vm, unsigned cpl)
{
	if (vm->v.cpl == cpl)
		return;
	mon_vm_account(vm);
	vm->v.cpl = cpl;
	shadow_set_view(&vm->sh, cpl == 3 ? TLB_VIEW_USER : TLB_VIEW_KERNEL);
	mon_vm_set_who(vm);
}

/* One page-bounded piece of a guest access. */
static bool guest_rw_page(struct vm *vm, va_t va, uint8_t *buf, size_t n, bool write,
			  uint32_t *pf_err)
{
	struct shadow_walk w;
	shadow_walk_begin(&w, vm->v.cr3 & CR3_ADDR_MASK, va, write ? ACC_WRITE : ACC_READ,
			  shadow_walk_flags(&vm->sh, TLB_VIEW_KERNEL));
	if (shadow_walk_run(&w, &vm->sh.pmap) != SHADOW_WALK_OK) {
		*pf_err = w.err;
		return false;
	}
	vm->stats.walk_refs += w.nrefs;
	if (!write)
		return shadow_pmap_read(&vm->sh.pmap, w.pa, buf, n);
	mon_watch_vmm_write(vm, w.pa, n);
	if (shadow_is_pt_page(&vm->sh, w.pa)) {
		for (size_t i = 0; i < n; i++) {
			struct shadow_ptw_rec rec;
			if (shadow_ptwrite_emulate(&vm->sh, w.pa + i, buf[i], 1, &rec))
				return false;
			vm->stats.pt_writes += rec.nchanged;
		}
		return true;
	}
	if (!shadow_pmap_write(&vm->sh.pmap, w.pa, buf, n))
		return false;
	cpu_code_written(&vm->cpu, shadow_pa_to_ma(&vm->sh.pmap, w.pa), n);
	return true;
}

bool mon_guest_rw(struct vm *vm, va_t va, void *buf, size_t len, bool write, uint32_t *pf_err)
{
	uint8_t *p = buf;
	*pf_err = 0;
	while (len) {
		size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (n > len)
			n = len;
		if (!guest_rw_page(vm, va, p, n, write, pf_err)) {
			vm->v.cr2 = va;
			return false;
		}
		va += n;
		p += n;
		len -= n;
	}
	return true;
}

/* Read a 64-bit field of the guest TSS (RSP0 at 4, IST1 at 0x24). */
static bool tss_read(struct vm *vm, unsigned off, uint64_t *v)
{
	uint32_t e;
	return vm->cpu.tr_base && mon_guest_rw(vm, vm->cpu.tr_base + off, v, 8, false, &e);
}

/* Deliver one vector; returns false if delivery itself faulted (*vec_err: the new exception). */
static bool deliver(struct vm *vm, uint8_t vector, bool has_error, uint32_t error, bool soft,
		    uint8_t *nvec, uint32_t *nerr)
{
	struct cpu *cpu = &vm->cpu;
	uint64_t gate[2];
	uint32_t pf;
	*nerr = (uint32_t)vector * 8 + 2 + (soft ? 0 : 1); /* IDT bit, EXT for events not from int n */
	*nvec = VEC_GP;
	if ((uint32_t)vector * 16 + 15 > vm->v.idtr.limit)
		return false;
	if (!mon_guest_rw(vm, vm->v.idtr.base + (uint64_t)vector * 16, gate, 16, false, &pf)) {
		*nvec = VEC_PF;
		*nerr = pf;
		return false;
	}
	unsigned type = (unsigned)(gate[0] >> 40) & 0xf, dpl = (unsigned)(gate[0] >> 45) & 3;
	bool present = (gate[0] >> 47) & 1;
	if (type != GATE_INTR && type != GATE_TRAP)
		return false;
	if (soft && dpl < vm->v.cpl)
		return false;
	if (!present) {
		*nvec = VEC_NP;
		return false;
	}
	uint64_t target = (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000ull) | (gate[1] << 32);
	uint16_t sel = (uint16_t)(gate[0] >> 16);
	unsigned ist = (unsigned)(gate[0] >> 32) & 7;
	uint64_t rsp = cpu->gpr[RSP];
	bool to_kernel = vm->v.cpl == 3;
	if (ist) {
		if (!tss_read(vm, 0x24 + 8 * (ist - 1), &rsp))
			return false;
	} else if (to_kernel && !tss_read(vm, 4, &rsp)) {
		*nvec = VEC_TS;
		*nerr = vm->v.tr & 0xfffc;
		return false;
	}
	rsp &= ~0xfull;
	uint64_t frame[6];
	unsigned n = 0;
	if (has_error)
		frame[n++] = error;
	frame[n++] = cpu->rip;
	frame[n++] = cpu->seg[SEG_CS].sel;
	frame[n++] = mon_vm_guest_rflags(vm);
	frame[n++] = cpu->gpr[RSP];
	frame[n++] = cpu->seg[SEG_SS].sel;
	rsp -= 8 * n;
	if (!mon_guest_rw(vm, rsp, frame, 8 * n, true, &pf)) {
		*nvec = VEC_PF;
		*nerr = pf;
		return false;
	}
	cpu->gpr[RSP] = rsp;
	cpu->rip = target;
	cpu->seg[SEG_CS].sel = sel;
	if (to_kernel)
		cpu->seg[SEG_SS].sel = 0;
	if (type == GATE_INTR)
		vm->v.iflag = false;
	cpu_set_rflags(cpu, cpu_get_rflags(cpu) & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF));
	if (to_kernel) {
		vm->in_reflection = true;
		mon_set_vcpl(vm, 0);
	}
	return true;
}

/* Exception classes of the SDM's double-fault table (Vol. 3, 6.15). */
static bool contributory(uint8_t v)
{
	return v == VEC_DE || v == VEC_TS || v == VEC_NP || v == VEC_SS || v == VEC_GP;
}

/* Delivering `first` raised `second`: is that a double fault? */
static bool double_fault(uint8_t first, bool first_is_exception, uint8_t second)
{
	if (!first_is_exception)
		return false; /* an interrupt or int n: the new exception is simply delivered */
	if (contributory(first))
		return contributory(second);
	if (first == VEC_PF)
		return contributory(second) || second == VEC_PF;
	return false;
}

/*
 * Reflect vector into the guest kernel through its IDT. If delivery itself
 * faults, x86's rules apply: the new exception is delivered instead, or
 * becomes #DF (a contributory fault while delivering a contributory fault or
 * #PF), and a fault while delivering #DF is a triple fault (clean stop).
 * `soft`: int n / int3 from a sensitive exit, RIP already past it (gate DPL
 * checked); `why` names it in the trace.
 */
void mon_reflect(struct vm *vm, uint8_t vector, bool has_error, uint32_t error, bool soft,
		 const char *why)
{
	bool from_user = vm->v.cpl == 3;
	char from[MON_WHO_MAX];
	snprintf(from, sizeof from, "%s", vm->who);
	bool exception = !soft && vector < 32;
	vm->stats.reflections++;
	for (int tries = 0; tries < 3; tries++) {
		uint8_t nvec;
		uint32_t nerr;
		if (deliver(vm, vector, has_error, error, soft, &nvec, &nerr))
			break;
		if (soft) /* int n faulted: the new exception points at the int instruction */
			vm->cpu.rip -= vm->cpu.exit.sens.len;
		if (vector == VEC_DF) {
			mon_vm_halt(vm, MON_STOP_TRIPLE_FAULT, 1,
				    "triple fault: delivering %s (vector %u) through the guest IDT failed",
				    cpu_vector_name(vector), vector);
			return;
		}
		if (double_fault(vector, exception, nvec)) {
			nvec = VEC_DF;
			nerr = 0;
			why = "double fault";
		} else {
			why = cpu_vector_name(nvec);
		}
		vector = nvec;
		error = nerr;
		has_error = true;
		soft = false;
		exception = true;
	}
	if (vm->stopped)
		return;
	if (MON_TRACING(vm, MON_CAT_FAULT)) {
		struct mon_event f = { .has = MON_EV_VALUE, .value = vm->cpu.rip };
		mon_trace_emit(vm, MON_CAT_FAULT, "VMM", "reflect", &f,
			       "reflect %s (vector %u%s) from %s into kernel IDT -> kernel RIP 0x%llx%s",
			       why, vector, has_error ? ", error" : "", from,
			       (unsigned long long)vm->cpu.rip, from_user ? " (round trip opens)" : "");
	}
}

void mon_reflect_syscall(struct vm *vm, unsigned len)
{
	struct cpu *cpu = &vm->cpu;
	if (!(vm->v.efer & EFER_SCE)) {
		mon_reflect(vm, VEC_UD, false, 0, false, "#UD (syscall with EFER.SCE clear)");
		return;
	}
	char from[MON_WHO_MAX];
	snprintf(from, sizeof from, "%s", vm->who);
	uint64_t nr = cpu->gpr[RAX];
	cpu->gpr[RCX] = cpu->rip + len;
	cpu->gpr[R11] = mon_vm_guest_rflags(vm);
	uint64_t mask = vm->v.fmask;
	if (mask & RFLAGS_IF)
		vm->v.iflag = false;
	cpu_set_rflags(cpu, (cpu_get_rflags(cpu) & ~mask) | RFLAGS_FIXED);
	uint16_t ksel = (uint16_t)(vm->v.star >> 32);
	cpu->seg[SEG_CS].sel = ksel & 0xfffc;
	cpu->seg[SEG_SS].sel = (uint16_t)((ksel + 8) & 0xfffc);
	cpu->rip = vm->v.lstar;
	vm->stats.syscalls++;
	vm->stats.reflections++;
	if (vm->v.cpl == 3)
		vm->in_reflection = true;
	mon_set_vcpl(vm, 0);
	if (MON_TRACING(vm, MON_CAT_SYSCALL)) {
		struct mon_event f = { .has = MON_EV_VALUE, .value = nr };
		mon_trace_emit(vm, MON_CAT_SYSCALL, "VMM", "syscall", &f,
			       "syscall %llu from %s -> kernel LSTAR 0x%llx (round trip opens)",
			       (unsigned long long)nr, from, (unsigned long long)vm->v.lstar);
	}
}

/* Back to user mode: count the round trip and trace it. */
static void returned(struct vm *vm, const char *how)
{
	if (vm->v.cpl == 3 && vm->in_reflection) {
		vm->in_reflection = false;
		vm->stats.round_trips++;
		if (MON_TRACING(vm, MON_CAT_EXIT | MON_CAT_SYSCALL))
			mon_trace_emit(vm, MON_CAT_SYSCALL, "VMM", "return", NULL,
				       "%s -> %s RIP 0x%llx (round trip %llu closes)", how, vm->who,
				       (unsigned long long)vm->cpu.rip,
				       (unsigned long long)vm->stats.round_trips);
	}
}

void mon_emulate_iretq(struct vm *vm)
{
	struct cpu *cpu = &vm->cpu;
	uint64_t f[5];
	uint32_t pf;
	if (!mon_guest_rw(vm, cpu->gpr[RSP], f, sizeof f, false, &pf)) {
		mon_reflect(vm, VEC_PF, true, pf, false, "#PF (iretq frame)");
		return;
	}
	unsigned ncpl = (unsigned)f[1] & 3;
	if (ncpl < vm->v.cpl || (ncpl != 0 && ncpl != 3)) {
		mon_reflect(vm, VEC_GP, true, (uint32_t)f[1] & 0xfffc, false, "#GP (iretq)");
		return;
	}
	uint64_t keep = RFLAGS_IF | RFLAGS_IOPL;
	uint64_t nf = (f[2] & ~keep & 0x3f7fd7ull) | RFLAGS_FIXED;
	cpu_set_rflags(cpu, nf | (cpu_get_rflags(cpu) & keep));
	if (vm->v.cpl == 0)
		vm->v.iflag = f[2] & RFLAGS_IF;
	cpu->rip = f[0];
	cpu->seg[SEG_CS].sel = (uint16_t)f[1];
	cpu->gpr[RSP] = f[3];
	cpu->seg[SEG_SS].sel = (uint16_t)f[4];
	mon_set_vcpl(vm, ncpl);
	returned(vm, "iretq");
}

void mon_emulate_sysret(struct vm *vm, unsigned opsize)
{
	struct cpu *cpu = &vm->cpu;
	if (opsize != 8) {
		mon_vm_halt(vm, MON_STOP_UNSUPPORTED, 1,
			    "sysret to 32-bit compatibility mode is not supported (RIP 0x%llx)",
			    (unsigned long long)cpu->rip);
		return;
	}
	uint16_t usel = (uint16_t)(vm->v.star >> 48);
	cpu->rip = cpu->gpr[RCX];
	uint64_t nf = (cpu->gpr[R11] & 0x3c7fd7ull & ~(RFLAGS_RF | RFLAGS_IF | RFLAGS_IOPL)) | RFLAGS_FIXED;
	cpu_set_rflags(cpu, nf | (cpu_get_rflags(cpu) & (RFLAGS_IF | RFLAGS_IOPL)));
	vm->v.iflag = cpu->gpr[R11] & RFLAGS_IF;
	cpu->seg[SEG_CS].sel = (uint16_t)((usel + 16) | 3);
	cpu->seg[SEG_SS].sel = (uint16_t)((usel + 8) | 3);
	mon_set_vcpl(vm, 3);
	returned(vm, "sysret");
}
