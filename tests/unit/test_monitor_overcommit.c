/*
 * tests/unit/test_monitor_overcommit.c — --machine-mem (shadow/overcommit.c,
 * monitor/vmm/overcommit.c):
 *   - the guest cannot tell: the swap demo (the guest swaps as well), hello and
 *     pingpong in few frames print what they print with all memory resident,
 *     in as many instructions (hello with the isolation invariant checked at every exit);
 *   - the VM never holds more frames than it may; counters are deterministic;
 *   - double paging happens when the guest swaps in a squeezed machine, and
 *     not when the machine has frames enough;
 *   - the balloon (--paravirt --balloon): the guest gives frames back and
 *     shrinks its own budget; double paging drops tenfold and more, the
 *     program's output is the same;
 *   - snapshots, migration and other MMU modes are refused with one line.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/migrate.h"
#include "monitor/vmm/overcommit.h"
#include "tests/unit/check_run.h"

static struct vm *create(const char *cmdline, uint64_t mem, uint64_t machine, bool isolation)
{
	struct mon_config c;
	mon_config_defaults(&c);
	snprintf(c.cmdline, sizeof c.cmdline, "%s", cmdline);
	c.mem_size = mem;
	c.machine_mem = machine;
	c.check_isolation = isolation;
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "create: %s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

/* Run to the stop; returns the serial output (malloc'ed) and the counters.
 * The resident count is checked after every exit, asserted once at the end
 * (a passing ck_assert costs a write to Check's log file: millions here). */
static char *run(struct vm *vm, struct mon_overcommit_stats *s, uint64_t frames_max)
{
	uint64_t resident_max = 0;
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING) {
		struct mon_overcommit_stats now;
		if (mon_vm_overcommit_stats(vm, &now) && now.resident > resident_max)
			resident_max = now.resident;
	}
	ck_assert_uint_le(resident_max, frames_max);
	mon_vm_overcommit_stats(vm, s);
	size_t n;
	const char *out = mon_vm_serial(vm, &n);
	return strndup(out, n);
}

static void same_output(const char *cmdline, uint64_t mem, uint64_t machine, bool isolation,
			struct mon_overcommit_stats *s)
{
	struct vm *ref = create(cmdline, mem, 0, false), *vm = create(cmdline, mem, machine, isolation);
	struct mon_overcommit_stats none;
	char *a = run(ref, &none, UINT64_MAX), *b = run(vm, s, machine / 4096);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	ck_assert_uint_eq(mon_vm_icount(ref), mon_vm_icount(vm));
	ck_assert_uint_eq(none.page_outs, 0);
	free(a);
	free(b);
	mon_vm_destroy(ref);
	mon_vm_destroy(vm);
}

START_TEST(guest_cannot_tell)
{
	struct mon_overcommit_stats s, again;
	same_output("run=hello", 8ull << 20, 256ull << 10, true, &s);
	ck_assert_uint_eq(s.frames_max, 64);
	ck_assert_uint_gt(s.page_outs, 0);
	ck_assert_uint_gt(s.page_ins, 0);
	same_output("run=pingpong", 8ull << 20, 256ull << 10, false, &s);
	same_output("run=pingpong", 8ull << 20, 256ull << 10, false, &again);
	ck_assert_mem_eq(&s, &again, sizeof s); /* deterministic */
}
END_TEST

START_TEST(double_paging_counted)
{
	struct mon_overcommit_stats squeezed, roomy;
	same_output("mem=1M run=swaptest:4", 8ull << 20, 512ull << 10, false, &squeezed);
	same_output("mem=1M run=swaptest:4", 8ull << 20, 4ull << 20, false, &roomy);
	ck_assert_uint_gt(squeezed.double_paging, 100);
	ck_assert_uint_le(squeezed.double_paging, squeezed.page_ins);
	ck_assert_uint_lt(roomy.double_paging * 100, squeezed.double_paging); /* 1 against 2748 when written */
	ck_assert_uint_lt(roomy.page_outs, squeezed.page_outs);
}
END_TEST

/* The serial output without the kernel's "[kernel] swap: ..." line (the balloon changes the guest's own paging). */
static void drop_swap_line(char *s)
{
	char *l = strstr(s, "[kernel] swap:");
	if (l) {
		char *end = strchr(l, '\n');
		memmove(l, end ? end + 1 : l + strlen(l), strlen(end ? end + 1 : l + strlen(l)) + 1);
	}
}

START_TEST(balloon_moves_paging_into_guest)
{
	struct mon_config c;
	struct mon_overcommit_stats with, without;
	char *out[2];
	for (int b = 0; b < 2; b++) {
		mon_config_defaults(&c);
		snprintf(c.cmdline, sizeof c.cmdline, "mem=1M run=swaptest:4");
		c.mem_size = 8ull << 20;
		c.machine_mem = 1ull << 20;
		c.paravirt = true;
		c.balloon = b;
		char err[MON_ERR_MAX] = "";
		struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
		ck_assert_msg(vm != NULL, "%s", err);
		mon_vm_set_serial_echo(vm, NULL);
		out[b] = run(vm, b ? &with : &without, 256);
		ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
		mon_vm_destroy(vm);
		drop_swap_line(out[b]);
	}
	ck_assert_str_eq(out[0], out[1]); /* the program prints the same (PASS, checksum) */
	ck_assert_uint_gt(with.ballooned, 1000);
	ck_assert_uint_gt(without.double_paging, 100);
	ck_assert_uint_lt(with.double_paging * 10, without.double_paging);
	ck_assert_uint_lt(with.page_outs, without.page_outs);
	free(out[0]);
	free(out[1]);
}
END_TEST

START_TEST(refused)
{
	char err[MON_ERR_MAX] = "";
	struct vm *vm = create("run=hello", 8ull << 20, 1ull << 20, false);
	size_t len;
	ck_assert_ptr_null(mon_vm_save(vm, &len, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "overcommitted"));
	struct mon_migrate_opts o = {.link_pages = 64, .link_insns = 100000, .max_rounds = 4, .stop_pages = 8};
	struct mon_migrate_report rep;
	ck_assert_int_eq(mon_migrate_send(vm, &o, NULL, NULL, &rep, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "overcommitted"));
	mon_vm_destroy(vm);
	struct vm *full = create("run=hello", 8ull << 20, 8ull << 20, false);
	struct mon_overcommit_stats s;
	ck_assert(!mon_vm_overcommit_stats(full, &s)); /* machine-mem >= mem: all resident */
	mon_vm_destroy(full);
	struct mon_config c;
	mon_config_defaults(&c);
	c.machine_mem = 1ull << 20;
	c.mmu = MON_MMU_NESTED;
	ck_assert_ptr_null(mon_vm_create(&c, 0, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "--mmu=shadow"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_overcommit");
	TCase *tc = tcase_create("overcommit");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, guest_cannot_tell);
	tcase_add_test(tc, double_paging_counted);
	tcase_add_test(tc, balloon_moves_paging_into_guest);
	tcase_add_test(tc, refused);
	suite_add_tcase(s, tc);
	return check_run(s);
}
