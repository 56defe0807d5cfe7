/*
 * monitor/vmm/mode_swtlb.c — --mmu=swtlb: the lecture's software-managed TLB.
 *
 *   1. app touches VA X, the TLB misses          -> trap to the VMM
 *   2. VMM reflects the miss to kernel A's registered TLB-refill vector
 *      (error code = #PF access bits | VMLAB_PFERR_TLBMISS, CR2 = X): the upcall
 *   3. kernel A walks its own page table (ordinary loads, no exits): X -> PA Y
 *   4. kernel A issues the privileged TLB write (wrmsr VMLAB_MSR_TLB_WRITE,
 *      EDX:EAX = Y | permissions, RDI = X)          -> trap to the VMM
 *   5. VMM maps PA Y -> MA Z through the pmap and installs X -> Z in the TLB
 *   6. kernel A's handler returns (iretq, emulated); the app retries and hits.
 *
 * Only the apps' TLB (the user view) is software-managed. Kernel A's own
 * addresses never miss: as MIPS's kseg0, the swtlb machine has an unmapped
 * kernel segment. At virtual CPL 0, VA VMLAB_SWTLB_KSEG_BASE + PA (PA inside
 * guest RAM) is translated directly to the PA's machine frame: no TLB entry,
 * no walk, no exit (so the refill handler cannot miss on its own code, stack
 * or page tables). guestos keeps all of its memory there (KERNEL_BASE).
 * SIMPLIFICATION: like kseg0 the segment has no per-page protection (kernel
 * A's read-only text is writable through it). Kernel accesses outside the
 * segment (only the boot code's, before it jumps to the higher half; guestos
 * reaches user memory through its own table walk, vm_copyin) go through the
 * TLB as in shadow mode: the hardware walks the shadow table.
 */
#include <string.h>

#include "monitor/vmm/modes.h"

static const char *acc_name(enum cpu_access a)
{
	return a == ACC_WRITE ? "write" : a == ACC_EXEC ? "exec" : "read";
}

/* Kernel A's unmapped segment: MA of va at virtual CPL 0, or MA_NONE if va is not in it. */
static ma_t kseg_ma(const struct vm *vm, va_t va, unsigned cpl)
{
	bool kernel = cpl == 0 || vm->sh.view == TLB_VIEW_KERNEL;
	if (!kernel || va < VMLAB_SWTLB_KSEG_BASE)
		return MA_NONE;
	return shadow_pa_to_ma(&vm->sh.pmap, va - VMLAB_SWTLB_KSEG_BASE);
}

/* The swtlb MMU: the kernel segment untranslated, everything else through the
 * TLB (user misses exit: sw_user); the app's retry traced as the hit it is. */
static enum mmu_result swtlb_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				       unsigned cpl, struct mmu_xlat *out)
{
	struct vm *vm = ctx;
	ma_t kma = kseg_ma(vm, va, cpl);
	if (kma != MA_NONE) {
		out->ma = kma;
		out->cacheable = true;
		out->touch = NULL;
		return MMU_OK;
	}
	enum mmu_result r = mon_shadow_translate(vm, cpu, va, acc, cpl, out);
	struct mon_modes *m = vm->modes;
	if (m->hit_pending && r == MMU_OK && vm->v.cpl == 3 && (va & PAGE_MASK) == m->hit_va) {
		m->hit_pending = false;
		if (MON_TRACING(vm, MON_CAT_TLB)) {
			struct mon_event e = { .has = MON_EV_VA | MON_EV_MA, .va = va, .ma = out->ma };
			mon_trace_emit(vm, MON_CAT_TLB, NULL, "tlb_hit", &e,
				       "TLB hit VA 0x%016llx (%s) -> MA 0x%llx: the retry hits",
				       (unsigned long long)va, acc_name(acc), (unsigned long long)out->ma);
		}
	}
	return r;
}

void mon_swtlb_init(struct vm *vm)
{
	vm->cpu.mmu.translate = swtlb_translate;
	vm->cpu.mmu.ctx = vm;
	cpu_ftlb_flush(&vm->cpu);
}

bool mon_swtlb_miss(struct vm *vm, va_t va, enum cpu_access acc)
{
	struct mon_modes *m = vm->modes;
	if (vm->v.cpl != 3 || m->swtlb_vector >= 0x100)
		return false; /* the kernel's own miss, or no handler registered: the VMM refills */
	uint32_t err = VMLAB_PFERR_TLBMISS | PFERR_U;
	if (acc == ACC_WRITE)
		err |= PFERR_W;
	if (acc == ACC_EXEC && (vm->v.efer & EFER_NXE))
		err |= PFERR_I;
	m->refills++;
	if (MON_TRACING(vm, MON_CAT_TLB)) {
		struct mon_event e = { .has = MON_EV_VA, .va = va };
		mon_trace_emit(vm, MON_CAT_TLB, NULL, "tlb_miss", &e, "TLB miss VA 0x%016llx (%s) -> VMM",
			       (unsigned long long)va, acc_name(acc));
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "upcall", &e,
			       "software-managed TLB: upcall into kernel A's TLB-refill handler "
			       "(vector %u, error 0x%x, CR2 = VA 0x%llx)",
			       m->swtlb_vector, err, (unsigned long long)va);
	}
	vm->v.cr2 = va;
	mon_reflect(vm, (uint8_t)m->swtlb_vector, true, err, false, "TLB refill");
	m->upcall_icount = vm->cpu.icount;
	m->upcall_exits = mon_stats_exits(&vm->stats);
	return true;
}

/* wrmsr VMLAB_MSR_TLB_WRITE: the privileged TLB write, trapped. */
static void tlb_write(struct vm *vm, va_t va, uint64_t entry, unsigned len)
{
	struct mon_modes *m = vm->modes;
	pa_t pa = entry & PTE_ADDR_MASK;
	unsigned perm = TLB_R;
	if (entry & PTE_RW)
		perm |= TLB_W;
	if (entry & PTE_US)
		perm |= TLB_U;
	if (!(entry & PTE_NX))
		perm |= TLB_X;
	m->tlb_writes++;
	bool tr = MON_TRACING(vm, MON_CAT_TLB | MON_CAT_SHADOW);
	if (tr) {
		struct mon_event e = { .has = MON_EV_VA | MON_EV_PA, .va = va, .pa = pa };
		/* this wrmsr's exit is already counted: the handler's others came before it */
		uint64_t exits = mon_stats_exits(&vm->stats) - m->upcall_exits - 1;
		mon_trace_emit(vm, MON_CAT_SHADOW, "kernel", "guest_walk", &e,
			       "kernel A walked its own page table (%llu instructions, %llu exit%s since the upcall): "
			       "VA 0x%llx -> PA 0x%llx",
			       (unsigned long long)(vm->cpu.icount - m->upcall_icount), (unsigned long long)exits,
			       exits == 1 ? "" : "s", (unsigned long long)(va & PAGE_MASK), (unsigned long long)pa);
		char p[16];
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "tlb_write", &e,
			       "privileged TLB write trapped: VA 0x%llx PA 0x%llx %s",
			       (unsigned long long)(va & PAGE_MASK), (unsigned long long)pa, tlb_perm_str(perm, p));
	}
	if (!(entry & PTE_P) || (entry & PTE_RSVD_MASK)) {
		mon_reflect(vm, VEC_GP, true, 0, false, "#GP (TLB write of a bad entry)");
		return;
	}
	ma_t ma = shadow_pa_to_ma(&vm->sh.pmap, pa);
	if (ma == MA_NONE) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1,
			    "TLB write maps VA 0x%llx to PA 0x%llx outside the guest's %llu MiB",
			    (unsigned long long)va, (unsigned long long)pa,
			    (unsigned long long)(vm->cfg.mem_size >> 20));
		return;
	}
	struct tlb_entry e = { .vmid = vm->sh.vmid, .asid = shadow_asid(&vm->sh), .view = TLB_VIEW_USER,
			       .perm = (uint8_t)perm, .va = va & PAGE_MASK, .ma = ma, .pa = pa };
	struct tlb_insert_result r;
	struct tlb_entry *slot = tlb_insert(vm->tlb, &e, vm->cpu.icount, &r);
	if (!slot) {
		mon_reflect(vm, VEC_GP, true, 0, false, "#GP (TLB write of a bad VA)");
		return;
	}
	/* The app's instruction has not retired: what the handler installs for it
	 * must survive the handler's own translations and the next upcalls
	 * (unpinned when the app retires an instruction, mon_vm_account). */
	tlb_pin(vm->tlb, slot);
	vm->cpu.rip += len;
	vm->stats.shadow_fills++; /* one VA -> MA installed for the guest, like a fill */
	m->hit_pending = true;
	m->hit_va = va & PAGE_MASK;
	if (tr) {
		char p[16];
		struct mon_event f = { .has = MON_EV_PA | MON_EV_MA, .pa = pa, .ma = ma };
		mon_trace_emit(vm, MON_CAT_SHADOW, "VMM", "pmap", &f, "pmap PA 0x%llx -> MA 0x%llx",
			       (unsigned long long)pa, (unsigned long long)ma);
		struct mon_event g = { .has = MON_EV_VA | MON_EV_MA | MON_EV_SETWAY, .va = e.va, .ma = ma,
				       .set = (int)r.slot.set, .way = (int)r.slot.way };
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "tlb_install", &g,
			       "TLB install VA 0x%llx -> MA 0x%llx [set %u way %u] %s (X -> Z, not X -> Y)",
			       (unsigned long long)e.va, (unsigned long long)ma, r.slot.set, r.slot.way,
			       tlb_perm_str(perm, p));
		mon_trace_emit(vm, MON_CAT_TLB, "VMM", "resume", NULL,
			       "-> kernel A resumes after the TLB write; its handler returns");
	}
}

bool mon_swtlb_wrmsr(struct vm *vm, uint32_t msr, uint64_t val, unsigned len)
{
	struct mon_modes *m = vm->modes;
	if (msr == VMLAB_MSR_SWTLB_VECTOR) {
		m->swtlb_vector = (val & VMLAB_SWTLB_ENABLE) ? (unsigned)(val & 0xff) : 0x100;
		vm->sh.sw_user = m->swtlb_vector < 0x100; /* from now on app misses go to the handler */
		if (MON_TRACING(vm, MON_CAT_VM))
			mon_trace_emit(vm, MON_CAT_VM, "VMM", "swtlb", NULL,
				       "software-managed TLB: kernel A's refill handler %s vector %u",
				       m->swtlb_vector < 0x100 ? "registered at" : "removed from",
				       (unsigned)(val & 0xff));
		vm->cpu.rip += len;
		return true;
	}
	if (msr == VMLAB_MSR_TLB_WRITE) {
		tlb_write(vm, vm->cpu.gpr[RDI], val, len);
		return true;
	}
	return false;
}
