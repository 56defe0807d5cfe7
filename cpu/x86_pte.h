/*
 * cpu/x86_pte.h — the x86-64 page-table entry bits (4-level paging), defined
 * once for cpu/, shadow/, monitor/ and the freestanding guestos/: plain
 * #defines, no types, no includes.
 *
 *   63  62..52  51........12  11..9  8  7  6  5  4   3   2  1  0
 *   NX  (avail) frame address  avail  G  PS D  A  PCD PWT US RW P
 */
#ifndef VMLAB_CPU_X86_PTE_H
#define VMLAB_CPU_X86_PTE_H

#define PTE_P (1ull << 0)   /* present */
#define PTE_RW (1ull << 1)  /* writable */
#define PTE_US (1ull << 2)  /* user-accessible */
#define PTE_PWT (1ull << 3) /* write-through */
#define PTE_PCD (1ull << 4) /* cache disable */
#define PTE_A (1ull << 5)   /* accessed */
#define PTE_D (1ull << 6)   /* dirty (leaf only) */
#define PTE_PS (1ull << 7)  /* page size: a 2 MiB / 1 GiB leaf above level 1 */
#define PTE_G (1ull << 8)   /* global (leaf only, with CR4.PGE) */
#define PTE_NX (1ull << 63) /* no-execute (with EFER.NXE; reserved otherwise) */

/* SIMPLIFICATION: MAXPHYADDR is fixed at 40 bits (1 TiB), as CPUID 0x80000008 reports. */
#define X86_MAXPHYADDR 40
#define PTE_ADDR_MASK 0x000ffffffffff000ull /* the address field, bits 51..12 */
/* bits 51..MAXPHYADDR of every entry are reserved (a reserved-bit fault) */
#define PTE_RSVD_MASK (0x000fffffffffffffull & ~((1ull << X86_MAXPHYADDR) - 1))
/* the address bits this CPU implements, bits MAXPHYADDR-1..12 */
#define PTE_FRAME_MASK (((1ull << X86_MAXPHYADDR) - 1) & ~0xfffull)

#endif
