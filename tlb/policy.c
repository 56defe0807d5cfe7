/*
 * tlb/policy.c — replacement policies of the simulated TLB and their PRNG,
 * plus the names used on the command line and in traces.
 */
#include <stdio.h>
#include <stdlib.h>
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
 * The victim of a full set under each policy. Whatever the policy, an entry
 * the current instruction has used (stamp == now) is never the victim while
 * another way is not: every translation one instruction needs at once can
 * coexist (as real TLBs guarantee forward progress), given the ways
 * tlb_min_ways() asks for.
 */

/* LRU: the smallest stamp (last use, an instruction count); ties go to the
 * lowest way. Slow-path lookups and CPU fast-cache hits write the same clock,
 * so two uses in one instruction tie. */
static unsigned lru_victim(const struct tlb_entry *e, unsigned ways)
{
	/* LAB-HOLE-BEGIN tlb stub: (void)e; (void)ways; fputs("not implemented: lru_victim\n", stderr); abort(); */
	unsigned best = 0;
	for (unsigned w = 1; w < ways; w++)
		if (e[w].stamp < e[best].stamp)
			best = w;
	return best;
	/* LAB-HOLE-END tlb */
}

/* Clock (second chance): from the set's hand, a referenced entry
 * (stamp >= ref_from) loses its reference bit and is passed over; the first
 * unreferenced one is the victim. The hand moves past every way it looks at,
 * the victim included. Entries of the current instruction are skipped without
 * losing their bit; after two laps every other entry is unreferenced. */
static unsigned clock_victim(struct tlb_entry *e, unsigned ways, uint8_t *hand, uint64_t now)
{
	/* LAB-HOLE-BEGIN tlb stub: (void)e; (void)ways; (void)hand; (void)now; fputs("not implemented: clock_victim\n", stderr); abort(); */
	for (unsigned step = 0; step < 2 * ways; step++) {
		unsigned w = *hand;
		*hand = (uint8_t)((w + 1) % ways);
		if (e[w].stamp == now)
			continue;
		if (e[w].stamp >= e[w].ref_from) {
			e[w].ref_from = e[w].stamp + 1;
			continue;
		}
		return w;
	}
	return *hand; /* every way is in use by this instruction */
	/* LAB-HOLE-END tlb */
}

/* FIFO: the smallest insertion sequence number (unique). */
static unsigned fifo_victim(const struct tlb_entry *e, unsigned ways, uint64_t now)
{
	unsigned best = ways;
	for (unsigned w = 0; w < ways; w++)
		if (e[w].stamp != now && (best == ways || e[w].seq < e[best].seq))
			best = w;
	return best == ways ? 0 : best;
}

/* random: xorshift64* modulo ways, then the next way not in use. */
static unsigned random_victim(const struct tlb_entry *e, unsigned ways, uint64_t *rng, uint64_t now)
{
	unsigned w = (unsigned)(tlb_rng_next(rng) % ways);
	for (unsigned k = 0; k < ways; k++)
		if (e[(w + k) % ways].stamp != now)
			return (w + k) % ways;
	return w;
}

static unsigned policy_victim(struct tlb *t, struct tlb_entry *e, unsigned set, uint64_t now)
{
	switch (t->policy) {
	case TLB_POLICY_RANDOM:
		return random_victim(e, t->ways, &t->rng, now);
	case TLB_POLICY_FIFO:
		return fifo_victim(e, t->ways, now);
	case TLB_POLICY_CLOCK:
		return clock_victim(e, t->ways, &t->hand[set], now);
	case TLB_POLICY_LRU:
	default:
		return lru_victim(e, t->ways);
	}
}

/*
 * The policy's victim, unless it is pinned (tlb_pin: installed for an
 * instruction that has not retired while other code runs, --mmu=swtlb's
 * refill handler) and an unpinned way not used by the current instruction
 * is there: then the least recently used of those goes instead.
 */
unsigned tlb_policy_victim(struct tlb *t, unsigned set, uint64_t now)
{
	struct tlb_entry *e = &t->e[(size_t)set * t->ways];
	unsigned v = policy_victim(t, e, set, now);
	if (!tlb_pinned(t, &e[v]))
		return v;
	unsigned best = t->ways;
	for (unsigned w = 0; w < t->ways; w++)
		if (!tlb_pinned(t, &e[w]) && e[w].stamp != now && (best == t->ways || e[w].stamp < e[best].stamp))
			best = w;
	return best < t->ways ? best : v;
}

unsigned tlb_min_ways(unsigned sets)
{
	return sets == 1 ? 6 : 3;
}

static const char *const policy_names[TLB_POLICY_COUNT] = { "lru", "fifo", "random", "clock" };

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
