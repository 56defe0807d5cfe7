/*
 * monitor/vmm/monitor.h — the virtual machine monitor (VMM): public interface.
 *
 * One `struct vm` is one virtual machine: machine RAM, the real CPU it runs on
 * (cpu/), the virtual CPU state the guest kernel believes in (virtual CPL,
 * CR0/CR3/CR4/EFER, GDTR/IDTR/TR, MSRs, IF), the MMU (shadow/ + tlb/), the
 * virtual devices, the trace and the stats. There is no global state: two
 * VMs can live in one process (they get different vmids).
 *
 * Typical use (this is what `vmlab run` does):
 *
 *     struct mon_config cfg;
 *     mon_config_defaults(&cfg);
 *     ... mon_cli_parse_option() for each argument ...
 *     char err[MON_ERR_MAX];
 *     struct vm *vm = mon_vm_create(&cfg, err, sizeof err);   // loads the ELF, boots
 *     if (!vm) { fprintf(stderr, "vmlab: %s\n", err); ... }
 *     while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING) ;
 *     mon_print_summary(vm, stdout);
 *     int status = mon_vm_stop(vm)->status;
 *     mon_vm_destroy(vm);
 *
 * The console drives the same VM in smaller steps (MON_STEP_INSN,
 * MON_STEP_EXIT), watches every trace event through an event sink
 * (mon_vm_set_event_sink) and inspects state with the mon_read_* /
 * mon_translate helpers. All output is deterministic: no host time, no host
 * addresses.
 */
#ifndef VMLAB_MONITOR_H
#define VMLAB_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"

#define MON_ERR_MAX 512 /* room for a list of valid values */
#define MON_MAX_MODULES 16
#define MON_CMDLINE_MAX 256

/* ---- configuration (the `vmlab run` options) ------------------------------ */

enum mon_trace_format { MON_TRACE_TEXT = 0, MON_TRACE_JSONL = 1 };
enum mon_tlb_policy { MON_TLB_LRU = 0, MON_TLB_FIFO = 1, MON_TLB_RANDOM = 2, MON_TLB_CLOCK = 3 };
enum mon_mmu_mode { MON_MMU_SHADOW = 0, MON_MMU_SWTLB = 1, MON_MMU_NESTED = 2 }; /* monitor/modes.h */

/* Trace event categories (bit set; --trace-categories insn,tlb,... or all). */
enum mon_cat {
	MON_CAT_INSN = 1u << 0,    /* every retired guest instruction (huge) */
	MON_CAT_TLB = 1u << 1,     /* simulated TLB: miss, install, flush, evict */
	MON_CAT_SHADOW = 1u << 2,  /* shadow lookup, guest walk, pmap, fill */
	MON_CAT_EXIT = 1u << 3,    /* every exit to the VMM and the resume */
	MON_CAT_IRQ = 1u << 4,     /* timer ticks, interrupt injection */
	MON_CAT_IO = 1u << 5,      /* port accesses */
	MON_CAT_SYSCALL = 1u << 6, /* syscall / sysret round trips */
	MON_CAT_FAULT = 1u << 7,   /* exceptions reflected into the guest kernel (true faults) */
	MON_CAT_PT = 1u << 8,      /* traced writes to guest page-table pages */
	MON_CAT_VM = 1u << 9,      /* boot, stop, CR3 switch, mode changes */
	MON_CAT_DISK = 1u << 10,   /* disk commands (sector reads/writes: swap traffic) */
	MON_CAT_ALL = 0x7ffu,
	MON_CAT_DEFAULT = MON_CAT_ALL & ~MON_CAT_INSN
};

/*
 * The cost model: modelled cycles = sum over events of count * cost.
 * Documented in docs/cost-model.md; every field can be changed with
 * `--cost name=N[,name=N...]` (names as in the struct).
 */
struct mon_cost {
	uint32_t insn;        /* one retired guest instruction */
	uint32_t tlb_hit;     /* a simulated TLB hit (one per translated access) */
	uint32_t tlb_miss;    /* a simulated TLB miss detected by hardware */
	uint32_t walk_ref;    /* one memory reference of a page-table walk */
	uint32_t exit;        /* one guest -> VMM exit and the resume (world switch) */
	uint32_t emulate;     /* emulating one sensitive instruction */
	uint32_t reflect;     /* reflecting an exception/interrupt/syscall into the guest kernel */
	uint32_t shadow_fill; /* filling one shadow entry */
	uint32_t pt_write;    /* emulating one traced write to a guest PT page */
	uint32_t io;          /* one device port access */
};

/* What stops a guest that runs or prints forever (vmlab run --help and README name them). */
#define MON_MAX_INSNS_DEFAULT 10000000000ull  /* guest instructions + exits */
#define MON_MAX_OUTPUT_DEFAULT (16ull << 20)  /* bytes of serial output */

#define MON_PATH_MAX 1024
#define MON_VM_NAME_MAX 16
struct mon_config {
	char name[MON_VM_NAME_MAX];             /* the VM's name (one of several on a host: vmlab run
						   --vm name=...); "": it is called vm<id> */
	const char *kernel;                     /* ELF64 to boot */
	const char *modules[MON_MAX_MODULES];   /* boot modules (initrd.pack by default) */
	unsigned nmodules;
	bool modules_given;                     /* --module used: no default initrd */
	uint64_t mem_size;                      /* guest-physical RAM bytes */
	char cmdline[MON_CMDLINE_MAX];
	const char *trace_file;                 /* NULL: no trace */
	enum mon_trace_format trace_format;
	uint32_t trace_cats;                    /* enum mon_cat bits */
	uint64_t trace_from;                    /* first instruction count traced */
	uint64_t trace_limit;                   /* max events written (0: no limit) */
	const char *trace_after;                /* KIND[@WHO][#N]: the file starts at the Nth
						   such event (with the events of the same
						   instruction before it); NULL: from the start */
	uint64_t seed;
	unsigned tlb_sets, tlb_ways;
	enum mon_tlb_policy tlb_policy;
	uint64_t max_insns;                     /* clean stop past this many instructions and exits
						   together (0: no limit; default MON_MAX_INSNS_DEFAULT) */
	uint64_t max_output;                    /* clean stop when the guest's serial output would
						   pass this many bytes (default MON_MAX_OUTPUT_DEFAULT) */
	enum mon_mmu_mode mmu;
	bool paravirt;                          /* --paravirt: CPUID says "vmlab", vmcall hypercalls */
	bool strict_x86;                        /* --strict-x86: pre-VT x86 (popf, sgdt/sidt/smsw/str/sldt untrapped) */
	uint64_t shadow_pool;                   /* bytes of machine memory for shadow tables (0: mem/4, >= 4M) */
	uint64_t machine_mem;                   /* --machine-mem: machine frames the guest's pages may hold
						   (0, or >= mem: all resident); less overcommits (overcommit.h) */
	bool balloon;                           /* --balloon: ask a --paravirt guest for frames back */
	bool share_pages;                       /* --share-pages: identical pages share a frame (COW) */
	uint64_t pit_scale;                     /* guest instructions per PIT input clock (default 100) */
	struct mon_cost cost;
	bool quiet;                             /* no summary */
	const char *stats_json;                 /* --stats-json FILE: the summary as JSON (NULL: none) */
	bool check_isolation;                   /* check the isolation invariant after every exit */
	bool bare_core;                         /* no monitor: the kernel at real CPL 0 on the core's own
						   paging and IDT delivery, PA == MA (bench baseline) */
	bool no_fast_tlb;                       /* the core's host-side translation cache off: slower,
						   same statistics (tests check exactly that) */
	bool prefault_ram;                      /* touch every page of machine memory when the VM is
						   created (vmlab bench: the host's first-touch page
						   faults are then timed in neither mode) */
	/* The default images, found beside the program (mon_config_defaults): kernel
	 * and modules[0] point here unless given, so a copy of a config points into
	 * the original's (keep it alive while the copy is used). */
	char default_kernel[MON_PATH_MAX], default_initrd[MON_PATH_MAX];
};

/* Fill cfg with the defaults (kernel guestos/kernel.elf and initrd guestos/initrd.pack beside
 * the program, or in PREFIX/share/vmlab when installed; 64 MiB as under QEMU, 16x4 LRU, seed 1). */
void mon_config_defaults(struct mon_config *cfg);
/* (config.c) The same without the images (kernel NULL, no modules): the VMM's own
 * defaults, which mon_config_options leaves out. */
void mon_config_base_defaults(struct mon_config *cfg);

/*
 * (config.c) The options that shape a run, as one canonical string: every
 * option whose value differs from the defaults, in a fixed order and a fixed
 * spelling ("--mem 4M --cmdline run=hello --tlb 8x8 --mmu swtlb"), so the
 * same options give the same bytes whatever their order on the command line.
 * Left out: the seed (a field of its own in trace headers), the images (their
 * hashes), file names (--trace, --stats-json, --kernel, --module) and options
 * that change no output (--trace-format, --quiet, --check-isolation,
 * --no-fast-tlb). Empty for the defaults. Returns false if len is too short.
 */
bool mon_config_options(const struct mon_config *cfg, char *buf, size_t len);

/* (imagehash.c) FNV-1a 64 of n bytes, continuing from h (start with MON_FNV_INIT). */
#define MON_FNV_INIT 0xcbf29ce484222325ull
uint64_t mon_fnv1a(uint64_t h, const void *p, size_t n);
/* (imagehash.c) The hash of a guest image (kernel or boot module `name`) that
 * trace headers carry: of what the guest loads (an ELF's entry and loadable
 * segments, a pack's programs), so debug information does not change it. */
uint64_t mon_image_hash(const char *name, const uint8_t *data, size_t size);
/* (trace.c) The name of one trace category bit ("tlb"), "?" if none. */
const char *mon_trace_cat_name(uint32_t cat);

/* (version.c) vmlab's version, from the VERSION file at the top of the tree (vmlab
 * --version, trace headers; record files name it and replay refuses another). */
const char *mon_version(void);

/*
 * Parse one `vmlab run` option at argv[*i] (forms `--opt VALUE` and
 * `--opt=VALUE`). Returns 1 if it was a run option (and *i now indexes its
 * last word), 0 if it is not a run option (nothing changed), -1 on a bad value
 * (err holds one line naming the problem). The console reuses this.
 */
int mon_cli_parse_option(struct mon_config *cfg, int argc, char **argv, int *i,
			 char *err, size_t errlen);

/* Print the run options' help text. */
void mon_cli_print_run_options(FILE *f);

/* --mmu, --paravirt, --strict-x86 (monitor/vmm/modes.c): like mon_cli_parse_option
 * (1 taken, 0 not ours, -1 bad). */
int mon_modes_parse_option(struct mon_config *cfg, int argc, char **argv, int *i, char *err,
			   size_t errlen);
void mon_modes_print_options(FILE *f);
const char *mon_modes_name(const struct mon_config *cfg); /* "shadow", "nested+paravirt", ... */
/* cfg's TLB geometry is too small for its MMU mode: 1 and one line in err
 * naming the minimum (--tlb checks the mode-independent minimum as it is
 * parsed; the mode may come later on the command line), else 0. */
int mon_modes_check_tlb(const struct mon_config *cfg, char *err, size_t errlen);

/* Parse "16M", "4096", "1G", "0x100000" into bytes. Returns false on garbage/overflow. */
bool mon_parse_size(const char *s, uint64_t *out);
/* Parse a decimal or 0x-hex unsigned number. Returns false on garbage/overflow. */
bool mon_parse_u64(const char *s, uint64_t *out);

/* ---- boot modules -------------------------------------------------------- */

/* One program of a boot module: the whole module (an ELF file) or one pack entry. */
struct mon_program {
	char name[32];        /* the module's file name, or the pack entry's name (NUL-terminated) */
	const uint8_t *image; /* the ELF image, inside the module's bytes */
	size_t size;
	bool in_pack;         /* a pack entry (guestos/pack.h) rather than a whole module */
};
typedef void (*mon_program_fn)(void *ctx, const struct mon_program *p);
/*
 * Call fn for each program of boot module `modname` (data[0..size)), in the
 * order the guest kernel adds them. Returns how many, or -1 if the module is
 * neither an ELF file nor a well-formed pack.
 */
int mon_module_programs(const char *modname, const uint8_t *data, size_t size,
			mon_program_fn fn, void *ctx);

/* ---- trace events ---------------------------------------------------------- */

/* (trace_after.c) Is kind one of the event kinds a trace holds? */
bool mon_trace_kind_known(const char *kind);
/* All the event kinds, space-separated, into buf. Returns buf. */
const char *mon_trace_kinds(char *buf, size_t len);

/* --trace-after KIND[@WHO][#N], parsed: the Nth (default first) event of kind
 * KIND ('-' may stand for '_') while WHO (app, app:NAME or kernel; "" any) runs. */
struct mon_trace_after {
	char kind[24];
	char who[24];
	uint64_t nth;
};
/* Parse and check s. Returns 0, or -1 with one line in err naming the
 * problem (an unknown event lists the valid ones). */
int mon_trace_after_parse(const char *s, struct mon_trace_after *out, char *err, size_t errlen);

/* Which fields of a mon_event are meaningful. */
#define MON_EV_VA (1u << 0)
#define MON_EV_PA (1u << 1)
#define MON_EV_MA (1u << 2)
#define MON_EV_SETWAY (1u << 3)
#define MON_EV_VALUE (1u << 4)

#define MON_WHO_MAX 24
#define MON_TEXT_MAX 200

/*
 * One trace event. `text` is the human part of the line (after "who");
 * the structured fields repeat the numbers for JSON Lines and the console.
 * Text form:  [%9llu] vm<id> <who padded to 10> <text>
 */
struct mon_event {
	uint64_t icount;            /* guest instructions retired so far */
	unsigned vmid;
	enum mon_cat cat;
	const char *kind;           /* short machine name: "tlb_miss", "exit", "io_out", ... */
	char who[MON_WHO_MAX];      /* "app:hello", "kernel", "VMM" */
	char text[MON_TEXT_MAX];
	uint32_t has;               /* MON_EV_* */
	va_t va;
	pa_t pa;
	ma_t ma;
	int set, way;
	uint64_t value;
};

typedef void (*mon_event_fn)(void *ctx, const struct mon_event *ev);

/*
 * The header: the first line of every trace file says how it was made, so
 * `vmlab trace-diff` can tell two traces of different runs apart. Text:
 *
 *   # vmlab trace version=0.1 seed=1 kernel=HASH modules=initrd.pack:HASH options=--mem 4M ...
 *
 * (a comment line: readers of text traces skip lines starting with '#';
 * `options` is last and runs to the end of the line). JSON Lines:
 *
 *   {"meta":{"version":"0.1","seed":1,"kernel":"HASH","modules":"initrd.pack:HASH","options":"--mem 4M ..."}}
 *
 * version: mon_version(); seed: --seed; kernel and modules: mon_image_hash of
 * each image (16 hex digits), modules with their file names, comma-separated;
 * options: mon_config_options. Writes the line (no newline) into buf; 0, or
 * -1 if it does not fit.
 */
#define MON_TRACE_META_PREFIX "# vmlab trace "
struct mon_images;
int mon_trace_meta_format(const struct mon_config *cfg, const struct mon_images *img,
			  enum mon_trace_format fmt, char *buf, size_t len);

/* The header of one trace of every VM of host h (vmlab run --vm ... --trace):
 * version, seed, vms=a,b, kernel=a:HASH,b:HASH, modules=a/NAME:HASH,...,
 * options= run_opts then "| NAME share=N: OPTIONS" per VM (shares by vmid;
 * NULL: all 1). 0, or -1 if it does not fit in len. */
struct host;
int mon_host_trace_meta_format(const struct host *h, const char *run_opts, const unsigned *shares,
			       enum mon_trace_format fmt, char *buf, size_t len);

/* Format an event as one line (no newline) in text or JSON Lines form. */
void mon_event_format(const struct mon_event *ev, enum mon_trace_format fmt, char *buf,
		      size_t len);

/* ---- the VM ------------------------------------------------------------------ */

struct vm;
struct tlb;
struct shadow_vm;

/* RUNNING: call mon_vm_step again; PAUSED: a pause point was reached (the VM can go
 * on); STOPPED: for good (mon_vm_stop says why). */
enum mon_state { MON_RUNNING = 0, MON_STOPPED = 1, MON_PAUSED = 2 };

enum mon_step_kind {
	MON_STEP_INSN = 0, /* one guest instruction, or one exit handled (whichever comes first) */
	MON_STEP_EXIT = 1, /* run until one exit has been handled */
	MON_STEP_RUN = 2   /* run a large slice (checks stop conditions between slices) */
};

/* Why the VM stopped. */
enum mon_stop_reason {
	MON_STOP_NONE = 0,
	MON_STOP_HALT,        /* hlt with IF=0: status 0 */
	MON_STOP_DEBUG_EXIT,  /* write to port 0xf4: status (value<<1)|1 */
	MON_STOP_TRIPLE_FAULT,
	MON_STOP_UNSUPPORTED, /* an instruction the core or the monitor does not implement */
	MON_STOP_MAX_INSNS,   /* --max-insns exceeded */
	MON_STOP_NO_MEMORY,   /* the guest asked for more machine memory than it has */
	MON_STOP_BAD_GUEST,   /* anything else the guest did that cannot continue */
	MON_STOP_USER,        /* stopped by the console */
	MON_STOP_MAX_OUTPUT,  /* the guest's serial output reached --max-output */
	MON_STOP_INTERRUPTED, /* the front end asked it to stop (SIGINT/SIGTERM) */
	MON_STOP_NO_PROGRESS  /* the same instruction exits again and again without retiring */
};

struct mon_stop {
	enum mon_stop_reason reason;
	int status;                 /* process exit status vmlab run uses */
	char message[MON_ERR_MAX];  /* one explanatory line */
};

/* The VM's images, in memory (the VMM reads no files). `name` is for messages and,
 * for a module, the program name the guest sees. */
struct mon_image {
	const char *name;
	const uint8_t *data;
	size_t size;
};
struct mon_images {
	struct mon_image kernel;                    /* ELF64 */
	struct mon_image modules[MON_MAX_MODULES];  /* boot modules (ELF programs or packs) */
	unsigned nmodules;
	struct mon_image disk;                      /* initial disk contents (size 0: zeros) */
};
/*
 * Create a VM from images: allocate machine RAM, load the kernel and modules,
 * build the firmware hand-off (guestos/boot.h) and set the vCPU up. The images
 * are copied: the caller may free them afterwards. cfg->kernel and
 * cfg->modules are not used. Returns NULL with one line in err on failure
 * (nothing is left allocated). vmids count from 0 per `vmid` argument so that
 * tests can make vm0 and vm1.
 */
struct vm *mon_vm_create_from(const struct mon_config *cfg, const struct mon_images *img, unsigned vmid,
			      char *err, size_t errlen);
/* The front ends' convenience (monitor/tools/images.c): read cfg->kernel and
 * cfg->modules from files, then mon_vm_create_from. */
struct vm *mon_vm_create(const struct mon_config *cfg, unsigned vmid, char *err, size_t errlen);
void mon_vm_destroy(struct vm *vm);

/* ---- hosts: several VMs on one machine (monitor/vmm/host.c, docs/multi-vm.md) ----
 * A host is the machine: RAM, the machine-frame allocator, the simulated TLB
 * (entries tagged by VMID) and the one real CPU, which runs one VM at a time.
 * mon_vm_create_from makes a host of its own for each VM (one VM per host, as
 * before); to share one, create it and then create the VMs on it:
 *
 *     struct mon_host_config hc;
 *     mon_host_config_from(&hc, &cfg_a);                       // TLB, seed
 *     hc.ram_size = mon_vm_machine_bytes(&cfg_a) + mon_vm_machine_bytes(&cfg_b);
 *     struct host *h = mon_host_create(&hc, err, sizeof err);
 *     struct vm *a = mon_vm_create_on(h, &cfg_a, &img_a, err, sizeof err); // vm0
 *     struct vm *b = mon_vm_create_on(h, &cfg_b, &img_b, err, sizeof err); // vm1
 *     ... mon_vm_step(a or b, ...): the real CPU switches to that VM ...
 *     mon_vm_destroy(a); mon_vm_destroy(b); mon_host_destroy(h);
 */
#define MON_HOST_VMS_MAX 16
struct host;
struct mon_host_config {
	uint64_t ram_size;              /* machine RAM: every VM's guest memory and shadow tables */
	unsigned tlb_sets, tlb_ways;    /* the one simulated TLB */
	enum mon_tlb_policy tlb_policy;
	uint64_t seed;                  /* the frame allocator's scattered order, the random TLB policy */
	bool tlb_flush_on_switch;       /* flush the whole TLB at every world switch (no VMID tags) */
	uint64_t guest_frames;          /* overcommit: the frames of ram_size all VMs' guest pages may hold
					   together, paged on demand (0: each page its own frame, eagerly) */
};
/* The host a VM of cfg alone would get: cfg's TLB and seed, mon_vm_machine_bytes(cfg) of RAM. */
void mon_host_config_from(struct mon_host_config *hc, const struct mon_config *cfg);
/* Machine RAM a VM of cfg needs: its guest memory plus its shadow-table pool. */
uint64_t mon_vm_machine_bytes(const struct mon_config *cfg);
/* NULL with one line in err (bad TLB geometry, no host memory). */
struct host *mon_host_create(const struct mon_host_config *hc, char *err, size_t errlen);
/* Destroy the host; its VMs must have been destroyed first (else it refuses: -1). */
int mon_host_destroy(struct host *h);
/* Create a VM on h (vmid: the lowest free one). As mon_vm_create_from otherwise; the
 * VM's own TLB and seed options are not used (the host's are). --bare-core VMs
 * cannot share a host. */
struct vm *mon_vm_create_on(struct host *h, const struct mon_config *cfg, const struct mon_images *img,
			    char *err, size_t errlen);
struct host *mon_vm_host(const struct vm *vm);
const struct mon_host_config *mon_host_config(const struct host *h);
/* The VM with vmid on h, or NULL; how many VMs live on h. */
struct vm *mon_host_vm(const struct host *h, unsigned vmid);
unsigned mon_host_nvms(const struct host *h);
/* World switches so far (the real CPU going from one VM to another). */
uint64_t mon_host_switches(const struct host *h);
/* Machine frames: the host's total and free, and those a VM holds (its guest
 * frames; shadow-table frames are the monitor's and counted apart). */
uint64_t mon_host_frames(const struct host *h, uint64_t *nfree);
uint64_t mon_vm_frames_held(const struct vm *vm);
/* The VM's name: its config's name, or "vm<id>". */
const char *mon_vm_name(const struct vm *vm);
/* The VM on h called name (mon_vm_name), or NULL. */
struct vm *mon_host_vm_named(const struct host *h, const char *name);
/* Sharing the host's real CPU between its VMs in slices by share: monitor/vmm/sched.h. */
/* The front ends' convenience (monitor/tools/images.c): mon_vm_create, but on host h. */
struct vm *mon_vm_load_on(struct host *h, const struct mon_config *cfg, char *err, size_t errlen);

/* Advance the VM. Returns MON_STOPPED once it has stopped (see mon_vm_stop). */
enum mon_state mon_vm_step(struct vm *vm, enum mon_step_kind kind);

/*
 * Phase steps (the console's stepi): when on, a TLB-miss exit in shadow mode
 * is handled one phase per mon_vm_step call, whatever the step kind: the call
 * that meets the miss returns once the miss has reached the VMM (its
 * tlb_miss event), and each following call runs one phase: the shadow lookup,
 * one guest page-table entry, the pmap, the shadow entry and TLB install, and
 * last what the VMM does with the result (the retry; for a true fault CR2 and
 * then, one more step, the #PF reflection; PT-write emulation; a stop). Between calls the VM really is in that state (mon_vm_tlb,
 * mon_vm_shadow, guest memory). When off, mon_vm_step first finishes a miss
 * left half-done, then returns. Each phase emits the same events, in the same
 * order, as the one-shot handling. Other exits (and misses under
 * --mmu=swtlb|nested) are always handled at once.
 */
void mon_vm_set_miss_phases(struct vm *vm, bool on);

/* How a TLB miss in progress will end (worked out without side effects). */
enum mon_miss_end { MON_MISS_NONE = 0, MON_MISS_HIDDEN, MON_MISS_TRUE, MON_MISS_PT_WRITE, MON_MISS_OTHER };
struct mon_miss {
	va_t va;                    /* the VA that missed */
	enum mon_miss_end forecast;
	char next[48];              /* what the next phase step does ("guest walk: L2 entry") */
	unsigned step;              /* grows with each phase run (orders the points inside one miss) */
};
/* Is a TLB miss half-handled (phase steps)? Fills *out if so. */
bool mon_vm_miss(const struct vm *vm, struct mon_miss *out);

/* Pause at the first instruction boundary where icount >= `icount` (outside a
 * half-handled TLB miss): that mon_vm_step returns MON_PAUSED, once. */
void mon_vm_pause_at(struct vm *vm, uint64_t icount);

/*
 * Breakpoints (replace the list; n = 0 clears; at most 64): mon_vm_step
 * returns MON_PAUSED before an instruction at one of these RIPs (any address
 * space), nothing of it run; the next mon_vm_step runs it. Checked on the
 * core's instruction-decode path only: a run with breakpoints goes at full
 * speed (make bench-break). Guest behaviour is unchanged; the one trace: each
 * stop counts its instruction fetch twice in the TLB hit count. 0, or -1 with err.
 */
int mon_vm_break_set(struct vm *vm, const va_t *va, unsigned n, char *err, size_t errlen);
/* Is the VM paused on a breakpoint (RIP is the breakpoint's address)? */
bool mon_vm_at_break(const struct vm *vm);

/*
 * Watchpoints (monitor/vmm/debug.c; replace the list; n = 0 clears; at most
 * MON_WATCH_MAX): mon_vm_step returns MON_PAUSED after a guest instruction
 * that wrote (MON_WATCH_WRITE), read (MON_WATCH_READ) or did either
 * (MON_WATCH_ACCESS) to a byte of [va, va+len), in any address space; the
 * instruction has retired (RIP after it) and mon_vm_pause says which range,
 * the access, and the range's value before and after. Checked in the core's
 * slow translation path only: the fast translation cache never keeps a
 * watched page, every other page runs at full speed. A range is 1..8 bytes
 * within one page. Guest behaviour is unchanged.
 * What the VMM writes for the guest pauses as a guest store does, once the
 * exit is over (mon_pause.by_vmm): emulated stores (sgdt, str, ...), ins
 * elements (the disk's PIO data too), emulated page-table writes, the frames
 * and descriptors of reflections; so does a debugger's mon_write_* (the next
 * mon_vm_step pauses before running anything). A range is matched by the PA
 * its VA has in the current address space.
 * SIMPLIFICATION: the VMM's reads do not pause a read watchpoint, the A/D
 * bits the walkers set do not pause, and a read-modify-write instruction
 * counts as a write only.
 * 0, or -1 with one line in err (nothing changed).
 */
#define MON_WATCH_MAX 16
enum mon_watch_kind { MON_WATCH_WRITE = 1, MON_WATCH_READ = 2, MON_WATCH_ACCESS = 3 };
struct mon_watch {
	va_t va;
	unsigned len;
	enum mon_watch_kind kind;
};
int mon_vm_watch_set(struct vm *vm, const struct mon_watch *w, unsigned n, char *err, size_t errlen);

/* Why the last mon_vm_step returned MON_PAUSED (reason NONE after any other result). */
enum mon_pause_reason { MON_PAUSE_NONE = 0, MON_PAUSE_BREAK, MON_PAUSE_WATCH, MON_PAUSE_ICOUNT };
struct mon_pause {
	enum mon_pause_reason reason;
	unsigned index;               /* BREAK: into the breakpoint list; WATCH: into the watch list */
	va_t va;                      /* BREAK: the breakpoint (= RIP); WATCH: the range's first byte */
	unsigned len;                 /* WATCH: the range's length in bytes */
	bool write;                   /* WATCH: the instruction wrote (else read) */
	bool by_vmm;                  /* WATCH: the VMM wrote it for the guest (an emulated store or
					 ins, a reflection's frame) or a debugger did (mon_write_*) */
	va_t access;                  /* WATCH: VA of its first access that touched the range */
	va_t rip;                     /* WATCH: the instruction (RIP before it ran) */
	uint64_t old_value, new_value; /* WATCH: the range's bytes, little-endian, before and after */
};
const struct mon_pause *mon_vm_pause(const struct vm *vm);

/* Stop the VM from outside (console `kill`). */
void mon_vm_request_stop(struct vm *vm, const char *why);
/* Stop the VM from outside because the user interrupted the run (SIGINT,
 * SIGTERM): stop reason "interrupted", status 1, `why` in the message. */
void mon_vm_interrupt(struct vm *vm, const char *why);

const struct mon_stop *mon_vm_stop(const struct vm *vm);

/* Receive every trace event (whatever the trace categories/file say). NULL to remove. */
void mon_vm_set_event_sink(struct vm *vm, mon_event_fn fn, void *ctx);
/* The categories the sink wants (default MON_CAT_ALL). Fewer is faster: MON_CAT_INSN
 * events make the VM run one instruction at a time. */
void mon_vm_set_sink_cats(struct vm *vm, uint32_t cats);
/* End the run's trace file: flush it and give it its name. 0, or -1 if writing failed. */
int mon_vm_trace_finish(struct vm *vm);
/* Is the trace file still waiting for its --trace-after event (so far it holds only its header)? */
bool mon_vm_trace_after_pending(const struct vm *vm);

/* Where a VM's output goes as it comes: the guest's serial (UART) bytes, and the
 * monitor's messages (--strict-x86 explanations; whole lines with their newline).
 * NULL: nowhere (mon_vm_serial still has the serial output). The VMM writes to no
 * FILE: a VM from mon_vm_create_from has neither until the front end sets them. */
typedef void (*mon_text_fn)(void *ctx, const char *text, size_t len);
void mon_vm_set_serial_sink(struct vm *vm, mon_text_fn fn, void *ctx);
void mon_vm_set_message_sink(struct vm *vm, mon_text_fn fn, void *ctx);
/* The front ends' convenience (monitor/tools/images.c): the serial output to f as it
 * comes, flushed at each newline (NULL: capture only). mon_vm_create sets stdout,
 * and the messages to stderr. */
void mon_vm_set_serial_echo(struct vm *vm, FILE *f);
const char *mon_vm_serial(const struct vm *vm, size_t *len);

/* The last up-to-max trace events (oldest first); returns how many. */
unsigned mon_vm_recent_events(const struct vm *vm, struct mon_event *out, unsigned max);

/* ---- inspection ----------------------------------------------------------- */

/* The virtual CPU the guest kernel believes in. */
struct mon_vcpu {
	unsigned cpl;               /* virtual CPL: 0 guest kernel, 3 guest user */
	bool iflag;                 /* virtual RFLAGS.IF */
	uint64_t cr0, cr2, cr3, cr4, efer;
	struct cpu_dtr gdtr, idtr;
	uint16_t tr;
	uint64_t star, lstar, cstar, fmask, fs_base, gs_base, kernel_gs_base;
};

struct cpu *mon_vm_cpu(struct vm *vm);               /* the real (deprivileged) CPU state */
const struct mon_vcpu *mon_vm_vcpu(const struct vm *vm);
/* RFLAGS as the guest kernel sees it (real flags + virtual IF). */
uint64_t mon_vm_guest_rflags(const struct vm *vm);
const char *mon_vm_who(const struct vm *vm);          /* "kernel", "app:<name>" */
unsigned mon_vm_id(const struct vm *vm);
const struct mon_config *mon_vm_config(const struct vm *vm); /* the options it was created with */
/* Is a user->kernel round trip open (the guest kernel entered from user mode, not yet back)? */
bool mon_vm_in_round_trip(const struct vm *vm);
uint64_t mon_vm_icount(const struct vm *vm);

/* The TLB and shadow state, for the console's `tlb` and `shadow` commands (the
 * shadow: NULL if the VM has none). */
struct tlb *mon_vm_tlb(struct vm *vm);
/* The clock the TLB's LRU stamps count in (age = this - stamp): the instruction
 * count of the VM on the host's CPU, whichever VM is asked about (the TLB is
 * the host's; its stamps follow the running VM at each world switch). */
uint64_t mon_vm_tlb_now(const struct vm *vm);
struct shadow_vm *mon_vm_shadow(struct vm *vm);

/* A translation as the console prints it: VA -> PA (guest walk) -> MA (pmap). */
struct mon_xlat {
	bool noncanonical;  /* bits 63..47 differ: the CPU raises #GP before any walk (nothing else set) */
	bool pa_ok;         /* the guest's page tables map va */
	pa_t pa;
	uint32_t pf_error;  /* when !pa_ok: the #PF error code the guest would see */
	bool ma_ok;         /* the pmap maps pa */
	ma_t ma;
	unsigned nrefs;     /* page-table entries read */
	pa_t ref_pa[5];     /* PA of each entry read, top level first */
	uint64_t ref_val[5];
};
/* Translate a read at the current virtual CPL (a user-mode view sees only user pages)
 * without side effects (no A/D bits, no TLB fill). Returns true if VA->MA succeeded. */
bool mon_translate(struct vm *vm, va_t va, struct mon_xlat *out);

/* Read guest memory by VA (current guest CR3), PA, or MA without side effects.
 * Return bytes read (stops early at an unmapped page or the end of memory). */
size_t mon_read_va(struct vm *vm, va_t va, void *buf, size_t len);
size_t mon_read_pa(struct vm *vm, pa_t pa, void *buf, size_t len);
size_t mon_read_ma(struct vm *vm, ma_t ma, void *buf, size_t len);
/* PA -> MA through this VM's pmap. false if the page is outside guest memory. */
bool mon_pa_to_ma(struct vm *vm, pa_t pa, ma_t *ma);

/* ---- output files (outfile.c): written whole or not at all ------------------ */
struct mon_outfile {
	FILE *f;                   /* NULL: not open */
	char *path, *tmp;          /* written to tmp, renamed to path when complete */
	bool write_error;
};
/* Open path's temporary name (path.tmpTAG) for writing; refuses a directory.
 * Returns 0, or -1 with one line in err naming `what` and path. */
int mon_outfile_open(struct mon_outfile *o, const char *path, const char *what, unsigned tag, char *err,
		     size_t errlen);
/* Whether path can be written as an output file (a directory, a missing or
 * unwritable folder cannot): 0, or -1 with "cannot write WHAT PATH: why" in err.
 * Creates nothing. The callers check every output path before the run (exit 2). */
int mon_outfile_check(const char *path, const char *what, char *err, size_t errlen);
/* Close: keep = rename to the real name, else remove. Returns 0, or -1 if the file is not complete. */
int mon_outfile_close(struct mon_outfile *o, bool keep);

/* ---- changing the guest (debuggers) ------------------------------------------ */

/* The guest's translation of va (current CR3, no side effects). false if unmapped. */
bool mon_va_to_pa(struct vm *vm, va_t va, pa_t *pa);
/*
 * Write guest memory by VA (current guest CR3), PA, or MA (only this VM's own
 * frames). Like the VMM's own writes: a changed guest page-table entry drops
 * the shadow and TLB entries it governs; pre-decoded code there is forgotten.
 * Returns bytes written (stops early at an unmapped page or the end of memory).
 */
size_t mon_write_va(struct vm *vm, va_t va, const void *buf, size_t len);
size_t mon_write_pa(struct vm *vm, pa_t pa, const void *buf, size_t len);
size_t mon_write_ma(struct vm *vm, ma_t ma, const void *buf, size_t len);

/* The registers as the guest believes them (virtual IF, CPL in CS/SS, virtual CRs). */
struct mon_regs {
	uint64_t gpr[16];       /* RAX RCX RDX RBX RSP RBP RSI RDI R8..R15 */
	uint64_t rip, rflags;
	uint16_t seg[6];        /* ES CS SS DS FS GS selectors */
	uint64_t fs_base, gs_base, kernel_gs_base;
	uint64_t cr0, cr2, cr3, cr4, efer;
};
void mon_vm_get_regs(const struct vm *vm, struct mon_regs *r);
/* Write back what changed. Only the GPRs, RIP, RFLAGS (its IF is the virtual IF)
 * and the FS/GS bases are writable: 0, or -1 with one line in err (nothing changed). */
int mon_vm_set_regs(struct vm *vm, const struct mon_regs *r, char *err, size_t errlen);

/* ---- snapshots (monitor/vmm/snapshot.c) ------------------------------------------ */

/*
 * The whole VM state (CPU, vCPU, RAM, pmap, shadow, TLB, frames, devices with
 * the disk, stats, icount) as a versioned, checksummed byte stream; malloc'ed,
 * *len bytes. Call between mon_vm_step calls (any step kind, any miss phase).
 * NULL with one line in err on failure.
 */
uint8_t *mon_vm_save(struct vm *vm, size_t *len, char *err, size_t errlen);
/*
 * Put a saved state into vm, which must have been created with the same
 * machine options (its output and trace options may differ). It then continues
 * exactly as the saved VM would have. 0, or -1 with one line in err (not a
 * snapshot, other version, corrupted, truncated, other options) and vm unchanged.
 */
int mon_vm_restore(struct vm *vm, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* ---- stats ------------------------------------------------------------------- */

/* What each TLB-miss exit became: they add up to exits[CPU_EXIT_TLB_MISS]. */
enum mon_miss_kind {
	MON_MK_HIDDEN,      /* the VMM filled the shadow entry (a hidden fault), the guest retries */
	MON_MK_TRUE,        /* the guest's own table denies it: #PF reflected */
	MON_MK_PT_WRITE,    /* a write to a write-protected guest PT page, emulated: it changed entries */
	MON_MK_PT_SAME,     /* the same, but it changed no entry (zeros written over zeros, ...) */
	MON_MK_UPCALL,      /* --mmu=swtlb: reflected to the guest's TLB-refill handler */
	MON_MK_STOP,        /* the VM stopped on it (a PA outside its memory, a monitor error) */
	MON_MK_KINDS
};

struct mon_stats {
	uint64_t insns_user, insns_kernel;     /* guest user / guest kernel (virtual CPL) */
	uint64_t exits[CPU_EXIT_UNSUPPORTED + 1]; /* by cpu exit reason */
	uint64_t sens[SOP_COUNT];              /* sensitive-instruction exits by op */
	uint64_t round_trips;                  /* user->kernel reflections returned by iretq/sysret */
	uint64_t reflections;                  /* exceptions/interrupts/syscalls reflected */
	uint64_t syscalls;
	uint64_t irqs;                         /* interrupts injected */
	uint64_t tlb_hits, tlb_misses;
	uint64_t hidden_faults, true_faults;
	uint64_t pt_writes;                    /* traced writes to guest PT pages (entries changed) */
	uint64_t miss_kinds[MON_MK_KINDS];     /* TLB-miss exits by what they became */
	uint64_t shadow_fills;                 /* shadow entries the VMM filled (hidden faults) */
	uint64_t hw_walks;                     /* shadow mode: TLB misses the hardware walked in the shadow table */
	uint64_t shadow_resets;                 /* shadow pool ran out: everything dropped */
	uint64_t walk_refs;                    /* page-table entries read by any walk: hardware (shadow, 2-D)
					  or the VMM's (guest walks, its own guest accesses) */
	uint64_t io_accesses;
	uint64_t cr3_writes;
};

const struct mon_stats *mon_vm_stats(const struct vm *vm);
/* All VM exits counted in s (every reason but the instruction budget, which is no exit). */
uint64_t mon_stats_exits(const struct mon_stats *s);
/* Simulated-TLB hits: the TLB's own lookups plus the core's fast-cache hits, which stand
 * for hits of its entries the TLB never sees. */
uint64_t mon_vm_tlb_hits(const struct vm *vm);
/* Simulated-TLB misses of this VM (on a shared host: those of its own accesses). */
uint64_t mon_vm_tlb_misses(const struct vm *vm);
/* What the MMU modes did (all 0 in plain shadow mode). */
struct mon_mode_stats {
	uint64_t refills;    /* --mmu=swtlb: misses reflected to the guest's refill handler */
	uint64_t tlb_writes; /* --mmu=swtlb: privileged TLB writes emulated */
	uint64_t hypercalls; /* --paravirt: vmcalls of every kind */
};
void mon_vm_mode_stats(const struct vm *vm, struct mon_mode_stats *out);
/* True faults: #PFs injected for the guest's own table, plus (swtlb) refill
 * upcalls the guest's handler turned into its own #PF. */
uint64_t mon_vm_true_faults(const struct vm *vm);
/* ---- the cost model (cost.c) ---- */
/* The events it prices, in the order of struct mon_cost. */
enum mon_cost_term {
	MON_COST_INSN, MON_COST_TLB_HIT, MON_COST_TLB_MISS, MON_COST_WALK_REF, MON_COST_EXIT,
	MON_COST_EMULATE, MON_COST_REFLECT, MON_COST_SHADOW_FILL, MON_COST_PT_WRITE, MON_COST_IO,
	MON_COST_TERMS
};
/* How many of each event a run had (what the prices multiply). */
struct mon_cost_counts {
	uint64_t n[MON_COST_TERMS];
};
const char *mon_cost_name(enum mon_cost_term t);           /* the --cost name: "insn", ... */
uint32_t mon_cost_price(const struct mon_cost *c, enum mon_cost_term t);
bool mon_cost_set(struct mon_cost *c, const char *name, uint32_t price); /* false: no such name */
/* The counts of the run so far: a monitored VM's, or the bare core's (no exits,
 * emulation, reflection or shadow work; its own paging TLB's misses and walks). */
void mon_vm_cost_counts(const struct vm *vm, struct mon_cost_counts *n);
uint64_t mon_cost_cycles(const struct mon_cost *c, const struct mon_cost_counts *n);
/* Modelled cycles of the run so far under the VM's cost model (the one number
 * `run` and `compare` print). */
uint64_t mon_vm_cycles(const struct vm *vm);
/* "insn 1, tlb_hit 0, ..." (the prices, cycles per event). */
void mon_cost_print_prices(FILE *f, const struct mon_cost *c);
/* The end-of-run summary (deterministic). */
void mon_print_summary(const struct vm *vm, FILE *f);
/* The same summary as one JSON object, the same fields under snake_case names (stats_json.c). */
void mon_print_summary_json(const struct vm *vm, FILE *f);
/* "halt", "triple-fault", ...: the stop reason as the summary names it. */
const char *mon_stop_name(enum mon_stop_reason r);

#endif
