/*
 * monitor/vmm/access.c — what a debugger changes: guest memory by VA, PA and
 * MA, and the registers as the guest believes them (the gdb stub, the
 * console, tests).
 *
 * Memory writes take the path of the monitor's own writes (shadow_write_pa):
 * a changed entry of a guest page-table page drops the shadow and TLB entries
 * it governs, and the CPU forgets pre-decoded code there. Nothing is traced:
 * a debugger's writes are not guest events.
 */
#include <string.h>

#include "monitor/vmm/vm.h"

/* Bytes of [addr, addr + left) that lie in addr's page. */
static size_t in_page(uint64_t addr, size_t left)
{
	size_t n = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
	return n < left ? n : left;
}

size_t mon_write_pa(struct vm *vm, pa_t pa, const void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		size_t n = in_page(pa + done, len - done);
		const uint8_t *src = (const uint8_t *)buf + done;
		mon_watch_vmm_write(vm, pa + done, n);
		if (vm->bare) {
			if (pa + done >= vm->ram_size || n > vm->ram_size - (pa + done))
				break;
			memcpy(vm->ram + pa + done, src, n);
			cpu_code_written(&vm->cpu, pa + done, n);
		} else {
			struct shadow_ptw_rec rec;
			if (shadow_write_pa(&vm->sh, pa + done, src, n, &rec))
				break;
		}
		done += n;
	}
	return done;
}

size_t mon_write_ma(struct vm *vm, ma_t ma, const void *buf, size_t len)
{
	if (vm->bare)
		return mon_write_pa(vm, ma, buf, len);
	size_t done = 0;
	while (done < len) {
		/* only this VM's own frames: shadow tables and other VMs' memory are the VMM's */
		if (shadow_mframe_owner(vm->mf, ma + done) != vm->vmid)
			break;
		pa_t pa = shadow_ma_to_pa(&vm->sh.pmap, ma + done);
		size_t n = in_page(ma + done, len - done);
		if (pa == PA_NONE || mon_write_pa(vm, pa, (const uint8_t *)buf + done, n) != n)
			break;
		done += n;
	}
	return done;
}

size_t mon_write_va(struct vm *vm, va_t va, const void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		pa_t pa;
		if (!mon_va_to_pa(vm, va + done, &pa))
			break;
		size_t n = in_page(va + done, len - done);
		if (mon_write_pa(vm, pa, (const uint8_t *)buf + done, n) != n)
			break;
		done += n;
	}
	return done;
}

/* The guest believes CS and SS carry its virtual CPL; the real ones always say 3. */
static uint16_t guest_sel(const struct vm *vm, enum cpu_segreg s)
{
	uint16_t sel = vm->cpu.seg[s].sel;
	if ((s == SEG_CS || s == SEG_SS) && sel)
		sel = (uint16_t)((sel & ~3u) | vm->v.cpl);
	return sel;
}

void mon_vm_get_regs(const struct vm *vm, struct mon_regs *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->gpr, vm->cpu.gpr, sizeof r->gpr);
	r->rip = vm->cpu.rip;
	r->rflags = mon_vm_guest_rflags(vm);
	for (unsigned s = 0; s < 6; s++)
		r->seg[s] = guest_sel(vm, (enum cpu_segreg)s);
	r->fs_base = vm->cpu.seg[SEG_FS].base;
	r->gs_base = vm->cpu.seg[SEG_GS].base;
	r->kernel_gs_base = vm->v.kernel_gs_base;
	r->cr0 = vm->v.cr0;
	r->cr2 = vm->v.cr2;
	r->cr3 = vm->v.cr3;
	r->cr4 = vm->v.cr4;
	r->efer = vm->v.efer;
}

int mon_vm_set_regs(struct vm *vm, const struct mon_regs *r, char *err, size_t errlen)
{
	struct mon_regs now;
	mon_vm_get_regs(vm, &now);
	/* Only what the guest could change with ordinary instructions is writable: the
	 * rest (CRs, EFER, selectors) the VMM emulates and the shadow follows. */
	if (memcmp(r->seg, now.seg, sizeof now.seg) || r->cr0 != now.cr0 || r->cr2 != now.cr2 ||
	    r->cr3 != now.cr3 || r->cr4 != now.cr4 || r->efer != now.efer ||
	    r->kernel_gs_base != now.kernel_gs_base) {
		snprintf(err, errlen, "only the general registers, RIP, RFLAGS and the FS/GS bases can be written");
		return -1;
	}
	if (r->rip != now.rip && (vm->pending_fill || vm->ptw_pending)) {
		snprintf(err, errlen, "a TLB miss is half handled: finish it before moving RIP");
		return -1;
	}
	memcpy(vm->cpu.gpr, r->gpr, sizeof r->gpr);
	vm->cpu.rip = r->rip;
	vm->cpu.seg[SEG_FS].base = vm->v.fs_base = r->fs_base;
	vm->cpu.seg[SEG_GS].base = vm->v.gs_base = r->gs_base;
	/* real IF and IOPL stay the VMM's; the guest's IF is the virtual one */
	uint64_t keep = RFLAGS_IF | RFLAGS_IOPL;
	cpu_set_rflags(&vm->cpu, (r->rflags & ~keep) | (cpu_get_rflags(&vm->cpu) & keep) | RFLAGS_FIXED);
	vm->v.iflag = (r->rflags & RFLAGS_IF) != 0;
	return 0;
}
