/*
 * tests/unit/test_grade_files.c — how the grader reads what a sandbox or a submission
 * wrote: through no symbolic link anywhere on the way (grade_open_beneath), only
 * regular files of a bounded size (grade_read_beneath).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/grade/grade.h"
#include "tests/unit/check_run.h"

static char top[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", top, rel);
	ck_assert_int_eq(grade_write_file(p, text, strlen(text)), 0);
}

static void setup(void)
{
	snprintf(top, sizeof top, "/tmp/vmlab-test-grade-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	char p[256], q[256];
	snprintf(p, sizeof p, "%s/tree/grade-out/check", top);
	ck_assert_int_eq(grade_mkdirs(p), 0);
	snprintf(p, sizeof p, "%s/outside", top);
	ck_assert_int_eq(grade_mkdirs(p), 0);
	put("outside/secret", "hidden\n");
	put("tree/grade-out/check/trace", "a trace\n");
	/* a link to a file outside, and a folder link to the outside */
	snprintf(p, sizeof p, "%s/outside/secret", top);
	snprintf(q, sizeof q, "%s/tree/grade-out/check/link", top);
	ck_assert_int_eq(symlink(p, q), 0);
	snprintf(p, sizeof p, "%s/outside", top);
	snprintf(q, sizeof q, "%s/tree/grade-out/dirlink", top);
	ck_assert_int_eq(symlink(p, q), 0);
	snprintf(q, sizeof q, "%s/tree/fifo", top);
	ck_assert_int_eq(mkfifo(q, 0644), 0);
}

static void teardown(void)
{
	grade_rmtree(top);
}

START_TEST(reads_plain_files)
{
	char tree[128];
	snprintf(tree, sizeof tree, "%s/tree", top);
	size_t n = 0;
	char *s = grade_read_beneath(tree, "grade-out/check/trace", 100, &n);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "a trace\n");
	ck_assert_uint_eq(n, 8);
	free(s);
	/* too large for max */
	ck_assert_ptr_null(grade_read_beneath(tree, "grade-out/check/trace", 7, NULL));
	/* a doubled slash is only a separator */
	s = grade_read_beneath(tree, "grade-out//check/trace", 100, NULL);
	ck_assert_ptr_nonnull(s);
	free(s);
}
END_TEST

START_TEST(refuses_links_and_escapes)
{
	char tree[128];
	snprintf(tree, sizeof tree, "%s/tree", top);
	/* a link as the last part, a folder link on the way, .. out of the tree */
	ck_assert_ptr_null(grade_read_beneath(tree, "grade-out/check/link", 100, NULL));
	ck_assert_ptr_null(grade_read_beneath(tree, "grade-out/dirlink/secret", 100, NULL));
	ck_assert_ptr_null(grade_read_beneath(tree, "../outside/secret", 100, NULL));
	ck_assert_ptr_null(grade_read_beneath(tree, "grade-out/../../outside/secret", 100, NULL));
	int fd = grade_open_beneath(tree, "grade-out/check/link", O_RDONLY);
	ck_assert_int_lt(fd, 0);
	ck_assert_int_eq(errno, ELOOP);
	/* a fifo is not read (and opening it does not block) */
	ck_assert_ptr_null(grade_read_beneath(tree, "fifo", 100, NULL));
	/* absent, and an empty name */
	ck_assert_ptr_null(grade_read_beneath(tree, "grade-out/check/none", 100, NULL));
	ck_assert_int_lt(grade_open_beneath(tree, "", O_RDONLY), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grade_files");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reads_plain_files);
	tcase_add_test(tc, refuses_links_and_escapes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
