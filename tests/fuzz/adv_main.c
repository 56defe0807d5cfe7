/*
 * tests/fuzz/adv_main.c — the adversarial guest suite: seeded hostile guest
 * kernels (gen.c) in every monitor mode combination (vmrun.c), each checked
 * for a clean, explained stop within its budget and the isolation invariant,
 * each under a wall-clock timeout (a host hang fails the suite instead of
 * stalling it).
 *
 *   adv-guests [--seeds N] [--first S] [--max-insns B] [--timeout SEC] [--mode NAME]
 *              [--iso-every N] [--cpl3]
 *   adv-guests --write SEED FILE      the guest of SEED as an ELF, for `vmlab run --kernel FILE`
 *
 * --cpl3: instead of hostile kernels, two pages of seeded random code run at
 * CPL 3 (gen_cpl3_guest), 20,000 instructions each unless --max-insns says.
 * --iso-every N: the isolation check after every N-th monitor step instead
 * of after every exit.
 *
 * Deterministic: the same seeds make the same guests on every machine.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/gen.h"
#include "tests/fuzz/vmrun.h"

#define MAX_ACTIONS 200

/* For the SIGALRM handler: which guest is running, and where to say so (the
 * real stderr: the monitor's own explanations on stderr go to /dev/null). */
static volatile sig_atomic_t cur_seed, cur_mode;
static int report_fd = 2;

static void on_alarm(int sig)
{
	(void)sig;
	char msg[160];
	int n = snprintf(msg, sizeof msg, "FAIL adv-guests seed %d mode %s: no stop before the timeout (host hang)\n",
			 (int)cur_seed, fz_mode((unsigned)cur_mode)->name);
	if (write(report_fd, msg, (size_t)n) < 0)
		_exit(1);
	_exit(1);
}

static int usage(void)
{
	fprintf(stderr, "usage: adv-guests [--seeds N] [--first S] [--max-insns B] [--timeout SEC] [--mode NAME]\n"
			"                  [--iso-every N] [--cpl3]\n"
			"       adv-guests --write SEED FILE\n");
	return 2;
}

static int write_guest(const char *seed, const char *path)
{
	static struct gen_guest g;
	struct gen_src s;
	gen_src_seed(&s, strtoull(seed, NULL, 0));
	gen_adversarial(&g, &s, MAX_ACTIONS);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(g.elf, 1, sizeof g.elf, f) != sizeof g.elf || fclose(f)) {
		fprintf(stderr, "adv-guests: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

/* Stop reasons seen, for the summary. */
struct tally {
	char what[48];
	unsigned n;
};

static void tally_add(struct tally *t, unsigned *nt, const char *msg)
{
	char w[48];
	snprintf(w, sizeof w, "%.40s", msg);
	for (char *p = w; *p; p++)
		if ((*p >= '0' && *p <= '9') || *p == ':') { /* "guest wrote 0x.." -> "guest wrote" */
			*p = '\0';
			break;
		}
	for (unsigned i = 0; i < *nt; i++)
		if (!strcmp(t[i].what, w)) {
			t[i].n++;
			return;
		}
	if (*nt < 64) {
		snprintf(t[*nt].what, sizeof t[*nt].what, "%s", w);
		t[(*nt)++].n = 1;
	}
}

int main(int argc, char **argv)
{
	unsigned long seeds = 8, first = 1, budget = 0, timeout = 20, iso_every = 1;
	const char *only = NULL;
	bool cpl3 = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--write") && i + 2 < argc)
			return write_guest(argv[i + 1], argv[i + 2]);
		if (!strcmp(argv[i], "--cpl3")) {
			cpl3 = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		const char *v = argv[++i];
		if (!strcmp(argv[i - 1], "--seeds"))
			seeds = strtoul(v, NULL, 0);
		else if (!strcmp(argv[i - 1], "--first"))
			first = strtoul(v, NULL, 0);
		else if (!strcmp(argv[i - 1], "--max-insns"))
			budget = strtoul(v, NULL, 0);
		else if (!strcmp(argv[i - 1], "--timeout"))
			timeout = strtoul(v, NULL, 0);
		else if (!strcmp(argv[i - 1], "--mode"))
			only = v;
		else if (!strcmp(argv[i - 1], "--iso-every"))
			iso_every = strtoul(v, NULL, 0);
		else
			return usage();
	}
	if (!budget)
		budget = cpl3 ? 20000 : 200000;
	signal(SIGALRM, on_alarm);
	fflush(stderr);
	report_fd = dup(2);
	if (report_fd < 0 || !freopen("/dev/null", "w", stderr)) {
		perror("adv-guests: /dev/null");
		return 1;
	}
	static struct gen_guest g;
	struct tally t[64];
	unsigned nt = 0, nmodes = 0, fails = 0;
	unsigned long long bytes = 0, guests = 0, insns = 0;
	for (unsigned m = 0; m < FZ_NMODES; m++) {
		if (only && strcmp(only, fz_mode(m)->name))
			continue;
		nmodes++;
		for (unsigned long seed = first; seed < first + seeds; seed++) {
			struct gen_src s;
			gen_src_seed(&s, seed);
			if (cpl3) {
				static uint8_t code[GEN_UCODE_BYTES];
				gen_random_code(&s, code, sizeof code);
				gen_cpl3_guest(&g, code, sizeof code);
			} else {
				gen_adversarial(&g, &s, MAX_ACTIONS);
			}
			cur_seed = (sig_atomic_t)seed;
			cur_mode = (sig_atomic_t)m;
			alarm((unsigned)timeout);
			struct fz_result r;
			if (fz_run_guest(g.elf, sizeof g.elf, fz_mode(m), budget, (unsigned)iso_every, &r)) {
				printf("FAIL %s seed %lu: %s\n", cpl3 ? "cpl3" : "adversarial", seed, r.violation);
				fails++;
			}
			alarm(0);
			tally_add(t, &nt, r.message);
			/* CPL 3: the code pages; a kernel: the action code up to the one that
			 * was next when the guest stopped */
			if (cpl3)
				bytes += g.code_bytes;
			else if (r.resume > GEN_CODE_PA && r.resume - GEN_CODE_PA <= g.code_bytes)
				bytes += r.resume - GEN_CODE_PA;
			insns += r.icount;
			guests++;
		}
	}
	if (!nmodes) {
		fprintf(stderr, "adv-guests: no mode named '%s'\n", only);
		return 2;
	}
	printf("%s %s guests: %llu (%u modes x %lu seeds from %lu; %llu %s, %llu guest instructions run), "
	       "%u failed; stops:\n",
	       fails ? "FAIL" : "ok  ", cpl3 ? "random CPL 3" : "adversarial", guests, nmodes, seeds, first,
	       bytes, cpl3 ? "bytes of code" : "bytes of actions reached", insns, fails);
	for (unsigned i = 0; i < nt; i++)
		printf("       %4u x %s\n", t[i].n, t[i].what);
	return fails ? 1 : 0;
}
