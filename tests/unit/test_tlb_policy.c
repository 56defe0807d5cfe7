/*
 * tests/unit/test_tlb_policy.c — the simulated TLB against a small reference
 * model: random operation sequences under each policy, comparing hit/miss,
 * the way used, what was evicted, and the whole contents after every step.
 *
 * The model keeps, per set, a recency list (LRU) or an insertion queue (FIFO)
 * of ways instead of stamps, and reference bits and a hand (clock), so it
 * checks the stamps independently.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tlb/tlb.h"
#include "tests/unit/check_run.h"

#define MAXW 8
#define MAXS 8

struct mway {
	bool valid, g;
	uint16_t vmid, asid;
	uint8_t view;
	va_t va;
	ma_t ma;
};
struct model {
	unsigned sets, ways;
	enum tlb_policy pol;
	uint64_t rng;
	struct mway w[MAXS][MAXW];
	unsigned order[MAXS][MAXW]; /* ways, oldest first (LRU: least recent; FIFO: first in) */
	unsigned n[MAXS];           /* entries in order[] (valid ways) */
	bool ref[MAXS][MAXW];       /* clock: reference bits */
	unsigned hand[MAXS];        /* clock: the next way the hand looks at */
};

static void order_remove(struct model *m, unsigned s, unsigned way)
{
	for (unsigned i = 0; i < m->n[s]; i++) {
		if (m->order[s][i] == way) {
			memmove(&m->order[s][i], &m->order[s][i + 1], (m->n[s] - i - 1) * sizeof(unsigned));
			m->n[s]--;
			return;
		}
	}
}

static void order_push(struct model *m, unsigned s, unsigned way)
{
	m->order[s][m->n[s]++] = way;
}

static int model_find(struct model *m, unsigned s, const struct tlb_key *k)
{
	for (unsigned w = 0; w < m->ways; w++) {
		struct mway *e = &m->w[s][w];
		if (e->valid && e->vmid == k->vmid && e->view == k->view && e->va == (k->va & PAGE_MASK) &&
		    (e->asid == k->asid || e->g))
			return (int)w;
	}
	return -1;
}

/* Lookup: returns way or -1; LRU moves it to most recent. */
static int model_lookup(struct model *m, const struct tlb_key *k)
{
	unsigned s = (unsigned)((k->va >> 12) & (m->sets - 1));
	int w = model_find(m, s, k);
	if (w >= 0 && m->pol == TLB_POLICY_LRU) {
		order_remove(m, s, (unsigned)w);
		order_push(m, s, (unsigned)w);
	}
	if (w >= 0)
		m->ref[s][w] = true;
	return w;
}

/* Insert a new translation (caller knows it is absent). Returns way; *ev victim or NULL. */
static unsigned model_insert(struct model *m, const struct mway *e, struct mway *ev, bool *evicted)
{
	unsigned s = (unsigned)((e->va >> 12) & (m->sets - 1));
	unsigned way = m->ways;
	*evicted = false;
	for (unsigned w = 0; w < m->ways; w++) {
		if (!m->w[s][w].valid) {
			way = w;
			break;
		}
	}
	if (way == m->ways) {
		if (m->pol == TLB_POLICY_RANDOM) {
			way = (unsigned)(tlb_rng_next(&m->rng) % m->ways);
		} else if (m->pol == TLB_POLICY_CLOCK) {
			/* second chance: clear and pass referenced ways, take the first clear one */
			for (;;) {
				unsigned h = m->hand[s];
				m->hand[s] = (h + 1) % m->ways;
				if (!m->ref[s][h]) {
					way = h;
					break;
				}
				m->ref[s][h] = false;
			}
		} else {
			way = m->order[s][0];
		}
		*ev = m->w[s][way];
		*evicted = true;
	}
	order_remove(m, s, way);
	m->w[s][way] = *e;
	m->w[s][way].valid = true;
	m->ref[s][way] = true;
	order_push(m, s, way);
	return way;
}

static unsigned model_drop_if(struct model *m, bool (*pred)(const struct mway *, const void *),
			      const void *arg)
{
	unsigned n = 0;
	for (unsigned s = 0; s < m->sets; s++) {
		for (unsigned w = 0; w < m->ways; w++) {
			if (m->w[s][w].valid && pred(&m->w[s][w], arg)) {
				m->w[s][w].valid = false;
				order_remove(m, s, w);
				n++;
			}
		}
	}
	return n;
}

struct inv_arg {
	uint16_t vmid, asid;
	va_t va;
	int kind; /* 0 invlpg, 1 flush asid keep g, 2 flush vmid, 3 all */
};
static bool inv_pred(const struct mway *e, const void *p)
{
	const struct inv_arg *a = p;
	switch (a->kind) {
	case 0: return e->vmid == a->vmid && (e->asid == a->asid || e->g) && e->va == (a->va & PAGE_MASK);
	case 1: return e->vmid == a->vmid && e->asid == a->asid && !e->g;
	case 2: return e->vmid == a->vmid;
	default: return true;
	}
}

static void compare_contents(const struct tlb *t, const struct model *m, int step)
{
	for (unsigned s = 0; s < m->sets; s++) {
		for (unsigned w = 0; w < m->ways; w++) {
			const struct tlb_entry *e = tlb_entry_at(t, s, w);
			const struct mway *x = &m->w[s][w];
			ck_assert_msg(e->valid == x->valid, "step %d set %u way %u valid %d vs model %d",
				      step, s, w, e->valid, x->valid);
			if (!x->valid)
				continue;
			ck_assert_msg(e->va == x->va && e->ma == x->ma && e->asid == x->asid &&
					      e->vmid == x->vmid && e->view == x->view,
				      "step %d set %u way %u differs", step, s, w);
		}
	}
}

static unsigned drops_seen;
static void count_drop(void *ctx, const struct tlb_entry *e, enum tlb_cause c)
{
	(void)ctx;
	(void)c;
	ck_assert(e->valid);
	drops_seen++;
}

static void run_policy(enum tlb_policy pol, unsigned sets, unsigned ways, uint64_t seed)
{
	struct tlb t;
	struct model m;
	ck_assert_int_eq(tlb_init(&t, sets, ways, pol, seed), 0);
	t.large_enabled = false;
	memset(&m, 0, sizeof m);
	m.sets = sets;
	m.ways = ways;
	m.pol = pol;
	tlb_rng_seed(&m.rng, seed);
	drops_seen = 0;
	tlb_set_drop_hook(&t, count_drop, NULL);

	uint64_t r = seed * 7 + 1, now = 100;
	unsigned expect_drops = 0;
	for (int step = 0; step < 20000; step++) {
		uint64_t x = tlb_rng_next(&r);
		struct tlb_key k = {
			.vmid = (uint16_t)(x % 2), .asid = (uint16_t)((x >> 4) % 3),
			.view = (uint8_t)((x >> 8) % 2), .va = ((x >> 12) % 64) << 12 | (x >> 40 & 0xfff),
		};
		now += 1 + (x >> 20) % 3;
		unsigned op = (unsigned)((x >> 30) % 100);
		if (op < 90) {
			struct tlb_slot slot;
			struct tlb_entry *e = tlb_lookup(&t, &k, now, &slot);
			int mw = model_lookup(&m, &k);
			ck_assert_msg((e != NULL) == (mw >= 0), "step %d hit mismatch", step);
			if (e) {
				ck_assert_uint_eq(slot.way, (unsigned)mw);
				continue;
			}
			struct tlb_entry ne = {
				.vmid = k.vmid, .asid = k.asid, .view = k.view, .va = k.va & PAGE_MASK,
				.ma = (x >> 50) << 12, .perm = TLB_R | (((x >> 9) % 8 == 0) ? TLB_G : 0),
			};
			struct mway me = { .g = (ne.perm & TLB_G) != 0, .vmid = ne.vmid, .asid = ne.asid,
					   .view = ne.view, .va = ne.va, .ma = ne.ma };
			/* a global entry makes other asids' same-VA entries "the same translation":
			 * keep the model simple by not inserting such overlaps */
			bool overlap = false;
			unsigned s = tlb_set_index(&t, ne.va, false);
			for (unsigned w = 0; w < ways; w++) {
				const struct mway *o = &m.w[s][w];
				if (o->valid && o->vmid == me.vmid && o->view == me.view && o->va == me.va)
					overlap = true;
			}
			if (overlap)
				continue;
			struct tlb_insert_result ir;
			struct mway mev;
			bool mevicted;
			ck_assert_ptr_nonnull(tlb_insert(&t, &ne, now, &ir));
			unsigned mwy = model_insert(&m, &me, &mev, &mevicted);
			ck_assert_msg(ir.slot.way == mwy, "step %d insert way %u model %u", step, ir.slot.way, mwy);
			ck_assert(!ir.replaced);
			ck_assert(ir.evicted == mevicted);
			if (mevicted) {
				ck_assert(ir.victim.va == mev.va && ir.victim.asid == mev.asid);
				expect_drops++;
			}
		} else {
			struct inv_arg a = { .vmid = k.vmid, .asid = k.asid, .va = k.va, .kind = (int)(op % 4) };
			unsigned n;
			if (a.kind == 0)
				n = tlb_invlpg(&t, a.vmid, a.asid, a.va, TLB_CAUSE_INVLPG);
			else if (a.kind == 1)
				n = tlb_flush_asid(&t, a.vmid, a.asid, true, TLB_CAUSE_CR3);
			else if (a.kind == 2)
				n = tlb_flush_vmid(&t, a.vmid, false, TLB_CAUSE_VMSWITCH);
			else
				n = tlb_flush_all(&t, TLB_CAUSE_GLOBAL);
			unsigned mn = model_drop_if(&m, inv_pred, &a);
			ck_assert_msg(n == mn, "step %d invalidate kind %d dropped %u model %u", step, a.kind, n, mn);
			expect_drops += n;
		}
		compare_contents(&t, &m, step);
	}
	ck_assert_uint_eq(drops_seen, expect_drops);
	ck_assert_uint_eq(t.stats.hits + t.stats.misses, t.stats.lookups);
	ck_assert_uint_gt(t.stats.hits, 0);
	ck_assert_uint_gt(t.stats.evictions, 0);
	tlb_free(&t);
}

START_TEST(lru_matches_model) { run_policy(TLB_POLICY_LRU, 4, 4, 1); run_policy(TLB_POLICY_LRU, 2, 8, 2); }
END_TEST
START_TEST(fifo_matches_model) { run_policy(TLB_POLICY_FIFO, 4, 4, 3); run_policy(TLB_POLICY_FIFO, 1, 3, 4); }
END_TEST
START_TEST(random_matches_model) { run_policy(TLB_POLICY_RANDOM, 4, 4, 5); run_policy(TLB_POLICY_RANDOM, 8, 2, 6); }
END_TEST
START_TEST(clock_matches_model) { run_policy(TLB_POLICY_CLOCK, 4, 4, 7); run_policy(TLB_POLICY_CLOCK, 1, 6, 8); }
END_TEST


/* Random policy: same seed, same victims; another seed, another sequence. */
START_TEST(random_is_seeded)
{
	unsigned a[64], b[64], c[64];
	struct tlb t;
	for (int run = 0; run < 3; run++) {
		ck_assert_int_eq(tlb_init(&t, 1, 4, TLB_POLICY_RANDOM, run == 2 ? 43 : 42), 0);
		for (int i = 0; i < 64; i++) {
			struct tlb_entry e = { .va = (uint64_t)i << 12, .ma = 0x1000, .perm = TLB_R };
			struct tlb_insert_result r;
			tlb_insert(&t, &e, (uint64_t)i, &r);
			(run == 0 ? a : run == 1 ? b : c)[i] = r.slot.way;
		}
		tlb_free(&t);
	}
	ck_assert(memcmp(a, b, sizeof a) == 0);
	ck_assert(memcmp(a, c, sizeof a) != 0);
}
END_TEST

/* Fill a 1-set TLB with pages 0..ways-1 inserted at instruction counts 1, 2, ... */
static void fill_one_set(struct tlb *t, enum tlb_policy pol, unsigned ways, uint64_t seed)
{
	ck_assert_int_eq(tlb_init(t, 1, ways, pol, seed), 0);
	for (unsigned i = 0; i < ways; i++)
		tlb_insert(t, &(struct tlb_entry){ .va = (uint64_t)i << 12, .ma = 0x1000, .perm = TLB_R },
			   1 + i, NULL);
}

/*
 * An entry the current instruction has used (stamp == now) is never the
 * victim while another way is not, whatever the policy: that is what lets
 * an instruction's code, source and destination pages coexist (issue 10:
 * a misaligned rep movsb livelocked).
 */
START_TEST(victim_spares_the_current_instruction)
{
	struct tlb t;
	struct tlb_insert_result r;
	/* FIFO would evict page 0 (first in); the instruction at count 10 just used it */
	fill_one_set(&t, TLB_POLICY_FIFO, 3, 0);
	ck_assert_ptr_nonnull(tlb_lookup(&t, &(struct tlb_key){ .va = 0 }, 10, NULL));
	tlb_insert(&t, &(struct tlb_entry){ .va = 0x9000, .ma = 0x2000, .perm = TLB_R }, 10, &r);
	ck_assert(r.evicted);
	ck_assert_uint_eq(r.victim.va, 0x1000);
	tlb_free(&t);
	/* random: every seed spares the two pages in use and evicts page 2 */
	for (uint64_t seed = 0; seed < 64; seed++) {
		fill_one_set(&t, TLB_POLICY_RANDOM, 3, seed);
		tlb_lookup(&t, &(struct tlb_key){ .va = 0 }, 10, NULL);
		tlb_lookup(&t, &(struct tlb_key){ .va = 0x1000 }, 10, NULL);
		tlb_insert(&t, &(struct tlb_entry){ .va = 0x9000, .ma = 0x2000, .perm = TLB_R }, 10, &r);
		ck_assert_uint_eq(r.victim.va, 0x2000);
		tlb_free(&t);
	}
	/* every way in use (too small a TLB): still a victim, never a failure */
	fill_one_set(&t, TLB_POLICY_FIFO, 2, 0);
	tlb_lookup(&t, &(struct tlb_key){ .va = 0 }, 10, NULL);
	tlb_lookup(&t, &(struct tlb_key){ .va = 0x1000 }, 10, NULL);
	ck_assert_ptr_nonnull(tlb_insert(&t, &(struct tlb_entry){ .va = 0x9000, .ma = 0x2000, .perm = TLB_R },
					 10, &r));
	tlb_free(&t);
	/* the minimum ways: 3 translations per set, 6 when there is one set */
	ck_assert_uint_eq(tlb_min_ways(1), 6);
	ck_assert_uint_eq(tlb_min_ways(2), 3);
	ck_assert_uint_eq(tlb_min_ways(4096), 3);
}
END_TEST

/*
 * A pinned entry (installed for an instruction that has not retired while
 * other code runs, --mmu=swtlb's refill handler) is evicted only when no
 * unpinned way is free to go, under every policy; unpinning is O(1) and an
 * insert over the slot clears the pin (issue 10: swtlb 1x7 livelocked).
 */
START_TEST(pinned_entries_outlive_others)
{
	static const enum tlb_policy pols[] = { TLB_POLICY_LRU, TLB_POLICY_FIFO, TLB_POLICY_RANDOM };
	for (unsigned p = 0; p < 3; p++) {
		for (uint64_t seed = 0; seed < 16; seed++) {
			struct tlb t;
			struct tlb_insert_result r;
			fill_one_set(&t, pols[p], 3, seed); /* pages 0, 1, 2 at counts <= 2 */
			tlb_pin(&t, (struct tlb_entry *)tlb_entry_at(&t, 0, 0));
			tlb_pin(&t, (struct tlb_entry *)tlb_entry_at(&t, 0, 1));
			ck_assert(tlb_pinned(&t, tlb_entry_at(&t, 0, 0)));
			/* the handler's translations churn through the one unpinned way */
			for (uint64_t k = 0; k < 8; k++) {
				tlb_insert(&t, &(struct tlb_entry){ .va = (9 + k) << 12, .ma = 0x2000, .perm = TLB_R },
					   10 + k, &r);
				ck_assert(r.evicted);
				ck_assert_uint_eq(r.slot.way, 2);
				ck_assert(!tlb_pinned(&t, tlb_entry_at(&t, 0, 2)));
			}
			/* the instruction uses way 2 too: then a pinned way has to go */
			tlb_lookup(&t, &(struct tlb_key){ .va = 16 << 12 }, 30, NULL);
			tlb_insert(&t, &(struct tlb_entry){ .va = 0x40000, .ma = 0x2000, .perm = TLB_R }, 30, &r);
			ck_assert(r.evicted);
			ck_assert_uint_lt(r.slot.way, 2);
			ck_assert(!tlb_pinned(&t, tlb_entry_at(&t, 0, r.slot.way)));
			/* retired: everything may go again */
			tlb_unpin_all(&t);
			ck_assert(!tlb_pinned(&t, tlb_entry_at(&t, 0, 0)) && !tlb_pinned(&t, tlb_entry_at(&t, 0, 1)));
			tlb_free(&t);
		}
	}
}
END_TEST

/* Clock by hand: a full set of 4 inserted at 1..4 (all referenced), hand at way 0. */
START_TEST(clock_second_chance)
{
	struct tlb t;
	struct tlb_insert_result r;
	fill_one_set(&t, TLB_POLICY_CLOCK, 4, 0);
	/* every way referenced: the hand clears all four and comes back to way 0 */
	tlb_insert(&t, &(struct tlb_entry){ .va = 0x9000, .ma = 0x2000, .perm = TLB_R }, 10, &r);
	ck_assert(r.evicted);
	ck_assert_uint_eq(r.slot.way, 0);
	ck_assert_uint_eq(t.hand[0], 1);
	/* page 1 used again (a fast-cache hit writes the stamp): it gets its second chance */
	t.e[1].stamp = 11;
	tlb_insert(&t, &(struct tlb_entry){ .va = 0xa000, .ma = 0x3000, .perm = TLB_R }, 12, &r);
	ck_assert_uint_eq(r.slot.way, 2);
	ck_assert_uint_eq(r.victim.va, 0x2000);
	ck_assert_uint_eq(t.hand[0], 3);
	/* an entry of the current instruction is skipped without losing its bit */
	ck_assert_ptr_nonnull(tlb_lookup(&t, &(struct tlb_key){ .va = 0x3000 }, 13, NULL));
	tlb_insert(&t, &(struct tlb_entry){ .va = 0xb000, .ma = 0x4000, .perm = TLB_R }, 13, &r);
	ck_assert_uint_ne(r.victim.va, 0x3000);
	tlb_free(&t);
}
END_TEST

/* The CPU's fast cache writes icount through &entry->stamp: LRU sees those hits. */
START_TEST(lru_sees_touch_stamps)
{
	struct tlb t;
	ck_assert_int_eq(tlb_init(&t, 1, 4, TLB_POLICY_LRU, 0), 0);
	uint64_t *touch[4];
	for (unsigned i = 0; i < 4; i++) {
		struct tlb_entry e = { .va = (uint64_t)i << 12, .ma = (uint64_t)(i + 8) << 12, .perm = TLB_R };
		touch[i] = &tlb_insert(&t, &e, 10 + i, NULL)->stamp;
	}
	/* fast hits on pages 0, 1, 3 at later instruction counts: page 2 is now least recent */
	*touch[0] = 20;
	*touch[1] = 21;
	*touch[3] = 22;
	struct tlb_entry e = { .va = 0x9000, .ma = 0x20000, .perm = TLB_R };
	struct tlb_insert_result r;
	tlb_insert(&t, &e, 23, &r);
	ck_assert(r.evicted);
	ck_assert_uint_eq(r.victim.va, 0x2000);
	ck_assert_uint_eq(r.slot.way, 2);
	/* ties (two uses in one instruction) go to the lowest way */
	*touch[0] = 30;
	*touch[1] = 30;
	*touch[2] = 30; /* the slot now holding 0x9000 */
	*touch[3] = 30;
	tlb_insert(&t, &(struct tlb_entry){ .va = 0xa000, .ma = 0x21000, .perm = TLB_R }, 31, &r);
	ck_assert_uint_eq(r.slot.way, 0);
	tlb_free(&t);
}
END_TEST

START_TEST(globals_asids_views_and_stats)
{
	struct tlb t;
	ck_assert_int_eq(tlb_init(&t, 16, 4, TLB_POLICY_LRU, 0), 0);
	struct tlb_entry g = { .vmid = 1, .asid = 5, .view = TLB_VIEW_KERNEL, .va = 0xffff800000001000ull,
			       .ma = 0x7000, .perm = TLB_R | TLB_W | TLB_G };
	struct tlb_entry n = { .vmid = 1, .asid = 5, .view = TLB_VIEW_USER, .va = 0x400000,
			       .ma = 0x8000, .perm = TLB_R | TLB_U };
	tlb_insert(&t, &g, 1, NULL);
	tlb_insert(&t, &n, 1, NULL);
	/* a global entry answers any asid, but only in its view and VM */
	struct tlb_key k = { .vmid = 1, .asid = 9, .view = TLB_VIEW_KERNEL, .va = 0xffff800000001234ull };
	ck_assert_ptr_nonnull(tlb_lookup(&t, &k, 2, NULL));
	k.view = TLB_VIEW_USER;
	ck_assert_ptr_null(tlb_lookup(&t, &k, 2, NULL));
	k.view = TLB_VIEW_KERNEL;
	k.vmid = 2;
	ck_assert_ptr_null(tlb_lookup(&t, &k, 2, NULL));
	/* ring compression: the user-view entry does not serve the kernel view and vice versa */
	struct tlb_key u = { .vmid = 1, .asid = 5, .view = TLB_VIEW_KERNEL, .va = 0x400010 };
	ck_assert_ptr_null(tlb_lookup(&t, &u, 3, NULL));
	u.view = TLB_VIEW_USER;
	ck_assert_ptr_nonnull(tlb_lookup(&t, &u, 3, NULL));
	u.asid = 6;
	ck_assert_ptr_null(tlb_lookup(&t, &u, 3, NULL));
	/* CR3 switch without PCID: non-global entries go, the global stays */
	ck_assert_uint_eq(tlb_flush_asid(&t, 1, 5, true, TLB_CAUSE_CR3), 1);
	ck_assert_uint_eq(tlb_count_valid(&t), 1);
	/* invlpg drops the global too */
	ck_assert_uint_eq(tlb_invlpg(&t, 1, 0, 0xffff800000001fffull, TLB_CAUSE_INVLPG), 1);
	ck_assert_uint_eq(tlb_count_valid(&t), 0);
	ck_assert_uint_eq(t.stats.hits, 2);
	ck_assert_uint_eq(t.stats.misses, 4);
	ck_assert_uint_eq(t.stats.flushes[TLB_CAUSE_CR3], 1);
	ck_assert_uint_eq(t.stats.dropped[TLB_CAUSE_INVLPG], 1);
	/* re-inserting the same translation replaces in place, no eviction */
	struct tlb_insert_result r1, r2;
	tlb_insert(&t, &n, 4, &r1);
	n.perm |= TLB_W;
	tlb_insert(&t, &n, 5, &r2);
	ck_assert(r2.replaced && !r2.evicted);
	ck_assert_uint_eq(r1.slot.way, r2.slot.way);
	ck_assert_uint_eq(tlb_count_valid(&t), 1);
	tlb_free(&t);
}
END_TEST

static unsigned causes[TLB_CAUSE_COUNT];
static void count_cause(void *ctx, const struct tlb_entry *e, enum tlb_cause c)
{
	(void)ctx;
	(void)e;
	causes[c]++;
}

/* A hit without the needed permission is a miss (hardware re-walks), counted apart. */
START_TEST(permission_misses_and_replace_hook)
{
	struct tlb t;
	ck_assert_int_eq(tlb_init(&t, 4, 2, TLB_POLICY_LRU, 0), 0);
	memset(causes, 0, sizeof causes);
	tlb_set_drop_hook(&t, count_cause, NULL);
	struct tlb_entry e = { .va = 0x5000, .ma = 0x9000, .perm = TLB_R | TLB_X };
	tlb_insert(&t, &e, 1, NULL);
	struct tlb_key k = { .va = 0x5010 };
	struct tlb_entry *present = NULL;
	ck_assert_ptr_null(tlb_lookup_perm(&t, &k, TLB_W, 7, NULL, &present));
	ck_assert_ptr_nonnull(present);
	ck_assert_uint_eq(present->stamp, 1); /* a failed lookup does not refresh LRU */
	ck_assert_ptr_nonnull(tlb_lookup_perm(&t, &k, TLB_X, 8, NULL, NULL));
	ck_assert_uint_eq(t.stats.perm_misses, 1);
	ck_assert_uint_eq(t.stats.misses, 1);
	ck_assert_uint_eq(t.stats.hits, 1);
	/* upgrading the entry (now writable) replaces it; the hook still hears of it */
	e.perm |= TLB_W;
	struct tlb_insert_result r;
	tlb_insert(&t, &e, 9, &r);
	ck_assert(r.replaced);
	ck_assert_uint_eq(causes[TLB_CAUSE_OTHER], 1);
	ck_assert_uint_eq(t.stats.dropped[TLB_CAUSE_EVICT], 0);
	ck_assert_ptr_nonnull(tlb_lookup_perm(&t, &k, TLB_W, 10, NULL, NULL));
	tlb_flush_all(&t, TLB_CAUSE_VMSWITCH);
	ck_assert_uint_eq(causes[TLB_CAUSE_VMSWITCH], 1);
	tlb_free(&t);
}
END_TEST

START_TEST(large_entries)
{
	struct tlb t;
	ck_assert_int_eq(tlb_init(&t, 16, 4, TLB_POLICY_FIFO, 0), 0);
	struct tlb_entry e = { .va = 0x200000, .ma = 0x400000, .perm = TLB_R | TLB_LARGE };
	ck_assert_ptr_nonnull(tlb_insert(&t, &e, 1, NULL));
	struct tlb_slot s;
	struct tlb_key k = { .va = 0x3ff123 };
	const struct tlb_entry *h = tlb_lookup(&t, &k, 2, &s);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(s.set, tlb_set_index(&t, 0x200000, true));
	/* a range invalidation of one 4 KiB page inside drops the 2 MiB entry */
	struct tlb_match m = { .match = TLB_M_RANGE, .va_lo = 0x201000, .va_hi = 0x201fff };
	ck_assert_uint_eq(tlb_invalidate(&t, &m, TLB_CAUSE_PTWRITE), 1);
	/* misaligned large entries are refused */
	e.ma = 0x401000;
	ck_assert_ptr_null(tlb_insert(&t, &e, 3, NULL));
	tlb_free(&t);
}
END_TEST

START_TEST(parsing)
{
	unsigned s, w;
	enum tlb_policy p;
	ck_assert_int_eq(tlb_parse_geometry("16x4", &s, &w), 0);
	ck_assert(s == 16 && w == 4);
	ck_assert_int_eq(tlb_parse_geometry("12x4", &s, &w), -1);
	ck_assert_int_eq(tlb_parse_geometry("16x", &s, &w), -1);
	ck_assert_int_eq(tlb_parse_geometry("x4", &s, &w), -1);
	ck_assert_int_eq(tlb_parse_geometry("16x4z", &s, &w), -1);
	ck_assert_int_eq(tlb_parse_geometry("16x65", &s, &w), -1);
	ck_assert_int_eq(tlb_parse_policy("fifo", &p), 0);
	ck_assert_int_eq(p, TLB_POLICY_FIFO);
	ck_assert_int_eq(tlb_parse_policy("clock", &p), 0);
	ck_assert_int_eq(p, TLB_POLICY_CLOCK);
	ck_assert_str_eq(tlb_policy_name(TLB_POLICY_CLOCK), "clock");
	ck_assert_int_eq(tlb_parse_policy("mru", &p), -1);
	char buf[32];
	ck_assert_str_eq(tlb_perm_str(TLB_U | TLB_R | TLB_X, buf), "U R X");
	ck_assert_str_eq(tlb_cause_name(TLB_CAUSE_PTWRITE), "pt-write");
	struct tlb t;
	ck_assert_int_eq(tlb_init(&t, 3, 4, TLB_POLICY_LRU, 0), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tlb_policy");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, lru_matches_model);
	tcase_add_test(tc, fifo_matches_model);
	tcase_add_test(tc, random_matches_model);
	tcase_add_test(tc, clock_matches_model);
	tcase_add_test(tc, clock_second_chance);
	tcase_add_test(tc, random_is_seeded);
	tcase_add_test(tc, lru_sees_touch_stamps);
	tcase_add_test(tc, victim_spares_the_current_instruction);
	tcase_add_test(tc, pinned_entries_outlive_others);
	tcase_add_test(tc, globals_asids_views_and_stats);
	tcase_add_test(tc, permission_misses_and_replace_hook);
	tcase_add_test(tc, large_entries);
	tcase_add_test(tc, parsing);
	suite_add_tcase(s, tc);
	return check_run(s);
}
