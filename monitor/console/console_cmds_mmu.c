/*
 * monitor/console/console_cmds_mmu.c — the address-translation views: tlb (the
 * simulated TLB), pt (the guest's own walk), shadow (the monitor's shadow
 * table and TLB entry for a VA, per view), translate (VA -> PA -> MA).
 */
#include <string.h>

#include "monitor/console/console.h"
#include "shadow/shadow.h"
#include "tlb/tlb.h"

static const char *const level_name[5] = {"", "PT  ", "PD  ", "PDPT", "PML4"};

static void print_pte_flags(FILE *f, uint64_t e)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{PTE_P, "P"}, {PTE_RW, "RW"}, {PTE_US, "US"}, {PTE_PWT, "PWT"}, {PTE_PCD, "PCD"},
		{PTE_A, "A"}, {PTE_D, "D"}, {PTE_PS, "PS"}, {PTE_G, "G"}, {PTE_NX, "NX"},
	};
	if (!(e & PTE_P)) {
		fputs("  not present", f);
		return;
	}
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (e & bits[i].bit)
			fprintf(f, " %s", bits[i].name);
}

/* "not present, read, user" for a #PF error code. */
static void pf_text(uint32_t err, char *buf, size_t len)
{
	snprintf(buf, len, "%s, %s, %s%s%s", err & PFERR_P ? "protection violation" : "not present",
		 err & PFERR_I ? "fetch" : err & PFERR_W ? "write" : "read",
		 err & PFERR_U ? "user" : "supervisor", err & PFERR_RSVD ? ", reserved bit set" : "",
		 err & PFERR_I ? ", instruction fetch" : "");
}

/* A walk that completed but failed only on U/S: the page is there, for the kernel. */
static bool supervisor_only(const struct mon_xlat *x)
{
	return (x->pf_error & (PFERR_P | PFERR_U | PFERR_RSVD)) == (PFERR_P | PFERR_U);
}

const char *con_xlat_unmapped(const struct mon_xlat *x)
{
	return !x->noncanonical && !(x->pf_error & PFERR_P) ? "not mapped by the guest: it would take " : "";
}

const char *con_xlat_fault(const struct mon_xlat *x, char *buf, size_t len)
{
	char why[128];
	if (x->noncanonical) {
		snprintf(buf, len, "#GP: non-canonical (bits 63..47 must be all 0 or all 1)");
	} else if (supervisor_only(x)) {
		snprintf(buf, len, "present, supervisor-only: user access faults (error 0x%x)", x->pf_error);
	} else {
		pf_text(x->pf_error, why, sizeof why);
		snprintf(buf, len, "#PF, error code 0x%x (%s)", x->pf_error, why);
	}
	return buf;
}

static int cmd_translate(struct con_session *s, va_t va)
{
	struct mon_xlat x;
	bool ok = mon_translate(s->vm, va, &x);
	fprintf(s->out, "VA 0x%016llx", (unsigned long long)va);
	if (!x.pa_ok) {
		char why[160];
		fprintf(s->out, " -> %s%s%s%s\n", con_color_on(s->color, CON_C_ERR), con_xlat_unmapped(&x),
			con_xlat_fault(&x, why, sizeof why), con_color_off(s->color));
		return 0;
	}
	fprintf(s->out, " -> PA 0x%016llx", (unsigned long long)x.pa);
	if (!ok || !x.ma_ok)
		fprintf(s->out, " -> %soutside guest memory (no MA)%s\n", con_color_on(s->color, CON_C_ERR),
			con_color_off(s->color));
	else
		fprintf(s->out, " -> %sMA 0x%016llx%s\n", con_color_on(s->color, CON_C_OK),
			(unsigned long long)x.ma, con_color_off(s->color));
	return 0;
}

static int cmd_pt(struct con_session *s, va_t va)
{
	struct mon_xlat x;
	mon_translate(s->vm, va, &x);
	const struct mon_vcpu *v = mon_vm_vcpu(s->vm);
	fprintf(s->out, "guest walk of VA 0x%016llx from CR3 0x%llx:\n", (unsigned long long)va,
		(unsigned long long)v->cr3);
	for (unsigned i = 0; i < x.nrefs && i < 4; i++) {
		unsigned level = 4 - i;
		fprintf(s->out, "  %s[%3u] at PA 0x%016llx = 0x%016llx", level_name[level],
			shadow_pt_index(level, va), (unsigned long long)x.ref_pa[i],
			(unsigned long long)x.ref_val[i]);
		print_pte_flags(s->out, x.ref_val[i]);
		fputc('\n', s->out);
	}
	if (x.pa_ok) {
		fprintf(s->out, "  -> PA 0x%016llx", (unsigned long long)x.pa);
		if (x.ma_ok)
			fprintf(s->out, " (pmap: MA 0x%016llx)\n", (unsigned long long)x.ma);
		else
			fprintf(s->out, " (outside guest memory)\n");
	} else {
		char why[160];
		fprintf(s->out, "  -> %s%s%s\n", con_color_on(s->color, CON_C_ERR), con_xlat_fault(&x, why, sizeof why),
			con_color_off(s->color));
	}
	return 0;
}

static const char *view_name(unsigned view)
{
	return view == TLB_VIEW_KERNEL ? "kernel" : "user";
}

/* Walk one shadow root (machine frames, MA entries) for va and print it. */
static void shadow_walk_print(struct con_session *s, ma_t table, va_t va)
{
	for (unsigned level = 4; level >= 1; level--) {
		ma_t at = table + 8ull * shadow_pt_index(level, va);
		uint64_t e;
		if (mon_read_ma(s->vm, at, &e, sizeof e) != sizeof e) {
			fprintf(s->out, "    S%s at MA 0x%llx: outside machine RAM\n", level_name[level],
				(unsigned long long)at);
			return;
		}
		fprintf(s->out, "    S%s[%3u] at MA 0x%016llx = 0x%016llx", level_name[level],
			shadow_pt_index(level, va), (unsigned long long)at, (unsigned long long)e);
		print_pte_flags(s->out, e);
		fputc('\n', s->out);
		if (!(e & PTE_P))
			return;
		if (level == 1 || (e & PTE_PS)) {
			fprintf(s->out, "    -> MA 0x%016llx\n",
				(unsigned long long)((e & PTE_ADDR_MASK & ~(shadow_level_span(level) - 1)) +
						     (va & (shadow_level_span(level) - 1))));
			return;
		}
		table = e & PTE_ADDR_MASK;
	}
}

static int cmd_shadow(struct con_session *s, va_t va)
{
	struct vm *vm = s->vm;
	cmd_translate(s, va);
	const struct shadow_vm *sh = mon_vm_shadow(vm);
	if (!sh || sh->cur < 0) {
		fprintf(s->out, "no shadow address space yet (the guest has not enabled its own paging)\n");
		return 0;
	}
	const struct shadow_root *r = &sh->root[sh->cur];
	fprintf(s->out, "shadow root for guest CR3 PA 0x%llx (current view: %s)\n",
		(unsigned long long)r->cr3, view_name(sh->view));
	for (unsigned view = 0; view < TLB_VIEW_COUNT; view++) {
		fprintf(s->out, "  %s view:", view_name(view));
		if (r->l4[view] == MA_NONE) {
			fprintf(s->out, " no shadow table yet\n");
		} else {
			fprintf(s->out, " shadow PML4 at MA 0x%llx\n", (unsigned long long)r->l4[view]);
			shadow_walk_print(s, r->l4[view], va);
		}
		struct tlb_key key = {.vmid = (uint16_t)mon_vm_id(vm), .asid = shadow_asid(sh), .view = (uint8_t)view, .va = va};
		struct tlb_slot slot;
		const struct tlb_entry *e = tlb_probe(mon_vm_tlb(vm), &key, &slot);
		char perm[32];
		if (e)
			fprintf(s->out, "    TLB: set %u way %u: VA 0x%llx -> MA 0x%llx %s\n", slot.set, slot.way,
				(unsigned long long)e->va, (unsigned long long)e->ma, tlb_perm_str(e->perm, perm));
		else
			fprintf(s->out, "    TLB: no entry (a fill would use set %u)\n",
				tlb_set_index(mon_vm_tlb(vm), va, false));
	}
	return 0;
}

static int cmd_tlb(struct con_session *s)
{
	const struct tlb *t = mon_vm_tlb(s->vm);
	uint64_t now = mon_vm_tlb_now(s->vm);
	fprintf(s->out, "TLB %u sets x %u ways, %s: %u valid entr%s\n", t->sets, t->ways,
		tlb_policy_name(t->policy), tlb_count_valid(t), tlb_count_valid(t) == 1 ? "y" : "ies");
	bool head = false;
	for (unsigned set = 0; set < t->sets; set++)
		for (unsigned way = 0; way < t->ways; way++) {
			const struct tlb_entry *e = tlb_entry_at(t, set, way);
			if (!e || !e->valid)
				continue;
			if (!head) {
				fprintf(s->out, "%sset way vmid asid view   VA                 PA                 MA                 perms         age%s\n",
					con_color_on(s->color, CON_C_HEAD), con_color_off(s->color));
				head = true;
			}
			char perm[32];
			fprintf(s->out, "%3u %3u %4u %4u %-6s 0x%016llx 0x%016llx 0x%016llx %-10s %6llu\n", set, way,
				e->vmid, e->asid, view_name(e->view), (unsigned long long)e->va,
				(unsigned long long)e->pa, (unsigned long long)e->ma, tlb_perm_str(e->perm, perm),
				(unsigned long long)(now >= e->stamp ? now - e->stamp : 0));
		}
	return 0;
}

int con_cmd_mmu(struct con_session *s, const struct con_cmd *c)
{
	switch (c->id) {
	case CON_TLB:
		return cmd_tlb(s);
	case CON_PT:
		return cmd_pt(s, c->addr);
	case CON_SHADOW:
		return cmd_shadow(s, c->addr);
	case CON_TRANSLATE:
		return cmd_translate(s, c->addr);
	default:
		return con_error(s, "internal: not an MMU command");
	}
}
