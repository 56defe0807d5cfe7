/*
 * monitor/vmm/trace_ring.c — the ring of the last MON_RING_MAX trace events
 * (a stop report's "last events", the preroll of --trace-after, a snapshot).
 *
 * The ring sees every crossing of every run, traced or not, but is read
 * only when something stops or is saved. So an event that only the ring
 * takes keeps its format and a copy of its arguments (mon_trace_ring_put_lazy),
 * and its text is made when the ring is read, with the same bytes vsnprintf
 * would have made then: each conversion is printed on its own, by snprintf,
 * with the argument it was given, in order. A format the copy does not know
 * ('*' widths, positional arguments, long double, wide strings, arguments or
 * strings beyond the slot's room) is formatted at once, as before.
 */
#include <stdint.h>
#include <string.h>

#include "monitor/vmm/vm.h"

enum lazy_type { LZ_INT, LZ_LONG, LZ_LLONG, LZ_SIZE, LZ_DOUBLE, LZ_PTR, LZ_STR };
#define SPEC_MAX 24 /* the longest conversion kept, '%' to its letter */

/* The conversion whose text starts at c (just past its '%', not "%%"): its
 * argument's type in *type; returns the character after its letter, or NULL
 * for a conversion the copy does not know. */
static const char *spec_parse(const char *c, uint8_t *type)
{
	c += strspn(c, "-+ #0");
	c += strspn(c, "0123456789");
	if (*c == '.') {
		c++;
		c += strspn(c, "0123456789");
	}
	unsigned len = 0; /* 0 int (also h, hh), 1 long, 2 long long, 3 size_t (z, j, t) */
	if (*c == 'h') {
		c += c[1] == 'h' ? 2 : 1;
	} else if (*c == 'l') {
		len = c[1] == 'l' ? 2 : 1;
		c += len;
	} else if (*c == 'z' || *c == 'j' || *c == 't') {
		len = 3;
		c++;
	}
	static const uint8_t ints[] = {LZ_INT, LZ_LONG, LZ_LLONG, LZ_SIZE};
	switch (*c) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		*type = ints[len];
		break;
	case 'c':
	case 's':
	case 'p':
		if (len)
			return NULL;
		*type = *c == 'c' ? LZ_INT : *c == 's' ? LZ_STR : LZ_PTR;
		break;
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
		if (len > 1)
			return NULL;
		*type = LZ_DOUBLE;
		break;
	default:
		return NULL;
	}
	return c + 1;
}

/* fmt's arguments: how many, of which types (nargs 0xff: one the copy does not know). */
static void sig_parse(const char *fmt, struct mon_fmt_sig *g)
{
	unsigned n = 0;
	g->nargs = 0xff;
	for (const char *c = fmt; (c = strchr(c, '%'));) {
		if (c[1] == '%') {
			c += 2;
			continue;
		}
		uint8_t ty;
		const char *e = spec_parse(c + 1, &ty);
		if (!e || e - c >= SPEC_MAX || n == MON_LAZY_ARGS)
			return;
		g->type[n++] = ty;
		c = e;
	}
	g->nargs = (uint8_t)n;
}

/* fmt's signature, from the cache of formats by address (formats are string
 * literals: one address, one text, for the whole run). */
static const struct mon_fmt_sig *fmt_sig(struct mon_trace *t, const char *fmt)
{
	uintptr_t a = (uintptr_t)fmt;
	struct mon_fmt_sig *g = &t->fmt_sig[(a ^ a >> 6 ^ a >> 12) & (MON_FMT_CACHE - 1)];
	if (g->fmt != fmt) {
		sig_parse(fmt, g);
		g->fmt = fmt;
	}
	return g;
}

/* Copy the arguments of a format of signature g from ap into z. false if they
 * do not fit (an unknown format, strings beyond MON_LAZY_STR). */
static bool lazy_capture(struct mon_lazy *z, const struct mon_fmt_sig *g, va_list ap)
{
	if (g->nargs == 0xff)
		return false;
	size_t sp = 0;
	for (unsigned n = 0; n < g->nargs; n++) {
		switch (g->type[n]) {
		case LZ_INT: z->arg[n].i = va_arg(ap, int); break;
		case LZ_LONG: z->arg[n].i = va_arg(ap, long); break;
		case LZ_LLONG: z->arg[n].i = va_arg(ap, long long); break;
		case LZ_SIZE: z->arg[n].i = (long long)va_arg(ap, size_t); break;
		case LZ_DOUBLE: z->arg[n].d = va_arg(ap, double); break;
		case LZ_PTR: z->arg[n].p = va_arg(ap, void *); break;
		default: { /* LZ_STR */
			const char *s = va_arg(ap, const char *);
			if (!s) {
				z->arg[n].str = SIZE_MAX;
				break;
			}
			z->arg[n].str = sp;
			do { /* (a byte loop: the strings are a few bytes, a call costs more) */
				if (sp == MON_LAZY_STR)
					return false;
			} while ((z->str[sp++] = *s++));
		}
		}
	}
	z->fmt = g->fmt;
	return true;
}

/* Make z's text in buf[len]: the bytes vsnprintf(buf, len, fmt, args) makes. */
static void lazy_text(const struct mon_lazy *z, char *buf, size_t len)
{
	size_t p = 0;
	unsigned n = 0;
	buf[0] = 0;
	for (const char *c = z->fmt; *c && p + 1 < len;) {
		if (*c != '%' || c[1] == '%') {
			buf[p++] = *c;
			buf[p] = 0;
			c += *c == '%' ? 2 : 1;
			continue;
		}
		uint8_t ty = LZ_INT;
		const char *e = spec_parse(c + 1, &ty); /* known: lazy_capture took it */
		char spec[SPEC_MAX];
		memcpy(spec, c, (size_t)(e - c));
		spec[e - c] = 0;
		char *o = buf + p;
		size_t room = len - p;
		int k;
		switch (ty) {
		case LZ_INT: k = snprintf(o, room, spec, (int)z->arg[n].i); break;
		case LZ_LONG: k = snprintf(o, room, spec, (long)z->arg[n].i); break;
		case LZ_LLONG: k = snprintf(o, room, spec, z->arg[n].i); break;
		case LZ_SIZE: k = snprintf(o, room, spec, (size_t)z->arg[n].i); break;
		case LZ_DOUBLE: k = snprintf(o, room, spec, z->arg[n].d); break;
		case LZ_PTR: k = snprintf(o, room, spec, z->arg[n].p); break;
		default: k = snprintf(o, room, spec, z->arg[n].str == SIZE_MAX ? NULL : z->str + z->arg[n].str);
		}
		n++;
		if (k > 0)
			p += (size_t)k;
		if (p >= len)
			p = len - 1;
		c = e;
	}
}

/* The entry's who, if it was kept by its address. */
static void lazy_who(const struct mon_lazy *z, struct mon_event *ev)
{
	if (z->who)
		snprintf(ev->who, sizeof ev->who, "%s", z->who);
}

static void ring_advance(struct mon_trace *t)
{
	t->ring_next = (t->ring_next + 1) % MON_RING_MAX;
	if (t->ring_count < MON_RING_MAX)
		t->ring_count++;
}

void mon_trace_ring_put(struct mon_trace *t, const struct mon_event *ev)
{
	t->ring[t->ring_next] = *ev;
	t->lazy[t->ring_next].fmt = t->lazy[t->ring_next].who = NULL;
	ring_advance(t);
}

void mon_trace_ring_put_lazy(struct mon_trace *t, const char *who, const char *fmt, va_list ap)
{
	struct mon_event *r = &t->ring[t->ring_next];
	struct mon_lazy *z = &t->lazy[t->ring_next];
	z->who = who;
	va_list copy;
	va_copy(copy, ap);
	bool kept = lazy_capture(z, fmt_sig(t, fmt), copy);
	va_end(copy);
	if (!kept) { /* a format the copy does not know: its text now */
		vsnprintf(r->text, sizeof r->text, fmt, ap);
		z->fmt = NULL;
		t->formatted++;
	}
	ring_advance(t);
}

void mon_trace_ring_copy(const struct mon_trace *t, unsigned i, struct mon_event *out)
{
	unsigned k = (t->ring_next + MON_RING_MAX - t->ring_count + i) % MON_RING_MAX;
	*out = t->ring[k];
	lazy_who(&t->lazy[k], out);
	if (t->lazy[k].fmt)
		lazy_text(&t->lazy[k], out->text, sizeof out->text);
}

void mon_trace_ring_settle(struct mon_trace *t)
{
	for (unsigned k = 0; k < MON_RING_MAX; k++) {
		lazy_who(&t->lazy[k], &t->ring[k]);
		t->lazy[k].who = NULL;
		if (!t->lazy[k].fmt)
			continue;
		memset(t->ring[k].text, 0, sizeof t->ring[k].text);
		lazy_text(&t->lazy[k], t->ring[k].text, sizeof t->ring[k].text);
		t->lazy[k].fmt = NULL;
	}
}

void mon_trace_ring_restored(struct mon_trace *t)
{
	for (unsigned k = 0; k < MON_RING_MAX; k++)
		t->lazy[k].fmt = t->lazy[k].who = NULL;
}

unsigned mon_vm_recent_events(const struct vm *vm, struct mon_event *out, unsigned max)
{
	const struct mon_trace *t = &vm->trace;
	unsigned n = t->ring_count < max ? t->ring_count : max;
	for (unsigned i = 0; i < n; i++)
		mon_trace_ring_copy(t, t->ring_count - n + i, &out[i]);
	return n;
}
