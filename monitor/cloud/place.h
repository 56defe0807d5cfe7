/*
 * monitor/cloud/place.h — the lecture's cloud part: placing VMs on nodes.
 *
 * Placement is bin packing in two dimensions (CPU and memory): every VM must
 * sit on one node, no node may be loaded past its capacity in either
 * dimension, and the cost of the nodes in use is to be as small as possible
 * (cost 1 per node by default: "use as few machines as you can").
 *
 *   exact   branch and bound: the optimum, for inputs small enough
 *   ffd     first-fit decreasing: VMs largest first, each on the first node it
 *           fits, nodes taken cheapest capacity first
 *   bfd     best-fit decreasing: VMs largest first, each on the open node it
 *           fills most, opening the cheapest capacity when none has room
 *
 * The problem is NP-hard (the lecture says so); the exact solver has an
 * expansion budget and says when it ran out before proving its answer.
 * Units are integers so every result is the same on every machine:
 * CPU in millicores (cpu=2.5 is 2500), memory in MiB.
 *
 * Nothing here knows about the VMM: a front end and its tests only.
 */
#ifndef VMLAB_CLOUD_PLACE_H
#define VMLAB_CLOUD_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLACE_NAME_MAX 32
#define PLACE_MAX_NODES 256
#define PLACE_MAX_VMS 1024
#define PLACE_NONE (-1)

enum place_dim { PLACE_CPU, PLACE_MEM, PLACE_DIMS };

struct place_node {
	char name[PLACE_NAME_MAX];
	uint64_t cap[PLACE_DIMS]; /* millicores, MiB */
	uint64_t cost;            /* price of using the node at all (default 1) */
};

struct place_vm {
	char name[PLACE_NAME_MAX];
	uint64_t need[PLACE_DIMS];
	int node;            /* current node (rebalance input), PLACE_NONE if new */
	uint64_t dirty_mibs; /* MiB the VM dirties per second (migration model) */
};

struct place_problem {
	struct place_node nodes[PLACE_MAX_NODES];
	struct place_vm vms[PLACE_MAX_VMS];
	int nnodes, nvms;
};

/* An assignment: node index per VM (PLACE_NONE when a heuristic could not place it). */
struct place_result {
	int node_of[PLACE_MAX_VMS];
	int unplaced;       /* VMs left without a node (0 for a feasible result) */
	uint64_t cost;      /* sum of the cost of the nodes in use */
	int nodes_used;
	bool optimal;       /* exact solver only: proven optimal within the budget */
	uint64_t expansions; /* exact solver only: search nodes visited */
};

/* Parse a nodes or VMs file's text. Lines: `NAME key=value ...`, '#' comments.
 * Node keys: cpu, mem, cost. VM keys: cpu, mem, node (a node's name), dirty.
 * Sizes take K/M/G suffixes (mem=4G); cpu takes decimals (cpu=0.5).
 * Return 0, or -1 with a one-line message in err naming the line. */
int place_parse_nodes(struct place_problem *p, const char *text, char *err, size_t errlen);
int place_parse_vms(struct place_problem *p, const char *text, char *err, size_t errlen);

/* The heuristics. Always return; result->unplaced counts VMs that fit nowhere. */
void place_ffd(const struct place_problem *p, struct place_result *r);
void place_bfd(const struct place_problem *p, struct place_result *r);

/* Branch and bound. Visits at most max_expansions search nodes; result->optimal
 * says whether the answer was proven. Returns false when no feasible
 * assignment exists (some VM is bigger than every node, or the budget ran
 * out before any solution was found). */
bool place_exact(const struct place_problem *p, uint64_t max_expansions, struct place_result *r);

/* A lower bound on the optimal cost (capacity bound per dimension). */
uint64_t place_lower_bound(const struct place_problem *p);

/* Recompute cost, nodes_used and unplaced of an assignment; false when it
 * overloads a node. */
bool place_evaluate(const struct place_problem *p, struct place_result *r);

/* Whether vm fits on node n whose load is used[]; and the room node n has
 * left after taking it, in ppm of n's capacity summed over dimensions (the
 * "best fit" measure). The heuristics, the exact search and rebalance share them. */
bool place_fits(const struct place_problem *p, const uint64_t used[PLACE_DIMS], int vm, int n);
uint64_t place_room_after(const struct place_problem *p, const uint64_t used[PLACE_DIMS], int vm, int n);

/* The VMs' order for the "decreasing" heuristics and the exact search:
 * largest normalised demand first, ties by name. */
void place_order(const struct place_problem *p, int *order);

/* ---- live migration cost (iterative pre-copy, then stop-and-copy) ---- */
struct precopy_model {
	uint64_t link_mibs;   /* link bandwidth, MiB per second */
	uint64_t max_rounds;  /* pre-copy round limit */
	uint64_t stop_mib;    /* stop-and-copy once the dirty set is this small */
};
struct precopy_estimate {
	uint64_t rounds;       /* pre-copy rounds before stop-and-copy */
	uint64_t sent_mib;     /* everything sent, all rounds plus stop-and-copy */
	uint64_t downtime_ms;  /* stop-and-copy time: the VM is paused */
	bool converged;        /* dirty set fell under stop_mib before the round limit */
};
void precopy_estimate(const struct precopy_model *m, uint64_t mem_mib, uint64_t dirty_mibs,
		      struct precopy_estimate *e);

/* ---- rebalance: demands changed, some nodes are overloaded ---- */
struct place_move {
	int vm, from, to;
	struct precopy_estimate cost;
};
/* Propose migrations that make the current placement (vms[].node) feasible,
 * moving the VMs cheapest to migrate first. Returns the number of moves
 * written to moves, or -1 when no set of moves found fixes it. */
int place_rebalance(const struct place_problem *p, const struct precopy_model *m,
		    struct place_move *moves, int max_moves, struct place_result *after);

/* `vmlab place`: the command-line front end (monitor/cloud/place_cli.c). */
int place_main(int argc, char **argv);

#endif
