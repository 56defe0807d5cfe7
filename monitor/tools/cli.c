/*
 * monitor/tools/cli.c — `vmlab run` options: defaults, parsing, help text.
 *
 * Every option accepts `--opt VALUE` and `--opt=VALUE`. A bad value is
 * reported as one line naming the option and the value; the caller exits 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/tools/tools.h"
#include "monitor/vmm/monitor.h"
#include "tlb/tlb.h"

/* SIMPLIFICATION: at most 1 GiB of guest RAM: the pmap hands every PA page its
 * machine frame eagerly (zeroed), so --mem is real host memory. */
#define MAX_MEM (1ull << 30)

void mon_config_defaults(struct mon_config *cfg)
{
	mon_config_base_defaults(cfg);
	tool_default_image(TOOL_KERNEL_REL, cfg->default_kernel);
	tool_default_image(TOOL_INITRD_REL, cfg->default_initrd);
	cfg->kernel = cfg->default_kernel;
	cfg->modules[0] = cfg->default_initrd;
	cfg->nmodules = 1;
}

bool mon_parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool mon_parse_size(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	unsigned shift = 0;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return false;
		}
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
		if (*end)
			return false;
	}
	if (shift && v > (~0ull >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Category names, in bit order (enum mon_cat). */
static const char *const cat_names[] = {
	"insn", "tlb", "shadow", "exit", "irq", "io", "syscall", "fault", "pt", "vm", "disk",
};

/* Parse "tlb,shadow" or "all" or "default" into a mask. */
static bool parse_cats(const char *s, uint32_t *mask, char *bad, size_t badlen)
{
	uint32_t m = 0;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;
		if (n == 3 && !strncmp(p, "all", 3)) {
			m |= MON_CAT_ALL;
			found = true;
		} else if (n == 7 && !strncmp(p, "default", 7)) {
			m |= MON_CAT_DEFAULT;
			found = true;
		}
		for (unsigned i = 0; !found && i < sizeof cat_names / sizeof cat_names[0]; i++)
			if (strlen(cat_names[i]) == n && !strncmp(p, cat_names[i], n)) {
				m |= 1u << i;
				found = true;
			}
		if (!found) {
			snprintf(bad, badlen, "%.*s", (int)(n > 40 ? 40 : n), p);
			return false;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!m) {
		snprintf(bad, badlen, "(empty)");
		return false;
	}
	*mask = m;
	return true;
}

/* Parse "16x4": both powers of two, sets 1..4096, ways 1..64. */
static bool parse_tlb_geometry(const char *s, unsigned *sets, unsigned *ways)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(s, &end, 10);
	if (errno || end == s || (*end != 'x' && *end != 'X'))
		return false;
	const char *w = end + 1;
	unsigned long b = strtoul(w, &end, 10);
	if (errno || end == w || *end)
		return false;
	if (a < 1 || a > 4096 || (a & (a - 1)) || b < 1 || b > 64)
		return false;
	*sets = (unsigned)a;
	*ways = (unsigned)b;
	return true;
}

/* Parse "exit=300,walk_ref=10" into cfg->cost. */
static bool parse_cost(const char *s, struct mon_cost *c, char *bad, size_t badlen)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t v;
		if (!eq) {
			snprintf(bad, badlen, "%.40s", tok);
			return false;
		}
		*eq = 0;
		if (!mon_parse_u64(eq + 1, &v) || v > 1000000 || !mon_cost_set(c, tok, (uint32_t)v)) {
			*eq = '=';
			snprintf(bad, badlen, "%.40s", tok);
			return false;
		}
	}
	return true;
}

/*
 * One handler per option that takes a value: parse `val` into cfg, or write
 * one line naming the problem into err and return -1. A handler returning
 * -2 means "bad value" (the generic message is written by the caller).
 */
typedef int (*opt_fn)(struct mon_config *cfg, const char *val, char *err, size_t errlen);

static int opt_kernel(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	cfg->kernel = val;
	return *val ? 0 : -2;
}

static int opt_module(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	if (!*val)
		return -2;
	if (!cfg->modules_given) { /* the first --module replaces the default initrd */
		cfg->nmodules = 0;
		cfg->modules_given = true;
	}
	if (cfg->nmodules >= MON_MAX_MODULES) {
		seterr(err, errlen, "too many --module options (at most %d)", MON_MAX_MODULES);
		return -1;
	}
	cfg->modules[cfg->nmodules++] = val;
	return 0;
}

static int opt_mem(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	uint64_t v;
	/* Below 1M is the firmware's; whether the kernel and modules fit is checked
	 * when they are loaded (mon_vm_create), with the minimum they need. */
	if (!mon_parse_size(val, &v) || v < (1ull << 20) || v > MAX_MEM || (v & (PAGE_SIZE - 1))) {
		seterr(err, errlen, "bad --mem '%s' (want a page multiple from 1M to 1G, e.g. 16M; the guest "
				    "kernel needs about 2.5M, the demos 4M)", val);
		return -1;
	}
	cfg->mem_size = v;
	return 0;
}

static int opt_cmdline(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	if (strlen(val) >= MON_CMDLINE_MAX) {
		seterr(err, errlen, "--cmdline longer than %d bytes", MON_CMDLINE_MAX - 1);
		return -1;
	}
	snprintf(cfg->cmdline, sizeof cfg->cmdline, "%s", val);
	return 0;
}

static int opt_trace(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	cfg->trace_file = val;
	return *val ? 0 : -2;
}

static int opt_stats_json(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	cfg->stats_json = val;
	return *val ? 0 : -2;
}

static int opt_trace_format(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	if (!strcmp(val, "text"))
		cfg->trace_format = MON_TRACE_TEXT;
	else if (!strcmp(val, "jsonl"))
		cfg->trace_format = MON_TRACE_JSONL;
	else
		return -2;
	return 0;
}

static int opt_trace_categories(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	char bad[64];
	if (parse_cats(val, &cfg->trace_cats, bad, sizeof bad))
		return 0;
	seterr(err, errlen, "bad --trace-categories: unknown category '%s' (know: insn tlb shadow exit irq io "
			    "syscall fault pt vm disk all)", bad);
	return -1;
}

static int opt_trace_after(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	struct mon_trace_after a;
	if (mon_trace_after_parse(val, &a, err, errlen))
		return -1;
	cfg->trace_after = val;
	return 0;
}

static int opt_trace_from(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return mon_parse_u64(val, &cfg->trace_from) ? 0 : -2;
}

static int opt_trace_limit(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return mon_parse_u64(val, &cfg->trace_limit) ? 0 : -2;
}

static int opt_seed(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return mon_parse_u64(val, &cfg->seed) ? 0 : -2;
}

static int opt_max_insns(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	return mon_parse_u64(val, &cfg->max_insns) ? 0 : -2;
}

static int opt_tlb(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	if (parse_tlb_geometry(val, &cfg->tlb_sets, &cfg->tlb_ways)) {
		if (cfg->tlb_ways >= tlb_min_ways(cfg->tlb_sets))
			return 0;
		seterr(err, errlen, "--tlb %s has too few ways: one instruction can need %u translations in one "
		       "set at once; use at least %ux%u", val, tlb_min_ways(cfg->tlb_sets), cfg->tlb_sets,
		       tlb_min_ways(cfg->tlb_sets));
		return -1;
	}
	seterr(err, errlen, "bad --tlb '%s' (want SETSxWAYS, sets a power of two up to 4096, ways 1..64)", val);
	return -1;
}

static int opt_tlb_policy(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	if (!strcmp(val, "lru"))
		cfg->tlb_policy = MON_TLB_LRU;
	else if (!strcmp(val, "fifo"))
		cfg->tlb_policy = MON_TLB_FIFO;
	else if (!strcmp(val, "random"))
		cfg->tlb_policy = MON_TLB_RANDOM;
	else if (!strcmp(val, "clock"))
		cfg->tlb_policy = MON_TLB_CLOCK;
	else
		return -2;
	return 0;
}

static int opt_pit_scale(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	uint64_t v;
	if (!mon_parse_u64(val, &v) || v < 1 || v > 100000) {
		seterr(err, errlen, "bad --pit-scale '%s' (want 1..100000 guest instructions per PIT clock)", val);
		return -1;
	}
	cfg->pit_scale = v;
	return 0;
}

static int opt_max_output(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	uint64_t v;
	if (!mon_parse_size(val, &v) || v == 0 || v > MAX_MEM) {
		seterr(err, errlen, "bad --max-output '%s' (want a size from 1 to 1G, e.g. 64K)", val);
		return -1;
	}
	cfg->max_output = v;
	return 0;
}

static int opt_machine_mem(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	uint64_t v;
	if (!mon_parse_size(val, &v) || v < (64ull << 10) || v > MAX_MEM || (v & (PAGE_SIZE - 1))) {
		seterr(err, errlen, "bad --machine-mem '%s' (want a page multiple from 64K to 1G)", val);
		return -1;
	}
	cfg->machine_mem = v;
	return 0;
}

static int opt_shadow_pool(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	uint64_t v;
	if (!mon_parse_size(val, &v) || v < (32ull << 10) || v > MAX_MEM || (v & (PAGE_SIZE - 1))) {
		seterr(err, errlen, "bad --shadow-pool '%s' (want a page multiple from 32K to 1G)", val);
		return -1;
	}
	cfg->shadow_pool = v;
	return 0;
}

static int opt_cost(struct mon_config *cfg, const char *val, char *err, size_t errlen)
{
	char bad[64];
	if (parse_cost(val, &cfg->cost, bad, sizeof bad))
		return 0;
	seterr(err, errlen, "bad --cost entry '%s' (want name=N, names as in docs/cost-model.md)", bad);
	return -1;
}

/* The options that take a value (--mmu is modes.c's). */
static const struct {
	const char *name;
	opt_fn fn;
} value_opts[] = {
	{ "--kernel", opt_kernel },
	{ "--module", opt_module },
	{ "--mem", opt_mem },
	{ "--cmdline", opt_cmdline },
	{ "--trace", opt_trace },
	{ "--stats-json", opt_stats_json },
	{ "--trace-format", opt_trace_format },
	{ "--trace-categories", opt_trace_categories },
	{ "--trace-from", opt_trace_from },
	{ "--trace-limit", opt_trace_limit },
	{ "--trace-after", opt_trace_after },
	{ "--seed", opt_seed },
	{ "--tlb", opt_tlb },
	{ "--tlb-policy", opt_tlb_policy },
	{ "--max-insns", opt_max_insns },
	{ "--max-output", opt_max_output },
	{ "--cost", opt_cost },
	{ "--pit-scale", opt_pit_scale },
	{ "--shadow-pool", opt_shadow_pool },
	{ "--machine-mem", opt_machine_mem },
};
#define NVALUE_OPTS (sizeof value_opts / sizeof value_opts[0])

/* The flags (no value). */
static bool parse_flag(struct mon_config *cfg, const char *arg)
{
	if (!strcmp(arg, "--quiet"))
		cfg->quiet = true;
	else if (!strcmp(arg, "--bare-core"))
		cfg->bare_core = true;
	else if (!strcmp(arg, "--check-isolation"))
		cfg->check_isolation = true;
	else if (!strcmp(arg, "--no-fast-tlb"))
		cfg->no_fast_tlb = true;
	else if (!strcmp(arg, "--balloon"))
		cfg->balloon = true;
	else if (!strcmp(arg, "--share-pages"))
		cfg->share_pages = true;
	else
		return false;
	return true;
}

int mon_cli_parse_option(struct mon_config *cfg, int argc, char **argv, int *i,
			 char *err, size_t errlen)
{
	const char *arg = argv[*i];
	if (strncmp(arg, "--", 2))
		return 0;
	int mode_opt = mon_modes_parse_option(cfg, argc, argv, i, err, errlen); /* --mmu, --paravirt, --strict-x86 */
	if (mode_opt)
		return mode_opt;
	if (parse_flag(cfg, arg))
		return 1;
	size_t nlen = strcspn(arg, "=");
	unsigned k;
	for (k = 0; k < NVALUE_OPTS; k++)
		if (strlen(value_opts[k].name) == nlen && !strncmp(arg, value_opts[k].name, nlen))
			break;
	if (k == NVALUE_OPTS)
		return 0;
	const char *name = value_opts[k].name, *val;
	if (arg[nlen] == '=') {
		val = arg + nlen + 1;
	} else if (*i + 1 < argc) {
		val = argv[++*i];
	} else {
		seterr(err, errlen, "option %s needs a value", name);
		return -1;
	}
	int r = value_opts[k].fn(cfg, val, err, errlen);
	if (r == -2)
		seterr(err, errlen, "bad value '%s' for %s", val, name);
	return r < 0 ? -1 : 1;
}

/* The trace's event kinds (what --trace-after takes), wrapped at 80 columns. */
static void print_kinds(FILE *f)
{
	char list[512];
	mon_trace_kinds(list, sizeof list);
	fputs("Trace events (KIND of --trace-after, \"kind\" in JSON Lines):\n ", f);
	unsigned col = 1;
	for (char *save = NULL, *k = strtok_r(list, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		if (col + 1 + strlen(k) > 80) {
			fputs("\n ", f);
			col = 1;
		}
		col += (unsigned)fprintf(f, " %s", k);
	}
	fputc('\n', f);
}

void mon_cli_print_run_options(FILE *f)
{
	fputs("Options:\n"
	      "  --kernel FILE            guest kernel ELF64 (default " TOOL_KERNEL_REL " beside the\n"
	      "                           vmlab program, or PREFIX/share/vmlab/" TOOL_KERNEL_REL "\n"
	      "                           for PREFIX/bin/vmlab)\n"
	      "  --module FILE            boot module, repeatable (default " TOOL_INITRD_REL ", found\n"
	      "                           the same way)\n"
	      "  --mem SIZE               guest RAM, e.g. 16M (default 64M, as the QEMU runs; at most 1G;\n"
	      "                           the kernel and its modules need about 2.5M, every demo runs in 4M)\n"
	      "  --cmdline STR            kernel command line (boot_info.cmdline)\n"
	      "  --trace FILE             write the trace to FILE\n"
	      "  --trace-format FMT       text (default) or jsonl\n"
	      "  --trace-categories LIST  comma list of insn,tlb,shadow,exit,irq,io,syscall,fault,pt,vm,disk,\n"
	      "                           all, default (= all but insn)\n"
	      "  --trace-from N           trace only from instruction count N\n"
	      "  --trace-limit N          write at most N trace events\n"
	      "  --trace-after KIND[@WHO][#N]  start the trace file at the Nth (default first) event\n"
	      "                           of KIND (below; tlb-miss = tlb_miss) while WHO (app,\n"
	      "                           app:NAME, kernel) runs\n"
	      "  --seed N                 seed for the pmap and random TLB replacement (default 1)\n"
	      "  --tlb SETSxWAYS          simulated TLB geometry (default 16x4; at least 3 ways, 6 with 1 set;\n"
	      "                           one more with --mmu swtlb)\n"
	      "  --tlb-policy P           lru (default), fifo, random or clock\n"
	      "  --max-insns N            stop cleanly after N guest instructions and VM exits together\n"
	      "                           (default 10000000000; 0: no limit)\n"
	      "  --max-output SIZE        stop cleanly when the guest has printed SIZE bytes on the\n"
	      "                           serial port (default 16M)\n"
	      "  --pit-scale N            guest instructions per 8254 input clock (default 100:\n"
	      "                           a 100 Hz timer ticks every 1193100 instructions)\n"
	      "  --cost name=N,...        change the cost model (docs/cost-model.md)\n"
	      "  --quiet                  no end-of-run summary\n"
	      "  --stats-json FILE        also write the summary to FILE as JSON (the same fields;\n"
	      "                           vmlab run only; with --vm: one object, \"host\" with the\n"
	      "                           VMs' \"totals\" and \"vms\", each VM's summary)\n"
	      "  --shadow-pool SIZE       machine memory for shadow tables (default mem/4, at least 4M);\n"
	      "                           when it runs out all shadow state is dropped and refilled\n"
	      "  --machine-mem SIZE       machine frames the guest's pages may hold; less than --mem\n"
	      "                           overcommits: the monitor pages guest pages out to a host\n"
	      "                           swap area, FIFO (--mmu=shadow; docs/overcommit.md); with\n"
	      "                           --vm: all VMs' pages together, one FIFO over them all\n"
	      "  --balloon                with --machine-mem and --paravirt: ask guestos's balloon\n"
	      "                           driver to give back the frames the machine lacks\n"
	      "  --share-pages            with --machine-mem: identical guest pages share one\n"
	      "                           read-only frame, copied on the first write\n"
	      "  --bare-core              no monitor: the guest at real CPL 0 on the bare core\n"
	      "                           (paging and IDT in the core; the bench baseline)\n"
	      "  --check-isolation        verify after every exit that no shadow/TLB entry points\n"
	      "                           outside this VM's frames (slow; for tests)\n"
	      "  --no-fast-tlb            the core's host-side translation cache off: every access\n"
	      "                           asks the MMU (slow; statistics must not change; for tests)\n",
	      f);
	mon_modes_print_options(f);
	print_kinds(f);
}
