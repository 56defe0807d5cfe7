/*
 * tests/unit/test_monitor_vm.c — whole VMs on tiny hand-assembled guests:
 * two VMs in one process, clean stops (hlt, debug-exit, --max-insns, triple
 * fault), the event sink.
 */
#include <check.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmm/monitor.h"
#include "shadow/shadow.h"
#include "tests/unit/guest_file.h"
#include "tests/unit/check_run.h"

/* LCR=8N1; poll LSR.THRE; out 'A'; cli; hlt */
static const uint8_t prog_hello[] = {
	0x66, 0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee,       /* mov dx,0x3fb; mov al,3; out dx,al */
	0x66, 0xba, 0xfd, 0x03, 0xec, 0xa8, 0x20, 0x74, 0xf7, /* 1: mov dx,0x3fd; in al,dx; test al,0x20; jz 1b */
	0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee,       /* mov dx,0x3f8; mov al,'A'; out dx,al */
	0xfa, 0xf4,                                     /* cli; hlt */
};
static const uint8_t prog_exit[] = { 0xb0, 0x21, 0xe6, 0xf4, 0xeb, 0xfe }; /* mov al,0x21; out 0xf4,al; jmp . */
static const uint8_t prog_loop[] = { 0xeb, 0xfe };                           /* jmp . */
static const uint8_t prog_ud2[] = { 0x0f, 0x0b };                            /* ud2, no IDT */
static const uint8_t prog_avx[] = { 0xc5, 0xf8, 0x77 };                      /* vzeroupper: no AVX in the core */
/* PD[3] (VA 6M) -> PA 1 GiB, outside 4 MiB of RAM; then touch VA 6M */
static const uint8_t prog_badpa[] = {
	0x48, 0xb8, 0x83, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, /* movabs rax, 0x40000083 */
	0x48, 0x89, 0x04, 0x25, 0x18, 0x50, 0x00, 0x00,             /* mov [0x5018], rax */
	0x88, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00,                   /* mov [0x600000], al */
	0xeb, 0xfe,
};

static struct vm *make_vm(const char *path, unsigned vmid)
{
	struct mon_config c;
	mon_config_defaults(&c);
	c.kernel = path;
	c.nmodules = 0;
	c.modules_given = true;
	c.mem_size = 4ull << 20;
	c.max_insns = 100000;
	c.seed = 7 + vmid;
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, vmid, err, sizeof err);
	ck_assert_msg(vm != NULL, "create: %s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

START_TEST(two_vms_in_one_process)
{
	char *path = test_guest_file(prog_hello, sizeof prog_hello, sizeof prog_hello, sizeof prog_hello + 64);
	struct vm *a = make_vm(path, 0), *b = make_vm(path, 1);
	bool ra = true, rb = true;
	for (int i = 0; i < 10000 && (ra || rb); i++) {
		if (ra)
			ra = mon_vm_step(a, MON_STEP_INSN) == MON_RUNNING;
		if (rb)
			rb = mon_vm_step(b, MON_STEP_INSN) == MON_RUNNING;
	}
	ck_assert(!ra && !rb);
	size_t la, lb;
	const char *sa = mon_vm_serial(a, &la), *sb = mon_vm_serial(b, &lb);
	ck_assert_uint_eq(la, 1);
	ck_assert_uint_eq(lb, 1);
	ck_assert_int_eq(sa[0], 'A');
	ck_assert_int_eq(sb[0], 'A');
	ck_assert_int_eq(mon_vm_stop(a)->reason, MON_STOP_HALT);
	ck_assert_int_eq(mon_vm_stop(a)->status, 0);
	ck_assert_int_eq(mon_vm_stop(b)->status, 0);
	ck_assert_uint_eq(mon_vm_id(b), 1);
	ck_assert_uint_eq(mon_vm_icount(a), mon_vm_icount(b));
	char why[160];
	ck_assert_uint_eq(shadow_check_isolation(mon_vm_shadow(a), why, sizeof why), 0);
	ck_assert_uint_eq(shadow_check_isolation(mon_vm_shadow(b), why, sizeof why), 0);
	/* PA != MA, and the two VMs' frames differ with different seeds */
	ma_t ma0, ma1;
	ck_assert(mon_pa_to_ma(a, 0x100000, &ma0));
	ck_assert(mon_pa_to_ma(b, 0x100000, &ma1));
	ck_assert(ma0 != 0x100000 || ma1 != 0x100000);
	const struct mon_stats *s = mon_vm_stats(a);
	ck_assert_uint_gt(s->io_accesses, 2);
	ck_assert_uint_gt(s->hidden_faults, 0);
	mon_vm_destroy(a);
	mon_vm_destroy(b);
	unlink(path);
	free(path);
}
END_TEST

static enum mon_stop_reason run_prog(const uint8_t *code, size_t n, int *status, char *msg)
{
	char *path = test_guest_file(code, n, n, n + 64);
	struct vm *vm = make_vm(path, 0);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	enum mon_stop_reason r = mon_vm_stop(vm)->reason;
	*status = mon_vm_stop(vm)->status;
	strcpy(msg, mon_vm_stop(vm)->message);
	mon_vm_destroy(vm);
	unlink(path);
	free(path);
	return r;
}

START_TEST(clean_stops)
{
	int st;
	char msg[MON_ERR_MAX];
	ck_assert_int_eq(run_prog(prog_exit, sizeof prog_exit, &st, msg), MON_STOP_DEBUG_EXIT);
	ck_assert_int_eq(st, 0x43);
	ck_assert_int_eq(run_prog(prog_loop, sizeof prog_loop, &st, msg), MON_STOP_MAX_INSNS);
	ck_assert_int_eq(st, 1);
	ck_assert(strstr(msg, "max-insns"));
	ck_assert_int_eq(run_prog(prog_ud2, sizeof prog_ud2, &st, msg), MON_STOP_TRIPLE_FAULT);
	ck_assert_int_eq(st, 1);
	enum mon_stop_reason r = run_prog(prog_avx, sizeof prog_avx, &st, msg);
	ck_assert_msg(r == MON_STOP_UNSUPPORTED || r == MON_STOP_TRIPLE_FAULT, "vzeroupper: %s", msg);
	ck_assert_int_eq(st, 1);
	ck_assert_int_eq(run_prog(prog_badpa, sizeof prog_badpa, &st, msg), MON_STOP_BAD_GUEST);
	ck_assert_msg(strstr(msg, "outside its"), "%s", msg);
}
END_TEST

struct sink { unsigned n, tlb, io; };
static void on_event(void *ctx, const struct mon_event *ev)
{
	struct sink *s = ctx;
	s->n++;
	if (ev->cat == MON_CAT_TLB)
		s->tlb++;
	if (ev->cat == MON_CAT_IO)
		s->io++;
}

START_TEST(event_sink_and_ring)
{
	char *path = test_guest_file(prog_hello, sizeof prog_hello, sizeof prog_hello, sizeof prog_hello + 64);
	struct vm *vm = make_vm(path, 0);
	struct sink s = { 0 };
	mon_vm_set_event_sink(vm, on_event, &s);
	ck_assert_int_eq(mon_vm_step(vm, MON_STEP_EXIT), MON_RUNNING);
	while (mon_vm_step(vm, MON_STEP_EXIT) == MON_RUNNING)
		;
	ck_assert_uint_gt(s.tlb, 0);
	ck_assert_uint_ge(s.io, 3);
	struct mon_event ev[4];
	ck_assert_uint_eq(mon_vm_recent_events(vm, ev, 4), 4);
	ck_assert_str_eq(ev[3].kind, "stop");
	struct mon_xlat x;
	ck_assert(mon_translate(vm, 0x100000, &x));
	ck_assert(x.pa_ok && x.pa == 0x100000);
	uint8_t b[2];
	ck_assert_uint_eq(mon_read_va(vm, 0x100000, b, 2), 2);
	ck_assert_uint_eq(b[0], 0x66);
	mon_vm_destroy(vm);
	unlink(path);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_vm");
	TCase *tc = tcase_create("vm");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, two_vms_in_one_process);
	tcase_add_test(tc, clean_stops);
	tcase_add_test(tc, event_sink_and_ring);
	suite_add_tcase(s, tc);
	return check_run(s);
}
