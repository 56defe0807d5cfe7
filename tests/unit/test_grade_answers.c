/*
 * tests/unit/test_grade_answers.c — the numbers of `answer` checks: what a
 * student wrote in answers.txt, the number a reference run prints after a text, and
 * whether they agree (exactly, as integers, when both are integers written in full).
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
	struct grade_number v;
	ck_assert(grade_answer_of(a, "hidden_faults", &v));
	ck_assert(v.d == 42 && v.exact && v.mag == 42 && !v.neg && !v.hex);
	ck_assert(grade_answer_of(a, "page_outs", &v));
	ck_assert(v.d == 185);
	ck_assert(grade_answer_of(a, "ratio", &v));
	ck_assert(v.d == 0.75 && !v.exact);
	ck_assert(grade_answer_of(a, "neg", &v));
	ck_assert(v.d == -3 && v.exact && v.neg && v.mag == 3);
	ck_assert(grade_answer_of(a, "hello_pv_exits", &v));
	ck_assert(v.d == 624);
	ck_assert_str_eq(v.text, "624"); /* the number as written, without what follows */
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
	ck_assert(v.d == 1);
}
END_TEST

START_TEST(number_after_text)
{
	const char *out = "exits:           624 (sensitive 81, exception 8)\n"
			  "TLB:             16x4 lru: hits 3437633, misses 1498, hit rate 99.96%\n"
			  "[kernel] swap: 185 page-outs, 70 page-ins\n"
			  "faults:\n"
			  "next 7\n"
			  "sidt: base 0xfffffe0000001000 limit 0x0fff\n";
	struct grade_number n;
	ck_assert(grade_number_after(out, "exits:", &n) && n.d == 624 && n.exact);
	ck_assert(grade_number_after(out, "misses", &n) && n.d == 1498);
	ck_assert_str_eq(n.text, "1498");
	ck_assert(grade_number_after(out, "swap:", &n) && n.d == 185);
	ck_assert(grade_number_after(out, "hit rate", &n) && n.d == 99.96 && !n.exact);
	ck_assert(grade_number_after(out, "TLB:", &n) && n.d == 16); /* the first number after the text */
	ck_assert(grade_number_after(out, "base", &n) && n.exact && n.hex);
	ck_assert(n.mag == 0xfffffe0000001000ull);
	ck_assert_str_eq(n.text, "0xfffffe0000001000");
	/* no number on the text's line: none, never the next line's number */
	ck_assert(!grade_number_after(out, "faults:", &n) && isnan(n.d));
	ck_assert(!grade_number_after(out, "absent", &n) && isnan(n.d));
	ck_assert(!grade_number_after("end: -", "end:", &n) && isnan(n.d));
}
END_TEST

/* What is exact (an integer written in full) and what is a double only. */
START_TEST(exact_or_double)
{
	struct grade_number n;
	ck_assert(grade_parse_number("0x7f3a1234", &n) && n.exact && n.hex && n.mag == 0x7f3a1234);
	ck_assert(grade_parse_number("0X7F3A1234,", &n) && n.exact && n.hex && n.mag == 0x7f3a1234);
	ck_assert(grade_parse_number("-0x10", &n) && n.exact && n.neg && n.mag == 16 && n.d == -16);
	ck_assert(grade_parse_number("+12", &n) && n.exact && !n.neg && n.mag == 12);
	ck_assert(grade_parse_number("010", &n) && n.exact && n.mag == 10); /* not octal */
	ck_assert(grade_parse_number("-0", &n) && n.exact && !n.neg && n.mag == 0);
	ck_assert(grade_parse_number("18446744073709551615", &n) && n.exact && n.mag == ~0ull);
	/* not integers in full: doubles */
	ck_assert(grade_parse_number("18446744073709551616", &n) && !n.exact && n.d == 18446744073709551616.0);
	ck_assert(grade_parse_number("1e3", &n) && !n.exact && n.d == 1000);
	ck_assert(grade_parse_number("0x1p3", &n) && !n.exact && n.d == 8);
	ck_assert(grade_parse_number("2.0", &n) && !n.exact && n.d == 2);
	ck_assert(grade_parse_number(".5", &n) && !n.exact && n.d == 0.5);
	ck_assert(!grade_parse_number("x", &n) && isnan(n.d));
	ck_assert(!grade_parse_number("", &n));
	ck_assert(!grade_parse_number("-", &n));
}
END_TEST

/* How an answer key writes a number: in the base the reference printed it in. */
START_TEST(key_format)
{
	static const char *const cases[][2] = {
		{ "0xfffffe0000001000", "0xfffffe0000001000" }, /* was 1.84467418746863e+19 */
		{ "0x0FFF", "0xfff" },
		{ "6918144", "6918144" },
		{ "-3", "-3" },
		{ "99.96%", "99.96" },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct grade_number n;
		char buf[64];
		ck_assert(grade_parse_number(cases[i][0], &n));
		grade_number_format(&n, buf, sizeof buf);
		ck_assert_str_eq(buf, cases[i][1]);
	}
}
END_TEST

static bool within(const char *got, const char *want, const char *tol)
{
	struct grade_number g, w;
	struct grade_tol t = { 0 };
	ck_assert(grade_parse_number(got, &g) && grade_parse_number(want, &w));
	if (tol)
		ck_assert_int_eq(grade_tol_parse(tol, &t), 0);
	return grade_number_within(&g, &w, &t);
}

START_TEST(compare_exact)
{
	/* wrong only in the low bits of a large number: equal as doubles, wrong as integers */
	ck_assert(within("0xfffffe0000001000", "0xfffffe0000001000", NULL));
	ck_assert(!within("0xfffffe0000001001", "0xfffffe0000001000", NULL));
	ck_assert(!within("18446741874686300161", "0xfffffe0000001000", NULL));
	ck_assert(within("18446741874686300160", "0xfffffe0000001000", NULL)); /* any base */
	ck_assert(!within("0x7f3a12341234567", "0x7f3a12341234566", NULL));
	ck_assert(within("0x7f3a1234", "2134512180", NULL));
	ck_assert(!within("-5", "5", NULL));
	ck_assert(within("-0", "0", NULL));
	/* an absolute tolerance in integers */
	ck_assert(within("0xffffffffffffff64", "0xffffffffffffff00", "100"));
	ck_assert(!within("0xffffffffffffff65", "0xffffffffffffff00", "100"));
	ck_assert(within("0xfffffffffffffe9c", "0xffffffffffffff00", "100.9"));
	ck_assert(!within("0xfffffffffffffe9b", "0xffffffffffffff00", "100.9"));
	ck_assert(within("-3", "3", "6"));
	ck_assert(!within("-3", "3", "5.99"));
	ck_assert(!within("0", "0xffffffffffffffff", "1000")); /* far apart, no overflow */
	ck_assert(!within("-18446744073709551615", "18446744073709551615", "1")); /* a 65-bit difference */
	/* a percentage, computed exactly: 1e-9 % of 1e19 is 1e8 */
	ck_assert(within("10000000000100000000", "10000000000000000000", "0.000000001%"));
	ck_assert(!within("10000000000100000001", "10000000000000000000", "0.000000001%"));
	ck_assert(within("9999999999900000000", "10000000000000000000", "0.000000001%"));
	ck_assert(!within("9999999999899999999", "10000000000000000000", "0.000000001%"));
	ck_assert(within("129", "100", "29%")); /* 0.29 is below 29/100 as a double */
	ck_assert(!within("130", "100", "29%"));
	/* not both integers: doubles, as before */
	ck_assert(within("99.96", "99.96", NULL));
	ck_assert(within("100", "99.96", "0.05"));
	ck_assert(!within("100", "99.96", "0.03"));
	ck_assert(within("1e3", "1000", NULL));
	ck_assert(within("102", "100.0", "2%"));
	ck_assert(!within("102.5", "100", "2%"));
}
END_TEST

START_TEST(tolerance_text)
{
	struct grade_tol t;
	ck_assert(grade_tol_parse("0.5", &t) == 0 && !t.rel && t.num == 5 && t.den == 10 && t.value == 0.5);
	ck_assert(grade_tol_parse("2%", &t) == 0 && t.rel && t.num == 2 && t.den == 100);
	ck_assert(grade_tol_parse("2.5%", &t) == 0 && t.rel && t.num == 25 && t.den == 1000);
	ck_assert(grade_tol_parse("7", &t) == 0 && t.num == 7 && t.den == 1);
	ck_assert(grade_tol_parse("", &t) == -1);
	ck_assert(grade_tol_parse("-1", &t) == -1);
	ck_assert(grade_tol_parse("1e3", &t) == -1);
	ck_assert(grade_tol_parse("1.2.3", &t) == -1);
	ck_assert(grade_tol_parse("2%%", &t) == -1);
	ck_assert(grade_tol_parse("1234567890123456789", &t) == -1); /* 19 digits */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grade_answers");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, answers_file_forms);
	tcase_add_test(tc, number_after_text);
	tcase_add_test(tc, exact_or_double);
	tcase_add_test(tc, key_format);
	tcase_add_test(tc, compare_exact);
	tcase_add_test(tc, tolerance_text);
	suite_add_tcase(s, tc);
	return check_run(s);
}
