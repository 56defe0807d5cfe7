/*
 * monitor/vmm/vm.h — the insides of struct vm, shared by the files of monitor/
 * (vm.c, exit.c, emulate_*.c, reflect.c, trace.c, stats.c, inspect.c) and the
 * console. Everything a VM is lives here; nothing is global.
 */
#ifndef VMLAB_MONITOR_VM_H
#define VMLAB_MONITOR_VM_H

#include <stdarg.h>

#include "monitor/dev/dev.h"
#include "monitor/vmm/monitor.h"
#include "shadow/shadow.h"
#include "tlb/tlb.h"

#define MON_RING_MAX 16        /* trace events kept for clean-stop reports */
#define MON_SLICE 100000       /* instructions per cpu_run slice in MON_STEP_RUN */
#define MON_DISK_BYTES (32ull << 20)

/* ---- trace.c ---- */
/*
 * trace_ring.c: a ring event nobody reads yet (no file, no sink wants it: a plain
 * `vmlab run`) keeps its format and a copy of its arguments, not its text; the
 * text is made when the ring is read (a stop report, a snapshot, a preroll).
 * Formatting ~10M port-I/O events that nobody ever reads was most of the host CPU.
 */
#define MON_LAZY_ARGS 10
#define MON_LAZY_STR 256           /* the %s arguments of one event, copied */
#define MON_FMT_CACHE 64            /* formats whose argument types are known (a power of 2) */
struct mon_fmt_sig {
	const char *fmt;           /* NULL: an empty cache line */
	uint8_t nargs;             /* 0xff: a format the copy does not know */
	uint8_t type[MON_LAZY_ARGS];
};
struct mon_lazy {
	const char *fmt;           /* NULL: the ring entry's text is made */
	const char *who;           /* non-NULL: the entry's who, not copied yet (a literal) */
	union {
		long long i;
		double d;
		const void *p;
		size_t str;            /* a %s: offset in str (SIZE_MAX: a NULL pointer) */
	} arg[MON_LAZY_ARGS];      /* (their types: fmt's conversions) */
	char str[MON_LAZY_STR];
};

struct mon_trace {
	FILE *f;                   /* NULL: no trace file */
	char *path, *tmp_path;     /* written to tmp_path, renamed to path at the end
				      (tmp_path NULL: written through, see trace.c) */
	enum mon_trace_format fmt;
	uint32_t cats;             /* categories written to the file */
	uint64_t from, limit, written;
	uint32_t mask;             /* categories anybody wants (file, sink, ring): the fast check */
	uint32_t seen_mask;        /* mask without --trace-after's wait: what the ring and sink get */
	mon_event_fn sink;
	void *sink_ctx;
	uint32_t sink_cats;        /* the categories the sink wants */
	struct mon_event ring[MON_RING_MAX];
	char ring_kind[MON_RING_MAX][32]; /* the ring's kind names after a restore (snapshot.c) */
	struct mon_lazy lazy[MON_RING_MAX]; /* the ring's events whose text is not made yet */
	struct mon_fmt_sig fmt_sig[MON_FMT_CACHE]; /* by the format's address (trace_ring.c) */
	unsigned ring_next, ring_count;
	uint64_t formatted;        /* events whose text mon_trace_emit made (a test checks
				      that a run nobody traces makes none) */
	bool write_error;
	bool started;              /* --trace-after: the trigger has been seen */
	struct mon_trace_after after;
	uint64_t after_seen;       /* matching events seen: the file starts at the after.nth */
};

/* Does anybody want events of category `cat`? One AND: costs nothing when off. */
#define MON_TRACING(vm, cat) ((vm)->trace.mask & (cat))

/*
 * Emit one event of category `cat` (caller checks MON_TRACING first).
 * `who` NULL means the VM's current runner (kernel / app:<name>); else a
 * string literal (the ring may keep it by its address).
 * `kind` is the short machine name; the text is printf-formatted.
 * Of `fields` (or NULL) only has, va, pa, ma, set, way and value are read:
 * a hot caller sets those with mon_event_fields, not zeroing the whole struct
 * (its who and text are 224 bytes).
 */
void mon_trace_emit(struct vm *vm, enum mon_cat cat, const char *who, const char *kind,
		    const struct mon_event *fields, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The fields of an event for mon_trace_emit: has, the others zero. */
static inline void mon_event_fields(struct mon_event *f, uint32_t has)
{
	f->has = has;
	f->va = f->pa = f->ma = f->value = 0;
	f->set = f->way = 0;
}
/* "s" unless n is 1: "1 ref", "4 refs" in trace and summary lines. */
static inline const char *mon_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}
/* printf at buf + *pos, advancing *pos (it stays below len: the text is cut there). */
void mon_bufappend(char *buf, size_t len, size_t *pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Append a JSON string literal of s to buf at *pos (NUL-terminated, truncated to len). */
void mon_json_str(char *buf, size_t len, size_t *pos, const char *s);
/* Open the trace file (temp name). Returns 0 or -1 with err. */
int mon_trace_open(struct vm *vm, const struct mon_config *cfg, const struct mon_images *img, char *err,
		   size_t errlen);
/* Finish: flush and rename (keep = true) or remove the temp file. Returns 0 or -1. */
int mon_trace_close(struct vm *vm, bool keep);
void mon_trace_update_mask(struct vm *vm);
/* trace_ring.c: the ring of recent events (every category but insn that the
 * ring, the sink or the file sees). */
/* Keep ev in the ring (its text is made). */
void mon_trace_ring_put(struct mon_trace *t, const struct mon_event *ev);
/* The entry the next event goes to: mon_trace_emit makes the event's head
 * (all but its text, and its who if who is not NULL) there, then
 * mon_trace_ring_put_lazy keeps it with its text unmade: fmt and a copy of its
 * arguments instead (or, for a format the copy does not know, the text made
 * now), and who (a literal: "VMM", "CPU") by its address. */
static inline struct mon_event *mon_trace_ring_next(struct mon_trace *t)
{
	return &t->ring[t->ring_next];
}
void mon_trace_ring_put_lazy(struct mon_trace *t, const char *who, const char *fmt, va_list ap);
/* Copy the ring's i-th entry (0 = oldest of ring_count) to out, its text made. */
void mon_trace_ring_copy(const struct mon_trace *t, unsigned i, struct mon_event *out);
/* Make the text of every ring entry (before the ring is saved: snapshot.c). */
void mon_trace_ring_settle(struct mon_trace *t);
/* The ring was overwritten with made entries (a snapshot restored). */
void mon_trace_ring_restored(struct mon_trace *t);
/* (trace_meta.c) Remember the images' hashes for a later host trace header. */
void mon_trace_meta_images(struct vm *vm, const struct mon_images *img);

/* ---- appname.c: which boot program runs in an address space ---- */
#define MON_APPSIG_MAX 64
struct mon_appsig {
	char name[MON_WHO_MAX - 4];
	va_t page;                 /* the VA page holding the program's entry point */
	uint64_t hash;             /* FNV-1a of that page's image */
};
void mon_appname_learn(struct vm *vm, const char *path, const uint8_t *data, size_t size);
const char *mon_appname_identify(struct vm *vm, unsigned slot);

/*
 * The progress guard (progress.c), a backstop behind the forward-progress
 * rules (TLB victims, pins, string-instruction pieces): per virtual CPL, the
 * instruction the last exit came from and how many exits in a row came from
 * it without one instruction retiring at that CPL.
 */
#define MON_PROGRESS_EXITS 100000u /* exits from one unretired instruction before the stop */
struct mon_progress {
	uint64_t rip, rcx, insns;  /* where, the count register (rep progress), retired at that CPL */
	uint64_t same;             /* exits in a row from there with nothing retired */
};

/* ---- stats.c: the summary's numbers, one table for the text and for --stats-json ---- */
struct mon_stat_field {
	const char *text, *json; /* "tlb-miss", "tlb_miss" */
	uint64_t (*get)(const struct vm *vm);
};
/* The parts of the exits line (they add up to mon_stats_exits), what the
 * TLB-miss exits became (they add up to the tlb-miss part), the faults line;
 * NULL-terminated. */
extern const struct mon_stat_field mon_exit_fields[], mon_miss_fields[], mon_fault_fields[];

/* ---- the VM ---- */
struct vm {
	unsigned vmid;
	char name[MON_VM_NAME_MAX]; /* cfg.name, or vm<id> */
	struct mon_config cfg;
	struct host *host;         /* the machine it runs on (host.h) */
	uint64_t kernel_hash;      /* its images, as trace headers name them (trace_meta.c) */
	char modules_meta[MON_MAX_MODULES * 64];
	bool own_host;             /* made by mon_vm_create_from: destroyed with the VM */
	uint8_t *ram;              /* the host's machine RAM: guest frames + shadow tables */
	uint64_t ram_size;
	struct cpu cpu;            /* the real CPU's state while this VM runs on it, deprivileged */
	bool cpu_ok;
	struct mon_vcpu v;         /* what the guest kernel believes */
	struct tlb *tlb;           /* the host's simulated TLB (entries tagged with vmid) */
	struct shadow_mframe *mf;  /* the host's machine frames */
	struct tlb_stats tlb_acc;  /* shared host: the TLB counters' moves while this VM ran (host.c) */
	struct tlb_stats tlb_base; /* the counters when it last got the real CPU */
	struct shadow_vm sh;
	bool sh_ok;
	/* devices */
	struct mon_uart uart;
	struct mon_pic pic;
	struct mon_pit pit;
	struct mon_ata ata;
	uint64_t next_tick;        /* icount of the next PIT IRQ 0 edge (UINT64_MAX: none) */
	/* run state */
	struct mon_stop stop;
	bool stopped;
	bool bare;                 /* --bare-core: no monitor, PA == MA, no shadow/TLB */
	bool sti_shadow;           /* sti just set IF: no interrupt before the next instruction */
	bool in_reflection;        /* a user->kernel crossing is open (for round trips) */
	unsigned pending_fill;     /* shadow fill in progress (console stepping): `fill` is half done
				      (2: a true fault decided, its #PF not yet reflected) */
	bool miss_phases;          /* mon_vm_set_miss_phases: handle misses one phase per step */
	struct shadow_fill fill;   /* the fill in progress */
	enum shadow_fill_kind fill_forecast; /* how it will end (mmu.c: forecast) */
	struct shadow_walk fill_walk; /* the forecast's side-effect-free walk (its head line) */
	uint16_t ptw_pending;      /* a PT-write window is open */
	bool exit_pending;         /* cpu->exit holds an exit still to handle (a PT-write step's) */
	bool in_exit;              /* an exit is being handled (exit handling never re-enters) */
	mon_text_fn msg;           /* monitor messages (mon_vm_set_message_sink), or NULL */
	void *msg_ctx;
	bool at_break;             /* stopped on a breakpoint: the next run lets that instruction go */
	uint64_t pause_at;         /* mon_vm_pause_at: pause once icount reaches it (UINT64_MAX: no) */
	va_t brk[CPU_BREAK_MAX];   /* mon_vm_break_set's list (debug.c) */
	unsigned nbrk;
	struct mon_watch watch[MON_WATCH_MAX]; /* mon_vm_watch_set's list */
	unsigned nwatch;
	struct mon_pause pause;    /* why the last step paused */
	/* a watched range the VMM wrote for the guest or a debugger wrote (debug.c):
	 * the pause it makes once the exit (or, for a debugger, the step) begins */
	struct {
		bool pending, write;
		unsigned index;
		va_t access, rip;
		ma_t ma;               /* the range's first byte */
		uint64_t old;
	} vmm_watch;
	char who[MON_WHO_MAX];
	struct mon_trace trace;
	struct mon_stats stats;
	uint64_t last_icount;      /* for user/kernel instruction accounting */
	struct mon_progress progress[2]; /* [0] guest kernel, [1] guest user (progress.c) */
	/* names of user address spaces, learned from CR3 values (appname.c) */
	pa_t app_cr3[64];
	int app_sig[64];           /* index into sigs of the program identified there, or -1 */
	unsigned napps;
	struct mon_appsig sigs[MON_APPSIG_MAX];
	unsigned nsigs;
	struct mon_modes *modes;   /* MMU modes, paravirt, strict-x86 (monitor/modes.h) */
};

/* vm.c */
void mon_vm_set_who(struct vm *vm);
/* Recompute vm->next_tick (instruction count of the next PIT edge) from the PIT. */
void mon_vm_next_tick(struct vm *vm);
void mon_vm_halt(struct vm *vm, enum mon_stop_reason r, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Account instructions retired since the last call to the current virtual CPL. */
void mon_vm_account(struct vm *vm);
/* debug.c: the core stopped after a watched access (CPU_EXIT_WATCH): fill vm->pause. */
void mon_watch_hit(struct vm *vm);
/* debug.c: the VMM (emulating an instruction, delivering an event) or a debugger
 * is about to write guest-physical [pa, pa + n): note the first write watchpoint
 * whose range the current address space maps there, with its value before. */
void mon_watch_vmm_write(struct vm *vm, pa_t pa, size_t n);
/* debug.c: the core stored for the VMM (an ins element, a PT write's step) with
 * rip the instruction: note its watched access, if it made one. */
void mon_watch_core_take(struct vm *vm, va_t rip);
/* debug.c: turn a noted VMM write into vm->pause (unless the core's own watch
 * paused this step). true if it did. */
bool mon_watch_vmm_pause(struct vm *vm);
/* debug.c: the core stopped on a breakpoint: fill vm->pause. */
void mon_break_hit(struct vm *vm);
/* progress.c: an exit from the instruction at rip, taken at virtual CPL cpl with
 * count register rcx (before it is handled); stops the VM when that instruction
 * has exited MON_PROGRESS_EXITS times in a row without retiring. */
void mon_progress_exit(struct vm *vm, unsigned cpl, uint64_t rip, uint64_t rcx);

/* overcommit.c: a double-paging event (trace), the summary's overcommit line / JSON member */
void mon_overcommit_double_paging(struct vm *vm, uint64_t slot);
/* Trace this VM's page-outs (page_out, page_out_forced): after its overcommit is set up. */
void mon_overcommit_attach(struct vm *vm);
void mon_overcommit_summary(const struct vm *vm, FILE *f, bool json);
/* --balloon: pages the monitor still wants back (0 without --balloon), and the
 * BALLOON hypercall (op 0: that number; op 1: take the guest's frame at PA arg). */
uint64_t mon_balloon_wanted(const struct vm *vm);
int64_t mon_balloon_call(struct vm *vm, uint64_t op, uint64_t arg);

/* exit.c: handle cpu->exit, then any exit that handling left pending
 * (vm->exit_pending), one after the other in a loop: exit handling never
 * calls itself. */
void mon_exit_handle(struct vm *vm);
/* Handle the exits left pending (after a miss finished phase by phase). */
void mon_exit_drain(struct vm *vm);

/* emulate_*.c */
void mon_emulate_sens(struct vm *vm);   /* CPU_EXIT_SENSITIVE at virtual CPL 0 */
void mon_emulate_io(struct vm *vm, const struct cpu_sens *s);
/* A device port access: returns the value read (in) */
uint32_t mon_dev_in(struct vm *vm, uint16_t port, unsigned size);
void mon_dev_out(struct vm *vm, uint16_t port, unsigned size, uint32_t v);
/* Is an interrupt waiting that the guest would take now? */
void mon_irq_check(struct vm *vm);
/* hlt with RIP past it: stop if IF=0, else idle until the next timer edge. */
void mon_hlt_wait(struct vm *vm);

/* reflect.c */
/* Deliver vector through the guest's IDT (virtual CPL switch, guest stack frame). */
void mon_reflect(struct vm *vm, uint8_t vector, bool has_error, uint32_t error, bool soft,
		 const char *why);
/* syscall from guest user mode: enter the guest kernel at LSTAR. */
void mon_reflect_syscall(struct vm *vm, unsigned len);
void mon_emulate_iretq(struct vm *vm);
void mon_emulate_sysret(struct vm *vm, unsigned opsize);
/* Guest virtual memory access as the guest kernel (virtual CPL 0), with A/D
 * updates and PT-write emulation; false on a guest page fault (*pf_err set). */
bool mon_guest_rw(struct vm *vm, va_t va, void *buf, size_t len, bool write, uint32_t *pf_err);
/* Switch virtual CPL (0 or 3): real CS/SS RPL stays 3, the shadow view follows. */
void mon_set_vcpl(struct vm *vm, unsigned cpl);

/* mmu.c: TLB miss handling with trace */
/* struct cpu_mmu translate of shadow mode (ctx = the vm): shadow_mmu_translate,
 * with its hardware walks traced and counted. */
enum mmu_result mon_shadow_translate(void *ctx, struct cpu *cpu, va_t va, enum cpu_access acc,
				     unsigned cpl, struct mmu_xlat *out);
void mon_handle_miss(struct vm *vm, va_t va, enum cpu_access acc);
/* Phase steps: begin a miss (pending_fill set, tlb_miss traced), then one phase per
 * mon_miss_step until pending_fill is clear (the last step acts on the result). */
void mon_miss_begin(struct vm *vm, va_t va, enum cpu_access acc);
void mon_miss_step(struct vm *vm);
/* An ins whose destination missed in the TLB: fill it (emulating the store
 * inside a PT-write window if it is a guest PT page) and store `value`, the
 * element already read from the port. False if it was not stored (the VM
 * stopped, or a true fault was reflected: the element is lost, as on a
 * faulting ins). */
bool mon_complete_ins(struct vm *vm, uint32_t value);

#endif
