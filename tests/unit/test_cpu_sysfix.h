/*
 * tests/unit/test_cpu_sysfix.h — a bare-metal machine for the system-side
 * unit tests (test_cpu_system*, test_cpu_exception*, test_cpu_segment*,
 * test_cpu_paging*): RAM, a GDT, a TSS, an IDT whose gate v points at
 * HANDLER(v), and a way to run one sensitive instruction and see its fault.
 *
 * Memory map (flat, VA == MA unless a test turns paging on):
 *   0x1000 GDT   0x2000 IDT (256 gates)   0x3000 TSS
 *   0x8000 user stack top   0x9000 RSP0   0xa000 IST1 top
 *   0x10000.. page tables (paging tests)  0x100000 + 16*v: handler of vector v
 */
#ifndef TEST_CPU_SYSFIX_H
#define TEST_CPU_SYSFIX_H

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/internal.h"

#define FX_RAM (4u << 20)
#define FX_GDT 0x1000u
#define FX_IDT 0x2000u
#define FX_TSS 0x3000u
#define FX_USTACK 0x8000u
#define FX_RSP0 0x9000u
#define FX_IST1 0xa000u
#define HANDLER(v) (0x100000u + 16u * (v))

/* GDT selectors (the layout syscall/sysret want with STAR = 0x0010'0008 << 32). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28
#define SEL_LDT 0x38   /* LDT descriptor (16 bytes, 0x38..0x47) */
#define SEL_KCODE32 0x48 /* a 32-bit (compatibility-mode) code segment */
#define SEL_NPDATA 0x50  /* a not-present data segment */
#define SEL_KDATA_FS 0x58 /* data segment with base 0x12345000 */

#define D_KCODE 0x00af9a000000ffffull
#define D_KDATA 0x00cf92000000ffffull
#define D_UDATA 0x00cff2000000ffffull
#define D_UCODE 0x00affa000000ffffull
#define D_KCODE32 0x00cf9a000000ffffull
#define D_NPDATA 0x00cf12000000ffffull

static uint8_t *fx_ram;

static inline void put64(uint64_t a, uint64_t v) { memcpy(fx_ram + a, &v, 8); }
static inline uint64_t get64(uint64_t a) { uint64_t v; memcpy(&v, fx_ram + a, 8); return v; }
static inline void put16(uint64_t a, uint16_t v) { memcpy(fx_ram + a, &v, 2); }
static inline uint16_t get16(uint64_t a) { uint16_t v; memcpy(&v, fx_ram + a, 2); return v; }

/* A 16-byte system descriptor (TSS type 9, LDT type 2). */
static inline void put_sysdesc(unsigned sel, uint64_t base, uint32_t limit, unsigned type, bool present)
{
	uint64_t lo = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((uint64_t)type << 40) |
		      ((uint64_t)(present ? 1 : 0) << 47) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
		      (((base >> 24) & 0xff) << 56);
	put64(FX_GDT + (sel & ~7u), lo);
	put64(FX_GDT + (sel & ~7u) + 8, base >> 32);
}

/* An IDT gate: type 0xe interrupt / 0xf trap. */
static inline void set_gate(unsigned v, uint16_t sel, uint64_t target, unsigned type, unsigned dpl,
		     unsigned ist, bool present)
{
	uint64_t lo = (target & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)ist << 32) |
		      ((uint64_t)type << 40) | ((uint64_t)dpl << 45) |
		      ((uint64_t)(present ? 1 : 0) << 47) | ((target & 0xffff0000ull) << 32);
	put64(FX_IDT + 16 * v, lo);
	put64(FX_IDT + 16 * v + 8, target >> 32);
}

/* A fresh CPU at CPL 0 over a fresh RAM with GDT, TSS (loaded) and IDT. */
static inline void fx_setup(struct cpu *cpu)
{
	fx_ram = calloc(1, FX_RAM);
	ck_assert_ptr_nonnull(fx_ram);
	ck_assert_int_eq(cpu_init(cpu, fx_ram, FX_RAM), 0);
	put64(FX_GDT + 0x08, D_KCODE);
	put64(FX_GDT + 0x10, D_KDATA);
	put64(FX_GDT + 0x18, D_UDATA);
	put64(FX_GDT + 0x20, D_UCODE);
	put_sysdesc(SEL_TSS, FX_TSS, 0x67, 0xb, true);
	put_sysdesc(SEL_LDT, 0x4000, 0xff, 0x2, true);
	put64(FX_GDT + SEL_KCODE32, D_KCODE32);
	put64(FX_GDT + SEL_NPDATA, D_NPDATA);
	put64(FX_GDT + SEL_KDATA_FS, D_KDATA | (0x345000ull << 16) | (0x12ull << 56));
	cpu->gdtr.base = FX_GDT;
	cpu->gdtr.limit = 0x5f;
	put64(FX_TSS + 4, FX_RSP0);
	put64(FX_TSS + 36, FX_IST1);
	cpu->tr = SEL_TSS;
	cpu->tr_base = FX_TSS;
	cpu->tr_limit = 0x67; /* no I/O bitmap inside the limit: the tests that want one extend it */
	put16(FX_TSS + 0x66, 0x68);
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, SEL_KCODE, HANDLER(v), 0xe, 0, 0, true);
	cpu->idtr.base = FX_IDT;
	cpu->idtr.limit = 256 * 16 - 1;
	cpu->seg[SEG_CS].sel = SEL_KCODE;
	cpu->seg[SEG_SS].sel = SEL_KDATA;
	cpu->gpr[RSP] = FX_RSP0 - 0x100;
	cpu->rip = 0x200000;
	cpu_set_rflags(cpu, RFLAGS_FIXED);
}

static inline void fx_teardown(struct cpu *cpu)
{
	cpu_free(cpu);
	free(fx_ram);
	fx_ram = NULL;
}

/* Put the CPU at CPL 3 (user code and stack), as after an iretq. */
static inline void fx_user(struct cpu *cpu)
{
	cpu->seg[SEG_CS].sel = SEL_UCODE;
	cpu->seg[SEG_SS].sel = SEL_UDATA;
	cpu->gpr[RSP] = FX_USTACK;
	cpu_sys_set_cpl(cpu, 3);
}

/* The outcome of one sensitive instruction run directly. */
struct outcome {
	bool faulted;
	uint8_t vector;
	uint32_t error;
	enum cpu_exit_reason r;
};

static inline struct outcome fx_exec(struct cpu *cpu, struct cpu_sens s)
{
	struct outcome o = { 0 };
	if (!s.len)
		s.len = 3;
	jmp_buf jb;
	jmp_buf *old = cpu_catch(cpu, &jb);
	if (setjmp(jb)) {
		cpu_catch(cpu, old);
		const struct cpu_fault_rec *f = cpu_last_fault(cpu);
		o.faulted = true;
		o.vector = f->vector;
		o.error = f->error;
		return o;
	}
	o.r = cpu_exec_sens(cpu, &s);
	cpu_catch(cpu, old);
	return o;
}

/* Each evaluates its outcome expression once. */
#define ck_fault(o, vec, err) do { \
	struct outcome o_ = (o); \
	ck_assert_msg(o_.faulted, "expected a fault"); \
	ck_assert_uint_eq(o_.vector, (vec)); \
	ck_assert_uint_eq(o_.error, (err)); \
} while (0)
#define ck_ok(o) do { \
	struct outcome o_ = (o); \
	ck_assert_msg(!o_.faulted, "unexpected fault: vector %u error %#x", o_.vector, o_.error); \
} while (0)

#endif
