/*
 * guestos/pack.h — the boot-module archive ("pack"), shared by the kernel
 * and the host tool guestos/tools/mkpack.c. All integers little-endian.
 *
 *   offset 0   char     magic[8]   "VLABPACK"
 *          8   uint32   count      number of entries (at most PACK_MAX_ENTRIES)
 *         12   uint32   reserved   0
 *         16   struct pack_entry entries[count]
 *              then the file bytes; each file starts at an offset that is a
 *              multiple of PACK_ALIGN, counted from the start of the pack
 */
#ifndef GUESTOS_PACK_H
#define GUESTOS_PACK_H

#include <stdint.h>

#define PACK_MAGIC "VLABPACK"
#define PACK_MAX_ENTRIES 64
#define PACK_NAME_MAX 32
#define PACK_ALIGN 16

struct pack_header {
	char magic[8];
	uint32_t count;
	uint32_t reserved;
};

struct pack_entry {
	char name[PACK_NAME_MAX];    /* NUL-terminated program name */
	uint64_t offset;             /* from the start of the pack */
	uint64_t size;               /* bytes */
};

#endif
