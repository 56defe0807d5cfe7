/*
 * cpu/mmu_paging.c — the bare-metal paging MMU: real 4-level x86-64 paging
 * from CR3 over cpu->ram, with PA == MA (no monitor in between), and a small
 * TLB of its own.
 *
 * A 48-bit VA splits as
 *   47     39 38     30 29     21 20     12 11        0
 *  | PML4 idx | PDPT idx |  PD idx  |  PT idx  |  offset  |
 * A PDPTE with PS maps a 1 GiB page, a PDE with PS a 2 MiB page.
 * Entry bits used: 0 P, 1 R/W, 2 U/S, 5 A, 6 D, 7 PS, 8 G, 51:12 address,
 * 63 XD (with EFER.NXE; reserved otherwise). Bits MAXPHYADDR..51 of every
 * entry, PS in a PML4E, and the low address bits of a large page are
 * reserved: a set one is a #PF with PFERR_RSVD.
 *
 * Permissions combine over the levels: writable only if every level has
 * R/W, user only if every level has U/S, no-execute if any level has XD.
 * Supervisor writes ignore R/W unless CR0.WP. A bits are set in every entry
 * of a successful walk, the D bit in the leaf on a write, as hardware does.
 *
 * The TLB holds 64 translations (4K, 2M or 1G), tagged with the PCID when
 * CR4.PCIDE, replaced round-robin (deterministic). Global entries (G with
 * CR4.PGE) survive CR3 writes. A #PF drops the entries for the faulting
 * address, so a handler that fixes a PTE need not invlpg. Every successful
 * translation may enter the core's fast cache: the walk has already set
 * A/D, and the fast cache is kept per privilege and access kind.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/internal.h"
#include "cpu/x86_pte.h"

#define PG_TLB_SIZE 64

/* Effective permissions of a cached translation. */
enum { PERM_W = 1, PERM_U = 2, PERM_NX = 4, PERM_G = 8, PERM_D = 16 };

struct pg_entry {
	uint64_t vbase; /* VA of the page, aligned to its size */
	uint64_t pbase; /* PA (== MA) of the page */
	uint16_t pcid;
	uint8_t shift;  /* 12, 21 or 30; 0: empty */
	uint8_t perm;
};

struct cpu_paging {
	struct pg_entry tlb[PG_TLB_SIZE];
	unsigned next;    /* round-robin victim */
	bool big_cached;  /* a 2M/1G page went into the fast cache since the last full flush */
	uint64_t walks, hits;
};

/* The VA bits indexing the table at `level` (4 = PML4 .. 1 = PT). */
static unsigned pt_index(unsigned level, va_t va)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511u;
}

static struct cpu_paging *state(const struct cpu *cpu)
{
	return cpu_paging_active(cpu) ? cpu->mmu_paging : NULL;
}

static uint16_t cur_pcid(const struct cpu *cpu)
{
	return (cpu->cr4 & CR4_PCIDE) ? (uint16_t)(cpu->cr3 & 0xfff) : 0;
}

static bool entry_covers(const struct pg_entry *e, va_t va)
{
	return e->shift && ((va ^ e->vbase) >> e->shift) == 0;
}

/* The #PF error code for an access. */
static uint32_t pf_err(const struct cpu *cpu, enum cpu_access acc, unsigned cpl, uint32_t bits)
{
	uint32_t err = bits;
	if (acc == ACC_WRITE)
		err |= PFERR_W;
	if (cpl == 3)
		err |= PFERR_U;
	if (acc == ACC_EXEC && (cpu->efer & EFER_NXE))
		err |= PFERR_I;
	return err;
}

/* Whether `perm` allows the access; a protection violation otherwise. */
static bool perm_ok(const struct cpu *cpu, unsigned perm, enum cpu_access acc, unsigned cpl)
{
	if (cpl == 3 && !(perm & PERM_U))
		return false;
	if (acc == ACC_WRITE && !(perm & PERM_W) && (cpl == 3 || (cpu->cr0 & CR0_WP)))
		return false;
	if (acc == ACC_EXEC && (perm & PERM_NX))
		return false;
	return true;
}

static void drop_va(struct cpu_paging *p, va_t va)
{
	for (unsigned k = 0; k < PG_TLB_SIZE; k++)
		if (entry_covers(&p->tlb[k], va))
			p->tlb[k].shift = 0;
}

/* Reserved bits of an entry at `level` (leaf: whether PS/level-1 maps a page). */
static bool pte_reserved(const struct cpu *cpu, uint64_t pte, unsigned level, bool leaf)
{
	if (pte & PTE_RSVD_MASK)
		return true;
	if ((pte & PTE_NX) && !(cpu->efer & EFER_NXE))
		return true;
	if (level == 4 && (pte & PTE_PS))
		return true;
	if (leaf && level == 3 && (pte & 0x3fffe000ull)) /* bits 29:13 */
		return true;
	if (leaf && level == 2 && (pte & 0x1fe000ull))   /* bits 20:13 */
		return true;
	return false;
}

/* Set `bits` in the entry at PA `at` if they are not all set yet. */
static void pte_set(struct cpu *cpu, pa_t at, uint64_t pte, uint64_t bits)
{
	if ((pte & bits) == bits)
		return;
	pte |= bits;
	memcpy(cpu->ram + at, &pte, 8);
	cpu_code_written(cpu, at, 8);
}

/*
 * Walk the tables for va. On success fills *e (not yet in the TLB), sets A
 * (and D for a write) and returns MMU_OK; else MMU_FAULT with out->err.
 * SIMPLIFICATION: a table or page outside RAM is reported as a reserved-bit
 * #PF (real hardware would read all-ones or hit unclaimed bus cycles).
 */
static enum mmu_result walk(struct cpu *cpu, va_t va, enum cpu_access acc, unsigned cpl,
			    struct pg_entry *e, struct mmu_xlat *out)
{
	pa_t at[4];
	uint64_t pte[4];
	unsigned perm = PERM_W | PERM_U;
	pa_t table = cpu->cr3 & PTE_FRAME_MASK;
	unsigned level = 4, n = 0;
	for (;; level--) {
		pa_t a = table + 8 * pt_index(level, va);
		if (a + 8 > cpu->ram_size)
			goto rsvd;
		uint64_t v;
		memcpy(&v, cpu->ram + a, 8);
		cpu->stats.paging_refs++;
		if (!(v & PTE_P)) {
			out->err = pf_err(cpu, acc, cpl, 0);
			return MMU_FAULT;
		}
		bool leaf = level == 1 || ((v & PTE_PS) && level <= 3);
		if (pte_reserved(cpu, v, level, leaf))
			goto rsvd;
		at[n] = a;
		pte[n++] = v;
		if (!(v & PTE_RW))
			perm &= ~(unsigned)PERM_W;
		if (!(v & PTE_US))
			perm &= ~(unsigned)PERM_U;
		if ((v & PTE_NX) && (cpu->efer & EFER_NXE))
			perm |= PERM_NX;
		if (leaf)
			break;
		table = v & PTE_FRAME_MASK;
	}
	unsigned shift = 12 + 9 * (level - 1);
	uint64_t leafpte = pte[n - 1];
	pa_t pbase = leafpte & PTE_FRAME_MASK & ~((1ull << shift) - 1);
	pa_t frame = pbase + (va & ((1ull << shift) - 1) & PAGE_MASK);
	if (frame + PAGE_SIZE > cpu->ram_size)
		goto rsvd;
	if (!perm_ok(cpu, perm, acc, cpl)) {
		out->err = pf_err(cpu, acc, cpl, PFERR_P);
		return MMU_FAULT;
	}
	for (unsigned k = 0; k + 1 < n; k++)
		pte_set(cpu, at[k], pte[k], PTE_A);
	pte_set(cpu, at[n - 1], leafpte, acc == ACC_WRITE ? PTE_A | PTE_D : PTE_A);
	if (acc == ACC_WRITE || (leafpte & PTE_D))
		perm |= PERM_D;
	if ((leafpte & PTE_G) && (cpu->cr4 & CR4_PGE))
		perm |= PERM_G;
	*e = (struct pg_entry){ va & ~((1ull << shift) - 1), pbase, cur_pcid(cpu), (uint8_t)shift,
				(uint8_t)perm };
	return MMU_OK;
rsvd:
	out->err = pf_err(cpu, acc, cpl, PFERR_P | PFERR_RSVD);
	return MMU_FAULT;
}

/* The TLB entry for va in the current PCID (or global), or NULL. */
static struct pg_entry *lookup(struct cpu_paging *p, const struct cpu *cpu, va_t va)
{
	uint16_t pcid = cur_pcid(cpu);
	for (unsigned k = 0; k < PG_TLB_SIZE; k++) {
		struct pg_entry *e = &p->tlb[k];
		if (entry_covers(e, va) && (e->pcid == pcid || (e->perm & PERM_G)))
			return e;
	}
	return NULL;
}

static enum mmu_result finish(struct cpu_paging *p, const struct pg_entry *e, va_t va,
			      struct mmu_xlat *out)
{
	out->ma = e->pbase + (va & ((1ull << e->shift) - 1));
	out->cacheable = true;
	out->touch = NULL;
	if (e->shift > 12)
		p->big_cached = true;
	return MMU_OK;
}

static enum mmu_result paging_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
					unsigned cpl, struct mmu_xlat *out)
{
	struct cpu_paging *p = ctx;
	if (!(cpu->cr0 & CR0_PG)) {
		/* Paging off (only before the guest turns it on): identity. */
		if (va >= cpu->ram_size) {
			out->err = pf_err(cpu, acc, cpl, 0);
			return MMU_FAULT;
		}
		out->ma = va;
		out->cacheable = true;
		out->touch = NULL;
		return MMU_OK;
	}
	struct pg_entry *e = lookup(p, cpu, va);
	if (e && !(acc == ACC_WRITE && !(e->perm & PERM_D))) {
		if (perm_ok(cpu, e->perm, acc, cpl)) {
			p->hits++;
			return finish(p, e, va, out);
		}
		drop_va(p, va);
		out->err = pf_err(cpu, acc, cpl, PFERR_P);
		return MMU_FAULT;
	}
	struct pg_entry n;
	p->walks++;
	cpu->stats.paging_walks++;
	if (walk(cpu, va, acc, cpl, &n, out) != MMU_OK) {
		drop_va(p, va);
		return MMU_FAULT;
	}
	if (e)
		*e = n; /* a clean entry upgraded by a write */
	else {
		e = &p->tlb[p->next];
		p->next = (p->next + 1) % PG_TLB_SIZE;
		*e = n;
	}
	return finish(p, e, va, out);
}

void cpu_mmu_use_paging(struct cpu *cpu)
{
	if (!cpu->mmu_paging) {
		cpu->mmu_paging = calloc(1, sizeof(struct cpu_paging));
		if (!cpu->mmu_paging)
			abort(); /* 2 KiB at set-up: no sensible way to go on */
	}
	cpu->mmu.translate = paging_translate;
	cpu->mmu.ctx = cpu->mmu_paging;
	cpu_paging_flush(cpu, false);
	cpu_ftlb_flush(cpu);
}

void cpu_paging_free(struct cpu *cpu)
{
	free(cpu->mmu_paging);
	cpu->mmu_paging = NULL;
}

bool cpu_paging_active(const struct cpu *cpu)
{
	return cpu->mmu_paging && cpu->mmu.translate == paging_translate &&
	       cpu->mmu.ctx == cpu->mmu_paging;
}

/* invlpg: drop va's entries (any PCID, global too). If a large page may
 * sit in the fast cache in 4K pieces, the whole fast cache goes. */
void cpu_paging_invlpg(struct cpu *cpu, va_t va)
{
	struct cpu_paging *p = state(cpu);
	if (!p)
		return;
	bool big = p->big_cached;
	for (unsigned k = 0; k < PG_TLB_SIZE; k++) {
		struct pg_entry *e = &p->tlb[k];
		if (entry_covers(e, va)) {
			big |= e->shift > 12;
			e->shift = 0;
		}
	}
	if (big)
		cpu_ftlb_flush(cpu);
}

void cpu_paging_flush(struct cpu *cpu, bool keep_global)
{
	struct cpu_paging *p = state(cpu);
	if (!p)
		return;
	for (unsigned k = 0; k < PG_TLB_SIZE; k++)
		if (!keep_global || !(p->tlb[k].perm & PERM_G))
			p->tlb[k].shift = 0;
	if (!keep_global)
		p->big_cached = false;
}

void cpu_paging_cr3_written(struct cpu *cpu, bool noflush)
{
	struct cpu_paging *p = state(cpu);
	if (!p || noflush)
		return;
	bool pcide = cpu->cr4 & CR4_PCIDE;
	uint16_t pcid = cur_pcid(cpu);
	for (unsigned k = 0; k < PG_TLB_SIZE; k++) {
		struct pg_entry *e = &p->tlb[k];
		if (!(e->perm & PERM_G) && (!pcide || e->pcid == pcid))
			e->shift = 0;
	}
}

void cpu_paging_counts(const struct cpu *cpu, uint64_t *walks, uint64_t *hits)
{
	const struct cpu_paging *p = cpu->mmu_paging;
	*walks = p ? p->walks : 0;
	*hits = p ? p->hits : 0;
}
