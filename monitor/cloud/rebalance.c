/*
 * monitor/cloud/rebalance.c — demands changed: which VMs should move?
 *
 * Input: the current placement (vms[].node) with the new demands, so some
 * nodes may now be overloaded. Output: a list of migrations after which no
 * node is overloaded, found greedily:
 *   1. VMs with no node yet are placed best-fit (no migration: a new VM);
 *   2. while a node is overloaded, the VM on it that is cheapest to migrate
 *      (fewest MiB sent by pre-copy) and fits somewhere else moves to the open
 *      node it fills best, or to a closed node when no open one has room.
 * A VM moves at most once. SIMPLIFICATION: greedy, not the fewest possible
 * moves; it does not consolidate under-used nodes (a placement from scratch,
 * `vmlab place` without --rebalance, shows how many nodes would do).
 */
#include <string.h>

#include "monitor/cloud/place.h"

struct load {
	uint64_t used[PLACE_MAX_NODES][PLACE_DIMS];
};

static void add(struct load *l, const struct place_problem *p, int vm, int n, int sign)
{
	for (int d = 0; d < PLACE_DIMS; d++)
		l->used[n][d] = sign > 0 ? l->used[n][d] + p->vms[vm].need[d] : l->used[n][d] - p->vms[vm].need[d];
}

static bool overloaded(const struct load *l, const struct place_problem *p, int n)
{
	for (int d = 0; d < PLACE_DIMS; d++)
		if (l->used[n][d] > p->nodes[n].cap[d])
			return true;
	return false;
}

/* The node (not `except`) where vm fits leaving the least room; open nodes first. */
static int target_for(const struct load *l, const struct place_problem *p, int vm, int except)
{
	int pick = PLACE_NONE;
	uint64_t pick_key = UINT64_MAX;
	for (int n = 0; n < p->nnodes; n++) {
		if (n == except || !place_fits(p, l->used[n], vm, n))
			continue;
		bool open = l->used[n][PLACE_CPU] || l->used[n][PLACE_MEM];
		uint64_t key = place_room_after(p, l->used[n], vm, n) + (open ? 0 : (uint64_t)PLACE_DIMS * 1000000);
		if (key < pick_key) {
			pick = n;
			pick_key = key;
		}
	}
	return pick;
}

int place_rebalance(const struct place_problem *p, const struct precopy_model *m,
		    struct place_move *moves, int max_moves, struct place_result *after)
{
	struct load l;
	bool moved[PLACE_MAX_VMS] = { false };
	int nmoves = 0;
	memset(&l, 0, sizeof l);
	memset(after, 0, sizeof *after);
	for (int v = 0; v < p->nvms; v++) {
		after->node_of[v] = p->vms[v].node;
		if (p->vms[v].node != PLACE_NONE)
			add(&l, p, v, p->vms[v].node, +1);
	}
	for (int v = 0; v < p->nvms; v++) {
		if (after->node_of[v] != PLACE_NONE)
			continue;
		int n = target_for(&l, p, v, PLACE_NONE);
		if (n == PLACE_NONE)
			return -1;
		after->node_of[v] = n;
		add(&l, p, v, n, +1);
	}
	for (int n = 0; n < p->nnodes; n++) {
		while (overloaded(&l, p, n)) {
			int best_vm = PLACE_NONE, best_to = PLACE_NONE;
			struct precopy_estimate best_cost = { 0 };
			for (int v = 0; v < p->nvms; v++) {
				if (after->node_of[v] != n || moved[v])
					continue;
				int to = target_for(&l, p, v, n);
				if (to == PLACE_NONE)
					continue;
				struct precopy_estimate e;
				precopy_estimate(m, p->vms[v].need[PLACE_MEM], p->vms[v].dirty_mibs, &e);
				if (best_vm == PLACE_NONE || e.sent_mib < best_cost.sent_mib) {
					best_vm = v;
					best_to = to;
					best_cost = e;
				}
			}
			if (best_vm == PLACE_NONE || nmoves == max_moves)
				return -1;
			add(&l, p, best_vm, n, -1);
			add(&l, p, best_vm, best_to, +1);
			after->node_of[best_vm] = best_to;
			moved[best_vm] = true;
			moves[nmoves++] = (struct place_move){ best_vm, n, best_to, best_cost };
		}
	}
	place_evaluate(p, after);
	return nmoves;
}
