/*
 * monitor/draw/tlbgrid.c — the simulated TLB as a sets x ways grid: each
 * entry's VMID, ASID, VA -> MA, permissions and age (instructions since its
 * install); entries changed since the previous step are highlighted (new or
 * replaced: yellow; dropped: dashed).
 *
 * From a trace the grid is replayed from tlb_install events (set, way, VA,
 * MA). SIMPLIFICATION: a trace does not say which entries a CR3 write or a
 * shadow reset dropped, nor an entry's ASID, so a replayed grid keeps those
 * entries and shows the ASID as "-"; the console and the browser draw the
 * real TLB.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/draw/draw.h"
#include "monitor/draw/svg.h"

static struct draw_tlb_entry *slot(struct draw_tlb *t, int set, int way)
{
	if (set < 0 || way < 0 || (unsigned)set >= t->sets || (unsigned)way >= t->ways)
		return NULL;
	return &t->e[(unsigned)set * t->ways + (unsigned)way];
}

/* Apply one event to t; true if it changed an entry. */
static bool replay(struct draw_tlb *t, const struct draw_event *e, unsigned vm)
{
	if (e->vm != vm)
		return false;
	if (!strcmp(e->kind, "tlb_install") && (e->has & DRAW_HAS_SETWAY)) {
		struct draw_tlb_entry *s = slot(t, e->set, e->way);
		if (!s)
			return false;
		memset(s, 0, sizeof *s);
		s->valid = true;
		s->vmid = e->vm;
		s->va = e->va;
		s->ma = e->ma;
		s->stamp = e->icount;
		draw_install_perm(e, s->perm, sizeof s->perm);
		return true;
	}
	if (!strcmp(e->kind, "invlpg") && (e->has & DRAW_HAS_VA)) {
		bool changed = false;
		for (unsigned i = 0; i < t->sets * t->ways; i++)
			if (t->e[i].valid && (t->e[i].va & ~0xfffull) == (e->va & ~0xfffull)) {
				t->e[i].valid = false;
				changed = true;
			}
		return changed;
	}
	return false;
}

int draw_tlb_from_events(struct draw_tlb *now, struct draw_tlb *prev, const struct draw_events *t,
			 unsigned sets, unsigned ways, char *err, size_t errlen)
{
	if (!sets || !ways || sets > DRAW_TLB_MAX_SETS || ways > DRAW_TLB_MAX_WAYS) {
		snprintf(err, errlen, "a TLB grid has 1..%d sets and 1..%d ways, not %ux%u", DRAW_TLB_MAX_SETS,
			 DRAW_TLB_MAX_WAYS, sets, ways);
		return -1;
	}
	memset(now, 0, sizeof *now);
	now->sets = sets;
	now->ways = ways;
	unsigned vm = t->n ? t->ev[0].vm : 0;
	uint64_t last_change = 0;
	bool changed = false;
	for (size_t i = 0; i < t->n; i++) {
		if (replay(now, &t->ev[i], vm)) {
			last_change = t->ev[i].icount;
			changed = true;
		}
		now->now = t->ev[i].icount;
	}
	if (prev) {
		memset(prev, 0, sizeof *prev);
		prev->sets = sets;
		prev->ways = ways;
		for (size_t i = 0; changed && i < t->n && t->ev[i].icount < last_change; i++)
			replay(prev, &t->ev[i], vm);
		prev->now = now->now;
		if (!changed)
			*prev = *now;
	}
	return 0;
}

static bool entry_same(const struct draw_tlb_entry *a, const struct draw_tlb_entry *b)
{
	if (a->valid != b->valid)
		return false;
	return !a->valid || (a->va == b->va && a->ma == b->ma && a->stamp == b->stamp &&
			     a->vmid == b->vmid && a->asid == b->asid && a->kernel_view == b->kernel_view);
}

#define CELL_W 250
#define CELL_H 40
#define GRID_X 64
#define GRID_Y 64

static void cell(FILE *f, const struct draw_tlb *t, const struct draw_tlb *prev, unsigned set,
		 unsigned way)
{
	const struct draw_tlb_entry *e = &t->e[set * t->ways + way];
	const struct draw_tlb_entry *p = prev ? &prev->e[set * t->ways + way] : NULL;
	bool changed = p && !entry_same(e, p);
	const char *cls = changed ? (e->valid ? "cell-new" : "cell-gone") : e->valid ? "cell-valid" : "cell";
	char attrs[160];
	snprintf(attrs, sizeof attrs, "data-set=\"%u\" data-way=\"%u\" data-valid=\"%d\" data-changed=\"%d\"",
		 set, way, e->valid, changed);
	svg_group(f, "tlb-entry", attrs);
	int x = GRID_X + (int)way * CELL_W, y = GRID_Y + (int)set * CELL_H;
	svg_rect(f, x, y, CELL_W - 4, CELL_H - 4, cls);
	if (e->valid) {
		char asid[16];
		snprintf(asid, sizeof asid, e->asid_known ? "%u" : "-", e->asid);
		svg_text(f, x + 6, y + 15, NULL, "start", "0x%llx -> 0x%llx", (unsigned long long)e->va,
			 (unsigned long long)e->ma);
		svg_text(f, x + 6, y + 30, "small", "start", "vm%u asid %s %s %s age %llu", e->vmid, asid,
			 e->asid_known ? (e->kernel_view ? "k" : "u") : "", e->perm,
			 (unsigned long long)(t->now >= e->stamp ? t->now - e->stamp : 0));
	} else if (changed) {
		svg_text(f, x + 6, y + 22, "small", "start", "dropped 0x%llx", (unsigned long long)p->va);
	}
	svg_group_end(f);
}

void draw_tlb_svg(FILE *f, const struct draw_tlb *t, const struct draw_tlb *prev)
{
	unsigned valid = 0, changed = 0;
	for (unsigned i = 0; i < t->sets * t->ways; i++) {
		valid += t->e[i].valid;
		changed += prev && !entry_same(&t->e[i], &prev->e[i]);
	}
	char title[160];
	snprintf(title, sizeof title, "vmlab TLB: %u sets x %u ways, %u valid, %u changed, at instruction %llu",
		 t->sets, t->ways, valid, changed, (unsigned long long)t->now);
	int w = GRID_X + (int)t->ways * CELL_W + 12, h = GRID_Y + (int)t->sets * CELL_H + 12;
	svg_begin(f, w, h, "tlb", title);
	svg_text(f, 8, 22, "title", "start", "%s", title);
	svg_text(f, 8, 44, "small", "start", "VA -> MA; vm, asid, view (k kernel / u user), permissions, age in instructions");
	for (unsigned way = 0; way < t->ways; way++)
		svg_text(f, GRID_X + (int)way * CELL_W + CELL_W / 2, GRID_Y - 6, "lane-head", "middle", "way %u", way);
	for (unsigned set = 0; set < t->sets; set++) {
		svg_text(f, 8, GRID_Y + (int)set * CELL_H + 22, "lane-head", "start", "set %u", set);
		for (unsigned way = 0; way < t->ways; way++)
			cell(f, t, prev, set, way);
	}
	svg_end(f);
}

int draw_tlb_events_svg(FILE *f, const struct draw_events *t, unsigned sets, unsigned ways, char *err,
			size_t errlen)
{
	struct draw_tlb *now = malloc(sizeof *now), *prev = malloc(sizeof *prev);
	int rc = -1;
	if (!now || !prev)
		snprintf(err, errlen, "out of memory");
	else if (!(rc = draw_tlb_from_events(now, prev, t, sets, ways, err, errlen)))
		draw_tlb_svg(f, now, prev);
	free(now);
	free(prev);
	return rc;
}
