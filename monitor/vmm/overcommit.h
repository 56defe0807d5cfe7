/*
 * monitor/vmm/overcommit.h — memory overcommit (--machine-mem smaller than
 * --mem): what the monitor's paging of guest pages did (public API for front
 * ends, beside monitor.h). The mechanism is shadow/overcommit.c;
 * docs/overcommit.md tells the story.
 */
#ifndef VMLAB_MONITOR_OVERCOMMIT_H
#define VMLAB_MONITOR_OVERCOMMIT_H

#include "monitor/vmm/monitor.h"

struct mon_overcommit_stats {
	uint64_t frames_max;       /* machine frames the VM may hold (--machine-mem); with several
				      VMs on one host its part, in proportion to its pages */
	uint64_t resident;         /* machine frames it holds now (a shared frame counts for one sharer) */
	uint64_t page_outs;        /* guest pages the monitor wrote to its swap area */
	uint64_t page_ins;         /* ... and read back */
	uint64_t zero_fills;       /* first touches: a zeroed frame, nothing read */
	uint64_t double_paging;    /* pages read back from swap only for the guest to write them to its disk */
	uint64_t ballooned;        /* pages the guest's balloon driver gave back (--balloon) */
	/* --share-pages */
	uint64_t merges;           /* page-out victims merged into an identical frame instead */
	uint64_t merges_zero;      /* ... of them pages of zeros */
	uint64_t shared_ins;       /* page-ins that found their bytes in a shared frame */
	uint64_t shared_frames;    /* now: read-only frames shared (of them, those it owns) */
	uint64_t shared_pages;     /* now: its guest pages mapping shared frames */
	uint64_t frames_saved;     /* now: shared_pages - shared_frames */
	uint64_t cow_breaks;       /* first writes to a shared page */
};
/* false (and *out zeroed) if the VM is not overcommitted. */
bool mon_vm_overcommit_stats(const struct vm *vm, struct mon_overcommit_stats *out);
/* Several VMs on one host overcommitted (--machine-mem with --vm): the machine
 * frames all their guest pages may hold together (0: not overcommitted), those
 * held now, and the frames sharing saves now and at most over every VM. */
uint64_t mon_host_overcommit(const struct host *h, uint64_t *resident, uint64_t *saved, uint64_t *saved_max);
/* The per-VM memory table of the host summary (nothing if not overcommitted). */
void mon_host_overcommit_summary(const struct host *h, FILE *f);

#endif
