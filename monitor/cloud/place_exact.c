/*
 * monitor/cloud/place_exact.c — the optimal placement by branch and bound.
 *
 * Depth-first over the VMs in decreasing order; each VM goes on a node that
 * is already in use, or opens one unused node. Two things keep the tree
 * small enough for classroom sizes:
 *   - symmetry: among unused nodes of the same type (same capacities and
 *     cost) only the first is tried, since opening any of them is the same;
 *   - bound: cost so far + a lower bound on what the remaining VMs must
 *     still add (their demand beyond the free room of the open nodes, priced
 *     at the cheapest cost per unit of an unused node) must beat the best
 *     answer found, which starts as the better of FFD and BFD.
 * The search stops after a budget of expansions and then says its answer is
 * the best found, not a proven optimum.
 */
#include <string.h>

#include "monitor/cloud/place.h"

struct bb {
	const struct place_problem *p;
	int order[PLACE_MAX_VMS];
	uint64_t rest[PLACE_MAX_VMS + 1][PLACE_DIMS]; /* demand of order[i..] */
	uint64_t used[PLACE_MAX_NODES][PLACE_DIMS];
	bool open[PLACE_MAX_NODES];
	int node_of[PLACE_MAX_VMS];
	uint64_t cost, expansions, budget;
	bool out_of_budget;
	struct place_result *best;
	bool have_best;
};

static bool same_type(const struct place_node *a, const struct place_node *b)
{
	return a->cost == b->cost && a->cap[PLACE_CPU] == b->cap[PLACE_CPU] && a->cap[PLACE_MEM] == b->cap[PLACE_MEM];
}

/* ceil(extra * cost / cap), the cheapest way closed nodes could cover extra. */
static uint64_t cover_cost(uint64_t extra, uint64_t cost, uint64_t cap)
{
	unsigned __int128 num = (unsigned __int128)extra * cost;
	return (uint64_t)((num + cap - 1) / cap);
}

/* Lower bound on the cost the VMs order[i..] still add. */
static uint64_t bound_rest(const struct bb *s, int i)
{
	const struct place_problem *p = s->p;
	uint64_t lb = 0;
	for (int d = 0; d < PLACE_DIMS; d++) {
		uint64_t free_room = 0;
		for (int n = 0; n < p->nnodes; n++)
			if (s->open[n])
				free_room += p->nodes[n].cap[d] - s->used[n][d];
		if (s->rest[i][d] <= free_room)
			continue;
		uint64_t extra = s->rest[i][d] - free_room, cheapest = UINT64_MAX;
		for (int n = 0; n < p->nnodes; n++) {
			if (s->open[n])
				continue;
			uint64_t c = cover_cost(extra, p->nodes[n].cost, p->nodes[n].cap[d]);
			if (c < cheapest)
				cheapest = c;
		}
		if (cheapest == UINT64_MAX)
			return UINT64_MAX; /* no closed node left and no room: infeasible */
		if (cheapest > lb)
			lb = cheapest;
	}
	return lb;
}

/* An unused node whose type an earlier unused node already stands for. */
static bool symmetric_duplicate(const struct bb *s, int n)
{
	for (int m = 0; m < n; m++)
		if (!s->open[m] && same_type(&s->p->nodes[m], &s->p->nodes[n]))
			return true;
	return false;
}

static void record(struct bb *s)
{
	memcpy(s->best->node_of, s->node_of, sizeof(int) * (size_t)s->p->nvms);
	s->best->cost = s->cost;
	s->have_best = true;
}

static void place_vm(struct bb *s, int i, int n, int sign)
{
	int vm = s->order[i];
	for (int d = 0; d < PLACE_DIMS; d++)
		s->used[n][d] = sign > 0 ? s->used[n][d] + s->p->vms[vm].need[d] : s->used[n][d] - s->p->vms[vm].need[d];
	s->node_of[vm] = sign > 0 ? n : PLACE_NONE;
}

static void search(struct bb *s, int i)
{
	if (s->expansions++ >= s->budget) {
		s->out_of_budget = true;
		return;
	}
	const struct place_problem *p = s->p;
	if (i == p->nvms) {
		if (!s->have_best || s->cost < s->best->cost)
			record(s);
		return;
	}
	uint64_t lb = bound_rest(s, i);
	if (lb == UINT64_MAX || (s->have_best && s->cost + lb >= s->best->cost))
		return;
	int vm = s->order[i];
	/* open nodes first (free), then each type of closed node once */
	for (int pass = 0; pass < 2 && !s->out_of_budget; pass++) {
		for (int n = 0; n < p->nnodes && !s->out_of_budget; n++) {
			bool opening = !s->open[n];
			if (opening != (pass == 1) || !place_fits(p, s->used[n], vm, n))
				continue;
			if (opening && symmetric_duplicate(s, n))
				continue;
			if (opening) {
				s->open[n] = true;
				s->cost += p->nodes[n].cost;
			}
			place_vm(s, i, n, +1);
			search(s, i + 1);
			place_vm(s, i, n, -1);
			if (opening) {
				s->open[n] = false;
				s->cost -= p->nodes[n].cost;
			}
		}
	}
}

bool place_exact(const struct place_problem *p, uint64_t max_expansions, struct place_result *r)
{
	struct bb state, *s = &state;
	memset(s, 0, sizeof *s);
	memset(r, 0, sizeof *r);
	s->p = p;
	s->best = r;
	s->budget = max_expansions;
	place_order(p, s->order);
	for (int i = p->nvms - 1; i >= 0; i--)
		for (int d = 0; d < PLACE_DIMS; d++)
			s->rest[i][d] = s->rest[i + 1][d] + p->vms[s->order[i]].need[d];
	for (int v = 0; v < p->nvms; v++)
		s->node_of[v] = PLACE_NONE;

	/* start from the better heuristic: the bound prunes from the first node */
	struct place_result h[2];
	place_ffd(p, &h[0]);
	place_bfd(p, &h[1]);
	for (int k = 0; k < 2; k++)
		if (!h[k].unplaced && (!s->have_best || h[k].cost < r->cost)) {
			memcpy(r->node_of, h[k].node_of, sizeof r->node_of);
			r->cost = h[k].cost;
			s->have_best = true;
		}
	search(s, 0);
	r->expansions = s->expansions > s->budget ? s->budget : s->expansions;
	r->optimal = !s->out_of_budget && s->have_best;
	if (!s->have_best) {
		for (int v = 0; v < p->nvms; v++)
			r->node_of[v] = PLACE_NONE;
		place_evaluate(p, r);
		return false;
	}
	place_evaluate(p, r);
	return true;
}

uint64_t place_lower_bound(const struct place_problem *p)
{
	uint64_t lb = 0;
	for (int d = 0; d < PLACE_DIMS; d++) {
		uint64_t need = 0, cheapest = UINT64_MAX;
		for (int v = 0; v < p->nvms; v++)
			need += p->vms[v].need[d];
		for (int n = 0; n < p->nnodes; n++) {
			uint64_t c = cover_cost(need, p->nodes[n].cost, p->nodes[n].cap[d]);
			if (c < cheapest)
				cheapest = c;
		}
		if (cheapest != UINT64_MAX && cheapest > lb)
			lb = cheapest;
	}
	return lb;
}
