/*
 * monitor/vmm/sched.h — several VMs on one host: the scheduler that shares
 * the host's one real CPU between their vCPUs (public: front ends may use it,
 * with monitor.h; docs/multi-vm.md).
 *
 * The VMs are created on one host (mon_host_create, mon_vm_create_on) and
 * added to a scheduler with a share each. mon_sched_run_slice runs the next
 * runnable VM, in the order they were added, for one slice of
 * `slice x share` guest instructions (counted by the VM's instruction
 * count, so the schedule is deterministic: no host time), then the next.
 * Stopped VMs are skipped; the others run on, so a VM that triple-faults,
 * panics or hangs (its --max-insns, the progress guard) stops alone.
 *
 *     struct mon_sched *s = mon_sched_create(h, 10000, err, sizeof err);
 *     mon_sched_add(s, a, 1, err, sizeof err);
 *     mon_sched_add(s, b, 3, err, sizeof err);
 *     struct vm *ran;
 *     while (mon_sched_run_slice(s, &ran) != MON_STOPPED) ;
 *     mon_sched_print_summary(s, stderr);   // the per-VM table
 *     mon_sched_destroy(s);                 // the VMs stay: destroy them, then the host
 *
 * Shares are measured on the rounds in which two or more VMs ran and none
 * stopped: received is a VM's part of those rounds' time (the instruction
 * count its slices advanced, idle time a hlt skips included), asked the part
 * its share entitled it to (its share over the shares of the VMs in each
 * round).
 */
#ifndef VMLAB_MONITOR_SCHED_H
#define VMLAB_MONITOR_SCHED_H

#include "monitor/vmm/monitor.h"

#define MON_SCHED_SLICE_DEFAULT 10000ull /* instructions per share unit and slice */
#define MON_SCHED_SHARE_MAX 1000u

struct mon_sched;

/* A scheduler for the VMs of host h; slice: instructions per share unit
 * (>= 1). NULL with one line in err. */
struct mon_sched *mon_sched_create(struct host *h, uint64_t slice, char *err, size_t errlen);
/* Forget the schedule (the VMs are not destroyed). */
void mon_sched_destroy(struct mon_sched *s);
/* Add vm (on the scheduler's host, not added yet) with share 1..MON_SCHED_SHARE_MAX.
 * 0, or -1 with one line in err. */
int mon_sched_add(struct mon_sched *s, struct vm *vm, unsigned share, char *err, size_t errlen);

/*
 * Run one slice of the next runnable VM (*ran: that VM, NULL when none is
 * left). MON_STOPPED: every VM has stopped (nothing ran). MON_PAUSED: the VM
 * paused before its slice ended for a reason of its own (a breakpoint,
 * watchpoint: mon_vm_pause says which); the next call goes on with the next
 * VM. MON_RUNNING otherwise (the slice ended, or the VM stopped in it).
 */
enum mon_state mon_sched_run_slice(struct mon_sched *s, struct vm **ran);

/*
 * The same in smaller steps (the console): one mon_vm_step(kind) of the VM
 * whose slice is in progress, beginning the next runnable VM's slice when
 * none is (*ran: that VM; NULL and MON_STOPPED when every VM has stopped).
 * MON_STEP_EXIT is run as MON_STEP_RUN, which ends at the next exit or at
 * the slice's end: a step never passes the slice's end. *slice_end: the
 * slice ended with this step (the VM reached its slice's instruction count,
 * or stopped); the next step runs the next VM. Returns what mon_vm_step
 * returned for *ran, but MON_RUNNING when it paused at the slice's end;
 * MON_PAUSED is a pause of the VM's own (breakpoint, watchpoint), inside
 * its slice, which the next step goes on with. Steps of any kind give the
 * schedule mon_sched_run_slice gives (no pauses of their own).
 */
enum mon_state mon_sched_step(struct mon_sched *s, enum mon_step_kind kind, struct vm **ran, bool *slice_end);
/* The VM whose slice is in progress, else the one whose slice is next (NULL: every VM has stopped). */
struct vm *mon_sched_current(const struct mon_sched *s);
/* Has the current VM's slice begun (mon_sched_step), and not ended? */
bool mon_sched_in_slice(const struct mon_sched *s);

/* What one VM got. */
struct mon_sched_vm {
	struct vm *vm;
	unsigned share;         /* asked */
	uint64_t slices;        /* slices it ran */
	uint64_t time;          /* instruction count its slices advanced (all of them) */
	uint64_t fair_time;     /* the same over the counted rounds (2+ VMs ran, none stopped) */
};
unsigned mon_sched_nvms(const struct mon_sched *s);
/* The i-th VM added (i < mon_sched_nvms), or NULL. */
const struct mon_sched_vm *mon_sched_vm(const struct mon_sched *s, unsigned i);
/* The i-th VM's share asked and received over the counted rounds, in percent (0: none yet). */
double mon_sched_share_asked(const struct mon_sched *s, unsigned i);
double mon_sched_share_received(const struct mon_sched *s, unsigned i);
/* Counted rounds (2+ VMs ran, none stopped): what asked and received are measured on. */
uint64_t mon_sched_fair_rounds(const struct mon_sched *s);

/* The host line and one row per VM: stop, instructions, exits, TLB hit
 * rate, machine frames held, share asked and received (deterministic). */
void mon_sched_print_summary(const struct mon_sched *s, FILE *f);
/* The same as one JSON object (stats_json.c: vmlab run --vm ... --stats-json FILE):
 * "host" (its numbers, the memory line, "totals": every VM's counts added up) and
 * "vms" (each VM's mon_print_summary_json object, with name, share, frames held).
 * h: the scheduler's host; slice: its instructions per share unit. */
void mon_host_summary_json(const struct mon_sched *s, const struct host *h, uint64_t slice, FILE *f);

#endif
