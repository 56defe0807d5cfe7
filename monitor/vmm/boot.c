/*
 * monitor/vmm/boot.c — vmlab's firmware: the boot hand-off of guestos/boot.h.
 *
 * Guest-physical layout it builds:
 *
 *   0x1000  struct boot_info            (RDI)
 *   0x2000  GDT: null, code64 DPL0 (0x08), data DPL0 (0x10)
 *   0x3000  PML4   -> 0x4000 PDPT -> 0x5000..0x8fff four PDs of 2 MiB pages,
 *           identity map of [0, min(mem, 4 GiB)), present | writable
 *   ..0x80000  boot stack (RSP = 0x80000)
 *   0x100000+  kernel segments, then each module page-aligned
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/x86_pte.h"
#include "guestos/boot.h"
#include "monitor/vmm/boot.h"

#define PDPT_PA 0x4000ull
#define PD_PA 0x5000ull

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Walk [pa, pa+len) page by page, calling fn on each chunk. */
static bool gmem_chunks(const struct mon_gmem *g, pa_t pa, size_t len,
			void (*fn)(uint8_t *host, size_t off, size_t n, void *arg), void *arg)
{
	if (len > g->size || pa > g->size - len)
		return false;
	size_t done = 0;
	while (done < len) {
		uint8_t *page = g->page(g->ctx, pa + done);
		if (!page)
			return false;
		size_t in = (pa + done) & (PAGE_SIZE - 1);
		size_t n = PAGE_SIZE - in;
		if (n > len - done)
			n = len - done;
		fn(page + in, done, n, arg);
		done += n;
	}
	return true;
}

static void chunk_write(uint8_t *host, size_t off, size_t n, void *arg)
{
	memcpy(host, (const uint8_t *)arg + off, n);
}

static void chunk_read(uint8_t *host, size_t off, size_t n, void *arg)
{
	memcpy((uint8_t *)arg + off, host, n);
}

static void chunk_zero(uint8_t *host, size_t off, size_t n, void *arg)
{
	(void)off;
	(void)arg;
	memset(host, 0, n);
}

bool mon_gmem_write(const struct mon_gmem *g, pa_t pa, const void *src, size_t len)
{
	return gmem_chunks(g, pa, len, chunk_write, (void *)src);
}

bool mon_gmem_read(const struct mon_gmem *g, pa_t pa, void *dst, size_t len)
{
	return gmem_chunks(g, pa, len, chunk_read, dst);
}

bool mon_gmem_zero(const struct mon_gmem *g, pa_t pa, size_t len)
{
	return gmem_chunks(g, pa, len, chunk_zero, NULL);
}

static bool put64(const struct mon_gmem *g, pa_t pa, uint64_t v)
{
	return mon_gmem_write(g, pa, &v, 8);
}

/* The firmware GDT and the identity-map page tables. */
static bool build_tables(const struct mon_gmem *g)
{
	const uint64_t gdt[3] = {
		0,
		0x00209a0000000000ull, /* code: P, DPL 0, S, exec/read, L */
		0x0000920000000000ull, /* data: P, DPL 0, S, read/write */
	};
	if (!mon_gmem_write(g, BOOT_FW_GDT_PA, gdt, sizeof gdt))
		return false;
	if (!mon_gmem_zero(g, BOOT_FW_PML4, 0x6000)) /* PML4, PDPT, 4 PDs */
		return false;
	uint64_t top = g->size < (4ull << 30) ? g->size : (4ull << 30);
	uint64_t npages = (top + (2ull << 20) - 1) >> 21; /* 2 MiB pages */
	bool ok = put64(g, BOOT_FW_PML4, PDPT_PA | PTE_P | PTE_RW);
	for (unsigned i = 0; i < 4 && ok; i++)
		if ((uint64_t)i * 512 < npages)
			ok = put64(g, PDPT_PA + 8 * i, (PD_PA + 0x1000ull * i) | PTE_P | PTE_RW);
	for (uint64_t p = 0; p < npages && ok; p++)
		ok = put64(g, PD_PA + 8 * p, (p << 21) | PTE_P | PTE_RW | PTE_PS);
	return ok;
}

/* Copy the kernel's PT_LOAD segments and zero their bss. */
static bool load_segments(const struct mon_gmem *g, const uint8_t *img, const struct mon_elf *elf)
{
	for (unsigned i = 0; i < elf->nsegs; i++) {
		const struct mon_elf_seg *s = &elf->seg[i];
		if (!mon_gmem_write(g, s->paddr, img + s->offset, s->filesz) ||
		    !mon_gmem_zero(g, s->paddr + s->filesz, s->memsz - s->filesz))
			return false;
	}
	return true;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static uint64_t page_up(uint64_t v)
{
	return v > UINT64_MAX - (PAGE_SIZE - 1) ? UINT64_MAX & PAGE_MASK : (v + PAGE_SIZE - 1) & PAGE_MASK;
}

/* The guest memory the hand-off itself needs: the kernel image, then each module page-aligned. */
static uint64_t boot_need(const struct mon_elf *elf, const struct mon_module *mods, unsigned nmods)
{
	uint64_t at = page_up(elf->hi > BOOT_FREE_PA ? elf->hi : BOOT_FREE_PA);
	for (unsigned i = 0; i < nmods && at != (UINT64_MAX & PAGE_MASK); i++)
		at = mods[i].size > UINT64_MAX - at ? UINT64_MAX & PAGE_MASK : page_up(at + mods[i].size);
	return at;
}

int mon_boot_load(const struct mon_gmem *g, const uint8_t *img, const struct mon_elf *elf,
		  const struct mon_module *mods, unsigned nmods, const char *cmdline,
		  struct mon_boot_regs *regs, char *err, size_t errlen)
{
	uint64_t need = boot_need(elf, mods, nmods);
	if (g->size < need)
		return fail(err, errlen, "guest memory too small: --mem %lluK, but the kernel (to PA 0x%llx) and "
			    "%u module%s need at least --mem %lluK before the kernel starts (4M runs every demo)",
			    (unsigned long long)(g->size >> 10), (unsigned long long)elf->hi, nmods,
			    nmods == 1 ? "" : "s", (unsigned long long)(need >> 10));
	if (nmods > BOOT_MAX_MODULES)
		return fail(err, errlen, "too many modules (max %d)", BOOT_MAX_MODULES);
	if (strlen(cmdline) >= BOOT_CMDLINE_MAX)
		return fail(err, errlen, "command line too long");
	if (!mon_gmem_zero(g, 0, BOOT_FREE_PA) || !build_tables(g) || !load_segments(g, img, elf))
		return fail(err, errlen, "cannot write the kernel into guest memory");
	struct boot_info bi;
	memset(&bi, 0, sizeof bi);
	bi.magic = BOOT_INFO_MAGIC;
	bi.version = BOOT_INFO_VERSION;
	bi.booted_by = BOOT_FROM_VMLAB;
	bi.mem_size = g->size;
	bi.kernel_end = (elf->hi + PAGE_SIZE - 1) & PAGE_MASK;
	snprintf(bi.cmdline, sizeof bi.cmdline, "%s", cmdline);
	pa_t at = bi.kernel_end;
	for (unsigned i = 0; i < nmods; i++) {
		if (mods[i].size > g->size || at > g->size - mods[i].size)
			return fail(err, errlen, "module %s (%zu bytes) does not fit in guest memory",
				    base_name(mods[i].name), mods[i].size);
		if (!mon_gmem_write(g, at, mods[i].data, mods[i].size))
			return fail(err, errlen, "cannot write module %s", base_name(mods[i].name));
		bi.modules[i].pa = at;
		bi.modules[i].size = mods[i].size;
		snprintf(bi.modules[i].name, BOOT_NAME_MAX, "%s", base_name(mods[i].name));
		at = (at + mods[i].size + PAGE_SIZE - 1) & PAGE_MASK;
	}
	bi.nmodules = nmods;
	if (!mon_gmem_write(g, BOOT_INFO_PA, &bi, sizeof bi))
		return fail(err, errlen, "cannot write boot_info");
	memset(regs, 0, sizeof *regs);
	regs->rip = elf->entry;
	regs->rsp = BOOT_STACK_TOP;
	regs->rdi = BOOT_INFO_PA;
	regs->cr0 = CR0_PE | CR0_PG;
	regs->cr3 = BOOT_FW_PML4;
	regs->cr4 = CR4_PAE;
	regs->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	regs->gdt_base = BOOT_FW_GDT_PA;
	regs->gdt_limit = 3 * 8 - 1;
	regs->kernel_end = at;
	return 0;
}
