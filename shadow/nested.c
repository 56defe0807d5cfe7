/*
 * shadow/nested.c — the nested table (PA -> MA, built from the pmap) and the
 * two-dimensional walk of --mmu=nested (see shadow/nested.h for the picture).
 */
#include <string.h>

#include "shadow/nested.h"

/* The 8-byte entry for pa in the table at MA `table` of `level`. */
static uint64_t *nested_entry(const struct shadow_nested *n, ma_t table, unsigned level, pa_t pa)
{
	return shadow_mframe_word(n->mf, table + 8ull * shadow_pt_index(level, pa));
}

/* Map PA page pa -> frame ma, creating tables on the way. 0 or -1 (no frame). */
static int nested_map(struct shadow_nested *n, pa_t pa, ma_t ma)
{
	ma_t table = n->root;
	for (unsigned level = 4; level > 1; level--) {
		uint64_t *e = nested_entry(n, table, level, pa);
		if (!(*e & PTE_P)) {
			ma_t t = shadow_mframe_alloc(n->mf, SHADOW_OWNER_MONITOR);
			if (t == MA_NONE)
				return -1;
			n->tables++;
			*e = t | PTE_P | PTE_RW | PTE_US;
		}
		table = *e & PTE_ADDR_MASK;
	}
	*nested_entry(n, table, 1, pa) = ma | PTE_P | PTE_RW | PTE_US;
	return 0;
}

/* Free the table `t` of `level` and the tables below it (leaves are VM frames: kept). */
static void nested_free_table(struct shadow_nested *n, ma_t t, unsigned level)
{
	if (level > 1) {
		for (unsigned i = 0; i < 512; i++) {
			uint64_t *e = shadow_mframe_word(n->mf, t + 8ull * i);
			if (e && (*e & PTE_P))
				nested_free_table(n, *e & PTE_ADDR_MASK, level - 1);
		}
	}
	shadow_mframe_release(n->mf, t);
}

void shadow_nested_free(struct shadow_nested *n)
{
	if (n->root != MA_NONE && n->mf)
		nested_free_table(n, n->root, 4);
	n->root = MA_NONE;
	n->tables = 0;
}

int shadow_nested_build(struct shadow_nested *n, struct shadow_mframe *mf,
			const struct shadow_pmap *pm)
{
	memset(n, 0, sizeof *n);
	n->mf = mf;
	n->pm = pm;
	n->root = shadow_mframe_alloc(mf, SHADOW_OWNER_MONITOR);
	if (n->root == MA_NONE)
		return -1;
	n->tables = 1;
	for (uint64_t p = 0; p < pm->npages; p++) {
		if (nested_map(n, p << PAGE_SHIFT, pm->frame[p])) {
			shadow_nested_free(n);
			return -1;
		}
	}
	return 0;
}

bool shadow_nested_walk(const struct shadow_nested *n, pa_t pa, struct shadow_nwalk *w)
{
	memset(w, 0, sizeof *w);
	w->pa = pa;
	w->ma = MA_NONE;
	ma_t table = n->root;
	for (unsigned level = 4; level >= 1; level--) {
		ma_t at = table + 8ull * shadow_pt_index(level, pa);
		w->ref_ma[w->nrefs++] = at;
		const uint64_t *e = shadow_mframe_word(n->mf, at);
		if (!e || !(*e & PTE_P))
			return false; /* an EPT violation: pa is not guest RAM */
		table = *e & PTE_ADDR_MASK;
	}
	w->ma = table | (pa & (PAGE_SIZE - 1));
	w->ok = true;
	return true;
}

/* Translate one more guest PA through the nested table, counting it. */
static bool nested_step(const struct shadow_nested *n, struct shadow_walk2d *w, pa_t pa)
{
	struct shadow_nwalk *nw = &w->nw[w->nnested++];
	bool ok = shadow_nested_walk(n, pa, nw);
	w->refs += nw->nrefs;
	if (!ok) {
		w->bad_pa = true;
		w->g.status = SHADOW_WALK_FAULT;
	}
	return ok;
}

enum shadow_walk_status shadow_walk2d(const struct shadow_nested *n, struct shadow_walk2d *w,
				      pa_t cr3, va_t va, enum cpu_access acc, unsigned flags)
{
	memset(w, 0, sizeof *w);
	w->ma = MA_NONE;
	shadow_walk_begin(&w->g, cr3, va, acc, flags);
	while (w->g.status == SHADOW_WALK_RUNNING) {
		/* the guest entry's PA goes through the nested table first */
		if (!nested_step(n, w, w->g.table + 8ull * shadow_pt_index(w->g.level, va)))
			return w->g.status;
		shadow_walk_step(&w->g, n->pm);
		w->refs++;
	}
	if (w->g.status != SHADOW_WALK_OK || !nested_step(n, w, w->g.pa))
		return w->g.status;
	w->ma = w->nw[w->nnested - 1].ma;
	return w->g.status;
}
