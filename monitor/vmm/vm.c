/*
 * monitor/vmm/vm.c — creating, running and destroying one virtual machine.
 *
 * Machine RAM is one host buffer: the guest's frames (the pmap, handed out in
 * a seeded scattered order by shadow/) plus a pool of monitor frames for the
 * shadow tables. The guest kernel runs on the real CPU at CPL 3 with the
 * virtualization controls on (every sensitive instruction exits); its
 * virtual CPL, control registers and IF live in vm->v.
 *
 * The run loop: cpu_run for a slice that ends no later than the next PIT
 * edge, dispatch the exit, raise due timer edges, inject interrupts if the
 * virtual IF allows, check --max-insns.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "guestos/boot.h"
#include "monitor/vmm/boot.h"
#include "monitor/vmm/host.h"
#include "monitor/vmm/modes.h"
#include "monitor/vmm/vm.h"

static uint8_t *pmap_page(void *ctx, pa_t pa)
{
	struct vm *vm = ctx;
	if (vm->bare)
		return pa < vm->ram_size ? vm->ram + (pa & PAGE_MASK) : NULL;
	ma_t ma = shadow_pa_to_ma_w(&vm->sh.pmap, pa & PAGE_MASK); /* the loader writes */
	return ma == MA_NONE ? NULL : vm->ram + ma;
}

/* Load the kernel and modules and set the vCPU to the firmware hand-off state. */
static int vm_boot(struct vm *vm, const struct mon_images *img, char *err, size_t errlen)
{
	const struct mon_config *c = &vm->cfg;
	struct mon_elf elf;
	char why[MON_ERR_MAX];
	/* any PA the ELF names: mon_boot_load says how much memory it needs */
	if (mon_elf_parse(img->kernel.data, img->kernel.size, UINT64_MAX, &elf, why, sizeof why)) {
		snprintf(err, errlen, "%s: %s", img->kernel.name, why);
		return -1;
	}
	if (img->nmodules > MON_MAX_MODULES) {
		snprintf(err, errlen, "at most %u boot modules", MON_MAX_MODULES);
		return -1;
	}
	struct mon_module mods[MON_MAX_MODULES];
	for (unsigned i = 0; i < img->nmodules; i++) {
		mods[i].name = img->modules[i].name;
		mods[i].data = img->modules[i].data;
		mods[i].size = img->modules[i].size;
		mon_appname_learn(vm, img->modules[i].name, img->modules[i].data, img->modules[i].size);
	}
	if (img->disk.size) {
		if (img->disk.size > vm->ata.sectors * ATA_SECTOR) {
			snprintf(err, errlen, "disk image %s is larger than the %llu MiB disk", img->disk.name,
				 (unsigned long long)(MON_DISK_BYTES >> 20));
			return -1;
		}
		memcpy(vm->ata.disk, img->disk.data, img->disk.size);
	}
	struct mon_gmem g = { pmap_page, vm, c->mem_size };
	struct mon_boot_regs r;
	if (mon_boot_load(&g, img->kernel.data, &elf, mods, img->nmodules, c->cmdline, &r, why, sizeof why)) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	struct cpu *cpu = &vm->cpu;
	cpu->rip = r.rip;
	cpu->gpr[RSP] = r.rsp;
	cpu->gpr[RDI] = r.rdi;
	cpu_set_rflags(cpu, RFLAGS_FIXED);
	/* The real CPU: CPL 3 under the virtualization controls; segment
	 * selectors show what the guest kernel expects to see. */
	cpu->cpl = 3;
	cpu->seg[SEG_CS].sel = BOOT_SEL_CODE64;
	for (int s = 0; s < 6; s++)
		if (s != SEG_CS)
			cpu->seg[s].sel = BOOT_SEL_DATA;
	cpu->cr0 = CR0_PE | CR0_PG;
	cpu->cr4 = CR4_PAE;
	cpu->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	cpu->gdtr.base = r.gdt_base;
	cpu->gdtr.limit = r.gdt_limit;
	cpu->ctl.virt = true;
	cpu->ctl.sensitive = SENS_ALL;
	if (vm->bare) { /* the kernel owns the real CPU */
		cpu->cpl = 0;
		cpu->ctl.virt = false;
		cpu->cr0 = r.cr0;
		cpu->cr3 = r.cr3;
		cpu_mmu_use_paging(cpu);
	}
	vm->v.cpl = 0;
	vm->v.iflag = false;
	vm->v.cr0 = r.cr0;
	vm->v.cr3 = r.cr3;
	vm->v.cr4 = r.cr4;
	vm->v.efer = r.efer;
	vm->v.gdtr = cpu->gdtr;
	return 0;
}

/* Create the VM as vmid on host h (attached: mon_vm_destroy detaches it). */
static struct vm *vm_create(struct host *h, const struct mon_config *cfg, const struct mon_images *img,
			    unsigned vmid, char *err, size_t errlen)
{
	struct vm *vm = calloc(1, sizeof *vm);
	if (!vm) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	vm->vmid = vmid;
	vm->cfg = *cfg;
	if (cfg->name[0])
		snprintf(vm->name, sizeof vm->name, "%s", cfg->name);
	else
		snprintf(vm->name, sizeof vm->name, "vm%u", vmid);
	vm->stop.reason = MON_STOP_NONE;
	vm->uart.limit = cfg->max_output ? cfg->max_output : MON_MAX_OUTPUT_DEFAULT;
	mon_uart_reset(&vm->uart);
	mon_pic_reset(&vm->pic);
	mon_pit_reset(&vm->pit);
	vm->next_tick = UINT64_MAX;
	vm->pause_at = UINT64_MAX;
	snprintf(vm->who, sizeof vm->who, "kernel");
	vm->bare = cfg->bare_core;
	if (host_attach(h, vm, vmid)) {
		snprintf(err, errlen, "vmid %u is taken or above %u on this host", vmid, MON_HOST_VMS_MAX - 1);
		free(vm);
		return NULL;
	}
	vm->ram = h->ram;
	vm->ram_size = h->ram_size;
	if (cpu_init(&vm->cpu, vm->ram, vm->ram_size)) {
		snprintf(err, errlen, "cannot set up the CPU");
		goto fail;
	}
	vm->cpu_ok = true;
	if (cfg->no_fast_tlb)
		cpu_ftlb_set_enabled(&vm->cpu, false);
	vm->tlb = &h->tlb; /* a bare host's are empty (all zero), as the summary shows them */
	vm->mf = &h->mf;
	if (vm->bare)
		goto devices;
	if (shadow_vm_init(&vm->sh, vm->mf, vm->tlb, (uint16_t)vmid, cfg->mem_size, 0,
			   CR0_PE | CR0_PG, BOOT_FW_PML4, CR4_PAE,
			   EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE)) {
		snprintf(err, errlen, "guest memory of %llu MiB does not fit in machine memory",
			 (unsigned long long)(cfg->mem_size >> 20));
		goto fail;
	}
	vm->sh_ok = true;
	bool pooled = vm->sh.pmap.oc != NULL; /* on a host whose VMs share too few frames */
	bool overcommitted = pooled || (cfg->machine_mem && cfg->machine_mem < cfg->mem_size);
	if (cfg->balloon && !overcommitted) {
		snprintf(err, errlen, "--balloon needs --machine-mem below --mem (nothing to give back otherwise)");
		goto fail;
	}
	if (cfg->share_pages && !overcommitted) {
		snprintf(err, errlen, "--share-pages needs --machine-mem below --mem (sharing happens at page-out)");
		goto fail;
	}
	if (overcommitted) {
		/* SIMPLIFICATION (one VM alone): RAM stays allocated in full; the VM may hold
		 * machine_mem of it. Several VMs: the host's RAM is --machine-mem plus the
		 * shadow-table pools, and they share its frames (shadow/ocpool.c). */
		if (cfg->mmu != MON_MMU_SHADOW) {
			snprintf(err, errlen, "--machine-mem (overcommit) needs --mmu=shadow");
			goto fail;
		}
		if (cfg->balloon && !cfg->paravirt) {
			snprintf(err, errlen, "--balloon needs --paravirt (the guest's balloon driver uses hypercalls)");
			goto fail;
		}
		if ((!pooled && shadow_overcommit_enable(&vm->sh, cfg->machine_mem >> PAGE_SHIFT)) ||
		    (cfg->share_pages && shadow_share_enable(&vm->sh))) {
			snprintf(err, errlen, "cannot set up overcommit (host memory for the swap area)");
			goto fail;
		}
	}
	mon_overcommit_attach(vm); /* its page-outs traced */
	shadow_attach_cpu(&vm->sh, &vm->cpu);
	vm->cpu.mmu.translate = mon_shadow_translate; /* the same MMU, its hardware walks traced */
	vm->cpu.mmu.ctx = vm;
	shadow_set_view(&vm->sh, TLB_VIEW_KERNEL);
devices:
	if (mon_ata_init(&vm->ata, MON_DISK_BYTES)) {
		snprintf(err, errlen, "cannot allocate the swap disk");
		goto fail;
	}
	if (vm_boot(vm, img, err, errlen))
		goto fail;
	if (mon_modes_init(vm, err, errlen)) /* --mmu=swtlb|nested, --paravirt, --strict-x86 */
		goto fail;
	mon_trace_meta_images(vm, img);
	if (mon_trace_open(vm, cfg, img, err, errlen))
		goto fail;
	if (MON_TRACING(vm, MON_CAT_VM))
		mon_trace_emit(vm, MON_CAT_VM, "VMM", "boot", NULL,
			       "boot: %llu MiB RAM, entry PA 0x%llx, TLB %ux%u %s, seed %llu%s%s",
			       (unsigned long long)(cfg->mem_size >> 20), (unsigned long long)vm->cpu.rip,
			       h->cfg.tlb_sets, h->cfg.tlb_ways, tlb_policy_name(h->tlb.policy),
			       (unsigned long long)h->cfg.seed, cfg->name[0] ? ", name " : "", cfg->name);
	return vm;
fail:
	mon_trace_close(vm, false);
	mon_vm_destroy(vm);
	return NULL;
}

struct vm *mon_vm_create_from(const struct mon_config *cfg, const struct mon_images *img, unsigned vmid,
			      char *err, size_t errlen)
{
	struct host *h = host_create_for(cfg, err, errlen);
	if (!h)
		return NULL;
	struct vm *vm = vm_create(h, cfg, img, vmid, err, errlen);
	if (!vm) {
		mon_host_destroy(h);
		return NULL;
	}
	vm->own_host = true;
	return vm;
}

struct vm *mon_vm_create_on(struct host *h, const struct mon_config *cfg, const struct mon_images *img,
			    char *err, size_t errlen)
{
	if (cfg->bare_core || h->bare) {
		snprintf(err, errlen, "a --bare-core VM cannot share a host");
		return NULL;
	}
	struct mon_config on = *cfg; /* the host's TLB must suit the VM's MMU mode */
	on.tlb_sets = h->cfg.tlb_sets;
	on.tlb_ways = h->cfg.tlb_ways;
	if (mon_modes_check_tlb(&on, err, errlen))
		return NULL;
	unsigned vmid = 0;
	while (vmid < MON_HOST_VMS_MAX && h->vm[vmid])
		vmid++;
	if (vmid == MON_HOST_VMS_MAX) {
		snprintf(err, errlen, "at most %u VMs on one host", MON_HOST_VMS_MAX);
		return NULL;
	}
	return vm_create(h, cfg, img, vmid, err, errlen);
}

void mon_vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	mon_trace_close(vm, true);
	mon_modes_free(vm);
	if (vm->sh_ok)
		shadow_vm_free(&vm->sh); /* gives the frames back (zeroed when handed out again) */
	struct host *h = vm->host;
	host_detach(h, vm);          /* before cpu_free: the TLB's drop hook no longer finds it */
	if (vm->cpu_ok)
		cpu_free(&vm->cpu);
	mon_ata_free(&vm->ata);
	mon_uart_free(&vm->uart);
	if (vm->own_host)
		mon_host_destroy(h);
	free(vm);
}

void mon_vm_account(struct vm *vm)
{
	uint64_t d = vm->cpu.icount - vm->last_icount;
	if (vm->cfg.bare_core) {
		/* No virtual CPL: the core itself switches rings inside cpu_run and counts by real CPL. */
		vm->stats.insns_user = vm->cpu.stats.insns_user;
		vm->stats.insns_kernel = vm->cpu.stats.insns_kernel;
	} else if (vm->v.cpl == 3) {
		vm->stats.insns_user += d;
		if (d) /* the app retired: the translations pinned for it may go (mode_swtlb.c) */
			tlb_unpin_all(vm->tlb);
	} else
		vm->stats.insns_kernel += d;
	vm->last_icount = vm->cpu.icount;
}

/* Who runs: "kernel", or the app of the current address space (appname.c). */
void mon_vm_set_who(struct vm *vm)
{
	if (vm->v.cpl != 3) {
		snprintf(vm->who, sizeof vm->who, "kernel");
		return;
	}
	pa_t cr3 = vm->v.cr3 & CR3_ADDR_MASK;
	unsigned i;
	for (i = 0; i < vm->napps; i++)
		if (vm->app_cr3[i] == cr3)
			break;
	if (i == vm->napps && vm->napps < sizeof vm->app_cr3 / sizeof vm->app_cr3[0]) {
		vm->app_sig[vm->napps] = -1;
		vm->app_cr3[vm->napps++] = cr3;
	}
	const char *name = i < vm->napps ? mon_appname_identify(vm, i) : NULL;
	if (name)
		snprintf(vm->who, sizeof vm->who, "app:%s", name);
	else
		snprintf(vm->who, sizeof vm->who, "app:%u", i + 1);
}

void mon_vm_halt(struct vm *vm, enum mon_stop_reason r, int status, const char *fmt, ...)
{
	if (vm->stopped)
		return;
	mon_vm_account(vm);
	vm->stopped = true;
	vm->stop.reason = r;
	vm->stop.status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vm->stop.message, sizeof vm->stop.message, fmt, ap);
	va_end(ap);
	if (MON_TRACING(vm, MON_CAT_VM))
		mon_trace_emit(vm, MON_CAT_VM, "VMM", "stop", NULL, "stop: %s", vm->stop.message);
}

void mon_vm_request_stop(struct vm *vm, const char *why)
{
	mon_vm_halt(vm, MON_STOP_USER, 1, "%s", why ? why : "stopped by request");
}

void mon_vm_interrupt(struct vm *vm, const char *why)
{
	mon_vm_halt(vm, MON_STOP_INTERRUPTED, 1, "interrupted%s%s", why ? ": " : "", why ? why : "");
}

void mon_vm_next_tick(struct vm *vm)
{
	uint64_t scale = vm->cfg.pit_scale ? vm->cfg.pit_scale : 1;
	uint64_t t = mon_pit_next_irq(&vm->pit, vm->cpu.icount / scale);
	vm->next_tick = (t == UINT64_MAX || t > UINT64_MAX / scale) ? UINT64_MAX : t * scale;
}

/* Raise the timer edge if it is due and compute the next one. */
static void vm_timer(struct vm *vm)
{
	if (vm->next_tick <= vm->cpu.icount) {
		mon_pic_raise(&vm->pic, 0);
		mon_pit_irq_done(&vm->pit, vm->next_tick / (vm->cfg.pit_scale ? vm->cfg.pit_scale : 1));
		if (MON_TRACING(vm, MON_CAT_IRQ))
			mon_trace_emit(vm, MON_CAT_IRQ, "VMM", "timer", NULL, "PIT tick: IRQ 0 raised");
		mon_vm_next_tick(vm);
	}
}

/* What --max-insns counts: instructions retired and exits handled (a port
 * string instruction exits once per element, a hypercall is an exit), so
 * no guest can keep the host busy without coming nearer to the limit. */
static uint64_t vm_work(const struct vm *vm)
{
	return vm->cpu.icount + mon_stats_exits(&vm->stats);
}

/* Instructions the next cpu_run may execute. */
static uint64_t vm_budget(struct vm *vm, enum mon_step_kind kind)
{
	uint64_t b = kind == MON_STEP_INSN ? 1 : MON_SLICE;
	uint64_t now = vm->cpu.icount;
	if (vm->next_tick != UINT64_MAX && vm->next_tick > now && vm->next_tick - now < b)
		b = vm->next_tick - now;
	uint64_t work = vm_work(vm);
	if (vm->cfg.max_insns && work <= vm->cfg.max_insns && vm->cfg.max_insns + 1 - work < b)
		b = vm->cfg.max_insns + 1 - work;
	if (vm->pause_at > now && vm->pause_at - now < b)
		b = vm->pause_at - now;
	return b ? b : 1;
}

/* insn tracing: disassemble the instruction at RIP (before it runs). */
static void insn_text(struct vm *vm, char *dis, size_t len)
{
	uint8_t b[15];
	size_t n = mon_read_va(vm, vm->cpu.rip, b, sizeof b);
	snprintf(dis, len, "(unmapped)");
	if (n)
		cpu_disasm(b, n, vm->cpu.rip, dis, len);
}

/* After an exit has been handled: the --check-isolation invariant. */
static void vm_after_exit(struct vm *vm)
{
	if (vm->cfg.check_isolation) {
		char why[160];
		if (shadow_check_isolation(&vm->sh, why, sizeof why))
			mon_vm_halt(vm, MON_STOP_BAD_GUEST, 1, "ISOLATION VIOLATED: %s", why);
	}
}

/* Between runs: timer edges, interrupt injection, --max-insns. */
static void vm_after_run(struct vm *vm)
{
	if (vm->stopped)
		return;
	vm_timer(vm);
	mon_irq_check(vm);
	if (vm->uart.full)
		mon_vm_halt(vm, MON_STOP_MAX_OUTPUT, 1,
			    "the guest printed more than --max-output %llu bytes on the serial port",
			    (unsigned long long)vm->uart.limit);
	else if (vm->cfg.max_insns && vm_work(vm) > vm->cfg.max_insns)
		mon_vm_halt(vm, MON_STOP_MAX_INSNS, 1,
			    "no end after --max-insns %llu guest instructions and exits%s (guest hang?)",
			    (unsigned long long)vm->cfg.max_insns,
			    vm->cfg.max_insns == MON_MAX_INSNS_DEFAULT ? ", the default (raise it with --max-insns N)" : "");
}

/* Run once: returns true if an exit (other than the budget) was handled
 * (or, with phase steps, a TLB miss has begun: vm->pending_fill). */
static bool vm_run_once(struct vm *vm, enum mon_step_kind kind)
{
	struct cpu *cpu = &vm->cpu;
	bool insn = MON_TRACING(vm, MON_CAT_INSN);
	char dis[96];
	uint64_t rip = cpu->rip, before = cpu->icount;
	if (insn) /* one instruction per run, traced once it has retired */
		insn_text(vm, dis, sizeof dis);
	bool shadow = vm->sti_shadow; /* the instruction after sti runs before any interrupt */
	if (vm->at_break) { /* resuming from a breakpoint: its instruction runs now */
		cpu_break_skip(cpu);
		vm->at_break = false;
	}
	enum cpu_exit_reason r = cpu_run(cpu, (insn || shadow) ? 1 : vm_budget(vm, kind));
	vm->sti_shadow = false;
	if (insn && cpu->icount == before + 1) {
		struct mon_event f = { .has = MON_EV_VA, .va = rip };
		mon_trace_emit(vm, MON_CAT_INSN, NULL, "insn", &f, "0x%llx: %s", (unsigned long long)rip, dis);
	}
	if (vm->bare) { /* the real CPU's state is the guest's */
		vm->v.iflag = cpu_get_rflags(cpu) & RFLAGS_IF;
		if (vm->v.cpl != cpu->cpl) {
			mon_vm_account(vm);
			vm->v.cpl = cpu->cpl;
		}
	}
	mon_vm_account(vm);
	mon_modes_after_run(vm); /* --strict-x86 explanations */
	if (r == CPU_EXIT_BREAKPOINT) { /* nothing of the instruction ran: pause before it */
		vm->at_break = true;
		mon_break_hit(vm);
		return true;
	}
	bool handled = false;
	if (r == CPU_EXIT_WATCH) { /* the instruction retired: like the end of a budget, then pause */
		mon_watch_hit(vm);
		handled = true;
	} else if (r != CPU_EXIT_BUDGET && r != CPU_EXIT_NONE) {
		if ((unsigned)r <= CPU_EXIT_UNSUPPORTED)
			vm->stats.exits[r]++;
		mon_progress_exit(vm, vm->v.cpl, cpu->rip, cpu->gpr[RCX]);
		if (vm->stopped)
			return true;
		mon_exit_handle(vm);
		handled = true;
		if (vm->pending_fill) /* paused inside a TLB miss: the rest when it ends */
			return true;
		vm_after_exit(vm);
	}
	if (vm->stopped)
		return true;
	vm_after_run(vm);
	return handled;
}

/* The next phase of the half-handled miss (all of them without phase steps). */
static void vm_miss_continue(struct vm *vm)
{
	do
		mon_miss_step(vm);
	while (vm->pending_fill && !vm->miss_phases && !vm->stopped);
	mon_exit_drain(vm);
	if (vm->pending_fill || vm->stopped)
		return;
	vm_after_exit(vm);
	vm_after_run(vm);
}

enum mon_state mon_vm_step(struct vm *vm, enum mon_step_kind kind)
{
	if (vm->stopped)
		return MON_STOPPED;
	host_switch_to(vm->host, vm); /* the real CPU runs this VM now */
	vm->pause.reason = MON_PAUSE_NONE;
	if (mon_watch_vmm_pause(vm)) /* a debugger wrote a watched range since the last step */
		return MON_PAUSED;
	if (vm->pending_fill) {
		vm_miss_continue(vm);
	} else if (kind == MON_STEP_EXIT) {
		while (!vm->stopped && !vm_run_once(vm, kind))
			;
	} else {
		vm_run_once(vm, kind);
	}
	if (vm->stopped) {
		vm->pause.reason = MON_PAUSE_NONE;
		return MON_STOPPED;
	}
	if (!vm->pending_fill) /* the exit that wrote a watched range is over */
		mon_watch_vmm_pause(vm);
	if (vm->at_break || vm->pause.reason == MON_PAUSE_WATCH)
		return MON_PAUSED;
	if (vm->cpu.icount >= vm->pause_at && !vm->pending_fill) {
		vm->pause_at = UINT64_MAX;
		vm->pause.reason = MON_PAUSE_ICOUNT;
		return MON_PAUSED;
	}
	return MON_RUNNING;
}

void mon_vm_set_miss_phases(struct vm *vm, bool on)
{
	vm->miss_phases = on && !vm->bare;
}

const struct mon_stop *mon_vm_stop(const struct vm *vm)
{
	return &vm->stop;
}

void mon_vm_set_serial_sink(struct vm *vm, mon_text_fn fn, void *ctx)
{
	vm->uart.echo = fn;
	vm->uart.echo_ctx = ctx;
}

void mon_vm_set_message_sink(struct vm *vm, mon_text_fn fn, void *ctx)
{
	vm->msg = fn;
	vm->msg_ctx = ctx;
}

const char *mon_vm_serial(const struct vm *vm, size_t *len)
{
	*len = vm->uart.len;
	return vm->uart.out ? vm->uart.out : "";
}

struct cpu *mon_vm_cpu(struct vm *vm)
{
	return &vm->cpu;
}

const struct mon_vcpu *mon_vm_vcpu(const struct vm *vm)
{
	return &vm->v;
}

uint64_t mon_vm_guest_rflags(const struct vm *vm)
{
	uint64_t f = cpu_get_rflags(&vm->cpu) & ~(RFLAGS_IF | RFLAGS_IOPL);
	return vm->v.iflag ? f | RFLAGS_IF : f;
}

const char *mon_vm_who(const struct vm *vm)
{
	return vm->who;
}

unsigned mon_vm_id(const struct vm *vm)
{
	return vm->vmid;
}

uint64_t mon_vm_icount(const struct vm *vm)
{
	return vm->cpu.icount;
}

struct tlb *mon_vm_tlb(struct vm *vm)
{
	return vm->tlb;
}

struct shadow_vm *mon_vm_shadow(struct vm *vm)
{
	return vm->sh_ok ? &vm->sh : NULL;
}

const struct mon_config *mon_vm_config(const struct vm *vm)
{
	return &vm->cfg;
}

bool mon_vm_in_round_trip(const struct vm *vm)
{
	return vm->in_reflection;
}
