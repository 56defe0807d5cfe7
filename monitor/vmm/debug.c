/*
 * monitor/vmm/debug.c — what debuggers set on a VM: breakpoints, watchpoints,
 * a pause at an instruction count, and why the VM paused.
 *
 * Breakpoints and watchpoints live in the core (cpu/breakpoint.c,
 * cpu/watchpoint.c), which checks them off its fast paths; the VMM keeps the
 * lists to say which one fired and turns a watched access into the values a
 * debugger shows.
 */
#include <string.h>

#include "monitor/vmm/vm.h"

void mon_vm_pause_at(struct vm *vm, uint64_t icount)
{
	vm->pause_at = icount;
}

int mon_vm_break_set(struct vm *vm, const va_t *va, unsigned n, char *err, size_t errlen)
{
	if (cpu_break_set(&vm->cpu, va, n)) {
		snprintf(err, errlen, "at most %u breakpoints", CPU_BREAK_MAX);
		return -1;
	}
	if (n) /* va may be NULL when the list is cleared */
		memcpy(vm->brk, va, n * sizeof *va);
	vm->nbrk = n;
	return 0;
}

bool mon_vm_at_break(const struct vm *vm)
{
	return vm->at_break;
}

/* One line in err if w cannot be watched. */
static int watch_check(const struct mon_watch *w, char *err, size_t errlen)
{
	if (w->kind < MON_WATCH_WRITE || w->kind > MON_WATCH_ACCESS) {
		snprintf(err, errlen, "watchpoint kind %d: not write, read or access", (int)w->kind);
		return -1;
	}
	if (w->len < 1 || w->len > 8) {
		snprintf(err, errlen, "a watchpoint covers 1 to 8 bytes, not %u", w->len);
		return -1;
	}
	if (((w->va + w->len - 1) & PAGE_MASK) != (w->va & PAGE_MASK)) {
		snprintf(err, errlen, "watchpoint 0x%llx (%u bytes) crosses a page boundary",
			 (unsigned long long)w->va, w->len);
		return -1;
	}
	return 0;
}

int mon_vm_watch_set(struct vm *vm, const struct mon_watch *w, unsigned n, char *err, size_t errlen)
{
	if (n > MON_WATCH_MAX) {
		snprintf(err, errlen, "at most %u watchpoints", MON_WATCH_MAX);
		return -1;
	}
	struct cpu_watch cw[MON_WATCH_MAX] = {0};
	for (unsigned i = 0; i < n; i++) {
		if (watch_check(&w[i], err, errlen))
			return -1;
		cw[i].va = w[i].va;
		cw[i].len = w[i].len;
		cw[i].kinds = (w[i].kind & MON_WATCH_WRITE ? CPU_WATCH_WRITE : 0) |
			      (w[i].kind & MON_WATCH_READ ? CPU_WATCH_READ : 0);
	}
	if (cpu_watch_set(&vm->cpu, cw, n)) {
		snprintf(err, errlen, "the core refused the watchpoints");
		return -1;
	}
	if (n) /* w may be NULL when the list is cleared */
		memcpy(vm->watch, w, n * sizeof *w);
	vm->nwatch = n;
	vm->vmm_watch.pending = false; /* its index was into the old list */
	return 0;
}

static uint64_t le_value(const uint8_t *b, unsigned len)
{
	uint64_t v = 0;
	for (unsigned i = len; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

void mon_watch_hit(struct vm *vm)
{
	const struct cpu_watch_hit *h = cpu_watch_last(&vm->cpu);
	const struct mon_watch *w = &vm->watch[h->index];
	struct mon_pause *p = &vm->pause;
	memset(p, 0, sizeof *p);
	p->reason = MON_PAUSE_WATCH;
	p->index = h->index;
	p->va = w->va;
	p->len = w->len;
	p->write = h->write;
	p->access = h->va;
	p->rip = h->rip;
	p->old_value = le_value(h->old, w->len);
	p->new_value = le_value(vm->ram + h->ma, w->len);
}

void mon_watch_vmm_write(struct vm *vm, pa_t pa, size_t n)
{
	if (!vm->nwatch || vm->vmm_watch.pending)
		return;
	for (unsigned i = 0; i < vm->nwatch; i++) {
		const struct mon_watch *w = &vm->watch[i];
		pa_t wpa;
		ma_t ma;
		if (!(w->kind & MON_WATCH_WRITE) || !mon_va_to_pa(vm, w->va, &wpa))
			continue;
		if (wpa >= pa + n || pa >= wpa + w->len || !mon_pa_to_ma(vm, wpa, &ma))
			continue;
		vm->vmm_watch.pending = vm->vmm_watch.write = true;
		vm->vmm_watch.index = i;
		vm->vmm_watch.access = w->va + (pa > wpa ? pa - wpa : 0);
		vm->vmm_watch.rip = vm->cpu.rip;
		vm->vmm_watch.ma = ma;
		vm->vmm_watch.old = le_value(vm->ram + ma, w->len);
		return;
	}
}

void mon_watch_core_take(struct vm *vm, va_t rip)
{
	if (!cpu_watch_take(&vm->cpu) || vm->vmm_watch.pending)
		return;
	const struct cpu_watch_hit *h = cpu_watch_last(&vm->cpu);
	vm->vmm_watch.pending = true;
	vm->vmm_watch.write = h->write;
	vm->vmm_watch.index = h->index;
	vm->vmm_watch.access = h->va;
	vm->vmm_watch.rip = rip;
	vm->vmm_watch.ma = h->ma;
	vm->vmm_watch.old = le_value(h->old, vm->watch[h->index].len);
}

bool mon_watch_vmm_pause(struct vm *vm)
{
	if (!vm->vmm_watch.pending)
		return false;
	vm->vmm_watch.pending = false;
	if (vm->pause.reason == MON_PAUSE_WATCH) /* the core's own: the first access is reported */
		return false;
	const struct mon_watch *w = &vm->watch[vm->vmm_watch.index];
	struct mon_pause *p = &vm->pause;
	memset(p, 0, sizeof *p);
	p->reason = MON_PAUSE_WATCH;
	p->index = vm->vmm_watch.index;
	p->va = w->va;
	p->len = w->len;
	p->write = vm->vmm_watch.write;
	p->by_vmm = true;
	p->access = vm->vmm_watch.access;
	p->rip = vm->vmm_watch.rip;
	p->old_value = vm->vmm_watch.old;
	p->new_value = le_value(vm->ram + vm->vmm_watch.ma, w->len);
	return true;
}

void mon_break_hit(struct vm *vm)
{
	struct mon_pause *p = &vm->pause;
	memset(p, 0, sizeof *p);
	p->reason = MON_PAUSE_BREAK;
	p->va = vm->cpu.rip;
	for (unsigned i = 0; i < vm->nbrk; i++)
		if (vm->brk[i] == vm->cpu.rip) {
			p->index = i;
			break;
		}
}

const struct mon_pause *mon_vm_pause(const struct vm *vm)
{
	return &vm->pause;
}
