/*
 * monitor/vmm/host.c — the machine VMs share: RAM, the frame allocator, the
 * simulated TLB, the real CPU's world switches (host.h says what is where).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/host.h"
#include "monitor/vmm/modes.h"
#include "monitor/vmm/vm.h"

uint64_t mon_vm_machine_bytes(const struct mon_config *cfg)
{
	if (cfg->bare_core)
		return cfg->mem_size;
	/* shadow-table pool: --shadow-pool, or a quarter of guest memory, at least 4 MiB */
	uint64_t p = cfg->shadow_pool ? cfg->shadow_pool : cfg->mem_size / 4;
	if (!cfg->shadow_pool && p < (4ull << 20))
		p = 4ull << 20;
	return cfg->mem_size + p;
}

void mon_host_config_from(struct mon_host_config *hc, const struct mon_config *cfg)
{
	memset(hc, 0, sizeof *hc);
	hc->ram_size = mon_vm_machine_bytes(cfg);
	hc->tlb_sets = cfg->tlb_sets;
	hc->tlb_ways = cfg->tlb_ways;
	hc->tlb_policy = cfg->tlb_policy;
	hc->seed = cfg->seed;
}

static enum tlb_policy tlb_policy_of(enum mon_tlb_policy p)
{
	switch (p) {
	case MON_TLB_FIFO: return TLB_POLICY_FIFO;
	case MON_TLB_RANDOM: return TLB_POLICY_RANDOM;
	case MON_TLB_CLOCK: return TLB_POLICY_CLOCK;
	default: return TLB_POLICY_LRU;
	}
}

/* A TLB entry left the TLB: the fast cache of the VM that installed it forgets it. */
static void host_tlb_drop(void *ctx, const struct tlb_entry *e, enum tlb_cause cause)
{
	struct vm *vm = host_vm(ctx, e->vmid);
	if (vm)
		shadow_tlb_drop_hook(&vm->cpu, e, cause);
}

/* bare: RAM only (a --bare-core VM: no frames, no simulated TLB). */
static struct host *host_new(const struct mon_host_config *hc, bool bare, char *err, size_t errlen)
{
	struct host *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	h->cfg = *hc;
	h->bare = bare;
	h->ram_size = hc->ram_size;
	h->ram = host_ram_alloc(h->ram_size);
	if (!h->ram) {
		snprintf(err, errlen, "cannot allocate %llu MiB of machine memory for the guest",
			 (unsigned long long)(h->ram_size >> 20));
		goto fail;
	}
	if (bare)
		return h;
	if (hc->tlb_ways < tlb_min_ways(hc->tlb_sets)) {
		snprintf(err, errlen, "a %ux%u TLB has too few ways: use at least %ux%u", hc->tlb_sets,
			 hc->tlb_ways, hc->tlb_sets, tlb_min_ways(hc->tlb_sets));
		goto fail;
	}
	if (tlb_init(&h->tlb, hc->tlb_sets, hc->tlb_ways, tlb_policy_of(hc->tlb_policy), hc->seed)) {
		snprintf(err, errlen, "cannot set up a %ux%u TLB", hc->tlb_sets, hc->tlb_ways);
		goto fail;
	}
	h->tlb_ok = true;
	tlb_set_drop_hook(&h->tlb, host_tlb_drop, h);
	if (shadow_mframe_init(&h->mf, h->ram, h->ram_size, hc->seed)) {
		snprintf(err, errlen, "cannot set up machine frames");
		goto fail;
	}
	h->mf_ok = true;
	shadow_mframe_ram_zero(&h->mf); /* host_ram_alloc's RAM is zero */
	if (hc->guest_frames && !(h->mf.pool = shadow_ocpool_create(&h->mf, hc->guest_frames))) {
		snprintf(err, errlen, "cannot set up overcommit for %llu guest frames", (unsigned long long)hc->guest_frames);
		goto fail;
	}
	return h;
fail:
	mon_host_destroy(h);
	return NULL;
}

struct host *mon_host_create(const struct mon_host_config *hc, char *err, size_t errlen)
{
	return host_new(hc, false, err, errlen);
}

/* Touch every page of the zeroed RAM, so the host maps it now and not at
 * the guest's first write (a store the compiler may not drop: the RAM
 * is known to be zero, a memset could be removed). */
static void prefault(uint8_t *ram, uint64_t size)
{
	for (uint64_t o = 0; o < size; o += 4096)
		((volatile uint8_t *)ram)[o] = 0;
}

/* The private host of one VM (mon_vm_create_from). */
struct host *host_create_for(const struct mon_config *cfg, char *err, size_t errlen)
{
	struct mon_host_config hc;
	mon_host_config_from(&hc, cfg);
	if (!cfg->bare_core && mon_modes_check_tlb(cfg, err, errlen)) /* the MMU mode's minimum ways */
		return NULL;
	struct host *h = host_new(&hc, cfg->bare_core, err, errlen);
	if (h && cfg->prefault_ram)
		prefault(h->ram, h->ram_size);
	return h;
}

int mon_host_destroy(struct host *h)
{
	if (!h)
		return 0;
	if (h->nvms)
		return -1;
	if (h->mf_ok) {
		shadow_ocpool_free(h->mf.pool);
		shadow_mframe_free(&h->mf);
	}
	if (h->tlb_ok)
		tlb_free(&h->tlb);
	host_ram_free(h->ram, h->ram_size);
	free(h);
	return 0;
}

struct vm *host_vm(const struct host *h, unsigned vmid)
{
	return vmid < MON_HOST_VMS_MAX ? h->vm[vmid] : NULL;
}

int host_attach(struct host *h, struct vm *vm, unsigned vmid)
{
	if (vmid >= MON_HOST_VMS_MAX || h->vm[vmid])
		return -1;
	h->vm[vmid] = vm;
	h->nvms++;
	vm->host = h;
	return 0;
}

void host_detach(struct host *h, struct vm *vm)
{
	if (vm->vmid < MON_HOST_VMS_MAX && h->vm[vm->vmid] == vm) {
		h->vm[vm->vmid] = NULL;
		h->nvms--;
	}
	if (h->on_cpu == vm)
		h->on_cpu = NULL;
}

/* acc += now - base, counter by counter (struct tlb_stats is all uint64_t). */
static void tlb_stats_add(struct tlb_stats *acc, const struct tlb_stats *now, const struct tlb_stats *base)
{
	uint64_t *a = (uint64_t *)acc;
	const uint64_t *n = (const uint64_t *)now, *b = (const uint64_t *)base;
	for (size_t i = 0; i < sizeof *acc / sizeof(uint64_t); i++)
		a[i] += n[i] - b[i];
}

/* Only one VM runs at a time, so the TLB's counters move for the VM on the CPU:
 * each VM's share is what they moved while it was there. */
void host_tlb_stats(const struct vm *vm, struct tlb_stats *out)
{
	const struct host *h = vm->host;
	if (vm->own_host) {
		*out = h->tlb.stats;
		return;
	}
	*out = vm->tlb_acc;
	if (h->on_cpu == vm)
		tlb_stats_add(out, &h->tlb.stats, &vm->tlb_base);
}

/*
 * LRU stamps are the running VM's instruction count (the core writes its own
 * icount on every hit), so at a world switch every entry's stamp moves from the
 * old VM's count to the new one's, keeping its age: the TLB then ages entries
 * by host time whoever installed them. (Without this, the VM with the smaller
 * count always evicts its own entries first and can livelock on one insn.)
 * An entry older than the new VM's whole run gets stamp 0. The clock
 * policy's reference bit (stamp >= ref_from) is kept as it was.
 */
static void tlb_rebase_stamps(struct tlb *t, uint64_t from, uint64_t to)
{
	for (unsigned i = 0; i < t->sets * t->ways; i++) {
		struct tlb_entry *e = &t->e[i];
		if (!e->valid)
			continue;
		uint64_t age = from > e->stamp ? from - e->stamp : 0;
		/* clock's reference bit is stamp >= ref_from: keep it as it was */
		bool ref = e->stamp >= e->ref_from;
		e->stamp = age < to ? to - age : 0;
		e->ref_from = ref ? e->stamp : e->stamp + 1;
	}
}

void host_switch_to(struct host *h, struct vm *vm)
{
	struct vm *prev = h->on_cpu;
	if (prev == vm)
		return;
	h->on_cpu = vm;
	if (prev)
		tlb_stats_add(&prev->tlb_acc, &h->tlb.stats, &prev->tlb_base);
	vm->tlb_base = h->tlb.stats;
	if (!prev)
		return;
	h->switches++;
	if (h->tlb_ok)
		tlb_rebase_stamps(&h->tlb, prev->cpu.icount, vm->cpu.icount);
	unsigned dropped = 0;
	if (h->cfg.tlb_flush_on_switch && h->tlb_ok)
		dropped = tlb_flush_all(&h->tlb, TLB_CAUSE_VMSWITCH);
	if (MON_TRACING(vm, MON_CAT_VM))
		mon_trace_emit(vm, MON_CAT_VM, "VMM", "vm_switch", NULL,
			       "world switch: %s (vm%u) -> %s (vm%u)%s (%u TLB entries flushed)", prev->name, prev->vmid,
			       vm->name, vm->vmid, h->cfg.tlb_flush_on_switch ? ", TLB flushed" : "", dropped);
}

struct host *mon_vm_host(const struct vm *vm)
{
	return vm->host;
}

uint64_t mon_vm_tlb_now(const struct vm *vm)
{
	const struct vm *on = vm->host && vm->host->on_cpu ? vm->host->on_cpu : vm;
	return on->cpu.icount;
}

const struct mon_host_config *mon_host_config(const struct host *h)
{
	return &h->cfg;
}

struct vm *mon_host_vm(const struct host *h, unsigned vmid)
{
	return host_vm(h, vmid);
}

struct vm *mon_host_vm_named(const struct host *h, const char *name)
{
	for (unsigned i = 0; i < MON_HOST_VMS_MAX; i++)
		if (h->vm[i] && !strcmp(h->vm[i]->name, name))
			return h->vm[i];
	return NULL;
}

const char *mon_vm_name(const struct vm *vm)
{
	return vm->name;
}

unsigned mon_host_nvms(const struct host *h)
{
	return h->nvms;
}

uint64_t mon_host_switches(const struct host *h)
{
	return h->switches;
}

uint64_t mon_host_frames(const struct host *h, uint64_t *nfree)
{
	if (nfree)
		*nfree = h->mf_ok ? h->mf.nfree : 0;
	return h->mf_ok ? h->mf.nframes : h->ram_size >> PAGE_SHIFT;
}

uint64_t mon_vm_frames_held(const struct vm *vm)
{
	if (vm->sh_ok && vm->sh.pmap.oc) /* overcommitted: what it holds now */
		return vm->sh.pmap.oc->frames;
	return vm->sh_ok ? vm->sh.pmap.npages : vm->host->ram_size >> PAGE_SHIFT;
}
