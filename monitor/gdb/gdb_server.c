/*
 * monitor/gdb/gdb_server.c — the socket side: listen on 127.0.0.1 only,
 * take one gdb, read its bytes into packets (gdb_packet.c), answer each
 * (gdb_exec.c), and while the VM runs look between slices for gdb's Ctrl-C.
 * A gdb that goes away ends the session like a detach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor/gdb/gdb.h"

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_reply(struct gdb_stub *g, const char *body, char *frame, size_t framelen)
{
	size_t n = gdb_frame(body, strlen(body), frame, framelen);
	if (!n)
		n = gdb_frame("E01", 3, frame, framelen);
	return send_all(g->fd, frame, n);
}

/* While the VM runs: has gdb sent Ctrl-C (or gone away)? */
static bool poll_interrupt(void *ctx)
{
	struct gdb_stub *g = ctx;
	struct pollfd p = {.fd = g->fd, .events = POLLIN};
	while (poll(&p, 1, 0) > 0) {
		uint8_t c;
		ssize_t r = recv(g->fd, &c, 1, 0);
		if (r <= 0)
			return true;
		if (c == 0x03)
			return true;
	}
	return false;
}

static int listen_on(unsigned port, unsigned *bound, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "gdb: cannot make a socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* localhost only */
	socklen_t al = sizeof a;
	if (port > 65535 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&a, &al)) {
		snprintf(err, errlen, "gdb: cannot listen on 127.0.0.1:%u: %s", port,
			 port > 65535 ? "not a port" : strerror(errno));
		close(fd);
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

/* One connection, packet by packet, until detach, kill or hang-up. */
static void session(struct gdb_stub *g)
{
	struct gdb_rx *rx = calloc(1, sizeof *rx);
	struct gdb_req *req = malloc(sizeof *req);
	char *reply = malloc(GDB_REPLY_MAX + 1);
	size_t framelen = 2 * GDB_REPLY_MAX + 8;
	char *frame = malloc(framelen), *last = malloc(framelen);
	size_t lastlen = 0;
	uint8_t in[4096];
	while (rx && req && reply && frame && last && !g->detached && !g->killed) {
		ssize_t n = recv(g->fd, in, sizeof in, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* gdb went away */
		for (ssize_t i = 0; i < n && !g->detached && !g->killed; i++) {
			enum gdb_rx_event ev = gdb_rx_byte(rx, in[i]);
			if (ev == GDB_RX_NAK && lastlen) {
				send_all(g->fd, last, lastlen);
				continue;
			}
			if (ev == GDB_RX_BAD_CHECKSUM) {
				send_all(g->fd, "-", 1);
				continue;
			}
			if (ev == GDB_RX_INTERRUPT) { /* Ctrl-C while stopped: just say where */
				gdb_stop_reply(g, reply, GDB_REPLY_MAX);
			} else if (ev == GDB_RX_OVERSIZED) {
				if (!g->noack)
					send_all(g->fd, "+", 1);
				snprintf(reply, GDB_REPLY_MAX, "E01");
			} else if (ev == GDB_RX_PACKET) {
				if (!g->noack)
					send_all(g->fd, "+", 1);
				gdb_parse_request(rx->buf, rx->len, req);
				gdb_exec(g, req, reply, poll_interrupt, g);
			} else {
				continue;
			}
			lastlen = gdb_frame(reply, strlen(reply), last, framelen);
			if (send_reply(g, reply, frame, framelen))
				g->detached = true;
			if (g->log && ev == GDB_RX_PACKET && (req->kind == GDB_REQ_DETACH || req->kind == GDB_REQ_KILL))
				fprintf(g->log, "gdb: %s\n", req->kind == GDB_REQ_KILL ? "killed" : "detached");
		}
	}
	free(rx);
	free(req);
	free(reply);
	free(frame);
	free(last);
}

int gdb_serve(struct vm *vm, unsigned port, FILE *log, FILE *echo, const struct gdb_hooks *hooks, char *err,
	      size_t errlen)
{
	unsigned bound;
	int lfd = listen_on(port, &bound, err, errlen);
	if (lfd < 0)
		return -1;
	if (log) {
		fprintf(log, "gdb: listening on 127.0.0.1:%u\n", bound);
		fflush(log);
	}
	int fd;
	do
		fd = accept(lfd, NULL, NULL);
	while (fd < 0 && errno == EINTR);
	close(lfd);
	if (fd < 0) {
		snprintf(err, errlen, "gdb: accept: %s", strerror(errno));
		return -1;
	}
	struct gdb_stub g = {.vm = vm, .fd = fd, .log = log, .echo = echo};
	if (hooks)
		g.hooks = *hooks;
	session(&g);
	close(fd);
	if (!g.detached && !g.killed) { /* hang-up: as a detach */
		g.nbrk = g.nwatch = 0;
		mon_vm_break_set(vm, NULL, 0, err, errlen);
		mon_vm_watch_set(vm, NULL, 0, err, errlen);
	}
	return g.killed ? 1 : 0;
}
