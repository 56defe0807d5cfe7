/*
 * tests/unit/test_cpu_exception_fuzz.c — garbage in the system tables never
 * crashes the host: with a seeded PRNG, fill the GDT, IDT and TSS with
 * random bytes (sometimes keeping a valid entry), pick a random CPL, RSP
 * and event, and deliver it; then run random sensitive operations with
 * random operands. Every outcome must be a delivery (RIP = the gate's
 * target, CPL <= old CPL) or a triple fault, or a caught fault. Meant to be
 * run under ASan/UBSan too (make asan).
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, seeded per test */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static struct cpu C;
static void setup(void) { fx_setup(&C); rng_state = 0x9e3779b97f4a7c15ull; }
static void teardown(void) { fx_teardown(&C); }

static void scribble(uint64_t at, unsigned len)
{
	for (unsigned i = 0; i < len; i += 8)
		put64(at + i, rnd());
}

/* Random but plausible: keep some bits of a valid value. */
static uint64_t mix(uint64_t valid)
{
	switch (rnd() % 4) {
	case 0: return valid;
	case 1: return valid ^ (1ull << (rnd() % 64));
	case 2: return rnd();
	default: return valid ^ (rnd() & 0xffff00000000ull);
	}
}

START_TEST(test_random_tables_delivery)
{
	/* Each round starts from the fixture's machine: low memory and the
	 * register state are restored from a snapshot (same RAM, same caches). */
	static uint8_t low[0x10000];
	memcpy(low, fx_ram, sizeof low);
	struct cpu snap = C;
	for (int round = 0; round < 4000; round++) {
		memcpy(fx_ram, low, sizeof low);
		C = snap;
		cpu_ftlb_flush(&C);
		cpu_ftlb_sync_cpl(&C);
		for (unsigned v = 0; v < 256; v++)
			if (rnd() % 3 == 0) {
				put64(FX_IDT + 16 * v, mix(get64(FX_IDT + 16 * v)));
				put64(FX_IDT + 16 * v + 8, rnd() % 8 ? 0 : rnd());
			}
		for (unsigned sel = 8; sel < 0x60; sel += 8)
			if (rnd() % 3 == 0)
				put64(FX_GDT + sel, mix(get64(FX_GDT + sel)));
		if (rnd() % 4 == 0)
			scribble(FX_TSS, 104);
		if (rnd() % 8 == 0)
			C.idtr.limit = (uint16_t)rnd();
		if (rnd() % 8 == 0)
			C.idtr.base = rnd();
		if (rnd() % 2)
			fx_user(&C);
		C.gpr[RSP] = rnd() % 4 ? 0x1000 + rnd() % 0x9000 : rnd();
		C.rip = rnd() % 2 ? 0x401000 : rnd();
		cpu_set_rflags(&C, rnd());
		unsigned old_cpl = C.cpl;
		uint8_t vec = (uint8_t)rnd();
		bool soft = rnd() % 2;
		uint32_t err = rnd() % 2 ? CPU_NO_ERROR : (uint32_t)rnd();
		enum cpu_exit_reason r = soft ? cpu_deliver(&C, vec, CPU_NO_ERROR, true)
					      : cpu_deliver(&C, vec, err, false);
		ck_assert(r == CPU_EXIT_NONE || r == CPU_EXIT_TRIPLE_FAULT);
		if (r == CPU_EXIT_NONE) {
			ck_assert_uint_le(C.cpl, old_cpl);
			ck_assert(cpu_sys_canonical(C.rip));
			ck_assert(!(cpu_get_rflags(&C) & RFLAGS_TF));
		}
	}
}
END_TEST

START_TEST(test_random_sensitive_ops)
{
	static uint8_t low[0x10000];
	memcpy(low, fx_ram, sizeof low);
	struct cpu snap = C;
	for (int round = 0; round < 20000; round++) {
		if (round % 500 == 0) {
			memcpy(fx_ram, low, sizeof low);
			C = snap;
			cpu_ftlb_flush(&C);
			cpu_ftlb_sync_cpl(&C);
		}
		if (rnd() % 16 == 0)
			put64(FX_GDT + 8 * (1 + rnd() % 11), rnd());
		struct cpu_sens s = { 0 };
		s.op = (enum cpu_sens_op)(1 + rnd() % (SOP_COUNT - 1));
		s.reg = (uint8_t)(rnd() % 16);
		s.cr = (uint8_t)(rnd() % 16);
		s.opsize = (uint8_t[]){ 1, 2, 4, 8 }[rnd() % 4];
		s.len = (uint8_t)(1 + rnd() % 15);
		s.mem = rnd() % 2;
		s.rep = rnd() % 2;
		s.port = (uint16_t)rnd();
		s.imm = (uint8_t)rnd();
		s.ea = rnd() % 2 ? rnd() % FX_RAM : rnd();
		for (int g = 0; g < 16; g++)
			if (rnd() % 4 == 0)
				C.gpr[g] = rnd() % 2 ? rnd() : rnd() % FX_RAM;
		if (C.gpr[RSP] >= FX_RAM - 64 || rnd() % 8 == 0)
			C.gpr[RSP] = 0x1000 + rnd() % 0x8000;
		C.gpr[RCX] &= rnd() % 2 ? 0xf : ~0ull; /* short rep counts, valid MSRs sometimes */
		if (rnd() % 4 == 0)
			C.gpr[RCX] = 0xc0000080u + rnd() % 4;
		struct outcome o = fx_exec(&C, s);
		if (o.faulted)
			ck_assert_uint_lt(o.vector, 32);
		ck_assert_uint_le(C.cpl, 3);
		/* keep the machine usable: undo a few things that end the fun */
		if (C.exit.reason == CPU_EXIT_TRIPLE_FAULT || !cpu_sys_canonical(C.rip))
			C.rip = 0x200000;
		C.exit.reason = CPU_EXIT_NONE;
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_exception_fuzz");
	TCase *t = tcase_create("fuzz");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_random_tables_delivery);
	tcase_add_test(t, test_random_sensitive_ops);
	suite_add_tcase(s, t);
	return check_run(s);
}
