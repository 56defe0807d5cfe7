/*
 * tests/e2e/mkrandom.c — write an ELF whose code is seeded random bytes (an
 * x86 fuzz guest): `mkrandom SEED OUT [user]`. Bare-metal (default): loaded
 * at PA 0x100000, the first byte is `sti` half of the time, so timer and
 * garbage-IDT paths get exercised. `user`: a guestos user program at VA
 * 0x400000 (run it with --module OUT --cmdline run=NAME): its faults,
 * privileged instructions and syscalls are reflected into the guest kernel.
 * Deterministic per seed.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE 4096

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "user"))) {
		fprintf(stderr, "usage: mkrandom SEED OUT [user]\n");
		return 2;
	}
	uint64_t base = argc == 4 ? 0x400000 : 0x100000;
	uint64_t s = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
	static uint8_t buf[4096 + CODE];
	memset(buf, 0, sizeof buf);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = base;
	eh->e_phoff = sizeof *eh;
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof *eh);
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_W | PF_X;
	ph->p_offset = 4096;
	ph->p_vaddr = ph->p_paddr = base;
	ph->p_filesz = ph->p_memsz = CODE;
	uint8_t *code = buf + 4096;
	for (int i = 0; i < CODE; i++)
		code[i] = (uint8_t)next(&s);
	if (argc == 3 && (next(&s) & 1))
		code[0] = 0xfb; /* sti */
	FILE *f = fopen(argv[2], "wb");
	if (!f || fwrite(buf, 1, sizeof buf, f) != sizeof buf || fclose(f)) {
		fprintf(stderr, "mkrandom: cannot write %s\n", argv[2]);
		return 1;
	}
	return 0;
}
