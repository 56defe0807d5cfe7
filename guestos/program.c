/*
 * guestos/program.c — the programs the kernel can run: boot modules that are
 * ELF files (named by boot_module.name) and the members of boot modules that
 * are packs (guestos/pack.h). Plus the ELF64 check that turns a program's
 * PT_LOAD headers into a process's regions; the bytes are only read later,
 * page by page, by the page-fault handler.
 */
#include "guestos/kernel.h"
#include "guestos/pack.h"
#include "guestos/elf64.h"

#define MAX_PROGRAMS 64


static struct program programs[MAX_PROGRAMS];
static int nprograms;

static void add_program(const char *name, const uint8_t *data, uint64_t size)
{
	if (nprograms == MAX_PROGRAMS) {
		kprintf("[kernel] too many programs; ignoring %s\n", name);
		return;
	}
	struct program *p = &programs[nprograms++];
	kstrlcpy(p->name, name, sizeof p->name);
	p->data = data;
	p->size = size;
}

/* Add every member of the pack at data[0..size); malformed entries are skipped. */
static void add_pack(const char *modname, const uint8_t *data, uint64_t size)
{
	const struct pack_header *h = (const void *)data;
	if (size < sizeof *h || h->count > PACK_MAX_ENTRIES ||
	    sizeof *h + h->count * sizeof(struct pack_entry) > size) {
		kprintf("[kernel] module %s: bad pack header\n", modname);
		return;
	}
	const struct pack_entry *e = (const void *)(data + sizeof *h);
	for (uint32_t i = 0; i < h->count; i++) {
		char name[PACK_NAME_MAX];
		kstrlcpy(name, e[i].name, sizeof name);
		if (e[i].offset > size || e[i].size > size - e[i].offset) {
			kprintf("[kernel] module %s: entry %s out of bounds\n", modname, name);
			continue;
		}
		add_program(name, data + e[i].offset, e[i].size);
	}
}

/* Build the program table from the boot modules, in module order. */
void programs_init(void)
{
	for (uint32_t i = 0; i < kboot.nmodules; i++) {
		const struct boot_module *m = &kboot.modules[i];
		const uint8_t *data = P2V(m->pa);
		if (m->pa + m->size > KMAP_MAX || m->pa + m->size < m->pa) {
			kprintf("[kernel] module %s is outside mapped memory\n", m->name);
			continue;
		}
		if (m->size >= 8 && memcmp(data, PACK_MAGIC, 8) == 0)
			add_pack(m->name, data, m->size);
		else if (m->size >= 4 && memcmp(data, "\177ELF", 4) == 0)
			add_program(m->name, data, m->size);
		else
			kprintf("[kernel] module %s is neither an ELF file nor a pack\n", m->name);
	}
}

/* The program called `name`, or NULL. A later module with the same name wins. */
const struct program *program_find(const char *name)
{
	for (int i = nprograms - 1; i >= 0; i--)
		if (strcmp(programs[i].name, name) == 0)
			return &programs[i];
	return NULL;
}

int program_count(void)
{
	return nprograms;
}

const struct program *program_at(int i)
{
	return &programs[i];
}

static int check_ehdr(const struct program *prog, const struct elf64_ehdr *eh, const char **why)
{
	if (prog->size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4) != 0) {
		*why = "not an ELF file";
		return -1;
	}
	if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62 || eh->type != 2) {
		*why = "not a little-endian x86-64 ELF64 executable";
		return -1;
	}
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > prog->size ||
	    (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > prog->size - eh->phoff) {
		*why = "bad program headers";
		return -1;
	}
	return 0;
}

static int add_region(struct proc *p, const struct program *prog, const struct elf64_phdr *ph,
		      const char **why)
{
	uint64_t end = ph->vaddr + ph->memsz;
	if (ph->filesz > ph->memsz || ph->offset > prog->size ||
	    ph->filesz > prog->size - ph->offset || ph->vaddr < USER_MIN || end < ph->vaddr ||
	    end > USER_STACK_TOP - USER_STACK_MAX) {
		*why = "segment out of bounds";
		return -1;
	}
	if (p->nregions == MAX_REGIONS) {
		*why = "too many segments";
		return -1;
	}
	struct region *r = &p->regions[p->nregions++];
	r->start = PAGE_ROUND_DOWN(ph->vaddr);
	r->end = PAGE_ROUND_UP(end);
	r->vaddr = ph->vaddr;
	r->filesz = ph->filesz;
	r->offset = ph->offset;
	r->writable = (ph->flags & PF_W) != 0;
	r->executable = (ph->flags & PF_X) != 0;
	return 0;
}

/*
 * Describe `prog`'s PT_LOAD segments as p's regions and put the heap right
 * after the highest one. Maps nothing. Returns 0 and the entry point, or -1
 * with *why saying what is wrong with the file.
 */
int elf_load(struct proc *p, const struct program *prog, uint64_t *entry, const char **why)
{
	const struct elf64_ehdr *eh = (const void *)prog->data;
	if (check_ehdr(prog, eh, why) != 0)
		return -1;
	p->nregions = 0;
	p->prog = prog;
	uint64_t top = 0;
	const struct elf64_phdr *ph = (const void *)(prog->data + eh->phoff);
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
			continue;
		if (add_region(p, prog, &ph[i], why) != 0)
			return -1;
		if (p->regions[p->nregions - 1].end > top)
			top = p->regions[p->nregions - 1].end;
	}
	int ok = 0;
	for (int i = 0; i < p->nregions; i++)
		if (p->regions[i].executable && eh->entry >= p->regions[i].start &&
		    eh->entry < p->regions[i].end)
			ok = 1;
	if (!ok) {
		*why = "entry point not in an executable segment";
		return -1;
	}
	p->heap_start = p->brk = top;
	*entry = eh->entry;
	return 0;
}
