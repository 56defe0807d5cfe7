/*
 * monitor/tools/tracediff.c — `vmlab trace-diff EXPECTED ACTUAL [--ignore FIELD]... [--context N]`
 *
 * Compares two traces event by event and prints the first difference with
 * N events of context. Each file is text or JSON Lines, detected from its
 * first non-blank line ('[' or '{'); blank lines are skipped. Fields are
 * those of con_event_parse_text/_json (console.h): icount, vm, who, text for
 * text traces, every key for JSONL (the monitor writes icount, vm, who, cat,
 * kind, text, va, pa, ma, set, way, value). Comparing a text trace with a
 * JSONL one compares only the fields both events have.
 *
 * --ignore FIELD drops a field from the comparison ("event" is another name
 * for "text"). It also blanks, inside the event text, the value after a word
 * equal to FIELD ignoring case: `--ignore ma` hides "MA 0x1a7000" in text
 * traces too, `--ignore way` hides "way 2", `--ignore seed` hides "seed 1".
 * Event texts are compared with runs of blanks collapsed.
 *
 * Header lines (how each trace was made: version, seed, images, options;
 * monitor/vmm/monitor.h, mon_trace_meta_format) are not events. When both
 * traces have one and they differ, one line first names the differing fields
 * ("note: the traces were made differently: ..."); `--ignore meta` leaves the
 * headers out, `--ignore meta.FIELD` one field (`--ignore seed` covers the
 * header's seed too). With --require-same-options, different options or
 * seeds (or a missing header) are an error: exit 3, no events compared.
 * Other lines starting with '#' are comments.
 *
 * The files are read in lockstep, so a malformed line after the first
 * difference is not reported. Exit: 0 equal, 1 different, 2 bad input,
 * 3 made with different options (--require-same-options).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "monitor/console/console.h"

#define TD_MAX_IGNORE 64
#define TD_MAX_CONTEXT 100000
#define TD_DEFAULT_CONTEXT 3
#define TD_MAX_LINE (1u << 20) /* a trace line is < 1 KiB; a longer one is hostile or broken */

enum td_fmt { TD_UNKNOWN, TD_TEXT, TD_JSONL };

struct td_opts {
	const char *files[2];
	bool require_same; /* --require-same-options */
	char *ignore[TD_MAX_IGNORE]; /* owned copies */
	int nignore;
	long context;
};

/* One input trace, read a line at a time. */
struct td_file {
	const char *name;
	FILE *fp;
	enum td_fmt fmt;
	size_t lineno;  /* of the last line read */
	size_t nevents; /* events read so far */
	bool started;   /* a non-blank line was read (a header must be the first) */
	bool has_meta;
	struct con_event meta; /* the header's fields */
	char *buf;
	size_t cap;
	char err[200];
};

/* A line kept for context. */
struct td_line {
	size_t event;
	char *text;
};

/* What --ignore takes: the fields vmlab's traces have ("event" = "text"), and
 * words of the event text whose value varies between runs (matched ignoring
 * case: "seed" blanks "seed 1"; va, pa, ma, set and way blank theirs too). */
static const char *const td_fields[] = {
	"icount", "vm", "who", "cat", "kind", "text", "event", "va", "pa", "ma", "set", "way", "value",
	"seed", "rip", "err", "vector", "lba",
	"meta", "meta.version", "meta.seed", "meta.kernel", "meta.modules", "meta.options",
};
#define TD_NFIELDS (sizeof td_fields / sizeof td_fields[0])
#define TD_FIELD_LIST "icount vm who cat kind text event va pa ma set way value seed rip err vector lba " \
	"meta meta.version meta.seed meta.kernel meta.modules meta.options"

static int usage(const char *why)
{
	if (why) {
		fprintf(stderr, "vmlab trace-diff: %s\n", why);
		return 2;
	}
	fputs("usage: vmlab trace-diff EXPECTED ACTUAL [--ignore FIELD[,FIELD...]]... [--context N]\n"
	      "                        [--require-same-options]\n"
	      "  --ignore FIELD  leave FIELD out of the comparison, and blank the value after the word\n"
	      "                  FIELD inside event texts (--ignore ma hides \"MA 0x1a7000\"); meta is\n"
	      "                  the header line (how the trace was made), meta.F one of its fields.\n"
	      "                  Fields: " TD_FIELD_LIST "\n"
	      "  --context N     events of context around the first difference (default 3)\n"
	      "  --require-same-options  traces whose headers name different options or seeds (or\n"
	      "                  that have no header) are an error: exit 3, no events compared\n"
	      "Two headers that differ are named on one line before the comparison.\n"
	      "Exit status: 0 equal, 1 different, 2 bad input, 3 made with different options.\n",
	      stdout);
	return 2;
}

static bool td_ignored(const struct td_opts *o, const char *field)
{
	for (int i = 0; i < o->nignore; i++)
		if (!strcmp(o->ignore[i], field) ||
		    (!strcmp(field, "text") && !strcmp(o->ignore[i], "event")))
			return true;
	return false;
}

/* Fields holding event text, where addresses are masked. */
static bool td_is_text(const char *key)
{
	return !strcmp(key, "text") || !strcmp(key, "event");
}

/* Add the comma-separated field names of list to the ignore set. */
static int add_ignore(struct td_opts *o, const char *list)
{
	while (*list) {
		size_t n = strcspn(list, ",");
		if (n) {
			unsigned k = 0;
			while (k < TD_NFIELDS && (strlen(td_fields[k]) != n || strncasecmp(td_fields[k], list, n)))
				k++;
			if (k == TD_NFIELDS) {
				fprintf(stderr, "vmlab trace-diff: --ignore: unknown field '%.*s' (fields: %s)\n",
					(int)(n > 40 ? 40 : n), list, TD_FIELD_LIST);
				return 2;
			}
			if (o->nignore == TD_MAX_IGNORE)
				return usage("too many --ignore fields");
			if (!(o->ignore[o->nignore] = strndup(list, n)))
				return usage("out of memory");
			o->nignore++;
		}
		list += n + (list[n] == ',');
	}
	return 0;
}

static int parse_context(struct td_opts *o, const char *s)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (!*s || *end || errno || n < 0 || n > TD_MAX_CONTEXT) {
		fprintf(stderr, "vmlab trace-diff: --context wants a number from 0 to %d, not '%s'\n",
			TD_MAX_CONTEXT, s);
		return 2;
	}
	o->context = n;
	return 0;
}

/* Parse argv into o. Returns 0, 2 after printing a usage error, or -1 for --help. */
static int td_parse_args(struct td_opts *o, int argc, char **argv)
{
	int nfiles = 0, rc = 0;
	bool opts = true;
	o->context = TD_DEFAULT_CONTEXT;
	for (int i = 1; i < argc && !rc; i++) {
		char *a = argv[i];
		if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			usage(NULL);
			return -1;
		} else if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && !strcmp(a, "--require-same-options")) {
			o->require_same = true;
		} else if (opts && (!strcmp(a, "--ignore") || !strcmp(a, "--context"))) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vmlab trace-diff: %s needs a value\n", a);
				return 2;
			}
			rc = a[2] == 'i' ? add_ignore(o, argv[++i]) : parse_context(o, argv[++i]);
		} else if (opts && !strncmp(a, "--ignore=", 9)) {
			rc = add_ignore(o, a + 9);
		} else if (opts && !strncmp(a, "--context=", 10)) {
			rc = parse_context(o, a + 10);
		} else if (opts && a[0] == '-' && a[1]) {
			fprintf(stderr, "vmlab trace-diff: unknown option '%s'\n", a);
			return usage(NULL), 2;
		} else if (nfiles == 2) {
			fprintf(stderr, "vmlab trace-diff: too many files ('%s')\n", a);
			return 2;
		} else {
			o->files[nfiles++] = a;
		}
	}
	if (!rc && nfiles != 2)
		return usage("need two trace files, EXPECTED and ACTUAL");
	if (!rc && o->require_same && td_ignored(o, "meta"))
		return usage("--require-same-options needs the header: it cannot go with --ignore meta");
	return rc;
}

static bool blank_line(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/*
 * Read one line (with its newline) into f->buf, at most TD_MAX_LINE bytes:
 * a hostile trace cannot make the host hold more. Returns its length, -1 at
 * end of file, -2 for an over-long line, -3 out of memory.
 */
static ssize_t td_read_line(struct td_file *f)
{
	if (!f->buf) {
		f->cap = TD_MAX_LINE + 2;
		if (!(f->buf = malloc(f->cap)))
			return -3;
	}
	size_t n = 0;
	int c = EOF;
	while (n <= TD_MAX_LINE && (c = getc(f->fp)) != EOF) {
		f->buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	f->buf[n] = 0;
	if (n > TD_MAX_LINE)
		return -2;
	return n == 0 && c == EOF ? -1 : (ssize_t)n;
}

/*
 * Read the next event of f into ev (its line stays in f->buf).
 * Returns 1, 0 at end of file, or -1 with f->err set (unreadable file,
 * malformed line, NUL byte).
 */
static int td_next(struct td_file *f, struct con_event *ev)
{
	for (;;) {
		errno = 0;
		ssize_t n = td_read_line(f);
		if (n == -2) {
			snprintf(f->err, sizeof f->err, "%s:%zu: more than %u bytes in one line",
				 f->name, f->lineno + 1, TD_MAX_LINE);
			return -1;
		}
		if (n < 0) {
			if (ferror(f->fp) || n == -3) {
				snprintf(f->err, sizeof f->err, "cannot read %s: %s", f->name,
					 strerror(errno ? errno : EIO));
				return -1;
			}
			return 0;
		}
		f->lineno++;
		if (memchr(f->buf, 0, (size_t)n)) {
			snprintf(f->err, sizeof f->err, "%s:%zu: malformed line: contains a NUL byte",
				 f->name, f->lineno);
			return -1;
		}
		while (n > 0 && (f->buf[n - 1] == '\n' || f->buf[n - 1] == '\r'))
			f->buf[--n] = 0;
		if (blank_line(f->buf))
			continue;
		bool first = !f->started;
		f->started = true;
		char why[160];
		struct con_event later = {0}; /* a header after the first line: a comment */
		int m = con_trace_meta_parse(first ? &f->meta : &later, f->buf, why, sizeof why);
		con_event_free(&later);
		if (m < 0) {
			snprintf(f->err, sizeof f->err, "%s:%zu: %s", f->name, f->lineno, why);
			return -1;
		}
		if (m > 0 || con_trace_comment(f->buf)) {
			f->has_meta |= first && m > 0;
			continue;
		}
		if (f->fmt == TD_UNKNOWN) {
			const char *p = f->buf + strspn(f->buf, " \t");
			f->fmt = *p == '{' ? TD_JSONL : TD_TEXT;
		}
		int rc = f->fmt == TD_JSONL ? con_event_parse_json(ev, f->buf, why, sizeof why)
					    : con_event_parse_text(ev, f->buf, why, sizeof why);
		if (rc) {
			snprintf(f->err, sizeof f->err, "%s:%zu: malformed %s line: %s", f->name, f->lineno,
				 f->fmt == TD_JSONL ? "JSONL" : "text trace", why);
			return -1;
		}
		f->nevents++;
		return 1;
	}
}

/* Does word w (length n) name an ignored field? ("cr3=PA" counts as "PA"; case does not matter.) */
static bool td_masks_next(const struct td_opts *o, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);
	if (eq) {
		n -= (size_t)(eq + 1 - w);
		w = eq + 1;
	}
	for (int i = 0; i < o->nignore; i++)
		if (strlen(o->ignore[i]) == n && !strncasecmp(o->ignore[i], w, n))
			return true;
	return false;
}

static bool hexish(char c)
{
	return c == 'x' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Event text normalised for comparison: blanks collapsed and trimmed, and the
 * value after a word naming an ignored field ("MA" for --ignore ma, "seed"
 * for --ignore seed) replaced by '*': the word's leading run of hex digits
 * goes ("0x5000:" -> "*:"). Returns a malloc'd string (NULL: out of memory).
 */
static char *td_mask(const struct td_opts *o, const char *s)
{
	char *out = malloc(strlen(s) + 1), *q = out;
	if (!out)
		return NULL;
	bool mask = false;
	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		size_t n = strcspn(s, " \t"), k = 0;
		if (q != out)
			*q++ = ' ';
		if (mask) {
			while (k < n && hexish(s[k]))
				k++;
			if (k)
				*q++ = '*';
		}
		memcpy(q, s + k, n - k);
		q += n - k;
		mask = td_masks_next(o, s, n);
		s += n;
	}
	*q = 0;
	return out;
}

/* Are the values of field key equal (after masking the event text)? */
static bool td_value_equal(const struct td_opts *o, const char *key, const char *a, const char *b)
{
	if (!td_is_text(key) || !strcmp(a, b))
		return !strcmp(a, b);
	char *ma = td_mask(o, a), *mb = td_mask(o, b);
	bool eq = ma && mb && !strcmp(ma, mb);
	free(ma);
	free(mb);
	return eq;
}

/*
 * The first field in which a and b differ, or NULL if they are equal.
 * With `both_only`, a field present in only one event is not a difference.
 */
static const char *td_first_diff(const struct td_opts *o, const struct con_event *a,
				 const struct con_event *b, bool both_only)
{
	for (size_t i = 0; i < a->nf; i++) {
		const char *k = a->f[i].key, *vb = con_event_get(b, k);
		if (td_ignored(o, k) || (!vb && both_only))
			continue;
		if (!vb || !td_value_equal(o, k, a->f[i].val, vb))
			return k;
	}
	for (size_t i = 0; i < b->nf && !both_only; i++)
		if (!td_ignored(o, b->f[i].key) && !con_event_get(a, b->f[i].key))
			return b->f[i].key;
	return NULL;
}

/* Print "field F: expected V, actual W" (with the first differing word for event text). */
static void td_print_field(const char *k, const struct con_event *a, const struct con_event *b)
{
	const char *va = con_event_get(a, k), *vb = con_event_get(b, k);
	if (!va || !vb) {
		printf("  field '%s': only in %s (\"%s\")\n", k, va ? "EXPECTED" : "ACTUAL", va ? va : vb);
		return;
	}
	if (td_is_text(k)) {
		size_t w = 1, i = 0;
		while (va[i] && va[i] == vb[i]) {
			if (va[i] == ' ')
				w++;
			i++;
		}
		while (i > 0 && va[i - 1] != ' ')
			i--;
		printf("  field '%s', word %zu: expected \"%.*s\", actual \"%.*s\"\n", k, w,
		       (int)strcspn(va + i, " "), va + i, (int)strcspn(vb + i, " "), vb + i);
	}
	printf("  field '%s': expected \"%s\", actual \"%s\"\n", k, va, vb);
}

static void td_print_line(const char *mark, size_t event, const char *text)
{
	printf("%s event %-6zu| %s\n", mark, event, text);
}

/* Print up to n more events of f as after-context. */
static void td_print_after(struct td_file *f, long n, const char *label)
{
	struct con_event ev = {0};
	if (n <= 0)
		return;
	printf("  after, %s:\n", label);
	for (long i = 0; i < n; i++) {
		int rc = td_next(f, &ev);
		if (rc == 0) {
			printf("    (end of %s)\n", label);
			break;
		}
		if (rc < 0) {
			printf("    (%s)\n", f->err);
			break;
		}
		td_print_line("   ", f->nevents, f->buf);
	}
	con_event_free(&ev);
}

static void td_print_before(const struct td_line *ring, long ctx, size_t nevents)
{
	size_t first = nevents > (size_t)ctx ? nevents - (size_t)ctx : 0;
	for (size_t e = first; e < nevents; e++)
		td_print_line("   ", ring[e % (size_t)ctx].event, ring[e % (size_t)ctx].text);
}

/* Remember the current line of f in the context ring. Returns false when out of memory. */
static bool td_remember(struct td_line *ring, long ctx, const struct td_file *f)
{
	if (ctx == 0)
		return true;
	struct td_line *l = &ring[(f->nevents - 1) % (size_t)ctx];
	free(l->text);
	l->event = f->nevents;
	l->text = strdup(f->buf);
	return l->text != NULL;
}

/* Is the header field key left out (--ignore meta, meta.KEY, or seed for the seed)? */
static bool td_meta_ignored(const struct td_opts *o, const char *key)
{
	char name[64];
	snprintf(name, sizeof name, "meta.%s", key);
	return td_ignored(o, "meta") || td_ignored(o, name) || (!strcmp(key, "seed") && td_ignored(o, "seed"));
}

/* Append `KEY "a" vs "b"` for a header field that differs. */
static void td_meta_field(char *line, size_t len, const char *key, const char *a, const char *b)
{
	size_t n = strlen(line);
	snprintf(line + n, len - n, "%s%s \"%s\" vs \"%s\"", n ? "; " : "", key, a ? a : "(none)",
		 b ? b : "(none)");
}

/*
 * Compare the two headers (after the first events were read: a header is the
 * first line). Prints one line when they differ; returns 3 when
 * --require-same-options forbids going on, else 0.
 */
static int td_check_meta(const struct td_opts *o, const struct td_file *f)
{
	if (td_ignored(o, "meta"))
		return 0;
	if (!f[0].has_meta || !f[1].has_meta) {
		if (f[0].has_meta == f[1].has_meta && !o->require_same)
			return 0;
		const char *which = !f[0].has_meta && !f[1].has_meta ? "neither trace has a header line"
				    : f[0].has_meta ? "ACTUAL has no header line, EXPECTED has one"
						    : "EXPECTED has no header line, ACTUAL has one";
		printf("%s: %s (how the trace was made)\n",
		       o->require_same ? "traces not comparable (--require-same-options)" : "note", which);
		return o->require_same ? 3 : 0;
	}
	char line[4096] = "";
	bool options_differ = false;
	for (int side = 0; side < 2; side++) {
		const struct con_event *m = &f[side].meta, *other = &f[!side].meta;
		for (size_t i = 0; i < m->nf; i++) {
			const char *k = m->f[i].key, *v = con_event_get(other, k);
			if (td_meta_ignored(o, k) || (side == 1 && v) || (v && !strcmp(v, m->f[i].val)))
				continue; /* the second pass only adds keys the first did not have */
			td_meta_field(line, sizeof line, k, side ? v : m->f[i].val, side ? m->f[i].val : v);
			options_differ |= !strcmp(k, "options") || !strcmp(k, "seed");
		}
	}
	if (!line[0])
		return 0;
	if (o->require_same && options_differ) {
		printf("traces made with different options (--require-same-options; EXPECTED vs ACTUAL): %s\n", line);
		return 3;
	}
	printf("note: the traces were made differently (EXPECTED vs ACTUAL): %s\n", line);
	return 0;
}

/* The comparison loop. Returns the exit status. */
static int td_compare(const struct td_opts *o, struct td_file *f)
{
	struct con_event ev[2] = {{0}};
	struct td_line *ring = calloc(o->context ? (size_t)o->context : 1, sizeof *ring);
	int status = 2;
	bool meta_checked = false;
	if (!ring) {
		fprintf(stderr, "vmlab trace-diff: out of memory\n");
		return 2;
	}
	for (;;) {
		int r0 = td_next(&f[0], &ev[0]);
		int r1 = r0 < 0 ? 0 : td_next(&f[1], &ev[1]);
		if (r0 < 0 || r1 < 0) {
			fprintf(stderr, "vmlab trace-diff: %s\n", r0 < 0 ? f[0].err : f[1].err);
			break;
		}
		if (!meta_checked && (meta_checked = true) && td_check_meta(o, f) == 3) {
			status = 3;
			break;
		}
		size_t n = f[0].nevents > f[1].nevents ? f[0].nevents : f[1].nevents;
		if (r0 == 0 && r1 == 0) {
			printf("traces equal: %zu events\n", n);
			status = 0;
			break;
		}
		if (r0 == 0 || r1 == 0) {
			struct td_file *more = r0 ? &f[0] : &f[1], *ended = r0 ? &f[1] : &f[0];
			printf("traces differ at event %zu: %s ends after %zu events, %s goes on (line %zu)\n",
			       n, r0 ? "ACTUAL" : "EXPECTED", ended->nevents, r0 ? "EXPECTED" : "ACTUAL",
			       more->lineno);
			td_print_before(ring, o->context, n - 1);
			td_print_line(r0 ? "-  " : "+  ", n, more->buf);
			td_print_after(more, o->context, r0 ? "EXPECTED" : "ACTUAL");
			status = 1;
			break;
		}
		bool mixed = f[0].fmt != f[1].fmt;
		const char *k = td_first_diff(o, &ev[0], &ev[1], mixed);
		if (!k) {
			if (!td_remember(ring, o->context, &f[0])) {
				fprintf(stderr, "vmlab trace-diff: out of memory\n");
				break;
			}
			continue;
		}
		printf("traces differ at event %zu (EXPECTED %s line %zu, ACTUAL %s line %zu)\n", n,
		       f[0].name, f[0].lineno, f[1].name, f[1].lineno);
		td_print_field(k, &ev[0], &ev[1]);
		td_print_before(ring, o->context, n - 1);
		td_print_line("-  ", n, f[0].buf);
		td_print_line("+  ", n, f[1].buf);
		td_print_after(&f[0], o->context, "EXPECTED");
		td_print_after(&f[1], o->context, "ACTUAL");
		status = 1;
		break;
	}
	for (long i = 0; i < (o->context ? o->context : 1); i++)
		free(ring[i].text);
	free(ring);
	con_event_free(&ev[0]);
	con_event_free(&ev[1]);
	return status;
}

static int td_open_and_compare(const struct td_opts *o);

int mon_tracediff_main(int argc, char **argv)
{
	struct td_opts o = {0};
	int rc = td_parse_args(&o, argc, argv);
	if (!rc)
		rc = td_open_and_compare(&o);
	for (int i = 0; i < o.nignore; i++)
		free(o.ignore[i]);
	return rc < 0 ? 0 : rc;
}

/* Open both files and compare them. Returns the exit status. */
static int td_open_and_compare(const struct td_opts *o)
{
	int rc;
	struct td_file f[2] = {{0}};
	for (int i = 0; i < 2; i++) {
		f[i].name = o->files[i];
		f[i].fp = strcmp(o->files[i], "-") ? fopen(o->files[i], "r") : stdin;
		if (!f[i].fp) {
			fprintf(stderr, "vmlab trace-diff: cannot open %s: %s\n", o->files[i], strerror(errno));
			if (i == 1 && f[0].fp != stdin)
				fclose(f[0].fp);
			return 2;
		}
	}
	rc = td_compare(o, f);
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		if (f[i].fp != stdin)
			fclose(f[i].fp);
		free(f[i].buf);
		con_event_free(&f[i].meta);
	}
	return rc;
}
