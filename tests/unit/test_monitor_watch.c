/*
 * tests/unit/test_monitor_watch.c — watchpoints in the VMM: the VM pauses
 * after the guest instruction that wrote (or read) a watched kernel variable,
 * with the old and new value; a run with watchpoints ends exactly as one
 * without (same serial output, instruction count, exits and simulated-TLB
 * statistics); bad ranges are refused with one line. What the VMM writes for
 * the guest (an emulated sgdt, an ins element) and what a debugger writes
 * (mon_write_va) pause as a guest store does.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/vmm/monitor.h"
#include "tests/elf_image.h"
#include "tests/unit/check_run.h"

#define KERNEL "build/guestos/kernel.elf"

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

/* The address of a kernel symbol (from the kernel's ELF symbols). */
static uint64_t ksym(const char *name)
{
	struct con_symtab t = {0};
	char err[MON_ERR_MAX];
	ck_assert_msg(con_symtab_add_file(&t, KERNEL, NULL, err, sizeof err) > 0, "%s", err);
	con_symtab_finish(&t);
	const struct con_sym *s = con_sym_lookup(&t, name, NULL);
	ck_assert_msg(s != NULL, "no symbol %s", name);
	uint64_t a = s->addr;
	con_symtab_free(&t);
	return a;
}

static void run_to_end(struct vm *vm)
{
	while (mon_vm_step(vm, MON_STEP_RUN) != MON_STOPPED)
		;
}

/* Everything that must not change when watchpoints are set. */
static void assert_same_run(struct vm *a, struct vm *b)
{
	size_t n1, n2;
	const char *s1 = mon_vm_serial(a, &n1), *s2 = mon_vm_serial(b, &n2);
	ck_assert(n1 == n2 && !memcmp(s1, s2, n1));
	ck_assert_uint_eq(mon_vm_icount(a), mon_vm_icount(b));
	const struct mon_stats *x = mon_vm_stats(a), *y = mon_vm_stats(b);
	ck_assert_uint_eq(mon_stats_exits(x), mon_stats_exits(y));
	ck_assert_uint_eq(x->tlb_misses, y->tlb_misses);
	ck_assert_uint_eq(mon_vm_tlb_hits(a), mon_vm_tlb_hits(b));
	ck_assert_uint_eq(mon_vm_cycles(a), mon_vm_cycles(b));
}

START_TEST(write_watch_pauses_after_the_store)
{
	struct vm *ref = create_hello();
	run_to_end(ref);

	uint64_t curproc = ksym("curproc");
	struct vm *vm = create_hello();
	char err[MON_ERR_MAX];
	struct mon_watch w = {.va = curproc, .len = 8, .kind = MON_WATCH_WRITE};
	ck_assert_int_eq(mon_vm_watch_set(vm, &w, 1, err, sizeof err), 0);
	unsigned hits = 0, changed = 0;
	enum mon_state st;
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) != MON_STOPPED) {
		if (st != MON_PAUSED)
			continue;
		const struct mon_pause *p = mon_vm_pause(vm);
		ck_assert_int_eq(p->reason, MON_PAUSE_WATCH);
		ck_assert_uint_eq(p->index, 0);
		ck_assert_uint_eq(p->va, curproc);
		ck_assert(p->write);
		ck_assert_uint_ge(p->access + 8, curproc + 1);
		ck_assert_uint_lt(p->access, curproc + 8);
		ck_assert_uint_ge(p->rip, 0xffffffff80000000ull); /* the kernel wrote it */
		ck_assert_uint_ne(p->rip, mon_vm_cpu(vm)->rip);   /* paused after it */
		uint64_t now = 0;
		ck_assert_uint_eq(mon_read_va(vm, curproc, &now, 8), 8);
		ck_assert_uint_eq(p->new_value, now);
		changed += p->old_value != p->new_value;
		hits++;
	}
	ck_assert_uint_ge(hits, 2);
	ck_assert_uint_ge(changed, 1);
	ck_assert_int_eq(mon_vm_pause(vm)->reason, MON_PAUSE_NONE);
	assert_same_run(ref, vm);
	mon_vm_destroy(ref);
	mon_vm_destroy(vm);
}
END_TEST

START_TEST(read_watch_and_single_steps)
{
	struct vm *ref = create_hello();
	run_to_end(ref);

	uint64_t curproc = ksym("curproc");
	struct vm *vm = create_hello();
	char err[MON_ERR_MAX];
	struct mon_watch w = {.va = curproc, .len = 4, .kind = MON_WATCH_READ};
	ck_assert_int_eq(mon_vm_watch_set(vm, &w, 1, err, sizeof err), 0);
	unsigned reads = 0;
	enum mon_state st;
	/* instruction steps and exit steps meet the same pauses */
	for (unsigned k = 0; (st = mon_vm_step(vm, k % 3 ? MON_STEP_EXIT : MON_STEP_INSN)) != MON_STOPPED; k++)
		if (st == MON_PAUSED) {
			const struct mon_pause *p = mon_vm_pause(vm);
			ck_assert_int_eq(p->reason, MON_PAUSE_WATCH);
			ck_assert(!p->write);
			ck_assert_uint_eq(p->old_value, p->new_value);
			reads++;
		}
	ck_assert_uint_ge(reads, 2);
	assert_same_run(ref, vm);
	mon_vm_destroy(ref);
	mon_vm_destroy(vm);
}
END_TEST

START_TEST(watch_and_break_together)
{
	uint64_t curproc = ksym("curproc"), sys = ksym("syscall_dispatch");
	struct vm *vm = create_hello();
	char err[MON_ERR_MAX];
	struct mon_watch w = {.va = curproc, .len = 8, .kind = MON_WATCH_ACCESS};
	ck_assert_int_eq(mon_vm_watch_set(vm, &w, 1, err, sizeof err), 0);
	ck_assert_int_eq(mon_vm_break_set(vm, &sys, 1, err, sizeof err), 0);
	unsigned watches = 0, breaks = 0;
	enum mon_state st;
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) != MON_STOPPED)
		if (st == MON_PAUSED) {
			const struct mon_pause *p = mon_vm_pause(vm);
			if (p->reason == MON_PAUSE_BREAK) {
				ck_assert(mon_vm_at_break(vm));
				ck_assert_uint_eq(p->va, sys);
				ck_assert_uint_eq(mon_vm_cpu(vm)->rip, sys);
				breaks++;
			} else {
				ck_assert_int_eq(p->reason, MON_PAUSE_WATCH);
				watches++;
			}
		}
	ck_assert_uint_ge(breaks, 1);
	ck_assert_uint_ge(watches, 1);
	/* clearing: the rest runs without pauses */
	mon_vm_destroy(vm);
}
END_TEST

START_TEST(bad_watchpoints_refused)
{
	struct vm *vm = create_hello();
	char err[MON_ERR_MAX] = "";
	struct mon_watch w = {.va = 0x1000, .len = 9, .kind = MON_WATCH_WRITE};
	ck_assert_int_eq(mon_vm_watch_set(vm, &w, 1, err, sizeof err), -1);
	ck_assert_str_eq(err, "a watchpoint covers 1 to 8 bytes, not 9");
	w = (struct mon_watch){.va = 0x1ffc, .len = 8, .kind = MON_WATCH_WRITE};
	ck_assert_int_eq(mon_vm_watch_set(vm, &w, 1, err, sizeof err), -1);
	ck_assert_str_eq(err, "watchpoint 0x1ffc (8 bytes) crosses a page boundary");
	w = (struct mon_watch){.va = 0x1000, .len = 8, .kind = 0};
	ck_assert_int_eq(mon_vm_watch_set(vm, &w, 1, err, sizeof err), -1);
	struct mon_watch many[MON_WATCH_MAX + 1];
	for (unsigned i = 0; i <= MON_WATCH_MAX; i++)
		many[i] = (struct mon_watch){.va = 0x1000 + 8 * i, .len = 8, .kind = MON_WATCH_WRITE};
	ck_assert_int_eq(mon_vm_watch_set(vm, many, MON_WATCH_MAX + 1, err, sizeof err), -1);
	ck_assert_str_eq(err, "at most 16 watchpoints");
	ck_assert_int_eq(mon_vm_watch_set(vm, many, MON_WATCH_MAX, err, sizeof err), 0);
	ck_assert_int_eq(mon_vm_watch_set(vm, NULL, 0, err, sizeof err), 0);
	mon_vm_destroy(vm);
}
END_TEST

/* At PA = VA 0x100000 (vCPL 0, real CPL 3: both instructions exit to the VMM):
 * sgdt [0x101800]; mov edi, 0x101900; mov dx, 0x3fd; insb (UART LSR); cli; hlt */
static const uint8_t prog_vmm_writes[] = {
	0x0f, 0x01, 0x04, 0x25, 0x00, 0x18, 0x10, 0x00, 0xbf, 0x00, 0x19, 0x10, 0x00,
	0x66, 0xba, 0xfd, 0x03, 0x6c, 0xfa, 0xf4,
};

/* The program as an in-memory kernel image (no file). */
static struct vm *create_vmm_writer(void)
{
	static uint8_t elf[4096 + sizeof prog_vmm_writes];
	elf_image_header(elf, 0x100000, 0x100000, 4096, sizeof prog_vmm_writes, 0x2000, PF_R | PF_W | PF_X);
	memcpy(elf + 4096, prog_vmm_writes, sizeof prog_vmm_writes);
	struct mon_config c;
	mon_config_defaults(&c);
	c.mem_size = 4ull << 20;
	c.max_insns = 10000;
	struct mon_images img = {.kernel = {.name = "vmm-writer", .data = elf, .size = sizeof elf}};
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create_from(&c, &img, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	return vm;
}

/* One step that must pause on watchpoint `index` written by the VMM, after the
 * instruction at rip, with the bytes now at va as the new value. */
static void expect_vmm_pause(struct vm *vm, unsigned index, va_t rip, va_t next, va_t va)
{
	enum mon_state st;
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) == MON_RUNNING) /* TLB misses, ... */
		;
	ck_assert_int_eq(st, MON_PAUSED);
	const struct mon_pause *p = mon_vm_pause(vm);
	ck_assert_int_eq(p->reason, MON_PAUSE_WATCH);
	ck_assert_uint_eq(p->index, index);
	ck_assert(p->write && p->by_vmm);
	ck_assert_uint_eq(p->va, va);
	ck_assert_uint_eq(p->access, va);
	ck_assert_uint_eq(p->rip, rip);
	ck_assert_uint_eq(mon_vm_cpu(vm)->rip, next);
	uint64_t now = 0;
	ck_assert_uint_eq(mon_read_va(vm, va, &now, p->len), p->len);
	ck_assert_uint_eq(p->old_value, 0);
	ck_assert_uint_eq(p->new_value, now);
	ck_assert_uint_ne(now, 0);
}

START_TEST(vmm_writes_pause_like_guest_stores)
{
	struct vm *ref = create_vmm_writer();
	run_to_end(ref);
	ck_assert_int_eq(mon_vm_stop(ref)->reason, MON_STOP_HALT);

	struct vm *vm = create_vmm_writer();
	char err[MON_ERR_MAX];
	struct mon_watch w[2] = {{.va = 0x101800, .len = 8, .kind = MON_WATCH_WRITE},
				 {.va = 0x101900, .len = 1, .kind = MON_WATCH_ACCESS}};
	ck_assert_int_eq(mon_vm_watch_set(vm, w, 2, err, sizeof err), 0);
	enum mon_state st;
	expect_vmm_pause(vm, 0, 0x100000, 0x100008, 0x101800); /* sgdt, emulated by the VMM */
	expect_vmm_pause(vm, 1, 0x100011, 0x100012, 0x101900); /* insb, completed for the VMM */
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) == MON_RUNNING)
		;
	ck_assert_int_eq(st, MON_STOPPED);
	ck_assert_uint_eq(mon_vm_icount(vm), mon_vm_icount(ref));
	ck_assert_uint_eq(mon_stats_exits(mon_vm_stats(vm)), mon_stats_exits(mon_vm_stats(ref)));
	mon_vm_destroy(vm);

	/* a debugger's write: the next step pauses before anything runs */
	vm = create_vmm_writer();
	struct mon_watch d = {.va = 0x101a00, .len = 8, .kind = MON_WATCH_WRITE};
	ck_assert_int_eq(mon_vm_watch_set(vm, &d, 1, err, sizeof err), 0);
	static const uint8_t bytes[2] = {0x11, 0x22};
	ck_assert_uint_eq(mon_write_va(vm, 0x101a04, bytes, 2), 2);
	uint64_t ic = mon_vm_icount(vm);
	ck_assert_int_eq(mon_vm_step(vm, MON_STEP_RUN), MON_PAUSED);
	const struct mon_pause *p = mon_vm_pause(vm);
	ck_assert_int_eq(p->reason, MON_PAUSE_WATCH);
	ck_assert(p->by_vmm && p->write);
	ck_assert_uint_eq(p->access, 0x101a04);
	ck_assert_uint_eq(p->old_value, 0);
	ck_assert_uint_eq(p->new_value, 0x0000221100000000ull);
	ck_assert_uint_eq(mon_vm_icount(vm), ic);
	/* a write elsewhere does not pause; the guest then runs to its end */
	ck_assert_uint_eq(mon_write_va(vm, 0x101a08, bytes, 2), 2);
	while ((st = mon_vm_step(vm, MON_STEP_RUN)) != MON_STOPPED)
		ck_assert_int_ne(st, MON_PAUSED);
	ck_assert_uint_eq(mon_vm_icount(vm), mon_vm_icount(ref));
	mon_vm_destroy(vm);
	mon_vm_destroy(ref);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_watch");
	TCase *tc = tcase_create("watch");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, write_watch_pauses_after_the_store);
	tcase_add_test(tc, read_watch_and_single_steps);
	tcase_add_test(tc, watch_and_break_together);
	tcase_add_test(tc, bad_watchpoints_refused);
	tcase_add_test(tc, vmm_writes_pause_like_guest_stores);
	suite_add_tcase(s, tc);
	return check_run(s);
}
