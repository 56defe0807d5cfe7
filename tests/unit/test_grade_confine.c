/*
 * tests/unit/test_grade_confine.c — the landlock sandbox (monitor/grade/confine.c),
 * checked one system call at a time: a forked child confines itself to a tree and a
 * tmp folder, then tries what a submission may and may not do; its exit status is the
 * number of the first thing that went the wrong way (0: all as they should), once for
 * each Landlock ABI up to the kernel's (what an older kernel would enforce). On a
 * kernel without Landlock the test says so and passes (vmlab grade then falls back to
 * limits-only and says so; grade-sandbox checks that path).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/grade/grade.h"
#include "tests/unit/check_run.h"

/* fd refused with errno e (closed if it was not) */
static bool refused(int fd, int e)
{
	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == e;
}

static bool allowed(int fd)
{
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int child(int abi, const char *top)
{
	char tree[256], tmp[256], secret[256], p[300], q[300];
	snprintf(tree, sizeof tree, "%s/tree", top);
	snprintf(tmp, sizeof tmp, "%s/tmp", top);
	snprintf(secret, sizeof secret, "%s/outside/secret", top);
	char err[512];
	if (grade_confine(abi, tree, tmp, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (!refused(open(secret, O_RDONLY), EACCES))
		return 2; /* a file outside */
	snprintf(p, sizeof p, "%s/outside/new", top);
	if (!refused(open(p, O_WRONLY | O_CREAT, 0644), EACCES))
		return 3; /* a new file outside */
	snprintf(p, sizeof p, "%s/f", tree);
	if (!allowed(open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)))
		return 4; /* the tree */
	snprintf(q, sizeof q, "%s/d", tmp);
	if (mkdir(q, 0755))
		return 5; /* the tmp folder */
	snprintf(q, sizeof q, "%s/d/g", tmp);
	if (abi >= 2 && rename(p, q))
		return 6; /* from the tree to tmp (LANDLOCK_ACCESS_FS_REFER) */
	if (!allowed(open("/bin/sh", O_RDONLY)) || !allowed(open("/usr/bin", O_RDONLY | O_DIRECTORY)) ||
	    !allowed(open("/etc/passwd", O_RDONLY)) || !allowed(open("/dev/null", O_WRONLY)))
		return 7; /* the system */
	if (!refused(open("/", O_RDONLY | O_DIRECTORY), EACCES) || !refused(open("/etc", O_RDONLY), EACCES))
		return 8; /* listing / or /etc */
	if (!refused(open("/proc/self/status", O_RDONLY), EACCES) || !refused(open("/proc/1/cmdline", O_RDONLY), EACCES))
		return 9; /* /proc */
	int hostname = open("/etc/hostname", O_RDONLY);
	if (!(hostname < 0 && errno == ENOENT) && !refused(hostname, EACCES))
		return 10; /* an /etc file bwrap does not show either */
#if defined(__x86_64__) || defined(__aarch64__)
	if (!refused(socket(AF_INET, SOCK_DGRAM, 0), EACCES) || !refused(socket(AF_INET6, SOCK_STREAM, 0), EACCES) ||
	    !refused(socket(AF_INET, SOCK_STREAM, 0), EACCES))
		return 11; /* the network (seccomp) */
#endif
	if (!allowed(socket(AF_UNIX, SOCK_STREAM, 0)))
		return 12; /* a unix socket (make's jobserver, glibc) */
	if (abi >= 6 && !(kill(getppid(), 0) < 0 && errno == EPERM))
		return 13; /* a signal out of the sandbox (LANDLOCK_SCOPE_SIGNAL) */
	pid_t pid = fork();
	if (pid == 0) {
		char *const argv[] = { "/bin/sh", "-c", "exit 7", NULL };
		execv(argv[0], argv);
		_exit(1);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		return 14; /* running a program of the system */
	return 0;
}

/* Confined as ABI abi would confine (a lower one than the kernel's: the rights an older
 * kernel knows, as on an older kernel). */
static void confine_as(int abi)
{
	char top[] = "/tmp/vmlab-test-confine-XXXXXX", p[300];
	ck_assert_ptr_nonnull(mkdtemp(top));
	const char *dirs[] = { "tree", "tmp", "outside" };
	for (unsigned i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", top, dirs[i]);
		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof p, "%s/outside/secret", top);
	ck_assert_int_eq(grade_write_file(p, "secret\n", 7), 0);
	chmod(p, 0644);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child(abi, top));
	int st = 0;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	grade_rmtree(top);
	static const char *const what[] = { "", "grade_confine failed", "read a file outside",
		"made a file outside", "could not write its tree", "could not use its tmp folder",
		"could not move a file from its tree to tmp", "could not read or run the system",
		"listed / or /etc", "read /proc", "read /etc/hostname", "opened a network socket",
		"could not open a unix socket", "signalled its parent", "could not run /bin/sh" };
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
	ck_assert_msg(code == 0, "ABI %d: the confined child %s (status %d)", abi,
		      code < 15 ? what[code] : "died", code);
}

START_TEST(confines_to_tree_and_system)
{
	int abi = grade_landlock_abi();
	if (abi < 1) {
		printf("grade_confine: skipped: the kernel has no Landlock (%s)\n", strerror(-abi));
		return;
	}
	for (int a = 1; a <= abi; a++)
		confine_as(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grade_confine");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, confines_to_tree_and_system);
	suite_add_tcase(s, tc);
	return check_run(s);
}
