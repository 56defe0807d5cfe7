/*
 * tests/unit/test_monitor_sched.c — the multi-VM scheduler (monitor/vmm/sched.h):
 * slices weighted by share give the shares asked, the schedule is deterministic,
 * a VM that panics or runs out of its instruction budget stops alone while the
 * other runs to the serial output it has alone, stepping (mon_sched_step)
 * gives the same schedule, and bad inputs are refused.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/sched.h"
#include "tests/unit/check_run.h"
#include "tests/unit/monitor_solo.h"

#define MEM (8ull << 20)

static void config(struct mon_config *c, const char *cmdline, const char *name)
{
	mon_config_defaults(c);
	c->mem_size = MEM;
	snprintf(c->cmdline, sizeof c->cmdline, "%s", cmdline);
	snprintf(c->name, sizeof c->name, "%s", name);
}

/* The serial output of cmdline alone on its own host (malloc'd). */
static char *solo_serial(const char *cmdline)
{
	struct mon_config c;
	config(&c, cmdline, "");
	return solo_serial_of(&c);
}

struct run {
	struct host *h;
	struct mon_sched *s;
	struct vm *vm[2];
};

/* Two VMs on one host with shares sa:sb; b's budget max_b (0: the default). */
static void start(struct run *r, const char *cmd_a, unsigned sa, const char *cmd_b, unsigned sb, uint64_t max_b)
{
	struct mon_config ca, cb;
	config(&ca, cmd_a, "a");
	config(&cb, cmd_b, "b");
	if (max_b)
		cb.max_insns = max_b;
	struct mon_host_config hc;
	mon_host_config_from(&hc, &ca);
	hc.ram_size = mon_vm_machine_bytes(&ca) + mon_vm_machine_bytes(&cb);
	char err[MON_ERR_MAX] = "";
	r->h = mon_host_create(&hc, err, sizeof err);
	ck_assert_msg(r->h != NULL, "%s", err);
	r->s = mon_sched_create(r->h, MON_SCHED_SLICE_DEFAULT, err, sizeof err);
	ck_assert_msg(r->s != NULL, "%s", err);
	const struct mon_config *c[2] = { &ca, &cb };
	unsigned share[2] = { sa, sb };
	for (unsigned i = 0; i < 2; i++) {
		r->vm[i] = mon_vm_load_on(r->h, c[i], err, sizeof err);
		ck_assert_msg(r->vm[i] != NULL, "%s", err);
		mon_vm_set_serial_echo(r->vm[i], NULL);
		ck_assert_int_eq(mon_sched_add(r->s, r->vm[i], share[i], err, sizeof err), 0);
	}
	ck_assert_str_eq(mon_vm_name(r->vm[1]), "b");
	ck_assert_ptr_eq(mon_host_vm_named(r->h, "b"), r->vm[1]);
	ck_assert_ptr_null(mon_host_vm_named(r->h, "c"));
}

static void run_all(struct run *r)
{
	struct vm *ran;
	while (mon_sched_run_slice(r->s, &ran) != MON_STOPPED)
		ck_assert_ptr_nonnull(ran);
	ck_assert_ptr_null(ran);
}

static void done(struct run *r)
{
	mon_sched_destroy(r->s);
	mon_vm_destroy(r->vm[0]);
	mon_vm_destroy(r->vm[1]);
	ck_assert_int_eq(mon_host_destroy(r->h), 0);
}

static void check_serial(struct vm *vm, const char *want)
{
	size_t n;
	const char *s = mon_vm_serial(vm, &n);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert(!memcmp(s, want, n));
}

/* x and y ran the same schedule: slices, their time, world switches, instructions. */
static void same_schedule(const struct run *x, const struct run *y)
{
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_eq(mon_sched_vm(x->s, i)->slices, mon_sched_vm(y->s, i)->slices);
		ck_assert_uint_eq(mon_sched_vm(x->s, i)->time, mon_sched_vm(y->s, i)->time);
		ck_assert_uint_eq(mon_sched_vm(x->s, i)->fair_time, mon_sched_vm(y->s, i)->fair_time);
		ck_assert_uint_eq(mon_vm_icount(x->vm[i]), mon_vm_icount(y->vm[i]));
	}
	ck_assert_uint_eq(mon_host_switches(x->h), mon_host_switches(y->h));
}

/* Shares 1:3 on two busy guests: 25% and 75% of the instructions of the rounds both ran. */
START_TEST(shares_one_to_three)
{
	struct run r, again;
	start(&r, "run=cpubench", 1, "run=cpubench", 3, 0);
	run_all(&r);
	ck_assert_uint_gt(mon_sched_fair_rounds(r.s), 10);
	ck_assert(mon_sched_share_asked(r.s, 0) > 24.99 && mon_sched_share_asked(r.s, 0) < 25.01);
	ck_assert(mon_sched_share_asked(r.s, 1) > 74.99 && mon_sched_share_asked(r.s, 1) < 75.01);
	double a = mon_sched_share_received(r.s, 0), b = mon_sched_share_received(r.s, 1);
	ck_assert_msg(a > 24.0 && a < 26.0 && b > 74.0 && b < 76.0, "received %.2f%% and %.2f%%", a, b);
	/* the same again: the same schedule to the instruction */
	start(&again, "run=cpubench", 1, "run=cpubench", 3, 0);
	run_all(&again);
	same_schedule(&r, &again);
	for (unsigned i = 0; i < 2; i++)
		ck_assert_uint_eq(mon_vm_tlb_hits(r.vm[i]), mon_vm_tlb_hits(again.vm[i]));
	done(&r);
	done(&again);
}
END_TEST

/* The console's small steps (mon_sched_step) give run_slice's schedule: the
 * same slices, world switches and instruction counts, whatever the step kind,
 * with a breakpoint pause (b's first instruction) staying inside b's slice. */
START_TEST(steps_give_the_slice_schedule)
{
	struct run whole, steps;
	start(&whole, "run=hello", 1, "run=hello", 3, 0);
	run_all(&whole);
	start(&steps, "run=hello", 1, "run=hello", 3, 0);
	char err[MON_ERR_MAX] = "";
	va_t first = mon_vm_cpu(steps.vm[1])->rip;
	ck_assert_int_eq(mon_vm_break_set(steps.vm[1], &first, 1, err, sizeof err), 0);
	ck_assert_ptr_eq(mon_sched_current(steps.s), steps.vm[0]);
	ck_assert(!mon_sched_in_slice(steps.s));
	struct vm *ran, *last = NULL;
	bool end = true;
	uint64_t n = 0, ends = 0, pauses = 0;
	enum mon_state st;
	while ((st = mon_sched_step(steps.s, n++ < 3000 ? MON_STEP_INSN : MON_STEP_EXIT, &ran, &end)) != MON_STOPPED ||
	       ran) {
		ck_assert_ptr_nonnull(ran);
		ck_assert_msg(ran == last || !last || ends, "%s ran in %s's slice", mon_vm_name(ran), mon_vm_name(last));
		if (ran != last)
			ends = 0;
		last = ran;
		pauses += st == MON_PAUSED;
		if (end) {
			ends++;
			ck_assert(!mon_sched_in_slice(steps.s));
		} else {
			ck_assert(mon_sched_in_slice(steps.s));
			ck_assert_ptr_eq(mon_sched_current(steps.s), ran);
		}
	}
	ck_assert_uint_eq(pauses, 1);
	ck_assert_ptr_null(mon_sched_current(steps.s));
	same_schedule(&steps, &whole);
	done(&whole);
	done(&steps);
}
END_TEST

/* VM a (cmd_a, share sa) beside b (cmd_b, its budget max_b): b stops with
 * want_b, a runs on to the serial output it has alone, all in its slices. */
static void one_stops(const char *cmd_a, unsigned sa, const char *cmd_b, uint64_t max_b,
		      enum mon_stop_reason want_b)
{
	char *solo = solo_serial(cmd_a);
	struct run r;
	start(&r, cmd_a, sa, cmd_b, 1, max_b);
	run_all(&r);
	ck_assert_int_eq(mon_vm_stop(r.vm[0])->reason, MON_STOP_HALT);
	ck_assert_int_eq(mon_vm_stop(r.vm[1])->reason, want_b);
	check_serial(r.vm[0], solo);
	ck_assert_uint_eq(mon_sched_vm(r.s, 0)->time, mon_vm_icount(r.vm[0]));
	done(&r);
	free(solo);
}

/* A guest kernel panic (it ends through the debug-exit port) stops its VM alone. */
START_TEST(panic_stops_one_vm)
{
	one_stops("run=pingpong", 1, "kpanic", 0, MON_STOP_DEBUG_EXIT);
}
END_TEST

/* A guest that does not end within its --max-insns stops alone. */
START_TEST(budget_stops_one_vm)
{
	one_stops("run=hello", 2, "run=cpubench", 300000, MON_STOP_MAX_INSNS);
}
END_TEST

START_TEST(bad_input)
{
	struct run r;
	start(&r, "run=hello", 1, "run=hello", 1, 0);
	char err[MON_ERR_MAX] = "";
	ck_assert_ptr_null(mon_sched_create(r.h, 0, err, sizeof err));
	ck_assert(strstr(err, "at least 1"));
	struct mon_sched *s = mon_sched_create(r.h, 5, err, sizeof err);
	ck_assert_int_eq(mon_sched_add(s, r.vm[0], 0, err, sizeof err), -1);
	ck_assert(strstr(err, "want 1 to"));
	ck_assert_int_eq(mon_sched_add(s, r.vm[0], MON_SCHED_SHARE_MAX + 1, err, sizeof err), -1);
	ck_assert_int_eq(mon_sched_add(s, r.vm[0], 1, err, sizeof err), 0);
	ck_assert_int_eq(mon_sched_add(s, r.vm[0], 1, err, sizeof err), -1);
	ck_assert(strstr(err, "already"));
	/* a VM of another host */
	struct mon_config c;
	config(&c, "run=hello", "");
	struct vm *alone = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_ptr_nonnull(alone);
	ck_assert_int_eq(mon_sched_add(s, alone, 1, err, sizeof err), -1);
	ck_assert(strstr(err, "not on the scheduler's host"));
	ck_assert_str_eq(mon_vm_name(alone), "vm0");
	mon_vm_destroy(alone);
	mon_sched_destroy(s);
	done(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_sched");
	TCase *tc = tcase_create("sched");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, shares_one_to_three);
	tcase_add_test(tc, steps_give_the_slice_schedule);
	tcase_add_test(tc, panic_stops_one_vm);
	tcase_add_test(tc, budget_stops_one_vm);
	tcase_add_test(tc, bad_input);
	suite_add_tcase(s, tc);
	return check_run(s);
}
