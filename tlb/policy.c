/*
 * tlb/policy.c — replacement policies of the simulated TLB and their PRNG,
 * plus the names used on the command line and in traces.
 */
#include <string.h>

#include "tlb/tlb.h"

/* splitmix64: turns any seed (even 0) into a well-mixed non-zero state. */
void tlb_rng_seed(uint64_t *state, uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	*state = z ? z : 0x2545f4914f6cdd1dull;
}

/* xorshift64*: the next 64-bit value of a non-zero state. */
uint64_t tlb_rng_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * How much a way is worth keeping: 0 evictable, 1 pinned for a pending
 * instruction (tlb_pin), 2 used by the current instruction (stamp == now).
 */
static unsigned keep_rank(const struct tlb *t, const struct tlb_entry *e, uint64_t now)
{
	if (e->stamp == now)
		return 2;
	return tlb_pinned(t, e) ? 1 : 0;
}

/* The policy's choice among the ways of rank <= level, or t->ways if none. */
static unsigned victim_at(struct tlb *t, const struct tlb_entry *e, uint64_t now, unsigned level,
			  unsigned start)
{
	unsigned best = t->ways;
	for (unsigned k = 0; k < t->ways; k++) {
		unsigned w = (start + k) % t->ways;
		if (keep_rank(t, &e[w], now) > level)
			continue;
		switch (t->policy) {
		case TLB_POLICY_RANDOM:
			return w; /* the first eligible way from the random start */
		case TLB_POLICY_FIFO:
			if (best == t->ways || e[w].seq < e[best].seq)
				best = w;
			break;
		case TLB_POLICY_LRU:
		default:
			if (best == t->ways || e[w].stamp < e[best].stamp)
				best = w;
			break;
		}
	}
	return best;
}

/*
 * The way to evict from a full set.
 *   LRU:    smallest stamp; ties go to the lowest way. Stamps are instruction
 *           counts (slow-path lookups and CPU fast-cache hits write the same
 *           clock), so two uses in one instruction tie.
 *   FIFO:   smallest insertion sequence number (unique).
 *   random: the first eligible way from xorshift64* modulo ways.
 * Whatever the policy, an entry the current instruction has used (stamp ==
 * now) is never the victim while another way is not, and a pinned entry is
 * not while an unpinned one is free to go: every translation one instruction
 * needs at once can coexist (as real TLBs guarantee forward progress), given
 * the ways tlb_min_ways() asks for.
 */
unsigned tlb_policy_victim(struct tlb *t, unsigned set, uint64_t now)
{
	const struct tlb_entry *e = &t->e[(size_t)set * t->ways];
	unsigned start = 0;
	if (t->policy == TLB_POLICY_RANDOM)
		start = (unsigned)(tlb_rng_next(&t->rng) % t->ways);
	for (unsigned level = 0;; level++) {
		unsigned w = victim_at(t, e, now, level, start);
		if (w < t->ways)
			return w; /* level 2 admits every way */
	}
}

unsigned tlb_min_ways(unsigned sets)
{
	return sets == 1 ? 6 : 3;
}

static const char *const policy_names[TLB_POLICY_COUNT] = { "lru", "fifo", "random" };

int tlb_parse_policy(const char *s, enum tlb_policy *p)
{
	for (int i = 0; i < TLB_POLICY_COUNT; i++) {
		if (strcmp(s, policy_names[i]) == 0) {
			*p = (enum tlb_policy)i;
			return 0;
		}
	}
	return -1;
}

const char *tlb_policy_name(enum tlb_policy p)
{
	return (unsigned)p < TLB_POLICY_COUNT ? policy_names[p] : "?";
}

const char *tlb_cause_name(enum tlb_cause c)
{
	static const char *const names[TLB_CAUSE_COUNT] = {
		[TLB_CAUSE_EVICT] = "evict",       [TLB_CAUSE_CR3] = "cr3",
		[TLB_CAUSE_INVLPG] = "invlpg",     [TLB_CAUSE_PTWRITE] = "pt-write",
		[TLB_CAUSE_GLOBAL] = "global",     [TLB_CAUSE_VMSWITCH] = "vm-switch",
		[TLB_CAUSE_SHADOW] = "shadow",     [TLB_CAUSE_SWTLB] = "swtlb",
		[TLB_CAUSE_OTHER] = "other",
	};
	return (unsigned)c < TLB_CAUSE_COUNT ? names[c] : "?";
}

/* "U R W X G 2M" style text, fixed order, absent bits omitted. */
const char *tlb_perm_str(unsigned perm, char *buf)
{
	static const struct { unsigned bit; const char *s; } bits[] = {
		{ TLB_U, "U" }, { TLB_R, "R" }, { TLB_W, "W" }, { TLB_X, "X" },
		{ TLB_G, "G" }, { TLB_LARGE, "2M" },
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		if (!(perm & bits[i].bit))
			continue;
		if (n)
			buf[n++] = ' ';
		size_t l = strlen(bits[i].s);
		memcpy(buf + n, bits[i].s, l + 1);
		n += l;
	}
	if (!n)
		memcpy(buf, "-", 2);
	return buf;
}

/* "SETSxWAYS": sets a power of two in 1..4096, ways 1..64. */
int tlb_parse_geometry(const char *s, unsigned *sets, unsigned *ways)
{
	unsigned long v[2] = { 0, 0 };
	int k = 0;
	const char *p = s;
	for (; k < 2; k++) {
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			v[k] = v[k] * 10 + (unsigned long)(*p++ - '0');
			if (v[k] > 100000)
				return -1;
		}
		if (k == 0 && *p++ != 'x')
			return -1;
	}
	if (*p != '\0')
		return -1;
	if (v[0] == 0 || v[0] > 4096 || (v[0] & (v[0] - 1)) || v[1] == 0 || v[1] > 64)
		return -1;
	*sets = (unsigned)v[0];
	*ways = (unsigned)v[1];
	return 0;
}
