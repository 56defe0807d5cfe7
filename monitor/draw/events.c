/*
 * monitor/draw/events.c — the events the pictures are drawn from: a trace
 * file read with the trace reader trace-diff uses (monitor/console.h), or
 * live events from the monitor's event sink.
 *
 * A text trace line carries no kind and no address fields, so they are
 * inferred from the words the monitor writes (docs/trace.md); JSONL lines
 * carry them. The pictures then look only at kinds and fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/draw/draw.h"
#include "monitor/vmm/monitor.h"

static struct draw_event *events_push(struct draw_events *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct draw_event *ev = realloc(t->ev, cap * sizeof *ev);
		if (!ev)
			return NULL;
		t->ev = ev;
		t->cap = cap;
	}
	struct draw_event *e = &t->ev[t->n++];
	memset(e, 0, sizeof *e);
	return e;
}

void draw_events_clear(struct draw_events *t)
{
	t->n = 0;
}

void draw_events_free(struct draw_events *t)
{
	free(t->ev);
	memset(t, 0, sizeof *t);
}

/* Copy s without its leading blanks into dst (size n). */
static void copy_trimmed(char *dst, size_t n, const char *s)
{
	s += strspn(s, " \t");
	snprintf(dst, n, "%s", s);
}

int draw_events_add_mon(struct draw_events *t, const struct mon_event *m)
{
	struct draw_event *e = events_push(t);
	if (!e)
		return -1;
	e->icount = m->icount;
	e->vm = m->vmid;
	snprintf(e->who, sizeof e->who, "%s", m->who);
	snprintf(e->kind, sizeof e->kind, "%s", m->kind ? m->kind : "");
	copy_trimmed(e->text, sizeof e->text, m->text);
	e->has = (m->has & MON_EV_VA ? DRAW_HAS_VA : 0) | (m->has & MON_EV_PA ? DRAW_HAS_PA : 0) |
		 (m->has & MON_EV_MA ? DRAW_HAS_MA : 0) | (m->has & MON_EV_SETWAY ? DRAW_HAS_SETWAY : 0) |
		 (m->has & MON_EV_VALUE ? DRAW_HAS_VALUE : 0);
	e->va = m->va;
	e->pa = m->pa;
	e->ma = m->ma;
	e->value = m->value;
	e->set = m->set;
	e->way = m->way;
	return 0;
}

/* ---- inference for text traces ---- */

/* Kinds recognised from how the monitor words a line: the text starts with
 * `start` (and contains `also`, if given). First match wins. */
static const struct {
	const char *start, *also, *kind;
} text_kinds[] = {
	{"TLB miss", NULL, "tlb_miss"},
	{"TLB hit", NULL, "tlb_hit"},
	{"TLB install", NULL, "tlb_install"},
	{"evicted VA", NULL, "tlb_evict"},
	{"shadow hit", NULL, "shadow_hit"},
	{"shadow entry already there", NULL, "shadow_hit"},
	{"shadow miss", NULL, "walk"},
	{"shadow entry forbids it", NULL, "walk"},
	{"shadow entry VA", NULL, "shadow_fill"},
	{"shadow walk from root", NULL, "hw_walk"},
	{"shadow walk:", NULL, "shadow_fault"},
	{"shadow pool exhausted", NULL, "shadow_reset"},
	{"L", " entry at PA", "walk_ref"},
	{"gL", "nested walk", "walk2d_ref"},
	{"data page PA", NULL, "walk2d_ref"},
	{"2-D walk", NULL, "walk2d"},
	{"kernel A walked", NULL, "guest_walk"},
	{"pmap PA", NULL, "pmap"},
	{"-> kernel A resumes", NULL, "resume"},
	{"->", " retry", "retry"},
	{"true fault", NULL, "true_fault"},
	{"reflect ", NULL, "reflect"},
	{"software-managed TLB: upcall", NULL, "upcall"},
	{"software-managed TLB", NULL, "swtlb"},
	{"privileged TLB write", NULL, "tlb_write"},
	{"syscall ", NULL, "syscall"},
	{"iretq ->", NULL, "return"},
	{"sysret ->", NULL, "return"},
	{"exit:", NULL, "exit"},
	{"emulate ", NULL, "emulate"},
	{"traced PT write", NULL, "pt_write"},
	{"CR3 write", NULL, "cr3"},
	{"invlpg", NULL, "invlpg"},
	{"hypercall", NULL, "hypercall"},
	{"inject IRQ", NULL, "irq"},
	{"hlt: idle", NULL, "idle"},
	{"out port", NULL, "io_out"},
	{"in port", NULL, "io_in"},
	{"disk read", NULL, "disk_read"},
	{"disk write", NULL, "disk_write"},
	{"disk command", NULL, "disk_cmd"},
	{"double paging", NULL, "double_paging"},
	{"monitor page-out forced", NULL, "page_out_forced"},
	{"monitor page-out", NULL, "page_out"},
	{"copy-on-write", NULL, "cow_break"},
	{"MMU mode", NULL, "mode"},
};

static bool hex_after(const char *s, const char *word, uint64_t *out)
{
	const char *p = strstr(s, word);
	if (!p)
		return false;
	p += strlen(word);
	if (p[0] != '0' || p[1] != 'x')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, 16);
	if (errno || end == p + 2)
		return false;
	*out = v;
	return true;
}

/* The last occurrence of word followed by a hex number. */
static bool last_hex_after(const char *s, const char *word, uint64_t *out)
{
	bool found = false;
	for (const char *p = s; (p = strstr(p, word)); p++)
		found |= hex_after(p, word, out);
	return found;
}

void draw_infer_text(struct draw_event *e)
{
	if (!e->kind[0]) {
		for (size_t i = 0; i < sizeof text_kinds / sizeof text_kinds[0]; i++)
			if (!strncmp(e->text, text_kinds[i].start, strlen(text_kinds[i].start)) &&
			    (!text_kinds[i].also || strstr(e->text, text_kinds[i].also))) {
				snprintf(e->kind, sizeof e->kind, "%s", text_kinds[i].kind);
				break;
			}
	}
	if (!(e->has & DRAW_HAS_VA) && hex_after(e->text, "VA ", &e->va))
		e->has |= DRAW_HAS_VA;
	if (!(e->has & DRAW_HAS_PA) && last_hex_after(e->text, "PA ", &e->pa))
		e->has |= DRAW_HAS_PA;
	/* where the text sends it ("root MA X: ... -> MA Y": Y, as JSON Lines' field), else the first */
	if (!(e->has & DRAW_HAS_MA) && (last_hex_after(e->text, "-> MA ", &e->ma) || hex_after(e->text, "MA ", &e->ma)))
		e->has |= DRAW_HAS_MA;
	if (!(e->has & DRAW_HAS_VALUE) &&
	    (hex_after(e->text, "= ", &e->value) || hex_after(e->text, "; read ", &e->value)))
		e->has |= DRAW_HAS_VALUE; /* "; read": the guest entry a 2-D walk read */
	const char *sw = strstr(e->text, "[set ");
	if (!(e->has & DRAW_HAS_SETWAY) && sw && sscanf(sw, "[set %d way %d]", &e->set, &e->way) == 2)
		e->has |= DRAW_HAS_SETWAY;
}

/* ---- reading trace lines ---- */

static bool parse_u64(const char *s, int base, uint64_t *out)
{
	if (!s || !*s)
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static void field_hex(struct draw_event *e, const struct con_event *c, const char *key, uint32_t bit,
		      uint64_t *dst)
{
	if (parse_u64(con_event_get(c, key), 16, dst))
		e->has |= bit;
}

static int from_con(struct draw_event *e, const struct con_event *c, char *err, size_t errlen)
{
	uint64_t v;
	if (!parse_u64(con_event_get(c, "icount"), 10, &e->icount)) {
		snprintf(err, errlen, "no instruction count");
		return -1;
	}
	if (!parse_u64(con_event_get(c, "vm"), 10, &v) || v > 255) {
		snprintf(err, errlen, "no VM number");
		return -1;
	}
	e->vm = (unsigned)v;
	const char *s;
	if ((s = con_event_get(c, "who")))
		snprintf(e->who, sizeof e->who, "%s", s);
	if ((s = con_event_get(c, "kind")))
		snprintf(e->kind, sizeof e->kind, "%s", s);
	if ((s = con_event_get(c, "text")))
		copy_trimmed(e->text, sizeof e->text, s);
	field_hex(e, c, "va", DRAW_HAS_VA, &e->va);
	field_hex(e, c, "pa", DRAW_HAS_PA, &e->pa);
	field_hex(e, c, "ma", DRAW_HAS_MA, &e->ma);
	field_hex(e, c, "value", DRAW_HAS_VALUE, &e->value);
	uint64_t set, way;
	if (parse_u64(con_event_get(c, "set"), 10, &set) && parse_u64(con_event_get(c, "way"), 10, &way) &&
	    set < 65536 && way < 65536) {
		e->set = (int)set;
		e->way = (int)way;
		e->has |= DRAW_HAS_SETWAY;
	}
	draw_infer_text(e);
	return 0;
}

int draw_events_add_line(struct draw_events *t, const char *line, char *err, size_t errlen)
{
	struct con_event c = {0};
	const char *p = line + strspn(line, " \t");
	if (con_trace_comment(line))
		return 0; /* the text header, or a comment */
	int rc = con_trace_meta_parse(&c, line, err, errlen); /* the JSON Lines header */
	if (rc) {
		con_event_free(&c);
		return rc < 0 ? -1 : 0;
	}
	rc = *p == '{' ? con_event_parse_json(&c, line, err, errlen)
		       : con_event_parse_text(&c, line, err, errlen);
	if (!rc) {
		struct draw_event *e = events_push(t);
		if (!e) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		} else if ((rc = from_con(e, &c, err, errlen))) {
			t->n--;
		}
	}
	con_event_free(&c);
	return rc;
}

int draw_events_load(struct draw_events *t, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = 0;
	while (!rc && (n = getline(&buf, &cap, fp)) >= 0) {
		lineno++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = 0;
		if (!buf[strspn(buf, " \t")])
			continue;
		char why[160];
		if (memchr(buf, 0, (size_t)n)) {
			snprintf(err, errlen, "%s:%zu: malformed line: contains a NUL byte", path, lineno);
			rc = -1;
		} else if (draw_events_add_line(t, buf, why, sizeof why)) {
			snprintf(err, errlen, "%s:%zu: malformed trace line: %s", path, lineno, why);
			rc = -1;
		}
	}
	if (!rc && ferror(fp)) {
		snprintf(err, errlen, "cannot read %s", path);
		rc = -1;
	}
	free(buf);
	fclose(fp);
	return rc;
}

void draw_install_perm(const struct draw_event *e, char *out, size_t len)
{
	const char *p = strchr(e->text, ']');
	snprintf(out, len, "%s", p ? p + 1 + strspn(p + 1, " ") : "");
	char *paren = strchr(out, '('); /* swtlb adds a remark in parentheses */
	if (paren)
		*paren = 0;
	for (size_t n = strlen(out); n && out[n - 1] == ' ';)
		out[--n] = 0;
}
