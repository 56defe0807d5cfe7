/*
 * tests/fuzz/gen.c — hostile guest kernels from a byte source (gen.h).
 *
 * The guests are machine code written here byte by byte (the encodings are
 * in the comments), so the fuzzers need no assembler and every instruction
 * gets exactly the operands the generator chose.
 */
#include <string.h>

#include "tests/elf_image.h"
#include "tests/fuzz/gen.h"

/* ---- guest-physical layout (gen.h draws it) ---- */
#define CODE_PA GEN_CODE_PA
#define CODE_BYTES 0x6000u           /* set-up and actions */
#define HANDLER_PA 0x106000ull       /* exception handlers, up to 0x108000 */
#define SYS_PA 0x108000ull
#define GDT_PA SYS_PA
#define TSS_PA (SYS_PA + 0x80)
#define GDTR_PA (SYS_PA + 0x100)
#define IDTR_PA (SYS_PA + 0x110)
#define RESUME_PA GEN_RESUME_PA      /* where the handler jumps (SYS_PA + 0x120) */
#define SCRATCH_PA (SYS_PA + 0x200)  /* random pseudo-descriptors for lgdt/lidt */
#define IDT_PA 0x109000ull
#define PML4_PA 0x10a000ull
#define PDPT_PA 0x10b000ull
#define PD_PA 0x10c000ull
#define PT0_PA 0x10d000ull           /* 4 KiB pages of [0, 2 MiB) */
#define PT2_PA 0x10e000ull           /* 4 KiB pages of [4 MiB, 6 MiB): the user pages */
#define SPARE_PA 0x10f000ull         /* three spare table pages */
#define KSTACK_TOP 0x113000ull
#define UCODE_PA 0x113000ull         /* two pages, VA GEN_UCODE_VA */
#define UDATA_PA 0x115000ull         /* VA GEN_UCODE_VA + 0x3000 (after the missing page) */
#define USTACK_TOP (GEN_UCODE_VA + 0x4000)
#define KDATA_PA 0x116000ull         /* kernel data pages up to 0x120000 */
#define HOLE_PA 0x11e000ull          /* identity-unmapped: the page a string runs into */

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

/* ---- byte sources ---- */

void gen_src_seed(struct gen_src *s, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->state = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	s->seeded = true;
}

void gen_src_bytes(struct gen_src *s, const uint8_t *data, size_t len)
{
	memset(s, 0, sizeof *s);
	s->data = data;
	s->len = len;
}

uint8_t gen_u8(struct gen_src *s)
{
	if (s->seeded) { /* xorshift64 */
		s->state ^= s->state << 13;
		s->state ^= s->state >> 7;
		s->state ^= s->state << 17;
		return (uint8_t)(s->state >> 24);
	}
	return s->pos < s->len ? s->data[s->pos++] : 0;
}

uint32_t gen_u32(struct gen_src *s)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | gen_u8(s);
	return v;
}

uint64_t gen_u64(struct gen_src *s)
{
	return (uint64_t)gen_u32(s) << 32 | gen_u32(s);
}

unsigned gen_below(struct gen_src *s, unsigned n)
{
	return n <= 256 ? gen_u8(s) % n : gen_u32(s) % n;
}

bool gen_src_done(const struct gen_src *s)
{
	return !s->seeded && s->pos >= s->len;
}

/* ---- the image ---- */

static uint8_t *at(struct gen_guest *g, uint64_t pa)
{
	return g->elf + GEN_ELF_HDR + (pa - GEN_BASE);
}

static void put64(struct gen_guest *g, uint64_t pa, uint64_t v)
{
	memcpy(at(g, pa), &v, 8);
}

/* Machine code being written at guest-physical pa (one region of the image). */
struct emit {
	struct gen_guest *g;
	uint64_t pa0;
	size_t len, cap;
};

static uint64_t here(const struct emit *e)
{
	return e->pa0 + e->len;
}

static void b(struct emit *e, unsigned n, const uint8_t *bytes)
{
	if (e->len + n > e->cap)
		return; /* callers keep room; a full region just stops growing */
	memcpy(at(e->g, e->pa0 + e->len), bytes, n);
	e->len += n;
}

#define B(e, ...) b((e), sizeof((const uint8_t[]){ __VA_ARGS__ }), (const uint8_t[]){ __VA_ARGS__ })

static void imm32(struct emit *e, uint32_t v)
{
	b(e, 4, (const uint8_t *)&v);
}

static void imm64(struct emit *e, uint64_t v)
{
	b(e, 8, (const uint8_t *)&v);
}

/* mov r64, imm64: REX.W(+B) B8+r */
static void mov_imm(struct emit *e, unsigned r, uint64_t v)
{
	B(e, (uint8_t)(0x48 | (r >> 3)), (uint8_t)(0xb8 + (r & 7)));
	imm64(e, v);
}

/* mov qword [abs32], simm32: REX.W C7 /0, SIB absolute */
static void store_abs(struct emit *e, uint32_t addr, uint32_t v)
{
	B(e, 0x48, 0xc7, 0x04, 0x25);
	imm32(e, addr);
	imm32(e, v);
}

/* push r64 / iretq */
static void push_imm64(struct emit *e, uint64_t v)
{
	mov_imm(e, RAX, v);
	B(e, 0x50);
}

static void wrmsr_imm(struct emit *e, uint32_t msr, uint64_t v)
{
	B(e, 0xb9); imm32(e, msr);               /* mov ecx, msr */
	B(e, 0xb8); imm32(e, (uint32_t)v);       /* mov eax, lo */
	B(e, 0xba); imm32(e, (uint32_t)(v >> 32)); /* mov edx, hi */
	B(e, 0x0f, 0x30);                        /* wrmsr */
}

/* ---- descriptors and tables ---- */

static void set_gate(struct gen_guest *g, unsigned vec, uint64_t fn, unsigned dpl)
{
	uint64_t lo = (fn & 0xffff) | ((uint64_t)SEL_KCODE << 16) | ((0x8eull | (uint64_t)dpl << 5) << 40) |
		      (((fn >> 16) & 0xffff) << 48);
	put64(g, IDT_PA + 16 * vec, lo);
	put64(g, IDT_PA + 16 * vec + 8, fn >> 32);
}

/* GDT (kernel code/data, user data/code, TSS), TSS.rsp0, GDTR and IDTR. */
static void build_sys(struct gen_guest *g)
{
	uint64_t t = TSS_PA, lim = 103;
	put64(g, GDT_PA + 0x08, 0x00209a0000000000ull);
	put64(g, GDT_PA + 0x10, 0x0000920000000000ull);
	put64(g, GDT_PA + 0x18, 0x0000f20000000000ull);
	put64(g, GDT_PA + 0x20, 0x0020fa0000000000ull);
	put64(g, GDT_PA + 0x28, (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ull << 40) | (((t >> 24) & 0xff) << 56));
	put64(g, GDT_PA + 0x30, t >> 32);
	put64(g, TSS_PA + 4, KSTACK_TOP); /* rsp0 */
	uint16_t glim = 0x37, ilim = 0xfff;
	memcpy(at(g, GDTR_PA), &glim, 2);
	put64(g, GDTR_PA + 2, GDT_PA);
	memcpy(at(g, IDTR_PA), &ilim, 2);
	put64(g, IDTR_PA + 2, IDT_PA);
}

/* Identity map of [0, 4 MiB) for the kernel (4 KiB pages below 2 MiB, the hole
 * page left out; a 2 MiB page above), the user pages at GEN_UCODE_VA. */
static void build_tables(struct gen_guest *g)
{
	put64(g, PML4_PA, PDPT_PA | PTE_P | PTE_W | PTE_U);
	put64(g, PDPT_PA, PD_PA | PTE_P | PTE_W | PTE_U);
	put64(g, PD_PA, PT0_PA | PTE_P | PTE_W | PTE_U);
	put64(g, PD_PA + 8, 0x200000 | PTE_P | PTE_W | PTE_PS);
	put64(g, PD_PA + 16, PT2_PA | PTE_P | PTE_W | PTE_U);
	for (uint64_t i = 0; i < 512; i++)
		if (i * 0x1000 != HOLE_PA)
			put64(g, PT0_PA + 8 * i, i * 0x1000 | PTE_P | PTE_W);
	put64(g, PT2_PA + 0, UCODE_PA | PTE_P | PTE_W | PTE_U);
	put64(g, PT2_PA + 8, (UCODE_PA + 0x1000) | PTE_P | PTE_W | PTE_U);
	put64(g, PT2_PA + 24, UDATA_PA | PTE_P | PTE_W | PTE_U);
}

/* The set-up every guest runs first: lgdt, ltr, lidt, syscall MSRs, CR3, kernel stack. */
static void emit_setup(struct emit *e)
{
	mov_imm(e, RAX, GDTR_PA);
	B(e, 0x0f, 0x01, 0x10);             /* lgdt [rax] */
	B(e, 0xb8); imm32(e, SEL_TSS);      /* mov eax, 0x28 */
	B(e, 0x0f, 0x00, 0xd8);             /* ltr ax */
	mov_imm(e, RAX, IDTR_PA);
	B(e, 0x0f, 0x01, 0x18);             /* lidt [rax] */
	wrmsr_imm(e, 0xc0000081, (0x10ull << 48) | (0x08ull << 32)); /* STAR */
	wrmsr_imm(e, 0xc0000084, 0x200);    /* FMASK: IF */
	mov_imm(e, RAX, PML4_PA);
	B(e, 0x0f, 0x22, 0xd8);             /* mov cr3, rax */
	mov_imm(e, RSP, KSTACK_TOP);
}

/* iretq to user mode at rip: SS, RSP, RFLAGS (IF), CS, RIP. */
static void emit_enter_user(struct emit *e, uint64_t rip)
{
	push_imm64(e, SEL_UDATA);
	push_imm64(e, USTACK_TOP);
	push_imm64(e, 0x202);
	push_imm64(e, SEL_UCODE);
	push_imm64(e, rip);
	B(e, 0x48, 0xcf);                   /* iretq */
}

static void elf_wrap(struct gen_guest *g)
{
	elf_image_header(g->elf, CODE_PA, GEN_BASE, GEN_ELF_HDR, GEN_IMAGE_BYTES, GEN_IMAGE_BYTES,
			 PF_R | PF_W | PF_X);
}

static bool vector_has_error(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

/* ---- CPL 3 guests ---- */

/*
 * Per vector: drop the error code, then the common part rewrites the frame to
 * resume the user one byte further on (inside the two code pages), with its
 * own stack and flags, and irets. syscall: straight back with sysret.
 */
static void emit_cpl3_handlers(struct emit *e)
{
	uint64_t common = HANDLER_PA + 0x1800, lstar = common + 0x100;
	for (unsigned v = 0; v < 256; v++) {
		set_gate(e->g, v, here(e), 3);
		if (vector_has_error(v))
			B(e, 0x48, 0x83, 0xc4, 0x08); /* add rsp, 8 */
		B(e, 0xe9);                          /* jmp common */
		imm32(e, (uint32_t)(common - (here(e) + 4)));
	}
	e->len = common - e->pa0;
	B(e, 0x48, 0x8b, 0x04, 0x24);             /* mov rax, [rsp] */
	B(e, 0x48, 0xff, 0xc0);                   /* inc rax */
	B(e, 0x25); imm32(e, GEN_UCODE_BYTES - 1); /* and eax, 0x1fff */
	B(e, 0x48, 0x0d); imm32(e, (uint32_t)GEN_UCODE_VA); /* or rax, GEN_UCODE_VA */
	B(e, 0x48, 0x89, 0x04, 0x24);             /* mov [rsp], rax */
	B(e, 0x48, 0xc7, 0x44, 0x24, 0x08); imm32(e, SEL_UCODE);  /* mov qword [rsp+8], cs */
	B(e, 0x48, 0xc7, 0x44, 0x24, 0x10); imm32(e, 0x202);      /* [rsp+16] rflags */
	B(e, 0x48, 0xc7, 0x44, 0x24, 0x18); imm32(e, (uint32_t)USTACK_TOP); /* [rsp+24] rsp */
	B(e, 0x48, 0xc7, 0x44, 0x24, 0x20); imm32(e, SEL_UDATA);  /* [rsp+32] ss */
	B(e, 0x48, 0xcf);                         /* iretq */
	e->len = lstar - e->pa0;
	B(e, 0x48, 0x0f, 0x07);                   /* sysretq */
}

/* What every generated kernel starts from: the ELF headers, descriptors and page tables. */
static void guest_begin(struct gen_guest *g)
{
	memset(g, 0, sizeof *g);
	elf_wrap(g);
	build_sys(g);
	build_tables(g);
}

void gen_cpl3_guest(struct gen_guest *g, const uint8_t *code, size_t len)
{
	guest_begin(g);
	struct emit h = { g, HANDLER_PA, 0, 0x2000 };
	emit_cpl3_handlers(&h);
	struct emit e = { g, CODE_PA, 0, CODE_BYTES };
	emit_setup(&e);
	wrmsr_imm(&e, 0xc0000082, HANDLER_PA + 0x1900); /* LSTAR */
	emit_enter_user(&e, GEN_UCODE_VA);
	uint8_t *u = at(g, UCODE_PA);
	for (size_t i = 0; len && i < GEN_UCODE_BYTES; i++)
		u[i] = code[i % len];
	g->code_bytes = len < GEN_UCODE_BYTES ? len : GEN_UCODE_BYTES;
	g->actions = 0;
}

void gen_raw_kernel(struct gen_guest *g, const uint8_t *code, size_t len)
{
	memset(g, 0, sizeof *g);
	elf_wrap(g);
	size_t n = len < CODE_BYTES ? len : CODE_BYTES;
	memcpy(at(g, CODE_PA), code, n);
	g->code_bytes = n;
	g->actions = 0;
}

/* ---- adversarial guests ---- */

/* A value a hostile kernel might put in a register. */
static uint64_t pick_value(struct gen_src *s)
{
	switch (gen_below(s, 12)) {
	case 0: return gen_u64(s);
	case 1: return gen_u8(s);
	case 2: return GEN_BASE + gen_below(s, (unsigned)GEN_IMAGE_BYTES);     /* inside the image */
	case 3: return PML4_PA + 0x1000 * gen_below(s, 8) + 8 * gen_below(s, 512); /* a table entry */
	case 4: return HOLE_PA - 1 - gen_below(s, 64);                         /* just before the hole */
	case 5: return GEN_MEM - gen_below(s, 4096);                           /* end of guest RAM */
	case 6: return GEN_MEM + ((uint64_t)gen_u32(s) << gen_below(s, 20));   /* outside guest RAM */
	case 7: return 0x0000800000000000ull | gen_u32(s);                     /* non-canonical */
	case 8: return 0xffffffffffffffffull - gen_u8(s);
	case 9: return KDATA_PA + gen_below(s, 0x8000);
	case 10: return GEN_UCODE_VA + gen_below(s, 0x4000);
	default: return (uint64_t)gen_u32(s);
	}
}

/* A page-table entry: usually a real table or frame, sometimes hostile. */
static uint64_t pick_pte(struct gen_src *s)
{
	uint64_t flags = PTE_P | (gen_u8(s) & 0x7e) | (gen_below(s, 4) == 0 ? PTE_NX : 0);
	uint64_t addr;
	switch (gen_below(s, 9)) {
	case 0: addr = PML4_PA + 0x1000 * gen_below(s, 8); break;             /* a table (maybe itself) */
	case 1: addr = GEN_MEM + 0x1000 * (uint64_t)gen_below(s, 1u << 20); break; /* outside RAM */
	case 2: addr = (uint64_t)gen_below(s, 1u << 20) << 12 | (1ull << (52 + gen_below(s, 11))); break; /* reserved */
	case 3: addr = 0x1000ull * gen_below(s, 1024); break;                 /* any low frame */
	case 4: addr = (uint64_t)gen_u32(s) << 12; break;
	case 5: addr = KDATA_PA + 0x1000 * gen_below(s, 8); break;
	case 6: addr = gen_u64(s) & 0x000ffffffffff000ull; break;
	case 7: return gen_u64(s);
	default: addr = 0x200000ull * gen_below(s, 4) + 0x1000 * gen_below(s, 2); break; /* huge, maybe misaligned */
	}
	return addr | flags | (gen_below(s, 3) == 0 ? PTE_PS : 0) | (gen_below(s, 8) == 0 ? 0x100ull << gen_below(s, 3) : 0);
}

/* The live page-table pages (and the spares entries may point at). */
static uint64_t pick_table_entry(struct gen_src *s)
{
	static const uint64_t t[] = { PML4_PA, PDPT_PA, PD_PA, PT0_PA, PT2_PA, SPARE_PA, SPARE_PA + 0x1000 };
	return t[gen_below(s, 7)] + 8 * gen_below(s, 512);
}

/* Load RAX RCX RDX RSI RDI (and sometimes RBX RBP) with hostile values. */
static void emit_regs(struct emit *e, struct gen_src *s)
{
	static const unsigned r[] = { RAX, RCX, RDX, RSI, RDI, RBX, RBP };
	unsigned n = 5 + gen_below(s, 3);
	for (unsigned i = 0; i < n; i++)
		mov_imm(e, r[i], pick_value(s));
}

static void act_cr(struct emit *e, struct gen_src *s)
{
	static const uint8_t crs[] = { 0, 2, 3, 4, 8 };
	unsigned n = crs[gen_below(s, 5)];
	uint64_t v;
	switch (n) {
	case 0: v = 0x80000011ull ^ (1ull << gen_below(s, 64)) ^ (gen_below(s, 2) ? 0 : gen_u32(s)); break;
	case 3: /* mostly a reload (a flush); a hostile root ends most guests at the next fault */
		v = gen_below(s, 4) ? PML4_PA : gen_below(s, 2) ? PML4_PA + 0x1000 * gen_below(s, 8) : pick_pte(s);
		break;
	case 4: v = 0x20ull ^ (gen_below(s, 2) ? (1ull << gen_below(s, 32)) : gen_u32(s)); break;
	default: v = pick_value(s); break;
	}
	mov_imm(e, RAX, v);
	uint8_t rex = n == 8 ? 0x44 : 0;
	unsigned op = gen_below(s, 4) ? 0x22 : 0x20; /* mostly writes */
	if (rex)
		B(e, rex);
	B(e, 0x0f, (uint8_t)op, (uint8_t)(0xc0 | (n & 7) << 3));
	if (gen_below(s, 32) == 0) /* mov dr (the core stops at it) */
		B(e, 0x0f, gen_below(s, 2) ? 0x23 : 0x21, (uint8_t)(0xc0 | gen_below(s, 8) << 3));
}

static void act_msr(struct emit *e, struct gen_src *s)
{
	static const uint32_t msrs[] = { 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
					 0xc0000100, 0xc0000101, 0xc0000102, 0x1b, 0x10, 0x174, 0x175,
					 0x176, 0x277, 0x1a0, 0x40000100, 0x40000101, 0x40000000, 0xc0000103 };
	uint32_t msr = gen_below(s, 4) ? msrs[gen_below(s, 19)] : gen_u32(s);
	if (gen_below(s, 3)) {
		uint64_t v = msr == 0xc0000080 ? (0xd01ull ^ (1ull << gen_below(s, 64))) : pick_value(s);
		wrmsr_imm(e, msr, v);
	} else {
		B(e, 0xb9); imm32(e, msr);
		B(e, 0x0f, 0x32); /* rdmsr */
	}
}

/* lgdt/lidt from anywhere (or a random pseudo-descriptor), sgdt/sidt to anywhere. */
static void act_dtr(struct emit *e, struct gen_src *s)
{
	uint64_t p = pick_value(s);
	if (gen_below(s, 2)) {
		p = SCRATCH_PA + 16 * gen_below(s, 32);
		uint16_t lim = (uint16_t)gen_u32(s);
		memcpy(at(e->g, p), &lim, 2);
		put64(e->g, p + 2, pick_value(s));
	}
	mov_imm(e, RAX, p);
	static const uint8_t modrm[] = { 0x10, 0x18, 0x00, 0x08 }; /* lgdt lidt sgdt sidt [rax] */
	B(e, 0x0f, 0x01, modrm[gen_below(s, 4)]);
}

/* An iretq frame: SS RSP RFLAGS CS RIP, plausible or not. Its RIP is often the
 * next action: then *rip_at is the offset of that imm64 in the code, to patch. */
static void act_iretq(struct emit *e, struct gen_src *s, size_t *rip_at)
{
	static const uint16_t cs[] = { SEL_KCODE, SEL_UCODE, 0x20, 0x2b, 0x10, 0x28, 0 };
	static const uint16_t ss[] = { SEL_KDATA, SEL_UDATA, 0, 0x18, 0x13, 0x28 };
	push_imm64(e, gen_below(s, 4) ? ss[gen_below(s, 6)] : gen_u32(s) & 0xffff);
	push_imm64(e, gen_below(s, 2) ? KSTACK_TOP - 0x100 : pick_value(s));
	push_imm64(e, gen_below(s, 2) ? 0x202 | (gen_u32(s) & 0x3700) : gen_u64(s));
	push_imm64(e, gen_below(s, 4) ? cs[gen_below(s, 7)] : gen_u32(s) & 0xffff);
	if (gen_below(s, 2))
		*rip_at = e->len + 2; /* mov rax, imm64: the imm64 after two opcode bytes */
	push_imm64(e, gen_below(s, 2) ? GEN_UCODE_VA : pick_value(s));
	B(e, 0x48, 0xcf);
}

static void act_int(struct emit *e, struct gen_src *s)
{
	switch (gen_below(s, 6)) {
	case 0: B(e, 0xcc); break;                  /* int3 */
	case 1: B(e, gen_below(s, 8) ? 0xcc : 0xf1); break; /* int1 (rarely: the core stops at it) */
	case 2: B(e, 0x0f, 0x0b); break;            /* ud2 */
	default: B(e, 0xcd, gen_u8(s)); break;      /* int n */
	}
}

/* A write to a live page-table page, by one of many instruction kinds. */
static void act_pt_write(struct emit *e, struct gen_src *s)
{
	mov_imm(e, RDI, pick_table_entry(s));
	mov_imm(e, RAX, pick_pte(s));
	mov_imm(e, RCX, 1 + gen_below(s, 16));
	mov_imm(e, RSI, gen_below(s, 2) ? KDATA_PA + 8 * gen_below(s, 512) : pick_table_entry(s));
	B(e, 0xba); imm32(e, gen_below(s, 2) ? 0x3f8 : gen_below(s, 2) ? 0x1f0 : gen_u32(s) & 0xffff); /* mov edx, port */
	switch (gen_below(s, 16)) {
	case 0: B(e, 0x48, 0x89, 0x07); break;              /* mov [rdi], rax */
	case 1: B(e, 0x89, 0x07); break;                    /* mov [rdi], eax */
	case 2: B(e, 0x88, 0x07); break;                    /* mov [rdi], al */
	case 3: B(e, 0xf3, 0x48, 0xab); break;              /* rep stosq */
	case 4: B(e, 0xf3, 0xaa); break;                    /* rep stosb */
	case 5: B(e, 0xf3, 0xa4); break;                    /* rep movsb */
	case 6: B(e, 0x6c); break;                          /* insb */
	case 7: B(e, 0xf3, 0x6d); break;                    /* rep insd */
	case 8: B(e, 0x48, 0x87, 0x07); break;              /* xchg [rdi], rax */
	case 9: B(e, 0xf0, 0x48, 0x0f, 0xb1, 0x0f); break;  /* lock cmpxchg [rdi], rcx */
	case 10: B(e, 0xf0, 0x48, 0x0f, 0xc1, 0x07); break; /* lock xadd [rdi], rax */
	case 11: B(e, 0x48, 0x01, 0x07); break;             /* add [rdi], rax */
	case 12: B(e, 0xf0, 0x48, 0x0f, 0xab, 0x07); break; /* lock bts [rdi], rax */
	case 13: B(e, 0xf0, 0x48, 0x0f, 0xc7, 0x0f); break; /* lock cmpxchg16b [rdi] */
	case 14: B(e, 0x48, 0x89, 0xfc, 0x50); break;       /* mov rsp, rdi; push rax */
	default: B(e, 0x48, 0xa5); break;                   /* movsq */
	}
	if (gen_below(s, 2)) { /* use what was written */
		mov_imm(e, RSI, gen_below(s, 2) ? pick_value(s) : (uint64_t)gen_below(s, 512) << (12 + 9 * gen_below(s, 4)));
		static const uint8_t use[][3] = { { 0x48, 0x8b, 0x06 }, { 0x48, 0x89, 0x06 }, { 0x0f, 0x01, 0x3e }, { 0xff, 0xd6, 0x90 } };
		b(e, 3, use[gen_below(s, 4)]); /* mov rax,[rsi] / mov [rsi],rax / invlpg [rsi] / call rsi */
	}
}

/* A string instruction running off the end of a mapped page into the missing one. */
static void act_string_hole(struct emit *e, struct gen_src *s)
{
	unsigned k = 1 + gen_below(s, 64);
	uint64_t edge = gen_below(s, 2) ? HOLE_PA : HOLE_PA + 0x1000; /* into it, or out of it backwards */
	bool down = gen_below(s, 4) == 0;
	mov_imm(e, RDI, down ? edge + 0x1000 + k - 1 : edge - k);
	mov_imm(e, RSI, gen_below(s, 2) ? edge - k : KDATA_PA);
	mov_imm(e, RCX, k + gen_below(s, 4096));
	B(e, 0xba); imm32(e, gen_below(s, 2) ? 0x3f8 : 0x1f0);
	if (down)
		B(e, 0xfd); /* std */
	static const uint8_t ops[][3] = {
		{ 0xf3, 0xa4, 0x90 }, { 0xf3, 0x48, 0xa5 }, { 0xf3, 0xaa, 0x90 }, { 0xf3, 0x48, 0xab },
		{ 0xf3, 0xac, 0x90 }, { 0xf3, 0x6c, 0x90 }, { 0xf3, 0x6e, 0x90 }, { 0xf3, 0xa6, 0x90 },
		{ 0xf2, 0xae, 0x90 }, { 0xf3, 0x66, 0x6d }, { 0xf3, 0x66, 0xa5 }, { 0xa4, 0x90, 0x90 },
	}; /* rep movsb/movsq/stosb/stosq/lodsb/insb/outsb/cmpsb, repne scasb, rep insw, rep movsw, movsb */
	b(e, 3, ops[gen_below(s, 12)]);
	B(e, 0xfc); /* cld */
}

static void act_io(struct emit *e, struct gen_src *s)
{
	static const uint16_t ports[] = { 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x20, 0x21, 0xa0, 0xa1,
					  0x40, 0x43, 0x1f0, 0x1f2, 0x1f3, 0x1f6, 0x1f7, 0x3f6, 0xcf8, 0x80 };
	uint16_t port = gen_below(s, 8) ? ports[gen_below(s, 20)] : (uint16_t)gen_u32(s);
	if (gen_below(s, 64) == 0)
		port = 0xf4; /* the debug-exit port: ends the guest */
	B(e, 0xba); imm32(e, port);
	B(e, 0xb8); imm32(e, gen_u32(s));
	static const uint8_t ops[] = { 0xec, 0xed, 0xee, 0xef };
	if (gen_below(s, 4) == 0)
		B(e, 0x66);
	B(e, ops[gen_below(s, 4)]);
}

/* Privileged and sensitive odds and ends. The core stops the VM at an
 * instruction it does not implement (a clean stop, but the end of the guest):
 * those come last in the table and are drawn rarely. */
static void act_misc(struct emit *e, struct gen_src *s)
{
	static const uint8_t ops[][4] = {
		{ 2, 0xfa }, { 2, 0xfb }, { 3, 0x0f, 0x01, 0x38 }, { 3, 0x0f, 0x09 }, { 3, 0x0f, 0x08 },
		{ 3, 0x0f, 0x06 }, { 4, 0x0f, 0x01, 0xe0 }, { 4, 0x0f, 0x01, 0xf8 },
		{ 3, 0x0f, 0xa2 }, { 3, 0x0f, 0x31 }, { 4, 0x0f, 0x01, 0xc1 }, { 3, 0x0f, 0x05 },
		{ 4, 0x48, 0x0f, 0x07 }, { 3, 0x8e, 0xd0 }, { 3, 0x8e, 0xd8 }, { 3, 0x8e, 0xe0 }, { 3, 0x8e, 0xe8 },
		{ 4, 0x0f, 0x00, 0xd8 }, { 4, 0x0f, 0x00, 0xc8 }, { 3, 0x50, 0x9d },
		{ 2, 0x9c }, { 2, 0xf4 },
		/* rarely: */
		{ 4, 0x0f, 0x01, 0xf0 }, { 4, 0x0f, 0x00, 0xd0 }, { 4, 0x0f, 0x01, 0xf9 }, { 3, 0x0f, 0x33 }, { 3, 0x0f, 0x34 }, { 4, 0x0f, 0x00, 0xe0 },
		{ 4, 0x0f, 0x02, 0xc0 }, { 4, 0x0f, 0x03, 0xc0 }, { 4, 0x0f, 0x01, 0xd0 }, { 4, 0x0f, 0x01, 0xca },
		{ 4, 0x0f, 0x01, 0xcb }, { 4, 0x0f, 0xae, 0xf0 },
	}; /* cli sti invlpg wbinvd invd clts smsw swapgs cpuid rdtsc vmcall syscall sysretq
	      mov ss/ds/fs/gs,ax ltr str push+popf pushf hlt;
	      lmsw lldt rdtscp rdpmc sysenter verr lar lsl xgetbv clac stac mfence */
	enum { COMMON = 22, ALL = sizeof ops / sizeof ops[0] };
	unsigned i = gen_below(s, 16) ? gen_below(s, COMMON) : gen_below(s, ALL);
	if (ops[i][1] == 0xf4 && gen_below(s, 8)) /* hlt with IF=0 ends the guest: rarely */
		i = 0;
	if (ops[i][1] == 0x0f && ops[i][2] == 0x01 && ops[i][3] == 0xc1) /* vmcall: op and args */
		mov_imm(e, RAX, gen_below(s, 10));
	if (ops[i][1] == 0x0f && ops[i][2] == 0xa2)
		mov_imm(e, RAX, gen_below(s, 2) ? 0x40000000u + gen_below(s, 4) : gen_u32(s) % 0x20);
	b(e, ops[i][0] - 1u, &ops[i][1]);
}

/* A random byte for code, seldom one the core stops at (x87 escapes d8-df, int1). */
static uint8_t code_byte(struct gen_src *s)
{
	uint8_t c = gen_u8(s);
	if (((c >= 0xd8 && c <= 0xdf) || c == 0xf1) && gen_below(s, 16))
		c = 0x90;
	return c;
}

void gen_random_code(struct gen_src *s, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = code_byte(s);
}

static void act_raw(struct emit *e, struct gen_src *s)
{
	unsigned n = 1 + gen_below(s, 48);
	for (unsigned i = 0; i < n; i++)
		B(e, code_byte(s));
}

/* Enter user mode on the (random) user code pages; faults come back to the next action. */
static void act_user(struct emit *e, struct gen_src *s)
{
	emit_enter_user(e, GEN_UCODE_VA + gen_below(s, GEN_UCODE_BYTES));
}

/* The handler: a fixed stack, maybe the sane page tables back, jmp [resume]. */
static void emit_adv_handler(struct emit *e, bool restore_cr3)
{
	mov_imm(e, RSP, KSTACK_TOP);
	if (restore_cr3) {
		mov_imm(e, RAX, PML4_PA);
		B(e, 0x0f, 0x22, 0xd8);
	}
	B(e, 0xff, 0x24, 0x25); imm32(e, (uint32_t)RESUME_PA); /* jmp [RESUME] */
	for (unsigned v = 0; v < 256; v++)
		set_gate(e->g, v, HANDLER_PA, 0);
}

void gen_adversarial(struct gen_guest *g, struct gen_src *s, unsigned max_actions)
{
	guest_begin(g);
	struct emit h = { g, HANDLER_PA, 0, 0x2000 };
	emit_adv_handler(&h, gen_below(s, 2));
	struct gen_src ucode; /* user pages: random code, from 8 bytes of s */
	gen_src_seed(&ucode, gen_u64(s));
	gen_random_code(&ucode, at(g, UCODE_PA), GEN_UCODE_BYTES);
	struct emit e = { g, CODE_PA, 0, CODE_BYTES - 64 };
	emit_setup(&e);
	unsigned n = 0;
	while (n < max_actions && !gen_src_done(s) && e.len + 200 < e.cap) {
		/* mov qword [RESUME], next: patched once this action's length is known */
		size_t slot = e.len;
		store_abs(&e, (uint32_t)RESUME_PA, 0);
		if (gen_below(s, 8)) /* mostly a sane stack again (an iretq may have left any RSP) */
			mov_imm(&e, RSP, KSTACK_TOP);
		emit_regs(&e, s);
		unsigned kind = gen_below(s, 12);
		size_t rip_at = 0;
		switch (kind) {
		case 0: act_cr(&e, s); break;
		case 1: act_msr(&e, s); break;
		case 2: act_dtr(&e, s); break;
		case 3: act_iretq(&e, s, &rip_at); break;
		case 4: act_int(&e, s); break;
		case 5: case 6: act_pt_write(&e, s); break;
		case 7: act_string_hole(&e, s); break;
		case 8: act_io(&e, s); break;
		case 9: act_misc(&e, s); break;
		case 10: act_raw(&e, s); break;
		default: act_user(&e, s); break;
		}
		uint32_t next = (uint32_t)here(&e);
		memcpy(at(g, CODE_PA + slot + 8), &next, 4);
		if (rip_at)
			put64(g, CODE_PA + rip_at, next);
		n++;
	}
	/* the end: debug-exit with status 0, then cli; hlt */
	B(&e, 0xba); imm32(&e, 0xf4);
	B(&e, 0x31, 0xc0, 0xee, 0xfa, 0xf4);
	g->code_bytes = e.len + h.len; /* the user pages are not counted: they come from a PRNG */
	g->actions = n;
}
