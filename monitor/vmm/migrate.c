/*
 * monitor/vmm/migrate.c — the sending end of a live migration: iterative
 * pre-copy, then stop-and-copy (docs/migration.md).
 *
 *   round 1     every guest page, while the guest runs
 *   round n     the pages the guest dirtied during round n-1 (the shadow
 *               tables' dirty log, shadow/dirtylog.c), while it runs on
 *   stop        when a round leaves at most stop_pages dirty, or after
 *               max_rounds, or when the guest stops by itself
 *   copy        the VM is paused: the last dirty pages, then the CPU, device,
 *               TLB and shadow state (mon_vm_save_flags without guest RAM),
 *               then a hash of all guest memory for the receiver to check
 *
 * The link is simulated in guest instructions: it carries link_pages * 4096
 * stream bytes while the guest runs link_insns instructions. Sending uses up
 * that budget; when it is used up the guest runs one more slot. What is sent
 * while the VM is paused is the downtime, converted to guest instructions at
 * the same rate (the guest's clock is its instruction count, so the guest
 * itself never sees the pause).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/migrate.h"
#include "monitor/vmm/migrate_stream.h"

struct tx {
	struct vm *vm;
	const struct mon_migrate_opts *o;
	mon_send_fn send;
	void *ctx;
	uint64_t budget;          /* bytes the link can still carry in the current slot */
	bool paused;              /* stop-and-copy: the guest does not run */
	bool broken;
	struct mon_migrate_report *rep;
	struct mon_migrate_round *cur; /* the round being sent (NULL: stop-and-copy) */
};

/* Run the guest one link slot (nothing if it has stopped). */
static void run_slot(struct tx *t)
{
	struct vm *vm = t->vm;
	if (vm->stopped)
		return;
	uint64_t start = vm->cpu.icount;
	mon_vm_pause_at(vm, start + t->o->link_insns);
	enum mon_state st;
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) == MON_RUNNING)
		;
	mon_vm_pause_at(vm, UINT64_MAX);
	if (t->cur)
		t->cur->insns += vm->cpu.icount - start;
}

/* Put n bytes on the link: while the guest runs, it runs a slot whenever the budget is used up. */
static void emit(struct tx *t, const void *buf, size_t n)
{
	if (t->broken)
		return;
	if (!t->paused) {
		uint64_t slot = t->o->link_pages * PAGE_SIZE;
		while (t->budget < n && !t->vm->stopped) {
			run_slot(t);
			t->budget += slot;
		}
		t->budget = t->budget >= n ? t->budget - n : 0;
	} else {
		t->rep->downtime_bytes += n;
	}
	if (t->send(t->ctx, buf, n))
		t->broken = true;
	t->rep->total_bytes += n;
	if (t->cur)
		t->cur->bytes += n;
}

static void send_page(struct tx *t, uint64_t pfn, uint64_t *pages, uint64_t *zeros)
{
	static const uint8_t zero[PAGE_SIZE];
	uint8_t rec[MIG_PAGE_REC];
	const uint8_t *g = t->vm->ram + t->vm->sh.pmap.frame[pfn];
	bool z = !memcmp(g, zero, PAGE_SIZE);
	rec[0] = z ? 'Z' : 'P';
	memcpy(rec + 1, &pfn, 8);
	if (!z)
		memcpy(rec + 9, g, PAGE_SIZE);
	emit(t, rec, z ? MIG_ZERO_REC : MIG_PAGE_REC);
	++*pages;
	*zeros += z;
	t->rep->total_pages++;
}

/* Send the pages marked in set (all pages if set is NULL). */
static void send_set(struct tx *t, const uint8_t *set, uint64_t *pages, uint64_t *zeros)
{
	for (uint64_t p = 0; p < t->vm->sh.pmap.npages && !t->broken; p++)
		if (!set || set[p])
			send_page(t, p, pages, zeros);
}

static int check(const struct vm *vm, const struct mon_migrate_opts *o, char *err, size_t errlen)
{
	if (vm->bare || vm->cfg.mmu != MON_MMU_SHADOW) {
		snprintf(err, errlen, "live migration tracks dirty pages in the shadow tables: --mmu=shadow only "
			 "(this VM runs %s)", vm->bare ? "--bare-core" : mon_modes_name(&vm->cfg));
		return -1;
	}
	if (vm->sh.pmap.oc) {
		snprintf(err, errlen, "live migration of an overcommitted VM (--machine-mem) is not supported");
		return -1;
	}
	if (!o->link_pages || !o->link_insns) {
		snprintf(err, errlen, "the link rate needs pages > 0 per instructions > 0");
		return -1;
	}
	if (o->max_rounds < 1 || o->max_rounds > MON_MIGRATE_ROUNDS_MAX) {
		snprintf(err, errlen, "the round limit must be 1..%u", MON_MIGRATE_ROUNDS_MAX);
		return -1;
	}
	return 0;
}

int mon_migrate_send(struct vm *vm, const struct mon_migrate_opts *o, mon_send_fn send, void *ctx,
		     struct mon_migrate_report *rep, char *err, size_t errlen)
{
	memset(rep, 0, sizeof *rep);
	if (check(vm, o, err, errlen))
		return -1;
	uint64_t np = vm->sh.pmap.npages;
	uint8_t *dirty = malloc(np);
	if (!dirty || shadow_dirtylog_start(&vm->sh)) {
		free(dirty);
		snprintf(err, errlen, "out of host memory for the dirty log");
		return -1;
	}
	/* the header goes in round 1: the slot the guest runs while it is sent is
	 * round 1's, so start_icount + the rounds' instructions = stop_icount */
	struct tx t = {.vm = vm, .o = o, .send = send, .ctx = ctx, .rep = rep, .cur = &rep->round[0]};
	rep->start_icount = vm->cpu.icount;
	uint8_t head[MIG_HEADER];
	uint32_t ver = MIG_VERSION;
	memcpy(head, MIG_MAGIC, 8);
	memcpy(head + 8, &ver, 4);
	memcpy(head + 12, &np, 8);
	emit(&t, head, sizeof head);

	const uint8_t *set = NULL; /* round 1: everything */
	uint64_t ndirty = 0;
	for (;;) {
		struct mon_migrate_round *r = &rep->round[rep->rounds++];
		t.cur = r;
		send_set(&t, set, &r->pages, &r->zero_pages);
		uint8_t rec[5] = {'R'};
		uint32_t n = rep->rounds;
		memcpy(rec + 1, &n, 4);
		emit(&t, rec, sizeof rec);
		ndirty = shadow_dirtylog_collect(&vm->sh, dirty);
		r->dirtied = ndirty;
		set = dirty;
		if (t.broken)
			break;
		if (vm->stopped) {
			rep->end = MON_MIGRATE_GUEST_STOPPED;
			break;
		}
		if (ndirty <= o->stop_pages) {
			rep->end = MON_MIGRATE_CONVERGED;
			break;
		}
		if (rep->rounds == o->max_rounds) {
			rep->end = MON_MIGRATE_ROUND_LIMIT;
			break;
		}
	}
	/* stop and copy: the guest does not run from here on */
	t.cur = NULL;
	t.paused = true;
	rep->stop_icount = vm->cpu.icount;
	send_set(&t, dirty, &rep->final_pages, &rep->final_zero_pages);
	shadow_dirtylog_stop(&vm->sh);
	free(dirty);
	size_t slen = 0;
	uint8_t *state = t.broken ? NULL : mon_vm_save_flags(vm, MON_SAVE_NO_GUEST_RAM, &slen, err, errlen);
	if (!t.broken && !state)
		return -1;
	uint8_t srec[9] = {'S'};
	uint64_t n64 = slen;
	memcpy(srec + 1, &n64, 8);
	emit(&t, srec, sizeof srec);
	emit(&t, state, slen);
	free(state);
	rep->state_bytes = sizeof srec + slen;
	rep->hash = mig_guest_hash(vm);
	uint8_t erec[9] = {'E'};
	memcpy(erec + 1, &rep->hash, 8);
	emit(&t, erec, sizeof erec);
	uint64_t slot = o->link_pages * PAGE_SIZE;
	rep->downtime_insns = (rep->downtime_bytes * o->link_insns + slot - 1) / slot;
	if (t.broken) {
		snprintf(err, errlen, "the link to the receiver broke after %llu bytes",
			 (unsigned long long)rep->total_bytes);
		return -1;
	}
	return 0;
}

const char *mon_migrate_end_name(enum mon_migrate_end e)
{
	switch (e) {
	case MON_MIGRATE_CONVERGED: return "converged";
	case MON_MIGRATE_ROUND_LIMIT: return "round limit";
	case MON_MIGRATE_GUEST_STOPPED: return "guest stopped";
	}
	return "?";
}
