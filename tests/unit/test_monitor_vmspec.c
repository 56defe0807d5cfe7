/*
 * tests/unit/test_monitor_vmspec.c — one VM's spec of `vmlab run --vm`
 * (monitor/tools/vmspec.c): keys, and values in quotes that hold commas
 * (cmdline="run=hello,pingpong"); an open quote or text after the closing
 * one is one line naming the spec.
 */
#include <check.h>
#include <string.h>

#include "monitor/tools/multivm.h"
#include "tests/unit/check_run.h"

static struct mon_config base;
static char err[MON_ERR_MAX];

/* Parse spec; returns its status, the spec in *v (freed by the caller). */
static int parse(struct tool_vmspec *v, const char *spec)
{
	mon_config_defaults(&base);
	err[0] = '\0';
	return tool_vmspec_parse(v, &base, spec, "--vm 1", err, sizeof err);
}

START_TEST(plain_keys)
{
	struct tool_vmspec v;
	ck_assert_int_eq(parse(&v, "name=a,mem=8M,cmdline=run=pingpong,share=3,paravirt"), 0);
	ck_assert_str_eq(v.cfg.name, "a");
	ck_assert_uint_eq(v.cfg.mem_size, 8ull << 20);
	ck_assert_str_eq(v.cfg.cmdline, "run=pingpong");
	ck_assert_uint_eq(v.share, 3);
	ck_assert(v.cfg.paravirt);
	tool_vmspec_free(&v);
	/* empty items are skipped, as before */
	ck_assert_int_eq(parse(&v, ",name=b,,share=2,"), 0);
	ck_assert_str_eq(v.cfg.name, "b");
	ck_assert_uint_eq(v.share, 2);
	tool_vmspec_free(&v);
}
END_TEST

/* module= keys replace the run's modules (its --module files, or the default
 * initrd); without one the VM has the run's. */
START_TEST(modules_replace)
{
	struct tool_vmspec v;
	mon_config_defaults(&base);
	char *argv[] = {"--module=run.pack", "--module=two.elf", NULL};
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(mon_cli_parse_option(&base, 2, argv, &i, err, sizeof err), 1);
	ck_assert_int_eq(tool_vmspec_parse(&v, &base, "name=a,module=/dev/null", "--vm 1", err, sizeof err), 0);
	ck_assert_uint_eq(v.cfg.nmodules, 1);
	ck_assert_str_eq(v.cfg.modules[0], "/dev/null");
	tool_vmspec_free(&v);
	ck_assert_int_eq(tool_vmspec_parse(&v, &base, "name=b,module=x,module=y", "--vm 2", err, sizeof err), 0);
	ck_assert_uint_eq(v.cfg.nmodules, 2);
	ck_assert_str_eq(v.cfg.modules[1], "y");
	tool_vmspec_free(&v);
	ck_assert_int_eq(tool_vmspec_parse(&v, &base, "name=c", "--vm 3", err, sizeof err), 0);
	ck_assert_uint_eq(v.cfg.nmodules, 2);
	ck_assert_str_eq(v.cfg.modules[0], "run.pack");
	tool_vmspec_free(&v);
}
END_TEST

START_TEST(quoted_values)
{
	struct tool_vmspec v;
	ck_assert_int_eq(parse(&v, "name=a,cmdline=\"run=hello,pingpong\",share=2"), 0);
	ck_assert_str_eq(v.cfg.cmdline, "run=hello,pingpong");
	ck_assert_uint_eq(v.share, 2);
	tool_vmspec_free(&v);
	/* single quotes too, last in the spec, holding the other quote and '=' */
	ck_assert_int_eq(parse(&v, "share=4,cmdline='run=a,b msg=\"x\"'"), 0);
	ck_assert_str_eq(v.cfg.cmdline, "run=a,b msg=\"x\"");
	ck_assert_uint_eq(v.share, 4);
	tool_vmspec_free(&v);
	/* a quote inside a plain value is an ordinary character */
	ck_assert_int_eq(parse(&v, "cmdline=run=a\"b"), 0);
	ck_assert_str_eq(v.cfg.cmdline, "run=a\"b");
	tool_vmspec_free(&v);
	/* an empty quoted value */
	ck_assert_int_eq(parse(&v, "cmdline=\"\",name=c"), 0);
	ck_assert_str_eq(v.cfg.cmdline, "");
	ck_assert_str_eq(v.cfg.name, "c");
	tool_vmspec_free(&v);
}
END_TEST

START_TEST(bad_quotes)
{
	struct tool_vmspec v;
	ck_assert_int_eq(parse(&v, "name=a,cmdline=\"run=hello,pingpong"), -1);
	ck_assert_msg(strstr(err, "--vm 1") && strstr(err, "closing quote"), "%s", err);
	ck_assert(!strchr(err, '\n'));
	tool_vmspec_free(&v);
	ck_assert_int_eq(parse(&v, "cmdline=\"run=hello\"x,name=a"), -1);
	ck_assert_msg(strstr(err, "closing quote"), "%s", err);
	tool_vmspec_free(&v);
	/* without quotes a comma still ends the value: "pingpong" is an unknown key */
	ck_assert_int_eq(parse(&v, "cmdline=run=hello,pingpong"), -1);
	ck_assert_msg(strstr(err, "unknown key 'pingpong'"), "%s", err);
	tool_vmspec_free(&v);
	/* an empty key is refused, not skipped */
	ck_assert_int_eq(parse(&v, "=x"), -1);
	ck_assert_msg(strstr(err, "unknown key ''"), "%s", err);
	tool_vmspec_free(&v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_vmspec");
	TCase *tc = tcase_create("vmspec");
	tcase_add_test(tc, plain_keys);
	tcase_add_test(tc, modules_replace);
	tcase_add_test(tc, quoted_values);
	tcase_add_test(tc, bad_quotes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
