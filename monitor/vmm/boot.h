/*
 * monitor/vmm/boot.h — the firmware side of the boot hand-off: ELF64 loading and
 * the guestos/boot.h hand-off structures, written into guest-physical memory
 * through an accessor so they can be unit-tested over a flat buffer.
 */
#ifndef VMLAB_MONITOR_BOOT_H
#define VMLAB_MONITOR_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

#define MON_ELF_MAX_SEGS 16

struct mon_elf_seg {
	uint64_t offset, paddr, vaddr, filesz, memsz;
	uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
};

struct mon_elf {
	uint64_t entry;
	unsigned nsegs;
	struct mon_elf_seg seg[MON_ELF_MAX_SEGS];
	uint64_t lo, hi; /* guest-physical extent of the loaded image [lo, hi) */
};

/*
 * Validate an ELF64 image (little-endian, x86-64, ET_EXEC) and collect its
 * PT_LOAD segments. Every segment must lie inside the file and inside
 * guest-physical [BOOT_FREE_PA, mem_size), segments must not overlap, and
 * the entry point must lie in an executable segment. Returns 0, or -1 with
 * one line in err.
 */
int mon_elf_parse(const uint8_t *img, size_t size, uint64_t mem_size, struct mon_elf *out,
		  char *err, size_t errlen);

/*
 * Guest-physical memory as the firmware sees it: page(ctx, pa) returns a host
 * pointer to the start of the 4 KiB page containing pa, or NULL if pa is
 * outside guest memory.
 */
struct mon_gmem {
	uint8_t *(*page)(void *ctx, pa_t pa);
	void *ctx;
	uint64_t size; /* bytes of guest-physical RAM */
};

/* Copy len bytes to / from guest-physical pa. Returns false if any byte is outside guest memory. */
bool mon_gmem_write(const struct mon_gmem *g, pa_t pa, const void *src, size_t len);
bool mon_gmem_read(const struct mon_gmem *g, pa_t pa, void *dst, size_t len);
bool mon_gmem_zero(const struct mon_gmem *g, pa_t pa, size_t len);

/* A boot module as loaded from a file. */
struct mon_module {
	const char *name;      /* file name without directories */
	const uint8_t *data;
	size_t size;
};

/* The register state the firmware hands over (what the vCPU starts with). */
struct mon_boot_regs {
	uint64_t rip, rsp, rdi;
	uint64_t cr0, cr3, cr4, efer;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t kernel_end;
};

/*
 * Load the kernel's segments (bss zeroed), place the modules page-aligned
 * above the kernel image, write struct boot_info, the firmware GDT and the
 * identity-map page tables, and describe the CPU state to start in. Returns
 * 0, or -1 with one line in err (e.g. the modules do not fit in memory).
 */
int mon_boot_load(const struct mon_gmem *g, const uint8_t *img, const struct mon_elf *elf,
		  const struct mon_module *mods, unsigned nmods, const char *cmdline,
		  struct mon_boot_regs *regs, char *err, size_t errlen);

#endif
