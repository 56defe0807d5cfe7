/*
 * tlb/tlb.h — the simulated TLB students see.
 *
 * A set-associative cache of translations VA page -> MA frame, `sets` x `ways`
 * (--tlb=SETSxWAYS, default 16x4), each entry tagged with
 *   vmid  which VM installed it (VPID-like),
 *   asid  the guest's PCID (0 when CR4.PCIDE is off),
 *   view  the guest's virtual privilege (ring compression: the guest kernel
 *         and its apps both run at real CPL 3, so a kernel-view entry must
 *         never serve a user-mode access),
 * and carrying permission bits R W X U and G (global).
 *
 *   VA of a 4 KiB entry:  63 ........ 12+s | 12+s-1 .. 12 | 11 .. 0
 *                         tag                set index      offset
 *   VA of a 2 MiB entry:  63 ........ 21+s | 21+s-1 .. 21 | 20 .. 0
 *                         tag                set index      offset
 * (s = log2(sets)). 2 MiB entries live in the same sets, indexed by VA bits
 * 21 and up, so a lookup probes the 4 KiB set, then the 2 MiB set.
 *
 * Nothing here prints. Every operation returns what it did (set/way, evicted
 * entry, entries dropped) for the monitor to trace.
 *
 * Coherence with the CPU's fast cache (cpu/cpu.h): the TLB calls a drop hook
 * (tlb_set_drop_hook) for every valid entry it evicts or invalidates, BEFORE
 * the slot is reused. Whoever hands TLB translations to the CPU as cacheable
 * installs a hook that calls cpu_ftlb_invalidate (shadow_tlb_drop_hook in
 * shadow/shadow.h does exactly that). Entries never move in memory, so
 * &entry->stamp may be handed to the CPU as mmu_xlat.touch.
 *
 * No global state: everything lives in struct tlb.
 */
#ifndef VMLAB_TLB_H
#define VMLAB_TLB_H

#include "cpu/cpu.h"

/* Entry permission/attribute bits (struct tlb_entry.perm). */
#define TLB_R (1u << 0)     /* readable (every valid entry) */
#define TLB_W (1u << 1)     /* writable */
#define TLB_X (1u << 2)     /* executable */
#define TLB_U (1u << 3)     /* the guest's U/S bit (informative: the view enforces privilege) */
#define TLB_G (1u << 4)     /* global: survives CR3 switches, matches any asid */
#define TLB_LARGE (1u << 5) /* 2 MiB entry (va, ma aligned to 2 MiB) */

#define TLB_LARGE_SHIFT 21
#define TLB_LARGE_SIZE (1ull << TLB_LARGE_SHIFT)

/* The virtual privilege an entry serves (ring compression). */
enum tlb_view { TLB_VIEW_KERNEL = 0, TLB_VIEW_USER = 1, TLB_VIEW_COUNT = 2 };

enum tlb_policy { TLB_POLICY_LRU = 0, TLB_POLICY_FIFO, TLB_POLICY_RANDOM, TLB_POLICY_CLOCK, TLB_POLICY_COUNT };

/* Why entries left the TLB (stats and trace). */
enum tlb_cause {
	TLB_CAUSE_EVICT = 0,  /* replaced by an insert (capacity/conflict) */
	TLB_CAUSE_CR3,        /* mov to cr3 (non-global entries of the new PCID / all) */
	TLB_CAUSE_INVLPG,     /* invlpg */
	TLB_CAUSE_PTWRITE,    /* a traced write to a guest page-table page */
	TLB_CAUSE_GLOBAL,     /* CR4.PGE/PCIDE toggle, CR0.WP/EFER.NXE change: everything */
	TLB_CAUSE_VMSWITCH,   /* switching VMs without VMID tagging */
	TLB_CAUSE_SHADOW,     /* the monitor dropped shadow state (root evicted, reset) */
	TLB_CAUSE_SWTLB,      /* explicit guest TLB-write/flush (--mmu=swtlb) */
	TLB_CAUSE_OTHER,
	TLB_CAUSE_COUNT
};

struct tlb_entry {
	bool valid;
	uint8_t view;     /* enum tlb_view */
	uint8_t perm;     /* TLB_R | TLB_W | TLB_X | TLB_U | TLB_G | TLB_LARGE */
	uint16_t vmid;
	uint16_t asid;    /* PCID; ignored for matching when TLB_G is set */
	va_t va;          /* page base (2 MiB aligned if TLB_LARGE) */
	ma_t ma;          /* machine frame base */
	pa_t pa;          /* the guest-physical page it came from (informative, for trace/console) */
	uint64_t stamp;   /* LRU: last use (an instruction count); the CPU may write it */
	uint64_t seq;     /* FIFO: insertion sequence number (unique, increasing) */
	uint32_t pin;     /* == tlb.pin_epoch: pinned for a pending instruction (tlb_pin) */
	uint64_t ref_from; /* clock: the entry is "referenced" while stamp >= ref_from (an install
			    * sets it to now; the hand clears the bit with ref_from = stamp + 1) */
};

/* What a lookup asks for. */
struct tlb_key {
	uint16_t vmid;
	uint16_t asid;
	uint8_t view;
	va_t va; /* any address in the page */
};

/*
 * Counters. lookups/hits count the slow path only (tlb_lookup*): hits the
 * CPU's fast cache serves never reach the TLB (cpu->stats.ftlb_hits counts
 * them; they are hits of this TLB too, and refresh LRU stamps through touch).
 */
struct tlb_stats {
	uint64_t lookups, hits, misses;
	uint64_t perm_misses;       /* misses where the entry was there without the permission */
	uint64_t inserts, replaced; /* replaced: an insert overwrote the same translation */
	uint64_t evictions;         /* valid entries pushed out by inserts */
	uint64_t flushes[TLB_CAUSE_COUNT];   /* flush/invalidate operations, by cause */
	uint64_t dropped[TLB_CAUSE_COUNT];   /* valid entries removed, by cause (EVICT = evictions) */
};

typedef void (*tlb_drop_fn)(void *ctx, const struct tlb_entry *e, enum tlb_cause cause);

struct tlb {
	unsigned sets, ways;      /* sets is a power of two */
	unsigned set_shift;       /* log2(sets) */
	enum tlb_policy policy;
	uint64_t rng;             /* xorshift64* state (policy random) */
	uint64_t next_seq;        /* FIFO sequence counter */
	uint8_t *hand;            /* clock: the way each set's hand points at (sets entries) */
	struct tlb_entry *e;      /* sets * ways entries, e[set * ways + way]; never reallocated */
	bool large_enabled;       /* accept 2 MiB entries (tlb_insert rejects them otherwise) */
	uint32_t pin_epoch;       /* entries with pin == pin_epoch are pinned; ++ unpins them all */
	tlb_drop_fn drop;
	void *drop_ctx;
	struct tlb_stats stats;
};

/* Where an operation happened. */
struct tlb_slot {
	unsigned set, way;
};

struct tlb_insert_result {
	struct tlb_slot slot;
	bool replaced;            /* the same translation was already there: overwritten in place */
	bool evicted;             /* a different valid entry was pushed out ... */
	struct tlb_entry victim;  /* ... this one (copy) */
};

/* Invalidation filter for tlb_invalidate(). Fields apply when their TLB_M_* bit is in `match`. */
#define TLB_M_VMID (1u << 0)
#define TLB_M_ASID (1u << 1)      /* entries whose asid equals `asid` (globals: see TLB_M_KEEP_G) */
#define TLB_M_VIEW (1u << 2)
#define TLB_M_RANGE (1u << 3)     /* entries overlapping [va_lo, va_hi] */
#define TLB_M_KEEP_G (1u << 4)    /* never drop global entries */
#define TLB_M_G_ANY_ASID (1u << 5) /* with TLB_M_ASID: global entries match whatever their asid */
#define TLB_M_MA (1u << 6)        /* entries whose frame contains machine address `ma` */
struct tlb_match {
	unsigned match;
	uint16_t vmid, asid;
	uint8_t view;
	va_t va_lo, va_hi;        /* inclusive */
	ma_t ma;
};

/*
 * Set up a TLB of sets x ways with a policy and a seed (for policy random).
 * sets must be a power of two in 1..4096, ways in 1..64.
 * Returns 0, or -1 (bad geometry, or no memory) and leaves *t unusable.
 */
int tlb_init(struct tlb *t, unsigned sets, unsigned ways, enum tlb_policy policy, uint64_t seed);
/* Free the entries. A CPU whose fast cache holds &entry->stamp pointers must be
 * flushed (cpu_ftlb_flush) or freed first. */
void tlb_free(struct tlb *t);

/* Parse "SETSxWAYS" (e.g. "16x4"). Returns 0 or -1 if malformed or out of range. */
int tlb_parse_geometry(const char *s, unsigned *sets, unsigned *ways);
/* Parse / name a policy ("lru", "fifo", "random", "clock"). Parse returns 0 or -1. */
int tlb_parse_policy(const char *s, enum tlb_policy *p);
const char *tlb_policy_name(enum tlb_policy p);
const char *tlb_cause_name(enum tlb_cause c); /* "evict", "cr3", "invlpg", "pt-write", ... */
/* "U R W X G" style permission text into buf (>= 16 bytes); returns buf. */
const char *tlb_perm_str(unsigned perm, char *buf);

/* The hook called for each valid entry the TLB evicts or invalidates (NULL: none). */
void tlb_set_drop_hook(struct tlb *t, tlb_drop_fn fn, void *ctx);

/* The set a 4 KiB (or 2 MiB) page's VA maps to. */
unsigned tlb_set_index(const struct tlb *t, va_t va, bool large);

/*
 * Look a translation up. Matches an entry with the key's vmid and view, whose
 * page contains va, and whose asid equals key->asid or which is global.
 * On a hit: returns the entry (stamp := now, stats.hits++), *slot set if non-NULL.
 * On a miss: returns NULL, stats.misses++. Permissions are NOT checked here
 * (the caller compares the access with entry->perm).
 */
struct tlb_entry *tlb_lookup(struct tlb *t, const struct tlb_key *key, uint64_t now,
			     struct tlb_slot *slot);

/*
 * Lookup for an access needing `need` (TLB_R, TLB_W or TLB_X): a matching
 * entry that lacks the permission counts as a miss (stats.perm_misses too) and
 * returns NULL with *present = the entry (if present non-NULL), as hardware
 * re-walks then (e.g. the first write to a clean page).
 */
struct tlb_entry *tlb_lookup_perm(struct tlb *t, const struct tlb_key *key, unsigned need,
				  uint64_t now, struct tlb_slot *slot, struct tlb_entry **present);

/* The same match without counting or touching anything (console, tests). */
const struct tlb_entry *tlb_probe(const struct tlb *t, const struct tlb_key *key,
				  struct tlb_slot *slot);

/*
 * Install e (its valid/stamp/seq fields are set here: stamp := now). If the same
 * translation key (vmid, view, page size, va, asid-or-global) is present it is
 * overwritten in place; else an invalid way of the set is used, else the
 * policy picks a victim (LRU: smallest stamp, ties -> lowest way; FIFO:
 * smallest seq; random: xorshift64* modulo ways; clock: second chance from
 * the set's hand). The victim goes through the
 * drop hook (cause EVICT) first.
 * Returns the installed entry, or NULL if e is malformed (unaligned va/ma, large
 * with large entries disabled); *r (if non-NULL) says where and what was evicted.
 */
struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *e, uint64_t now,
			     struct tlb_insert_result *r);

/*
 * Drop every valid entry selected by m (see TLB_M_*; match == 0 selects all),
 * each through the drop hook. Counts one flush of `cause` and the entries
 * dropped. Returns the number of entries dropped.
 */
unsigned tlb_invalidate(struct tlb *t, const struct tlb_match *m, enum tlb_cause cause);

/* x86 invlpg: entries of (vmid) containing va for this asid, plus global ones, all views. */
unsigned tlb_invlpg(struct tlb *t, uint16_t vmid, uint16_t asid, va_t va, enum tlb_cause cause);
/* All non-global (keep_global) or all entries of one asid of a VM. */
unsigned tlb_flush_asid(struct tlb *t, uint16_t vmid, uint16_t asid, bool keep_global,
			enum tlb_cause cause);
/* All entries of a VM (keeping globals if asked). */
unsigned tlb_flush_vmid(struct tlb *t, uint16_t vmid, bool keep_global, enum tlb_cause cause);
/* Everything. */
unsigned tlb_flush_all(struct tlb *t, enum tlb_cause cause);

/* Entry at (set, way) for iteration (console `tlb` table); NULL if out of range.
 * Invalid entries are returned too: check ->valid. Age = now - stamp. */
const struct tlb_entry *tlb_entry_at(const struct tlb *t, unsigned set, unsigned way);
unsigned tlb_count_valid(const struct tlb *t);

/* The policy's victim way in a full set, never one used at instruction count
 * `now` while another is not, nor a pinned one while an unpinned one is not
 * used at `now` (exposed for tests; random advances the PRNG). */
unsigned tlb_policy_victim(struct tlb *t, unsigned set, uint64_t now);

/*
 * Pins: a translation installed for an instruction that has not retired yet
 * and that other code runs in between (--mmu=swtlb: the app's miss goes up to
 * the guest kernel's refill handler, whose own translations land in the same
 * sets before the app retries). A pinned entry is evicted only when nothing
 * else can be, so the translations one instruction needs at once coexist
 * across those upcalls. tlb_unpin_all releases every pin in O(1) (the
 * instruction retired). Inserting over a slot clears its pin.
 */
void tlb_pin(struct tlb *t, struct tlb_entry *e);
void tlb_unpin_all(struct tlb *t);
bool tlb_pinned(const struct tlb *t, const struct tlb_entry *e);

/*
 * The fewest ways a TLB of `sets` sets needs so that one instruction always
 * makes progress: it may need three translations at once (code, source,
 * destination, e.g. movs or push [mem]), each of which may straddle two
 * pages. Two neighbouring pages fall into different sets when sets >= 2, so
 * at most 3 land in one set; with one set all 6 do.
 */
unsigned tlb_min_ways(unsigned sets);

/* Deterministic PRNG used by policy random (xorshift64*, never seeded to 0). */
uint64_t tlb_rng_next(uint64_t *state);
void tlb_rng_seed(uint64_t *state, uint64_t seed);

#endif
