/*
 * tests/unit/test_monitor_snapshot.c — mon_vm_save / mon_vm_restore: every
 * guestos demo under every MMU mode, saved part-way and restored into a fresh
 * VM, continues byte-identically for the next COMPARE instructions (or to its stop) (the same trace events in JSON Lines, the
 * same serial output, the same summary) as the run that was saved; bad,
 * truncated, corrupted and other-option snapshots are rejected with one line
 * and leave the VM as it was.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/monitor.h"
#include "tests/unit/check_run.h"

#define SAVE_AT 200000 /* every demo runs longer */
#define COMPARE 3000000 /* instructions compared after the save (or to the stop): keeps the test short */

static const char *const demos[] = {"hello", "pagetouch", "spawn", "cpubench",
				    "misbehave", "pingpong", "ulibtest", "swaptest"};

/* Everything a run shows, as text. */
struct seen {
	char *buf;
	size_t len;
	FILE *f;
};

static void seen_open(struct seen *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	ck_assert_ptr_nonnull(s->f);
}

static void sink(void *ctx, const struct mon_event *ev)
{
	char line[768];
	mon_event_format(ev, MON_TRACE_JSONL, line, sizeof line);
	fprintf(((struct seen *)ctx)->f, "%s\n", line);
}

/* Run to the stop (or to icount `until`); then the serial output and the summary go
 * after the events. */
static void finish_at(struct vm *vm, struct seen *s, uint64_t until)
{
	mon_vm_pause_at(vm, until);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	size_t n;
	const char *out = mon_vm_serial(vm, &n);
	fprintf(s->f, "--- serial\n%.*s--- summary\n", (int)n, out);
	mon_print_summary(vm, s->f);
	fclose(s->f);
}

static void finish(struct vm *vm, struct seen *s)
{
	finish_at(vm, s, UINT64_MAX);
}

static void config(struct mon_config *c, const char *demo, enum mon_mmu_mode mmu, bool pv)
{
	mon_config_defaults(c);
	snprintf(c->cmdline, sizeof c->cmdline, "run=%s", demo);
	/* every demo runs in 4M; a small machine keeps each save and restore
	 * (a copy of all machine memory) cheap: 8M + the 4M shadow pool, not 64M + 16M */
	c->mem_size = 8ull << 20;
	c->mmu = mmu;
	c->paravirt = pv;
}

static struct vm *create(const struct mon_config *c)
{
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "create: %s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

static void save_restore_continue(enum mon_mmu_mode mmu, bool pv)
{
	for (unsigned d = 0; d < sizeof demos / sizeof demos[0]; d++) {
		struct mon_config c;
		config(&c, demos[d], mmu, pv);
		/* the run that is saved: pause, save, then what follows is the reference */
		struct vm *a = create(&c);
		mon_vm_pause_at(a, SAVE_AT);
		enum mon_state st;
		while ((st = mon_vm_step(a, MON_STEP_RUN)) == MON_RUNNING)
			;
		ck_assert_msg(st == MON_PAUSED, "%s: no pause", demos[d]);
		ck_assert_uint_ge(mon_vm_icount(a), SAVE_AT);
		char err[MON_ERR_MAX] = "";
		size_t len;
		uint8_t *snap = mon_vm_save(a, &len, err, sizeof err);
		ck_assert_msg(snap != NULL, "%s: save: %s", demos[d], err);
		struct seen ref, got;
		seen_open(&ref);
		mon_vm_set_event_sink(a, sink, &ref);
		mon_vm_set_sink_cats(a, MON_CAT_ALL & ~(uint32_t)MON_CAT_INSN); /* INSN: one insn per run, slow */
		uint64_t until = mon_vm_icount(a) + COMPARE;
		finish_at(a, &ref, until);

		struct vm *b = create(&c);
		ck_assert_msg(mon_vm_restore(b, snap, len, err, sizeof err) == 0, "%s: restore: %s", demos[d], err);
		seen_open(&got);
		mon_vm_set_event_sink(b, sink, &got);
		mon_vm_set_sink_cats(b, MON_CAT_ALL & ~(uint32_t)MON_CAT_INSN);
		finish_at(b, &got, until);
		ck_assert_msg(ref.len == got.len && !memcmp(ref.buf, got.buf, ref.len),
			      "%s (%s): the restored run differs (%zu vs %zu bytes)", demos[d],
			      mon_modes_name(&c), ref.len, got.len);
		ck_assert_uint_eq(mon_vm_icount(a), mon_vm_icount(b));
		free(ref.buf);
		free(got.buf);
		free(snap);
		mon_vm_destroy(a);
		mon_vm_destroy(b);
	}
}

START_TEST(demos_shadow) { save_restore_continue(MON_MMU_SHADOW, false); }
END_TEST
START_TEST(demos_swtlb) { save_restore_continue(MON_MMU_SWTLB, false); }
END_TEST
START_TEST(demos_nested) { save_restore_continue(MON_MMU_NESTED, false); }
END_TEST
START_TEST(demos_paravirt) { save_restore_continue(MON_MMU_SHADOW, true); }
END_TEST

/* Each damaged snapshot: one line, restore refused, the VM untouched (it still runs the same). */
START_TEST(bad_snapshots_rejected)
{
	struct mon_config c;
	config(&c, "hello", MON_MMU_SHADOW, false);
	struct vm *a = create(&c);
	mon_vm_pause_at(a, SAVE_AT);
	while (mon_vm_step(a, MON_STEP_RUN) == MON_RUNNING)
		;
	char err[MON_ERR_MAX] = "";
	size_t len;
	uint8_t *snap = mon_vm_save(a, &len, err, sizeof err);
	ck_assert_ptr_nonnull(snap);
	uint8_t *bad = malloc(len);
	ck_assert_ptr_nonnull(bad);
	struct vm *b = create(&c);

	ck_assert_int_eq(mon_vm_restore(b, (const uint8_t *)"hello", 5, err, sizeof err), -1);
	ck_assert_str_eq(err, "not a vmlab snapshot");
	ck_assert_int_eq(mon_vm_restore(b, snap, len - 100, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "truncated"), "%s", err);
	memcpy(bad, snap, len);
	bad[len / 2] ^= 0x40;
	ck_assert_int_eq(mon_vm_restore(b, bad, len, err, sizeof err), -1);
	ck_assert_str_eq(err, "snapshot corrupted (checksum mismatch)");
	memcpy(bad, snap, len);
	bad[8] = 99; /* version */
	ck_assert_int_eq(mon_vm_restore(b, bad, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "version 99"), "%s", err);
	memcpy(bad, snap, len);
	bad[12] ^= 1; /* layout: another build */
	ck_assert_int_eq(mon_vm_restore(b, bad, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "another build"), "%s", err);
	ck_assert_uint_eq(mon_vm_icount(b), 0);

	/* other machine options */
	struct mon_config c2;
	config(&c2, "hello", MON_MMU_SHADOW, false);
	c2.tlb_ways = 8;
	struct vm *other = create(&c2);
	ck_assert_int_eq(mon_vm_restore(other, snap, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "other machine options"), "%s", err);
	ck_assert_uint_eq(mon_vm_icount(other), 0);
	mon_vm_destroy(other);

	/* b was left as created: it still boots and runs hello like a fresh VM */
	struct vm *fresh = create(&c);
	struct seen x, y;
	seen_open(&x);
	seen_open(&y);
	finish(b, &x);
	finish(fresh, &y);
	ck_assert(x.len == y.len && !memcmp(x.buf, y.buf, x.len));
	free(x.buf);
	free(y.buf);
	free(bad);
	free(snap);
	mon_vm_destroy(a);
	mon_vm_destroy(b);
	mon_vm_destroy(fresh);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_snapshot");
	TCase *tc = tcase_create("snapshot");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, bad_snapshots_rejected);
	tcase_add_test(tc, demos_shadow);
	tcase_add_test(tc, demos_swtlb);
	tcase_add_test(tc, demos_nested);
	tcase_add_test(tc, demos_paravirt);
	suite_add_tcase(s, tc);
	return check_run(s);
}
