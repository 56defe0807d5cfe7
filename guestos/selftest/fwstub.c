/*
 * guestos/selftest/fwstub.c — a test firmware that boots kernel.elf through
 * vmlab's hand-off (guestos/boot.h) on QEMU, so that boot path 1 is tested
 * before vmlab exists. QEMU boots this stub by PVH; its -initrd is a pack
 * holding "kernel.elf" and the user programs. The stub:
 *   - copies the kernel's PT_LOAD segments to their p_paddr, zeroing bss;
 *   - copies every other pack member to page-aligned addresses above the
 *     kernel image, one boot_info.modules[] entry each, named as in the pack;
 *   - writes boot_info at BOOT_INFO_PA (cmdline from QEMU's -append,
 *     mem_size from the PVH memory map, booted_by = BOOT_FROM_VMLAB),
 *     the firmware GDT at BOOT_FW_GDT_PA and identity page tables (2 MiB
 *     pages) at BOOT_FW_PML4;
 *   - enters the kernel at e_entry (fwstub.S: fw_enter_kernel).
 * Errors print "fwstub: ..." on COM1 and write 1 to the debug-exit port.
 */
#include <stddef.h>
#include <stdint.h>

#include "guestos/boot.h"
#include "guestos/pack.h"
#include "guestos/pvh.h"
#include "guestos/elf64.h"

#define COM1 0x3f8
#define MAX_MEM (4ull << 30)

void fw_main(uint32_t start_info_pa) __attribute__((noreturn));
void fw_enter_kernel(uint64_t entry) __attribute__((noreturn));
extern char _fw_start[];

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void put(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & 0x20))
			;
		outb(COM1, (uint8_t)*s);
	}
}

static void __attribute__((noreturn)) fail(const char *why)
{
	outb(COM1 + 3, 0x03);
	put("fwstub: ");
	put(why);
	put("\n");
	outb(0xf4, 1);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void copy(void *d, const void *s, uint64_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if (dp < sp)
		while (n--)
			*dp++ = *sp++;
	else
		while (n--)
			dp[n] = sp[n];
}

static void zero(void *d, uint64_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = 0;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint64_t page_up(uint64_t a)
{
	return (a + 4095) & ~4095ull;
}

/* Copy the kernel's PT_LOAD segments to p_paddr; returns kernel_end. */
static uint64_t load_kernel(const uint8_t *elf, uint64_t size, uint64_t *entry)
{
	const struct elf64_ehdr *eh = (const void *)elf;
	if (size < sizeof *eh || elf[0] != 0x7f || elf[1] != 'E' || eh->ident[4] != 2)
		fail("kernel.elf is not an ELF64 file");
	uint64_t end = 0;
	const struct elf64_phdr *ph = (const void *)(elf + eh->phoff);
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != 1)
			continue;
		if (ph[i].paddr < BOOT_FREE_PA || ph[i].paddr + ph[i].memsz > (uint64_t)_fw_start ||
		    ph[i].offset + ph[i].filesz > size)
			fail("kernel segment outside [BOOT_FREE_PA, stub)");
		copy((void *)ph[i].paddr, elf + ph[i].offset, ph[i].filesz);
		zero((void *)(ph[i].paddr + ph[i].filesz), ph[i].memsz - ph[i].filesz);
		if (ph[i].paddr + ph[i].memsz > end)
			end = ph[i].paddr + ph[i].memsz;
	}
	*entry = eh->entry;
	return page_up(end);
}

static uint64_t ram_size(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *mm = (const void *)si->memmap_paddr;
	uint64_t mem = 0;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (mm[i].type == 1 && mm[i].addr <= BOOT_FREE_PA && mm[i].addr + mm[i].size > BOOT_FREE_PA)
			mem = mm[i].addr + mm[i].size;
	if (!mem)
		fail("no RAM at 1 MiB in the PVH memory map");
	return mem;
}

/* Firmware GDT and identity page tables (2 MiB pages over [0, min(mem, 4 GiB))). */
static void build_tables(uint64_t mem)
{
	uint64_t *gdt = (uint64_t *)BOOT_FW_GDT_PA;
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	uint64_t *pml4 = (uint64_t *)BOOT_FW_PML4, *pdpt = (uint64_t *)(BOOT_FW_PML4 + 0x1000);
	zero(pml4, 0x6000);
	pml4[0] = (uint64_t)pdpt | 3;
	if (mem > MAX_MEM)
		mem = MAX_MEM;
	for (uint64_t a = 0; a < mem; a += 1ull << 21) {
		uint64_t gi = a >> 30, pdi = (a >> 21) & 511;
		uint64_t *pd = (uint64_t *)(BOOT_FW_PML4 + 0x2000 + gi * 0x1000);
		pdpt[gi] = (uint64_t)pd | 3;
		pd[pdi] = a | 0x83;
	}
}

void fw_main(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = (const void *)(uint64_t)start_info_pa;
	if (si->nr_modules < 1)
		fail("no -initrd pack");
	const struct hvm_modlist_entry *ml = (const void *)si->modlist_paddr;
	const uint8_t *pack = (const void *)ml[0].paddr;
	const struct pack_header *h = (const void *)pack;
	const struct pack_entry *e = (const void *)(pack + sizeof *h);
	if (ml[0].size < sizeof *h || h->magic[0] != 'V' || h->count > PACK_MAX_ENTRIES)
		fail("-initrd is not a pack");
	uint64_t mem = ram_size(si);
	struct boot_info bi;
	zero(&bi, sizeof bi);
	bi.magic = BOOT_INFO_MAGIC;
	bi.version = BOOT_INFO_VERSION;
	bi.booted_by = BOOT_FROM_VMLAB;
	bi.mem_size = mem;
	const char *cmd = (const char *)si->cmdline_paddr;
	for (int i = 0; cmd && cmd[i] && i < BOOT_CMDLINE_MAX - 1; i++)
		bi.cmdline[i] = cmd[i];
	uint64_t entry = 0;
	for (uint32_t i = 0; i < h->count; i++)
		if (same(e[i].name, "kernel.elf"))
			bi.kernel_end = load_kernel(pack + e[i].offset, e[i].size, &entry);
	if (!bi.kernel_end)
		fail("no kernel.elf in the pack");
	uint64_t next = bi.kernel_end;
	for (uint32_t i = 0; i < h->count && bi.nmodules < BOOT_MAX_MODULES; i++) {
		if (same(e[i].name, "kernel.elf"))
			continue;
		if (next + e[i].size > ml[0].paddr && next < ml[0].paddr + ml[0].size)
			fail("modules would overlap the pack");
		struct boot_module *m = &bi.modules[bi.nmodules++];
		copy((void *)next, pack + e[i].offset, e[i].size);
		m->pa = next;
		m->size = e[i].size;
		for (int k = 0; k < BOOT_NAME_MAX - 1 && e[i].name[k]; k++)
			m->name[k] = e[i].name[k];
		next = page_up(next + e[i].size);
	}
	copy((void *)BOOT_INFO_PA, &bi, sizeof bi);
	build_tables(mem);
	fw_enter_kernel(entry);
}
