/*
 * tests/unit/test_monitor_trace_ring.c — the ring of recent events when
 * nobody traces (trace_ring.c): its events keep their format and arguments
 * and are formatted only when read, with the bytes vsnprintf makes; a whole
 * run with no trace file and no sink formats nothing (the exit path stays
 * cheap), and its ring reads the same as a run whose sink made every text.
 */
#include <check.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmm/vm.h"
#include "tests/unit/guest_file.h"
#include "tests/unit/check_run.h"

/* A VM shell with no trace file and no sink: the ring alone sees events. */
static struct vm *shell_vm(void)
{
	struct vm *vm = calloc(1, sizeof *vm);
	strcpy(vm->who, "kernel");
	mon_trace_update_mask(vm);
	return vm;
}

/* The ring's newest event's text. */
static const char *newest(struct vm *vm)
{
	static struct mon_event ev[MON_RING_MAX];
	unsigned n = mon_vm_recent_events(vm, ev, MON_RING_MAX);
	ck_assert_uint_gt(n, 0);
	return ev[n - 1].text;
}

#define CHECK_FORMAT(lazy, ...)                                                             \
	do {                                                                                \
		char want[MON_TEXT_MAX];                                                    \
		uint64_t before = vm->trace.formatted;                                      \
		snprintf(want, sizeof want, __VA_ARGS__);                                   \
		mon_trace_emit(vm, MON_CAT_IO, NULL, "io_in", NULL, __VA_ARGS__);           \
		ck_assert_str_eq(newest(vm), want);                                         \
		ck_assert_uint_eq(vm->trace.formatted - before, ((lazy) ? 0u : 1u));           \
	} while (0)

START_TEST(formats_as_vsnprintf)
{
	struct vm *vm = shell_vm();
	char name[32];
	strcpy(name, "pic");
	mon_trace_emit(vm, MON_CAT_IO, "VMM", "io_in", NULL, "in port 0x%x (%s) -> 0x%x", 0x21u, name, 0xffu);
	strcpy(name, "overwritten"); /* the ring copied the string, not its address */
	ck_assert_str_eq(newest(vm), "in port 0x21 (pic) -> 0xff");
	CHECK_FORMAT(true, "no arguments, 100%% plain");
	CHECK_FORMAT(true, "%d %u %x %X %o %c", -7, 4000000000u, 0xbeefu, 0xbeefu, 8u, 'z');
	CHECK_FORMAT(true, "%5d|%-5u|%05x|%+d|% d|%#x|%02x", 42, 7u, 0xau, 3, 3, 255u, 0x7u);
	CHECK_FORMAT(true, "%llu %llx %016llx %lld %lu %ld %zu %hhu %hu", 18446744073709551615ull, 0xdeadull,
		     0x1234ull, -5ll, 9ul, -9l, (size_t)77, 300, 70000);
	const char *volatile nul = NULL; /* (volatile: gcc would see through a plain NULL) */
	CHECK_FORMAT(true, "%s|%10s|%-10s|%.3s|%s", "a", "right", "left", "truncate", nul);
	CHECK_FORMAT(true, "%.2f %g %e", 3.14159, 0.5, 1e10);
	CHECK_FORMAT(true, "%p", (void *)0); /* (a real address would be host-dependent in output) */
	/* longer than the text: cut where vsnprintf cuts it (strings on the heap: gcc
	 * would warn of the cut it cannot rule out) */
	char *h1 = malloc(121), *h2 = malloc(121), *big = malloc(MON_LAZY_STR + 8);
	memset(h1, '1', 120);
	h1[120] = 0;
	memset(h2, '2', 120);
	h2[120] = 0;
	CHECK_FORMAT(true, "cut at the text's end: %s %u %s", h1, 7u, h2);
	/* formats the copy does not know, or arguments beyond its room: made now */
	CHECK_FORMAT(false, "%*d|%.*s", 6, 42, 2, "xyz");
	memset(big, 'b', MON_LAZY_STR + 7);
	big[MON_LAZY_STR + 7] = 0;
	CHECK_FORMAT(false, "%s", big);
	free(h1);
	free(h2);
	free(big);
	CHECK_FORMAT(false, "%u %u %u %u %u %u %u %u %u %u %u", 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u);
	/* who NULL: the runner then, not when the ring is read */
	strcpy(vm->who, "app:one");
	mon_trace_emit(vm, MON_CAT_EXIT, NULL, "exit", NULL, "exit %u", 1u);
	strcpy(vm->who, "app:two");
	struct mon_event ev[MON_RING_MAX];
	unsigned n = mon_vm_recent_events(vm, ev, MON_RING_MAX);
	ck_assert_str_eq(ev[n - 1].who, "app:one");
	ck_assert_str_eq(ev[n - 1].kind, "exit");
	free(vm);
}
END_TEST

START_TEST(categories_nobody_wants)
{
	struct vm *vm = shell_vm();
	/* tlb, shadow and insn reach nobody without a file or a sink: nothing kept */
	mon_trace_emit(vm, MON_CAT_TLB, NULL, "tlb_miss", NULL, "TLB miss VA 0x%llx", 0x1000ull);
	mon_trace_emit(vm, MON_CAT_INSN, NULL, "insn", NULL, "0x%llx: nop", 0x1000ull);
	ck_assert_uint_eq(vm->trace.ring_count, 0);
	ck_assert(!MON_TRACING(vm, MON_CAT_TLB));
	ck_assert(MON_TRACING(vm, MON_CAT_IO));
	ck_assert_uint_eq(vm->trace.formatted, 0);
	free(vm);
}
END_TEST

START_TEST(settle_before_save)
{
	struct vm *vm = shell_vm();
	for (unsigned i = 0; i < MON_RING_MAX + 3; i++) {
		vm->cpu.icount = i;
		mon_trace_emit(vm, MON_CAT_IO, "VMM", "io_out", NULL, "out %u of %s", i, "many");
	}
	struct mon_event before[MON_RING_MAX];
	ck_assert_uint_eq(mon_vm_recent_events(vm, before, MON_RING_MAX), MON_RING_MAX);
	mon_trace_ring_settle(&vm->trace);
	for (unsigned k = 0; k < MON_RING_MAX; k++)
		ck_assert_ptr_null(vm->trace.lazy[k].fmt);
	struct mon_event after[MON_RING_MAX];
	ck_assert_uint_eq(mon_vm_recent_events(vm, after, MON_RING_MAX), MON_RING_MAX);
	for (unsigned i = 0; i < MON_RING_MAX; i++) {
		ck_assert_str_eq(before[i].text, after[i].text);
		ck_assert_uint_eq(after[i].icount, i + 3);
	}
	ck_assert_str_eq(after[0].text, "out 3 of many");
	free(vm);
}
END_TEST

/* ---- whole VMs: a tiny guest that exits on port I/O and stops ---- */

/* LCR=8N1; 40 times: poll LSR.THRE, out 'A'; then loop (stops at --max-insns) */
static const uint8_t prog_io[] = {
	0x66, 0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee,             /* mov dx,0x3fb; mov al,3; out dx,al */
	0xb9, 0x28, 0x00, 0x00, 0x00,                         /* mov ecx,40 */
	0x66, 0xba, 0xfd, 0x03, 0xec, 0xa8, 0x20, 0x74, 0xf7, /* 1: mov dx,0x3fd; in al,dx; test al,0x20; jz 1b */
	0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee,             /* mov dx,0x3f8; mov al,'A'; out dx,al */
	0xff, 0xc9, 0x75, 0xec,                               /* dec ecx; jnz 1b */
	0xeb, 0xfe,                                           /* jmp . */
};

static struct vm *make_vm(const char *path)
{
	struct mon_config c;
	mon_config_defaults(&c);
	c.kernel = path;
	c.nmodules = 0;
	c.modules_given = true;
	c.mem_size = 4ull << 20;
	c.max_insns = 20000;
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "create: %s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

static void run(struct vm *vm)
{
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
}

static void ignore(void *ctx, const struct mon_event *ev)
{
	(void)ctx;
	(void)ev;
}

START_TEST(untraced_run_formats_nothing)
{
	char *path = test_guest_file(prog_io, sizeof prog_io, sizeof prog_io, sizeof prog_io + 64);
	struct vm *quiet = make_vm(path), *heard = make_vm(path);
	mon_vm_set_event_sink(heard, ignore, NULL); /* a sink takes every event: texts made at once */
	run(quiet);
	run(heard);
	ck_assert_int_eq(mon_vm_stop(quiet)->reason, MON_STOP_MAX_INSNS);
	ck_assert_uint_ge(mon_vm_stats(quiet)->io_accesses, 80);
	ck_assert_uint_eq(quiet->trace.formatted, 0); /* the point: the exit path made no text */
	ck_assert_uint_gt(heard->trace.formatted, 80);
	/* the ring reads the same either way */
	struct mon_event a[MON_RING_MAX], b[MON_RING_MAX];
	unsigned na = mon_vm_recent_events(quiet, a, MON_RING_MAX);
	ck_assert_uint_eq(na, MON_RING_MAX);
	ck_assert_uint_eq(mon_vm_recent_events(heard, b, MON_RING_MAX), na);
	bool io = false;
	for (unsigned i = 0; i < na; i++) {
		ck_assert_uint_eq(a[i].icount, b[i].icount);
		ck_assert_str_eq(a[i].kind, b[i].kind);
		ck_assert_str_eq(a[i].who, b[i].who);
		ck_assert_str_eq(a[i].text, b[i].text);
		ck_assert_uint_eq(a[i].has, b[i].has);
		io |= a[i].cat == MON_CAT_IO;
	}
	ck_assert(io);
	ck_assert_str_eq(a[na - 1].kind, "stop");
	/* a snapshot carries the ring's texts: restored, it reads the same */
	char err[MON_ERR_MAX];
	size_t len;
	uint8_t *snap = mon_vm_save(quiet, &len, err, sizeof err);
	ck_assert_msg(snap != NULL, "save: %s", err);
	struct vm *back = make_vm(path);
	ck_assert_msg(mon_vm_restore(back, snap, len, err, sizeof err) == 0, "restore: %s", err);
	ck_assert_uint_eq(mon_vm_recent_events(back, b, MON_RING_MAX), na);
	for (unsigned i = 0; i < na; i++)
		ck_assert_str_eq(a[i].text, b[i].text);
	free(snap);
	mon_vm_destroy(back);
	mon_vm_destroy(quiet);
	mon_vm_destroy(heard);
	unlink(path);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_trace_ring");
	TCase *tc = tcase_create("ring");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, formats_as_vsnprintf);
	tcase_add_test(tc, categories_nobody_wants);
	tcase_add_test(tc, settle_before_save);
	tcase_add_test(tc, untraced_run_formats_nothing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
