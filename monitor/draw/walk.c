/*
 * monitor/draw/walk.c — one page-table walk as a picture: the VA split into
 * its four indices; the guest's tables (PA, kernel A's) with the entry used
 * at each level; the shadow table (MA, the VMM's) beside it; the pmap arrow
 * from the guest frame PA to the machine frame MA; the TLB entry installed.
 *
 * From a trace the model is the events of one TLB miss: walk (cr3), walk_ref
 * (entry address and value per level), pmap, tlb_install. The shadow entries
 * are not in the trace; the live console fills them from the VM.
 */
#include <string.h>

#include "monitor/draw/draw.h"
#include "monitor/draw/svg.h"
#include "cpu/x86_pte.h"
#include "shadow/shadow.h"

#define PAGE_MASK_LOW 0xfffull

/* "P RW US A D NX" for an entry. */
static void pte_flags(uint64_t e, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{PTE_P, "P"}, {PTE_RW, "RW"}, {PTE_US, "US"}, {PTE_A, "A"},
		{PTE_D, "D"}, {PTE_PS, "PS"}, {PTE_G, "G"},   {PTE_NX, "NX"},
	};
	size_t p = 0;
	buf[0] = 0;
	if (!(e & PTE_P)) {
		snprintf(buf, len, "not present");
		return;
	}
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if ((e & bits[i].bit) && p + 4 < len)
			p += (size_t)snprintf(buf + p, len - p, "%s%s", p ? " " : "", bits[i].name);
}

static bool same_page(uint64_t a, uint64_t b)
{
	return (a & ~PAGE_MASK_LOW) == (b & ~PAGE_MASK_LOW);
}

/* Take one event of a walk into w. Returns true when the walk is complete. */
static bool walk_take(struct draw_walk *w, const struct draw_event *e)
{
	if (!strcmp(e->kind, "walk")) {
		uint64_t cr3;
		const char *p = strstr(e->text, "cr3=PA ");
		if (p && sscanf(p, "cr3=PA %llx", (unsigned long long *)&cr3) == 1) {
			w->cr3 = cr3;
			w->has_cr3 = true;
		}
		if ((e->has & DRAW_HAS_PA) && !strstr(e->text, "#PF")) {
			w->pa_ok = true;
			w->pa = (e->pa & ~PAGE_MASK_LOW) | (w->va & PAGE_MASK_LOW);
		}
	} else if (!strcmp(e->kind, "walk_ref") && w->nrefs < 4) {
		w->ref_pa[w->nrefs] = e->pa;
		w->ref_val[w->nrefs++] = e->value;
	} else if (!strcmp(e->kind, "pmap") && (e->has & DRAW_HAS_MA)) {
		w->ma_ok = true;
		w->ma = (e->ma & ~PAGE_MASK_LOW) | (w->va & PAGE_MASK_LOW);
		if (!w->pa_ok && (e->has & DRAW_HAS_PA)) {
			w->pa_ok = true;
			w->pa = (e->pa & ~PAGE_MASK_LOW) | (w->va & PAGE_MASK_LOW);
		}
	} else if (!strcmp(e->kind, "tlb_install")) {
		w->tlb_ok = (e->has & DRAW_HAS_SETWAY) != 0;
		w->set = e->set;
		w->way = e->way;
		draw_install_perm(e, w->perm, sizeof w->perm);
	} else if (!strcmp(e->kind, "true_fault")) {
		w->fault = true;
		snprintf(w->fault_text, sizeof w->fault_text, "%.119s", e->text);
		return true;
	} else if (!strcmp(e->kind, "retry") || !strcmp(e->kind, "resume")) {
		return true;
	}
	return false;
}

int draw_walk_from_events(struct draw_walk *w, const struct draw_events *t, uint64_t va, char *err,
			  size_t errlen)
{
	memset(w, 0, sizeof *w);
	w->va = va;
	for (size_t i = 0; i < t->n; i++) {
		const struct draw_event *e = &t->ev[i];
		bool start = (!strcmp(e->kind, "tlb_miss") || !strcmp(e->kind, "true_fault")) &&
			     (e->has & DRAW_HAS_VA) && same_page(e->va, va);
		if (!start)
			continue;
		w->icount = e->icount;
		for (size_t j = i; j < t->n; j++) {
			if (j > i && !strcmp(t->ev[j].kind, "tlb_miss"))
				break;
			if (walk_take(w, &t->ev[j]))
				break;
		}
		return 0;
	}
	snprintf(err, errlen, "the trace has no TLB miss or true fault of VA 0x%llx's page",
		 (unsigned long long)va);
	return -1;
}

/* ---- drawing ---- */

#define COL_GUEST 20
#define COL_SHADOW 560
#define BOX_W 440
#define BOX_H 44
#define LEVEL_STEP 64
#define LEVELS_Y 112

static const char *const level_names[5] = {"", "L1 (PT)", "L2 (PD)", "L3 (PDPT)", "L4 (PML4)"};

/* A box of width w with a line of text and a smaller line under it. */
static void two_line_box(FILE *f, int x, int y, int w, const char *cls, const char *line1, const char *line2)
{
	svg_rect(f, x, y, w, BOX_H, cls);
	svg_text(f, x + 8, y + 18, NULL, "start", "%s", line1);
	svg_text(f, x + 8, y + 36, "small", "start", "%s", line2);
}

static void entry_box(FILE *f, int x, int y, const char *cls, const char *space, unsigned level,
		      uint64_t va, uint64_t at, uint64_t val, const char *group)
{
	char flags[64], attrs[160];
	pte_flags(val, flags, sizeof flags);
	snprintf(attrs, sizeof attrs, "data-level=\"%u\" data-index=\"%u\" data-at=\"0x%llx\" data-value=\"0x%llx\"",
		 level, shadow_pt_index(level, va), (unsigned long long)at, (unsigned long long)val);
	svg_group(f, group, attrs);
	svg_rect(f, x, y, BOX_W, BOX_H, cls);
	svg_text(f, x + 8, y + 18, NULL, "start", "%-9s [%3u] at %s 0x%llx", level_names[level],
		 shadow_pt_index(level, va), space, (unsigned long long)at);
	svg_text(f, x + 8, y + 36, NULL, "start", "= 0x%016llx  %s", (unsigned long long)val, flags);
	svg_group_end(f);
}

static void va_split(FILE *f, uint64_t va)
{
	svg_text(f, COL_GUEST, 50, NULL, "start",
		 "VA 0x%016llx = L4 [%u] | L3 [%u] | L2 [%u] | L1 [%u] | offset 0x%03llx",
		 (unsigned long long)va, shadow_pt_index(4, va), shadow_pt_index(3, va),
		 shadow_pt_index(2, va), shadow_pt_index(1, va), (unsigned long long)(va & PAGE_MASK_LOW));
}

/* The guest column, its frame (or fault) box at frame_y. */
static void guest_column(FILE *f, const struct draw_walk *w, int frame_y)
{
	svg_text(f, COL_GUEST, 80, "lane-head", "start", "guest page table (kernel A's, PA)");
	if (w->has_cr3)
		svg_text(f, COL_GUEST, 100, "small", "start", "CR3 = PA 0x%llx", (unsigned long long)w->cr3);
	int y = LEVELS_Y;
	for (unsigned i = 0; i < w->nrefs; i++, y += LEVEL_STEP) {
		entry_box(f, COL_GUEST, y, "box box-guest", "PA", 4 - i, w->va, w->ref_pa[i], w->ref_val[i], "pte");
		svg_line(f, COL_GUEST + 40, y + BOX_H, COL_GUEST + 40, i + 1 == w->nrefs ? frame_y : y + LEVEL_STEP,
			 "arrow arrow-guest", 1);
	}
	y = frame_y;
	svg_group(f, w->fault ? "frame fault" : "frame guest-frame", NULL);
	char line[96];
	if (w->fault || !w->pa_ok) {
		snprintf(line, sizeof line, "%.60s", w->fault_text[0] ? w->fault_text : "(true fault)");
		two_line_box(f, COL_GUEST, y, BOX_W, "box box-fault", "no valid mapping: #PF into kernel A", line);
	} else {
		snprintf(line, sizeof line, "guest frame PA 0x%llx", (unsigned long long)w->pa);
		two_line_box(f, COL_GUEST, y, BOX_W, "box box-guest", line, "what kernel A believes is RAM");
	}
	svg_group_end(f);
}

static void shadow_column(FILE *f, const struct draw_walk *w, int frame_y)
{
	svg_text(f, COL_SHADOW, 80, "lane-head", "start", "shadow table (the VMM's, MA)");
	int y = LEVELS_Y;
	for (unsigned i = 0; i < w->nshadow; i++, y += LEVEL_STEP) {
		entry_box(f, COL_SHADOW, y, "box box-shadow", "MA", 4 - i, w->va, w->sh_ma[i], w->sh_val[i],
			  "spte");
		svg_line(f, COL_SHADOW + 40, y + BOX_H, COL_SHADOW + 40, i + 1 == w->nshadow ? frame_y : y + LEVEL_STEP,
			 "arrow arrow-vmm", 1);
	}
	if (!w->nshadow && w->ma_ok) {
		y = frame_y - LEVEL_STEP; /* beside the guest's last level */
		svg_group(f, "spte", "data-level=\"1\"");
		two_line_box(f, COL_SHADOW, y, BOX_W, "box box-shadow", "shadow entry filled: VA -> MA",
			     "(levels above: see the console's draw walk)");
		svg_group_end(f);
	}
	if (!w->ma_ok)
		return;
	char line[64];
	snprintf(line, sizeof line, "machine frame MA 0x%llx", (unsigned long long)w->ma);
	svg_group(f, "frame machine-frame", NULL);
	two_line_box(f, COL_SHADOW, frame_y, BOX_W, "box box-shadow", line, "where the bytes really are");
	svg_group_end(f);
	svg_group(f, "pmap", NULL);
	svg_line(f, COL_GUEST + BOX_W + 4, frame_y + BOX_H / 2, COL_SHADOW - 4, frame_y + BOX_H / 2,
		 "arrow arrow-vmm", 1);
	svg_text(f, (COL_GUEST + BOX_W + COL_SHADOW) / 2, frame_y + BOX_H / 2 - 6, "phase", "middle", "pmap");
	svg_group_end(f);
}

static void tlb_box(FILE *f, const struct draw_walk *w, int y)
{
	if (!w->tlb_ok)
		return;
	char attrs[96];
	snprintf(attrs, sizeof attrs, "data-set=\"%d\" data-way=\"%d\"", w->set, w->way);
	char line[160];
	snprintf(line, sizeof line, "TLB install [set %d way %d]: VA 0x%llx -> MA 0x%llx  %s", w->set, w->way,
		 (unsigned long long)(w->va & ~PAGE_MASK_LOW), (unsigned long long)(w->ma & ~PAGE_MASK_LOW), w->perm);
	svg_group(f, "tlb-entry", attrs);
	two_line_box(f, COL_GUEST, y, COL_SHADOW + BOX_W - COL_GUEST, "box box-tlb", line,
		     "VA -> MA in one step: the next access hits and skips both tables");
	svg_group_end(f);
}

void draw_walk_svg(FILE *f, const struct draw_walk *w)
{
	unsigned rows = w->nrefs > w->nshadow ? w->nrefs : w->nshadow;
	if (!rows)
		rows = 1;
	int frame_y = LEVELS_Y + (int)rows * LEVEL_STEP;
	int h = frame_y + BOX_H + 20 + (w->tlb_ok ? BOX_H + 20 : 0);
	char title[120];
	snprintf(title, sizeof title, "vmlab walk: VA 0x%llx%s", (unsigned long long)w->va,
		 w->fault ? " (true fault)" : "");
	svg_begin(f, COL_SHADOW + BOX_W + 20, h, "walk", title);
	svg_text(f, COL_GUEST, 22, "title", "start", "%s", title);
	va_split(f, w->va);
	guest_column(f, w, frame_y);
	shadow_column(f, w, frame_y);
	tlb_box(f, w, frame_y + BOX_H + 20);
	svg_end(f);
}
