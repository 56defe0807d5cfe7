/*
 * tests/unit/test_monitor_trace.c — the trace file: categories, --trace-from,
 * --trace-limit, --trace-after KIND[@WHO][#N] with its same-instruction
 * preroll, the ring, the temp-name-then-rename rule.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/vmm/vm.h"

static char path[64];

/* A VM shell: only what the trace needs. */
static struct vm *trace_vm(struct mon_config *c)
{
	struct vm *vm = calloc(1, sizeof *vm);
	strcpy(vm->who, "kernel");
	snprintf(path, sizeof path, "/tmp/vmlab_trace_test_%d", (int)getpid());
	c->trace_file = path;
	char err[MON_ERR_MAX];
	ck_assert_int_eq(mon_trace_open(vm, c, err, sizeof err), 0);
	return vm;
}

/* Emit: at icount ic, kind k, category cat, runner who. */
static void ev(struct vm *vm, uint64_t ic, enum mon_cat cat, const char *k, const char *who)
{
	vm->cpu.icount = ic;
	strcpy(vm->who, who);
	mon_trace_emit(vm, cat, NULL, k, NULL, "%s at %llu", k, (unsigned long long)ic);
}

/* Close and return the file's lines joined by '|' (kinds only). */
static char *finish(struct vm *vm)
{
	ck_assert_int_eq(mon_trace_close(vm, true), 0);
	free(vm);
	FILE *f = fopen(path, "r");
	ck_assert(f != NULL);
	static char out[4096];
	out[0] = 0;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		char kind[64];
		/* "[      ic] vm0 who        kind at ic" */
		char *p = strstr(line, "] vm0 ");
		ck_assert(p);
		sscanf(p + 6 + 11, "%63s", kind);
		if (out[0])
			strcat(out, "|");
		strcat(out, kind);
	}
	fclose(f);
	unlink(path);
	return out;
}

static void script(struct vm *vm)
{
	ev(vm, 1, MON_CAT_TLB, "miss1", "kernel");
	ev(vm, 2, MON_CAT_IO, "io1", "kernel");
	ev(vm, 5, MON_CAT_TLB, "miss2", "app:hello");
	ev(vm, 5, MON_CAT_SHADOW, "walk2", "app:hello");
	ev(vm, 5, MON_CAT_TLB, "install", "app:hello");
	ev(vm, 7, MON_CAT_TLB, "miss3", "app:hello");
	ev(vm, 7, MON_CAT_TLB, "install", "app:hello");
	ev(vm, 9, MON_CAT_IO, "io2", "kernel");
}

START_TEST(categories_from_limit)
{
	struct mon_config c;
	mon_config_defaults(&c);
	c.trace_cats = MON_CAT_TLB;
	struct vm *vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "miss1|miss2|install|miss3|install");
	mon_config_defaults(&c);
	c.trace_from = 5;
	c.trace_limit = 3;
	vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "miss2|walk2|install");
}
END_TEST

START_TEST(after_with_preroll)
{
	struct mon_config c;
	mon_config_defaults(&c);
	c.trace_after = "install@app";
	struct vm *vm = trace_vm(&c);
	script(vm);
	/* starts at the first install while an app runs, with the same instruction's events before it */
	ck_assert_str_eq(finish(vm), "miss2|walk2|install|miss3|install|io2");
	mon_config_defaults(&c);
	c.trace_after = "install#2";
	c.trace_cats = MON_CAT_TLB | MON_CAT_IO;
	vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "miss3|install|io2");
	mon_config_defaults(&c);
	c.trace_after = "io1@app";
	vm = trace_vm(&c);
	script(vm);
	ck_assert_str_eq(finish(vm), "");
}
END_TEST

START_TEST(temp_name_and_ring)
{
	struct mon_config c;
	mon_config_defaults(&c);
	struct vm *vm = trace_vm(&c);
	char tmp[80];
	snprintf(tmp, sizeof tmp, "%s.tmp0", path);
	ck_assert_int_eq(access(tmp, F_OK), 0);   /* written under the temp name ... */
	ck_assert_int_ne(access(path, F_OK), 0);
	for (int i = 0; i < 40; i++)
		ev(vm, (uint64_t)i, MON_CAT_IO, "io", "kernel");
	struct mon_event r[MON_RING_MAX + 4];
	ck_assert_uint_eq(mon_vm_recent_events(vm, r, MON_RING_MAX + 4), MON_RING_MAX);
	ck_assert_uint_eq(r[0].icount, 40 - MON_RING_MAX);
	ck_assert_uint_eq(r[MON_RING_MAX - 1].icount, 39);
	ck_assert_int_eq(mon_trace_close(vm, false), 0); /* ... and removed when the run failed */
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_trace");
	TCase *tc = tcase_create("trace");
	tcase_add_test(tc, categories_from_limit);
	tcase_add_test(tc, after_with_preroll);
	tcase_add_test(tc, temp_name_and_ring);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
