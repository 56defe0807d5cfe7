/*
 * tests/unit/test_monitor_migrate.c — live migration (monitor/vmm/migrate.c,
 * migrate_rx.c, shadow/dirtylog.c):
 *   - the dirty log misses no write: every guest page whose bytes changed
 *     while the log was kept is in the collected set, the monitor's own
 *     writes included, and a page only read is not;
 *   - a guestos demo migrated part-way (shadow, shadow+paravirt) ends with the
 *     same serial output and stop as the unmigrated run, with the stream fed
 *     in one piece and in small pieces;
 *   - a link slower than the guest dirties pages ends pre-copy at the round limit;
 *   - bad streams and other MMU modes are refused with one line.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/migrate.h"
#include "shadow/shadow.h"
#include "tests/unit/check_run.h"

static struct vm *create(const char *cmdline, enum mon_mmu_mode mmu, bool pv)
{
	struct mon_config c;
	mon_config_defaults(&c);
	snprintf(c.cmdline, sizeof c.cmdline, "%s", cmdline);
	c.mem_size = 8ull << 20;
	c.mmu = mmu;
	c.paravirt = pv;
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "create: %s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

static void run_to(struct vm *vm, uint64_t icount)
{
	mon_vm_pause_at(vm, icount);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	mon_vm_pause_at(vm, UINT64_MAX);
}

START_TEST(dirty_log_is_complete)
{
	struct vm *vm = create("run=pagetouch", MON_MMU_SHADOW, false);
	run_to(vm, 300000);
	struct shadow_vm *sh = mon_vm_shadow(vm);
	uint64_t np = sh->pmap.npages;
	uint8_t *before = malloc(np * PAGE_SIZE), *dirty = malloc(np);
	ck_assert(before && dirty);
	ck_assert_int_eq(shadow_dirtylog_start(sh), 0);
	for (unsigned round = 0; round < 4; round++) {
		for (uint64_t p = 0; p < np; p++)
			mon_read_pa(vm, p * PAGE_SIZE, before + p * PAGE_SIZE, PAGE_SIZE);
		uint8_t word[8] = {1, 2, 3, 4, 5, 6, 7, (uint8_t)round};
		pa_t poke = (np - 1 - round) * PAGE_SIZE; /* the monitor's own write (a debugger's) */
		ck_assert_uint_eq(mon_write_pa(vm, poke, word, sizeof word), sizeof word);
		run_to(vm, mon_vm_icount(vm) + 200000);
		uint64_t n = shadow_dirtylog_collect(sh, dirty);
		uint64_t changed = 0;
		for (uint64_t p = 0; p < np; p++) {
			uint8_t now[PAGE_SIZE];
			mon_read_pa(vm, p * PAGE_SIZE, now, PAGE_SIZE);
			if (memcmp(now, before + p * PAGE_SIZE, PAGE_SIZE)) {
				changed++;
				ck_assert_msg(dirty[p], "round %u: page %llu changed but is not in the dirty log", round,
					      (unsigned long long)p);
			}
		}
		ck_assert(dirty[poke / PAGE_SIZE]);
		ck_assert_uint_ge(n, changed);
		ck_assert_uint_gt(changed, 1);
		/* a page only read stays clean: page 0 here is never written */
		ck_assert_uint_lt(n, np / 2);
	}
	shadow_dirtylog_stop(sh);
	free(before);
	free(dirty);
	mon_vm_destroy(vm);
}
END_TEST

struct chunked {
	struct mon_migrate_rx *rx;
	size_t piece;            /* feed in pieces of this many bytes (0: as sent) */
};

static int feed(void *ctx, const void *buf, size_t len)
{
	struct chunked *c = ctx;
	char err[MON_ERR_MAX];
	size_t step = c->piece ? c->piece : len;
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		int r = mon_migrate_rx_feed(c->rx, (const uint8_t *)buf + off, n, err, sizeof err);
		ck_assert_msg(r >= 0, "feed: %s", err);
	}
	return 0;
}

/* The demo unmigrated and migrated at `at`: same serial output, same stop. */
static void same_as_unmigrated(const char *cmdline, bool pv, uint64_t at, size_t piece,
			       const struct mon_migrate_opts *o, struct mon_migrate_report *rep)
{
	struct vm *ref = create(cmdline, MON_MMU_SHADOW, pv);
	run_to(ref, UINT64_MAX);
	struct vm *src = create(cmdline, MON_MMU_SHADOW, pv), *dst = create(cmdline, MON_MMU_SHADOW, pv);
	run_to(src, at);
	char err[MON_ERR_MAX] = "";
	struct chunked c = {mon_migrate_rx_new(dst, err, sizeof err), piece};
	ck_assert_ptr_nonnull(c.rx);
	ck_assert_msg(mon_migrate_send(src, o, feed, &c, rep, err, sizeof err) == 0, "send: %s", err);
	ck_assert_int_eq(mon_migrate_rx_feed(c.rx, NULL, 0, err, sizeof err), 1);
	ck_assert_uint_eq(mon_migrate_rx_stats(c.rx)->bytes, rep->total_bytes);
	ck_assert_uint_eq(mon_migrate_rx_stats(c.rx)->pages, rep->total_pages);
	mon_vm_destroy(src);
	run_to(dst, UINT64_MAX);
	size_t n1, n2;
	const char *a = mon_vm_serial(ref, &n1), *b = mon_vm_serial(dst, &n2);
	ck_assert_msg(n1 == n2 && !memcmp(a, b, n1), "%s: serial output differs after migration", cmdline);
	ck_assert_int_eq(mon_vm_stop(ref)->reason, mon_vm_stop(dst)->reason);
	ck_assert_int_eq(mon_vm_stop(ref)->status, mon_vm_stop(dst)->status);
	mon_migrate_rx_free(c.rx);
	mon_vm_destroy(ref);
	mon_vm_destroy(dst);
}

static const struct mon_migrate_opts fast = {.link_pages = 512, .link_insns = 100000, .max_rounds = 30,
					     .stop_pages = 16};

START_TEST(demos_continue_identically)
{
	static const char *const demos[] = {"run=hello", "run=pingpong", "run=spawn", "run=pagetouch"};
	struct mon_migrate_report rep;
	for (unsigned i = 0; i < sizeof demos / sizeof demos[0]; i++) {
		same_as_unmigrated(demos[i], false, 400000, 0, &fast, &rep);
		ck_assert_uint_ge(rep.rounds, 1);
		ck_assert_uint_ge(rep.round[0].pages, 2048); /* round 1: all 8 MiB */
		ck_assert_uint_gt(rep.state_bytes, 0);
	}
	same_as_unmigrated("run=pingpong", true, 400000, 0, &fast, &rep);
	same_as_unmigrated("run=hello", false, 300000, 1000, &fast, &rep); /* pieces across records */
}
END_TEST

START_TEST(slow_link_hits_round_limit)
{
	/* swaptest rewrites its 4 MiB faster than 2 pages per 10^4 instructions go */
	struct mon_migrate_opts slow = {.link_pages = 2, .link_insns = 10000, .max_rounds = 3, .stop_pages = 16};
	struct mon_migrate_report rep;
	same_as_unmigrated("run=swaptest:4", false, 3000000, 0, &slow, &rep);
	ck_assert_int_eq(rep.end, MON_MIGRATE_ROUND_LIMIT);
	ck_assert_uint_eq(rep.rounds, 3);
	ck_assert_uint_gt(rep.final_pages, slow.stop_pages);
	ck_assert_uint_gt(rep.downtime_insns, 0);
}
END_TEST

START_TEST(bad_input_refused)
{
	char err[MON_ERR_MAX] = "";
	struct mon_migrate_report rep;
	struct vm *nested = create("run=hello", MON_MMU_NESTED, false);
	ck_assert_int_eq(mon_migrate_send(nested, &fast, feed, NULL, &rep, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "--mmu=shadow only"));
	struct mon_migrate_opts zero = fast;
	zero.link_pages = 0;
	struct vm *vm = create("run=hello", MON_MMU_SHADOW, false);
	ck_assert_int_eq(mon_migrate_send(vm, &zero, feed, NULL, &rep, err, sizeof err), -1);
	struct mon_migrate_rx *rx = mon_migrate_rx_new(vm, err, sizeof err);
	ck_assert_int_eq(mon_migrate_rx_feed(rx, "VLABSNAPxxxxxxxxxxxxxxxx", 24, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a vmlab migration"));
	mon_migrate_rx_free(rx);
	/* a header for another memory size */
	uint8_t head[20] = "VLABMIGR";
	uint32_t ver = 1;
	uint64_t pages = 7;
	memcpy(head + 8, &ver, 4);
	memcpy(head + 12, &pages, 8);
	rx = mon_migrate_rx_new(vm, err, sizeof err);
	ck_assert_int_eq(mon_migrate_rx_feed(rx, head, sizeof head, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "guest memory differs"));
	mon_migrate_rx_free(rx);
	/* the end record before any page */
	pages = mon_vm_shadow(vm)->pmap.npages;
	memcpy(head + 12, &pages, 8);
	rx = mon_migrate_rx_new(vm, err, sizeof err);
	ck_assert_int_eq(mon_migrate_rx_feed(rx, head, sizeof head, err, sizeof err), 0);
	uint8_t end[9] = {'E'};
	ck_assert_int_eq(mon_migrate_rx_feed(rx, end, sizeof end, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "never sent"));
	mon_migrate_rx_free(rx);
	mon_vm_destroy(vm);
	mon_vm_destroy(nested);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_migrate");
	TCase *tc = tcase_create("migrate");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, dirty_log_is_complete);
	tcase_add_test(tc, demos_continue_identically);
	tcase_add_test(tc, slow_link_hits_round_limit);
	tcase_add_test(tc, bad_input_refused);
	suite_add_tcase(s, tc);
	return check_run(s);
}
