/*
 * tests/unit/test_monitor_host_overcommit.c — several VMs overcommitted on one
 * host (mon_host_config.guest_frames, docs/overcommit.md "Several VMs"): two
 * guestos VMs whose 16M do not fit in 2M of frames print what they print alone
 * (isolation checked at every exit), each loses pages to the other's page-ins
 * (one FIFO), each has half the frames as its part, the frames they hold add up
 * to the host's, the counts are the same run after run; with the balloon each
 * guest gives frames back; sharing saves frames across the two.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/overcommit.h"
#include "monitor/vmm/sched.h"
#include "tests/unit/check_run.h"
#include "tests/unit/monitor_solo.h"

#define MEM (8ull << 20)
#define FRAMES 512ull /* 2M */

static void config(struct mon_config *c, const char *name, bool pv)
{
	mon_config_defaults(c);
	c->mem_size = MEM;
	c->machine_mem = FRAMES << 12;
	c->check_isolation = true;
	c->paravirt = c->balloon = pv;
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->cmdline, sizeof c->cmdline, "run=hello");
}

static char *solo; /* hello's serial output alone, all memory its own */

static void solo_setup(void)
{
	struct mon_config c;
	config(&c, "", false);
	c.machine_mem = 0;
	solo = solo_serial_of(&c);
}
static void solo_teardown(void) { free(solo); }

struct run {
	struct mon_overcommit_stats s[2];
	uint64_t held, saved_max;
};

/* Two hello VMs on a host of FRAMES guest frames, run to their ends. */
static void run_two(bool pv, bool share, struct run *out)
{
	struct mon_config c[2];
	config(&c[0], "a", pv);
	config(&c[1], "b", pv);
	c[0].share_pages = c[1].share_pages = share;
	struct mon_host_config hc;
	mon_host_config_from(&hc, &c[0]);
	hc.guest_frames = FRAMES;
	hc.ram_size = (FRAMES << 12) + 2 * (mon_vm_machine_bytes(&c[0]) - MEM);
	char err[MON_ERR_MAX] = "";
	struct host *h = mon_host_create(&hc, err, sizeof err);
	ck_assert_msg(h != NULL, "%s", err);
	struct mon_sched *s = mon_sched_create(h, MON_SCHED_SLICE_DEFAULT, err, sizeof err);
	struct vm *vm[2];
	for (unsigned i = 0; i < 2; i++) {
		vm[i] = mon_vm_load_on(h, &c[i], err, sizeof err);
		ck_assert_msg(vm[i] != NULL, "%s", err);
		mon_vm_set_serial_echo(vm[i], NULL);
		ck_assert_int_eq(mon_sched_add(s, vm[i], 1, err, sizeof err), 0);
	}
	struct vm *ran;
	while (mon_sched_run_slice(s, &ran) != MON_STOPPED)
		;
	uint64_t saved;
	ck_assert_uint_eq(mon_host_overcommit(h, &out->held, &saved, &out->saved_max), FRAMES);
	ck_assert_uint_le(out->held, FRAMES);
	uint64_t frames = 0;
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_msg(mon_vm_stop(vm[i])->reason == MON_STOP_HALT, "%s: %s", mon_vm_name(vm[i]),
			      mon_vm_stop(vm[i])->message);
		size_t n;
		const char *text = mon_vm_serial(vm[i], &n);
		ck_assert_msg(n == strlen(solo) && !memcmp(text, solo, n), "%s: %.*s", mon_vm_name(vm[i]), (int)n, text);
		ck_assert(mon_vm_overcommit_stats(vm[i], &out->s[i]));
		ck_assert_uint_eq(out->s[i].frames_max, FRAMES / 2); /* its part: half, as it has half the pages */
		frames += out->s[i].resident;
	}
	ck_assert_uint_eq(frames, out->held);
	mon_sched_destroy(s);
	for (unsigned i = 0; i < 2; i++)
		mon_vm_destroy(vm[i]);
	ck_assert_int_eq(mon_host_destroy(h), 0);
}

START_TEST(two_vms_one_fifo)
{
	struct run r, again;
	run_two(false, false, &r);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_gt(r.s[i].page_outs, 0); /* each VM's pages go when either needs a frame */
		ck_assert_uint_eq(r.s[i].ballooned, 0);
	}
	ck_assert_uint_eq(r.held, FRAMES); /* guestos touches every page: all frames end up held */
	run_two(false, false, &again);
	ck_assert_mem_eq(&r, &again, sizeof r);
}
END_TEST

START_TEST(balloon_per_vm)
{
	struct run r;
	run_two(true, false, &r);
	for (unsigned i = 0; i < 2; i++)
		ck_assert_uint_gt(r.s[i].ballooned, 0);
	ck_assert_uint_lt(r.held, FRAMES); /* the frames they gave back are free */
}
END_TEST

START_TEST(sharing_across_vms)
{
	struct run r;
	run_two(false, true, &r);
	ck_assert_uint_gt(r.saved_max, 0);
	ck_assert_uint_gt(r.s[0].merges + r.s[1].merges + r.s[0].shared_ins + r.s[1].shared_ins, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_host_overcommit");
	TCase *tc = tcase_create("host_overcommit");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, solo_setup, solo_teardown);
	tcase_add_test(tc, two_vms_one_fifo);
	tcase_add_test(tc, balloon_per_vm);
	tcase_add_test(tc, sharing_across_vms);
	suite_add_tcase(s, tc);
	return check_run(s);
}
