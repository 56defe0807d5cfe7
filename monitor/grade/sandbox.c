/*
 * monitor/grade/sandbox.c — run untrusted student code.
 *
 * With bubblewrap (Debian's `bubblewrap`): new user, pid, net, ipc and uts
 * namespaces (no network), /usr and the few /etc files a compiler needs read-only,
 * a private /tmp, and the submission's own work tree as the only writable place and
 * the only folder of the host it sees (that tree holds what its student was handed,
 * workdir.c; its command's output file is outside it, reached through an inherited
 * descriptor, and no other descriptor of the grader's is passed in).
 * Inside or not, the process gets rlimits: CPU time, address space, file size, and
 * (when the grader runs as root) a uid of its own per parallel slot, so the process
 * limit is real and a fork bomb cannot touch anyone else; after every command every
 * process of that uid is killed. Without a working bwrap, the landlock sandbox
 * (confine.c: the same file-system view and no network, without namespaces); without
 * either, the limits only. The grader says which and why once per run
 * (grade_sandbox_describe): weaker, never silent. VMLAB_GRADE_SANDBOX forces one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor/grade/grade.h"

#define BWRAP "/usr/bin/bwrap"
#define PRLIMIT "/usr/bin/prlimit" /* util-linux, Essential in Debian */
#define MAX_ARGS 72

static unsigned slot_uid(const struct grade_sandbox *sb, unsigned slot)
{
	return sb->uid_base + slot;
}

#define TOP_LINKS 6
/* bwrap's argument list for running cmd with dir writable; NULL-terminated. The
 * targets of /bin, /lib... (links to /usr on a merged-/usr system) are written to the
 * caller's links, which argv points into. */
static int bwrap_args(const char *dir, const char *cmd, const char *argv[MAX_ARGS],
		      char links[TOP_LINKS][2][64])
{
	static const char *const top[TOP_LINKS] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	static const char *const etc[] = { "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
					   "/etc/ld.so.conf.d", "/etc/passwd", "/etc/group" };
	int n = 0;
	argv[n++] = BWRAP;
	argv[n++] = "--unshare-all";
	argv[n++] = "--die-with-parent";
	argv[n++] = "--new-session";
	argv[n++] = "--ro-bind";
	argv[n++] = "/usr";
	argv[n++] = "/usr";
	for (unsigned i = 0; i < TOP_LINKS; i++) {
		char path[16], target[64];
		snprintf(path, sizeof path, "/%s", top[i]);
		ssize_t l = readlink(path, target, sizeof target - 1);
		if (l > 0) {
			target[l] = '\0';
			snprintf(links[i][0], sizeof links[i][0], "%s", target);
			snprintf(links[i][1], sizeof links[i][1], "%s", path);
			argv[n++] = "--symlink";
			argv[n++] = links[i][0];
			argv[n++] = links[i][1];
		}
	}
	for (unsigned i = 0; i < sizeof etc / sizeof etc[0]; i++) {
		argv[n++] = "--ro-bind-try";
		argv[n++] = etc[i];
		argv[n++] = etc[i];
	}
	const char *rest[] = { "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
			       "--bind", dir, dir, "--chdir", dir, "--", "/bin/sh", "-c", cmd, NULL };
	for (unsigned i = 0; i < sizeof rest / sizeof rest[0]; i++)
		argv[n++] = rest[i];
	return n;
}

/* Close every descriptor from fd on. */
static void close_from(int fd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)fd, ~0u, 0) == 0)
		return;
#endif
	struct rlimit r;
	long max = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY ? (long)r.rlim_cur : 65536;
	for (long i = fd; i < max; i++)
		close((int)i);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit r = { v, v };
	setrlimit(res, &r);
}

/* ---- the process limit as a pids cgroup (as root, where one can be made): the same
 * limit as RLIMIT_NPROC, but the kernel counts the forks it refused (pids.events), so a
 * fork bomb's reason can say the limit was reached. The rlimit stays, a little higher
 * (it is checked first in fork: at the same value it would refuse before the cgroup
 * counts), and is the limit alone where no cgroup can be made. */
#define NPROC_SLACK 16

/* Write text to the file path; 0 or -1. Async-signal-safe (the forked child uses it). */
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	return close(fd) == 0 && n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The "max N" count of cg's pids.events (forks refused at pids.max), or -1. */
static long forks_refused(const char *cg)
{
	char p[GRADE_PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/pids.events", cg);
	char *text = grade_read_file(p, NULL);
	const char *m = text ? strstr(text, "max ") : NULL;
	long n = m ? strtol(m + 4, NULL, 10) : -1;
	free(text);
	return n;
}

/* Where this grader can make pids cgroups: a cgroup v1 pids hierarchy, or a cgroup v2
 * tree whose root (our own cgroup: nothing else may hold processes) delegates pids. */
static void find_pids_cgroup(struct grade_sandbox *sb)
{
	sb->pids_cg[0] = '\0';
	if (!sb->as_root)
		return;
	if (access("/sys/fs/cgroup/pids/cgroup.procs", W_OK) == 0) {
		snprintf(sb->pids_cg, sizeof sb->pids_cg, "/sys/fs/cgroup/pids");
		return;
	}
	char *own = grade_read_file("/proc/self/cgroup", NULL);
	char *ctl = grade_read_file("/sys/fs/cgroup/cgroup.subtree_control", NULL);
	if (own && ctl && !strcmp(own, "0::/\n") && strstr(ctl, "pids"))
		snprintf(sb->pids_cg, sizeof sb->pids_cg, "/sys/fs/cgroup");
	free(own);
	free(ctl);
}

/* The slot's cgroup made (pids.max = nproc) into cg; the forks it refused so far, or -1
 * (no cgroup: cg is emptied). */
static long open_pids_cgroup(const struct grade_sandbox *sb, unsigned slot, unsigned long nproc, char *cg,
			     size_t len)
{
	if (!sb->pids_cg[0]) {
		cg[0] = '\0';
		return -1;
	}
	snprintf(cg, len, "%s/vmlab-grade-%u", sb->pids_cg, slot_uid(sb, slot));
	char max[32], p[GRADE_PATH_MAX + 16];
	snprintf(max, sizeof max, "%lu", nproc);
	snprintf(p, sizeof p, "%s/pids.max", cg);
	long n = -1;
	if ((mkdir(cg, 0755) == 0 || errno == EEXIST) && write_text(p, max) == 0)
		n = forks_refused(cg);
	if (n < 0)
		cg[0] = '\0';
	return n;
}

/* Write msg to the command's output (the child's stderr) and end with status 125. */
static void child_fail(const char *msg)
{
	if (write(2, msg, strlen(msg)) < 0 || write(2, "\n", 1) < 0)
		_exit(125);
	_exit(125);
}

/* In the forked child: limits, own session, own uid, the landlock confinement (with
 * tmp as its private tmp folder), then exec. Never returns.
 * The address-space cap is set by prlimit(1) just before it execs the sandbox,
 * not here: a grader built with ASan (make asan) has terabytes of shadow memory
 * mapped, so once its own RLIMIT_AS is lowered any new mapping in this child (a
 * stack page, ASan's report) fails and the child dies before exec, at random
 * (stack layout). The command gets the same limit either way. */
static void child_exec(const struct grade_sandbox *sb, unsigned slot, const char *dir, const char *tmp,
		       const char *cg, const struct grade_limits *lim, const char *cmd, int outfd)
{
	int nullfd = open("/dev/null", O_RDONLY);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		_exit(125);
	close_from(3); /* no descriptor of the grader's (a folder outside the tree) gets in */
	setsid();
	set_limit(RLIMIT_CPU, lim->cpu_s);
	set_limit(RLIMIT_FSIZE, (rlim_t)lim->fsize_mb << 20);
	set_limit(RLIMIT_CORE, 0);
	if (sb->as_root) {
		uid_t uid = slot_uid(sb, slot);
		char procs[GRADE_PATH_MAX + 16];
		snprintf(procs, sizeof procs, "%s/cgroup.procs", cg);
		bool in_cg = cg[0] && write_text(procs, "0") == 0;
		set_limit(RLIMIT_NPROC, lim->nproc + (in_cg ? NPROC_SLACK : 0));
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(125);
	}
	/* the command dies with its worker (a uid change clears this, so it comes after);
	 * bwrap's --die-with-parent does the same for what runs inside it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the private tmp folder under each name programs look for (libcheck: TEMP) */
	char home[GRADE_PATH_MAX + 8], tmps[3][GRADE_PATH_MAX + 16], as[48], err[GRADE_PATH_MAX + 64];
	snprintf(home, sizeof home, "HOME=%s", dir);
	snprintf(tmps[0], sizeof tmps[0], "TMPDIR=%s", tmp ? tmp : "/tmp");
	snprintf(tmps[1], sizeof tmps[1], "TEMP=%s", tmp ? tmp : "/tmp");
	snprintf(tmps[2], sizeof tmps[2], "TMP=%s", tmp ? tmp : "/tmp");
	snprintf(as, sizeof as, "--as=%llu", (unsigned long long)lim->mem_mb << 20);
	char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", tmps[0], tmps[1], tmps[2], home, NULL };
	const char *argv[MAX_ARGS] = { PRLIMIT, as, "--" }, **args = argv + 3;
	if (access(PRLIMIT, X_OK)) { /* no prlimit: cap this process (fine unless it is sanitized) */
		set_limit(RLIMIT_AS, (rlim_t)lim->mem_mb << 20);
		args = argv;
	}
	if (sb->kind == SANDBOX_LANDLOCK && grade_confine(sb->landlock_abi, dir, tmp, err, sizeof err))
		child_fail(err); /* never runs the command unconfined */
	char links[TOP_LINKS][2][64];
	if (sb->kind == SANDBOX_BWRAP) {
		bwrap_args(dir, cmd, args, links);
	} else if (chdir(dir) == 0) {
		const char *sh[] = { "/bin/sh", "-c", cmd, NULL };
		memcpy(args, sh, sizeof sh);
	} else {
		_exit(126);
	}
	execve(argv[0], (char *const *)argv, envp);
	_exit(126);
}

/* Is there a process (a zombie too) whose real uid is uid? Its /proc/PID/status says
 * (its /proc folder is root's when it is not dumpable). True when /proc cannot be read. */
static bool uid_has_processes(uid_t uid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return true;
	bool found = false;
	for (struct dirent *e; !found && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char p[64], buf[1024];
		snprintf(p, sizeof p, "/proc/%s/status", e->d_name);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		const char *u = strstr(buf, "\nUid:");
		found = u && strtoul(u + 5, NULL, 10) == uid;
	}
	closedir(d);
	return found;
}

/* Kill every process of the slot's uid (leftovers of a fork bomb, daemons), then reap
 * them: the grader is their subreaper (grade_sandbox_run), so orphans come back to it
 * instead of to a pid 1 that may never reap (a container's), which would leave zombies
 * of the sandbox uid behind. Done when /proc shows no process of the uid: kill(-1)'s
 * result cannot tell (it is 0 whenever any other process exists, even one it may not
 * signal, so the sweep used to run all its rounds, 2 s, after every command). kill(-1)
 * is repeated because a fork bomb forks while the kernel walks the process list;
 * waiting is bounded (200 rounds, 2 s of naps) so the grader cannot hang. */
static void sweep_uid(const struct grade_sandbox *sb, unsigned slot)
{
	if (!sb->as_root)
		return;
	uid_t uid = slot_uid(sb, slot);
	for (int round = 0; round < 200; round++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!uid_has_processes(uid))
			return;
		if (round) {
			struct timespec nap = { 0, 10 * 1000 * 1000 };
			nanosleep(&nap, NULL); /* let the killed exit and come back here */
		}
		pid_t p = fork();
		if (p == 0) {
			if (setuid(uid) == 0)
				for (int i = 0; i < 16; i++)
					kill(-1, SIGKILL);
			_exit(0);
		}
		if (p < 0 || waitpid(p, NULL, 0) != p)
			return;
	}
}

/* Sleep until pid may have exited, at most ms: woken by its exit through its pidfd
 * (pfd), or, on a kernel without pidfds, polling more rarely the longer it runs. */
static void nap_for(int pfd, long ms, struct timespec *nap)
{
	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		poll(&p, 1, (int)(ms < 1000 ? ms : 1000));
		return;
	}
	nanosleep(nap, NULL);
	if (nap->tv_nsec < 100 * 1000 * 1000)
		nap->tv_nsec *= 2; /* quick commands return quickly, long ones poll rarely */
}

/* The process group of the command this process waits for, 0 when none: the one piece
 * of process-wide state here, because a signal handler can reach no other (C11 7.14.1.1). */
static volatile sig_atomic_t waited_group;

static void kill_waited_group(int sig)
{
	(void)sig;
	if (waited_group > 0)
		kill(-(pid_t)waited_group, SIGKILL);
	_exit(1);
}

/* A batch worker: when its grader dies, kill the command it waits for, with everything the
 * command started (its session: make, gcc, vmlab), then die. The command's own parent-death
 * signal reaches only its first process, and bwrap's --die-with-parent only what is inside. */
void grade_sandbox_die_with_parent(void)
{
	struct sigaction sa = { .sa_handler = kill_waited_group };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL); /* ^C at a terminal reaches the workers too: same cleanup */
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* Wait for pid at most wall_s seconds; kill its process group on timeout. */
static void wait_child(pid_t pid, unsigned wall_s, struct grade_outcome *o)
{
	waited_group = pid; /* its own session (child_exec) or group (grade_run_trusted) */
	struct timespec t0, now, nap = { 0, 5 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
#ifdef SYS_pidfd_open
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
	int pfd = -1;
#endif
	int st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left_ms = (long)wall_s * 1000 - (long)(now.tv_sec - t0.tv_sec) * 1000 -
			       (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (left_ms <= 0) {
			o->timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		nap_for(pfd, left_ms, &nap);
	}
	waited_group = 0;
	if (pfd >= 0)
		close(pfd);
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	/* sh and bwrap report a child killed by signal N as status 128+N */
	if (!o->signal && o->status > 128 && o->status < 128 + 65)
		o->signal = o->status - 128;
}

/* o's one-line reason; refused: the forks the process limit refused (-1: unknown). */
static void explain(struct grade_outcome *o, const struct grade_limits *lim, long refused)
{
	o->reason[0] = '\0';
	if (o->timed_out)
		snprintf(o->reason, sizeof o->reason, "timed out after %u s (killed)", lim->wall_s);
	else if (o->signal == SIGXCPU)
		snprintf(o->reason, sizeof o->reason, "CPU time limit of %u s exceeded", lim->cpu_s);
	else if (o->signal == SIGXFSZ)
		snprintf(o->reason, sizeof o->reason, "file size limit of %lu MB exceeded (too much output?)",
			 lim->fsize_mb);
	else if (o->signal == SIGKILL)
		snprintf(o->reason, sizeof o->reason, "killed (SIGKILL)");
	else if (o->signal)
		snprintf(o->reason, sizeof o->reason, "crashed: %s (signal %d)", strsignal(o->signal), o->signal);
	else if (o->status == 125 || o->status == 126)
		snprintf(o->reason, sizeof o->reason, "sandbox could not start the command (status %d)", o->status);
	if (refused > 0) {
		size_t l = strlen(o->reason);
		snprintf(o->reason + l, sizeof o->reason - l, "%sprocess limit of %lu reached (%ld fork%s refused)",
			 l ? "; " : "", lim->nproc, refused, refused == 1 ? "" : "s");
	}
}

/* Reset o and open a command's output file (flags added); -1 with o->reason. */
static int open_output(const char *outpath, int flags, struct grade_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->status = -1;
	int fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		snprintf(o->reason, sizeof o->reason, "cannot write %s: %s", outpath, strerror(errno));
	return fd;
}

void grade_sandbox_run(const struct grade_sandbox *sb, unsigned slot, const char *dir,
		       const char *cmd, const struct grade_limits *lim, const char *outpath,
		       struct grade_outcome *o)
{
	int fd = open_output(outpath, O_NOFOLLOW, o); /* a link there is no output file of ours */
	if (fd < 0)
		return;
	if (sb->as_root && fchown(fd, slot_uid(sb, slot), slot_uid(sb, slot)) < 0) {
		snprintf(o->reason, sizeof o->reason, "cannot hand %s to the sandbox: %s", outpath, strerror(errno));
		close(fd);
		return;
	}
	/* the tree by its absolute path (it is HOME, its tmp folder TMPDIR: the command runs
	 * elsewhere than the grader); bwrap mounts a tmpfs on /tmp, the other sandboxes get a
	 * fresh folder beside the tree */
	char abs[PATH_MAX], tmp[PATH_MAX + 8];
	if (!realpath(dir, abs)) {
		snprintf(o->reason, sizeof o->reason, "no work tree %s: %s", dir, strerror(errno));
		close(fd);
		return;
	}
	dir = abs;
	snprintf(tmp, sizeof tmp, "%s.tmp", dir);
	bool own_tmp = sb->kind != SANDBOX_BWRAP;
	if (own_tmp && ((grade_exists(tmp) && grade_rmtree(tmp)) || mkdir(tmp, 0700) ||
			(sb->as_root && chown(tmp, slot_uid(sb, slot), slot_uid(sb, slot))))) {
		snprintf(o->reason, sizeof o->reason, "cannot make the sandbox's tmp folder %s: %s", tmp,
			 strerror(errno));
		close(fd);
		return;
	}
	char cg[GRADE_PATH_MAX];
	long refused = open_pids_cgroup(sb, slot, lim->nproc, cg, sizeof cg);
	if (sb->as_root)
		prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans of the sandbox come back here */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(sb, slot, dir, own_tmp ? tmp : NULL, cg, lim, cmd, fd);
	close(fd);
	if (pid < 0)
		snprintf(o->reason, sizeof o->reason, "fork: %s", strerror(errno));
	else
		wait_child(pid, lim->wall_s, o);
	sweep_uid(sb, slot);
	if (own_tmp)
		grade_rmtree(tmp);
	if (cg[0]) {
		long now = forks_refused(cg);
		refused = now >= refused ? now - refused : 0;
		rmdir(cg); /* empty once swept; made again for the next command */
	}
	if (pid >= 0)
		explain(o, lim, refused);
}

void grade_run_trusted(char *const argv[], const char *dir, const char *outpath,
		       unsigned wall_s, struct grade_outcome *o)
{
	int fd = open_output(outpath, 0, o);
	if (fd < 0)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);
		if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    (dir && chdir(dir)))
			_exit(125);
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(126);
	}
	close(fd);
	if (pid < 0) {
		snprintf(o->reason, sizeof o->reason, "fork: %s", strerror(errno));
		return;
	}
	wait_child(pid, wall_s, o);
	struct grade_limits lim = { .wall_s = wall_s };
	explain(o, &lim, -1);
}

int grade_sandbox_own(const struct grade_sandbox *sb, unsigned slot, const char *dir)
{
	if (!sb->as_root)
		return 0;
	char own[32];
	snprintf(own, sizeof own, "%u:%u", slot_uid(sb, slot), slot_uid(sb, slot));
	char *argv[] = { "chown", "-R", own, (char *)dir, NULL };
	struct grade_outcome o;
	grade_run_trusted(argv, NULL, "/dev/null", 120, &o);
	return o.status == 0 ? 0 : -1;
}

/* A range of GRADE_UIDS_PER_RUN sandbox uids no other grader on this machine uses:
 * the first of 61000 + k * 64 whose lock file we can flock. Two graders sharing a
 * uid would kill each other's builds in sweep_uid and share one process limit. The
 * lock is held (fd kept open, inherited by the workers) until the grader exits. */
#define GRADE_UID_FIRST 61000
#define GRADE_UIDS_PER_RUN 64
#define GRADE_UID_RANGES 64
static unsigned claim_uid_range(void)
{
	const char *dir = access("/run/lock", W_OK) == 0 ? "/run/lock" : "/tmp";
	for (unsigned k = 0; k < GRADE_UID_RANGES; k++) {
		char path[64];
		snprintf(path, sizeof path, "%s/vmlab-grade-uids.%u.lock", dir, k);
		int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return GRADE_UID_FIRST + k * GRADE_UIDS_PER_RUN; /* fd stays open: the lock */
		close(fd);
	}
	return GRADE_UID_FIRST; /* 64 graders at once: share the first range */
}

const char *grade_sandbox_name(const struct grade_sandbox *sb)
{
	return sb->kind == SANDBOX_BWRAP ? "bwrap" : sb->kind == SANDBOX_LANDLOCK ? "landlock" : "limits-only";
}

void grade_sandbox_describe(const struct grade_sandbox *sb, char *buf, size_t len)
{
	if (sb->kind == SANDBOX_BWRAP)
		snprintf(buf, len, "%s", "");
	else if (sb->kind == SANDBOX_LANDLOCK)
		snprintf(buf, len, "sandbox: landlock, ABI %d (%s)", sb->landlock_abi, sb->why);
	else
		snprintf(buf, len, "weaker sandbox: %s; submissions run with resource limits only, no "
			 "file-system or network isolation", sb->why);
}

/* Run "exit 0" in sb (slot 0) for real; 0 if it works, else -1 and what it said in msg. */
static int try_sandbox(const struct grade_sandbox *sb, char *msg, size_t len)
{
	char dir[] = "/tmp/vmlab-probe-XXXXXX";
	if (!mkdtemp(dir)) {
		snprintf(msg, len, "cannot make a probe folder: %s", strerror(errno));
		return -1;
	}
	struct grade_limits lim = { .cpu_s = 10, .wall_s = 20, .mem_mb = 512, .fsize_mb = 1, .nproc = 16 };
	struct grade_outcome o;
	char out[sizeof dir + 8];
	snprintf(out, sizeof out, "%s.out", dir);
	grade_sandbox_own(sb, 0, dir);
	grade_sandbox_run(sb, 0, dir, "exit 0", &lim, out, &o);
	if (o.status != 0) {
		char *text = grade_read_file(out, NULL);
		const char *m = text && *text ? text : o.reason[0] ? o.reason : "no output";
		snprintf(msg, len, "%.*s", (int)strcspn(m, "\n"), m);
		free(text);
	}
	unlink(out);
	rmdir(dir);
	return o.status == 0 ? 0 : -1;
}

/* VMLAB_GRADE_SANDBOX (auto, bwrap, landlock, limits-only); VMLAB_GRADE_NO_BWRAP, the
 * older name, means limits-only. */
static const char *wanted_sandbox(void)
{
	const char *s = getenv("VMLAB_GRADE_SANDBOX");
	if (s && *s)
		return s;
	return getenv("VMLAB_GRADE_NO_BWRAP") ? "limits-only" : "auto";
}

int grade_sandbox_probe(struct grade_sandbox *sb)
{
	memset(sb, 0, sizeof *sb);
	sb->as_root = geteuid() == 0;
	const char *base = getenv("VMLAB_GRADE_UID_BASE");
	sb->uid_base = base ? (unsigned)strtoul(base, NULL, 10) : sb->as_root ? claim_uid_range() : GRADE_UID_FIRST;
	find_pids_cgroup(sb);
	const char *want = wanted_sandbox();
	bool any = !strcmp(want, "auto");
	sb->kind = SANDBOX_LIMITS_ONLY;
	if (!any && strcmp(want, "bwrap") && strcmp(want, "landlock") && strcmp(want, "limits-only")) {
		snprintf(sb->why, sizeof sb->why, "VMLAB_GRADE_SANDBOX=%.40s: not auto, bwrap, landlock or limits-only",
			 want);
		return -1;
	}
	char no_bwrap[200], no_landlock[200], msg[160];
	snprintf(no_bwrap, sizeof no_bwrap, "bubblewrap not tried: VMLAB_GRADE_SANDBOX=%s", want);
	if (any || !strcmp(want, "bwrap")) {
		sb->kind = SANDBOX_BWRAP;
		if (access(BWRAP, X_OK))
			snprintf(no_bwrap, sizeof no_bwrap, "bubblewrap not usable: %s not installed (apt-get "
				 "install bubblewrap)", BWRAP);
		else if (try_sandbox(sb, msg, sizeof msg) == 0)
			return 0;
		else
			snprintf(no_bwrap, sizeof no_bwrap, "bubblewrap not usable: bwrap does not work here (%s)", msg);
		sb->kind = SANDBOX_LIMITS_ONLY;
		if (!any) {
			snprintf(sb->why, sizeof sb->why, "VMLAB_GRADE_SANDBOX=bwrap: %s", no_bwrap);
			return -1;
		}
	}
	if (any || !strcmp(want, "landlock")) {
		int abi = grade_landlock_abi();
		sb->kind = SANDBOX_LANDLOCK;
		sb->landlock_abi = abi;
		if (abi < 1) {
			snprintf(no_landlock, sizeof no_landlock, "the kernel has no Landlock (%s)", strerror(-abi));
		} else if (try_sandbox(sb, msg, sizeof msg) == 0) {
			snprintf(sb->why, sizeof sb->why, "%s", no_bwrap);
			return 0;
		} else {
			snprintf(no_landlock, sizeof no_landlock, "landlock does not work here (%s)", msg);
		}
		sb->kind = SANDBOX_LIMITS_ONLY;
		if (!any) {
			snprintf(sb->why, sizeof sb->why, "VMLAB_GRADE_SANDBOX=landlock: %s", no_landlock);
			return -1;
		}
		snprintf(sb->why, sizeof sb->why, "%s; %s", no_bwrap, no_landlock);
		return 0;
	}
	snprintf(sb->why, sizeof sb->why, "VMLAB_GRADE_SANDBOX=limits-only");
	return 0;
}
