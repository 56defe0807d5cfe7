/*
 * monitor/draw/draw.h — pictures of what the lecture draws, written as SVG by
 * vmlab itself (no server, no library), and the one-page HTML lab report.
 *
 *   sequence  one round trip as a sequence diagram: lanes app, CPU/MMU, TLB,
 *             VMM, kernel A (a lane per further VM), one arrow per trace event,
 *             labelled with the lecture's phase (miss, walk, pmap, install, ...)
 *   walk      a page-table walk as a tree: the guest's levels with the entries
 *             used, the shadow table beside it, pmap PA -> MA, the TLB entry
 *   tlb       the simulated TLB as a sets x ways grid, changes highlighted
 *
 * Every picture is a pure function of its model (no host time, no host
 * addresses): the same model gives the same bytes. Models come from a trace
 * file (text or JSON Lines, read with the trace reader of trace-diff) or, in
 * the console and the browser, from the live VM.
 *
 * Elements carry classes (`lane`, `arrow`, `phase`, `pte`, `tlb-entry`, ...)
 * and data- attributes so that a browser test can check a picture through
 * the DOM rather than its pixels.
 */
#ifndef VMLAB_MONITOR_DRAW_H
#define VMLAB_MONITOR_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mon_event;
struct vm;

/* ---- events (draw/events.c) ----------------------------------------------- */

#define DRAW_HAS_VA (1u << 0)
#define DRAW_HAS_PA (1u << 1)
#define DRAW_HAS_MA (1u << 2)
#define DRAW_HAS_SETWAY (1u << 3)
#define DRAW_HAS_VALUE (1u << 4)

/* One trace event, whatever it was read from. */
struct draw_event {
	uint64_t icount;
	unsigned vm;
	char who[24];   /* "app:hello", "kernel", "VMM", "CPU" */
	char kind[24];  /* "tlb_miss", ... ("" if unknown) */
	char text[200]; /* the human text, blanks collapsed, leading blanks dropped */
	uint32_t has;   /* DRAW_HAS_* */
	uint64_t va, pa, ma, value;
	int set, way;
};

struct draw_events {
	struct draw_event *ev;
	size_t n, cap;
};

/* Read a whole trace file (text or JSON Lines, detected per line). Text lines
 * have no kind and no fields: they are inferred from the text
 * (draw_infer_text). Returns 0, or -1 with a one-line reason in err. */
int draw_events_load(struct draw_events *t, const char *path, char *err, size_t errlen);
/* Append one live event (the console's and the browser's event sink). */
int draw_events_add_mon(struct draw_events *t, const struct mon_event *e);
/* Append one event parsed from a trace line (text or JSONL); a header or comment
 * line adds nothing. Returns 0 or -1 with err. */
int draw_events_add_line(struct draw_events *t, const char *line, char *err, size_t errlen);
void draw_events_clear(struct draw_events *t);
void draw_events_free(struct draw_events *t);
/* Fill kind (if empty) and the address fields a text line spells out:
 * "VA 0x..", the last "PA 0x..", "MA 0x..", "= 0x.." and "[set S way W]". */
void draw_infer_text(struct draw_event *e);
/* The permissions a tlb_install event's text ends with ("U R X"), into out. */
void draw_install_perm(const struct draw_event *e, char *out, size_t len);
/* Parse a window "FIRST[:COUNT]" (event numbers from 1) into a 0-based first
 * and a count (0: to the end). Returns false if s is not one. */
bool draw_parse_window(const char *s, size_t *first, size_t *count);

/* ---- the sequence diagram (draw/sequence.c) -------------------------------- */

/* Events [first, first + count) of t (count 0: to the end, at most
 * DRAW_SEQ_MAX) as a sequence diagram. Returns 0, or -1 with err (empty window). */
#define DRAW_SEQ_MAX 400
int draw_sequence_svg(FILE *f, const struct draw_events *t, size_t first, size_t count,
		      char *err, size_t errlen);

/* The lecture's name of the phase an event belongs to ("miss", "walk", ...). */
const char *draw_phase(const struct draw_event *e);

/* ---- the page-table walk (draw/walk.c) ------------------------------------- */

struct draw_walk {
	uint64_t va;
	bool has_cr3;
	uint64_t cr3;           /* guest CR3 (PA of the top table) */
	unsigned nrefs;         /* guest entries read, top level first */
	uint64_t ref_pa[4], ref_val[4];
	bool pa_ok;             /* the guest maps va */
	uint64_t pa;
	bool ma_ok;             /* pmap knows pa */
	uint64_t ma;
	unsigned nshadow;       /* shadow entries (0: unknown, e.g. from a trace) */
	uint64_t sh_ma[4], sh_val[4];
	bool tlb_ok;            /* the TLB entry installed / present */
	int set, way;
	char perm[24];          /* "U R X" */
	bool fault;             /* the guest walk failed: a true fault */
	char fault_text[120];
	uint64_t icount;        /* when (0: live, unknown) */
	bool hw_refill;         /* the CPU refilled the TLB from the shadow table (no exit) */
	enum draw_walk_mmu {    /* who translated: what stands beside the guest table */
		DRAW_WALK_SHADOW, DRAW_WALK_NESTED, DRAW_WALK_SWTLB
	} mmu;
};

/* The first walk of VA's page in t (from its tlb_miss or walk event to the
 * TLB install, through the retry whose hardware walk refills the TLB, or to
 * the true fault). Returns 0, or -1 with err when t holds none. */
int draw_walk_from_events(struct draw_walk *w, const struct draw_events *t, uint64_t va,
			  char *err, size_t errlen);
void draw_walk_svg(FILE *f, const struct draw_walk *w);

/* ---- the TLB grid (draw/tlbgrid.c) ----------------------------------------- */

struct draw_tlb_entry {
	bool valid;
	unsigned vmid, asid;
	bool asid_known;
	bool kernel_view;
	uint64_t va, ma;
	uint64_t stamp;         /* icount of its install (age = now - stamp) */
	char perm[24];
};

#define DRAW_TLB_MAX_SETS 64
#define DRAW_TLB_MAX_WAYS 16
struct draw_tlb {
	unsigned sets, ways;
	uint64_t now;
	struct draw_tlb_entry e[DRAW_TLB_MAX_SETS * DRAW_TLB_MAX_WAYS];
};

/* Replay t's tlb_install / tlb_evict / cr3 / invlpg events into a sets x ways
 * grid (entries of VMs other than vm ignored); prev gets the grid as it was
 * before the last instruction count that changed it (may be NULL). Returns 0
 * or -1 with err (bad geometry). */
int draw_tlb_from_events(struct draw_tlb *now, struct draw_tlb *prev, const struct draw_events *t,
			 unsigned sets, unsigned ways, char *err, size_t errlen);
/* The grid; entries that differ from prev (if given) are highlighted. */
void draw_tlb_svg(FILE *f, const struct draw_tlb *now, const struct draw_tlb *prev);
/* draw_tlb_from_events then draw_tlb_svg. Returns 0 or -1 with err. */
int draw_tlb_events_svg(FILE *f, const struct draw_events *t, unsigned sets, unsigned ways, char *err,
			size_t errlen);

/* ---- from a running VM (draw/live.c) --------------------------------------- */

/* The VM's TLB as it is. Returns 0, or -1 with err if it is too large to draw. */
int draw_tlb_from_vm(struct draw_tlb *t, struct vm *vm, char *err, size_t errlen);
/* va's walk now: the guest's entries (as mon_translate reads them), pmap,
 * the shadow table's entries in the current view, the TLB entry if present. */
void draw_walk_from_vm(struct draw_walk *w, struct vm *vm, uint64_t va);
/* The VM's TLB as a grid, entries that differ from prev (may be NULL) marked.
 * Returns 0 or -1 with err. */
int draw_tlb_vm_svg(FILE *f, struct vm *vm, const struct draw_tlb *prev, char *err, size_t errlen);

/* ---- front ends (draw/cli.c, draw/report.c) -------------------------------- */
int draw_main(int argc, char **argv);   /* vmlab draw sequence|walk|tlb ... */
int report_main(int argc, char **argv); /* vmlab report ... */

/* Run fn on path.tmp and rename it to path when fn succeeds (nothing is
 * left behind otherwise); NULL or "-": stdout. Returns 0 or -1 with err. */
int draw_to_file(const char *path, int (*fn)(FILE *f, void *ctx, char *err, size_t errlen), void *ctx,
		 char *err, size_t errlen);

#endif
