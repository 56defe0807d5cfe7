/*
 * monitor/vmm/appname.c — naming the guest's apps in the trace ("app:hello")
 * without any help from the guest kernel: virtual-machine introspection.
 *
 * At boot the monitor still holds the boot modules (ELF programs, or packs of
 * them in guestos's "VLABPACK" format). For each program it remembers the
 * image of the page that holds its entry point. When the guest switches to
 * user mode in an address space (CR3), the monitor reads that VA page in the
 * current address space and compares it with each program's: the match names
 * the app. Until a match (e.g. the page is not mapped yet), an address space
 * is called app:1, app:2, ... in order of first appearance.
 *
 * SIMPLIFICATION: programs are told apart by one page (their entry page); two
 * programs with identical entry pages would get the first one's name.
 */
#include <elf.h>
#include <string.h>

#include "monitor/vmm/vm.h"

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Remember one ELF program's entry page. Silently ignores anything malformed. */
static void learn_elf(struct vm *vm, const char *name, const uint8_t *img, size_t size)
{
	Elf64_Ehdr eh;
	if (size < sizeof eh || vm->nsigs >= MON_APPSIG_MAX)
		return;
	memcpy(&eh, img, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > size ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff)
		return;
	va_t page = eh.e_entry & PAGE_MASK;
	uint8_t buf[PAGE_SIZE];
	memset(buf, 0, sizeof buf);
	bool found = false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			continue;
		for (uint64_t a = page; a < page + PAGE_SIZE; a++)
			if (a >= ph.p_vaddr && a - ph.p_vaddr < ph.p_filesz) {
				buf[a - page] = img[ph.p_offset + (a - ph.p_vaddr)];
				found = true;
			}
	}
	if (!found)
		return;
	struct mon_appsig *s = &vm->sigs[vm->nsigs++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->page = page;
	s->hash = fnv1a(buf, sizeof buf);
}

static void learn_program(void *vm, const struct mon_program *p)
{
	learn_elf(vm, p->name, p->image, p->size);
}

void mon_appname_learn(struct vm *vm, const char *path, const uint8_t *data, size_t size)
{
	(void)mon_module_programs(path, data, size, learn_program, vm);
}

/*
 * Does the current address space hold program `s` at its entry page?
 * 1 yes, 0 something else is there, -1 nothing readable there (not mapped
 * yet, or swapped out by the guest).
 */
static int match(struct vm *vm, const struct mon_appsig *s)
{
	uint8_t buf[PAGE_SIZE];
	if (mon_read_va(vm, s->page, buf, sizeof buf) != sizeof buf)
		return -1;
	return fnv1a(buf, sizeof buf) == s->hash;
}

/*
 * The name of the app running in address space slot `slot` (vm->app_cr3):
 * confirm the remembered program, or look for one. An entry page that cannot
 * be read keeps the remembered name (the guest swapped it out: the app has
 * not changed); only a different page there (exec) forgets it. Returns NULL
 * if unknown.
 */
const char *mon_appname_identify(struct vm *vm, unsigned slot)
{
	int k = vm->app_sig[slot];
	if (k >= 0 && match(vm, &vm->sigs[k]) != 0)
		return vm->sigs[k].name;
	vm->app_sig[slot] = -1;
	for (unsigned i = 0; i < vm->nsigs; i++)
		if (match(vm, &vm->sigs[i]) == 1) {
			vm->app_sig[slot] = (int)i;
			return vm->sigs[i].name;
		}
	return NULL;
}
