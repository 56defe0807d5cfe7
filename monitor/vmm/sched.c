/*
 * monitor/vmm/sched.c — the real CPU shared between the VMs of one host in
 * instruction slices weighted by share (sched.h says how; docs/multi-vm.md).
 *
 * Weighted round robin: one round gives each runnable VM, in the order they
 * were added, one slice of slice x share instructions. A slice ends at the
 * VM's instruction count (mon_vm_pause_at), so the schedule depends on
 * nothing but the guests and the options. mon_vm_step switches the host's
 * real CPU to the VM (a world switch, traced as vm_switch).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/host.h"
#include "monitor/vmm/overcommit.h"
#include "monitor/vmm/sched.h"
#include "monitor/vmm/vm.h"

struct mon_sched {
	struct host *host;
	uint64_t slice;
	struct mon_sched_vm v[MON_HOST_VMS_MAX];
	/* the round in progress: what each VM's slice advanced, who ran, and
	 * whether nobody stopped (only such rounds count for the shares) */
	uint64_t round_time[MON_HOST_VMS_MAX];
	bool round_ran[MON_HOST_VMS_MAX];
	bool round_ok;
	double asked_time[MON_HOST_VMS_MAX]; /* the time each VM's share entitled it to in counted rounds */
	unsigned n;
	unsigned next;            /* whose slice is next, or in progress */
	bool in_slice;            /* v[next]'s slice has begun (mon_sched_step) */
	uint64_t t0;              /* its instruction count when it began */
	uint64_t fair_rounds;
};

struct mon_sched *mon_sched_create(struct host *h, uint64_t slice, char *err, size_t errlen)
{
	if (!slice) {
		snprintf(err, errlen, "a slice needs at least 1 instruction");
		return NULL;
	}
	struct mon_sched *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	s->host = h;
	s->slice = slice;
	s->round_ok = true;
	return s;
}

void mon_sched_destroy(struct mon_sched *s)
{
	free(s);
}

int mon_sched_add(struct mon_sched *s, struct vm *vm, unsigned share, char *err, size_t errlen)
{
	if (vm->host != s->host) {
		snprintf(err, errlen, "%s is not on the scheduler's host", mon_vm_name(vm));
		return -1;
	}
	if (share < 1 || share > MON_SCHED_SHARE_MAX) {
		snprintf(err, errlen, "share %u of %s: want 1 to %u", share, mon_vm_name(vm), MON_SCHED_SHARE_MAX);
		return -1;
	}
	for (unsigned i = 0; i < s->n; i++)
		if (s->v[i].vm == vm) {
			snprintf(err, errlen, "%s is scheduled already", mon_vm_name(vm));
			return -1;
		}
	if (s->n == MON_HOST_VMS_MAX) { /* cannot happen: a host holds at most that many */
		snprintf(err, errlen, "at most %u VMs", MON_HOST_VMS_MAX);
		return -1;
	}
	s->v[s->n++] = (struct mon_sched_vm){ .vm = vm, .share = share };
	return 0;
}

/* The end of a round: it counts for the shares if at least two VMs ran in it
 * and none stopped; each VM that ran was entitled to share / (the runners'
 * shares) of the round. */
static void end_round(struct mon_sched *s)
{
	unsigned runners = 0, shares = 0;
	uint64_t total = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (s->round_ran[i]) {
			runners++;
			shares += s->v[i].share;
			total += s->round_time[i];
		}
	if (s->round_ok && runners >= 2) {
		for (unsigned i = 0; i < s->n; i++)
			if (s->round_ran[i]) {
				s->v[i].fair_time += s->round_time[i];
				s->asked_time[i] += (double)total * s->v[i].share / shares;
			}
		s->fair_rounds++;
	}
	memset(s->round_time, 0, sizeof s->round_time);
	memset(s->round_ran, 0, sizeof s->round_ran);
	s->round_ok = true;
}

static void next_vm(struct mon_sched *s)
{
	if (++s->next == s->n) {
		s->next = 0;
		end_round(s);
	}
}

/* The next runnable VM's slice begins: false if none is runnable. */
static bool begin_slice(struct mon_sched *s)
{
	unsigned tried = 0;
	while (tried < s->n && s->v[s->next].vm->stopped) { /* the next runnable VM */
		next_vm(s);
		tried++;
	}
	if (tried == s->n)
		return false;
	const struct mon_sched_vm *e = &s->v[s->next];
	s->t0 = e->vm->cpu.icount;
	mon_vm_pause_at(e->vm, s->t0 + s->slice * e->share);
	s->in_slice = true;
	return true;
}

/* The slice in progress ends: count what it advanced; the next VM's is next. */
static void end_slice(struct mon_sched *s)
{
	unsigned i = s->next;
	struct mon_sched_vm *e = &s->v[i];
	struct vm *vm = e->vm;
	mon_vm_pause_at(vm, UINT64_MAX);
	uint64_t dt = vm->cpu.icount - s->t0;
	e->slices++;
	e->time += dt;
	s->round_time[i] += dt;
	s->round_ran[i] = true;
	if (vm->stopped)
		s->round_ok = false;
	s->in_slice = false;
	next_vm(s);
}

enum mon_state mon_sched_step(struct mon_sched *s, enum mon_step_kind kind, struct vm **ran, bool *slice_end)
{
	*ran = NULL;
	*slice_end = false;
	if (!s->in_slice && !begin_slice(s))
		return MON_STOPPED;
	struct vm *vm = s->v[s->next].vm;
	*ran = vm;
	/* MON_STEP_EXIT runs past a pause point; MON_STEP_RUN stops at the slice's end or an exit */
	enum mon_state st = mon_vm_step(vm, kind == MON_STEP_EXIT ? MON_STEP_RUN : kind);
	bool own_pause = st == MON_PAUSED && vm->pause.reason != MON_PAUSE_ICOUNT;
	if (st == MON_STOPPED || (st == MON_PAUSED && !own_pause)) {
		end_slice(s);
		*slice_end = true;
	}
	return own_pause ? MON_PAUSED : st == MON_STOPPED ? MON_STOPPED : MON_RUNNING;
}

enum mon_state mon_sched_run_slice(struct mon_sched *s, struct vm **ran)
{
	for (;;) {
		bool end;
		enum mon_state st = mon_sched_step(s, MON_STEP_RUN, ran, &end);
		if (!*ran)
			return MON_STOPPED;
		if (end)
			return MON_RUNNING;
		if (st == MON_PAUSED) { /* a pause of its own ends the slice too */
			end_slice(s);
			return MON_PAUSED;
		}
	}
}

struct vm *mon_sched_current(const struct mon_sched *s)
{
	for (unsigned k = 0; k < s->n; k++) {
		struct vm *vm = s->v[(s->next + k) % s->n].vm;
		if (s->in_slice || !vm->stopped)
			return vm;
	}
	return NULL;
}

bool mon_sched_in_slice(const struct mon_sched *s)
{
	return s->in_slice;
}

unsigned mon_sched_nvms(const struct mon_sched *s)
{
	return s->n;
}

const struct mon_sched_vm *mon_sched_vm(const struct mon_sched *s, unsigned i)
{
	return i < s->n ? &s->v[i] : NULL;
}

/* All VMs' time in the counted rounds. */
static uint64_t fair_total(const struct mon_sched *s)
{
	uint64_t sum = 0;
	for (unsigned k = 0; k < s->n; k++)
		sum += s->v[k].fair_time;
	return sum;
}

double mon_sched_share_asked(const struct mon_sched *s, unsigned i)
{
	uint64_t sum = fair_total(s);
	return i < s->n && sum ? 100.0 * s->asked_time[i] / (double)sum : 0.0;
}

double mon_sched_share_received(const struct mon_sched *s, unsigned i)
{
	uint64_t sum = fair_total(s);
	return i < s->n && sum ? 100.0 * (double)s->v[i].fair_time / (double)sum : 0.0;
}

uint64_t mon_sched_fair_rounds(const struct mon_sched *s)
{
	return s->fair_rounds;
}

void mon_sched_print_summary(const struct mon_sched *s, FILE *f)
{
	const struct host *h = s->host;
	uint64_t nfree, total = mon_host_frames(h, &nfree);
	fprintf(f, "=== vmlab host: %u VMs ===\n", s->n);
	fprintf(f, "machine:         %llu MiB RAM, %llu frames (%llu free), TLB %ux%u %s tagged by VMID%s\n",
		(unsigned long long)(h->ram_size >> 20), (unsigned long long)total, (unsigned long long)nfree,
		h->tlb.sets, h->tlb.ways, tlb_policy_name(h->tlb.policy),
		h->cfg.tlb_flush_on_switch ? ", flushed at every VM switch" : "");
	fprintf(f, "schedule:        slices of %llu instructions x share, %llu world switches, "
		   "%llu rounds shared by 2 or more VMs with no stop (what asked and received count)\n",
		(unsigned long long)s->slice, (unsigned long long)h->switches, (unsigned long long)s->fair_rounds);
	fprintf(f, "%-4s %-10s %-13s %12s %9s %10s %8s %7s %5s %6s %8s\n", "vm", "name", "stop", "instructions",
		"exits", "TLB misses", "hit rate", "frames", "share", "asked", "received");
	for (unsigned i = 0; i < s->n; i++) {
		const struct vm *vm = s->v[i].vm;
		const struct mon_stats *st = &vm->stats;
		uint64_t hits = mon_vm_tlb_hits(vm), miss = mon_vm_tlb_misses(vm);
		double rate = hits + miss ? 100.0 * (double)hits / (double)(hits + miss) : 0.0;
		char id[12], asked[16] = "-", got[16] = "-";
		snprintf(id, sizeof id, "vm%u", vm->vmid);
		if (s->v[i].fair_time) { /* it ran in a counted round */
			snprintf(asked, sizeof asked, "%.1f%%", mon_sched_share_asked(s, i));
			snprintf(got, sizeof got, "%.1f%%", mon_sched_share_received(s, i));
		}
		fprintf(f, "%-4s %-10s %-13s %12llu %9llu %10llu %7.2f%% %7llu %5u %6s %8s\n", id, vm->name,
			mon_stop_name(vm->stop.reason), (unsigned long long)(st->insns_user + st->insns_kernel),
			(unsigned long long)mon_stats_exits(st), (unsigned long long)miss, rate,
			(unsigned long long)mon_vm_frames_held(vm), s->v[i].share, asked, got);
	}
	mon_host_overcommit_summary(h, f);
}
