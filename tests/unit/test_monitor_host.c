/*
 * tests/unit/test_monitor_host.c — the host/VM split: a VM made alone gets a
 * host of its own; several guestos VMs on one host (one RAM, one frame
 * allocator, one VMID-tagged TLB, one real CPU switched between them) run to
 * the same serial output as alone, hold disjoint frames, keep the isolation
 * invariant at every exit, and a VM's frames come back zeroed to the next.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/monitor.h"
#include "tlb/tlb.h"
#include "tests/unit/check_run.h"

#define MEM (8ull << 20)

static void config(struct mon_config *c, const char *demo)
{
	mon_config_defaults(c);
	c->mem_size = MEM;
	c->check_isolation = !strcmp(demo, "hello"); /* slow with pingpong's many exits */
	snprintf(c->cmdline, sizeof c->cmdline, "run=%s", demo);
}

/* The serial output of demo alone on its own host (malloc'd). */
static char *solo_serial(const char *demo)
{
	struct mon_config c;
	config(&c, demo);
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	mon_vm_set_serial_echo(vm, NULL);
	ck_assert_uint_eq(mon_host_nvms(mon_vm_host(vm)), 1);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	ck_assert_int_eq(mon_vm_stop(vm)->reason, MON_STOP_HALT);
	size_t n;
	const char *s = mon_vm_serial(vm, &n);
	char *out = strndup(s, n);
	mon_vm_destroy(vm);
	return out;
}

static struct host *make_host(unsigned nvms, bool flush)
{
	struct mon_config c;
	config(&c, "hello");
	struct mon_host_config hc;
	mon_host_config_from(&hc, &c);
	hc.ram_size = nvms * mon_vm_machine_bytes(&c);
	hc.tlb_flush_on_switch = flush;
	char err[MON_ERR_MAX] = "";
	struct host *h = mon_host_create(&hc, err, sizeof err);
	ck_assert_msg(h != NULL, "%s", err);
	return h;
}

static struct vm *make_on(struct host *h, const char *demo)
{
	struct mon_config c;
	config(&c, demo);
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_load_on(h, &c, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	mon_vm_set_serial_echo(vm, NULL);
	return vm;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* No machine frame backs guest memory of both VMs. */
static void check_disjoint(struct vm *a, struct vm *b)
{
	uint64_t n = MEM >> PAGE_SHIFT, *f = malloc(2 * n * sizeof *f);
	ck_assert_ptr_nonnull(f);
	for (uint64_t i = 0; i < n; i++) {
		ck_assert(mon_pa_to_ma(a, i << PAGE_SHIFT, &f[i]));
		ck_assert(mon_pa_to_ma(b, i << PAGE_SHIFT, &f[n + i]));
	}
	qsort(f, 2 * n, sizeof *f, cmp_u64);
	for (uint64_t i = 1; i < 2 * n; i++)
		ck_assert_msg(f[i] != f[i - 1], "frame 0x%llx backs both VMs", (unsigned long long)f[i]);
	free(f);
}

/* Run the VMs round robin, a slice of 20000 instructions each (not one exit: with
 * the TLB flushed at every switch, an instruction would never find its fill), until
 * all have stopped. */
static void run_all(struct vm **v, unsigned n)
{
	for (bool any = true; any;) {
		any = false;
		for (unsigned i = 0; i < n; i++) {
			mon_vm_pause_at(v[i], mon_vm_icount(v[i]) + 20000);
			enum mon_state st;
			while ((st = mon_vm_step(v[i], MON_STEP_RUN)) == MON_RUNNING)
				;
			any |= st != MON_STOPPED;
		}
	}
}

static void two_on_one(bool flush, uint64_t *hits, uint64_t *misses)
{
	char *solo_a = solo_serial("hello"), *solo_b = solo_serial("pingpong");
	struct host *h = make_host(2, flush);
	struct vm *v[2] = {make_on(h, "hello"), make_on(h, "pingpong")};
	ck_assert_uint_eq(mon_vm_id(v[0]), 0);
	ck_assert_uint_eq(mon_vm_id(v[1]), 1);
	ck_assert_uint_eq(mon_host_nvms(h), 2);
	ck_assert_ptr_eq(mon_vm_tlb(v[0]), mon_vm_tlb(v[1])); /* one TLB */
	uint64_t nfree, total = mon_host_frames(h, &nfree);
	ck_assert_uint_eq(mon_vm_frames_held(v[0]), MEM >> PAGE_SHIFT);
	ck_assert_uint_le(mon_vm_frames_held(v[0]) + mon_vm_frames_held(v[1]), total - nfree);
	check_disjoint(v[0], v[1]);
	run_all(v, 2);
	ck_assert_uint_gt(mon_host_switches(h), 2);
	const char *solo[2] = {solo_a, solo_b};
	*hits = *misses = 0;
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_msg(mon_vm_stop(v[i])->reason == MON_STOP_HALT, "vm%u: %s", i, mon_vm_stop(v[i])->message);
		size_t n;
		const char *s = mon_vm_serial(v[i], &n);
		ck_assert_uint_eq(n, strlen(solo[i]));
		ck_assert(!memcmp(s, solo[i], n));
		*hits += mon_vm_tlb_hits(v[i]);
		*misses += mon_vm_tlb_misses(v[i]);
	}
	/* each VM's TLB counters are its own: together they are the TLB's */
	ck_assert_uint_eq(*misses, mon_vm_tlb(v[0])->stats.misses);
	ck_assert_uint_eq(flush ? mon_vm_tlb(v[0])->stats.flushes[TLB_CAUSE_VMSWITCH] > 0 : 1, 1);
	/* a VM sharing its host cannot be snapshot (its RAM holds the other's) */
	char err[MON_ERR_MAX] = "";
	size_t len;
	ck_assert_ptr_null(mon_vm_save(v[0], &len, err, sizeof err));
	ck_assert(strstr(err, "shares its host"));
	ck_assert_int_eq(mon_host_destroy(h), -1); /* VMs still on it */
	mon_vm_destroy(v[0]);
	mon_vm_destroy(v[1]);
	ck_assert_int_eq(mon_host_destroy(h), 0);
	free(solo_a);
	free(solo_b);
}

START_TEST(two_vms_share_a_host)
{
	uint64_t h1, m1, h2, m2;
	two_on_one(false, &h1, &m1);
	two_on_one(true, &h2, &m2);
	ck_assert_uint_gt(m2, m1); /* an untagged TLB misses more */
}
END_TEST

static const uint64_t pat = 0x5ec12e7da7a0f00dull;

/* Write pat over all of vm's guest-physical memory. */
static void write_all(struct vm *vm)
{
	uint8_t page[4096];
	for (unsigned i = 0; i < sizeof page; i += 8)
		memcpy(page + i, &pat, 8);
	for (uint64_t pa = 0; pa < MEM; pa += sizeof page)
		ck_assert_uint_eq(mon_write_pa(vm, pa, page, sizeof page), sizeof page);
}

/* Scan all of vm's guest-physical memory: none of pat in it. */
static void scan_clean(struct vm *vm)
{
	uint8_t page[4096];
	for (uint64_t pa = 0; pa < MEM; pa += sizeof page) {
		ck_assert_uint_eq(mon_read_pa(vm, pa, page, sizeof page), sizeof page);
		for (unsigned i = 0; i < sizeof page; i += 8)
			ck_assert_msg(memcmp(page + i, &pat, 8), "%s: PA 0x%llx holds another VM's data", mon_vm_name(vm),
				      (unsigned long long)(pa + i));
	}
}

/* A VM writes a pattern over all its guest memory: a VM beside it, scanning
 * all of its own, finds none of it; after the first VM goes, the next VM on
 * its frames finds none of it either (frames are zeroed before reuse). */
START_TEST(frames_zeroed_before_reuse)
{
	struct host *h = make_host(2, false);
	struct vm *a = make_on(h, "hello"), *b = make_on(h, "hello");
	write_all(a);
	scan_clean(b);
	mon_vm_destroy(a);
	struct vm *c = make_on(h, "hello");
	ck_assert_uint_eq(mon_vm_id(c), 0);
	scan_clean(c);
	mon_vm_destroy(b);
	mon_vm_destroy(c);
	ck_assert_int_eq(mon_host_destroy(h), 0);
}
END_TEST

START_TEST(bad_hosts)
{
	struct mon_config c;
	config(&c, "hello");
	struct mon_host_config hc;
	mon_host_config_from(&hc, &c);
	char err[MON_ERR_MAX] = "";
	hc.tlb_ways = 1;
	ck_assert_ptr_null(mon_host_create(&hc, err, sizeof err));
	ck_assert(strstr(err, "too few ways"));
	/* a host too small for a second VM: the second is refused, the first runs on */
	struct host *h = make_host(1, false);
	struct vm *a = make_on(h, "hello");
	ck_assert_ptr_null(mon_vm_load_on(h, &c, err, sizeof err));
	ck_assert(strstr(err, "does not fit"));
	ck_assert_uint_eq(mon_host_nvms(h), 1);
	c.bare_core = true;
	ck_assert_ptr_null(mon_vm_load_on(h, &c, err, sizeof err));
	ck_assert(strstr(err, "bare-core"));
	mon_vm_destroy(a);
	ck_assert_int_eq(mon_host_destroy(h), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_host");
	TCase *tc = tcase_create("host");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_vms_share_a_host);
	tcase_add_test(tc, frames_zeroed_before_reuse);
	tcase_add_test(tc, bad_hosts);
	suite_add_tcase(s, tc);
	return check_run(s);
}
