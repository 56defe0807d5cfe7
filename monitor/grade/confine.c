/*
 * monitor/grade/confine.c — the landlock sandbox: confine the calling process (the
 * child that is about to exec a submission's command) without namespaces, for where
 * bubblewrap cannot run (not installed, user namespaces off).
 *
 * Landlock (an unprivileged Linux LSM, 5.13+) leaves the process the file-system view
 * bwrap gives: read and execute under /usr, /bin, /sbin, /lib* (links to /usr on a
 * merged-/usr system) and the few /etc files bwrap binds; read and write on a few
 * /dev nodes; everything in the work tree and in a private tmp folder; nothing else
 * (no /proc, no /home, no reference tree, no other submission). ABI 4+: no TCP bind or
 * connect. ABI 6+: no abstract unix socket and no signal out of the sandbox. Rights a
 * running kernel does not know are left out of the ruleset (an older kernel rejects
 * them): the lower the ABI, the less is denied (labs/README.md, "Sandbox").
 * A seccomp filter adds what Landlock cannot deny: no IPv4, IPv6 or packet socket at
 * all (UDP, and TCP below ABI 4) and no io_uring (whose requests skip seccomp).
 *
 * Written for the forked child: it allocates nothing and says what failed in err.
 * The kernel headers of the build machine may be older than the running kernel, so
 * the Landlock structures and flags are spelled here (they are a stable ABI).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "monitor/grade/grade.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* struct landlock_ruleset_attr as of ABI 6 (a kernel before ABI 4 knows the first
 * field only and accepts the longer struct when the rest is zero). */
struct ll_ruleset {
	uint64_t fs, net, scoped;
};
struct ll_path_beneath {
	uint64_t allowed;
	int32_t parent_fd;
} __attribute__((packed));

#define LL_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_WRITE_FILE (1ull << 1)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_FS_READ_DIR (1ull << 3)
#define LL_FS_REFER (1ull << 13)    /* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ull << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ull << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ull << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ull << 1)

/* The file-system rights ABI abi knows (each ABI added some). */
static uint64_t fs_rights(int abi)
{
	uint64_t r = (1ull << 13) - 1; /* ABI 1: execute .. make_sym */
	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

/* The rights a rule on a file (not a folder) may carry. */
#define LL_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)
#define LL_READ (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)

int grade_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_VERSION);
	return v < 0 ? -errno : (int)v;
}

/* Allow rights (within handled) beneath path; a path that does not exist is skipped. */
static int allow(int ruleset, const char *path, uint64_t rights, uint64_t handled, char *err, size_t len)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, len, "landlock: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	struct ll_path_beneath rule = { .allowed = rights & handled, .parent_fd = fd };
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		rule.allowed &= LL_FILE_RIGHTS;
	int rc = (int)syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
	if (rc)
		snprintf(err, len, "landlock: cannot allow %s: %s", path, strerror(errno));
	close(fd);
	return rc ? -1 : 0;
}

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#define SECCOMP_X32 1 /* x32 system calls (nr | 0x40000000) pass the arch check */
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#define SECCOMP_X32 0
#endif

/* No IPv4, IPv6 or packet socket, no io_uring (EACCES, ENOSYS); a system call of
 * another ABI (32-bit on a 64-bit kernel) is refused outright. */
static int no_network(char *err, size_t len)
{
#ifdef SECCOMP_ARCH
	enum { NR = offsetof(struct seccomp_data, nr), ARCH = offsetof(struct seccomp_data, arch),
	       ARG0 = offsetof(struct seccomp_data, args) };
	const uint32_t eacces = SECCOMP_RET_ERRNO | EACCES, enosys = SECCOMP_RET_ERRNO | ENOSYS;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, enosys),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SECCOMP_X32 ? 0x40000000u : 0xffffffffu, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, enosys),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_enter, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_register, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 7),
		BPF_STMT(BPF_RET | BPF_K, enosys),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0), /* the low half of the family */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_PACKET, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, eacces),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = (unsigned short)(sizeof f / sizeof f[0]), .filter = f };
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		snprintf(err, len, "seccomp: %s", strerror(errno));
		return -1;
	}
#else
	(void)err;
	(void)len;
#endif
	return 0;
}

int grade_confine(int abi, const char *tree, const char *tmp, char *err, size_t len)
{
	static const char *const system_ro[] = {
		"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
		/* what bwrap binds of /etc (sandbox.c) */
		"/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
		"/etc/passwd", "/etc/group",
	};
	static const char *const devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					       "/dev/urandom" };
	if (abi < 1) {
		snprintf(err, len, "landlock: not available (ABI %d)", abi);
		return -1;
	}
	struct ll_ruleset attr = { .fs = fs_rights(abi) };
	if (abi >= 4)
		attr.net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP; /* handled, no rule: denied */
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rs < 0) {
		snprintf(err, len, "landlock: cannot create a ruleset (ABI %d): %s", abi, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (unsigned i = 0; !rc && i < sizeof system_ro / sizeof system_ro[0]; i++)
		rc = allow(rs, system_ro[i], LL_READ, attr.fs, err, len);
	for (unsigned i = 0; !rc && i < sizeof devices / sizeof devices[0]; i++)
		rc = allow(rs, devices[i], LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE, attr.fs, err, len);
	if (!rc)
		rc = allow(rs, tree, attr.fs, attr.fs, err, len);
	if (!rc && tmp)
		rc = allow(rs, tmp, attr.fs, attr.fs, err, len);
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, len, "no_new_privs: %s", strerror(errno));
		rc = -1;
	}
	if (!rc)
		rc = no_network(err, len);
	if (!rc && syscall(SYS_landlock_restrict_self, rs, 0)) {
		snprintf(err, len, "landlock: cannot restrict: %s", strerror(errno));
		rc = -1;
	}
	close(rs);
	return rc;
}
