/*
 * guestos/pvh.h — the start-of-day structures QEMU's PVH boot hands over in
 * EBX (Xen's struct hvm_start_info, version >= 1), as far as guestos reads
 * them. Shared by the kernel's PVH path and the hand-off test firmware.
 */
#ifndef GUESTOS_PVH_H
#define GUESTOS_PVH_H

#include <stdint.h>

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

#endif
