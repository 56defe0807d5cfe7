/*
 * tests/unit/test_grade_rubric.c — the rubric parser (labs/README.md, "Rubric
 * format"): every directive and check option of a good rubric, and a one-line
 * error naming the line for each kind of bad one.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/grade/grade.h"
#include "tests/unit/check_run.h"

/* Write text to a fresh temporary file; its path goes into path. */
static void write_tmp(char *path, size_t len, const char *text)
{
	snprintf(path, len, "/tmp/test_grade_rubric.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static int load(const char *text, struct grade_rubric *r, char *err, size_t errlen)
{
	char path[64];
	write_tmp(path, sizeof path, text);
	int rc = grade_rubric_load(path, r, err, errlen);
	unlink(path);
	return rc;
}

START_TEST(good_rubric)
{
	const char *text =
		"# a comment line\n"
		"lab     tlb            # the marker name\n"
		"title   The simulated TLB\n"
		"hole    tlb/tlb.c\n"
		"hole    tlb/policy.c\n"
		"private labs/08-tlb/solution\n"
		"vary    SEED range 1 65535\n"
		"vary    TLB  pick 8x4 16x4\n"
		"timeout 45\n"
		"\n"
		"check build 10 public build timeout=300 : make -s build/vmlab\n"
		"check unit  20 hidden exit : CK_FORK=no build/tests/test_tlb_policy # not a comment\n"
		"check win   15 public trace file=t.trace ignore=icount,way : @VMLAB@ run --trace @OUT@/t.trace\n"
		"check q      5 public answer key=misses grep=hit_rate tol=2% : @VMLAB@ run\n"
		"check q2   2.5 public answer key=n grep=swap: tol=0.5 : @VMLAB@ run\n"
		"check hand  10 public trace handin=my.trace : @VMLAB@ run --trace @OUT@/trace\n"
		"solve mkdir -p @OUT@/x # a command keeps its '#'\n"
		"student-copy   # vmlab lab export writes it\n";
	struct grade_rubric r;
	char err[256] = "";
	ck_assert_msg(load(text, &r, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(r.lab, "tlb");
	ck_assert_str_eq(r.title, "The simulated TLB");
	ck_assert_int_eq(r.nholes, 2);
	ck_assert_str_eq(r.holes[1], "tlb/policy.c");
	ck_assert_int_eq(r.nprivates, 1);
	ck_assert_int_eq(r.nvars, 2);
	ck_assert(r.vars[0].range);
	ck_assert_uint_eq(r.vars[0].lo, 1);
	ck_assert_uint_eq(r.vars[0].hi, 65535);
	ck_assert(!r.vars[1].range);
	ck_assert_int_eq(r.nchecks, 6);
	ck_assert_str_eq(r.checks[5].handin, "my.trace");
	ck_assert(grade_check_is_code(&r.checks[5])); /* the export, with no hand-in, scores 0 */
	ck_assert_str_eq(r.solve, "mkdir -p @OUT@/x # a command keeps its '#'");
	ck_assert(r.student_copy);
	ck_assert_int_eq(r.checks[0].kind, GK_BUILD);
	ck_assert_uint_eq(r.checks[0].timeout, 300);
	ck_assert_uint_eq(r.checks[1].timeout, 45); /* the rubric's default */
	ck_assert(r.checks[1].hidden);
	ck_assert_int_eq(r.checks[1].kind, GK_EXIT);
	ck_assert_ptr_nonnull(strstr(r.checks[1].cmd, "# not a comment")); /* a command keeps its '#' */
	ck_assert_int_eq(r.checks[2].kind, GK_TRACE);
	ck_assert_str_eq(r.checks[2].file, "t.trace");
	ck_assert_str_eq(r.checks[2].ignore, "icount,way");
	ck_assert_int_eq(r.checks[3].kind, GK_ANSWER);
	ck_assert_str_eq(r.checks[3].key, "misses");
	ck_assert_str_eq(r.checks[3].grep, "hit rate"); /* '_' stands for a space */
	ck_assert(r.checks[3].tol.rel);
	ck_assert(r.checks[3].tol.num == 2 && r.checks[3].tol.den == 100); /* exactly 2/100 */
	ck_assert(!r.checks[4].tol.rel);
	ck_assert(r.checks[4].points == 2.5);
	ck_assert(r.checks[4].tol.value == 0.5 && r.checks[4].tol.num == 5 && r.checks[4].tol.den == 10);
	ck_assert(grade_check_is_code(&r.checks[1]));
	ck_assert(!grade_check_is_code(&r.checks[0]));
	ck_assert(!grade_check_is_code(&r.checks[3]));
	grade_rubric_free(&r);
	ck_assert_int_eq(r.nchecks, 0);
	ck_assert_ptr_null(r.solve);
}
END_TEST

/* Each bad rubric: its one-line error names the line and the problem. */
static const struct {
	const char *text, *want;
} bad[] = {
	{ "lab x\nfrobnicate 1\n", ":2: unknown directive" },
	{ "lab x\ncheck b 10 public build make\n", ":2: check without ' : COMMAND'" },
	{ "lab x\ncheck b 10 public : make\n", ":2: check wants NAME POINTS public|hidden KIND" },
	{ "lab x\ncheck b ten public build : make\n", ":2: points must be a number 0..1000" },
	{ "lab x\ncheck b 10 secret build : make\n", ":2: visibility must be public or hidden" },
	{ "lab x\ncheck b 10 public compile : make\n", ":2: kind must be build, exit, output, trace or answer" },
	{ "lab x\ncheck u 10 public exit : t\ncheck b 10 public build : make\n", ":3: the build check must come first" },
	{ "lab x\ncheck b 1 public build : m\ncheck b 1 public exit : t\n", ":3: two checks with the same name" },
	{ "lab x\ncheck b 1 public build : m\ncheck q 1 public answer key=k : t\n", ":3: an answer check needs key= and grep=" },
	{ "lab x\ncheck b 1 public build : m\ncheck q 1 public answer key=k grep=g tol=x : t\n", ":3: tol= wants a decimal number or percentage" },
	{ "lab x\ncheck b 1 public build :   \n", ":2: empty command" },
	{ "lab x\nvary S range 9 1\n", ":2: vary VAR range wants numbers LO <= HI" },
	{ "lab x\nvary S shuffle 1 2\n", ":2: vary wants range or pick" },
	{ "lab x\nhole /etc/passwd\n", ":2: hole wants a file path inside the tree" },
	{ "lab x\nprivate ../up\n", ":2: private wants a path inside the tree" },
	{ "lab x\ntimeout 0\n", ":2: timeout wants 1..3600 seconds" },
	{ "title no lab\ncheck b 1 public build : m\n", ":0: no 'lab NAME' line" },
	{ "lab x\n", ":0: no checks" },
	{ "lab x\ncheck t 1 public trace handin=a/b : t\n", ":2: handin= wants a plain file name" },
	{ "lab x\ncheck q 1 public answer key=k grep=g handin=f : t\n", ":2: handin= is for trace and output checks" },
	{ "lab x\nsolve\n", ":2: one solve line, with a command" },
};

START_TEST(bad_rubrics)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct grade_rubric r;
		char err[256] = "";
		ck_assert_msg(load(bad[i].text, &r, err, sizeof err) == -1, "case %zu loaded", i);
		ck_assert_msg(strstr(err, bad[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err, bad[i].want);
		ck_assert_msg(!strchr(err, '\n'), "case %zu: more than one line", i);
	}
	struct grade_rubric r;
	char err[256] = "";
	ck_assert_int_eq(grade_rubric_load("/nonexistent/rubric", &r, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/rubric: No such file"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grade_rubric");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, good_rubric);
	tcase_add_test(tc, bad_rubrics);
	suite_add_tcase(s, tc);
	return check_run(s);
}
