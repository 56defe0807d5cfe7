/*
 * tests/unit/test_cpu_paging.c — the bare-metal 4-level paging MMU: exact
 * #PF error codes (P, W, U, RSVD, I), A/D updates, 4K/2M/1G pages, CR0.WP,
 * NX, reserved bits, and its TLB (stale until invlpg, CR3 flushes, global
 * pages, PCIDs, #PF dropping the entry).
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

#define PML4 0x10000u
#define P 1ull
#define RW 2ull
#define US 4ull
#define A (1ull << 5)
#define D (1ull << 6)
#define PS (1ull << 7)
#define G (1ull << 8)
#define XD (1ull << 63)

static struct cpu C;
static uint64_t next_table;

static void setup(void)
{
	fx_setup(&C);
	next_table = PML4 + 0x1000;
	C.cr3 = PML4;
	cpu_mmu_use_paging(&C);
}
static void teardown(void) { fx_teardown(&C); }

/* The entry for va at `level`, creating tables above it with `upper` flags. */
static uint64_t entry_addr(uint64_t va, unsigned level, uint64_t upper)
{
	uint64_t table = PML4;
	for (unsigned l = 4; l > level; l--) {
		uint64_t a = table + 8 * ((va >> (12 + 9 * (l - 1))) & 511);
		uint64_t e = get64(a);
		if (!(e & P)) {
			e = next_table | upper;
			next_table += 0x1000;
			put64(a, e);
		}
		table = e & 0xffffffffff000ull;
	}
	return table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
}

/* Map va -> pa with leaf flags at level (1: 4K, 2: 2M, 3: 1G). */
static uint64_t map(uint64_t va, uint64_t pa, uint64_t flags, unsigned level)
{
	uint64_t a = entry_addr(va, level, P | RW | US);
	put64(a, pa | flags | (level > 1 ? PS : 0));
	return a;
}

struct xl {
	enum mmu_result r;
	uint64_t ma;
	uint32_t err;
	bool cacheable;
};
static struct xl xlate(uint64_t va, enum cpu_access acc, unsigned cpl)
{
	struct mmu_xlat x = { 0 };
	struct xl o;
	o.r = C.mmu.translate(C.mmu.ctx, &C, va, acc, cpl, &x);
	o.ma = x.ma;
	o.err = x.err;
	o.cacheable = x.cacheable;
	return o;
}

#define ck_pf(x, e) do { struct xl x_ = (x); \
	ck_assert_int_eq(x_.r, MMU_FAULT); ck_assert_uint_eq(x_.err, (e)); } while (0)
#define ck_ma(x, m) do { struct xl x_ = (x); \
	ck_assert_int_eq(x_.r, MMU_OK); ck_assert_uint_eq(x_.ma, (m)); } while (0)

START_TEST(test_4k_and_ad_bits)
{
	uint64_t pte = map(0x400000, 0x30000, P | RW | US, 1);
	ck_ma(xlate(0x400123, ACC_READ, 3), 0x30123);
	ck_assert_uint_eq(get64(pte), 0x30000 | P | RW | US | A); /* A, no D on a read */
	uint64_t a = PML4;
	for (unsigned l = 4; l > 1; l--) { /* A in every level */
		uint64_t e = get64(a + 8 * ((0x400000ull >> (12 + 9 * (l - 1))) & 511));
		ck_assert_msg(e & A, "level %u has no A", l);
		ck_assert_msg(!(e & D), "level %u has D", l);
		a = e & 0xffffffffff000ull;
	}
	struct xl x = xlate(0x400ff8, ACC_WRITE, 3);
	ck_assert_int_eq(x.r, MMU_OK);
	ck_assert(x.cacheable);
	ck_assert_uint_eq(get64(pte), 0x30000 | P | RW | US | A | D);
}
END_TEST

START_TEST(test_not_present_codes)
{
	ck_pf(xlate(0x400000, ACC_READ, 0), 0);
	ck_pf(xlate(0x400000, ACC_WRITE, 0), PFERR_W);
	ck_pf(xlate(0x400000, ACC_READ, 3), PFERR_U);
	ck_pf(xlate(0x400000, ACC_WRITE, 3), PFERR_W | PFERR_U);
	ck_pf(xlate(0x400000, ACC_EXEC, 3), PFERR_U); /* I only with NXE */
	C.efer |= EFER_NXE;
	ck_pf(xlate(0x400000, ACC_EXEC, 3), PFERR_U | PFERR_I);
	/* not present at the PT level, tables above present */
	map(0x401000, 0x30000, P, 1);
	ck_pf(xlate(0x400000, ACC_READ, 0), 0);
}
END_TEST

START_TEST(test_user_supervisor)
{
	map(0x400000, 0x30000, P | RW | US, 1);
	/* clear U/S in the PDE: the whole 2M region is supervisor */
	uint64_t pde = entry_addr(0x400000, 2, 0);
	put64(pde, get64(pde) & ~US);
	ck_pf(xlate(0x400000, ACC_READ, 3), PFERR_P | PFERR_U);
	ck_pf(xlate(0x400000, ACC_WRITE, 3), PFERR_P | PFERR_W | PFERR_U);
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000);
	ck_ma(xlate(0x400000, ACC_WRITE, 0), 0x30000);
}
END_TEST

START_TEST(test_read_only_and_wp)
{
	map(0x400000, 0x30000, P | US, 1);
	ck_pf(xlate(0x400000, ACC_WRITE, 3), PFERR_P | PFERR_W | PFERR_U);
	ck_ma(xlate(0x400000, ACC_WRITE, 0), 0x30000); /* CR0.WP = 0: supervisor may */
	C.cr0 |= CR0_WP;
	cpu_paging_flush(&C, false);
	ck_pf(xlate(0x400000, ACC_WRITE, 0), PFERR_P | PFERR_W);
	ck_ma(xlate(0x400000, ACC_READ, 3), 0x30000);
}
END_TEST

START_TEST(test_nx)
{
	map(0x400000, 0x30000, P | RW | US | XD, 1);
	ck_pf(xlate(0x400000, ACC_READ, 0), PFERR_P | PFERR_RSVD); /* XD reserved without NXE */
	C.efer |= EFER_NXE;
	ck_pf(xlate(0x400000, ACC_EXEC, 3), PFERR_P | PFERR_U | PFERR_I);
	ck_pf(xlate(0x400000, ACC_EXEC, 0), PFERR_P | PFERR_I);
	ck_ma(xlate(0x400000, ACC_READ, 3), 0x30000);
	map(0x600000, 0x31000, P | RW | US, 1);
	ck_ma(xlate(0x600000, ACC_EXEC, 3), 0x31000);
}
END_TEST

START_TEST(test_reserved_bits)
{
	map(0x400000, 0x30000 | (1ull << 45), P | RW | US, 1); /* above MAXPHYADDR */
	ck_pf(xlate(0x400000, ACC_WRITE, 3), PFERR_P | PFERR_RSVD | PFERR_W | PFERR_U);
	map(0x800000, 0x200000 | (1ull << 13), P | RW, 2); /* 2M page, bit 13 */
	ck_pf(xlate(0x800000, ACC_READ, 0), PFERR_P | PFERR_RSVD);
	/* PS in a PML4E */
	put64(PML4 + 8 * 5, 0x200000 | P | RW | PS);
	ck_pf(xlate(5ull << 39, ACC_READ, 0), PFERR_P | PFERR_RSVD);
	/* a table outside RAM */
	put64(PML4 + 8 * 6, (uint64_t)(FX_RAM + 0x100000) | P | RW);
	ck_pf(xlate(6ull << 39, ACC_READ, 0), PFERR_P | PFERR_RSVD);
	/* a page outside RAM */
	map(0xa00000, FX_RAM, P | RW, 1);
	ck_pf(xlate(0xa00000, ACC_READ, 0), PFERR_P | PFERR_RSVD);
}
END_TEST

START_TEST(test_large_pages)
{
	uint64_t pde = map(0x40000000ull + 0x200000, 0x200000, P | RW | US, 2);
	ck_ma(xlate(0x40000000ull + 0x212345, ACC_WRITE, 3), 0x212345);
	ck_assert_uint_eq(get64(pde) & (A | D), A | D);
	uint64_t pdpte = map(0x80000000ull, 0, P | RW, 3);
	ck_ma(xlate(0x80000000ull + 0x3ff000, ACC_READ, 0), 0x3ff000);
	ck_assert_uint_eq(get64(pdpte) & (A | D), A);
	ck_pf(xlate(0x80000000ull + 0x3ff000, ACC_READ, 3), PFERR_P | PFERR_U);
}
END_TEST

START_TEST(test_tlb_stale_until_invlpg)
{
	uint64_t pte = map(0x400000, 0x30000, P | RW | US, 1);
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000);
	put64(pte, 0x31000 | P | RW | US);
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000); /* the TLB still holds it */
	uint64_t walks, hits;
	cpu_paging_counts(&C, &walks, &hits);
	ck_assert_uint_eq(walks, 1);
	ck_assert_uint_eq(hits, 1);
	struct outcome o = fx_exec(&C, (struct cpu_sens){ .op = SOP_INVLPG, .mem = true, .ea = 0x400abc });
	ck_ok(o);
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x31000);
	cpu_paging_counts(&C, &walks, &hits);
	ck_assert_uint_eq(walks, 2);
}
END_TEST

START_TEST(test_write_to_clean_entry_rewalks)
{
	uint64_t pte = map(0x400000, 0x30000, P | RW | US, 1);
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000);
	ck_assert_uint_eq(get64(pte) & D, 0);
	ck_ma(xlate(0x400000, ACC_WRITE, 0), 0x30000);
	ck_assert_uint_eq(get64(pte) & D, D);
	uint64_t walks, hits;
	cpu_paging_counts(&C, &walks, &hits);
	ck_assert_uint_eq(walks, 2);
	ck_ma(xlate(0x400000, ACC_WRITE, 0), 0x30000);
	cpu_paging_counts(&C, &walks, &hits);
	ck_assert_uint_eq(walks, 2); /* now dirty in the TLB: a hit */
}
END_TEST

START_TEST(test_fault_drops_entry)
{
	uint64_t pte = map(0x400000, 0x30000, P | US, 1);
	ck_ma(xlate(0x400000, ACC_READ, 3), 0x30000);
	ck_pf(xlate(0x400000, ACC_WRITE, 3), PFERR_P | PFERR_W | PFERR_U);
	put64(pte, get64(pte) | RW); /* the handler fixes the PTE, no invlpg */
	ck_ma(xlate(0x400000, ACC_WRITE, 3), 0x30000);
}
END_TEST

static struct outcome mov_cr3(uint64_t v)
{
	C.gpr[RAX] = v;
	return fx_exec(&C, (struct cpu_sens){ .op = SOP_MOV_TO_CR, .cr = 3, .reg = RAX });
}

static struct outcome mov_cr4(uint64_t v)
{
	C.gpr[RAX] = v;
	return fx_exec(&C, (struct cpu_sens){ .op = SOP_MOV_TO_CR, .cr = 4, .reg = RAX });
}

START_TEST(test_cr3_and_global)
{
	uint64_t pte_l = map(0x400000, 0x30000, P | RW, 1);
	uint64_t pte_g = map(0x600000, 0x31000, P | RW | G, 1);
	ck_ok(mov_cr4(C.cr4 | CR4_PGE));
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000);
	ck_ma(xlate(0x600000, ACC_READ, 0), 0x31000);
	put64(pte_l, 0x32000 | P | RW);
	put64(pte_g, 0x33000 | P | RW | G);
	ck_ok(mov_cr3(PML4));
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x32000); /* flushed */
	ck_ma(xlate(0x600000, ACC_READ, 0), 0x31000); /* global: survives */
	ck_ok(mov_cr4(C.cr4 & ~CR4_PGE));              /* flushes globals too */
	ck_ma(xlate(0x600000, ACC_READ, 0), 0x33000);
	/* without PGE the G bit does not keep an entry */
	put64(pte_g, 0x34000 | P | RW | G);
	ck_ok(mov_cr3(PML4));
	ck_ma(xlate(0x600000, ACC_READ, 0), 0x34000);
}
END_TEST

START_TEST(test_pcid)
{
	uint64_t pte = map(0x400000, 0x30000, P | RW, 1);
	ck_ok(mov_cr4(C.cr4 | CR4_PCIDE));
	ck_ok(mov_cr3(PML4 | 1));
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000); /* PCID 1 */
	put64(pte, 0x31000 | P | RW);
	ck_ok(mov_cr3(PML4 | 2 | (1ull << 63)));
	ck_assert_uint_eq(C.cr3, PML4 | 2);
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x31000); /* PCID 2: own walk */
	put64(pte, 0x32000 | P | RW);
	ck_ok(mov_cr3(PML4 | 1 | (1ull << 63)));        /* back to 1, no flush */
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x30000);
	ck_ok(mov_cr3(PML4 | 1));                        /* flush PCID 1 */
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x32000);
	ck_ok(mov_cr3(PML4 | 2 | (1ull << 63)));        /* PCID 2 kept its entry */
	ck_ma(xlate(0x400000, ACC_READ, 0), 0x31000);
}
END_TEST

/* Through the core's memory path: the fault record carries the VA (CR2). */
static bool read_then_cross_write(uint64_t *v)
{
	jmp_buf jb;
	jmp_buf *old = cpu_catch(&C, &jb);
	if (setjmp(jb)) {
		cpu_catch(&C, old);
		return true;
	}
	*v = cpu_mem_read(&C, 0x400010, 8);
	cpu_mem_write(&C, 0x400ffc, 8, 0); /* crosses into an unmapped page */
	cpu_catch(&C, old);
	return false;
}

START_TEST(test_core_access_faults)
{
	map(0x400000, 0x30000, P | RW | US, 1);
	put64(0x30010, 0x1122334455667788ull);
	uint64_t v = 0;
	ck_assert(read_then_cross_write(&v));
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	ck_assert_uint_eq(cpu_last_fault(&C)->vector, VEC_PF);
	ck_assert_uint_eq(cpu_last_fault(&C)->error, PFERR_W);
	ck_assert_uint_eq(cpu_last_fault(&C)->va, 0x401000);
	ck_assert_uint_eq(get64(0x30ff8), 0); /* nothing written */
}
END_TEST

/* invlpg of any address in a 2M page must also drop the other 4K pieces
 * the core's fast cache holds. */
static uint64_t core_read(uint64_t va)
{
	jmp_buf jb;
	jmp_buf *old = cpu_catch(&C, &jb);
	if (setjmp(jb)) {
		cpu_catch(&C, old);
		return ~0ull;
	}
	uint64_t v = cpu_mem_read(&C, va, 8);
	cpu_catch(&C, old);
	return v;
}

START_TEST(test_invlpg_large_page_flushes_fast_cache)
{
	uint64_t pde = map(0x40000000ull, 0x200000, P | RW, 2);
	put64(0x201000, 111);
	put64(0x001000, 222);
	ck_assert_uint_eq(core_read(0x40001000ull), 111);
	put64(pde, 0 | P | RW | PS); /* the 2M page now maps PA 0 */
	ck_assert_uint_eq(core_read(0x40001000ull), 111); /* stale until invlpg */
	ck_ok(fx_exec(&C, (struct cpu_sens){ .op = SOP_INVLPG, .mem = true, .ea = 0x40100000ull }));
	ck_assert_uint_eq(core_read(0x40001000ull), 222);
}
END_TEST

/* Before the guest sets CR0.PG the paging MMU is the identity. */
START_TEST(test_paging_off_identity)
{
	C.cr0 &= ~CR0_PG;
	ck_ma(xlate(0x123456, ACC_WRITE, 3), 0x123456);
	ck_pf(xlate(FX_RAM, ACC_READ, 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_paging");
	TCase *t = tcase_create("paging");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_4k_and_ad_bits);
	tcase_add_test(t, test_not_present_codes);
	tcase_add_test(t, test_user_supervisor);
	tcase_add_test(t, test_read_only_and_wp);
	tcase_add_test(t, test_nx);
	tcase_add_test(t, test_reserved_bits);
	tcase_add_test(t, test_large_pages);
	tcase_add_test(t, test_tlb_stale_until_invlpg);
	tcase_add_test(t, test_write_to_clean_entry_rewalks);
	tcase_add_test(t, test_fault_drops_entry);
	tcase_add_test(t, test_cr3_and_global);
	tcase_add_test(t, test_pcid);
	tcase_add_test(t, test_core_access_faults);
	tcase_add_test(t, test_invlpg_large_page_flushes_fast_cache);
	tcase_add_test(t, test_paging_off_identity);
	suite_add_tcase(s, t);
	return check_run(s);
}
