/*
 * tests/unit/monitor_solo.h — for the multi-VM unit tests: the serial output
 * a VM of config c prints alone, on a host of its own (malloc'd), to compare
 * with what it prints beside other VMs.
 */
#ifndef TESTS_UNIT_MONITOR_SOLO_H
#define TESTS_UNIT_MONITOR_SOLO_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/monitor.h"

static inline char *solo_serial_of(const struct mon_config *c)
{
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	mon_vm_set_serial_echo(vm, NULL);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	size_t n;
	const char *s = mon_vm_serial(vm, &n);
	char *out = strndup(s, n);
	mon_vm_destroy(vm);
	return out;
}

#endif
