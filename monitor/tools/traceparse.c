/*
 * monitor/tools/traceparse.c — one trace line (text or JSON Lines) into a
 * list of named fields, for `vmlab trace-diff`.
 *
 * The JSON reader is deliberately small: a line must be one JSON object; its
 * values may be anything JSON allows (nested values are kept as compact JSON
 * text, so two objects compare equal whatever their spacing). No library.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

#define JSON_MAX_DEPTH 32

/* A growable string. On allocation failure `oom` is set and appends stop. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_putn(struct sbuf *b, const char *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_putc(struct sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

/* Take the string out of b (an empty string if nothing was appended). */
static char *sb_take(struct sbuf *b)
{
	if (!b->s && !b->oom)
		sb_putn(b, "", 0);
	char *s = b->s;
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void con_event_free(struct con_event *ev)
{
	for (size_t i = 0; i < ev->nf; i++) {
		free(ev->f[i].key);
		free(ev->f[i].val);
	}
	free(ev->f);
	ev->f = NULL;
	ev->nf = ev->cap = 0;
}

const char *con_event_get(const struct con_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nf; i++)
		if (!strcmp(ev->f[i].key, key))
			return ev->f[i].val;
	return NULL;
}

/* Append a field; takes ownership of key and val. Returns 0 or -1 (no memory). */
int con_event_add(struct con_event *ev, char *key, char *val)
{
	if (!key || !val)
		goto fail;
	if (ev->nf == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 8;
		struct con_field *f = realloc(ev->f, cap * sizeof *f);
		if (!f)
			goto fail;
		ev->f = f;
		ev->cap = cap;
	}
	ev->f[ev->nf].key = key;
	ev->f[ev->nf].val = val;
	ev->nf++;
	return 0;
fail:
	free(key);
	free(val);
	return -1;
}

static int fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* ---- text lines: "[ ICOUNT] VM WHO  EVENT TEXT" ---- */

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A copy of [p, p+n) with runs of blanks collapsed to one space, trailing blanks dropped. */
static char *collapse_blanks(const char *p, size_t n)
{
	struct sbuf b = {0};
	bool blank = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t') {
			blank = true;
			continue;
		}
		if (blank && b.len)
			sb_putc(&b, ' ');
		blank = false;
		sb_putc(&b, p[i]);
	}
	return b.oom ? (free(b.s), NULL) : sb_take(&b);
}

static char *word(const char **pp)
{
	const char *p = *pp, *q = p;
	while (*q && *q != ' ' && *q != '\t')
		q++;
	*pp = q;
	return strndup(p, (size_t)(q - p));
}

/*
 * Parse a text trace line. The instruction count is stored in canonical
 * decimal (no padding), so "[  42]" and "[42]" are the same event.
 */
int con_event_parse_text(struct con_event *ev, const char *line, char *err, size_t errlen)
{
	con_event_free(ev);
	const char *p = line;
	if (*p != '[')
		return fail(err, errlen, "a text trace line must start with '[' and the instruction count");
	p = skip_blanks(p + 1);
	if (!isdigit((unsigned char)*p))
		return fail(err, errlen, "no instruction count after '['");
	uint64_t n = 0;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return fail(err, errlen, "instruction count out of range");
		n = n * 10 + d;
	}
	p = skip_blanks(p);
	if (*p != ']')
		return fail(err, errlen, "missing ']' after the instruction count");
	p = skip_blanks(p + 1);
	if (!*p)
		return fail(err, errlen, "no VM name after the instruction count");
	char num[24];
	snprintf(num, sizeof num, "%" PRIu64, n);
	char *vm = word(&p);
	if (vm && vm[0] == 'v' && vm[1] == 'm' && vm[2] && strspn(vm + 2, "0123456789") == strlen(vm + 2))
		memmove(vm, vm + 2, strlen(vm + 2) + 1); /* "vm0" -> "0", as in JSONL */
	if (con_event_add(ev, strdup("icount"), strdup(num)) || con_event_add(ev, strdup("vm"), vm))
		return fail(err, errlen, "out of memory");
	p = skip_blanks(p);
	if (!*p)
		return fail(err, errlen, "no 'who' column after the VM name");
	if (con_event_add(ev, strdup("who"), word(&p)))
		return fail(err, errlen, "out of memory");
	p = skip_blanks(p);
	if (!*p)
		return fail(err, errlen, "no event text after the 'who' column");
	if (con_event_add(ev, strdup("text"), collapse_blanks(p, strlen(p))))
		return fail(err, errlen, "out of memory");
	return 0;
}

/* ---- JSON ---- */

struct jp {
	const char *p;
	const char *why; /* first error */
};

static void jp_ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool jp_err(struct jp *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool jp_hex4(struct jp *j, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(j->p[i]);
		if (h < 0)
			return jp_err(j, "bad \\u escape in a string");
		v = v * 16 + (unsigned)h;
	}
	j->p += 4;
	*out = v;
	return true;
}

static void put_utf8(struct sbuf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sb_putn(b, u, n);
}

/* One escape after the backslash; appends the decoded character. */
static bool jp_escape(struct jp *j, struct sbuf *out)
{
	char c = *j->p++;
	const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
	const char *k = c ? strchr(from, c) : NULL;
	if (k) {
		sb_putc(out, to[k - from]);
		return true;
	}
	if (c != 'u')
		return jp_err(j, "bad escape in a string");
	unsigned cp, lo;
	if (!jp_hex4(j, &cp))
		return false;
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (j->p[0] != '\\' || j->p[1] != 'u')
			return jp_err(j, "unpaired surrogate in a \\u escape");
		j->p += 2;
		if (!jp_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return jp_err(j, "unpaired surrogate in a \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp < 0xe000) {
		return jp_err(j, "unpaired surrogate in a \\u escape");
	}
	put_utf8(out, cp);
	return true;
}

/* A string at j->p (on the opening quote): decoded into out. */
static bool jp_string(struct jp *j, struct sbuf *out)
{
	if (*j->p != '"')
		return jp_err(j, "expected a string");
	j->p++;
	for (;;) {
		char c = *j->p;
		if (!c)
			return jp_err(j, "unterminated string");
		if ((unsigned char)c < 0x20)
			return jp_err(j, "control character inside a string");
		j->p++;
		if (c == '"')
			return true;
		if (c != '\\')
			sb_putc(out, c);
		else if (!jp_escape(j, out))
			return false;
	}
}

/* A string re-encoded as canonical JSON text (for nested values). */
static void put_json_string(struct sbuf *b, const char *s, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			sb_putc(b, '\\');
			sb_putc(b, (char)c);
		} else if (c < 0x20) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			sb_putn(b, e, 6);
		} else {
			sb_putc(b, (char)c);
		}
	}
	sb_putc(b, '"');
}

static bool jp_number(struct jp *j, struct sbuf *out)
{
	const char *s = j->p, *p = s;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return jp_err(j, "bad value (expected a string, number, object, array, true, false or null)");
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return jp_err(j, "bad number");
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return jp_err(j, "bad number");
		while (isdigit((unsigned char)*p))
			p++;
	}
	sb_putn(out, s, (size_t)(p - s));
	j->p = p;
	return true;
}

static bool jp_value(struct jp *j, struct sbuf *out, int depth);

/* An object or array (opening bracket at j->p), written compactly into out. */
static bool jp_container(struct jp *j, struct sbuf *out, int depth)
{
	char open = *j->p, close = open == '{' ? '}' : ']';
	if (depth >= JSON_MAX_DEPTH)
		return jp_err(j, "nested too deeply");
	sb_putc(out, open);
	j->p++;
	jp_ws(j);
	if (*j->p == close) {
		j->p++;
		sb_putc(out, close);
		return true;
	}
	for (bool first = true;; first = false) {
		if (!first)
			sb_putc(out, ',');
		jp_ws(j);
		if (open == '{') {
			struct sbuf k = {0};
			bool ok = jp_string(j, &k);
			if (ok)
				put_json_string(out, k.s ? k.s : "", k.len);
			free(k.s);
			if (!ok)
				return false;
			jp_ws(j);
			if (*j->p != ':')
				return jp_err(j, "expected ':' after a key");
			j->p++;
			sb_putc(out, ':');
		}
		if (!jp_value(j, out, depth + 1))
			return false;
		jp_ws(j);
		if (*j->p == close) {
			j->p++;
			sb_putc(out, close);
			return true;
		}
		if (*j->p != ',')
			return jp_err(j, open == '{' ? "expected ',' or '}' in an object"
						     : "expected ',' or ']' in an array");
		j->p++;
	}
}

/* Any value, as compact JSON text. */
static bool jp_value(struct jp *j, struct sbuf *out, int depth)
{
	jp_ws(j);
	char c = *j->p;
	if (c == '{' || c == '[')
		return jp_container(j, out, depth);
	if (c == '"') {
		struct sbuf s = {0};
		bool ok = jp_string(j, &s);
		if (ok)
			put_json_string(out, s.s ? s.s : "", s.len);
		free(s.s);
		return ok;
	}
	static const char *const lit[] = {"true", "false", "null"};
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(lit[i]);
		if (!strncmp(j->p, lit[i], n)) {
			j->p += n;
			sb_putn(out, lit[i], n);
			return true;
		}
	}
	return jp_number(j, out);
}

/* A top-level member value: strings decoded, everything else compact JSON. */
static bool jp_member_value(struct jp *j, struct sbuf *out)
{
	jp_ws(j);
	if (*j->p == '"')
		return jp_string(j, out);
	return jp_value(j, out, 1);
}

static bool jp_member(struct jp *j, struct con_event *ev)
{
	struct sbuf k = {0}, v = {0};
	jp_ws(j);
	if (!jp_string(j, &k))
		goto bad;
	jp_ws(j);
	if (*j->p != ':') {
		jp_err(j, "expected ':' after a key");
		goto bad;
	}
	j->p++;
	if (!jp_member_value(j, &v))
		goto bad;
	if (k.oom || v.oom) {
		jp_err(j, "out of memory");
		goto bad;
	}
	if (ev->nf >= CON_EVENT_MAX_KEYS) { /* the duplicate check below stays cheap */
		jp_err(j, "more than " CON_EVENT_MAX_KEYS_STR " keys in one object");
		goto bad;
	}
	char *key = sb_take(&k);
	if (key && con_event_get(ev, key)) {
		free(key);
		jp_err(j, "duplicate key");
		goto bad;
	}
	if (con_event_add(ev, key, sb_take(&v)))
		return jp_err(j, "out of memory");
	return true;
bad:
	free(k.s);
	free(v.s);
	return false;
}

/* Parse one JSON object line into fields. */
int con_event_parse_json(struct con_event *ev, const char *line, char *err, size_t errlen)
{
	con_event_free(ev);
	struct jp j = {.p = line};
	jp_ws(&j);
	if (*j.p != '{')
		return fail(err, errlen, "a JSON Lines trace line must be one object ('{...}')");
	j.p++;
	jp_ws(&j);
	if (*j.p == '}') {
		j.p++;
	} else {
		for (;;) {
			if (!jp_member(&j, ev))
				goto bad;
			jp_ws(&j);
			if (*j.p == '}') {
				j.p++;
				break;
			}
			if (*j.p != ',') {
				jp_err(&j, "expected ',' or '}' in an object");
				goto bad;
			}
			j.p++;
		}
	}
	jp_ws(&j);
	if (*j.p) {
		jp_err(&j, "text after the end of the object");
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s (at column %zu)", j.why, (size_t)(j.p - line) + 1);
	con_event_free(ev);
	return -1;
}
