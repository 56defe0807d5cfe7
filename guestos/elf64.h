/*
 * guestos/elf64.h — the ELF64 header and program header as the guest reads
 * them (freestanding: no <elf.h>). Shared by the kernel's program loader and
 * the hand-off test firmware.
 */
#ifndef GUESTOS_ELF64_H
#define GUESTOS_ELF64_H

#include <stdint.h>

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#endif
