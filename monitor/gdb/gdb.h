/*
 * monitor/gdb/gdb.h — the GDB remote serial protocol stub: a front end that
 * serves one VM to a real gdb over TCP on localhost, using only the VMM's
 * public API (monitor/vmm/monitor.h). docs/gdb.md says what it supports.
 *
 *   gdb_packet.c   framing: bytes -> packets (checksums, acks, Ctrl-C), replies -> bytes
 *   gdb_request.c  parsing one packet into a request (no VM involved: fuzzed)
 *   gdb_regs.c     target.xml and the register file (g/G/p/P)
 *   gdb_exec.c     carrying a request out on the VM (memory, breakpoints, run, monitor)
 *   gdb_server.c   the socket and the session loop
 */
#ifndef VMLAB_GDB_H
#define VMLAB_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor/vmm/monitor.h"

#define GDB_PACKET_MAX 4096 /* bytes of a packet's body we accept (we say so in qSupported) */
#define GDB_REPLY_MAX 65536 /* bytes of a reply body (monitor output, hex) */

/* ---- framing (gdb_packet.c) ---- */
enum gdb_rx_event {
	GDB_RX_NONE = 0,     /* more bytes needed */
	GDB_RX_PACKET,       /* a whole packet with a good checksum: rx->buf[0..len) */
	GDB_RX_BAD_CHECKSUM, /* answer '-': gdb sends it again */
	GDB_RX_OVERSIZED,    /* longer than GDB_PACKET_MAX: answered with an error */
	GDB_RX_INTERRUPT,    /* 0x03 outside a packet: stop the running VM */
	GDB_RX_ACK,          /* '+' */
	GDB_RX_NAK           /* '-': send the last reply again */
};
struct gdb_rx {
	int state;           /* 0 outside a packet, 1 body, 2 and 3 checksum digits */
	char buf[GDB_PACKET_MAX + 1]; /* NUL-terminated body */
	size_t len;
	bool overflow;
	uint8_t sum, got;
};
/* The value of hex digit c, or -1. */
int gdb_hexval(uint8_t c);
/* Feed one byte. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);
/* Frame body[0..len) as "$body#xx" into out (escaping $ # } *); returns the
 * framed length, 0 if it does not fit in outlen. */
size_t gdb_frame(const char *body, size_t len, char *out, size_t outlen);

/* ---- requests (gdb_request.c) ---- */
enum gdb_req_kind {
	GDB_REQ_UNKNOWN = 0, /* answered with the empty packet */
	GDB_REQ_BAD,         /* malformed arguments: "E01" */
	GDB_REQ_STATUS,      /* ? */
	GDB_REQ_SUPPORTED,   /* qSupported */
	GDB_REQ_XFER_FEATURES, /* qXfer:features:read:target.xml:off,len */
	GDB_REQ_ATTACHED,    /* qAttached */
	GDB_REQ_THREAD_INFO, /* qfThreadInfo (qsThreadInfo: THREAD_INFO_MORE) */
	GDB_REQ_THREAD_INFO_MORE,
	GDB_REQ_CUR_THREAD,  /* qC */
	GDB_REQ_OK,          /* Hg/Hc, T, QStartNoAckMode-free no-ops answered OK */
	GDB_REQ_NOACK,       /* QStartNoAckMode */
	GDB_REQ_READ_REGS,   /* g */
	GDB_REQ_WRITE_REGS,  /* G data */
	GDB_REQ_READ_REG,    /* p n */
	GDB_REQ_WRITE_REG,   /* P n=v */
	GDB_REQ_READ_MEM,    /* m addr,len */
	GDB_REQ_WRITE_MEM,   /* M addr,len:hex  and  X addr,len:binary */
	GDB_REQ_CONTINUE,    /* c [addr], vCont;c */
	GDB_REQ_STEP,        /* s [addr], vCont;s */
	GDB_REQ_VCONT_QUERY, /* vCont? */
	GDB_REQ_BREAK_INSERT, /* Z0..Z4 */
	GDB_REQ_BREAK_REMOVE, /* z0..z4 */
	GDB_REQ_MONITOR,     /* qRcmd,hex */
	GDB_REQ_REVERSE_CONTINUE, /* bc */
	GDB_REQ_REVERSE_STEP,     /* bs */
	GDB_REQ_DETACH,      /* D */
	GDB_REQ_KILL         /* k, vKill */
};
struct gdb_req {
	enum gdb_req_kind kind;
	uint64_t addr, len;     /* m M X Z z qXfer (offset, length) */
	unsigned type;          /* Z/z: 0 sw break, 1 hw break, 2 write, 3 read, 4 access watch */
	bool has_addr;          /* c/s: resume at addr */
	unsigned regno;         /* p P */
	uint8_t data[GDB_PACKET_MAX / 2 + 8]; /* G P M X: the bytes; qRcmd: the command text */
	size_t ndata;
};
/* Parse one packet body (buf[0..len), not NUL-terminated necessarily). Never fails:
 * anything not understood is GDB_REQ_UNKNOWN or GDB_REQ_BAD. */
void gdb_parse_request(const char *buf, size_t len, struct gdb_req *out);

/* ---- registers (gdb_regs.c) ---- */
/* The target description. */
const char *gdb_target_xml(void);
/* The register file as gdb's 'g' packet lays it out, little-endian bytes:
 * returns the length written into out (at most GDB_REGS_BYTES). */
#define GDB_REGS_BYTES 1024
size_t gdb_regs_read(struct vm *vm, uint8_t *out);
/* Register n: its bytes into out, returns its size (0: no such register). */
size_t gdb_reg_read(struct vm *vm, unsigned n, uint8_t *out);
/* Write register n from data[0..len): 0, or -1 (no such register, wrong
 * size, or a register the VMM does not let change to that value). */
int gdb_reg_write(struct vm *vm, unsigned n, const uint8_t *data, size_t len);
/* Write the whole file ('G'): registers the VMM does not let change keep their value. */
int gdb_regs_write(struct vm *vm, const uint8_t *data, size_t len);

/* ---- the session (gdb_exec.c, gdb_server.c) ---- */
#define GDB_MAX_BREAKS 64
/* What the stub's host (the console, monitor/console/console_gdb.c) adds; any hook may be NULL. */
struct gdb_hooks {
	/* bc (cont) / bs: go back to the previous breakpoint or watchpoint hit / by one
	 * stepi: 0 arrived, 1 went back to the start of the recorded history, -1 failed.
	 * NULL: gdb is told reverse execution is unsupported. */
	int (*reverse)(void *ctx, bool cont);
	void (*tick)(void *ctx);   /* between the VM steps of c/s (the recorder's checkpoints) */
	/* `monitor CMD` (a verb gdb_exec accepts): the console command's output into out.
	 * NULL: a console of its own on the VM for the command. */
	void (*monitor)(void *ctx, const char *cmd, FILE *out);
	void *ctx;
};
struct gdb_stub {
	struct vm *vm;
	int fd;                  /* the connection */
	bool noack;
	bool detached, killed;
	va_t brk[GDB_MAX_BREAKS];
	unsigned nbrk;
	struct mon_watch watch[MON_WATCH_MAX];
	unsigned nwatch;
	struct gdb_hooks hooks;
	FILE *log;               /* one line per event for the user (stderr), or NULL */
	FILE *echo;              /* where the guest's serial output goes once done (NULL: nowhere) */
};
/* Carry out one request; the reply body into reply (NUL-terminated, at most
 * GDB_REPLY_MAX bytes; "" is the empty reply). The resume requests run the VM
 * until it pauses, stops or poll_stop(ctx) says gdb interrupted (Ctrl-C). */
typedef bool (*gdb_poll_fn)(void *ctx);
void gdb_exec(struct gdb_stub *g, const struct gdb_req *r, char *reply, gdb_poll_fn poll_stop, void *ctx);
/* The stop reply for the VM's current state ("T05swbreak:;", "W00", ...). */
void gdb_stop_reply(struct gdb_stub *g, char *reply, size_t len);

/*
 * gdb's stepi and continue on vm, also what reverse execution repeats:
 * gdb_step_insn runs until an instruction retired or an exit moved RIP
 * (bounded); gdb_run runs whole slices until a breakpoint or watchpoint
 * pause (a breakpoint at the instruction it starts at runs), a stop, or
 * poll_stop(ctx) says so (then it returns true). h's tick runs between steps.
 */
void gdb_step_insn(struct vm *vm, const struct gdb_hooks *h);
bool gdb_run(struct vm *vm, const struct gdb_hooks *h, gdb_poll_fn poll_stop, void *ctx);

/*
 * Listen on 127.0.0.1:port (0: any free port), say "gdb: listening on
 * 127.0.0.1:N" on log, serve one gdb until it detaches, kills or goes away.
 * The guest's serial output goes to echo. Returns 0 (detached or gone: the
 * VM may go on), 1 (killed: the VM has been stopped), -1 with err (the
 * socket could not be set up).
 */
int gdb_serve(struct vm *vm, unsigned port, FILE *log, FILE *echo, const struct gdb_hooks *hooks, char *err,
	      size_t errlen);

#endif
