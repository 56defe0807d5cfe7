/*
 * tests/unit/test_grade_answers.c — the numbers of `answer` checks: what a
 * student wrote in answers.txt, and the number a reference run prints after a text.
 */
#include <check.h>
#include <math.h>

#include "monitor/grade/grade.h"
#include "tests/unit/check_run.h"

START_TEST(answers_file_forms)
{
	const char *a = "# my answers\n"
			"hidden_faults = 42\n"
			"  page_outs: 185\n"
			"ratio 0.75\n"
			"neg=-3\n"
			"empty =\n"
			"hello_pv_exits = 624 (I counted twice)\n";
	double v = 0;
	ck_assert(grade_answer_of(a, "hidden_faults", &v));
	ck_assert(v == 42);
	ck_assert(grade_answer_of(a, "page_outs", &v));
	ck_assert(v == 185);
	ck_assert(grade_answer_of(a, "ratio", &v));
	ck_assert(v == 0.75);
	ck_assert(grade_answer_of(a, "neg", &v));
	ck_assert(v == -3);
	ck_assert(grade_answer_of(a, "hello_pv_exits", &v));
	ck_assert(v == 624);
	/* a key with no number, a missing key, a key that is only a prefix of another */
	ck_assert(!grade_answer_of(a, "empty", &v));
	ck_assert(!grade_answer_of(a, "missing", &v));
	ck_assert(!grade_answer_of(a, "page", &v));
	ck_assert(!grade_answer_of(a, "hidden", &v));
	/* no file, an empty key, a key at the very end of the file */
	ck_assert(!grade_answer_of(NULL, "x", &v));
	ck_assert(!grade_answer_of(a, "", &v));
	ck_assert(!grade_answer_of("x", "x", &v));
	ck_assert(grade_answer_of("x 1", "x", &v));
	ck_assert(v == 1);
}
END_TEST

START_TEST(number_after_text)
{
	const char *out = "exits:           624 (sensitive 81, exception 8)\n"
			  "TLB:             16x4 lru: hits 3437633, misses 1498, hit rate 99.96%\n"
			  "[kernel] swap: 185 page-outs, 70 page-ins\n"
			  "faults:\n"
			  "next 7\n";
	ck_assert(grade_number_after(out, "exits:") == 624);
	ck_assert(grade_number_after(out, "misses") == 1498);
	ck_assert(grade_number_after(out, "swap:") == 185);
	ck_assert(grade_number_after(out, "hit rate") == 99.96);
	ck_assert(grade_number_after(out, "TLB:") == 16); /* the first number after the text */
	/* no number on the text's line: NAN, never the next line's number */
	ck_assert(isnan(grade_number_after(out, "faults:")));
	ck_assert(isnan(grade_number_after(out, "absent")));
	ck_assert(isnan(grade_number_after("end: -", "end:")));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grade_answers");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, answers_file_forms);
	tcase_add_test(tc, number_after_text);
	suite_add_tcase(s, tc);
	return check_run(s);
}
