/*
 * monitor/tools/vmspec.c — one VM of a multi-VM run: `--vm KEY=VALUE,...`
 * (and the lines of a --vm-file), parsed into the VM's own mon_config on
 * top of the run's options (docs/multi-vm.md lists the keys).
 *
 * The VM's keys are name, share and serial; the others are the `vmlab run`
 * options that describe one VM, without their dashes (mem=8M, cmdline=...,
 * paravirt), parsed by mon_cli_parse_option itself so a key means exactly
 * what its option means. Options of the whole machine (the TLB, the seed)
 * are refused as keys. A value holding commas is quoted: cmdline="run=a,b"
 * (next_item).
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/tools/multivm.h"

/* Run options a VM may set for itself (as keys, without the dashes). */
static const char *const vm_option_keys[] = {
	"kernel", "module", "mem", "cmdline", "trace", "trace-format", "trace-categories", "trace-from",
	"trace-limit", "trace-after", "max-insns", "max-output", "pit-scale", "cost", "shadow-pool",
	"mmu", "paravirt", "strict-x86", "check-isolation",
};
#define NKEYS (sizeof vm_option_keys / sizeof vm_option_keys[0])
/* Run options of the whole machine: given once, outside --vm. */
static const char *const host_option_keys[] = {
	"seed", "tlb", "tlb-policy", "quiet", "stats-json", "bare-core", "no-fast-tlb", "machine-mem", "balloon",
	"share-pages",
};
#define NHOST_KEYS (sizeof host_option_keys / sizeof host_option_keys[0])

static bool in_list(const char *const *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], key))
			return true;
	return false;
}

bool tool_vm_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n >= MON_VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", s[i]))
			return false;
	return true;
}

/* "--vm 2", or "FILE:LINE" of a --vm-file, and the name if it has one. */
static void label(const struct tool_vmspec *v, char *buf, size_t len)
{
	if (v->cfg.name[0])
		snprintf(buf, len, "%s (%s)", v->where, v->cfg.name);
	else
		snprintf(buf, len, "%s", v->where);
}

/* One KEY[=VALUE] of the spec. 0, or -1 with err. */
static int parse_key(struct tool_vmspec *v, char *key, char *val, char *err, size_t errlen)
{
	char where[MON_PATH_MAX + 64];
	label(v, where, sizeof where);
	if (!strcmp(key, "name")) {
		if (!val || !tool_vm_name_ok(val)) {
			snprintf(err, errlen, "%s: bad name '%s' (1 to %d letters, digits, '-', '_' or '.')", where,
				 val ? val : "", MON_VM_NAME_MAX - 1);
			return -1;
		}
		snprintf(v->cfg.name, sizeof v->cfg.name, "%s", val);
		return 0;
	}
	if (!strcmp(key, "share")) {
		uint64_t n;
		if (!val || !mon_parse_u64(val, &n) || n < 1 || n > MON_SCHED_SHARE_MAX) {
			snprintf(err, errlen, "%s: bad share '%s' (want 1 to %u)", where, val ? val : "",
				 MON_SCHED_SHARE_MAX);
			return -1;
		}
		v->share = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "serial")) {
		if (!val || !*val) {
			snprintf(err, errlen, "%s: key serial needs a file name", where);
			return -1;
		}
		v->serial = val;
		return 0;
	}
	if (in_list(host_option_keys, NHOST_KEYS, key)) {
		snprintf(err, errlen, "%s: '%s' is an option of the whole machine: give --%s outside --vm", where, key,
			 key);
		return -1;
	}
	if (!in_list(vm_option_keys, NKEYS, key)) {
		char keys[512] = "name share serial";
		for (size_t k = 0; k < NKEYS; k++)
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys), " %s", vm_option_keys[k]);
		snprintf(err, errlen, "%s: unknown key '%s' (keys: %s)", where, key, keys);
		return -1;
	}
	/* the run option itself, "--key=value" or the flag "--key", in a word the
	 * spec keeps (the config may point into it: kernel, module, trace) */
	if (v->nwords == TOOL_VMSPEC_KEYS_MAX) {
		snprintf(err, errlen, "%s: more than %d keys", where, TOOL_VMSPEC_KEYS_MAX);
		return -1;
	}
	size_t len = strlen(key) + (val ? strlen(val) + 1 : 0) + 3;
	char *word = malloc(len);
	if (!word) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(word, len, "--%s%s%s", key, val ? "=" : "", val ? val : "");
	v->words[v->nwords++] = word;
	char *argv[] = { word, NULL };
	int i = 0;
	char why[MON_ERR_MAX];
	int r = mon_cli_parse_option(&v->cfg, 1, argv, &i, why, sizeof why);
	if (r == 0 && val) {
		snprintf(err, errlen, "%s: key %s takes no value", where, key);
		return -1;
	}
	if (r <= 0) {
		snprintf(err, errlen, "%s: %s", where, r ? why : "bad key");
		return -1;
	}
	return 0;
}

/*
 * The next KEY[=VALUE] of the spec at *p, cut in place (*val NULL: no '=').
 * Items end at a comma; a value in double or single quotes may hold commas
 * (cmdline="run=hello,pingpong"): the quotes go, what is between them stays
 * as it is. 1: an item (*key may be "" for an empty item), 0: none left,
 * -1: a quote is not closed or text follows the closing quote.
 */
static int next_item(char **p, char **key, char **val)
{
	char *s = *p;
	if (!s)
		return 0;
	*key = s;
	*val = NULL;
	size_t k = strcspn(s, "=,");
	if (s[k] != '=') { /* a flag, or an empty item */
		*p = s[k] ? s + k + 1 : NULL;
		s[k] = '\0';
		return 1;
	}
	s[k] = '\0';
	char *v = s + k + 1, q = *v;
	if (q != '"' && q != '\'') {
		size_t n = strcspn(v, ",");
		*val = v;
		*p = v[n] ? v + n + 1 : NULL;
		v[n] = '\0';
		return 1;
	}
	char *close = strchr(v + 1, q);
	if (!close || (close[1] && close[1] != ','))
		return -1;
	*val = v + 1;
	*p = close[1] ? close + 2 : NULL;
	*close = '\0';
	return 1;
}

int tool_vmspec_parse(struct tool_vmspec *v, const struct mon_config *base, const char *spec, const char *where,
		      char *err, size_t errlen)
{
	memset(v, 0, sizeof *v);
	v->cfg = *base;
	v->cfg.quiet = true;
	v->cfg.trace_file = NULL; /* --trace outside --vm is the run's one trace of every VM */
	v->cfg.modules_given = false; /* a module= key replaces the run's modules (not added to them) */
	v->share = 1;
	snprintf(v->where, sizeof v->where, "%s", where);
	v->text = strdup(spec);
	if (!v->text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!*spec) {
		snprintf(err, errlen, "%s: empty VM spec (want KEY=VALUE,..., e.g. name=a,cmdline=run=hello)", where);
		return -1;
	}
	char *key, *val;
	int r;
	for (char *p = v->text; (r = next_item(&p, &key, &val)) > 0;)
		if ((*key || val) && parse_key(v, key, val, err, errlen))
			return -1;
	if (r < 0)
		snprintf(err, errlen, "%s: a quoted value has no closing quote, or text follows it (want KEY=\"A,B\",...)",
			 where);
	return r;
}

void tool_vmspec_free(struct tool_vmspec *v)
{
	free(v->text);
	v->text = NULL;
	for (unsigned i = 0; i < v->nwords; i++)
		free(v->words[i]);
	v->nwords = 0;
}

/* Names (given or vmN), and the files the VMs write: all different. 0, or -1 with err. */
int tool_vmspecs_check(struct tool_vmspec *v, unsigned n, char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i++)
		if (!v[i].cfg.name[0])
			snprintf(v[i].cfg.name, sizeof v[i].cfg.name, "vm%u", i);
	for (unsigned i = 0; i < n; i++) {
		for (unsigned k = 0; k < i; k++) {
			if (!strcmp(v[i].cfg.name, v[k].cfg.name)) {
				snprintf(err, errlen, "%s: duplicate name '%s' (%s has it)", v[i].where, v[i].cfg.name,
					 v[k].where);
				return -1;
			}
			const char *fi[2] = { v[i].serial, v[i].cfg.trace_file }, *fk[2] = { v[k].serial, v[k].cfg.trace_file };
			for (unsigned a = 0; a < 2; a++)
				for (unsigned b = 0; b < 2; b++)
					if (fi[a] && fk[b] && !strcmp(fi[a], fk[b])) {
						snprintf(err, errlen, "%s and %s both write %s", v[k].where, v[i].where,
							 fi[a]);
						return -1;
					}
		}
	}
	return 0;
}

/* The lines of a --vm-file: one spec a line; blank lines and # comments skipped. */
static int load_file(const struct mon_config *base, const char *path, struct tool_vmspec *out, unsigned *n,
		     char *err, size_t errlen)
{
	size_t len;
	char why[MON_ERR_MAX];
	uint8_t *buf = con_file_read(path, &len, why, sizeof why);
	if (!buf) {
		snprintf(err, errlen, "--vm-file: %s", why);
		return -1;
	}
	char *text = malloc(len + 1); /* NUL-terminated lines */
	if (text) {
		memcpy(text, buf, len);
		text[len] = '\0';
	}
	free(buf);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	unsigned lineno = 0;
	for (size_t at = 0; at < len && !rc;) {
		size_t end = at;
		while (end < len && text[end] != '\n')
			end++;
		text[end] = '\0';
		lineno++;
		char *line = text + at;
		at = end + 1;
		line += strspn(line, " \t");
		size_t l = strlen(line);
		while (l && strchr(" \t\r", line[l - 1]))
			line[--l] = '\0';
		if (!l || *line == '#')
			continue;
		if (*n == MON_HOST_VMS_MAX) {
			snprintf(err, errlen, "%s:%u: more than %u VMs", path, lineno, MON_HOST_VMS_MAX);
			rc = -1;
			break;
		}
		char where[MON_PATH_MAX + 16];
		snprintf(where, sizeof where, "%s:%u", path, lineno);
		rc = tool_vmspec_parse(&out[*n], base, line, where, err, errlen);
		++*n; /* parsed or not, it holds memory to free */
	}
	free(text);
	return rc;
}

int tool_vmspecs_load(const struct mon_config *base, char *const *specs, unsigned nspecs, const char *file,
		      struct tool_vmspec *out, unsigned *n, char *err, size_t errlen)
{
	*n = 0;
	for (unsigned i = 0; i < nspecs; i++) {
		if (*n == MON_HOST_VMS_MAX) {
			snprintf(err, errlen, "more than %u VMs", MON_HOST_VMS_MAX);
			return -1;
		}
		char where[32];
		snprintf(where, sizeof where, "--vm %u", i + 1);
		if (tool_vmspec_parse(&out[(*n)++], base, specs[i], where, err, errlen))
			return -1;
	}
	if (file && load_file(base, file, out, n, err, errlen))
		return -1;
	if (!*n) {
		snprintf(err, errlen, "--vm-file %s names no VM", file);
		return -1;
	}
	return tool_vmspecs_check(out, *n, err, errlen);
}
