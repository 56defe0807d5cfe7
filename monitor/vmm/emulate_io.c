/*
 * monitor/vmm/emulate_io.c — port I/O exits: route each access to its device,
 * trace it, complete the instruction in the core; and interrupt injection
 * from the PIC when the virtual IF allows.
 */
#include "monitor/vmm/vm.h"

#define DEBUG_EXIT_PORT 0xf4

uint32_t mon_dev_in(struct vm *vm, uint16_t port, unsigned size)
{
	if (port >= UART_BASE && port < UART_BASE + 8)
		return mon_uart_read(&vm->uart, port - UART_BASE);
	if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1)
		return mon_pic_read(&vm->pic, port);
	if (port >= 0x40 && port <= 0x43)
		return mon_pit_read(&vm->pit, port, vm->cpu.icount / vm->cfg.pit_scale);
	if ((port >= 0x1f0 && port <= 0x1f7) || port == 0x3f6)
		return mon_ata_read(&vm->ata, port, size);
	return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu; /* nothing there */
}

void mon_dev_out(struct vm *vm, uint16_t port, unsigned size, uint32_t v)
{
	if (port >= UART_BASE && port < UART_BASE + 8) {
		mon_uart_write(&vm->uart, port - UART_BASE, (uint8_t)v);
	} else if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1) {
		mon_pic_write(&vm->pic, port, (uint8_t)v);
	} else if (port >= 0x40 && port <= 0x43) {
		mon_pit_write(&vm->pit, port, (uint8_t)v, vm->cpu.icount / vm->cfg.pit_scale);
		mon_vm_next_tick(vm);
	} else if ((port >= 0x1f0 && port <= 0x1f7) || port == 0x3f6) {
		uint64_t lba = vm->ata.lba;
		uint32_t left = vm->ata.remaining;
		bool writing = vm->ata.cmd == 0x30;
		mon_ata_write(&vm->ata, port, size, v);
		/* a sector written to the guest's disk: double paging if it is a page just read back from swap */
		if (writing && vm->sh.pmap.oc && vm->ata.remaining != left && lba < vm->ata.sectors &&
		    shadow_oc_disk_write(vm->sh.pmap.oc, &vm->sh.pmap, vm->ata.disk + lba * ATA_SECTOR,
					 (unsigned)(lba % 8)))
			mon_overcommit_double_paging(vm, lba / 8);
	} else if (port == DEBUG_EXIT_PORT) {
		int status = (int)(((v & 0xff) << 1) | 1);
		mon_vm_halt(vm, MON_STOP_DEBUG_EXIT, status,
			    "guest wrote 0x%x to the debug-exit port 0xf4: exit status %d", v, status);
	}
}

/* A printable name for the port, for the trace. */
static const char *port_name(uint16_t port)
{
	if (port >= UART_BASE && port < UART_BASE + 8)
		return "uart";
	if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1)
		return "pic";
	if (port >= 0x40 && port <= 0x43)
		return "pit";
	if ((port >= 0x1f0 && port <= 0x1f7) || port == 0x3f6)
		return "ata";
	if (port == DEBUG_EXIT_PORT)
		return "debug-exit";
	return "none";
}

/* A command reached the disk: say what it moves (swap traffic, for the trace). */
static void trace_disk(struct vm *vm, uint8_t cmd)
{
	const struct mon_ata *a = &vm->ata;
	struct mon_event f = { .has = MON_EV_VALUE, .value = a->lba };
	if (a->cmd == 0x20 || a->cmd == 0x30)
		mon_trace_emit(vm, MON_CAT_DISK, "VMM", a->cmd == 0x20 ? "disk_read" : "disk_write", &f,
			       "disk %s LBA %llu, %u sectors (%s)",
			       a->cmd == 0x20 ? "read" : "write", (unsigned long long)a->lba, a->remaining,
			       a->cmd == 0x20 ? "swap-in" : "swap-out");
	else
		mon_trace_emit(vm, MON_CAT_DISK, "VMM", "disk_cmd", &f, "disk command 0x%02x (status 0x%02x)", cmd,
			       a->status);
}

void mon_emulate_io(struct vm *vm, const struct cpu_sens *s)
{
	struct cpu *cpu = &vm->cpu;
	unsigned size = s->opsize ? s->opsize : 1;
	bool out = s->op == SOP_OUT || s->op == SOP_OUTS;
	uint32_t v;
	vm->stats.io_accesses++;
	if (out) {
		v = cpu->exit.io_value;
		if (cpu->exit.reason == CPU_EXIT_SENSITIVE) {
			/* the core fills io_value on its I/O path; a sensitive exit leaves it to us */
			uint32_t pf;
			if (s->op == SOP_OUT) {
				v = (uint32_t)cpu->gpr[RAX];
			} else if (!mon_guest_rw(vm, s->ea, &v, size, false, &pf)) {
				mon_reflect(vm, VEC_PF, true, pf, false, "#PF (outs source)");
				return;
			}
		}
		if (size < 4)
			v &= (1u << (8 * size)) - 1;
		mon_dev_out(vm, s->port, size, v);
		cpu_io_complete_out(cpu);
	} else {
		va_t rip = cpu->rip;
		v = mon_dev_in(vm, s->port, size);
		if (cpu_io_complete_in(cpu, v) && !mon_complete_ins(vm, v))
			return; /* ins: the destination page was not in the TLB and could not be stored */
		if (s->op == SOP_INS) /* the core stored the element: a watched range there pauses */
			mon_watch_core_take(vm, rip);
	}
	if (out && s->port == 0x1f7 && MON_TRACING(vm, MON_CAT_DISK))
		trace_disk(vm, (uint8_t)v);
	if (mon_ata_take_irq(&vm->ata))
		mon_pic_raise(&vm->pic, 14);
	if (MON_TRACING(vm, MON_CAT_IO)) {
		struct mon_event f; /* (not = {...}: that zeroes 300 bytes on every access) */
		mon_event_fields(&f, MON_EV_VALUE);
		f.value = v;
		/* on the bare core no VMM is involved: the kernel's own port access */
		/* (two formats, not "%s port ... %s": fewer strings for the ring to copy) */
		mon_trace_emit(vm, MON_CAT_IO, vm->bare ? NULL : "VMM", out ? "io_out" : "io_in", &f,
			       out ? "out port 0x%x (%s) <- 0x%x" : "in port 0x%x (%s) -> 0x%x", s->port,
			       port_name(s->port), v);
	}
}

void mon_irq_check(struct vm *vm)
{
	if (vm->stopped || !vm->v.iflag || vm->sti_shadow || !mon_pic_pending(&vm->pic))
		return;
	unsigned irq;
	int vec = mon_pic_ack(&vm->pic, &irq);
	if (vec < 0)
		return;
	vm->stats.irqs++;
	if (MON_TRACING(vm, MON_CAT_IRQ)) {
		struct mon_event f = { .has = MON_EV_VALUE, .value = (uint64_t)vec };
		mon_trace_emit(vm, MON_CAT_IRQ, "VMM", "irq", &f, "inject IRQ %u (vector %d) into %s",
			       irq, vec, vm->who);
	}
	if (vm->bare) {
		if (!cpu_interrupt(&vm->cpu, (uint8_t)vec, true) || vm->cpu.exit.reason == CPU_EXIT_TRIPLE_FAULT)
			if (vm->cpu.exit.reason == CPU_EXIT_TRIPLE_FAULT)
				mon_vm_halt(vm, MON_STOP_TRIPLE_FAULT, 1, "triple fault delivering vector %d", vec);
		return;
	}
	mon_reflect(vm, (uint8_t)vec, false, 0, false, irq == 0 ? "timer interrupt" : "interrupt");
}
