/*
 * monitor/vmm/imagehash.c — the hash of a guest image that trace headers
 * carry: FNV-1a 64 of what the guest gets, not of the file. An ELF is hashed
 * by its entry point and loadable segments (address, sizes, flags, bytes), so
 * debug sections -- which hold the build folder's path -- do not make the
 * same kernel hash differently in two checkouts; a pack (guestos/pack.h) by
 * each program's name and hash; anything else by all its bytes.
 */
#include <elf.h>
#include <string.h>

#include "monitor/vmm/vm.h"

uint64_t mon_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return mon_fnv1a(h, b, sizeof b);
}

/* The loaded part of an ELF64 file; false if it is not one whose
 * program headers and segments lie inside the file. */
static bool elf_hash(const uint8_t *d, size_t size, uint64_t *out)
{
	Elf64_Ehdr eh;
	if (size < sizeof eh || memcmp(d, ELFMAG, SELFMAG) || d[EI_CLASS] != ELFCLASS64)
		return false;
	memcpy(&eh, d, sizeof eh);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > size ||
	    (size - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
		return false;
	uint64_t h = fnv_u64(MON_FNV_INIT, eh.e_entry);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, d + eh.e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			return false;
		h = fnv_u64(h, ph.p_vaddr);
		h = fnv_u64(h, ph.p_paddr);
		h = fnv_u64(h, ph.p_memsz);
		h = fnv_u64(h, ph.p_flags);
		h = fnv_u64(h, ph.p_filesz);
		h = mon_fnv1a(h, d + ph.p_offset, (size_t)ph.p_filesz);
	}
	*out = h;
	return true;
}

static uint64_t program_hash(const uint8_t *d, size_t size)
{
	uint64_t h;
	return elf_hash(d, size, &h) ? h : mon_fnv1a(MON_FNV_INIT, d, size);
}

static void pack_entry(void *ctx, const struct mon_program *p)
{
	uint64_t *h = ctx;
	*h = mon_fnv1a(*h, p->name, strlen(p->name) + 1);
	*h = fnv_u64(*h, program_hash(p->image, p->size));
}

uint64_t mon_image_hash(const char *name, const uint8_t *data, size_t size)
{
	uint64_t h = MON_FNV_INIT;
	if (size >= 4 && !memcmp(data, ELFMAG, SELFMAG))
		return program_hash(data, size);
	if (mon_module_programs(name, data, size, pack_entry, &h) >= 0)
		return h;
	return mon_fnv1a(MON_FNV_INIT, data, size);
}
