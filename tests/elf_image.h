/*
 * tests/elf_image.h — build the smallest ELF64 executable the vmlab loader
 * accepts, for tests that hand-make guests: an ET_EXEC x86-64 header and one
 * PT_LOAD program header right after it. Header-only, host side.
 */
#ifndef VMLAB_TESTS_ELF_IMAGE_H
#define VMLAB_TESTS_ELF_IMAGE_H

#include <elf.h>
#include <stdint.h>
#include <string.h>

/*
 * Write the headers into buf (which must hold sizeof(Elf64_Ehdr) +
 * sizeof(Elf64_Phdr) bytes; nothing else is touched): entry point `entry`,
 * one segment loaded at guest-physical (and virtual) `paddr` from file
 * offset `offset`, `filesz` bytes from the file, `memsz` in memory.
 */
static inline void elf_image_header(uint8_t *buf, uint64_t entry, uint64_t paddr, uint64_t offset,
				    uint64_t filesz, uint64_t memsz, uint32_t flags)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof *eh);
	memset(eh, 0, sizeof *eh + sizeof *ph);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof *eh;
	eh->e_ehsize = sizeof *eh;
	eh->e_phentsize = sizeof *ph;
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_flags = flags;
	ph->p_offset = offset;
	ph->p_vaddr = ph->p_paddr = paddr;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
}

#endif
