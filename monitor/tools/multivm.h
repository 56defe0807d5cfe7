/*
 * monitor/tools/multivm.h — `vmlab run --vm SPEC ...`: several VMs on one
 * host (vmspec.c parses the specs, run_multi.c runs them; docs/multi-vm.md).
 */
#ifndef VMLAB_TOOLS_MULTIVM_H
#define VMLAB_TOOLS_MULTIVM_H

#include "monitor/tools/tools.h"
#include "monitor/vmm/sched.h"

#define TOOL_VMSPEC_KEYS_MAX 32

/* One VM of the run. */
struct tool_vmspec {
	struct mon_config cfg;     /* the run's options, then the spec's keys (cfg.name: its name) */
	unsigned share;            /* share=N (default 1) */
	const char *serial;        /* serial=FILE: its serial output there, not on stdout */
	char where[MON_PATH_MAX + 16]; /* "--vm 2" or "FILE:LINE", for messages */
	char *text;                /* the spec's own copy (values point into it) */
	char *words[TOOL_VMSPEC_KEYS_MAX]; /* the run options made of its keys (cfg points into them) */
	unsigned nwords;
};

/* Parse spec on top of base (a copy; keep base alive while the spec is used).
 * 0, or -1 with one line in err naming `where` and the problem. */
int tool_vmspec_parse(struct tool_vmspec *v, const struct mon_config *base, const char *spec, const char *where,
		      char *err, size_t errlen);
void tool_vmspec_free(struct tool_vmspec *v);
/* Every --vm spec (where: "--vm N"), then the lines of file (NULL: none; where:
 * "FILE:LINE"), into out[0..*n) (at most MON_HOST_VMS_MAX), names and files
 * checked. 0, or -1 with one line in err; either way tool_vmspec_free each of out[0..*n). */
int tool_vmspecs_load(const struct mon_config *base, char *const *specs, unsigned nspecs, const char *file,
		      struct tool_vmspec *out, unsigned *n, char *err, size_t errlen);
/* Give unnamed VMs their vmN names; refuse duplicate names and two VMs writing one file. */
int tool_vmspecs_check(struct tool_vmspec *v, unsigned n, char *err, size_t errlen);
bool tool_vm_name_ok(const char *s);

/* The multi-VM run's own options. */
struct tool_multi_opts {
	uint64_t slice;            /* --vm-slice N (instructions per share unit) */
	bool flush_on_switch;      /* --tlb-flush-on-vm-switch */
};
/* The multi-VM options of a command line (multihost.c; vmlab run, vmlab console). */
struct tool_multi_args {
	char *spec[MON_HOST_VMS_MAX]; /* --vm SPEC */
	unsigned nvm;
	const char *file;             /* --vm-file FILE */
	struct tool_multi_opts opts;
	const char *opt;              /* --vm-slice or --tlb-flush-on-vm-switch given (they need --vm) */
};
void tool_multi_args_init(struct tool_multi_args *m); /* nothing given, the default slice */
/* --vm SPEC, --vm-file FILE, --vm-slice N, --tlb-flush-on-vm-switch at argv[*i]: 1 taken
 * (*i on its last word), 0 not one of them, -1 bad (one line in err). */
int tool_multi_option(struct tool_multi_args *m, int argc, char **argv, int *i, char *err, size_t errlen);

/* A run option given in cfg that several VMs cannot have ("--bare-core"), or NULL. */
const char *tool_multi_refused(const struct mon_config *cfg);

/* The host of a multi-VM run: its scheduler and VMs (vm[i] made of spec i, added in that order). */
struct tool_multi_host {
	struct host *host;
	struct mon_sched *sched;
	struct vm *vm[MON_HOST_VMS_MAX];
	unsigned n;
};
/* Make it: base's machine options (TLB, seed), as much RAM as the VMs need (with
 * --machine-mem below their memories together: that much for their guest pages,
 * overcommitted, plus their shadow-table pools), o's slice and TLB flushing. 0, or -1 with one line in err (destroy what was made either way). */
int tool_multi_host_create(struct tool_multi_host *m, const struct mon_config *base, const struct tool_vmspec *v,
			   unsigned n, const struct tool_multi_opts *o, char *err, size_t errlen);
void tool_multi_host_destroy(struct tool_multi_host *m);

/* Run the VMs to their stops on one host; returns the exit status (run.c's rules,
 * the first VM's non-zero status in spec order). base: the run's own options
 * (--trace FILE: one trace of every VM, --quiet). */
int tool_run_multi(const struct mon_config *base, struct tool_vmspec *v, unsigned n,
		   const struct tool_multi_opts *o);

#endif
