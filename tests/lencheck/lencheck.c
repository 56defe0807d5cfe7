/*
 * tests/lencheck/lencheck.c — cross-check the decoder's instruction lengths
 * against capstone over the .text of real ELF64 binaries.
 *
 *   lencheck [--max-files N] [--show N] [--why MNEMONIC] [FILE...]
 *   (default: every ELF in /usr/bin)
 *
 * A linear sweep with capstone walks each .text; at every instruction the
 * decoder runs on the same bytes (given at most 15, and never more than the
 * section holds). Where the decoder says it supports the instruction, the
 * lengths must agree; anything else must be reported as unsupported/invalid,
 * never mis-decoded. Prints totals, the most common unsupported mnemonics,
 * and every mismatch (up to --show); exits 1 if any mismatch, 2 on bad usage.
 */
#include <dirent.h>
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <capstone.h>

#include "cpu/exec.h"

#define TABLE 4096
struct tally {
	char name[32];
	uint64_t n;
};

struct totals {
	uint64_t files, insns, supported, unsupported, invalid, mismatches, shown, show;
	const char *why;   /* --why MNEMONIC: print the bytes of its unsupported/invalid instances */
	uint64_t why_shown;
	struct tally unsup[TABLE];
	struct tally ud[TABLE];
};

static void count(struct tally *t, const char *name)
{
	unsigned h = 5381;
	for (const char *p = name; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (unsigned k = 0; k < TABLE; k++) {
		struct tally *e = &t[(h + k) % TABLE];
		if (!e->name[0])
			snprintf(e->name, sizeof(e->name), "%s", name);
		if (!strcmp(e->name, name)) {
			e->n++;
			return;
		}
	}
}

static int by_count(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;
	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->name, y->name);
}

static void top(struct tally *t, const char *title, unsigned n)
{
	qsort(t, TABLE, sizeof(*t), by_count);
	printf("%s:", title);
	for (unsigned k = 0; k < n && t[k].n; k++)
		printf(" %s(%" PRIu64 ")", t[k].name, t[k].n);
	printf("\n");
}

/* Read a whole file; NULL if unreadable. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		fclose(f);
		return NULL;
	}
	uint8_t *buf = malloc((size_t)st.st_size);
	if (buf && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

/* Find .text in an ELF64 x86-64 image: 0 and its offset/size/address, or -1. */
static int find_text(const uint8_t *img, size_t len, size_t *off, size_t *size, uint64_t *addr)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		return -1;
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff || eh->e_shstrndx >= eh->e_shnum)
		return -1;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	const Elf64_Shdr *strs = &sh[eh->e_shstrndx];
	if (strs->sh_offset > len || strs->sh_size > len - strs->sh_offset)
		return -1;
	for (unsigned k = 0; k < eh->e_shnum; k++) {
		if (sh[k].sh_name >= strs->sh_size || sh[k].sh_type != SHT_PROGBITS)
			continue;
		const char *name = (const char *)img + strs->sh_offset + sh[k].sh_name;
		if (strnlen(name, strs->sh_size - sh[k].sh_name) == strs->sh_size - sh[k].sh_name)
			continue;
		if (strcmp(name, ".text") || sh[k].sh_offset > len || sh[k].sh_size > len - sh[k].sh_offset)
			continue;
		*off = sh[k].sh_offset;
		*size = sh[k].sh_size;
		*addr = sh[k].sh_addr;
		return 0;
	}
	return -1;
}

static void check_text(csh cs, const char *path, const uint8_t *code, size_t size, uint64_t addr, struct totals *t)
{
	cs_insn *ci = cs_malloc(cs);
	size_t pos = 0;
	while (pos < size) {
		const uint8_t *p = code + pos;
		size_t left = size - pos;
		uint64_t a = addr + pos;
		struct insn d;
		unsigned avail = left < 15 ? (unsigned)left : 15;
		enum dec_status st = cpu_decode(p, avail, &d);
		if (!cs_disasm_iter(cs, &p, &left, &a, ci)) {
			pos++; /* data or something capstone does not know: resynchronise */
			continue;
		}
		t->insns++;
		if (st == DEC_OK) {
			if (d.len == ci->size) {
				t->supported++;
			} else {
				t->mismatches++;
				if (t->shown++ < t->show) {
					printf("MISMATCH %s +0x%zx: capstone %u bytes, decoder %u:", path, pos, ci->size, d.len);
					for (unsigned k = 0; k < ci->size && k < 15; k++)
						printf(" %02x", code[pos + k]);
					printf("  [%s %s]\n", ci->mnemonic, ci->op_str);
				}
			}
		} else if (t->why && !strcmp(t->why, ci->mnemonic) && t->why_shown++ < 20) {
			printf("%s %s +0x%zx status %d:", ci->mnemonic, ci->op_str, pos, (int)st);
			for (unsigned k = 0; k < ci->size && k < 15; k++)
				printf(" %02x", code[pos + k]);
			printf("\n");
		}
		if (st == DEC_OK) {
		} else if (st == DEC_UD || st == DEC_GP || st == DEC_TRUNC) {
			t->invalid++;
			count(t->ud, ci->mnemonic);
		} else {
			t->unsupported++;
			count(t->unsup, ci->mnemonic);
		}
		pos += ci->size;
	}
	cs_free(ci, 1);
}

static void check_file(csh cs, const char *path, struct totals *t)
{
	size_t len, off, size;
	uint64_t addr;
	uint8_t *img = slurp(path, &len);
	if (!img)
		return;
	if (find_text(img, len, &off, &size, &addr) == 0) {
		t->files++;
		check_text(cs, path, img + off, size, addr, t);
	}
	free(img);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in /usr/bin, sorted (so runs are reproducible). */
static char **usr_bin(unsigned *n)
{
	DIR *dir = opendir("/usr/bin");
	char **names = NULL;
	unsigned cap = 0;
	*n = 0;
	if (!dir)
		return NULL;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			names = realloc(names, cap * sizeof(*names));
		}
		size_t l = strlen(e->d_name) + 10;
		names[*n] = malloc(l);
		snprintf(names[*n], l, "/usr/bin/%s", e->d_name);
		(*n)++;
	}
	closedir(dir);
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

int main(int argc, char **argv)
{
	static struct totals t;
	unsigned max_files = ~0u;
	int first = 1;
	t.show = 20;
	while (first < argc && !strncmp(argv[first], "--", 2)) {
		if (!strcmp(argv[first], "--max-files") && first + 1 < argc) {
			max_files = (unsigned)strtoul(argv[first + 1], NULL, 0);
		} else if (!strcmp(argv[first], "--why") && first + 1 < argc) {
			t.why = argv[first + 1];
		} else if (!strcmp(argv[first], "--show") && first + 1 < argc) {
			t.show = strtoull(argv[first + 1], NULL, 0);
		} else {
			fprintf(stderr, "lencheck: unknown option '%s'\nusage: lencheck [--max-files N] [--show N] [--why MNEMONIC] [FILE...]\n",
				argv[first]);
			return 2;
		}
		first += 2;
	}
	csh cs;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		fprintf(stderr, "lencheck: cannot open capstone\n");
		return 2;
	}
	if (first < argc) {
		for (int k = first; k < argc; k++) {
			struct stat st;
			if (stat(argv[k], &st) != 0) {
				fprintf(stderr, "lencheck: cannot read '%s'\n", argv[k]);
				return 2;
			}
			check_file(cs, argv[k], &t);
		}
	} else {
		unsigned n;
		char **names = usr_bin(&n);
		for (unsigned k = 0; k < n; k++) {
			if (t.files < max_files)
				check_file(cs, names[k], &t);
			free(names[k]);
		}
		free(names);
	}
	cs_close(&cs);
	top(t.unsup, "most common unsupported", 25);
	top(t.ud, "most common treated as invalid", 15);
	printf("files: %" PRIu64 " instructions: %" PRIu64 " supported: %" PRIu64 " (%.2f%%) unsupported: %" PRIu64
	       " invalid: %" PRIu64 " mismatches: %" PRIu64 "\n",
	       t.files, t.insns, t.supported, t.insns ? 100.0 * (double)t.supported / (double)t.insns : 0.0,
	       t.unsupported, t.invalid, t.mismatches);
	return t.mismatches ? 1 : 0;
}
