/*
 * monitor/draw/sequence.c — a window of trace events as a sequence diagram.
 *
 * Lanes, left to right: app, CPU/MMU, TLB, VMM, kernel A; every further VM
 * gets one lane of its own ("VM b"). Each event is one arrow: from the lane
 * of who acted to the lane the text sends it to ("... -> VMM", "-> kernel
 * RIP ...", "iretq -> app:hello"), else to the lane its kind touches (an
 * install goes to the TLB), else a loop on its own lane. The label is the
 * lecture's phase name. Only kinds and fields are looked at, so events this
 * file has never heard of still get an arrow, labelled with their kind.
 */
#include <string.h>

#include "monitor/draw/draw.h"
#include "monitor/vmm/monitor.h"
#include "monitor/draw/svg.h"

enum lane { L_APP, L_CPU, L_TLB, L_VMM, L_KERNEL, L_FIXED };
#define MAX_LANES (L_FIXED + 6)

static const char *const fixed_lane_names[L_FIXED] = {"app", "CPU/MMU", "TLB", "VMM", "kernel A"};

/* Phase names by kind: the words the lecture uses. */
static const struct {
	const char *kind, *phase;
} phases[] = {
	{"tlb_miss", "miss"},       {"tlb_hit", "hit"},        {"shadow_hit", "walk"},
	{"walk", "walk"},           {"walk_ref", "walk"},      {"walk2d", "walk"},
	{"walk2d_ref", "walk"},     {"guest_walk", "walk"},    {"pmap", "pmap"},
	{"tlb_install", "install"}, {"tlb_write", "tlb write"}, {"tlb_evict", "evict"},
	{"retry", "retry"},         {"resume", "retry"},       {"true_fault", "true fault"},
	{"reflect", "reflect"},     {"upcall", "reflect"},     {"syscall", "syscall"},
	{"return", "return"},       {"emulate", "emulate"},    {"pt_write", "pt write"},
	{"hypercall", "hypercall"}, {"cr3", "cr3"},            {"irq", "irq"},
	{"hw_walk", "walk"},        {"shadow_fault", "shadow fault"}, {"shadow_fill", "shadow fill"},
	{"timer", "irq"},           {"invlpg", "invlpg"},
};

/* Kinds whose arrow ends at the TLB when the text names no actor. */
static const char *const to_tlb[] = {"tlb_install", "tlb_evict", "tlb_hit", "invlpg"};

/* Kinds reported about a crossing their text does not draw with "-> ACTOR":
 * where the arrow really starts and ends (swtlb's upcall into kernel A,
 * kernel A's trapping TLB write, the CPU's shadow page fault: an exit). */
static const struct {
	const char *kind;
	int from, to; /* enum lane; -1: as usual */
} crossings[] = {
	{"upcall", -1, L_KERNEL},
	{"tlb_write", L_KERNEL, L_VMM},
	{"shadow_fault", L_CPU, L_VMM},
};

const char *draw_phase(const struct draw_event *e)
{
	if (!strcmp(e->kind, "exit") && strstr(e->text, "syscall"))
		return "syscall";
	for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
		if (!strcmp(e->kind, phases[i].kind))
			return phases[i].phase;
	if (strstr(e->kind, "walk"))
		return "walk";
	return e->kind[0] ? e->kind : "event";
}

struct seq {
	unsigned base_vm;
	unsigned nlanes;
	unsigned lane_vm[MAX_LANES]; /* for lanes >= L_FIXED: which VM */
};

/* The lane of an actor word at s ("VMM", "kernel", "app:x", "CPU", "hardware"), or -1. */
static int actor_lane(struct seq *q, const char *s, unsigned vm)
{
	int lane = -1;
	if (!strncmp(s, "VMM", 3))
		return L_VMM;
	if (!strncmp(s, "CPU", 3) || !strncmp(s, "hardware", 8))
		return L_CPU;
	if (!strncmp(s, "kernel", 6))
		lane = L_KERNEL;
	else if (!strncmp(s, "app", 3))
		lane = L_APP;
	if (lane < 0 || vm == q->base_vm)
		return lane;
	for (unsigned i = L_FIXED; i < q->nlanes; i++)
		if (q->lane_vm[i] == vm)
			return (int)i;
	if (q->nlanes == MAX_LANES)
		return (int)q->nlanes - 1; /* SIMPLIFICATION: VMs past the sixth share the last lane */
	q->lane_vm[q->nlanes] = vm;
	return (int)q->nlanes++;
}

/* A crossing's fixed lane for kind (from or to), or -1. */
static int crossing_lane(struct seq *q, const struct draw_event *e, bool from)
{
	for (size_t i = 0; i < sizeof crossings / sizeof crossings[0]; i++) {
		int l = from ? crossings[i].from : crossings[i].to;
		if (!strcmp(e->kind, crossings[i].kind) && l >= 0)
			return l == L_KERNEL ? actor_lane(q, "kernel", e->vm) : l;
	}
	return -1;
}

static int src_lane(struct seq *q, const struct draw_event *e)
{
	int l = crossing_lane(q, e, true);
	if (l < 0)
		l = actor_lane(q, e->who, e->vm);
	return l < 0 ? L_VMM : l;
}

/* Where the text sends the event: the last "-> ACTOR". */
static int dst_lane(struct seq *q, const struct draw_event *e, int src)
{
	int dst = crossing_lane(q, e, false);
	if (dst >= 0)
		return dst;
	for (const char *p = e->text; (p = strstr(p, "-> ")); p += 3) {
		int l = actor_lane(q, p + 3, e->vm);
		if (l >= 0)
			dst = l;
	}
	if (dst >= 0)
		return dst;
	for (size_t i = 0; i < sizeof to_tlb / sizeof to_tlb[0]; i++)
		if (!strcmp(e->kind, to_tlb[i]))
			return L_TLB;
	return src;
}

#define LANE_W 120
#define LANES_X 96
#define ROW_H 24
#define TOP 78
#define CHAR_W 7

static int lane_x(int lane)
{
	return LANES_X + lane * LANE_W + LANE_W / 2;
}

static const char *arrow_class(int src)
{
	return src == L_VMM ? "arrow arrow-vmm" : src == L_CPU || src == L_TLB ? "arrow arrow-hw"
									      : "arrow arrow-guest";
}

static void draw_event_row(FILE *f, struct seq *q, const struct draw_event *e, int y, int text_x)
{
	int src = src_lane(q, e), dst = dst_lane(q, e, src);
	const char *phase = draw_phase(e);
	char attrs[200];
	snprintf(attrs, sizeof attrs, "data-kind=\"%s\" data-phase=\"%s\" data-icount=\"%llu\" data-from=\"%d\" "
		 "data-to=\"%d\"", e->kind[0] ? e->kind : "event", phase, (unsigned long long)e->icount, src, dst);
	/* kinds and phases are [a-z_ 0-9] words from the monitor or the table above */
	for (char *p = attrs; *p; p++)
		if (*p == '<' || *p == '>' || *p == '&')
			*p = '_';
	svg_group(f, "event", attrs);
	svg_text(f, 8, y + 4, "small", "start", "%llu", (unsigned long long)e->icount);
	int x1 = lane_x(src), x2 = lane_x(dst);
	if (src == dst) {
		svg_loop(f, x1, y - 6, y + 6, arrow_class(src));
		svg_text(f, x1 + 28, y + 4, "phase", "start", "%s", phase);
	} else {
		int off = x2 > x1 ? 4 : -4;
		svg_line(f, x1 + off, y, x2 - off, y, arrow_class(src), 1);
		svg_text(f, (x1 + x2) / 2, y - 4, "phase", "middle", "%s", phase);
	}
	svg_text(f, text_x, y + 4, NULL, "start", "%-10s %s", e->who, e->text);
	svg_group_end(f);
}

bool draw_parse_window(const char *s, size_t *first, size_t *count)
{
	uint64_t f, c = 0;
	char buf[64];
	if (strlen(s) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%s", s);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	if (!mon_parse_u64(buf, &f) || !f || (colon && (!mon_parse_u64(colon, &c) || !c)))
		return false;
	*first = (size_t)f - 1;
	*count = (size_t)c;
	return true;
}

int draw_sequence_svg(FILE *f, const struct draw_events *t, size_t first, size_t count, char *err,
		      size_t errlen)
{
	if (first >= t->n) {
		snprintf(err, errlen, "the window starts at event %zu but the trace has %zu event%s",
			 first + 1, t->n, t->n == 1 ? "" : "s");
		return -1;
	}
	size_t n = t->n - first;
	if (count && count < n)
		n = count;
	if (n > DRAW_SEQ_MAX)
		n = DRAW_SEQ_MAX;
	const struct draw_event *ev = t->ev + first;

	/* first pass: the lanes and the widest text */
	struct seq q = {.base_vm = ev[0].vm, .nlanes = L_FIXED};
	size_t widest = 0;
	for (size_t i = 0; i < n; i++) {
		int s = src_lane(&q, &ev[i]);
		dst_lane(&q, &ev[i], s);
		size_t w = strlen(ev[i].text) + 11;
		if (w > widest)
			widest = w;
	}
	int text_x = LANES_X + (int)q.nlanes * LANE_W + 16;
	int w = text_x + (int)widest * CHAR_W + 16, h = TOP + (int)n * ROW_H + 16;
	char title[160];
	snprintf(title, sizeof title, "vmlab sequence: events %zu..%zu, instructions %llu..%llu", first + 1,
		 first + n, (unsigned long long)ev[0].icount, (unsigned long long)ev[n - 1].icount);
	svg_begin(f, w, h, "sequence", title);
	svg_text(f, 8, 22, "title", "start", "%s", title);
	svg_text(f, 8, 56, "small", "start", "icount");
	svg_text(f, text_x, 56, "small", "start", "who        event");
	for (unsigned l = 0; l < q.nlanes; l++) {
		char name[32], attrs[64];
		if (l < L_FIXED)
			snprintf(name, sizeof name, "%s", fixed_lane_names[l]);
		else
			snprintf(name, sizeof name, "VM %c", 'a' + (int)(q.lane_vm[l] % 26));
		snprintf(attrs, sizeof attrs, "data-lane=\"%u\"", l);
		svg_group(f, "lane", attrs);
		svg_rect(f, lane_x((int)l) - 52, 40, 104, 22, "box");
		svg_text(f, lane_x((int)l), 56, "lane-head", "middle", "%s", name);
		svg_line(f, lane_x((int)l), 62, lane_x((int)l), h - 8, "lane-line", 0);
		svg_group_end(f);
	}
	for (size_t i = 0; i < n; i++)
		draw_event_row(f, &q, &ev[i], TOP + (int)i * ROW_H + ROW_H / 2, text_x);
	svg_end(f);
	return 0;
}
