/*
 * monitor/vmm/config.c — the VMM's default configuration, and a configuration
 * written back as the canonical option string that trace headers carry
 * (mon_config_options in monitor.h): the same run options always give the
 * same bytes, whatever their order or spelling on the command line.
 */
#include <stdarg.h>
#include <string.h>

#include "monitor/vmm/vm.h"

static const struct mon_cost default_cost = {
	.insn = 1, .tlb_hit = 0, .tlb_miss = 10, .walk_ref = 20, .exit = 500,
	.emulate = 100, .reflect = 200, .shadow_fill = 50, .pt_write = 150, .io = 200,
};

void mon_config_base_defaults(struct mon_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mem_size = 64ull << 20;
	cfg->trace_format = MON_TRACE_TEXT;
	cfg->trace_cats = MON_CAT_DEFAULT;
	cfg->seed = 1;
	cfg->tlb_sets = 16;
	cfg->tlb_ways = 4;
	cfg->tlb_policy = MON_TLB_LRU;
	cfg->mmu = MON_MMU_SHADOW;
	cfg->pit_scale = 100;
	cfg->cost = default_cost;
	cfg->max_insns = MON_MAX_INSNS_DEFAULT;
	cfg->max_output = MON_MAX_OUTPUT_DEFAULT;
}

/* The string being built; `full` once something did not fit. */
struct ostr {
	char *buf;
	size_t len, pos;
	bool full;
};

static void put(struct ostr *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct ostr *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->full = true;
		o->buf[o->pos] = 0;
		return;
	}
	o->pos += (size_t)n;
}

/* " --name" before an option's value (no blank before the first). */
static void opt(struct ostr *o, const char *name)
{
	put(o, "%s%s", o->pos ? " " : "", name);
}

/* A size the way people write it: 4M, 64K, or bytes. */
static void put_size(struct ostr *o, uint64_t v)
{
	if (v && !(v & ((1ull << 20) - 1)))
		put(o, " %lluM", (unsigned long long)(v >> 20));
	else if (v && !(v & ((1ull << 10) - 1)))
		put(o, " %lluK", (unsigned long long)(v >> 10));
	else
		put(o, " %llu", (unsigned long long)v);
}

/* A value as one shell word: quoted with '...' when it holds anything but
 * letters, digits and -_=:,./@+% (a ' inside becomes '\''). */
static void put_word(struct ostr *o, const char *s)
{
	bool plain = *s != 0;
	for (const char *c = s; *c && plain; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			strchr("-_=:,./@+%", *c);
	if (plain) {
		put(o, " %s", s);
		return;
	}
	put(o, " '");
	for (const char *c = s; *c; c++)
		put(o, *c == '\'' ? "'\\''" : "%c", *c);
	put(o, "'");
}

static void put_cats(struct ostr *o, uint32_t cats)
{
	if (cats == MON_CAT_ALL) {
		put(o, " all");
		return;
	}
	const char *sep = " ";
	for (unsigned i = 0; i < 32; i++)
		if (cats & (1u << i)) {
			put(o, "%s%s", sep, mon_trace_cat_name(1u << i));
			sep = ",";
		}
}

static void put_cost(struct ostr *o, const struct mon_cost *c)
{
	const char *sep = " ";
	for (unsigned t = 0; t < MON_COST_TERMS; t++) {
		uint32_t v = mon_cost_price(c, (enum mon_cost_term)t);
		if (v != mon_cost_price(&default_cost, (enum mon_cost_term)t)) {
			put(o, "%s%s=%u", sep, mon_cost_name((enum mon_cost_term)t), v);
			sep = ",";
		}
	}
}

static void put_trace_after(struct ostr *o, const char *s)
{
	struct mon_trace_after a;
	char err[MON_ERR_MAX];
	if (mon_trace_after_parse(s, &a, err, sizeof err)) { /* the CLI refuses it first */
		put_word(o, s);
		return;
	}
	put(o, " %s", a.kind);
	if (a.who[0])
		put(o, "@%s", a.who);
	if (a.nth != 1)
		put(o, "#%llu", (unsigned long long)a.nth);
}

bool mon_config_options(const struct mon_config *cfg, char *buf, size_t len)
{
	static const char *const mmu_names[] = { "shadow", "swtlb", "nested" };
	static const char *const policy_names[] = { "lru", "fifo", "random", "clock" };
	struct mon_config d;
	mon_config_base_defaults(&d);
	struct ostr o = { buf, len, 0, len == 0 };
	if (len)
		buf[0] = 0;
	if (cfg->mem_size != d.mem_size)
		opt(&o, "--mem"), put_size(&o, cfg->mem_size);
	if (cfg->cmdline[0])
		opt(&o, "--cmdline"), put_word(&o, cfg->cmdline);
	if (cfg->bare_core)
		opt(&o, "--bare-core");
	if (cfg->mmu != d.mmu && (unsigned)cfg->mmu < 3)
		opt(&o, "--mmu"), put(&o, " %s", mmu_names[cfg->mmu]);
	if (cfg->paravirt)
		opt(&o, "--paravirt");
	if (cfg->strict_x86)
		opt(&o, "--strict-x86");
	if (cfg->tlb_sets != d.tlb_sets || cfg->tlb_ways != d.tlb_ways)
		opt(&o, "--tlb"), put(&o, " %ux%u", cfg->tlb_sets, cfg->tlb_ways);
	if (cfg->tlb_policy != d.tlb_policy && (unsigned)cfg->tlb_policy < 4)
		opt(&o, "--tlb-policy"), put(&o, " %s", policy_names[cfg->tlb_policy]);
	if (cfg->shadow_pool)
		opt(&o, "--shadow-pool"), put_size(&o, cfg->shadow_pool);
	if (cfg->machine_mem)
		opt(&o, "--machine-mem"), put_size(&o, cfg->machine_mem);
	if (cfg->balloon)
		opt(&o, "--balloon");
	if (cfg->share_pages)
		opt(&o, "--share-pages");
	if (cfg->pit_scale != d.pit_scale)
		opt(&o, "--pit-scale"), put(&o, " %llu", (unsigned long long)cfg->pit_scale);
	if (memcmp(&cfg->cost, &d.cost, sizeof d.cost))
		opt(&o, "--cost"), put_cost(&o, &cfg->cost);
	if (cfg->max_insns != d.max_insns)
		opt(&o, "--max-insns"), put(&o, " %llu", (unsigned long long)cfg->max_insns);
	if (cfg->max_output != d.max_output)
		opt(&o, "--max-output"), put_size(&o, cfg->max_output);
	if (cfg->trace_cats != d.trace_cats)
		opt(&o, "--trace-categories"), put_cats(&o, cfg->trace_cats);
	if (cfg->trace_from)
		opt(&o, "--trace-from"), put(&o, " %llu", (unsigned long long)cfg->trace_from);
	if (cfg->trace_limit)
		opt(&o, "--trace-limit"), put(&o, " %llu", (unsigned long long)cfg->trace_limit);
	if (cfg->trace_after)
		opt(&o, "--trace-after"), put_trace_after(&o, cfg->trace_after);
	return !o.full;
}
