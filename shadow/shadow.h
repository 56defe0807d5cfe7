/*
 * shadow/shadow.h — software shadow paging: machine frames, the pmap, the
 * guest page-table walker, shadow tables, write tracking of guest PT pages,
 * and the shadow-mode MMU the CPU calls.
 *
 * Vocabulary (ARCHITECTURE.md): VA (guest virtual), PA (guest-physical, what
 * the guest's page tables produce), MA (machine: offset into the one RAM
 * buffer). The monitor owns everything here; nothing here prints: each
 * operation fills a record (entries read, set/way used, what was dropped)
 * that the monitor turns into trace lines.
 *
 * Files: mframe.c (machine frames and their owners), pmap.c (PA page -> MA
 * frame per VM), walk.c (guest walker, steppable), shadow.c (shadow tables
 * and the root cache), ptwrite.c (PT-page tracking, traced writes, invlpg,
 * CR3/CR0/CR4/EFER), fill.c (the miss handler, steppable), mmu.c (struct
 * cpu_mmu for the CPU, isolation check), overcommit.c and ocpool.c (guest
 * pages paged out to host swap; the frames overcommitted VMs share, the
 * victim FIFO), share.c (identical pages share a frame, copy-on-write),
 * dirtylog.c (dirty pages for live migration).
 *
 * ---- x86-64 4-level paging, as walked here ----
 *
 *   VA:  63..48 | 47..39 | 38..30 | 29..21 | 20..12 | 11..0
 *        sign   | PML4 i | PDPT i | PD i   | PT i   | offset     (level 4, 3, 2, 1)
 *
 *   CR3: 63 (no-flush, PCIDE only) | 51..12 PML4 PA | 11..0 PCID (PCIDE) / PWT,PCD
 *
 *   entry: 63 NX | 62..52 ignored | 51..M reserved | M-1..12 address | 11..9 ignored
 *          8 G | 7 PS | 6 D | 5 A | 4 PCD | 3 PWT | 2 U/S | 1 R/W | 0 P
 *   PS=1 at level 3: 1 GiB page, address bits 51..30 (29..13 reserved, 12 = PAT)
 *   PS=1 at level 2: 2 MiB page, address bits 51..21 (20..13 reserved, 12 = PAT)
 *   PS at level 4 is reserved. NX is reserved unless EFER.NXE. M = X86_MAXPHYADDR.
 *
 * Shadow tables use the same entry format, with MAs instead of PAs, in
 * monitor-owned machine frames; so `xm` in the console can show them.
 *
 * ---- who calls cpu_ftlb_* ----
 * The shadow MMU hands TLB hits to the CPU as cacheable, so the CPU's fast
 * cache holds a subset of the simulated TLB's entries of the CURRENT
 * (vmid, asid, view). Therefore:
 *   - the monitor installs shadow_tlb_drop_hook (ctx = the struct cpu) on the
 *     TLB: every evicted/invalidated TLB entry is forgotten by the fast cache;
 *   - shadow_set_view / shadow_write_cr3 / shadow_set_paging flush the fast cache
 *     of the attached CPU (vm->cpu) themselves when the context changes;
 *   - a monitor that switches one struct cpu between VMs flushes it itself.
 */
#ifndef VMLAB_SHADOW_H
#define VMLAB_SHADOW_H

#include "cpu/cpu.h"
#include "cpu/x86_pte.h"
#include "tlb/tlb.h"

/* ---- page-table entry bits (guest and shadow): PTE_* of cpu/x86_pte.h ---- */
#define CR3_ADDR_MASK 0x000ffffffffff000ull
#define CR3_PCID_MASK 0xfffull
#define CR3_NOFLUSH (1ull << 63)

#define MA_NONE (~(ma_t)0)
#define PA_NONE (~(pa_t)0)

/* Index of va in the table of `level` (4 = PML4 ... 1 = PT). */
static inline unsigned shadow_pt_index(unsigned level, va_t va)
{
	return (unsigned)((va >> (PAGE_SHIFT + 9 * (level - 1))) & 511);
}
/* Bytes mapped by one entry of a table of `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB, 4: 512 GiB). */
static inline uint64_t shadow_level_span(unsigned level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

/* ======================= mframe.c: machine frames ======================= */

/* Owner of a machine frame: a vmid (< SHADOW_OWNER_MONITOR), the monitor, or nobody. */
#define SHADOW_OWNER_MONITOR 0xfffeu
#define SHADOW_OWNER_FREE 0xffffu

struct shadow_mframe {
	uint8_t *ram;          /* the machine RAM (not owned) */
	uint64_t ram_size;
	uint64_t nframes;
	uint16_t *owner;       /* per frame */
	uint32_t *tag;         /* per frame: for a VM frame, the PA page number it backs */
	uint32_t *free;        /* stack of free frame numbers; free[nfree-1] is handed out next */
	uint64_t nfree;
	uint64_t monitor_frames; /* frames currently owned by the monitor */
	uint64_t nfresh;       /* free[0, nfresh) were never handed out and ram was zero:
				  their bytes are still zero (0 unless shadow_mframe_ram_zero) */
	struct shadow_ocpool *pool; /* set: guest pages get frames from this overcommit pool,
				       on demand (a host whose VMs together exceed its frames) */
};

/*
 * Manage frames of ram[0, ram_size) (ram_size rounded down to pages, at most
 * 2^32 frames). The free frames are shuffled with `seed` (splitmix64 +
 * Fisher-Yates), so allocation order is scattered but the same for a seed.
 * Returns 0, or -1 on bad size / no host memory.
 */
int shadow_mframe_init(struct shadow_mframe *mf, uint8_t *ram, uint64_t ram_size, uint64_t seed);
void shadow_mframe_free(struct shadow_mframe *mf);
/* The caller's ram is all zero (calloc'd) and nothing but handed-out frames
 * will be written: frames never handed out need no clearing, so the host
 * touches only the pages a guest uses (the guest's 64M is not faulted in and
 * cleared at every boot). Anything that writes the frame table or free frames
 * behind the allocator's back (a snapshot restore) calls shadow_mframe_dirty. */
void shadow_mframe_ram_zero(struct shadow_mframe *mf);
void shadow_mframe_dirty(struct shadow_mframe *mf);
/* Take a frame for `owner` (a vmid or SHADOW_OWNER_MONITOR), zeroed. MA_NONE if none left. */
ma_t shadow_mframe_alloc(struct shadow_mframe *mf, uint16_t owner);
/* Give a frame back (it is handed out again first: LIFO, deterministic). */
void shadow_mframe_release(struct shadow_mframe *mf, ma_t ma);
/* Owner of the frame containing ma; SHADOW_OWNER_FREE if ma is outside RAM. */
uint16_t shadow_mframe_owner(const struct shadow_mframe *mf, ma_t ma);
/* Host pointer to the 8-byte word at ma (ma must be 8-aligned and inside RAM; NULL otherwise). */
uint64_t *shadow_mframe_word(const struct shadow_mframe *mf, ma_t ma);

/* ======================= pmap.c: PA -> MA per VM ======================= */

struct shadow_pmap {
	uint16_t vmid;
	uint64_t mem_size;     /* guest-physical RAM is PA [0, mem_size), page-multiple */
	uint64_t npages;
	ma_t *frame;           /* per PA page: its machine frame */
	struct shadow_mframe *mf;
	uint8_t *dirty;        /* per PA page: written since the dirty log was last collected
				  (dirtylog.c; NULL: no log kept) */
	struct shadow_oc *oc;  /* overcommit (overcommit.c): frames come and go; NULL: eager */
};

/* Note a write to the page of pa in the dirty log (if one is kept). */
static inline void shadow_pmap_mark_dirty(const struct shadow_pmap *pm, pa_t pa)
{
	if (pm->dirty && pa < pm->mem_size)
		pm->dirty[pa >> PAGE_SHIFT] = 1;
}

/*
 * Give VM `vmid` mem_size bytes (rounded up to pages) of guest-physical RAM.
 * EAGER: every PA page gets its frame now, in the mframe's scattered order (so
 * PA != MA visibly, deterministic per seed, and a VM asking for more memory
 * than the machine has fails here, cleanly). Frames are zeroed.
 * Returns 0, or -1 (not enough machine frames: nothing kept; or bad args).
 */
int shadow_pmap_init(struct shadow_pmap *pm, struct shadow_mframe *mf, uint16_t vmid,
		     uint64_t mem_size);
/* Return the frames to the mframe. */
void shadow_pmap_free(struct shadow_pmap *pm);
/* MA of the byte at pa; MA_NONE if pa is not guest RAM. */
ma_t shadow_pa_to_ma(const struct shadow_pmap *pm, pa_t pa);
/* PA of the byte at machine address ma if its frame belongs to this VM; PA_NONE otherwise. */
pa_t shadow_ma_to_pa(const struct shadow_pmap *pm, ma_t ma);
/* 8-byte guest-physical access (pa 8-aligned). false if pa is not guest RAM. */
bool shadow_pmap_read64(const struct shadow_pmap *pm, pa_t pa, uint64_t *v);
bool shadow_pmap_write64(const struct shadow_pmap *pm, pa_t pa, uint64_t v);
/* Copy bytes in/out of guest-physical memory (any alignment, crossing pages).
 * false (and nothing copied) if any byte is outside guest RAM. */
bool shadow_pmap_write(const struct shadow_pmap *pm, pa_t pa, const void *src, uint64_t len);
bool shadow_pmap_read(const struct shadow_pmap *pm, pa_t pa, void *dst, uint64_t len);

/* ======================= overcommit.c, ocpool.c: guest pages out to a host swap area ======================= */

#define SHADOW_OC_RECENT 16     /* page-ins remembered for double-paging detection */
#define SHADOW_POOL_VMS 16      /* overcommitted VMs on one host (vmid < this) */

/*
 * Overcommit: the guest pages of the VMs of one host (one VM alone: a pool of
 * its own) may hold at most resident_max machine frames together (the pool);
 * the other pages are "not resident" (pmap.frame[p] == MA_NONE): their bytes
 * are in their VM's host swap area (swapped[p]) or they were never touched
 * (zeros). Any PA -> MA lookup of a non-resident page pages it in
 * (shadow_pa_to_ma), first paging out a victim when the pool's frames are all
 * held or no machine frame is free.
 * Victim policy: one FIFO over the resident pages of every VM of the pool (a
 * global FIFO: the page resident longest, whichever VM it belongs to; the
 * monitor cannot see the guests' working sets, which is the lecture's point),
 * never the page being brought in nor a page of an open PT-write window.
 * Paging out drops every shadow leaf and TLB entry of the frame in the
 * victim's VM and its decoded code there. Deterministic.
 */
struct shadow_ocpool {
	struct shadow_mframe *mf;
	uint64_t resident_max, nresident; /* frames holding guest pages, all VMs together */
	struct shadow_oc *oc[SHADOW_POOL_VMS]; /* the VMs in the pool, by vmid (NULL: none) */
	unsigned nvms;
	uint64_t *fifo;               /* resident pages in page-in order: vmid << 32 | PA page (a ring) */
	uint64_t head, count, ring;
	/* page sharing (share.c, --share-pages): NULL sharers = off */
	uint32_t *sharers;            /* per machine frame: PA pages of any VM mapping it read-only (0: private) */
	uint64_t zero_hash;           /* the hash of a page of zeros */
	uint64_t shared_frames, shared_pages; /* now: frames with sharers, PA pages mapping them */
	uint64_t saved_max;           /* the most frames sharing saved at once (pages - frames) */
	uint64_t scan;                /* rehash cursor (offset into the FIFO) */
};

/* One VM's side of overcommit. */
struct shadow_oc {
	struct shadow_vm *sh;         /* the VM these pages belong to (for unmapping) */
	struct shadow_ocpool *pool;   /* the frames it shares with the host's other VMs */
	bool own_pool;                /* a VM alone: freed with it */
	uint64_t target;              /* its part of the pool's frames, in proportion to its pages
					 (what the balloon asks back beyond) */
	uint64_t frames;              /* machine frames it owns now (a shared frame: one sharer owns it) */
	uint8_t *swap;                /* npages * PAGE_SIZE: slot p holds PA page p when swapped[p] */
	uint8_t *swapped;
	uint64_t page_outs, page_ins; /* its pages paged out (whoever needed the frame); page_ins:
					 only those read back from swap */
	uint64_t zero_fills;          /* first touches: a zeroed frame, nothing read */
	uint64_t recent[SHADOW_OC_RECENT]; /* PA pages last paged in from swap, for double paging */
	uint8_t recent_seen[SHADOW_OC_RECENT]; /* sectors of each seen written to the guest's disk */
	unsigned recent_next;
	uint64_t double_paging;       /* a page read back from swap only to be written to the guest's disk */
	uint64_t last_double;         /* the PA page of the last such event */
	uint64_t ballooned;           /* pages the guest gave back (their frames and bytes dropped) */
	uint64_t balloon_budget;      /* pages the guest's user budget shrank by instead (monitor/vmm) */
	bool failed;                  /* a page-in found no frame (every frame pinned or a shadow table) */
	/* page sharing (share.c): hash NULL = off */
	uint64_t *hash;               /* per PA page: content hash when last paged in or merged */
	uint64_t shared_frames;       /* now: shared frames it owns */
	uint64_t shared_pages;        /* now: its pages mapping a shared frame (saved: pages - frames) */
	uint64_t merges, merges_zero; /* its victims merged into an identical frame instead of paged out */
	uint64_t shared_ins;          /* page-ins (or zero fills) that found their bytes in a shared frame */
	uint64_t cow_breaks;          /* first writes to a shared page (a copy unless it was the last sharer) */
	uint64_t last_cow;            /* the PA page of the last COW break */
	/* told of each page-out of its pages, after the copy to swap (the monitor traces
	 * it; NULL: nobody): p and the frame ma it left; by and by_page: the VM and PA
	 * page whose page-in needed the frame (this VM, or another of the pool) */
	void (*on_page_out)(void *ctx, uint64_t p, ma_t ma, const struct shadow_oc *by, uint64_t by_page);
	void *on_page_out_ctx;
};

/* Make the VM's memory overcommitted on a pool of its own: give back its eager
 * frames; at most resident_pages (>= 4) stay resident. 0 or -1 (no host memory / bad size). */
int shadow_overcommit_enable(struct shadow_vm *vm, uint64_t resident_pages);
/* (ocpool.c) A pool of `frames` (>= 4) machine frames of mf for the guest pages of
 * several VMs (sharing: shadow_share_enable on each). While mf->pool is set,
 * shadow_vm_init gives a VM no frames and joins it to the pool.
 * shadow_ocpool_free: after every VM has left. */
struct shadow_ocpool *shadow_ocpool_create(struct shadow_mframe *mf, uint64_t frames);
void shadow_ocpool_free(struct shadow_ocpool *pool);
/* (ocpool.c) vm (no frames yet) joins / leaves the pool; the VMs' targets are
 * recomputed (frames x pages / all pages). join: 0 or -1 (no host memory, vmid too big). */
int shadow_ocpool_join(struct shadow_ocpool *pool, struct shadow_vm *vm, bool own);
void shadow_ocpool_leave(struct shadow_vm *vm);
/* Page in PA page p (internal to shadow_pa_to_ma): its frame, or MA_NONE. */
ma_t shadow_oc_page_in(const struct shadow_pmap *pm, uint64_t p);
/* A 512-byte sector the guest wrote to its disk: sector `index` (0..7) of a
 * page? Counts a double-paging event when all 8 sectors of a page recently
 * read back from swap were written out. Returns true on such an event. */
bool shadow_oc_disk_write(struct shadow_oc *oc, const struct shadow_pmap *pm, const uint8_t *sector,
			  unsigned index);
/* The guest gave PA page p back (balloon): drop its frame or swap slot, its bytes
 * with them (it reads as zeros if ever touched again). 0, or -1 (already given). */
int shadow_oc_balloon_take(struct shadow_vm *vm, uint64_t p);
/* Internal to overcommit.c/ocpool.c/share.c: page out the pool's oldest page that
 * may go, but not page `keep` of `keep_oc`, the page that needs the frame (true if
 * one went or was merged; the victim's on_page_out is told keep_oc and keep). */
bool shadow_oc_page_out_one(struct shadow_ocpool *pool, const struct shadow_oc *keep_oc, uint64_t keep);
/* Page p of oc no longer holds its frame: true if the frame was freed (false: it
 * is still shared by other pages; if p's VM owned it, another sharer does now). */
bool shadow_oc_drop_frame(struct shadow_oc *oc, uint64_t p);
/* The last page p mapping its shared frame keeps it as its own (owned by its VM). */
void shadow_oc_make_private(struct shadow_oc *oc, uint64_t p);
/* A frame for page p of oc (zeroed; owned by its VM), or MA_NONE (none free). */
ma_t shadow_oc_take_frame(struct shadow_oc *oc, uint64_t p);
void shadow_oc_fifo_push(struct shadow_ocpool *pool, const struct shadow_oc *oc, uint64_t p);
/* The page of the VM's open PT-write window, or UINT64_MAX. */
uint64_t shadow_oc_pinned(const struct shadow_oc *oc);
/* Nothing may reach frame ma (of page p) any more: shadow leaves, TLB, decoded code. */
void shadow_oc_unmap(struct shadow_vm *vm, uint64_t p, ma_t ma);
/* Another page (of any VM of the pool) that maps shared frame s owns it now (p's VM
 * gave it up); nothing if none does. */
void shadow_oc_rehome(struct shadow_ocpool *pool, ma_t s, const struct shadow_oc *from, uint64_t p);

/* ======================= share.c: identical frames shared, copy-on-write ======================= */

/*
 * Page sharing under overcommit (--share-pages), across every VM of the pool:
 * when the FIFO picks a victim whose bytes equal those of another resident
 * page of any VM (hash recorded at page-in, then compared byte for byte), the
 * victim maps that page's frame instead of being paged out: one frame,
 * write-protected in every shadow leaf and TLB entry, shared by both. A page-in
 * whose bytes (swap slot, or zeros) equal a shared frame maps it without
 * taking a frame. The first write to a shared page (guest store through the
 * fill, walker A/D bits, the monitor's own writes) breaks the sharing: a new
 * frame, a copy, the writer VM's old leaves dropped (copy-on-write; no copy
 * when it was the last sharer). A shared frame is owned (mframe owner, tag)
 * by one of its sharers; the isolation check accepts a VM's read-only
 * mappings of a shared frame it does not own. Deterministic.
 */
#define SHADOW_SHARE_SCAN 4     /* resident pages rehashed at each page-out decision */
/* Turn sharing on for an overcommitted VM (and its pool). 0, or -1 (not
 * overcommitted, on already, no host memory). */
int shadow_share_enable(struct shadow_vm *vm);
/* The victim p (resident, private frame) equals another resident page: merge it
 * into that page's frame (p stays resident, its frame freed). true if merged. */
bool shadow_share_merge_victim(struct shadow_oc *oc, uint64_t p);
/* A shared frame holding what page p is about to hold (swap slot or zeros), or MA_NONE. */
ma_t shadow_share_find(const struct shadow_pmap *pm, uint64_t p, uint64_t *hash);
/* Is the frame of ma write-protected shared? */
bool shadow_share_is_shared(const struct shadow_pmap *pm, ma_t ma);
/* MA of pa for a write: a shared page gets its own frame first (COW). MA_NONE
 * as shadow_pa_to_ma, or if no frame could be had for the copy. */
ma_t shadow_pa_to_ma_w(const struct shadow_pmap *pm, pa_t pa);

/* ======================= walk.c: the guest page-table walker ======================= */

/* Walk mode flags. */
#define SHADOW_WALK_USER (1u << 0)  /* the access is from (virtual) CPL 3 */
#define SHADOW_WALK_WP (1u << 1)    /* CR0.WP: supervisor writes honour R/W */
#define SHADOW_WALK_NXE (1u << 2)   /* EFER.NXE: NX is a permission, not reserved */
#define SHADOW_WALK_PGE (1u << 3)   /* CR4.PGE: the G bit means global */
#define SHADOW_WALK_NO_AD (1u << 4) /* inspect only: do not set A/D (console `pt`) */

enum shadow_walk_status { SHADOW_WALK_RUNNING = 0, SHADOW_WALK_OK, SHADOW_WALK_FAULT };

/* One entry the walker read. */
struct shadow_walk_ref {
	uint8_t level;         /* 4 = PML4 ... 1 = PT */
	bool outside;          /* the entry's PA is not guest RAM: read as all ones (-> RSVD fault) */
	pa_t pa;               /* PA of the 8-byte entry */
	uint64_t val;          /* value read */
	uint64_t newval;       /* value after the A/D update (== val if none) */
};

/*
 * A walk in progress or done. Begin with shadow_walk_begin, advance with
 * shadow_walk_step (one entry per step, for the console) or shadow_walk_run.
 * Result when OK: pa (the byte va translates to), page_pa/page_shift (the guest
 * page: 4 KiB, 2 MiB or 1 GiB), effective permissions w/u/x (AND over the
 * levels, after WP/NXE rules for the access's privilege), g, dirty (leaf D after
 * the update). When FAULT: err is the exact #PF error code (P W U RSVD I).
 */
struct shadow_walk {
	/* inputs */
	pa_t cr3;               /* PML4 PA (CR3 & CR3_ADDR_MASK) */
	va_t va;
	enum cpu_access acc;
	unsigned flags;         /* SHADOW_WALK_* */
	/* progress */
	enum shadow_walk_status status;
	unsigned level;         /* level of the next entry to read */
	pa_t table;             /* PA of the table it is in */
	unsigned nrefs;
	struct shadow_walk_ref ref[4];
	bool all_rw, all_us, any_nx;
	/* result */
	pa_t pa, page_pa;
	unsigned page_shift;
	bool w, u, x, g, dirty;
	uint32_t err;
};

void shadow_walk_begin(struct shadow_walk *w, pa_t cr3, va_t va, enum cpu_access acc,
		       unsigned flags);
/* Read one entry (through the pmap only). On the leaf, check permissions and,
 * if the access is allowed and NO_AD is clear, set A in every entry read and D
 * in the leaf for writes (written back through the pmap). Returns the status. */
enum shadow_walk_status shadow_walk_step(struct shadow_walk *w, const struct shadow_pmap *pm);
enum shadow_walk_status shadow_walk_run(struct shadow_walk *w, const struct shadow_pmap *pm);
/* The access-kind and privilege bits of a #PF error code (W U I), for a fault
 * the walker did not produce. */
uint32_t shadow_pf_access_bits(enum cpu_access acc, unsigned flags);

/* ======================= the per-VM shadow state ======================= */

#define SHADOW_ROOTS_MAX 32     /* upper bound of the root cache */
#define SHADOW_ROOTS_DEFAULT 8
#define SHADOW_PTUSE_MAX 16     /* recorded uses per guest PT page before it goes "wild" */
#define SHADOW_UNSHADOW_WRITES 32 /* traced writes with no walk through the page in between
				     after which a PT page is no longer tracked ("unshadowed") */

/* One cached shadow address space: a guest CR3 and its two views' PML4s. */
struct shadow_root {
	bool valid;
	pa_t cr3;                     /* guest PML4 PA */
	ma_t l4[TLB_VIEW_COUNT];      /* shadow PML4 per view (MA_NONE until first fill) */
	uint64_t last_use;            /* root-cache LRU clock */
	uint64_t tables;              /* shadow table frames it holds */
};

/* Where a guest PT page was used by a walk: table of `level` for VAs from va_base, under cr3. */
struct shadow_ptuse {
	pa_t cr3;
	va_t va_base;
	uint8_t level;
};
struct shadow_ptpage {
	bool wild;                    /* too many uses: a write resets all shadow state */
	uint8_t nuse;
	uint16_t writes;              /* changed entries since a walk last read the page */
	struct shadow_ptuse use[SHADOW_PTUSE_MAX];
};

struct shadow_stats {
	uint64_t hw_walks;            /* TLB misses walked in the shadow table by the "hardware" */
	uint64_t hw_walk_refs;        /* shadow entries those walks read */
	uint64_t hw_refills;          /* walks that found the translation and refilled the TLB */
	uint64_t fills;               /* shadow_fill runs (shadow page faults handled by the VMM) */
	uint64_t shadow_hits;         /* fills that found the shadow entry already there (nothing to do) */
	uint64_t walks, walk_refs;    /* guest walks and the entries they read */
	uint64_t hidden_faults, true_faults, pt_write_exits, bad_pa, errors;
	uint64_t pt_writes;           /* emulated writes to guest PT pages (changed entries) */
	uint64_t pt_pages;            /* pages currently marked as guest PT pages */
	uint64_t unshadowed;          /* PT pages dropped from tracking after many writes */
	uint64_t shadow_entries_cleared;
	uint64_t tables_alloc, tables_freed;
	uint64_t roots_created, roots_evicted, root_hits;
	uint64_t cr3_writes, invlpgs, resets;
};

/* The PT-write window (single-step emulation of a write to a guest PT page). */
struct shadow_ptw {
	bool active;
	enum tlb_view view;
	va_t va;                      /* page base */
	pa_t pa;                      /* page base */
	ma_t ma;
	uint64_t snap[512];           /* the page before the write */
};

/*
 * One walk of the shadow table by the simulated hardware page walker: what
 * x86 does on a TLB miss under shadow paging (CR3 holds the shadow root).
 * ok: a present leaf allowed the access and the TLB was refilled from it (no
 * exit). Otherwise a shadow page fault: no leaf (missing) or a leaf without
 * the permission (denied: e.g. a write to a write-protected guest PT page or
 * to a clean page) -> the CPU exits to the VMM.
 */
struct shadow_hwalk {
	va_t va;
	enum cpu_access acc;
	enum tlb_view view;
	ma_t root;                    /* shadow PML4 MA (MA_NONE: none yet, 0 refs) */
	unsigned nrefs;               /* shadow entries read */
	ma_t entry_ma[4];
	uint64_t entry[4];
	bool ok, denied;
	ma_t ma;                      /* ok: the frame */
	unsigned perm;                /* ok: TLB_* installed */
	struct tlb_insert_result ins; /* ok: set/way, evicted entry */
};

struct shadow_vm {
	uint16_t vmid;
	struct shadow_mframe *mf;     /* shared by all VMs */
	struct shadow_pmap pmap;
	struct tlb *tlb;              /* may be shared by all VMs (vmid-tagged) */
	struct cpu *cpu;              /* for the fast cache (may be NULL) */
	/* the guest's paging registers, as the monitor emulates them */
	uint64_t cr0, cr3, cr4, efer;
	enum tlb_view view;           /* current virtual privilege */
	bool miss_pending;            /* the last MMU_MISS, so shadow_fill fills the view missed in */
	enum tlb_view miss_view;      /* (a supervisor access, cpl 0, misses in the kernel view */
	va_t miss_va;                 /*  even while an app runs) */
	unsigned roots_max;
	unsigned unshadow_writes;     /* SHADOW_UNSHADOW_WRITES unless changed (0: never) */
	struct shadow_root root[SHADOW_ROOTS_MAX];
	int cur;                      /* index of the current root, -1 none */
	uint64_t clock;               /* root-cache LRU clock */
	struct shadow_ptpage **pt;    /* per PA page: non-NULL when a guest PT page */
	uint8_t *mapped_w;            /* per PA page: some shadow leaf maps it writable */
	struct shadow_ptw ptw;
	bool sw_user;                 /* the user view's TLB is software-managed (--mmu=swtlb):
					 no hardware walk there, every miss exits */
	bool hwalk_new;               /* `hwalk` holds a walk the monitor has not traced yet */
	struct shadow_hwalk hwalk;    /* the last hardware walk */
	struct shadow_stats stats;
};

/*
 * Create the shadow state of VM `vmid`: its pmap (mem_size bytes, eager, see
 * shadow_pmap_init), an empty root cache of roots_max (1..SHADOW_ROOTS_MAX;
 * 0 = default), and the guest paging registers cr0/cr3/cr4/efer as the
 * firmware hands over. tlb may be shared between VMs.
 * Returns 0, or -1 (no machine frames / host memory / bad args; nothing kept).
 */
int shadow_vm_init(struct shadow_vm *vm, struct shadow_mframe *mf, struct tlb *tlb,
		   uint16_t vmid, uint64_t mem_size, unsigned roots_max,
		   uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer);
/* Free shadow frames, pmap frames and host memory; drop the VM's TLB entries. */
void shadow_vm_free(struct shadow_vm *vm);

/* Point cpu->mmu at the shadow MMU of vm (and remember cpu for fast-cache flushes). */
void shadow_attach_cpu(struct shadow_vm *vm, struct cpu *cpu);
/* TLB drop hook for tlb_set_drop_hook: ctx is a struct cpu*; forgets the entry's
 * page(s) in its fast cache (a 2 MiB entry flushes it). Unhook (or free the
 * shadow VMs) before cpu_free: shadow_vm_free drops the VM's TLB entries. */
void shadow_tlb_drop_hook(void *ctx, const struct tlb_entry *e, enum tlb_cause cause);

/* The current TLB tag: PCID when CR4.PCIDE, else 0. */
uint16_t shadow_asid(const struct shadow_vm *vm);
/* SHADOW_WALK_* flags for an access in view `view` under the current CR0/CR4/EFER. */
unsigned shadow_walk_flags(const struct shadow_vm *vm, enum tlb_view view);

/* ======================= mmu.c: the CPU's MMU in shadow mode ======================= */

/*
 * struct cpu_mmu translate for shadow mode (ctx = struct shadow_vm *).
 * View: the VM's current view (vm->view), or the kernel view when the CPU
 * passes cpl 0 (a supervisor/system access). Lookup (vmid, asid, view, va) in
 * the simulated TLB with now = cpu->icount:
 *   hit with the access allowed (R / W / X) -> MMU_OK, cacheable, touch = &entry->stamp;
 *   miss, or hit without the permission     -> the hardware walk of the shadow
 *     table (shadow_hwalk, recorded in vm->hwalk, vm->hwalk_new set): a leaf
 *     allowing the access refills the TLB -> MMU_OK (no exit); else MMU_MISS
 *     (a shadow page fault: the monitor calls shadow_fill). With sw_user, a
 *     user-view miss is MMU_MISS without a walk (software-managed TLB).
 * A write to the page of an open PT-write window -> MMU_OK, not cacheable.
 * Never MMU_FAULT: faults are the monitor's decision (shadow_fill's TRUE_FAULT).
 */
enum mmu_result shadow_mmu_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				     unsigned cpl, struct mmu_xlat *out);
/* The hardware walk alone: walk the current root's shadow table of `view` for
 * va (4 references when all levels are present), and on success insert the
 * translation into the TLB (now = icount). Fills *w; returns w->ok. */
bool shadow_hwalk(struct shadow_vm *vm, struct shadow_hwalk *w, va_t va, enum cpu_access acc,
		  enum tlb_view view, uint64_t now);

/*
 * Isolation invariant: every shadow leaf entry (all roots, both views) and every
 * valid TLB entry of vm->vmid points to a machine frame owned by vm->vmid, or
 * read-only to a frame shared by several pages (--share-pages; never
 * writable), that is the pmap's frame of the entry's PA (TLB) ; every shadow
 * non-leaf entry points to a monitor frame. Returns the number of violations (0: holds) and describes
 * the first in why[0..n) if non-NULL.
 */
unsigned shadow_check_isolation(const struct shadow_vm *vm, char *why, size_t n);

/* ======================= fill.c: the TLB-miss handler ======================= */

enum shadow_fill_kind {
	SHADOW_FILL_PENDING = 0,  /* not finished (stepping) */
	SHADOW_HIDDEN_FAULT,      /* the shadow entry VA -> MA is filled: retry the instruction
				     (the hardware walk then refills the TLB from it) */
	SHADOW_TRUE_FAULT,        /* the guest's table denies it: inject #PF(err), CR2 = va */
	SHADOW_PT_WRITE,          /* a write to a guest PT page: emulate it (shadow_ptwrite_*) */
	SHADOW_BAD_PA,            /* the guest maps a PA outside its RAM: no frame (stop the VM) */
	SHADOW_FILL_ERROR,        /* monitor trouble (out of machine frames, non-canonical va) */
};

/* The phases, in order; the console steps them one at a time. */
enum shadow_phase {
	SHADOW_PH_LOOKUP = 0,     /* look the VA up in the current root's shadow table (view) */
	SHADOW_PH_WALK,           /* walk the guest table: one entry per step */
	SHADOW_PH_PMAP,           /* PA -> MA */
	SHADOW_PH_SHADOW,         /* write the shadow entry (allocating shadow tables) */
	SHADOW_PH_DONE
};

/*
 * The record of one miss, for the trace and the console. va_page/pa/ma are page
 * bases (4 KiB). After DONE: `kind`, and what each phase did.
 */
struct shadow_fill {
	/* inputs */
	va_t va;
	enum cpu_access acc;
	enum tlb_view view;
	uint16_t asid;
	pa_t cr3;
	uint64_t now;
	/* progress */
	enum shadow_phase phase;      /* the phase the next step runs */
	enum shadow_fill_kind kind;
	/* LOOKUP */
	bool shadow_hit;              /* a shadow entry allowed the access: nothing to do */
	bool shadow_present;          /* a shadow entry existed (maybe without the permission) */
	/* WALK (only when !shadow_hit) */
	bool walked;
	struct shadow_walk walk;
	bool pt_page;                 /* the PA page is a guest PT page (write-protected) */
	/* PMAP */
	va_t va_page;
	pa_t pa;
	ma_t ma;
	bool cow;                     /* a write broke the page's sharing (--share-pages): ma is its copy */
	/* SHADOW */
	ma_t spte_ma;                 /* machine address of the shadow leaf entry */
	uint64_t spte;                /* its new value */
	unsigned tables_alloc;        /* shadow tables allocated by this fill */
	/* outcome */
	uint32_t err;                 /* TRUE_FAULT: #PF error code */
	const char *why;              /* BAD_PA / FILL_ERROR: a static explanation */
};

/* Start handling a TLB miss at va for acc under the VM's current CR3, in the view
 * the MMU missed in (if va is the VA of the last MMU_MISS), else the current view. */
void shadow_fill_begin(struct shadow_vm *vm, struct shadow_fill *f, va_t va,
		       enum cpu_access acc, uint64_t now);
/* Run the next phase (the walk advances one entry per call). Returns true when
 * f->phase == SHADOW_PH_DONE (then f->kind is final). Stats are counted at DONE. */
bool shadow_fill_step(struct shadow_vm *vm, struct shadow_fill *f);
/* begin + steps until done. Returns f->kind. */
enum shadow_fill_kind shadow_fill(struct shadow_vm *vm, struct shadow_fill *f, va_t va,
				  enum cpu_access acc, uint64_t now);
const char *shadow_fill_kind_name(enum shadow_fill_kind k);
const char *shadow_phase_name(enum shadow_phase p);

/*
 * Install va -> frame of pa in the TLB for the current asid in `view` with
 * TLB_* perm, without shadow tables (the swtlb mode's privileged TLB write:
 * the guest kernel's refill handler runs in the kernel view but installs for
 * the app, view user). Returns 0, or -1 if pa is not guest RAM (nothing
 * installed). *ma, *ins filled.
 */
int shadow_install_pa(struct shadow_vm *vm, enum tlb_view view, va_t va, pa_t pa, unsigned perm,
		      uint64_t now, ma_t *ma, struct tlb_insert_result *ins);

/* ======================= shadow.c: shadow tables, root cache ======================= */

/* One shadow lookup, for the console's `shadow <va>`. */
struct shadow_lookup {
	unsigned levels;              /* entries found (1..4) */
	ma_t entry_ma[4];             /* MA of the entry read at level 4-i */
	uint64_t entry[4];
	bool present;                 /* a present leaf */
	ma_t ma;                      /* frame of the leaf */
};
/* Look va up in the current root's table for `view` (no side effects). */
bool shadow_lookup_va(const struct shadow_vm *vm, enum tlb_view view, va_t va,
		      struct shadow_lookup *l);

/*
 * Make the root for guest cr3 (PML4 PA) current: a cached one (hit) or a new
 * one, evicting the least recently used root if the cache is full.
 * Returns the index; *hit, *evicted_cr3 (PA_NONE if none) set if non-NULL.
 */
int shadow_root_switch(struct shadow_vm *vm, pa_t cr3, bool *hit, pa_t *evicted_cr3);
/* Drop every root (frees all shadow tables), forget PT-page marks; the TLB is the caller's. */
void shadow_reset(struct shadow_vm *vm);
/* Clear the shadow entries of [va, va + span) of level `level` in root `r`, both views
 * (freeing subtrees). Returns the number of entries cleared. */
unsigned shadow_clear_range(struct shadow_vm *vm, int r, va_t va, unsigned level);
/* Call fn for every present shadow entry of every cached root and view
 * (va: the first VA the entry maps; ema: its machine address; e: its value). */
typedef void (*shadow_visit_fn)(void *ctx, int root, enum tlb_view view, unsigned level, va_t va,
				ma_t ema, uint64_t e);
void shadow_for_each_entry(const struct shadow_vm *vm, shadow_visit_fn fn, void *ctx);
/* Number of shadow table frames held by all roots. */
uint64_t shadow_tables_in_use(const struct shadow_vm *vm);

/* ======================= ptwrite.c: PT pages, traced writes, x86 flush rules ======================= */

#define SHADOW_PTW_REC_MAX 16
struct shadow_ptw_change {
	pa_t pa;                      /* PA of the changed entry */
	uint64_t old, new_;
};
/* What an emulated write to a guest PT page did. */
struct shadow_ptw_rec {
	pa_t page;                    /* the PT page */
	unsigned nchanged;            /* entries whose value changed (only the first
					 SHADOW_PTW_REC_MAX are listed) */
	struct shadow_ptw_change ch[SHADOW_PTW_REC_MAX];
	unsigned shadow_cleared;      /* shadow entries cleared */
	unsigned tlb_dropped;         /* TLB entries invalidated */
	bool wild;                    /* the page had too many uses: everything was reset */
	bool unshadowed;              /* the page was written so often without being walked
					 that it is no longer tracked (what it governed was dropped) */
};

/* Is the PA page a guest PT page (write-protected in the shadow)? */
bool shadow_is_pt_page(const struct shadow_vm *vm, pa_t pa);

/*
 * Emulate a guest write of `size` (1, 2, 4, 8) bytes of `value` at guest-physical
 * pa, which lies in a PT page: write it through the pmap, then invalidate the
 * shadow entries and TLB entries the changed entry governs (every recorded use
 * of the page). Returns 0, or -1 if pa is not guest RAM / size bad.
 */
int shadow_ptwrite_emulate(struct shadow_vm *vm, pa_t pa, uint64_t value, unsigned size,
			   struct shadow_ptw_rec *rec);
/*
 * The monitor's own writes to guest-physical memory (interrupt frames pushed
 * on the guest kernel's stack, device DMA, loading programs): like
 * shadow_pmap_write, but entries that change in guest PT pages invalidate what
 * they govern (rec lists them), and the CPU forgets pre-decoded code there.
 * Returns 0, or -1 (nothing written) if any byte is outside guest RAM.
 */
int shadow_write_pa(struct shadow_vm *vm, pa_t pa, const void *src, uint64_t len,
		    struct shadow_ptw_rec *rec);
/*
 * Emulation by single-stepping (no x86 decoding in the monitor): after a fill
 * returned SHADOW_PT_WRITE, shadow_ptwrite_begin opens a window in which
 * writes to that page (in the fill's view) are allowed (not cached by the
 * CPU); the monitor cpu_step()s the instruction (handling other misses as
 * usual), then shadow_ptwrite_end compares the page with its snapshot and
 * invalidates for every changed entry. Returns 0, or -1 (no window / bad fill).
 */
int shadow_ptwrite_begin(struct shadow_vm *vm, const struct shadow_fill *f);
int shadow_ptwrite_end(struct shadow_vm *vm, struct shadow_ptw_rec *rec);

/* x86 invlpg va: TLB entries for va (current asid + globals), and the shadow entry. */
struct shadow_flush_rec {
	unsigned tlb_dropped;
	unsigned shadow_cleared;
	bool flushed_tlb;             /* the TLB was flushed (not just one page) */
	bool root_hit;                /* CR3: the shadow root was cached */
	pa_t evicted_cr3;             /* CR3: a root evicted from the cache, or PA_NONE */
	bool reset;                   /* all shadow roots dropped (CR0.WP/EFER.NXE/CR4 changes) */
};
void shadow_invlpg(struct shadow_vm *vm, va_t va, struct shadow_flush_rec *rec);
/*
 * mov to cr3 as x86 does: with CR4.PCIDE and bit 63 set nothing is flushed;
 * with PCIDE, the non-global entries of the new PCID; without, all non-global
 * entries (of this VM). Then the shadow root for the new PML4 becomes current.
 * The stored CR3 has bit 63 cleared. Flushes the attached CPU's fast cache.
 */
void shadow_write_cr3(struct shadow_vm *vm, uint64_t cr3, struct shadow_flush_rec *rec);
/*
 * New CR0/CR4/EFER: CR4.PGE changes, or PCIDE 1->0, flush the VM's whole TLB
 * (globals too; shadow leaves keep the guest's G bit, PGE applies at install);
 * CR0.WP, EFER.NXE or CR0.PG changes also drop every shadow root (their
 * permissions were computed under the old rules).
 */
void shadow_set_paging(struct shadow_vm *vm, uint64_t cr0, uint64_t cr4, uint64_t efer,
		       struct shadow_flush_rec *rec);
/* Switch the virtual privilege view (reflection into the guest kernel, return to the app). */
void shadow_set_view(struct shadow_vm *vm, enum tlb_view view);

/* ======================= dirtylog.c: which guest pages were written ======================= */

/*
 * Dirty logging for live migration: while a log is kept, every guest page is
 * write-protected in the shadow tables and the TLB until its first write,
 * which faults into the monitor (a hidden fault), is noted in pmap.dirty and
 * gets its write permission back. The monitor's own writes (walker A/D bits,
 * interrupt frames, PT-write emulation) are noted by the pmap writes.
 * start: allocate the log (all clean) and write-protect everything; 0 or -1 (no host memory).
 * collect: copy the log into out[npages] (1 = dirty), clear it, write-protect
 *          again; returns the number of dirty pages.
 * stop: free the log (pages stay write-protected until their next write fault).
 * Shadow mode only: --mmu=swtlb and nested install translations without shadow leaves.
 */
int shadow_dirtylog_start(struct shadow_vm *vm);
uint64_t shadow_dirtylog_collect(struct shadow_vm *vm, uint8_t *out);
void shadow_dirtylog_stop(struct shadow_vm *vm);
/* Clear the write permission of every shadow leaf and drop the VM's writable TLB
 * entries (mapped_w cleared). Returns the shadow leaves changed. */
uint64_t shadow_write_protect_all(struct shadow_vm *vm);

/* Internal to shadow/ but shared between its files (not for the monitor). */
void shadow_pt_mark(struct shadow_vm *vm, const struct shadow_walk *w);
void shadow_roots_drop(struct shadow_vm *vm); /* all roots freed, none current */
unsigned shadow_root_empty(struct shadow_vm *vm, int r); /* free root r's tables, keep it */
void shadow_ptpage_forget(struct shadow_vm *vm, uint64_t pa_page_number);
unsigned shadow_protect_frame(struct shadow_vm *vm, ma_t frame);
/* Clear `bits` in every shadow leaf (all roots, both views) that maps `frame`
 * (MA_NONE: any frame) and has one of them set; returns the leaves changed. */
unsigned shadow_clear_leaves(struct shadow_vm *vm, ma_t frame, uint64_t bits);
int shadow_fill_table(struct shadow_vm *vm, enum tlb_view view, va_t va, uint64_t leaf,
		      ma_t *spte_ma, unsigned *tables_alloc);
/* Does shadow leaf e allow access acc? Its TLB_* bits (G only under CR4.PGE). */
bool shadow_spte_allows(uint64_t e, enum cpu_access acc);
unsigned shadow_spte_perm(const struct shadow_vm *vm, uint64_t e);

#endif
