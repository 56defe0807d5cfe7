/*
 * shadow/nested.h — nested paging (EPT/NPT-style hardware assist) for
 * `--mmu=nested`: a per-VM nested table (guest PA -> MA, real 4-level x86-64
 * tables in monitor frames, built from the pmap) and the two-dimensional walk
 * the CPU's MMU does on a TLB miss.
 *
 * The 2-D walk of one VA. Every guest table entry's PA must itself be
 * translated through the nested table before it can be read, and so must the
 * final guest PA:
 *
 *            nested L4 L3 L2 L1   guest entry
 *   gCR3 --> [ 4 refs ]  ------>  gL4 entry  (1 ref)
 *   gL4  --> [ 4 refs ]  ------>  gL3 entry  (1 ref)
 *   gL3  --> [ 4 refs ]  ------>  gL2 entry  (1 ref)
 *   gL2  --> [ 4 refs ]  ------>  gL1 entry  (1 ref)
 *   gPA  --> [ 4 refs ]  ------>  MA of the data page
 *
 * 4 x (4 + 1) + 4 = 24 memory references for a cold 4-level miss (the data
 * access itself is the 25th). SIMPLIFICATION: no paging-structure caches
 * (real CPUs cache nested and guest upper levels), so every miss pays all
 * of them; a guest 2 MiB page gives one walk level less.
 */
#ifndef VMLAB_SHADOW_NESTED_H
#define VMLAB_SHADOW_NESTED_H

#include "shadow/shadow.h"

/* The nested table of one VM. */
struct shadow_nested {
	struct shadow_mframe *mf;
	const struct shadow_pmap *pm;
	ma_t root;                    /* nested PML4 (MA), MA_NONE if not built */
	uint64_t tables;              /* monitor frames it holds */
};

/* One nested walk: guest PA -> MA. */
struct shadow_nwalk {
	pa_t pa;
	bool ok;                      /* false: PA outside guest RAM (an EPT violation) */
	ma_t ma;                      /* MA of the byte at pa */
	unsigned nrefs;               /* nested entries read (4 when ok) */
	ma_t ref_ma[4];               /* MA of each entry read, top level first */
};

/* The record of one 2-D walk, for the trace and tests. */
struct shadow_walk2d {
	struct shadow_walk g;         /* the guest dimension (its entries, result, #PF code) */
	struct shadow_nwalk nw[5];    /* nested walks: one per guest entry read, then the data page */
	unsigned nnested;
	unsigned refs;                /* all memory references: guest entries + nested entries */
	bool bad_pa;                  /* a guest table or page PA outside guest RAM */
	ma_t ma;                      /* OK: MA of the byte at va */
};

/*
 * Build the nested table mapping every PA page of pm to its frame (P RW,
 * address = MA), in frames owned by the monitor. Returns 0, or -1 when out
 * of machine frames (nothing kept).
 */
int shadow_nested_build(struct shadow_nested *n, struct shadow_mframe *mf,
			const struct shadow_pmap *pm);
/* Give the table frames back. */
void shadow_nested_free(struct shadow_nested *n);
/* Walk the nested table for pa (4 references). Returns w->ok. */
bool shadow_nested_walk(const struct shadow_nested *n, pa_t pa, struct shadow_nwalk *w);
/*
 * The 2-D walk for va under guest PML4 cr3 (flags: SHADOW_WALK_*), setting
 * A/D bits in the guest's entries as hardware does. Returns the guest walk's
 * status: OK (w->ma), FAULT (w->g.err: a true fault for the guest), or FAULT
 * with w->bad_pa (the guest points outside its RAM: the monitor stops it).
 */
enum shadow_walk_status shadow_walk2d(const struct shadow_nested *n, struct shadow_walk2d *w,
				      pa_t cr3, va_t va, enum cpu_access acc, unsigned flags);

#endif
