/*
 * tests/fuzz/fuzz_console.c — the console's command parser and the commands
 * themselves. Input: lines of console commands (at most 16 per input). Each
 * line goes through the parser alone (con_parse, with the expression
 * evaluator and /FMT parser), then through a live session on a small CPL 3
 * guest (gen.c) with a 5000-instruction budget, so `x/4096gx`, `pt`,
 * `translate`, `until`, `continue` and the rest meet whatever address or
 * count the line says. Invariants: no sanitizer report, the session ends and
 * the VM stops cleanly within its budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "tests/fuzz/gen.h"
#include "tests/fuzz/harness.h"
#include "tests/fuzz/vmrun.h"

#define MAX_LINES 16
#define LINE_MAX_BYTES 512
#define BUDGET 5000

static bool fake_sym(void *ctx, const char *name, uint64_t *out)
{
	(void)ctx;
	*out = strlen(name) * 0x1000;
	return name[0] != 'z';
}

/* The parser alone: with and without a resolver. */
static void parse_line(const char *line)
{
	struct con_resolver r = { fake_sym, fake_sym, NULL };
	struct con_cmd cmd;
	char err[256];
	(void)con_parse(line, NULL, &cmd, err, sizeof err);
	(void)con_parse(line, &r, &cmd, err, sizeof err);
	uint64_t v;
	(void)con_eval(line, &r, &v, err, sizeof err);
	struct con_fmt f = { 1, 'x', 8 };
	(void)con_parse_fmt(line, &f, err, sizeof err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen_guest g;
	static struct con_session s;
	static FILE *devnull;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		fz_fail("fuzz-console", "cannot open /dev/null");
	if (!g.elf[0]) {
		static const uint8_t code[] = { 0x48, 0x89, 0xe0, 0xeb, 0xfb }; /* mov rax, rsp; jmp back */
		gen_cpl3_guest(&g, code, sizeof code);
	}
	char err[MON_ERR_MAX];
	struct vm *vm = fz_vm_create(g.elf, sizeof g.elf, fz_mode(0), BUDGET, true, err, sizeof err);
	if (!vm)
		fz_fail("fuzz-console", err);
	con_session_init(&s, vm, devnull, false);
	static volatile sig_atomic_t no_interrupt;
	s.interrupt = &no_interrupt; /* what con_main points at its SIGINT flag */
	size_t pos = 0;
	for (unsigned n = 0; n < MAX_LINES && pos < size && !s.quit; n++) {
		char line[LINE_MAX_BYTES];
		size_t len = 0;
		while (pos < size && data[pos] != '\n' && len + 1 < sizeof line)
			line[len++] = (char)data[pos++];
		pos++;
		line[len] = '\0';
		parse_line(line);
		(void)con_exec_line(&s, line);
	}
	con_session_free(&s);
	/* whatever the commands did, the VM still stops cleanly within its budget */
	unsigned steps = 0;
	while (mon_vm_step(vm, MON_STEP_RUN) == MON_RUNNING && ++steps < 64 * BUDGET)
		;
	const struct mon_stop *st = mon_vm_stop(vm);
	if (st->reason == MON_STOP_NONE || !st->message[0] || mon_vm_icount(vm) > BUDGET + 4097)
		fz_fail("fuzz-console", "the VM did not stop cleanly within its budget after the session");
	mon_vm_destroy(vm);
	fz_count("console", size);
	return 0;
}
