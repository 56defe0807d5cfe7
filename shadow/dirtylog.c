/*
 * shadow/dirtylog.c — which guest pages were written, for live migration's
 * pre-copy rounds (monitor/vmm/migrate.c).
 *
 * The log is the shadow tables' own write protection: collecting it clears
 * the write bit of every shadow leaf and drops every writable TLB entry of
 * the VM, so the next write to any page misses, the fill (fill.c) finds the
 * guest allows it, grants RW and notes the page in pmap.dirty. While a log is
 * kept a read fill never grants RW early (fill.c), so a page is logged only
 * when it is written. The monitor's own writes are noted where they happen
 * (pmap.c, ptwrite.c).
 */
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"

uint64_t shadow_write_protect_all(struct shadow_vm *vm)
{
	uint64_t n = shadow_clear_leaves(vm, MA_NONE, PTE_RW);
	/* writable TLB entries of this VM go too (the drop hook forgets them in the CPU's fast cache) */
	for (unsigned s = 0; s < vm->tlb->sets; s++)
		for (unsigned w = 0; w < vm->tlb->ways; w++) {
			const struct tlb_entry *e = tlb_entry_at(vm->tlb, s, w);
			if (e && e->valid && e->vmid == vm->vmid && (e->perm & TLB_W)) {
				struct tlb_match m = {.match = TLB_M_VMID | TLB_M_MA, .vmid = vm->vmid, .ma = e->ma};
				tlb_invalidate(vm->tlb, &m, TLB_CAUSE_SHADOW);
			}
		}
	memset(vm->mapped_w, 0, vm->pmap.npages);
	return n;
}

int shadow_dirtylog_start(struct shadow_vm *vm)
{
	if (!vm->pmap.dirty && !(vm->pmap.dirty = calloc(vm->pmap.npages, 1)))
		return -1;
	memset(vm->pmap.dirty, 0, vm->pmap.npages);
	shadow_write_protect_all(vm);
	return 0;
}

uint64_t shadow_dirtylog_collect(struct shadow_vm *vm, uint8_t *out)
{
	uint64_t n = 0;
	if (!vm->pmap.dirty)
		return 0;
	for (uint64_t i = 0; i < vm->pmap.npages; i++)
		n += vm->pmap.dirty[i];
	memcpy(out, vm->pmap.dirty, vm->pmap.npages);
	memset(vm->pmap.dirty, 0, vm->pmap.npages);
	shadow_write_protect_all(vm);
	return n;
}

void shadow_dirtylog_stop(struct shadow_vm *vm)
{
	free(vm->pmap.dirty);
	vm->pmap.dirty = NULL;
}
