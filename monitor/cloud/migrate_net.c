/*
 * monitor/cloud/migrate_net.c — the two ends of `vmlab migrate` as two
 * processes joined by a Unix stream socket: --listen PATH creates the
 * socket, takes one connection and feeds what arrives to the VMM's receiver;
 * --connect PATH sends the VMM's stream into it. The socket file is removed
 * when the receiver is done (or fails).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor/cloud/migrate.h"

static int unix_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a->sun_path) {
		fprintf(stderr, "vmlab migrate: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

static int write_all(void *ctx, const void *buf, size_t len)
{
	int fd = *(int *)ctx;
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int migrate_net_send(struct vm *src, const char *path, const struct mon_migrate_opts *o,
		     struct mon_migrate_report *rep)
{
	struct sockaddr_un a;
	if (unix_addr(path, &a))
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		fprintf(stderr, "vmlab migrate: cannot connect to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN); /* a receiver that goes away is a write error, not our death */
	char err[MON_ERR_MAX];
	int rc = mon_migrate_send(src, o, write_all, &fd, rep, err, sizeof err);
	if (rc)
		fprintf(stderr, "vmlab migrate: %s\n", err);
	if (close(fd) && !rc) {
		fprintf(stderr, "vmlab migrate: the link to %s failed at the end\n", path);
		rc = -1;
	}
	return rc;
}

/* Read the stream from fd into the receiver until it is complete. 0 or -1 (message printed). */
static int receive_from(int fd, struct mon_migrate_rx *rx)
{
	static uint8_t buf[1 << 16];
	char err[MON_ERR_MAX];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "vmlab migrate: the sender went away before the migration was complete\n");
			return -1;
		}
		int r = mon_migrate_rx_feed(rx, buf, (size_t)n, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "vmlab migrate: %s\n", err);
			return -1;
		}
		if (r == 1)
			return 0;
	}
}

int migrate_net_receive(struct vm *dst, const char *path)
{
	struct sockaddr_un a;
	if (unix_addr(path, &a))
		return -1;
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1)) {
		fprintf(stderr, "vmlab migrate: cannot listen on %s: %s\n", path, strerror(errno));
		if (ls >= 0)
			close(ls);
		return -1;
	}
	char err[MON_ERR_MAX];
	struct mon_migrate_rx *rx = mon_migrate_rx_new(dst, err, sizeof err);
	int fd = rx ? accept(ls, NULL, NULL) : -1;
	int rc = -1;
	if (!rx)
		fprintf(stderr, "vmlab migrate: %s\n", err);
	else if (fd < 0)
		fprintf(stderr, "vmlab migrate: accept on %s: %s\n", path, strerror(errno));
	else
		rc = receive_from(fd, rx);
	if (!rc)
		migrate_print_received(mon_migrate_rx_stats(rx), stderr);
	if (fd >= 0)
		close(fd);
	close(ls);
	unlink(path);
	mon_migrate_rx_free(rx);
	return rc;
}
