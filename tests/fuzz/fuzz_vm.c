/*
 * tests/fuzz/fuzz_vm.c — a whole VM from in-memory bytes with an instruction
 * budget. Input: byte 0 picks the monitor mode (vmrun.c's list) and, with bit
 * 7, a raw kernel (the rest of the input is the code at the entry point, on
 * the firmware's page tables); otherwise the rest drives the adversarial
 * generator (gen.c: hostile privileged instructions, page tables, PT writes,
 * strings into a missing page).
 */
#include "tests/fuzz/gen.h"
#include "tests/fuzz/harness.h"
#include "tests/fuzz/vmrun.h"

/* the isolation check (it walks every shadow table) after every 256th monitor step and at the end */
#define ISO_EVERY 256
#define BUDGET 50000
#define MAX_ACTIONS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen_guest g;
	if (size < 2)
		return 0;
	if (data[0] & 0x80) {
		gen_raw_kernel(&g, data + 1, size - 1);
	} else {
		struct gen_src src;
		gen_src_bytes(&src, data + 1, size - 1);
		gen_adversarial(&g, &src, MAX_ACTIONS);
	}
	struct fz_result r;
	if (fz_run_guest(g.elf, sizeof g.elf, fz_mode(data[0] & 0x7f), BUDGET, ISO_EVERY, &r))
		fz_fail("fuzz-vm", r.violation);
	fz_count("vm", g.code_bytes);
	return 0;
}
