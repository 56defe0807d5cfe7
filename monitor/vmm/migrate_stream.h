/*
 * monitor/vmm/migrate_stream.h — what migrate.c writes and migrate_rx.c reads
 * (the format is described in migrate.h). Internal to monitor/vmm/.
 */
#ifndef VMLAB_MONITOR_MIGRATE_STREAM_H
#define VMLAB_MONITOR_MIGRATE_STREAM_H

#include "monitor/vmm/vm.h"

#define MIG_MAGIC "VLABMIGR"
#define MIG_VERSION 1u
#define MIG_HEADER 20u            /* magic, u32 version, u64 pages */
#define MIG_PAGE_REC (1u + 8u + PAGE_SIZE)
#define MIG_ZERO_REC (1u + 8u)

/* FNV-1a over every guest page in PA order (the end record's check). */
static inline uint64_t mig_guest_hash(const struct vm *vm)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const struct shadow_pmap *pm = &vm->sh.pmap;
	for (uint64_t p = 0; p < pm->npages; p++) {
		const uint8_t *g = vm->ram + pm->frame[p];
		for (unsigned i = 0; i < PAGE_SIZE; i++)
			h = (h ^ g[i]) * 0x100000001b3ull;
	}
	return h;
}

#endif
