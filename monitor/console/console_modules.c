/*
 * monitor/console/console_modules.c — which user programs the guest has, and their
 * symbols: read from the boot modules (`--module`, default initrd.pack) the
 * way the guest kernel reads them (guestos/program.c). A module that is an
 * ELF file is one program named after the file; a VLABPACK pack
 * (guestos/pack.h) holds one program per entry, named by the entry. A later
 * program of the same name hides an earlier one (the kernel's program_find
 * searches from the last), so the modules are read last to first and the
 * first time a name is met decides its symbols.
 * The modules are parsed by mon_module_programs (monitor/vmm/bootpack.c),
 * which checks every pack offset and size like the kernel does.
 */
#include <stdlib.h>
#include <string.h>

#include "guestos/pack.h"
#include "monitor/console/console.h"

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

/* A module's programs, collected so they can be read last first. */
struct module_programs {
	struct mon_program p[PACK_MAX_ENTRIES];
	unsigned n;
};

static void collect(void *ctx, const struct mon_program *p)
{
	struct module_programs *m = ctx;
	if (m->n < PACK_MAX_ENTRIES)
		m->p[m->n++] = *p;
}

static void add_module(struct loader *l, const char *path)
{
	char err[256];
	size_t len;
	uint8_t *b = con_file_read(path, &len, err, sizeof err);
	if (!b)
		return;
	struct module_programs m = {.n = 0};
	(void)mon_module_programs(path, b, len, collect, &m);
	for (unsigned i = m.n; i-- > 0;)
		add_program(l, m.p[i].name, m.p[i].image, m.p[i].size, m.p[i].in_pack);
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
