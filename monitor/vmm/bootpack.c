/*
 * monitor/vmm/bootpack.c — the programs of one boot module, read the way the
 * guest kernel reads them (guestos/program.c): an ELF file is one program
 * named after the module; a VLABPACK pack (guestos/pack.h) holds one program
 * per entry. A pack whose header or entry table does not fit is skipped
 * whole; an entry pointing outside the pack is skipped alone. Never a read
 * past the end of `data`.
 */
#include <string.h>

#include "guestos/pack.h"
#include "monitor/vmm/monitor.h"

_Static_assert(sizeof((struct mon_program *)0)->name == PACK_NAME_MAX, "program names as in packs");

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

int mon_module_programs(const char *modname, const uint8_t *data, size_t size,
			mon_program_fn fn, void *ctx)
{
	struct mon_program p = {0};
	if (size >= 8 && !memcmp(data, PACK_MAGIC, 8)) {
		const size_t entsz = PACK_NAME_MAX + 16; /* struct pack_entry as laid out in the file */
		if (size < sizeof(struct pack_header))
			return -1;
		uint32_t count = le32(data + 8);
		if (count > PACK_MAX_ENTRIES || sizeof(struct pack_header) + count * entsz > size)
			return -1;
		int n = 0;
		p.in_pack = true;
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *e = data + sizeof(struct pack_header) + i * entsz;
			snprintf(p.name, sizeof p.name, "%.*s", PACK_NAME_MAX - 1, (const char *)e);
			uint64_t off = le64(e + PACK_NAME_MAX), len = le64(e + PACK_NAME_MAX + 8);
			if (off > size || len > size - off)
				continue; /* the kernel skips it too */
			p.image = data + off;
			p.size = len;
			fn(ctx, &p);
			n++;
		}
		return n;
	}
	if (size < 4 || memcmp(data, "\177ELF", 4))
		return -1;
	const char *slash = strrchr(modname, '/');
	snprintf(p.name, sizeof p.name, "%.*s", PACK_NAME_MAX - 1, slash ? slash + 1 : modname);
	p.image = data;
	p.size = size;
	fn(ctx, &p);
	return 1;
}
