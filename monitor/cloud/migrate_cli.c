/*
 * monitor/cloud/migrate_cli.c — `vmlab migrate [run options] [--at ICOUNT]
 * [--link PAGES/INSNS] [--max-rounds N] [--stop-pages N] [--listen PATH |
 * --connect PATH]`.
 *
 * Without --listen/--connect both ends live in this process: the guest boots
 * in one VM, runs to --at, moves to a second VM object by pre-copy and
 * stop-and-copy, and the second runs it to its end. The serial output (stdout)
 * is the guest's whole output, first from the source, then from the
 * destination; it must equal an unmigrated run's byte for byte. The report
 * (rounds, pages per round, downtime, bytes) goes to stderr, with the
 * destination's summary.
 *
 * --connect PATH: only the sending end (a `vmlab migrate --listen PATH` with
 * the same machine options receives). --listen PATH: only the receiving end.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/cloud/migrate.h"
#include "monitor/tools/tools.h"

struct mig_args {
	struct mon_config cfg;
	struct mon_migrate_opts o;
	uint64_t at;
	const char *listen, *connect;
};

static void usage(void)
{
	printf("usage: vmlab migrate [run options] [migration options]\n"
	       "  --at ICOUNT              start the pre-copy at this guest instruction count (default 2000000)\n"
	       "  --link PAGES/INSNS       the link sends PAGES pages of 4 KiB while the guest runs INSNS\n"
	       "                           instructions (default 64/100000)\n"
	       "  --max-rounds N           pre-copy rounds at most, 1..%u (default 30)\n"
	       "  --stop-pages N           stop and copy once a round leaves at most N dirty pages (default 64)\n"
	       "  --listen PATH            receive a migration on the Unix socket PATH, then run the guest\n"
	       "  --connect PATH           send the migration to a `vmlab migrate --listen PATH`\n"
	       "  (neither: both VMs in this process)\n",
	       MON_MIGRATE_ROUNDS_MAX);
	mon_cli_print_run_options(stdout);
}

/* "P/I" with both > 0. */
static bool parse_link(const char *s, struct mon_migrate_opts *o)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s)
		return false;
	char pages[32];
	size_t n = (size_t)(slash - s);
	if (n >= sizeof pages)
		return false;
	memcpy(pages, s, n);
	pages[n] = 0;
	return mon_parse_u64(pages, &o->link_pages) && mon_parse_u64(slash + 1, &o->link_insns) &&
	       o->link_pages && o->link_insns;
}

/* This command's own options: 1 taken, 0 not one, -1 bad (message printed). */
static int parse_own(struct mig_args *a, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];
	static const char *const own[] = {"--at", "--link", "--max-rounds", "--stop-pages", "--listen", "--connect"};
	unsigned k = 0;
	while (k < sizeof own / sizeof own[0] && strcmp(opt, own[k]))
		k++;
	if (k == sizeof own / sizeof own[0])
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "vmlab migrate: %s needs a value\n", opt);
		return -1;
	}
	const char *v = argv[++*i];
	uint64_t x = 0;
	bool ok = true;
	switch (k) {
	case 0: ok = mon_parse_u64(v, &a->at); break;
	case 1: ok = parse_link(v, &a->o); break;
	case 2: ok = mon_parse_u64(v, &x) && x >= 1 && x <= MON_MIGRATE_ROUNDS_MAX; a->o.max_rounds = (unsigned)x; break;
	case 3: ok = mon_parse_u64(v, &a->o.stop_pages); break;
	case 4: a->listen = v; break;
	case 5: a->connect = v; break;
	}
	if (!ok) {
		fprintf(stderr, "vmlab migrate: bad value '%s' for %s (see vmlab migrate --help)\n", v, opt);
		return -1;
	}
	return 1;
}

/* 0, 1 (help printed) or 2 (error printed). */
static int parse_args(struct mig_args *a, int argc, char **argv)
{
	mon_config_defaults(&a->cfg);
	a->o = (struct mon_migrate_opts){.link_pages = 64, .link_insns = 100000, .max_rounds = 30, .stop_pages = 64};
	a->at = 2000000;
	a->listen = a->connect = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 1;
		}
		int r = parse_own(a, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r)
			continue;
		char err[MON_ERR_MAX];
		r = mon_cli_parse_option(&a->cfg, argc, argv, &i, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "vmlab migrate: %s\n", err);
			return 2;
		}
		if (r == 0) {
			fprintf(stderr, "vmlab migrate: unknown option '%s' (try vmlab migrate --help)\n", argv[i]);
			return 2;
		}
	}
	if (a->listen && a->connect) {
		fprintf(stderr, "vmlab migrate: --listen and --connect are the two ends: one of them\n");
		return 2;
	}
	if (a->cfg.mmu != MON_MMU_SHADOW || a->cfg.bare_core) {
		fprintf(stderr, "vmlab migrate: live migration tracks dirty pages in the shadow tables: --mmu=shadow "
			"only, not %s\n", a->cfg.bare_core ? "--bare-core" : mon_modes_name(&a->cfg));
		return 2;
	}
	if (a->cfg.machine_mem && a->cfg.machine_mem < a->cfg.mem_size) {
		fprintf(stderr, "vmlab migrate: live migration of an overcommitted VM (--machine-mem) is not supported\n");
		return 2;
	}
	if (a->cfg.trace_file || a->cfg.stats_json) {
		fprintf(stderr, "vmlab migrate: --trace and --stats-json are options of vmlab run\n");
		return 2;
	}
	return 0;
}

void migrate_print_report(const struct mon_migrate_opts *o, const struct mon_migrate_report *r, FILE *f)
{
	fprintf(f, "migrate: link %llu pages per %llu guest instructions; at most %u rounds; stop and copy at <= %llu "
		"dirty pages\n", (unsigned long long)o->link_pages, (unsigned long long)o->link_insns, o->max_rounds,
		(unsigned long long)o->stop_pages);
	fprintf(f, "migrate: pre-copy from icount %llu\n", (unsigned long long)r->start_icount);
	for (unsigned i = 0; i < r->rounds; i++) {
		const struct mon_migrate_round *x = &r->round[i];
		fprintf(f, "migrate: round %2u: sent %6llu pages (%6llu zero) %9llu bytes while the guest ran %9llu "
			"instructions; it dirtied %llu pages\n", i + 1, (unsigned long long)x->pages,
			(unsigned long long)x->zero_pages, (unsigned long long)x->bytes, (unsigned long long)x->insns,
			(unsigned long long)x->dirtied);
	}
	fprintf(f, "migrate: pre-copy ended: %s after %u round%s\n", mon_migrate_end_name(r->end), r->rounds,
		r->rounds == 1 ? "" : "s");
	fprintf(f, "migrate: stop and copy at icount %llu: %llu pages (%llu zero) + %llu bytes of CPU, device and "
		"shadow state = %llu bytes\n", (unsigned long long)r->stop_icount, (unsigned long long)r->final_pages,
		(unsigned long long)r->final_zero_pages, (unsigned long long)r->state_bytes,
		(unsigned long long)r->downtime_bytes);
	fprintf(f, "migrate: downtime %llu guest instructions (at the link rate)\n",
		(unsigned long long)r->downtime_insns);
	fprintf(f, "migrate: total %llu bytes, %llu pages sent (%u round%s + the stop and copy)\n",
		(unsigned long long)r->total_bytes, (unsigned long long)r->total_pages, r->rounds, r->rounds == 1 ? "" : "s");
}

void migrate_print_received(const struct mon_migrate_rx_stats *s, FILE *f)
{
	fprintf(f, "migrate: received %llu bytes: %llu pages (%llu zero) in %llu round(s) and the stop and copy, "
		"%llu bytes of state; guest memory checked against the sender's hash\n",
		(unsigned long long)s->bytes, (unsigned long long)s->pages, (unsigned long long)s->zero_pages,
		(unsigned long long)s->rounds, (unsigned long long)s->state_bytes);
}

/* Run to the end as vmlab run does; returns its exit status. */
int migrate_run_to_end(struct vm *vm, bool quiet)
{
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	fflush(stdout);
	tool_report_stop(vm);
	if (!quiet)
		mon_print_summary(vm, stderr);
	return mon_vm_stop(vm)->status;
}

/* Boot and run to icount `at` (or the guest's end). NULL on failure (message printed). */
static struct vm *boot_to(const struct mig_args *a)
{
	char err[MON_ERR_MAX];
	struct vm *vm = mon_vm_create(&a->cfg, 0, err, sizeof err);
	if (!vm) {
		fprintf(stderr, "vmlab migrate: %s\n", err);
		return NULL;
	}
	mon_vm_pause_at(vm, a->at);
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING)
		;
	mon_vm_pause_at(vm, UINT64_MAX);
	return vm;
}

static int feed(void *ctx, const void *buf, size_t len)
{
	char err[MON_ERR_MAX];
	if (mon_migrate_rx_feed(ctx, buf, len, err, sizeof err) < 0) {
		fprintf(stderr, "vmlab migrate: %s\n", err);
		return -1;
	}
	return 0;
}

/* Both ends here: src moves into a second VM object, which runs on. */
static int migrate_local(const struct mig_args *a)
{
	char err[MON_ERR_MAX];
	struct vm *src = boot_to(a);
	if (!src)
		return 1;
	struct vm *dst = mon_vm_create(&a->cfg, 0, err, sizeof err);
	struct mon_migrate_rx *rx = dst ? mon_migrate_rx_new(dst, err, sizeof err) : NULL;
	struct mon_migrate_report *rep = malloc(sizeof *rep);
	int status = 1;
	if (!dst || !rx || !rep) {
		fprintf(stderr, "vmlab migrate: %s\n", rep ? err : "out of memory");
	} else if (mon_migrate_send(src, &a->o, feed, rx, rep, err, sizeof err)) {
		fprintf(stderr, "vmlab migrate: %s\n", err);
	} else if (mon_migrate_rx_feed(rx, NULL, 0, err, sizeof err) != 1) {
		fprintf(stderr, "vmlab migrate: the destination did not receive a complete migration\n");
	} else {
		mon_vm_destroy(src); /* the sender's copy is stale from the pause on */
		src = NULL;
		migrate_print_report(&a->o, rep, stderr);
		migrate_print_received(mon_migrate_rx_stats(rx), stderr);
		status = migrate_run_to_end(dst, a->cfg.quiet);
	}
	free(rep);
	mon_migrate_rx_free(rx);
	if (dst)
		mon_vm_destroy(dst);
	if (src)
		mon_vm_destroy(src);
	return status;
}

int migrate_main(int argc, char **argv)
{
	struct mig_args a;
	int r = parse_args(&a, argc, argv);
	if (r)
		return r == 1 ? 0 : 2;
	if (a.listen) {
		char err[MON_ERR_MAX];
		struct vm *dst = mon_vm_create(&a.cfg, 0, err, sizeof err);
		if (!dst) {
			fprintf(stderr, "vmlab migrate: %s\n", err);
			return 1;
		}
		int status = migrate_net_receive(dst, a.listen) ? 1 : migrate_run_to_end(dst, a.cfg.quiet);
		mon_vm_destroy(dst);
		return status;
	}
	if (a.connect) {
		struct vm *src = boot_to(&a);
		if (!src)
			return 1;
		struct mon_migrate_report *rep = malloc(sizeof *rep);
		int rc = rep ? migrate_net_send(src, a.connect, &a.o, rep) : -1;
		fflush(stdout);
		if (!rc)
			migrate_print_report(&a.o, rep, stderr);
		free(rep);
		mon_vm_destroy(src);
		return rc ? 1 : 0;
	}
	return migrate_local(&a);
}
