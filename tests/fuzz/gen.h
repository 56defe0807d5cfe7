/*
 * tests/fuzz/gen.h — build hostile guest kernels as ELF images in memory.
 *
 * Two kinds, both drawn from a byte source (a seeded PRNG for the
 * adversarial guest suite, the fuzzer's input for the coverage-guided
 * harnesses, so every finding replays from a seed or a file):
 *
 *   gen_cpl3_guest   a small kernel (GDT, TSS, IDT, syscall MSRs, its own
 *                    page tables) that enters user mode at GEN_UCODE_VA and
 *                    runs the given bytes there; every exception or
 *                    interrupt resumes the user one byte further on, so the
 *                    whole page is decoded and executed at CPL 3.
 *   gen_adversarial  a kernel that runs a sequence of hostile actions at
 *                    (virtual) CPL 0: privileged instructions with random
 *                    operands (CR0/CR3/CR4, MSRs, lgdt/lidt anywhere, iretq
 *                    frames, int n for every n, port I/O), page tables that
 *                    point outside guest memory or at themselves, with
 *                    reserved bits and huge pages, writes to live page-table
 *                    pages by every kind of instruction, string
 *                    instructions across a page boundary into a missing
 *                    page, and raw random code. Any exception resumes at
 *                    the next action (handler: fixed stack, jmp [resume]).
 *
 * Guest-physical layout of both (the image loads at GEN_BASE, 4 MiB of RAM):
 *
 *   0x100000  code: set-up, actions, handlers (GEN_CODE_PAGES pages)
 *   0x108000  GDT, TSS, GDTR/IDTR pseudo-descriptors, the resume slot
 *   0x109000  IDT (256 gates)
 *   0x10a000  PML4, PDPT, PD, PT0 (4 KiB pages of [0, 2 MiB)), PT2, spare table pages
 *   0x112000  kernel stack (top at 0x113000)
 *   0x113000  user code (2 pages), a missing page, user data; kernel data pages
 *   [0x120000, 0x200000) identity-mapped, outside the image (still guest RAM)
 */
#ifndef VMLAB_TESTS_FUZZ_GEN_H
#define VMLAB_TESTS_FUZZ_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_BASE 0x100000ull
#define GEN_IMAGE_BYTES 0x20000ull   /* the ELF segment: [GEN_BASE, GEN_BASE + this) */
#define GEN_MEM (4ull << 20)         /* guest RAM the images are made for */
#define GEN_UCODE_VA 0x400000ull     /* user code, 2 pages; the page after it is missing */
#define GEN_UCODE_BYTES 0x2000u
#define GEN_ELF_HDR 0x1000u          /* file offset of the segment */
#define GEN_ELF_BYTES (GEN_ELF_HDR + GEN_IMAGE_BYTES)
#define GEN_CODE_PA GEN_BASE         /* the set-up and the actions */
#define GEN_RESUME_PA 0x108120ull    /* adversarial guests: the address of the next action */

/* Where the bytes come from: a seeded PRNG, or a buffer (then zeros once it is used up). */
struct gen_src {
	const uint8_t *data;
	size_t len, pos;
	uint64_t state;  /* PRNG state when data == NULL */
	bool seeded;
};
void gen_src_seed(struct gen_src *s, uint64_t seed);
void gen_src_bytes(struct gen_src *s, const uint8_t *data, size_t len);
uint8_t gen_u8(struct gen_src *s);
uint32_t gen_u32(struct gen_src *s);
uint64_t gen_u64(struct gen_src *s);
/* A number in [0, n) (n >= 1). */
unsigned gen_below(struct gen_src *s, unsigned n);
/* Has a buffer source been used up? (A seeded one never is.) */
bool gen_src_done(const struct gen_src *s);

/* A generated guest: a whole ELF file. */
struct gen_guest {
	uint8_t elf[GEN_ELF_BYTES];
	size_t code_bytes;   /* guest instruction bytes in it (what the fuzzing totals count) */
	unsigned actions;    /* adversarial actions (0 for a CPL 3 guest) */
};

/* A CPL 3 guest running `code` (len bytes, tiled over the two user code pages; len 0: zeros). */
void gen_cpl3_guest(struct gen_guest *g, const uint8_t *code, size_t len);
/* n bytes of random code from s, seldom an instruction the core stops at (x87 escapes, int1). */
void gen_random_code(struct gen_src *s, uint8_t *buf, size_t n);
/* A raw kernel: `code` at the entry point, on the firmware's page tables and GDT, no IDT. */
void gen_raw_kernel(struct gen_guest *g, const uint8_t *code, size_t len);
/* An adversarial guest of at most max_actions actions drawn from src. */
void gen_adversarial(struct gen_guest *g, struct gen_src *src, unsigned max_actions);

#endif
