/*
 * monitor/cloud/place_heur.c — first-fit and best-fit decreasing, the
 * shared order and the evaluation of an assignment.
 *
 * Nodes are opened cheapest capacity first (cost per unit of capacity), so
 * with mixed node types the heuristics do not fill expensive small nodes.
 * "Size" of a VM for the decreasing order is its larger demand normalised by
 * the largest node capacity in that dimension (a VM that needs half the
 * biggest node's memory is "big" even when its CPU demand is small).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/cloud/place.h"

/* Demand of vm in parts per million of the largest node's capacity, larger dimension. */
static uint64_t vm_size_ppm(const struct place_problem *p, int vm)
{
	uint64_t best = 0;
	for (int d = 0; d < PLACE_DIMS; d++) {
		uint64_t cap = 0;
		for (int n = 0; n < p->nnodes; n++)
			if (p->nodes[n].cap[d] > cap)
				cap = p->nodes[n].cap[d];
		uint64_t ppm = cap ? p->vms[vm].need[d] * 1000000 / cap : 0;
		if (ppm > best)
			best = ppm;
	}
	return best;
}

void place_order(const struct place_problem *p, int *order)
{
	uint64_t size[PLACE_MAX_VMS];
	for (int i = 0; i < p->nvms; i++) {
		order[i] = i;
		size[i] = vm_size_ppm(p, i);
	}
	/* insertion sort: stable and deterministic; nvms is at most PLACE_MAX_VMS */
	for (int i = 1; i < p->nvms; i++) {
		int v = order[i], j = i;
		while (j > 0) {
			int u = order[j - 1];
			bool before = size[v] > size[u] || (size[v] == size[u] && strcmp(p->vms[v].name, p->vms[u].name) < 0);
			if (!before)
				break;
			order[j] = u;
			j--;
		}
		order[j] = v;
	}
}

bool place_fits(const struct place_problem *p, const uint64_t used[PLACE_DIMS], int vm, int n)
{
	for (int d = 0; d < PLACE_DIMS; d++)
		if (used[d] + p->vms[vm].need[d] > p->nodes[n].cap[d])
			return false;
	return true;
}

uint64_t place_room_after(const struct place_problem *p, const uint64_t used[PLACE_DIMS], int vm, int n)
{
	uint64_t s = 0;
	for (int d = 0; d < PLACE_DIMS; d++)
		s += (p->nodes[n].cap[d] - used[d] - p->vms[vm].need[d]) * 1000000 / p->nodes[n].cap[d];
	return s;
}

/* Price of node n per unit of capacity (ppm of the largest node, summed over
 * dimensions), scaled: the cheapest capacity is opened first. */
static uint64_t price_per_capacity(const struct place_problem *p, int n)
{
	uint64_t capacity = 0;
	for (int d = 0; d < PLACE_DIMS; d++) {
		uint64_t biggest = 0;
		for (int m = 0; m < p->nnodes; m++)
			if (p->nodes[m].cap[d] > biggest)
				biggest = p->nodes[m].cap[d];
		capacity += p->nodes[n].cap[d] * 1000000 / biggest;
	}
	return p->nodes[n].cost * 1000000000ull / (capacity ? capacity : 1);
}

/* Nodes cheapest capacity first, ties in file order. */
static void node_order(const struct place_problem *p, int *order)
{
	uint64_t price[PLACE_MAX_NODES];
	for (int n = 0; n < p->nnodes; n++) {
		price[n] = price_per_capacity(p, n);
		int j = n;
		while (j > 0 && price[order[j - 1]] > price[n]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = n;
	}
}

static void decreasing(const struct place_problem *p, struct place_result *r, bool best_fit)
{
	uint64_t used[PLACE_MAX_NODES][PLACE_DIMS];
	int order[PLACE_MAX_VMS], nodes[PLACE_MAX_NODES];
	memset(used, 0, sizeof used);
	memset(r, 0, sizeof *r);
	place_order(p, order);
	node_order(p, nodes);
	for (int i = 0; i < p->nvms; i++) {
		int vm = order[i], pick = PLACE_NONE;
		uint64_t pick_slack = UINT64_MAX;
		for (int k = 0; k < p->nnodes; k++) {
			int n = nodes[k];
			if (!place_fits(p, used[n], vm, n))
				continue;
			if (!best_fit) {
				pick = n;
				break;
			}
			/* best fit among nodes already in use; when none fits, the
			 * cheapest capacity among the empty ones (the first in order) */
			bool in_use = used[n][PLACE_CPU] || used[n][PLACE_MEM];
			uint64_t s = in_use ? place_room_after(p, used[n], vm, n) :
					      UINT64_MAX / 2 + (uint64_t)k;
			if (s < pick_slack) {
				pick = n;
				pick_slack = s;
			}
		}
		r->node_of[vm] = pick;
		if (pick != PLACE_NONE)
			for (int d = 0; d < PLACE_DIMS; d++)
				used[pick][d] += p->vms[vm].need[d];
	}
	place_evaluate(p, r);
}

void place_ffd(const struct place_problem *p, struct place_result *r)
{
	decreasing(p, r, false);
}

void place_bfd(const struct place_problem *p, struct place_result *r)
{
	decreasing(p, r, true);
}

bool place_evaluate(const struct place_problem *p, struct place_result *r)
{
	uint64_t used[PLACE_MAX_NODES][PLACE_DIMS];
	memset(used, 0, sizeof used);
	r->unplaced = 0;
	r->cost = 0;
	r->nodes_used = 0;
	for (int v = 0; v < p->nvms; v++) {
		int n = r->node_of[v];
		if (n == PLACE_NONE) {
			r->unplaced++;
			continue;
		}
		for (int d = 0; d < PLACE_DIMS; d++)
			used[n][d] += p->vms[v].need[d];
	}
	bool ok = true;
	for (int n = 0; n < p->nnodes; n++) {
		if (!used[n][PLACE_CPU] && !used[n][PLACE_MEM])
			continue;
		r->nodes_used++;
		r->cost += p->nodes[n].cost;
		for (int d = 0; d < PLACE_DIMS; d++)
			ok &= used[n][d] <= p->nodes[n].cap[d];
	}
	return ok;
}
