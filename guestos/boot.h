/*
 * guestos/boot.h — the boot hand-off between firmware (vmlab's loader, or the
 * kernel's own PVH trampoline under QEMU) and the guest kernel's 64-bit entry.
 * Shared by guestos/ and monitor/: keep it freestanding (stdint only).
 *
 * vmlab's hand-off (boot path 1), like UEFI:
 *   - every PT_LOAD segment of the kernel ELF is copied to guest-physical
 *     p_paddr (bss zeroed); execution starts at e_entry, which must be a
 *     guest-physical address inside the identity map;
 *   - the CPU is in 64-bit long mode at CPL 0, CR0.PG|PE, CR4.PAE, EFER.LME|LMA|NXE|SCE,
 *     RFLAGS = 0x2 (interrupts off);
 *   - CR3 = BOOT_FW_PML4: firmware page tables that identity-map guest-physical
 *     [0, min(mem_size, 4 GiB)) with 2 MiB pages, present + writable, supervisor;
 *   - GDTR points to a firmware GDT: BOOT_SEL_CODE64 (64-bit code, DPL 0),
 *     BOOT_SEL_DATA (data, DPL 0); IDTR.limit = 0 (no IDT yet);
 *   - RSP = BOOT_STACK_TOP (a small stack below it is the kernel's to use);
 *   - RDI = BOOT_INFO_PA, the address of a struct boot_info.
 * Everything below BOOT_FREE_PA is firmware's and may be reused by the kernel
 * once it has its own GDT, IDT, page tables and stack. Modules are placed
 * page-aligned above the kernel image; boot_info says where.
 *
 * What guestos's kernel.elf looks like to a loader: PT_LOAD segments whose
 * p_paddr starts at BOOT_FREE_PA; the first (boot stubs) has p_vaddr ==
 * p_paddr and holds e_entry, the others are linked higher-half (p_vaddr =
 * 0xffffffff80000000 + p_paddr) — load by p_paddr, as said above. A PT_NOTE
 * segment (the PVH entry note for QEMU) must be ignored. Modules may be ELF
 * programs or "VLABPACK" archives (guestos/pack.h); each name is what
 * spawn/run= use. guestos/selftest/fwstub.c is a reference loader.
 */
#ifndef GUESTOS_BOOT_H
#define GUESTOS_BOOT_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x544f4f4242414c56ull /* "VLABBOOT" */
#define BOOT_INFO_VERSION 1

#define BOOT_INFO_PA 0x1000ull      /* struct boot_info (one page) */
#define BOOT_FW_GDT_PA 0x2000ull    /* firmware GDT */
#define BOOT_FW_PML4 0x3000ull      /* firmware PML4; PDPT at 0x4000, PDs at 0x5000.. 0x8fff */
#define BOOT_STACK_TOP 0x80000ull   /* initial RSP */
#define BOOT_FREE_PA 0x100000ull    /* kernel images load at or above this */

#define BOOT_SEL_CODE64 0x08
#define BOOT_SEL_DATA 0x10

#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 256
#define BOOT_NAME_MAX 32

/* Who booted us: the kernel may say so in its banner, nothing else differs. */
#define BOOT_FROM_VMLAB 1
#define BOOT_FROM_PVH 2

struct boot_module {
	uint64_t pa;                 /* guest-physical start, page-aligned */
	uint64_t size;               /* bytes */
	char name[BOOT_NAME_MAX];    /* file name without directories, NUL-terminated */
};

struct boot_info {
	uint64_t magic;              /* BOOT_INFO_MAGIC */
	uint32_t version;            /* BOOT_INFO_VERSION */
	uint32_t booted_by;          /* BOOT_FROM_* */
	uint64_t mem_size;           /* bytes of guest-physical RAM, starting at PA 0 */
	uint64_t kernel_end;         /* first PA past the kernel image (page-aligned) */
	uint32_t nmodules;
	uint32_t reserved;
	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated, e.g. "mem=4M run=hello" */
	struct boot_module modules[BOOT_MAX_MODULES];
};

#endif
