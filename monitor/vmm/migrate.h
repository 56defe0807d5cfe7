/*
 * monitor/vmm/migrate.h — live migration of a running VM (public API for
 * front ends, beside monitor.h): iterative pre-copy with dirty tracking from
 * the shadow tables, then stop-and-copy of the rest and the CPU/device state
 * (mon_vm_save's stream without the guest's pages). docs/migration.md.
 *
 * The sender writes a byte stream through a callback (a socket, or the
 * receiver's feed directly when both VMs live in one process); the VMM reads
 * and writes no files or sockets itself.
 *
 *   stream:  "VLABMIGR" u32 version, u64 guest pages, then records
 *            'P' u64 page, 4096 bytes     a guest page
 *            'Z' u64 page                 a guest page of zeros
 *            'R' u32 round                end of a pre-copy round
 *            'S' u64 n, n bytes           the state (mon_vm_save_flags, MON_SAVE_NO_GUEST_RAM)
 *            'E' u64 hash                 FNV-1a of all guest pages in PA order: the end
 */
#ifndef VMLAB_MONITOR_MIGRATE_H
#define VMLAB_MONITOR_MIGRATE_H

#include "monitor/vmm/monitor.h"

/* mon_vm_save with flags: MON_SAVE_NO_GUEST_RAM leaves the VM's own frames out
 * (a restore leaves them as they are). */
#define MON_SAVE_NO_GUEST_RAM 1u
uint8_t *mon_vm_save_flags(struct vm *vm, unsigned flags, size_t *len, char *err, size_t errlen);

#define MON_MIGRATE_ROUNDS_MAX 64

struct mon_migrate_opts {
	uint64_t link_pages, link_insns; /* the link sends link_pages pages (x 4096 bytes) while the
					    guest runs link_insns instructions */
	unsigned max_rounds;             /* pre-copy rounds at most (1..MON_MIGRATE_ROUNDS_MAX) */
	uint64_t stop_pages;             /* stop and copy once a round leaves at most this many dirty */
};

struct mon_migrate_round {
	uint64_t pages, zero_pages;      /* pages sent (zero pages: 9 bytes each) */
	uint64_t bytes;                  /* stream bytes of the round */
	uint64_t insns;                  /* guest instructions run while it was sent */
	uint64_t dirtied;                /* pages the guest dirtied meanwhile */
};

enum mon_migrate_end {
	MON_MIGRATE_CONVERGED = 0,       /* a round left <= stop_pages dirty */
	MON_MIGRATE_ROUND_LIMIT,         /* max_rounds reached: the guest dirties faster than the link sends */
	MON_MIGRATE_GUEST_STOPPED,       /* the guest stopped during pre-copy: the rest goes at once */
};

struct mon_migrate_report {
	uint64_t start_icount, stop_icount; /* pre-copy began / the VM was paused */
	unsigned rounds;
	struct mon_migrate_round round[MON_MIGRATE_ROUNDS_MAX];
	enum mon_migrate_end end;
	uint64_t final_pages, final_zero_pages; /* stop-and-copy: pages sent with the VM paused */
	uint64_t state_bytes;            /* the CPU/device/shadow state record */
	uint64_t downtime_bytes;         /* everything sent while paused */
	uint64_t downtime_insns;         /* those bytes at the link rate, in guest instructions */
	uint64_t total_bytes, total_pages;
	uint64_t hash;                   /* of the guest memory at the pause */
};

typedef int (*mon_send_fn)(void *ctx, const void *buf, size_t len); /* 0, or -1: link broken */

/*
 * Migrate vm (shadow mode, with or without --paravirt) through `send`. The VM
 * runs between link slots (o->link_insns instructions per o->link_pages pages)
 * and ends paused at rep->stop_icount: the sender's copy is then stale (destroy
 * it). 0, or -1 with one line in err (bad options, other MMU mode, link broken).
 */
int mon_migrate_send(struct vm *vm, const struct mon_migrate_opts *o, mon_send_fn send, void *ctx,
		     struct mon_migrate_report *rep, char *err, size_t errlen);
/* "converged", "round limit", "guest stopped" */
const char *mon_migrate_end_name(enum mon_migrate_end e);

/* The receiving end: a VM created with the same machine options as the sender's. */
struct mon_migrate_rx;
struct mon_migrate_rx_stats {
	uint64_t pages, zero_pages, rounds, bytes, state_bytes;
};
struct mon_migrate_rx *mon_migrate_rx_new(struct vm *dst, char *err, size_t errlen);
/*
 * Bytes of the stream, in any pieces. Returns 0 (more wanted), 1 (complete:
 * the VM holds the sender's state and memory, checked against the hash, and
 * can run), -1 with one line in err (bad stream, other machine options; the
 * VM must not run).
 */
int mon_migrate_rx_feed(struct mon_migrate_rx *rx, const void *buf, size_t len, char *err, size_t errlen);
const struct mon_migrate_rx_stats *mon_migrate_rx_stats(const struct mon_migrate_rx *rx);
void mon_migrate_rx_free(struct mon_migrate_rx *rx);

#endif
