/*
 * monitor/reverse/reverse.h — record/replay support on top of the VMM's public
 * API (monitor/vmm/monitor.h): the snapshot ring that reverse execution
 * restores from, and the session record file of `vmlab record` / `vmlab
 * replay`. Both are plain data structures: the console (monitor/console/
 * console_reverse.c, console_record.c) decides what goes into them.
 */
#ifndef VMLAB_MONITOR_REVERSE_H
#define VMLAB_MONITOR_REVERSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- positions on a run's timeline (snapring.c) ---------------------------- */

/*
 * A point of a run, ordered: first by instruction count, then by `ord`, then
 * by `sub`. The console uses ord = trace events seen (or shown) there and
 * sub = the phase of a TLB miss paused in the VMM (UINT64_MAX outside one),
 * because several points can share one instruction count (the phases of an
 * exit happen between two instructions).
 */
struct rev_pos {
	uint64_t icount, ord, sub;
};
/* <0, 0, >0 as a is before, at, after b. */
int rev_pos_cmp(struct rev_pos a, struct rev_pos b);

/* ---- the snapshot ring (snapring.c) ------------------------------------------ */

struct rev_snap {
	struct rev_pos pos;
	void *data;     /* owned: freed with the ring's free function */
	size_t size;    /* bytes it costs (counted against the budget) */
};

/*
 * Snapshots in timeline order, within a memory budget. When an added snapshot
 * takes the total over the budget, older ones are thinned out: the one whose
 * removal leaves the smallest gap relative to its age goes first, so the
 * spacing grows with distance from the newest (recent history stays dense,
 * old history sparse). The first snapshot (the start of the history) and the
 * newest are never thinned, so the budget can be exceeded by those two alone.
 */
struct rev_ring {
	struct rev_snap *v;
	size_t n, cap;
	size_t budget;           /* bytes; 0: no limit */
	size_t bytes;            /* sum of the sizes kept */
	uint64_t thinned;        /* snapshots dropped to stay within the budget */
	void (*free_fn)(void *data);
};

void rev_ring_init(struct rev_ring *r, size_t budget, void (*free_fn)(void *data));
/* Append a snapshot after the last one (pos must be later), then thin. The ring
 * owns data from here on (freed at once on failure). 0, or -1 if pos is not
 * after the last snapshot or memory ran out. */
int rev_ring_add(struct rev_ring *r, struct rev_pos pos, void *data, size_t size);
/* Index of the latest snapshot strictly before pos, or -1 if none. */
long rev_ring_before(const struct rev_ring *r, struct rev_pos pos);
/* Forget every snapshot after pos (the run was taken back there). */
void rev_ring_drop_after(struct rev_ring *r, struct rev_pos pos);
void rev_ring_free(struct rev_ring *r);

/* ---- the session record (recfile.c) ------------------------------------------ */

/*
 * A record file is text, one item per line:
 *
 *   vmlab-record 1                      format version
 *   vmlab 0.1                           the vmlab version that wrote it
 *   option --cmdline                    the console's options, one argument a line
 *   option run=hello
 *   image kernel 0123456789abcdef 123456 build/guestos/kernel.elf
 *   image module ...                    its mon_image_hash, the file's size, its path
 *   cmd 578193 finish                   a console command and the icount it ran at
 *   end 2 89abcdef01234567              commands, FNV-1a 64 (mon_fnv1a) of every byte before "end"
 *
 * Arguments and commands are kept verbatim (they cannot hold a newline).
 */
#define REV_RECORD_FORMAT 1u
#define REV_RECORD_LINE_MAX 4096

struct rev_image {
	char kind[8];      /* "kernel" or "module" */
	uint64_t hash, size;
	char *path;
};
struct rev_cmd {
	uint64_t icount;
	char *line;
};
struct rev_record {
	char version[32];
	char **opts;
	size_t nopts;
	struct rev_image *img;
	size_t nimg;
	struct rev_cmd *cmd;
	size_t ncmd;
};

/* Append to a record being built. 0, or -1 with err (out of memory, a newline). */
int rev_record_add_opt(struct rev_record *r, const char *arg, char *err, size_t errlen);
int rev_record_add_image(struct rev_record *r, const char *kind, uint64_t hash, uint64_t size,
			 const char *path, char *err, size_t errlen);
int rev_record_add_cmd(struct rev_record *r, uint64_t icount, const char *line, char *err, size_t errlen);
/* Write the whole record to f. 0, or -1 if a write failed. */
int rev_record_write(const struct rev_record *r, FILE *f);
/* Parse buf[0..len). 0, or -1 with one line in err ("line 4: ...", "truncated:
 * no end line", "checksum mismatch: the file was changed") and r empty. */
int rev_record_parse(struct rev_record *r, const char *buf, size_t len, char *err, size_t errlen);
void rev_record_free(struct rev_record *r);

#endif
