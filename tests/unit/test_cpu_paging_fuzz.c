/*
 * tests/unit/test_cpu_paging_fuzz.c — the paging walker on random tables:
 * page tables full of random (but often plausible) entries, random VAs,
 * access kinds, CPLs, CR0.WP / EFER.NXE / CR4.PGE, interleaved with
 * invlpg and CR3 writes. Every translation must either give an MA inside
 * RAM with the VA's page offset, or a #PF whose error code has exactly the
 * access bits (W for writes, U at CPL 3, I for fetches with NXE). Seeded,
 * deterministic; also meant for ASan/UBSan.
 */
#include <stdio.h>

#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

#define PT_BASE 0x10000u
#define PT_PAGES 64u

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static struct cpu C;
static void setup(void)
{
	fx_setup(&C);
	rng_state = 0x243f6a8885a308d3ull;
	C.cr3 = PT_BASE;
	cpu_mmu_use_paging(&C);
}
static void teardown(void) { fx_teardown(&C); }

/* An entry: usually pointing at one of the table pages (or a low frame),
 * with random flag bits; sometimes pure noise. */
static uint64_t random_entry(void)
{
	if (rnd() % 8 == 0)
		return rnd();
	uint64_t frame = rnd() % 2 ? PT_BASE + 0x1000 * (rnd() % PT_PAGES) : 0x1000 * (rnd() % 1024);
	uint64_t flags = rnd() & 0x78; /* PWT PCD A D */
	flags |= rnd() % 8 ? 1 : 0;                  /* P */
	flags |= rnd() % 4 ? 2 : 0;                  /* RW */
	flags |= rnd() % 4 ? 4 : 0;                  /* US */
	flags |= rnd() % 8 ? 0 : 0x80;               /* PS */
	flags |= rnd() % 4 ? 0 : 0x100;              /* G */
	if (rnd() % 16 == 0)
		flags |= 1ull << 63;
	if (rnd() % 32 == 0)
		flags |= 1ull << (40 + rnd() % 12);
	return frame | flags;
}

static uint64_t random_va(void)
{
	/* indexes into the first few entries of each level, so walks go deep */
	uint64_t va = 0;
	for (unsigned l = 4; l >= 1; l--)
		va |= (rnd() % 4) << (12 + 9 * (l - 1));
	va |= rnd() & 0xfff;
	if (rnd() % 2)
		va |= 0xffff800000000000ull; /* upper half (PML4 index 256+) */
	return va;
}

START_TEST(test_random_walks)
{
	for (uint64_t a = PT_BASE; a < PT_BASE + 0x1000 * PT_PAGES; a += 8)
		put64(a, random_entry());
	for (unsigned i = 0; i < 256; i++) /* upper half: reuse some tables */
		put64(PT_BASE + 8 * (256 + i % 4), random_entry());
	unsigned ok = 0, faults = 0;
	for (int round = 0; round < 200000; round++) {
		uint64_t r = rnd();
		if (r % 64 == 0)
			put64(PT_BASE + 8 * (rnd() % (512 * PT_PAGES)), random_entry());
		if (r % 512 == 1)
			C.cr0 ^= CR0_WP, cpu_paging_flush(&C, false);
		if (r % 512 == 2)
			C.efer ^= EFER_NXE, cpu_paging_flush(&C, false);
		if (r % 512 == 3)
			C.cr4 ^= CR4_PGE, cpu_paging_flush(&C, false);
		if (r % 256 == 4)
			cpu_paging_invlpg(&C, random_va());
		if (r % 1024 == 5)
			C.cr3 = PT_BASE + 0x1000 * (rnd() % 4), cpu_paging_cr3_written(&C, false);
		uint64_t va = random_va();
		enum cpu_access acc = (enum cpu_access)(rnd() % 3);
		unsigned cpl = rnd() % 2 ? 3 : 0;
		struct mmu_xlat x = { 0 };
		enum mmu_result res = C.mmu.translate(C.mmu.ctx, &C, va, acc, cpl, &x);
		if (res == MMU_OK) {
			ok++;
			ck_assert_uint_lt(x.ma, FX_RAM);
			ck_assert_uint_eq(x.ma & 0xfff, va & 0xfff);
			continue;
		}
		ck_assert_int_eq(res, MMU_FAULT);
		faults++;
		uint32_t want = (acc == ACC_WRITE ? PFERR_W : 0) | (cpl == 3 ? PFERR_U : 0) |
				(acc == ACC_EXEC && (C.efer & EFER_NXE) ? PFERR_I : 0);
		ck_assert_uint_eq(x.err & (PFERR_W | PFERR_U | PFERR_I), want);
		ck_assert_uint_eq(x.err & ~(PFERR_P | PFERR_W | PFERR_U | PFERR_I | PFERR_RSVD), 0);
		if (x.err & PFERR_RSVD)
			ck_assert(x.err & PFERR_P);
	}
	/* the mix must exercise both outcomes */
	ck_assert_uint_gt(ok, 1000);
	ck_assert_uint_gt(faults, 1000);
	printf("paging fuzz: %u translations, %u faults\n", ok, faults);
}
END_TEST

/* A reference walk written independently of cpu/mmu_paging.c (SDM 4.5,
 * with MAXPHYADDR 40), no TLB, no A/D updates. Returns true with *pa, or
 * false with *err. */
static bool ref_walk(uint64_t va, enum cpu_access acc, unsigned cpl, uint64_t *pa, uint32_t *err)
{
	bool nxe = C.efer & EFER_NXE;
	uint32_t acc_bits = (acc == ACC_WRITE ? PFERR_W : 0) | (cpl == 3 ? PFERR_U : 0) |
			    (acc == ACC_EXEC && nxe ? PFERR_I : 0);
	bool user_ok = true, write_ok = true, exec_ok = true;
	uint64_t table = C.cr3 & 0x000000fffffff000ull;
	for (int level = 4; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t at = table + 8 * ((va >> shift) & 511);
		if (at + 8 > FX_RAM) {
			*err = acc_bits | PFERR_P | PFERR_RSVD;
			return false;
		}
		uint64_t e = get64(at);
		if (!(e & 1)) {
			*err = acc_bits;
			return false;
		}
		bool big = (e & 0x80) && (level == 2 || level == 3);
		uint64_t rsvd = 0x000fff0000000000ull;            /* bits 51:40 */
		if (!nxe)
			rsvd |= 1ull << 63;
		if (level == 4)
			rsvd |= 0x80;
		if (big)
			rsvd |= level == 3 ? 0x3fffe000ull : 0x1fe000ull;
		if (e & rsvd) {
			*err = acc_bits | PFERR_P | PFERR_RSVD;
			return false;
		}
		user_ok = user_ok && (e & 4);
		write_ok = write_ok && (e & 2);
		exec_ok = exec_ok && !(nxe && (e >> 63));
		if (big || level == 1) {
			uint64_t base = e & 0x000000fffffff000ull & ~((1ull << shift) - 1);
			*pa = base | (va & ((1ull << shift) - 1));
			if ((*pa & ~0xfffull) + 0x1000 > FX_RAM) {
				*err = acc_bits | PFERR_P | PFERR_RSVD;
				return false;
			}
			bool ok = !(cpl == 3 && !user_ok) &&
				  !(acc == ACC_WRITE && !write_ok && (cpl == 3 || (C.cr0 & CR0_WP))) &&
				  !(acc == ACC_EXEC && !exec_ok);
			if (!ok)
				*err = acc_bits | PFERR_P;
			return ok;
		}
		table = e & 0x000000fffffff000ull;
	}
	return false;
}

/* With the TLB flushed before each access, the MMU agrees with the
 * reference walk exactly (MA or error code). */
START_TEST(test_against_reference)
{
	for (uint64_t a = PT_BASE; a < PT_BASE + 0x1000 * PT_PAGES; a += 8)
		put64(a, random_entry());
	for (unsigned i = 0; i < 4; i++)
		put64(PT_BASE + 8 * (256 + i), random_entry());
	unsigned ok = 0;
	for (int round = 0; round < 100000; round++) {
		if (rnd() % 32 == 0)
			put64(PT_BASE + 8 * (rnd() % (512 * PT_PAGES)), random_entry());
		if (rnd() % 256 == 0)
			C.cr0 ^= CR0_WP;
		if (rnd() % 256 == 0)
			C.efer ^= EFER_NXE;
		cpu_paging_flush(&C, false);
		uint64_t va = random_va();
		enum cpu_access acc = (enum cpu_access)(rnd() % 3);
		unsigned cpl = rnd() % 2 ? 3 : 0;
		uint64_t pa = 0;
		uint32_t err = 0;
		bool want = ref_walk(va, acc, cpl, &pa, &err);
		struct mmu_xlat x = { 0 };
		enum mmu_result res = C.mmu.translate(C.mmu.ctx, &C, va, acc, cpl, &x);
		ck_assert_msg((res == MMU_OK) == want, "va %#llx acc %d cpl %u: mmu %d ref %d (err %#x)",
			      (unsigned long long)va, acc, cpl, res, want, want ? 0 : err);
		if (want) {
			ok++;
			ck_assert_uint_eq(x.ma, pa);
		} else {
			ck_assert_uint_eq(x.err, err);
		}
	}
	ck_assert_uint_gt(ok, 500);
	printf("paging reference: %u of 100000 translated, all agree\n", ok);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_paging_fuzz");
	TCase *t = tcase_create("fuzz");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_random_walks);
	tcase_add_test(t, test_against_reference);
	suite_add_tcase(s, t);
	return check_run(s);
}
