/*
 * tests/unit/test_monitor_place.c — VM placement: the exact solver against
 * brute force, the heuristics against the exact optimum on generated cases,
 * the pre-copy model, rebalancing and the file parser.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/cloud/place.h"
#include "tests/unit/check_run.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A seeded case: nvms VMs, nnodes nodes of up to two types. */
static void gen_case(struct place_problem *p, uint64_t seed, int nvms, int nnodes)
{
	uint64_t s = seed * 2654435761u + 1;
	memset(p, 0, sizeof *p);
	p->nnodes = nnodes;
	for (int n = 0; n < nnodes; n++) {
		bool big = n % 3 == 2;
		snprintf(p->nodes[n].name, PLACE_NAME_MAX, "n%d", n);
		p->nodes[n].cap[PLACE_CPU] = big ? 16000 : 8000;
		p->nodes[n].cap[PLACE_MEM] = big ? 65536 : 32768;
		p->nodes[n].cost = big ? 3 : 2;
	}
	p->nvms = nvms;
	for (int v = 0; v < nvms; v++) {
		snprintf(p->vms[v].name, PLACE_NAME_MAX, "vm%02d", v);
		p->vms[v].need[PLACE_CPU] = 500 * (1 + rng_next(&s) % 12);
		p->vms[v].need[PLACE_MEM] = 1024 * (1 + rng_next(&s) % 24);
		p->vms[v].node = PLACE_NONE;
	}
}

/* Cheapest feasible cost over every assignment (nnodes^nvms), or UINT64_MAX. */
static uint64_t brute(const struct place_problem *p, int v, int *node_of)
{
	if (v == p->nvms) {
		struct place_result r;
		memcpy(r.node_of, node_of, sizeof(int) * (size_t)p->nvms);
		return place_evaluate(p, &r) ? r.cost : UINT64_MAX;
	}
	uint64_t best = UINT64_MAX;
	for (int n = 0; n < p->nnodes; n++) {
		node_of[v] = n;
		uint64_t c = brute(p, v + 1, node_of);
		if (c < best)
			best = c;
	}
	return best;
}

START_TEST(exact_matches_brute_force)
{
	struct place_problem *p = malloc(sizeof *p);
	int node_of[PLACE_MAX_VMS];
	for (uint64_t seed = 1; seed <= 40; seed++) {
		gen_case(p, seed, 5 + (int)(seed % 3), 4);
		uint64_t want = brute(p, 0, node_of);
		struct place_result r;
		bool ok = place_exact(p, 10000000, &r);
		ck_assert_msg(ok == (want != UINT64_MAX), "seed %llu: feasibility", (unsigned long long)seed);
		if (!ok)
			continue;
		ck_assert_msg(r.optimal, "seed %llu: not proven", (unsigned long long)seed);
		ck_assert_msg(r.cost == want, "seed %llu: exact %llu, brute force %llu", (unsigned long long)seed,
			      (unsigned long long)r.cost, (unsigned long long)want);
		ck_assert(place_evaluate(p, &r) && r.unplaced == 0);
	}
	free(p);
}
END_TEST

START_TEST(heuristics_never_beat_the_optimum)
{
	struct place_problem *p = malloc(sizeof *p);
	int worse = 0;
	for (uint64_t seed = 100; seed < 160; seed++) {
		gen_case(p, seed, 14, 9);
		struct place_result ex, ff, bf;
		ck_assert(place_exact(p, 20000000, &ex));
		ck_assert(ex.optimal);
		place_ffd(p, &ff);
		place_bfd(p, &bf);
		ck_assert(ff.unplaced == 0 && bf.unplaced == 0);
		ck_assert(place_evaluate(p, &ff) && place_evaluate(p, &bf));
		ck_assert_uint_ge(ff.cost, ex.cost);
		ck_assert_uint_ge(bf.cost, ex.cost);
		ck_assert_uint_ge(ex.cost, place_lower_bound(p));
		worse += ff.cost > ex.cost || bf.cost > ex.cost;
	}
	/* the cases are meant to be hard enough that heuristics sometimes lose */
	ck_assert_int_gt(worse, 0);
	free(p);
}
END_TEST

START_TEST(budget_and_infeasible)
{
	struct place_problem *p = malloc(sizeof *p);
	gen_case(p, 1, 30, 20); /* not proven within 1000 expansions */
	struct place_result r;
	ck_assert(place_exact(p, 1000, &r)); /* starts from the heuristics' answer */
	ck_assert(!r.optimal);
	ck_assert_uint_eq(r.expansions, 1000);
	ck_assert(place_evaluate(p, &r) && r.unplaced == 0);
	gen_case(p, 5, 30, 20); /* the bound proves the heuristic optimal at the root */
	ck_assert(place_exact(p, 1000, &r));
	ck_assert(r.optimal);
	ck_assert_uint_eq(r.expansions, 1);
	gen_case(p, 7, 3, 2);
	p->vms[1].need[PLACE_MEM] = 1u << 20; /* bigger than every node */
	ck_assert(!place_exact(p, 1000, &r));
	place_ffd(p, &r);
	ck_assert_int_eq(r.unplaced, 1);
	ck_assert_int_eq(r.node_of[1], PLACE_NONE);
	free(p);
}
END_TEST

START_TEST(precopy_converges_or_hits_the_limit)
{
	struct precopy_model m = { .link_mibs = 1000, .max_rounds = 30, .stop_mib = 16 };
	struct precopy_estimate e;
	precopy_estimate(&m, 4096, 0, &e); /* idle VM: one round, nothing dirty */
	ck_assert(e.converged);
	ck_assert_uint_eq(e.rounds, 1);
	ck_assert_uint_eq(e.sent_mib, 4096);
	ck_assert_uint_eq(e.downtime_ms, 0);
	precopy_estimate(&m, 4096, 100, &e); /* 4096 -> 410 -> 41 -> 5 */
	ck_assert(e.converged);
	ck_assert_uint_eq(e.rounds, 3);
	ck_assert_uint_eq(e.sent_mib, 4096 + 410 + 41 + 5);
	ck_assert_uint_eq(e.downtime_ms, 5);
	precopy_estimate(&m, 4096, 2000, &e); /* dirties faster than the link sends */
	ck_assert(!e.converged);
	ck_assert_uint_eq(e.rounds, 30);
	ck_assert_uint_eq(e.downtime_ms, 4096);
}
END_TEST

static const char nodes_txt[] = "# two racks\n"
				"a cpu=8 mem=32G\n"
				"b cpu=8 mem=32G   # same\n"
				"c cpu=16 mem=64G cost=3\n";

START_TEST(rebalance_moves_the_cheapest)
{
	struct place_problem *p = calloc(1, sizeof *p);
	char err[160];
	ck_assert_int_eq(place_parse_nodes(p, nodes_txt, err, sizeof err), 0);
	ck_assert_int_eq(place_parse_vms(p,
					 "big   cpu=4 mem=16G node=a dirty=500M\n"
					 "small cpu=3 mem=2G  node=a dirty=10M\n"
					 "grown cpu=2 mem=12G node=a\n"
					 "other cpu=1 mem=1G  node=b\n",
					 err, sizeof err),
			 0);
	struct precopy_model m = { .link_mibs = 1000, .max_rounds = 30, .stop_mib = 16 };
	struct place_move moves[8];
	struct place_result after;
	int n = place_rebalance(p, &m, moves, 8, &after);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(p->vms[moves[0].vm].name, "small"); /* 2 GiB, cheapest to send */
	ck_assert_int_eq(moves[0].to, 1);                     /* onto b, already open */
	ck_assert(place_evaluate(p, &after));
	free(p);
}
END_TEST

START_TEST(parser_errors_name_the_line)
{
	struct place_problem *p = calloc(1, sizeof *p);
	char err[160];
	ck_assert_int_eq(place_parse_nodes(p, "a cpu=1.5 mem=512K\n", err, sizeof err), 0);
	ck_assert_uint_eq(p->nodes[0].cap[PLACE_CPU], 1500);
	ck_assert_uint_eq(p->nodes[0].cap[PLACE_MEM], 1);
	ck_assert_uint_eq(p->nodes[0].cost, 1);
	ck_assert_int_eq(place_parse_nodes(p, "\nb cpu=x mem=1G\n", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 2: bad 'cpu=x' (valid: cpu=CORES mem=SIZE cost=N)");
	ck_assert_int_eq(place_parse_nodes(p, "a cpu=1 mem=1G\n", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 1: 'a' named twice");
	ck_assert_int_eq(place_parse_vms(p, "v cpu=1 mem=1G node=zz\n", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 1: unknown node 'zz'");
	ck_assert_int_eq(place_parse_vms(p, "v cpu=1\n", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 1: VM 'v' needs cpu= and mem= above 0");
	ck_assert_int_eq(place_parse_vms(p, "# nothing\n", err, sizeof err), -1);
	ck_assert_str_eq(err, "no VMs");
	ck_assert_int_eq(place_parse_vms(p, "v cpu=0.0001 mem=1\n", err, sizeof err), -1);
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_place");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exact_matches_brute_force);
	tcase_add_test(tc, heuristics_never_beat_the_optimum);
	tcase_add_test(tc, budget_and_infeasible);
	tcase_add_test(tc, precopy_converges_or_hits_the_limit);
	tcase_add_test(tc, rebalance_moves_the_cheapest);
	tcase_add_test(tc, parser_errors_name_the_line);
	suite_add_tcase(s, tc);
	return check_run(s);
}
