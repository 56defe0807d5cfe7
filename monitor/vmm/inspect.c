/*
 * monitor/vmm/inspect.c — side-effect-free views of a VM for the console and
 * tests: VA -> PA -> MA translation, memory by VA / PA / MA.
 */
#include <string.h>

#include "monitor/vmm/vm.h"

bool mon_pa_to_ma(struct vm *vm, pa_t pa, ma_t *ma)
{
	if (vm->bare) {
		if (pa >= vm->ram_size)
			return false;
		*ma = pa;
		return true;
	}
	ma_t m = shadow_pa_to_ma(&vm->sh.pmap, pa);
	if (m == MA_NONE)
		return false;
	*ma = m;
	return true;
}

bool mon_translate(struct vm *vm, va_t va, struct mon_xlat *out)
{
	memset(out, 0, sizeof *out);
	if (!cpu_va_canonical(va)) {
		out->noncanonical = true;
		return false;
	}
	struct shadow_walk w;
	enum tlb_view view = vm->v.cpl == 3 ? TLB_VIEW_USER : TLB_VIEW_KERNEL;
	shadow_walk_begin(&w, vm->v.cr3 & CR3_ADDR_MASK, va, ACC_READ,
			  shadow_walk_flags(&vm->sh, view) | SHADOW_WALK_NO_AD);
	enum shadow_walk_status st = shadow_walk_run(&w, &vm->sh.pmap);
	out->nrefs = w.nrefs;
	for (unsigned i = 0; i < w.nrefs && i < 4; i++) {
		out->ref_pa[i] = w.ref[i].pa;
		out->ref_val[i] = w.ref[i].val;
	}
	if (st != SHADOW_WALK_OK) {
		out->pf_error = w.err;
		return false;
	}
	out->pa_ok = true;
	out->pa = w.pa;
	out->ma_ok = mon_pa_to_ma(vm, w.pa, &out->ma);
	return out->ma_ok;
}

size_t mon_read_ma(struct vm *vm, ma_t ma, void *buf, size_t len)
{
	if (ma >= vm->ram_size)
		return 0;
	if (len > vm->ram_size - ma)
		len = (size_t)(vm->ram_size - ma);
	memcpy(buf, vm->ram + ma, len);
	return len;
}

size_t mon_read_pa(struct vm *vm, pa_t pa, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ma_t ma;
		if (!mon_pa_to_ma(vm, pa + done, &ma))
			break;
		size_t n = PAGE_SIZE - ((pa + done) & (PAGE_SIZE - 1));
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)buf + done, vm->ram + ma, n);
		done += n;
	}
	return done;
}

bool mon_va_to_pa(struct vm *vm, va_t va, pa_t *pa)
{
	if (!cpu_va_canonical(va))
		return false;
	struct shadow_walk w;
	shadow_walk_begin(&w, vm->v.cr3 & CR3_ADDR_MASK, va, ACC_READ,
			  shadow_walk_flags(&vm->sh, TLB_VIEW_KERNEL) | SHADOW_WALK_NO_AD);
	if (shadow_walk_run(&w, &vm->sh.pmap) != SHADOW_WALK_OK)
		return false;
	*pa = w.pa;
	return true;
}

size_t mon_read_va(struct vm *vm, va_t va, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		pa_t pa;
		if (!mon_va_to_pa(vm, va + done, &pa))
			break;
		size_t n = PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1));
		if (n > len - done)
			n = len - done;
		if (mon_read_pa(vm, pa, (uint8_t *)buf + done, n) != n)
			break;
		done += n;
	}
	return done;
}
