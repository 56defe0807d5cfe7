/*
 * tests/fuzz/vmrun.h — run one generated guest under the monitor and check
 * the invariants every guest must keep, whatever it does:
 *
 *   - the VM is created (the generators only make images the loader accepts);
 *   - it ends in a clean, explained stop (a reason and a message) within the
 *     instruction budget (icount <= budget + one 4096-iteration rep chunk),
 *     and within a bounded number of monitor steps (no livelock);
 *   - the isolation invariant held after every exit (--check-isolation) and
 *     holds at the end: no shadow or TLB entry maps a frame the VM does not own.
 *
 * Sanitizer reports are the sanitizers' job (the harnesses are built with them).
 */
#ifndef VMLAB_TESTS_FUZZ_VMRUN_H
#define VMLAB_TESTS_FUZZ_VMRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/vmm/monitor.h"

/* One combination of monitor modes. */
struct fz_mode {
	const char *name;          /* "shadow", "swtlb+paravirt+strict", "bare-core" ... */
	enum mon_mmu_mode mmu;
	bool paravirt, strict, bare;
};
#define FZ_NMODES 13
const struct fz_mode *fz_mode(unsigned i); /* i < FZ_NMODES */

struct fz_result {
	enum mon_stop_reason reason;
	char message[MON_ERR_MAX];
	uint64_t icount;
	uint64_t resume;  /* at the stop, the guest's 8 bytes at GEN_RESUME_PA (how far an adversarial guest got) */
	char violation[2 * MON_ERR_MAX + 128]; /* empty: every invariant held */
};

/* Create the VM of an ELF image in mode m (4 MiB, --max-insns budget, no
 * serial echo; --check-isolation if check_every_exit). NULL with err on failure. */
struct vm *fz_vm_create(const uint8_t *elf, size_t len, const struct fz_mode *m, uint64_t budget,
			bool check_every_exit, char *err, size_t errlen);

/*
 * Run the ELF image (len bytes) in mode m with an instruction budget. The
 * isolation invariant is checked after every exit (iso_every 1: the monitor's
 * --check-isolation), or after every iso_every-th monitor step (cheaper: the
 * check walks every shadow table), and at the end. Returns 0 when every
 * invariant held, -1 with r->violation naming the broken one.
 */
int fz_run_guest(const uint8_t *elf, size_t len, const struct fz_mode *m, uint64_t budget,
		 unsigned iso_every, struct fz_result *r);

#endif
