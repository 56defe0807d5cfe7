/*
 * monitor/vmm/host.h — the insides of struct host: the machine that VMs share
 * (VMM-private; front ends see only monitor.h).
 *
 * A host is the machine: its RAM (one buffer, MA = offset), the machine-frame
 * allocator over it (every frame owned by one VM, the monitor, or nobody), the
 * simulated TLB (one, its entries tagged by VMID), and the one real CPU, which
 * runs one VM's vCPU at a time. Each VM keeps the state the real CPU holds
 * while that VM runs (its registers and the core's caches: struct cpu in
 * struct vm, like a VMCS guest area); host->on_cpu says whose state the real
 * CPU holds, and switching it is a world switch (counted; with
 * flush_on_switch the whole TLB is flushed, as on a TLB without VMID tags).
 *
 * mon_vm_create_from makes a host of its own for the VM (exactly the old
 * one-VM machine); mon_host_create + mon_vm_create_on put several VMs on one.
 */
#ifndef VMLAB_MONITOR_HOST_H
#define VMLAB_MONITOR_HOST_H

#include "monitor/vmm/monitor.h"
#include "shadow/shadow.h"
#include "tlb/tlb.h"

struct host {
	struct mon_host_config cfg;
	uint8_t *ram;              /* machine RAM: guests' frames + shadow tables */
	uint64_t ram_size;
	struct tlb tlb;
	bool tlb_ok;
	struct shadow_mframe mf;
	bool mf_ok;
	bool bare;                 /* a --bare-core VM's host: RAM only, PA == MA */
	struct vm *vm[MON_HOST_VMS_MAX]; /* by vmid; NULL: free */
	unsigned nvms;             /* VMs living on the host */
	struct vm *on_cpu;         /* the VM whose vCPU the real CPU runs (NULL: none yet) */
	uint64_t switches;         /* world switches from one VM to another */
};

/* Machine RAM of size bytes, all zero (hostram.c: huge pages, guard pages
 * around it); NULL if the host has not that much. Free it with its size. */
uint8_t *host_ram_alloc(uint64_t size);
void host_ram_free(uint8_t *ram, uint64_t size);
/* The private host of one VM of cfg (mon_vm_create_from). NULL with err. */
struct host *host_create_for(const struct mon_config *cfg, char *err, size_t errlen);
/* Make h's real CPU run vm (a world switch if another VM ran; vm_switch traced). */
void host_switch_to(struct host *h, struct vm *vm);
/* The TLB counters of vm's own lookups (the whole TLB's for a VM alone on its host). */
void host_tlb_stats(const struct vm *vm, struct tlb_stats *out);
/* The VM of vmid on h, or NULL. */
struct vm *host_vm(const struct host *h, unsigned vmid);
/* Register vm as vmid on h / forget it. 0, or -1 (vmid taken or out of range). */
int host_attach(struct host *h, struct vm *vm, unsigned vmid);
void host_detach(struct host *h, struct vm *vm);

#endif
