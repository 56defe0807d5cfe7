/*
 * monitor/console/console_symbols.c — symbol tables of the guest kernel and of the
 * user programs, read from their ELF64 files (.symtab), for `break main`,
 * `disas`, `backtrace` and tab completion.
 *
 * Every offset and size read from the file is bounds-checked: a truncated or
 * hostile ELF is rejected with one line, never read past its end.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "monitor/console/console.h"

#define NEAR_LIMIT 0x1000 /* a size-0 symbol (asm label) covers at most this much */

static int serr(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* The program name pointer kept in t (interned), or NULL for the kernel. */
static const char *intern_prog(struct con_symtab *t, const char *prog)
{
	if (!prog)
		return NULL;
	for (size_t i = 0; i < t->nprogs; i++)
		if (!strcmp(t->progs[i], prog))
			return t->progs[i];
	char **p = realloc(t->progs, (t->nprogs + 1) * sizeof *p);
	if (!p)
		return NULL;
	t->progs = p;
	if (!(p[t->nprogs] = strdup(prog)))
		return NULL;
	return p[t->nprogs++];
}

static int add_sym(struct con_symtab *t, const char *name, uint64_t addr, uint64_t size,
		   const char *prog)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct con_sym *s = realloc(t->s, cap * sizeof *s);
		if (!s)
			return -1;
		t->s = s;
		t->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -1;
	t->s[t->n++] = (struct con_sym){copy, addr, size, prog};
	return 0;
}

static bool keep_symbol(const Elf64_Sym *s, const char *name)
{
	unsigned type = ELF64_ST_TYPE(s->st_info);
	if (!name[0] || name[0] == '$' || s->st_shndx == SHN_UNDEF || s->st_shndx == SHN_ABS)
		return false;
	if (name[0] == '.' && name[1] == 'L')
		return false;
	return type == STT_FUNC || type == STT_OBJECT || type == STT_NOTYPE;
}

/* Add the symbols of one SHT_SYMTAB section. Returns the count or -1. */
static int add_symtab(struct con_symtab *t, const uint8_t *b, size_t len, const Elf64_Shdr *sh,
		      const Elf64_Shdr *strsh, const char *prog, char *err, size_t errlen)
{
	if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_offset > len || sh->sh_size > len - sh->sh_offset ||
	    strsh->sh_offset > len || strsh->sh_size > len - strsh->sh_offset || strsh->sh_size == 0)
		return serr(err, errlen, "symbol table outside the file");
	const char *str = (const char *)b + strsh->sh_offset;
	if (str[strsh->sh_size - 1] != 0)
		return serr(err, errlen, "string table not terminated");
	int added = 0;
	for (size_t i = 1; i < sh->sh_size / sizeof(Elf64_Sym); i++) {
		Elf64_Sym s;
		memcpy(&s, b + sh->sh_offset + i * sizeof s, sizeof s);
		if (s.st_name >= strsh->sh_size)
			return serr(err, errlen, "symbol name outside the string table");
		const char *name = str + s.st_name;
		if (!keep_symbol(&s, name))
			continue;
		if (add_sym(t, name, s.st_value, s.st_size, prog))
			return serr(err, errlen, "out of memory");
		added++;
	}
	return added;
}

/* Remember the first bytes of prog's main() as found in its PT_LOAD segments. */
static void add_signature(struct con_symtab *t, const uint8_t *b, size_t len, const Elf64_Ehdr *eh,
			  const char *prog, size_t first_sym)
{
	const struct con_sym *m = NULL;
	for (size_t i = first_sym; i < t->n; i++)
		if (!strcmp(t->s[i].name, "main"))
			m = &t->s[i];
	if (!m || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, b + eh->e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD || m->addr < ph.p_vaddr || m->addr - ph.p_vaddr >= ph.p_filesz ||
		    ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			continue;
		uint64_t off = ph.p_offset + (m->addr - ph.p_vaddr), avail = ph.p_offset + ph.p_filesz - off;
		struct con_progsig *sig = realloc(t->sigs, (t->nsigs + 1) * sizeof *sig);
		if (!sig)
			return;
		t->sigs = sig;
		sig = &t->sigs[t->nsigs++];
		sig->prog = prog;
		sig->va = m->addr;
		sig->len = avail < CON_SIG_BYTES ? (unsigned)avail : CON_SIG_BYTES;
		memcpy(sig->bytes, b + off, sig->len);
		return;
	}
}

int con_symtab_add_elf(struct con_symtab *t, const void *buf, size_t len, const char *prog,
		       char *err, size_t errlen)
{
	size_t first_sym = t->n;
	const uint8_t *b = buf;
	Elf64_Ehdr eh;
	if (len < sizeof eh || memcmp(b, ELFMAG, SELFMAG))
		return serr(err, errlen, "not an ELF file");
	memcpy(&eh, b, sizeof eh);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return serr(err, errlen, "not a little-endian ELF64 file");
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
	    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff)
		return serr(err, errlen, "section headers outside the file");
	const char *p = intern_prog(t, prog);
	if (prog && !p)
		return serr(err, errlen, "out of memory");
	int total = 0;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, strsh;
		memcpy(&sh, b + eh.e_shoff + i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		if (sh.sh_link >= eh.e_shnum)
			return serr(err, errlen, "symbol table has a bad string table link");
		memcpy(&strsh, b + eh.e_shoff + sh.sh_link * sizeof strsh, sizeof strsh);
		int n = add_symtab(t, b, len, &sh, &strsh, p, err, errlen);
		if (n < 0)
			return -1;
		total += n;
	}
	if (p)
		add_signature(t, b, len, &eh, p, first_sym);
	return total;
}

bool con_symtab_has_prog(const struct con_symtab *t, const char *prog)
{
	for (size_t i = 0; prog && i < t->nprogs; i++)
		if (!strcmp(t->progs[i], prog))
			return true;
	return false;
}

const char *con_symtab_identify(const struct con_symtab *t,
				size_t (*read)(void *ctx, uint64_t va, void *buf, size_t len), void *ctx)
{
	const char *found = NULL;
	for (size_t i = 0; i < t->nsigs; i++) {
		const struct con_progsig *g = &t->sigs[i];
		uint8_t mem[CON_SIG_BYTES];
		if (!g->len || read(ctx, g->va, mem, g->len) != g->len || memcmp(mem, g->bytes, g->len))
			continue;
		if (found && strcmp(found, g->prog))
			return NULL; /* two programs match: cannot tell */
		found = g->prog;
	}
	return found;
}

void *con_file_read_max(const char *path, uint64_t max, const char *why, size_t *len, char *err,
			size_t errlen)
{
	if (max > CON_FILE_MAX)
		max = CON_FILE_MAX;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s", path);
		return NULL;
	}
	struct stat st; /* a directory, or a regular file too large, is refused before anything is read */
	bool known = fstat(fileno(f), &st) == 0;
	if (known && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "cannot read %s: it is a directory", path);
		return NULL;
	}
	if (known && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		fclose(f);
		snprintf(err, errlen, "%s is too large (%llu bytes; at most %llu bytes%s)", path,
			 (unsigned long long)st.st_size, (unsigned long long)max, why);
		return NULL;
	}
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			if (n > max) /* a stream: max + 1 bytes read, that is enough to know */
				break;
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				serr(err, errlen, "out of memory");
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad || n > max) {
		free(buf);
		if (bad)
			snprintf(err, errlen, "%s: read error", path);
		else
			snprintf(err, errlen, "%s is too large (more than %llu bytes%s)", path,
				 (unsigned long long)max, why);
		return NULL;
	}
	*len = n;
	return buf;
}

void *con_file_read(const char *path, size_t *len, char *err, size_t errlen)
{
	return con_file_read_max(path, CON_FILE_MAX, "", len, err, errlen);
}

int con_symtab_add_file(struct con_symtab *t, const char *path, const char *prog, char *err,
			size_t errlen)
{
	size_t len;
	void *buf = con_file_read(path, &len, err, errlen);
	if (!buf)
		return -1;
	int rc = con_symtab_add_elf(t, buf, len, prog, err, errlen);
	free(buf);
	return rc;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct con_sym *x = a, *y = b;
	int px = x->prog != NULL, py = y->prog != NULL;
	if (px != py)
		return px - py;
	if (px) {
		int c = strcmp(x->prog, y->prog);
		if (c)
			return c;
	}
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* prefer sized, global-looking names first: deterministic order by name */
	if ((x->size != 0) != (y->size != 0))
		return x->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

void con_symtab_finish(struct con_symtab *t)
{
	if (t->n)
		qsort(t->s, t->n, sizeof *t->s, cmp_sym);
}

void con_symtab_free(struct con_symtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i].name);
	for (size_t i = 0; i < t->nprogs; i++)
		free(t->progs[i]);
	free(t->s);
	free(t->progs);
	free(t->sigs);
	memset(t, 0, sizeof *t);
}

static bool prog_is(const struct con_sym *s, const char *prog)
{
	if (!prog)
		return !s->prog;
	return s->prog && !strcmp(s->prog, prog);
}

static const struct con_sym *lookup_in(const struct con_symtab *t, const char *name, const char *prog,
				       bool any_prog)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].name, name) && (any_prog ? t->s[i].prog != NULL : prog_is(&t->s[i], prog)))
			return &t->s[i];
	return NULL;
}

const struct con_sym *con_sym_lookup(const struct con_symtab *t, const char *name,
				     const char *cur_prog)
{
	const char *colon = strchr(name, ':');
	if (colon) {
		char prog[64];
		if ((size_t)(colon - name) >= sizeof prog)
			return NULL;
		snprintf(prog, sizeof prog, "%.*s", (int)(colon - name), name);
		return lookup_in(t, colon + 1, strcmp(prog, "kernel") ? prog : NULL, false);
	}
	const struct con_sym *s = lookup_in(t, name, NULL, false);
	if (!s && cur_prog)
		s = lookup_in(t, name, cur_prog, false);
	if (!s)
		s = lookup_in(t, name, NULL, true);
	return s;
}

/* Best symbol of one program (NULL: kernel) for addr. */
static const struct con_sym *find_in(const struct con_symtab *t, uint64_t addr, const char *prog)
{
	const struct con_sym *best = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct con_sym *s = &t->s[i];
		if (!prog_is(s, prog) || s->addr > addr)
			continue;
		bool inside = s->size ? addr - s->addr < s->size : addr - s->addr < NEAR_LIMIT;
		if (inside && (!best || s->addr > best->addr || (s->addr == best->addr && s->size && !best->size)))
			best = s;
	}
	return best;
}

const struct con_sym *con_sym_find(const struct con_symtab *t, uint64_t addr, const char *cur_prog)
{
	const struct con_sym *s = find_in(t, addr, NULL);
	if (!s && cur_prog)
		s = find_in(t, addr, cur_prog);
	return s;
}

const char *con_sym_format(const struct con_symtab *t, uint64_t addr, const char *cur_prog,
			   char *buf, size_t len)
{
	const struct con_sym *s = t ? con_sym_find(t, addr, cur_prog) : NULL;
	if (!s)
		snprintf(buf, len, "%s", "");
	else if (addr == s->addr)
		snprintf(buf, len, "<%s>", s->name);
	else
		snprintf(buf, len, "<%s+0x%llx>", s->name, (unsigned long long)(addr - s->addr));
	return buf;
}

void con_sym_each_prefix(const struct con_symtab *t, const char *prefix,
			 void (*fn)(void *ctx, const char *name), void *ctx)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < t->n; i++)
		if (!strncmp(t->s[i].name, prefix, n))
			fn(ctx, t->s[i].name);
}
