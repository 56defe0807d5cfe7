/*
 * monitor/cloud/place_cli.c — `vmlab place`: VMs onto nodes, the lecture's
 * bin packing, with the exact optimum beside the heuristics.
 *
 *   vmlab place --nodes FILE --vms FILE [--algo all|exact|ffd|bfd] [--budget N]
 *   vmlab place --nodes FILE --vms FILE --rebalance [--link-mibs N] [--max-rounds N] [--stop-mib N]
 *
 * Bad input: one line on stderr, exit 2. No feasible placement: exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor/cloud/place.h"

#define PLACE_FILE_MAX (1u << 20)

struct place_opts {
	const char *nodes, *vms, *algo;
	uint64_t budget;
	bool rebalance;
	struct precopy_model model;
};

static void place_usage(FILE *f)
{
	fputs("usage: vmlab place --nodes FILE --vms FILE [options]\n"
	      "  Place VMs (CPU and memory demands) onto nodes, using as few (as cheap) nodes as possible.\n"
	      "  --algo all|exact|ffd|bfd  which placements to print (default all: exact, first-fit\n"
	      "                            decreasing and best-fit decreasing, each with its gap to the optimum)\n"
	      "  --budget N                exact search: at most N expansions (default 2000000)\n"
	      "  --rebalance               the VMs file's node= is the current placement and its demands the\n"
	      "                            new ones: propose migrations that remove every overload\n"
	      "  --link-mibs N             migration link bandwidth, MiB/s (default 1000)\n"
	      "  --max-rounds N            pre-copy round limit (default 30)\n"
	      "  --stop-mib N              stop-and-copy when the dirty set is at most N MiB (default 16)\n"
	      "Files: one item a line, '#' comments.\n"
	      "  nodes: NAME cpu=CORES mem=SIZE [cost=N]          e.g. rack1 cpu=16 mem=64G\n"
	      "  vms:   NAME cpu=CORES mem=SIZE [node=NODE] [dirty=SIZE]   (dirty: MiB dirtied per second)\n"
	      "Exit: 0 placed, 1 no feasible placement, 2 bad input.\n",
	      f);
}

/* Whole file into a NUL-terminated buffer, at most PLACE_FILE_MAX bytes. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vmlab place: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmlab place: %s is a directory, not a file\n", path);
		fclose(f);
		return NULL;
	}
	char *buf = malloc(PLACE_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, PLACE_FILE_MAX + 1, f) : 0;
	bool err = ferror(f);
	fclose(f);
	if (!buf || err || n > PLACE_FILE_MAX) {
		fprintf(stderr, "vmlab place: %s: %s\n", path,
			err ? "read error" : !buf ? "out of memory" : "larger than 1 MiB");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		fprintf(stderr, "vmlab place: %s: not a text file (NUL byte)\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static bool load(struct place_problem *p, const struct place_opts *o)
{
	const char *paths[2] = { o->nodes, o->vms };
	for (int k = 0; k < 2; k++) {
		char *text = read_text(paths[k]), err[160];
		if (!text)
			return false;
		int rc = k == 0 ? place_parse_nodes(p, text, err, sizeof err) : place_parse_vms(p, text, err, sizeof err);
		free(text);
		if (rc) {
			fprintf(stderr, "vmlab place: %s: %s\n", paths[k], err);
			return false;
		}
	}
	return true;
}

static bool parse_num(const char *opt, const char *s, uint64_t min, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = s ? strtoull(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < min || v > (1ull << 40)) {
		fprintf(stderr, "vmlab place: %s needs a number >= %llu, got '%s'\n", opt,
			(unsigned long long)min, s ? s : "");
		return false;
	}
	*out = v;
	return true;
}

static int parse_args(int argc, char **argv, struct place_opts *o)
{
	*o = (struct place_opts){ .algo = "all", .budget = 2000000,
				  .model = { .link_mibs = 1000, .max_rounds = 30, .stop_mib = 16 } };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true, takes = true;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			place_usage(stdout);
			return 1;
		} else if (!strcmp(a, "--nodes"))
			o->nodes = v;
		else if (!strcmp(a, "--vms"))
			o->vms = v;
		else if (!strcmp(a, "--algo"))
			o->algo = v;
		else if (!strcmp(a, "--budget"))
			ok = parse_num(a, v, 1, &o->budget);
		else if (!strcmp(a, "--link-mibs"))
			ok = parse_num(a, v, 1, &o->model.link_mibs);
		else if (!strcmp(a, "--max-rounds"))
			ok = parse_num(a, v, 1, &o->model.max_rounds);
		else if (!strcmp(a, "--stop-mib"))
			ok = parse_num(a, v, 0, &o->model.stop_mib);
		else if (!strcmp(a, "--rebalance")) {
			o->rebalance = true;
			takes = false;
		} else {
			fprintf(stderr, "vmlab place: unknown option '%s' (try vmlab place --help)\n", a);
			return -1;
		}
		if (!ok)
			return -1;
		if (takes && !v) {
			fprintf(stderr, "vmlab place: %s needs a value\n", a);
			return -1;
		}
		i += takes;
	}
	if (!o->nodes || !o->vms) {
		fprintf(stderr, "vmlab place: --nodes FILE and --vms FILE are both needed\n");
		return -1;
	}
	if (strcmp(o->algo, "all") && strcmp(o->algo, "exact") && strcmp(o->algo, "ffd") && strcmp(o->algo, "bfd")) {
		fprintf(stderr, "vmlab place: --algo '%s' (valid: all, exact, ffd, bfd)\n", o->algo);
		return -1;
	}
	return 0;
}

static void print_cores(uint64_t milli)
{
	if (milli % 1000)
		printf("%6llu.%03llu", (unsigned long long)(milli / 1000), (unsigned long long)(milli % 1000));
	else
		printf("%10llu", (unsigned long long)(milli / 1000));
}

/* One row per node in use: load against capacity and the VMs on it. */
static void print_assignment(const struct place_problem *p, const struct place_result *r, const char *label)
{
	printf("\nassignment (%s):\n  %-16s %10s %10s %10s %10s  VMs\n", label, "node", "cpu used", "cpu cap",
	       "mem used", "mem cap");
	for (int n = 0; n < p->nnodes; n++) {
		uint64_t used[PLACE_DIMS] = { 0 };
		int count = 0;
		for (int v = 0; v < p->nvms; v++)
			if (r->node_of[v] == n) {
				used[PLACE_CPU] += p->vms[v].need[PLACE_CPU];
				used[PLACE_MEM] += p->vms[v].need[PLACE_MEM];
				count++;
			}
		if (!count)
			continue;
		printf("  %-16s ", p->nodes[n].name);
		print_cores(used[PLACE_CPU]);
		putchar(' ');
		print_cores(p->nodes[n].cap[PLACE_CPU]);
		printf(" %10llu %10llu ", (unsigned long long)used[PLACE_MEM], (unsigned long long)p->nodes[n].cap[PLACE_MEM]);
		for (int v = 0; v < p->nvms; v++)
			if (r->node_of[v] == n)
				printf(" %s", p->vms[v].name);
		putchar('\n');
	}
	for (int v = 0; v < p->nvms; v++)
		if (r->node_of[v] == PLACE_NONE)
			printf("  (fits nowhere)  %s\n", p->vms[v].name);
}

/* gap of cost against ref, "+12.5%", in tenths of a percent */
static const char *gap_str(uint64_t cost, uint64_t ref, char *buf, size_t len)
{
	uint64_t tenths = ref ? ((cost - ref) * 1000 + ref / 2) / ref : 0;
	snprintf(buf, len, "+%llu.%llu%%", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
	return buf;
}

static int place_all(const struct place_problem *p, const struct place_opts *o)
{
	struct place_result res[3];
	const char *names[3] = { "exact", "ffd", "bfd" };
	bool want[3], feasible[3];
	for (int k = 0; k < 3; k++)
		want[k] = !strcmp(o->algo, "all") || !strcmp(o->algo, names[k]);
	feasible[0] = want[0] && place_exact(p, o->budget, &res[0]);
	place_ffd(p, &res[1]);
	place_bfd(p, &res[2]);
	feasible[1] = !res[1].unplaced;
	feasible[2] = !res[2].unplaced;
	bool proven = feasible[0] && res[0].optimal;
	uint64_t lb = place_lower_bound(p);
	printf("vmlab place: %d VMs on %d nodes (cpu in cores, mem in MiB)\n\n", p->nvms, p->nnodes);
	printf("  %-10s %6s %8s  %-22s %s\n", "algorithm", "nodes", "cost", proven ? "gap to optimum" : "gap to lower bound",
	       "notes");
	uint64_t ref = proven ? res[0].cost : lb;
	int shown = -1;
	for (int k = 0; k < 3; k++) {
		if (!want[k])
			continue;
		printf("  %-10s ", names[k]);
		if (!feasible[k]) {
			printf("%6s %8s  %-22s %s\n", "-", "-", "-",
			       k == 0 && res[0].expansions >= o->budget ? "budget ran out before any placement" :
									 "no feasible placement found");
			continue;
		}
		char gap[32];
		printf("%6d %8llu  ", res[k].nodes_used, (unsigned long long)res[k].cost);
		gap_str(res[k].cost, ref, gap, sizeof gap);
		if (k == 0)
			printf("%-22s %s, %llu expansions\n", gap, res[0].optimal ? "optimal" : "best found, budget ran out",
			       (unsigned long long)res[0].expansions);
		else
			printf("%s\n", gap);
		if (shown < 0)
			shown = k;
	}
	if (!proven)
		printf("  lower bound: cost %llu (capacity bound)\n", (unsigned long long)lb);
	if (shown < 0) {
		fprintf(stderr, "vmlab place: no feasible placement (a VM larger than every node, or too little capacity)\n");
		return 1;
	}
	print_assignment(p, &res[shown], names[shown]);
	return 0;
}

static int rebalance(const struct place_problem *p, const struct place_opts *o)
{
	struct place_move moves[PLACE_MAX_VMS];
	struct place_result after;
	int n = place_rebalance(p, &o->model, moves, PLACE_MAX_VMS, &after);
	printf("vmlab place --rebalance: %d VMs on %d nodes; pre-copy over %llu MiB/s, at most %llu rounds, "
	       "stop-and-copy at %llu MiB\n\n",
	       p->nvms, p->nnodes, (unsigned long long)o->model.link_mibs, (unsigned long long)o->model.max_rounds,
	       (unsigned long long)o->model.stop_mib);
	if (n < 0) {
		fprintf(stderr, "vmlab place: no set of migrations removes every overload\n");
		return 1;
	}
	if (!n)
		printf("no node is overloaded: no migration needed\n");
	uint64_t total = 0;
	for (int i = 0; i < n; i++) {
		const struct place_move *m = &moves[i];
		printf("  migrate %-12s %s -> %-12s %3llu round%s, %6llu MiB sent, downtime %llu ms%s\n",
		       p->vms[m->vm].name, p->nodes[m->from].name, p->nodes[m->to].name,
		       (unsigned long long)m->cost.rounds, m->cost.rounds == 1 ? " " : "s", (unsigned long long)m->cost.sent_mib,
		       (unsigned long long)m->cost.downtime_ms, m->cost.converged ? "" : " (did not converge: round limit)");
		total += m->cost.sent_mib;
	}
	if (n)
		printf("\n%d migration%s, %llu MiB sent in all\n", n, n == 1 ? "" : "s", (unsigned long long)total);
	print_assignment(p, &after, "after migrations");
	return 0;
}

int place_main(int argc, char **argv)
{
	struct place_opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 2;
	struct place_problem *p = calloc(1, sizeof *p);
	if (!p) {
		fprintf(stderr, "vmlab place: out of memory\n");
		return 2;
	}
	rc = !load(p, &o) ? 2 : o.rebalance ? rebalance(p, &o) : place_all(p, &o);
	free(p);
	return rc;
}
