/*
 * monitor/reverse/recfile.c — the session record file of `vmlab record` and
 * `vmlab replay` (format in reverse.h): building one, writing it, and
 * parsing it back with one-line errors for anything truncated, changed or
 * malformed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/reverse/reverse.h"
#include "monitor/vmm/monitor.h"

#define MAGIC "vmlab-record"

static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Grow *v (n used) by one element of size sz. NULL if out of memory. */
static void *grow(void **v, size_t n, size_t sz)
{
	void *p = realloc(*v, (n + 1) * sz);
	if (p)
		*v = p;
	return p;
}

/* A copy of text that fits on one line of the file, or NULL with err. */
static char *one_line(const char *text, const char *what, char *err, size_t errlen)
{
	if (strpbrk(text, "\r\n")) {
		seterr(err, errlen, "%s holds a line break: it cannot be recorded", what);
		return NULL;
	}
	if (strlen(text) + 64 > REV_RECORD_LINE_MAX) {
		seterr(err, errlen, "%s is too long to record (at most %u bytes)", what, REV_RECORD_LINE_MAX - 64);
		return NULL;
	}
	char *c = strdup(text);
	if (!c)
		seterr(err, errlen, "out of memory");
	return c;
}

int rev_record_add_opt(struct rev_record *r, const char *arg, char *err, size_t errlen)
{
	char *c = one_line(arg, "an option", err, errlen);
	if (!c)
		return -1;
	if (!grow((void **)&r->opts, r->nopts, sizeof *r->opts)) {
		free(c);
		return seterr(err, errlen, "out of memory");
	}
	r->opts[r->nopts++] = c;
	return 0;
}

int rev_record_add_image(struct rev_record *r, const char *kind, uint64_t hash, uint64_t size,
			 const char *path, char *err, size_t errlen)
{
	char *c = one_line(path, "an image's path", err, errlen);
	if (!c)
		return -1;
	if (!grow((void **)&r->img, r->nimg, sizeof *r->img)) {
		free(c);
		return seterr(err, errlen, "out of memory");
	}
	struct rev_image *im = &r->img[r->nimg++];
	memset(im, 0, sizeof *im);
	snprintf(im->kind, sizeof im->kind, "%s", kind);
	im->hash = hash;
	im->size = size;
	im->path = c;
	return 0;
}

int rev_record_add_cmd(struct rev_record *r, uint64_t icount, const char *line, char *err, size_t errlen)
{
	char *c = one_line(line, "a command", err, errlen);
	if (!c)
		return -1;
	if (!grow((void **)&r->cmd, r->ncmd, sizeof *r->cmd)) {
		free(c);
		return seterr(err, errlen, "out of memory");
	}
	r->cmd[r->ncmd++] = (struct rev_cmd){icount, c};
	return 0;
}

/* ---- writing ---- */

struct hfile {
	FILE *f;
	uint64_t h;
	bool bad;
};

static void hprintf(struct hfile *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hprintf(struct hfile *o, const char *fmt, ...)
{
	char line[REV_RECORD_LINE_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line) {
		o->bad = true;
		return;
	}
	o->h = mon_fnv1a(o->h, line, (size_t)n);
	if (fwrite(line, 1, (size_t)n, o->f) != (size_t)n)
		o->bad = true;
}

int rev_record_write(const struct rev_record *r, FILE *f)
{
	struct hfile o = {f, MON_FNV_INIT, false};
	hprintf(&o, "%s %u\nvmlab %s\n", MAGIC, REV_RECORD_FORMAT, r->version);
	for (size_t i = 0; i < r->nopts; i++)
		hprintf(&o, "option %s\n", r->opts[i]);
	for (size_t i = 0; i < r->nimg; i++)
		hprintf(&o, "image %s %016" PRIx64 " %" PRIu64 " %s\n", r->img[i].kind, r->img[i].hash,
			r->img[i].size, r->img[i].path);
	for (size_t i = 0; i < r->ncmd; i++)
		hprintf(&o, "cmd %" PRIu64 " %s\n", r->cmd[i].icount, r->cmd[i].line);
	fprintf(f, "end %zu %016" PRIx64 "\n", r->ncmd, o.h);
	return o.bad || ferror(f) ? -1 : 0;
}

/* ---- parsing ---- */

/* A decimal (or, with hex, hexadecimal) u64 at *p followed by a blank or the end. */
static bool num(const char **p, bool hex, uint64_t *out)
{
	const char *s = *p;
	if (!(hex ? strchr("0123456789abcdef", *s) : strchr("0123456789", *s)) || !*s)
		return false;
	char *end;
	errno = 0;
	*out = strtoull(s, &end, hex ? 16 : 10);
	if (errno || (*end && *end != ' '))
		return false;
	*p = *end ? end + 1 : end;
	return true;
}

static int parse_line(struct rev_record *r, const char *l, size_t no, char *err, size_t errlen)
{
	uint64_t a, b;
	const char *p;
	if (no == 1) {
		p = l + strlen(MAGIC " ");
		if (strncmp(l, MAGIC " ", strlen(MAGIC " ")))
			return seterr(err, errlen, "not a vmlab record file (no '%s' line)", MAGIC);
		if (!num(&p, false, &a) || *p)
			return seterr(err, errlen, "line 1: bad format version");
		if (a != REV_RECORD_FORMAT)
			return seterr(err, errlen, "record format %" PRIu64 ", this vmlab reads format %u", a,
				      REV_RECORD_FORMAT);
		return 0;
	}
	if (no == 2) {
		if (strncmp(l, "vmlab ", 6) || !l[6] || strlen(l + 6) >= sizeof r->version)
			return seterr(err, errlen, "line 2: expected 'vmlab VERSION'");
		memcpy(r->version, l + 6, strlen(l + 6) + 1); /* fits: checked above (snprintf here
								 fails -Wformat-truncation at -O1) */
		return 0;
	}
	if (!strncmp(l, "option ", 7))
		return rev_record_add_opt(r, l + 7, err, errlen);
	if (!strncmp(l, "cmd ", 4)) {
		p = l + 4;
		if (!num(&p, false, &a) || !*p)
			return seterr(err, errlen, "line %zu: expected 'cmd ICOUNT COMMAND'", no);
		return rev_record_add_cmd(r, a, p, err, errlen);
	}
	if (!strncmp(l, "image ", 6)) {
		char kind[8];
		p = l + 6;
		size_t k = strcspn(p, " ");
		if (k >= sizeof kind || (strncmp(p, "kernel ", 7) && strncmp(p, "module ", 7)))
			return seterr(err, errlen, "line %zu: an image is 'kernel' or 'module'", no);
		snprintf(kind, sizeof kind, "%.*s", (int)k, p);
		p += k + 1;
		if (!num(&p, true, &a) || !num(&p, false, &b) || !*p)
			return seterr(err, errlen, "line %zu: expected 'image KIND HASH SIZE PATH'", no);
		return rev_record_add_image(r, kind, a, b, p, err, errlen);
	}
	return seterr(err, errlen, "line %zu: unknown item '%.20s'", no, l);
}

int rev_record_parse(struct rev_record *r, const char *buf, size_t len, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	char line[REV_RECORD_LINE_MAX + 1];
	size_t off = 0, no = 0;
	uint64_t h = MON_FNV_INIT;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		no++;
		if (!nl) {
			seterr(err, errlen, "truncated: line %zu has no end", no);
			goto fail;
		}
		if (n > REV_RECORD_LINE_MAX || memchr(buf + off, 0, n)) {
			seterr(err, errlen, "line %zu: too long or not text", no);
			goto fail;
		}
		memcpy(line, buf + off, n);
		line[n] = 0;
		if (no > 2 && !strncmp(line, "end ", 4)) {
			const char *p = line + 4;
			uint64_t ncmd, sum;
			if (!num(&p, false, &ncmd) || !num(&p, true, &sum) || *p) {
				seterr(err, errlen, "line %zu: expected 'end COMMANDS CHECKSUM'", no);
				goto fail;
			}
			if (ncmd != r->ncmd || sum != h || off + n + 1 != len) {
				seterr(err, errlen, "checksum mismatch: the file was changed after it was written");
				goto fail;
			}
			return 0;
		}
		if (parse_line(r, line, no, err, errlen))
			goto fail;
		h = mon_fnv1a(h, buf + off, n + 1);
		off += n + 1;
	}
	seterr(err, errlen, no ? "truncated: no end line" : "empty file: not a vmlab record file");
fail:
	rev_record_free(r);
	return -1;
}

void rev_record_free(struct rev_record *r)
{
	for (size_t i = 0; i < r->nopts; i++)
		free(r->opts[i]);
	for (size_t i = 0; i < r->nimg; i++)
		free(r->img[i].path);
	for (size_t i = 0; i < r->ncmd; i++)
		free(r->cmd[i].line);
	free(r->opts);
	free(r->img);
	free(r->cmd);
	memset(r, 0, sizeof *r);
}
