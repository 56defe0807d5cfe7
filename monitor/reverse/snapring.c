/*
 * monitor/reverse/snapring.c — the snapshot ring: snapshots of a run in
 * timeline order within a memory budget, thinned out with age, and the
 * lookup of the latest one before a point (where re-execution starts).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/reverse/reverse.h"

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int rev_pos_cmp(struct rev_pos a, struct rev_pos b)
{
	int c = cmp_u64(a.icount, b.icount);
	if (!c)
		c = cmp_u64(a.ord, b.ord);
	return c ? c : cmp_u64(a.sub, b.sub);
}

void rev_ring_init(struct rev_ring *r, size_t budget, void (*free_fn)(void *data))
{
	memset(r, 0, sizeof *r);
	r->budget = budget;
	r->free_fn = free_fn;
}

static void drop(struct rev_ring *r, size_t i)
{
	if (r->free_fn)
		r->free_fn(r->v[i].data);
	r->bytes -= r->v[i].size;
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof r->v[0]);
	r->n--;
}

/*
 * The snapshot to thin out: among all but the first and the newest, the one
 * whose removal leaves the smallest gap (in instructions) for its age
 * (instructions back from the newest). Ties go to the older one.
 */
static size_t thin_victim(const struct rev_ring *r)
{
	const uint64_t now = r->v[r->n - 1].pos.icount;
	size_t best = 1;
	double best_score = 0;
	for (size_t i = 1; i + 1 < r->n; i++) {
		double gap = (double)(r->v[i + 1].pos.icount - r->v[i - 1].pos.icount);
		double age = (double)(now - r->v[i].pos.icount) + 1;
		double score = gap / age;
		if (i == 1 || score < best_score) {
			best = i;
			best_score = score;
		}
	}
	return best;
}

int rev_ring_add(struct rev_ring *r, struct rev_pos pos, void *data, size_t size)
{
	if (r->n && rev_pos_cmp(pos, r->v[r->n - 1].pos) <= 0)
		goto fail;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rev_snap *v = realloc(r->v, cap * sizeof *v);
		if (!v)
			goto fail;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct rev_snap){pos, data, size};
	r->bytes += size;
	while (r->budget && r->bytes > r->budget && r->n > 2) {
		drop(r, thin_victim(r));
		r->thinned++;
	}
	return 0;
fail:
	if (r->free_fn)
		r->free_fn(data);
	return -1;
}

long rev_ring_before(const struct rev_ring *r, struct rev_pos pos)
{
	size_t lo = 0, hi = r->n; /* the answer is lo - 1 once lo == hi */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rev_pos_cmp(r->v[mid].pos, pos) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

void rev_ring_drop_after(struct rev_ring *r, struct rev_pos pos)
{
	while (r->n && rev_pos_cmp(r->v[r->n - 1].pos, pos) > 0)
		drop(r, r->n - 1);
}

void rev_ring_free(struct rev_ring *r)
{
	while (r->n)
		drop(r, r->n - 1);
	free(r->v);
	r->v = NULL;
	r->cap = 0;
}
