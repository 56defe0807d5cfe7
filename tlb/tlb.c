/*
 * tlb/tlb.c — the simulated TLB: geometry, lookup, insert, invalidation,
 * iteration. Policies live in tlb/policy.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlb/tlb.h"

int tlb_init(struct tlb *t, unsigned sets, unsigned ways, enum tlb_policy policy, uint64_t seed)
{
	memset(t, 0, sizeof *t);
	if (sets == 0 || sets > 4096 || (sets & (sets - 1)) || ways == 0 || ways > 64 ||
	    (unsigned)policy >= TLB_POLICY_COUNT)
		return -1;
	t->e = calloc((size_t)sets * ways, sizeof *t->e);
	t->hand = calloc(sets, sizeof *t->hand);
	if (!t->e || !t->hand) {
		tlb_free(t);
		return -1;
	}
	t->sets = sets;
	t->ways = ways;
	while ((1u << t->set_shift) < sets)
		t->set_shift++;
	t->policy = policy;
	t->large_enabled = true;
	t->next_seq = 1;
	t->pin_epoch = 1;
	tlb_rng_seed(&t->rng, seed);
	return 0;
}

void tlb_free(struct tlb *t)
{
	free(t->e);
	free(t->hand);
	t->e = NULL;
	t->hand = NULL;
}

void tlb_set_drop_hook(struct tlb *t, tlb_drop_fn fn, void *ctx)
{
	t->drop = fn;
	t->drop_ctx = ctx;
}

unsigned tlb_set_index(const struct tlb *t, va_t va, bool large)
{
	return (unsigned)((va >> (large ? TLB_LARGE_SHIFT : PAGE_SHIFT)) & (t->sets - 1));
}

static uint64_t entry_size(const struct tlb_entry *e)
{
	return (e->perm & TLB_LARGE) ? TLB_LARGE_SIZE : PAGE_SIZE;
}

/* Does valid entry e serve key (any permission)? */
static bool entry_matches_key(const struct tlb_entry *e, const struct tlb_key *k)
{
	/* LAB-HOLE-BEGIN tlb stub: (void)e; (void)k; fputs("not implemented: entry_matches_key\n", stderr); abort(); */
	if (!e->valid || e->vmid != k->vmid || e->view != k->view)
		return false;
	if (e->asid != k->asid && !(e->perm & TLB_G))
		return false;
	return e->va == (k->va & ~(entry_size(e) - 1));
	/* LAB-HOLE-END tlb */
}

/* Search the 4 KiB set, then the 2 MiB set. */
static struct tlb_entry *find(const struct tlb *t, const struct tlb_key *k, struct tlb_slot *slot)
{
	for (int large = 0; large <= (t->large_enabled ? 1 : 0); large++) {
		unsigned set = tlb_set_index(t, k->va, large);
		struct tlb_entry *row = &t->e[(size_t)set * t->ways];
		for (unsigned w = 0; w < t->ways; w++) {
			if (!!(row[w].perm & TLB_LARGE) == !!large && entry_matches_key(&row[w], k)) {
				if (slot) {
					slot->set = set;
					slot->way = w;
				}
				return &row[w];
			}
		}
	}
	return NULL;
}

struct tlb_entry *tlb_lookup(struct tlb *t, const struct tlb_key *key, uint64_t now,
			     struct tlb_slot *slot)
{
	struct tlb_entry *e = find(t, key, slot);
	t->stats.lookups++;
	if (!e) {
		t->stats.misses++;
		return NULL;
	}
	t->stats.hits++;
	e->stamp = now;
	return e;
}

struct tlb_entry *tlb_lookup_perm(struct tlb *t, const struct tlb_key *key, unsigned need,
				  uint64_t now, struct tlb_slot *slot, struct tlb_entry **present)
{
	struct tlb_entry *e = find(t, key, slot);
	t->stats.lookups++;
	if (present)
		*present = e;
	if (!e || (e->perm & need) != need) {
		t->stats.misses++;
		t->stats.perm_misses += e != NULL;
		return NULL;
	}
	t->stats.hits++;
	e->stamp = now;
	return e;
}

const struct tlb_entry *tlb_probe(const struct tlb *t, const struct tlb_key *key,
				  struct tlb_slot *slot)
{
	return find(t, key, slot);
}

static void drop(struct tlb *t, struct tlb_entry *e, enum tlb_cause cause)
{
	if (t->drop)
		t->drop(t->drop_ctx, e, cause);
	e->valid = false;
}

/* Same translation key: would both answer the same lookups? */
static bool same_translation(const struct tlb_entry *a, const struct tlb_entry *b)
{
	return a->valid && a->vmid == b->vmid && a->view == b->view && a->va == b->va &&
	       ((a->perm ^ b->perm) & TLB_LARGE) == 0 &&
	       (a->asid == b->asid || ((a->perm | b->perm) & TLB_G));
}

/* The way an insert into `set` uses: same translation, else an invalid way, else the victim. */
static unsigned choose_way(struct tlb *t, unsigned set, const struct tlb_entry *e, uint64_t now, bool *same)
{
	struct tlb_entry *row = &t->e[(size_t)set * t->ways];
	*same = false;
	for (unsigned w = 0; w < t->ways; w++) {
		if (same_translation(&row[w], e)) {
			*same = true;
			return w;
		}
	}
	for (unsigned w = 0; w < t->ways; w++)
		if (!row[w].valid)
			return w;
	return tlb_policy_victim(t, set, now);
}

struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *e, uint64_t now,
			     struct tlb_insert_result *r)
{
	bool large = (e->perm & TLB_LARGE) != 0;
	uint64_t size = large ? TLB_LARGE_SIZE : PAGE_SIZE;
	if ((e->va & (size - 1)) || (e->ma & (size - 1)) || (large && !t->large_enabled) ||
	    e->view >= TLB_VIEW_COUNT)
		return NULL;

	unsigned set = tlb_set_index(t, e->va, large);
	bool same;
	unsigned way = choose_way(t, set, e, now, &same);
	struct tlb_entry *slot = &t->e[(size_t)set * t->ways + way];
	struct tlb_insert_result res = { .slot = { set, way }, .replaced = same };

	if (same) {
		/* The CPU's fast cache may hold the old permissions: it must forget them. */
		drop(t, slot, TLB_CAUSE_OTHER);
		t->stats.replaced++;
	} else if (slot->valid) {
		res.evicted = true;
		res.victim = *slot;
		drop(t, slot, TLB_CAUSE_EVICT);
		t->stats.evictions++;
		t->stats.dropped[TLB_CAUSE_EVICT]++;
	}
	*slot = *e;
	slot->valid = true;
	slot->perm |= TLB_R;
	slot->stamp = now;
	slot->seq = t->next_seq++;
	slot->pin = 0;
	slot->ref_from = now;
	t->stats.inserts++;
	if (r)
		*r = res;
	return slot;
}

void tlb_pin(struct tlb *t, struct tlb_entry *e)
{
	e->pin = t->pin_epoch;
}

void tlb_unpin_all(struct tlb *t)
{
	if (++t->pin_epoch == 0) { /* wrapped: old pins could match again */
		for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
			t->e[i].pin = 0;
		t->pin_epoch = 1;
	}
}

bool tlb_pinned(const struct tlb *t, const struct tlb_entry *e)
{
	return e->valid && e->pin == t->pin_epoch;
}

static bool selected(const struct tlb_entry *e, const struct tlb_match *m)
{
	unsigned f = m->match;
	bool g = (e->perm & TLB_G) != 0;
	if (!e->valid)
		return false;
	if ((f & TLB_M_VMID) && e->vmid != m->vmid)
		return false;
	if ((f & TLB_M_VIEW) && e->view != m->view)
		return false;
	if ((f & TLB_M_KEEP_G) && g)
		return false;
	if ((f & TLB_M_ASID) && e->asid != m->asid && !(g && (f & TLB_M_G_ANY_ASID)))
		return false;
	uint64_t size = entry_size(e);
	if ((f & TLB_M_RANGE) && (e->va + size - 1 < m->va_lo || e->va > m->va_hi))
		return false;
	if ((f & TLB_M_MA) && (m->ma < e->ma || m->ma - e->ma >= size))
		return false;
	return true;
}

unsigned tlb_invalidate(struct tlb *t, const struct tlb_match *m, enum tlb_cause cause)
{
	unsigned n = 0;
	size_t total = (size_t)t->sets * t->ways;
	for (size_t i = 0; i < total; i++) {
		if (selected(&t->e[i], m)) {
			drop(t, &t->e[i], cause);
			n++;
		}
	}
	t->stats.flushes[cause]++;
	t->stats.dropped[cause] += n;
	return n;
}

unsigned tlb_invlpg(struct tlb *t, uint16_t vmid, uint16_t asid, va_t va, enum tlb_cause cause)
{
	struct tlb_match m = {
		.match = TLB_M_VMID | TLB_M_ASID | TLB_M_G_ANY_ASID | TLB_M_RANGE,
		.vmid = vmid, .asid = asid,
		.va_lo = va & PAGE_MASK, .va_hi = (va & PAGE_MASK) + PAGE_SIZE - 1,
	};
	return tlb_invalidate(t, &m, cause);
}

unsigned tlb_flush_asid(struct tlb *t, uint16_t vmid, uint16_t asid, bool keep_global,
			enum tlb_cause cause)
{
	struct tlb_match m = {
		.match = TLB_M_VMID | TLB_M_ASID | (keep_global ? TLB_M_KEEP_G : 0),
		.vmid = vmid, .asid = asid,
	};
	return tlb_invalidate(t, &m, cause);
}

unsigned tlb_flush_vmid(struct tlb *t, uint16_t vmid, bool keep_global, enum tlb_cause cause)
{
	struct tlb_match m = { .match = TLB_M_VMID | (keep_global ? TLB_M_KEEP_G : 0), .vmid = vmid };
	return tlb_invalidate(t, &m, cause);
}

unsigned tlb_flush_all(struct tlb *t, enum tlb_cause cause)
{
	struct tlb_match m = { .match = 0 };
	return tlb_invalidate(t, &m, cause);
}

const struct tlb_entry *tlb_entry_at(const struct tlb *t, unsigned set, unsigned way)
{
	if (set >= t->sets || way >= t->ways)
		return NULL;
	return &t->e[(size_t)set * t->ways + way];
}

unsigned tlb_count_valid(const struct tlb *t)
{
	unsigned n = 0;
	for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
		n += t->e[i].valid;
	return n;
}
