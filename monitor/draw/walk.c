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

/* The frame's MA (with va's offset) from an event that names it, if not known yet. */
static void take_ma(struct draw_walk *w, const struct draw_event *e)
{
	if (w->ma_ok || !(e->has & DRAW_HAS_MA))
		return;
	w->ma_ok = true;
	w->ma = (e->ma & ~PAGE_MASK_LOW) | (w->va & PAGE_MASK_LOW);
}

static void take_pa(struct draw_walk *w, uint64_t pa)
{
	w->pa_ok = true;
	w->pa = (pa & ~PAGE_MASK_LOW) | (w->va & PAGE_MASK_LOW);
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
		if ((e->has & DRAW_HAS_PA) && !strstr(e->text, "#PF"))
			take_pa(w, e->pa);
	} else if (!strcmp(e->kind, "walk_ref") && w->nrefs < 4) {
		w->ref_pa[w->nrefs] = e->pa;
		w->ref_val[w->nrefs++] = e->value;
	} else if (!strcmp(e->kind, "walk2d_ref")) { /* nested: a guest entry, or the data page */
		w->mmu = DRAW_WALK_NESTED;
		if ((e->has & DRAW_HAS_VALUE) && w->nrefs < 4) {
			w->ref_pa[w->nrefs] = e->pa;
			w->ref_val[w->nrefs++] = e->value;
		} else if (!(e->has & DRAW_HAS_VALUE) && (e->has & DRAW_HAS_PA)) {
			take_pa(w, e->pa);
			take_ma(w, e);
		}
	} else if (!strcmp(e->kind, "tlb_write") || !strcmp(e->kind, "guest_walk")) {
		w->mmu = DRAW_WALK_SWTLB; /* kernel A walked; its privileged TLB write names PA */
		if (!w->pa_ok && (e->has & DRAW_HAS_PA))
			take_pa(w, e->pa);
	} else if (!strcmp(e->kind, "pmap") && (e->has & DRAW_HAS_MA)) {
		take_ma(w, e);
		if (!w->pa_ok && (e->has & DRAW_HAS_PA))
			take_pa(w, e->pa);
	} else if (!strcmp(e->kind, "hw_walk")) { /* the CPU read the shadow table: no exit */
		w->hw_refill = true;
		take_ma(w, e);
	} else if (!strcmp(e->kind, "tlb_install")) {
		w->tlb_ok = (e->has & DRAW_HAS_SETWAY) != 0;
		w->set = e->set;
		w->way = e->way;
		draw_install_perm(e, w->perm, sizeof w->perm);
		take_ma(w, e);
		return true;
	} else if (!strcmp(e->kind, "true_fault")) {
		w->fault = true;
		snprintf(w->fault_text, sizeof w->fault_text, "%.119s", e->text);
		return true;
	} else if (!strcmp(e->kind, "resume")) {
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
		bool retried = false;
		for (size_t j = i; j < t->n; j++) {
			const struct draw_event *x = &t->ev[j];
			if (j > i && !strcmp(x->kind, "tlb_miss")) {
				/* the retry's own miss is this walk's end: its hardware walk refills the TLB */
				if (!retried || !(x->has & DRAW_HAS_VA) || !same_page(x->va, va))
					break;
				retried = false;
				continue;
			}
			if (!strcmp(x->kind, "retry")) {
				retried = true;
				continue;
			}
			if (walk_take(w, x))
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
	char line[96];
	if (w->fault) {
		svg_group(f, "frame fault", NULL);
		/* the first line says it: keep what follows "no valid mapping for" (VA, access, error) */
		const char *why = w->fault_text[0] ? w->fault_text : "(true fault)", *rest = strstr(why, "mapping for ");
		snprintf(line, sizeof line, "%.68s", rest ? rest + strlen("mapping for ") : why);
		two_line_box(f, COL_GUEST, y, BOX_W, "box box-fault", "no valid mapping: #PF into kernel A", line);
	} else if (w->pa_ok) {
		svg_group(f, "frame guest-frame", NULL);
		snprintf(line, sizeof line, "guest frame PA 0x%llx", (unsigned long long)w->pa);
		two_line_box(f, COL_GUEST, y, BOX_W, "box box-guest", line, "what kernel A believes is RAM");
	} else { /* nobody walked the guest's table in this window: say so, claim no fault */
		svg_group(f, "frame not-walked", NULL);
		two_line_box(f, COL_GUEST, y, BOX_W, "box box-guest", "guest table not walked",
			     w->hw_refill ? "a shadow hit: the CPU refilled the TLB, no exit"
					  : "(no guest walk in the trace's window)");
	}
	svg_group_end(f);
}

/* What stands beside the guest table instead of shadow entries read from the VM. */
static void beside_guest(FILE *f, const struct draw_walk *w, int y)
{
	const char *line1 = "shadow entry filled: VA -> MA", *line2 = "(levels above: see the console's draw walk)";
	if (w->mmu == DRAW_WALK_NESTED) {
		line1 = "no shadow table: nested paging";
		line2 = "the CPU put every guest PA through the nested table";
	} else if (w->mmu == DRAW_WALK_SWTLB) {
		line1 = "no shadow table: software-managed TLB";
		line2 = "kernel A's TLB write trapped; the VMM installed VA -> MA";
	} else if (w->hw_refill && !w->pa_ok) {
		line1 = "shadow entry VA -> MA (filled before)";
		line2 = "read by the CPU's walk of the shadow table";
	}
	svg_group(f, "spte", "data-level=\"1\"");
	two_line_box(f, COL_SHADOW, y, BOX_W, "box box-shadow", line1, line2);
	svg_group_end(f);
}

static void shadow_column(FILE *f, const struct draw_walk *w, int frame_y)
{
	svg_text(f, COL_SHADOW, 80, "lane-head", "start",
		 w->mmu == DRAW_WALK_NESTED ? "nested table (the VMM's, PA -> MA)"
		 : w->mmu == DRAW_WALK_SWTLB ? "machine memory (MA)" : "shadow table (the VMM's, MA)");
	int y = LEVELS_Y;
	for (unsigned i = 0; i < w->nshadow; i++, y += LEVEL_STEP) {
		entry_box(f, COL_SHADOW, y, "box box-shadow", "MA", 4 - i, w->va, w->sh_ma[i], w->sh_val[i],
			  "spte");
		svg_line(f, COL_SHADOW + 40, y + BOX_H, COL_SHADOW + 40, i + 1 == w->nshadow ? frame_y : y + LEVEL_STEP,
			 "arrow arrow-vmm", 1);
	}
	if (!w->nshadow && w->ma_ok)
		beside_guest(f, w, frame_y - LEVEL_STEP); /* beside the guest's last level */
	if (!w->ma_ok)
		return;
	char line[64];
	snprintf(line, sizeof line, "machine frame MA 0x%llx", (unsigned long long)w->ma);
	svg_group(f, "frame machine-frame", NULL);
	two_line_box(f, COL_SHADOW, frame_y, BOX_W, "box box-shadow", line, "where the bytes really are");
	svg_group_end(f);
	if (!w->pa_ok) /* no guest frame to map from */
		return;
	svg_group(f, "pmap", NULL);
	svg_line(f, COL_GUEST + BOX_W + 4, frame_y + BOX_H / 2, COL_SHADOW - 4, frame_y + BOX_H / 2,
		 "arrow arrow-vmm", 1);
	svg_text(f, (COL_GUEST + BOX_W + COL_SHADOW) / 2, frame_y + BOX_H / 2 - 6, "phase", "middle",
		 w->mmu == DRAW_WALK_NESTED ? "nested walk" : "pmap");
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
