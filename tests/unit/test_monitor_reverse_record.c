/*
 * tests/unit/test_monitor_reverse_record.c — the session record file
 * (monitor/reverse/recfile.c): written and parsed back equal; truncated,
 * changed, other-format and malformed files refused with one line.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/reverse/reverse.h"
#include "monitor/vmm/monitor.h"
#include "tests/unit/check_run.h"

/* A record of two options, one image and three commands, as text (malloc'd). */
static char *sample(size_t *len)
{
	struct rev_record r = {0};
	char err[256];
	snprintf(r.version, sizeof r.version, "0.1");
	ck_assert_int_eq(rev_record_add_opt(&r, "--cmdline", err, sizeof err), 0);
	ck_assert_int_eq(rev_record_add_opt(&r, "run=hello mem=8M", err, sizeof err), 0);
	ck_assert_int_eq(rev_record_add_image(&r, "kernel", mon_fnv1a(MON_FNV_INIT, "ELF", 3), 3, "build/guestos/kernel.elf", err, sizeof err), 0);
	ck_assert_int_eq(rev_record_add_cmd(&r, 0, "until syscall", err, sizeof err), 0);
	ck_assert_int_eq(rev_record_add_cmd(&r, 578193, "# a comment", err, sizeof err), 0);
	ck_assert_int_eq(rev_record_add_cmd(&r, 578193, "reverse-stepi 2", err, sizeof err), 0);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	ck_assert_int_eq(rev_record_write(&r, f), 0);
	fclose(f);
	rev_record_free(&r);
	return buf;
}

START_TEST(test_round_trip)
{
	size_t len;
	char *buf = sample(&len);
	struct rev_record r;
	char err[256];
	ck_assert_msg(rev_record_parse(&r, buf, len, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(r.version, "0.1");
	ck_assert_uint_eq(r.nopts, 2);
	ck_assert_str_eq(r.opts[1], "run=hello mem=8M");
	ck_assert_uint_eq(r.nimg, 1);
	ck_assert_str_eq(r.img[0].kind, "kernel");
	ck_assert_uint_eq(r.img[0].size, 3);
	ck_assert_uint_eq(r.img[0].hash, mon_fnv1a(MON_FNV_INIT, "ELF", 3));
	ck_assert_str_eq(r.img[0].path, "build/guestos/kernel.elf");
	ck_assert_uint_eq(r.ncmd, 3);
	ck_assert_uint_eq(r.cmd[1].icount, 578193);
	ck_assert_str_eq(r.cmd[2].line, "reverse-stepi 2");
	rev_record_free(&r);
	free(buf);
}
END_TEST

/* Parsing text must fail with an error containing want. */
static void refused(const char *text, size_t len, const char *want)
{
	struct rev_record r;
	char err[256] = "";
	ck_assert_int_eq(rev_record_parse(&r, text, len, err, sizeof err), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(r.ncmd + r.nopts + r.nimg, 0);
}

START_TEST(test_truncated)
{
	size_t len;
	char *buf = sample(&len);
	for (size_t cut = 0; cut < len; cut++) /* every prefix is refused */
		refused(buf, cut, cut == 0 ? "empty" : "truncated");
	free(buf);
}
END_TEST

START_TEST(test_changed)
{
	size_t len;
	char *buf = sample(&len);
	char *p = strstr(buf, "cmd 578193 reverse-stepi 2");
	p[4] = '6'; /* another icount */
	refused(buf, len, "checksum mismatch");
	free(buf);
}
END_TEST

START_TEST(test_malformed)
{
	refused("hello\n", strlen("hello\n"), "not a vmlab record file");
	refused("vmlab-record 2\nvmlab 0.1\nend 0 0\n", strlen("vmlab-record 2\nvmlab 0.1\nend 0 0\n"), "record format 2");
	refused("vmlab-record 1\nvmlab 0.1\nfrog 1\nend 0 0\n", strlen("vmlab-record 1\nvmlab 0.1\nfrog 1\nend 0 0\n"), "line 3: unknown item");
	refused("vmlab-record 1\nvmlab 0.1\ncmd x stepi\nend 0 0\n", strlen("vmlab-record 1\nvmlab 0.1\ncmd x stepi\nend 0 0\n"), "line 3: expected 'cmd ICOUNT COMMAND'");
	refused("vmlab-record 1\nvmlab 0.1\nimage disk 0 0 x\nend 0 0\n", strlen("vmlab-record 1\nvmlab 0.1\nimage disk 0 0 x\nend 0 0\n"), "line 3: an image is");
	refused("vmlab-record 1\nvmlab 0.1\nend zz\n", strlen("vmlab-record 1\nvmlab 0.1\nend zz\n"), "line 3: expected 'end");
	char nul[] = "vmlab-record 1\nvmlab 0.1\ncmd 1 a\0b\nend 1 0\n";
	refused(nul, sizeof nul - 1, "line 3: too long or not text");
}
END_TEST

START_TEST(test_newline_not_recordable)
{
	struct rev_record r = {0};
	char err[256];
	ck_assert_int_eq(rev_record_add_cmd(&r, 1, "stepi\nquit", err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "line break"));
	ck_assert_uint_eq(r.ncmd, 0);
	rev_record_free(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("reverse_record");
	TCase *tc = tcase_create("record");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_changed);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_newline_not_recordable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
