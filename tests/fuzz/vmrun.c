/*
 * tests/fuzz/vmrun.c — run one generated guest and check the invariants (vmrun.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shadow/shadow.h"
#include "tests/fuzz/gen.h"
#include "tests/fuzz/vmrun.h"

static const struct fz_mode modes[FZ_NMODES] = {
	{ "shadow", MON_MMU_SHADOW, false, false, false },
	{ "shadow+paravirt", MON_MMU_SHADOW, true, false, false },
	{ "shadow+strict", MON_MMU_SHADOW, false, true, false },
	{ "shadow+paravirt+strict", MON_MMU_SHADOW, true, true, false },
	{ "swtlb", MON_MMU_SWTLB, false, false, false },
	{ "swtlb+paravirt", MON_MMU_SWTLB, true, false, false },
	{ "swtlb+strict", MON_MMU_SWTLB, false, true, false },
	{ "swtlb+paravirt+strict", MON_MMU_SWTLB, true, true, false },
	{ "nested", MON_MMU_NESTED, false, false, false },
	{ "nested+paravirt", MON_MMU_NESTED, true, false, false },
	{ "nested+strict", MON_MMU_NESTED, false, true, false },
	{ "nested+paravirt+strict", MON_MMU_NESTED, true, true, false },
	{ "bare-core", MON_MMU_SHADOW, false, false, true },
};

const struct fz_mode *fz_mode(unsigned i)
{
	return &modes[i % FZ_NMODES];
}

static int violated(struct fz_result *r, const struct fz_mode *m, const char *what)
{
	snprintf(r->violation, sizeof r->violation, "[%.40s] %.200s (stop: %.255s, icount %llu)", m->name, what,
		 r->message, (unsigned long long)r->icount);
	return -1;
}

struct vm *fz_vm_create(const uint8_t *elf, size_t len, const struct fz_mode *m, uint64_t budget,
			bool check_every_exit, char *err, size_t errlen)
{
	struct mon_config cfg;
	mon_config_defaults(&cfg);
	cfg.nmodules = 0;
	cfg.modules_given = true;
	cfg.mem_size = 4ull << 20;
	cfg.shadow_pool = 512ull << 10; /* small: fewer host pages per VM, and shadow resets get exercised */
	cfg.max_insns = budget;
	cfg.quiet = true;
	cfg.check_isolation = check_every_exit && !m->bare;
	cfg.mmu = m->mmu;
	cfg.paravirt = m->paravirt;
	cfg.strict_x86 = m->strict;
	cfg.bare_core = m->bare;
	/* straight from memory: no file, no serial echo (mon_vm_create_from sets no sinks) */
	struct mon_images img = { .kernel = { "fuzz.elf", elf, len } };
	return mon_vm_create_from(&cfg, &img, 0, err, errlen);
}

int fz_run_guest(const uint8_t *elf, size_t len, const struct fz_mode *m, uint64_t budget,
		 unsigned iso_every, struct fz_result *r)
{
	memset(r, 0, sizeof *r);
	char err[MON_ERR_MAX];
	struct vm *vm = fz_vm_create(elf, len, m, budget, iso_every == 1, err, sizeof err);
	if (!vm) {
		snprintf(r->message, sizeof r->message, "%s", err);
		return violated(r, m, "the VM was not created");
	}
	/* Every step retires instructions or handles an exit; an instruction needs
	 * a few exits at most (code, data, page-table misses). More is a livelock. */
	uint64_t steps = 0, max_steps = 64 * budget + 10000;
	char why[160] = "";
	bool iso_ok = true;
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING && ++steps < max_steps)
		if (iso_every > 1 && !m->bare && steps % iso_every == 0 &&
		    shadow_check_isolation(mon_vm_shadow(vm), why, sizeof why)) {
			iso_ok = false;
			break;
		}
	const struct mon_stop *st = mon_vm_stop(vm);
	r->reason = st->reason;
	snprintf(r->message, sizeof r->message, "%s", st->message);
	r->icount = mon_vm_icount(vm);
	if (mon_read_pa(vm, GEN_RESUME_PA, &r->resume, sizeof r->resume) != sizeof r->resume)
		r->resume = 0;
	int rc = 0;
	if (!iso_ok)
		rc = violated(r, m, why);
	else if (st->reason == MON_STOP_NONE)
		rc = violated(r, m, "no stop after 64 monitor steps per budgeted instruction (livelock)");
	else if (!st->message[0])
		rc = violated(r, m, "a stop without an explanation");
	else if (r->icount > budget + 4097)
		rc = violated(r, m, "ran past the instruction budget");
	else if (strstr(st->message, "ISOLATION"))
		rc = violated(r, m, "isolation violated after an exit");
	else if (!m->bare && shadow_check_isolation(mon_vm_shadow(vm), why, sizeof why))
		rc = violated(r, m, why);
	mon_vm_destroy(vm);
	return rc;
}
