/*
 * tests/fuzz/fuzz_cpl3.c — the decoder and executor at CPL 3 under the
 * monitor, on random code pages. Input: byte 0 picks the monitor mode
 * (vmrun.c's list), the rest is the user code (tiled over two pages). The
 * guest kernel (gen.c) resumes the user one byte further on after every
 * exception, so each byte offset of the page gets decoded and executed.
 */
#include "tests/fuzz/gen.h"
#include "tests/fuzz/harness.h"
#include "tests/fuzz/vmrun.h"

/* the isolation check (it walks every shadow table) after every 256th monitor step and at the end */
#define ISO_EVERY 256
#define BUDGET 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen_guest g;
	if (size < 2)
		return 0;
	gen_cpl3_guest(&g, data + 1, size - 1);
	struct fz_result r;
	if (fz_run_guest(g.elf, sizeof g.elf, fz_mode(data[0]), BUDGET, ISO_EVERY, &r))
		fz_fail("fuzz-cpl3", r.violation);
	fz_count("cpl3", g.code_bytes);
	return 0;
}
