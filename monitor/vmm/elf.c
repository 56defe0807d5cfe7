/*
 * monitor/vmm/elf.c — strict validation of an ELF64 kernel image.
 *
 * Everything the loader will later trust is checked here, with overflow-safe
 * arithmetic: the header fields, the program-header table's place in the
 * file, each PT_LOAD segment's place in the file and in guest-physical
 * memory, and the entry point.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guestos/boot.h"
#include "monitor/vmm/boot.h"

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* a + b <= limit without overflow */
static bool fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

static int check_header(const Elf64_Ehdr *eh, size_t size, char *err, size_t errlen)
{
	if (size < EI_NIDENT || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(err, errlen, "not an ELF file (bad magic)");
	if (size < sizeof *eh)
		return fail(err, errlen, "truncated ELF header (%zu bytes)", size);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "not a 64-bit ELF (class %u)", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, "unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, "not an x86-64 ELF (machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, "not an executable ELF (type %u; want ET_EXEC)", eh->e_type);
	if (eh->e_phnum == 0)
		return fail(err, errlen, "ELF has no program headers");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, "bad program header size %u", eh->e_phentsize);
	if (!fits(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
		return fail(err, errlen, "program headers lie outside the file");
	if (eh->e_phoff % 8)
		return fail(err, errlen, "misaligned program headers");
	return 0;
}

/* Check one PT_LOAD segment and record it. */
static int add_segment(const Elf64_Phdr *ph, size_t size, uint64_t mem_size, struct mon_elf *out,
		       char *err, size_t errlen)
{
	unsigned n = out->nsegs;
	if (n >= MON_ELF_MAX_SEGS)
		return fail(err, errlen, "too many PT_LOAD segments (max %d)", MON_ELF_MAX_SEGS);
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, "segment %u: file size larger than memory size", n);
	if (!fits(ph->p_offset, ph->p_filesz, size))
		return fail(err, errlen, "segment %u lies outside the file", n);
	if (ph->p_paddr < BOOT_FREE_PA)
		return fail(err, errlen, "segment %u at PA 0x%llx is below 0x%llx (firmware area)", n,
			    (unsigned long long)ph->p_paddr, (unsigned long long)BOOT_FREE_PA);
	if (!fits(ph->p_paddr, ph->p_memsz, mem_size))
		return fail(err, errlen, "segment %u (PA 0x%llx, %llu bytes) does not fit in guest memory (%llu bytes)",
			    n, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
			    (unsigned long long)mem_size);
	for (unsigned i = 0; i < n; i++) {
		const struct mon_elf_seg *s = &out->seg[i];
		if (ph->p_memsz && s->memsz && ph->p_paddr < s->paddr + s->memsz &&
		    s->paddr < ph->p_paddr + ph->p_memsz)
			return fail(err, errlen, "segments %u and %u overlap", i, n);
	}
	struct mon_elf_seg *s = &out->seg[n];
	s->offset = ph->p_offset;
	s->paddr = ph->p_paddr;
	s->vaddr = ph->p_vaddr;
	s->filesz = ph->p_filesz;
	s->memsz = ph->p_memsz;
	s->flags = ph->p_flags;
	out->nsegs = n + 1;
	if (ph->p_memsz) {
		if (ph->p_paddr < out->lo)
			out->lo = ph->p_paddr;
		if (ph->p_paddr + ph->p_memsz > out->hi)
			out->hi = ph->p_paddr + ph->p_memsz;
	}
	return 0;
}

int mon_elf_parse(const uint8_t *img, size_t size, uint64_t mem_size, struct mon_elf *out,
		  char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->lo = UINT64_MAX;
	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof eh);
	memcpy(&eh, img, size < sizeof eh ? size : sizeof eh);
	if (check_header(&eh, size, err, errlen))
		return -1;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
		if (ph.p_type == PT_LOAD && add_segment(&ph, size, mem_size, out, err, errlen))
			return -1;
	}
	if (!out->nsegs || out->hi == 0)
		return fail(err, errlen, "ELF has no loadable segment");
	for (unsigned i = 0; i < out->nsegs; i++) {
		const struct mon_elf_seg *s = &out->seg[i];
		if ((s->flags & PF_X) && eh.e_entry >= s->paddr && eh.e_entry - s->paddr < s->memsz) {
			out->entry = eh.e_entry;
			return 0;
		}
	}
	return fail(err, errlen, "entry point 0x%llx is not inside an executable segment",
		    (unsigned long long)eh.e_entry);
}
