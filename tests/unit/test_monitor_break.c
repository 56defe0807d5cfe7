/*
 * tests/unit/test_monitor_break.c — breakpoints in the VMM: the VM pauses
 * before the instruction (RIP on it, nothing of it run), continues from
 * there, and a run with breakpoints ends with the same serial output and
 * instruction count as one without.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/monitor.h"
#include "tests/unit/check_run.h"

static struct vm *create_hello(void)
{
	struct mon_config c;
	mon_config_defaults(&c);
	snprintf(c.cmdline, sizeof c.cmdline, "run=hello");
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

START_TEST(pause_before_and_continue_unchanged)
{
	/* where the guest is after 5000 instructions: the breakpoint */
	struct vm *ref = create_hello();
	mon_vm_pause_at(ref, 5000);
	while (mon_vm_step(ref, MON_STEP_RUN) == MON_RUNNING)
		;
	va_t at = mon_vm_cpu(ref)->rip;
	while (mon_vm_step(ref, MON_STEP_RUN) != MON_STOPPED)
		;

	struct vm *vm = create_hello();
	char err[MON_ERR_MAX];
	ck_assert_int_eq(mon_vm_break_set(vm, &at, 1, err, sizeof err), 0);
	unsigned hits = 0;
	uint64_t first = 0;
	enum mon_state st;
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) != MON_STOPPED) {
		if (st != MON_PAUSED)
			continue;
		ck_assert(mon_vm_at_break(vm));
		ck_assert_uint_eq(mon_vm_cpu(vm)->rip, at);
		if (!hits++)
			first = mon_vm_icount(vm);
	}
	ck_assert_uint_ge(hits, 1);
	ck_assert_uint_le(first, 5000);
	size_t n1, n2;
	const char *a = mon_vm_serial(ref, &n1), *b = mon_vm_serial(vm, &n2);
	ck_assert(n1 == n2 && !memcmp(a, b, n1));
	ck_assert_uint_eq(mon_vm_icount(ref), mon_vm_icount(vm));
	/* the pages without the breakpoint ran their predecoded blocks: the
	 * simulated TLB and the cost model saw exactly the same run */
	ck_assert_uint_eq(mon_vm_tlb_hits(ref), mon_vm_tlb_hits(vm));
	ck_assert_uint_eq(mon_vm_stats(ref)->tlb_misses, mon_vm_stats(vm)->tlb_misses);
	ck_assert_uint_eq(mon_vm_cycles(ref), mon_vm_cycles(vm));
	mon_vm_destroy(ref);
	mon_vm_destroy(vm);
}
END_TEST

START_TEST(too_many_breakpoints)
{
	struct vm *vm = create_hello();
	va_t va[65] = {0};
	char err[MON_ERR_MAX] = "";
	ck_assert_int_eq(mon_vm_break_set(vm, va, 65, err, sizeof err), -1);
	ck_assert_str_eq(err, "at most 64 breakpoints");
	mon_vm_destroy(vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_break");
	TCase *tc = tcase_create("break");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pause_before_and_continue_unchanged);
	tcase_add_test(tc, too_many_breakpoints);
	suite_add_tcase(s, tc);
	return check_run(s);
}
