/*
 * monitor/console/console_modules.c — which user programs the guest has, and their
 * symbols: read from the boot modules (`--module`, default initrd.pack) the
 * way the guest kernel reads them (guestos/program.c). A module that is an
 * ELF file is one program named after the file; a VLABPACK pack
 * (guestos/pack.h) holds one program per entry, named by the entry. A later
 * program of the same name hides an earlier one (the kernel's program_find
 * searches from the last), so the modules are read last to first and the
 * first time a name is met decides its symbols.
 *
 * Every pack offset and size is bounds-checked like the kernel does: a bad
 * entry is skipped, a bad pack yields no symbols, never a read past its end.
 */
#include <stdlib.h>
#include <string.h>

#include "guestos/pack.h"
#include "monitor/console/console.h"

#define NAME_MAX_LEN (PACK_NAME_MAX - 1) /* BOOT_NAME_MAX and PACK_NAME_MAX, NUL included */

struct loader {
	struct con_symtab *t;
	char userdir[4096];         /* <kernel dir>/user: symbols for stripped pack members */
	char (*seen)[PACK_NAME_MAX]; /* program names already decided */
	size_t nseen;
};

/* Mark name as decided. Returns false if it already was (a later program hides this one). */
static bool first_time(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->nseen; i++)
		if (!strcmp(l->seen[i], name))
			return false;
	char(*n)[PACK_NAME_MAX] = realloc(l->seen, (l->nseen + 1) * sizeof *n);
	if (!n)
		return false;
	l->seen = n;
	snprintf(n[l->nseen++], PACK_NAME_MAX, "%s", name);
	return true;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The symbols of one program image; a pack member without any falls back to userdir/name. */
static void add_program(struct loader *l, const char *name, const uint8_t *data, size_t size, bool member)
{
	char err[256];
	if (!first_time(l, name))
		return;
	int n = con_symtab_add_elf(l->t, data, size, name, err, sizeof err);
	if (n <= 0 && member && l->userdir[0]) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", l->userdir, name);
		(void)con_symtab_add_file(l->t, path, name, err, sizeof err);
	}
}

/* The programs of a pack, last entry first. */
static void add_pack(struct loader *l, const uint8_t *b, size_t len)
{
	const size_t entsz = PACK_NAME_MAX + 16; /* struct pack_entry as laid out in the file */
	uint32_t count = le32(b + 8);
	if (count > PACK_MAX_ENTRIES || sizeof(struct pack_header) + count * entsz > len)
		return;
	for (uint32_t i = count; i-- > 0;) {
		const uint8_t *e = b + sizeof(struct pack_header) + i * entsz;
		char name[PACK_NAME_MAX];
		snprintf(name, sizeof name, "%.*s", NAME_MAX_LEN, (const char *)e);
		uint64_t off = le64(e + PACK_NAME_MAX), size = le64(e + PACK_NAME_MAX + 8);
		if (off > len || size > len - off)
			continue; /* the kernel skips it too */
		add_program(l, name, b + off, size, true);
	}
}

static void add_module(struct loader *l, const char *path)
{
	char err[256];
	size_t len;
	uint8_t *b = con_file_read(path, &len, err, sizeof err);
	if (!b)
		return;
	const char *slash = strrchr(path, '/');
	char name[PACK_NAME_MAX];
	snprintf(name, sizeof name, "%.*s", NAME_MAX_LEN, slash ? slash + 1 : path);
	if (len >= 8 && !memcmp(b, PACK_MAGIC, 8))
		add_pack(l, b, len);
	else if (len >= 4 && !memcmp(b, "\177ELF", 4))
		add_program(l, name, b, len, false);
	free(b);
}

void con_session_load_symbols(struct con_session *s, const char *kernel_path,
			      const char *const *modules, unsigned nmodules)
{
	char err[256];
	struct loader l = {.t = &s->syms};
	if (kernel_path) {
		(void)con_symtab_add_file(&s->syms, kernel_path, NULL, err, sizeof err);
		const char *slash = strrchr(kernel_path, '/');
		snprintf(l.userdir, sizeof l.userdir, "%.*s%suser", slash ? (int)(slash - kernel_path) : 0,
			 kernel_path, slash ? "/" : "");
	}
	for (unsigned i = nmodules; i-- > 0;)
		if (modules[i])
			add_module(&l, modules[i]);
	free(l.seen);
	con_symtab_finish(&s->syms);
}
