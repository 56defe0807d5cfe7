/*
 * monitor/vmm/paravirt.c — --paravirt: the guest kernel knows it runs on vmlab
 * (CPUID 0x40000000 says "VmlabVmlabVm", leaf 0x40000001 has
 * VMLAB_FEAT_HYPERCALL) and calls the monitor with `vmcall` instead of
 * trapping instruction by instruction: one exit writes a whole string to the
 * console (instead of two port exits per byte), one exit moves up to 255 disk
 * sectors (instead of a port exit per 16-bit word), one exit carries a batch of
 * PTE updates with their invlpgs (instead of one traced PT write each), and
 * CR3, invlpg and the interrupt flag have calls of their own.
 *
 * ABI (monitor/modes.h, guestos/README.md): RAX = op, RDI/RSI/RDX = args,
 * result in RAX (-1 on a bad argument). Only at virtual CPL 0.
 */
#include <string.h>

#include "monitor/vmm/modes.h"

static const char *const hc_names[VMLAB_HC_COUNT] = {
	"version", "console_write", "mmu_update", "invlpg", "set_cr3", "irq", "disk_read", "disk_write", "balloon",
};

static void trace_hc(struct vm *vm, unsigned op, const char *fmt, unsigned long long a)
{
	if (!MON_TRACING(vm, MON_CAT_EXIT))
		return;
	char text[96];
	snprintf(text, sizeof text, fmt, a);
	mon_trace_emit(vm, MON_CAT_EXIT, "VMM", "hypercall", NULL, "hypercall %s: %s",
		       op < VMLAB_HC_COUNT ? hc_names[op] : "?", text);
}

/* Bytes from the guest's buffer straight to the UART's transmitter. */
static int64_t console_write(struct vm *vm, va_t buf, uint64_t len)
{
	/* LAB-HOLE-BEGIN hypercall stub: (void)buf; (void)len; mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "not implemented: the console_write hypercall"); return -1; */
	if (len > 4096)
		return -1;
	uint8_t chunk[256];
	for (uint64_t sent = 0; sent < len;) {
		size_t n = len - sent > sizeof chunk ? sizeof chunk : (size_t)(len - sent);
		uint32_t pf;
		if (!mon_guest_rw(vm, buf + sent, chunk, n, false, &pf))
			return -1;
		for (const uint8_t *c = chunk; c < chunk + n; c++)
			mon_uart_write(&vm->uart, 0, *c);
		sent += n;
	}
	trace_hc(vm, VMLAB_HC_CONSOLE_WRITE, "%llu bytes to COM1 in one exit", (unsigned long long)len);
	return (int64_t)len; /* every byte went to COM1 */
	/* LAB-HOLE-END hypercall */
}

/* Sectors between the swap disk and guest memory (kernel VA), one page at a time. */
static int64_t disk_io(struct vm *vm, bool write, va_t buf, uint64_t lba, uint64_t n)
{
	struct mon_ata *a = &vm->ata;
	if (n < 1 || n > 255 || lba > a->sectors || n > a->sectors - lba)
		return -1;
	uint64_t bytes = n * ATA_SECTOR;
	uint8_t *disk = a->disk + lba * ATA_SECTOR;
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE) {
		size_t k = bytes - off > PAGE_SIZE ? PAGE_SIZE : (size_t)(bytes - off);
		uint32_t pf;
		if (!mon_guest_rw(vm, buf + off, disk + off, k, !write, &pf))
			return -1;
	}
	for (uint64_t i = 0; write && vm->sh.pmap.oc && i < n; i++) /* overcommit: double paging? */
		if (shadow_oc_disk_write(vm->sh.pmap.oc, &vm->sh.pmap, disk + i * ATA_SECTOR, (unsigned)((lba + i) % 8)))
			mon_overcommit_double_paging(vm, (lba + i) / 8);
	vm->modes->hc_sectors += n;
	if (MON_TRACING(vm, MON_CAT_DISK)) {
		struct mon_event f = { .has = MON_EV_VALUE, .value = lba };
		mon_trace_emit(vm, MON_CAT_DISK, "VMM", write ? "disk_write" : "disk_read", &f,
			       "disk %s LBA %llu, %llu sectors (%s, one hypercall)", write ? "write" : "read",
			       (unsigned long long)lba, (unsigned long long)n, write ? "swap-out" : "swap-in");
	}
	return 0;
}

static void invlpg(struct vm *vm, va_t va)
{
	struct shadow_flush_rec rec;
	memset(&rec, 0, sizeof rec);
	shadow_invlpg(&vm->sh, va, &rec);
}

/* A batch of { pa, val, flush_va } PTE updates (flush_va 0: no invlpg). */
static int64_t mmu_update(struct vm *vm, va_t list, uint64_t count)
{
	if (count > VMLAB_HC_BATCH_MAX)
		return -1;
	uint64_t ent[VMLAB_HC_BATCH_MAX][3];
	uint32_t pf;
	if (count && !mon_guest_rw(vm, list, ent, (size_t)count * 24, false, &pf))
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		pa_t pa = ent[i][0];
		if ((pa & 7) || shadow_pa_to_ma(&vm->sh.pmap, pa) == MA_NONE)
			return -1;
		if (shadow_is_pt_page(&vm->sh, pa)) {
			struct shadow_ptw_rec rec;
			if (shadow_ptwrite_emulate(&vm->sh, pa, ent[i][1], 8, &rec))
				return -1;
		} else {
			shadow_pmap_write64(&vm->sh.pmap, pa, ent[i][1]);
			cpu_code_written(&vm->cpu, shadow_pa_to_ma(&vm->sh.pmap, pa), 8);
		}
		if (ent[i][2])
			invlpg(vm, ent[i][2]);
	}
	vm->modes->hc_ptes += count;
	trace_hc(vm, VMLAB_HC_MMU_UPDATE, "%llu PTE updates in one exit", (unsigned long long)count);
	return 0;
}

static void set_cr3(struct vm *vm, uint64_t val)
{
	struct shadow_flush_rec rec;
	memset(&rec, 0, sizeof rec);
	shadow_write_cr3(&vm->sh, val, &rec);
	vm->v.cr3 = val & ~CR3_NOFLUSH;
	vm->stats.cr3_writes++;
	if (MON_TRACING(vm, MON_CAT_VM)) {
		struct mon_event f = { .has = MON_EV_PA, .pa = val & CR3_ADDR_MASK };
		mon_trace_emit(vm, MON_CAT_VM, "VMM", "cr3", &f,
			       "CR3 write (hypercall): address space PA 0x%llx; TLB dropped %u",
			       (unsigned long long)(val & CR3_ADDR_MASK), rec.tlb_dropped);
	}
}

/* sti + hlt in one call: idle until the next timer edge (as emulate_sys.c's hlt). */
static void idle(struct vm *vm)
{
	vm->v.iflag = true;
	if (mon_pic_pending(&vm->pic))
		return;
	if (vm->next_tick == UINT64_MAX) {
		mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1,
			    "guest idles (hypercall) with no interrupt source armed (deadlock)");
		return;
	}
	/* SIMPLIFICATION: idle time passes instantly, as for hlt. */
	mon_vm_account(vm);
	vm->cpu.icount = vm->next_tick;
	vm->last_icount = vm->cpu.icount;
}

void mon_paravirt_call(struct vm *vm, const struct cpu_sens *s)
{
	struct cpu *cpu = &vm->cpu;
	uint64_t op = cpu->gpr[RAX], a = cpu->gpr[RDI], b = cpu->gpr[RSI], c = cpu->gpr[RDX];
	int64_t ret = 0;
	cpu->rip += s->len;
	if (op < VMLAB_HC_COUNT)
		vm->modes->hypercalls[op]++;
	switch (op) {
	case VMLAB_HC_VERSION:
		ret = 1;
		break;
	case VMLAB_HC_CONSOLE_WRITE:
		ret = console_write(vm, a, b);
		break;
	case VMLAB_HC_MMU_UPDATE:
		ret = mmu_update(vm, a, b);
		break;
	case VMLAB_HC_INVLPG:
		invlpg(vm, a);
		trace_hc(vm, (unsigned)op, "VA 0x%llx", a);
		break;
	case VMLAB_HC_SET_CR3:
		set_cr3(vm, a);
		ret = mon_balloon_wanted(vm) > 0; /* 1: the guest's balloon driver should ask */
		break;
	case VMLAB_HC_BALLOON:
		ret = mon_balloon_call(vm, a, b);
		break;
	case VMLAB_HC_IRQ:
		if (a > 2) {
			ret = -1;
			break;
		}
		vm->v.iflag = a != 0;
		if (a == 2)
			idle(vm);
		break;
	case VMLAB_HC_DISK_READ:
	case VMLAB_HC_DISK_WRITE:
		ret = disk_io(vm, op == VMLAB_HC_DISK_WRITE, a, b, c);
		break;
	default:
		ret = -1;
		break;
	}
	cpu->gpr[RAX] = (uint64_t)ret;
}
