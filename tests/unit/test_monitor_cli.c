/* tests/unit/test_monitor_cli.c — run-option parsing, sizes, trace formatting. */
#include <check.h>
#include <string.h>

#include "monitor/vmm/monitor.h"
#include "tests/unit/check_run.h"

static int parse(struct mon_config *c, const char *a, const char *b, char *err)
{
	char *argv[3] = { (char *)"run", (char *)a, (char *)b };
	int argc = b ? 3 : 2, i = 1;
	return mon_cli_parse_option(c, argc, argv, &i, err, MON_ERR_MAX);
}

START_TEST(sizes)
{
	uint64_t v;
	ck_assert(mon_parse_size("16M", &v) && v == 16ull << 20);
	ck_assert(mon_parse_size("4096", &v) && v == 4096);
	ck_assert(mon_parse_size("1G", &v) && v == 1ull << 30);
	ck_assert(mon_parse_size("2MiB", &v) && v == 2ull << 20);
	ck_assert(mon_parse_size("0x100000", &v) && v == 0x100000);
	ck_assert(!mon_parse_size("", &v));
	ck_assert(!mon_parse_size("12Q", &v));
	ck_assert(!mon_parse_size("-1M", &v));
	ck_assert(!mon_parse_size("99999999999999999999", &v));
	ck_assert(!mon_parse_size("17179869184G", &v));
	ck_assert(mon_parse_u64("0x10", &v) && v == 16);
	ck_assert(!mon_parse_u64("10x", &v));
}
END_TEST

START_TEST(options)
{
	struct mon_config c;
	char err[MON_ERR_MAX];
	mon_config_defaults(&c);
	/* a guest that runs or prints forever is stopped by default (issue 10) */
	ck_assert_uint_eq(c.max_insns, MON_MAX_INSNS_DEFAULT);
	ck_assert_uint_eq(c.max_output, MON_MAX_OUTPUT_DEFAULT);
	ck_assert_int_eq(parse(&c, "--max-output", "64K", err), 1);
	ck_assert_uint_eq(c.max_output, 64 << 10);
	ck_assert_int_eq(parse(&c, "--max-output", "0", err), -1);
	ck_assert(strstr(err, "--max-output"));
	ck_assert_uint_eq(c.tlb_sets, 16);
	ck_assert_int_eq(parse(&c, "--tlb=32x3", NULL, err), 1);
	ck_assert_uint_eq(c.tlb_sets, 32);
	ck_assert_uint_eq(c.tlb_ways, 3);
	/* too few ways for one instruction's translations: refused, the minimum named */
	ck_assert_int_eq(parse(&c, "--tlb=32x2", NULL, err), -1);
	ck_assert(strstr(err, "at least 32x3"));
	ck_assert_int_eq(parse(&c, "--tlb=1x5", NULL, err), -1);
	ck_assert(strstr(err, "at least 1x6"));
	ck_assert_int_eq(parse(&c, "--tlb", "3x2", err), -1);
	ck_assert(strstr(err, "--tlb"));
	ck_assert_int_eq(parse(&c, "--mem", "8M", err), 1);
	ck_assert_uint_eq(c.mem_size, 8ull << 20);
	ck_assert_int_eq(parse(&c, "--mem", "1020K", err), -1);
	ck_assert(strstr(err, "from 1M to 1G"));
	ck_assert_int_eq(parse(&c, "--module", "a", err), 1);
	ck_assert_int_eq(parse(&c, "--module", "b", err), 1);
	ck_assert_uint_eq(c.nmodules, 2);
	ck_assert_str_eq(c.modules[1], "b");
	ck_assert_int_eq(parse(&c, "--trace-categories", "tlb,io", err), 1);
	ck_assert_uint_eq(c.trace_cats, MON_CAT_TLB | MON_CAT_IO);
	ck_assert_int_eq(parse(&c, "--trace-categories", "tlb,nope", err), -1);
	ck_assert(strstr(err, "nope"));
	ck_assert_int_eq(parse(&c, "--trace-format=jsonl", NULL, err), 1);
	ck_assert_int_eq(c.trace_format, MON_TRACE_JSONL);
	ck_assert_int_eq(parse(&c, "--tlb-policy", "random", err), 1);
	ck_assert_int_eq(c.tlb_policy, MON_TLB_RANDOM);
	ck_assert_int_eq(parse(&c, "--cost", "exit=300,walk_ref=7", err), 1);
	ck_assert_uint_eq(c.cost.exit, 300);
	ck_assert_uint_eq(c.cost.walk_ref, 7);
	ck_assert_int_eq(parse(&c, "--cost", "bogus=1", err), -1);
	ck_assert_int_eq(parse(&c, "--seed", NULL, err), -1);
	ck_assert(strstr(err, "needs a value"));
	ck_assert_int_eq(parse(&c, "--frob", NULL, err), 0);
	ck_assert_int_eq(parse(&c, "file", NULL, err), 0);
	ck_assert_int_eq(parse(&c, "--mmu", "bogus", err), -1);
}
END_TEST

START_TEST(event_format)
{
	struct mon_event e = { .icount = 1042, .vmid = 0, .cat = MON_CAT_TLB, .kind = "tlb_install",
			       .has = MON_EV_VA | MON_EV_MA | MON_EV_SETWAY, .va = 0x401000,
			       .ma = 0x1a7000, .set = 1, .way = 2 };
	strcpy(e.who, "VMM");
	strcpy(e.text, "TLB install \"x\"");
	char buf[512];
	mon_event_format(&e, MON_TRACE_TEXT, buf, sizeof buf);
	ck_assert_str_eq(buf, "[     1042] vm0 VMM        TLB install \"x\"");
	mon_event_format(&e, MON_TRACE_JSONL, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"icount\":1042,\"vm\":0,\"who\":\"VMM\",\"cat\":\"tlb\",\"kind\":\"tlb_install\","
			      "\"text\":\"TLB install \\\"x\\\"\",\"va\":\"0x401000\",\"ma\":\"0x1a7000\","
			      "\"set\":1,\"way\":2}");
	char small[8];
	mon_event_format(&e, MON_TRACE_JSONL, small, sizeof small);
	ck_assert_uint_eq(strlen(small), 7);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_cli");
	TCase *tc = tcase_create("cli");
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, options);
	tcase_add_test(tc, event_format);
	suite_add_tcase(s, tc);
	return check_run(s);
}
