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
#include "tests/elf_image.h"

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
	elf_image_header(buf, base, base, 4096, CODE, CODE, PF_R | PF_W | PF_X);
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
